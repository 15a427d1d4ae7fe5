/**
 * Periods on the scorecard's pages and API: rolling 12 months and the financial year to date from monthly figures,
 * the baseline year, the recent trend, the partnership's choice of Holm or Benjamini–Hochberg, and disclosure control
 * for summed periods. Expected figures are summed here from the CSV the test writes, or taken from the R reference
 * file of rate-ratio tests.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { testAppWithGeography } from '../../test/crime-helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { CommandError } from '../platform/cli.ts'
import { indicatorsCommand } from './cli.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
})
after(async () => {
  await t.close()
})

const AREA = 'E06000019'
const HEADER = 'indicator,area,period,numerator,denominator,value'

async function partnership() {
  const p = await t.services.partnerships.create(
    { slug: unique('pd'), name: 'Safer Herefordshire periods', published: true, areaCode: AREA },
    systemActor,
  )
  return { p, base: `/partnerships/${p.slug}`, api: `/api/v1/partnerships/${p.slug}` }
}

async function importCsv(partnershipId: number, body: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-periods-test-'))
  const file = path.join(dir, 'figures.csv')
  fs.writeFileSync(file, body)
  const r = await t.services.scorecard.importFile(partnershipId, file, systemActor)
  assert.deepEqual(r.check.problems, [])
}

/** The first row of the R reference file of rate-ratio tests: 6,142 then 7,055 (seed 004's domestic abuse crimes). */
function referenceTest() {
  const file = path.resolve(import.meta.dirname, '../../test/fixtures/reference/poisson_rate_ratio_tests.csv')
  const [head, first] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/)
  const cols = head.split(',').map((c) => c.replace(/"/g, ''))
  const values = first.split(',').map(Number)
  return Object.fromEntries(cols.map((c, i) => [c, values[i]]))
}

/** 36 months, April 2017 to March 2020: 2017/18 adds up to 6,142, 2018/19 to 6,600, 2019/20 to 7,055. */
const MONTHS: string[] = []
for (let k = 0; k < 36; k++) {
  const m = 3 + k
  MONTHS.push(`${2017 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`)
}
const COUNTS = [...Array(11).fill(511), 521, ...Array(12).fill(550), ...Array(11).fill(587), 598]
const CSV = `${HEADER}\n${MONTHS.map((m, k) => `da-crimes,${AREA},${m},,,${COUNTS[k]}`).join('\n')}\n`

async function daCrimes(extra: Record<string, unknown> = {}) {
  const ctx = await partnership()
  await t.services.scorecard.defineIndicator(
    ctx.p.id,
    {
      code: 'da-crimes',
      name: 'Crimes with a domestic abuse marker',
      unit: 'count',
      polarity: 'lower-is-better',
      frequency: 'month',
      ...extra,
    },
    systemActor,
  )
  await importCsv(ctx.p.id, CSV)
  return ctx
}

test('the API sums rolling 12 months and the financial year to date from the monthly figures', async () => {
  const { api, base } = await daCrimes()
  const anon = await clientAs(t, 'anonymous')
  const rolling = (await anon.get(`${api}/indicators/da-crimes/values?view=rolling-12`)).json()
  assert.equal(rolling.view, 'rolling-12')
  assert.equal(rolling.rows.length, 25)
  for (const r of rolling.rows) {
    const end = MONTHS.indexOf(r.period.slice(-7))
    let sum = 0
    for (let k = end - 11; k <= end; k++) sum += COUNTS[k]
    assert.equal(r.numerator, sum, r.period)
    assert.equal(r.value, sum)
  }
  const last = rolling.rows.at(-1)
  assert.equal(last.period, '12 months to 2020-03')
  assert.equal(last.value, 7055)
  // Compared with the same 12 months a year before: 6,600.
  assert.deepEqual([last.change.period, last.change.value], ['12 months to 2019-03', 6600])
  assert.ok(Math.abs(last.change.ratio - 7055 / 6600) < 1e-6)

  const fytd = (await anon.get(`${api}/indicators/da-crimes/values?view=fytd`)).json().rows
  const sept = fytd.find((r: { period: string }) => r.period === '2019/20 to 2019-09')
  assert.equal(sept.value, 6 * 587) // April to September 2019
  assert.deepEqual([sept.change.period, sept.change.value], ['2018/19 to 2018-09', 6 * 550])
  // from/to keep the periods that end within them.
  const some = (await anon.get(`${api}/indicators/da-crimes/values?view=fytd&from=2019-07&to=2019-09`)).json().rows
  assert.deepEqual(
    some.map((r: { period: string }) => r.period),
    ['2019/20 to 2019-07', '2019/20 to 2019-08', '2019/20 to 2019-09'],
  )
  // CSV of a view.
  const csv = await anon.get(`${api}/indicators/da-crimes/values?view=rolling-12&format=csv`)
  assert.match(csv.body, /\nE06000019,12 months to 2020-03,7055,,7055,/)
  // The page labels.
  const page = text((await anon.get(`${base}/scorecard/indicators/da-crimes?view=fytd`)).body)
  assert.match(page, /2019\/20 to date \(April to September\)/)
  const rollingPage = text((await anon.get(`${base}/scorecard/indicators/da-crimes?view=rolling-12`)).body)
  assert.match(rollingPage, /12 months to March 2020/)
})

test('the baseline year: each period compared with the same months of 2017/18, with the exact test (R reference values)', async () => {
  const { api, base, p } = await daCrimes({ baseline: '2017/18' })
  const ref = referenceTest()
  assert.equal(ref.previous_count, 6142)
  assert.equal(ref.current_count, 7055)
  const anon = await clientAs(t, 'anonymous')
  const last = (await anon.get(`${api}/indicators/da-crimes/values?view=rolling-12`)).json().rows.at(-1)
  assert.equal(last.baseline.period, '12 months to 2018-03')
  assert.equal(last.baseline.value, 6142)
  assert.ok(Math.abs(last.baseline.ratio - ref.rate_ratio) < 1e-6, String(last.baseline.ratio))
  assert.ok(
    Math.abs(last.baseline.p_value - ref.p_value_exact_conditional) <= 5e-6 * ref.p_value_exact_conditional,
    String(last.baseline.p_value),
  )
  // A month is compared with the same month of the baseline year: March 2020 (598) with March 2018 (521).
  const march = (await anon.get(`${api}/indicators/da-crimes/values?from=2020-03`)).json().rows[0]
  assert.deepEqual([march.baseline.period, march.baseline.value], ['2018-03', 521])
  // The indicators API gives the baseline; the page says it.
  const list = (await anon.get(`${api}/indicators`)).json().rows
  assert.equal(list.find((r: { code: string }) => r.code === 'da-crimes').baseline, '2017/18')
  const page = text((await anon.get(`${base}/scorecard/indicators/da-crimes?view=rolling-12`)).body)
  assert.match(page, /Baseline: 2017\/18/)
  assert.match(page, /Change on the baseline \(2017\/18\)/)
  // The scorecard's row, and its download.
  const rows = (await anon.get(`${base}/scorecard?view=rolling-12&format=json`)).json()
  assert.match(rows[0].baseline_change, /^Up 15% from 6,142 \(significant, p < 0.001 adjusted\)$/)
  assert.equal(rows[0].period, '12 months to March 2020')
  void p
})

test('a baseline must be a financial year: the form, the API and the command line say what is wrong, and save nothing', async () => {
  const { p, base, api } = await daCrimes()
  const editor = await clientAs(t, 'editor', p.id)
  const form = {
    name: 'Crimes with a domestic abuse marker',
    unit: 'count',
    polarity: 'lower-is-better',
    frequency: 'month',
    sensitivity: 'public',
    suppressionThreshold: '5',
    ragMethod: 'none',
    comparator: 'last-year',
  }
  const month = await editor.post(`${base}/scorecard/indicators/da-crimes/edit`, { ...form, baseline: '2017-04', version: 1 })
  assert.equal(month.status, 400)
  assert.match(errorSummary(month.body), /Enter the baseline as a financial year, such as 2017\/18, not a month/)
  const quarter = await editor.post(`${base}/scorecard/indicators/da-crimes/edit`, { ...form, baseline: '2017/18 Q1', version: 1 })
  assert.match(errorSummary(quarter.body), /not a quarter/)
  const unknown = await editor.post(`${base}/scorecard/indicators/da-crimes/edit`, { ...form, baseline: '2017/19', version: 1 })
  assert.match(errorSummary(unknown.body), /2017\/19(&quot;|") is not a period/)
  assert.equal((await t.services.scorecard.indicator(p.id, 'da-crimes', { role: 'admin' })).baseline, null)
  const ok = await editor.post(`${base}/scorecard/indicators/da-crimes/edit`, { ...form, baseline: '2017/18', version: 1 })
  assert.equal(ok.status, 303)
  assert.equal((await t.services.scorecard.indicator(p.id, 'da-crimes', { role: 'admin' })).baseline, '2017/18')

  const api400 = await editor.request('POST', `${api}/indicators`, {
    json: { code: 'hate', name: 'Hate crimes', unit: 'count', baseline: 'last year' },
  })
  assert.equal(api400.status, 400)
  assert.match(api400.body, /is not a period/)
  await assert.rejects(
    indicatorsCommand(
      t.services,
      ['define', '--partnership', p.slug, '--code', 'hate', '--name', 'Hate', '--unit', 'count', '--baseline', '2017-04'],
      systemActor,
    ),
    (err: unknown) => (assert.ok(!(err instanceof CommandError) || err.code === 2), assert.match(String(err), /financial year/), true),
  )
  const out = await indicatorsCommand(
    t.services,
    ['define', '--partnership', p.slug, '--code', 'hate', '--name', 'Hate', '--unit', 'count', '--baseline', '2017/18'],
    systemActor,
  )
  assert.match(out, /compared with the baseline year 2017\/18/)
})

test('a view the figures do not allow is refused by the API, and the page keeps the indicator’s own periods', async () => {
  const { p, api, base } = await partnership()
  await t.services.scorecard.defineIndicator(
    p.id,
    { code: 'hate', name: 'Hate crimes', unit: 'count', frequency: 'financial-year', polarity: 'lower-is-better' },
    systemActor,
  )
  await importCsv(p.id, `${HEADER}\nhate,${AREA},2017/18,,,758\nhate,${AREA},2018/19,,,587\n`)
  const anon = await clientAs(t, 'anonymous')
  const res = await anon.get(`${api}/indicators/hate/values?view=rolling-12`)
  assert.equal(res.status, 400)
  assert.match(res.body, /hate is recorded by financial year: it can be shown by financial-year, not rolling-12/)
  assert.equal((await anon.get(`${api}/indicators/hate/values?view=fortnight`)).status, 400)
  const page = await anon.get(`${base}/scorecard/indicators/hate?view=rolling-12`)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /cannot be shown by rolling 12 months/)
  // The scorecard in rolling 12 months says which indicators keep their own periods.
  const card = await anon.get(`${base}/scorecard?view=rolling-12`)
  assert.match(text(card.body), /1 indicator cannot be shown by rolling 12 months/)
  // Its downloads and print view keep the view.
  assert.match(card.body, /scorecard\?view=rolling-12&amp;format=csv/)
  assert.match(card.body, /scorecard\/print\?view=rolling-12"/)
})

test('the recent trend over five periods: direction, colour by polarity and the method named, on the page and in the API', async () => {
  const { p, api, base } = await partnership()
  await t.services.scorecard.defineIndicator(
    p.id,
    { code: 'asb', name: 'ASB incidents', unit: 'count', frequency: 'quarter', polarity: 'lower-is-better' },
    systemActor,
  )
  await importCsv(
    p.id,
    `${HEADER}\n${['2018/19 Q1', '2018/19 Q2', '2018/19 Q3', '2018/19 Q4', '2019/20 Q1'].map((q, k) => `asb,${AREA},${q},,,${[0, 0, 0, 0, 5][k]}`).join('\n')}\n`,
  )
  const anon = await clientAs(t, 'anonymous')
  const editor = await clientAs(t, 'editor', p.id)
  // An editor sees it: 0, 0, 0, 0, 5 is increasing (p from the likelihood-ratio statistic 10 log 5; stats.unit.test.ts).
  const trend = (await editor.get(`${api}/indicators/asb/values`)).json().trend
  assert.equal(trend.direction, 'increasing')
  assert.equal(trend.judgement, 'worse')
  assert.match(trend.method, /Poisson regression with population as offset/)
  assert.deepEqual(trend.periods, ['2018/19 Q1', '2018/19 Q2', '2018/19 Q3', '2018/19 Q4', '2019/20 Q1'])
  const page = await editor.get(`${base}/scorecard/indicators/asb`)
  assert.match(page.body, /govuk-tag--red">increasing/)
  assert.match(text(page.body), /Increasing and getting worse over the last 5 periods \(Q1 2018\/19 to Q1 2019\/20\)/)
  assert.match(text(page.body), /Method: Poisson regression with population as offset/)
  // Nothing is small (zero is shown; 5 is not below the threshold): the public sees the same.
  assert.equal((await anon.get(`${api}/indicators/asb/values`)).json().trend.direction, 'increasing')
  // Too few periods in a view: rolling 12 months a year apart.
  const rolling = (await anon.get(`${api}/indicators/asb/values?view=rolling-12`)).json().trend
  assert.equal(rolling.direction, null)
  assert.equal(rolling.text, 'Not enough data for a trend (5 periods needed)')
  // The scorecard row carries it.
  const row = (await anon.get(`${base}/scorecard?format=json`)).json()[0]
  assert.match(row.trend_direction, /^Increasing and getting worse/)
})

test('Holm or Benjamini–Hochberg: the partnership chooses, the page says which and how many comparisons', async () => {
  const { p, base, api } = await partnership()
  for (const code of ['a', 'b'])
    await t.services.scorecard.defineIndicator(
      p.id,
      { code, name: `Indicator ${code.toUpperCase()}`, unit: 'count', frequency: 'financial-year', polarity: 'lower-is-better' },
      systemActor,
    )
  await importCsv(p.id, `${HEADER}\na,${AREA},2017/18,,,100\na,${AREA},2018/19,,,130\nb,${AREA},2017/18,,,100\nb,${AREA},2018/19,,,112\n`)
  const anon = await clientAs(t, 'anonymous')
  const pOf = async (code: string) => (await anon.get(`${api}/indicators/${code}/values`)).json().rows[1].change.p_value as number
  const [pa, pb] = [await pOf('a'), await pOf('b')]
  const [small, large] = pa < pb ? [pa, pb] : [pb, pa]
  const smallCode = pa < pb ? 'a' : 'b'
  // Written out for two p-values. Holm: the smaller doubled, the larger at least that. BH: the larger as it is, the
  // smaller doubled but at most the larger.
  const holm = { [smallCode]: Math.min(1, 2 * small), other: Math.max(Math.min(1, 2 * small), large) }
  const bh = { [smallCode]: Math.min(2 * small, large), other: large }
  const check = (rows: { code: string; adjusted_p_value: number }[], want: Record<string, number>) => {
    for (const r of rows) assert.ok(Math.abs(r.adjusted_p_value - (want[r.code] ?? want.other)) < 1e-6, `${r.code}: ${r.adjusted_p_value}`)
  }
  check((await anon.get(`${base}/scorecard?format=json`)).json(), holm)
  assert.match(text((await anon.get(`${base}/scorecard`)).body), /the 2 p-values of the changes on this page .* by Holm's method/)

  // Anyone may look at the other method (a query parameter, shown as a choice)...
  check((await anon.get(`${base}/scorecard?format=json&adjust=bh`)).json(), bh)
  assert.match(
    text((await anon.get(`${base}/scorecard?adjust=bh`)).body),
    /adjusted for multiple comparisons by the Benjamini-Hochberg method/,
  )
  // ...and an editor makes it the partnership's choice.
  const editor = await clientAs(t, 'editor', p.id)
  const bad = await editor.post(`${base}/scorecard/settings`, { adjustment: 'bonferroni' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /Select Holm’s method or Benjamini–Hochberg/)
  const saved = await editor.post(`${base}/scorecard/settings`, { adjustment: 'bh' })
  assert.equal(saved.status, 303)
  check((await anon.get(`${base}/scorecard?format=json`)).json(), bh)
  assert.match(text((await anon.get(`${base}/scorecard`)).body), /the 2 p-values .* by the Benjamini-Hochberg method/)
  assert.match(
    text((await anon.get(`${base}/scorecard/print`)).body),
    /2 p-values of the changes shown are adjusted for multiple comparisons by the Benjamini-Hochberg method/,
  )
  // Viewers may not change it.
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.equal((await viewer.post(`${base}/scorecard/settings`, { adjustment: 'holm' })).status, 403)
})

test('disclosure control holds for summed periods: a rolling 12 months holding one hidden month is withheld from the public', async () => {
  const { p, api } = await partnership()
  await t.services.scorecard.defineIndicator(
    p.id,
    { code: 'channel', name: 'Channel referrals', unit: 'count', frequency: 'month', polarity: 'neither' },
    systemActor,
  )
  // 24 months from April 2018, all 20 but September 2018 (3).
  const months = MONTHS.slice(12)
  await importCsv(p.id, `${HEADER}\n${months.map((m) => `channel,${AREA},${m},,,${m === '2018-09' ? 3 : 20}`).join('\n')}\n`)
  const anon = await clientAs(t, 'anonymous')
  const rows = (await anon.get(`${api}/indicators/channel/values?view=rolling-12`)).json().rows as {
    period: string
    value: number | null
    suppressed: boolean
    change: { value: number | null } | null
  }[]
  for (const r of rows) {
    const end = r.period.slice(-7)
    const holds = end >= '2018-09' && end <= '2019-08'
    assert.equal(r.suppressed, holds, r.period)
    if (!holds) assert.equal(r.value, 240)
  }
  // Otherwise 12 months to 2019-03 less April 2018 to February 2019 as shown would give September 2018 away.
  const monthsShown = (await anon.get(`${api}/indicators/channel/values`)).json().rows
  assert.equal(monthsShown.find((r: { period: string }) => r.period === '2018-09').suppressed, true)
  // The years and years to date too; an editor sees every figure.
  const years = (await anon.get(`${api}/indicators/channel/values?view=financial-year`)).json().rows
  assert.deepEqual(
    years.map((r: { period: string; suppressed: boolean }) => [r.period, r.suppressed]),
    [
      ['2018/19', true],
      ['2019/20', false],
    ],
  )
  const editor = await clientAs(t, 'editor', p.id)
  const all = (await editor.get(`${api}/indicators/channel/values?view=financial-year`)).json().rows
  assert.deepEqual(
    all.map((r: { value: number }) => r.value),
    [11 * 20 + 3, 240],
  )
})
