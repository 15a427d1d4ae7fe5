/**
 * The area page's statistics (issue 9, "Pages"): records per 1,000 residents with their 95% intervals, and whether
 * the change on the 12 months before is significant. Every figure is worked out here by hand, from the records in
 * the files (counted independently) and the mid-2019 populations read straight from the ONS file: Byar's formula
 * written out, exact Poisson limits found by bisection on the Poisson distribution summed term by term, and the
 * exact conditional test's p-value summed from the binomial distribution. Nothing here calls platform/stats.ts.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { TestApp } from '../../test/helpers.ts'
import { clientAs, text } from '../../test/helpers.ts'
import {
  testAppWithGeography,
  importFiles,
  bundled,
  independentStreet,
  countBy,
  lsoaToLad19,
  csvObjects,
  tempFiles,
  OPENDATA,
} from '../../test/crime-helpers.ts'

/** Φ⁻¹(0.975), the published value. */
const Z95 = 1.959963984540054

/** Byar's approximation (Breslow & Day 1987, vol. II, p. 69), for 10 records or more. */
function byar(o: number): [number, number] {
  const lower = o * (1 - 1 / (9 * o) - Z95 / (3 * Math.sqrt(o))) ** 3
  const upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z95 / (3 * Math.sqrt(o + 1))) ** 3
  return [lower, upper]
}

/** P(X ≤ k) for X ~ Poisson(mu), summed term by term. */
function poissonCdf(k: number, mu: number) {
  let term = Math.exp(-mu)
  let sum = term
  for (let i = 1; i <= k; i++) {
    term *= mu / i
    sum += term
  }
  return sum
}

/** The mean mu in [0, 100] at which an increasing function of it reaches `target`, by bisection. */
function solve(f: (mu: number) => number, target: number) {
  let lo = 0
  let hi = 100
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) < target) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** Exact Poisson limits (Garwood): P(X ≥ o; lower) = 0.025 (0 when o = 0) and P(X ≤ o; upper) = 0.025. */
function exactPoisson(o: number): [number, number] {
  const lower = o === 0 ? 0 : solve((mu) => 1 - poissonCdf(o - 1, mu), 0.025)
  const upper = solve((mu) => 1 - poissonCdf(o, mu), 0.975)
  return [lower, upper]
}

/** The rate per 1,000 and its 95% limits, as Fingertips gives them: Byar for 10 or more, exact below. */
function byHand(count: number, population: number) {
  const [lo, hi] = count < 10 ? exactPoisson(count) : byar(count)
  return { rate: (count / population) * 1000, lower: (lo / population) * 1000, upper: (hi / population) * 1000 }
}

/**
 * Two-sided p-value of the exact conditional test with equal exposures (two years of 12 months, one population):
 * given the total n, this year's count is Binomial(n, ½); the outcomes no more likely than x are the two tails
 * beyond x and n − x, so p = 2·P(X ≤ min(x, n − x)) (1 when x = n/2). Summed in logs (n is in the thousands).
 */
function pEqualExposure(x: number, previous: number) {
  const n = x + previous
  if (2 * x === n) return 1
  const k = Math.min(x, n - x)
  const logs: number[] = []
  let l = n * Math.log(0.5)
  for (let i = 0; i <= k; i++) {
    logs.push(l)
    l += Math.log((n - i) / (i + 1))
  }
  const max = Math.max(...logs)
  return Math.min(1, 2 * Math.exp(max) * logs.reduce((s, v) => s + Math.exp(v - max), 0))
}

