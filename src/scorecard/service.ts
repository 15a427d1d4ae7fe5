/**
 * The performance scorecard: a partnership's indicators (its own and the built-in police.uk ones), their values,
 * CSV uploads (checked and previewed before anything is saved, undone as one unit), and each indicator's series
 * with its intervals, change, RAG and disclosure control. The statistics are in stats.ts (one function per method).
 *
 * Who sees what (the pages and the API alike, since both read `series` and `scorecard` here):
 *   - editors and administrators of the partnership see every figure;
 *   - everyone else sees small counts as "[c]" with what is worked out from them withheld (disclosure.ts);
 *   - indicators marked "partners" are seen by members only, "restricted" ones by the roles named (and the
 *     partnership's administrators, who manage them).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction } from '../platform/db/index.ts'
import type { Analytics } from '../platform/analytics.ts'
import { lineOf, stageCsv } from '../platform/csv-stage.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { recordAudit, type Actor } from '../platform/audit.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { ROLE_RANK, type Role } from '../platform/auth/service.ts'
import type { Partnership } from '../platform/access.ts'
import { formatNumber, plural, pValueText } from '../platform/format.ts'
import { validate } from '../platform/validation.ts'
import { getSetting, setSetting } from '../platform/settings.ts'
import type { GeographyService } from '../geography/service.ts'
import type { CrimeService } from '../crime/service.ts'
import { forcesFor } from '../crime/queries.ts'
import type { AgreementService } from '../agreement/service.ts'
import type { OrganisationService } from '../organisations/service.ts'
import {
  rateInterval,
  wilsonInterval,
  poissonRateRatioTest,
  holm,
  benjaminiHochberg,
  compareWithBenchmark,
  type Confidence,
} from '../platform/stats.ts'
import { BUILTIN, builtinByCode, isBuiltinCode, ASB, type BuiltinIndicator, type Polarity, type Sensitivity, type Unit } from './builtin.ts'
import {
  FREQUENCY_FORMAT,
  FREQUENCY_WORDS,
  inBaselineYear,
  parseAnyPeriod,
  parsePeriod,
  periodText,
  yearBefore,
  type Frequency,
  type View,
} from './periods.ts'
import { derive, inView, recentTrend, viewsFor, type RawPoint, type Trend } from './derived.ts'
import { SUPPRESSED, suppressedCells, type Cell, type Group } from './disclosure.ts'
import { IndicatorInput, ValueInput } from './schema.ts'
import { peerGroups, type PeerComparison } from './peer-groups.ts'

export const CSV_HEADER = ['indicator', 'area', 'period', 'numerator', 'denominator', 'value'] as const
/** Areas that are not in the geography but stand for a benchmark. */
export const NATIONAL_AREAS: Record<string, string> = { K04000001: 'England and Wales', E92000001: 'England', W92000004: 'Wales' }
/**
 * The regions (ONS codes) a partnership can compare with: England's nine, and Wales as a whole. They are not in the
 * bundled geography, so their names are kept here; a region's figures are the values uploaded for its code.
 */
export const REGIONS: Record<string, string> = {
  E12000001: 'North East',
  E12000002: 'North West',
  E12000003: 'Yorkshire and The Humber',
  E12000004: 'East Midlands',
  E12000005: 'West Midlands',
  E12000006: 'East of England',
  E12000007: 'London',
  E12000008: 'South East',
  E12000009: 'South West',
  W92000004: 'Wales',
}
/** Areas that stand for a benchmark (national or regional), not for a partnership's own area. */
export const BENCHMARK_AREAS: Record<string, string> = { ...REGIONS, ...NATIONAL_AREAS }

/** Who is looking: their role in the partnership (site administrators: admin), or none. */
export interface Viewer {
  role?: Role
}
export const isEditor = (v: Viewer) => v.role !== undefined && ROLE_RANK[v.role] >= ROLE_RANK.editor

export interface IndicatorRow {
  id: number
  partnership_id: number
  code: string
  builtin: boolean
  name: string
  definition: string | null
  unit: Unit
  per: number | null
  polarity: Polarity
  frequency: Frequency
  source: string | null
  owner_organisation_id: number | null
  caveats: string | null
  sensitivity: Sensitivity
  restricted_roles: Role[]
  suppression_threshold: number
  priority_lineages: number[]
  rag_method: 'none' | 'target' | 'statistical'
  target: string | null
  tolerance: string | null
  comparator: 'last-year' | 'england-and-wales' | 'peers' | 'region'
  /** The region compared with when the comparator is 'region' (a REGIONS code), or null. */
  benchmark_area: string | null
  /** The financial year each period is also compared with ('2017/18'), or null. */
  baseline: string | null
  position: number
  version: number
}

/** An indicator as shown: a stored one, or a built-in with the partnership's settings for it (if any). */
export interface Indicator extends Omit<IndicatorRow, 'id' | 'target' | 'tolerance'> {
  id: number | null
  target: number | null
  tolerance: number | null
  /** On the partnership's scorecard (every local one; the built-ins the partnership added). */
  onScorecard: boolean
  spec?: BuiltinIndicator
}

export interface ValueRow {
  id: number
  indicator_id: number
  area_code: string
  period: string
  period_start: string
  numerator: string | null
  denominator: string | null
  value: string
  upload_id: number | null
  replaced: { numerator: string | null; denominator: string | null; value: string; upload_id: number | null } | null
  version: number
}

/** One period of an indicator for one area, with its statistics, after disclosure control. */
export interface SeriesPoint {
  area: string
  period: string
  periodLabel: string
  periodStart: string
  periodEnd: string
  numerator: number | null
  denominator: number | null
  value: number | null
  ci95: [number, number] | null
  ci998: [number, number] | null
  method: string | null
  suppressed: boolean
  change: Comparison | null
  /** The same months in the indicator's baseline year (null without a baseline, or no figure for it). */
  baseline: Comparison | null
}

export interface Comparison {
  period: string
  value: number | null
  ratio: number | null
  p_value: number | null
}

/** How many comparisons on one page are adjusted for: Holm's method or Benjamini–Hochberg's. */
export type Adjustment = 'holm' | 'bh'
export const ADJUSTMENTS: readonly Adjustment[] = ['holm', 'bh']
export const ADJUSTMENT_WORDS: Record<Adjustment, string> = {
  holm: 'Holm’s method (controls the chance of any false finding)',
  bh: 'Benjamini–Hochberg (controls the share of false findings)',
}

export interface ScorecardRowData {
  indicator: Indicator
  area: string | undefined
  points: SeriesPoint[]
  latest: SeriesPoint | undefined
  rag: Rag | null
  adjustedP: number | null
  adjustedBaselineP: number | null
  trend: Trend
  /** The view the row is shown in: the page's, or the indicator's own periods when its figures do not allow that. */
  view: View
  /** The position among the partnership's peers for the latest period (peer-groups.ts), when there is one. */
  peers?: PeerComparison | null
}

export interface Rag {
  status: 'red' | 'amber' | 'green'
  reason: string
}

const num = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v))
const round = (v: number, dp = 6) => Math.round(v * 10 ** dp) / 10 ** dp

function toIndicator(row: IndicatorRow): Indicator {
  return {
    ...row,
    target: num(row.target),
    tolerance: num(row.tolerance),
    onScorecard: true,
    spec: row.builtin ? builtinByCode.get(row.code) : undefined,
  }
}

