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
import { FIXTURES, OPENDATA, csvObjects, tempFiles, writeZip } from './crime-helpers.ts'
import { listing } from './upload-helpers.ts'
import zlib from 'node:zlib'

const root = path.resolve(import.meta.dirname, '..')
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-crime-cli-'))
let databaseUrl = ''
let drop = async () => {}
before(async () => {
  if (process.env.SAFER_TEST_DATABASE_URL)
    ({ url: databaseUrl, drop } = await createServerDatabase(process.env.SAFER_TEST_DATABASE_URL, 'safer_crime_cli'))
})
after(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true })
  await drop()
})

const env = (extra: Record<string, string> = {}) => ({ ...process.env, SAFER_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ...extra })
function run(environment: NodeJS.ProcessEnv, args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/safer.js'), ...args], {
    env: environment,
    encoding: 'utf8',
    timeout: 300_000,
  })
  return { status: res.status, out: res.stdout, err: res.stderr }
}
function safer(...args: string[]) {
  return run(env(), args)
}
/** Run with settings of its own (environment variables). */
function saferWith(settings: Record<string, string>, ...args: string[]) {
  return run(env(settings), args)
}

/** A data folder and database of their own, for a test whose expected output depends on starting from nothing. */
async function ownStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-crime-cli-own-'))
  let url = ''
  let dropIt = async () => {}
  if (process.env.SAFER_TEST_DATABASE_URL)
    ({ url, drop: dropIt } = await createServerDatabase(process.env.SAFER_TEST_DATABASE_URL, 'safer_crime_cli'))
  return {
    safer: (...args: string[]) => run({ ...process.env, SAFER_DATA_DIR: dir, DATABASE_URL: url }, args),
    remove: async () => {
      fs.rmSync(dir, { recursive: true, force: true })
      await dropIt()
    },
  }
}

/** What the crime store holds, read directly (no Safer process may be running). */
async function store() {
  const a = await openAnalytics({ dataDir })
  try {
    const parts = await a.all<{ force: string; month: string; sha256: string; rows_kept: number }>(
      `SELECT force, strftime(month, '%Y-%m') AS month, sha256, rows_kept FROM crime.partitions ORDER BY ALL`,
    )
    const rows = await a.all<{ n: number }>(`SELECT count(*) AS n FROM crime.street`)
    return { parts, rows: rows[0].n }
  } finally {
    await a.close()
  }
}

const fixture = path.join(FIXTURES, '2019-01-west-mercia-street.csv')

