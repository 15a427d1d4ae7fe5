/**
 * npm run bench:pack: how long someone waits for a 100-page agenda pack. Figures are printed, not asserted (these
 * machines are shared); the goal (issue 12) is 15 s or less end to end.
 *
 * A council meeting with 8 substantive items, each with a long paper (paragraphs and an SVG bar chart every few
 * paragraphs) served by a benchmark-only page of the app and registered as an item source, as the reports capability
 * registers its reports. The public pack is asked for through the app (app.inject on .../pack.pdf, as a browser
 * would), by an anonymous reader, so the time is the user's wait, request to last byte:
 *   - cold: the first pack, which starts Chromium;
 *   - warm: BENCH_PACK_RUNS more (default 3) with the papers changed each time (so nothing comes from the cache);
 *   - cached: the same pack again;
 * with the in-process figures of the last warm run (Chromium's render of each part, two at a time, the agenda's renders, joining and
 * stamping), pages and bytes, and peak memory (the browser's Pss with its children, and this process's RSS).
 * CHROMIUM_PATH as for the app; BENCH_PACK_PARAGRAPHS sets each paper's length (default 75: about 12-13 pages each, 100 or so in all).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openPglite } from '../src/platform/db/index.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { services as buildServices } from '../src/services.ts'
import { buildApp } from '../src/app.ts'
import { systemActor } from '../src/platform/audit.ts'
import { treeMemoryMb } from './bench-store.ts'

const RUNS = Number(process.env.BENCH_PACK_RUNS ?? 3)
const PARAGRAPHS = Number(process.env.BENCH_PACK_PARAGRAPHS ?? 75)
const ITEMS = 8
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 0 })

/** A paper: a heading, sections, paragraphs and a bar chart (SVG, as the app's charts are) every 6 paragraphs. */
function paper(n: number, run: string) {
  const chart = (k: number) =>
    `<figure><svg role="img" aria-label="Recorded crime by quarter, chart ${k}" width="600" height="220" viewBox="0 0 600 220">${Array.from(
      { length: 12 },
      (_, q) => {
        const h = 40 + ((q * 37 + k * 13 + n * 7) % 160)
        return `<rect x="${q * 48 + 12}" y="${210 - h}" width="36" height="${h}" fill="#1d70b8"></rect><text x="${q * 48 + 30}" y="218" font-size="8" text-anchor="middle">Q${(q % 4) + 1}</text>`
      },
    ).join(
      '',
    )}<line x1="0" y1="210" x2="600" y2="210" stroke="#0b0c0c"></line></svg><figcaption>Figure ${k}: recorded crime by quarter</figcaption></figure>`
  const body = Array.from({ length: PARAGRAPHS }, (_, i) => {
    const section = i % 10 === 0 ? `<h2>Section ${i / 10 + 1}</h2>` : ''
    return `${section}<p>${i + 1}. Report ${n} (${run}): the partnership reviewed serious violence, domestic abuse and county lines across the county over the year; this paragraph sets out what the figures show, how partners responded, what the assurance round found and what the committee is asked to note, with the caveats the data carry.</p>${i % 6 === 5 ? chart(i) : ''}`
  }).join('\n')
  return `<!doctype html><html lang="en-GB"><head><title>Report ${n}</title><style>body{font-family:Arial,sans-serif;font-size:11pt;line-height:1.4}</style></head><body><h1>Report ${n}: community safety</h1>${body}</body></html>`
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-pack-'))
  const config = loadConfig(process.env, { dataDir, logLevel: 'silent', databaseUrl: undefined })
  const db = await openPglite()
  await migrate(db)
  const services = await buildServices(db, config)
  const app = await buildApp({ config, services })
  let run = 'run 0'
  app.get<{ Params: { n: string } }>('/bench-papers/:n', { config: { access: 'public' } }, async (request, reply) =>
    reply.type('text/html').send(paper(Number(request.params.n), run)),
  )
  await app.ready()
  try {
    if (!services.pdf.available())
      throw new Error(`No Chromium at ${config.chromiumPath}: install the Debian package chromium, or set CHROMIUM_PATH`)
    const council = await services.partnerships.create(
      { slug: 'bench-council', name: 'Hampshire County Council', kind: 'council', published: true },
      systemActor,
    )
    const body = await services.scrutiny.createCommittee(
      council.id,
      { name: 'Policy and Resources Select Committee', type: 'select committee' },
      systemActor,
    )
    const m = await services.scrutiny.createMeeting(
      council.id,
      { bodyId: body.id, date: '2019-11-14', startTime: '10:00', place: 'Wellington Room, The Castle, Winchester', status: 'confirmed' },
      systemActor,
    )
    const itemIds: number[] = []
    for (let n = 1; n <= ITEMS; n++)
      itemIds.push(
        (
          await services.scrutiny.addItem(
            council.id,
            m.id,
            { title: `Report ${n}: community safety`, purpose: 'To consider a report of the Director of Adults’ Health and Care.' },
            systemActor,
          )
        ).id,
      )
    const { meeting } = await services.scrutiny.meeting(council.id, m.id, { member: true })
    await services.scrutiny.updateMeeting(
      council.id,
      m.id,
      {
        bodyId: meeting.body_id,
        date: meeting.date,
        startTime: meeting.start_time,
        place: meeting.place,
        status: meeting.status,
        agendaPublished: true,
        version: meeting.version,
      },
      systemActor,
    )
    services.packs.addItemSource(async (_id, items) => {
      const out = new Map()
      for (const i of items) {
        const k = itemIds.indexOf(i.id)
        if (k >= 0) out.set(i.id, [{ kind: 'page', title: i.title, path: `/bench-papers/${k + 1}` }])
      }
      return out
    })
    const url = `/partnerships/${council.slug}/meetings/${m.id}/pack.pdf`

    let browserPeak = 0
    let rssPeak = 0
    const sampler = setInterval(() => {
      const pid = services.pdf.browserPid()
      if (pid) browserPeak = Math.max(browserPeak, treeMemoryMb(pid))
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss / 1024 / 1024)
    }, 50)
    const get = async () => {
      const started = performance.now()
      const res = await app.inject({ method: 'GET', url })
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
      return { ms: performance.now() - started, bytes: res.rawPayload.length }
    }

    const cold = await get()
    const warm: number[] = []
    for (let i = 1; i <= RUNS; i++) {
      run = `run ${i}`
      warm.push((await get()).ms)
    }
    const cached = await get()
    clearInterval(sampler)
    const [job] = await services.jobs.list({ kind: 'pack:build', limit: 1 })
    const r = job.result as {
      pages: number
      bytes: number
      timings: { ms: number; parts: { title: string; ms: number; pages: number }[]; agenda: number[]; join: number; stamp: number }
    }
    const t = r.timings
    const sorted = [...warm].sort((a, b) => a - b)
    console.log(
      `Agenda pack of ${ITEMS} papers with charts (${PARAGRAPHS} paragraphs each), ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`,
    )
    console.log(`  the pack:                    ${r.pages} pages, ${fmt(cold.bytes / 1024)} KB`)
    console.log(`  cold (starts Chromium):      ${fmt(cold.ms)} ms, request to last byte`)
    console.log(
      `  warm (${RUNS} runs, new papers):  median ${fmt(sorted[Math.floor(sorted.length / 2)])} ms, slowest ${fmt(sorted.at(-1)!)} ms (goal ≤ 15,000 ms)`,
    )
    console.log(`  cached (the same pack again): ${fmt(cached.ms)} ms`)
    console.log(`  last warm run, in the job:   ${fmt(t.ms)} ms in all`)
    for (const part of t.parts)
      console.log(`    render ${part.title.padEnd(30)} ${String(part.pages).padStart(3)} pages ${fmt(part.ms).padStart(6)} ms`)
    console.log(`    agenda renders              ${t.agenda.map((x) => `${fmt(x)} ms`).join(', ')}`)
    console.log(`    joining (with stamping)     ${fmt(t.join)} ms`)
    console.log(`    stamping page numbers       ${fmt(t.stamp)} ms`)
    console.log(
      `  peak memory:                 browser ${browserPeak ? `${fmt(browserPeak)} MB (Pss with its children)` : 'not measured'}, this process ${fmt(rssPeak)} MB (RSS)`,
    )
  } finally {
    await app.close()
    await services.analytics.close()
    await db.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
