/**
 * A partnership's statistical peers on the scorecard (issue 9): the peer group (by default its area's 15 nearest CSPs,
 * computed once per geography version; or the partnership's own list, stored in scorecard_peer_groups), and each
 * indicator's position among its peers for the latest period (rank, peer average, the figures behind them), with
 * the same disclosure control as the rest of the scorecard. The method is in peers.ts; the choices in
 * docs/scorecard.md ("Peers") and docs/scorecard-statistics.md.
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction } from '../platform/db/index.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import type { Actor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { formatNumber, plural } from '../platform/format.ts'
import { rateInterval, wilsonInterval } from '../platform/stats.ts'
import type { GeographyService } from '../geography/service.ts'
import type { CrimeService } from '../crime/service.ts'
import { cspPeerFeatures, districtPeerFeatures, nearestNeighbours, neighboursAmong, type Neighbour, type PeerFeatures } from './peers.ts'
import { ASB } from './builtin.ts'
import { suppressedCells, type Cell } from './disclosure.ts'
import { parsePeriod, periodText } from './periods.ts'
import type { Indicator, Rag, ScorecardRowData, SeriesPoint, Viewer } from './service.ts'

/** How many peers an area gets by default, and how many a partnership may choose. */
export const DEFAULT_PEERS = 15
export const MIN_PEERS = 3
export const MAX_PEERS = 30

export interface PeerRow {
  code: string
  name: string
  /** Distance from the area on the standardised features; null when they cannot be compared (see peers.ts). */
  distance: number | null
  chosen_by: 'computed' | 'partnership'
  features: PeerFeatures | null
}

export interface PeerGroup {
  area: { code: string; name: string; kind: 'csp' | 'district' | 'other' } | null
  /** The area's own features (CSPs and districts only). */
  features: PeerFeatures | null
  /** The computed list (the area's 15 nearest CSPs), whether or not it is the one in use. */
  computed: PeerRow[]
  /** The list in use: the partnership's own when it has chosen one for this area, else the computed one. */
  rows: PeerRow[]
  chosenBy: 'computed' | 'partnership'
  /** The stored list's row (for its version and history), when the partnership has chosen one for this area. */
  stored: StoredGroup | null
  /** A Welsh area (compared with Welsh CSPs only, on rurality and density: IMD 2019 covers England only). */
  welsh: boolean
}

export interface StoredGroup {
  id: number
  partnership_id: number
  area_code: string
  codes: string[]
  version: number
}

/** One area's figure in a peer comparison (the partnership's own area included, marked self). */
export interface PeerFigure {
  code: string
  name: string
  self: boolean
  numerator: number | null
  denominator: number | null
  value: number | null
  ci95: [number, number] | null
  suppressed: boolean
}

export interface PeerComparison {
  period: string
  periodLabel: string
  /** The area and the peers with figures, by value (lowest first). */
  figures: PeerFigure[]
  peersWithFigures: number
  peersTotal: number
  /** Peers with no figure for the period (not loaded in the crime store, or no value uploaded). */
  missing: { code: string; name: string }[]
  rank: number | null
  /** Ranked: the area and its peers with figures. */
  of: number
  /** "3rd of 16 (1st = lowest)", or why there is no rank. */
  rankText: string
  average: number | null
  /** How the average is formed, in words: "the 15 peers' crimes over their combined population". */
  averageMethod: string
  /** Peer average for the funnel plot and RAG: a rate (per), a percentage or a mean. */
  averageKind: 'pooled-rate' | 'pooled-percentage' | 'mean'
  /** Words for the scorecard: "3rd of 16 (1st = lowest); peer average 38.1 per 1,000 (…); 14 of 15 peers have figures". */
  text: string
}

const ORDINAL = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th')
  return `${n}${s}`
}
export const ordinal = ORDINAL

const round = (v: number, dp = 6) => Math.round(v * 10 ** dp) / 10 ** dp

