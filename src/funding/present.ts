/**
 * How funding is drawn: one table definition for each page table and its CSV/JSON download, and the bar charts of the
 * summaries (Vega-Lite drawn to SVG on the server, with a text alternative; the table beside each gives every figure).
 */
import { renderVegaLite, FONT } from '../platform/charts.ts'
import { escapeHtml } from '../platform/html.ts'
import { defineTable, link, type Table } from '../platform/tables.ts'
import { formatPence, penceToPounds } from './money.ts'
import { KIND_LABELS, type FunderKind } from './schema.ts'
import type { AllocationView, ContractView, FundingView, GrantView, SummaryRow } from './service.ts'

const pounds = penceToPounds
const money = <T>(key: string, header: string | undefined, pence: (r: T) => number) => ({
  key,
  header,
  numeric: true,
  value: (r: T) => pounds(pence(r)),
  text: (r: T) => formatPence(pence(r)),
})
const kindLabel = (k: string | undefined) => (k ? (KIND_LABELS[k as FunderKind] ?? k) : '')

/** A hidden-input form with one button (Remove), for the actions column of a table. */
function removeButton(action: string, csrfToken: string, version: number, what: string) {
  return (
    `<form method="post" action="${escapeHtml(action)}" class="safer-inline-form govuk-!-margin-left-3">` +
    `<input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}"><input type="hidden" name="version" value="${version}">` +
    `<button type="submit" class="safer-link-button govuk-body">Remove<span class="govuk-visually-hidden"> ${escapeHtml(what)}</span></button></form>`
  )
}

export const byPriorityTable = defineTable<SummaryRow>([
  { key: 'priority', header: 'Priority', value: (r) => r.label },
  money('allocated', 'Allocated from grants', (r) => r.allocatedPence),
  money('spent', 'Spent', (r) => r.spentPence),
  money('remaining', 'Left to spend', (r) => r.remainingPence),
  money('contracts', 'Commissioned contracts', (r) => r.contractsPence),
])

export const byFunderTable = defineTable<SummaryRow>([
  { key: 'funder', header: 'Funder', value: (r) => r.label },
  { key: 'kind', header: 'Kind', value: (r) => r.kind ?? '', text: (r) => kindLabel(r.kind) },
  money('granted', 'Granted', (r) => r.grantedPence),
  money('allocated', 'Allocated', (r) => r.allocatedPence),
  money('spent', 'Spent', (r) => r.spentPence),
  money('remaining', 'Left to spend', (r) => r.remainingPence),
  money('contracts', 'Commissioned contracts', (r) => r.contractsPence),
])

export const byYearTable = defineTable<SummaryRow>([
  { key: 'financial_year', header: 'Financial year', value: (r) => r.label },
  money('granted', 'Granted', (r) => r.grantedPence),
  money('allocated', 'Allocated', (r) => r.allocatedPence),
  money('spent', 'Spent', (r) => r.spentPence),
  money('remaining', 'Left to spend', (r) => r.remainingPence),
  money('contracts', 'Commissioned contracts', (r) => r.contractsPence),
])

export const grantsTable = defineTable<GrantView>([
  { key: 'id', value: (g) => g.id },
  { key: 'title', header: 'Grant', value: (g) => g.title, html: (g, page) => link(`${page.base}/funding/grants/${g.id}`, g.title) },
  { key: 'funder', header: 'Funder', value: (g) => g.funder },
  { key: 'financial_year', header: 'Year', value: (g) => g.financial_year },
  money('amount', 'Amount', (g) => g.pence),
  money('allocated', 'Allocated', (g) => g.allocatedPence),
  money('spent', 'Spent', (g) => g.spentPence),
  money('remaining', 'Left to spend', (g) => g.remainingPence),
  money('unallocated', undefined, (g) => g.unallocatedPence),
  { key: 'status', header: 'Status', value: (g) => g.status, text: (g) => (g.status === 'open' ? 'Open' : 'Closed') },
  { key: 'starts_on', value: (g) => g.starts_on },
  { key: 'ends_on', value: (g) => g.ends_on },
  { key: 'conditions', value: (g) => g.conditions },
])

export const contractsTable = defineTable<ContractView>([
  { key: 'id', value: (c) => c.id },
  { key: 'name', header: 'Contract', value: (c) => c.name, html: (c, page) => link(`${page.base}/funding/contracts/${c.id}`, c.name) },
  { key: 'provider', header: 'Provider', value: (c) => c.provider, empty: 'Not recorded' },
  { key: 'priority', header: 'Priority', value: (c) => c.priorityName, empty: '–' },
  {
    key: 'funding',
    header: 'Funding',
    // The same words in the download as on the page; the contract's own download has one row per line.
    value: (c) => c.lines.map((l) => `${formatPence(l.pence)} from ${l.funder} (${l.financial_year})`).join(' plus '),
    empty: 'No budget lines yet',
  },
  money('total', 'Total', (c) => c.totalPence),
  { key: 'starts_on', value: (c) => c.starts_on },
  { key: 'ends_on', value: (c) => c.ends_on },
])

