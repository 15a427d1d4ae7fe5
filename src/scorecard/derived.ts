/**
 * Figures for longer periods worked out from an indicator's own: quarters, financial years, rolling 12 months and
 * the financial year to date, summed from monthly (or quarterly) figures; and the recent trend over the last five
 * periods (as OHID's Fingertips shows it). Pure functions, no database: the service gives them the raw figures.
 *
 * Sums: counts add up; a percentage adds up its numerators and its denominators; a rate adds up its counts and is
 * divided by the population of the last month of the period (its year's population, as the periods' own figures);
 * money adds up. A "number" (an average, a score) is not summed: it is shown only by its own periods. A period is
 * worked out only when every month of it has a figure (with a numerator, for a count, rate or percentage).
 */
import { chiSquaredTrend, poissonTrend, type TrendDirection } from '../platform/stats.ts'
import type { Polarity, Unit } from './builtin.ts'
import { suppressedSums, type Sum } from './disclosure.ts'
import {
  fytdPeriod,
  parsePeriod,
  periodBefore,
  periodText,
  rollingPeriod,
  shiftMonths,
  VIEWS,
  type Frequency,
  type Period,
  type View,
} from './periods.ts'

/** One period's figures as stored (or counted), before statistics and disclosure control. */
export interface RawPoint {
  area: string
  period: Period
  numerator: number | null
  denominator: number | null
  value: number
  /** For a worked-out period: the texts of the indicator's own periods it sums. */
  parts?: string[]
}

interface Shape {
  unit: Unit
  per: number | null
  frequency: Frequency
}

/** The views an indicator's figures allow: its own periods and, from months or quarters, the longer ones. */
export function viewsFor(ind: Pick<Shape, 'unit' | 'frequency'>): View[] {
  if (ind.unit === 'number' || ind.frequency === 'financial-year') return [ind.frequency]
  if (ind.frequency === 'quarter') return ['quarter', 'financial-year', 'rolling-12', 'fytd']
  return [...VIEWS]
}

/** The period of a view that ends with a month, if one does (quarters end in June, September, December and March). */
function periodEnding(view: View, end: string): Period | undefined {
  const mo = Number(end.slice(5))
  if (view === 'rolling-12') return rollingPeriod(end)
  if (view === 'fytd') return fytdPeriod(end)
  if (view === 'quarter' && mo % 3 === 0) {
    const start = shiftMonths(end, -2)
    const fy = Number(start.slice(5)) >= 4 ? Number(start.slice(0, 4)) : Number(start.slice(0, 4)) - 1
    return parsePeriod(`${fy}/${String((fy + 1) % 100).padStart(2, '0')} Q${Math.floor(((Number(start.slice(5)) + 8) % 12) / 3) + 1}`)
  }
  if (view === 'financial-year' && mo === 3) return parsePeriod(`${Number(end.slice(0, 4)) - 1}/${end.slice(2, 4)}`)
  return undefined
}

/**
 * An indicator's figures (one area, in period order) in a view: the figures themselves for its own frequency, or
 * every complete period of the view summed from them. Undefined when the view is not one the figures allow.
 */
export function derive(ind: Shape, raw: RawPoint[], view: View): RawPoint[] | undefined {
  if (view === ind.frequency) return raw
  if (!viewsFor(ind).includes(view)) return undefined
  // Which of the indicator's own periods covers each month.
  const byMonth = new Map<string, RawPoint>()
  for (const r of raw) for (let m = r.period.start; m <= r.period.end; m = shiftMonths(m, 1)) byMonth.set(m, r)
  const out: RawPoint[] = []
  for (const r of raw) {
    const period = periodEnding(view, r.period.end)
    if (!period) continue
    const parts: RawPoint[] = []
    let complete = true
    for (let m = period.start; m <= period.end; m = shiftMonths(m, 1)) {
      const part = byMonth.get(m)
      if (!part || part.period.start < period.start || part.period.end > period.end) {
        complete = false
        break
      }
      if (parts[parts.length - 1] !== part) parts.push(part)
    }
    if (!complete) continue
    const sum = (f: (p: RawPoint) => number | null) => {
      let s = 0
      for (const p of parts) {
        const v = f(p)
        if (v === null) return null
        s += v
      }
      return s
    }
    const last = parts[parts.length - 1]
    let numerator: number | null = null
    let denominator: number | null = null
    let value: number | null
    if (ind.unit === 'money') value = sum((p) => p.value)
    else {
      numerator = sum((p) => p.numerator)
      if (ind.unit === 'count') {
        value = numerator
      } else if (ind.unit === 'rate') {
        denominator = last.denominator
        value = numerator !== null && denominator ? (numerator / denominator) * (ind.per ?? 1000) : null
      } else {
        denominator = sum((p) => p.denominator)
        value = numerator !== null && denominator ? (numerator / denominator) * 100 : null
      }
    }
    if (value === null) continue
    out.push({ area: r.area, period, numerator, denominator, value, parts: parts.map((p) => p.period.text) })
  }
  return out
}

