/**
 * Counting police.uk data by area, period and type, in DuckDB: aggregate in SQL, return small results.
 *
 * What an area counts:
 *   - an LSOA, district, CSP, county or custom area: the records whose LSOA is in it, whichever force reported them
 *     (police.uk snaps some locations over a force boundary; those belong to the LSOA's area);
 *   - a police force area: the same, plus the force's "No Location" records (shown as "no location" in breakdowns);
 *   - a police force, by its police.uk name (e.g. avon-and-somerset): everything it reported, wherever it was.
 * Months whose data is not loaded for every force the area needs are gaps: they are listed in the coverage, and
 * never counted as zero. Loaded months with no records of a kind are real zeros and are returned as 0.
 */
import type { Analytics, Param } from '../platform/analytics.ts'
import type { Area, GeographyService } from '../geography/service.ts'
import { forceByPfa, type Force } from './forces.ts'
import type { Kind } from './formats.ts'
import { TABLE_OF, type Partition } from './store.ts'

export type StreetGroup = 'month' | 'crime_type' | 'lsoa' | 'outcome'
export type StopSearchGroup =
  'month' | 'object_of_search' | 'outcome' | 'self_defined_ethnicity' | 'type' | 'gender' | 'age_range' | 'officer_defined_ethnicity'

export const STREET_GROUPS: readonly StreetGroup[] = ['month', 'crime_type', 'lsoa', 'outcome']
export const STOP_SEARCH_GROUPS: readonly StopSearchGroup[] = [
  'month',
  'object_of_search',
  'outcome',
  'self_defined_ethnicity',
  'type',
  'gender',
  'age_range',
  'officer_defined_ethnicity',
]

/** What a count is for: an ONS area or custom area (through geography), or one police force's own reports. */
export type Target = { kind: 'area'; area: Area } | { kind: 'force'; force: Force }

export interface MonthStatus {
  month: string
  status: 'loaded' | 'partial' | 'missing'
  /** Forces the area needs whose data for this month is not loaded. */
  missing: string[]
}

export interface Coverage {
  kind: Kind
  forces: { force: string; name: string; loaded: number; missing: string[] }[]
  months: MonthStatus[]
  /** Months in the period not loaded for every force the area needs: gaps, never zeros. */
  gaps: string[]
  complete: boolean
  /** Records the forces reported with no location (these cannot be placed in an area smaller than the force's). */
  noLocation: number
}