const pWords = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`)
const n1 = (v: number) => v.toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** "0%" on its own (not the end of 10% or 0.50%). */
const ZERO_PERCENT = /(?<![\d.,])0%/

/** The words the page should give for a change, from the two counts (by hand). */
function expectedWords(current: number, previous: number) {
  if (current === 0 && previous === 0) return 'No records in either year'
  const p = pEqualExposure(current, previous)
  const judged = `${p < 0.05 ? 'significant' : 'no significant change'}, ${pWords(p)}`
  if (previous === 0) return `Up from none in the year before (${judged})`
  if (current === previous) return 'No change (the same number in both years)'
  const pct = Math.abs(((current - previous) / previous) * 100)
  const size = pct < 0.5 ? 'less than 1%' : `${pct.toLocaleString('en-GB', { maximumFractionDigits: 0 })}%`
  return `${current > previous ? 'Up' : 'Down'} ${size} (${judged})`
}

const population2019 = new Map(
  csvObjects(path.join(OPENDATA, 'geography/lsoa11_population_mid2019_ew.csv.br')).map((r) => [r.LSOA11CD, Number(r.population_mid2019)]),
)

/** The months from a to b inclusive ('2019-12' .. '2020-11'). */
function months(a: string, b: string) {
  const out: string[] = []
  for (let y = Number(a.slice(0, 4)), m = Number(a.slice(5)); `${y}-${String(m).padStart(2, '0')}` <= b; m === 12 ? (y++, (m = 1)) : m++)
    out.push(`${y}-${String(m).padStart(2, '0')}`)
  return out
}

let t: TestApp
let files: string[]
before(async () => {
  t = await testAppWithGeography()
  files = bundled('city-of-london') // street files, December 2018 to November 2021
  await importFiles(t, files)
})
after(async () => {
  await t.close()
})

// The City of London (the district): its LSOAs from the IMD file, its records counted from the files.
const CITY = 'E09000001'
function cityRecords() {
  const lad = lsoaToLad19()
  const lsoas = [...lad].filter(([, d]) => d === CITY).map(([l]) => l)
  const inCity = new Set(lsoas)
  return {
    lsoas,
    population: lsoas.reduce((n, l) => n + population2019.get(l)!, 0),
    kept: independentStreet(files).kept.filter((k) => inCity.has(k.lsoa)),
  }
}

test('the total per 1,000 residents and its 95% interval (Byar) are those worked out by hand from the records and the population', async () => {
  const { lsoas, population, kept } = cityRecords()
  assert.ok(lsoas.length >= 5 && population > 5000, `${lsoas.length} LSOAs, ${population} residents`)
  const res = await (await clientAs(t, 'anonymous')).get(`/crime/areas/${CITY}`)
  assert.equal(res.status, 200)
  const body = text(res.body)
  assert.ok(kept.length >= 10)
  const r = byHand(kept.length, population)
  assert.match(
    body,
    new RegExp(
      escape(
        `Per 1,000 people ${n1(r.rate)} 95% interval ${n1(r.lower)} to ${n1(r.upper)}; population ${population.toLocaleString('en-GB')} (mid-2019)`,
      ),
    ),
  )
  assert.doesNotMatch(body, ZERO_PERCENT)
})

test('each crime type: its rate and interval on the page and in the download, exact Poisson below 10 records and Byar from 10', async () => {
  const { population, kept } = cityRecords()
  const month = '2019-03'
  const c = await clientAs(t, 'anonymous')
  const page = text((await c.get(`/crime/areas/${CITY}?from=${month}&to=${month}`)).body)
  const download = (await c.get(`/crime/areas/${CITY}?from=${month}&to=${month}&table=types&format=json`)).json() as {
    crime_type: string
    records: number
    per_1000_people: number
    per_1000_ci95_lower: number
    per_1000_ci95_upper: number
  }[]
  const expected = countBy(
    kept.filter((k) => k.month === month),
    (k) => k.type,
  )
  assert.deepEqual(new Map(download.map((d) => [d.crime_type, d.records])), expected)
  const sizes = [...expected.values()]
  assert.ok(sizes.some((n) => n < 10) && sizes.some((n) => n >= 10), `both methods are used: ${sizes.join(', ')}`)
  for (const d of download) {
    const r = byHand(d.records, population)
    assert.ok(Math.abs(d.per_1000_people - r.rate) <= 0.0005, `${d.crime_type}: rate ${d.per_1000_people} by hand ${r.rate}`)
    assert.ok(Math.abs(d.per_1000_ci95_lower - r.lower) <= 0.0005, `${d.crime_type}: lower ${d.per_1000_ci95_lower} by hand ${r.lower}`)
    assert.ok(Math.abs(d.per_1000_ci95_upper - r.upper) <= 0.0005, `${d.crime_type}: upper ${d.per_1000_ci95_upper} by hand ${r.upper}`)
    assert.match(
      page,
      new RegExp(escape(`${d.crime_type} ${d.records} `) + `[\\d.]+% ${escape(`${n1(r.rate)} ${n1(r.lower)} ${n1(r.upper)}`)}`),
    )
  }
})

test('the last 12 months against the 12 before: the change and whether it is significant, for every crime type, by hand', async () => {
  const { kept } = cityRecords()
  const current = new Set(months('2020-12', '2021-11'))
  const previous = new Set(months('2019-12', '2020-11'))
  const c = await clientAs(t, 'anonymous')
  const judged: string[] = []
  for (const type of [undefined, ...new Set(kept.map((k) => k.type))]) {
    const mine = kept.filter((k) => !type || k.type === type)
    const now = mine.filter((k) => current.has(k.month)).length
    const before = mine.filter((k) => previous.has(k.month)).length
    const res = await c.get(`/crime/areas/${CITY}${type ? `?type=${encodeURIComponent(type)}` : ''}`)
    const body = text(res.body)
    const words = expectedWords(now, before)
    judged.push(words)
    assert.match(
      body,
      new RegExp(
        escape(
          `Last 12 months ${words} ${now.toLocaleString('en-GB')} in the 12 months to November 2021; ${before.toLocaleString('en-GB')} in the 12 months to November 2020`,
        ),
      ),
      `${type ?? 'all crime'}: ${now} against ${before}`,
    )
    assert.doesNotMatch(body, ZERO_PERCENT, type)
  }
  // The real data has both kinds of change.
  assert.ok(
    judged.some((w) => w.includes('(significant')),
    judged.join('\n'),
  )
  assert.ok(
    judged.some((w) => w.includes('no significant change')),
    judged.join('\n'),
  )
})

test('a type with no records the year before reads "Up from none in the year before"; none in either year reads so; never "0%"', async () => {
  // Files written here: City of London 001A, January 2019 to December 2020, one ASB incident a month, and a
  // burglary a month from January to July 2020.
  const lsoa = 'E01000001'
  const header =
    'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context'
  const row = (id: string, month: string, type: string) =>
    `${id},${month},City of London Police,City of London Police,-0.097,51.518,On or near Aldersgate Street,${lsoa},City of London 001A,${type},${id ? 'Under investigation' : ''},`
  const written: Record<string, string> = {}
  for (const month of months('2019-01', '2020-12')) {
    const lines = [header, row('', month, 'Anti-social behaviour')]
    if (month >= '2020-01' && month <= '2020-07') lines.push(row(`b${month}`, month, 'Burglary'))
    written[`${month}-city-of-london-street.csv`] = lines.join('\n') + '\n'
  }
  const dir = tempFiles(written)
  const own = await testAppWithGeography()
  try {
    await importFiles(
      own,
      Object.keys(written).map((f) => dir.path(f)),
    )
    const c = await clientAs(own, 'anonymous')
    const population = population2019.get(lsoa)!
    const page = async (query: string) => text((await c.get(`/crime/areas/${lsoa}${query}`)).body)

    // Burglary: 7 against none. p = 2 × (½)⁷ = 0.015625, written to two places as it is over 0.01.
    const burglary = await page('?type=Burglary')
    assert.match(
      burglary,
      /Last 12 months Up from none in the year before \(significant, p = 0\.02\) 7 in the 12 months to December 2020; 0 in/,
    )
    assert.ok(Math.abs(pEqualExposure(7, 0) - 2 * 0.5 ** 7) < 1e-12)
    // Its rate over the 24 months: 7 records, so exact Poisson limits.
    const r = byHand(7, population)
    assert.match(burglary, new RegExp(escape(`Per 1,000 people ${n1(r.rate)} 95% interval ${n1(r.lower)} to ${n1(r.upper)};`)))
    assert.doesNotMatch(burglary, ZERO_PERCENT)

    const robbery = await page('?type=Robbery')
    assert.match(robbery, /Last 12 months No records in either year 0 in the 12 months to December 2020; 0 in/)
    assert.doesNotMatch(robbery, ZERO_PERCENT)
    // A rate of 0 still has an upper limit: −ln(0.025) = 3.689 expected records.
    const zero = byHand(0, population)
    assert.ok(Math.abs(zero.upper - (-Math.log(0.025) / population) * 1000) < 1e-9)
    assert.match(robbery, new RegExp(escape(`Per 1,000 people 0.0 95% interval 0.0 to ${n1(zero.upper)};`)))

    // Everything: 19 against 12, not significant.
    const all = await page('')
    const p = pEqualExposure(19, 12)
    assert.ok(p > 0.05)
    assert.match(all, new RegExp(escape(`Last 12 months Up 58% (no significant change, ${pWords(p)}) 19 in the 12 months`)))
    assert.doesNotMatch(all, ZERO_PERCENT)
  } finally {
    await own.close()
    dir.remove()
  }
})
