/**
 * The forward plan of key decisions (public when published, with CSV/JSON), an entry's page with scrutiny's marks,
 * the forms to add and change entries and to mark them; the board's page of its panels' quarterly monitoring feedback,
 * with the form a panel's feedback is recorded with; and the forward plan's API. A private entry's documents never
 * reach the public (publicEntry).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, ExportFormat } from '../platform/export.ts'
import { parseForm } from '../platform/validation.ts'
import { ValidationError } from '../platform/errors.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { plural } from '../platform/format.ts'
import { EntryInput, EntryJson, FeedbackInput, MarkInput, MARKS, NOTICE_CLEAR_DAYS, type EntryView } from './forward-plan.ts'
import { exemptReason } from './decisions.ts'
import { CouncilQuery } from './schema.ts'
import { longDate, shortDate } from './dates.ts'
import { SCHEDULE_12A } from './schema.ts'

const V = 'scrutiny/views'
const PartnershipParams = Type.Object({ partnership: Type.String() })
const EntryParams = Type.Object({ partnership: Type.String(), entry: Type.Integer() })
const BodyParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }) })
const FormatQuery = Type.Object({ format: ExportFormat })
const MonitoringQuery = Type.Object({ quarter: Type.Optional(Type.String({ maxLength: 20 })), format: ExportFormat })

const href = (slug: string, e: { id: number }) => `/partnerships/${slug}/forward-plan/${e.id}`

function entriesTable(slug: string) {
  return defineTable<EntryView>([
    { key: 'id', value: (e) => e.id },
    { key: 'title', header: 'Decision', value: (e) => e.title, html: (e) => link(href(slug, e), e.title) },
    { key: 'decision_maker', header: 'Decision maker', value: (e) => e.maker_name },
    { key: 'decision_date', header: 'Expected', value: (e) => e.decision_date, text: (e) => shortDate(e.decision_date) },
    { key: 'key_decision', header: 'Key', value: (e) => e.key_decision, text: (e) => (e.key_decision ? 'Key decision' : 'No') },
    {
      key: 'private',
      header: 'Open or private',
      value: (e) => e.private,
      text: (e) => (e.private ? `Private (paragraph ${e.private_paragraph})` : 'Open'),
    },
    { key: 'private_reason', value: (e) => e.private_reason },
    { key: 'consultation', value: (e) => e.consultation },
    { key: 'documents', value: (e) => e.documents },
    { key: 'contact', value: (e) => e.contact },
    { key: 'published_on', header: 'Published', value: (e) => e.published_on, text: (e) => shortDate(e.published_on) },
    { key: 'clear_days', value: (e) => e.clear_days },
    {
      key: 'notice',
      header: 'Notice',
      value: (e) => e.late_notice,
      html: (e) =>
        e.late_notice ? `<strong class="govuk-tag govuk-tag--red">${e.clear_days} clear days</strong>` : `${e.clear_days} clear days`,
    },
    {
      key: 'marks',
      header: 'Scrutiny',
      value: (e) => e.marks.map((m) => (m.panel_name ? `${m.mark}: ${m.panel_name}` : m.mark)).join('; '),
    },
    { key: 'illustrative', value: (e) => e.illustrative },
  ])
}

export async function forwardPlanRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const f = services.forwardPlan
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    ...more,
  ]
  const entryId = (request: FastifyRequest) => (request.params as { entry: number }).entry

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/forward-plan',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: FormatQuery } },
    async (request, reply) => {
      const list = await f.list(p(request).id, { includePrivate: isMember(request) })
      const table = entriesTable(p(request).slug)
      if (sendExport(reply, request.query.format, `forward-plan-${p(request).slug}`, list, table)) return reply
      const late = list.filter((e) => e.late_notice).length
      return reply.view(`${V}/forward-plan.njk`, {
        title: `Forward plan of ${p(request).name}`,
        table: tableView(table, list, { caption: plural(list.length, 'entry'), captionClasses: 'govuk-table__caption--m' }),
        count: list.length,
        late,
        clearDays: NOTICE_CLEAR_DAYS,
        newHref: hasRole(request, 'editor') ? `${base(request)}/forward-plan/new` : undefined,
        illustrative: list.some((e) => e.illustrative),
        breadcrumbs: crumbs(request),
      })
    },
  )

  const paragraphItems = Object.entries(SCHEDULE_12A).map(([n, words]) => ({ value: Number(n), text: `Paragraph ${n}: ${words}` }))
  const formContext = (request: FastifyRequest, existing?: { id: number }) => ({
    title: existing ? 'Change the forward plan entry' : 'Add to the forward plan',
    paragraphItems,
    action: existing ? `${href(p(request).slug, existing)}/edit` : `${base(request)}/forward-plan/new`,
    cancelHref: existing ? href(p(request).slug, existing) : `${base(request)}/forward-plan`,
    breadcrumbs: crumbs(request, [{ text: 'Forward plan', href: `${base(request)}/forward-plan` }]),
  })

  app.get(
    '/partnerships/:partnership/forward-plan/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      return reply.view(`${V}/forward-plan-form.njk`, { ...formContext(request), values: { makerName: 'Cabinet', keyDecision: true } })
    },
  )

  app.post(
    '/partnerships/:partnership/forward-plan/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      return handleForm(request, reply, {
        template: `${V}/forward-plan-form.njk`,
        context: formContext(request),
        run: async () => {
          const e = await f.create(p(request).id, parseForm(EntryInput, formBody(request)), request.actor)
          return { redirect: href(p(request).slug, e), flash: `Added to the forward plan: ${e.title}` }
        },
      })
    },
  )

  async function pageContext(request: FastifyRequest) {
    const member = isMember(request)
    const e = await f.get(p(request).id, entryId(request), { includePrivate: member })
    const editing = hasRole(request, 'editor')
    const here = href(p(request).slug, e)
    const panels = editing ? await f.panels(p(request).id) : []
    return {
      title: e.title,
      entry: e,
      member,
      here,
      privateText: e.private ? exemptReason(e.private_paragraph) : null,
      decisionText: longDate(e.decision_date),
      publishedText: longDate(e.published_on),
      clearDays: NOTICE_CLEAR_DAYS,
      canEdit: editing,
      markItems: MARKS.map((m) => ({ value: m, text: m === 'to consider' ? 'To consider at a future meeting' : 'Refer to a panel' })),
      panelItems: panels.map((b) => ({ value: b.id, text: b.name })),
      values: {},
      historyHref: historyHref(request, 'forward_plan_entry', e.id, here),
      breadcrumbs: crumbs(request, [{ text: 'Forward plan', href: `${base(request)}/forward-plan` }]),
    }
  }

  app.get(
    '/partnerships/:partnership/forward-plan/:entry',
    { config: { access: { partnership: 'public' } }, schema: { params: EntryParams } },
    async (request, reply) => {
      return reply.view(`${V}/forward-plan-entry.njk`, await pageContext(request))
    },
  )

  app.get(
    '/partnerships/:partnership/forward-plan/:entry/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: EntryParams } },
    async (request, reply) => {
      const e = await f.get(p(request).id, entryId(request), { includePrivate: true })
      return reply.view(`${V}/forward-plan-form.njk`, {
        ...formContext(request, e),
        values: {
          title: e.title,
          makerName: e.maker_name,
          decisionDate: e.decision_date,
          keyDecision: e.key_decision,
          private: e.private,
          privateParagraph: e.private_paragraph,
          privateReason: e.private_reason,
          consultation: e.consultation,
          documents: e.documents,
          contact: e.contact,
          publishedOn: e.published_on,
          published: e.published,
          illustrative: e.illustrative,
          version: e.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/forward-plan/:entry/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: EntryParams } },
    async (request, reply) => {
      const e = await f.get(p(request).id, entryId(request), { includePrivate: true })
      return handleForm(request, reply, {
        template: `${V}/forward-plan-form.njk`,
        context: formContext(request, e),
        run: async () => {
          const saved = await f.update(p(request).id, e.id, parseForm(EntryInput, formBody(request)), request.actor)
          return { redirect: href(p(request).slug, saved), flash: 'Forward plan entry saved' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/forward-plan/:entry/mark',
    { config: { access: { partnership: 'editor' } }, schema: { params: EntryParams } },
    async (request, reply) => {
      return handleForm(request, reply, {
        template: `${V}/forward-plan-entry.njk`,
        context: () => pageContext(request),
        run: async () => {
          const m = await f.mark(p(request).id, entryId(request), parseForm(MarkInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/forward-plan/${entryId(request)}`, flash: `Marked “${m.mark}”` }
        },
      })
    },
  )

  // ---- The board's standing item: its council's panels' monitoring feedback for a quarter ----

  async function monitoringContext(request: FastifyRequest, quarter: string | undefined) {
    const c = await services.scrutiny.committee(p(request).id, (request.params as { body: string }).body)
    const found = await f.monitoring(p(request).id, quarter)
    const editing = hasRole(request, 'editor')
    const here = `${base(request)}/committees/${c.body.slug}/monitoring`
    return {
      title: `Scrutiny panels’ monitoring feedback${found.quarter ? `, ${found.quarter}` : ''}`,
      body: c.body,
      here,
      quarter: found.quarter,
      quarters: found.quarters.map((q) => ({ text: q, href: `${here}?quarter=${encodeURIComponent(q)}`, current: q === found.quarter })),
      list: found.list,
      exportHref: found.quarter ? `${here}?quarter=${encodeURIComponent(found.quarter)}` : here,
      exportWhat: 'this feedback',
      illustrative: found.list.some((x) => x.feedback?.illustrative),
      canEdit: editing,
      panelItems: found.list.map((x) => ({ value: x.panel.id, text: x.panel.name })),
      values: { quarter: found.quarter },
      breadcrumbs: crumbs(request, [
        { text: 'Committees', href: `${base(request)}/committees` },
        { text: c.body.name, href: `${base(request)}/committees/${c.body.slug}` },
      ]),
    }
  }
  const monitoringTable = defineTable<{
    panel: { name: string }
    feedback: { quarter: string; concerns: string | null; suggestions: string | null; performance: string | null } | null
  }>([
    { key: 'panel', header: 'Panel', value: (x) => x.panel.name },
    { key: 'quarter', header: 'Quarter', value: (x) => x.feedback?.quarter ?? null },
    { key: 'concerns', header: 'Areas of concern', value: (x) => x.feedback?.concerns ?? null },
    { key: 'suggestions', header: 'Suggestions for further scrutiny', value: (x) => x.feedback?.suggestions ?? null },
    { key: 'performance', header: 'Performance against budget', value: (x) => x.feedback?.performance ?? null },
  ])

  app.get<{ Querystring: Static<typeof MonitoringQuery> }>(
    '/partnerships/:partnership/committees/:body/monitoring',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams, querystring: MonitoringQuery } },
    async (request, reply) => {
      const context = await monitoringContext(request, request.query.quarter || undefined)
      if (sendExport(reply, request.query.format, `monitoring-${p(request).slug}`, context.list, monitoringTable)) return reply
      return reply.view(`${V}/monitoring.njk`, context)
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/monitoring',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const body = formBody(request)
      return handleForm(request, reply, {
        template: `${V}/monitoring.njk`,
        context: () => monitoringContext(request, undefined),
        run: async () => {
          const panelBodyId = Number(body.panelBodyId)
          if (!panelBodyId) throw new ValidationError({ panelBodyId: 'Select the panel the feedback is from' })
          const saved = await f.saveFeedback(p(request).id, panelBodyId, parseForm(FeedbackInput, body), request.actor)
          return {
            redirect: `${base(request)}/committees/${(request.params as { body: string }).body}/monitoring?quarter=${encodeURIComponent(saved.quarter)}`,
            flash: `Feedback saved for ${saved.quarter}`,
          }
        },
      })
    },
  )

  // ---- API ----

  app.get<{ Querystring: Static<typeof CouncilQuery> }>(
    '/api/v1/forward-plan',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Scrutiny'],
        summary: "A published council's forward plan of key decisions (a private entry's reason, never its documents)",
        security: [],
        querystring: CouncilQuery,
        response: { 200: Type.Array(EntryJson) },
      },
    },
    async (request) => {
      const found = await f.publicFor(request.query.council)
      return found.list.map((e) => ({
        id: e.id,
        url: `${config.baseUrl}${href(found.council.slug, e)}`,
        council: { slug: found.council.slug, name: found.council.name },
        title: e.title,
        decisionMaker: e.maker_name,
        expectedDecisionDate: e.decision_date,
        keyDecision: e.key_decision,
        private: e.private,
        privateParagraph: e.private_paragraph,
        privateReason: e.private_reason,
        consultation: e.consultation,
        documents: e.documents,
        contact: e.contact,
        publishedOn: e.published_on,
        clearDays: e.clear_days,
        lateNotice: e.late_notice,
        illustrative: e.illustrative,
      }))
    },
  )
}