export const fundersTable = defineTable<FundingView['funders'][number]>([
  { key: 'id', value: (f) => f.id },
  { key: 'name', header: 'Funder', value: (f) => f.name },
  { key: 'kind', header: 'Kind', value: (f) => f.kind, text: (f) => kindLabel(f.kind) },
  { key: 'organisation', header: 'Organisation', value: (f) => f.organisation, empty: '–' },
  { key: 'grants', header: 'Grants', numeric: true, value: (f) => f.grants },
])

export const allocationsTable = defineTable<AllocationView>([
  { key: 'id', value: (a) => a.id },
  { key: 'allocated_to', header: 'Allocated to', value: (a) => a.label },
  { key: 'priority_lineage', value: (a) => a.priority_lineage },
  { key: 'priority', value: (a) => a.priorityName },
  { key: 'project', value: (a) => a.project },
  { key: 'action_id', value: (a) => a.action_id },
  money('amount', 'Amount', (a) => a.pence),
  money('spent', 'Spent', (a) => a.spentPence),
  money('remaining', 'Left to spend', (a) => a.remainingPence),
  {
    key: 'actions',
    header: 'Actions',
    hiddenHeader: true,
    pageOnly: true,
    classes: 'safer-no-print',
    value: () => null,
    html: (a, page) =>
      link(`${page.grantHref}/allocations/${a.id}/edit`, 'Change', `allocation to ${a.label}`) +
      (a.spend.length
        ? ''
        : ` ${removeButton(`${page.grantHref}/allocations/${a.id}/remove`, page.csrfToken, a.version, `allocation to ${a.label}`)}`),
  },
])

export interface SpendLine {
  id: number
  version: number
  spent_on: string
  description: string
  allocation: string
  pence: number
}
export const spendTable = defineTable<SpendLine>([
  { key: 'id', value: (s) => s.id },
  { key: 'spent_on', header: 'Date', value: (s) => s.spent_on },
  { key: 'description', header: 'Description', value: (s) => s.description },
  { key: 'allocation', header: 'Allocation', value: (s) => s.allocation },
  money('amount', 'Amount', (s) => s.pence),
  {
    key: 'actions',
    header: 'Actions',
    hiddenHeader: true,
    pageOnly: true,
    classes: 'safer-no-print',
    value: () => null,
    html: (s, page) =>
      removeButton(`${page.grantHref}/spend/${s.id}/remove`, page.csrfToken, s.version, `${s.description} on ${s.spent_on}`),
  },
])

export const contractLinesTable = defineTable<ContractView['lines'][number]>([
  { key: 'id', value: (l) => l.id },
  { key: 'financial_year', header: 'Financial year', value: (l) => l.financial_year },
  { key: 'funder', header: 'Funder', value: (l) => l.funder },
  money('amount', 'Amount', (l) => l.pence),
  { key: 'note', header: 'Note', value: (l) => l.note, empty: '–' },
  {
    key: 'actions',
    header: 'Actions',
    hiddenHeader: true,
    pageOnly: true,
    classes: 'safer-no-print',
    value: () => null,
    html: (l, page) =>
      removeButton(`${page.contractHref}/lines/${l.id}/remove`, page.csrfToken, l.version, `${l.funder} ${l.financial_year}`),
  },
])

export function spendLines(g: GrantView): SpendLine[] {
  return g.allocations
    .flatMap((a) =>
      a.spend.map((s) => ({
        id: s.id,
        version: s.version,
        spent_on: s.spent_on,
        description: s.description,
        allocation: a.label,
        pence: s.pence,
      })),
    )
    .sort((a, b) => a.spent_on.localeCompare(b.spent_on) || a.id - b.id)
}

/** The funding page's tables by the name its downloads use (`?table=<name>&format=csv`). */
export const DOWNLOADS = ['by-priority', 'by-funder', 'by-year', 'grants', 'contracts', 'funders'] as const
export type Download = (typeof DOWNLOADS)[number]
// The rows and their table go together to sendExport; each case pairs them correctly, which one type cannot say.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function download(v: FundingView, name: Download): { rows: unknown[]; table: Table<any> } {
  switch (name) {
    case 'by-priority':
      return { rows: v.byPriority, table: byPriorityTable }
    case 'by-funder':
      return { rows: v.byFunder, table: byFunderTable }
    case 'by-year':
      return { rows: v.byYear, table: byYearTable }
    case 'grants':
      return { rows: v.grants, table: grantsTable }
    case 'contracts':
      return { rows: v.contracts, table: contractsTable }
    case 'funders':
      return { rows: v.funders, table: fundersTable }
  }
}

/** The widths a chart is drawn at, axes included: shown 1:1 on a wide page, or the narrow one on a phone (docs/layouts.md). */
const CHART_WIDTH = { wide: 740, narrow: 288 }

/** "Priority 3" for "Priority 3: Address domestic violence and abuse", for the narrow chart's axis. */
const shortLabel = (label: string) => /^Priority \d+/.exec(label)?.[0] ?? label

