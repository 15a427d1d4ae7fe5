/**
 * `safer import police-uk` and `safer import geography`, run as a user runs them, on a data folder of their own:
 * the summary, the exit status, an import killed part-way (kill -9), and a file bigger than the command's memory.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openAnalytics } from '../src/platform/analytics.ts'
import { openDatabase } from '../src/platform/db/index.ts'
import { createServerDatabase } from './helpers.ts'
import { FIXTURES, OPENDATA, csvObjects, tempFiles } from './crime-helpers.ts'

const root = path.resolve(import.meta.dirname, '..')
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-crime-cli-'))
let databaseUrl = ''
let drop = async () => {}
before(async () => {
  if (process.env.SAFER_TEST_DATABASE_URL) ({ url: databaseUrl, drop } = await createServerDatabase(process.env.SAFER_TEST_DATABASE_URL, 'safer_crime_cli'))
})
after(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true })
  await drop()
})

const env = (extra: Record<string, string> = {}) => ({ ...process.env, SAFER_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ...extra })
function safer(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/safer.js'), ...args], { env: env(), encoding: 'utf8', timeout: 300_000 })
  return { status: res.status, out: res.stdout, err: res.stderr }
}

/** What the crime store holds, read directly (no Safer process may be running). */
async function store() {
  const a = await openAnalytics({ dataDir })
  try {
    const parts = await a.all<{ force: string; month: string; sha256: string; rows_kept: number }>(`SELECT force, strftime(month, '%Y-%m') AS month, sha256, rows_kept FROM crime.partitions ORDER BY ALL`)
    const rows = await a.all<{ n: number }>(`SELECT count(*) AS n FROM crime.street`)
    return { parts, rows: rows[0].n }
  } finally {
    await a.close()
  }
}

const fixture = path.join(FIXTURES, '2019-01-west-mercia-street.csv')

test('safer import police-uk prints a summary table, and exits 1 when a file was refused', async () => {
  const bad = tempFiles({ '2019-02-west-mercia-street.csv': fs.readFileSync(fixture, 'utf8').replace(/2019-01/g, '2019-02').replace('a02,2019-02', 'a02,2019-2') })
  try {
    const ok = safer('import', 'police-uk', fixture)
    assert.equal(ok.status, 0, ok.out + ok.err)
    assert.match(ok.out, /File\s+Kind\s+Force\s+Month\s+Kept\s+Duplicates\s+No location\s+Rejected\s+Result/)
    assert.match(ok.out, /2019-01-west-mercia-street\.csv\s+street\s+west-mercia\s+2019-01\s+13\s+1\s+2\s+0\s+imported/)
    assert.match(ok.out, /Note: .* has 1 record\(s\) with crime types police\.uk did not use in 2019-01 \(Public disorder and weapons\)/)
    assert.match(ok.out, /1 file\(s\): 1 imported \(13 records kept\), 0 unchanged, 0 skipped, 0 refused\./)
    const refused = safer('import', 'police-uk', bad.path('2019-02-west-mercia-street.csv'), fixture)
    assert.equal(refused.status, 1)
    assert.match(refused.out, /Refused: .*2019-02-west-mercia-street\.csv was not imported: one line has a problem\. Nothing from it was saved\./)
    assert.match(refused.out, /2019-02-west-mercia-street\.csv:3: Month "2019-2" is not a month written YYYY-MM/)
    assert.match(refused.out, /2 file\(s\): 0 imported \(0 records kept\), 1 unchanged, 0 skipped, 1 refused\./)
  } finally {
    bad.remove()
  }
})

test('safer import with no paths, a path that does not exist, or an unknown option is refused with a message and exit 2', () => {
  const none = safer('import', 'police-uk')
  assert.equal(none.status, 2)
  assert.match(none.err, /Give the police\.uk files, folders or zips to import/)
  const missing = safer('import', 'police-uk', '/nowhere/2019-01.zip')
  assert.equal(missing.status, 2)
  assert.match(missing.err, /\/nowhere\/2019-01\.zip does not exist/)
  const option = safer('import', 'police-uk', '--frobnicate', fixture)
  assert.equal(option.status, 2)
  assert.match(option.err, /Unknown option '--frobnicate'/)
  const kind = safer('import', 'weather', fixture)
  assert.equal(kind.status, 2)
  assert.match(kind.err, /Usage:/)
})

