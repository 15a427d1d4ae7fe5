/**
 * Generates a synthetic but realistic national year of police.uk street-level crime data, laid
 * out like a police.uk archive (OUT/YYYY-MM/YYYY-MM-<force>-street.csv), for benchmarking the
 * importer. Real LSOA codes, names and population-weighted centroids come from the bundled open
 * data; rows are split across the 43 territorial forces by population, and within a force across
 * its LSOAs by population. The police.uk quirks are reproduced: empty Crime ID and outcome for
 * anti-social behaviour, "No Location" rows with no coordinates or LSOA, rows snapped into a
 * neighbouring force's LSOAs, repeated Crime IDs within a force-month, CRLF and LF files, and the
 * odd quoted field. DIR/expected.json records the ground truth for every file.
 *
 *   node --import tsx scripts/generate-national.ts --out DIR [--rows 6000000] [--from 2019-01]
 *     [--months 12] [--seed 1] [--geography DIR] [--quiet]
 *
 * The output is deterministic for a given seed and options (each file has its own seeded PRNG).
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { brotliDecompressSync } from 'node:zlib'
import { FORCES } from '../src/crime/forces.ts'

export const HEADER =
  'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context'

/** Crime types with their counts in 356,736 real Avon and Somerset rows. */
export const CRIME_TYPES: readonly (readonly [string, number])[] = [
  ['Anti-social behaviour', 95098],
  ['Bicycle theft', 8672],
  ['Burglary', 24572],
  ['Criminal damage and arson', 43675],
  ['Drugs', 11296],
  ['Other crime', 7237],
  ['Other theft', 35401],
  ['Possession of weapons', 3111],
  ['Public order', 50266],
  ['Robbery', 4814],
  ['Shoplifting', 26961],
  ['Theft from the person', 4946],
  ['Vehicle crime', 27697],
  ['Violence and sexual offences', 151198],
]

/** Last outcome categories of the non-ASB rows in the same data. */
export const OUTCOMES: readonly (readonly [string, number])[] = [
  ['Action to be taken by another organisation', 2140],
  ['Awaiting court outcome', 5490],
  ['Court case unable to proceed', 166],
  ['Court result unavailable', 21393],
  ['Defendant found not guilty', 295],
  ['Defendant sent to Crown Court', 30],
  ['Formal action is not in the public interest', 8013],
  ['Further action is not in the public interest', 2758],
  ['Further investigation is not in the public interest', 3997],
  ['Investigation complete; no suspect identified', 52513],
  ['Local resolution', 6507],
  ['Offender deprived of property', 25],
  ['Offender fined', 409],
  ['Offender given a caution', 5396],
  ['Offender given a drugs possession warning', 645],
  ['Offender given absolute discharge', 4],
  ['Offender given community sentence', 824],
  ['Offender given conditional discharge', 280],
  ['Offender given penalty notice', 154],
  ['Offender given suspended prison sentence', 273],
  ['Offender ordered to pay compensation', 104],
  ['Offender otherwise dealt with', 129],
  ['Offender sent to prison', 835],
  ['Status update unavailable', 130883],
  ['Suspect charged as part of another case', 788],
  ['Unable to prosecute suspect', 126967],
  ['Under investigation', 28828],
]

/** Share of all rows that are "No Location" (never ASB). */
const P_NO_LOCATION = 0.075
/** Share of all rows placed in a neighbouring force's LSOAs. */
const P_CROSS_BORDER = 0.0025
/** Share of non-ASB rows that repeat a Crime ID already written in the force-month. */
const P_DUPLICATE = 0.008
/** Of the duplicates: how often the outcome, and the crime type, differ from the first row. */
const P_DUP_NEW_OUTCOME = 0.35
const P_DUP_NEW_TYPE = 0.1
/** Snap points are this far (degrees, at most) from the LSOA's population-weighted centroid. */
const JITTER = 0.005
/** Seasonal amplitude of the monthly row counts (peak in July), on top of the days in the month. */
const SEASONAL = 0.05
/** An LSOA's nearest neighbours: those of another force are across the border. */
const NEIGHBOURS = 6
const GRID_CELL = 0.02
const CHUNK_CHARS = 1 << 20

export interface GenerateOptions {
  /** Output directory (created if missing; existing files of the same names are overwritten). */
  out: string
  /** Total rows over all files (default 6,000,000). */
  rows?: number
  /** First month, YYYY-MM (default 2019-01). */
  from?: string
  /** Number of months (default 12). */
  months?: number
  /** PRNG seed (default 1). */
  seed?: number
  /** Directory with the geography CSVs, compressed (.csv.br) or not (default: opendata/geography). */
  geography?: string
  /** Show a progress line on stderr (default false). */
  progress?: boolean
}

