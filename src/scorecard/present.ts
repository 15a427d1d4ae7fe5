/**
 * How the scorecard's figures are drawn: the tables (one definition for the page and its CSV/JSON download), the
 * trend chart with its confidence band (Vega-Lite, drawn on the server), and the sparklines.
 */
import { renderVegaLite, FONT } from '../platform/charts.ts'
import { accessibleSvg, escapeHtml } from '../platform/html.ts'
import { defineTable, link } from '../platform/tables.ts'
import { formatNumber } from '../platform/format.ts'
import { formatDateTime } from '../platform/errors.ts'
import { SUPPRESSED } from './disclosure.ts'
import { formatValue, pText, type Comparison, type Indicator, type Rag, type SeriesPoint, type UploadRow } from './service.ts'
import type { Trend } from './derived.ts'
import type { View } from './periods.ts'
import type { PeerComparison } from './peer-groups.ts'

const fmt = (v: number | null | undefined, dp = 1) => (v === null || v === undefined ? '' : formatNumber(v, dp))
const interval = (ci: [number, number] | null, dp = 1) => (ci ? `${fmt(ci[0], dp)} to ${fmt(ci[1], dp)}` : '')

/** One indicator's figures: the indicator page's table and its download (and the API's CSV). */
export function valuesTable(ind: Indicator) {
  const dp = ind.unit === 'count' ? 0 : 1
  return defineTable<SeriesPoint>([
    { key: 'area', value: (r) => r.area },
    { key: 'period', header: 'Period', value: (r) => r.period, html: (r) => escapeHtml(r.periodLabel) },
    {
      key: 'numerator',
      header: ind.unit === 'count' ? 'Count' : 'Numerator',
      numeric: true,
      value: (r) => r.numerator,
      html: (r) => (r.suppressed ? SUPPRESSED : fmt(r.numerator, 0)),
    },
    {
      key: 'denominator',
      header: 'Denominator',
      numeric: true,
      value: (r) => r.denominator,
      html: (r) => (r.suppressed ? SUPPRESSED : fmt(r.denominator, 0)),
    },
    { key: 'value', header: 'Value', numeric: true, value: (r) => r.value, html: (r) => escapeHtml(formatValue(ind, r.value)) },
    { key: 'ci95_lower', value: (r) => r.ci95?.[0] ?? null },
    { key: 'ci95_upper', value: (r) => r.ci95?.[1] ?? null },
    { key: 'ci95', header: '95% interval', pageOnly: true, value: (r) => interval(r.ci95, dp) },
    { key: 'ci998_lower', value: (r) => r.ci998?.[0] ?? null },
    { key: 'ci998_upper', value: (r) => r.ci998?.[1] ?? null },
    { key: 'ci998', header: '99.8% interval', pageOnly: true, value: (r) => interval(r.ci998, dp) },
    { key: 'suppressed', value: (r) => r.suppressed },
    { key: 'change_period', value: (r) => r.change?.period ?? null },
    { key: 'change_value', value: (r) => r.change?.value ?? null },
    { key: 'change_ratio', value: (r) => r.change?.ratio ?? null },
    { key: 'change_p_value', value: (r) => r.change?.p_value ?? null },
    {
      key: 'change',
      header: 'Change on a year before',
      pageOnly: true,
      value: (r) => changeText(ind, r),
    },
    ...(ind.baseline
      ? [
          { key: 'baseline_period', value: (r: SeriesPoint) => r.baseline?.period ?? null },
          { key: 'baseline_value', value: (r: SeriesPoint) => r.baseline?.value ?? null },
          { key: 'baseline_ratio', value: (r: SeriesPoint) => r.baseline?.ratio ?? null },
          { key: 'baseline_p_value', value: (r: SeriesPoint) => r.baseline?.p_value ?? null },
          {
            key: 'baseline',
            header: `Change on the baseline (${ind.baseline})`,
            pageOnly: true,
            value: (r: SeriesPoint) => comparisonText(ind, r, r.baseline, 'No figure for the baseline year'),
          },
        ]
      : []),
  ])
}

/** The change in words; with `adjustedP`, its significance is judged on the p-value adjusted for the page's other changes. */
export function changeText(ind: Indicator, r: SeriesPoint | undefined, adjustedP?: number | null): string {
  return comparisonText(ind, r, r?.change, 'No figure for a year before', adjustedP)
}

/** A change from an earlier period (a year before, or the baseline) in words, with its significance. */
export function comparisonText(
  ind: Indicator,
  r: SeriesPoint | undefined,
  c: Comparison | null | undefined,
  missing: string,
  adjustedP?: number | null,
): string {
  if (!r || !c) return missing
  if (c.value === null || r.value === null) return 'Withheld'
  if (c.value === 0) return r.value === 0 ? 'None in either year' : `Up from none (${formatValue(ind, c.value)})`
  const pct = ((r.value - c.value) / c.value) * 100
  const words = `${pct >= 0 ? 'Up' : 'Down'} ${formatNumber(Math.abs(pct), 0)}% from ${formatValue(ind, c.value)}`
  if (c.p_value === null) return words
  const p = adjustedP ?? c.p_value
  return `${words} (${p < 0.05 ? 'significant' : 'not significant'}, ${pText(p)}${adjustedP !== undefined && adjustedP !== null ? ' adjusted' : ''})`
}