test('an import killed part-way (kill -9) leaves no half force-month: the data is as before, and running it again completes it', async () => {
  safer('import', 'police-uk', fixture)
  const before = await store()
  const changed = tempFiles({ '2019-01-west-mercia-street.csv': fs.readFileSync(fixture, 'utf8').split('\r\n').slice(0, 6).join('\r\n') + '\r\n' })
  try {
    // Stop inside the import's transaction, after its rows are written and before it commits, then kill it there.
    const child = spawn(process.execPath, [path.join(root, 'bin/safer.js'), 'import', 'police-uk', changed.path('2019-01-west-mercia-street.csv')], { env: env({ SAFER_TEST_PAUSE_BEFORE_COMMIT: '1' }) })
    let err = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the import never reached its commit: ${err}`)), 120_000)
      child.stderr.on('data', (d) => {
        err += d
        if (err.includes('SAFER_TEST_PAUSED_BEFORE_COMMIT')) { clearTimeout(timer); resolve() }
      })
    })
    child.kill('SIGKILL')
    await new Promise((r) => child.on('exit', r))
    assert.deepEqual(await store(), before, 'the killed import left the store as it was')

    const again = safer('import', 'police-uk', changed.path('2019-01-west-mercia-street.csv'))
    assert.equal(again.status, 0, again.out + again.err)
    assert.match(again.out, /west-mercia\s+2019-01\s+5\s+0\s+0\s+0\s+replaced/)
    const after = await store()
    assert.equal(after.parts.find((p) => p.force === 'west-mercia' && p.month === '2019-01')!.rows_kept, 5)
    assert.equal(after.rows, before.rows - before.parts.find((p) => p.month === '2019-01')!.rows_kept + 5)
    // The killed run is recorded as interrupted, not left "running".
    const db = await openDatabase({ databaseUrl: databaseUrl || undefined, dataDir })
    try {
      const runs = await db.query<{ status: string }>(`SELECT status FROM data_imports ORDER BY id`)
      assert.ok(runs.some((r) => r.status === 'interrupted'), JSON.stringify(runs))
      assert.ok(!runs.some((r) => r.status === 'running'))
      const [cov] = await db.query<{ rows_kept: number }>(`SELECT rows_kept FROM crime_coverage WHERE force = 'west-mercia' AND month = '2019-01-01'`)
      assert.equal(cov.rows_kept, 5)
    } finally {
      await db.close()
    }
  } finally {
    changed.remove()
  }
})

test('a file bigger than the command\'s memory (its JavaScript heap is capped at 128 MB) imports: files are streamed, never read whole', async () => {
  const rows = csvObjects(fixture).filter((r) => r['Crime ID'])
  const header = fs.readFileSync(fixture, 'utf8').split('\r\n')[0].replace(/^\uFEFF/, '')
  const big = tempFiles({})
  const file = big.path('2019-03-west-mercia-street.csv')
  const out = fs.createWriteStream(file)
  out.write(header + '\n')
  let n = 0
  const lineOf = (r: Record<string, string>, i: number) => [`big${i}`, '2019-03', r['Reported by'], r['Falls within'], r.Longitude, r.Latitude, r.Location.includes(',') ? `"${r.Location.replace(/"/g, '""')}"` : r.Location, r['LSOA code'], r['LSOA name'], r['Crime type'], r['Last outcome category'], r.Context.includes(',') ? `"${r.Context}"` : r.Context].join(',')
  while (out.bytesWritten + out.writableLength < 180 * 1024 * 1024) {
    let chunk = ''
    for (let k = 0; k < 2000; k++, n++) chunk += lineOf(rows[n % rows.length], n) + '\n'
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((r) => out.end(() => r()))
  try {
    assert.ok(fs.statSync(file).size > 180 * 1024 * 1024)
    const res = safer('import', 'police-uk', file)
    assert.equal(res.status, 0, res.out + res.err)
    const p = (await store()).parts.find((x) => x.month === '2019-03')!
    assert.equal(p.rows_kept, n)
  } finally {
    big.remove()
  }
})

test('safer import geography loads the ONS lookups and boundaries; a bad file stops it whole, naming file and line', async () => {
  const ok = safer('import', 'geography', path.join(OPENDATA, 'geography'), path.join(OPENDATA, 'boundaries'))
  assert.equal(ok.status, 0, ok.out + ok.err)
  assert.match(ok.out, /Geography loaded: 34,753 LSOAs; 314 community safety partnerships, 21 counties, 356 districts, 43 police force areas\./)
  const bad = tempFiles({ 'lsoa11_population_mid2019_ew.csv': 'LSOA11CD,population_mid2019\nE01011950,1257\nE01011951,many\nX1,3\n' })
  try {
    const res = safer('import', 'geography', bad.dir)
    assert.equal(res.status, 1)
    assert.match(res.out, /lsoa11_population_mid2019_ew\.csv:3: population_mid2019 "many" is not a whole number/)
    assert.match(res.out, /lsoa11_population_mid2019_ew\.csv:4: LSOA11CD "X1" is not an LSOA 2011 code like E01014399/)
    assert.match(res.out, /Nothing was loaded: a geography import lands whole or not at all/)
  } finally {
    bad.remove()
  }
})