/**
 * An indicator's figures in a view, with the keys (`code|area|period`) that disclosure control hides: the hidden
 * cells of its own periods, and the worked-out periods to withhold (disclosure.ts, suppressedSums). The check runs
 * over every view the figures allow at once, whichever is asked for, so that no combination of pages or API calls
 * gives a hidden month away. Undefined when the view is not one the figures allow.
 */
export function inView(
  ind: Shape & { code: string; suppression_threshold: number },
  raw: RawPoint[],
  hidden: Set<string>,
  view: View,
  opts: { protect: boolean },
): { points: RawPoint[]; hidden: Set<string> } | undefined {
  const points = derive(ind, raw, view)
  if (!points) return undefined
  const counted = ind.unit === 'count' || ind.unit === 'rate' || ind.unit === 'percentage'
  if (view === ind.frequency || !opts.protect || !counted) return { points, hidden }
  const area = raw[0]?.area
  const key = (text: string) => `${ind.code}|${area}|${text}`
  const sums: (Sum & { end: string; order: number })[] = []
  viewsFor(ind)
    .filter((v) => v !== ind.frequency)
    .forEach((v, order) => {
      for (const d of v === view ? points : derive(ind, raw, v)!)
        sums.push({
          key: key(d.period.text),
          count: d.numerator,
          threshold: ind.suppression_threshold,
          parts: d.parts!.map(key),
          end: d.period.end,
          order,
        })
    })
  sums.sort((a, b) => (a.end < b.end ? -1 : a.end > b.end ? 1 : a.order - b.order))
  const withheld = suppressedSums(hidden, sums, new Map(raw.map((r) => [key(r.period.text), r.numerator])))
  return { points, hidden: new Set([...hidden, ...withheld]) }
}

export interface Trend {
  /** null when there is no test: too few periods, figures withheld, or a unit without counts. */
  direction: TrendDirection | null
  pValue: number | null
  method: string | null
  /** The periods tested, oldest first. */
  periods: string[]
  /** Better, worse, or neither, by the indicator's polarity. */
  judgement: 'better' | 'worse' | 'neither' | null
  text: string
}

export const TREND_PERIODS = 5

/**
 * The recent trend over the last five periods (Fingertips): Poisson regression with the population as offset for
 * counts and rates, the chi-squared test for trend for percentages (stats.ts). The five periods are the latest and
 * the four before it (periodBefore: for rolling and year-to-date figures, a year apart, so no month is counted
 * twice); all five must have a count, and none be withheld from this viewer (its p-value would give it away).
 */
export function recentTrend(ind: Shape & { polarity: Polarity }, raw: RawPoint[], isHidden: (r: RawPoint) => boolean): Trend {
  const none = (text: string): Trend => ({ direction: null, pValue: null, method: null, periods: [], judgement: null, text })
  if (ind.unit === 'number' || ind.unit === 'money') return none('No trend test for this unit (it is for counts, rates and percentages)')
  const notEnough = none(`Not enough data for a trend (${TREND_PERIODS} periods needed)`)
  const latest = raw[raw.length - 1]
  if (!latest) return notEnough
  const byText = new Map(raw.map((r) => [r.period.text, r]))
  const chain: RawPoint[] = [latest]
  while (chain.length < TREND_PERIODS) {
    const before = byText.get(periodBefore(chain[0].period).text)
    if (!before) return notEnough
    chain.unshift(before)
  }
  if (chain.some((r) => r.numerator === null || (ind.unit !== 'count' && !(r.denominator! > 0)))) return notEnough
  if (chain.some(isHidden)) return none('Withheld: one of the last five periods has a small count')
  const numerators = chain.map((r) => r.numerator!)
  const t =
    ind.unit === 'percentage'
      ? chiSquaredTrend(
          numerators,
          chain.map((r) => r.denominator!),
        )
      : poissonTrend(
          numerators,
          chain.map((r) => (ind.unit === 'count' ? 1 : r.denominator!)),
        )
  const judgement =
    t.direction === 'no significant change' || ind.polarity === 'neither'
      ? 'neither'
      : (t.direction === 'increasing') === (ind.polarity === 'higher-is-better')
        ? 'better'
        : 'worse'
  const words =
    t.direction === 'no significant change'
      ? 'No significant change'
      : `${t.direction === 'increasing' ? 'Increasing' : 'Decreasing'}${judgement === 'neither' ? '' : ` and getting ${judgement}`}`
  const span = `${periodText(chain[0].period)} to ${periodText(latest.period)}`
  return {
    direction: t.direction,
    pValue: t.pValue,
    method: t.method,
    periods: chain.map((r) => r.period.text),
    judgement,
    text: `${words} over the last ${TREND_PERIODS} periods (${span})`,
  }
}