export interface ScorecardRow {
  indicator: Indicator
  area: string | undefined
  areaName: string | null
  points: SeriesPoint[]
  latest: SeriesPoint | undefined
  rag: Rag | null
  adjustedP: number | null
  adjustedBaselineP: number | null
  trend: Trend
  view: View
  sparkline: string
  peers?: PeerComparison | null
}

/** The scorecard's table (one per priority on the page; all rows in the download). */
export const scorecardTable = defineTable<ScorecardRow>(
  [
    { key: 'code', value: (r) => r.indicator.code },
    {
      key: 'name',
      header: 'Indicator',
      value: (r) => r.indicator.name,
      html: (r, page) => link(`${page.base}/scorecard/indicators/${r.indicator.code}`, r.indicator.name),
    },
    { key: 'area', header: 'Area', value: (r) => r.areaName ?? r.area ?? '' },
    { key: 'period', header: 'Latest', value: (r) => r.latest?.periodLabel ?? 'No figures yet' },
    {
      key: 'value',
      header: 'Value',
      numeric: true,
      value: (r) => (r.latest ? r.latest.value : null),
      html: (r) => (r.latest ? escapeHtml(formatValue(r.indicator, r.latest.value)) : ''),
    },
    { key: 'ci95_lower', value: (r) => r.latest?.ci95?.[0] ?? null },
    { key: 'ci95_upper', value: (r) => r.latest?.ci95?.[1] ?? null },
    {
      key: 'ci95',
      header: '95% interval',
      pageOnly: true,
      value: (r) => interval(r.latest?.ci95 ?? null, r.indicator.unit === 'count' ? 0 : 1),
    },
    { key: 'change', header: 'Change on a year before', value: (r) => (r.latest ? changeText(r.indicator, r.latest, r.adjustedP) : '') },
    { key: 'adjusted_p_value', value: (r) => r.adjustedP },
    {
      key: 'baseline_change',
      header: 'Change on the baseline',
      value: (r) =>
        r.indicator.baseline && r.latest
          ? comparisonText(r.indicator, r.latest, r.latest.baseline, `No figure for ${r.indicator.baseline}`, r.adjustedBaselineP)
          : 'No baseline',
    },
    { key: 'adjusted_baseline_p_value', value: (r) => r.adjustedBaselineP },
    {
      key: 'trend_direction',
      header: 'Recent trend',
      value: (r) => r.trend.text,
      html: (r) =>
        r.trend.direction
          ? `<strong class="govuk-tag ${TREND_CLASS[r.trend.judgement ?? 'neither']}">${escapeHtml(r.trend.direction)}</strong> ${escapeHtml(r.trend.text)}`
          : escapeHtml(r.trend.text),
    },
    { key: 'trend_p_value', value: (r) => r.trend.pValue },
    {
      key: 'rag',
      header: 'RAG',
      value: (r) => r.rag?.status ?? '',
      html: (r) =>
        r.rag ? `<strong class="govuk-tag ${RAG_CLASS[r.rag.status]}">${r.rag.status}</strong> ${escapeHtml(r.rag.reason)}` : 'Not rated',
    },
    {
      key: 'peers',
      header: 'Among peers',
      value: (r) => r.peers?.text ?? '',
      text: (r) => r.peers?.text ?? (r.indicator.spec?.stopSearch ? 'Not compared (police force areas)' : 'No peer figures'),
    },
    { key: 'peer_rank', value: (r) => r.peers?.rank ?? null },
    { key: 'peer_of', value: (r) => r.peers?.of ?? null },
    { key: 'peer_average', value: (r) => r.peers?.average ?? null },
    { key: 'trend', header: 'Recent values', pageOnly: true, value: () => '', html: (r) => r.sparkline },
    { key: 'caveats', header: 'Caveats', value: (r) => r.indicator.caveats ?? '' },
  ],
  { firstCellIsHeader: false },
)

const TREND_CLASS = { better: 'govuk-tag--green', worse: 'govuk-tag--red', neither: 'govuk-tag--grey' }
const RAG_CLASS = { red: 'govuk-tag--red', amber: 'govuk-tag--yellow', green: 'govuk-tag--green' }