/** A built-in indicator the partnership has no settings for. */
function defaultBuiltin(partnershipId: number, b: BuiltinIndicator): Indicator {
  return {
    id: null,
    partnership_id: partnershipId,
    code: b.code,
    builtin: true,
    name: b.name,
    definition: b.definition,
    unit: b.unit,
    per: b.per,
    polarity: b.polarity,
    frequency: b.frequency,
    source: b.source,
    owner_organisation_id: null,
    caveats: null,
    sensitivity: 'public',
    restricted_roles: [],
    suppression_threshold: 5,
    priority_lineages: [],
    rag_method: 'none',
    target: null,
    tolerance: null,
    comparator: 'last-year',
    benchmark_area: null,
    baseline: null,
    position: 1000,
    version: 0,
    onScorecard: false,
    spec: b,
  }
}

/** May this viewer see this indicator at all? */
export function canSee(ind: Pick<Indicator, 'sensitivity' | 'restricted_roles'>, v: Viewer) {
  if (ind.sensitivity === 'public') return true
  if (!v.role) return false
  if (ind.sensitivity === 'partners') return true
  return v.role === 'admin' || ind.restricted_roles.includes(v.role)
}

/** The interval of a figure, in the figure's own units. */
function interval(ind: Indicator, numerator: number | null, denominator: number | null, c: Confidence): [number, number] | null {
  if (numerator === null) return null
  if (ind.unit === 'count') {
    const r = rateInterval(numerator, 1, 1, c)
    return [round(r.lower), round(r.upper)]
  }
  if (denominator === null || denominator <= 0) return null
  if (ind.unit === 'rate') {
    const r = rateInterval(numerator, denominator, ind.per ?? 1000, c)
    return [round(r.lower), round(r.upper)]
  }
  if (ind.unit === 'percentage') {
    const w = wilsonInterval(numerator, denominator, c)
    return [round(w.lower * 100), round(w.upper * 100)]
  }
  return null
}

/** The count a figure shows or is worked out from (for disclosure control), or null when it is not a count. */
function countOf(ind: Indicator, numerator: number | null): number | null {
  return ind.unit === 'count' || ind.unit === 'rate' || ind.unit === 'percentage' ? numerator : null
}

/** How the interval of a figure is worked out, or null when it has none. */
function methodOf(ind: Indicator, numerator: number | null): string | null {
  if (numerator === null) return null
  if (ind.unit === 'percentage') return 'Wilson score'
  if (ind.unit === 'count' || ind.unit === 'rate') return numerator < 10 ? 'exact Poisson' : "Byar's method"
  return null
}

/** Statistics and disclosure control for an indicator's raw figures (one area, in period order). */
function buildSeries(
  ind: Indicator,
  raw: RawPoint[],
  hidden: Set<string>,
  viewer: Viewer,
  opts: { latestOnly?: boolean } = {},
): SeriesPoint[] {
  const editor = isEditor(viewer)
  const byPeriod = new Map(raw.map((r) => [r.period.text, r]))
  const isHidden = (r: RawPoint) => !editor && hidden.has(`${ind.code}|${r.area}|${r.period.text}`)
  const baselineYear = ind.baseline ? parsePeriod(ind.baseline) : undefined
  /** The change from an earlier period: ratio and the exact test (withheld when either figure is). */
  const compare = (r: RawPoint, prev: RawPoint, suppressed: boolean): Comparison => {
    if (suppressed || isHidden(prev)) return { period: prev.period.text, value: null, ratio: null, p_value: null }
    let ratio: number | null = prev.value ? r.value / prev.value : null
    let p: number | null = null
    if (r.numerator !== null && prev.numerator !== null && ind.unit !== 'number' && ind.unit !== 'money') {
      const e1 = ind.unit === 'count' ? 1 : (r.denominator ?? 0)
      const e0 = ind.unit === 'count' ? 1 : (prev.denominator ?? 0)
      if (e1 > 0 && e0 > 0 && r.numerator + prev.numerator > 0) {
        const t = poissonRateRatioTest(r.numerator, e1, prev.numerator, e0)
        ratio = Number.isFinite(t.ratio) ? t.ratio : null
        p = t.pValue
      }
    }
    return {
      period: prev.period.text,
      value: prev.value,
      ratio: ratio === null ? null : round(ratio),
      p_value: p === null ? null : Number(p.toPrecision(6)),
    }
  }
  return raw.map((r, k) => {
    const suppressed = isHidden(r)
    const point: SeriesPoint = {
      area: r.area,
      period: r.period.text,
      periodLabel: periodText(r.period),
      periodStart: r.period.start,
      periodEnd: r.period.end,
      numerator: suppressed ? null : r.numerator,
      denominator: suppressed ? null : r.denominator,
      value: suppressed ? null : round(r.value),
      ci95: null,
      ci998: null,
      method: null,
      suppressed,
      change: null,
      baseline: null,
    }
    // The scorecard needs the statistics of the latest point only (the others draw its sparkline).
    if (opts.latestOnly && k < raw.length - 1) return point
    const prev = byPeriod.get(yearBefore(r.period).text)
    if (prev) point.change = compare(r, prev, suppressed)
    const counterpart = baselineYear && inBaselineYear(r.period, baselineYear)
    const base = counterpart && byPeriod.get(counterpart.text)
    if (base) point.baseline = compare(r, base, suppressed)
    if (!suppressed) {
      point.ci95 = interval(ind, r.numerator, r.denominator, 0.95)
      point.ci998 = interval(ind, r.numerator, r.denominator, 0.998)
    }
    point.method = methodOf(ind, r.numerator)
    return point
  })
}

/** Why a view is refused for an indicator, in words. */
function viewRefusal(ind: Pick<Indicator, 'code' | 'unit' | 'frequency'>, view: string) {
  const allowed = viewsFor(ind)
  return `${ind.code} is recorded by ${FREQUENCY_WORDS[ind.frequency]}${ind.unit === 'number' ? ' as a number that cannot be added up' : ''}: it can be shown by ${allowed.join(', ')}, not ${view}`
}

/** "7,055", "45.2 per 1,000", "12.5%", "£1,200". */
export function formatValue(ind: Pick<Indicator, 'unit' | 'per'>, v: number | null): string {
  if (v === null) return SUPPRESSED
  if (ind.unit === 'count') return formatNumber(v)
  if (ind.unit === 'rate') return `${formatNumber(v, 1)} per ${formatNumber(ind.per ?? 1000)}`
  if (ind.unit === 'percentage') return `${formatNumber(v, 1)}%`
  if (ind.unit === 'money') return `£${formatNumber(v)}`
  return formatNumber(v, Number.isInteger(v) ? 0 : 1)
}

/** The p-value as a page says it: "p < 0.001", "p = 0.03" (platform/format.ts, as the crime pages say it). */
export const pText = pValueText

