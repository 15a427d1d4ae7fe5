/**
 * The Import page: an analyst uploads police.uk files (several CSVs or a zip), watches the import's progress, then
 * reads the same summary the command line prints. Uploads are streamed to disk, checked for the CSRF token before
 * any file is saved, and refused before they are read for people who may not import.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { TestApp, Client } from '../../test/helpers.ts'
import { clientAs, makePartnership, text, errorSummary } from '../../test/helpers.ts'
import { postFiles, uploadsLeft as uploadsLeftIn } from '../../test/upload-helpers.ts'
import { testAppWithGeography, importFiles, FIXTURES, csvObjects, snapshot, writeZip, tempFiles } from '../../test/crime-helpers.ts'

let t: TestApp
let editor: Client
before(async () => {
  t = await testAppWithGeography()
  const p = await makePartnership(t.services, { published: true })
  editor = await clientAs(t, 'editor', p.id)
})
after(async () => {
  await t.close()
})

async function finished(id: number) {
  for (let i = 0; i < 200; i++) {
    const r = await t.services.crime.importRun(id)
    if (r.status !== 'running') return r
    await new Promise((res) => setTimeout(res, 50))
  }
  throw new Error('the import did not finish')
}

const upload = (c: Client, files: { filename: string; data: Buffer }[], opts: { csrf?: string | null } = {}) =>
  postFiles(t, c, '/crime/import', 'files', files, opts)
const uploadsLeft = () => uploadsLeftIn(t.config.dataDir)

const street = { filename: '2019-01-west-mercia-street.csv', data: fs.readFileSync(path.join(FIXTURES, '2019-01-west-mercia-street.csv')) }
const searches = {
  filename: '2019-01-city-of-london-stop-and-search.csv',
  data: fs.readFileSync(path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv')),
}

test('an editor uploads two CSV files; the import runs, shows its progress, then the summary; the data is counted', async () => {
  // Files of this test's own (one location reworded, one search's time moved a second): imported, not "unchanged",
  // whichever tests imported the fixtures before; the counts are the same.
  const ownStreet = {
    ...street,
    data: Buffer.from(street.data.toString('utf8').replace('On or near Prospect Place', 'On or near Prospect Place (web upload)')),
  }
  const ownSearches = {
    ...searches,
    data: Buffer.from(searches.data.toString('utf8').replace('2019-01-01T02:48:45+00:00', '2019-01-01T02:48:46+00:00')),
  }
  assert.notDeepEqual([ownStreet.data, ownSearches.data], [street.data, searches.data])
  const res = await upload(editor, [ownStreet, ownSearches])
  assert.equal(res.status, 303, res.body)
  const id = Number(/\/crime\/imports\/(\d+)/.exec(res.headers.location as string)![1])
  const progress = await editor.get(`/crime/imports/${id}`)
  assert.equal(progress.status, 200)
  const run = await finished(id)
  assert.equal(run.status, 'finished')
  assert.equal(run.source, 'web')
  const page = text((await editor.get(`/crime/imports/${id}`)).body)
  assert.match(page, /2 imported, 0 unchanged, 0 skipped, 0 refused/)
  assert.match(page, /2019-01-west-mercia-street\.csv Street-level crime west-mercia 2019-01 13/)
  const json = (await editor.get(`/api/v1/crime/imports/${id}`)).json()
  assert.equal(json.status, 'finished')
  assert.equal(json.results.length, 2)
  const counts = (await editor.get('/api/v1/crime/counts?area=west-mercia&group=month')).json()
  const rows = csvObjects(path.join(FIXTURES, '2019-01-west-mercia-street.csv'))
  const ids = rows.map((r) => r['Crime ID']).filter(Boolean)
  assert.equal(counts.rows[0].count, rows.length - (ids.length - new Set(ids).size))
  assert.deepEqual(uploadsLeft(), [], 'uploaded files are removed when the import ends')
})

test('a zip upload imports the files inside; a refused file is shown with its problems, line by line', async () => {
  const files = tempFiles({})
  const zip = files.path('upload.zip')
  const bad = street.data.toString('utf8').replace('a02,2019-01', 'a02,2019-1')
  writeZip(zip, [
    { name: '2019-01/2019-01-west-mercia-street.csv', data: Buffer.from(bad) },
    { name: '2019-01/2019-01-city-of-london-stop-and-search.csv', data: searches.data },
  ])
  // The searches file is loaded already (so it is "unchanged"), whichever tests ran before.
  await importFiles(t, [path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv')])
  const before = await snapshot(t)
  const res = await upload(editor, [{ filename: 'police-uk-2019-01.zip', data: fs.readFileSync(zip) }])
  files.remove()
  const id = Number(/\/crime\/imports\/(\d+)/.exec(res.headers.location as string)![1])
  await finished(id)
  const page = text((await editor.get(`/crime/imports/${id}`)).body)
  assert.match(page, /0 imported, 1 unchanged, 0 skipped, 1 refused/)
  assert.match(page, /2019-01\/2019-01-west-mercia-street\.csv in police-uk-2019-01\.zip was not imported: one line has a problem/)
  assert.match(page, /2019-01\/2019-01-west-mercia-street\.csv in police-uk-2019-01\.zip:3: Month "2019-1" is not a month written YYYY-MM/)
  assert.deepEqual(await snapshot(t), before)
})

test('files that are not CSV or zip, and no files at all, are refused with the GOV.UK error summary', async () => {
  const wrong = await upload(editor, [{ filename: 'crimes.xlsx', data: Buffer.from('PK...') }])
  assert.equal(wrong.status, 400)
  assert.match(errorSummary(wrong.body), /crimes\.xlsx is not a CSV or zip file/)
  const none = await upload(editor, [])
  assert.equal(none.status, 400)
  assert.match(errorSummary(none.body), /Choose one or more police\.uk CSV files, or a zip of them/)
  assert.deepEqual(uploadsLeft(), [])
})

test('an upload without the CSRF token is refused before any file is saved', async () => {
  const missing = await upload(editor, [street], { csrf: null })
  assert.equal(missing.status, 403)
  const forged = await upload(editor, [street], { csrf: 'forged-token' })
  assert.equal(forged.status, 403)
  assert.deepEqual(uploadsLeft(), [])
})

test('people who may not import are refused before the upload is read: signed out, and contributors', async () => {
  const anonymous = await clientAs(t, 'anonymous')
  const refusedAnon = await upload(anonymous, [street])
  assert.equal(refusedAnon.status, 401)
  const p = await makePartnership(t.services)
  const contributor = await clientAs(t, 'contributor', p.id)
  assert.equal((await upload(contributor, [street])).status, 403)
  assert.equal((await contributor.get('/crime/import')).status, 403)
  assert.deepEqual(uploadsLeft(), [])
  // The Crime data page offers the Import page to those who may use it, and only to them.
  const importButton = /href="\/crime\/import"/
  assert.doesNotMatch((await anonymous.get('/crime')).body, importButton)
  assert.doesNotMatch((await contributor.get('/crime')).body, importButton)
  assert.match((await editor.get('/crime')).body, importButton)
})

test('the Import page lists recent imports, and a second import while one runs is refused with a message', async () => {
  // A web import of this test's own, so that the list is not empty whichever tests ran before.
  const mine = await upload(editor, [street])
  await finished(Number(/\/crime\/imports\/(\d+)/.exec(mine.headers.location as string)![1]))
  const page = await editor.get('/crime/import')
  assert.match(text(page.body), /Recent imports .* web/)
  // Hold an import open (before it commits) and try another.
  let release!: () => void
  const held = t.services.crime.importPaths(
    [path.join(FIXTURES, '2019-01-west-mercia-street.csv')],
    { id: null, name: 'slow' },
    'command line',
    {
      replace: true,
      beforeCommit: () =>
        new Promise<void>((r) => {
          release = r
        }),
    },
  )
  while (!release) await new Promise((r) => setTimeout(r, 10))
  const second = await upload(editor, [street])
  assert.equal(second.status, 400)
  assert.match(errorSummary(second.body), /An import is already running \(started by slow/)
  release()
  await held
})
