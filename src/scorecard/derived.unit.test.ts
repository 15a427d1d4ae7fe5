/**
 * Longer periods summed from months, and the recent trend. Every expected figure is worked out here from the values
 * put in (loops over the months written out in the test), or from the reference values of stats.unit.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import normalCdf from '@stdlib/stats-base-dists-normal-cdf'
import { derive, inView, recentTrend, viewsFor, type RawPoint } from './derived.ts'
import { inBaselineYear, parseAnyPeriod, parsePeriod, periodBefore, periodText, yearBefore } from './periods.ts'

const pChi1 = (x2: number) => 2 * (1 - normalCdf(Math.sqrt(x2), 0, 1))
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: got ${a}, expected ${b}`)

/** 36 months from April 2017, written out: month k (0-based) has 100 + 7k − (k mod 5)·3 (no formula of the code's). */
const MONTHS: string[] = []
for (let y = 2017; y <= 2020; y++) for (let m = 1; m <= 12; m++) MONTHS.push(`${y}-${String(m).padStart(2, '0')}`)
const FROM_APRIL_2017 = MONTHS.slice(3, 39)
const COUNTS = FROM_APRIL_2017.map((_, k) => 100 + 7 * k - (k % 5) * 3)
const POPULATION = FROM_APRIL_2017.map((m) => (m < '2019-01' ? 150000 : 160000))

const counts: RawPoint[] = FROM_APRIL_2017.map((m, k) => ({
  area: 'E06000019',
  period: parsePeriod(m)!,
  numerator: COUNTS[k],
  denominator: null,
  value: COUNTS[k],
}))
const COUNT = { unit: 'count' as const, per: null, frequency: 'month' as const }

test('labels and texts of rolling 12 months and the financial year to date', () => {
  assert.equal(periodText(parseAnyPeriod('12 months to 2020-03')!), '12 months to March 2020')
  assert.equal(periodText(parseAnyPeriod('2019/20 to 2019-09')!), '2019/20 to date (April to September)')
  assert.equal(periodText(parseAnyPeriod('2019/20 to 2019-04')!), '2019/20 to date (April)')
  assert.deepEqual(parseAnyPeriod('12 months to 2020-03'), {
    text: '12 months to 2020-03',
    frequency: 'rolling-12',
    start: '2019-04',
    end: '2020-03',
  })
  assert.deepEqual(parseAnyPeriod('2019/20 to 2019-09'), {
    text: '2019/20 to 2019-09',
    frequency: 'fytd',
    start: '2019-04',
    end: '2019-09',
  })
  // Not a period: a year to date outside its year, a thirteenth month.
  assert.equal(parseAnyPeriod('2019/20 to 2020-04'), undefined)
  assert.equal(parseAnyPeriod('12 months to 2020-13'), undefined)
  // A year before, and the period before for a trend (a year apart for periods that overlap).
  assert.equal(yearBefore(parseAnyPeriod('12 months to 2020-03')!).text, '12 months to 2019-03')
  assert.equal(yearBefore(parseAnyPeriod('2019/20 to 2019-09')!).text, '2018/19 to 2018-09')
  assert.equal(periodBefore(parsePeriod('2019-01')!).text, '2018-12')
  assert.equal(periodBefore(parsePeriod('2019/20 Q1')!).text, '2018/19 Q4')
  assert.equal(periodBefore(parsePeriod('2019/20 Q4')!).text, '2019/20 Q3')
  assert.equal(periodBefore(parseAnyPeriod('12 months to 2020-03')!).text, '12 months to 2019-03')
})

test('the same months in a baseline year', () => {
  const base = parsePeriod('2017/18')!
  assert.equal(inBaselineYear(parseAnyPeriod('12 months to 2020-03')!, base)!.text, '12 months to 2018-03')
  assert.equal(inBaselineYear(parseAnyPeriod('12 months to 2019-09')!, base)!.text, '12 months to 2017-09')
  assert.equal(inBaselineYear(parseAnyPeriod('2019/20 to 2019-09')!, base)!.text, '2017/18 to 2017-09')
  assert.equal(inBaselineYear(parsePeriod('2020-01')!, base)!.text, '2018-01')
  assert.equal(inBaselineYear(parsePeriod('2019/20 Q2')!, base)!.text, '2017/18 Q2')
  assert.equal(inBaselineYear(parsePeriod('2019/20')!, base)!.text, '2017/18')
  assert.equal(inBaselineYear(parsePeriod('2016-12')!, base), undefined)
})

