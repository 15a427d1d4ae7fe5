/**
 * A committee's work programme: the table (public when the council is published; agreed items only), its CSV/JSON
 * downloads, print view and PDF; the editors' forms for items, their meetings, deferrals and the programme's settings;
 * suggestions (a public form, an editor's form), their scoring against seed 004's criteria and their triage.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport, ExportFormat } from '../platform/export.ts'
import { choice, parseForm } from '../platform/validation.ts'
import { NotFoundError } from '../platform/errors.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { defineTable, link, tableView, type TableColumn } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { plural } from '../platform/format.ts'
import { fileNamePart, sendPdf } from '../platform/pdf.ts'
import type { MeetingView } from './service.ts'
import { shortDate, todayInLondon } from './dates.ts'
import {
  columnDate,
  CRITERIA,
  LENGTH_LABELS,
  LENGTHS,
  SCORE_WORDS,
  ScoreInput,
  SettingsInput,
  SOURCE_LABELS,
  SOURCES,
  SUGGESTION_STATE_LABELS,
  SuggestionInput,
  TriageInput,
  WorkItemInput,
  type SuggestionView,
  type WorkItemView,
} from './work-programme.ts'

const V = 'scrutiny/views'
const BodyParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }) })
const ItemParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }), item: Type.Integer() })
const PlanParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }), plan: Type.Integer() })
const SuggestionParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }), suggestion: Type.Integer() })
const FormatQuery = Type.Object({ format: ExportFormat })
const SORTS = ['total', 'newest', 'title'] as const
const SuggestionsQuery = Type.Object({
  format: ExportFormat,
  sort: Type.Optional(choice(SORTS, 'Sort')),
  state: Type.Optional(choice(['', 'new', 'accepted', 'declined', 'merged'] as const, 'State')),
})

const pre = (s: string | null) => (s ? escapeHtml(s).replace(/\n/g, '<br>') : '')

/** The programme's table: its fixed columns, then one a meeting (marked where the item is planned). */
function programmeTable(columns: MeetingView[], meetingHref: (m: { id: number }, anchor?: number | null) => string) {
  const keys = new Map<number, string>()
  for (const m of columns) {
    let key = `meeting_${m.date}`
    for (let n = 2; [...keys.values()].includes(key); n++) key = `meeting_${m.date}_${n}`
    keys.set(m.id, key)
  }
  const meetingColumns: TableColumn<WorkItemView>[] = columns.map((m) => ({
    key: keys.get(m.id)!,
    header: columnDate(m.date) + (m.status === 'cancelled' ? ' (cancelled)' : ''),
    value: (i) => {
      const p = i.plans.find((x) => x.meeting_id === m.id)
      return p ? (p.deferred ? 'deferred' : 'planned') : ''
    },
    html: (i) => {
      const p = i.plans.find((x) => x.meeting_id === m.id)
      if (!p) return ''
      if (p.deferred)
        return `<strong class="govuk-tag govuk-tag--grey">Deferred</strong><span class="govuk-visually-hidden"> from ${escapeHtml(shortDate(m.date))}</span>`
      return link(meetingHref(m, p.agenda_item_id), '✓ Planned', `for ${shortDate(m.date)}: the agenda item`)
    },
  }))
  return defineTable<WorkItemView>([
    { key: 'id', value: (i) => i.id },
    { key: 'topic', header: 'Topic', value: (i) => i.topic },
    { key: 'issue', header: 'Issue', value: (i) => i.issue, html: (i) => pre(i.issue) },
    { key: 'reason', header: 'Reason for inclusion', value: (i) => i.reason, html: (i) => pre(i.reason) },
    {
      key: 'status_outcomes',
      header: 'Status and outcomes',
      value: (i) => i.status_outcomes,
      html: (i) => pre(i.status_outcomes) + (i.agreed ? '' : ' <strong class="govuk-tag govuk-tag--yellow">Not agreed yet</strong>'),
    },
    { key: 'directorate', value: (i) => i.directorate },
    { key: 'length', value: (i) => i.length },
    { key: 'agreed', value: (i) => i.agreed },
    { key: 'crime_and_disorder_review', value: (i) => i.cd_review },
    ...meetingColumns,
    { key: 'planned_meetings', value: (i) => i.plans.filter((p) => !p.deferred).map((p) => p.date) },
  ])
}

