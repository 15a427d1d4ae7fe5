import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, errorSummary, text, type Client, type TestApp } from '../../test/helpers.ts'
import { historyOf, systemActor } from '../platform/audit.ts'
import { CSRF_COOKIE } from '../platform/session.ts'
import { postFiles, uploadsLeft } from '../../test/upload-helpers.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  Buffer.from('1 0 obj << /Type /Catalog >> endobj\n'),
  Buffer.from([0, 1, 2, 250, 251, 252]),
  Buffer.from('\n%%EOF\n'),
])
const DOCX = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('word/document.xml')])
const CSV = Buffer.from('district,offences\nBasingstoke and Deane,9120\n')

const dateBoxes = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-')
  return { [`${name}-day`]: d, [`${name}-month`]: m, [`${name}-year`]: y }
}

/** Post a multipart form as a browser would, with the client's cookies and CSRF token. */
async function upload(
  c: Client,
  url: string,
  file?: { filename: string; type?: string; data: Buffer },
  fields: Record<string, string> = {},
) {
  if (!c.cookies.has(CSRF_COOKIE)) await c.get('/sign-in')
  const boundary = `----safer${Date.now()}`
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries({ _csrf: c.csrf(), ...fields }))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    )
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  const res = await t.app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(parts),
    headers: {
      cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  })
  ;(c as any).keep(res)
  return { status: res.statusCode, body: res.body, headers: res.headers }
}

async function setup(opts: { published?: boolean } = {}) {
  const p = await makePartnership(t.services, { published: true })
  const a = await t.services.agreement.createStrategicAssessment(
    p.id,
    {
      title: 'Hampshire Strategic Assessment of Community Safety 2019-20',
      periodStart: '2019-04-01',
      periodEnd: '2020-03-31',
      evidenceSources: ['district assessments', 'police and crime plan'],
      published: opts.published ?? true,
    },
    systemActor,
  )
  return { p, a, base: `/partnerships/${p.slug}`, href: `/partnerships/${p.slug}/assessments/strategic/${a.id}` }
}

test('an editor records a strategic assessment with its evidence sources, and anyone reads it once published', async () => {
  const p = await makePartnership(t.services, { published: true })
  const base = `/partnerships/${p.slug}/assessments/strategic`
  const c = await clientAs(t, 'editor', p.id)
  assert.match(text((await c.get(base)).body), /There is no strategic assessment yet\. Add one/)
  const res = await c.post(`${base}/new`, {
    title: 'Strategic Assessment 2019-20',
    ...dateBoxes('periodStart', '2019-04-01'),
    ...dateBoxes('periodEnd', '2020-03-31'),
    ...dateBoxes('dateAgreed', '2019-03-15'),
    evidenceSources: ['district assessments', 'joint strategic needs assessment', 'other'],
    otherEvidence: 'Serious Violence Problem profile',
    summary: 'Draws together the district assessments.\nAgreed in March 2019.',
    published: 'true',
  })
  assert.equal(res.status, 303)
  const [row] = await t.services.agreement.listStrategicAssessments(p.id, { includeUnpublished: false })
  assert.deepEqual(row.evidence_sources, ['district assessments', 'joint strategic needs assessment', 'other'])
  assert.equal(row.other_evidence, 'Serious Violence Problem profile')
  assert.equal(row.date_agreed, '2019-03-15')
  const page = await (await clientAs(t, 'anonymous')).get(res.headers.location)
  assert.equal(page.status, 200)
  const words = text(page.body)
  assert.match(words, /District and borough strategic assessments Joint strategic needs assessment Other: Serious Violence Problem profile/)
  assert.match(words, /1 April 2019 to 31 March 2020/)
  assert.match(page.body, /Draws together the district assessments\.<br \/>\nAgreed in March 2019\./)
  const list = await (await clientAs(t, 'anonymous')).get(`${base}?format=csv`)
  assert.match(
    list.body,
    /Strategic Assessment 2019-20,2019-04-01,2020-03-31,2019-03-15,district assessments; joint strategic needs assessment; other,Serious Violence Problem profile,public,0/,
  )
})

