/**
 * PDFs of print views, made by real Chromium (a missing Chromium fails these tests: the PDF answers 503).
 * Text is read back with pdftotext (poppler-utils, installed by .ci/run), the rest with pdf-lib.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import Fastify from 'fastify'
import { PDFDocument, PDFDict, PDFName, PDFArray, type PDFString, type PDFHexString, PDFRef } from 'pdf-lib'
import { testApp, clientAs, makePartnership, text, type TestApp } from '../helpers.ts'
import { systemActor } from '../../src/platform/audit.ts'
import { joinPdfs, pdfService } from '../../src/platform/pdf.ts'
import { chromiumPath } from './browser.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const PRIORITIES = [
  'Serious organised crime and county lines',
  'Serious violence including knife crime affecting young people',
  'Mental ill-health, substance misuse and domestic abuse',
]

/** A partnership with an agreement version of three priorities and two rounds, each cell with findings. */
async function agreement(opts: { published?: boolean } = {}) {
  const p = await makePartnership(t.services, {
    published: opts.published ?? true,
    name: `Hampshire County Community Safety ${Math.random().toString(36).slice(2, 7)}`,
  })
  const title = 'County Agreement for Community Safety 2020-23'
  const v = await t.services.agreement.createVersion(
    p.id,
    { title, periodStart: '2020-04-01', periodEnd: '2023-03-31', published: true },
    systemActor,
  )
  for (const [i, priority] of PRIORITIES.entries())
    await t.services.agreement.addPriority(
      v.id,
      { number: i + 1, title: priority, ownershipStatement: 'There is strong strategic joint ownership of this priority.' },
      systemActor,
    )
  const priorities = await t.services.agreement.priorities(v.id)
  const dims = await t.services.assurance.dimensions(p.id)
  const round = await t.services.assurance.createRound(
    p.id,
    { title: 'Autumn 2020 assessment', assessedOn: '2020-10-15', agreementVersionId: v.id },
    systemActor,
  )
  const draft = await t.services.assurance.createRound(
    p.id,
    { title: 'Spring 2021 draft review', assessedOn: '2021-04-20', agreementVersionId: v.id },
    systemActor,
  )
  await t.services.assurance.recordCell(
    draft.id,
    priorities[0].id,
    dims[0].id,
    { rating: 2, findings: ['A review is under way.'], developmentAreas: [] },
    systemActor,
  )
  for (const pr of priorities) {
    for (const d of dims) {
      await t.services.assurance.recordCell(
        round.id,
        pr.id,
        d.id,
        {
          rating: 3,
          findings: [
            `Under ${d.name}, partners share intelligence every month and review each case at the tactical group.`,
            'A joint action plan is in place and its actions are reported to the Strategy Group each quarter.',
          ],
          developmentAreas: ['The partnership will extend the information-sharing agreement to the voluntary sector.'],
        },
        systemActor,
      )
    }
  }
  // The round is published as a whole once its cells are recorded; the draft is not.
  await t.services.assurance.publishRound(p.id, round.id, systemActor)
  return { p, v, round, draft, base: `/partnerships/${p.slug}/agreement/versions/${v.number}/print` }
}

/** Each page's text, by pdftotext (one call per page, so a line cannot drift onto the next page). */
function pageTexts(pdf: Buffer | Uint8Array, pages: number): string[] {
  const file = path.join(os.tmpdir(), `safer-pdf-test-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`)
  fs.writeFileSync(file, pdf)
  try {
    return Array.from({ length: pages }, (_, i) =>
      execFileSync('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '),
    )
  } finally {
    fs.rmSync(file, { force: true })
  }
}

