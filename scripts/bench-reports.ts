/**
 * npm run bench:reports: how fast the report page of the drafted annual report answers. Figures are printed, not asserted.
 *
 * The demo's content is loaded (Hampshire's live data), the annual report on the Hampshire Community Safety Strategy
 * Group is drafted from it and published (its data blocks frozen), and its HTML page is requested as the public,
 * through the app in-process (app.inject); server time is the app's own Server-Timing figure. Goal: ≤ 100 ms.
 * Also printed: the same report while still a draft, whose blocks are drawn from live data on every view (service
 * time, in-process), and the print view.
 *
 *   BENCH_REPORTS_REQUESTS (default 50) changes the run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { systemActor } from '../src/platform/audit.ts'
import { loadDemo } from '../src/demo/load.ts'
import { measurePage, openStore, pct } from './bench-store.ts'

const REQUESTS = Number(process.env.BENCH_REPORTS_REQUESTS ?? 50)
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 1 })

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-reports-'))
const { db, config, services: s } = await openStore(dataDir)
const app = await buildApp({ config, services: s })
await app.ready()

try {
  console.log('Loading the demo content ...')
  await loadDemo(s)
  const hcc = (await s.partnerships.bySlug('hampshire-county-council'))!
  const hampshire = (await s.partnerships.bySlug('hampshire'))!
  const started = performance.now()
  const draft = await s.reports.draftAnnual(hcc.id, { partnershipId: hampshire.id, period: '2019/20' }, systemActor)
  console.log(`Annual report drafted from live data in ${fmt(performance.now() - started)} ms`)

  const live: number[] = []
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now()
    await s.reports.view(hcc.id, draft.id, { member: true })
    live.push(performance.now() - t)
  }
  console.log(`\nThe draft's blocks from live data (service time, in-process), ${REQUESTS} views:`)
  console.log(`  p50 ${fmt(pct(live, 50))} ms   p95 ${fmt(pct(live, 95))} ms`)

  const row = await s.reports.get(hcc.id, draft.id, { member: true })
  const input: Record<string, unknown> = { title: row.title, version: row.version }
  for (const sec of row.sections) input[`section-${sec.key}`] = sec.text || `${sec.heading}.`
  const filled = await s.reports.update(hcc.id, draft.id, input, systemActor)
  await s.reports.setState(hcc.id, draft.id, 'published', filled.version, systemActor)

  const measure = (label: string, url: string, goal: string) => measurePage(app, label, url, goal, REQUESTS)
  const base = `/partnerships/${hcc.slug}/reports/${draft.id}`
  await measure('The annual report page, published (HTML)', base, '≤ 100 ms')
  await measure('Its print view', `${base}/print`, 'none set')
  await measure('Compare with today', `${base}/compare`, 'none set')
} finally {
  await app.close()
  await s.analytics.close()
  await db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}