test('the assessment form refuses "other" without saying what, an end before the start and a long title, keeping what was typed', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.post(`/partnerships/${p.slug}/assessments/strategic/new`, {
    title: 'x'.repeat(301),
    ...dateBoxes('periodStart', '2020-04-01'),
    ...dateBoxes('periodEnd', '2019-03-31'),
    evidenceSources: ['problem profiles', 'other'],
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Title must be 300 characters or fewer/)
  assert.match(res.body, /name="evidenceSources" type="checkbox" value="problem profiles" checked/)
  const again = await c.post(`/partnerships/${p.slug}/assessments/strategic/new`, {
    title: 'Assessment',
    ...dateBoxes('periodStart', '2020-04-01'),
    ...dateBoxes('periodEnd', '2019-03-31'),
    evidenceSources: ['other'],
  })
  assert.match(errorSummary(again.body), /The end of the period must be after its start/)
  const third = await c.post(`/partnerships/${p.slug}/assessments/strategic/new`, { title: 'Assessment', evidenceSources: ['other'] })
  assert.match(errorSummary(third.body), /Enter the other evidence source/)
  assert.equal((await t.services.agreement.listStrategicAssessments(p.id, { includeUnpublished: true })).length, 0)
})

test('editing an assessment uses optimistic locking and is audited', async () => {
  const { p, a, href } = await setup()
  const one = await clientAs(t, 'editor', p.id)
  const two = await clientAs(t, 'editor', p.id)
  const form = await one.get(`${href}/edit`)
  assert.match(form.body, /name="version" value="1"/)
  assert.match(form.body, /name="periodStart-year" type="text" value="2019"|value="2019"/)
  assert.equal(
    (await one.post(`${href}/edit`, { title: 'Renamed', evidenceSources: 'fire risk assessment', published: 'true', version: a.version }))
      .status,
    303,
  )
  const conflict = await two.post(`${href}/edit`, { title: 'Renamed again', version: a.version })
  assert.equal(conflict.status, 409)
  assert.match(text(conflict.body), /This was changed by/)
  const h = await historyOf(t.db, 'strategic_assessment', a.id)
  assert.equal(h[0].before?.title, 'Hampshire Strategic Assessment of Community Safety 2019-20')
  assert.equal(h[0].after?.title, 'Renamed')
  assert.deepEqual(h[0].after?.evidence_sources, ['fire risk assessment'])
})

test('an unpublished assessment and its files are 404 to the public and visible to a viewer', async () => {
  const { p, a, base, href } = await setup({ published: false })
  await t.services.agreement.addAttachment(p.id, a.id, { filename: 'assessment.pdf', data: PDF }, systemActor)
  const [file] = await t.services.agreement.attachments(a.id)
  for (const c of [await clientAs(t, 'anonymous'), await clientAs(t, 'outsider')]) {
    assert.equal((await c.get(href)).status, 404)
    assert.equal((await c.get(`${href}/attachments/${file.id}`)).status, 404)
    assert.doesNotMatch(text((await c.get(`${base}/assessments/strategic`)).body), /Hampshire Strategic Assessment/)
    assert.equal((await c.get(`/api/v1/partnerships/${p.slug}/strategic-assessments/${a.id}`)).status, 404)
  }
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.equal((await viewer.get(href)).status, 200)
  assert.equal((await viewer.get(`${href}/attachments/${file.id}`)).status, 200)
  assert.equal((await viewer.get(`${href}/edit`)).status, 403)
})

