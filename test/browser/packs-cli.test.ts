/** `safer pack MEETING --out FILE.pdf`, run as a user would run it, on a database of its own (real Chromium). */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { openDatabase } from '../../src/platform/db/index.ts'
import { migrate } from '../../src/platform/db/migrate.ts'
import { loadConfig } from '../../src/config.ts'
import { services as buildServices } from '../../src/services.ts'
import { systemActor } from '../../src/platform/audit.ts'

const root = path.resolve(import.meta.dirname, '../..')
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-pack-cli-'))
let meetingId = 0
let unpublishedId = 0

function safer(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/safer.js'), ...args], {
    env: { ...process.env, SAFER_DATA_DIR: dataDir, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 180_000,
  })
  return { status: res.status, out: res.stdout + res.stderr }
}

before(async () => {
  const db = await openDatabase({ dataDir })
  await migrate(db)
  const config = loadConfig({}, { dataDir, logLevel: 'silent', duckdbMemory: '256MB' })
  const s = await buildServices(db, config)
  try {
    const council = await s.partnerships.create(
      { slug: 'hampshire-cc', name: 'Hampshire County Council', kind: 'council', published: true },
      systemActor,
    )
    const body = await s.scrutiny.createCommittee(
      council.id,
      { name: 'Policy and Resources Select Committee', type: 'select committee' },
      systemActor,
    )
    const m = await s.scrutiny.createMeeting(
      council.id,
      { bodyId: body.id, date: '2019-11-14', startTime: '10:00', place: 'The Castle, Winchester', status: 'confirmed' },
      systemActor,
    )
    const item = await s.scrutiny.addItem(council.id, m.id, { title: 'County agreement' }, systemActor)
    const doc = await PDFDocument.create()
    const font = await doc.embedFont(StandardFonts.Helvetica)
    for (let i = 0; i < 3; i++) doc.addPage([595, 842]).drawText(`Agreement page ${i + 1}`, { x: 72, y: 700, size: 14, font })
    await s.proceedings.addDocument(
      council.id,
      m.id,
      item.id,
      { filename: 'agreement.pdf', data: Buffer.from(await doc.save()) },
      systemActor,
    )
    const { meeting } = await s.scrutiny.meeting(council.id, m.id, { member: true })
    await s.scrutiny.updateMeeting(
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
    meetingId = m.id
    unpublishedId = (
      await s.scrutiny.createMeeting(
        council.id,
        { bodyId: body.id, date: '2019-12-14', startTime: '10:00', place: 'The Castle', status: 'confirmed' },
        systemActor,
      )
    ).id
  } finally {
    await s.analytics.close()
    await db.close()
  }
})
after(() => fs.rmSync(dataDir, { recursive: true, force: true }))

test('safer pack writes the public pack, saying which meeting, how many pages and bytes', () => {
  const file = path.join(dataDir, 'out', 'pack.pdf')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const res = safer(['pack', String(meetingId), '--out', file])
  assert.equal(res.status, 0, res.out)
  assert.match(res.out, /Meeting \d+: Policy and Resources Select Committee, .*14 November 2019.* \(Hampshire County Council\)/)
  assert.match(res.out, /Rendering: \d+ of \d+ parts/)
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1])
  // The agenda, then the 3-page appendix on an odd page.
  assert.ok(pages >= 4)
  assert.match(res.out, new RegExp(`: ${pages} pages, ${fs.statSync(file).size.toLocaleString('en-GB')} bytes`))
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })
  assert.match(text, /Agreement page 3/)
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['pack.pdf'], 'no temporary file is left')
})

test('safer pack: an unknown meeting, an unpublished agenda and a missing browser each say so, exit 1, and write nothing', () => {
  const file = path.join(dataDir, 'none.pdf')
  const unknown = safer(['pack', '99999', '--out', file])
  assert.equal(unknown.status, 1, unknown.out)
  assert.match(unknown.out, /There is no meeting 99999 in a published council workspace/)
  const unpublished = safer(['pack', String(unpublishedId), '--out', file])
  assert.equal(unpublished.status, 1, unpublished.out)
  assert.match(unpublished.out, /agenda is not published yet/)
  const noBrowser = safer(['pack', String(meetingId), '--out', file], { CHROMIUM_PATH: '/nonexistent/chromium' })
  assert.equal(noBrowser.status, 1, noBrowser.out)
  assert.match(noBrowser.out, /PDFs need Chromium, which is not installed on this server/)
  assert.equal(fs.existsSync(file), false)
})
