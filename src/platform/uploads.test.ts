/**
 * receiveFiles, the one way a capability receives files: on a small app of its own (the platform's upload set-up and
 * one route that takes files), then every route of the real app that takes files is checked for the CSRF token
 * before it writes anything.
 */
import { test, after, mock } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { setUpUploads, receiveFiles, fileTypeOf, sweepUploads, acceptedList, type ReceiveOptions, type Upload } from './uploads.ts'
import { ValidationError } from './errors.ts'
import { multipart, uploadsLeft, type Part } from '../../test/upload-helpers.ts'
import { testApp, clientAs, makePartnership } from '../../test/helpers.ts'

const MB = 1024 * 1024
const TOKEN = 'the-csrf-token'
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(20_000), Buffer.from('\n%%EOF\n')])
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(3000)])
const CSV = Buffer.from('district,offences\nBasingstoke and Deane,9120\n')
/** A Windows program: "MZ", then the bytes of its header. */
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0, 3, 0, 0, 0, 4, 0]), crypto.randomBytes(20_000)])
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')

const dirs: string[] = []
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

interface Mini {
  app: FastifyInstance
  dataDir: string
  kept: Upload[]
}

/** An app with the platform's upload set-up, a route taking files with these options, and a form route that does not. */
async function mini(
  opts: Partial<ReceiveOptions> = {},
  settings: { uploadLimitMb?: number; uploadTotalLimitMb?: number; uploadMaxFiles?: number; diskMarginMb?: number } = {},
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-uploads-')),
): Promise<Mini> {
  dirs.push(dataDir)
  const app = Fastify()
  app.decorateRequest('viaApiToken', false)
  app.decorateRequest('csrfToken', '')
  app.addHook('onRequest', async (request) => {
    request.csrfToken = TOKEN
  })
  await setUpUploads(app, { dataDir, uploadLimitMb: 2048, uploadTotalLimitMb: 2048, uploadMaxFiles: 2000, diskMarginMb: 0, ...settings })
  const kept: Upload[] = []
  const options: ReceiveOptions = { field: 'files', accept: ['pdf', 'docx', 'xlsx', 'csv', 'png', 'jpeg'], ...opts }
  app.post('/upload', { config: { uploads: true } }, async (request) => {
    const upload = await receiveFiles(request, options)
    if (upload.fields.keep) {
      upload.keep()
      kept.push(upload)
    }
    return {
      fields: upload.fields,
      files: upload.files.map(({ path: p, ...f }) => ({
        ...f,
        content: fs.readFileSync(p).toString('base64'),
        under: path.relative(dataDir, p).split(path.sep).slice(0, 2).join('/'),
      })),
    }
  })
  app.post('/form', async () => 'a form without files')
  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    reply.code(err.statusCode ?? 500).send({ message: err.message, errors: err instanceof ValidationError ? err.fields : undefined })
  })
  await app.ready()
  return { app, dataDir, kept }
}

async function send(m: Mini, parts: Part[], url = '/upload', headers: Record<string, string> = {}) {
  const { payload, contentType } = multipart(parts)
  const res = await m.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, ...headers } })
  return { status: res.statusCode, json: () => res.json() }
}
const csrf: Part = { name: '_csrf', value: TOKEN }
const file = (filename: string, data: Buffer): Part => ({ name: 'files', filename, data })

test('files are streamed to SAFER_DATA_DIR/files/uploads, hashed and typed, then removed once the answer is sent', async () => {
  const m = await mini()
  const res = await send(m, [
    csrf,
    { name: 'note', value: 'for the committee' },
    file('Strategic assessment 2019–20.pdf', PDF),
    file('chart.png', PNG),
    file('figures.CSV', CSV),
  ])
  assert.equal(res.status, 200)
  const body = res.json()
  assert.deepEqual(body.fields, { _csrf: TOKEN, note: 'for the committee' })
  assert.deepEqual(
    body.files.map((f: any) => [f.filename, f.bytes, f.sha256, f.type, f.contentType, f.under]),
    [
      ['Strategic assessment 2019–20.pdf', PDF.length, sha256(PDF), 'pdf', 'application/pdf', 'files/uploads'],
      ['chart.png', PNG.length, sha256(PNG), 'png', 'image/png', 'files/uploads'],
      ['figures.CSV', CSV.length, sha256(CSV), 'csv', 'text/csv', 'files/uploads'],
    ],
  )
  assert.deepEqual(
    body.files.map((f: any) => Buffer.from(f.content, 'base64')),
    [PDF, PNG, CSV],
  )
  assert.deepEqual(uploadsLeft(m.dataDir), [])
})

