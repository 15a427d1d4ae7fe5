/**
 * Progress against priorities: the report of a closed quarterly return (progress.ts), its print view and PDF, and
 * CSV/JSON of its two tables (the priorities' figures; every item with its answer). Members only, like the plan: it
 * names leads. An open return's report is not made yet: the page says it is available once the return is closed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { sendExport } from '../platform/export.ts'
import { choice } from '../platform/validation.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { formatDate, formatNumber, plural } from '../platform/format.ts'
import { fileNamePart, sendPdf } from '../platform/pdf.ts'
import { STATUS_LABELS } from './rollup.ts'
import { statusTag } from './routes.ts'
import { ReturnStillOpenError, type ProgressItem, type ProgressPriority, type ProgressReport } from './progress.ts'

const V = 'plans/views'
const ReturnParams = Type.Object({ partnership: Type.String(), return: Type.Integer({ minimum: 1, title: 'Return' }) })
const ProgressQuery = Type.Object({
  format: Type.Optional(choice(['csv', 'json'] as const, 'Format')),
  table: Type.Optional(choice(['priorities', 'items'] as const, 'Table')),
})
const PrintQuery = Type.Object({ format: Type.Optional(choice(['pdf'] as const, 'Format')) })

const percent = (n: number | undefined) => (n === undefined ? '–' : `${formatNumber(Math.round(n))}%`)

export const progressPrioritiesTable = defineTable<ProgressPriority & { href: string }>([
  { key: 'number', header: 'Priority', numeric: true, value: (p) => p.number },
  { key: 'title', header: 'Title', value: (p) => p.title, html: (p) => link(p.href, p.title) },
  {
    key: 'status',
    header: 'Status',
    value: (p) => p.status ?? null,
    html: (p) => (p.status ? statusTag(p.status) : ''),
    empty: 'No open items',
  },
  { key: 'progress', header: 'Progress', numeric: true, value: (p) => p.progress ?? null, text: (p) => percent(p.progress) },
  { key: 'actions', header: 'Actions', numeric: true, value: (p) => p.counts.actions },
  { key: 'answered', header: 'Answered', numeric: true, value: (p) => p.counts.answered },
  { key: 'at_risk', header: 'At risk', numeric: true, value: (p) => p.counts.atRisk },
  { key: 'off_track', header: 'Off track', numeric: true, value: (p) => p.counts.offTrack },
  { key: 'complete', header: 'Complete', numeric: true, value: (p) => p.counts.complete },
])

/** Every item of the report; on the page, the actions under one objective. */
export const progressItemsTable = defineTable<ProgressItem & { href: string }>([
  { key: 'priority', value: (i) => i.priorityNumber },
  { key: 'objective', value: (i) => i.objective },
  { key: 'id', value: (i) => i.id },
  { key: 'level', value: (i) => i.level },
  { key: 'kind', value: (i) => i.kind },
  {
    key: 'title',
    header: 'Action',
    value: (i) => i.title,
    html: (i) =>
      `${i.level > 3 ? '<span aria-hidden="true">↳ </span>' : ''}${link(i.href, i.title)}` +
      (i.lead || i.owner
        ? `<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">${escapeHtml([i.lead, i.owner].filter(Boolean).join(', '))}</span>`
        : ''),
  },
  { key: 'owner', value: (i) => i.owner },
  { key: 'lead', value: (i) => i.lead },
  { key: 'status', header: 'Status', value: (i) => i.status, html: (i) => statusTag(i.status) },
  { key: 'progress', header: 'Progress', numeric: true, value: (i) => i.progress, text: (i) => percent(i.progress) },
  { key: 'rolled_up_status', value: (i) => i.rolledStatus },
  { key: 'rolled_up_progress', value: (i) => i.rolledProgress },
  { key: 'asked', value: (i) => i.asked },
  { key: 'answer_submitted', value: (i) => i.submitted },
  {
    key: 'narrative',
    header: 'What has happened',
    value: (i) => i.narrative,
    text: (i) =>
      i.narrative ?? (i.submitted ? 'No narrative given' : i.asked ? 'No answer submitted in this return' : 'Not asked in this return'),
  },
])

