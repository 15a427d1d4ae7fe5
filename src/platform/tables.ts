/**
 * A table declared once: its columns give both the table a page shows (govuk-frontend's govukTable) and the CSV and
 * JSON download of the same rows (platform/export.ts), so the two cannot drift apart. A column added to the
 * definition appears on the page and in the download; one that belongs to only one of them says so (`header`
 * left out: the download only; `pageOnly`: the page only, such as a column of Change links).
 *
 *   const organisationsTable = defineTable<OrganisationRow>([
 *     { key: 'name', header: 'Name', value: (o) => o.name, html: (o) => link(`/organisations/${o.id}`, o.name) },
 *     { key: 'members', header: 'Members', value: (o) => o.members, numeric: true },
 *   ])
 *   if (sendExport(reply, format, 'organisations', rows, organisationsTable)) return reply
 *   return reply.view('...', { table: tableView(organisationsTable, rows, { caption: plural(rows.length, 'organisation') }) })
 *   // in the view: {{ govukTable(table) }} {% include "platform/views/export-links.njk" %}
 */
import { escapeHtml } from './html.ts'
import { formatDate, formatNumber } from './format.ts'

export interface TableColumn<T> {
  /** The column's name in the download: the CSV header and the JSON key (snake_case; scripts and spreadsheets rely on it). */
  key: string
  /** The column heading on the page. Left out, the column is in the download only (ids, slugs, long text). */
  header?: string
  /** The value downloaded: raw, as a program wants it (numbers as numbers, dates as ISO text, true/false). */
  value: (row: T) => unknown
  /** The cell as the page shows it, as text (escaped). Defaults to the value as a person reads it (see display). */
  text?: (row: T) => string | number | null | undefined
  /**
   * The cell as the page shows it, as HTML (a link, a tag, a form button): build it with escapeHtml or link(), which
   * escape. `page` is what tableView was given as `page` (the partnership's address, the CSRF token).
   */
  html?: (row: T, page: Record<string, any>) => string
  /** Shown on the page for an empty cell (e.g. '–' or 'Never'); the download has an empty cell. */
  empty?: string
  /** A number: right-aligned on the page (govuk-table__header--numeric, govuk-table__cell--numeric). */
  numeric?: boolean
  /**
   * On the page only, never downloaded: actions (Change, Remove) that mean nothing in a spreadsheet, or a reading of
   * columns the download has (an agreement's period, '2020–23', from its start and end dates).
   */
  pageOnly?: boolean
  /** The heading is read by screen readers but not shown (an actions column). */
  hiddenHeader?: boolean
  /** Classes of the column's heading and cells (e.g. 'safer-no-print' for actions). */
  classes?: string
}

export interface Table<T> {
  /** In the download's order (which scripts and spreadsheets rely on). */
  columns: TableColumn<T>[]
  /** The first column is each row's header (th scope="row"). */
  firstCellIsHeader: boolean
  /** Keys of the columns the page shows first, in that order, where it differs from the download's. */
  pageOrder: string[]
}

/** Declare a table once. Keys must be unique; every column is shown, downloaded, or both. */
export function defineTable<T>(columns: TableColumn<T>[], opts: { firstCellIsHeader?: boolean; pageOrder?: string[] } = {}): Table<T> {
  const seen = new Set<string>()
  for (const c of columns) {
    if (seen.has(c.key)) throw new Error(`Table column "${c.key}" is declared twice`)
    seen.add(c.key)
    if (c.pageOnly && c.header === undefined) throw new Error(`Table column "${c.key}" is page-only but has no header`)
  }
  for (const k of opts.pageOrder ?? []) if (!seen.has(k)) throw new Error(`Table pageOrder names "${k}", which is not a column`)
  return { columns, firstCellIsHeader: opts.firstCellIsHeader ?? false, pageOrder: opts.pageOrder ?? [] }
}