test('a capability that keeps the files has them after the answer, until it removes them', async () => {
  const m = await mini()
  assert.equal((await send(m, [csrf, { name: 'keep', value: 'yes' }, file('a.csv', CSV)])).status, 200)
  const [upload] = m.kept
  assert.deepEqual(fs.readFileSync(upload.files[0].path), CSV)
  upload.remove()
  assert.deepEqual(uploadsLeft(m.dataDir), [])
})

test('without the CSRF token, or with a wrong one, or with the token after the file, nothing is written', async () => {
  const m = await mini()
  const writes = mock.method(fs, 'createWriteStream')
  try {
    for (const parts of [[file('a.pdf', PDF)], [{ name: '_csrf', value: 'forged' }, file('a.pdf', PDF)], [file('a.pdf', PDF), csrf]]) {
      const res = await send(m, parts)
      assert.equal(res.status, 403)
      assert.match(res.json().message, /This form has expired or did not come from Safer/)
    }
    assert.equal(writes.mock.callCount(), 0)
  } finally {
    writes.mock.restore()
  }
  assert.deepEqual(uploadsLeft(m.dataDir), [])
  // The token in the x-csrf-token header (as scripts send it) is accepted.
  assert.equal((await send(m, [file('a.pdf', PDF)], '/upload', { 'x-csrf-token': TOKEN })).status, 200)
})

test('more files than allowed are refused: "Choose at most 2 files"', async () => {
  const m = await mini({ maxFiles: 2 })
  const res = await send(m, [csrf, file('a.csv', CSV), file('b.csv', CSV), file('c.csv', CSV)])
  assert.equal(res.status, 400)
  assert.deepEqual(res.json().errors, { files: 'Choose at most 2 files' })
  assert.deepEqual(uploadsLeft(m.dataDir), [])
  // The site's own setting caps a form's: 1 file.
  const site = await mini({ maxFiles: 5 }, { uploadMaxFiles: 1 })
  assert.deepEqual((await send(site, [csrf, file('a.csv', CSV), file('b.csv', CSV)])).json().errors, { files: 'Choose only one file' })
})

test('files over the per-request total are refused, while streaming or, when the body says its length, before reading', async () => {
  const m = await mini({ maxTotalBytes: 1 * MB, advice: 'Send large files another way.' })
  const half = Buffer.concat([Buffer.from('a,b\n'), Buffer.alloc(600 * 1024, 'x')])
  const res = await send(m, [csrf, file('a.csv', half), file('b.csv', half)])
  assert.equal(res.status, 400)
  assert.deepEqual(res.json().errors, { files: 'The files together are larger than 1 MB. Send large files another way.' })
  assert.deepEqual(uploadsLeft(m.dataDir), [])

  const writes = mock.method(fs, 'createWriteStream')
  try {
    const big = await send(m, [csrf, file('a.csv', Buffer.concat([half, half, half, half]))])
    assert.equal(big.status, 400)
    assert.deepEqual(big.json().errors, { files: 'The files together are larger than 1 MB. Send large files another way.' })
    assert.equal(writes.mock.callCount(), 0)
  } finally {
    writes.mock.restore()
  }
  // The site's setting (SAFER_UPLOAD_TOTAL_LIMIT_MB) caps a form's.
  const site = await mini({ maxTotalBytes: 100 * MB }, { uploadTotalLimitMb: 1 })
  assert.deepEqual((await send(site, [csrf, file('a.csv', half), file('b.csv', half)])).json().errors, {
    files: 'The files together are larger than 1 MB.',
  })
})

