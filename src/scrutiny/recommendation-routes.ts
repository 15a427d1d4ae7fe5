/**
 * Scrutiny recommendations' pages and API. The committee's side (a council workspace): the tracker per committee,
 * a recommendation's page with its moves, and the forms to make, change and move one (council editors). The
 * partnership's side: the recommendations addressed to it, and the form its admins and editors answer with. The
 * public sees a published council's recommendations except those from exempt agenda items (isPublic).
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
import { escapeHtml } from '../platform/html.ts'
import { plural } from '../platform/format.ts'
import {
  ADDRESSEE_KINDS,
  addresseeLabel,
  DECISIONS,
  describeGraph,
  GRAPH_FIELDS,
  GRAPH_STATES,
  GraphInput,
  isPublic,
  MoveInput,
  RecommendationInput,
  RecommendationJson,
  ResponseInput,
  STATE_LABELS,
  type RecommendationGraph,
  type RecommendationView,
} from './recommendations.ts'
import { shortDate } from './dates.ts'
import { CouncilQuery } from './schema.ts'

/** "14 November 2019, 10:32" in England and Wales. */
const formatDateTime = (d: Date) =>
  new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  }).format(d)

const V = 'scrutiny/views'
const BodyParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }) })
const RecParams = Type.Object({ partnership: Type.String(), recommendation: Type.Integer() })
const PartnershipParams = Type.Object({ partnership: Type.String() })
const FormatQuery = Type.Object({ format: ExportFormat })

const councilHref = (r: RecommendationView) => `/partnerships/${r.council.slug}/recommendations/${r.id}`
const partnershipHref = (r: RecommendationView) => `/partnerships/${r.addressee_slug}/scrutiny-recommendations/${r.id}`
const stateTag = (r: RecommendationView) =>
  `<strong class="govuk-tag govuk-tag--${r.state === 'closed' || r.state === 'implemented' ? 'green' : r.state === 'rejected' ? 'grey' : r.state === 'paused' ? 'yellow' : 'blue'}">${escapeHtml(STATE_LABELS[r.state])}</strong>` +
  (r.overdue ? ` <strong class="govuk-tag govuk-tag--red">Overdue</strong>` : '')

/** The tracker's table (and its download); `href` is the page a reference links to. */
function recommendationsTable(href: (r: RecommendationView) => string, opts: { council: boolean }) {
  return defineTable<RecommendationView>([
    { key: 'id', value: (r) => r.id },
    { key: 'reference', header: 'Reference', value: (r) => r.reference, html: (r) => link(href(r), r.reference) },
    ...(opts.council
      ? []
      : [{ key: 'committee', header: 'Committee', value: (r: RecommendationView) => `${r.body_name}, ${r.council.name}` }]),
    { key: 'meeting_date', header: 'Meeting', value: (r) => r.meeting_date, text: (r) => shortDate(r.meeting_date) },
    { key: 'text', header: 'Recommendation', value: (r) => r.text },
    ...(opts.council ? [{ key: 'addressee', header: 'Addressed to', value: (r: RecommendationView) => r.addressee }] : []),
    { key: 'addressee_kind', value: (r) => r.addressee_kind },
    {
      key: 'due_date',
      header: 'Response due',
      value: (r) => r.due_date,
      text: (r) => (r.due_date ? shortDate(r.due_date) : null),
      empty: '–',
    },
    { key: 'state', header: 'State', value: (r) => r.state, html: (r) => stateTag(r) },
    { key: 'overdue', value: (r) => r.overdue },
    { key: 'response', value: (r) => r.response },
    { key: 'responded', header: 'Response', value: (r) => !!r.response, text: (r) => (r.response ? 'Received' : 'None yet') },
    { key: 'illustrative', value: (r) => r.illustrative },
  ])
}
const councilTable = recommendationsTable(councilHref, { council: true })
const partnershipTable = recommendationsTable(partnershipHref, { council: false })