/**
 * Horizontal bars, one per row (a priority, a funder, a year), of one to three measures side by side, drawn exactly
 * `width` px wide with 12 px text.
 */
export async function barChart(opts: {
  rows: SummaryRow[]
  measures: { key: 'allocatedPence' | 'spentPence' | 'grantedPence' | 'contractsPence'; label: string; colour: string }[]
  title: string
  idPrefix: string
  categoryTitle: string
  width: number
}): Promise<string> {
  const narrow = opts.width < 400
  const label = (r: SummaryRow) => (narrow ? shortLabel(r.label) : r.label)
  const values = opts.rows.flatMap((r) => opts.measures.map((m) => ({ category: label(r), measure: m.label, pounds: pounds(r[m.key]) })))
  if (!values.some((v) => v.pounds > 0)) return ''
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: opts.width,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: { font: FONT, axis: { labelFontSize: 12, titleFontSize: 12 }, legend: { labelFontSize: 12, titleFontSize: 12 } },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'category',
        type: 'nominal',
        title: narrow ? null : opts.categoryTitle,
        sort: opts.rows.map(label),
        axis: { labelLimit: narrow ? 110 : 320 },
      },
      yOffset: { field: 'measure', sort: opts.measures.map((m) => m.label) },
      x: {
        field: 'pounds',
        type: 'quantitative',
        title: 'Pounds',
        axis: { format: '~s', labelExpr: "'£' + datum.label", tickCount: narrow ? 3 : 6 },
      },
      color: {
        field: 'measure',
        title: null,
        scale: { domain: opts.measures.map((m) => m.label), range: opts.measures.map((m) => m.colour) },
        legend: { orient: 'bottom', direction: narrow ? 'vertical' : 'horizontal' },
      },
    },
  }
  const description = opts.rows
    .map((r) => `${r.label}: ${opts.measures.map((m) => `${m.label.toLowerCase()} ${formatPence(r[m.key])}`).join(', ')}`)
    .join('. ')
  const render = {
    title: opts.title,
    description: `${description}. The table gives every figure.`,
    idPrefix: `${opts.idPrefix}${narrow ? '-narrow' : ''}`,
  }
  // Drawing is deterministic (same spec, same bytes) and costs tens of milliseconds: the same figures reuse their drawing.
  const key = JSON.stringify([spec, render])
  let svg = drawn.get(key)
  if (!svg) {
    if (drawn.size >= 200) drawn.delete(drawn.keys().next().value!)
    svg = renderVegaLite(spec, render)
    drawn.set(key, svg)
    svg.catch(() => drawn.delete(key))
  }
  return svg
}
const drawn = new Map<string, Promise<string>>()

const SUMMARY_CHARTS = {
  byPriority: {
    rows: (v: FundingView) => v.byPriority,
    measures: [
      { key: 'allocatedPence', label: 'Allocated', colour: '#12436d' },
      { key: 'spentPence', label: 'Spent', colour: '#28a197' },
      { key: 'contractsPence', label: 'Contracts', colour: '#f46a25' },
    ],
    title: 'Funding by priority',
    idPrefix: 'funding-by-priority',
    categoryTitle: 'Priority',
  },
  byFunder: {
    rows: (v: FundingView) => v.byFunder,
    measures: [
      { key: 'grantedPence', label: 'Granted', colour: '#12436d' },
      { key: 'contractsPence', label: 'Contracts', colour: '#f46a25' },
    ],
    title: 'Funding by funder',
    idPrefix: 'funding-by-funder',
    categoryTitle: 'Funder',
  },
  byYear: {
    rows: (v: FundingView) => v.byYear,
    measures: [
      { key: 'grantedPence', label: 'Granted', colour: '#12436d' },
      { key: 'spentPence', label: 'Spent', colour: '#28a197' },
      { key: 'contractsPence', label: 'Contracts', colour: '#f46a25' },
    ],
    title: 'Funding by financial year',
    idPrefix: 'funding-by-year',
    categoryTitle: 'Financial year',
  },
} as const

/** The three summary charts of the funding page and its print view, each drawn wide and narrow. */
export async function summaryCharts(v: FundingView) {
  const draw = async (c: (typeof SUMMARY_CHARTS)[keyof typeof SUMMARY_CHARTS]) => {
    const base = { rows: c.rows(v), measures: [...c.measures], title: c.title, idPrefix: c.idPrefix, categoryTitle: c.categoryTitle }
    const [wide, narrow] = await Promise.all([
      barChart({ ...base, width: CHART_WIDTH.wide }),
      barChart({ ...base, width: CHART_WIDTH.narrow }),
    ])
    return wide ? { wide, narrow } : null
  }
  const [byPriority, byFunder, byYear] = await Promise.all([
    draw(SUMMARY_CHARTS.byPriority),
    draw(SUMMARY_CHARTS.byFunder),
    draw(SUMMARY_CHARTS.byYear),
  ])
  return { byPriority, byFunder, byYear }
}
