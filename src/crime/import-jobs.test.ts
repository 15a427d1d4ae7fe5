/**
 * Imports are jobs: the record of every import made before (data_imports) is copied into jobs by migration 062 and
 * its pages still read the same; one police.uk import runs at a time on any server; an interrupted import runs again
 * from Background jobs only while its files are still there (an interrupted upload's files are removed at start-up).
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openPglite, openPostgres, type Db } from '../platform/db/index.ts'
import { findMigrations, migrate } from '../platform/db/migrate.ts'
import { loadConfig } from '../config.ts'
import { services as buildServices } from '../services.ts'
import { buildApp } from '../app.ts'
import type { TestApp } from '../../test/helpers.ts'
import { clientAs, createServerDatabase, makePartnership, testApp, testDataDir, text, errorSummary } from '../../test/helpers.ts'
import { postFiles, uploadsLeft } from '../../test/upload-helpers.ts'
import { testAppWithGeography, FIXTURES, tempFiles } from '../../test/crime-helpers.ts'

const closing: (() => Promise<void>)[] = []
after(async () => {
  for (const close of closing.reverse()) await close()
})

/** A process id that does not exist (above Linux's default pid_max of 2^22): its jobs were interrupted. */
const DEAD_PID = 4194305
const fixture = path.join(FIXTURES, '2019-01-west-mercia-street.csv')
/** The Background jobs page's button (the page's words may mention running again; the form is what matters). */
const runAgainButton = /<form method="post" action="\/admin\/jobs\/\d+\/rerun"/

/** The app on a database of our own making (the migration test builds it step by step). */
async function appOn(db: Db): Promise<TestApp> {
  const data = testDataDir()
  const config = loadConfig(
    {},
    { logLevel: 'silent', secureCookies: true, signInAttemptsPerWindow: 1000, dataDir: data.dir, duckdbMemory: '512MB' },
  )
  const services = await buildServices(db, config)
  const app = await buildApp({ config, services })
  await app.ready()
  return {
    app,
    services,
    db,
    config,
    close: async () => {
      await app.close()
      await services.analytics.close()
      await db.close()
      data.remove()
    },
  }
}

