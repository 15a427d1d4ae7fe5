/**
 * How the scorecard's peers are drawn: the peer list (the peers page and its download), an indicator's comparison
 * with its peers (table, a bar chart of rates with 95% intervals and the peer average, and a funnel plot with 95% and
 * 99.8% limits around the peer rate), Vega-Lite drawn to SVG on the server with a text alternative.
 */
import { renderVegaLite, FONT } from '../platform/charts.ts'
import { escapeHtml } from '../platform/html.ts'
import { defineTable } from '../platform/tables.ts'
import { formatNumber } from '../platform/format.ts'
import { funnelLimits } from '../platform/stats.ts'
import { SUPPRESSED } from './disclosure.ts'
import { formatValue, type Indicator } from './service.ts'
import type { PeerComparison, PeerFigure, PeerRow } from './peer-groups.ts'

const fmt = (v: number | null | undefined, dp = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '' : formatNumber(v, dp))

/** The peer list: code, name, distance, the three features, and who chose it. */
export const peerListTable = defineTable<PeerRow>([
  { key: 'code', header: 'Code', value: (r) => r.code },
  { key: 'name', header: 'CSP', value: (r) => r.name },
  {
    key: 'distance',
    header: 'Distance',
    numeric: true,
    value: (r) => r.distance,
    text: (r) => (r.distance === null ? 'Not comparable' : fmt(r.distance, 2)),
  },
  {
    key: 'imd_rank',
    header: 'Mean IMD 2019 rank',
    numeric: true,
    value: (r) => (r.features && Number.isFinite(r.features.imdScore) ? r.features.imdScore : null),
    text: (r) => (r.features && Number.isFinite(r.features.imdScore) ? fmt(r.features.imdScore, 0) : 'None (Wales)'),
  },
  {
    key: 'rural_share',
    header: 'Rural population',
    numeric: true,
    value: (r) => r.features?.ruralShare ?? null,
    text: (r) => (r.features ? `${fmt(r.features.ruralShare * 100, 0)}%` : ''),
  },
  {
    key: 'density',
    header: 'People per km²',
    numeric: true,
    value: (r) => r.features?.density ?? null,
    text: (r) => (r.features ? fmt(r.features.density, 0) : ''),
  },
  {
    key: 'chosen_by',
    header: 'Chosen by',
    value: (r) => r.chosen_by,
    text: (r) => (r.chosen_by === 'computed' ? 'Computed' : 'The partnership'),
  },
])

/** An indicator's figures beside its peers' for one period: the indicator page's table and its download. */
export function peerFiguresTable(ind: Indicator) {
  const dp = ind.unit === 'count' ? 0 : 1
  return defineTable<PeerFigure>([
    { key: 'code', header: 'Code', value: (r) => r.code },
    {
      key: 'name',
      header: 'Area',
      value: (r) => r.name,
      html: (r) => (r.self ? `<strong>${escapeHtml(r.name)}</strong>` : escapeHtml(r.name)),
    },
    { key: 'self', value: (r) => r.self },
    {
      key: 'numerator',
      header: ind.unit === 'count' ? 'Count' : 'Numerator',
      numeric: true,
      value: (r) => r.numerator,
      text: (r) => (r.suppressed ? SUPPRESSED : fmt(r.numerator, 0)),
    },
    {
      key: 'denominator',
      header: ind.builtin ? 'Population' : 'Denominator',
      numeric: true,
      value: (r) => r.denominator,
      text: (r) => (r.suppressed ? SUPPRESSED : fmt(r.denominator, 0)),
    },
    { key: 'value', header: 'Value', numeric: true, value: (r) => r.value, text: (r) => formatValue(ind, r.value) },
    { key: 'ci95_lower', value: (r) => r.ci95?.[0] ?? null },
    { key: 'ci95_upper', value: (r) => r.ci95?.[1] ?? null },
    { key: 'ci95', header: '95% interval', pageOnly: true, value: (r) => (r.ci95 ? `${fmt(r.ci95[0], dp)} to ${fmt(r.ci95[1], dp)}` : '') },
    { key: 'suppressed', value: (r) => r.suppressed },
  ])
}

const AXIS = { labelFontSize: 12, titleFontSize: 12 }
const AREA_COLOUR = '#f46a25'
const PEER_COLOUR = '#12436d'

const axisTitle = (ind: Indicator) =>
  ind.unit === 'rate'
    ? `per ${formatNumber(ind.per ?? 1000)}`
    : ind.unit === 'percentage'
      ? 'per cent'
      : ind.unit === 'money'
        ? '£'
        : ind.unit

/** Bars of the area's and its peers' values with their 95% intervals, the area highlighted, the peer average as a line. */
export async function peerBarChart(ind: Indicator, c: PeerComparison, areaName: string): Promise<string> {
  const shown = c.figures.filter((f) => f.value !== null)
  if (shown.length < 2) return ''
  const data = shown.map((f) => ({
    name: f.self ? areaName : f.name,
    value: f.value,
    lower: f.ci95?.[0] ?? f.value,
    upper: f.ci95?.[1] ?? f.value,
    who: f.self ? 'This area' : 'Peer',
  }))
  const y = { field: 'name', type: 'nominal', sort: null, title: null, axis: { labelLimit: 240 } }
  const layers: object[] = [
    {
      mark: { type: 'bar' },
      encoding: {
        y,
        x: { field: 'value', type: 'quantitative', title: axisTitle(ind) },
        color: { field: 'who', type: 'nominal', title: null, scale: { domain: ['This area', 'Peer'], range: [AREA_COLOUR, PEER_COLOUR] } },
      },
    },
    {
      mark: { type: 'rule', color: '#0b0c0c', strokeWidth: 1.5 },
      encoding: { y, x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } },
    },
  ]
  if (c.average !== null)
    layers.push({
      data: { values: [{ average: c.average }] },
      mark: { type: 'rule', color: '#28a197', strokeWidth: 2, strokeDash: [6, 3] },
      encoding: { x: { field: 'average', type: 'quantitative' } },
    })
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 480,
    height: { step: 18 },
    config: { font: FONT, axis: AXIS, legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom' } },
    data: { values: data },
    layer: layers,
  }
  const self = c.figures.find((f) => f.self)
  return renderVegaLite(spec, {
    title: `${ind.name}, ${c.periodLabel}: ${areaName} and its peers, with 95% confidence intervals`,
    description:
      `${shown.length} areas, lowest first. ${areaName}: ${formatValue(ind, self?.value ?? null)}, ${c.rankText}.` +
      (c.average !== null ? ` The dashed line is the peer average, ${formatValue(ind, c.average)} (${c.averageMethod}).` : '') +
      ' The table below gives every figure.',
    idPrefix: `peers-${ind.code}`,
  })
}