/** A link with escaped text and address, for a column's html. */
export function link(href: string, text: unknown, hiddenSuffix?: string): string {
  return `<a class="govuk-link" href="${escapeHtml(href)}">${escapeHtml(text)}${hiddenSuffix ? `<span class="govuk-visually-hidden"> ${escapeHtml(hiddenSuffix)}</span>` : ''}</a>`
}

/** A value as a person reads it: 12,345; Yes/No; 2 December 2026 for a date; lists joined with commas. */
export function display(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'boolean') return v ? 'Yes' : 'No'
  if (typeof v === 'number') return formatNumber(v, Number.isInteger(v) ? 0 : 1)
  if (v instanceof Date) return formatDate(v)
  if (Array.isArray(v)) return v.map(display).join(', ')
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return formatDate(v)
  return String(v)
}

/** The columns the page shows. */
export function pageColumns<T>(table: Table<T>, omit: string[] = []): TableColumn<T>[] {
  const shown = table.columns.filter((c) => c.header !== undefined && !omit.includes(c.key))
  const rank = (c: TableColumn<T>) => (table.pageOrder.includes(c.key) ? table.pageOrder.indexOf(c.key) : table.pageOrder.length)
  return shown
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c)
}

/** The columns the download has, as platform/export.ts takes them (header = key). */
export function exportColumns<T>(table: Table<T>): { header: string; value: (row: T) => unknown }[] {
  return table.columns.filter((c) => !c.pageOnly).map((c) => ({ header: c.key, value: c.value }))
}

export interface TableViewOptions {
  caption?: string
  /** e.g. 'govuk-table__caption--m'; add 'govuk-visually-hidden' to hide a caption that only repeats the heading. */
  captionClasses?: string
  /** Keys of columns not shown for this request (e.g. the actions column for someone who may not change anything). */
  omit?: string[]
  classes?: string
  /** Passed to each column's html: what the cells need to know about the page (its address, the CSRF token). */
  page?: Record<string, any>
}

/** What govukTable takes: `{{ govukTable(table) }}`. */
export interface GovukTableParams {
  caption?: string
  captionClasses?: string
  firstCellIsHeader: boolean
  classes?: string
  head: { text?: string; html?: string; format?: 'numeric'; classes?: string; attributes: Record<string, string> }[]
  rows: { text?: string; html?: string; format?: 'numeric'; classes?: string }[][]
}

/** The table as govukTable takes it, for these rows. */
export function tableView<T>(table: Table<T>, rows: T[], opts: TableViewOptions = {}): GovukTableParams {
  const columns = pageColumns(table, opts.omit)
  return {
    caption: opts.caption,
    captionClasses: opts.captionClasses,
    classes: opts.classes,
    firstCellIsHeader: table.firstCellIsHeader,
    head: columns.map((c) => ({
      ...(c.hiddenHeader ? { html: `<span class="govuk-visually-hidden">${escapeHtml(c.header)}</span>` } : { text: c.header }),
      ...(c.numeric ? { format: 'numeric' as const } : {}),
      ...(c.classes ? { classes: c.classes } : {}),
      attributes: exportKey(c),
    })),
    rows: rows.map((r) =>
      columns.map((c) => ({
        ...cellContent(c, r, opts.page ?? {}),
        ...(c.numeric ? { format: 'numeric' as const } : {}),
        ...(c.classes ? { classes: c.classes } : {}),
      })),
    ),
  }
}

/** The heading names the download column it matches (data-export-key), which tests use to compare the two. */
function exportKey<T>(c: TableColumn<T>): Record<string, string> {
  return c.pageOnly ? {} : { 'data-export-key': c.key }
}

function cellContent<T>(c: TableColumn<T>, row: T, page: Record<string, any>): { text: string } | { html: string } {
  if (c.html) {
    const html = c.html(row, page)
    return html === '' && c.empty !== undefined ? { text: c.empty } : { html }
  }
  const raw = c.text ? c.text(row) : display(c.value(row))
  const text = raw === null || raw === undefined ? '' : typeof raw === 'number' ? formatNumber(raw) : String(raw)
  return { text: text === '' && c.empty !== undefined ? c.empty : text }
}