/** The codes an editor typed: one a line or separated by commas; a line may go on with the name ("E22000332 South Worcester"). */
export function parseCodes(raw: unknown): string[] {
  const text = Array.isArray(raw) ? raw.join('\n') : typeof raw === 'string' ? raw : ''
  return text
    .split(/[\n\r,;]+/)
    .map((piece) => piece.trim().split(/\s+/)[0] ?? '')
    .filter((c) => c !== '')
    .map((c) => c.toUpperCase())
}

export function peerGroups(
  db: Db,
  deps: {
    geography: GeographyService
    crime: CrimeService
    /** Changes the partnership's scorecard stamp, so its cached rows are computed again. */
    bump: (q: Queryable, partnershipId: number) => Promise<void>
    rag: (ind: Indicator, latest: SeriesPoint | undefined, benchmark?: { value: number; label: string }) => Rag | null
  },
) {
  // ---- The computed groups, once per geography version ----

  interface Computed {
    csps: PeerFeatures[]
    cspByCode: Map<string, PeerFeatures>
    nearest: Map<string, Neighbour[]>
    districts: Map<string, PeerFeatures & { csps: string[] }>
    /** Names of other areas (counties, police force areas), asked of the geography once per version. */
    names: Map<string, Promise<string>>
  }
  let computedFor: { stamp: string; value: Promise<Computed> } | undefined

  async function computed(): Promise<Computed> {
    const stamp = await deps.geography.stamp()
    if (computedFor?.stamp !== stamp) {
      const value = (async () => {
        const csps = await cspPeerFeatures(deps.geography)
        const districts = await districtPeerFeatures(deps.geography)
        return {
          csps,
          cspByCode: new Map(csps.map((c) => [c.code, c])),
          nearest: csps.length ? nearestNeighbours(csps, DEFAULT_PEERS) : new Map(),
          districts: new Map(districts.map((d) => [d.code, d])),
          names: new Map(),
        }
      })()
      computedFor = { stamp, value }
      value.catch(() => (computedFor = undefined))
    }
    return computedFor.value
  }

  async function stored(partnershipId: number, q: Queryable = db): Promise<StoredGroup | null> {
    const [row] = await q.query<StoredGroup>('SELECT * FROM scorecard_peer_groups WHERE partnership_id = $1', [partnershipId])
    return row ?? null
  }

  /** The partnership's peer group: the computed list and the one in use, each peer with its distance and features. */
  async function group(p: Partnership, q: Queryable = db): Promise<PeerGroup> {
    const c = await computed()
    const own = await stored(p.id, q)
    const code = p.area_code
    if (!code) return { area: null, features: null, computed: [], rows: [], chosenBy: 'computed', stored: null, welsh: false }
    const csp = c.cspByCode.get(code)
    const district = csp ? undefined : c.districts.get(code)
    const features = csp ?? district ?? null
    const exclude = district ? district.csps : []
    // Distances to every comparable CSP (for a chosen list too), on the CSPs' own scale.
    const distances = new Map<string, number>()
    if (features) for (const n of neighboursAmong(features, c.csps, c.csps.length, exclude)) distances.set(n.code, n.distance)
    const list: Neighbour[] = csp ? (c.nearest.get(code) ?? []) : district ? neighboursAmong(district, c.csps, DEFAULT_PEERS, exclude) : []
    const row = (code: string, by: PeerRow['chosen_by']): PeerRow => {
      const f = c.cspByCode.get(code) ?? null
      return { code, name: f?.name ?? code, distance: distances.get(code) ?? null, chosen_by: by, features: f }
    }
    const computedRows = list.map((n) => row(n.code, 'computed'))
    const chosen = own && own.area_code === code ? own : null
    let name = features?.name
    if (!name) {
      if (!c.names.has(code))
        c.names.set(
          code,
          deps.geography.area(code).then(
            (a) => a.name,
            (err) => {
              if (err instanceof NotFoundError) return code
              c.names.delete(code)
              throw err
            },
          ),
        )
      name = await c.names.get(code)!
    }
    return {
      area: { code, name, kind: csp ? 'csp' : district ? 'district' : 'other' },
      features,
      computed: computedRows,
      rows: chosen ? chosen.codes.map((x) => row(x, 'partnership')) : computedRows,
      chosenBy: chosen ? 'partnership' : 'computed',
      stored: chosen,
      welsh: code.startsWith('W'),
    }
  }

  /** Check a chosen list: every problem in words, or the codes. */
  async function check(p: Partnership, raw: unknown): Promise<string[]> {
    if (!p.area_code) throw new ValidationError({ codes: 'Give the partnership its area in its settings first: peers are areas like it' })
    const c = await computed()
    const codes = parseCodes(raw)
    const problems: string[] = []
    if (codes.includes(p.area_code)) problems.push(`${p.area_code} is the partnership's own area: its peers are other areas`)
    const unknown = [...new Set(codes.filter((x) => x !== p.area_code && !c.cspByCode.has(x)))]
    if (unknown.length)
      problems.push(
        `${unknown.join(', ')} ${unknown.length === 1 ? 'is not the code' : 'are not codes'} of a community safety partnership in England and Wales: enter CSP codes such as E22000332`,
      )
    const seen = new Set<string>()
    const twice = new Set<string>()
    for (const x of codes) (seen.has(x) ? twice : seen).add(x)
    if (twice.size) problems.push(`${[...twice].join(', ')} ${twice.size === 1 ? 'is' : 'are'} listed more than once`)
    if (seen.size < MIN_PEERS) problems.push(`Choose at least ${MIN_PEERS} peers (you gave ${plural(seen.size, 'area')})`)
    if (seen.size > MAX_PEERS) problems.push(`Choose at most ${MAX_PEERS} peers (you gave ${seen.size})`)
    if (problems.length) throw new ValidationError({ codes: problems.join('. ') })
    return codes
  }

  const service = {
    computed,
    group,
    stored,

    /** Replace the partnership's peers with its own list of CSP codes (3 to 30, not its own area, no repeats). */
    async choose(p: Partnership, raw: unknown, version: number | undefined, actor: Actor, tx?: Queryable): Promise<StoredGroup> {
      const codes = await check(p, raw)
      return inTransaction(db, tx, async (q) => {
        const current = await stored(p.id, q)
        const ctx = { actor, partnershipId: p.id, entity: 'peer group', summary: `Peers chosen: ${plural(codes.length, 'CSP')}` }
        const row = current
          ? await updateRecord<StoredGroup>(
              q,
              'scorecard_peer_groups',
              current.id,
              version ?? current.version,
              { area_code: p.area_code, codes },
              ctx,
            )
          : await createRecord<StoredGroup>(q, 'scorecard_peer_groups', { partnership_id: p.id, area_code: p.area_code, codes }, ctx)
        await deps.bump(q, p.id)
        return row
      })
    },

    /** Go back to the computed list (the partnership's own is removed; its history stays in the audit log). */
    async useComputed(p: Partnership, version: number | undefined, actor: Actor, tx?: Queryable): Promise<void> {
      await inTransaction(db, tx, async (q) => {
        const current = await stored(p.id, q)
        if (!current) return
        await deleteRecord(q, 'scorecard_peer_groups', current.id, version ?? current.version, {
          actor,
          partnershipId: p.id,
          entity: 'peer group',
          summary: 'Peers: back to the computed list',
        })
        await deps.bump(q, p.id)
      })
    },

    /** CSP names by code (for History). */
    async cspNames(codes: string[]): Promise<Map<string, string>> {
      const c = await computed()
      return new Map(codes.map((x) => [x, c.cspByCode.get(x)?.name ?? x]))
    },

    /**
     * Each row's position among the peers for its latest period, written onto the rows (`peers`), and RAG against
     * the peer average for indicators compared with their peers. Built-in police.uk crime indicators take the peers'
     * figures from the crime store (only peers whose data is loaded for that month); local ones from the values the
     * partnership has uploaded for the peers' codes. Stop and search is counted for police force areas, not CSPs:
     * no peers.
     */
    async attach(p: Partnership, rows: ScorecardRowData[], viewer: Viewer): Promise<void> {
      // Peers are ranked in the indicator's own periods: a summed view's periods (rolling 12 months, year to date) are
      // not stored for the peers, so those rows have no position.
      const want = rows.filter(
        (r) => r.latest && r.area === p.area_code && !r.indicator.spec?.stopSearch && r.view === r.indicator.frequency,
      )
      if (!want.length || !p.area_code) return
      const g = await group(p)
      if (!g.rows.length) return
      const peers = g.rows
      // The peers' local values for every indicator on the page in one query.
      const ids = want.flatMap((r) => (!r.indicator.builtin && r.indicator.id !== null ? [r.indicator.id] : []))
      const periods = [...new Set(want.map((r) => r.latest!.period))]
      const values = ids.length ? await peerValues(ids, peers, periods) : []
      for (const r of want) {
        r.peers = r.indicator.builtin
          ? await crimeComparison(r.indicator, r.latest!, peers, viewer)
          : await localComparison(r.indicator, r.latest!, peers, viewer, values)
        if (r.indicator.rag_method === 'statistical' && r.indicator.comparator === 'peers')
          r.rag =
            r.peers && r.peers.average !== null
              ? deps.rag(r.indicator, r.latest, { value: r.peers.average, label: peerLabel(r.peers) })
              : null
      }
    },

    /** One indicator's comparison with the peers (the indicator page), or null when there is none. */
    async comparison(p: Partnership, ind: Indicator, latest: SeriesPoint | undefined, viewer: Viewer): Promise<PeerComparison | null> {
      if (!latest || !p.area_code || ind.spec?.stopSearch) return null
      const g = await group(p)
      if (!g.rows.length) return null
      return ind.builtin ? crimeComparison(ind, latest, g.rows, viewer) : localComparison(ind, latest, g.rows, viewer)
    },
  }

  // ---- Peers' figures ----

  /** Each peer CSP's street crimes by type in one month, or null when its forces' data for that month is not all loaded. */
  const crimeCounts = new Map<string, Promise<{ population: number; types: Map<string, number> } | null>>()
  async function peerCrimes(code: string, month: string) {
    const key = `${code}|${month}|${await deps.crime.dataVersion()}`
    let pending = crimeCounts.get(key)
    if (!pending) {
      if (crimeCounts.size > 5000) crimeCounts.clear()
      pending = (async () => {
        let t
        try {
          t = await deps.crime.target(code, async () => false)
        } catch (err) {
          if (err instanceof NotFoundError) return null
          throw err
        }
        if (t.kind !== 'area' || !t.area.population) return null
        const coverage = await deps.crime.queries.coverage(t, 'street', month, month)
        if (!coverage.complete) return null
        const rows = await deps.crime.queries.streetCounts(t, { from: month, to: month, group: ['crime_type'] }, coverage)
        return { population: t.area.population, types: new Map(rows.map((r) => [String(r.crime_type), Number(r.count)])) }
      })()
      crimeCounts.set(key, pending)
      pending.catch(() => crimeCounts.delete(key))
    }
    return pending
  }

  async function crimeComparison(ind: Indicator, latest: SeriesPoint, peers: PeerRow[], viewer: Viewer): Promise<PeerComparison | null> {
    if (!/^\d{4}-\d{2}$/.test(latest.period)) return null
    const figures: Raw[] = []
    for (const peer of peers) {
      const c = await peerCrimes(peer.code, latest.period)
      if (!c) continue
      const count =
        ind.code === 'police-uk-crime'
          ? [...c.types].filter(([k]) => k !== ASB).reduce((n, [, v]) => n + v, 0)
          : (ind.spec?.crimeTypes ?? []).reduce((n, k) => n + (c.types.get(k) ?? 0), 0)
      figures.push({
        code: peer.code,
        name: peer.name,
        numerator: count,
        denominator: c.population,
        value: (count / c.population) * (ind.per ?? 1000),
      })
    }
    return compare(ind, latest, peers, figures, viewer)
  }

  interface PeerValue {
    indicator_id: number
    area_code: string
    period: string
    numerator: number | null
    denominator: number | null
    value: number
  }

  function peerValues(indicatorIds: number[], peers: PeerRow[], periods: string[]): Promise<PeerValue[]> {
    return db.query<PeerValue>(
      `SELECT indicator_id, area_code, period, numerator::float8 AS numerator, denominator::float8 AS denominator, value::float8 AS value
       FROM scorecard_values WHERE indicator_id = ANY($1::int[]) AND area_code = ANY($2::text[]) AND period = ANY($3::text[])`,
      [indicatorIds, peers.map((x) => x.code), periods],
    )
  }

  async function localComparison(
    ind: Indicator,
    latest: SeriesPoint,
    peers: PeerRow[],
    viewer: Viewer,
    prefetched?: PeerValue[],
  ): Promise<PeerComparison | null> {
    if (ind.id === null) return null
    const rows = (prefetched ?? (await peerValues([ind.id], peers, [latest.period]))).filter(
      (r) => r.indicator_id === ind.id && r.period === latest.period,
    )
    const byCode = new Map(rows.map((r) => [r.area_code, r]))
    const figures: Raw[] = peers.flatMap((peer) => {
      const r = byCode.get(peer.code)
      return r ? [{ code: peer.code, name: peer.name, numerator: r.numerator, denominator: r.denominator, value: r.value }] : []
    })
    return compare(ind, latest, peers, figures, viewer)
  }

  interface Raw {
    code: string
    name: string
    numerator: number | null
    denominator: number | null
    value: number
  }

  /** Rank, average and disclosure control over the area's latest figure and its peers' for the same period. */
  function compare(ind: Indicator, latest: SeriesPoint, peers: PeerRow[], raw: Raw[], viewer: Viewer): PeerComparison {
    const editor = viewer.role === 'editor' || viewer.role === 'admin'
    const counts = ind.unit === 'count' || ind.unit === 'rate' || ind.unit === 'percentage'
    const pooled =
      (ind.unit === 'rate' || ind.unit === 'percentage') && raw.length > 0 && raw.every((r) => r.numerator !== null && r.denominator)
    const averageKind: PeerComparison['averageKind'] = pooled ? (ind.unit === 'rate' ? 'pooled-rate' : 'pooled-percentage') : 'mean'

    // The peer average: pooled (the peers' counts over their summed population or denominator) for rates and
    // percentages with their counts, else the mean of the peers' values.
    let average: number | null = null
    let total: number | null = null
    if (raw.length) {
      if (pooled) {
        total = raw.reduce((s, r) => s + r.numerator!, 0)
        const den = raw.reduce((s, r) => s + r.denominator!, 0)
        average = (total / den) * (ind.unit === 'rate' ? (ind.per ?? 1000) : 100)
      } else {
        average = raw.reduce((s, r) => s + r.value, 0) / raw.length
        if (ind.unit === 'count' && raw.every((r) => r.numerator !== null)) total = raw.reduce((s, r) => s + r.numerator!, 0)
      }
    }

    // Disclosure control, for anyone who is not an editor: each peer's small count is hidden, and where the peers'
    // total can be worked out from the average, one hidden peer also hides the smallest other (as disclosure.ts).
    let hidden = new Set<string>()
    let averageHidden = false
    if (!editor && counts) {
      const threshold = ind.suppression_threshold
      const cells: Cell[] = raw.map((r) => ({
        key: r.code,
        count: ind.unit === 'count' ? (r.numerator ?? r.value) : r.numerator,
        threshold,
      }))
      cells.push({ key: '#total', count: total, threshold })
      hidden = suppressedCells(cells, total === null ? [] : [{ total: '#total', parts: raw.map((r) => r.code) }])
      averageHidden = hidden.has('#total')
      hidden.delete('#total')
    }

    const selfValue = latest.value
    const figures: PeerFigure[] = [
      {
        code: latest.area,
        name: 'This area',
        self: true,
        numerator: latest.numerator,
        denominator: latest.denominator,
        value: latest.value,
        ci95: latest.ci95,
        suppressed: latest.suppressed,
      },
      ...raw.map((r) => {
        const h = hidden.has(r.code)
        return {
          code: r.code,
          name: r.name,
          self: false,
          numerator: h ? null : r.numerator,
          denominator: h ? null : r.denominator,
          value: h ? null : round(r.value),
          ci95: h ? null : intervalOf(ind, r),
          suppressed: h,
        }
      }),
    ]
    const rawByCode = new Map(raw.map((r) => [r.code, r.value]))
    const sortValue = (f: PeerFigure) => (f.self ? (selfValue ?? Infinity) : (rawByCode.get(f.code) ?? Infinity))
    figures.sort((a, b) => sortValue(a) - sortValue(b) || (a.code < b.code ? -1 : 1))

    // Rank: 1st is the best (lowest unless higher is better); ties share the better place.
    const of = raw.length + 1
    const higherBetter = ind.polarity === 'higher-is-better'
    let rank: number | null = null
    if (selfValue !== null && !latest.suppressed && raw.length)
      rank = 1 + raw.filter((r) => (higherBetter ? r.value > selfValue : r.value < selfValue)).length
    const tie = rank !== null && raw.some((r) => r.value === selfValue)
    const firstIs = higherBetter ? '1st = highest' : '1st = lowest'
    const rankText =
      rank !== null
        ? `${tie ? 'joint ' : ''}${ordinal(rank)} of ${of} (${firstIs})`
        : raw.length
          ? 'Not ranked: this area’s figure is withheld'
          : 'No peer has figures for this period'
    const shownAverage = averageHidden ? null : average === null ? null : round(average)
    const averageMethod = pooled
      ? ind.unit === 'rate'
        ? `the ${plural(raw.length, 'peer')}’ ${ind.builtin ? 'crimes' : 'counts'} over their combined population`
        : `the ${plural(raw.length, 'peer')}’ numerators over their combined denominators`
      : `the mean of the ${plural(raw.length, 'peer')}’ values`
    const missing = peers.filter((x) => !rawByCode.has(x.code)).map((x) => ({ code: x.code, name: x.name }))
    const parts = [rankText]
    if (shownAverage !== null) parts.push(`peer average ${valueText(ind, shownAverage)} (${averageMethod})`)
    else if (averageHidden) parts.push('peer average withheld (small numbers)')
    if (raw.length < peers.length) parts.push(`${raw.length} of ${plural(peers.length, 'peer')} have figures`)
    const period = parsePeriod(latest.period)
    return {
      period: latest.period,
      periodLabel: period ? periodText(period) : latest.period,
      figures,
      peersWithFigures: raw.length,
      peersTotal: peers.length,
      missing,
      rank,
      of,
      rankText,
      average: shownAverage,
      averageMethod,
      averageKind,
      text: parts.join('; '),
    }
  }

  return service
}

