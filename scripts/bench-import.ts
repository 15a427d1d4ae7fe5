/**
 * npm run bench:import: how fast police.uk data imports. Figures are printed, not asserted (these machines are shared).
 *
 *   1. The 26 bundled months of Avon and Somerset (356,736 rows), unpacked to plain CSV first (not timed):
 *      Safer's import (hash, stage, check every row, drop duplicates, save, area counts, coverage) against DuckDB's
 *      own read_csv of the same files into a plain table, in the same run, alternating, median of three.
 *      Goal: at most 1.5 x the raw read.
 *   2. A synthetic national year (scripts/generate-national.ts: 6M police.uk-shaped rows, 43 forces), imported by the
 *      `safer import police-uk` command as a user runs it; wall time and its peak resident memory (VmHWM).
 *      Goal: within 60 s, peak memory at most 1.5 GB.
 *
 *   BENCH_NATIONAL_ROWS (default 6000000) and BENCH_SKIP_NATIONAL=1 change step 2.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { spawn } from 'node:child_process'
import { DuckDBInstance } from '@duckdb/node-api'
import { loadConfig } from '../src/config.ts'
import { openPglite } from '../src/platform/db/index.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { services as buildServices } from '../src/services.ts'
import { systemActor } from '../src/platform/audit.ts'
import { generateNational } from './generate-national.ts'
import { npmScript } from './npm-script.ts'

const root = path.resolve(import.meta.dirname, '..')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-import-'))
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (n: number) => Math.round(n).toLocaleString('en-GB')

async function rawRead(files: string[], explicit: boolean) {
  const dir = fs.mkdtempSync(path.join(work, 'raw-'))
  const db = await DuckDBInstance.create(path.join(dir, 'raw.duckdb'), { threads: '2', memory_limit: '1GB' })
  const c = await db.connect()
  const list = `[${files.map((f) => `'${f}'`).join(', ')}]`
  const cols = `{${['crime_id', 'month', 'reported_by', 'falls_within', 'longitude', 'latitude', 'location', 'lsoa_code', 'lsoa_name', 'crime_type', 'outcome', 'context'].map((n) => `'${n}': 'VARCHAR'`).join(', ')}}`
  const t = performance.now()
  await c.run(
    `CREATE TABLE raw AS SELECT * FROM read_csv(${list}${explicit ? `, columns = ${cols}, header = true, auto_detect = false` : ''})`,
  )
  const ms = performance.now() - t
  const rows = Number((await c.runAndReadAll('SELECT count(*) FROM raw')).getRows()[0][0])
  c.closeSync()
  db.closeSync()
  fs.rmSync(dir, { recursive: true, force: true })
  return { ms, rows }
}

async function saferImport(files: string[]) {
  const dataDir = fs.mkdtempSync(path.join(work, 'safer-'))
  const db = await openPglite(path.join(dataDir, 'pglite'))
  await migrate(db)
  const s = await buildServices(db, loadConfig({ SAFER_DATA_DIR: dataDir, SAFER_LOG_LEVEL: 'silent' }))
  await s.geography.importPaths(
    [path.join(root, 'opendata/geography'), path.join(root, 'opendata/boundaries')],
    systemActor,
    'command line',
  )
  const t = performance.now()
  const { results } = await s.crime.importPaths(files, { id: null, name: 'bench' }, 'command line')
  const ms = performance.now() - t
  const rows = results.reduce((n, r) => n + (r.rowsRead ?? 0), 0)
  await s.analytics.close()
  await db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
  return { ms, rows, refused: results.filter((r) => r.status !== 'imported').length }
}

/** Run a command, sampling its peak resident memory (Linux VmHWM) until it exits. */
function runMeasured(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; peakMb: number; code: number | null; out: string }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.resume()
    let peak = 0
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) peak = Math.max(peak, Number(m[1]) / 1024)
      } catch {
        /* exited */
      }
    }
    const timer = setInterval(sample, 100)
    child.on('exit', (code) => {
      clearInterval(timer)
      resolve({ ms: performance.now() - started, peakMb: peak, code, out })
    })
  })
}