test('safer import police-uk prints a summary table, and exits 1 when a file was refused', async () => {
  const bad = tempFiles({
    '2019-02-west-mercia-street.csv': fs
      .readFileSync(fixture, 'utf8')
      .replace(/2019-01/g, '2019-02')
      .replace('a02,2019-02', 'a02,2019-2'),
  })
  // A store of its own: the first import must find the force-month empty, whichever tests ran before.
  const own = await ownStore()
  const { safer } = own
  try {
    const ok = safer('import', 'police-uk', fixture)
    assert.equal(ok.status, 0, ok.out + ok.err)
    assert.match(ok.out, /File\s+Kind\s+Force\s+Month\s+Kept\s+Duplicates\s+No location\s+Rejected\s+Result/)
    assert.match(ok.out, /2019-01-west-mercia-street\.csv\s+street\s+west-mercia\s+2019-01\s+13\s+1\s+2\s+0\s+imported/)
    assert.match(ok.out, /Note: .* has 1 record\(s\) with crime types police\.uk did not use in 2019-01 \(Public disorder and weapons\)/)
    assert.match(ok.out, /1 file: 1 imported \(13 records kept\), 0 unchanged, 0 skipped, 0 refused\./)
    const refused = safer('import', 'police-uk', bad.path('2019-02-west-mercia-street.csv'), fixture)
    assert.equal(refused.status, 1)
    assert.match(
      refused.out,
      /Refused: .*2019-02-west-mercia-street\.csv was not imported: one line has a problem\. Nothing from it was saved\./,
    )
    assert.match(refused.out, /2019-02-west-mercia-street\.csv:3: Month "2019-2" is not a month written YYYY-MM/)
    assert.match(refused.out, /2 files: 0 imported \(0 records kept\), 1 unchanged, 0 skipped, 1 refused\./)
  } finally {
    bad.remove()
    await own.remove()
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
  const changed = tempFiles({
    '2019-01-west-mercia-street.csv': fs.readFileSync(fixture, 'utf8').split('\r\n').slice(0, 6).join('\r\n') + '\r\n',
  })
  try {
    // Stop inside the import's transaction, after its rows are written and before it commits, then kill it there.
    const child = spawn(
      process.execPath,
      [path.join(root, 'bin/safer.js'), 'import', 'police-uk', changed.path('2019-01-west-mercia-street.csv')],
      { env: env({ SAFER_TEST_PAUSE_BEFORE_COMMIT: '1' }) },
    )
    let err = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the import never reached its commit: ${err}`)), 120_000)
      child.stderr.on('data', (d) => {
        err += d
        if (err.includes('SAFER_TEST_PAUSED_BEFORE_COMMIT')) {
          clearTimeout(timer)
          resolve()
        }
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
      const runs = await db.query<{ status: string; error: string | null }>(
        `SELECT status, error FROM jobs WHERE kind = 'import:police-uk' ORDER BY id`,
      )
      const interrupted = runs.filter((r) => r.status === 'interrupted')
      assert.equal(interrupted.length, 1, JSON.stringify(runs))
      assert.match(interrupted[0].error!, /stopped before it finished \(its process ended\)/)
      assert.ok(!runs.some((r) => r.status === 'running'))
      assert.equal(runs.at(-1)!.status, 'done', 'running it again completed it')
      const [cov] = await db.query<{ rows_kept: number }>(
        `SELECT rows_kept FROM crime_coverage WHERE force = 'west-mercia' AND month = '2019-01-01'`,
      )
      assert.equal(cov.rows_kept, 5)
    } finally {
      await db.close()
    }
  } finally {
    changed.remove()
  }
})

test("a file bigger than the command's memory (its JavaScript heap is capped at 128 MB) imports: files are streamed, never read whole", async () => {
  const rows = csvObjects(fixture).filter((r) => r['Crime ID'])
  const header = fs
    .readFileSync(fixture, 'utf8')
    .split('\r\n')[0]
    .replace(/^\uFEFF/, '')
  const big = tempFiles({})
  const file = big.path('2019-03-west-mercia-street.csv')
  const out = fs.createWriteStream(file)
  out.write(header + '\n')
  let n = 0
  const lineOf = (r: Record<string, string>, i: number) =>
    [
      `big${i}`,
      '2019-03',
      r['Reported by'],
      r['Falls within'],
      r.Longitude,
      r.Latitude,
      r.Location.includes(',') ? `"${r.Location.replace(/"/g, '""')}"` : r.Location,
      r['LSOA code'],
      r['LSOA name'],
      r['Crime type'],
      r['Last outcome category'],
      r.Context.includes(',') ? `"${r.Context}"` : r.Context,
    ].join(',')
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
  assert.match(
    ok.out,
    /Geography loaded: 34,753 LSOAs; 314 community safety partnerships, 21 counties, 356 districts, 43 police force areas\./,
  )
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

test('a zip bomb is refused by the command line with exit 2 and a message, leaving the store and the data folder as they were', async () => {
  safer('import', 'police-uk', fixture)
  const before = await store()
  const files = listing(dataDir)
  const zeros = Buffer.alloc(50 * 1024 * 1024)
  const packed = zlib.deflateRawSync(zeros).length
  const work = tempFiles({})
  try {
    writeZip(work.path('bomb.zip'), [{ name: '2019-01/2019-01-west-mercia-street.csv', data: zeros }])
    const res = safer('import', 'police-uk', work.path('bomb.zip'))
    assert.equal(res.status, 2, res.out + res.err)
    assert.equal(
      res.err.trim(),
      `2019-01/2019-01-west-mercia-street.csv in bomb.zip is ${Math.round(packed / 1024)} KB packed but unpacks to 50 MB, ${Math.round(zeros.length / packed).toLocaleString('en-GB')} times its size (the most Safer allows is 100 times). It may have been built to fill the disk, so nothing was imported from it.`,
    )
    // The limits are settings: an entry over SAFER_ZIP_MAX_ENTRY_MB is refused too.
    const rows = Buffer.from(
      Array.from({ length: 40_000 }, (_, i) => `${i},2019-01,West Mercia Police,On or near Parking Area,E0101${(i * 7919) % 10000}\n`).join(
        '',
      ),
    )
    writeZip(work.path('big.zip'), [{ name: '2019-01-west-mercia-street.csv', data: rows }])
    const big = saferWith({ SAFER_ZIP_MAX_ENTRY_MB: '1' }, 'import', 'police-uk', work.path('big.zip'))
    assert.equal(big.status, 2, big.out + big.err)
    assert.equal(
      big.err.trim(),
      `2019-01-west-mercia-street.csv in big.zip unpacks to ${(rows.length / 1024 / 1024).toFixed(1)} MB, more than the 1 MB Safer unpacks from one file. Nothing was imported from it.`,
    )
    assert.deepEqual(await store(), before)
    assert.deepEqual(listing(dataDir), files)
  } finally {
    work.remove()
  }
})

test('the command line refuses an archive with an entry named ../../evil.csv, and an import that would nearly fill the disk', async () => {
  safer('import', 'police-uk', fixture)
  const before = await store()
  const work = tempFiles({})
  try {
    writeZip(work.path('police-uk.zip'), [{ name: '../../evil.csv', data: fs.readFileSync(fixture) }])
    const evil = safer('import', 'police-uk', work.path('police-uk.zip'))
    assert.equal(evil.status, 2, evil.out + evil.err)
    assert.equal(
      evil.err.trim(),
      'police-uk.zip cannot be imported: it holds "../../evil.csv", a file that would be unpacked outside its folder. Nothing was imported.',
    )
    writeZip(work.path('ok.zip'), [{ name: '2019-01/2019-01-west-mercia-street.csv', data: fs.readFileSync(fixture) }])
    const full = saferWith({ SAFER_DISK_MARGIN_MB: String(1024 * 1024 * 1024) }, 'import', 'police-uk', work.path('ok.zip'))
    assert.equal(full.status, 2, full.out + full.err)
    assert.match(
      full.err,
      /^There is not enough space on the disk for this import: it unpacks to about 2\.3 KB, 1,024 TB must stay free, and only [\d.,]+ [KMGT]B is free\. Free some space, or import fewer files at a time\. Nothing was imported\.$/m,
    )
    assert.deepEqual(await store(), before)
  } finally {
    work.remove()
  }
})