const suggestionsTable = defineTable<SuggestionView & { href: string }>([
  { key: 'id', value: (s) => s.id },
  { key: 'title', header: 'Topic suggested', value: (s) => s.title, html: (s) => link(s.href, s.title) },
  { key: 'source', header: 'From', value: (s) => s.source, text: (s) => SOURCE_LABELS[s.source] },
  { key: 'state', header: 'State', value: (s) => s.state, text: (s) => SUGGESTION_STATE_LABELS[s.state] },
  ...CRITERIA.map((c) => ({
    key: `score_${c.key}`,
    value: (s: SuggestionView) => s.scores.find((x) => x.key === c.key)!.score,
  })),
  {
    key: 'total',
    header: 'Score (of 14)',
    value: (s) => s.total,
    text: (s) => (s.total === null ? null : `${s.total}${s.scored < 7 ? ` (${s.scored} of 7 scored)` : ''}`),
    empty: 'Not scored',
  },
  { key: 'created_at', header: 'Suggested', value: (s) => new Date(s.created_at).toISOString().slice(0, 10) },
])

export async function workProgrammeRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const w = services.workProgramme
  const s = services.scrutiny
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const bodySlug = (request: FastifyRequest) => (request.params as { body: string }).body
  const programmeHref = (request: FastifyRequest, slug = bodySlug(request)) => `${base(request)}/committees/${slug}/work-programme`
  const crumbs = (request: FastifyRequest, body: { name: string; slug: string }, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    { text: 'Committees', href: `${base(request)}/committees` },
    { text: body.name, href: `${base(request)}/committees/${body.slug}` },
    ...more,
  ]
  const meetingHref = (request: FastifyRequest) => (m: { id: number }, anchor?: number | null) =>
    `${base(request)}/meetings/${m.id}${anchor ? `#item-${anchor}` : ''}`

  async function programmeContext(request: FastifyRequest) {
    const member = isMember(request)
    const prog = await w.programme(p(request).id, bodySlug(request), { member })
    const table = programmeTable(prog.columns, meetingHref(request))
    return { prog, table, member }
  }

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/committees/:body/work-programme',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams, querystring: FormatQuery } },
    async (request, reply) => {
      const { prog, table, member } = await programmeContext(request)
      const name = `work-programme-${p(request).slug}-${prog.body.slug}`
      if (sendExport(reply, request.query.format, name, prog.items, table)) return reply
      const here = programmeHref(request)
      const editing = hasRole(request, 'editor')
      return reply.view(`${V}/work-programme.njk`, {
        title: `Work programme of ${prog.body.name}`,
        prog,
        here,
        member,
        editing,
        table: tableView(table, prog.items, { caption: plural(prog.items.length, 'item'), captionClasses: 'govuk-table__caption--m' }),
        editItems: editing ? prog.items.map((i) => ({ id: i.id, label: i.label, version: i.version, plans: i.plans })) : [],
        planDates: editing ? Object.fromEntries(prog.columns.map((m) => [m.id, shortDate(m.date)])) : {},
        today: todayInLondon(),
        values: { callInLimit: prog.callInLimit, startsOn: prog.startsOn, version: prog.settings?.version },
        breadcrumbs: crumbs(request, prog.body),
      })
    },
  )

  app.get<{ Querystring: { format?: 'pdf' } }>(
    '/partnerships/:partnership/committees/:body/work-programme/print',
    {
      config: { access: { partnership: 'public' } },
      schema: { params: BodyParams, querystring: Type.Object({ format: Type.Optional(choice(['pdf'] as const, 'Format')) }) },
    },
    async (request, reply) => {
      const { prog, table } = await programmeContext(request)
      const title = `Work programme – ${prog.body.name}`
      if (request.query.format === 'pdf')
        return sendPdf(request, reply, services.pdf, {
          path: `${programmeHref(request)}/print`,
          title: `${p(request).name}: ${title}`,
          author: p(request).name,
          subject: title,
          filename: `${fileNamePart(p(request).slug)}-${fileNamePart(prog.body.slug)}-work-programme.pdf`,
          header: { left: p(request).name, right: title },
          footer: `${p(request).name}: ${title}`,
          landscape: true,
        })
      return reply.view(`${V}/work-programme-print.njk`, {
        title,
        prog,
        table: tableView(table, prog.items, { caption: title, captionClasses: 'govuk-visually-hidden' }),
        breadcrumbs: crumbs(request, prog.body, [{ text: 'Work programme', href: programmeHref(request) }]),
      })
    },
  )

  // ---- Items ----

  async function itemFormContext(request: FastifyRequest, existing: WorkItemView | undefined, ticked: string[]) {
    const c = await s.committee(p(request).id, bodySlug(request))
    const upcoming = await w.plannableMeetings(p(request).id, c.body)
    const today = todayInLondon()
    const here = programmeHref(request, c.body.slug)
    const pastPlans = (existing?.plans ?? []).filter((x) => x.date < today)
    return {
      title: existing ? `Change ${existing.label}` : `Add an item to the work programme of ${c.body.name}`,
      body: c.body,
      crimeAndDisorder: c.committee?.crime_and_disorder ?? false,
      meetingItems: upcoming.map((m) => ({
        value: m.id,
        text: `${shortDate(m.date)}${m.status === 'confirmed' ? ' (confirmed)' : ''}`,
        checked: ticked.includes(String(m.id)),
      })),
      pastPlans: pastPlans.map((x) => `${shortDate(x.date)}${x.deferred ? ' (deferred)' : ''}`),
      partnershipItems: c.scrutinises.map((x) => ({ value: x.id, text: x.name })),
      lengthItems: LENGTHS.map((l) => ({ value: l, text: LENGTH_LABELS[l] })),
      action: existing ? `${here}/items/${existing.id}/edit` : `${here}/items/new`,
      cancelHref: here,
      removeAction: existing ? `${here}/items/${existing.id}/remove` : undefined,
      historyHref: existing ? historyHref(request, 'work_programme_item', existing.id, here) : undefined,
      breadcrumbs: crumbs(request, c.body, [{ text: 'Work programme', href: here }]),
    }
  }
  /** The meetings ticked, as the form's checkboxes want them. */
  const ticked = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v]).map(String)

  app.get(
    '/partnerships/:partnership/committees/:body/work-programme/items/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) =>
      reply.view(`${V}/work-programme-item-form.njk`, { ...(await itemFormContext(request, undefined, [])), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/items/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/work-programme-item-form.njk`,
        context: () => itemFormContext(request, undefined, ticked(formBody(request).meetings)),
        run: async () => {
          const item = await w.createItem(p(request).id, bodySlug(request), parseForm(WorkItemInput, formBody(request)), request.actor)
          return { redirect: programmeHref(request), flash: `${item.topic} added to the work programme` }
        },
      }),
  )

  const itemId = (request: FastifyRequest) => (request.params as { item: number }).item
  async function ownItem(request: FastifyRequest) {
    const item = await w.item(p(request).id, itemId(request), { member: true })
    const body = await s.committee(p(request).id, bodySlug(request))
    if (item.body_id !== body.body.id) throw new NotFoundError()
    return item
  }

  app.get(
    '/partnerships/:partnership/committees/:body/work-programme/items/:item/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const item = await ownItem(request)
      const today = todayInLondon()
      return reply.view(`${V}/work-programme-item-form.njk`, {
        ...(await itemFormContext(
          request,
          item,
          item.plans.filter((x) => x.date >= today).map((x) => String(x.meeting_id)),
        )),
        values: {
          topic: item.topic,
          issue: item.issue,
          reason: item.reason,
          statusOutcomes: item.status_outcomes,
          directorate: item.directorate,
          length: item.length,
          agreed: item.agreed,
          cdReview: item.cd_review,
          reviewsPartnershipId: item.reviews_partnership_id,
          version: item.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/items/:item/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const item = await ownItem(request)
      return handleForm(request, reply, {
        template: `${V}/work-programme-item-form.njk`,
        context: () => itemFormContext(request, item, ticked(formBody(request).meetings)),
        run: async () => {
          const saved = await w.updateItem(p(request).id, item.id, parseForm(WorkItemInput, formBody(request)), request.actor)
          return { redirect: programmeHref(request), flash: `${saved.topic} saved` }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/items/:item/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const item = await ownItem(request)
      return handleForm(request, reply, {
        template: `${V}/work-programme-item-form.njk`,
        context: async () => ({
          ...(await itemFormContext(
            request,
            item,
            item.plans.map((x) => String(x.meeting_id)),
          )),
          values: { ...item, statusOutcomes: item.status_outcomes, cdReview: item.cd_review },
        }),
        valuesFromContext: true,
        run: async () => {
          await w.removeItem(p(request).id, item.id, formVersion(request), request.actor)
          return { redirect: programmeHref(request), flash: `${item.label} removed from the work programme` }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/plans/:plan/defer',
    { config: { access: { partnership: 'editor' } }, schema: { params: PlanParams } },
    async (request, reply) => {
      const { prog } = await programmeContext(request)
      const planId = (request.params as { plan: number }).plan
      if (!prog.items.some((i) => i.plans.some((x) => x.id === planId))) throw new NotFoundError()
      return handleForm(request, reply, {
        template: `${V}/work-programme.njk`,
        context: async () => {
          const table = programmeTable(prog.columns, meetingHref(request))
          return {
            title: `Work programme of ${prog.body.name}`,
            prog,
            here: programmeHref(request),
            member: true,
            editing: true,
            table: tableView(table, prog.items, { caption: plural(prog.items.length, 'item') }),
            editItems: prog.items.map((i) => ({ id: i.id, label: i.label, version: i.version, plans: i.plans })),
            planDates: Object.fromEntries(prog.columns.map((m) => [m.id, shortDate(m.date)])),
            today: todayInLondon(),
            values: { callInLimit: prog.callInLimit, startsOn: prog.startsOn, version: prog.settings?.version },
            breadcrumbs: crumbs(request, prog.body),
          }
        },
        valuesFromContext: true,
        run: async () => {
          await w.defer(p(request).id, planId, request.actor)
          return { redirect: programmeHref(request), flash: 'Item deferred: its agenda item is removed from that meeting' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/settings',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/work-programme.njk`,
        context: async () => {
          const { prog, table } = await programmeContext(request)
          return {
            title: `Work programme of ${prog.body.name}`,
            prog,
            here: programmeHref(request),
            member: true,
            editing: true,
            table: tableView(table, prog.items, { caption: plural(prog.items.length, 'item') }),
            editItems: [],
            planDates: {},
            today: todayInLondon(),
            breadcrumbs: crumbs(request, prog.body),
          }
        },
        run: async () => {
          await w.saveSettings(p(request).id, bodySlug(request), parseForm(SettingsInput, formBody(request)), request.actor)
          return { redirect: programmeHref(request), flash: 'Work programme settings saved' }
        },
      }),
  )

  // ---- Suggestions ----

  async function suggestFormContext(request: FastifyRequest, editor: boolean) {
    const c = await s.committee(p(request).id, bodySlug(request))
    return {
      title: `Suggest a topic for ${c.body.name} to scrutinise`,
      body: c.body,
      editor,
      sourceItems: SOURCES.map((x) => ({ value: x, text: SOURCE_LABELS[x] })),
      action: editor ? `${programmeHref(request, c.body.slug)}/suggestions/new` : `${base(request)}/committees/${c.body.slug}/suggest`,
      cancelHref: editor ? `${programmeHref(request, c.body.slug)}/suggestions` : `${base(request)}/committees/${c.body.slug}`,
      breadcrumbs: crumbs(request, c.body),
    }
  }

  app.get(
    '/partnerships/:partnership/committees/:body/suggest',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams } },
    async (request, reply) => reply.view(`${V}/work-programme-suggest.njk`, { ...(await suggestFormContext(request, false)), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/committees/:body/suggest',
    {
      config: {
        access: { partnership: 'public' },
        // Per address, as the sign-in form is limited (SAFER_SIGN_IN_ATTEMPTS in each sign-in window).
        rateLimit: {
          max: config.signInAttemptsPerWindow,
          timeWindow: config.signInWindowMs,
          errorResponseBuilder: () => ({
            statusCode: 429,
            message: `Too many suggestions from this address. Wait ${Math.round(config.signInWindowMs / 60_000)} minutes, then try again.`,
          }),
        },
      },
      schema: { params: BodyParams },
    },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/work-programme-suggest.njk`,
        context: () => suggestFormContext(request, false),
        run: async () => {
          const c = await s.committee(p(request).id, bodySlug(request))
          const { source: _ignored, ...fields } = parseForm(SuggestionInput, formBody(request))
          await w.addSuggestion(undefined, p(request).id, c.body.id, { ...fields, source: 'public' }, request.actor)
          return {
            redirect: `${base(request)}/committees/${c.body.slug}`,
            flash: `Thank you: your suggestion is sent to ${c.body.name}’s support officers, who will put it to the committee`,
          }
        },
      }),
  )

  app.get(
    '/partnerships/:partnership/committees/:body/work-programme/suggestions/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) =>
      reply.view(`${V}/work-programme-suggest.njk`, { ...(await suggestFormContext(request, true)), values: { source: 'member' } }),
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/suggestions/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/work-programme-suggest.njk`,
        context: () => suggestFormContext(request, true),
        run: async () => {
          const c = await s.committee(p(request).id, bodySlug(request))
          const made = await w.addSuggestion(
            undefined,
            p(request).id,
            c.body.id,
            parseForm(SuggestionInput, formBody(request)),
            request.actor,
          )
          return { redirect: `${programmeHref(request)}/suggestions/${made.id}`, flash: `Suggestion “${made.title}” added` }
        },
      }),
  )

  app.get<{ Querystring: Static<typeof SuggestionsQuery> }>(
    '/partnerships/:partnership/committees/:body/work-programme/suggestions',
    { config: { access: { partnership: 'viewer' } }, schema: { params: BodyParams, querystring: SuggestionsQuery } },
    async (request, reply) => {
      const sort = request.query.sort ?? 'total'
      const { body, list } = await w.suggestions(p(request).id, bodySlug(request), { sort, state: request.query.state || undefined })
      const here = `${programmeHref(request)}/suggestions`
      const rows = list.map((x) => ({ ...x, href: `${here}/${x.id}` }))
      if (sendExport(reply, request.query.format, `suggestions-${p(request).slug}-${body.slug}`, rows, suggestionsTable)) return reply
      const q = (extra: Record<string, string>) =>
        `${here}?${new URLSearchParams({ sort, ...(request.query.state ? { state: request.query.state } : {}), ...extra }).toString()}`
      return reply.view(`${V}/work-programme-suggestions.njk`, {
        title: `Suggested topics for ${body.name}`,
        body,
        table: tableView(suggestionsTable, rows, { caption: plural(rows.length, 'suggestion'), captionClasses: 'govuk-table__caption--m' }),
        count: rows.length,
        sorts: SORTS.map((x) => ({
          href: q({ sort: x }),
          text: x === 'total' ? 'Highest score first' : x === 'newest' ? 'Newest first' : 'By topic',
          current: x === sort,
        })),
        exportHref: q({}),
        newHref: hasRole(request, 'editor') ? `${here}/new` : undefined,
        criteria: CRITERIA,
        breadcrumbs: crumbs(request, body, [{ text: 'Work programme', href: programmeHref(request) }]),
      })
    },
  )

  async function suggestionContext(request: FastifyRequest) {
    const id = (request.params as { suggestion: number }).suggestion
    const found = await w.suggestion(p(request).id, id)
    if (found.body.slug !== bodySlug(request)) throw new NotFoundError()
    const prog = await w.programme(p(request).id, found.body.slug, { member: true })
    const here = `${programmeHref(request)}/suggestions/${id}`
    const sg = found.suggestion
    return {
      title: `Suggestion: ${sg.title}`,
      sg,
      item: found.item,
      itemHref: found.item ? `${programmeHref(request)}/items/${found.item.id}/edit` : undefined,
      sourceLabel: SOURCE_LABELS[sg.source],
      stateLabel: SUGGESTION_STATE_LABELS[sg.state],
      scoreRows: sg.scores.map((x) => ({ ...x, words: x.score === null ? 'Not scored' : `${x.score} (${SCORE_WORDS[x.score]})` })),
      scoreChoices: [
        { value: '', text: 'Not scored' },
        { value: '0', text: '0 – No' },
        { value: '1', text: '1 – Partly' },
        { value: '2', text: '2 – Yes' },
      ],
      mergeItems: prog.items.map((i) => ({ value: i.id, text: i.label })),
      editing: hasRole(request, 'editor'),
      here,
      historyHref: historyHref(request, 'work_programme_suggestion', id, here),
      breadcrumbs: crumbs(request, found.body, [
        { text: 'Work programme', href: programmeHref(request) },
        { text: 'Suggestions', href: `${programmeHref(request)}/suggestions` },
      ]),
    }
  }
  const scoreValues = (sg: SuggestionView) => ({
    ...Object.fromEntries(sg.scores.map((x) => [x.key, x.score === null ? '' : String(x.score)])),
    version: sg.version,
  })

  app.get(
    '/partnerships/:partnership/committees/:body/work-programme/suggestions/:suggestion',
    { config: { access: { partnership: 'viewer' } }, schema: { params: SuggestionParams } },
    async (request, reply) => {
      const context = await suggestionContext(request)
      return reply.view(`${V}/work-programme-suggestion.njk`, { ...context, values: scoreValues(context.sg) })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/suggestions/:suggestion/score',
    { config: { access: { partnership: 'editor' } }, schema: { params: SuggestionParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/work-programme-suggestion.njk`,
        context: () => suggestionContext(request),
        run: async () => {
          const id = (request.params as { suggestion: number }).suggestion
          await suggestionContext(request)
          await w.score(p(request).id, id, parseForm(ScoreInput, formBody(request)), request.actor)
          return { redirect: `${programmeHref(request)}/suggestions/${id}`, flash: 'Scores saved' }
        },
      }),
  )

  app.post(
    '/partnerships/:partnership/committees/:body/work-programme/suggestions/:suggestion/triage',
    { config: { access: { partnership: 'editor' } }, schema: { params: SuggestionParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/work-programme-suggestion.njk`,
        context: async () => {
          const context = await suggestionContext(request)
          return { ...context, values: { ...scoreValues(context.sg), ...formBody(request) } }
        },
        valuesFromContext: true,
        run: async () => {
          const id = (request.params as { suggestion: number }).suggestion
          await suggestionContext(request)
          const saved = await w.triage(p(request).id, id, parseForm(TriageInput, formBody(request)), request.actor)
          return {
            redirect: `${programmeHref(request)}/suggestions/${id}`,
            flash: `“${saved.title}”: ${SUGGESTION_STATE_LABELS[saved.state].toLowerCase()}`,
          }
        },
      }),
  )
}
