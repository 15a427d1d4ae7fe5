/**
 * npm run bench:pdf: how long a committee waits for the agreement-and-assurance PDF. Figures are printed, not asserted
 * (these machines are shared).
 *
 * The demo's Hampshire agreement (version 2, with its latest round) is asked for as a PDF through the app
 * (app.inject on ?format=pdf, as a browser would), by an anonymous reader:
 *   - cold: the first PDF, which starts Chromium;
 *   - warm: BENCH_PDF_RUNS more (default 20) with the browser kept running: p50/p95 per PDF;
 *   - the HTML print view alone (p50), to show what Chromium adds;
 *   - the same render without the route and the job record (Chromium and pdf-lib only);
 *   - pages and bytes of the PDF; the browser's peak memory (Pss of its process and all its children).
 * CHROMIUM_PATH as for the app.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openPglite } from '../src/platform/db/index.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { services as buildServices } from '../src/services.ts'
import { buildApp } from '../src/app.ts'
import { loadDemo } from '../src/demo/load.ts'
import { treeMemoryMb } from './bench-store.ts'

const RUNS = Number(process.env.BENCH_PDF_RUNS ?? 20)
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 0 })

function pct(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-pdf-'))
  const config = loadConfig(process.env, { dataDir, logLevel: 'silent', databaseUrl: undefined })
  const db = await openPglite()
  await migrate(db)
  const services = await buildServices(db, config)
  const app = await buildApp({ config, services })
  await app.ready()
  try {
    await loadDemo(services)
    if (!services.pdf.available())
      throw new Error(`No Chromium at ${config.chromiumPath}: install the Debian package chromium, or set CHROMIUM_PATH`)
    const p = (await services.partnerships.bySlug('hampshire'))!
    const version = (await services.agreement.latestVersion(p.id, { includeUnpublished: false }))!
    const round = (await services.assurance.listRounds(p.id, { includeUnpublished: false })).find(
      (r) => r.agreement_version_id === version.id,
    )
    const url = `/partnerships/hampshire/agreement/versions/${version.number}/print${round ? `?round=${round.id}` : ''}`
    const pdfUrl = `${url}${round ? '&' : '?'}format=pdf`

    let peak = 0
    const sampler = setInterval(() => {
      const pid = services.pdf.browserPid()
      if (pid) peak = Math.max(peak, treeMemoryMb(pid))
    }, 50)

    const get = async (u: string) => {
      const started = performance.now()
      const res = await app.inject({ method: 'GET', url: u })
      if (res.statusCode !== 200) throw new Error(`${u} answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
      return { ms: performance.now() - started, bytes: res.rawPayload.length, body: res.rawPayload }
    }

    const html: number[] = []
    for (let i = 0; i < Math.min(RUNS, 10); i++) html.push((await get(url)).ms)

    const cold = await get(pdfUrl)
    const warm: number[] = []
    for (let i = 0; i < RUNS; i++) warm.push((await get(pdfUrl)).ms)
    if (process.env.BENCH_PDF_VERBOSE) console.log(warm.map((ms) => fmt(ms)).join(' '))
    // The same render without the route and the job record: Chromium's page load and print, and pdf-lib's metadata.
    const direct: Awaited<ReturnType<typeof services.pdf.render>>[] = []
    for (let i = 0; i < Math.min(RUNS, 10); i++)
      direct.push(await services.pdf.render({ app, headers: {} }, { path: url, title: version.title, filename: 'x.pdf' }))
    const step = (k: keyof (typeof direct)[number]['steps']) =>
      fmt(
        pct(
          direct.map((d) => d.steps[k]),
          50,
        ),
      )
    clearInterval(sampler)
    const [job] = await services.jobs.list({ kind: 'pdf:render', limit: 1 })

    console.log(`PDF of ${version.title} (${round?.title ?? 'no round'}), ${cpuLine()}`)
    console.log(`  cold (starts Chromium):      ${fmt(cold.ms)} ms`)
    console.log(`  warm, per PDF (${RUNS} runs):    p50 ${fmt(pct(warm, 50))} ms, p95 ${fmt(pct(warm, 95))} ms`)
    console.log(
      `  rendering alone (no job):    p50 ${fmt(
        pct(
          direct.map((d) => d.ms),
          50,
        ),
      )} ms: load the view ${step('load')}, print ${step('print')}, metadata and outline ${step('metadata')}`,
    )
    console.log(`  the HTML print view alone:   p50 ${fmt(pct(html, 50))} ms`)
    console.log(`  the PDF:                     ${job.result.pages} pages, ${fmt(cold.bytes / 1024)} KB`)
    console.log(
      `  browser peak memory:         ${peak ? `${fmt(peak)} MB (Pss of the browser process and its children)` : 'not measured (needs /proc)'}`,
    )
  } finally {
    await app.close()
    await services.analytics.close()
    await db.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

function cpuLine() {
  return `${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`
}

await main()