export async function progressRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const here = (request: FastifyRequest, id: number) => `${base(request)}/plan/returns/${id}/progress`

  /** The report, or the page saying it is available once the return is closed (409). */
  async function load(request: FastifyRequest<{ Params: Static<typeof ReturnParams> }>, reply: FastifyReply) {
    try {
      return await services.planProgress.progressReport(p(request).id, request.params.return)
    } catch (err) {
      if (!(err instanceof ReturnStillOpenError)) throw err
      await reply.code(409).view(`${V}/progress-open.njk`, {
        title: `Progress against priorities: ${err.quarter}`,
        message: err.message,
        breadcrumbs: crumbs(request),
        statusHref: `${base(request)}/plan/returns/${request.params.return}`,
      })
      return undefined
    }
  }

  const crumbs = (request: FastifyRequest) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    { text: 'Action plan', href: `${base(request)}/plan` },
  ]

  const context = (request: FastifyRequest, r: ProgressReport, print: boolean) => {
    const itemHref = (i: ProgressItem) => `${base(request)}/plan/items/${i.id}`
    return {
      title: `Progress against priorities: ${r.ret.quarter}`,
      report: r,
      print,
      here: here(request, r.ret.id),
      partnership: p(request),
      breadcrumbs: crumbs(request),
      closedOn: r.ret.closedAt ? formatDate(r.ret.closedAt) : '',
      prioritiesTable: tableView(
        progressPrioritiesTable,
        r.priorities.map((pp) => ({ ...pp, href: `#priority-${pp.number}` })),
        { caption: 'The priorities when the return closed', captionClasses: 'govuk-table__caption--m' },
      ),
      priorities: r.priorities.map((pp) => ({
        ...pp,
        statusHtml: pp.status ? statusTag(pp.status) : '',
        progressText: percent(pp.progress),
        summary: `${plural(pp.counts.actions, 'action')}: ${pp.counts.complete} complete, ${pp.counts.atRisk} at risk, ${pp.counts.offTrack} off track; ${pp.counts.answered} answered in this return`,
        atRisk: pp.atRisk.map((i) => ({
          ...i,
          href: itemHref(i),
          statusLabel: STATUS_LABELS[i.status],
          progressText: percent(i.progress),
        })),
        groups: pp.items
          .filter((i) => i.level === 2)
          .map((top) => {
            const beneath = pp.items.filter((i) => i.level > 2 && isBeneath(pp.items, i, top.id))
            return {
              top: { ...top, href: itemHref(top), statusHtml: statusTag(top.rolledStatus), progressText: percent(top.rolledProgress) },
              ownStatus: top.rolledStatus !== top.status ? STATUS_LABELS[top.status] : undefined,
              table: tableView(
                progressItemsTable,
                (beneath.length ? beneath : [top]).map((i) => ({ ...i, href: itemHref(i) })),
                {
                  caption: `${top.title}: ${beneath.length ? plural(beneath.length, 'action') : 'its own figures'}`,
                  captionClasses: 'govuk-visually-hidden',
                },
              ),
            }
          }),
      })),
    }
  }

  app.get<{ Params: Static<typeof ReturnParams>; Querystring: Static<typeof ProgressQuery> }>(
    '/partnerships/:partnership/plan/returns/:return/progress',
    { config: { access: { partnership: 'viewer' } }, schema: { params: ReturnParams, querystring: ProgressQuery } },
    async (request, reply) => {
      const r = await load(request, reply)
      if (!r) return reply
      const name = `progress-${p(request).slug}-${fileNamePart(r.ret.quarter)}`
      if (request.query.format) {
        if (request.query.table === 'priorities') {
          const rows = r.priorities.map((pp) => ({ ...pp, href: '' }))
          if (sendExport(reply, request.query.format, `${name}-priorities`, rows, progressPrioritiesTable)) return reply
        }
        const rows = r.priorities.flatMap((pp) => pp.items.map((i) => ({ ...i, href: '' })))
        if (sendExport(reply, request.query.format, `${name}-items`, rows, progressItemsTable)) return reply
      }
      return reply.view(`${V}/progress.njk`, context(request, r, false))
    },
  )

  app.get<{ Params: Static<typeof ReturnParams>; Querystring: Static<typeof PrintQuery> }>(
    '/partnerships/:partnership/plan/returns/:return/progress/print',
    { config: { access: { partnership: 'viewer' } }, schema: { params: ReturnParams, querystring: PrintQuery } },
    async (request, reply) => {
      const r = await load(request, reply)
      if (!r) return reply
      const title = `Progress against priorities: ${r.ret.quarter}`
      if (request.query.format === 'pdf')
        return sendPdf(request, reply, services.pdf, {
          path: `${here(request, r.ret.id)}/print`,
          title: `${p(request).name}: ${title}`,
          author: p(request).name,
          subject: `Progress against the priorities of ${r.version.title}, from the ${r.ret.quarter} return`,
          filename: `${fileNamePart(p(request).slug)}-progress-${fileNamePart(r.ret.quarter)}.pdf`,
          header: { left: p(request).name, right: `${r.ret.quarter} return` },
          footer: `${title} (${r.version.title})`,
        })
      return reply.view(`${V}/progress.njk`, context(request, r, true))
    },
  )
}

/** Whether `item` lies beneath the item `topId` (through its parents). */
function isBeneath(items: ProgressItem[], item: ProgressItem, topId: number) {
  for (let at = item.parentId; at; at = items.find((x) => x.id === at)?.parentId ?? null) if (at === topId) return true
  return false
}