/** The outline, read with pdf-lib's low-level objects: each entry's title, depth and page number (1-based). */
function outline(doc: PDFDocument) {
  const ctx = doc.context
  const pageRefs = doc.getPages().map((pg) => pg.ref.toString())
  const out: { title: string; depth: number; page: number }[] = []
  const walk = (ref: unknown, depth: number) => {
    for (; ref instanceof PDFRef; ref = ctx.lookup(ref, PDFDict).get(PDFName.of('Next'))) {
      const item = ctx.lookup(ref, PDFDict)
      const title = item.get(PDFName.of('Title')) as PDFString | PDFHexString
      const dest = ctx.lookup(item.get(PDFName.of('Dest')), PDFArray)
      out.push({ title: title.decodeText(), depth, page: pageRefs.indexOf(String(dest.get(0))) + 1 })
      walk(item.get(PDFName.of('First')), depth + 1)
    }
  }
  const root = doc.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict)
  walk(root?.get(PDFName.of('First')), 0)
  return out
}

test('a committee downloads the agreement with its assessment round as a PDF, with the partnership and the round on every page', async () => {
  const { p, round, base } = await agreement()
  const c = await clientAs(t, 'anonymous')
  const page = await c.get(`${base}?round=${round.id}`)
  assert.equal(page.status, 200)
  assert.match(page.body, new RegExp(`<a class="govuk-link" href="${base}\\?round=${round.id}&amp;format=pdf">Download as PDF</a>`))

  const res = await t.app.inject({ method: 'GET', url: `${base}?round=${round.id}&format=pdf` })
  assert.equal(res.statusCode, 200, res.body.slice(0, 500))
  assert.equal(res.headers['content-type'], 'application/pdf')
  assert.equal(res.headers['content-disposition'], `attachment; filename="${p.slug}-agreement-v1-round-autumn-2020-assessment.pdf"`)
  const bytes = res.rawPayload
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-')

  const doc = await PDFDocument.load(bytes, { updateMetadata: false })
  const pages = doc.getPageCount()
  assert.ok(pages > 1, `${pages} pages`)
  assert.equal(doc.getTitle(), 'County Agreement for Community Safety 2020-23')
  assert.equal(doc.getAuthor(), p.name)
  assert.equal((doc.catalog.get(PDFName.of('Lang')) as PDFString).decodeText(), 'en-GB')
  assert.ok(doc.catalog.get(PDFName.of('StructTreeRoot')), 'a tagged PDF has a structure tree')

  const texts = pageTexts(bytes, pages)
  texts.forEach((s, i) => {
    assert.ok(s.includes(p.name), `page ${i + 1} names the partnership: ${s.slice(0, 200)}`)
    assert.ok(s.includes('Autumn 2020 assessment, 15 October 2020'), `page ${i + 1} names the round: ${s.slice(0, 200)}`)
    assert.ok(s.includes(`Page ${i + 1} of ${pages}`), `page ${i + 1} is numbered: ${s.slice(-200)}`)
  })
  assert.ok(!texts.join(' ').includes('Spring 2021 draft review'), 'an unpublished round is not shown to the public')

  // The outline: the agreement, then each priority (in order), each opening at the page that shows it.
  const entries = outline(doc)
  assert.deepEqual(entries[0], { title: 'County Agreement for Community Safety 2020-23', depth: 0, page: 1 })
  const priorityEntries = entries.filter((e) => e.title.startsWith('Priority '))
  assert.deepEqual(
    priorityEntries.map((e) => [e.title, e.depth]),
    PRIORITIES.map((title, i) => [`Priority ${i + 1}: ${title}`, 1]),
  )
  for (const e of priorityEntries) assert.ok(texts[e.page - 1].includes(e.title.slice(0, 30)), `${e.title} is on page ${e.page}`)
  assert.ok(
    entries.some((e) => e.title.startsWith('County co-ordination') && e.depth === 2),
    'h3 headings are under their priority',
  )
  assert.ok(!entries.some((e) => e.title === 'Development areas'), 'h4 headings are left out of the outline')

  // Joined into a pack, each copy keeps its outline, moved to its own pages.
  const pack = await PDFDocument.load(await joinPdfs([bytes, { pdf: bytes, title: 'Second copy' }], { title: 'Committee pack' }))
  assert.equal(pack.getPageCount(), 2 * pages)
  const packEntries = outline(pack)
  assert.deepEqual(
    packEntries.filter((e) => e.depth === 0).map((e) => [e.title, e.page]),
    [
      ['County Agreement for Community Safety 2020-23', 1],
      ['Second copy', pages + 1],
    ],
  )
  assert.deepEqual(
    packEntries.filter((e) => e.title.startsWith('Priority ')).map((e) => e.page),
    [...priorityEntries, ...priorityEntries].map((e, i) => e.page + (i < priorityEntries.length ? 0 : pages)),
  )

  // Made as a job, on record for site administrators.
  const [job] = await t.services.jobs.list({ kind: 'pdf:render', limit: 1 })
  assert.equal(job.status, 'done')
  assert.equal(job.title, 'PDF: County Agreement for Community Safety 2020-23')
  assert.equal(job.result.pages, pages)
  assert.equal(job.result.bytes, bytes.length)
  assert.ok(!JSON.stringify(job.params).includes('safer_session'), 'no credentials are stored with the job')
  const admin = await clientAs(t, 'site-admin')
  assert.match(text((await admin.get('/admin/jobs')).body), /PDF: County Agreement for Community Safety 2020-23/)
})