/** A small line of the last twelve values (withheld ones left as gaps), with its own description. */
export function sparkline(id: string, ind: Indicator, points: SeriesPoint[]): string {
  const last = points.slice(-12)
  const shown = last.filter((p) => p.value !== null)
  if (shown.length < 2) return ''
  const values = shown.map((p) => p.value!)
  const min = Math.min(...values)
  const max = Math.max(...values)
  const w = 100
  const h = 24
  const x = (i: number) => (last.length === 1 ? 0 : (i / (last.length - 1)) * w)
  const y = (v: number) => (max === min ? h / 2 : h - 2 - ((v - min) / (max - min)) * (h - 4))
  const segments: string[] = []
  let current: string[] = []
  last.forEach((p, i) => {
    if (p.value === null) {
      if (current.length) segments.push(current.join(' '))
      current = []
    } else current.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`)
  })
  if (current.length) segments.push(current.join(' '))
  const body = segments.map((s) => `<polyline points="${s}" fill="none" stroke="#1d70b8" stroke-width="1.5"/>`).join('')
  return accessibleSvg({
    id,
    title: `${ind.name}: recent values`,
    desc: `From ${formatValue(ind, shown[0].value)} in ${shown[0].periodLabel} to ${formatValue(ind, shown[shown.length - 1].value)} in ${shown[shown.length - 1].periodLabel}`,
    width: w,
    height: h,
    body,
  })
}

/** The trend with its 95% confidence band, as Vega-Lite drawn to SVG. */
export async function trendChart(ind: Indicator, points: SeriesPoint[], areaName: string, byEnd = false): Promise<string> {
  // Rolling 12 months and years to date overlap (years to date share their first month): drawn at their last month.
  const data = points
    .filter((p) => p.value !== null)
    .map((p) => ({
      period: `${byEnd ? p.periodEnd : p.periodStart}-01`,
      label: p.periodLabel,
      value: p.value,
      lower: p.ci95?.[0] ?? p.value,
      upper: p.ci95?.[1] ?? p.value,
    }))
  if (data.length < 2) return ''
  const axisTitle = ind.unit === 'rate' ? `per ${formatNumber(ind.per ?? 1000)}` : ind.unit === 'percentage' ? 'per cent' : ind.unit
  // One tick per month, or per 2, 3, 6, 12 or 24 months: about eight at most, each at the start of a month, so that no
  // month is labelled twice (Vega's own ticks fall between months for a few months' data).
  const [y0, m0] = data[0].period.split('-').map(Number)
  const [y1, m1] = data[data.length - 1].period.split('-').map(Number)
  const span = (y1 - y0) * 12 + (m1 - m0)
  const step = [1, 2, 3, 6, 12, 24].find((s) => span / s <= 8) ?? 48
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 640,
    height: 240,
    config: { font: FONT, axis: { labelFontSize: 12, titleFontSize: 12 } },
    data: { values: data },
    encoding: { x: { field: 'period', type: 'temporal', title: null, axis: { format: '%b %Y', tickCount: { interval: 'month', step } } } },
    layer: [
      {
        mark: { type: 'area', color: '#cfe1f3' },
        encoding: { y: { field: 'lower', type: 'quantitative', title: axisTitle }, y2: { field: 'upper' } },
      },
      { mark: { type: 'line', color: '#12436d', point: true }, encoding: { y: { field: 'value', type: 'quantitative' } } },
    ],
  }
  const first = data[0]
  const last = data[data.length - 1]
  return renderVegaLite(spec, {
    title: `${ind.name} in ${areaName}, with its 95% confidence interval`,
    description: `${data.length} periods, from ${formatValue(ind, first.value)} in ${first.label} to ${formatValue(ind, last.value)} in ${last.label}. The table below gives every figure.`,
    idPrefix: `trend-${ind.code}`,
  })
}

/** The rows of an upload, as its preview shows them. */
export const previewTable = defineTable<UploadRow>([
  { key: 'line', header: 'Line', numeric: true, value: (r) => r.line },
  { key: 'indicator', header: 'Indicator', value: (r) => r.indicator },
  { key: 'area', header: 'Area', value: (r) => r.area },
  { key: 'period', header: 'Period', value: (r) => r.period },
  { key: 'numerator', header: 'Numerator', numeric: true, value: (r) => r.numerator },
  { key: 'denominator', header: 'Denominator', numeric: true, value: (r) => r.denominator },
  { key: 'value', header: 'Value', numeric: true, value: (r) => r.value },
])

export interface UploadListRow {
  id: number
  filename: string
  row_count: number
  status: string
  updated_at: Date
}

/** Saved and undone uploads, with Undo for the saved ones. */
export const uploadsTable = defineTable<UploadListRow>([
  { key: 'id', value: (u) => u.id },
  { key: 'filename', header: 'File', value: (u) => u.filename },
  { key: 'rows', header: 'Rows', numeric: true, value: (u) => u.row_count },
  { key: 'status', header: 'Status', value: (u) => u.status },
  {
    key: 'updated_at',
    header: 'When',
    value: (u) => new Date(u.updated_at).toISOString(),
    text: (u) => formatDateTime(new Date(u.updated_at)),
  },
  {
    key: 'action',
    header: 'Action',
    hiddenHeader: true,
    pageOnly: true,
    classes: 'safer-no-print',
    value: () => '',
    html: (u, page) =>
      u.status === 'saved'
        ? `<form method="post" action="${escapeHtml(page.base)}/scorecard/uploads/${u.id}/undo"><input type="hidden" name="_csrf" value="${escapeHtml(page.csrfToken)}"><button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button" aria-label="Undo ${escapeHtml(u.filename)}">Undo</button></form>`
        : '',
  },
])
