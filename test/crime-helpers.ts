/**
 * Helpers for the crime and geography tests: the real open data (../shared/data, and the copies bundled in
 * opendata/), an independent CSV reader and counter (plain JavaScript, nothing shared with the DuckDB importer
 * under test), a zip writer, and a test app whose crime store already holds the bundled ONS geography.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { test } from 'node:test'
import { testApp, type TestApp } from './helpers.ts'
import { openAnalytics } from '../src/platform/analytics.ts'
import { importGeography } from '../src/geography/importer.ts'
import { expandPaths } from '../src/platform/sources.ts'
import { GEOGRAPHY_FILES } from '../src/geography/service.ts'
import { systemActor } from '../src/platform/audit.ts'
import type { Config } from '../src/config.ts'

export const root = path.resolve(import.meta.dirname, '..')
export const OPENDATA = path.join(root, 'opendata')
export const FIXTURES = path.join(root, 'src/crime/fixtures')
/** The shared open data folder (CI has it beside the clone). */
export const SHARED = path.resolve(process.env.SAFER_SHARED_DATA || path.join(root, '../shared/data'))
const ci = process.env.CI === 'true'

/**
 * A test that needs the shared real data: when the data is missing it is skipped on a developer's machine, and
 * fails under CI=true (a missing prerequisite is never a skip there).
 */
export function sharedTest(name: string, fn: () => Promise<void>) {
  const have = fs.existsSync(path.join(SHARED, 'police_uk'))
  if (!have && ci)
    return test(name, () => {
      throw new Error(`The shared open data is not at ${SHARED} (set SAFER_SHARED_DATA).`)
    })
  return test(name, { skip: have ? false : `the shared open data is not at ${SHARED}` }, fn)
}

export function shared(...parts: string[]) {
  return path.join(SHARED, ...parts)
}

/** A file's text: Brotli files are decompressed, a byte-order mark is dropped. */
export function readText(file: string) {
  const buf = fs.readFileSync(file)
  return (file.endsWith('.br') ? zlib.brotliDecompressSync(buf) : buf).toString('utf8').replace(/^\uFEFF/, '')
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CR LF or LF. Returns rows of fields (header included). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

export function csvObjects(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readText(file))
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])))
}

export interface Record_ {
  crimeId: string
  month: string
  reportedBy: string
  lsoa: string
  type: string
  outcome: string
  location: string
}

/** police.uk street files counted the way the issue says, independently: first row of a repeated Crime ID kept. */
export function independentStreet(files: string[]) {
  const kept: (Record_ & { file: string })[] = []
  const perFile = new Map<string, { rows: number; kept: number; duplicates: number; asb: number; noLocation: number }>()
  for (const file of files) {
    const seen = new Set<string>()
    const s = { rows: 0, kept: 0, duplicates: 0, asb: 0, noLocation: 0 }
    for (const r of csvObjects(file)) {
      s.rows++
      const id = r['Crime ID']
      if (id && seen.has(id)) {
        s.duplicates++
        continue
      }
      if (id) seen.add(id)
      if (!r['Crime type']) continue
      s.kept++
      if (!id) s.asb++
      if (!r['LSOA code']) s.noLocation++
      kept.push({
        file,
        crimeId: id,
        month: r.Month,
        reportedBy: r['Reported by'],
        lsoa: r['LSOA code'],
        type: r['Crime type'],
        outcome: r['Last outcome category'],
        location: r.Location,
      })
    }
    perFile.set(file, s)
  }
  return { kept, perFile }
}

/** Count records by the keys a function gives (null key = not counted). */
export function countBy<T>(items: T[], key: (x: T) => string | null): Map<string, number> {
  const out = new Map<string, number>()
  for (const x of items) {
    const k = key(x)
    if (k !== null) out.set(k, (out.get(k) ?? 0) + 1)
  }
  return out
}

/** LSOA 2011 -> district (2019), read from the bundled IMD file. */
export function lsoaToLad19(): Map<string, string> {
  return new Map(
    csvObjects(path.join(OPENDATA, 'geography/imd2019_lsoa11_england.csv.br')).map((r) => [
      r['LSOA code (2011)'],
      r['Local Authority District code (2019)'],
    ]),
  )
}

/** District -> CSP and PFA (2021), read from the bundled lookup. */
export function ladLookup2021() {
  return csvObjects(path.join(OPENDATA, 'geography/lad21_to_csp_to_pfa21_lookup_ew.csv.br'))
}

/** The files of one bundled force, in month order. */
export function bundled(force: string, kind = 'street') {
  const dir = path.join(OPENDATA, 'police_uk', force)
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(`-${kind}.csv.br`))
    .sort()
    .map((f) => path.join(dir, f))
}

/**
 * A zip of the given files (deflated), for testing archive imports. `declaredSize` makes an entry claim another unpacked size than it has (in its
 * local header and the central directory), as a damaged or hostile archive would.
 */