/** Where a figure lies in the funnel: within the 95% limits, between 95% and 99.8%, or beyond 99.8%. */
export function funnelPosition(rate: number, limits: { l95: number; u95: number; l998: number; u998: number }): string {
  if (rate > limits.u998) return 'above the 99.8% limit'
  if (rate < limits.l998) return 'below the 99.8% limit'
  if (rate > limits.u95) return 'above the 95% limit'
  if (rate < limits.l95) return 'below the 95% limit'
  return 'within the 95% limits'
}

/**
 * A funnel plot: each area's rate against its population, with the 95% and 99.8% control limits around the peer
 * rate (exact Poisson, stats.ts funnelLimits). Only for rates with their counts and populations (pooled peer rate).
 */
export async function funnelPlot(ind: Indicator, c: PeerComparison, areaName: string): Promise<{ svg: string; position: string } | null> {
  if (c.averageKind !== 'pooled-rate' || c.average === null) return null
  const shown = c.figures.filter((f) => f.value !== null && f.denominator)
  if (shown.length < 2) return null
  const per = ind.per ?? 1000
  const populations = shown.map((f) => f.denominator!)
  const lo = Math.min(...populations) * 0.8
  const hi = Math.max(...populations) * 1.2
  // 60 points, evenly spaced on a log scale between the smallest and largest population (and a margin).
  const xs = Array.from({ length: 60 }, (_, i) => Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / 59))
  const l95 = funnelLimits(c.average, per, xs, 0.95)
  const l998 = funnelLimits(c.average, per, xs, 0.998)
  const limits = xs.flatMap((x, i) => [
    { population: x, rate: l95[i].lower, line: '95% limits', side: 'lower' },
    { population: x, rate: l95[i].upper, line: '95% limits', side: 'upper' },
    { population: x, rate: l998[i].lower, line: '99.8% limits', side: 'lower' },
    { population: x, rate: l998[i].upper, line: '99.8% limits', side: 'upper' },
  ])
  const points = shown.map((f) => ({
    population: f.denominator,
    rate: f.value,
    name: f.self ? areaName : f.name,
    who: f.self ? 'This area' : 'Peer',
  }))
  const self = c.figures.find((f) => f.self)
  let position = ''
  if (self && self.value !== null && self.denominator) {
    const [a] = funnelLimits(c.average, per, [self.denominator], 0.95)
    const [b] = funnelLimits(c.average, per, [self.denominator], 0.998)
    position = funnelPosition(self.value, { l95: a.lower, u95: a.upper, l998: b.lower, u998: b.upper })
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 480,
    height: 280,
    config: { font: FONT, axis: AXIS, legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom' } },
    layer: [
      {
        data: { values: limits },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: {
            field: 'population',
            type: 'quantitative',
            scale: { type: 'log', domain: [lo, hi], nice: false },
            title: ind.builtin ? 'Population' : 'Denominator',
            axis: { format: '~s', tickCount: 5 },
          },
          y: { field: 'rate', type: 'quantitative', title: axisTitle(ind), scale: { zero: false } },
          detail: { field: 'side' },
          strokeDash: {
            field: 'line',
            type: 'nominal',
            title: null,
            scale: {
              domain: ['95% limits', '99.8% limits'],
              range: [
                [4, 3],
                [1, 0],
              ],
            },
          },
          color: { value: '#505a5f' },
        },
      },
      {
        data: { values: [{ rate: c.average }] },
        mark: { type: 'rule', color: '#28a197', strokeWidth: 2 },
        encoding: { y: { field: 'rate', type: 'quantitative' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: {
          x: { field: 'population', type: 'quantitative' },
          y: { field: 'rate', type: 'quantitative' },
          color: {
            field: 'who',
            type: 'nominal',
            title: null,
            scale: { domain: ['This area', 'Peer'], range: [AREA_COLOUR, PEER_COLOUR] },
          },
          shape: { field: 'who', type: 'nominal', title: null, scale: { domain: ['This area', 'Peer'], range: ['diamond', 'circle'] } },
        },
      },
    ],
  }
  const svg = await renderVegaLite(spec, {
    title: `Funnel plot of ${ind.name}, ${c.periodLabel}: rate against population, with 95% and 99.8% limits around the peer rate`,
    description:
      `${shown.length} areas. The peer rate is ${formatValue(ind, c.average)} (${c.averageMethod}).` +
      (position
        ? ` ${areaName}, at ${formatValue(ind, self!.value)} with a population of ${formatNumber(self!.denominator)}, is ${position}.`
        : '') +
      ' The table below gives every figure.',
    idPrefix: `funnel-${ind.code}`,
  })
  return { svg, position }
}
