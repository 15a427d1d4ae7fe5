/**
 * What the benchmarks share: a store (PGlite in a data folder, migrated, with the services), kept between runs when
 * it took long to fill, the percentile of a list of timings, and a page's timings through the app.
 */
import fs from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openPglite } from '../src/platform/db/index.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { services as buildServices, type Services } from '../src/services.ts'

/** The store in `dataDir`: the database migrated, the configuration (logging off) and the services. */
export async function openStore(dataDir: string) {
  const db = await openPglite(path.join(dataDir, 'pglite'))
  await migrate(db)
  const config = loadConfig({ SAFER_DATA_DIR: dataDir, SAFER_LOG_LEVEL: 'silent' })
  return { db, config, services: await buildServices(db, config) }
}

/**
 * The store in `dataDir`, kept for the next run: filled by `fill` the first time (or when a run stopped before it was
 * filled: the folder is emptied and filled again).
 */
export async function keptStore(dataDir: string, fill: (s: Services) => Promise<void>) {
  const ready = path.join(dataDir, 'ready')
  const fresh = !fs.existsSync(ready)
  if (fresh) fs.rmSync(dataDir, { recursive: true, force: true })
  const store = await openStore(dataDir)
  if (fresh) {
    await fill(store.services)
    fs.writeFileSync(ready, '')
  }
  return store
}

/** The p-th percentile of some timings (the nearest rank). */
export const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]

const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 1 })

/**
 * Ask the app for `url` `requests` times one at a time (after one warm-up), and print the server's own time (its
 * Server-Timing header) and the round trip, p50 and p95, beside the goal.
 */
export async function measurePage(
  app: { inject: (opts: { url: string }) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }> },
  label: string,
  url: string,
  goal: string,
  requests: number,
) {
  const warm = await app.inject({ url })
  if (warm.statusCode !== 200) throw new Error(`${url} answered ${warm.statusCode}`)
  const server: number[] = []
  const total: number[] = []
  for (let i = 0; i < requests; i++) {
    const t = performance.now()
    const res = await app.inject({ url })
    total.push(performance.now() - t)
    server.push(Number(/dur=([\d.]+)/.exec(String(res.headers['server-timing']))?.[1]))
  }
  console.log(`\n${label} (${fmt(warm.body.length / 1024)} KB), ${requests} requests one at a time:`)
  console.log(`  server time  p50 ${fmt(pct(server, 50))} ms   p95 ${fmt(pct(server, 95))} ms   (goal ${goal})`)
  console.log(`  round trip   p50 ${fmt(pct(total, 50))} ms   p95 ${fmt(pct(total, 95))} ms`)
}

/**
 * Memory in MB of a process and everything it started (Chromium's zygote, renderers, GPU and network processes): the
 * sum of each one's proportional set size (Pss: shared pages divided among the processes sharing them), so that shared
 * libraries are not counted once per process as a sum of resident sizes would.
 */
export function treeMemoryMb(pid: number): number {
  let kb = 0
  const all = allProcesses()
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()!
    try {
      kb += Number(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)?.[1] ?? 0)
    } catch {
      /* ended */
    }
    stack.push(...all.filter((c) => c.ppid === p).map((c) => c.pid))
  }
  return kb / 1024
}

function allProcesses(): { pid: number; ppid: number }[] {
  const out: { pid: number; ppid: number }[] = []
  for (const e of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8')
      out.push({ pid: Number(e), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) })
    } catch {
      /* ended */
    }
  }
  return out
}
