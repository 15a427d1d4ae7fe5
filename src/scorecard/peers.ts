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

/**
 * Each area's k nearest neighbours among the others, nearest first.
 *
 * Each feature is standardised to a z-score, (x − mean) / standard deviation, the mean and (sample, n − 1) standard
 * deviation taken over every area that has the feature (as R's `scale`); a feature that does not vary counts as 0.
 * The distance is Euclidean over the standardised features, each weighted equally. An area that lacks a feature
 * (NaN, e.g. IMD for Welsh CSPs) is compared only with areas lacking the same features, on those they have, so no
 * area is ever placed by a value it does not have. Ties are broken by code, so the groups are the same on every run.
 * When fewer than k others are comparable, all of them are returned.
 */
export function nearestNeighbours(areas: PeerFeatures[], k = 15): Map<string, Neighbour[]> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`The number of neighbours must be a whole number of 1 or more (it was ${k})`)
  const seen = new Set<string>()
  for (const a of areas) {
    if (seen.has(a.code)) throw new RangeError(`The area ${a.code} is given more than once`)
    seen.add(a.code)
    for (const f of FEATURES)
      if (!(Number.isFinite(a[f]) || Number.isNaN(a[f]))) throw new RangeError(`The ${f} of ${a.code} is not a number (${a[f]})`)
  }
  // Worked in code order, so that sums (and so distances, to the last bit) do not depend on the order given.
  const given = areas
  areas = [...areas].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  // z-scores, NaN where the feature is missing.
  const z = FEATURES.map((f) => {
    const values = areas.map((a) => a[f]).filter((v) => Number.isFinite(v))
    const mean = values.reduce((s, v) => s + v, 0) / (values.length || 1)
    const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0
    return areas.map((a) => (Number.isFinite(a[f]) ? (sd > 0 ? (a[f] - mean) / sd : 0) : NaN))
  })
  const signature = areas.map((_, i) => z.map((col) => (Number.isNaN(col[i]) ? '0' : '1')).join(''))
  const result = new Map<string, Neighbour[]>()
  areas.forEach((area, i) => {
    const candidates: Neighbour[] = []
    areas.forEach((other, j) => {
      if (i === j || signature[i] !== signature[j]) return
      let sum = 0
      for (const col of z) if (!Number.isNaN(col[i])) sum += (col[i] - col[j]) ** 2
      candidates.push({ code: other.code, name: other.name, distance: Math.sqrt(sum) })
    })
    candidates.sort((a, b) => a.distance - b.distance || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    result.set(area.code, candidates.slice(0, k))
  })
  // Keyed in the order given.
  return new Map(given.map((a) => [a.code, result.get(a.code)!]))
}

/**
 * The peer features of every CSP in England and Wales (the 2021 ONS lookup), from the ONS and MHCLG files the
 * geography service holds, ordered by code. Empty until the geography is loaded.
 */
export async function cspPeerFeatures(geography: GeographyService): Promise<PeerFeatures[]> {
  const facts = await geography.cspPeerFacts()
  return facts.map((f) => ({
    code: f.code,
    name: f.name,
    imdScore: f.imd_rank_weighted ?? NaN,
    ruralShare: f.population > 0 ? f.rural_population / f.population : NaN,
    density: f.area_sq_km > 0 ? f.population_2017 / f.area_sq_km : NaN,
  }))
}
