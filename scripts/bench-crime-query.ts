/**
 * npm run bench:crime-query: how fast crime is counted, warm, at national scale. Figures are printed, not asserted.
 *
 * The store holds a synthetic national dataset (scripts/generate-national.ts: police.uk-shaped rows for all 43
 * forces) over 36 months, with the bundled ONS geography. Timed through the crime service, as the API runs it
 * (coverage + counts), and through the HTTP API in-process (app.inject), for:
 *   - one CSP x 36 months x crime type (goal p95 ≤ 50 ms warm), over several CSPs;
 *   - all LSOAs of a force for one month (the Metropolitan Police, the largest: goal ≤ 100 ms);
 *   - an LSOA and a custom area over 36 months.
 * Alongside, the same CSP count done in raw DuckDB SQL over the records table, for scale.
 *
 *   BENCH_QUERY_ROWS (default 18000000: 6M a year) and BENCH_QUERY_RUNS (default 60) change the run.
 *   The generated data and the store are kept in the temporary folder for the next run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { systemActor } from '../src/platform/audit.ts'
import { generateNational } from './generate-national.ts'
import { keptStore, pct } from './bench-store.ts'

const root = path.resolve(import.meta.dirname, '..')
const ROWS = Number(process.env.BENCH_QUERY_ROWS ?? 18_000_000)
const RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 60)
const MONTHS = 36
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 1 })

const csv = path.join(os.tmpdir(), `safer-bench-query-csv-${ROWS}`)
const dataDir = path.join(os.tmpdir(), `safer-bench-query-store-${ROWS}`)
if (!fs.existsSync(path.join(csv, 'expected.json'))) {
  console.log(`Generating ${ROWS.toLocaleString('en-GB')} rows over ${MONTHS} months in ${csv} ...`)
  await generateNational({ out: csv, rows: ROWS, months: MONTHS, from: '2019-01', progress: true })
}
const {
  db,
  config,
  services: s,
} = await keptStore(dataDir, async (services) => {
  console.log('Loading the geography and importing the data (once) ...')
  await services.geography.importPaths(
    [path.join(root, 'opendata/geography'), path.join(root, 'opendata/boundaries')],
    systemActor,
    'command line',
  )
  const t = performance.now()
  await services.crime.importPaths([csv], systemActor, 'command line')
  console.log(`  imported in ${fmt((performance.now() - t) / 1000)} s`)
})
const [{ n }] = await s.analytics.all<{ n: number }>(`SELECT count(*) AS n FROM crime.street`)
console.log(`Store: ${n.toLocaleString('en-GB')} records, ${MONTHS} months, all 43 forces\n`)

const app = await buildApp({ config, services: s })
await app.ready()
const from = '2019-01'
const to = '2021-12'

async function time(label: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await fn() // warm
  const ms: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now()
    await fn()
    ms.push(performance.now() - t)
  }
  console.log(`${label.padEnd(72)} p50 ${fmt(pct(ms, 50)).padStart(6)} ms   p95 ${fmt(pct(ms, 95)).padStart(6)} ms`)
  return pct(ms, 95)
}

const service = async (code: string, group: ('month' | 'crime_type' | 'lsoa')[], f = from, t = to) => {
  const target = await s.crime.target(code, async () => true)
  const coverage = await s.crime.queries.coverage(target, 'street', f, t)
  return s.crime.queries.streetCounts(target, { from: f, to: t, group }, coverage)
}
const http = async (query: string) => {
  const res = await app.inject({ method: 'GET', url: `/api/v1/crime/counts?${query}` })
  if (res.statusCode !== 200) throw new Error(res.body)
}

const csps = ['E22000332', 'E22000369', 'E22000186', 'E22000002', 'E22000118']
let worst = 0
for (const csp of csps)
  worst = Math.max(worst, await time(`CSP ${csp} x 36 months x crime type (service)`, () => service(csp, ['month', 'crime_type'])))
await time('CSP E22000332 x 36 months x crime type (HTTP API, JSON)', () =>
  http(`area=E22000332&from=${from}&to=${to}&group=month,crime_type`),
)
const force = await time('All LSOAs of the Metropolitan Police area, one month (service)', () =>
  service('E23000001', ['lsoa'], '2020-06', '2020-06'),
)
await time('All LSOAs of the Metropolitan Police area, one month (HTTP API, JSON)', () =>
  http('area=E23000001&from=2020-06&to=2020-06&group=lsoa'),
)
await time('One LSOA x 36 months x crime type (service)', () => service('E01032292', ['month', 'crime_type']))
const p =
  (await s.partnerships.bySlug('bench')) ?? (await s.partnerships.create({ slug: 'bench', name: 'Bench', published: true }, systemActor))
const custom =
  (await s.geography.listCustomAreas(p.id))[0] ??
  (await s.geography.createCustomArea(
    p.id,
    { name: 'Worcester centre', lsoaCodes: 'E01032307 E01032333 E01033247 E01033248' },
    systemActor,
  ))
await time(`Custom area of 4 LSOAs x 36 months x crime type (service)`, () => service(`custom-${custom.id}`, ['month', 'crime_type']))
await time('For scale: the same CSP count in raw SQL over every record', () =>
  s.analytics.all(
    `SELECT strftime(month, '%Y-%m'), crime_type, count(*) FROM crime.street WHERE lsoa_code IN (SELECT lsoa_code FROM geo.area_lsoas WHERE area_code = 'E22000332') AND month BETWEEN DATE '2019-01-01' AND DATE '2021-12-01' GROUP BY 1, 2`,
  ),
)
console.log(`\nWorst CSP p95: ${fmt(worst)} ms (goal ≤ 50 ms); force LSOAs for a month p95: ${fmt(force)} ms (goal ≤ 100 ms)`)
await app.close()
await s.analytics.close()
await db.close()
