/**
 * `safer import geography DIR`: the ONS lookups, populations, deprivation, rural-urban class and boundaries,
 * into DuckDB (schema `geo`), then the areas crime is counted by, derived from them:
 *
 *   geo.lsoa         every LSOA 2011 with its districts (2017, 2019, 2022), CSPs and police force areas (2017, 2021),
 *                    county, IMD 2019 rank and decile, rural-urban class, land area, centroid and populations
 *   geo.areas        every district, CSP, police force area and county, with its LSOA count and population
 *   geo.area_lsoas   which LSOAs make up each area (any version's code resolves)
 *   geo.boundaries   LSOA and district boundaries (GeoJSON geometry)
 *
 * The whole import is one transaction: a run with any bad file lands nothing, and what was there stays.
 * Each dataset given replaces its own table; datasets not given are kept. Boundaries are added or replaced per area.
 */
import path from 'node:path'
import { statSync, rmSync } from 'node:fs'
import type { Analytics, AnalyticsQuery } from '../platform/analytics.ts'
import { sqlString, transactionOn } from '../platform/analytics.ts'
import { stageCsv, checkRows } from '../platform/csv-stage.ts'
import { readHeader, SourceError, type Materialised, type Source } from '../platform/sources.ts'
import { DATASETS, KNOWN_UNUSED, type Dataset } from './datasets.ts'

export interface GeographyFileResult {
  source: string
  dataset?: string
  title?: string
  status: 'imported' | 'refused' | 'skipped' | 'not used'
  rows?: number
  message?: string
  problems?: string[]
  moreProblems?: number
}

export interface GeographyImportResult {
  files: GeographyFileResult[]
  /** True when everything landed; false when a bad file stopped the whole import. */
  ok: boolean
  areas: { type: string; count: number }[]
  lsoas: number
}

const DDL = [
  `CREATE SCHEMA IF NOT EXISTS geo`,
  ...DATASETS.map((d) => `CREATE TABLE IF NOT EXISTS ${d.table} (${d.columns.map((c) => `${c.name} ${c.type ?? 'VARCHAR'}`).join(', ')})`),
  `CREATE TABLE IF NOT EXISTS geo.boundaries (code VARCHAR PRIMARY KEY, name VARCHAR, level VARCHAR NOT NULL, geometry VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS geo.datasets (dataset VARCHAR PRIMARY KEY, title VARCHAR, source_file VARCHAR, sha256 VARCHAR, rows INTEGER, imported_at TIMESTAMPTZ, imported_by VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS geo.lsoa (code VARCHAR PRIMARY KEY, name VARCHAR, lad17 VARCHAR, lad19 VARCHAR, lad22 VARCHAR, lsoa21 VARCHAR,
    csp17 VARCHAR, csp21 VARCHAR, pfa17 VARCHAR, pfa21 VARCHAR, county VARCHAR, imd_rank INTEGER, imd_decile INTEGER, ruc_code VARCHAR, ruc_name VARCHAR,
    area_sq_km DOUBLE, longitude DOUBLE, latitude DOUBLE, population_2017 INTEGER, population_2019 INTEGER)`,
  `CREATE TABLE IF NOT EXISTS geo.areas (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, type VARCHAR NOT NULL, versions VARCHAR[],
    lsoa_count INTEGER, population_2019 INTEGER, pfa_codes VARCHAR[])`,
  `CREATE TABLE IF NOT EXISTS geo.area_lsoas (area_code VARCHAR NOT NULL, lsoa_code VARCHAR NOT NULL)`,
]

export async function setUpGeographyStore(a: AnalyticsQuery) {
  for (const sql of DDL) await a.run(sql)
}

function headerMatches(d: Dataset, found: string[]) {
  const norm = (s: string) => s.trim().toLowerCase()
  return found.length === d.columns.length && d.columns.every((c, i) => norm(c.header) === norm(found[i]))
}

