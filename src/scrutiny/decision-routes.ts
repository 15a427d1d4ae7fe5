/**
 * Executive decision records' pages and API: a council's decisions (public when published, with CSV/JSON), a
 * decision's page with its call-in deadline and call-ins, the forms to record and change a decision, to record a
 * call-in and schedule it to a scrutiny committee's meeting, and the council's call-in rules. The public never sees an
 * unpublished decision, nor an exempt one's details (publicDecision).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, ExportFormat } from '../platform/export.ts'
import { parseForm } from '../platform/validation.ts'
import { NotFoundError } from '../platform/errors.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { plural } from '../platform/format.ts'
import { CallInInput, DecisionInput, DecisionJson, exemptReason, RulesInput, ScheduleInput, type DecisionView } from './decisions.ts'
import { longDate, shortDate, todayInLondon } from './dates.ts'
import { CouncilQuery, SCHEDULE_12A } from './schema.ts'

const V = 'scrutiny/views'
const PartnershipParams = Type.Object({ partnership: Type.String() })
const DecisionParams = Type.Object({ partnership: Type.String(), decision: Type.Integer() })
const CallInParams = Type.Object({ partnership: Type.String(), decision: Type.Integer(), callIn: Type.Integer() })
const FormatQuery = Type.Object({ format: ExportFormat })

const href = (slug: string, d: { id: number }) => `/partnerships/${slug}/decisions/${d.id}`

function decisionsTable(slug: string) {
  return defineTable<DecisionView>([
    { key: 'id', value: (d) => d.id },
    { key: 'date', header: 'Date', value: (d) => d.decision_date, text: (d) => shortDate(d.decision_date) },
    { key: 'title', header: 'Decision', value: (d) => d.shown_title, html: (d) => link(href(slug, d), d.shown_title) },
    { key: 'decision_maker', header: 'Decision maker', value: (d) => d.maker_name },
    { key: 'exempt_paragraph', value: (d) => d.exempt_paragraph },
    { key: 'decision', value: (d) => d.decision },
    { key: 'reasons', value: (d) => d.reasons },
    { key: 'published_on', value: (d) => d.published_on },
    {
      key: 'call_in',
      header: 'Call-in',
      value: (d) => d.call_in_deadline,
      text: (d) => (d.call_in_waived ? 'Waived (urgent)' : d.call_in_deadline ? `Until ${shortDate(d.call_in_deadline)}` : 'Not published'),
    },
    { key: 'call_ins', header: 'Call-ins', value: (d) => d.call_ins },
    { key: 'published', value: (d) => d.published },
    { key: 'illustrative', value: (d) => d.illustrative },
  ])
}

const paragraphItems = Object.entries(SCHEDULE_12A).map(([n, words]) => ({ value: Number(n), text: `Paragraph ${n}: ${words}` }))

export async function decisionRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const d = services.decisions
  const s = services.scrutiny
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    ...more,
  ]
  const decisionId = (request: FastifyRequest) => (request.params as { decision: number }).decision

  async function listContext(request: FastifyRequest) {
    const member = isMember(request)
    const list = await d.list(p(request).id, { includePrivate: member })
    const rules = await d.rules(p(request).id)
    return {
      title: `Decisions of ${p(request).name}`,
      list,
      table: tableView(decisionsTable(p(request).slug), list, {
        caption: plural(list.length, 'decision'),
        captionClasses: 'govuk-table__caption--m',
      }),
      count: list.length,
      rules,
      canEdit: hasRole(request, 'editor'),
      newHref: `${base(request)}/decisions/new`,
      rulesAction: `${base(request)}/decisions/call-in-rules`,
      values: { workingDays: rules.working_days, minMembers: rules.min_members, version: rules.version },
      illustrative: list.some((x) => x.illustrative),
      breadcrumbs: crumbs(request),
    }
  }

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/decisions',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: FormatQuery } },
    async (request, reply) => {
      const context = await listContext(request)
      if (sendExport(reply, request.query.format, `decisions-${p(request).slug}`, context.list, decisionsTable(p(request).slug)))
        return reply
      return reply.view(`${V}/decisions.njk`, context)
    },
  )

  app.post(
    '/partnerships/:partnership/decisions/call-in-rules',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      return handleForm(request, reply, {
        template: `${V}/decisions.njk`,
        context: () => listContext(request),
        run: async () => {
          await d.saveRules(p(request).id, parseForm(RulesInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/decisions`, flash: 'Call-in rules saved' }
        },
      })
    },
  )

  async function formContext(request: FastifyRequest, existing?: DecisionView) {
    const bodies = await s.bodies(p(request).id)
    const meetings = await s.meetings(p(request).id)
    // The substantive items of the council's 12 latest meetings (a decision is recorded soon after its meeting).
    const itemItems: { value: number; text: string }[] = []
    for (const m of meetings
      .filter((x) => x.status !== 'cancelled')
      .slice(-12)
      .reverse()) {
      const { agenda } = await s.meeting(p(request).id, m.id, { member: true })
      for (const i of agenda)
        if (!i.standard) itemItems.push({ value: i.id, text: `${m.body_name}, ${shortDate(m.date)}: ${i.number}. ${i.title}` })
    }
    return {
      itemItems,
      title: existing ? `Change the decision record` : 'Record a decision',
      bodyItems: bodies.map((b) => ({ value: b.id, text: b.name })),
      meetingItems: meetings.map((m) => ({ value: m.id, text: `${m.body_name}, ${shortDate(m.date)}` })),
      paragraphItems,
      action: existing ? `${href(p(request).slug, existing)}/edit` : `${base(request)}/decisions/new`,
      cancelHref: existing ? href(p(request).slug, existing) : `${base(request)}/decisions`,
      breadcrumbs: crumbs(request, [{ text: 'Decisions', href: `${base(request)}/decisions` }]),
    }
  }

  app.get(
    '/partnerships/:partnership/decisions/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      const context = await formContext(request)
      const cabinet = (await s.bodies(p(request).id)).find((b) => b.type === 'cabinet')
      return reply.view(`${V}/decision-form.njk`, {
        ...context,
        values: { bodyId: cabinet?.id, dispensation: 'None', urgency: null },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/decisions/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      return handleForm(request, reply, {
        template: `${V}/decision-form.njk`,
        context: () => formContext(request),
        run: async () => {
          const made = await d.create(p(request).id, parseForm(DecisionInput, formBody(request)), request.actor)
          return { redirect: href(p(request).slug, made), flash: `Decision recorded: ${made.title}` }
        },
      })
    },
  )

  async function pageContext(request: FastifyRequest) {
    const member = isMember(request)
    const found = await d.get(p(request).id, decisionId(request), { includePrivate: member })
    const dec = found.decision
    const editing = hasRole(request, 'editor')
    const here = href(p(request).slug, dec)
    const councillors = editing ? (await s.councillors(p(request).id)).filter((c) => c.kind === 'councillor') : []
    const scrutinyMeetings = editing ? await d.scrutinyMeetings(p(request).id) : []
    const meeting = dec.meeting_id ? (await s.meetings(p(request).id)).find((m) => m.id === dec.meeting_id) : undefined
    return {
      title: dec.shown_title,
      dec,
      here,
      member,
      exemptText: dec.exempt ? exemptReason(dec.exempt_paragraph) : null,
      dateText: longDate(dec.decision_date),
      publishedText: dec.published_on ? longDate(dec.published_on) : null,
      deadlineText: dec.call_in_deadline ? longDate(dec.call_in_deadline) : null,
      deadlinePassed: dec.call_in_deadline ? dec.call_in_deadline < todayInLondon() : false,
      rules: found.rules,
      callIns: found.callIns.map((c) => ({
        ...c,
        requestedText: longDate(c.requested_on),
        meetingHref: c.meeting_id ? `${base(request)}/meetings/${c.meeting_id}` : null,
      })),
      meetingHref: meeting ? `${base(request)}/meetings/${meeting.id}` : null,
      meetingText: meeting ? `${meeting.body_name}, ${shortDate(meeting.date)}` : null,
      canEdit: editing,
      canCallIn: editing && dec.published && !dec.call_in_waived,
      councillorItems: councillors.map((c) => ({ value: c.id, text: c.party ? `${c.name} (${c.party})` : c.name })),
      scrutinyMeetingItems: scrutinyMeetings.map((m) => ({ value: m.id, text: `${m.body_name}, ${shortDate(m.date)}` })),
      values: { requestedOn: todayInLondon() },
      historyHref: historyHref(request, 'decision', dec.id, here),
      breadcrumbs: crumbs(request, [{ text: 'Decisions', href: `${base(request)}/decisions` }]),
    }
  }

  app.get(
    '/partnerships/:partnership/decisions/:decision',
    { config: { access: { partnership: 'public' } }, schema: { params: DecisionParams } },
    async (request, reply) => {
      return reply.view(`${V}/decision.njk`, await pageContext(request))
    },
  )

  app.get(
    '/partnerships/:partnership/decisions/:decision/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: DecisionParams } },
    async (request, reply) => {
      const { decision: dec } = await d.get(p(request).id, decisionId(request), { includePrivate: true })
      return reply.view(`${V}/decision-form.njk`, {
        ...(await formContext(request, dec)),
        values: {
          bodyId: dec.body_id,
          makerName: dec.body_id ? null : dec.maker_name,
          decisionDate: dec.decision_date,
          title: dec.title,
          reportFrom: dec.report_from,
          contact: dec.contact,
          decision: dec.decision,
          reasons: dec.reasons,
          alternatives: dec.alternatives,
          conflicts: dec.conflicts,
          dispensation: dec.dispensation,
          urgency: dec.urgency,
          callInWaived: dec.call_in_waived,
          chairAgreement: dec.chair_agreement,
          approvedBy: dec.approved_by,
          meetingId: dec.meeting_id,
          itemId: dec.item_id,
          exempt: dec.exempt,
          exemptParagraph: dec.exempt_paragraph,
          publishedTitle: dec.published_title,
          published: dec.published,
          publishedOn: dec.published_on,
          illustrative: dec.illustrative,
          version: dec.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/decisions/:decision/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: DecisionParams } },
    async (request, reply) => {
      const { decision: dec } = await d.get(p(request).id, decisionId(request), { includePrivate: true })
      return handleForm(request, reply, {
        template: `${V}/decision-form.njk`,
        context: () => formContext(request, dec),
        run: async () => {
          const saved = await d.update(p(request).id, dec.id, parseForm(DecisionInput, formBody(request)), request.actor)
          return { redirect: href(p(request).slug, saved), flash: 'Decision record saved' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/decisions/:decision/call-ins',
    { config: { access: { partnership: 'editor' } }, schema: { params: DecisionParams } },
    async (request, reply) => {
      return handleForm(request, reply, {
        template: `${V}/decision.njk`,
        context: () => pageContext(request),
        run: async () => {
          await d.callIn(p(request).id, decisionId(request), parseForm(CallInInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/decisions/${decisionId(request)}#call-in`, flash: 'Call-in recorded' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/decisions/:decision/call-ins/:callIn/schedule',
    { config: { access: { partnership: 'editor' } }, schema: { params: CallInParams } },
    async (request, reply) => {
      const { callIn } = request.params as { callIn: number }
      // The call-in must be this decision's.
      const found = await d.get(p(request).id, decisionId(request), { includePrivate: true })
      if (!found.callIns.some((c) => c.id === callIn)) throw new NotFoundError()
      return handleForm(request, reply, {
        template: `${V}/decision.njk`,
        context: () => pageContext(request),
        run: async () => {
          const c = await d.schedule(p(request).id, callIn, parseForm(ScheduleInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/meetings/${c.meeting_id}`, flash: 'Call-in added to the meeting’s agenda' }
        },
      })
    },
  )

  app.get<{ Querystring: Static<typeof CouncilQuery> }>(
    '/api/v1/decisions',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Scrutiny'],
        summary:
          "A published council's published executive decision records, with their call-in deadline (exempt ones by published title only)",
        security: [],
        querystring: CouncilQuery,
        response: { 200: Type.Array(DecisionJson) },
      },
    },
    async (request) => {
      const found = await d.publicFor(request.query.council)
      return found.list.map((x) => ({
        id: x.id,
        url: `${config.baseUrl}${href(found.council.slug, x)}`,
        council: { slug: found.council.slug, name: found.council.name },
        decisionMaker: x.maker_name,
        date: x.decision_date,
        title: x.shown_title,
        exempt: x.exempt,
        exemptParagraph: x.exempt_paragraph,
        reportFrom: x.report_from,
        contact: x.contact,
        decision: x.decision,
        reasons: x.reasons,
        alternatives: x.alternatives,
        conflicts: x.conflicts,
        dispensation: x.dispensation,
        urgency: x.urgency,
        callInWaived: x.call_in_waived,
        approvedBy: x.approved_by,
        publishedOn: x.published_on,
        callInDeadline: x.call_in_deadline,
        callIns: x.call_ins,
        illustrative: x.illustrative,
      }))
    },
  )
}
