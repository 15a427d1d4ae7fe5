/**
 * The Public Document Pack, made by real Chromium (a missing Chromium fails these tests: the pack answers 503) and
 * read back page by page with pdftotext. Each item's papers are a long test page (paragraphs and SVG charts, marked
 * with the item's own word on every paragraph) or an uploaded PDF made here with pdf-lib, so where each item's papers
 * really are can be found in the text of each page, independently of how the pack was laid out.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PDFDocument, PDFDict, PDFName, PDFRef, StandardFonts, type PDFString, type PDFHexString } from 'pdf-lib'
import { testApp, clientAs, unique, type TestApp, type Client } from '../helpers.ts'
import { systemActor } from '../../src/platform/audit.ts'
import type { Partnership } from '../../src/platform/access.ts'
import { BLANK_PAGE_TEXT } from '../../src/packs/service.ts'

let t: TestApp
let openHotelGate = () => {}
const hotelGate = { promise: new Promise<void>((resolve) => (openHotelGate = resolve)) }
let council: Partnership
let committeeId = 0

/** A long paper: `paras` paragraphs each naming `word`, with an SVG bar chart every 8 paragraphs. */
function paper(word: string, paras: number) {
  const body = Array.from({ length: paras }, (_, i) => {
    const chart =
      i % 8 === 7
        ? `<svg role="img" aria-label="Chart ${i}" width="400" height="120" viewBox="0 0 400 120">${[30, 80, 55, 100, 70]
            .map((h, k) => `<rect x="${k * 70 + 10}" y="${120 - h}" width="50" height="${h}" fill="#1d70b8"></rect>`)
            .join('')}</svg>`
        : ''
    return `<p>${word} paragraph ${i + 1}: the partnership reviewed its priorities, its funding and its performance over the year, and reports here on what changed and why it matters to residents.</p>${chart}`
  }).join('\n')
  return `<!doctype html><html lang="en-GB"><head><title>${word}</title></head><body><h1>${word} report</h1><h2>${word} findings</h2>${body}</body></html>`
}

const PAPERS: Record<string, number> = { Alpha: 60, Bravo: 25, Delta: 30, Secretum: 20, Hotel: 6, India: 4 }

before(async () => {
  t = await testApp(
    { logLevel: 'error' },
    {
      beforeReady: (app) => {
        // A paper that reads differently for someone signed in (as a print view shows members their drafts).
        app.get('/test-papers-by-reader', { config: { access: 'public' } }, async (request, reply) =>
          reply
            .type('text/html')
            .send(
              `<!doctype html><html lang="en-GB"><head><title>Kilo</title></head><body><h1>Kilo report</h1><p>${request.headers.cookie?.includes('safer_session') ? 'Kilo words for members only' : 'Kilo words for everyone'}</p></body></html>`,
            ),
        )
        app.get<{ Params: { word: string } }>('/test-papers/:word', { config: { access: 'public' } }, async (request, reply) => {
          // Hotel's paper holds Chromium's render (not the cache key's read, which asks for text/html alone) until the
          // test opens the gate, so the progress page can be seen while the job runs.
          if (request.params.word === 'Hotel' && request.headers.accept !== 'text/html') await hotelGate.promise
          return reply.type('text/html').send(paper(request.params.word, PAPERS[request.params.word] ?? 5))
        })
      },
    },
  )
  council = await t.services.partnerships.create(
    { slug: unique('hcc'), name: 'Hampshire County Council', kind: 'council', published: true },
    systemActor,
  )
  const c = await t.services.scrutiny.createCommittee(
    council.id,
    { name: 'Policy and Resources Select Committee', type: 'select committee' },
    systemActor,
  )
  committeeId = c.id
  // Test papers for items by title: the item's title names its paper.
  t.services.packs.addItemSource(async (_councilId, items) => {
    const out = new Map()
    for (const i of items) {
      const word = Object.keys(PAPERS).find((w) => i.title.includes(w))
      if (word) out.set(i.id, [{ kind: 'page', title: `${word} report`, path: `/test-papers/${word}` }])
    }
    return out
  })
  t.services.packs.addItemSource(async (_councilId, items) => {
    const out = new Map()
    for (const i of items)
      if (i.title.includes('Kilo')) out.set(i.id, [{ kind: 'page', title: 'Kilo report', path: '/test-papers-by-reader' }])
    return out
  })
  // An appendix from a source that is not a PDF at all.
  t.services.packs.addItemSource(async (_councilId, items) => {
    const out = new Map()
    for (const i of items)
      if (i.title.includes('Foxtrot'))
        out.set(i.id, [
          { kind: 'pdf', title: 'Foxtrot appendix', source: 'foxtrot-appendix.docx', bytes: Buffer.from('PK\x03\x04 a Word file') },
        ])
    return out
  })
  await t.services.packs.saveSettings(
    council.id,
    {
      chiefExecutive: 'John Coughlan CBE',
      enquiriesName: 'Louise Pickford',
      enquiriesEmail: 'members.services@hants.gov.uk',
      filmingNotice: 'This meeting may be recorded and broadcast live.',
    },
    systemActor,
  )
})
after(async () => {
  await t.close()
})