test('rolling 12 months: each is the sum of its twelve months, from the first complete one', () => {
  const rolling = derive(COUNT, counts, 'rolling-12')!
  assert.equal(rolling.length, 36 - 11)
  for (const r of rolling) {
    const end = FROM_APRIL_2017.indexOf(r.period.end)
    let sum = 0
    for (let k = end - 11; k <= end; k++) sum += COUNTS[k]
    assert.equal(r.numerator, sum, r.period.text)
    assert.equal(r.value, sum)
    assert.equal(r.parts!.length, 12)
  }
  assert.equal(rolling[0].period.text, '12 months to 2018-03')
  assert.equal(rolling.at(-1)!.period.text, '12 months to 2020-03')
})

test('financial year to date: April to each month, summed; and the years and quarters', () => {
  const fytd = derive(COUNT, counts, 'fytd')!
  assert.equal(fytd.length, 36)
  for (const r of fytd) {
    const end = FROM_APRIL_2017.indexOf(r.period.end)
    const april = end - (end % 12) // the data start in April
    let sum = 0
    for (let k = april; k <= end; k++) sum += COUNTS[k]
    assert.equal(r.numerator, sum, r.period.text)
  }
  const years = derive(COUNT, counts, 'financial-year')!
  assert.deepEqual(
    years.map((r) => [r.period.text, r.numerator]),
    [0, 1, 2].map((y) => [`${2017 + y}/${18 + y}`, COUNTS.slice(12 * y, 12 * y + 12).reduce((a, b) => a + b, 0)]),
  )
  const quarters = derive(COUNT, counts, 'quarter')!
  assert.equal(quarters.length, 12)
  assert.equal(quarters[0].period.text, '2017/18 Q1')
  assert.equal(quarters[0].numerator, COUNTS[0] + COUNTS[1] + COUNTS[2])
  assert.equal(quarters[11].period.text, '2019/20 Q4')
  assert.equal(quarters[11].numerator, COUNTS[33] + COUNTS[34] + COUNTS[35])
})

test('a period with a month missing is not worked out', () => {
  const gap = counts.filter((r) => r.period.text !== '2019-06')
  const rolling = derive(COUNT, gap, 'rolling-12')!
  assert.ok(!rolling.some((r) => r.period.start <= '2019-06' && r.period.end >= '2019-06'))
  // 25 rolling periods end March 2018 to March 2020; the 10 ending June 2019 to March 2020 hold June 2019.
  assert.equal(rolling.length, 25 - 10)
  assert.ok(!derive(COUNT, gap, 'fytd')!.some((r) => r.period.text === '2019/20 to 2019-07'))
  assert.ok(derive(COUNT, gap, 'fytd')!.some((r) => r.period.text === '2019/20 to 2019-05'))
})

test('rates sum their counts over the population of the last month; percentages sum numerators and denominators', () => {
  const rate = { unit: 'rate' as const, per: 1000, frequency: 'month' as const }
  const raw = counts.map((r, k) => ({ ...r, denominator: POPULATION[k], value: (COUNTS[k] / POPULATION[k]) * 1000 }))
  const r = derive(rate, raw, 'rolling-12')!.find((x) => x.period.text === '12 months to 2019-06')!
  assert.equal(FROM_APRIL_2017[26], '2019-06') // July 2018 to June 2019 are months 15 to 26 from April 2017
  const june = COUNTS.slice(15, 27).reduce((a, b) => a + b, 0)
  assert.equal(r.numerator, june)
  assert.equal(r.denominator, 160000)
  close(r.value, (june / 160000) * 1000, 1e-12, 'rate')
  const pct = { unit: 'percentage' as const, per: null, frequency: 'month' as const }
  const shares = counts.map((r, k) => ({ ...r, numerator: k + 1, denominator: 50, value: ((k + 1) / 50) * 100 }))
  const q = derive(pct, shares, 'quarter')!.find((x) => x.period.text === '2017/18 Q2')!
  assert.equal(q.numerator, 4 + 5 + 6)
  assert.equal(q.denominator, 150)
  close(q.value, 10, 1e-12, 'percentage')
})