test('a file over the per-file limit is refused, named when the form takes several', async () => {
  const m = await mini({ maxFileBytes: 100 * 1024 })
  const res = await send(m, [csrf, file('small.csv', CSV), file('large.csv', Buffer.alloc(200 * 1024, 'x'))])
  assert.deepEqual(res.json().errors, { files: 'large.csv is larger than 100 KB, the most one file may be.' })
  const one = await mini({ maxFileBytes: 100 * 1024, maxFiles: 1 })
  assert.deepEqual((await send(one, [csrf, file('large.csv', Buffer.alloc(200 * 1024, 'x'))])).json().errors, {
    files: 'The selected file must be smaller than 100 KB',
  })
  // A body far over the one file's limit is refused before it is read.
  const writes = mock.method(fs, 'createWriteStream')
  try {
    assert.deepEqual((await send(one, [csrf, file('huge.csv', Buffer.alloc(3 * MB, 'x'))])).json().errors, {
      files: 'The selected file must be smaller than 100 KB',
    })
  } finally {
    writes.mock.restore()
  }
  assert.equal(writes.mock.callCount(), 0)
  assert.deepEqual(uploadsLeft(m.dataDir), [])
  assert.deepEqual(uploadsLeft(one.dataDir), [])
})

test('a program renamed .pdf, a file of a type not accepted, and an empty file are refused by their content', async () => {
  const m = await mini()
  const cases: [Part[], string][] = [
    [[file('minutes.pdf', EXE)], 'minutes.pdf is not a real PDF: check that it opens, then upload it again'],
    [[file('setup.exe', EXE)], 'setup.exe is not a PDF, Word document, Excel spreadsheet, CSV or image (PNG or JPEG) file'],
    [[file('figures.csv', EXE)], 'figures.csv is not a real CSV file: check that it opens, then upload it again'],
    [[file('photo.jpg', PNG)], 'photo.jpg is not a real JPEG image: check that it opens, then upload it again'],
    [[file('report.docx', PDF)], 'report.docx is not a real Word document: check that it opens, then upload it again'],
    [[file('a.csv', CSV), file('empty.csv', Buffer.alloc(0))], 'empty.csv is empty'],
  ]
  for (const [parts, message] of cases) {
    const res = await send(m, [csrf, ...parts])
    assert.equal(res.status, 400, message)
    assert.deepEqual(res.json().errors, { files: message })
  }
  assert.deepEqual(uploadsLeft(m.dataDir), [])
})

test('types are judged from the first bytes: the list of what a form accepts, and each signature', () => {
  assert.equal(
    acceptedList(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'csv']),
    'a PDF, Word document (DOC or DOCX), Excel spreadsheet (XLS or XLSX) or CSV file',
  )
  assert.equal(acceptedList(['csv', 'zip']), 'a CSV or zip file')
  assert.equal(acceptedList(['xlsx']), 'an Excel spreadsheet file')
  const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])
  const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0])
  const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])
  const all = ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'csv', 'txt', 'png', 'jpeg', 'zip'] as const
  const kinds: [string, Buffer, string | undefined][] = [
    ['a.pdf', PDF, 'pdf'],
    ['a.doc', OLE, 'doc'],
    ['a.docx', ZIP, 'docx'],
    ['a.xls', OLE, 'xls'],
    ['a.xlsx', ZIP, 'xlsx'],
    ['a.csv', CSV, 'csv'],
    ['a.txt', CSV, 'txt'],
    ['a.png', PNG, 'png'],
    ['a.jpeg', JPEG, 'jpeg'],
    ['a.JPG', JPEG, 'jpeg'],
    ['a.zip', ZIP, 'zip'],
    ['a.doc', ZIP, undefined],
    ['a.xlsx', OLE, undefined],
    ['a.csv', ZIP, undefined],
    ['a.csv', PDF, undefined],
    ['a.txt', Buffer.from('a\0b'), undefined],
    ['a.zip', PDF, undefined],
    ['a.png', JPEG, undefined],
  ]
  for (const [name, head, kind] of kinds) {
    const t = fileTypeOf(name, head, [...all], name)
    assert.equal('kind' in t ? t.kind : undefined, kind, name)
  }
})

test('a multipart body sent to a route that takes no files is refused unread (415)', async () => {
  const m = await mini()
  const writes = mock.method(fs, 'createWriteStream')
  try {
    const res = await send(m, [csrf, file('a.pdf', PDF)], '/form')
    assert.equal(res.status, 415)
  } finally {
    writes.mock.restore()
  }
  assert.equal(writes.mock.callCount(), 0)
})