/** A PDF of `pages` pages, each saying `word`. */
async function appendix(word: string, pages: number) {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  for (let i = 0; i < pages; i++) doc.addPage([595, 842]).drawText(`${word} appendix page ${i + 1}`, { x: 72, y: 700, size: 14, font })
  return Buffer.from(await doc.save({ useObjectStreams: false }))
}

async function newMeeting(date: string) {
  const m = await t.services.scrutiny.createMeeting(
    council.id,
    { bodyId: committeeId, date, startTime: '10:00', place: 'Wellington Room, The Castle, Winchester', status: 'confirmed' },
    systemActor,
  )
  return m
}

async function publish(meetingId: number) {
  const { meeting: m } = await t.services.scrutiny.meeting(council.id, meetingId, { member: true })
  await t.services.scrutiny.updateMeeting(
    council.id,
    meetingId,
    {
      bodyId: m.body_id,
      date: m.date,
      startTime: m.start_time,
      place: m.place,
      status: m.status,
      agendaPublished: true,
      version: m.version,
    },
    systemActor,
  )
}

function pageTexts(pdf: Uint8Array, layout = false): string[] {
  const file = path.join(os.tmpdir(), `safer-pack-test-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`)
  fs.writeFileSync(file, pdf)
  try {
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1])
    return Array.from({ length: pages }, (_, i) =>
      execFileSync('pdftotext', [...(layout ? ['-layout'] : []), '-f', String(i + 1), '-l', String(i + 1), file, '-'], {
        encoding: 'utf8',
      }).replace(/\s+/g, ' '),
    )
  } finally {
    fs.rmSync(file, { force: true })
  }
}

/** The top-level outline entries' titles and pages. */
function outline(doc: PDFDocument) {
  const ctx = doc.context
  const pageRefs = doc.getPages().map((pg) => pg.ref.toString())
  const out: { title: string; page: number }[] = []
  const root = doc.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict)
  for (let ref = root?.get(PDFName.of('First')); ref instanceof PDFRef; ref = ctx.lookup(ref, PDFDict).get(PDFName.of('Next'))) {
    const item = ctx.lookup(ref, PDFDict)
    const dest = ctx.lookup(item.get(PDFName.of('Dest'))) as unknown as { get(i: number): unknown }
    out.push({
      title: (item.get(PDFName.of('Title')) as PDFString | PDFHexString).decodeText(),
      page: pageRefs.indexOf(String(dest.get(0))) + 1,
    })
  }
  return out
}