test('views: from months every one; from quarters the longer ones; a year only itself; a number is never summed', () => {
  assert.deepEqual(viewsFor({ unit: 'count', frequency: 'month' }), ['month', 'quarter', 'financial-year', 'rolling-12', 'fytd'])
  assert.deepEqual(viewsFor({ unit: 'rate', frequency: 'quarter' }), ['quarter', 'financial-year', 'rolling-12', 'fytd'])
  assert.deepEqual(viewsFor({ unit: 'count', frequency: 'financial-year' }), ['financial-year'])
  assert.deepEqual(viewsFor({ unit: 'number', frequency: 'month' }), ['month'])
  assert.equal(derive({ unit: 'count', per: null, frequency: 'financial-year' }, [], 'rolling-12'), undefined)
  // Four quarters make a rolling 12 months.
  const q = ['2018/19 Q1', '2018/19 Q2', '2018/19 Q3', '2018/19 Q4', '2019/20 Q1'].map((p, k) => ({
    area: 'A',
    period: parsePeriod(p)!,
    numerator: 10 * (k + 1),
    denominator: null,
    value: 10 * (k + 1),
  }))
  const rolling = derive({ unit: 'count', per: null, frequency: 'quarter' }, q, 'rolling-12')!
  assert.deepEqual(
    rolling.map((r) => [r.period.text, r.numerator]),
    [
      ['12 months to 2019-03', 10 + 20 + 30 + 40],
      ['12 months to 2019-06', 20 + 30 + 40 + 50],
    ],
  )
})

const point = (p: string, numerator: number, denominator: number | null = null): RawPoint => ({
  area: 'A',
  period: parsePeriod(p)!,
  numerator,
  denominator,
  value: numerator,
})
const months = (from: string, values: number[], denominator: number | null = null) => {
  const [y, m] = from.split('-').map(Number)
  return values.map((v, k) => {
    const t = y * 12 + m - 1 + k
    return point(`${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`, v, denominator)
  })
}

test('recent trend: all the events in the last period is increasing, with the likelihood-ratio p of 10 log 5', () => {
  // As stats.unit.test.ts: counts 0, 0, 0, 0, 5 with equal exposure; deviance of the constant model 10 log 5, of the
  // trend model 0.
  const t = recentTrend({ ...COUNT, polarity: 'lower-is-better' }, months('2019-01', [0, 0, 0, 0, 5]), () => false)
  assert.equal(t.direction, 'increasing')
  close(t.pValue!, pChi1(10 * Math.log(5)), 1e-6, 'p')
  assert.equal(t.judgement, 'worse')
  assert.match(t.text, /^Increasing and getting worse over the last 5 periods \(January 2019 to May 2019\)$/)
  assert.match(t.method!, /Poisson regression with population as offset/)
  assert.deepEqual(t.periods, ['2019-01', '2019-02', '2019-03', '2019-04', '2019-05'])
  // Only the last five count: an older spike makes no difference.
  const longer = recentTrend({ ...COUNT, polarity: 'lower-is-better' }, months('2018-12', [900, 0, 0, 0, 0, 5]), () => false)
  close(longer.pValue!, pChi1(10 * Math.log(5)), 1e-6, 'p over the last five')
})

