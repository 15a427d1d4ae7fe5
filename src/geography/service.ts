/**
 * Geography: the areas crime is counted by. An area is a set of LSOAs: an LSOA itself, a district, a CSP, a county,
 * a police force area (any of these by its GSS code, 2017 or later), or a custom area a partnership defines
 * (custom-<id>). Other capabilities ask this service what an area is and how to filter LSOAs by it; the DuckDB
 * tables behind it (schema geo) belong to this capability.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Analytics, Param } from '../platform/analytics.ts'
import type { Actor } from '../platform/audit.ts'
import { recordAudit } from '../platform/audit.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import fs from 'node:fs'
import path from 'node:path'
import type { JobContext, JobService, JobSource } from '../platform/jobs.ts'
import type { OrganisationService } from '../organisations/service.ts'
import { expandPaths, SourceError, type ArchiveLimits, type Source } from '../platform/sources.ts'
import { importGeography, setUpGeographyStore, type GeographyImportResult } from './importer.ts'
import { plural } from '../platform/format.ts'

export const AREA_TYPE_LABELS: Record<string, string> = {
  lsoa: 'LSOA',
  district: 'District',
  'community safety partnership': 'Community safety partnership',
  county: 'County',
  'police force area': 'Police force area',
  custom: 'Custom area',
  force: 'Police force',
}

export const GEOGRAPHY_FILES = {
  files: /\.(csv|geojson|json)(\.(gz|br))?$/i,
  what: 'CSV or GeoJSON',
  hint: 'Give the folder of ONS lookups and boundaries (the formats in the README under "Geography").',
}

export interface Area {
  /** The code as given in addresses: a GSS code, an LSOA code, or custom-<id>. */
  code: string
  name: string
  type: string
  kind: 'lsoa' | 'area' | 'custom'
  lsoaCount: number
  population: number | null
  /** ONS police force areas its LSOAs lie in (which forces' data it needs). */
  pfaCodes: string[]
  /** For an LSOA: its district, CSP and police force area, for links. */
  parents: { code: string; name: string; type: string }[]
  /** For custom areas: the partnership it belongs to, and its LSOAs. */
  partnershipId?: number
  lsoaCodes?: string[]
  description?: string | null
  versions?: string[]
}

export const CustomAreaInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120, title: 'Name' }),
    description: Type.Optional(Type.String({ maxLength: 2000, title: 'Description' })),
    lsoaCodes: Type.String({
      minLength: 1,
      maxLength: 200000,
      title: 'LSOA codes',
      errorMessage: 'Enter the LSOA codes of the area, one per line or separated by commas, like E01032561',
    }),
    version: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
)
export type CustomAreaInput = Static<typeof CustomAreaInput>

export interface CustomAreaRow {
  id: number
  partnership_id: number
  name: string
  description: string | null
  lsoa_codes: string[]
  version: number
  updated_at: Date
}

export const customAreaCode = (id: number) => `custom-${id}`

/** One area found by search. */
export interface AreaHit {
  code: string
  name: string
  type: string
  lsoa_count: number
  population_2019: number | null
}

export interface PostcodeDistrict {
  district: string
  town: string | null
  /** The LSOA whose population-weighted centroid is nearest the district's centroid. */
  lsoa: { code: string; name: string } | null
  /** Why no areas are given (not in England and Wales, no map position). */
  problem?: string
}

export interface AreaSearchResult {
  /** What was searched for, tidied (spaces collapsed). */
  query: string
  postcode?: PostcodeDistrict
  hits: AreaHit[]
  /** There were more than the limit. */
  more: boolean
}

export const SEARCH_MAX_LENGTH = 100
export const SEARCH_HINT = 'Enter a place or area name, an LSOA or a postcode district, like South Worcestershire, Winchester 012B or SO23'

