/**
 * The Import page's limits, on an app whose limits are lowered through its settings: archives that unpack to far
 * more than they weigh, entries whose names leave the folder, too many files, too much at once, disguised files.
 * Each is refused with the GOV.UK error summary (or, found while unpacking, in the import's results), leaves nothing
 * on disk, and leaves the data loaded before as it was.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import type { TestApp, Client } from '../../test/helpers.ts'
import { clientAs, makePartnership, text, errorSummary } from '../../test/helpers.ts'
import { testAppWithGeography, importFiles, FIXTURES, snapshot, writeZip, tempFiles } from '../../test/crime-helpers.ts'
import { postFiles, listing } from '../../test/upload-helpers.ts'

const MB = 1024 * 1024
let t: TestApp
let editor: Client
let loaded: Awaited<ReturnType<typeof snapshot>>
const files = tempFiles({})
const street = fs.readFileSync(path.join(FIXTURES, '2019-01-west-mercia-street.csv'))
const searches = fs.readFileSync(path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv'))

before(async () => {
  t = await testAppWithGeography({ uploadMaxFiles: 3, uploadTotalLimitMb: 1, zipMaxEntryMb: 5 })
  const p = await makePartnership(t.services, { published: true })
  editor = await clientAs(t, 'editor', p.id)
  await importFiles(t, [path.join(FIXTURES, '2019-01-west-mercia-street.csv')])
  loaded = await snapshot(t)
  assert.ok(loaded.parts.length > 0)
})
after(async () => {
  await t.close()
  files.remove()
})

const upload = (list: { filename: string; data: Buffer }[]) => postFiles(t, editor, '/crime/import', 'files', list)
function zip(entries: Parameters<typeof writeZip>[1]) {
  const p = files.path(`${crypto.randomBytes(4).toString('hex')}.zip`)
  writeZip(p, entries)
  return fs.readFileSync(p)
}

/** Refused with a 400, the message in the error summary; nothing left under the data folder; the data as it was. */
async function refused(list: { filename: string; data: Buffer }[], message: string) {
  const before = listing(t.config.dataDir)
  const data = await snapshot(t)
  const res = await upload(list)
  assert.equal(res.status, 400, res.body.slice(0, 500))
  assert.equal(text(errorSummary(res.body)), `There is a problem ${message}`)
  assert.match(res.body, /href="#files"/)
  assert.deepEqual(listing(t.config.dataDir), before, 'nothing is left under the data folder')
  assert.deepEqual(await snapshot(t), data, 'the data loaded before is unchanged')
}

test('a 50 KB zip whose entry unpacks to 50 MB of zeros is refused before anything is unpacked', async () => {
  const zeros = Buffer.alloc(50 * MB)
  const packed = zlib.deflateRawSync(zeros).length
  const data = zip([
    { name: '2019-01/2019-01-west-mercia-street.csv', data: zeros },
    { name: '2019-01/2019-01-city-of-london-stop-and-search.csv', data: searches },
  ])
  assert.ok(data.length < 60 * 1024)
  await refused(
    [{ filename: 'police-uk-2019-01.zip', data }],
    `2019-01/2019-01-west-mercia-street.csv in police-uk-2019-01.zip is ${Math.round(packed / 1024)} KB packed but unpacks to 50 MB, ${Math.round((50 * MB) / packed).toLocaleString('en-GB')} times its size (the most Safer allows is 100 times). It may have been built to fill the disk, so nothing was imported from it.`,
  )
})

test('an entry larger than the setting (SAFER_ZIP_MAX_ENTRY_MB, here 5) is refused', async () => {
  const rows = Buffer.from(
    Array.from({ length: 90_000 }, (_, i) => `${i},2019-01,West Mercia Police,On or near Parking Area,E0101${(i * 7919) % 10000}\n`).join(
      '',
    ),
  )
  assert.ok(rows.length > 5 * MB && rows.length < 7 * MB)
  const data = zip([{ name: '2019-01-west-mercia-street.csv', data: rows }])
  assert.ok(data.length < 1 * MB, 'the archive itself is under the upload limit')
  await refused(
    [{ filename: 'big.zip', data }],
    `2019-01-west-mercia-street.csv in big.zip unpacks to ${(rows.length / MB).toFixed(1)} MB, more than the 5 MB Safer unpacks from one file. Nothing was imported from it.`,
  )
})