test('an editor uploads a PDF marked public; anyone downloads it from the published assessment, byte for byte', async () => {
  const { p, a, href } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const res = await upload(
    c,
    `${href}/attachments`,
    { filename: 'Strategic assessment 2019–20.pdf', type: 'application/pdf', data: PDF },
    { sensitivity: 'public' },
  )
  assert.equal(res.status, 303)
  const [file] = await t.services.agreement.attachments(a.id)
  assert.equal(file.filename, 'Strategic assessment 2019–20.pdf')
  assert.equal(file.size_bytes, PDF.length)
  const page = await c.get(href)
  assert.match(text(page.body), /Strategic assessment 2019–20\.pdf uploaded/)
  assert.match(text(page.body), /Strategic assessment 2019–20\.pdf 1 KB/)

  const anon = await clientAs(t, 'anonymous')
  const dl = await t.app.inject({ method: 'GET', url: `${href}/attachments/${file.id}` })
  assert.equal(dl.statusCode, 200)
  assert.equal(dl.headers['content-type'], 'application/pdf')
  assert.match(
    String(dl.headers['content-disposition']),
    /^attachment; filename="Strategic assessment 2019_20\.pdf"; filename\*=UTF-8''Strategic%20assessment%202019%E2%80%9320\.pdf$/,
  )
  assert.ok(dl.rawPayload.equals(PDF))
  assert.equal((await anon.get(`${href}/attachments/${file.id + 1000}`)).status, 404)

  // Word and CSV are accepted too.
  assert.equal(
    (await upload(c, `${href}/attachments`, { filename: 'problem-profile.docx', data: DOCX }, { sensitivity: 'public' })).status,
    303,
  )
  assert.equal(
    (await upload(c, `${href}/attachments`, { filename: 'figures.CSV', type: 'text/csv', data: CSV }, { sensitivity: 'public' })).status,
    303,
  )
  const files = await t.services.agreement.attachments(a.id)
  assert.deepEqual(
    files.map((f) => f.content_type),
    ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'text/csv'],
  )
  const api = (await anon.get(`/api/v1/partnerships/${p.slug}/strategic-assessments/${a.id}`)).json()
  assert.equal(api.attachments.length, 3)
  assert.equal(api.attachments[0].href, `${href}/attachments/${file.id}`)

  // The audit trail records the file, not its bytes.
  const [h] = await historyOf(t.db, 'attachment', file.id)
  assert.equal(h.action, 'create')
  assert.equal(h.after?.filename, 'Strategic assessment 2019–20.pdf')
  assert.ok(JSON.stringify(h.after).length < 1000)
})

test('uploads of other types, empty files, files over 10 MB, fake PDFs and no file at all are refused with a clear message', async () => {
  const { p, a, href } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const cases: [Parameters<typeof upload>[2], RegExp][] = [
    [
      { filename: 'virus.exe', data: Buffer.from('MZ....') },
      /The selected file must be a PDF, Word document \(DOC or DOCX\), Excel spreadsheet \(XLS or XLSX\) or CSV file/,
    ],
    [{ filename: 'notes.txt', data: Buffer.from('hello') }, /The selected file must be a PDF/],
    [{ filename: 'empty.pdf', data: Buffer.alloc(0) }, /The selected file is empty/],
    [
      { filename: 'huge.pdf', data: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(10 * 1024 * 1024 + 10, 32)]) },
      /The selected file must be smaller than 10 MB/,
    ],
    [
      { filename: 'fake.pdf', data: Buffer.from('<html>not a pdf</html>') },
      /The selected file is not a real PDF: check that it opens, then upload it again/,
    ],
    [undefined, /Select a file to upload/],
  ]
  for (const [file, message] of cases) {
    const res = await upload(c, `${href}/attachments`, file)
    assert.equal(res.status, 400, String(message))
    assert.match(errorSummary(res.body), message)
    assert.match(res.body, /href="#file"/)
  }
  assert.equal((await t.services.agreement.attachments(a.id)).length, 0)
})

test('only editors upload and remove files, and uploads need the CSRF token', async () => {
  const { p, a, href } = await setup()
  const contributor = await clientAs(t, 'contributor', p.id)
  assert.equal((await upload(contributor, `${href}/attachments`, { filename: 'a.pdf', data: PDF })).status, 403)
  const editor = await clientAs(t, 'editor', p.id)
  assert.equal((await upload(editor, `${href}/attachments`, { filename: 'a.pdf', data: PDF }, { _csrf: 'forged' })).status, 403)
  assert.equal((await t.services.agreement.attachments(a.id)).length, 0)

  assert.equal((await upload(editor, `${href}/attachments`, { filename: 'a.pdf', data: PDF })).status, 303)
  const [file] = await t.services.agreement.attachments(a.id)
  assert.equal((await contributor.post(`${href}/attachments/${file.id}/delete`, { version: file.version })).status, 403)
  const removed = await editor.post(`${href}/attachments/${file.id}/delete`, { version: file.version })
  assert.equal(removed.status, 303)
  assert.equal((await t.services.agreement.attachments(a.id)).length, 0)
  const [h] = await historyOf(t.db, 'attachment', file.id)
  assert.equal(h.action, 'delete')
  assert.ok(JSON.stringify(h.before).length < 1000)
})