test('a form with no file chosen gets the message the capability gives', async () => {
  const m = await mini({ required: 'Select a file to upload' })
  const empty = await send(m, [csrf, { name: 'files', filename: '', data: Buffer.alloc(0) }])
  assert.equal(empty.status, 400)
  assert.deepEqual(empty.json().errors, { files: 'Select a file to upload' })
})

test('an upload is refused before it is read when the disk would be left nearly full', async () => {
  const m = await mini({}, { diskMarginMb: 1024 * 1024 * 1024 })
  const writes = mock.method(fs, 'createWriteStream')
  try {
    const res = await send(m, [csrf, file('a.csv', CSV)])
    assert.equal(res.status, 400)
    assert.deepEqual(res.json().errors, {
      files: 'The server does not have enough free disk space for this upload. Try again later, or tell the site administrator.',
    })
  } finally {
    writes.mock.restore()
  }
  assert.equal(writes.mock.callCount(), 0)
})

test('an upload cut off part-way (the browser closed) leaves nothing on disk', async () => {
  const m = await mini()
  await m.app.listen({ port: 0, host: '127.0.0.1' })
  try {
    const { port } = m.app.server.address() as { port: number }
    const boundary = '----cut'
    const start = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${TOKEN}\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.csv"\r\n\r\na,b\n`,
    )
    const req = http.request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(start.length + 10 * MB) },
    })
    req.on('error', () => {})
    req.write(start)
    req.write(Buffer.alloc(512 * 1024, 'x'))
    // Wait until the file is being written, then cut the connection.
    for (let i = 0; i < 200 && !uploadsLeft(m.dataDir).some((p) => p.endsWith('big.csv')); i++) await new Promise((r) => setTimeout(r, 10))
    assert.ok(
      uploadsLeft(m.dataDir).some((p) => p.endsWith('big.csv')),
      'the file was being written',
    )
    req.destroy()
    for (let i = 0; i < 200 && uploadsLeft(m.dataDir).length; i++) await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(uploadsLeft(m.dataDir), [])
  } finally {
    await m.app.close()
  }
})

test('at start-up, temporary uploads older than a day are removed and newer ones kept', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-uploads-'))
  const dir = path.join(dataDir, 'files/uploads')
  for (const name of ['old', 'new']) {
    fs.mkdirSync(path.join(dir, name, '1'), { recursive: true })
    fs.writeFileSync(path.join(dir, name, '1/a.csv'), CSV)
  }
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000)
  fs.utimesSync(path.join(dir, 'old'), twoDaysAgo, twoDaysAgo)
  await mini({}, {}, dataDir)
  assert.deepEqual(uploadsLeft(dataDir), ['new', 'new/1', 'new/1/a.csv'])
  assert.deepEqual(sweepUploads(dir, 0, Date.now() + 1000), ['new'])
})

test('every route of the app that takes files refuses a body without the CSRF token before writing anything', async () => {
  const t = await testApp()
  try {
    const p = await makePartnership(t.services, { published: true })
    const admin = await clientAs(t, 'site-admin')
    await admin.get('/sign-in')
    assert.ok(t.app.uploadRoutes.length >= 2, 'the agreement attachments and the crime Import page take files')
    const writes = mock.method(fs, 'createWriteStream')
    try {
      for (const route of t.app.uploadRoutes) {
        const url = route.url.replace(':partnership', p.slug).replace(/:[A-Za-z]+/g, '1')
        const { payload, contentType } = multipart([
          { name: 'file', filename: 'a.csv', data: CSV },
          { name: 'files', filename: 'a.csv', data: CSV },
        ])
        const res = await t.app.inject({
          method: route.method as any,
          url,
          payload,
          headers: { 'content-type': contentType, cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        })
        assert.equal(res.statusCode, 403, `${route.method} ${route.url}: ${res.body.slice(0, 200)}`)
      }
    } finally {
      writes.mock.restore()
    }
    assert.equal(writes.mock.callCount(), 0)
    assert.deepEqual(uploadsLeft(t.config.dataDir), [])
  } finally {
    await t.close()
  }
})