export function writeZip(target: string, entries: { name: string; data: Buffer; declaredSize?: number }[]) {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name)
    const body = zlib.deflateRawSync(e.data)
    const crc = zlib.crc32(e.data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0, 6)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(0, 10)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(e.declaredSize ?? e.data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    const dir = Buffer.alloc(46)
    dir.writeUInt32LE(0x02014b50, 0)
    dir.writeUInt16LE(20, 4)
    dir.writeUInt16LE(20, 6)
    dir.writeUInt16LE(0, 8)
    dir.writeUInt16LE(8, 10)
    dir.writeUInt32LE(0, 12)
    dir.writeUInt32LE(crc, 16)
    dir.writeUInt32LE(body.length, 20)
    dir.writeUInt32LE(e.declaredSize ?? e.data.length, 24)
    dir.writeUInt16LE(name.length, 28)
    dir.writeUInt32LE(offset, 42)
    parts.push(local, name, body)
    central.push(dir, name)
    offset += local.length + name.length + body.length
  }
  const size = central.reduce((n, b) => n + b.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(size, 12)
  end.writeUInt32LE(offset, 16)
  fs.writeFileSync(target, Buffer.concat([...parts, ...central, end]))
}

/**
 * A DuckDB store holding the bundled geography, built once per version of the geography code and data and copied for
 * each test file (about 0.1 s instead of 3.5 s). The geography import itself is tested in src/geography.
 */
async function geographyTemplate(): Promise<string> {
  const h = crypto.createHash('sha256')
  h.update(fs.readFileSync(path.join(OPENDATA, 'MANIFEST.csv')))
  for (const f of ['src/geography/importer.ts', 'src/geography/datasets.ts', 'src/crime/store.ts'])
    h.update(fs.readFileSync(path.join(root, f)))
  const file = path.join(os.tmpdir(), `safer-geo-template-${h.digest('hex').slice(0, 16)}.duckdb`)
  if (!fs.existsSync(file)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-geo-build-'))
    const a = await openAnalytics({ dataDir: dir })
    const result = await importGeography(
      a,
      await expandPaths([path.join(OPENDATA, 'geography'), path.join(OPENDATA, 'boundaries')], GEOGRAPHY_FILES),
      { actor: 'test' },
    )
    if (!result.ok) throw new Error('The bundled geography did not load')
    await a.close()
    const tmp = `${file}.${process.pid}.tmp`
    fs.copyFileSync(path.join(dir, 'analytics/safer.duckdb'), tmp)
    fs.renameSync(tmp, file)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return file
}

/** A test app whose crime store already has the bundled ONS geography (and its areas in the areas table). */
export async function testAppWithGeography(overrides: Partial<Config> = {}): Promise<TestApp> {
  const template = await geographyTemplate()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-test-data-'))
  fs.mkdirSync(path.join(dataDir, 'analytics'), { recursive: true })
  fs.copyFileSync(template, path.join(dataDir, 'analytics/safer.duckdb'))
  const t = await testApp({ dataDir, ...overrides })
  await t.services.geography.syncAreas(systemActor)
  const close = t.close
  return Object.assign(t, {
    close: async () => {
      await close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  })
}

/** Import files as the command line would, as a named person. */
export async function importFiles(t: TestApp, paths: string[], opts: { replace?: boolean } = {}) {
  return t.services.crime.importPaths(paths, { id: null, name: 'test importer' }, 'command line', opts)
}

/** What is stored for a force-month, for before/after comparisons. */
export async function snapshot(t: TestApp) {
  const parts = await t.services.crime.partitions()
  const street = await t.services.analytics.all(
    `SELECT force, strftime(month, '%Y-%m') AS month, count(*) AS n, count(DISTINCT crime_id) AS ids FROM crime.street GROUP BY ALL ORDER BY ALL`,
  )
  const counts = await t.services.analytics.all(
    `SELECT force, strftime(month, '%Y-%m') AS month, sum(n) AS n FROM crime.street_counts GROUP BY ALL ORDER BY ALL`,
  )
  const areaCounts = await t.services.analytics.all(
    `SELECT force, strftime(month, '%Y-%m') AS month, sum(n) AS n FROM crime.area_counts GROUP BY ALL ORDER BY ALL`,
  )
  const coverage = await t.services.crime.coverageTable()
  return {
    parts: parts.map((p) => ({ ...p, imported_at: String(p.imported_at) })),
    street,
    counts,
    areaCounts,
    coverage: coverage.map((c) => ({ ...c, imported_at: new Date(c.imported_at).toISOString() })),
  }
}

/** A temporary folder of files written by the test. */
export function tempFiles(files: Record<string, string | Buffer>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-files-'))
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), data)
  }
  return { dir, path: (name: string) => path.join(dir, name), remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}