test('an archive holding ../../evil.csv is refused with the archive and the entry named', async () => {
  const data = zip([
    { name: '2019-01/2019-01-city-of-london-stop-and-search.csv', data: searches },
    { name: '../../evil.csv', data: street },
  ])
  await refused(
    [{ filename: 'police-uk.zip', data }],
    'police-uk.zip cannot be imported: it holds "../../evil.csv", a file that would be unpacked outside its folder. Nothing was imported.',
  )
  assert.ok(!fs.existsSync(path.resolve(t.config.dataDir, '../evil.csv')))
})

test('more files than allowed (SAFER_UPLOAD_MAX_FILES, here 3) are refused', async () => {
  const four = [1, 2, 3, 4].map((n) => ({ filename: `2019-0${n}-west-mercia-street.csv`, data: street }))
  await refused(four, 'Choose at most 3 files')
})

test('files together over the limit per upload (SAFER_UPLOAD_TOTAL_LIMIT_MB, here 1) are refused', async () => {
  const half = Buffer.concat([street, Buffer.alloc(600 * 1024, '\n')])
  await refused(
    [
      { filename: '2019-01-west-mercia-street.csv', data: half },
      { filename: '2019-02-west-mercia-street.csv', data: half },
    ],
    'The files together are larger than 1 MB. Import large archives with the command line: safer import police-uk FILE',
  )
})

test('a program renamed .csv, and a zip that is not one, are refused by their content', async () => {
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0, 3, 0, 0, 0]), crypto.randomBytes(4096)])
  await refused(
    [{ filename: '2019-01-west-mercia-street.csv', data: exe }],
    '2019-01-west-mercia-street.csv is not a real CSV file: check that it opens, then upload it again',
  )
  await refused(
    [{ filename: 'police-uk.zip', data: street }],
    'police-uk.zip is not a real zip file: check that it opens, then upload it again',
  )
})

test('an entry that unpacks to more than its archive declares is stopped while unpacking and refused in the results', async () => {
  const data = zip([
    {
      name: '2019-02/2019-02-west-mercia-street.csv',
      data: Buffer.concat([street, Buffer.alloc(20 * MB, '\n')]),
      declaredSize: street.length,
    },
    { name: '2019-01/2019-01-city-of-london-stop-and-search.csv', data: searches },
  ])
  const before = listing(t.config.dataDir)
  const res = await upload([{ filename: 'police-uk.zip', data }])
  assert.equal(res.status, 303, res.body.slice(0, 500))
  const id = Number(/\/crime\/imports\/(\d+)/.exec(res.headers.location as string)![1])
  let run = await t.services.crime.importRun(id)
  for (let i = 0; i < 400 && run.status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 50))
    run = await t.services.crime.importRun(id)
  }
  assert.equal(run.status, 'finished')
  const page = text((await editor.get(`/crime/imports/${id}`)).body)
  assert.match(page, /1 imported, 0 unchanged, 0 skipped, 1 refused/)
  assert.ok(
    page.includes(
      `2019-02/2019-02-west-mercia-street.csv in police-uk.zip unpacks to more than the ${(street.length / 1024).toFixed(1)} KB the archive says it holds: the archive is damaged or was built to fill the disk. Nothing was imported from it.`,
    ),
    page,
  )
  assert.deepEqual(
    listing(t.config.dataDir).filter((p) => !p.startsWith('analytics/safer.duckdb')),
    before.filter((p) => !p.startsWith('analytics/safer.duckdb')),
  )
  const after = await snapshot(t)
  assert.deepEqual(
    after.parts.filter((p) => p.force === 'west-mercia'),
    loaded.parts,
    'the west-mercia data loaded before is as it was',
  )
})

test('the Import page states the limits it applies', async () => {
  const page = text((await editor.get('/crime/import')).body)
  assert.match(page, /CSV or zip files, up to 2,048 MB each and 1 MB in all\./)
})
