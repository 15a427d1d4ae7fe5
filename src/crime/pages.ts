/**
 * What the crime data pages show, assembled from the queries: the area page (monthly totals by crime type as a
 * chart and tables, a map of its LSOAs, the coverage calendar) and the coverage calendars.
 */
import { renderVegaLite, monthlyStackedBarSpec, stackedCategories } from '../platform/charts.ts'
import { CRIME_TYPE_COLOURS } from './colours.ts'
import { renderChoropleth, type LegendClass } from '../platform/maps.ts'
import type { GeographyService } from '../geography/service.ts'
import { AREA_TYPE_LABELS } from '../geography/service.ts'
import { monthsBetween, type CrimeQueries, type Target, type Coverage } from './queries.ts'
import { forcesFor } from './queries.ts'
import { crimeTypesFor } from './vocabulary.ts'
import { forceBySlug } from './forces.ts'
import { formatNumber, monthLabel, periodLabel, plural, pValueText, shortMonthLabel } from '../platform/format.ts'
import { poissonRateRatioTest, rateInterval } from '../platform/stats.ts'

const fmt = (n: number) => n.toLocaleString('en-GB')

/** The chart's two widths in CSS px, axes included: the stylesheet shows the wide one only where it fits unscaled. */
const CHART_WIDTH = { wide: 740, narrow: 288 }
const rate = (count: number, population: number | null | undefined) => (population ? (count / population) * 1000 : null)

/**
 * Records per 1,000 residents with the 95% interval, as the scorecard gives rates (platform/stats.ts `rateInterval`:
 * Byar's method for 10 records or more, exact Poisson limits below 10); null where there is no population.
 */
export function ratePer1000(count: number, population: number | null | undefined): { rate: number; lower: number; upper: number } | null {
  if (!population || population <= 0) return null
  const r = rateInterval(count, population, 1000, 0.95)
  return { rate: r.rate, lower: r.lower, upper: r.upper }
}

/** The change from the 12 months before in words, with its significance; never "0%". */
export interface YearOnYear {
  current: number
  previous: number
  /** Percentage change; null when the year before had no records (there is no percentage of nothing). */
  change: number | null
  /** The two-sided p-value of the exact conditional test (null when there were no records in either year). */
  pValue: number | null
  significant: boolean
  /** "Down 12% (significant, p = 0.003)", "Up 3% (no significant change, p = 0.41)", "Up from none in the year before (…)". */
  words: string
}

/**
 * The latest 12 months against the 12 before. Both years have the same population (mid-2019) and length, so the
 * exact conditional test of two Poisson rates (`poissonRateRatioTest`, R's poisson.test) compares the counts with
 * equal exposures; it applies as well to a police force, which has no population. Significant at p < 0.05.
 */
export function yearOnYearChange(current: number, previous: number): YearOnYear {
  if (current === 0 && previous === 0)
    return { current, previous, change: null, pValue: null, significant: false, words: 'No records in either year' }
  const test = poissonRateRatioTest(current, 12, previous, 12)
  const significant = test.pValue < 0.05
  const judged = `${significant ? 'significant' : 'no significant change'}, ${pValueText(test.pValue)}`
  if (previous === 0)
    return { current, previous, change: null, pValue: test.pValue, significant, words: `Up from none in the year before (${judged})` }
  const change = ((current - previous) / previous) * 100
  if (current === previous)
    return { current, previous, change: 0, pValue: test.pValue, significant, words: 'No change (the same number in both years)' }
  const size = Math.abs(change) < 0.5 ? 'less than 1%' : `${formatNumber(Math.abs(change), 0)}%`
  return { current, previous, change, pValue: test.pValue, significant, words: `${change > 0 ? 'Up' : 'Down'} ${size} (${judged})` }
}

