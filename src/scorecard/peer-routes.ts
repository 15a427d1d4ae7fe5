/**
 * The scorecard's peers: the peers page (the list in use with distances and features; an editor replaces it with the
 * partnership's own list of CSPs, or goes back to the computed one), GET /api/v1/partnerships/:partnership/peers,
 * and the indicator page's comparison with peers (peerSection). Read: anyone, for a published partnership. Write:
 * editors.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport } from '../platform/export.ts'
import { choice, Nullable } from '../platform/validation.ts'
import { hasRole, historyHref } from '../platform/access.ts'
import { tableView } from '../platform/tables.ts'
import { plural } from '../platform/format.ts'
import { DEFAULT_PEERS, MAX_PEERS, MIN_PEERS, type PeerComparison } from './peer-groups.ts'
import { funnelPlot, peerBarChart, peerFiguresTable, peerListTable } from './peers-present.ts'
import { formatValue, type Indicator, type SeriesPoint, type Viewer } from './service.ts'

const V = 'scorecard/views'
const PartnershipParams = Type.Object({ partnership: Type.String() })
const PeersQuery = Type.Object({ format: Type.Optional(choice(['csv', 'json'] as const, 'Format')) })
export const PeerJson = Type.Object({
  code: Type.String(),
  name: Type.String(),
  distance: Nullable(Type.Number()),
  chosen_by: choice(['computed', 'partnership'] as const, 'Chosen by'),
})

export async function peerRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const peers = services.scorecard.peers
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`

  async function context(request: FastifyRequest) {
    const g = await peers.group(p(request))
    const list = tableView(peerListTable, g.rows, {
      caption:
        g.chosenBy === 'partnership'
          ? `The partnership’s peers: ${plural(g.rows.length, 'CSP')}`
          : `The ${plural(g.rows.length, 'nearest CSP')}`,
      captionClasses: 'govuk-table__caption--m',
    })
    const computed =
      g.chosenBy === 'partnership' && g.computed.length
        ? tableView(peerListTable, g.computed, {
            caption: `The computed list: the ${plural(g.computed.length, 'nearest CSP')}`,
            captionClasses: 'govuk-table__caption--m',
          })
        : null
    const back = `${base(request)}/scorecard/peers`
    return {
      title: 'Statistical peers',
      base: base(request),
      group: g,
      list,
      computed,
      canEdit: hasRole(request, 'editor'),
      codesText: g.rows.map((r) => `${r.code} ${r.name}`).join('\n'),
      version: g.stored?.version,
      historyHref: g.stored ? historyHref(request, 'peer group', g.stored.id, back) : undefined,
      defaultPeers: DEFAULT_PEERS,
      minPeers: MIN_PEERS,
      maxPeers: MAX_PEERS,
      breadcrumbs: [
        { text: 'Partnerships', href: '/partnerships' },
        { text: p(request).short_name ?? p(request).name, href: base(request) },
        { text: 'Scorecard', href: `${base(request)}/scorecard` },
      ],
    }
  }

  app.get<{ Querystring: Static<typeof PeersQuery> }>(
    '/partnerships/:partnership/scorecard/peers',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: PeersQuery } },
    async (request, reply) => {
      const ctx = await context(request)
      if (sendExport(reply, request.query.format, `${p(request).slug}-peers`, ctx.group.rows, peerListTable)) return reply
      return reply.view(`${V}/peers.njk`, { ...ctx, values: { codes: ctx.codesText }, errors: {} })
    },
  )

  app.post(
    '/partnerships/:partnership/scorecard/peers',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/peers.njk`,
        context: () => context(request),
        run: async () => {
          const row = await peers.choose(p(request), formBody(request).codes, formVersion(request), request.actor)
          return {
            redirect: `${base(request)}/scorecard/peers`,
            flash: `The scorecard now compares with the partnership’s ${plural(row.codes.length, 'peer')}`,
          }
        },
      }),
  )

  app.post(
    '/partnerships/:partnership/scorecard/peers/computed',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/peers.njk`,
        context: () => context(request),
        run: async () => {
          await peers.useComputed(p(request), formVersion(request), request.actor)
          return { redirect: `${base(request)}/scorecard/peers`, flash: 'The scorecard now compares with the computed peers' }
        },
      }),
  )

  app.get(
    '/api/v1/partnerships/:partnership/peers',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags: ['Scorecard'],
        summary:
          'The partnership’s statistical peers: its area’s 15 nearest CSPs (computed), or the list the partnership chose, each with its distance on the standardised features (null when not comparable)',
        security: [],
        params: PartnershipParams,
        response: { 200: Type.Object({ rows: Type.Array(PeerJson) }) },
      },
    },
    async (request) => {
      const g = await peers.group(p(request))
      return { rows: g.rows.map((r) => ({ code: r.code, name: r.name, distance: r.distance, chosen_by: r.chosen_by })) }
    },
  )
}

/**
 * The indicator page's comparison with peers: the table, the bar chart and the funnel plot, or null when the area
 * shown is not the partnership's own or there is nothing to compare. `download`: the table's rows, for ?table=peers.
 */
export async function peerSection(
  services: Services,
  request: FastifyRequest,
  ind: Indicator,
  area: string | undefined,
  points: SeriesPoint[],
  areaName: string,
  viewer: Viewer,
): Promise<{ comparison: PeerComparison; table: ReturnType<typeof peerFiguresTable>; view: object } | null> {
  const p = request.partnership!
  if (!area || area !== p.area_code) return null
  const latest = [...points].reverse().find((x) => x.value !== null || x.suppressed)
  const comparison = await services.scorecard.peers.comparison(p, ind, latest, viewer)
  if (!comparison) return null
  const table = peerFiguresTable(ind)
  const funnel = await funnelPlot(ind, comparison, areaName)
  return {
    comparison,
    table,
    view: {
      comparison,
      averageText: comparison.average === null ? null : formatValue(ind, comparison.average),
      chart: await peerBarChart(ind, comparison, areaName),
      funnel: funnel?.svg ?? '',
      funnelPosition: funnel?.position ?? '',
      table: tableView(table, comparison.figures, {
        caption: `${ind.name}, ${comparison.periodLabel}: ${areaName} and its peers`,
        captionClasses: 'govuk-table__caption--m',
      }),
      exportHref: `/partnerships/${p.slug}/scorecard/indicators/${ind.code}?table=peers`,
    },
  }
}