test("a member downloads a draft partnership's PDF with its unpublished round; anyone else gets 404", async () => {
  const { p, draft, base } = await agreement({ published: false })
  const anonymous = await clientAs(t, 'anonymous')
  assert.equal((await anonymous.get(`${base}?round=${draft.id}&format=pdf`)).status, 404)
  assert.equal((await anonymous.get(`${base}?format=pdf`)).status, 404)
  const outsider = await clientAs(t, 'outsider')
  assert.equal((await outsider.get(`${base}?format=pdf`)).status, 404)

  const viewer = await clientAs(t, 'viewer', p.id)
  const res = await t.app.inject({
    method: 'GET',
    url: `${base}?round=${draft.id}&format=pdf`,
    headers: { cookie: [...viewer.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  })
  assert.equal(res.statusCode, 200, res.body.slice(0, 500))
  assert.equal(res.headers['content-type'], 'application/pdf')
  const doc = await PDFDocument.load(res.rawPayload)
  const texts = pageTexts(res.rawPayload, doc.getPageCount())
  // The print view was asked for with the member's own session: the unpublished round is in it, on every page.
  texts.forEach((s, i) => assert.ok(s.includes('Spring 2021 draft review, 20 April 2021'), `page ${i + 1}: ${s.slice(0, 200)}`))
})

test('the PDF names the strategic assessment only to those its sensitivity allows, as the print view does', async () => {
  const p = await makePartnership(t.services, { published: true })
  const a = await t.services.agreement.createStrategicAssessment(
    p.id,
    { title: 'Force Strategic Assessment OFFICIAL-SENSITIVE', sensitivity: 'restricted', restrictedTo: ['editor'] },
    systemActor,
  )
  const v = await t.services.agreement.createVersion(
    p.id,
    { title: 'County Agreement 2021', strategicAssessmentId: a.id, published: true },
    systemActor,
  )
  await t.services.agreement.addPriority(v.id, { number: 1, title: 'Serious violence' }, systemActor)
  const url = `/partnerships/${p.slug}/agreement/versions/${v.number}/print?format=pdf`
  const pdfText = async (cookie?: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} })
    assert.equal(res.statusCode, 200, res.body.slice(0, 300))
    const doc = await PDFDocument.load(res.rawPayload)
    return pageTexts(res.rawPayload, doc.getPageCount()).join(' ').replace(/\s+/g, ' ')
  }
  assert.doesNotMatch(await pdfText(), /Force Strategic Assessment/, 'the public')
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.doesNotMatch(await pdfText([...viewer.cookies].map(([k, v]) => `${k}=${v}`).join('; ')), /Force Strategic Assessment/, 'a viewer')
  const editor = await clientAs(t, 'editor', p.id)
  assert.match(
    await pdfText([...editor.cookies].map(([k, v]) => `${k}=${v}`).join('; ')),
    /Based on the strategic assessment: Force Strategic Assessment/,
  )
})

