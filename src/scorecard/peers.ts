/**
 * Statistical peers ("nearest neighbours") for community safety partnerships: the areas most like each one in
 * deprivation, rurality and population density, found as the ONS's and CIPFA's nearest-neighbour models find them
 * (standardised variables, Euclidean distance). Methods, sources and choices: docs/scorecard-statistics.md.
 */
import type { GeographyService } from '../geography/service.ts'

export interface PeerFeatures {
  code: string
  name: string
  /**
   * Population-weighted mean LSOA rank in the English Index of Multiple Deprivation 2019 (1 = most deprived of
   * 32,844). NaN where there is none: IMD 2019 covers England only, so Welsh CSPs have NaN and are compared only with
   * each other, on the other two features (see nearestNeighbours).
   */
  imdScore: number
  /** Share (0–1) of the mid-2019 population living in rural LSOAs (2011 rural-urban classes D and E). */
  ruralShare: number
  /** People per km² (mid-2017 population over land area, the ONS LSOA density file). */
  density: number
}

export interface Neighbour {
  code: string
  name: string
  distance: number
}

const FEATURES = ['imdScore', 'ruralShare', 'density'] as const

const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)

function checkAreas(areas: PeerFeatures[], k: number) {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`The number of neighbours must be a whole number of 1 or more (it was ${k})`)
  const seen = new Set<string>()
  for (const a of areas) {
    if (seen.has(a.code)) throw new RangeError(`The area ${a.code} is given more than once`)
    seen.add(a.code)
    for (const f of FEATURES)
      if (!(Number.isFinite(a[f]) || Number.isNaN(a[f]))) throw new RangeError(`The ${f} of ${a.code} is not a number (${a[f]})`)
  }
}

/**
 * z-scores by the mean and sample standard deviation of each feature over the pool (in code order, so that the sums,
 * and so the distances to the last bit, do not depend on the order given); NaN where a feature is missing.
 */
function standardiser(pool: PeerFeatures[]): (a: PeerFeatures) => number[] {
  const sorted = [...pool].sort(byCode)
  const scales = FEATURES.map((f) => {
    const values = sorted.map((a) => a[f]).filter((v) => Number.isFinite(v))
    const mean = values.reduce((s, v) => s + v, 0) / (values.length || 1)
    const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0
    return { f, mean, sd }
  })
  return (a) => scales.map(({ f, mean, sd }) => (Number.isFinite(a[f]) ? (sd > 0 ? (a[f] - mean) / sd : 0) : NaN))
}

/** Distance between two z-score vectors, or null when they do not have the same features. */
function distance(x: number[], y: number[]): number | null {
  let sum = 0
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) !== Number.isNaN(y[i])) return null
    if (!Number.isNaN(x[i])) sum += (x[i] - y[i]) ** 2
  }
  return Math.sqrt(sum)
}

/** The k nearest of the candidates to one z-score vector, nearest first, ties by code. */
function nearest(target: number[], candidates: { area: PeerFeatures; z: number[] }[], k: number, skip: Set<string>): Neighbour[] {
  const out: Neighbour[] = []
  for (const c of candidates) {
    if (skip.has(c.area.code)) continue
    const d = distance(target, c.z)
    if (d !== null) out.push({ code: c.area.code, name: c.area.name, distance: d })
  }
  out.sort((a, b) => a.distance - b.distance || byCode(a, b))
  return out.slice(0, k)
}

/**
 * Each area's k nearest neighbours among the others, nearest first.
 *
 * Each feature is standardised to a z-score, (x − mean) / standard deviation, the mean and (sample, n − 1) standard
 * deviation taken over every area that has the feature (as R's `scale`); a feature that does not vary counts as 0.
 * The distance is Euclidean over the standardised features, each weighted equally. An area that lacks a feature
 * (NaN, e.g. IMD for Welsh CSPs) is compared only with areas lacking the same features, on those they have, so no
 * area is ever placed by a value it does not have. Ties are broken by code, and the result does not depend on the
 * order of the areas (the map is keyed in the order given). When fewer than k others are comparable, all of them
 * are returned.
 */
export function nearestNeighbours(areas: PeerFeatures[], k = 15): Map<string, Neighbour[]> {
  checkAreas(areas, k)
  const z = standardiser(areas)
  const scored = areas.map((area) => ({ area, z: z(area) }))
  return new Map(scored.map(({ area, z: own }) => [area.code, nearest(own, scored, k, new Set([area.code]))]))
}

/**
 * One area's k nearest neighbours in a pool it need not belong to (a district among all CSPs): standardised by the
 * pool's means and standard deviations, otherwise as nearestNeighbours. The area itself and the codes in `exclude`
 * (for a district, the CSP it lies in, which would otherwise be its nearest) are left out. For an area of the pool
 * this is exactly its list from nearestNeighbours(pool, k), for a fraction of the work (one area, not all):
 * the way to find one CSP's peers on a page.
 */
export function neighboursAmong(area: PeerFeatures, pool: PeerFeatures[], k = 15, exclude: string[] = []): Neighbour[] {
  checkAreas(pool, k)
  checkAreas([area], k)
  const z = standardiser(pool)
  const skip = new Set([area.code, ...exclude])
  return nearest(
    z(area),
    pool.map((p) => ({ area: p, z: z(p) })),
    k,
    skip,
  )
}

type PeerFacts = Awaited<ReturnType<GeographyService['peerFacts']>>[number]

const features = (f: PeerFacts): PeerFeatures => ({
  code: f.code,
  name: f.name,
  imdScore: f.imd_rank_weighted ?? NaN,
  ruralShare: f.population > 0 ? f.rural_population / f.population : NaN,
  density: f.area_sq_km > 0 ? f.population_2017 / f.area_sq_km : NaN,
})

/**
 * The peer features of every CSP in England and Wales (the 2021 ONS lookup), from the ONS and MHCLG files the
 * geography service holds, ordered by code. Empty until the geography is loaded.
 */
export async function cspPeerFeatures(geography: GeographyService): Promise<PeerFeatures[]> {
  return (await geography.peerFacts('csp')).map(features)
}

/**
 * The peer features of every district (any version's code: 2017, 2019 or 2022), each with the 2021 CSPs its LSOAs
 * lie in. A district's peers are found among the CSPs with neighboursAmong(district, csps, 15, district.csps).
 */
export async function districtPeerFeatures(geography: GeographyService): Promise<(PeerFeatures & { csps: string[] })[]> {
  return (await geography.peerFacts('district')).map((f) => ({ ...features(f), csps: f.csps ?? [] }))
}