test('recent trend: falling is decreasing (better when lower is better), a flat series no significant change', () => {
  const down = recentTrend({ ...COUNT, polarity: 'lower-is-better' }, months('2019-01', [160, 80, 40, 20, 10]), () => false)
  assert.equal(down.direction, 'decreasing')
  assert.equal(down.judgement, 'better')
  const up = recentTrend({ ...COUNT, polarity: 'higher-is-better' }, months('2019-01', [10, 20, 40, 80, 160]), () => false)
  assert.equal(up.judgement, 'better')
  const neither = recentTrend({ ...COUNT, polarity: 'neither' }, months('2019-01', [10, 20, 40, 80, 160]), () => false)
  assert.equal(neither.judgement, 'neither')
  assert.match(neither.text, /^Increasing over/)
  const flat = recentTrend({ ...COUNT, polarity: 'lower-is-better' }, months('2019-01', [50, 50, 50, 50, 50]), () => false)
  assert.equal(flat.direction, 'no significant change')
  close(flat.pValue!, 1, 1e-9, 'flat p')
})

test('recent trend for percentages: the chi-squared test for trend, X² worked by hand', () => {
  // 10, 20, 30, 40, 50 of 100 each: scores 1..5, t̄ = 3, p̄ = 0.3, Σr(t − t̄) = −20 − 20 + 0 + 40 + 100 = 100,
  // Σn(t − t̄)² = 100 × 10 = 1000, X² = 100² / (0.3 × 0.7 × 1000) = 47.619.
  const pct = { unit: 'percentage' as const, per: null, frequency: 'month' as const, polarity: 'higher-is-better' as const }
  const raw = months('2019-01', [10, 20, 30, 40, 50], 100)
  const t = recentTrend(pct, raw, () => false)
  assert.equal(t.direction, 'increasing')
  close(t.pValue!, pChi1(10000 / 210), 1e-9, 'p')
  assert.match(t.method!, /chi-squared test for trend/)
})

test('recent trend: too few periods, a gap, a withheld period, or a unit without counts', () => {
  const four = recentTrend({ ...COUNT, polarity: 'lower-is-better' }, months('2019-01', [1, 2, 3, 4]), () => false)
  assert.equal(four.direction, null)
  assert.equal(four.text, 'Not enough data for a trend (5 periods needed)')
  const gap = months('2019-01', [10, 20, 30, 40, 50, 60]).filter((r) => r.period.text !== '2019-04')
  assert.equal(recentTrend({ ...COUNT, polarity: 'lower-is-better' }, gap, () => false).direction, null)
  const hidden = recentTrend({ ...COUNT, polarity: 'lower-is-better' }, months('2019-01', [10, 3, 30, 40, 50]), (r) => r.numerator === 3)
  assert.equal(hidden.direction, null)
  assert.match(hidden.text, /^Withheld/)
  const money = recentTrend(
    { unit: 'money', per: null, frequency: 'month', polarity: 'neither' },
    months('2019-01', [1, 2, 3, 4, 5]),
    () => false,
  )
  assert.equal(money.direction, null)
  // Rolling 12 months: the five are a year apart, so 36 months give only three.
  const rolling = derive(COUNT, counts, 'rolling-12')!
  assert.equal(
    recentTrend({ ...COUNT, polarity: 'lower-is-better' }, rolling, () => false).text,
    'Not enough data for a trend (5 periods needed)',
  )
})

test('inView: the view asked for, the hidden keys kept, and nothing withheld for an editor', () => {
  const ind = { ...COUNT, code: 'x', suppression_threshold: 5 }
  const raw = counts.map((r, k) => (k === 20 ? { ...r, numerator: 3, value: 3 } : r))
  const hidden = new Set([`x|E06000019|${FROM_APRIL_2017[20]}`])
  assert.equal(inView(ind, raw, hidden, 'month', { protect: true })!.hidden, hidden)
  assert.equal(inView(ind, raw, hidden, 'rolling-12', { protect: false })!.hidden, hidden)
  const shown = inView(ind, raw, hidden, 'rolling-12', { protect: true })!
  // Each rolling 12 months holding the hidden month (and no other hidden one) would give it away: withheld.
  for (const r of shown.points) {
    const holds = r.period.start <= FROM_APRIL_2017[20] && r.period.end >= FROM_APRIL_2017[20]
    assert.equal(shown.hidden.has(`x|E06000019|${r.period.text}`), holds, r.period.text)
  }
  assert.equal(inView({ ...ind, frequency: 'financial-year' }, raw, hidden, 'rolling-12', { protect: true }), undefined)
})
