/**
 * npm run bench:web: how fast the demo starts, and how fast pages are under 20 concurrent users.
 *   1. `safer demo` on a new, empty data folder: time until the first page answers (goal ≤ 20 s).
 *   2. `safer demo` again on that folder: time until the first page answers (goal ≤ 3 s).
 *   3. 20 concurrent users (half signed in) over the demo's pages: p50/p95/p99 server time
 *      (the Server-Timing header) and round trip, and the server's peak resident memory (goal p95 ≤ 50 ms, ≤ 300 MB).
 * Figures are printed, not asserted: these machines are shared.
 *
 * BENCH_REFERENCE=/path/to/another/checkout (built: `npm run prepare` there) measures that checkout the same way, in
 * turn with this one, BENCH_ROUNDS times (default 1 without a reference, 2 with), and prints both with their ratio:
 * the fair way to say "no slower than before" on a shared machine, where one run's noise exceeds the difference.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DEMO_LOGINS } from '../src/demo/logins.ts'
import { npmScript } from './npm-script.ts'

const root = path.resolve(import.meta.dirname, '..')
const USERS = Number(process.env.BENCH_USERS ?? 20)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000)

function startDemo(checkout: string, dataDir: string, port: number): { child: ChildProcess; ready: Promise<number> } {
  const started = performance.now()
  // Exactly the command `npm run demo` runs (its node flags included), without npm's own start-up.
  const { env, args } = npmScript('demo')
  const child = spawn(process.execPath, args, {
    cwd: checkout,
    // Many simulated visitors share one address here: the per-address limit on heavy pages (docs/security.md) is off.
    env: { SAFER_HEAVY_REQUESTS_PER_MINUTE: '0', ...process.env, ...env, SAFER_DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child.stdout!.resume()
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`safer demo exited with ${child.exitCode}`)
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`)
        if (res.ok) return performance.now() - started
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 25))
    }
  })()
  return { child, ready }
}

async function stop(child: ChildProcess) {
  child.kill('SIGTERM')
  await new Promise((r) => child.once('exit', r))
}

function rssMb(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024
}

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function signIn(base: string, email: string): Promise<string> {
  const page = await fetch(`${base}/sign-in`)
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0])
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1]
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
    body: new URLSearchParams({ _csrf: csrf, email, password: DEMO_LOGINS.password }),
  })
  return [...cookies, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ')
}

interface Figures {
  firstMs: number
  secondMs: number
  requests: number
  pages: number
  elapsed: number
  errors: number
  slowest: { url: string; p95: number }[]
  server: number[]
  roundTrip: number[]
  peakRss: number
}

async function measure(checkout: string): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-'))
  const port = 3500 + Math.floor(Math.random() * 400)
  try {
    const first = startDemo(checkout, dataDir, port)
    const firstMs = await first.ready
    await stop(first.child)
    const second = startDemo(checkout, dataDir, port)
    const secondMs = await second.ready
    const pid = second.child.pid!
    const base = `http://127.0.0.1:${port}`

    // Pages to visit: every link on the published partnerships' pages, one level deep.
    const home = await (await fetch(`${base}/partnerships`)).text()
    const slugs = [...new Set([...home.matchAll(/href="\/partnerships\/([a-z0-9-]+)"/g)].map((m) => m[1]))]
    // And the crime data pages of the seeds' areas (a county, a CSP, a district, a force area, a custom area).
    const pages = new Set<string>([
      '/',
      '/partnerships',
      '/organisations',
      '/areas',
      '/crime',
      '/crime/coverage',
      '/geography',
      '/crime/areas/E10000014',
      '/crime/areas/E22000332',
      '/crime/areas/E07000237',
      '/crime/areas/E23000016',
      '/crime/areas/custom-1',
    ])
    for (const slug of slugs) {
      const html = await (await fetch(`${base}/partnerships/${slug}`)).text()
      pages.add(`/partnerships/${slug}`)
      for (const m of html.matchAll(/href="(\/partnerships\/[^"#?]+)"/g)) pages.add(m[1])
    }
    const urls = [...pages]
    const cookie = await signIn(base, DEMO_LOGINS.accounts[1].email)

    const server: number[] = [],
      roundTrip: number[] = []
    const byPage = new Map<string, number[]>()
    let next = 0,
      errors = 0,
      peakRss = rssMb(pid)
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(pid))
    }, 100)
    const started = performance.now()
    await Promise.all(
      Array.from({ length: USERS }, async (_, user) => {
        while (next < REQUESTS) {
          const url = urls[next++ % urls.length]
          const t0 = performance.now()
          const res = await fetch(base + url, { headers: user % 2 ? { cookie } : {} })
          await res.arrayBuffer()
          roundTrip.push(performance.now() - t0)
          const dur = Number(res.headers.get('server-timing')?.match(/dur=([\d.]+)/)?.[1])
          if (!Number.isNaN(dur)) {
            server.push(dur)
            byPage.set(url, [...(byPage.get(url) ?? []), dur])
          }
          if (res.status >= 500) errors++
        }
      }),
    )
    const elapsed = (performance.now() - started) / 1000
    clearInterval(sampler)
    peakRss = Math.max(peakRss, rssMb(pid))
    await stop(second.child)

    server.sort((a, b) => a - b)
    roundTrip.sort((a, b) => a - b)
    // The slowest pages by their own p95, to show where time goes.
    const slowest = [...byPage]
      .map(([url, t]) => ({
        url,
        p95: pct(
          t.sort((a, b) => a - b),
          95,
        ),
      }))
      .sort((a, b) => b.p95 - a.p95)
      .slice(0, 5)
    return { firstMs, secondMs, requests: roundTrip.length, pages: urls.length, elapsed, errors, slowest, server, roundTrip, peakRss }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

function report(label: string, x: Figures) {
  const f = (n: number) => n.toFixed(1).padStart(7)
  console.log(`\n${label}`)
  console.log(`  first demo start (new data folder, create database and demo): ${(x.firstMs / 1000).toFixed(1)} s   goal ≤ 20 s`)
  console.log(`  demo start on the existing data folder, to first answer:       ${(x.secondMs / 1000).toFixed(1)} s   goal ≤ 3 s`)
  console.log(
    `  load: ${USERS} concurrent users, ${x.requests} requests over ${x.pages} pages in ${x.elapsed.toFixed(1)} s (${(x.requests / x.elapsed).toFixed(0)} req/s), ${x.errors} server errors`,
  )
  console.log(`  slowest pages by p95 server time: ${x.slowest.map((s) => `${s.url} ${s.p95.toFixed(0)} ms`).join('; ')}`)
  console.log(`                      p50     p95     p99   (ms)`)
  console.log(`  server time     ${f(pct(x.server, 50))} ${f(pct(x.server, 95))} ${f(pct(x.server, 99))}     goal p95 ≤ 50 ms`)
  console.log(`  round trip      ${f(pct(x.roundTrip, 50))} ${f(pct(x.roundTrip, 95))} ${f(pct(x.roundTrip, 99))}`)
  console.log(`  server peak resident memory: ${x.peakRss.toFixed(0)} MB   goal ≤ 300 MB`)
}

const reference = process.env.BENCH_REFERENCE ? path.resolve(process.env.BENCH_REFERENCE) : undefined
const rounds = Number(process.env.BENCH_ROUNDS ?? (reference ? 2 : 1))
const ours: Figures[] = [],
  theirs: Figures[] = []
for (let i = 0; i < rounds; i++) {
  if (reference) theirs.push(await measure(reference))
  ours.push(await measure(root))
}
console.log(`\nSafer web benchmark (${os.cpus().length} cores, Node ${process.version}, embedded PGlite)`)
ours.forEach((x, i) => report(`This checkout${rounds > 1 ? `, round ${i + 1}` : ''}:`, x))
if (reference) {
  theirs.forEach((x, i) => report(`Reference ${reference}${rounds > 1 ? `, round ${i + 1}` : ''}:`, x))
  // Medians over the rounds, this checkout against the reference (below 1 is faster).
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const ratio = (pick: (x: Figures) => number) => (median(ours.map(pick)) / median(theirs.map(pick))).toFixed(2)
  console.log(`\nThis checkout ÷ reference (medians of ${rounds} rounds; below 1 is faster or smaller):`)
  console.log(`  first start ${ratio((x) => x.firstMs)}, second start ${ratio((x) => x.secondMs)}`)
  console.log(`  server time p50 ${ratio((x) => pct(x.server, 50))}, p95 ${ratio((x) => pct(x.server, 95))}`)
  console.log(`  round trip p95 ${ratio((x) => pct(x.roundTrip, 95))}, peak memory ${ratio((x) => x.peakRss)}`)
}