async function download(url: string, c?: Client, accept?: string) {
  const res = await t.app.inject({
    method: 'GET',
    url,
    headers: {
      ...(c ? { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      ...(accept ? { accept } : {}),
    },
  })
  return res
}

/** What Chromium sends when a person follows a link. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'

/** Ask for the progress page until `until` holds (no timing asserted: the job ends when it ends). */
async function pollProgress(url: string, until: (body: string) => boolean, c?: Client) {
  for (let i = 0; ; i++) {
    const res = await download(url, c, BROWSER_ACCEPT)
    assert.equal(res.statusCode, 200, res.body.slice(0, 500))
    if (until(res.body)) return res
    if (i > 3000) assert.fail(`the progress page never changed: ${res.body.slice(0, 500)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
const stillRunning = (body: string) => /data-job-progress=/.test(body)

/** The pages (1-based) whose text includes `s`. */
const pagesWith = (texts: string[], s: string) => texts.flatMap((x, i) => (x.includes(s) ? [i + 1] : []))
const span = (r: { first: number; last: number }) => Array.from({ length: r.last - r.first + 1 }, (_, i) => r.first + i)

/** The ranges the agenda prints: "6. Alpha ... (Pages 3 - 20)", read from the agenda's pages. */
function printedRanges(texts: string[], titles: string[]) {
  const agenda = texts.slice(0, 4).join(' ')
  const out = new Map<string, { first: number; last: number }>()
  for (const title of titles) {
    const m = new RegExp(`\\d+\\. ${title} \\(Pages (\\d+) - (\\d+)\\)`).exec(agenda)
    if (m) out.set(title, { first: Number(m[1]), last: Number(m[2]) })
  }
  return out
}

let meetingId = 0
const itemIds: Record<string, number> = {}

async function setUpMeeting() {
  if (meetingId) return
  const m = await newMeeting('2019-11-14')
  meetingId = m.id
  const add = async (title: string, extra: Record<string, unknown> = {}) =>
    (itemIds[title] = (await t.services.scrutiny.addItem(council.id, m.id, { title, ...extra }, systemActor)).id)
  await add('Alpha strategy group')
  await add('Secretum contract award', { exempt: true, exemptParagraph: 3, publishedTitle: 'Contract award for CCTV' })
  // Charlie's 3-page appendix starts on an odd page, so Bravo after it needs a blank page before it.
  await add('Charlie county agreement')
  await add('Bravo work programme')
  await t.services.proceedings.addDocument(
    council.id,
    m.id,
    itemIds['Charlie county agreement'],
    { filename: 'charlie-agreement.pdf', data: await appendix('Charlie', 3) },
    systemActor,
  )
  await publish(m.id)
}

const href = (edition = '') => `/partnerships/${council.slug}/meetings/${meetingId}/pack${edition}`

test('the public pack: page ranges match where the papers are, papers start on odd pages, blanks say so, numbers run 1..N, outline per item, no exempt content', async () => {
  await setUpMeeting()
  const res = await download(href('.pdf'))
  assert.equal(res.statusCode, 200, res.body.slice(0, 600))
  assert.equal(res.headers['content-type'], 'application/pdf')
  assert.match(String(res.headers['content-disposition']), /attachment; filename=".*-2019-11-14-agenda-pack\.pdf"/)
  const bytes = res.rawPayload
  const texts = pageTexts(bytes)
  const n = texts.length
  // Page numbers run on, 1..N, across every part.
  for (let i = 1; i <= n; i++) assert.match(texts[i - 1], new RegExp(`Page ${i}(?!\\d)`), `page ${i} is numbered`)
  // The notice.
  assert.match(texts[0], /Notice of meeting/)
  assert.match(texts[0], /Policy and Resources Select Committee/)
  assert.match(texts.slice(0, 2).join(' '), /John Coughlan CBE, Chief Executive/)
  assert.match(texts.slice(0, 2).join(' '), /members\.services@hants\.gov\.uk/)
  // Each item's printed range is exactly the pages its papers are on, and starts on an odd page.
  const ranges = printedRanges(texts, [
    'Alpha strategy group',
    'Bravo work programme',
    'Charlie county agreement',
    'Secretum contract award',
  ])
  const expected: [string, string][] = [
    ['Alpha strategy group', 'Alpha paragraph'],
    ['Bravo work programme', 'Bravo paragraph'],
    ['Charlie county agreement', 'Charlie appendix page'],
  ]
  for (const [title, marker] of expected) {
    const r = ranges.get(title)
    assert.ok(r, `the agenda gives ${title} a range (found ${[...ranges.keys()].join('; ')})`)
    assert.deepEqual(pagesWith(texts, marker), span(r), `${title}: printed ${r.first}-${r.last}`)
    assert.equal(r.first % 2, 1, `${title} starts on an odd page`)
  }
  assert.equal(pagesWith(texts, 'Charlie appendix page').length, 3)
  // Blank pages say so and carry nothing else; every page is the agenda, a paper or a blank.
  const blanks = pagesWith(texts, BLANK_PAGE_TEXT)
  for (const b of blanks) assert.equal(texts[b - 1].replace(BLANK_PAGE_TEXT, '').replace(`Page ${b}`, '').trim(), '', `page ${b} is blank`)
  const agendaPages = Math.min(...[...ranges.values()].map((r) => r.first)) - 1
  const covered = new Set([...Array.from({ length: agendaPages }, (_, i) => i + 1), ...blanks, ...[...ranges.values()].flatMap(span)])
  assert.equal(covered.size, n, 'every page is accounted for')
  // A blank page is there exactly where the next papers would otherwise start on an even page.
  const inOrder = [...ranges.values()].sort((x, y) => x.first - y.first)
  const wanted = inOrder.flatMap((r, k) => {
    const after = k === 0 ? agendaPages : inOrder[k - 1].last
    return after % 2 === 1 ? [after + 1] : []
  })
  assert.deepEqual(blanks, wanted)
  assert.ok(blanks.includes(ranges.get('Charlie county agreement')!.last + 1), 'a blank page after the 3-page appendix')
  for (const b of blanks)
    assert.ok([...ranges.values()].some((r) => r.first === b + 1) && b % 2 === 0, `blank page ${b} comes before papers`)
  // The exempt item is listed by its published title with its paragraph; none of its content is in the pack.
  const all = texts.join(' ')
  assert.match(all, /Exempt: Contract award for CCTV/)
  assert.match(all, /paragraph 3 of Schedule 12A/)
  assert.doesNotMatch(all, /Secretum/)
  // Outline: the agenda, then one entry per item with papers, each at its first page; title and language.
  const doc = await PDFDocument.load(bytes, { updateMetadata: false })
  const ol = outline(doc)
  assert.deepEqual(
    ol.map((o) => o.title),
    ['Notice of meeting and agenda', 'Item 6: Alpha strategy group', 'Item 8: Charlie county agreement', 'Item 9: Bravo work programme'],
  )
  assert.deepEqual(
    ol.slice(1).map((o) => o.page),
    [ranges.get('Alpha strategy group')!.first, ranges.get('Charlie county agreement')!.first, ranges.get('Bravo work programme')!.first],
  )
  assert.match(doc.getTitle() ?? '', /^Agenda pack: Policy and Resources Select Committee/)
  assert.equal(String(doc.catalog.get(PDFName.of('Lang'))?.toString()), '(en-GB)')

  // A second download is the same file, from the cache: no second job.
  const jobsBefore = (await t.services.jobs.list({ kind: 'pack:build' })).length
  const again = await download(href('.pdf'))
  assert.equal(again.statusCode, 200)
  assert.ok(Buffer.compare(again.rawPayload, bytes) === 0, 'the same bytes')
  assert.equal((await t.services.jobs.list({ kind: 'pack:build' })).length, jobsBefore)
  const job = (await t.services.jobs.list({ kind: 'pack:build' }))[0]
  assert.equal(job.status, 'done')
  assert.equal(job.result.pages, n)
})

test("the members' pack has the exempt item's papers; the public and outsiders get none", async () => {
  await setUpMeeting()
  const viewer = await clientAs(t, 'viewer', council.id)
  const res = await download(href('/members.pdf'), viewer)
  assert.equal(res.statusCode, 200, res.body.slice(0, 500))
  const texts = pageTexts(res.rawPayload)
  const ranges = printedRanges(texts, ['Secretum contract award'])
  const r = ranges.get('Secretum contract award')
  assert.ok(r, 'the exempt item has its range in the members’ pack')
  assert.deepEqual(pagesWith(texts, 'Secretum paragraph'), span(r))
  assert.match(texts.slice(0, 2).join(' '), /Not for publication/)
  for (const [who, c] of [
    ['the public', undefined],
    ['an outsider', await clientAs(t, 'outsider')],
  ] as const) {
    const denied = await download(href('/members.pdf'), c)
    assert.notEqual(denied.statusCode, 200, who)
    assert.ok([303, 401, 403, 404].includes(denied.statusCode), `${who}: ${denied.statusCode}`)
    assert.doesNotMatch(denied.body, /Secretum/)
  }
  const page = await download(href('?edition=members'))
  assert.equal(page.statusCode, 404)
})

test("the public pack holds what the public may read, even when a member downloads it; the members' pack is read as the member", async () => {
  const m = await newMeeting('2020-08-20')
  await t.services.scrutiny.addItem(council.id, m.id, { title: 'Kilo review' }, systemActor)
  await publish(m.id)
  const base = `/partnerships/${council.slug}/meetings/${m.id}/pack`
  const viewer = await clientAs(t, 'viewer', council.id)
  for (const c of [viewer, undefined]) {
    const res = await download(`${base}.pdf`, c)
    assert.equal(res.statusCode, 200, res.body.slice(0, 300))
    const all = pageTexts(res.rawPayload).join(' ')
    assert.match(all, /Kilo words for everyone/)
    assert.doesNotMatch(all, /for members only/)
  }
  const members = await download(`${base}/members.pdf`, viewer)
  assert.equal(members.statusCode, 200, members.body.slice(0, 300))
  assert.match(pageTexts(members.rawPayload).join(' '), /Kilo words for members only/)
})

test('an item added after publication goes out in the supplementary pack, with its own notice and numbers', async () => {
  await setUpMeeting()
  const late = await t.services.scrutiny.addItem(council.id, meetingId, { title: 'Delta late report' }, systemActor)
  const res = await download(href('/supplementary.pdf'))
  assert.equal(res.statusCode, 200, res.body.slice(0, 500))
  const texts = pageTexts(res.rawPayload)
  assert.match(texts[0], /Supplementary agenda/)
  const all = texts.join(' ')
  assert.doesNotMatch(all, /Alpha paragraph/)
  const r = printedRanges(texts, ['Delta late report']).get('Delta late report')!
  assert.ok(r)
  assert.deepEqual(pagesWith(texts, 'Delta paragraph'), span(r))
  texts.forEach((x, i) => assert.match(x, new RegExp(`Page ${i + 1}(?!\\d)`)))
  // The public pack itself is as published: the late item is not in it.
  const pub = pageTexts((await download(href('.pdf'))).rawPayload).join(' ')
  assert.doesNotMatch(pub, /Delta/)
  // The web page of the pack points to the supplementary agenda.
  const page = await download(href(''))
  assert.match(page.body, /the supplementary agenda/)
  assert.ok(late.id)
})

test('an encrypted, corrupt or non-PDF appendix stops the pack with a message naming the item and the file', async () => {
  const good = await appendix('Echo', 1)
  const encrypted = Buffer.from(
    good.toString('latin1').replace(/trailer\s*<</, (m) => `${m}\n/Encrypt 1 0 R`),
    'latin1',
  )
  const corrupt = Buffer.concat([good.subarray(0, 9), Buffer.from('this is not really a pdf at all')])
  for (const [name, data, words, date, title] of [
    ['echo-encrypted.pdf', encrypted, /is encrypted \(password-protected\)/, '2020-01-16', 'Echo appendix item'],
    ['echo-corrupt.pdf', corrupt, /is damaged and cannot be read/, '2020-02-20', 'Echo appendix item'],
    ['foxtrot-appendix.docx', undefined, /is not a PDF/, '2020-03-19', 'Foxtrot appendix item'],
  ] as const) {
    const m = await newMeeting(date)
    const item = await t.services.scrutiny.addItem(council.id, m.id, { title }, systemActor)
    if (data) await t.services.proceedings.addDocument(council.id, m.id, item.id, { filename: name, data }, systemActor)
    await publish(m.id)
    const jobs = (await t.services.jobs.list({ kind: 'pack:build' })).length
    const res = await download(`/partnerships/${council.slug}/meetings/${m.id}/pack.pdf`)
    assert.equal(res.statusCode, 422, res.body.slice(0, 300))
    assert.match(res.body, new RegExp(`Agenda item 6 \\(${title}\\)`))
    assert.match(res.body, new RegExp(name.replace('.', '\\.')))
    assert.match(res.body, words)
    assert.notEqual(res.headers['content-type'], 'application/pdf')
    // Nothing is made: no job finished, no file kept.
    assert.equal((await t.services.jobs.list({ kind: 'pack:build', status: 'done' })).length <= jobs, true)
  }
})

test('an agenda item whose report is still a draft stops the pack, naming the item and the report', async () => {
  const m = await newMeeting('2020-04-16')
  const item = await t.services.scrutiny.addItem(council.id, m.id, { title: 'Golf strategy item' }, systemActor)
  await publish(m.id)
  const rep = await t.services.reports.create(council.id, { title: 'Golf annual report' }, systemActor)
  await t.services.reports.update(council.id, rep.id, { title: rep.title, version: rep.version, item: `${m.id}:${item.id}` }, systemActor)
  const url = `/partnerships/${council.slug}/meetings/${m.id}/pack.pdf`
  const res = await download(url)
  assert.equal(res.statusCode, 422, res.body.slice(0, 300))
  assert.match(res.body, /Agenda item 6 \(Golf strategy item\): its report (&quot;|")Golf annual report(&quot;|") is still a draft/)
  assert.notEqual(res.headers['content-type'], 'application/pdf')
  // The web page of the pack still shows the agenda, and says the report is not published yet.
  const page = await (await clientAs(t, 'anonymous')).get(`/partnerships/${council.slug}/meetings/${m.id}/pack`)
  assert.equal(page.status, 200)
  assert.match(page.body, /Golf annual report \(not published yet\)/)
})

test("the meetings API gives each meeting its pack's address once the agenda is published, and null before", async () => {
  const m = await newMeeting('2019-12-05')
  const api = async () =>
    (
      JSON.parse((await t.app.inject({ url: '/api/v1/meetings?from=2019-12-01&to=2019-12-31' })).body) as {
        id: number
        pack: string | null
      }[]
    ).find((x) => x.id === m.id)
  // Unpublished agenda: the public API lists the meeting without a pack.
  assert.equal((await api())?.pack, null)
  await t.services.scrutiny.addItem(council.id, m.id, { title: 'Bravo again' }, systemActor)
  await publish(m.id)
  const url = (await api())!.pack!
  assert.equal(url, `${t.config.baseUrl}/partnerships/${council.slug}/meetings/${m.id}/pack.pdf`)
  const res = await t.app.inject({ url: new URL(url).pathname })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'application/pdf')
})

test('before the agenda is published there is no public pack (the workspace’s people may preview it)', async () => {
  const m = await newMeeting('2019-12-12')
  const res = await download(`/partnerships/${council.slug}/meetings/${m.id}/pack.pdf`)
  assert.equal(res.statusCode, 404)
  assert.equal((await download(`/partnerships/${council.slug}/meetings/${m.id}/pack`)).statusCode, 404)
  // The workspace's people may preview it.
  await t.services.scrutiny.addItem(council.id, m.id, { title: 'Preview item' }, systemActor)
  const viewer = await clientAs(t, 'viewer', council.id)
  const preview = await viewer.get(`/partnerships/${council.slug}/meetings/${m.id}/pack`)
  assert.equal(preview.status, 200)
  assert.match(preview.body, /Preview item/)
})

test('without Chromium the PDF says so plainly (503) and the web page of the pack still works', async () => {
  await setUpMeeting()
  const noBrowser = await testApp({ chromiumPath: '/nonexistent/chromium' })
  try {
    const c2 = await noBrowser.services.partnerships.create(
      { slug: unique('hcc'), name: 'Test Council', kind: 'council', published: true },
      systemActor,
    )
    const com = await noBrowser.services.scrutiny.createCommittee(c2.id, { name: 'Audit Committee', type: 'select committee' }, systemActor)
    const m = await noBrowser.services.scrutiny.createMeeting(
      c2.id,
      { bodyId: com.id, date: '2019-11-14', startTime: '10:00', place: 'County Hall', status: 'confirmed', agendaPublished: true },
      systemActor,
    )
    const pdf = await noBrowser.app.inject({ url: `/partnerships/${c2.slug}/meetings/${m.id}/pack.pdf` })
    assert.equal(pdf.statusCode, 503)
    assert.match(pdf.body, /PDFs need Chromium, which is not installed on this server/)
    const html = await noBrowser.app.inject({ url: `/partnerships/${c2.slug}/meetings/${m.id}/pack` })
    assert.equal(html.statusCode, 200)
    assert.match(html.body, /Notice of meeting/)
    assert.match(html.body, /Audit Committee/)
  } finally {
    await noBrowser.close()
  }
})

test('a browser asking for a pack not made yet is sent to a progress page, which ends with the download link; the PDF then comes from the cache', async () => {
  const m = await newMeeting('2020-05-14')
  const item = await t.services.scrutiny.addItem(council.id, m.id, { title: 'Hotel quarterly report' }, systemActor)
  await publish(m.id)
  const base = `/partnerships/${council.slug}/meetings/${m.id}/pack`
  const jobsBefore = (await t.services.jobs.list({ kind: 'pack:build' })).length
  const res = await download(`${base}.pdf`, undefined, BROWSER_ACCEPT)
  assert.equal(res.statusCode, 303, res.body.slice(0, 300))
  const job = (await t.services.jobs.list({ kind: 'pack:build' }))[0]
  assert.equal((await t.services.jobs.list({ kind: 'pack:build' })).length, jobsBefore + 1, 'one job started')
  assert.equal(res.headers.location, `${base}/progress?job=${job.id}`)
  const progressUrl = String(res.headers.location)

  // While Hotel's paper is held, the page says how far the job has got (one page part, plus the agenda and the
  // joining, is 3 parts), and its script follows the job through the same address as JSON; it never reloads itself on
  // a timer (no meta refresh: WCAG 2.2.1), and without script it has a Refresh button.
  const running = await pollProgress(progressUrl, (body) => /Made 0 of 3 parts/.test(body))
  assert.doesNotMatch(running.body, /http-equiv="refresh"/)
  assert.match(running.body, new RegExp(`data-job-progress="${progressUrl.replace(/[?]/g, '\\?')}"`))
  assert.match(running.body, /Making the public document pack/)
  assert.match(running.body, /Policy and Resources Select Committee/)
  assert.match(running.body, /<progress id="pack-progress"/)
  assert.match(running.body, />\s*Refresh\s*</)
  const json = await download(progressUrl, undefined, 'application/json')
  assert.equal(json.statusCode, 200)
  assert.deepEqual(JSON.parse(json.body), { status: 'running', done: 0, total: 3, text: 'Made 0 of 3 parts' })
  openHotelGate()

  const done = await pollProgress(progressUrl, (body) => !stillRunning(body))
  assert.match(done.body, /The public document pack is ready/)
  assert.match(done.body, new RegExp(`href="${base}\\.pdf"[^>]*>Download the agenda pack \\(PDF\\)`))
  const finished = await t.services.jobs.get(job.id)
  assert.equal(finished.status, 'done')
  assert.deepEqual([finished.progress.done, finished.progress.total, finished.progress.unit], [3, 3, 'parts'])

  // The download is now the cached file, at once, for a browser and for any other client: no second job.
  for (const accept of [BROWSER_ACCEPT, undefined]) {
    const pdf = await download(`${base}.pdf`, undefined, accept)
    assert.equal(pdf.statusCode, 200, pdf.body.slice(0, 300))
    assert.equal(pdf.headers['content-type'], 'application/pdf')
    const texts = pageTexts(pdf.rawPayload)
    assert.equal(texts.length, finished.result.pages)
    assert.ok(pagesWith(texts, 'Hotel paragraph').length > 0)
  }
  assert.equal((await t.services.jobs.list({ kind: 'pack:build' })).length, jobsBefore + 1, 'no second job')

  // This job is not another meeting's, nor another edition's, and other jobs are not this meeting's.
  await setUpMeeting()
  assert.equal((await download(`${href('/progress')}?job=${job.id}`, undefined, BROWSER_ACCEPT)).statusCode, 404)
  assert.equal((await download(`${progressUrl}&edition=supplementary`, undefined, BROWSER_ACCEPT)).statusCode, 404)
  const viewer = await clientAs(t, 'viewer', council.id)
  assert.equal((await download(`${base}/members/progress?job=${job.id}`, viewer, BROWSER_ACCEPT)).statusCode, 404)
  const other = await t.services.jobs.enqueue('pack:build', { council: council.slug, meetingId: m.id, edition: 'supplementary' }, {})
  assert.equal((await download(`${base}/progress?job=${other.id}`, undefined, BROWSER_ACCEPT)).statusCode, 404)
  assert.equal((await download(`${base}/progress?job=999999999`, undefined, BROWSER_ACCEPT)).statusCode, 404)
  assert.ok(item.id)
})

test("a pack that fails in its job shows the job's message, naming the item, in an error summary", async () => {
  const good = await appendix('Juliet', 1)
  const encrypted = Buffer.from(
    good.toString('latin1').replace(/trailer\s*<</, (m) => `${m}\n/Encrypt 1 0 R`),
    'latin1',
  )
  const m = await newMeeting('2020-06-18')
  const item = await t.services.scrutiny.addItem(council.id, m.id, { title: 'Juliet appendix item' }, systemActor)
  await t.services.proceedings.addDocument(council.id, m.id, item.id, { filename: 'juliet-locked.pdf', data: encrypted }, systemActor)
  await publish(m.id)
  const res = await download(`/partnerships/${council.slug}/meetings/${m.id}/pack.pdf`, undefined, BROWSER_ACCEPT)
  assert.equal(res.statusCode, 303, res.body.slice(0, 300))
  const page = await pollProgress(String(res.headers.location), (body) => !stillRunning(body))
  assert.match(page.body, /The public document pack could not be made/)
  const summary = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(page.body)?.[0] ?? ''
  assert.match(summary, /Agenda item 6 \(Juliet appendix item\): juliet-locked\.pdf is encrypted \(password-protected\)/)
  assert.doesNotMatch(page.body, /Download the agenda pack \(PDF\)/)
  const job = await t.services.jobs.get(/job=(\d+)/.exec(String(res.headers.location))![1])
  assert.equal(job.status, 'failed')
})

test("the members' pack's progress page is the members' only", async () => {
  const m = await newMeeting('2020-07-16')
  await t.services.scrutiny.addItem(
    council.id,
    m.id,
    { title: 'India secret award', exempt: true, exemptParagraph: 3, publishedTitle: 'A contract award' },
    systemActor,
  )
  await publish(m.id)
  const base = `/partnerships/${council.slug}/meetings/${m.id}/pack`
  const viewer = await clientAs(t, 'viewer', council.id)
  const res = await download(`${base}/members.pdf`, viewer, BROWSER_ACCEPT)
  assert.equal(res.statusCode, 303, res.body.slice(0, 300))
  const url = String(res.headers.location)
  assert.match(url, new RegExp(`^${base}/members/progress\\?job=\\d+$`))
  const done = await pollProgress(url, (body) => !stillRunning(body), viewer)
  assert.match(done.body, /Members’ agenda pack is ready|members’ agenda pack is ready/)
  assert.match(done.body, new RegExp(`href="${base}/members\\.pdf"`))
  const jobId = /job=(\d+)/.exec(url)![1]
  for (const [who, c] of [
    ['the public', undefined],
    ['an outsider', await clientAs(t, 'outsider')],
  ] as const) {
    for (const u of [url, `${base}/progress?job=${jobId}&edition=members`, `${base}/progress?job=${jobId}`]) {
      const denied = await download(u, c, BROWSER_ACCEPT)
      assert.ok([303, 401, 403, 404].includes(denied.statusCode), `${who}, ${u}: ${denied.statusCode}`)
      assert.doesNotMatch(denied.body, /India|pack is ready/)
    }
    // As the members' pack itself is refused to them.
    const pdf = await download(`${base}/members.pdf`, c, BROWSER_ACCEPT)
    assert.equal(pdf.statusCode, (await download(url, c, BROWSER_ACCEPT)).statusCode, who)
  }
})