test('the strategic assessment API lists, adds, reads and changes assessments', async () => {
  const p = await makePartnership(t.services, { published: true })
  const c = await clientAs(t, 'editor', p.id)
  const api = `/api/v1/partnerships/${p.slug}/strategic-assessments`
  const created = await c.request('POST', api, {
    json: {
      title: 'Assessment 2020',
      periodStart: '2020-04-01',
      periodEnd: '2021-03-31',
      evidenceSources: ['force strategic assessment', 'counter-terrorism local profile'],
      published: true,
    },
  })
  assert.equal(created.status, 201)
  assert.deepEqual(created.json().evidenceSources, ['force strategic assessment', 'counter-terrorism local profile'])
  const bad = await c.request('POST', api, { json: { title: 'Bad', evidenceSources: ['tea leaves'] } })
  assert.equal(bad.status, 400)
  assert.equal(bad.json().errors.evidenceSources, 'Select evidence sources from the list')
  const list = await (await clientAs(t, 'anonymous')).get(api)
  assert.equal(list.json().length, 1)
  const changed = await c.request('PUT', `${api}/${created.json().id}`, {
    json: { title: 'Assessment 2020-21', version: created.json().version },
  })
  assert.equal(changed.status, 200)
  assert.equal(changed.json().title, 'Assessment 2020-21')
  assert.equal((await (await clientAs(t, 'anonymous')).request('POST', api, { json: { title: 'No' } })).status, 401)
})

test('a version of the agreement can be based on the assessment, and the assessment lists it', async () => {
  const { p, a, href } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const form = await c.get(`/partnerships/${p.slug}/agreement/versions/new`)
  assert.match(form.body, new RegExp(`<option value="${a.id}"[^>]*>Hampshire Strategic Assessment`))
  const res = await c.post(`/partnerships/${p.slug}/agreement/versions/new`, {
    copyFrom: '0',
    title: 'Agreement',
    strategicAssessmentId: String(a.id),
  })
  assert.equal(res.status, 303)
  assert.match(
    text((await c.get(res.headers.location)).body),
    /Strategic assessment Hampshire Strategic Assessment of Community Safety 2019-20/,
  )
  assert.match(text((await c.get(href)).body), /Agreement versions based on it Version 1: Agreement/)
  const other = await setup()
  const wrong = await c.post(`/partnerships/${p.slug}/agreement/versions/new`, {
    copyFrom: '0',
    title: 'Agreement',
    strategicAssessmentId: String(other.a.id),
  })
  assert.equal(wrong.status, 400)
  assert.match(errorSummary(wrong.body), /Select one of this partnership(&#39;|')s strategic assessments from the list/)
})

test('attachments arrive through the platform: a program renamed .pdf and two files at once are refused, and no upload is left on disk', async () => {
  const { p, a, href } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0, 3, 0, 0, 0, 4, 0]), Buffer.alloc(4096, 7)])
  const disguised = await upload(c, `${href}/attachments`, { filename: 'minutes.pdf', data: exe })
  assert.equal(disguised.status, 400)
  assert.match(errorSummary(disguised.body), /The selected file is not a real PDF: check that it opens, then upload it again/)
  const two = await postFiles(t, c, `${href}/attachments`, 'file', [
    { filename: 'a.pdf', data: PDF },
    { filename: 'b.pdf', data: PDF },
  ])
  assert.equal(two.status, 400)
  assert.match(errorSummary(two.body), /Choose only one file/)
  assert.equal((await t.services.agreement.attachments(a.id)).length, 0)
  assert.equal((await upload(c, `${href}/attachments`, { filename: 'a.pdf', data: PDF })).status, 303)
  assert.equal((await t.services.agreement.attachments(a.id)).length, 1)
  assert.deepEqual(uploadsLeft(t.config.dataDir), [])
})