export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = []
  let [y, m] = from.split('-').map(Number)
  const [ty, tm] = to.split('-').map(Number)
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`)
    m++
    if (m > 12) {
      m = 1
      y++
    }
  }
  return out
}

/** The forces whose data an area needs: those whose police force areas its LSOAs are in. */
export function forcesFor(target: Target): Force[] {
  if (target.kind === 'force') return [target.force]
  return target.area.pfaCodes.map((c) => forceByPfa(c)).filter((f): f is Force => !!f)
}

/** partitions: what is loaded (crime.partitions), as the crime service keeps it in memory between imports. */
export function crimeQueries(analytics: Analytics, geography: GeographyService, partitions: () => Promise<Partition[]>) {
  /** The SQL condition (and parameters) selecting a target's records in a table with force and lsoa_code columns. */
  function where(target: Target, kind: Kind): { sql: string; params: Param[] } {
    if (target.kind === 'force') return { sql: 'force = ?', params: [target.force.slug] }
    if (kind === 'stop-and-search') {
      // Stop-and-search records carry coordinates but no LSOA: they are counted by the force that made them.
      const f = forcesFor(target)
      return { sql: `force IN (SELECT unnest(?::VARCHAR[]))`, params: [f.map((x) => x.slug)] }
    }
    const f = geography.lsoaFilter(target.area, 'lsoa_code')
    if (target.area.type === 'police force area') {
      const force = forceByPfa(target.area.code)
      if (force) return { sql: `(${f.sql} OR (lsoa_code IS NULL AND force = ?))`, params: [...f.params, force.slug] }
    }
    return f
  }

  return {
    where,

    /** The force-months loaded of a kind, for these forces (from the record of what is loaded, held in memory). */
    async loaded(kind: Kind, forces: string[]): Promise<Partition[]> {
      return (await partitions()).filter((p) => p.kind === kind && forces.includes(p.force))
    },

    /** The first and last month loaded for any of these forces, or undefined when nothing is. */
    async loadedRange(kind: Kind, forces: string[]): Promise<{ from: string; to: string } | undefined> {
      const months = (await this.loaded(kind, forces)).map((p) => p.month).sort()
      return months.length ? { from: months[0], to: months[months.length - 1] } : undefined
    },

    async coverage(target: Target, kind: Kind, from: string, to: string): Promise<Coverage> {
      const forces = forcesFor(target)
      const parts = (
        await this.loaded(
          kind,
          forces.map((f) => f.slug),
        )
      ).filter((p) => p.month >= from && p.month <= to)
      const loaded = new Map(forces.map((f) => [f.slug, new Set(parts.filter((p) => p.force === f.slug).map((p) => p.month))]))
      const months = monthsBetween(from, to).map((month): MonthStatus => {
        const missing = forces.filter((f) => !loaded.get(f.slug)!.has(month)).map((f) => f.slug)
        return {
          month,
          missing,
          status: forces.length && !missing.length ? 'loaded' : missing.length === forces.length ? 'missing' : 'partial',
        }
      })
      const noLocation = kind === 'stop-and-search' ? 0 : parts.reduce((n, p) => n + p.no_location, 0)
      const gaps = months.filter((m) => m.status !== 'loaded').map((m) => m.month)
      return {
        kind,
        forces: forces.map((f) => ({
          force: f.slug,
          name: f.name,
          loaded: months.filter((m) => loaded.get(f.slug)!.has(m.month)).length,
          missing: months.filter((m) => !loaded.get(f.slug)!.has(m.month)).map((m) => m.month),
        })),
        months,
        gaps,
        complete: gaps.length === 0,
        noLocation,
      }
    },

    /**
     * Street-level crime counts for a target and period, grouped by any of month, crime_type, lsoa and outcome.
     * Rows for gap months are never made up; loaded months with nothing of a kind are 0.
     */
    async streetCounts(target: Target, opts: { from: string; to: string; group: StreetGroup[]; types?: string[] }, coverage: Coverage) {
      // ONS areas by month and type read the area counts: a few hundred rows for a CSP over years, not millions.
      const byArea = target.kind === 'area' && target.area.kind === 'area' && opts.group.every((g) => g === 'month' || g === 'crime_type')
      const w = byArea ? { sql: 'area_code = ?', params: [(target as { area: Area }).area.code] as Param[] } : where(target, 'street')
      const cols = opts.group.map(
        (g) =>
          ({
            month: `strftime(month, '%Y-%m') AS month`,
            crime_type: 'crime_type',
            lsoa: 'lsoa_code AS lsoa',
            outcome: 'outcome',
          })[g],
      )
      const params: Param[] = [...w.params, `${opts.from}-01`, `${opts.to}-01`]
      let typeSql = ''
      if (opts.types?.length) {
        typeSql = ` AND crime_type IN (SELECT unnest(?::VARCHAR[]))`
        params.push(opts.types)
      }
      let sql = `SELECT ${[...cols, 'sum(n)::BIGINT AS count'].join(', ')} FROM ${byArea ? 'crime.area_counts' : 'crime.street_counts'}
         WHERE ${w.sql} AND month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)${typeSql}
         ${cols.length ? `GROUP BY ${opts.group.map((_, i) => i + 1).join(', ')}` : ''}`
      // By LSOA: each LSOA's name comes with it (a force has thousands), and records with no location are named so.
      if (opts.group.includes('lsoa'))
        sql = `SELECT q.*, CASE WHEN q.lsoa IS NULL THEN 'No location' ELSE l.name END AS lsoa_name FROM (${sql}) q LEFT JOIN (${geography.lsoaNamesSql()}) l ON l.code = q.lsoa`
      const rows = await analytics.all<Record<string, string | number | null>>(
        `${sql} ${cols.length ? `ORDER BY ${opts.group.join(', ')}` : ''}`,
        params,
      )
      const filled = fillZeros(rows, opts.group, coverage)
      if (!opts.group.includes('lsoa') || filled.length === rows.length) return filled
      const names = new Map(rows.map((r) => [r.lsoa, r.lsoa_name]))
      return filled.map((r) => ('lsoa_name' in r ? r : { ...r, lsoa_name: names.get(r.lsoa) ?? null }))
    },

    /** Records counted by the groups asked for: one row per combination, from a table of one row per record. */
    async recordCounts(
      kind: 'stop-and-search' | 'outcomes',
      target: Target,
      opts: { from: string; to: string; group: string[] },
      coverage: Coverage,
    ) {
      const w = where(target, kind)
      const cols = opts.group.map((g) => (g === 'month' ? `strftime(month, '%Y-%m') AS month` : g === 'lsoa' ? 'lsoa_code AS lsoa' : g))
      const positions = opts.group.map((_, i) => i + 1).join(', ')
      const rows = await analytics.all<Record<string, string | number | null>>(
        `SELECT ${[...cols, 'count(*)::BIGINT AS count'].join(', ')} FROM ${TABLE_OF[kind]}
         WHERE ${w.sql} AND month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
         ${cols.length ? `GROUP BY ${positions} ORDER BY ${positions}` : ''}`,
        [...w.params, `${opts.from}-01`, `${opts.to}-01`],
      )
      return fillZeros(rows, opts.group, coverage)
    },
  }
}
export type CrimeQueries = ReturnType<typeof crimeQueries>

/**
 * When counts are grouped by month, every loaded month appears for every combination of the other groups seen in
 * the period (a month with no burglaries is 0 burglaries); months that are gaps do not appear at all.
 */
export function fillZeros(rows: Record<string, string | number | null>[], group: string[], coverage: Coverage) {
  if (!group.includes('month')) return rows
  const loaded = coverage.months.filter((m) => m.status === 'loaded').map((m) => m.month)
  const others = group.filter((g) => g !== 'month')
  const keyOf = (r: Record<string, unknown>) => JSON.stringify(others.map((g) => r[g] ?? null))
  const combos = new Map<string, Record<string, unknown>>()
  for (const r of rows) combos.set(keyOf(r), Object.fromEntries(others.map((g) => [g, r[g] ?? null])))
  if (!others.length) combos.set('[]', {})
  const have = new Set(rows.map((r) => `${r.month}|${keyOf(r)}`))
  const out = [...rows]
  for (const month of loaded) {
    for (const [k, combo] of combos) if (!have.has(`${month}|${k}`)) out.push({ ...(combo as any), month, count: 0 })
  }
  const order = (r: Record<string, unknown>) => group.map((g) => String(r[g] ?? '\uffff'))
  return out.sort((a, b) => {
    const x = order(a),
      y = order(b)
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1
    return 0
  })
}