/** "15 peers", "14 of 15 peers": who the peer average is over, for RAG's reason. */
export function peerLabel(c: PeerComparison): string {
  return c.peersWithFigures < c.peersTotal ? `${c.peersWithFigures} of ${plural(c.peersTotal, 'peer')}` : plural(c.peersTotal, 'peer')
}

function intervalOf(ind: Indicator, r: { numerator: number | null; denominator: number | null }): [number, number] | null {
  if (r.numerator === null) return null
  if (ind.unit === 'count') {
    const x = rateInterval(r.numerator, 1, 1, 0.95)
    return [round(x.lower), round(x.upper)]
  }
  if (!r.denominator || r.denominator <= 0) return null
  if (ind.unit === 'rate') {
    const x = rateInterval(r.numerator, r.denominator, ind.per ?? 1000, 0.95)
    return [round(x.lower), round(x.upper)]
  }
  if (ind.unit === 'percentage' && r.numerator <= r.denominator) {
    const w = wilsonInterval(r.numerator, r.denominator, 0.95)
    return [round(w.lower * 100), round(w.upper * 100)]
  }
  return null
}

/** The value as the scorecard writes it (formatValue's words, kept here to avoid a cycle). */
function valueText(ind: Pick<Indicator, 'unit' | 'per'>, v: number): string {
  if (ind.unit === 'count') return formatNumber(v, Number.isInteger(v) ? 0 : 1)
  if (ind.unit === 'rate') return `${formatNumber(v, 1)} per ${formatNumber(ind.per ?? 1000)}`
  if (ind.unit === 'percentage') return `${formatNumber(v, 1)}%`
  if (ind.unit === 'money') return `£${formatNumber(v)}`
  return formatNumber(v, Number.isInteger(v) ? 0 : 1)
}

export type PeerGroupService = ReturnType<typeof peerGroups>
