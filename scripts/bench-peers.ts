/**
 * npm run bench:peers: how long the statistical peer groups of every CSP in England and Wales take (goal ≤ 2 s), and
 * the memory they use. Figures are printed, not asserted.
 *
 * The store holds the bundled ONS geography (loaded once into a folder in the temporary directory, kept for the next
 * run). Timed: the first computation after start-up (the features read from DuckDB, then 15 neighbours for each
 * CSP), then the warm one (features remembered by the geography service), then nearestNeighbours alone, and one
 * CSP's peers alone (neighboursAmong, as a page would ask).
 *
 *   BENCH_PEERS_RUNS (default 20) changes the number of warm runs.
 */
import os from 'node:os'
import path from 'node:path'
import { systemActor } from '../src/platform/audit.ts'
import { cspPeerFeatures, nearestNeighbours, neighboursAmong } from '../src/scorecard/peers.ts'
import { keptStore, pct } from './bench-store.ts'

const root = path.resolve(import.meta.dirname, '..')
const RUNS = Number(process.env.BENCH_PEERS_RUNS ?? 20)
const fmt = (n: number, dp = 1) => n.toLocaleString('en-GB', { maximumFractionDigits: dp })
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`

const dataDir = path.join(os.tmpdir(), 'safer-bench-peers-store')
const { db, services: s } = await keptStore(dataDir, async (services) => {
  console.log('Loading the bundled ONS geography (once) ...')
  await services.geography.importPaths([path.join(root, 'opendata/geography')], systemActor, 'command line')
})

// Peak memory: the resident set sampled every 5 ms while peers are computed, and the process's maximum.
let peakRss = process.memoryUsage().rss
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5)
const before = process.memoryUsage()

let t = performance.now()
const features = await cspPeerFeatures(s.geography)
const readMs = performance.now() - t
t = performance.now()
const groups = nearestNeighbours(features, 15)
const nnMs = performance.now() - t
const heapAfter = process.memoryUsage().heapUsed
console.log(`CSPs: ${features.length} (${features.filter((f) => Number.isNaN(f.imdScore)).length} Welsh, compared among themselves)`)
console.log(
  `First computation: ${fmt(readMs + nnMs)} ms (features from DuckDB ${fmt(readMs)} ms, neighbours ${fmt(nnMs)} ms)   goal ≤ 2,000 ms`,
)

const warm: number[] = []
const nnOnly: number[] = []
const one: number[] = []
const southWorcester = features.find((f) => f.code === 'E22000332')
for (let i = 0; i < RUNS; i++) {
  t = performance.now()
  nearestNeighbours(await cspPeerFeatures(s.geography), 15)
  warm.push(performance.now() - t)
  t = performance.now()
  nearestNeighbours(features, 15)
  nnOnly.push(performance.now() - t)
  if (southWorcester) {
    t = performance.now()
    neighboursAmong(southWorcester, features, 15)
    one.push(performance.now() - t)
  }
}
clearInterval(sampler)
peakRss = Math.max(peakRss, process.memoryUsage().rss)
console.log(`Warm (features remembered), ${RUNS} runs: p50 ${fmt(pct(warm, 50))} ms, p95 ${fmt(pct(warm, 95))} ms`)
console.log(`nearestNeighbours alone, ${RUNS} runs: p50 ${fmt(pct(nnOnly, 50))} ms, p95 ${fmt(pct(nnOnly, 95))} ms`)
if (one.length)
  console.log(`One CSP's peers (neighboursAmong), ${RUNS} runs: p50 ${fmt(pct(one, 50), 2)} ms, p95 ${fmt(pct(one, 95), 2)} ms`)
console.log(
  `Memory: heap ${mb(before.heapUsed)} before, ${mb(heapAfter)} after the first computation; peak resident set while computing ${mb(peakRss)} (process maximum ${mb(process.resourceUsage().maxRSS * 1024)}, DuckDB and PGlite included)`,
)
const seed = groups.get('E22000332')
if (seed) console.log(`South Worcester's peers: ${seed.map((p) => p.name).join(', ')}`)

await s.analytics.close()
await db.close()