/** RAG for the latest point, with its reason in words. */
export function ragFor(ind: Indicator, latest: SeriesPoint | undefined, benchmark?: { value: number; label: string }): Rag | null {
  if (!latest || latest.value === null || ind.rag_method === 'none' || ind.polarity === 'neither') return null
  const v = formatValue(ind, latest.value)
  const higherBetter = ind.polarity === 'higher-is-better'
  if (ind.rag_method === 'target') {
    if (ind.target === null) return null
    const t = formatValue(ind, ind.target)
    const worseBy =
      ind.target === 0 ? 0 : ((higherBetter ? ind.target - latest.value : latest.value - ind.target) / Math.abs(ind.target)) * 100
    const tol = ind.tolerance ?? 0
    if (worseBy <= 0) return { status: 'green', reason: `Green: ${v} meets the target of ${t}` }
    const pct = `${formatNumber(worseBy, 1)}%`
    const dir = higherBetter ? 'below' : 'above'
    if (worseBy <= tol)
      return {
        status: 'amber',
        reason: `Amber: ${v} is ${pct} ${dir} the target of ${t}, within the tolerance of ${formatNumber(tol, 1)}%`,
      }
    return { status: 'red', reason: `Red: ${v} is ${pct} ${dir} the target of ${t}, more than the tolerance of ${formatNumber(tol, 1)}%` }
  }
  if (ind.comparator === 'england-and-wales' || ind.comparator === 'peers' || ind.comparator === 'region') {
    if (!benchmark || !latest.ci95) return null
    const b = formatValue(ind, benchmark.value)
    const c = compareWithBenchmark({ lower: latest.ci95[0], upper: latest.ci95[1] }, benchmark.value, ind.polarity)
    const word = latest.value > benchmark.value ? 'higher' : 'lower'
    // The peers: "the peer average of 38.1 per 1,000 for 15 peers" (peer-groups.ts gives the label).
    const against = ind.comparator === 'peers' ? `the peer average of ${b} for ${benchmark.label}` : `${b} for ${benchmark.label}`
    // As Fingertips shows it: the 95% interval decides; when the 99.8% interval excludes the benchmark too, it says so.
    const strong =
      latest.ci998 && compareWithBenchmark({ lower: latest.ci998[0], upper: latest.ci998[1] }, benchmark.value, ind.polarity) === c
    const excludes = strong ? '95% and 99.8% intervals exclude it' : '95% interval excludes it'
    if (c === 'worse') return { status: 'red', reason: `Red: ${v} is significantly ${word} than ${against} (${excludes})` }
    if (c === 'better') return { status: 'green', reason: `Green: ${v} is significantly ${word} than ${against} (${excludes})` }
    return { status: 'amber', reason: `Amber: ${v} is not significantly different from ${against}` }
  }
  const ch = latest.change
  if (!ch || ch.value === null || ch.p_value === null) return null
  const prev = `${formatValue(ind, ch.value)} in ${periodText(parseAnyPeriod(ch.period)!)}`
  const word = latest.value > ch.value ? 'higher' : 'lower'
  const worse = higherBetter ? latest.value < ch.value : latest.value > ch.value
  if (ch.p_value < 0.05)
    return worse
      ? { status: 'red', reason: `Red: ${v} is significantly ${word} than ${prev} (${pText(ch.p_value)})` }
      : { status: 'green', reason: `Green: ${v} is significantly ${word} than ${prev} (${pText(ch.p_value)})` }
  return { status: 'amber', reason: `Amber: ${v} is not significantly different from ${prev} (${pText(ch.p_value)})` }
}

export interface UploadRow {
  line: number
  indicator: string
  area: string
  period: string
  numerator: number | null
  denominator: number | null
  value: number
}