/** Why a staged value is wrong, or NULL: an SQL CASE over the dataset's rules. */
function reasonSql(d: Dataset) {
  const whens = d.columns.flatMap((c) => {
    const out: string[] = []
    if (!c.optional) out.push(`WHEN s.${c.name} IS NULL THEN '${c.header} is empty'`)
    if (c.type)
      out.push(
        `WHEN s.${c.name} IS NOT NULL AND TRY_CAST(s.${c.name} AS ${c.type}) IS NULL THEN '${c.header} "' || s.${c.name} || '" is not ${c.type === 'INTEGER' ? 'a whole number' : 'a number'}'`,
      )
    if (c.pattern)
      out.push(
        `WHEN s.${c.name} IS NOT NULL AND NOT regexp_matches(s.${c.name}, '${c.pattern[0]}') THEN '${c.header} "' || s.${c.name} || '" is not ${c.pattern[1].replace(/'/g, "''")}'`,
      )
    return out
  })
  return whens.length ? `CASE ${whens.join(' ')} ELSE NULL END` : 'NULL'
}

interface Ready {
  source: Source
  file: Materialised
  dataset?: Dataset
  boundaries?: StagedBoundaries
}

export async function importGeography(
  analytics: Analytics,
  sources: Source[],
  opts: { actor: string; onProgress?: (done: number, total: number, current: string) => void },
): Promise<GeographyImportResult> {
  const results: GeographyFileResult[] = []
  const ready: Ready[] = []
  const tmpDir = path.join(analytics.tmpDir, `geography-${process.pid}-${Date.now()}`)
  let done = 0
  const tick = (label: string) => opts.onProgress?.(done, sources.length, label)
  try {
    return await analytics.withConnection(async (q) => {
      await setUpGeographyStore(q)
      // 1. Know every file by its content.
      for (const source of sources) {
        tick(source.label)
        let file: Materialised
        try {
          file = await source.materialise(tmpDir)
        } catch (err) {
          results.push({
            source: source.label,
            status: 'refused',
            message: err instanceof SourceError ? err.message : (err as Error).message,
          })
          done++
          continue
        }
        if (/\.(geo)?json$/i.test(source.name.replace(/\.(gz|br)$/i, ''))) {
          const staged = await stageBoundaries(q, file.path, `stage_boundaries_${ready.length}`)
          if (!staged.ok) results.push({ source: source.label, status: 'refused', message: `${source.label}: ${staged.message}` })
          else ready.push({ source, file, boundaries: staged.staged })
          continue
        }
        const cols = await readHeader(file.path)
        const header = cols.join(',')
        const dataset = DATASETS.find((d) => headerMatches(d, cols))
        if (dataset) {
          if (ready.some((r) => r.dataset?.id === dataset.id)) {
            results.push({
              source: source.label,
              dataset: dataset.id,
              title: dataset.title,
              status: 'refused',
              message: `${source.label} is a second file of ${dataset.title}; give one file of each kind.`,
            })
          } else ready.push({ source, file, dataset })
          continue
        }
        file.cleanup()
        done++
        const unused = KNOWN_UNUSED.find((u) => header.startsWith(u.headerStart))
        results.push(
          unused
            ? {
                source: source.label,
                title: unused.title,
                status: 'not used',
                message: `${source.label} is the ${unused.title}; Safer does not use it, so it was left out.`,
              }
            : {
                source: source.label,
                status: 'skipped',
                message: `${source.label} is not one of the geography files Safer knows (its first line is "${header.slice(0, 120)}"), so it was left out.`,
              },
        )
      }

      // 2. Check every recognised file row by row before anything lands.
      let problems = results.some((r) => r.status === 'refused')
      const counts = new Map<Ready, number>()
      for (const r of ready) {
        tick(r.source.label)
        if (r.dataset) {
          const table = `stage_${r.dataset.id.replace(/-/g, '_')}`
          const staged = await stageCsv(
            q,
            table,
            [r.file.path],
            r.dataset.columns.map((c) => c.name),
          )
          const checked = (await checkRows(q, table, staged, reasonSql(r.dataset))).get(r.file.path)!
          counts.set(r, checked.rows)
          if (checked.problemCount) {
            problems = true
            results.push({
              source: r.source.label,
              dataset: r.dataset.id,
              title: r.dataset.title,
              status: 'refused',
              rows: checked.rows,
              message: `${r.source.label} (${r.dataset.title}) has ${checked.problemCount === 1 ? 'a line with a problem' : `${checked.problemCount} lines with problems`}.`,
              problems: checked.problems.map((p) => `${r.source.label}:${p.line}: ${p.reason}`),
              moreProblems: checked.problemCount - checked.problems.length,
            })
          }
        } else {
          const checked = await checkBoundaries(q, r.boundaries!)
          counts.set(r, checked.rows)
          if (checked.problems.length) {
            problems = true
            results.push({
              source: r.source.label,
              status: 'refused',
              rows: checked.rows,
              message: `${r.source.label} has ${checked.problemCount} features with problems.`,
              problems: checked.problems.map((p) => `${r.source.label}: ${p}`),
              moreProblems: checked.problemCount - checked.problems.length,
            })
          }
        }
      }
      if (problems) {
        for (const r of ready)
          if (!results.some((x) => x.source === r.source.label)) {
            results.push({
              source: r.source.label,
              dataset: r.dataset?.id,
              title: r.dataset?.title ?? `${r.boundaries?.level} boundaries`,
              status: 'skipped',
              rows: counts.get(r),
              message: `${r.source.label} is good, but was not imported because another file in this import has problems (a geography import lands whole or not at all).`,
            })
          }
        return { files: results, ok: false, areas: [], lsoas: 0 }
      }

      // 3. One transaction: replace each dataset given, add the boundaries, rebuild the areas.
      const now = new Date().toISOString()
      await transactionOn(q, async () => {
        for (const r of ready) {
          if (r.dataset) {
            const d = r.dataset
            const table = `stage_${d.id.replace(/-/g, '_')}`
            await q.run(`DELETE FROM ${d.table}`)
            await q.run(
              `INSERT INTO ${d.table} SELECT ${d.columns.map((c) => (c.type ? `CAST(${c.name} AS ${c.type})` : c.name)).join(', ')} FROM ${table}`,
            )
            await q.run(`DROP TABLE ${table}`)
          } else await loadBoundaries(q, r.boundaries!)
          await q.run(`INSERT OR REPLACE INTO geo.datasets VALUES (?, ?, ?, ?, ?, ?, ?)`, [
            r.dataset?.id ?? `boundaries:${path.basename(r.source.name)}`,
            r.dataset?.title ?? `${r.boundaries?.level === 'lsoa' ? 'LSOA' : 'District'} boundaries`,
            r.source.label,
            await r.file.sha256,
            counts.get(r) ?? 0,
            now,
            opts.actor,
          ])
          results.push({
            source: r.source.label,
            dataset: r.dataset?.id,
            title: r.dataset?.title ?? `${r.boundaries?.level === 'lsoa' ? 'LSOA' : 'District'} boundaries`,
            status: 'imported',
            rows: counts.get(r),
          })
          done++
          tick(r.source.label)
        }
        await rebuildAreas(q)
      })
      const areas = await q.all<{ type: string; count: number }>(
        `SELECT type, count(*) AS count FROM geo.areas GROUP BY type ORDER BY type`,
      )
      const [{ n }] = await q.all<{ n: number }>(`SELECT count(*) AS n FROM geo.lsoa`)
      return { files: results, ok: true, areas, lsoas: n }
    })
  } finally {
    for (const r of ready) r.file.cleanup()
    rmSync(tmpDir, { recursive: true, force: true })
  }
}