test('without Chromium the PDF says so plainly (503), and the print view still works', async () => {
  const missing = await testApp({ chromiumPath: path.join(os.tmpdir(), 'no-such-chromium', 'chromium') })
  try {
    const p = await makePartnership(missing.services, { published: true })
    const v = await missing.services.agreement.createVersion(p.id, { title: 'County Agreement 2020-23', published: true }, systemActor)
    await missing.services.agreement.addPriority(v.id, { number: 1, title: 'Serious violence' }, systemActor)
    const c = await clientAs(missing, 'anonymous')
    const base = `/partnerships/${p.slug}/agreement/versions/${v.number}/print`
    const res = await c.get(`${base}?format=pdf`)
    assert.equal(res.status, 503)
    assert.match(res.headers['content-type'] as string, /^text\/html/)
    assert.match(
      text(res.body),
      /PDFs need Chromium, which is not installed on this server: ask your administrator to install the Debian package chromium, or set CHROMIUM_PATH\. The print view still works: use your browser's Print\./,
    )
    const page = await c.get(base)
    assert.equal(page.status, 200)
    assert.match(text(page.body), /County Agreement 2020-23/)
    assert.deepEqual(await missing.services.jobs.list({ kind: 'pdf:render' }), [], 'no job is recorded when none can run')
  } finally {
    await missing.close()
  }
})

test("a print view's page reaches nothing but the app: other addresses are refused, the app's own files load", async () => {
  let outside = 0
  const server = http.createServer((_req, res) => {
    outside++
    res.end('x')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const app = Fastify()
  let styles = 0
  app.get('/page', async (_req, reply) =>
    reply.type('text/html').send(`<!doctype html><html lang="en-GB"><head><title>Leak test</title>
    <link rel="stylesheet" href="/style.css"><link rel="stylesheet" href="http://127.0.0.1:${port}/outside.css"></head>
    <body><h1>Leak test</h1><img src="http://127.0.0.1:${port}/pixel.png" alt=""><img src="http://localhost:${port}/pixel.png" alt="">
    <iframe src="http://127.0.0.1:${port}/frame"></iframe><script>fetch('http://127.0.0.1:${port}/script')</script></body></html>`),
  )
  app.get('/style.css', async (_req, reply) => {
    styles++
    return reply.type('text/css').send('h1 { color: #1d70b8 }')
  })
  const pdf = pdfService({ chromiumPath, idleMs: 50 })
  try {
    const out = await pdf.render({ app, headers: {} }, { path: '/page', title: 'Leak test', filename: 'leak.pdf' })
    assert.equal(out.pages, 1)
    assert.equal(styles, 1, "the app's own stylesheet was loaded")
    assert.equal(outside, 0, 'nothing reached a server outside the app')
    // The browser is closed once idle.
    const pid = pdf.browserPid()
    assert.ok(pid, 'the browser runs while in use')
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(pdf.browserPid(), undefined)
    const gone = () => {
      try {
        process.kill(pid!, 0)
        return false
      } catch {
        return true
      }
    }
    for (let waited = 0; !gone() && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100))
    assert.ok(gone(), 'the browser process has ended')
  } finally {
    await pdf.close()
    await app.close()
    server.close()
  }
})

test("a PDF job run again from Background jobs (without the person's request) fails with a message, and makes nothing", async () => {
  const queued = await t.services.jobs.enqueue(
    'pdf:render',
    { path: '/partnerships/x/agreement/versions/1/print', title: 'County Agreement', filename: 'x.pdf', ticket: 'gone' },
    { actor: systemActor },
  )
  await t.services.jobs.tick()
  const job = await t.services.jobs.get(queued.id)
  assert.equal(job.status, 'failed')
  assert.equal(job.error, "This PDF was made for one person's download, which has ended: ask for it again from its page.")
})