export interface UploadCheck {
  rows: UploadRow[]
  problems: string[]
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/

/** The main area among an indicator's areas (most figures first): the partnership's area if it is one, else the first that is not a national benchmark. */
function mainAreaOf(p: Partnership, areas: string[]): string | undefined {
  return p.area_code && areas.includes(p.area_code) ? p.area_code : (areas.find((a) => !BENCHMARK_AREAS[a]) ?? areas[0])
}

export function scorecardService(
  db: Db,
  analytics: Analytics,
  deps: { geography: GeographyService; crime: CrimeService; agreement: AgreementService; organisations: OrganisationService },
) {
  // ---- Indicators ----

  async function stored(partnershipId: number, q: Queryable = db): Promise<Indicator[]> {
    const rows = await q.query<IndicatorRow>('SELECT * FROM scorecard_indicators WHERE partnership_id = $1 ORDER BY position, name', [
      partnershipId,
    ])
    return rows.map(toIndicator)
  }

  /**
   * The partnership's scorecard stamp: changed in the same transaction as every change to its indicators or values,
   * so a scorecard computed once is reused until then (by every app server sharing the database).
   */
  const stampKey = (partnershipId: number) => `scorecard-stamp-${partnershipId}`
  async function bump(q: Queryable, partnershipId: number) {
    await setSetting(q, stampKey(partnershipId), `${Date.now()}-${crypto.randomBytes(4).toString('hex')}`)
  }
  const computed = new Map<string, Promise<ScorecardRowData[]>>()
  const adjustmentKey = (partnershipId: number) => `scorecard-adjustment-${partnershipId}`
  // Statistical peers: the partnership's peer group and each row's position among them (peer-groups.ts).
  const peers = peerGroups(db, { geography: deps.geography, crime: deps.crime, bump, rag: ragFor })

  /** Every indicator the viewer may see: the partnership's own, then the built-ins (with its settings for them). */
  async function indicators(partnershipId: number, viewer: Viewer): Promise<Indicator[]> {
    const own = await stored(partnershipId)
    const codes = new Set(own.map((i) => i.code))
    const all = [...own, ...BUILTIN.filter((b) => !codes.has(b.code)).map((b) => defaultBuiltin(partnershipId, b))]
    return all.filter((i) => canSee(i, viewer))
  }

  async function indicator(partnershipId: number, code: string, viewer: Viewer): Promise<Indicator> {
    const found = (await indicators(partnershipId, viewer)).find((i) => i.code === code)
    if (!found) throw new NotFoundError()
    return found
  }

  /** Fields from a checked input, as stored. */
  function columns(input: IndicatorInput, builtin?: BuiltinIndicator) {
    const base = {
      caveats: input.caveats || null,
      sensitivity: input.sensitivity ?? 'public',
      restricted_roles: input.sensitivity === 'restricted' ? (input.restrictedRoles ?? []) : [],
      suppression_threshold: input.suppressionThreshold ?? 5,
      priority_lineages: input.priorities ?? [],
      rag_method: input.ragMethod ?? 'none',
      target: input.target ?? null,
      tolerance: input.tolerance ?? null,
      comparator: input.comparator ?? 'last-year',
      benchmark_area: input.comparator === 'region' ? input.region?.trim() || null : null,
      baseline: input.baseline?.trim() || null,
    }
    if (builtin)
      return {
        ...base,
        name: builtin.name,
        definition: builtin.definition,
        unit: builtin.unit,
        per: builtin.per,
        polarity: builtin.polarity,
        frequency: builtin.frequency,
        source: builtin.source,
      }
    return {
      ...base,
      name: input.name,
      definition: input.definition || null,
      unit: input.unit,
      per: input.unit === 'rate' ? (input.per ?? 1000) : null,
      polarity: input.polarity ?? 'neither',
      frequency: input.frequency ?? 'month',
      source: input.source || null,
      owner_organisation_id: input.ownerOrganisationId ?? null,
    }
  }

  function checkRules(input: IndicatorInput, builtin: BuiltinIndicator | undefined) {
    if (isBuiltinCode(input.code) && !builtin)
      throw new ValidationError({ code: 'Codes starting police-uk- are kept for the police.uk indicators; choose another code' })
    if (!builtin && !input.name) throw new ValidationError({ name: 'Enter the name of the indicator' })
    if (!builtin && !input.unit) throw new ValidationError({ unit: 'Select the unit' })
    if (input.ragMethod === 'target' && input.target === undefined)
      throw new ValidationError({ target: 'Enter the target, or choose another way to rate the indicator' })
    const baseline = input.baseline?.trim()
    if (baseline) {
      const period = parseAnyPeriod(baseline)
      if (!period)
        throw new ValidationError({
          baseline: `Enter the baseline as a financial year, such as 2017/18 (April 2017 to March 2018); "${baseline}" is not a period`,
        })
      if (period.frequency !== 'financial-year')
        throw new ValidationError({
          baseline: `Enter the baseline as a financial year, such as 2017/18, not a ${FREQUENCY_WORDS[period.frequency as Frequency] ?? 'part of a year'}: each period is compared with the same months of that year`,
        })
    }
    if (input.comparator === 'region') {
      const region = input.region?.trim()
      if (!region) throw new ValidationError({ region: 'Select the region to compare with, or choose another comparator' })
      if (!REGIONS[region])
        throw new ValidationError({
          region: `Select one of the regions (E12000001 to E12000009, or W92000004 for Wales); "${region}" is not one`,
        })
    }
    if (input.sensitivity === 'restricted' && !input.restrictedRoles?.length)
      throw new ValidationError({ restrictedRoles: 'Select the roles that may see a restricted indicator' })
  }

  const service = {
    indicators,
    indicator,
    stored,
    peers,

    /** Define an indicator (or take a built-in one onto the scorecard with the partnership's settings). */
    async defineIndicator(partnershipId: number, raw: unknown, actor: Actor, tx?: Queryable): Promise<Indicator> {
      const input = validate(IndicatorInput, raw)
      const builtin = builtinByCode.get(input.code)
      checkRules(input, builtin)
      return inTransaction(db, tx, async (q) => {
        const taken = await q.query('SELECT 1 FROM scorecard_indicators WHERE partnership_id = $1 AND code = $2', [
          partnershipId,
          input.code,
        ])
        if (taken.length) throw new ValidationError({ code: `This partnership already has an indicator with the code ${input.code}` })
        const [{ n }] = await q.query<{ n: number }>(
          'SELECT coalesce(max(position), 0)::int + 1 AS n FROM scorecard_indicators WHERE partnership_id = $1',
          [partnershipId],
        )
        const row = await createRecord<IndicatorRow>(
          q,
          'scorecard_indicators',
          { partnership_id: partnershipId, code: input.code, builtin: !!builtin, position: n, ...columns(input, builtin) },
          { actor, partnershipId, entity: 'indicator', summary: `Indicator ${input.code} defined` },
        )
        await bump(q, partnershipId)
        return toIndicator(row)
      })
    },

    async updateIndicator(
      partnershipId: number,
      code: string,
      raw: unknown,
      version: number | undefined,
      actor: Actor,
    ): Promise<Indicator> {
      const input = validate(IndicatorInput, { ...(raw as object), code })
      const current = (await stored(partnershipId)).find((i) => i.code === code)
      if (!current) throw new NotFoundError()
      checkRules(input, current.spec)
      return db.transaction(async (tx) => {
        const row = await updateRecord<IndicatorRow>(tx, 'scorecard_indicators', current.id!, version, columns(input, current.spec), {
          actor,
          partnershipId,
          entity: 'indicator',
          summary: `Indicator ${code} changed`,
        })
        await bump(tx, partnershipId)
        return toIndicator(row)
      })
    },

    // ---- Values ----

    /** Enter (or replace) one value from the form or the API. */
    async setValue(partnershipId: number, code: string, raw: unknown, actor: Actor, tx?: Queryable): Promise<ValueRow> {
      const input = validate(ValueInput, raw)
      const line = [code, input.area, input.period, input.numerator ?? '', input.denominator ?? '', input.value ?? ''].map(String)
      const check = await checkRows(partnershipId, [line], 'form')
      if (check.problems.length) {
        // One row: each problem belongs to a field; show it there.
        const errors: Record<string, string> = {}
        for (const p of check.problems) {
          const m = /^form:\d+: (\w+): (.*)$/.exec(p)
          if (m) errors[m[1] === 'indicator' ? 'area' : m[1]] ??= m[2].startsWith('expected') ? `E${m[2].slice(1)}` : m[2]
        }
        throw new ValidationError(errors)
      }
      return inTransaction(db, tx, (q) => saveRows(q, partnershipId, check.rows, null, actor).then((r) => r[0]))
    },

    /** Check a CSV file without saving anything: its rows, and every problem as "file:line: field: what was expected". */
    async checkFile(partnershipId: number, file: string, filename: string): Promise<UploadCheck> {
      return checkFile(partnershipId, file, filename)
    },

    /** Check an uploaded file and keep it for its preview (nothing is saved to the values until it is confirmed). */
    async previewUpload(partnershipId: number, file: string, filename: string, actor: Actor) {
      const check = await checkFile(partnershipId, file, filename)
      if (check.problems.length) return { check, upload: undefined }
      const content = fs.readFileSync(file, 'utf8')
      // The file's text is written after the audited insert, so that the audit trail records the upload (its name,
      // checksum and rows), never its contents; it is cleared again when the upload is saved or the preview expires.
      const upload = await db.transaction(async (tx) => {
        const u = await createRecord<{ id: number }>(
          tx,
          'scorecard_uploads',
          {
            partnership_id: partnershipId,
            filename,
            sha256: crypto.createHash('sha256').update(content).digest('hex'),
            row_count: check.rows.length,
          },
          { actor, partnershipId, entity: 'indicator upload', summary: `${filename} checked (${plural(check.rows.length, 'row')})` },
        )
        await tx.query('UPDATE scorecard_uploads SET content = $1 WHERE id = $2', [content, u.id])
        return u
      })
      return { check, upload }
    },

    /** An upload waiting for confirmation, checked again (the indicators may have changed since). */
    async uploadPreview(partnershipId: number, id: number) {
      const upload = await getUpload(partnershipId, id)
      if (upload.status !== 'preview' || upload.content === null) throw new NotFoundError()
      return { upload, check: await checkText(partnershipId, upload.content, upload.filename) }
    },

    /** Save a previewed upload's values in one transaction; refused (nothing saved) if any row is now bad. */
    async confirmUpload(partnershipId: number, id: number, actor: Actor) {
      const { upload, check } = await service.uploadPreview(partnershipId, id)
      if (check.problems.length) throw new ValidationError({ file: check.problems.join('\n') })
      return db.transaction(async (tx) => {
        await saveRows(tx, partnershipId, check.rows, upload.id, actor)
        await tx.query('UPDATE scorecard_uploads SET content = NULL WHERE id = $1', [upload.id])
        await updateRecord(
          tx,
          'scorecard_uploads',
          upload.id,
          upload.version,
          { status: 'saved' },
          { actor, partnershipId, entity: 'indicator upload', summary: `${upload.filename} saved (${plural(check.rows.length, 'value')})` },
        )
        return { ...upload, rows: check.rows.length }
      })
    },

    /** Save the rows of a file from the command line: all of them in one transaction, or none if any row is bad. */
    async importFile(partnershipId: number, file: string, actor: Actor): Promise<{ check: UploadCheck; uploadId?: number }> {
      const filename = path.basename(file)
      return saveChecked(partnershipId, filename, await checkFile(partnershipId, file, filename), actor)
    },

    /** Save rows given in code (the demo): the same checks as a file, all or nothing. */
    async importRows(
      partnershipId: number,
      filename: string,
      lines: string[][],
      actor: Actor,
    ): Promise<{ check: UploadCheck; uploadId?: number }> {
      return saveChecked(partnershipId, filename, await checkRows(partnershipId, lines, filename), actor)
    },

    /** Undo a saved upload: its new values removed, the values it replaced put back, in one transaction. */
    async undoUpload(partnershipId: number, id: number, actor: Actor) {
      const upload = await getUpload(partnershipId, id)
      if (upload.status !== 'saved') throw new ValidationError({ upload: 'Only a saved upload can be undone' })
      return db.transaction(async (tx) => {
        const values = await tx.query<ValueRow>('SELECT * FROM scorecard_values WHERE upload_id = $1', [id])
        const ctx = { actor, partnershipId, entity: 'indicator value', summary: `Undone with ${upload.filename}` }
        for (const v of values) {
          if (v.replaced)
            await updateRecord(
              tx,
              'scorecard_values',
              v.id,
              v.version,
              {
                numerator: v.replaced.numerator,
                denominator: v.replaced.denominator,
                value: v.replaced.value,
                upload_id: v.replaced.upload_id,
                replaced: null,
              },
              ctx,
            )
          else await deleteRecord(tx, 'scorecard_values', v.id, v.version, ctx)
        }
        await bump(tx, partnershipId)
        await updateRecord(
          tx,
          'scorecard_uploads',
          id,
          upload.version,
          { status: 'undone' },
          {
            actor,
            partnershipId,
            entity: 'indicator upload',
            summary: `${upload.filename} undone (${plural(values.length, 'value')})`,
          },
        )
        return { ...upload, values: values.length }
      })
    },

    async uploads(partnershipId: number) {
      return db.query<{ id: number; filename: string; row_count: number; status: string; created_at: Date; updated_at: Date }>(
        `SELECT id, filename, row_count, status, created_at, updated_at FROM scorecard_uploads WHERE partnership_id = $1 AND status <> 'preview' ORDER BY id DESC`,
        [partnershipId],
      )
    },

    // ---- Series and the scorecard ----

    /** An indicator's figures for one area (all periods, or from/to), with statistics and disclosure control. */
    async series(p: Partnership, ind: Indicator, area: string, viewer: Viewer, opts: { from?: string; to?: string; view?: View } = {}) {
      return (await service.seriesWithTrend(p, ind, area, viewer, opts)).points
    },

    /**
     * The series in a view (default: the indicator's own periods; a view its figures do not allow is refused), and
     * its recent trend. from/to keep the periods that end within them.
     */
    async seriesWithTrend(
      p: Partnership,
      ind: Indicator,
      area: string,
      viewer: Viewer,
      opts: { from?: string; to?: string; view?: View } = {},
    ): Promise<{ points: SeriesPoint[]; trend: Trend; view: View }> {
      const view = opts.view ?? ind.frequency
      const raw = await rawSeries(p, [ind], area)
      const shown = inView(ind, raw.points.get(ind.code) ?? [], raw.hidden, view, { protect: !isEditor(viewer) })
      if (!shown) throw new ValidationError({ view: viewRefusal(ind, view) })
      const editor = isEditor(viewer)
      const trend = recentTrend(ind, shown.points, (r) => !editor && shown.hidden.has(`${ind.code}|${r.area}|${r.period.text}`))
      const points = buildSeries(ind, shown.points, shown.hidden, viewer)
      const from = opts.from ? parseAnyPeriod(opts.from)?.start : undefined
      const to = opts.to ? parseAnyPeriod(opts.to)?.end : undefined
      const key = (x: SeriesPoint) => (view === ind.frequency ? x.periodStart : x.periodEnd)
      return { points: points.filter((x) => (!from || key(x) >= from) && (!to || key(x) <= to)), trend, view }
    },

    viewsFor,

    /** The areas an indicator has values for (local) or the partnership's own area (built-in). */
    async areasOf(p: Partnership, ind: Indicator): Promise<string[]> {
      if (ind.builtin) return p.area_code ? [p.area_code] : []
      const rows = await db.query<{ area_code: string }>(
        'SELECT area_code, count(*) FROM scorecard_values WHERE indicator_id = $1 GROUP BY area_code ORDER BY count(*) DESC, area_code',
        [ind.id],
      )
      return rows.map((r) => r.area_code)
    },

    /** The main area of an indicator on the scorecard (given its areas, when the caller has them already). */
    async mainArea(p: Partnership, ind: Indicator, areas?: string[]): Promise<string | undefined> {
      return mainAreaOf(p, areas ?? (await service.areasOf(p, ind)))
    },

    areaName,

    /**
     * The scorecard: every indicator on it that the viewer may see, with its latest figure, interval, change (p
     * adjusted by Holm's method across the page), RAG and reason, its recent values (sparkline), grouped by the
     * agreement's priorities.
     */
    async scorecard(p: Partnership, viewer: Viewer, opts: { view?: View; adjustment?: Adjustment } = {}) {
      const stamp = (await getSetting(db, stampKey(p.id))) ?? '0'
      const crimeStamp = p.area_code ? await deps.crime.dataVersion() : ''
      const view = opts.view
      const adjustment = opts.adjustment ?? (await service.adjustment(p.id))
      const key = `${p.id}|${p.area_code}|${stamp}|${crimeStamp}|${viewer.role ?? ''}|${view ?? 'own'}`
      let pending = computed.get(key)
      if (!pending) {
        if (computed.size > 200) computed.delete(computed.keys().next().value!)
        pending = scorecardRows(p, viewer, view)
        computed.set(key, pending)
        pending.catch(() => computed.delete(key))
      }
      const rows = (await pending).map((r) => ({ ...r }))

      // Many changes on one page (on a year before, and on the baseline): adjusted together, said on the page.
      const tests: { row: ScorecardRowData; field: 'adjustedP' | 'adjustedBaselineP'; p: number }[] = []
      for (const r of rows) {
        const c = r.latest?.change?.p_value
        const b = r.latest?.baseline?.p_value
        if (c !== null && c !== undefined) tests.push({ row: r, field: 'adjustedP', p: c })
        if (b !== null && b !== undefined) tests.push({ row: r, field: 'adjustedBaselineP', p: b })
      }
      const adjusted = (adjustment === 'bh' ? benjaminiHochberg : holm)(tests.map((t) => t.p))
      tests.forEach((t, i) => (t.row[t.field] = adjusted[i]))
      // Grouped by the priorities of the latest agreement the viewer may see.
      const version = await deps.agreement.latestVersion(p.id, { includeUnpublished: viewer.role !== undefined })
      const priorities = version ? await deps.agreement.priorities(version.id) : []
      const groups = priorities
        .map((pr) => ({
          title: `Priority ${pr.number}: ${pr.title}`,
          rows: rows.filter((r) => r.indicator.priority_lineages.includes(pr.lineage_id)),
        }))
        .filter((g) => g.rows.length)
      const linked = new Set(priorities.map((pr) => pr.lineage_id))
      const other = rows.filter((r) => !r.indicator.priority_lineages.some((l) => linked.has(l)))
      if (other.length) groups.push({ title: groups.length ? 'Other indicators' : 'Indicators', rows: other })
      // What the page drawn from this depends on, for the routes' cache of drawn tables: the rows (key), the
      // adjustment, and the priorities they are grouped under.
      const cacheKey = [key, adjustment, version?.id ?? '', ...priorities.map((pr) => `${pr.lineage_id}:${pr.number}:${pr.title}`)].join(
        '|',
      )
      return { rows, groups, version, priorities, view, adjustment, comparisons: tests.length, cacheKey }
    },

    /** The partnership's choice of adjustment for many comparisons (Holm's method unless it chose otherwise). */
    async adjustment(partnershipId: number, q: Queryable = db): Promise<Adjustment> {
      const v = await getSetting(q, adjustmentKey(partnershipId))
      return v === 'bh' ? 'bh' : 'holm'
    },

    /** Choose the adjustment for many comparisons (editors). */
    async setAdjustment(partnershipId: number, adjustment: string, actor: Actor) {
      if (!ADJUSTMENTS.includes(adjustment as Adjustment))
        throw new ValidationError({ adjustment: 'Select Holm’s method or Benjamini–Hochberg' })
      await db.transaction(async (tx) => {
        const before = await service.adjustment(partnershipId, tx)
        await setSetting(tx, adjustmentKey(partnershipId), adjustment)
        await bump(tx, partnershipId)
        await recordAudit(tx, actor, {
          action: 'update',
          entity: 'scorecard settings',
          entityId: partnershipId,
          partnershipId,
          summary: `Scorecard adjustment for many comparisons: ${adjustment === 'bh' ? 'Benjamini–Hochberg' : 'Holm'}`,
          before: { adjustment: before },
          after: { adjustment },
        })
      })
    },

    /** The partnership overview's box. */
    async overview(p: Partnership, opts: { includeUnpublished: boolean }) {
      const own = (await stored(p.id)).filter((i) => canSee(i, { role: opts.includeUnpublished ? 'viewer' : undefined }))
      return {
        heading: 'Performance scorecard',
        href: `/partnerships/${p.slug}/scorecard`,
        lines: own.length
          ? [`${plural(own.length, 'indicator')} on the scorecard`]
          : ['No indicators on the scorecard yet: the police.uk indicators are available for the partnership’s area'],
      }
    },
  }

  /** The scorecard's rows for one kind of viewer, before grouping (cached by scorecard() until the stamp changes). */
  async function scorecardRows(p: Partnership, viewer: Viewer, view: View | undefined): Promise<ScorecardRowData[]> {
    const all = (await indicators(p.id, viewer)).filter((i) => i.onScorecard)
    const locals = all.filter((i) => !i.builtin)
    const builtins = all.filter((i) => i.builtin)
    // Local figures for every area in one query; built-ins for the partnership's area in one crime query.
    const values = locals.length
      ? await db.query<ValueRow>(
          `SELECT indicator_id, area_code, period, numerator::float8 AS numerator, denominator::float8 AS denominator, value::float8 AS value FROM scorecard_values WHERE indicator_id = ANY($1::int[])`,
          [locals.map((i) => i.id)],
        )
      : []
    const rows: ScorecardRowData[] = []
    for (const ind of locals) {
      const mine = values.filter((v) => v.indicator_id === ind.id)
      const counts = new Map<string, number>()
      for (const v of mine) counts.set(v.area_code, (counts.get(v.area_code) ?? 0) + 1)
      const areas = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1))
      const area = mainAreaOf(p, areas)
      const raw = toRaw(mine.filter((v) => v.area_code === area))
      const shown = inScorecardView(ind, raw, primaryHidden(ind, raw))
      const points = buildSeries(ind, shown.points, shown.hidden, viewer, { latestOnly: true })
      const latest = points[points.length - 1]
      // England and Wales (or the region chosen): its own figure for the same period, or the same period worked out
      // from its figures.
      const benchmarkCode = ind.comparator === 'region' ? ind.benchmark_area : 'K04000001'
      const nationalRaw = latest && benchmarkCode && area !== benchmarkCode ? toRaw(mine.filter((v) => v.area_code === benchmarkCode)) : []
      const national = nationalRaw.length ? derive(ind, nationalRaw, shown.view)?.find((n) => n.period.text === latest!.period) : undefined
      rows.push({
        indicator: ind,
        area,
        points,
        latest,
        rag: ragFor(
          ind,
          latest,
          national && (ind.comparator === 'england-and-wales' || ind.comparator === 'region')
            ? { value: Number(national.value), label: BENCHMARK_AREAS[benchmarkCode!] }
            : undefined,
        ),
        adjustedP: null,
        adjustedBaselineP: null,
        trend: shown.trend,
        view: shown.view,
      })
    }
    if (builtins.length && p.area_code) {
      const raw = await rawSeries(p, builtins, p.area_code)
      for (const ind of builtins) {
        const shown = inScorecardView(ind, raw.points.get(ind.code) ?? [], raw.hidden)
        const points = buildSeries(ind, shown.points, shown.hidden, viewer, { latestOnly: true })
        const latest = points[points.length - 1]
        rows.push({
          indicator: ind,
          area: p.area_code,
          points,
          latest,
          rag: ragFor(ind, latest),
          adjustedP: null,
          adjustedBaselineP: null,
          trend: shown.trend,
          view: shown.view,
        })
      }
    } else
      for (const ind of builtins)
        rows.push({
          indicator: ind,
          area: undefined,
          points: [],
          latest: undefined,
          rag: null,
          adjustedP: null,
          adjustedBaselineP: null,
          trend: recentTrend(ind, [], () => false),
          view: ind.frequency,
        })
    await peers.attach(p, rows, viewer)
    return rows

