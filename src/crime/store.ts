/**
 * The crime store: police.uk records in DuckDB (schema `crime`), held per force × month × kind.
 *
 *   crime.street          one row per street-level crime or ASB incident kept (duplicates dropped). "Reported by" is
 *                         the force (its slug in `force`) and "LSOA name" comes from the geography, so neither is stored.
 *   crime.street_counts   the same, counted by force, month, LSOA, crime type and outcome: what LSOA and custom area counts read
 *   crime.area_counts     counted again by ONS area (district, CSP, county, police force area), force, month and crime type:
 *                         what area counts by month and type read (a CSP over 36 months is a few hundred rows, not millions).
 *                         Derived from street_counts and the geography; rebuilt when the geography changes.
 *   crime.outcomes        outcomes files
 *   crime.stop_search     stop-and-search files
 *   crime.partitions      what is loaded: one row per kind × force × month, with its source file and sha256
 *
 * An import replaces whole force-months inside one DuckDB transaction (delete, insert, partitions row), so a
 * process killed part-way leaves the store exactly as it was. crime.partitions is therefore the truth about what
 * is loaded; the application database's coverage table is a copy of it (see service.ts syncCoverage).
 */
import type { Analytics, AnalyticsQuery } from '../platform/analytics.ts'
import type { Kind } from './formats.ts'

export const STORE_VERSION = '1'

const DDL = [
  `CREATE SCHEMA IF NOT EXISTS crime`,
  `CREATE TABLE IF NOT EXISTS crime.meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS crime.street (
    force VARCHAR NOT NULL, month DATE NOT NULL, crime_id VARCHAR, falls_within VARCHAR,
    longitude DOUBLE, latitude DOUBLE, location VARCHAR, lsoa_code VARCHAR,
    crime_type VARCHAR NOT NULL, outcome VARCHAR, outcome_published VARCHAR, context VARCHAR,
    type_known BOOLEAN NOT NULL, outcome_known BOOLEAN NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS crime.street_counts (
    force VARCHAR NOT NULL, month DATE NOT NULL, lsoa_code VARCHAR, crime_type VARCHAR NOT NULL, outcome VARCHAR, n INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS crime.area_counts (
    area_code VARCHAR NOT NULL, force VARCHAR NOT NULL, month DATE NOT NULL, crime_type VARCHAR NOT NULL, n INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS crime.outcomes (
    force VARCHAR NOT NULL, month DATE NOT NULL, crime_id VARCHAR, falls_within VARCHAR,
    longitude DOUBLE, latitude DOUBLE, location VARCHAR, lsoa_code VARCHAR,
    outcome VARCHAR NOT NULL, outcome_published VARCHAR, outcome_known BOOLEAN NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS crime.stop_search (
    force VARCHAR NOT NULL, month DATE NOT NULL, type VARCHAR NOT NULL, date TIMESTAMPTZ NOT NULL,
    part_of_operation BOOLEAN, operation VARCHAR, latitude DOUBLE, longitude DOUBLE, gender VARCHAR, age_range VARCHAR,
    self_defined_ethnicity VARCHAR, officer_defined_ethnicity VARCHAR, legislation VARCHAR, object_of_search VARCHAR,
    outcome VARCHAR, outcome_linked BOOLEAN, removal_of_outer_clothing BOOLEAN)`,
  `CREATE TABLE IF NOT EXISTS crime.partitions (
    kind VARCHAR NOT NULL, force VARCHAR NOT NULL, month DATE NOT NULL,
    rows_kept INTEGER NOT NULL, rows_rejected INTEGER NOT NULL, duplicates INTEGER NOT NULL, no_location INTEGER NOT NULL,
    unknown_types INTEGER NOT NULL, unknown_outcomes INTEGER NOT NULL,
    source_file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, imported_at TIMESTAMPTZ NOT NULL, imported_by VARCHAR NOT NULL,
    import_id INTEGER, PRIMARY KEY (kind, force, month))`,
]

export const TABLE_OF: Record<Kind, string> = { street: 'crime.street', outcomes: 'crime.outcomes', 'stop-and-search': 'crime.stop_search' }

export async function setUpCrimeStore(a: AnalyticsQuery) {
  for (const sql of DDL) await a.run(sql)
  const [v] = await a.all<{ value: string }>(`SELECT value FROM crime.meta WHERE key = 'version'`)
  if (!v) await a.run(`INSERT INTO crime.meta VALUES ('version', ?)`, [STORE_VERSION])
  else if (v.value !== STORE_VERSION) throw new Error(`The crime store is version ${v.value}; this Safer expects ${STORE_VERSION}.`)
}

export interface Partition {
  kind: Kind
  force: string
  /** 'YYYY-MM' */
  month: string
  rows_kept: number
  rows_rejected: number
  duplicates: number
  no_location: number
  unknown_types: number
  unknown_outcomes: number
  source_file: string
  sha256: string
  imported_at: string
  imported_by: string
  import_id: number | null
}

export async function listPartitions(a: Analytics | AnalyticsQuery): Promise<Partition[]> {
  return a.all<Partition>(`SELECT kind, force, strftime(month, '%Y-%m') AS month, rows_kept, rows_rejected, duplicates, no_location,
    unknown_types, unknown_outcomes, source_file, sha256, imported_at, imported_by, import_id
    FROM crime.partitions ORDER BY kind, force, month`)
}

/** force slug -> police force area code, as SQL rows, for the "no location" records a police force area counts. */
export function forcePfaValues(forces: readonly { slug: string; pfaCode: string | null }[]) {
  const rows = forces.filter((f) => f.pfaCode).map((f) => `('${f.slug}', '${f.pfaCode}')`)
  return `(SELECT * FROM (VALUES ${rows.join(', ')}) AS v(force, pfa))`
}

/**
 * The rows of crime.area_counts for street records in `source` (a table or subquery with force, month, lsoa_code,
 * crime_type and n or one row per record), given the geography's area membership (area_code, lsoa_code).
 */
export function areaCountsSql(source: string, membership: string, counted: 'rows' | 'n', forcePfa: string) {
  const value = counted === 'n' ? 'sum(s.n)' : 'count(*)'
  return `SELECT m.area_code, s.force, s.month, s.crime_type, ${value}::INTEGER AS n FROM ${source} s JOIN (${membership}) m ON m.lsoa_code = s.lsoa_code GROUP BY ALL
    UNION ALL
    SELECT f.pfa, s.force, s.month, s.crime_type, ${value}::INTEGER FROM ${source} s JOIN ${forcePfa} f ON f.force = s.force WHERE s.lsoa_code IS NULL GROUP BY ALL`
}