/** What someone typed into the area search, tidied; a ValidationError (field q) for what cannot be searched for. */
export function checkSearchText(typed: unknown): string {
  const s = typeof typed === 'string' ? typed : ''
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s))
    throw new ValidationError({
      q: 'The search has characters that are not letters, numbers or spaces (control characters): type it again',
    })
  const q = s.replace(/\s+/g, ' ').trim()
  if (!q) throw new ValidationError({ q: SEARCH_HINT })
  if (q.length > SEARCH_MAX_LENGTH)
    throw new ValidationError({
      q: `The search must be ${SEARCH_MAX_LENGTH} characters or fewer (this is ${q.length}): ${SEARCH_HINT.replace(/^Enter/, 'enter')}`,
    })
  return q
}

export const GEOGRAPHY_IMPORT = 'import:geography'

/** A geography import job's parameters (stored, so that it can be run again): folders and files on this server's disk. */
interface GeographyImportParams {
  paths: string[]
}
/** Unstored, from the process that started it: its progress bar; the run leaves its result or error here. */
interface GeographyImportLocal {
  onProgress?: (done: number, total: number, current: string) => void
  result?: GeographyImportResult
  error?: unknown
}

export function geographyService(
  db: Db,
  analytics: Analytics,
  deps: { jobs: JobService; organisations: OrganisationService; archive?: ArchiveLimits },
) {
  // Tables are made once, when services() builds this service; every method may then assume them.
  let ready: Promise<void> | undefined
  const listeners: (() => Promise<void>)[] = []
  /**
   * What pages ask for again and again (the list of areas, an area's facts), kept until the geography changes. Only
   * this process can change it (DuckDB locks its file to one process), so clearing at each import is enough.
   */
  const memo = new Map<string, Promise<unknown>>()
  const remember = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let v = memo.get(key) as Promise<T> | undefined
    if (!v) {
      if (memo.size > 5000) memo.clear()
      v = fn()
      v.catch(() => memo.delete(key))
      memo.set(key, v)
    }
    return v
  }
  const setUp = () => (ready ??= setUpGeographyStore(analytics))

  async function lsoaFacts(codes: string[]) {
    if (!codes.length) return []
    return analytics.all<{ code: string; name: string; pfa21: string | null; population_2019: number | null }>(
      `SELECT code, name, pfa21, population_2019 FROM geo.lsoa WHERE code IN (SELECT unnest(?::VARCHAR[]))`,
      [codes],
    )
  }

  /** Parse the LSOA codes typed or pasted into a custom area's form, and check each is a real LSOA. */
  async function checkLsoaCodes(text: string): Promise<string[]> {
    const codes = [
      ...new Set(
        text
          .split(/[\s,;]+/)
          .map((c) => c.trim().toUpperCase())
          .filter(Boolean),
      ),
    ]
    const malformed = codes.filter((c) => !/^[EW]01\d{6}$/.test(c))
    if (malformed.length)
      throw new ValidationError({
        lsoaCodes: `${malformed.slice(0, 5).join(', ')}${malformed.length > 5 ? ` and ${malformed.length - 5} more` : ''} ${malformed.length === 1 ? 'is not an LSOA code' : 'are not LSOA codes'}: LSOA codes are E01 or W01 and 6 digits, like E01032561`,
      })
    if (codes.length > 5000) throw new ValidationError({ lsoaCodes: `A custom area can have up to 5,000 LSOAs (this has ${codes.length})` })
    const found = new Set((await lsoaFacts(codes)).map((r) => r.code))
    if (!found.size && codes.length) {
      const [{ n }] = await analytics.all<{ n: number }>(`SELECT count(*) AS n FROM geo.lsoa`)
      if (!n)
        throw new ValidationError({
          lsoaCodes:
            'The ONS geography has not been loaded yet, so LSOA codes cannot be checked. An administrator loads it with safer import geography.',
        })
    }
    const unknown = codes.filter((c) => !found.has(c))
    if (unknown.length)
      throw new ValidationError({
        lsoaCodes: `${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} ${unknown.length === 1 ? 'is not an LSOA' : 'are not LSOAs'} in England and Wales (2011 LSOA codes, as police.uk uses)`,
      })
    return codes.sort()
  }

  /** An LSOA or ONS area by its code (remembered by area()). */
  async function onsArea(code: string): Promise<Area> {
    if (/^[EW]01\d{6}$/.test(code)) {
      const [l] = await analytics.all<any>(`SELECT * FROM geo.lsoa WHERE code = ?`, [code])
      if (!l) throw new NotFoundError(`There is no LSOA ${code} in the ONS geography loaded`)
      const parents = await analytics.all<{ code: string; name: string; type: string }>(
        `SELECT code, name, type FROM geo.areas WHERE code IN (?, ?, ?, ?) ORDER BY CASE type WHEN 'district' THEN 1 WHEN 'community safety partnership' THEN 2 WHEN 'county' THEN 3 ELSE 4 END`,
        [coalesce(l.lad22, l.lad19), l.csp21, l.county, l.pfa21],
      )
      return {
        code,
        name: l.name,
        type: 'lsoa',
        kind: 'lsoa',
        lsoaCount: 1,
        population: l.population_2019,
        pfaCodes: l.pfa21 ? [l.pfa21] : [],
        parents,
      }
    }
    const [a] = await analytics.all<any>(`SELECT * FROM geo.areas WHERE code = ?`, [code])
    if (!a || !a.lsoa_count) throw new NotFoundError(`There is no area with the code ${code} in the ONS geography loaded`)
    return {
      code,
      name: a.name,
      type: a.type,
      kind: 'area',
      lsoaCount: a.lsoa_count,
      population: a.population_2019,
      pfaCodes: a.pfa_codes ?? [],
      parents: [],
      versions: a.versions,
    }
  }

  /** The geography import job: its progress and result hold the same facts as a police.uk import's (see crime/import-record.ts). */
  async function runImport(
    ctx: JobContext<GeographyImportParams, GeographyImportLocal>,
    service: { syncAreas(actor: Actor): Promise<number> },
  ) {
    const { job } = ctx
    const local = ctx.local
    const actor: Actor = { id: job.started_by, name: job.started_by_name }
    const audit = (status: string, o: { message: string; filesImported: number; filesRefused: number; rowsKept: number }) =>
      recordAudit(db, actor, {
        action: 'create',
        entity: 'data import',
        entityId: job.id,
        summary: o.message,
        after: {
          dataset: 'geography',
          source: job.source,
          status,
          files_imported: o.filesImported,
          files_refused: o.filesRefused,
          rows_kept: o.rowsKept,
        },
      })
    let result: GeographyImportResult
    try {
      const sources: Source[] = await expandPaths(ctx.params.paths, GEOGRAPHY_FILES, deps.archive)
      ctx.progress({ done: 0, total: sources.length, unit: 'files' })
      result = await importGeography(analytics, sources, {
        actor: actor.name,
        onProgress: (done, total, current) => {
          local?.onProgress?.(done, total, current)
          ctx.progress({ done, total, unit: 'files', currentFile: current })
        },
      })
      memo.clear()
      if (result.ok) {
        await service.syncAreas(actor)
        for (const fn of listeners) await fn()
      }
    } catch (err) {
      if (local) local.error = err
      const message = `Geography import failed: ${(err as Error).message}`
      await audit('failed', { message, filesImported: 0, filesRefused: 0, rowsKept: 0 }).catch(() => {})
      throw new Error(message, { cause: err })
    }
    if (local) local.result = result
    const outcome = {
      results: result.files,
      rowsKept: result.lsoas,
      filesImported: result.files.filter((f) => f.status === 'imported').length,
      filesRefused: result.files.filter((f) => f.status === 'refused').length,
      message: result.ok
        ? `Geography loaded: ${plural(result.lsoas, 'LSOA')}, ${result.areas.map((a) => plural(a.count, a.type === 'community safety partnership' ? 'CSP' : a.type)).join(', ')}`
        : 'Geography not loaded: a file had problems, so nothing was changed',
    }
    await audit(result.ok ? 'finished' : 'failed', outcome)
    if (!result.ok) {
      // Nothing landed, so the job failed; what happened to each file stays with it (a failed job keeps its last progress).
      ctx.progress({ results: outcome.results })
      throw new Error(outcome.message)
    }
    return outcome
  }

  // ---- Area search: the names people use, LSOA names and codes, postcode districts ----

  /** Words people add that are not part of an area's name ("South Worcester CSP", "Winchester district"). */
  const NOT_NAME_WORDS = new Set([
    'and',
    'of',
    'the',
    'csp',
    'community',
    'safety',
    'partnership',
    'council',
    'district',
    'borough',
    'police',
    'force',
    'area',
    'lsoa',
    'city',
  ])
  /** A name as search compares it: lower case, letters and digits only, "-shire" dropped ("Worcestershire" reads as "worcester"). */
  const searchKey = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .replace(/shire\b/g, '')
      .trim()
  const SEARCH_KEY_SQL = (col: string) => `trim(regexp_replace(regexp_replace(lower(${col}), '[^a-z0-9]+', ' ', 'g'), 'shire\\b', '', 'g'))`
  /** Every area and LSOA with its search key, made once after each import (a few tens of milliseconds). */
  const searchIndex = () =>
    remember('search-index', async () => {
      await analytics.run(`CREATE OR REPLACE TABLE geo.search_index AS
        SELECT code, name, type, lsoa_count, population_2019, ' ' || ${SEARCH_KEY_SQL('name')} || ' ' AS key,
          CASE type WHEN 'community safety partnership' THEN 1 WHEN 'district' THEN 2 WHEN 'county' THEN 3 WHEN 'police force area' THEN 4 ELSE 5 END AS rank
        FROM (SELECT code, name, type, lsoa_count, population_2019 FROM geo.areas WHERE lsoa_count > 0
              UNION ALL SELECT code, name, 'lsoa', 1, population_2019 FROM geo.lsoa)`)
      return true
    })

  /** A postcode district and the areas its centroid lies in; undefined when Safer does not know the district. */
  async function postcodeDistrict(district: string): Promise<{ postcode: PostcodeDistrict; hits: AreaHit[] } | undefined> {
    const [d] = await analytics
      .all<{ district: string; latitude: number | null; longitude: number | null; town_area: string | null; post_town: string | null }>(
        `SELECT district, latitude, longitude, town_area, post_town FROM geo.postcode_districts WHERE district = ?`,
        [district],
      )
      .catch(() => [])
    if (!d) return undefined
    const postcode: PostcodeDistrict = { district: d.district, town: d.post_town || d.town_area || null, lsoa: null }
    if (d.latitude === null || d.longitude === null)
      return {
        postcode: { ...postcode, problem: `${district} has no map position (it is not a place, such as a PO box district)` },
        hits: [],
      }
    // The nearest LSOA by its population-weighted centroid (distances in km, near enough at these scales).
    const [near] = await analytics.all<{
      code: string
      name: string
      lad: string | null
      csp21: string | null
      county: string | null
      pfa21: string | null
      km: number
    }>(
      `SELECT code, name, coalesce(lad22, lad19) AS lad, csp21, county, pfa21,
         111.2 * sqrt(power(latitude - ?, 2) + power((longitude - ?) * cos(radians(?)), 2)) AS km
       FROM geo.lsoa WHERE latitude IS NOT NULL ORDER BY km LIMIT 1`,
      [d.latitude, d.longitude, d.latitude],
    )
    if (!near || near.km > 15)
      return { postcode: { ...postcode, problem: `${district} is not in England or Wales, so Safer has no areas for it` }, hits: [] }
    const codes = [near.lad, near.csp21, near.county, near.pfa21].filter((c): c is string => !!c)
    const hits = await analytics.all<AreaHit>(
      `SELECT code, name, type, lsoa_count, population_2019 FROM geo.search_index WHERE code IN (SELECT unnest(?::VARCHAR[])) ORDER BY rank`,
      [[...codes, near.code]],
    )
    return { postcode: { ...postcode, lsoa: { code: near.code, name: near.name } }, hits }
  }

  const service = {
    setUp,

    /** Run fn after each geography import that lands (other capabilities keep figures derived from areas). */
    onChange(fn: () => Promise<void>) {
      listeners.push(fn)
    },

    /** Identifies the geography loaded: it changes whenever an import lands. */
    stamp(): Promise<string> {
      return remember('stamp', async () => {
        const [r] = await analytics.all<{ s: string }>(
          `SELECT coalesce(max(imported_at)::VARCHAR, '') || '/' || count(*) AS s FROM geo.datasets`,
        )
        return r.s
      })
    },

    /** SQL giving (area_code, lsoa_code) for every ONS area: which LSOAs make up each district, CSP, county and police force area. */
    membershipSql: () => `SELECT area_code, lsoa_code FROM geo.area_lsoas`,
    /** SQL giving (code, name) for every LSOA. */
    lsoaNamesSql: () => `SELECT code, name FROM geo.lsoa`,

    /**
     * Load ONS geography from folders or files, as a job run in this process (one geography import at a time, on any
     * server); areas it names are added to the shared directory of areas. Resolves when it ends, with what happened
     * to each file (ok is false when a bad file stopped it: nothing landed, and the job is recorded as failed).
     */
    async importPaths(
      paths: string[],
      actor: Actor,
      source: JobSource,
      onProgress?: (done: number, total: number, current: string) => void,
    ): Promise<GeographyImportResult & { importId: number }> {
      const local: GeographyImportLocal = { onProgress }
      const { job, finished } = await deps.jobs.runNow(
        GEOGRAPHY_IMPORT,
        { paths: paths.map((p) => path.resolve(p)) },
        { actor, source, local },
      )
      const ended = await finished
      if (!local.result) throw local.error ?? new Error(ended.error ?? 'The geography import did not finish')
      return { ...local.result, importId: Number(job.id) }
    },

    /** Add the districts, CSPs, police force areas and counties the geography names to the areas table (names already there are kept). */
    async syncAreas(actor: Actor, q?: Queryable) {
      const areas = await analytics.all<{ code: string; name: string; type: string }>(
        `SELECT code, name, type FROM geo.areas ORDER BY code`,
      )
      if (!areas.length) return 0
      // The areas table belongs to the organisations capability: added through its service.
      return (await deps.organisations.addAreas(areas, { id: 'geography import', name: 'the ONS geography' }, actor, q)).length
    },

    loaded(): Promise<{
      lsoas: number
      boundaries: number
      datasets: { dataset: string; title: string; source_file: string; rows: number; imported_at: string; imported_by: string }[]
    }> {
      return remember('loaded', async () => {
        const [{ n }] = await analytics.all<{ n: number }>(`SELECT count(*) AS n FROM geo.lsoa`)
        const [{ b }] = await analytics.all<{ b: number }>(`SELECT count(*) AS b FROM geo.boundaries`)
        const datasets = await analytics.all<any>(
          `SELECT dataset, title, source_file, rows, imported_at, imported_by FROM geo.datasets ORDER BY title`,
        )
        return { lsoas: n, boundaries: b, datasets }
      })
    },

    /**
     * Find areas by what someone typed: a name as people say it ("South Worcestershire" finds South Worcester CSP),
     * an LSOA's name ("Winchester 012B") or code, a GSS code, or a postcode district ("SO23", or a full postcode's
     * outward part), which finds the areas its centroid lies in (by the LSOA whose population-weighted centroid is
     * nearest). Throws a ValidationError (field q) for input that cannot be searched for.
     */
    async search(typed: string, opts: { limit?: number } = {}): Promise<AreaSearchResult> {
      const q = checkSearchText(typed)
      const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200)
      await searchIndex()
      const compact = q.toUpperCase().replace(/\s+/g, '')
      // A postcode district, or a full postcode (its outward code is the district).
      const pc = /^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})?$/.exec(compact)
      if (pc) {
        const found = await postcodeDistrict(pc[1])
        if (found) return { query: q, postcode: found.postcode, hits: found.hits, more: false }
      }
      if (/^[EW]\d{8}$/.test(compact)) {
        const hits = await analytics.all<AreaHit>(
          `SELECT code, name, type, lsoa_count, population_2019 FROM geo.search_index WHERE code = ?`,
          [compact],
        )
        return { query: q, hits, more: false }
      }
      const words = searchKey(q)
        .split(' ')
        .filter((w) => w && !NOT_NAME_WORDS.has(w))
        .slice(0, 8)
      if (!words.length) return { query: q, hits: [], more: false }
      const whole = ` ${words.join(' ')} `
      // Every word typed starts a word of the name (in any order).
      let hits = await analytics.all<AreaHit>(
        `SELECT code, name, type, lsoa_count, population_2019 FROM geo.search_index
         WHERE ${words.map(() => `key LIKE ?`).join(' AND ')}
         ORDER BY (key = ?) DESC, (key LIKE ?) DESC, rank, length(name), name LIMIT ${limit + 1}`,
        [...words.map((w) => `% ${w}%`), whole, `${whole}%`],
      )
      if (!hits.length) {
        // Nothing starts that way: the names closest in spelling ("Worcestor"), areas before LSOAs.
        hits = await analytics.all<AreaHit>(
          `SELECT code, name, type, lsoa_count, population_2019 FROM (
             SELECT *, jaro_winkler_similarity(trim(key), ?) AS score FROM geo.search_index WHERE rank < 5
           ) WHERE score >= 0.88 ORDER BY score DESC, rank, name LIMIT ${limit + 1}`,
          [whole.trim()],
        )
      }
      return { query: q, hits: hits.slice(0, limit), more: hits.length > limit }
    },

    /** Every ONS area (not LSOAs), optionally of one type, by name. */
    listAreas(type?: string) {
      return remember(`areas:${type ?? ''}`, () =>
        analytics.all<{ code: string; name: string; type: string; lsoa_count: number; population_2019: number | null; versions: string[] }>(
          `SELECT code, name, type, lsoa_count, population_2019, versions FROM geo.areas WHERE lsoa_count > 0 ${type ? 'AND type = ?' : ''} ORDER BY type, name`,
          type ? [type] : [],
        ),
      )
    },

    /** What an area code means. Throws NotFoundError for a code that is no area Safer knows. */
    async area(code: string, opts: { canSeeCustom?: (partnershipId: number) => Promise<boolean> } = {}): Promise<Area> {
      const custom = /^custom-(\d{1,9})$/.exec(code)
      if (!custom) return remember(`area:${code}`, () => onsArea(code))
      const row = await maybeOne<CustomAreaRow>(db, `SELECT * FROM custom_areas WHERE id = $1`, [Number(custom[1])])
      if (!row || (opts.canSeeCustom && !(await opts.canSeeCustom(row.partnership_id)))) throw new NotFoundError()
      // The LSOAs' facts come from DuckDB, which answers one query at a time: kept per custom area and version, so a
      // busy custom area's page does not queue behind its own look-ups (bench:web: p95 about 1 s before this).
      const facts = await remember(`custom:${row.id}:${row.version}`, () => lsoaFacts(row.lsoa_codes))
      return {
        code,
        name: row.name,
        type: 'custom',
        kind: 'custom',
        lsoaCount: row.lsoa_codes.length,
        lsoaCodes: row.lsoa_codes,
        description: row.description,
        population: facts.some((f) => f.population_2019 !== null) ? facts.reduce((n, f) => n + (f.population_2019 ?? 0), 0) : null,
        pfaCodes: [...new Set(facts.map((f) => f.pfa21).filter((p): p is string => !!p))].sort(),
        parents: [],
        partnershipId: row.partnership_id,
      }
    },

    /**
     * An SQL condition selecting an area's LSOAs in `column` of a DuckDB query, with its parameters.
     * The geography tables stay this capability's own: other capabilities use this, not the tables.
     */
    lsoaFilter(area: Area, column: string): { sql: string; params: Param[] } {
      if (area.kind === 'lsoa') return { sql: `${column} = ?`, params: [area.code] }
      if (area.kind === 'custom') return { sql: `${column} IN (SELECT unnest(?::VARCHAR[]))`, params: [area.lsoaCodes ?? []] }
      return { sql: `${column} IN (SELECT lsoa_code FROM geo.area_lsoas WHERE area_code = ?)`, params: [area.code] }
    },

    /** The LSOAs of an area with their name, population and deprivation decile, for tables and maps. */
    async lsoasOf(area: Area) {
      const f = this.lsoaFilter(area, 'code')
      return analytics.all<{
        code: string
        name: string
        population_2019: number | null
        imd_decile: number | null
        ruc_name: string | null
      }>(`SELECT code, name, population_2019, imd_decile, ruc_name FROM geo.lsoa WHERE ${f.sql} ORDER BY name`, f.params)
    },

    /** GeoJSON features for the LSOAs of an area (those whose boundaries are loaded). */
    async lsoaBoundaries(area: Area): Promise<GeoJSON.Feature[]> {
      const f = this.lsoaFilter(area, 'b.code')
      const rows = await analytics.all<{ code: string; name: string; geometry: string }>(
        `SELECT b.code, coalesce(l.name, b.name) AS name, b.geometry FROM geo.boundaries b LEFT JOIN geo.lsoa l ON l.code = b.code WHERE b.level = 'lsoa' AND ${f.sql} ORDER BY b.code`,
        f.params,
      )
      return rows.map((r) => ({ type: 'Feature', properties: { code: r.code, name: r.name }, geometry: JSON.parse(r.geometry) }))
    },

    // ---- Custom areas (application database) ----

    listCustomAreas(partnershipId: number): Promise<CustomAreaRow[]> {
      return db.query(`SELECT * FROM custom_areas WHERE partnership_id = $1 ORDER BY name`, [partnershipId])
    },
    async getCustomArea(partnershipId: number, id: number): Promise<CustomAreaRow> {
      const row = await maybeOne<CustomAreaRow>(db, `SELECT * FROM custom_areas WHERE id = $1 AND partnership_id = $2`, [id, partnershipId])
      if (!row) throw new NotFoundError()
      return row
    },
    async createCustomArea(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<CustomAreaRow> {
      const data = validate(CustomAreaInput, input)
      const codes = await checkLsoaCodes(data.lsoaCodes)
      return inTransaction(db, q, async (tx) => {
        if (
          await maybeOne(tx, `SELECT 1 FROM custom_areas WHERE partnership_id = $1 AND lower(name) = lower($2)`, [partnershipId, data.name])
        )
          throw new ValidationError({ name: `There is already a custom area called ${data.name}` })
        return createRecord<CustomAreaRow>(
          tx,
          'custom_areas',
          { partnership_id: partnershipId, name: data.name, description: data.description ?? null, lsoa_codes: codes },
          { actor, partnershipId, entity: 'custom area', summary: data.name },
        )
      })
    },
    async updateCustomArea(partnershipId: number, id: number, input: unknown, actor: Actor): Promise<CustomAreaRow> {
      const data = validate(CustomAreaInput, input)
      await this.getCustomArea(partnershipId, id)
      const codes = await checkLsoaCodes(data.lsoaCodes)
      return db.transaction(async (tx) => {
        if (
          await maybeOne(tx, `SELECT 1 FROM custom_areas WHERE partnership_id = $1 AND lower(name) = lower($2) AND id <> $3`, [
            partnershipId,
            data.name,
            id,
          ])
        )
          throw new ValidationError({ name: `There is already a custom area called ${data.name}` })
        return updateRecord<CustomAreaRow>(
          tx,
          'custom_areas',
          id,
          data.version,
          { name: data.name, description: data.description ?? null, lsoa_codes: codes },
          { actor, partnershipId, entity: 'custom area', summary: data.name },
        )
      })
    },
    async removeCustomArea(partnershipId: number, id: number, version: number | undefined, actor: Actor) {
      await this.getCustomArea(partnershipId, id)
      return db.transaction((tx) => deleteRecord(tx, 'custom_areas', id, version, { actor, partnershipId, entity: 'custom area' }))
    },

    /**
     * What statistical peers are found from (scorecard/peers.ts), per CSP (the 2021 CSPs) or per district (every
     * district code of any version, each with its own LSOAs). population is mid-2019; imd_rank_weighted the mean IMD
     * 2019 rank of its LSOAs weighted by it (null where no LSOA has a rank: Wales); rural_population the mid-2019
     * population of its rural LSOAs (2011 classes D and E); population_2017 and area_sq_km the sums from the mid-2017
     * density file; csps the 2021 CSPs its LSOAs lie in.
     */
    peerFacts(by: 'csp' | 'district' = 'csp') {
      const from =
        by === 'csp'
          ? `geo.lsoa l JOIN geo.areas a ON a.code = l.csp21`
          : `geo.area_lsoas m JOIN geo.areas a ON a.code = m.area_code AND a.type = 'district' JOIN geo.lsoa l ON l.code = m.lsoa_code`
      return remember(`peer-facts:${by}`, () =>
        analytics.all<{
          code: string
          name: string
          population: number
          imd_rank_weighted: number | null
          rural_population: number
          population_2017: number
          area_sq_km: number
          csps: string[]
        }>(
          `SELECT a.code, any_value(a.name) AS name, sum(l.population_2019)::DOUBLE AS population,
             (sum(l.population_2019 * l.imd_rank) FILTER (WHERE l.imd_rank IS NOT NULL) / sum(l.population_2019) FILTER (WHERE l.imd_rank IS NOT NULL))::DOUBLE AS imd_rank_weighted,
             coalesce(sum(l.population_2019) FILTER (WHERE l.ruc_code LIKE 'D%' OR l.ruc_code LIKE 'E%'), 0)::DOUBLE AS rural_population,
             sum(l.population_2017)::DOUBLE AS population_2017, sum(l.area_sq_km)::DOUBLE AS area_sq_km,
             list(DISTINCT l.csp21 ORDER BY l.csp21) FILTER (WHERE l.csp21 IS NOT NULL) AS csps
           FROM ${from} GROUP BY a.code ORDER BY a.code`,
        ),
      )
    },
  }

  deps.jobs.define<GeographyImportParams, unknown>({
    kind: GEOGRAPHY_IMPORT,
    title: () => 'ONS geography import',
    exclusive: true,
    cannotRerun: (job) => {
      const gone = (job.params?.paths ?? []).filter((p) => !fs.existsSync(p))
      if (!job.params?.paths?.length)
        return 'Safer did not record which files this import read (it ran before imports were background jobs), so it cannot be run again. Import the files again.'
      return gone.length
        ? `${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} no longer on the server, so it cannot be run again. Import the files again.`
        : undefined
    },
    run: (ctx) => runImport(ctx as JobContext<GeographyImportParams, GeographyImportLocal>, service),
  })
  return service
}
export type GeographyService = ReturnType<typeof geographyService>

function coalesce<T>(...v: (T | null | undefined)[]) {
  return v.find((x) => x !== null && x !== undefined) ?? null
}

export { SourceError }