    /** An indicator's figures in the page's view (or its own periods, when the view is not one they allow), with the trend. */
    function inScorecardView(ind: Indicator, raw: RawPoint[], hidden: Set<string>) {
      const editor = isEditor(viewer)
      const own = view && viewsFor(ind).includes(view) ? view : ind.frequency
      const shown = inView(ind, raw, hidden, own, { protect: !editor })!
      const trend = recentTrend(ind, shown.points, (r) => !editor && shown.hidden.has(`${ind.code}|${r.area}|${r.period.text}`))
      return { ...shown, trend, view: own }
    }
  }

  async function getUpload(partnershipId: number, id: number) {
    const [u] = await db.query<{
      id: number
      filename: string
      status: string
      content: string | null
      version: number
      row_count: number
    }>('SELECT * FROM scorecard_uploads WHERE id = $1 AND partnership_id = $2', [id, partnershipId])
    if (!u) throw new NotFoundError()
    return u
  }

  // ---- Areas ----

  const names = new Map<string, string | null>()
  /**
   * An area's name, or null when neither the geography nor the directory of areas knows it (national benchmarks
   * have their own names). Unknown codes are asked again next time (the geography may have been imported since).
   */
  async function areaName(code: string, partnershipId?: number): Promise<string | null> {
    if (BENCHMARK_AREAS[code]) return BENCHMARK_AREAS[code]
    const key = `${partnershipId ?? ''}|${code}`
    if (!names.get(key) || code.startsWith('custom-')) {
      try {
        const a = await deps.geography.area(code, { canSeeCustom: async (id) => id === partnershipId })
        names.set(key, a.name)
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err
        names.set(key, (await deps.organisations.areaNames([code])).get(code) ?? null)
      }
    }
    return names.get(key)!
  }

  // ---- Checking rows ----

  async function checkFile(partnershipId: number, file: string, filename: string): Promise<UploadCheck> {
    const first =
      fs
        .readFileSync(file, 'utf8')
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)[0] ?? ''
    const header = first.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase())
    if (header.join(',') !== CSV_HEADER.join(','))
      return {
        rows: [],
        problems: [`${filename}:1: header: expected the columns ${CSV_HEADER.join(',')}, found ${first.trim() || 'nothing'}`],
      }
    const { rows, rejected } = await analytics.withConnection(async (q) => {
      const table = `scorecard_upload_${crypto.randomBytes(6).toString('hex')}`
      try {
        const staged = (await stageCsv(q, table, [file], CSV_HEADER)).get(file)!
        const rows = await q.all<Record<(typeof CSV_HEADER)[number], string | null>>(
          `SELECT ${CSV_HEADER.join(', ')} FROM ${table} ORDER BY rowid`,
        )
        return { rows, rejected: staged.rejected }
      } finally {
        await q.run(`DROP TABLE IF EXISTS ${table}`)
      }
    })
    // Lines: the header is line 1; rows DuckDB could not read keep their own lines.
    const rejectedLines = rejected.map((r) => r.line).sort((a, b) => a - b)
    const lines = rows.map((r) => CSV_HEADER.map((c) => r[c] ?? ''))
    const lineNumbers = rows.map((_, k) => lineOf(k, rejectedLines))
    if (!rows.length && !rejected.length) return { rows: [], problems: [`${filename}:2: the file has a header but no rows`] }
    const checked = await checkRows(partnershipId, lines, filename, lineNumbers)
    const problems = [...rejected.map((r) => `${filename}:${r.line}: ${r.reason}`), ...checked.problems]
    const lineIn = (s: string) => Number(/:(\d+):/.exec(s)?.[1] ?? 0)
    return { rows: checked.rows, problems: problems.sort((a, b) => lineIn(a) - lineIn(b)) }
  }

  async function checkText(partnershipId: number, content: string, filename: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-scorecard-'))
    const file = path.join(dir, 'upload.csv')
    try {
      fs.writeFileSync(file, content)
      return await checkFile(partnershipId, file, filename)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }

  /** Check rows of [indicator, area, period, numerator, denominator, value]: every problem with its line. */
  async function checkRows(partnershipId: number, lines: string[][], filename: string, lineNumbers?: number[]): Promise<UploadCheck> {
    const own = new Map((await stored(partnershipId)).map((i) => [i.code, i]))
    const problems: string[] = []
    const rows: UploadRow[] = []
    const seen = new Map<string, number>()
    for (const [k, fields] of lines.entries()) {
      const line = lineNumbers?.[k] ?? k + 2
      const [code, area, periodText_, ...figures] = fields.map((f) => f.trim())
      const at = (field: string, what: string) => problems.push(`${filename}:${line}: ${field}: ${what}`)
      const before = problems.length
      const ind = own.get(code)
      if (!code) at('indicator', 'expected an indicator code, found nothing')
      else if (!ind) at('indicator', `expected the code of one of this partnership's indicators, found "${code}"`)
      else if (ind.builtin) at('indicator', `${code} is counted from the police.uk data; its values cannot be uploaded`)
      if (!area) at('area', 'expected a GSS code, LSOA code or custom area, found nothing')
      else if ((await areaName(area, partnershipId)) === null)
        at('area', `expected a GSS code, LSOA code or custom area, found "${area}", which is not an area Safer knows`)
      const period = parsePeriod(periodText_)
      if (!period) at('period', `expected 2019-01 (month), 2019/20 Q1 (quarter) or 2019/20 (financial year), found "${periodText_}"`)
      else if (ind && period.frequency !== ind.frequency)
        at(
          'period',
          `${code} is recorded by ${FREQUENCY_WORDS[ind.frequency]}: expected ${FREQUENCY_FORMAT[ind.frequency]}, found "${periodText_}"`,
        )
      const [n, d, v] = figures.map((f, i) => {
        const field = ['numerator', 'denominator', 'value'][i]
        if (f === '') return null
        if (!NUMBER.test(f.replace(/,/g, ''))) {
          at(field, `expected a number, found "${f}"`)
          return undefined
        }
        return Number(f.replace(/,/g, ''))
      })
      if (ind && n !== undefined && d !== undefined && v !== undefined) {
        const counts = ind.unit === 'count' || ind.unit === 'rate' || ind.unit === 'percentage'
        if (v === null && n === null) at('value', 'expected a value, or a numerator (with a denominator for a rate or percentage)')
        if (counts && n !== null && n < 0) at('numerator', `expected a count of 0 or more, found ${n}`)
        if (counts && n !== null && !Number.isInteger(n)) at('numerator', `expected a whole number (a count), found ${n}`)
        if (ind.unit === 'count' && v !== null && v < 0) at('value', `expected a count of 0 or more, found ${v}`)
        else if (ind.unit === 'count' && n === null && v !== null && !Number.isInteger(v))
          at('value', `expected a whole number (a count), found ${v}`)
        if (d !== null && d <= 0) at('denominator', `expected a number greater than 0, found ${d}`)
        if ((ind.unit === 'rate' || ind.unit === 'percentage') && n !== null && d === null && v === null)
          at('denominator', `expected a denominator with the numerator for a ${ind.unit}`)
        if (ind.unit === 'percentage' && n !== null && d !== null && n > d)
          at('numerator', `expected at most the denominator (${d}) for a percentage, found ${n}`)
        if (ind.unit === 'percentage' && v !== null && (v < 0 || v > 100)) at('value', `expected a percentage from 0 to 100, found ${v}`)
      }
      if (ind && period) {
        const key = `${code}|${area}|${period.text}`
        if (seen.has(key)) at('period', `repeats line ${seen.get(key)} (the same indicator, area and period)`)
        else seen.set(key, line)
      }
      if (problems.length > before || !ind || !period || n === undefined || d === undefined || v === undefined) continue
      let value = v
      if (value === null) {
        if (ind.unit === 'rate' && d !== null) value = (n! / d) * (ind.per ?? 1000)
        else if (ind.unit === 'percentage' && d !== null) value = (n! / d) * 100
        else value = n!
      }
      rows.push({
        line,
        indicator: code,
        area,
        period: period.text,
        numerator: ind.unit === 'count' && n === null ? value : n,
        denominator: d,
        value,
      })
    }
    return { rows, problems }
  }

  /** Save checked rows as one upload, all of them in one transaction, or nothing when the check found problems. */
  async function saveChecked(partnershipId: number, filename: string, check: UploadCheck, actor: Actor) {
    if (check.problems.length) return { check }
    const uploadId = await db.transaction(async (tx) => {
      const upload = await createRecord<{ id: number }>(
        tx,
        'scorecard_uploads',
        { partnership_id: partnershipId, filename, row_count: check.rows.length, status: 'saved' },
        { actor, partnershipId, entity: 'indicator upload', summary: `${filename} imported (${plural(check.rows.length, 'value')})` },
      )
      await saveRows(tx, partnershipId, check.rows, upload.id, actor)
      return upload.id
    })
    return { check, uploadId }
  }

  /** Write checked rows: new values are created, existing ones replaced (keeping what they were, for undo). */
  async function saveRows(q: Queryable, partnershipId: number, rows: UploadRow[], uploadId: number | null, actor: Actor) {
    const own = new Map((await stored(partnershipId, q)).map((i) => [i.code, i]))
    await bump(q, partnershipId)
    const out: ValueRow[] = []
    for (const r of rows) {
      const ind = own.get(r.indicator)!
      const period = parsePeriod(r.period)!
      const [existing] = await q.query<ValueRow>(
        'SELECT * FROM scorecard_values WHERE indicator_id = $1 AND area_code = $2 AND period = $3',
        [ind.id, r.area, period.text],
      )
      const figures = { numerator: r.numerator, denominator: r.denominator, value: r.value, upload_id: uploadId }
      const ctx = { actor, partnershipId, entity: 'indicator value', summary: `${r.indicator} ${r.area} ${r.period}: ${r.value}` }
      if (existing) {
        const replaced =
          uploadId === null
            ? null
            : { numerator: existing.numerator, denominator: existing.denominator, value: existing.value, upload_id: existing.upload_id }
        out.push(await updateRecord<ValueRow>(q, 'scorecard_values', existing.id, existing.version, { ...figures, replaced }, ctx))
      } else
        out.push(
          await createRecord<ValueRow>(
            q,
            'scorecard_values',
            { indicator_id: ind.id, area_code: r.area, period: period.text, period_start: `${period.start}-01`, ...figures },
            ctx,
          ),
        )
    }
    return out
  }

  // ---- Figures ----

  function toRaw(rows: ValueRow[]): RawPoint[] {
    return rows
      .map((v) => ({
        area: v.area_code,
        period: parsePeriod(v.period)!,
        numerator: num(v.numerator),
        denominator: num(v.denominator),
        value: Number(v.value),
      }))
      .sort((a, b) => (a.period.start < b.period.start ? -1 : 1))
  }

  function primaryHidden(ind: Indicator, raw: RawPoint[]): Set<string> {
    const cells: Cell[] = raw.map((r) => ({
      key: `${ind.code}|${r.area}|${r.period.text}`,
      count: countOf(ind, r.numerator),
      threshold: ind.suppression_threshold,
    }))
    return suppressedCells(cells)
  }

  /**
   * Raw figures of some indicators for one area, and the cells disclosure control hides. Built-in crime
   * indicators are counted together, so that each crime type and all crime in a month form one group (secondary
   * suppression: a hidden type cannot be worked out from the total).
   */
  async function rawSeries(p: Partnership, inds: Indicator[], area: string) {
    const points = new Map<string, RawPoint[]>()
    const cells: Cell[] = []
    const groups: Group[] = []
    const locals = inds.filter((i) => !i.builtin)
    if (locals.length) {
      const rows = await db.query<ValueRow>('SELECT * FROM scorecard_values WHERE indicator_id = ANY($1::int[]) AND area_code = $2', [
        locals.map((i) => i.id),
        area,
      ])
      for (const ind of locals) {
        const raw = toRaw(rows.filter((r) => r.indicator_id === ind.id))
        points.set(ind.code, raw)
        for (const r of raw)
          cells.push({
            key: `${ind.code}|${area}|${r.period.text}`,
            count: countOf(ind, r.numerator),
            threshold: ind.suppression_threshold,
          })
      }
    }
    const crimeInds = inds.filter((i) => i.builtin && i.spec && !i.spec.stopSearch)
    if (crimeInds.length) await crimeSeries(p, crimeInds, area, points, cells, groups)
    const ssInds = inds.filter((i) => i.builtin && i.spec?.stopSearch)
    if (ssInds.length) await stopSearchSeries(p, ssInds, area, points, cells)
    return { points, hidden: suppressedCells(cells, groups) }
  }

  async function target(p: Partnership, area: string) {
    try {
      return await deps.crime.target(area, async (id) => id === p.id)
    } catch (err) {
      if (err instanceof NotFoundError) return undefined
      throw err
    }
  }

  async function crimeSeries(
    p: Partnership,
    inds: Indicator[],
    area: string,
    points: Map<string, RawPoint[]>,
    cells: Cell[],
    groups: Group[],
  ) {
    const t = await target(p, area)
    if (!t || t.kind !== 'area') return
    const population = t.area.population
    const loaded = await deps.crime.queries.loadedRange(
      'street',
      forcesFor(t).map((f) => f.slug),
    )
    if (!loaded || !population) return
    // The last 36 months loaded.
    const [ty, tm] = loaded.to.split('-').map(Number)
    const s = ty * 12 + tm - 1 - 35
    const start = `${Math.floor(s / 12)}-${String((s % 12) + 1).padStart(2, '0')}`
    const from = loaded.from > start ? loaded.from : start
    const coverage = await deps.crime.queries.coverage(t, 'street', from, loaded.to)
    const rows = await deps.crime.queries.streetCounts(t, { from, to: loaded.to, group: ['month', 'crime_type'] }, coverage)
    const months = [...new Set(rows.map((r) => String(r.month)))].sort()
    const byMonth = new Map<string, Map<string, number>>()
    for (const r of rows) {
      const m = String(r.month)
      if (!byMonth.has(m)) byMonth.set(m, new Map())
      byMonth.get(m)!.set(String(r.crime_type), Number(r.count))
    }
    const all = inds.find((i) => i.code === 'police-uk-crime')
    const thresholdOf = new Map(inds.map((i) => [i.code, i.suppression_threshold]))
    for (const ind of inds) points.set(ind.code, [])
    for (const m of months) {
      const types = byMonth.get(m)!
      const period = parsePeriod(m)!
      const crimeTotal = [...types].filter(([k]) => k !== ASB).reduce((n, [, c]) => n + c, 0)
      const parts: string[] = []
      for (const ind of inds) {
        const count =
          ind.code === 'police-uk-crime' ? crimeTotal : (ind.spec!.crimeTypes ?? []).reduce((n, k) => n + (types.get(k) ?? 0), 0)
        if (ind.code !== 'police-uk-crime' && !types.size) continue
        points
          .get(ind.code)!
          .push({ area, period, numerator: count, denominator: population, value: (count / population) * (ind.per ?? 1000) })
      }
      // Every crime type is a cell of the month's group (those not on the page too: they could be asked for).
      for (const [type, count] of types) {
        if (type === ASB) continue
        const code = BUILTIN.find((b) => b.crimeTypes?.[0] === type)?.code ?? type
        const key = `${code}|${area}|${m}`
        parts.push(key)
        cells.push({ key, count, threshold: thresholdOf.get(code) ?? 5 })
      }
      cells.push({ key: `police-uk-crime|${area}|${m}`, count: crimeTotal, threshold: thresholdOf.get('police-uk-crime') ?? 5 })
      cells.push({ key: `police-uk-asb|${area}|${m}`, count: types.get(ASB) ?? 0, threshold: thresholdOf.get('police-uk-asb') ?? 5 })
      if (all || parts.length) groups.push({ total: `police-uk-crime|${area}|${m}`, parts })
    }
  }

  async function stopSearchSeries(p: Partnership, inds: Indicator[], area: string, points: Map<string, RawPoint[]>, cells: Cell[]) {
    const t = await target(p, area)
    if (!t || (t.kind === 'area' && t.area.type !== 'police force area')) return
    const loaded = await deps.crime.queries.loadedRange(
      'stop-and-search',
      forcesFor(t).map((f) => f.slug),
    )
    if (!loaded) return
    const coverage = await deps.crime.queries.coverage(t, 'stop-and-search', loaded.from, loaded.to)
    const rows = await deps.crime.queries.recordCounts(
      'stop-and-search',
      t,
      { from: loaded.from, to: loaded.to, group: ['month', 'outcome'] },
      coverage,
    )
    const months = [...new Set(rows.map((r) => String(r.month)))].sort()
    for (const ind of inds) points.set(ind.code, [])
    for (const m of months) {
      const mine = rows.filter((r) => r.month === m)
      const total = mine.reduce((n, r) => n + Number(r.count), 0)
      const arrest = mine.filter((r) => /arrest/i.test(String(r.outcome ?? ''))).reduce((n, r) => n + Number(r.count), 0)
      const nfa = mine.filter((r) => /no further action/i.test(String(r.outcome ?? ''))).reduce((n, r) => n + Number(r.count), 0)
      const period = parsePeriod(m)!
      for (const ind of inds) {
        const kind = ind.spec!.stopSearch
        const n = kind === 'count' ? total : kind === 'arrest' ? arrest : nfa
        if (kind !== 'count' && total === 0) continue
        points.get(ind.code)!.push({
          area,
          period,
          numerator: n,
          denominator: kind === 'count' ? null : total,
          value: kind === 'count' ? n : (n / total) * 100,
        })
        cells.push({ key: `${ind.code}|${area}|${m}`, count: n, threshold: ind.suppression_threshold })
      }
    }
  }

  return service
}

export type ScorecardService = ReturnType<typeof scorecardService>
export type { Polarity, Sensitivity, Unit }