export interface FileTruth {
  /** Path relative to the output directory, e.g. 2019-03/2019-03-west-mercia-street.csv. */
  file: string
  force: string
  month: string
  rows: number
  /** Rows with an empty Crime ID (the anti-social behaviour rows). */
  emptyCrimeId: number
  noLocation: number
  /** Rows whose Crime ID already appeared earlier in the same file. */
  duplicateCrimeIds: number
  /** Rows in an LSOA of another force. */
  crossBorder: number
  /** Rows with a quoted (comma- or quote-containing) field. */
  quotedRows: number
  lineEnding: 'crlf' | 'lf'
  bytes: number
}

export interface Totals {
  files: number
  rows: number
  emptyCrimeId: number
  noLocation: number
  duplicateCrimeIds: number
  crossBorder: number
  quotedRows: number
  bytes: number
}

export interface Summary extends Totals {
  out: string
  seconds: number
  rowsPerSecond: number
}

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32 seeded through a murmur3-style integer hash, one independent stream per file.

type Rng = () => number

function sfc32(a: number, b: number, c: number, d: number): Rng {
  const next = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 15; i++) next()
  return next
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

function rngFor(seed: number, ...keys: number[]): Rng {
  let h = mix(seed ^ 0x9e3779b9)
  for (const k of keys) h = mix(h ^ mix(k + 0x7f4a7c15))
  return sfc32(mix(h ^ 1), mix(h ^ 2), mix(h ^ 3), mix(h ^ 4))
}

const U32 = 2 ** -32

/** Walker's alias method: O(1) draws from a discrete distribution with one uniform in [0,1). */
class Alias {
  readonly n: number
  private readonly prob: Float64Array
  private readonly alias: Int32Array
  constructor(weights: ArrayLike<number>) {
    const n = weights.length
    if (n === 0) throw new Error('empty distribution')
    let sum = 0
    for (let i = 0; i < n; i++) sum += weights[i]
    if (!(sum > 0)) throw new Error('distribution with no weight')
    this.n = n
    this.prob = new Float64Array(n)
    this.alias = new Int32Array(n)
    const scaled = new Float64Array(n)
    const small: number[] = []
    const large: number[] = []
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / sum
      ;(scaled[i] < 1 ? small : large).push(i)
    }
    while (small.length && large.length) {
      const s = small.pop()!
      const l = large.pop()!
      this.prob[s] = scaled[s]
      this.alias[s] = l
      scaled[l] = scaled[l] + scaled[s] - 1
      ;(scaled[l] < 1 ? small : large).push(l)
    }
    for (const i of large) {
      this.prob[i] = 1
      this.alias[i] = i
    }
    for (const i of small) {
      this.prob[i] = 1
      this.alias[i] = i
    }
  }
  /** u: uniform in [0,1). */
  sample(u: number): number {
    const x = u * this.n
    const i = x | 0
    return x - i < this.prob[i] ? i : this.alias[i]
  }
}