/** The features of a GeoJSON FeatureCollection (the whole file is one JSON object, so DuckDB is told its size). */
function readFeatures(file: string) {
  const size = Math.ceil(statSync(file).size * 1.05) + 1024 * 1024
  return `(SELECT unnest(features, recursive := false) AS f FROM read_json(${sqlString(file)}, maximum_object_size = ${size}))`
}

interface StagedBoundaries {
  table: string
  level: 'lsoa' | 'district'
  /** The properties holding each feature's code and name (LADyyCD: any year). */
  code: string
  name: string
}

/**
 * Read a GeoJSON file's features once into a temporary table (a row per feature, in file order), and know which
 * boundaries they are from their properties; checking and loading then read the table, not the file again.
 */
async function stageBoundaries(
  q: AnalyticsQuery,
  file: string,
  table: string,
): Promise<{ ok: true; staged: StagedBoundaries } | { ok: false; message: string }> {
  try {
    await q.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT row_number() OVER () AS n, to_json(f) AS j FROM ${readFeatures(file)}`)
  } catch (err) {
    return { ok: false, message: `is not a GeoJSON FeatureCollection that can be read (${(err as Error).message.split('\n')[0]}).` }
  }
  const [row] = await q.all<{ keys: string[] | null }>(`SELECT json_keys(j, '$.properties') AS keys FROM ${table} ORDER BY n LIMIT 1`)
  const keys = row?.keys ?? []
  const nameOf = (code: string) => code.replace(/cd$/i, (m) => (m === 'CD' ? 'NM' : 'nm'))
  const lsoa = keys.find((k) => k.toLowerCase() === 'lsoa11cd')
  const lad = keys.find((k) => /^lad\d\dcd$/i.test(k))
  if (lsoa) return { ok: true, staged: { table, level: 'lsoa', code: lsoa, name: nameOf(lsoa) } }
  if (lad) return { ok: true, staged: { table, level: 'district', code: lad, name: nameOf(lad) } }
  return {
    ok: false,
    message: `is a GeoJSON file whose features have neither an LSOA11CD nor a LADyyCD property (found: ${keys.join(', ') || 'none'}); expected LSOA or district boundaries from the ONS.`,
  }
}

async function checkBoundaries(q: AnalyticsQuery, b: StagedBoundaries) {
  const rows = await q.all<{ problem: string; total: number }>(`
    SELECT problem, count(*) OVER () AS total FROM (
      SELECT n, CASE WHEN code IS NULL THEN 'feature ' || n || ' has no ${b.code}'
        WHEN NOT regexp_matches(code, '^[EWSN]\\d{8}$') THEN 'feature ' || n || ' has ${b.code} "' || code || '", which is not a GSS code'
        WHEN gtype NOT IN ('Polygon', 'MultiPolygon') THEN 'feature ' || n || ' (' || code || ') is a ' || coalesce(gtype, 'missing') || ' geometry, not a Polygon or MultiPolygon'
        END AS problem
      FROM (SELECT n, json_extract_string(j, '$.properties.${b.code}') AS code, json_extract_string(j, '$.geometry.type') AS gtype FROM ${b.table})
    ) WHERE problem IS NOT NULL ORDER BY n LIMIT 20`)
  const [{ count }] = await q.all<{ count: number }>(`SELECT count(*) AS count FROM ${b.table}`)
  return { rows: count, problems: rows.map((r) => r.problem), problemCount: rows[0]?.total ?? 0 }
}

async function loadBoundaries(q: AnalyticsQuery, b: StagedBoundaries) {
  await q.run(`INSERT OR REPLACE INTO geo.boundaries
    SELECT json_extract_string(j, '$.properties.${b.code}'), json_extract_string(j, '$.properties.${b.name}'), '${b.level}', json_extract(j, '$.geometry')::VARCHAR
    FROM ${b.table}`)
  await q.run(`DROP TABLE ${b.table}`)
}

/** Derive every LSOA's areas, and the areas themselves, from the datasets loaded. */
async function rebuildAreas(q: AnalyticsQuery) {
  // The district an LSOA 2011 belonged to in 2011 is the start of its name ("Taunton Deane 012A").
  const prefix = (col: string) => `regexp_replace(${col}, ' [0-9]{3}[A-Z]$', '')`
  await q.run(`DELETE FROM geo.lsoa`)
  await q.run(`INSERT INTO geo.lsoa (code, name, lad19, lad22, lsoa21, imd_rank, imd_decile, ruc_code, ruc_name, area_sq_km, longitude, latitude, population_2017, population_2019)
    SELECT coalesce(b.lsoa11cd, i.lsoa11cd), coalesce(b.lsoa11nm, i.lsoa11nm), i.lad19cd, b.lad22cd, b.lsoa21cd, i.imd_rank, i.imd_decile,
      r.ruc_code, r.ruc_name, d.area_sq_km, c.longitude, c.latitude, d.population, p.population
    FROM geo.lsoa11_lsoa21 b FULL OUTER JOIN geo.imd2019 i ON i.lsoa11cd = b.lsoa11cd
    LEFT JOIN geo.lsoa11_ruc r ON r.lsoa11cd = coalesce(b.lsoa11cd, i.lsoa11cd)
    LEFT JOIN geo.lsoa11_density_2017 d ON d.lsoa11cd = coalesce(b.lsoa11cd, i.lsoa11cd)
    LEFT JOIN geo.lsoa11_centroids c ON c.lsoa11cd = coalesce(b.lsoa11cd, i.lsoa11cd)
    LEFT JOIN geo.lsoa11_population_2019 p ON p.lsoa11cd = coalesce(b.lsoa11cd, i.lsoa11cd)`)

  // 2017 districts: the same code where it did not change, otherwise by the name the LSOA carries.
  await q.run(`UPDATE geo.lsoa SET lad17 = CASE
      WHEN lad19 IN (SELECT lad_code FROM geo.lad_csp_pfa_2017) THEN lad19
      WHEN lad22 IN (SELECT lad_code FROM geo.lad_csp_pfa_2017) THEN lad22
      ELSE (SELECT min(l.lad_code) FROM geo.lad_csp_pfa_2017 l WHERE l.lad_name = ${prefix('geo.lsoa.name')}) END`)
  await q.run(`UPDATE geo.lsoa SET csp17 = l.csp_code, pfa17 = l.pfa_code FROM geo.lad_csp_pfa_2017 l WHERE l.lad_code = geo.lsoa.lad17`)

  // 2021 CSPs: by district; where a new unitary still holds several CSPs (Buckinghamshire, North Northamptonshire, ...)
  // by the old district name the LSOA carries, and otherwise the one CSP of that unitary no LSOA name matched.
  await q.run(`CREATE OR REPLACE TEMP TABLE csp_candidates AS
    SELECT l.code, coalesce(l.lad22, l.lad19) AS lad, c.csp_code, c.pfa_code, count(*) OVER (PARTITION BY l.code) AS n,
      (c.csp_name = ${prefix('l.name')} OR c.csp_name LIKE ${prefix('l.name')} || ' and %' OR c.csp_name LIKE '% and ' || ${prefix('l.name')}) AS matches
    FROM geo.lsoa l JOIN geo.lad_csp_pfa_2021 c ON c.lad_code = coalesce(l.lad22, l.lad19)`)
  await q.run(
    `CREATE OR REPLACE TEMP TABLE csp_assigned AS SELECT code, lad, csp_code, pfa_code FROM csp_candidates WHERE n = 1 OR matches`,
  )
  await q.run(`INSERT INTO csp_assigned
    SELECT c.code, c.lad, any_value(c.csp_code), any_value(c.pfa_code) FROM csp_candidates c
    WHERE c.code NOT IN (SELECT code FROM csp_assigned)
      AND c.csp_code NOT IN (SELECT csp_code FROM csp_assigned a WHERE a.lad = c.lad)
    GROUP BY c.code, c.lad HAVING count(*) = 1`)
  await q.run(`UPDATE geo.lsoa SET csp21 = a.csp_code, pfa21 = a.pfa_code FROM csp_assigned a WHERE a.code = geo.lsoa.code`)
  await q.run(
    `UPDATE geo.lsoa SET pfa21 = (SELECT min(c.pfa_code) FROM geo.lad_csp_pfa_2021 c WHERE c.lad_code = coalesce(geo.lsoa.lad22, geo.lsoa.lad19)) WHERE pfa21 IS NULL`,
  )
  // Counties: the upper-tier authority, where it is not the district itself (unitaries are districts already).
  await q.run(
    `UPDATE geo.lsoa SET county = u.utla_code FROM geo.ltla_utla u WHERE u.ltla_code = coalesce(geo.lsoa.lad22, geo.lsoa.lad19) AND u.utla_code <> u.ltla_code`,
  )
  await q.run(`DROP TABLE csp_candidates; DROP TABLE csp_assigned`)

  await q.run(`DELETE FROM geo.area_lsoas`)
  await q.run(`INSERT INTO geo.area_lsoas SELECT DISTINCT area_code, lsoa_code FROM (
      ${['lad17', 'lad19', 'lad22', 'csp17', 'csp21', 'pfa17', 'pfa21', 'county'].map((c) => `SELECT ${c} AS area_code, code AS lsoa_code FROM geo.lsoa WHERE ${c} IS NOT NULL`).join(' UNION ALL ')}
    ) ORDER BY area_code, lsoa_code`)

  await q.run(`DELETE FROM geo.areas`)
  await q.run(`INSERT INTO geo.areas (code, name, type, versions)
    SELECT code, arg_max(name, version), arg_max(type, version), list(DISTINCT version ORDER BY version) FROM (
      SELECT lad19cd AS code, lad19nm AS name, 'district' AS type, '2019' AS version FROM geo.imd2019
      UNION ALL SELECT lad22cd, lad22nm, 'district', '2022' FROM geo.lsoa11_lsoa21
      UNION ALL SELECT lad_code, lad_name, 'district', '2017' FROM geo.lad_csp_pfa_2017
      UNION ALL SELECT lad_code, lad_name, 'district', '2021' FROM geo.lad_csp_pfa_2021
      UNION ALL SELECT csp_code, csp_name, 'community safety partnership', '2017' FROM geo.lad_csp_pfa_2017
      UNION ALL SELECT csp_code, csp_name, 'community safety partnership', '2021' FROM geo.lad_csp_pfa_2021
      UNION ALL SELECT pfa_code, pfa_name, 'police force area', '2017' FROM geo.lad_csp_pfa_2017
      UNION ALL SELECT pfa_code, pfa_name, 'police force area', '2021' FROM geo.lad_csp_pfa_2021
      UNION ALL SELECT utla_code, utla_name, 'county', '2023' FROM geo.ltla_utla WHERE utla_code <> ltla_code
    ) GROUP BY code`)
  await q.run(`UPDATE geo.areas SET lsoa_count = s.n, population_2019 = s.pop, pfa_codes = s.pfas FROM (
      SELECT a.area_code, count(*) AS n, sum(l.population_2019) AS pop, list(DISTINCT l.pfa21 ORDER BY l.pfa21) FILTER (WHERE l.pfa21 IS NOT NULL) AS pfas
      FROM geo.area_lsoas a JOIN geo.lsoa l ON l.code = a.lsoa_code GROUP BY a.area_code) s
    WHERE s.area_code = geo.areas.code`)
  await q.run(`UPDATE geo.areas SET lsoa_count = 0 WHERE lsoa_count IS NULL`)
}