try {
  // ---- 1. Avon and Somerset, 26 months ----
  const avonDir = path.join(work, 'avon')
  fs.mkdirSync(avonDir)
  const bundled = path.join(root, 'opendata/police_uk/avon-and-somerset')
  const files = fs
    .readdirSync(bundled)
    .filter((f) => f.endsWith('.csv.br'))
    .sort()
    .map((f) => {
      const target = path.join(avonDir, f.replace(/\.br$/, ''))
      fs.writeFileSync(target, zlib.brotliDecompressSync(fs.readFileSync(path.join(bundled, f))))
      return target
    })
  const mb = files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1024 / 1024
  console.log(`Avon and Somerset: ${files.length} files, ${mb.toFixed(0)} MB of CSV`)
  const raw: number[] = [],
    rawExplicit: number[] = [],
    ours: number[] = []
  let rows = 0
  for (let i = 0; i < 3; i++) {
    const r = await rawRead(files, false)
    raw.push(r.ms)
    rows = r.rows
    rawExplicit.push((await rawRead(files, true)).ms)
    const s = await saferImport(files)
    if (s.refused) throw new Error('a bundled file was not imported')
    if (s.rows !== rows) throw new Error(`Safer read ${s.rows} rows, DuckDB ${rows}`)
    ours.push(s.ms)
  }
  const [r, re, o] = [median(raw), median(rawExplicit), median(ours)]
  console.log(`  DuckDB read_csv into a table (types detected):      ${fmt(r)} ms  ${fmt(rows / (r / 1000))} rows/s`)
  console.log(`  DuckDB read_csv into a table (columns given, text): ${fmt(re)} ms  ${fmt(rows / (re / 1000))} rows/s`)
  console.log(`  Safer import (checked, de-duplicated, saved):       ${fmt(o)} ms  ${fmt(rows / (o / 1000))} rows/s`)
  console.log(
    `  ratio to DuckDB's read_csv: ${(o / r).toFixed(2)} x (goal ≤ 1.5 x); to the read with columns given: ${(o / re).toFixed(2)} x`,
  )

  // ---- 2. A synthetic national year ----
  if (process.env.BENCH_SKIP_NATIONAL !== '1') {
    const total = Number(process.env.BENCH_NATIONAL_ROWS ?? 6_000_000)
    const national = path.join(os.tmpdir(), `safer-bench-national-${total}`)
    if (!fs.existsSync(path.join(national, 'expected.json'))) {
      console.log(`\nGenerating ${fmt(total)} police.uk-shaped rows (43 forces, 12 months) in ${national} ...`)
      await generateNational({ out: national, rows: total, progress: true })
    }
    const size = JSON.parse(fs.readFileSync(path.join(national, 'expected.json'), 'utf8'))
    const nationalFiles = (size.files as { file: string }[]).map((f) => path.join(national, f.file))
    const bytes = nationalFiles.reduce((n, f) => n + fs.statSync(f).size, 0)
    console.log(`\nNational year: ${nationalFiles.length} files, ${fmt(total)} rows, ${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB of CSV`)
    const rawNational = await rawRead(nationalFiles, false)
    console.log(`  DuckDB read_csv into a table (types detected): ${fmt(rawNational.ms)} ms`)
    const dataDir = fs.mkdtempSync(path.join(work, 'national-'))
    const { env: scriptEnv, args: safer } = npmScript('safer')
    const env = { ...process.env, ...scriptEnv, SAFER_DATA_DIR: dataDir, DATABASE_URL: '' }
    const geo = await runMeasured([...safer, 'import', 'geography', 'opendata/geography', 'opendata/boundaries'], env)
    if (geo.code !== 0) throw new Error('the geography did not load')
    const run = await runMeasured([...safer, 'import', 'police-uk', national], env)
    if (run.code !== 0) throw new Error(`the national import failed:\n${run.out.slice(-2000)}`)
    console.log(
      `  safer import police-uk (the command, start to exit): ${(run.ms / 1000).toFixed(1)} s  ${fmt(total / (run.ms / 1000))} rows/s (goal ≤ 60 s)`,
    )
    console.log(`  its peak resident memory: ${fmt(run.peakMb)} MB (goal ≤ 1,500 MB)`)
    console.log(`  ratio to DuckDB's read_csv: ${(run.ms / rawNational.ms).toFixed(2)} x`)
    console.log(`  ${run.out.trim().split('\n').pop()}`)
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