/** Splits total into integers proportional to weights (largest remainder, ties to the lower index). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (total * w) / sum)
  const out = exact.map(Math.floor)
  let left = total - out.reduce((a, b) => a + b, 0)
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (let k = 0; left > 0; k++, left--) out[order[k % order.length][1]]++
  return out
}

// ---------------------------------------------------------------------------------------------
// CSV helpers.

/** A field as written to CSV: quoted when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s
}

/** Parses a whole (small) CSV text into rows; handles quoted fields, CRLF and a BOM. */
export function parseCsv(text: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let i = 0
  const n = text.length
  while (i < n) {
    const ch = text[i]
    if (ch === '"' && field === '') {
      i++
      for (;;) {
        const q = text.indexOf('"', i)
        if (q < 0) throw new Error('unterminated quoted field')
        field += text.slice(i, q)
        if (text[q + 1] === '"') {
          field += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
    } else if (ch === ',') {
      row.push(field)
      field = ''
      i++
    } else if (ch === '\n' || ch === '\r') {
      row.push(field)
      field = ''
      rows.push(row)
      row = []
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
    } else {
      let j = i
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r' && text[j] !== '"') j++
      if (j === i) j++ // a stray quote inside an unquoted field
      field += text.slice(i, j)
      i = j
    }
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// Geography.

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const DEFAULT_GEOGRAPHY = path.resolve(HERE, '../opendata/geography')

/** Reads DIR/name.br (Brotli) or, failing that, DIR/name. */
export function readGeographyCsv(dir: string, name: string): string[][] {
  const br = path.join(dir, name + '.br')
  if (existsSync(br)) return parseCsv(brotliDecompressSync(readFileSync(br)).toString('utf8'))
  const plain = path.join(dir, name)
  if (existsSync(plain)) return parseCsv(readFileSync(plain, 'utf8'))
  throw new Error(`geography file ${name}(.br) not found in ${dir}; pass --geography DIR (e.g. the uncompressed originals)`)
}

function columns(rows: string[][], file: string, ...names: string[]): number[] {
  const header = rows[0].map((h) => h.trim().toLowerCase())
  return names.map((n) => {
    const i = header.indexOf(n.toLowerCase())
    if (i < 0) throw new Error(`${file}: no column ${n} (has ${rows[0].join(', ')})`)
    return i
  })
}

interface TerritorialForce {
  slug: string
  name: string
  pfaCode: string
}

interface ForcePlan {
  force: TerritorialForce
  /** Candidate LSOAs (own and across the border) in the order rows are written: by LSOA name. */
  candidates: Int32Array
  ownAlias: Alias
  /** Candidate position of each own LSOA, in ownAlias order. */
  ownPos: Int32Array
  foreignAlias: Alias
  foreignPos: Int32Array
  /** Whether each candidate position is a foreign LSOA. */
  isForeign: Uint8Array
  population: number
}

interface Geography {
  code: string[]
  name: string[]
  lon: Float64Array
  lat: Float64Array
  pop: Float64Array
  plans: ForcePlan[]
  /** Whether every name is ASCII. */
  ascii: boolean
}

export function territorialForces(): TerritorialForce[] {
  return FORCES.filter((f) => f.pfaCode).map((f) => ({ slug: f.slug, name: f.name, pfaCode: f.pfaCode! }))
}

function loadGeography(dir: string): Geography {
  const forces = territorialForces()
  const forceOfPfa = new Map(forces.map((f, i) => [f.pfaCode, i]))

  const ladRows = readGeographyCsv(dir, 'lad21_to_csp_to_pfa21_lookup_ew.csv')
  const [cLad, cPfa] = columns(ladRows, 'lad21_to_csp_to_pfa21_lookup_ew.csv', 'lad-code', 'PFA21CD')
  const pfaOfLad = new Map<string, string>()
  for (const r of ladRows.slice(1)) if (r[cLad]) pfaOfLad.set(r[cLad], r[cPfa])

  const popRows = readGeographyCsv(dir, 'lsoa11_population_mid2019_ew.csv')
  const [pCode, pPop] = columns(popRows, 'lsoa11_population_mid2019_ew.csv', 'LSOA11CD', 'population_mid2019')
  const popOf = new Map<string, number>()
  for (const r of popRows.slice(1)) if (r[pCode]) popOf.set(r[pCode], Number(r[pPop]))

  const cenRows = readGeographyCsv(dir, 'lsoa11_population_weighted_centroids_ew.csv')
  const [xCol, yCol, cenCode] = columns(cenRows, 'lsoa11_population_weighted_centroids_ew.csv', 'X', 'Y', 'lsoa11cd')
  const centroidOf = new Map<string, [number, number]>()
  for (const r of cenRows.slice(1)) if (r[cenCode]) centroidOf.set(r[cenCode], [Number(r[xCol]), Number(r[yCol])])

  const lsoaRows = readGeographyCsv(dir, 'lsoa11_to_lsoa21_bestfit_lad22_ew.csv')
  const [lCode, lName, lLad] = columns(lsoaRows, 'lsoa11_to_lsoa21_bestfit_lad22_ew.csv', 'LSOA11CD', 'LSOA11NM', 'LAD22CD')
  const code: string[] = []
  const name: string[] = []
  const lon: number[] = []
  const lat: number[] = []
  const pop: number[] = []
  const forceOf: number[] = []
  const seen = new Set<string>()
  const problems: string[] = []
  for (const r of lsoaRows.slice(1)) {
    const c = r[lCode]
    if (!c || seen.has(c)) continue
    seen.add(c)
    const pfa = pfaOfLad.get(r[lLad])
    const f = pfa === undefined ? undefined : forceOfPfa.get(pfa)
    const cen = centroidOf.get(c)
    const p = popOf.get(c)
    if (f === undefined || !cen || !(p! > 0) || !Number.isFinite(cen[0]) || !Number.isFinite(cen[1])) {
      problems.push(c)
      continue
    }
    code.push(c)
    name.push(r[lName])
    lon.push(cen[0])
    lat.push(cen[1])
    pop.push(p!)
    forceOf.push(f)
  }
  if (problems.length > 50)
    throw new Error(`${problems.length} LSOAs lack a force, centroid or population (e.g. ${problems.slice(0, 5).join(', ')})`)

  // Neighbouring LSOAs: another force's LSOA is across a force's border when one is among the
  // other's NEIGHBOURS nearest LSOAs (by centroid). This scales from cities to moorland.
  const n = code.length
  const kx = Math.cos((52.5 * Math.PI) / 180) // a degree of longitude is shorter than one of latitude
  const px = Float64Array.from(lon, (x) => x * kx)
  const py = Float64Array.from(lat)
  const cellKey = (gx: number, gy: number) => gx * 100000 + gy
  const grid = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const k = cellKey(Math.floor(px[i] / GRID_CELL), Math.floor(py[i] / GRID_CELL))
    let a = grid.get(k)
    if (!a) grid.set(k, (a = []))
    a.push(i)
  }
  const foreignSets = forces.map(() => new Set<number>())
  const bestD = new Float64Array(NEIGHBOURS)
  const bestJ = new Int32Array(NEIGHBOURS)
  for (let i = 0; i < n; i++) {
    const gx = Math.floor(px[i] / GRID_CELL)
    const gy = Math.floor(py[i] / GRID_CELL)
    let found = 0
    for (let r = 0; r <= 200; r++) {
      for (let dx = -r; dx <= r; dx++)
        for (let dy = -r; dy <= r; dy++) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue
          const cell = grid.get(cellKey(gx + dx, gy + dy))
          if (!cell) continue
          for (const j of cell) {
            if (j === i) continue
            const d = (px[j] - px[i]) ** 2 + (py[j] - py[i]) ** 2
            if (found === NEIGHBOURS && d >= bestD[found - 1]) continue
            let k = found < NEIGHBOURS ? found++ : found - 1
            while (k > 0 && bestD[k - 1] > d) {
              bestD[k] = bestD[k - 1]
              bestJ[k] = bestJ[k - 1]
              k--
            }
            bestD[k] = d
            bestJ[k] = j
          }
        }
      // Anything in ring r+1 is at least r cells away.
      if (found === NEIGHBOURS && bestD[found - 1] <= (r * GRID_CELL) ** 2) break
    }
    for (let k = 0; k < found; k++) {
      const j = bestJ[k]
      if (forceOf[j] === forceOf[i]) continue
      foreignSets[forceOf[i]].add(j)
      foreignSets[forceOf[j]].add(i)
    }
  }

  const plans: ForcePlan[] = forces.map((force, fi) => {
    const own: number[] = []
    for (let i = 0; i < n; i++) if (forceOf[i] === fi) own.push(i)
    if (!own.length) throw new Error(`no LSOAs for ${force.slug} (${force.pfaCode})`)
    const foreign = [...foreignSets[fi]].sort((a, b) => a - b)
    if (!foreign.length) throw new Error(`no neighbouring LSOAs for ${force.slug}`)
    const all = [...own, ...foreign]
    const order = all
      .map((_, k) => k)
      .sort((a, b) => {
        const x = name[all[a]],
          y = name[all[b]]
        return x < y ? -1 : x > y ? 1 : all[a] - all[b]
      })
    const posOf = new Int32Array(all.length)
    order.forEach((k, pos) => {
      posOf[k] = pos
    })
    const candidates = Int32Array.from(order.map((k) => all[k]))
    const isForeign = new Uint8Array(all.length)
    for (let k = own.length; k < all.length; k++) isForeign[posOf[k]] = 1
    return {
      force,
      candidates,
      ownAlias: new Alias(own.map((i) => pop[i])),
      ownPos: posOf.slice(0, own.length),
      foreignAlias: new Alias(foreign.map((i) => pop[i])),
      foreignPos: posOf.slice(own.length),
      isForeign,
      population: own.reduce((s, i) => s + pop[i], 0),
    }
  })
  const ascii = [...name, ...forces.map((f) => f.name)].every((s) => /^[\x20-\x7e]*$/.test(s))
  return { code, name, lon: Float64Array.from(lon), lat: Float64Array.from(lat), pop: Float64Array.from(pop), plans, ascii }
}

// ---------------------------------------------------------------------------------------------
// Snap points: each LSOA gets a fixed set of anonymised map points ("On or near <street>") near
// its centroid, the same in every month, as on police.uk.

const STREET_STEMS = [
  'Forest',
  'Church',
  'Station',
  'Mill',
  'High',
  'Park',
  'Victoria',
  'Queen',
  'King',
  'Oak',
  'Elm',
  'Ash',
  'Manor',
  'Chapel',
  'School',
  'North',
  'South',
  'West',
  'East',
  'New',
  'Green',
  'Springfield',
  'Windsor',
  'York',
  'Albert',
  'Grange',
  'Meadow',
  'Orchard',
  'Beech',
  'Highfield',
  'Stanley',
  'Alexandra',
  'Cedar',
  'Kingsway',
  'Brook',
  'Bridge',
  'Market',
  'Castle',
  'Hill',
  'Willow',
  'Rectory',
  'Vicarage',
  'Farm',
  'Westfield',
  'Richmond',
  'Grove',
  'Derwent',
  'Hawthorn',
  'Birch',
  'Cherry',
  'Holly',
  'Hazel',
  'Lime',
  'Maple',
  'Poplar',
  'Rowan',
  'Sycamore',
  'Chestnut',
  'Woodland',
  'Valley',
  'Riverside',
  'Canal',
  'Wharf',
  'Abbey',
  'Priory',
  'Cromwell',
  'Nelson',
  'Wellington',
  'Churchill',
  'Gladstone',
  'Milton',
  'Shakespeare',
  'Tennyson',
  'Byron',
  'Avon',
  'Severn',
  'Trent',
  'Thames',
  'Mersey',
  'Tyne',
  'Clyde',
  'Dee',
  'Usk',
  'Llewellyn',
  'Pen-y-Bryn',
  'Heol',
  'Maes',
  'Bryn',
  'Cae',
  'Glan',
  'Tan-y-Bryn',
  "St John's",
  "St Mary's",
  "St Peter's",
  "St David's",
  "Queen's",
  "King's",
  "Bishop's",
  'Lady',
  'Coronation',
  'Jubilee',
  'Moor',
  'Heath',
  'Common',
  'Marsh',
  'Ferry',
  'Quarry',
  'Colliery',
  'Foundry',
  'Forge',
  'Tannery',
  'Brewery',
]
const STREET_SUFFIXES = [
  'Street',
  'Road',
  'Lane',
  'Close',
  'Avenue',
  'Drive',
  'Way',
  'Crescent',
  'Grove',
  'Place',
  'Gardens',
  'Court',
  'Terrace',
  'Hill',
  'Row',
  'Walk',
  'Mews',
  'Rise',
  'View',
  'Square',
  'Park',
  'Vale',
]
const PLACES = [
  'Parking Area',
  'Supermarket',
  'Petrol Station',
  'Nightclub',
  'Shopping Area',
  'Sports/Recreation Area',
  'Further/Higher Educational Building',
  'Pedestrian Subway',
  'Hospital',
  'Police Station',
  'Conference/Exhibition Centre',
  'Theatre/Concert Hall',
  'Bus/Coach Station',
  'Theme/Adventure Park',
]
/** Rare names that need quoting, so importers meet a few quoted fields. */
const QUOTED_NAMES = ['Parade, The', 'Broadway, The', 'Green, The', 'Crescent, The', 'Old Mill "The Wheel" Yard']

interface Point {
  text: string
  quoted: boolean
}

function makePoints(geo: Geography, lsoa: number, seed: number): Point[] {
  const rng = rngFor(seed, 0x51a9, lsoa)
  const count = 4 + (rng() % 12)
  const lsoaPart = ',' + geo.code[lsoa] + ',' + csvField(geo.name[lsoa]) + ','
  const lsoaQuoted = lsoaPart.includes('"')
  const pts: Point[] = []
  for (let k = 0; k < count; k++) {
    const u = rng() * U32
    let street: string
    if (u < 0.003) street = QUOTED_NAMES[rng() % QUOTED_NAMES.length]
    else if (u < 0.15) street = PLACES[rng() % PLACES.length]
    else street = STREET_STEMS[rng() % STREET_STEMS.length] + ' ' + STREET_SUFFIXES[rng() % STREET_SUFFIXES.length]
    const location = csvField('On or near ' + street)
    const x = geo.lon[lsoa] + (rng() * U32 + rng() * U32 - 1) * JITTER
    const y = geo.lat[lsoa] + (rng() * U32 + rng() * U32 - 1) * JITTER
    const text = x.toFixed(6) + ',' + y.toFixed(6) + ',' + location + lsoaPart
    // Flattened (copied into one flat string) once here rather than in every chunk that uses it.
    pts.push({ text: Buffer.from(text, 'utf8').toString('utf8'), quoted: lsoaQuoted || location.startsWith('"') })
  }
  return pts
}

// ---------------------------------------------------------------------------------------------
// Months.

function parseMonth(s: string): [number, number] {
  const m = /^(\d{4})-(\d{2})$/.exec(s)
  if (!m || +m[2] < 1 || +m[2] > 12) throw new Error(`month must be YYYY-MM, not ${JSON.stringify(s)}`)
  return [+m[1], +m[2] - 1]
}

function monthList(from: string, count: number): { label: string; weight: number; ordinal: number }[] {
  const [y0, m0] = parseMonth(from)
  const out = []
  for (let k = 0; k < count; k++) {
    const ordinal = y0 * 12 + m0 + k
    const year = Math.floor(ordinal / 12)
    const month = ordinal % 12
    const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
    const weight = (days / 30.44) * (1 + SEASONAL * Math.cos((2 * Math.PI * (month - 6)) / 12))
    out.push({ label: `${year}-${String(month + 1).padStart(2, '0')}`, weight, ordinal })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Generation.

const HEX4: string[] = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'))

interface Distributions {
  /** P(ASB) for a row with a location (no-location rows are never ASB). */
  pAsbLocated: number
  /** Non-ASB crime types, indices into CRIME_TYPES. */
  typeAlias: Alias
  typeIndex: number[]
  outcomeAlias: Alias
  /** tail[type][outcome] = "Type,Outcome," (the Context column stays empty). */
  tail: string[][]
  asbTail: string
}

function distributions(): Distributions {
  const total = CRIME_TYPES.reduce((s, [, n]) => s + n, 0)
  const asb = CRIME_TYPES.findIndex(([t]) => t === 'Anti-social behaviour')
  const typeIndex = CRIME_TYPES.map((_, i) => i).filter((i) => i !== asb)
  return {
    pAsbLocated: CRIME_TYPES[asb][1] / total / (1 - P_NO_LOCATION),
    typeAlias: new Alias(typeIndex.map((i) => CRIME_TYPES[i][1])),
    typeIndex,
    outcomeAlias: new Alias(OUTCOMES.map(([, n]) => n)),
    tail: CRIME_TYPES.map(([t]) => OUTCOMES.map(([o]) => csvField(t) + ',' + csvField(o) + ',')),
    asbTail: csvField(CRIME_TYPES[asb][0]) + ',,',
  }
}

const NO_LOCATION: Point = { text: ',,No Location,,,', quoted: false }
const RING = 32

class Progress {
  private last = 0
  private readonly start = performance.now()
  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}
  update(done: number, final = false) {
    if (!this.enabled) return
    const now = performance.now()
    const tty = process.stderr.isTTY
    if (!final && now - this.last < (tty ? 200 : 5000)) return
    this.last = now
    const secs = (now - this.start) / 1000
    const rate = secs > 0 ? Math.round(done / secs) : 0
    const line = `${done.toLocaleString('en-GB')} / ${this.total.toLocaleString('en-GB')} rows (${((100 * done) / Math.max(1, this.total)).toFixed(1)}%), ${rate.toLocaleString('en-GB')} rows/s`
    if (tty) process.stderr.write('\r\x1b[K' + line + (final ? '\n' : ''))
    else process.stderr.write(line + '\n')
  }
}

async function writeForceMonth(
  geo: Geography,
  dist: Distributions,
  points: (Point[] | undefined)[],
  seed: number,
  plan: ForcePlan,
  forceIndex: number,
  month: { label: string; ordinal: number },
  rows: number,
  out: string,
  progress: Progress,
  counter: { done: number },
): Promise<FileTruth> {
  const rng = rngFor(seed, month.ordinal, forceIndex)
  const { candidates, isForeign } = plan
  const eol = forceIndex % 2 === 0 ? '\r\n' : '\n'

  // Where the rows fall: "No Location", a neighbouring force's LSOA, or one of the force's own.
  const counts = new Int32Array(candidates.length)
  let noLocationSlots = 0
  for (let i = 0; i < rows; i++) {
    const u = rng() * U32
    if (u < P_NO_LOCATION) noLocationSlots++
    else if (u < P_NO_LOCATION + P_CROSS_BORDER) counts[plan.foreignPos[plan.foreignAlias.sample(rng() * U32)]]++
    else counts[plan.ownPos[plan.ownAlias.sample(rng() * U32)]]++
  }

  const rel = `${month.label}/${month.label}-${plan.force.slug}-street.csv`
  const file = path.join(out, rel)
  mkdirSync(path.dirname(file), { recursive: true })
  const ws = createWriteStream(file, { highWaterMark: 4 * CHUNK_CHARS })
  const failed = new Promise<never>((_, reject) => ws.once('error', reject))
  failed.catch(() => {})
  const mid = ',' + month.label + ',' + csvField(plan.force.name) + ',' + csvField(plan.force.name) + ','
  const { pAsbLocated, typeAlias, typeIndex, outcomeAlias, tail, asbTail } = dist

  // Latin-1 conversion is a copy; UTF-8 is needed only if a name is not ASCII.
  const encoding: BufferEncoding = geo.ascii ? 'latin1' : 'utf8'
  let chunk = HEADER + eol
  let written = 0,
    asbRows = 0,
    noLocationRows = 0,
    duplicates = 0,
    crossBorder = 0,
    quotedRows = 0

  // Recent non-ASB rows of this file, the source of duplicated Crime IDs.
  const ringId: string[] = new Array(RING)
  const ringPoint: Point[] = new Array(RING)
  const ringType = new Int32Array(RING)
  const ringOutcome = new Int32Array(RING)
  const ringForeign = new Uint8Array(RING)
  let ringSize = 0,
    ringNext = 0

  const flush = async () => {
    const ok = ws.write(Buffer.from(chunk, encoding))
    chunk = ''
    progress.update(counter.done)
    if (!ok) await Promise.race([once(ws, 'drain'), failed])
  }

  const emit = (pt: Point, foreign: boolean, noLocation: boolean) => {
    let line: string
    if (!noLocation && rng() * U32 < pAsbLocated) {
      line = mid + pt.text + asbTail + eol
      asbRows++
      if (foreign) crossBorder++
      if (pt.quoted) quotedRows++
    } else if (ringSize > 0 && rng() * U32 < P_DUPLICATE) {
      const r = ringSize < RING ? rng() % ringSize : rng() % RING
      let type = ringType[r]
      let outcome = ringOutcome[r]
      if (rng() * U32 < P_DUP_NEW_OUTCOME) outcome = outcomeAlias.sample(rng() * U32)
      if (rng() * U32 < P_DUP_NEW_TYPE) type = typeIndex[typeAlias.sample(rng() * U32)]
      const p = ringPoint[r]
      line = ringId[r] + mid + p.text + tail[type][outcome] + eol
      duplicates++
      if (ringForeign[r]) crossBorder++
      if (p.quoted) quotedRows++
      if (p === NO_LOCATION) noLocationRows++
    } else {
      let id = ''
      for (let w = 0; w < 8; w++) {
        const x = rng()
        id += HEX4[x >>> 16] + HEX4[x & 0xffff]
      }
      const type = typeIndex[typeAlias.sample(rng() * U32)]
      const outcome = outcomeAlias.sample(rng() * U32)
      line = id + mid + pt.text + tail[type][outcome] + eol
      ringId[ringNext] = id
      ringPoint[ringNext] = pt
      ringType[ringNext] = type
      ringOutcome[ringNext] = outcome
      ringForeign[ringNext] = foreign ? 1 : 0
      ringNext = (ringNext + 1) % RING
      if (ringSize < RING) ringSize++
      if (foreign) crossBorder++
      if (pt.quoted) quotedRows++
      if (noLocation) noLocationRows++
    }
    chunk += line
    written++
    counter.done++
  }

  // Rows are written by LSOA name, then the "No Location" rows, as police.uk does.
  for (let pos = 0; pos < candidates.length; pos++) {
    const n = counts[pos]
    if (n === 0) continue
    const lsoa = candidates[pos]
    const pts = points[lsoa] ?? (points[lsoa] = makePoints(geo, lsoa, seed))
    const foreign = isForeign[pos] === 1
    for (let k = 0; k < n; k++) {
      // Skewed towards the first points: a few busy spots, a tail of quiet ones.
      const u = rng() * U32
      const pt = pts[(u * u * pts.length) | 0]
      emit(pt, foreign, false)
      if (chunk.length >= CHUNK_CHARS) await flush()
    }
  }
  ringSize = 0
  ringNext = 0
  for (let k = 0; k < noLocationSlots; k++) {
    emit(NO_LOCATION, false, true)
    if (chunk.length >= CHUNK_CHARS) await flush()
  }

  if (chunk.length) await flush()
  ws.end()
  await Promise.race([once(ws, 'finish'), failed])
  return {
    file: rel,
    force: plan.force.slug,
    month: month.label,
    rows: written,
    emptyCrimeId: asbRows,
    noLocation: noLocationRows,
    duplicateCrimeIds: duplicates,
    crossBorder,
    quotedRows,
    lineEnding: eol === '\r\n' ? 'crlf' : 'lf',
    bytes: ws.bytesWritten,
  }
}

/** Generates the archive and DIR/expected.json; returns the totals and timing. */
export async function generateNational(opts: GenerateOptions): Promise<Summary> {
  const started = performance.now()
  const totalRows = opts.rows ?? 6_000_000
  const from = opts.from ?? '2019-01'
  const monthCount = opts.months ?? 12
  const seed = opts.seed ?? 1
  const geographyDir = opts.geography ?? DEFAULT_GEOGRAPHY
  if (!Number.isInteger(totalRows) || totalRows < 0) throw new Error(`rows must be a non-negative integer, not ${totalRows}`)
  if (!Number.isInteger(monthCount) || monthCount < 1) throw new Error(`months must be a positive integer, not ${monthCount}`)
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, not ${seed}`)
  const months = monthList(from, monthCount)

  const geo = loadGeography(geographyDir)
  const dist = distributions()
  const points: (Point[] | undefined)[] = new Array(geo.code.length)
  const out = path.resolve(opts.out)
  mkdirSync(out, { recursive: true })

  const perMonth = apportion(
    totalRows,
    months.map((m) => m.weight),
  )
  const populations = geo.plans.map((p) => p.population)
  const progress = new Progress(totalRows, opts.progress ?? false)
  const counter = { done: 0 }
  const files: FileTruth[] = []
  for (let mi = 0; mi < months.length; mi++) {
    const perForce = apportion(perMonth[mi], populations)
    for (let fi = 0; fi < geo.plans.length; fi++) {
      files.push(await writeForceMonth(geo, dist, points, seed, geo.plans[fi], fi, months[mi], perForce[fi], out, progress, counter))
    }
  }
  progress.update(counter.done, true)

  const totals: Totals = {
    files: files.length,
    rows: 0,
    emptyCrimeId: 0,
    noLocation: 0,
    duplicateCrimeIds: 0,
    crossBorder: 0,
    quotedRows: 0,
    bytes: 0,
  }
  for (const f of files) {
    totals.rows += f.rows
    totals.emptyCrimeId += f.emptyCrimeId
    totals.noLocation += f.noLocation
    totals.duplicateCrimeIds += f.duplicateCrimeIds
    totals.crossBorder += f.crossBorder
    totals.quotedRows += f.quotedRows
    totals.bytes += f.bytes
  }
  const expected = {
    generator: 'scripts/generate-national.ts',
    options: { rows: totalRows, from, months: monthCount, seed },
    header: HEADER,
    forces: geo.plans.length,
    totals,
    files,
  }
  writeFileSync(path.join(out, 'expected.json'), JSON.stringify(expected, null, 2) + '\n')
  const seconds = (performance.now() - started) / 1000
  return { out, ...totals, seconds, rowsPerSecond: seconds > 0 ? totals.rows / seconds : 0 }
}

export function formatSummary(s: Summary): string {
  const n = (x: number) => x.toLocaleString('en-GB')
  return (
    `Wrote ${n(s.rows)} rows in ${n(s.files)} files (${(s.bytes / 1e6).toFixed(1)} MB) to ${s.out} in ${s.seconds.toFixed(1)} s ` +
    `(${n(Math.round(s.rowsPerSecond))} rows/s): ${n(s.emptyCrimeId)} empty Crime IDs, ${n(s.noLocation)} No Location, ` +
    `${n(s.duplicateCrimeIds)} duplicate Crime IDs, ${n(s.crossBorder)} cross-border, ${n(s.quotedRows)} with quoted fields`
  )
}

const USAGE = `usage: node --import tsx scripts/generate-national.ts --out DIR [--rows 6000000] [--from 2019-01] [--months 12] [--seed 1] [--geography DIR] [--quiet]`

async function main() {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        rows: { type: 'string', default: '6000000' },
        from: { type: 'string', default: '2019-01' },
        months: { type: 'string', default: '12' },
        seed: { type: 'string', default: '1' },
        geography: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  if (values.help) {
    console.log(USAGE)
    return
  }
  if (!values.out) {
    console.error(`--out is required\n${USAGE}`)
    process.exit(2)
  }
  const int = (name: string, s: string) => {
    const v = Number(s.replace(/_/g, ''))
    if (!Number.isInteger(v)) {
      console.error(`--${name} must be an integer, not ${JSON.stringify(s)}`)
      process.exit(2)
    }
    return v
  }
  const summary = await generateNational({
    out: values.out,
    rows: int('rows', values.rows),
    from: values.from,
    months: int('months', values.months),
    seed: int('seed', values.seed),
    geography: values.geography,
    progress: !values.quiet,
  })
  console.log(formatSummary(summary))
}

function isMain(): boolean {
  if (!process.argv[1]) return false
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
  }
}

if (isMain()) {
  main().catch((e) => {
    console.error((e as Error).stack ?? e)
    process.exit(1)
  })
}
