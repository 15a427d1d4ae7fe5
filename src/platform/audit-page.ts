/**
 * The audit log page (a partnership's, and the site's for site administrators): a page of 50 entries in words,
 * filtered by who, what and when, with pagination, and the same filter's download (CSV or JSON) in words.
 */
import type { FastifyReply } from 'fastify'
import type { Queryable } from './db/index.ts'
import { streamExport } from './export.ts'
import { capitalise, formatNumber, plural } from './format.ts'
import { tableView } from './tables.ts'
import {
  AUDIT_PAGE_SIZE,
  auditCount,
  auditEntityTypes,
  auditFilter,
  auditLog,
  auditPages,
  auditPeople,
  auditTable,
  explainPages,
  pageNumbers,
  type AuditQuery,
  type AuditWords,
} from './audit.ts'

/**
 * Send the download when the query asks for one (and return undefined), or return the page's view context (the
 * caller adds title and breadcrumbs and renders partnerships/views/audit.njk). Bad filters throw a ValidationError.
 */
export async function auditLogPage(
  reply: FastifyReply,
  services: { db: Queryable; auditWords: AuditWords },
  q: AuditQuery,
  opts: { partnershipId?: number; here: string; filename: string },
) {
  const { filter: chosen, page: asked, query } = auditFilter(q)
  const filter = { ...chosen, partnershipId: opts.partnershipId }
  const words = services.auditWords
  if (streamExport(reply, q.format, opts.filename, auditTable, () => explainPages(words, auditPages(services.db, filter)))) return undefined
  // The count and the filter's choices do not depend on each other: asked for together.
  const [total, people, kinds] = await Promise.all([
    auditCount(services.db, filter),
    auditPeople(services.db, { partnershipId: opts.partnershipId }),
    auditEntityTypes(services.db, { partnershipId: opts.partnershipId }),
  ])
  const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE))
  const page = Math.min(asked, pages)
  const entries = await words.explain(
    await auditLog(services.db, { ...filter, limit: AUDIT_PAGE_SIZE, offset: (page - 1) * AUDIT_PAGE_SIZE }),
  )
  const pageHref = (n: number) => `${opts.here}?${new URLSearchParams({ ...query, page: String(n) })}`
  const first = total ? (page - 1) * AUDIT_PAGE_SIZE + 1 : 0
  const filtered = Object.keys(query).length > 0
  return {
    entries,
    total,
    shown: total ? `Showing ${formatNumber(first)} to ${formatNumber(first + entries.length - 1)} of ${plural(total, 'change')}` : '',
    filtered,
    values: q,
    action: opts.here,
    whoItems: people.map((x) => ({ value: String(x.id), text: x.name })),
    whatItems: kinds.map((k) => ({ value: k, text: capitalise(words.label(k)) })),
    actionItems: [
      { value: 'create', text: 'Added' },
      { value: 'update', text: 'Changed' },
      { value: 'delete', text: 'Removed' },
    ],
    pagination:
      pages > 1
        ? {
            previous: page > 1 ? { href: pageHref(page - 1) } : undefined,
            next: page < pages ? { href: pageHref(page + 1) } : undefined,
            items: pageNumbers(page, pages).map((n) =>
              n === null ? { ellipsis: true } : { number: n, href: pageHref(n), current: n === page },
            ),
          }
        : undefined,
    exportHref: filtered ? `${opts.here}?${new URLSearchParams(query)}` : undefined,
    table: tableView(auditTable, entries, {
      caption: plural(total, 'change'),
      captionClasses: 'govuk-table__caption--m govuk-visually-hidden',
    }),
  }
}
