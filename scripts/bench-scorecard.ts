/**
 * npm run bench:scorecard: how fast a partnership's scorecard answers. Figures are printed, not asserted.
 *
 * One partnership with 25 indicators of its own (counts, rates per 1,000 and percentages) x 36 months of figures,
 * each with its intervals, change on a year before (exact test), RAG and sparkline; 20 concurrent users (half
 * anonymous, so disclosure control runs, half editors) ask for the scorecard page through the app in-process
 * (app.inject). Server time is the app's own Server-Timing figure. Goal: p95 ≤ 150 ms.
 * (Peers are not on the scorecard yet: see docs/scorecard.md.) Then each period view (rolling 12 months, year to
 * date, ...) once: the first request, which computes the sums and their disclosure control, and later ones.
 *
 *   BENCH_SCORECARD_REQUESTS (default 400) changes the run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { systemActor } from '../src/platform/audit.ts'
import { openStore, pct } from './bench-store.ts'

const REQUESTS = Number(process.env.BENCH_SCORECARD_REQUESTS ?? 400)
const USERS = 20
const INDICATORS = 25
const MONTHS = 36
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 1 })

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-scorecard-'))
const { db, config, services: s } = await openStore(dataDir)
const app = await buildApp({ config, services: s })
await app.ready()

try {
  console.log(`Setting up ${INDICATORS} indicators x ${MONTHS} months ...`)
  const area = { code: 'E22000999', name: 'Benchmark CSP', type: 'community safety partnership' }
  if (!(await s.organisations.hasArea(area.code))) await s.organisations.createArea(area, systemActor)
  const p = await s.partnerships.create({ slug: 'bench', name: 'Benchmark partnership', areaCode: area.code, published: true }, systemActor)
  const rows: string[][] = []
  const months = Array.from({ length: MONTHS }, (_, i) => `${2017 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`)
  for (let i = 0; i < INDICATORS; i++) {
    const unit = ['count', 'rate', 'percentage'][i % 3]
    const code = `indicator-${i + 1}`
    await s.scorecard.defineIndicator(
      p.id,
      {
        code,
        name: `Indicator ${i + 1}`,
        unit,
        ...(unit === 'rate' ? { per: 1000 } : {}),
        polarity: 'lower-is-better',
        frequency: 'month',
        ragMethod: 'statistical',
      },
      systemActor,
    )
    months.forEach((m, k) => {
      // Some small counts (1 to 4), so disclosure control has work to do.
      const n = k % 11 === 0 ? 3 : 40 + ((i * 7 + k * 13) % 60)
      rows.push([code, area.code, m, String(n), unit === 'count' ? '' : String(unit === 'rate' ? 150000 : 200), ''])
    })
  }
  const started = performance.now()
  const r = await s.scorecard.importRows(p.id, 'bench.csv', rows, systemActor)
  if (r.check.problems.length) throw new Error(r.check.problems.slice(0, 5).join('\n'))
  console.log(`${rows.length} values saved in ${fmt((performance.now() - started) / 1000)} s`)

  const editor = await s.auth.createUser({ email: 'bench-editor@example.test', name: 'Bench editor', password: 'correct horse battery' })
  await s.partnerships.grantRole(editor.id, p.id, 'editor', systemActor)
  const cookie = `safer_session=${await s.auth.startSession(editor.id)}`

  const url = `/partnerships/${p.slug}/scorecard`
  const warm = await app.inject({ url })
  if (warm.statusCode !== 200) throw new Error(`The scorecard answered ${warm.statusCode}`)
  const server: number[] = []
  const total: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: USERS }, async (_, u) => {
      while (next < REQUESTS) {
        next++
        const t = performance.now()
        const res = await app.inject({ url, headers: u % 2 ? { cookie } : {} })
        total.push(performance.now() - t)
        if (res.statusCode !== 200) throw new Error(`The scorecard answered ${res.statusCode}`)
        server.push(Number(/dur=([\d.]+)/.exec(String(res.headers['server-timing']))?.[1]))
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  console.log(
    `\nScorecard of ${INDICATORS} indicators x ${MONTHS} months, ${USERS} concurrent users, ${REQUESTS} requests (${fmt(REQUESTS / seconds)} a second):`,
  )
  console.log(
    `  server time  p50 ${fmt(pct(server, 50))} ms   p95 ${fmt(pct(server, 95))} ms   p99 ${fmt(pct(server, 99))} ms   (goal p95 ≤ 150 ms)`,
  )
  console.log(`  round trip   p50 ${fmt(pct(total, 50))} ms   p95 ${fmt(pct(total, 95))} ms`)
  const one: number[] = []
  for (let i = 0; i < 30; i++) {
    const t = performance.now()
    await app.inject({ url })
    one.push(performance.now() - t)
  }
  console.log(`  one user at a time: p50 ${fmt(pct(one, 50))} ms   p95 ${fmt(pct(one, 95))} ms`)
  // Each period view: the first request computes its rows (sums, disclosure control of summed periods, trend), for
  // the public (disclosure control runs) then an editor; later ones reuse them.
  const views = ['month', 'quarter', 'financial-year', 'rolling-12', 'fytd']
  const cold: string[] = []
  for (const view of views) {
    const t = performance.now()
    await app.inject({ url: `${url}?view=${view}` })
    const anon = performance.now() - t
    const t2 = performance.now()
    await app.inject({ url: `${url}?view=${view}`, headers: { cookie } })
    const ed = performance.now() - t2
    const warm: number[] = []
    for (let i = 0; i < 10; i++) {
      const t3 = performance.now()
      await app.inject({ url: `${url}?view=${view}` })
      warm.push(performance.now() - t3)
    }
    cold.push(`${view} ${fmt(anon)} / ${fmt(ed)} ms first, ${fmt(pct(warm, 50))} ms after`)
  }
  console.log(`  by period view (public / editor): ${cold.join('; ')}`)
} finally {
  await app.close()
  await s.analytics.close()
  await db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}