export async function recommendationRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const r = services.recommendations
  const s = services.scrutiny
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    ...more,
  ]
  const recId = (request: FastifyRequest) => (request.params as { recommendation: number }).recommendation
  const bodySlug = (request: FastifyRequest) => (request.params as { body: string }).body
  const visible = (request: FastifyRequest, list: RecommendationView[]) => (isMember(request) ? list : list.filter(isPublic))

  // ---- The committee's side ----

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/committees/:body/recommendations',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams, querystring: FormatQuery } },
    async (request, reply) => {
      const { body, list: all } = await r.forCommittee(p(request).id, bodySlug(request))
      const list = visible(request, all)
      if (sendExport(reply, request.query.format, `recommendations-${p(request).slug}-${body.slug}`, list, councilTable)) return reply
      const committeeHref = `${base(request)}/committees/${body.slug}`
      const graph = await r.graph(p(request).id)
      return reply.view(`${V}/recommendations.njk`, {
        graphLines: describeGraph(graph),
        graphCustom: graph.custom,
        graphHref: `${base(request)}/recommendations/graph`,
        canChangeGraph: hasRole(request, 'admin'),
        title: `Recommendations of ${body.name}`,
        heading: 'Recommendations',
        caption: body.name,
        counts: r.counts(list),
        table: tableView(councilTable, list, { caption: plural(list.length, 'recommendation'), captionClasses: 'govuk-table__caption--m' }),
        count: list.length,
        newHref: hasRole(request, 'editor') ? `${committeeHref}/recommendations/new` : undefined,
        illustrative: list.some((x) => x.illustrative),
        breadcrumbs: crumbs(request, [
          { text: 'Committees', href: `${base(request)}/committees` },
          { text: body.name, href: committeeHref },
        ]),
      })
    },
  )

  /** The make/change form's choices: the committee's meetings, their substantive items, the partnerships it scrutinises. */
  async function formContext(request: FastifyRequest, slug: string, existing?: RecommendationView) {
    const c = await s.committee(p(request).id, slug)
    const meetings = c.meetings.filter((m) => m.status !== 'cancelled')
    const items: { value: number; text: string }[] = []
    for (const m of meetings.slice(0, 12)) {
      const { agenda } = await s.meeting(p(request).id, m.id, { member: true })
      for (const i of agenda) if (!i.standard) items.push({ value: i.id, text: `${shortDate(m.date)}: ${i.number}. ${i.title}` })
    }
    const committeeHref = `${base(request)}/committees/${c.body.slug}`
    return {
      title: existing ? `Change ${existing.reference}` : `Make a recommendation of ${c.body.name}`,
      isNew: !existing,
      meetingItems: meetings.map((m) => ({ value: m.id, text: shortDate(m.date) })),
      itemItems: items,
      partnershipItems: c.scrutinises.map((x) => ({ value: x.id, text: x.name })),
      kindItems: ADDRESSEE_KINDS.map((k) => ({
        value: k,
        text: k === 'partnership' ? 'A partnership' : k === 'cabinet member' ? 'A cabinet member' : 'An organisation',
      })),
      action: existing ? `${base(request)}/recommendations/${existing.id}/edit` : `${committeeHref}/recommendations/new`,
      cancelHref: existing ? `${base(request)}/recommendations/${existing.id}` : `${committeeHref}/recommendations`,
      breadcrumbs: crumbs(request, [
        { text: c.body.name, href: committeeHref },
        { text: 'Recommendations', href: `${committeeHref}/recommendations` },
      ]),
    }
  }

  app.get(
    '/partnerships/:partnership/committees/:body/recommendations/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const context = await formContext(request, bodySlug(request))
      return reply.view(`${V}/recommendation-form.njk`, {
        ...context,
        values: {
          meetingId: context.meetingItems[0]?.value,
          addresseeKind: 'partnership',
          addresseePartnershipId: context.partnershipItems[0]?.value,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/recommendations/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/recommendation-form.njk`,
        context: () => formContext(request, bodySlug(request)),
        run: async () => {
          const made = await r.create(p(request).id, parseForm(RecommendationInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/recommendations/${made.id}`, flash: `Recommendation ${made.reference} made` }
        },
      }),
  )

  async function pageContext(request: FastifyRequest, side: 'council' | 'partnership') {
    const found = await r.get(p(request).id, recId(request))
    const rec = found.recommendation
    const mine = side === 'council' ? rec.partnership_id === p(request).id : rec.addressee_partnership_id === p(request).id
    if (!mine || (!isMember(request) && !isPublic(rec))) throw new NotFoundError()
    const here = side === 'council' ? councilHref(rec) : partnershipHref(rec)
    const editing = hasRole(request, 'editor')
    return {
      title: `Recommendation ${rec.reference}`,
      rec,
      side,
      stateLabel: STATE_LABELS[rec.state],
      stateTag: stateTag(rec),
      moves: found.moves.map((m) => ({
        from: m.from_state ? STATE_LABELS[m.from_state] : null,
        to: STATE_LABELS[m.to_state],
        note: m.note,
        who: m.moved_by_name ?? 'Unknown',
        when: formatDateTime(new Date(m.created_at)),
      })),
      moveItems: side === 'council' && editing ? found.next.map((x) => ({ value: x, text: STATE_LABELS[x] })) : [],
      canChange: side === 'council' && editing,
      // The partnership answers on its own pages; a cabinet member's or organisation's written answer is recorded by
      // the council's officers on the committee's side.
      canRespond: editing && rec.state !== 'closed' && (side === 'partnership') === (rec.addressee_kind === 'partnership'),
      responder: addresseeLabel(rec),
      // The partnership's answer: accepted, partly accepted or rejected, as far as the council's graph allows from here.
      decisionItems: found.next.some((x) => DECISIONS.includes(x))
        ? [
            { value: '', text: 'Leave the decision to the committee' },
            ...found.next.filter((x) => DECISIONS.includes(x)).map((x) => ({ value: x, text: STATE_LABELS[x] })),
          ]
        : [],
      committeeHref: `/partnerships/${rec.council.slug}/committees/${rec.body_slug}`,
      meetingHref: `/partnerships/${rec.council.slug}/meetings/${rec.meeting_id}`,
      itemText: rec.item_title ? (rec.item_exempt && !isMember(request) ? null : rec.item_title) : null,
      addresseeHref: rec.addressee_slug ? `/partnerships/${rec.addressee_slug}` : undefined,
      otherSideHref: side === 'council' ? (rec.addressee_slug ? partnershipHref(rec) : undefined) : councilHref(rec),
      here,
      values: { version: rec.version, response: rec.response },
      historyHref: side === 'council' ? historyHref(request, 'recommendation', rec.id, here) : undefined,
      graphHref: side === 'council' && isMember(request) ? `${base(request)}/recommendations/graph` : undefined,
      dueText: rec.due_date ? shortDate(rec.due_date) : 'Not set',
      breadcrumbs:
        side === 'council'
          ? crumbs(request, [
              { text: rec.body_name, href: `${base(request)}/committees/${rec.body_slug}` },
              { text: 'Recommendations', href: `${base(request)}/committees/${rec.body_slug}/recommendations` },
            ])
          : crumbs(request, [{ text: 'Scrutiny recommendations', href: `${base(request)}/scrutiny-recommendations` }]),
    }
  }

  app.get(
    '/partnerships/:partnership/recommendations/:recommendation',
    { config: { access: { partnership: 'public' } }, schema: { params: RecParams } },
    async (request, reply) => reply.view(`${V}/recommendation.njk`, await pageContext(request, 'council')),
  )

  app.post(
    '/partnerships/:partnership/recommendations/:recommendation/move',
    { config: { access: { partnership: 'editor' } }, schema: { params: RecParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/recommendation.njk`,
        context: () => pageContext(request, 'council'),
        valuesFromContext: true,
        run: async () => {
          const moved = await r.move(p(request).id, recId(request), parseForm(MoveInput, formBody(request)), request.actor)
          return {
            redirect: `${base(request)}/recommendations/${moved.id}`,
            flash: `${moved.reference} moved to ${STATE_LABELS[moved.state].toLowerCase()}`,
          }
        },
      }),
  )

  app.get(
    '/partnerships/:partnership/recommendations/:recommendation/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: RecParams } },
    async (request, reply) => {
      const { recommendation: rec } = await r.get(p(request).id, recId(request))
      if (rec.partnership_id !== p(request).id) throw new NotFoundError()
      return reply.view(`${V}/recommendation-form.njk`, {
        ...(await formContext(request, rec.body_slug, rec)),
        values: {
          meetingId: rec.meeting_id,
          itemId: rec.item_id,
          text: rec.text,
          addresseeKind: rec.addressee_kind,
          addresseePartnershipId: rec.addressee_partnership_id,
          addresseeName: rec.addressee_name,
          dueDate: rec.due_date,
          reference: rec.reference,
          illustrative: rec.illustrative,
          version: rec.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/recommendations/:recommendation/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: RecParams } },
    async (request, reply) => {
      const { recommendation: rec } = await r.get(p(request).id, recId(request))
      if (rec.partnership_id !== p(request).id) throw new NotFoundError()
      return handleForm(request, reply, {
        template: `${V}/recommendation-form.njk`,
        context: () => formContext(request, rec.body_slug, rec),
        run: async () => {
          const saved = await r.update(p(request).id, rec.id, parseForm(RecommendationInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/recommendations/${saved.id}`, flash: `${saved.reference} saved` }
        },
      })
    },
  )

  // ---- The council's recommendation graph ----

  /** The graph page: the graph as text for all who may see it, and (for admins) the form, ticked as `ticked` says. */
  async function graphContext(request: FastifyRequest, submitted?: Record<string, unknown>) {
    const graph: RecommendationGraph = await r.graph(p(request).id)
    const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)])
    return {
      title: 'How recommendations move',
      graphLines: describeGraph(graph),
      custom: graph.custom,
      canEdit: hasRole(request, 'admin'),
      action: `${base(request)}/recommendations/graph`,
      restoreAction: `${base(request)}/recommendations/graph/default`,
      version: graph.version,
      allowPausing: submitted ? list(submitted.allowPausing).includes('true') : graph.allowPausing,
      rows: GRAPH_STATES.map((from) => ({
        label: STATE_LABELS[from],
        field: GRAPH_FIELDS[from],
        ticked: submitted ? list(submitted[GRAPH_FIELDS[from]]) : graph.edges[from],
        items: from === 'closed' ? [] : GRAPH_STATES.filter((to) => to !== from).map((to) => ({ value: to, text: STATE_LABELS[to] })),
      })),
      breadcrumbs: crumbs(request),
    }
  }

  app.get(
    '/partnerships/:partnership/recommendations/graph',
    { config: { access: { partnership: 'viewer' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/recommendation-graph.njk`, await graphContext(request)),
  )

  app.post(
    '/partnerships/:partnership/recommendations/graph',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/recommendation-graph.njk`,
        context: () => graphContext(request, formBody(request)),
        run: async () => {
          await r.saveGraph(p(request).id, parseForm(GraphInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/recommendations/graph`, flash: 'The recommendation graph is saved' }
        },
      }),
  )

  app.post(
    '/partnerships/:partnership/recommendations/graph/default',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      await r.restoreDefaultGraph(p(request).id, request.actor)
      reply.flash('The default recommendation graph is restored')
      return reply.redirect(`${base(request)}/recommendations/graph`, 303)
    },
  )

  // ---- The partnership's side ----

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/scrutiny-recommendations',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: FormatQuery } },
    async (request, reply) => {
      const list = await r.addressedTo(p(request).id, { includePrivate: isMember(request) })
      if (sendExport(reply, request.query.format, `scrutiny-recommendations-${p(request).slug}`, list, partnershipTable)) return reply
      return reply.view(`${V}/recommendations.njk`, {
        title: 'Scrutiny recommendations',
        heading: 'Scrutiny recommendations',
        caption: p(request).name,
        intro: 'Recommendations that council scrutiny committees have addressed to the partnership, and its responses.',
        counts: r.counts(list),
        table: tableView(partnershipTable, list, {
          caption: plural(list.length, 'recommendation'),
          captionClasses: 'govuk-table__caption--m',
        }),
        count: list.length,
        illustrative: list.some((x) => x.illustrative),
        breadcrumbs: crumbs(request),
      })
    },
  )

  app.get(
    '/partnerships/:partnership/scrutiny-recommendations/:recommendation',
    { config: { access: { partnership: 'public' } }, schema: { params: RecParams } },
    async (request, reply) => reply.view(`${V}/recommendation.njk`, await pageContext(request, 'partnership')),
  )

  // The response: the addressed partnership's editors give it on the partnership's pages; the council's editors record
  // a cabinet member's or an organisation's on the committee's. Each side's service check refuses the other's.
  for (const [side, path] of [
    ['partnership', '/partnerships/:partnership/scrutiny-recommendations/:recommendation/response'],
    ['council', '/partnerships/:partnership/recommendations/:recommendation/response'],
  ] as const)
    app.post(path, { config: { access: { partnership: 'editor' } }, schema: { params: RecParams } }, async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/recommendation.njk`,
        context: () => pageContext(request, side),
        run: async () => {
          const saved = await r.respond(p(request).id, recId(request), parseForm(ResponseInput, formBody(request)), request.actor)
          const page = side === 'council' ? 'recommendations' : 'scrutiny-recommendations'
          return { redirect: `${base(request)}/${page}/${saved.id}`, flash: `Response to ${saved.reference} saved` }
        },
      }),
    )

  // ---- The public API ----

  app.get<{ Querystring: Static<typeof CouncilQuery> }>(
    '/api/v1/recommendations',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Scrutiny'],
        summary: "A published council's scrutiny recommendations, with their state and responses (not those from exempt items)",
        security: [],
        querystring: CouncilQuery,
        response: { 200: Type.Array(RecommendationJson) },
      },
    },
    async (request) => {
      const found = await r.publicFor(request.query.council)
      return found.list.map((x) => ({
        id: x.id,
        reference: x.reference,
        url: `${config.baseUrl}${councilHref(x)}`,
        council: { slug: x.council.slug, name: x.council.name },
        committee: { slug: x.body_slug, name: x.body_name },
        meeting: { id: x.meeting_id, date: x.meeting_date },
        agendaItem: x.item_title,
        text: x.text,
        addressee: { kind: x.addressee_kind, name: x.addressee, partnership: x.addressee_slug },
        dueDate: x.due_date,
        response: x.response,
        state: x.state,
        overdue: x.overdue,
        illustrative: x.illustrative,
      }))
    },
  )
}