/** A job row as a process that has since died left it: running, on this machine. */
async function deadRunningImport(db: Db, params: unknown, source: string, by: string) {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO jobs (kind, title, status, exclusive, params, source, started_by_name, host, pid, started_at, attempts)
     VALUES ('import:police-uk', 'police.uk import', 'running', true, $1::jsonb, $2, $3, $4, $5, now(), 1) RETURNING id`,
    [JSON.stringify(params), source, by, os.hostname(), DEAD_PID],
  )
  return row.id
}

test('migration 062 copies every import recorded in data_imports into jobs, keeping its id, and drops data_imports; the pages read them as before', async () => {
  let db: Db
  if (process.env.SAFER_TEST_DATABASE_URL) {
    const created = await createServerDatabase(process.env.SAFER_TEST_DATABASE_URL, 'safer_m062')
    db = await openPostgres(created.url, 5)
    closing.push(created.drop)
  } else db = await openPglite()
  const all = findMigrations()
  await migrate(
    db,
    all.filter((m) => m.id < '062'),
  )

  const results = [
    {
      source: '2019-01-west-mercia-street.csv',
      kind: 'street',
      force: 'west-mercia',
      month: '2019-01',
      status: 'imported',
      rowsKept: 13,
      duplicates: 1,
      noLocation: 2,
    },
    {
      source: 'bad.csv',
      status: 'refused',
      message: 'bad.csv was not imported: one line has a problem. Nothing from it was saved.',
      problems: ['bad.csv:3: Month "2019-1" is not a month written YYYY-MM'],
    },
  ]
  const row = (id: number, dataset: string, source: string, status: string, by: string, extra: Record<string, unknown> = {}) =>
    db.query(
      `INSERT INTO data_imports (id, dataset, source, status, started_at, updated_at, finished_at, started_by_name, host, pid, files_total, files_done,
       bytes_total, bytes_done, rows_kept, files_imported, files_refused, current_file, results, message)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, 'old-server', 4242, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17)`,
      [
        id,
        dataset,
        source,
        status,
        extra.started ?? '2026-01-05T09:30:00Z',
        status === 'running' ? null : '2026-01-05T09:35:00Z',
        by,
        extra.filesTotal ?? 2,
        extra.filesDone ?? 2,
        extra.bytes ?? 1000,
        extra.bytes ?? 1000,
        extra.rows ?? 13,
        extra.imported ?? 1,
        extra.refused ?? 1,
        extra.current ?? null,
        JSON.stringify(extra.results ?? []),
        extra.message ?? null,
      ],
    )
  await row(7, 'police-uk', 'web', 'finished', 'Ann Analyst', {
    results,
    message: 'police.uk import: 1 file imported (13 records), 0 unchanged, 1 refused',
  })
  await row(8, 'police-uk', 'command line', 'failed', 'Carl Cli', {
    rows: 0,
    imported: 0,
    refused: 0,
    message: 'police.uk import failed: No space left on device',
  })
  await row(9, 'police-uk', 'web', 'interrupted', 'Ann Analyst', {
    rows: 0,
    imported: 0,
    refused: 0,
    message:
      'The import stopped before it finished (its process ended). Force-months it had not saved are as they were before; run it again to complete it.',
  })
  await row(12, 'police-uk', 'command line', 'running', 'Carl Cli', {
    filesTotal: 3,
    filesDone: 1,
    rows: 5,
    imported: 0,
    refused: 0,
    current: '/data/2019-02-kent-street.csv',
  })
  await row(15, 'geography', 'demo', 'finished', 'Safer demo loader', {
    rows: 34753,
    imported: 9,
    refused: 0,
    message: 'Geography loaded: 34753 LSOAs',
  })
  await db.query(`INSERT INTO crime_coverage (kind, force, month, rows_kept, rows_rejected, duplicates, no_location, unknown_types, unknown_outcomes, source_file, sha256, imported_at, imported_by, import_id)
    VALUES ('street', 'west-mercia', '2019-01-01', 13, 0, 1, 2, 1, 0, '2019-01-west-mercia-street.csv', 'abc', '2026-01-05T09:35:00Z', 'Ann Analyst', 7)`)

  assert.deepEqual(
    await migrate(db),
    all.filter((m) => m.id >= '062').map((m) => m.id),
  )

  const [gone] = await db.query<{ t: string | null }>(`SELECT to_regclass('data_imports')::text AS t`)
  assert.equal(gone.t, null, 'data_imports is dropped')
  const jobs = await db.query(`SELECT id, kind, title, status, source, started_by_name, error, exclusive FROM jobs ORDER BY id`)
  assert.deepEqual(
    jobs.map((j) => ({ ...j })),
    [
      {
        id: 7,
        kind: 'import:police-uk',
        title: 'police.uk import',
        status: 'done',
        source: 'web',
        started_by_name: 'Ann Analyst',
        error: null,
        exclusive: true,
      },
      {
        id: 8,
        kind: 'import:police-uk',
        title: 'police.uk import',
        status: 'failed',
        source: 'command line',
        started_by_name: 'Carl Cli',
        error: 'police.uk import failed: No space left on device',
        exclusive: true,
      },
      {
        id: 9,
        kind: 'import:police-uk',
        title: 'police.uk import',
        status: 'interrupted',
        source: 'web',
        started_by_name: 'Ann Analyst',
        error:
          'The import stopped before it finished (its process ended). Force-months it had not saved are as they were before; run it again to complete it.',
        exclusive: true,
      },
      {
        id: 12,
        kind: 'import:police-uk',
        title: 'police.uk import',
        status: 'interrupted',
        source: 'command line',
        started_by_name: 'Carl Cli',
        error: 'The import stopped before it finished (its process ended).',
        exclusive: true,
      },
      {
        id: 15,
        kind: 'import:geography',
        title: 'ONS geography import',
        status: 'done',
        source: 'demo',
        started_by_name: 'Safer demo loader',
        error: null,
        exclusive: true,
      },
    ],
  )
  const [seven] = await db.query(`SELECT progress, result, started_at, finished_at FROM jobs WHERE id = 7`)
  assert.deepEqual(seven.progress, { done: 2, total: 2, unit: 'files', bytesDone: 1000, bytesTotal: 1000, rowsKept: 13, currentFile: null })
  assert.deepEqual(seven.result, {
    results,
    rowsKept: 13,
    filesImported: 1,
    filesRefused: 1,
    message: 'police.uk import: 1 file imported (13 records), 0 unchanged, 1 refused',
  })
  assert.equal(new Date(seven.started_at).toISOString(), '2026-01-05T09:30:00.000Z')
  assert.equal(new Date(seven.finished_at).toISOString(), '2026-01-05T09:35:00.000Z')
  // The coverage row still names its import; the foreign key to data_imports went with it.
  const [coverage] = await db.query<{ import_id: number }>(`SELECT import_id FROM crime_coverage WHERE force = 'west-mercia'`)
  assert.equal(coverage.import_id, 7)
  // New jobs are numbered after the imports copied in.
  const [next] = await db.query<{ id: number }>(
    `INSERT INTO jobs (kind, title, status, started_by_name) VALUES ('test:after', 'After', 'done', 'Test') RETURNING id`,
  )
  assert.equal(next.id, 16)

  const t = await appOn(db)
  closing.push(t.close)
  const admin = await clientAs(t, 'site-admin')
  const history = text((await admin.get('/crime/import')).body)
  assert.match(history, /Recent imports/)
  assert.match(history, /Ann Analyst web finished, 1 refused 2 13/)
  assert.match(history, /Carl Cli command line failed 2 0/)
  assert.match(history, /Ann Analyst web interrupted 2 0/)
  assert.match(history, /Carl Cli command line interrupted 3 0/)
  assert.doesNotMatch(history, /Safer demo loader/, 'the geography import is not a police.uk import')

  const finished = text((await admin.get('/crime/imports/7')).body)
  assert.match(finished, /Import 7: finished, with files refused/)
  assert.match(finished, /1 imported, 0 unchanged, 0 skipped, 1 refused/)
  assert.match(finished, /Records saved 13/)
  assert.match(finished, /bad\.csv:3: Month "2019-1" is not a month written YYYY-MM/)
  const json = (await admin.get('/api/v1/crime/imports/7')).json()
  assert.deepEqual(
    { ...json, startedAt: undefined, finishedAt: undefined },
    {
      id: 7,
      dataset: 'police-uk',
      status: 'finished',
      startedAt: undefined,
      finishedAt: undefined,
      startedBy: 'Ann Analyst',
      filesTotal: 2,
      filesDone: 2,
      bytesTotal: 1000,
      bytesDone: 1000,
      rowsKept: 13,
      currentFile: null,
      message: 'police.uk import: 1 file imported (13 records), 0 unchanged, 1 refused',
      results,
    },
  )
  assert.match(text((await admin.get('/crime/imports/8')).body), /Import 8: failed .* police\.uk import failed: No space left on device/)
  const stale = text((await admin.get('/crime/imports/12')).body)
  assert.match(stale, /Import 12: interrupted/)
  assert.match(stale, /The import stopped before it finished \(its process ended\)\. Force-months it had not saved are as they were before/)
  assert.match(stale, /Safer did not record which files this import read .* so it cannot be run again/)
  assert.equal((await admin.get('/crime/imports/15')).status, 404, 'a geography import has no police.uk page')
  const job = (await admin.get('/admin/jobs/12')).body
  assert.match(text(job), /Safer did not record which files this import read/)
  assert.doesNotMatch(job, runAgainButton)
})

test('an interrupted command-line import runs again from Background jobs while its files are there; once they are gone, its pages say so', async () => {
  const t = await testAppWithGeography()
  closing.push(t.close)
  const files = tempFiles({ '2019-01-west-mercia-street.csv': fs.readFileSync(fixture) })
  const file = files.path('2019-01-west-mercia-street.csv')
  const id = await deadRunningImport(t.db, { paths: [file], replace: false }, 'command line', 'Carl Cli')
  assert.equal(await t.services.jobs.markInterrupted(), 1)

  const p = await makePartnership(t.services)
  const editor = await clientAs(t, 'editor', p.id)
  const page = text((await editor.get(`/crime/imports/${id}`)).body)
  assert.match(page, new RegExp(`Import ${id}: interrupted`))
  assert.match(page, /The import stopped before it finished \(its process ended\)/)
  assert.match(
    page,
    new RegExp(
      `It can be run again, reading the same files: a site administrator does so from its page in Background jobs \\(job ${id}\\)`,
    ),
  )

  const admin = await clientAs(t, 'site-admin')
  assert.match((await admin.get(`/admin/jobs/${id}`)).body, runAgainButton)
  const rerun = await admin.post(`/admin/jobs/${id}/rerun`)
  assert.equal(rerun.status, 303)
  const againId = Number(/\/admin\/jobs\/(\d+)/.exec(rerun.headers.location)![1])
  // Queued for the web server's worker: its page follows it as it does a running import.
  assert.match(text((await editor.get(`/crime/imports/${againId}`)).body), /Importing police\.uk data .* This page updates itself/)
  assert.equal((await editor.get(`/api/v1/crime/imports/${againId}`)).json().status, 'queued')
  await t.services.jobs.tick()
  const again = await t.services.jobs.get(againId)
  assert.equal(again.status, 'done', again.error ?? '')
  assert.equal(again.rerun_of, id)
  const coverage = (await t.services.crime.coverageTable('street')).find((c) => c.force === 'west-mercia' && c.month === '2019-01')!
  assert.equal(coverage.import_id, againId)
  assert.equal(coverage.rows_kept, 13)
  assert.match(text((await editor.get(`/crime/imports/${againId}`)).body), /1 imported, 0 unchanged, 0 skipped, 0 refused/)

  files.remove()
  const refused = (await admin.get(`/admin/jobs/${id}`)).body
  assert.match(text(refused), /2019-01-west-mercia-street\.csv is no longer on the server, so it cannot be run again/)
  assert.doesNotMatch(refused, runAgainButton)
  const post = await admin.post(`/admin/jobs/${id}/rerun`)
  assert.equal(post.status, 400)
  assert.match(text(post.body), /is no longer on the server/)
  assert.match(text((await editor.get(`/crime/imports/${id}`)).body), /is no longer on the server, so it cannot be run again/)
})

test('an interrupted upload cannot be run again: its files are removed at the next start-up, and its pages say so', async () => {
  const t = await testApp()
  closing.push(t.close)
  const dir = path.join(t.config.dataDir, 'files/uploads/20261202-4194305-abc')
  fs.mkdirSync(path.join(dir, '1'), { recursive: true })
  const file = path.join(dir, '1', 'street.csv')
  fs.copyFileSync(fixture, file)
  const id = await deadRunningImport(
    t.db,
    { paths: [file], upload: { dir, files: [{ path: file, filename: 'street.csv' }] } },
    'web',
    'Ann Analyst',
  )

  // Safer starts again on this machine (another data folder, the same database).
  const data = testDataDir()
  const restarted = await buildServices(t.db, { ...t.config, dataDir: data.dir })
  await restarted.analytics.close()
  data.remove()
  assert.equal((await t.services.jobs.get(id)).status, 'interrupted')
  assert.equal(fs.existsSync(dir), false, "the interrupted upload's files are removed")

  const admin = await clientAs(t, 'site-admin')
  const page = text((await admin.get(`/crime/imports/${id}`)).body)
  assert.match(
    page,
    /Its uploaded files were removed when it stopped, so it cannot be run again\. Upload the files again on the Import page\./,
  )
  const job = (await admin.get(`/admin/jobs/${id}`)).body
  assert.match(text(job), /Its uploaded files were removed when it stopped/)
  assert.doesNotMatch(job, runAgainButton)
  assert.equal((await admin.post(`/admin/jobs/${id}/rerun`)).status, 400)
})

test('a police.uk import running on another server refuses a second one, on the Import page and the command line, before any file is read', async () => {
  const t = await testApp()
  closing.push(t.close)
  const started = new Date()
  const hhmm = `${String(started.getHours()).padStart(2, '0')}:${String(started.getMinutes()).padStart(2, '0')}`
  const [other] = await t.db.query<{ id: number }>(
    `INSERT INTO jobs (kind, title, status, exclusive, params, source, started_by_name, host, pid, started_at, attempts)
     VALUES ('import:police-uk', 'police.uk import', 'running', true, '{}', 'web', 'Olive Other', 'another-server', 1, $1, 1) RETURNING id`,
    [started],
  )
  const p = await makePartnership(t.services)
  const editor = await clientAs(t, 'editor', p.id)
  const importPage = text((await editor.get('/crime/import')).body)
  assert.match(importPage, /An import is running \(started by Olive Other\)\. See its progress/)
  assert.match((await editor.get('/crime/import')).body, new RegExp(`href="/crime/imports/${other.id}"`))

  const refused = await postFiles(t, editor, '/crime/import', 'files', [{ filename: 'street.csv', data: fs.readFileSync(fixture) }])
  assert.equal(refused.status, 400)
  assert.ok(
    errorSummary(refused.body).endsWith(
      `An import is already running (started by Olive Other at ${hhmm}). Wait for it to finish, then try again.`,
    ),
    errorSummary(refused.body),
  )
  assert.deepEqual(uploadsLeft(t.config.dataDir), [], 'the refused upload is removed')
  await assert.rejects(
    t.services.crime.importPaths(['/nowhere/at/all.csv'], { id: null, name: 'Carl Cli' }, 'command line'),
    /An import is already running \(started by Olive Other/,
    'refused before the path is looked at',
  )
  assert.deepEqual(
    (await t.services.jobs.list({ kind: 'import:police-uk' })).map((j) => j.id),
    [other.id],
    'no job was made for either',
  )
})

test('an uploaded zip that cannot be read is refused on the Import page, recorded as a failed import, and nothing is left on disk', async () => {
  const t = await testApp()
  closing.push(t.close)
  const p = await makePartnership(t.services)
  const editor = await clientAs(t, 'editor', p.id)
  const res = await postFiles(t, editor, '/crime/import', 'files', [
    {
      filename: 'police.zip',
      data: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(' begins like a zip but is not one')]),
    },
  ])
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /police\.zip is not a zip file that can be read/)
  assert.deepEqual(uploadsLeft(t.config.dataDir), [])
  const [job] = await t.services.jobs.list({ kind: 'import:police-uk' })
  assert.equal(job.status, 'failed')
  assert.match(job.error!, /^police\.uk import failed: .*police\.zip is not a zip file that can be read/)
})