export function targetName(t: Target) {
  return t.kind === 'force' ? t.force.name : t.area.name
}
export function targetCode(t: Target) {
  return t.kind === 'force' ? t.force.slug : t.area.code
}
export function targetTypeLabel(t: Target) {
  return t.kind === 'force' ? 'Police force (everything it reported)' : (AREA_TYPE_LABELS[t.area.type] ?? t.area.type)
}

/** One force's months, as a calendar: a row per year, a cell per month. */
export function calendar(force: string, loaded: Map<string, number>, from?: string, to?: string) {
  const months = [...loaded.keys()].sort()
  const first = from ?? months[0]
  const last = to ?? months[months.length - 1]
  if (!first || !last) return { force, name: forceBySlug(force)?.name ?? force, years: [], loaded: 0, missing: 0 }
  const years: { year: number; months: { month: string; label: string; status: 'loaded' | 'missing' | 'outside'; rows?: number }[] }[] = []
  const inRange = new Set(monthsBetween(first, last))
  let missing = 0
  for (let y = Number(first.slice(0, 4)); y <= Number(last.slice(0, 4)); y++) {
    years.push({
      year: y,
      months: Array.from({ length: 12 }, (_, i) => {
        const month = `${y}-${String(i + 1).padStart(2, '0')}`
        if (!inRange.has(month)) return { month, label: monthLabel(month), status: 'outside' as const }
        const rows = loaded.get(month)
        if (rows === undefined) missing++
        return { month, label: monthLabel(month), status: rows === undefined ? ('missing' as const) : ('loaded' as const), rows }
      }),
    })
  }
  return { force, name: forceBySlug(force)?.name ?? force, years, loaded: months.filter((m) => inRange.has(m)).length, missing }
}

export interface AreaPageQuery {
  from?: string
  to?: string
  type?: string
}

export async function areaPage(queries: CrimeQueries, geography: GeographyService, target: Target, q: AreaPageQuery) {
  const forces = forcesFor(target)
  const street = await queries.loaded(
    'street',
    forces.map((f) => f.slug),
  )
  const allMonths = [...new Set(street.map((p) => p.month))].sort()
  const population = target.kind === 'area' ? target.area.population : null
  const base = {
    target,
    name: targetName(target),
    code: targetCode(target),
    typeLabel: targetTypeLabel(target),
    population,
    lsoaCount: target.kind === 'area' ? target.area.lsoaCount : null,
    forces,
    parents: target.kind === 'area' ? target.area.parents : [],
  }
  const calendars = forces.map((f) =>
    calendar(f.slug, new Map(street.filter((p) => p.force === f.slug).map((p) => [p.month, p.rows_kept]))),
  )
  if (!allMonths.length) return { ...base, empty: true as const, calendars }

  const from = q.from && allMonths.includes(q.from) ? q.from : (q.from ?? allMonths[0])
  const to = q.to ?? allMonths[allMonths.length - 1]
  const types = q.type ? [q.type] : undefined
  const coverage = await queries.coverage(target, 'street', from, to)
  const byMonthType = await queries.streetCounts(target, { from, to, group: ['month', 'crime_type'], types }, coverage)
  const months = monthsBetween(from, to)
  const gaps = new Set(coverage.gaps.filter((g) => coverage.months.find((m) => m.month === g)?.status === 'missing'))

  const monthTotals = months.map((month) => {
    const status = coverage.months.find((m) => m.month === month)!.status
    const count = byMonthType.filter((r) => r.month === month).reduce((n, r) => n + Number(r.count), 0)
    return { month, label: shortMonthLabel(month), status, count: status === 'missing' ? null : count }
  })
  const total = monthTotals.reduce((n, m) => n + (m.count ?? 0), 0)
  const typeTotals = new Map<string, number>()
  for (const r of byMonthType) typeTotals.set(String(r.crime_type), (typeTotals.get(String(r.crime_type)) ?? 0) + Number(r.count))
  const byType = [...typeTotals]
    .map(([type, count]) => ({
      type,
      count,
      share: total ? (count / total) * 100 : 0,
      rate: rate(count, population),
      ci95: ratePer1000(count, population),
    }))
    .filter((t) => t.count > 0)
    .sort((a, b) => b.count - a.count)

  // Chart: stacked bars of crime types by month, gaps marked "Not loaded".
  const loadedCount = monthTotals.filter((m) => m.count !== null).length
  const busiest = monthTotals.filter((m) => m.count !== null).sort((a, b) => (b.count ?? 0) - (a.count ?? 0))[0]
  const quietest = monthTotals.filter((m) => m.count !== null).sort((a, b) => (a.count ?? 0) - (b.count ?? 0))[0]
  const chartDescription =
    `${fmt(total)} records in ${plural(loadedCount, 'month')} from ${periodLabel(from, to)}` +
    (busiest
      ? `; the most in ${monthLabel(busiest.month)} (${fmt(busiest.count!)}), the fewest in ${monthLabel(quietest.month)} (${fmt(quietest.count!)})`
      : '') +
    (byType[0] ? `. The largest category is ${byType[0].type} (${byType[0].share.toFixed(0)}%).` : '.') +
    (gaps.size ? ` ${plural(gaps.size, 'month')} ${gaps.size === 1 ? 'is' : 'are'} not loaded.` : '') +
    ' The same figures are in the tables below.'
  // Drawn twice: wide, and narrow for a phone (the page shows the one that fits without shrinking its text), with one
  // legend in the page beside them. Each crime type has its colour from crime/colours.ts, the same on every page.
  const chartData = {
    rows: byMonthType
      .filter((r) => !gaps.has(String(r.month)))
      .map((r) => ({ month: String(r.month), category: String(r.crime_type), count: Number(r.count) })),
    months,
    gaps: [...gaps],
    categoryTitle: 'Crime type',
    valueTitle: 'Records',
    colours: CRIME_TYPE_COLOURS,
    legend: 'none' as const,
  }
  const chartTitle = `Records each month by crime type, ${targetName(target)}`
  const chartSvg = await renderVegaLite(monthlyStackedBarSpec({ ...chartData, fitWidth: CHART_WIDTH.wide, height: 300 }), {
    title: chartTitle,
    description: chartDescription,
    idPrefix: 'crime-chart',
  })
  const chartSvgNarrow = await renderVegaLite(monthlyStackedBarSpec({ ...chartData, fitWidth: CHART_WIDTH.narrow, height: 240 }), {
    title: chartTitle,
    description: chartDescription,
    idPrefix: 'crime-chart-narrow',
  })
  const chartLegend = stackedCategories(chartData).legend

  // Year on year: the latest 12 months against the 12 before, when all 24 are loaded.
  let yearOnYear: (YearOnYear & { from: string; to: string; previousFrom: string; previousTo: string }) | undefined
  const lastMonth = to
  const window = monthsBetween(shift(lastMonth, -23), lastMonth)
  if (window.length === 24 && window.every((m) => allMonths.includes(m)) && window[0] >= allMonths[0]) {
    const cov24 = await queries.coverage(target, 'street', window[0], lastMonth)
    if (cov24.complete) {
      const rows = await queries.streetCounts(target, { from: window[0], to: lastMonth, group: ['month'], types }, cov24)
      const sum = (ms: string[]) => rows.filter((r) => ms.includes(String(r.month))).reduce((n, r) => n + Number(r.count), 0)
      const previous = sum(window.slice(0, 12))
      const current = sum(window.slice(12))
      yearOnYear = {
        ...yearOnYearChange(current, previous),
        from: window[12],
        to: lastMonth,
        previousFrom: window[0],
        previousTo: window[11],
      }
    }
  }

  // LSOAs: counts for the map and the table of the highest.
  let lsoas: {
    code: string | null
    name: string
    count: number
    population: number | null
    rate: number | null
    ci95: { lower: number; upper: number } | null
  }[] = []
  let map: { svg: string; legend: LegendClass[]; noData: number } | undefined
  if (target.kind === 'area' && target.area.kind !== 'lsoa') {
    const byLsoa = await queries.streetCounts(target, { from, to, group: ['lsoa'], types }, coverage)
    const facts = await geography.lsoasOf(target.area)
    const counts = new Map(byLsoa.map((r) => [r.lsoa as string | null, Number(r.count)]))
    lsoas = facts.map((f) => ({
      code: f.code,
      name: f.name,
      count: counts.get(f.code) ?? 0,
      population: f.population_2019,
      rate: rate(counts.get(f.code) ?? 0, f.population_2019),
      ci95: ratePer1000(counts.get(f.code) ?? 0, f.population_2019),
    }))
    if (counts.has(null))
      lsoas.push({ code: null, name: 'No location', count: counts.get(null)!, population: null, rate: null, ci95: null })
    const features = await geography.lsoaBoundaries(target.area)
    if (features.length && features.length <= 3000) {
      const values: Record<string, number | null> = {}
      for (const l of lsoas) if (l.code) values[l.code] = coverage.complete || loadedCount ? l.rate : null
      const m = renderChoropleth({
        features,
        values,
        idPrefix: 'crime-map',
        valueLabel: 'Records per 1,000 people',
        title: `Records per 1,000 people by LSOA, ${targetName(target)}, ${periodLabel(from, to, { short: true })}`,
        description: `A map of the ${plural(features.length, 'LSOA')} of ${targetName(target)}, shaded by records per 1,000 residents (mid-2019 population) from ${periodLabel(from, to)}. Darker is higher. The LSOAs with the highest rates are listed in the table below.`,
        format: (v) => v.toLocaleString('en-GB', { maximumFractionDigits: 0 }),
        legend: 'none',
      })
      map = { svg: m.svg, legend: m.legend, noData: m.noDataCount }
    }
  }
  // Stop and search, for a police force area or a force: counted by force (its records have no LSOA).
  let stopSearch:
    | { total: number; byOutcome: { label: string; count: number }[]; byObject: { label: string; count: number }[]; coverage: Coverage }
    | undefined
  if (target.kind === 'force' || target.area.type === 'police force area') {
    const ss = (
      await queries.loaded(
        'stop-and-search',
        forces.map((f) => f.slug),
      )
    ).filter((p) => p.month >= from && p.month <= to)
    if (ss.length) {
      const ssCoverage = await queries.coverage(target, 'stop-and-search', from, to)
      const tally = async (g: string) =>
        (await queries.recordCounts('stop-and-search', target, { from, to, group: [g] }, ssCoverage))
          .map((r) => ({ label: (r[g] as string | null) ?? 'Not recorded', count: Number(r.count) }))
          .sort((a, b) => b.count - a.count)
      const byOutcome = await tally('outcome')
      stopSearch = {
        total: byOutcome.reduce((n, r) => n + r.count, 0),
        byOutcome,
        byObject: await tally('object_of_search'),
        coverage: ssCoverage,
      }
    }
  }
  const topLsoas = lsoas
    .filter((l) => l.code && l.rate !== null)
    .sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0))
    .slice(0, 10)
  const unknownTypes = byType.filter((t) => !crimeTypesFor(from).includes(t.type) && !crimeTypesFor(to).includes(t.type))

  return {
    ...base,
    empty: false as const,
    calendars,
    from,
    to,
    type: q.type,
    allMonths,
    months: monthTotals,
    total,
    totalRate: rate(total, population),
    totalRateCi95: ratePer1000(total, population),
    byType,
    byMonthType,
    chartSvg,
    chartSvgNarrow,
    chartLegend,
    chartDescription,
    coverage,
    yearOnYear,
    lsoas,
    topLsoas,
    map,
    unknownTypes,
    stopSearch,
    crimeTypes: [...new Set([...crimeTypesFor(from), ...crimeTypesFor(to)])].sort(),
  }
}

/** The month n months after m (n may be negative). */
export function shift(m: string, n: number) {
  const total = Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1 + n
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`
}
