/**
 * The crime types' colours: every type police.uk has used has its own colour from Paul Tol's discrete rainbow, and
 * types drawn next to each other (charts stack them alphabetically) stay apart for people with the common kinds of
 * colour blindness, judged by simulating them (Viénot, Brettel and Mollon 1999) and measuring the CIE76 difference.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CRIME_TYPE_COLOURS } from './colours.ts'
import { ALL_CRIME_TYPES, CRIME_TYPE_PERIODS } from './vocabulary.ts'
import { renderVegaLite, monthlyStackedBarSpec } from '../platform/charts.ts'

/** Paul Tol's discrete rainbow (https://personal.sron.nl/~pault/, figure 22), colours 1 to 29, as he gives them. */
const TOL_DISCRETE_RAINBOW = [
  '#E8ECFB',
  '#D9CCE3',
  '#D1BBD7',
  '#CAACCB',
  '#BA8DB4',
  '#AE76A3',
  '#AA6F9E',
  '#994F88',
  '#882E72',
  '#1965B0',
  '#437DBF',
  '#5289C7',
  '#6195CF',
  '#7BAFDE',
  '#4EB265',
  '#90C987',
  '#CAE0AB',
  '#F7F056',
  '#F7CB45',
  '#F6C141',
  '#F4A736',
  '#F1932D',
  '#EE8026',
  '#E8601C',
  '#E65518',
  '#DC050C',
  '#A5170E',
  '#72190E',
  '#42150A',
]
// prettier-ignore
const CURRENT_TYPES = [
  'Anti-social behaviour', 'Bicycle theft', 'Burglary', 'Criminal damage and arson', 'Drugs', 'Other crime', 'Other theft',
  'Possession of weapons', 'Public order', 'Robbery', 'Shoplifting', 'Theft from the person', 'Vehicle crime',
  'Violence and sexual offences',
]

// -- Colour science, written out here (not taken from the code under test) --------------------------------------
const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
const gamma = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055)
function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16)
  return [(n >> 16) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255]
}
/** Protanopia or deuteranopia as Viénot, Brettel and Mollon (1999) simulate it, on linear RGB. */
function simulate([r, g, b]: [number, number, number], kind: 'normal' | 'protan' | 'deutan'): [number, number, number] {
  if (kind === 'normal') return [r, g, b]
  const [R, G, B] = [linear(r), linear(g), linear(b)]
  const L = 17.8824 * R + 43.5161 * G + 4.11935 * B
  const M = 3.45565 * R + 27.1554 * G + 3.86714 * B
  const S = 0.0299566 * R + 0.184309 * G + 1.46709 * B
  const [l, m, s] = kind === 'protan' ? [2.02344 * M - 2.52581 * S, M, S] : [L, 0.494207 * L + 1.24827 * S, S]
  const out = [
    0.0809444479 * l - 0.130504409 * m + 0.116721066 * s,
    -0.0102485335 * l + 0.0540193266 * m - 0.113614708 * s,
    -0.000365296938 * l - 0.00412161469 * m + 0.693511405 * s,
  ]
  return out.map((c) => gamma(Math.min(1, Math.max(0, c)))) as [number, number, number]
}
function lab([r, g, b]: [number, number, number]): [number, number, number] {
  const [R, G, B] = [linear(r), linear(g), linear(b)]
  const x = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047
  const y = 0.2126 * R + 0.7152 * G + 0.0722 * B
  const z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t) / 116 + 16 / 116)
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))]
}
const deltaE = (a: string, b: string, kind: 'normal' | 'protan' | 'deutan') => {
  const [p, q] = [lab(simulate(rgb(a), kind)), lab(simulate(rgb(b), kind))]
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2])
}

test('every crime type police.uk has used has a colour of its own, from Tol’s discrete rainbow', () => {
  assert.deepEqual(CRIME_TYPE_PERIODS[CRIME_TYPE_PERIODS.length - 1].types, CURRENT_TYPES, 'the 14 current police.uk crime types')
  assert.deepEqual(Object.keys(CRIME_TYPE_COLOURS).sort(), [...ALL_CRIME_TYPES].sort(), 'a colour for each type, and only for them')
  const colours = Object.values(CRIME_TYPE_COLOURS).map((c) => c.toUpperCase())
  assert.equal(new Set(colours).size, colours.length, 'no two types share a colour')
  for (const [type, colour] of Object.entries(CRIME_TYPE_COLOURS)) {
    assert.ok(TOL_DISCRETE_RAINBOW.includes(colour.toUpperCase()) || colour === '#777777', `${type}: ${colour} is from the scheme`)
  }
})

test('crime types next to each other in a stacked bar stay apart with normal vision, protanopia and deuteranopia', () => {
  const sorted = [...ALL_CRIME_TYPES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const worst: string[] = []
  for (const kind of ['normal', 'protan', 'deutan'] as const) {
    for (let i = 1; i < sorted.length; i++) {
      const d = deltaE(CRIME_TYPE_COLOURS[sorted[i - 1]], CRIME_TYPE_COLOURS[sorted[i]], kind)
      if (d < 20) worst.push(`${kind}: ${sorted[i - 1]} / ${sorted[i]} differ by ${d.toFixed(1)}`)
    }
  }
  assert.deepEqual(worst, [], 'a CIE76 difference of 20 or more between neighbours')
})

test('a chart draws each crime type in its own colour, whichever other types it holds', async () => {
  const months = ['2019-01', '2019-02']
  const fillsOf = async (types: string[]) => {
    const svg = await renderVegaLite(
      monthlyStackedBarSpec({
        rows: months.flatMap((month) => types.map((category, i) => ({ month, category, count: 10 + i }))),
        months,
        gaps: [],
        categoryTitle: 'Crime type',
        valueTitle: 'Records',
        colours: CRIME_TYPE_COLOURS,
      }),
      { title: 't', description: 'd', idPrefix: 'c' },
    )
    const fills = new Map<string, Set<string>>()
    for (const [bar] of svg.matchAll(/<path\b[^>]*data-label="[^"]*category: [^"]*"[^>]*>/g)) {
      const category = /category: ([^;"]*)/.exec(bar)![1]
      const fill = /\sfill="([^"]*)"/.exec(bar)![1].toUpperCase()
      fills.set(category, (fills.get(category) ?? new Set()).add(fill))
    }
    return fills
  }
  const all = await fillsOf(CURRENT_TYPES)
  const some = await fillsOf(['Robbery', 'Vehicle crime', 'Drugs'])
  const old = await fillsOf(['Violent crime', 'Public disorder and weapons', 'Burglary'])
  for (const fills of [all, some, old]) {
    for (const [category, set] of fills) assert.deepEqual([...set], [CRIME_TYPE_COLOURS[category].toUpperCase()], category)
  }
  assert.equal(all.size, 14)
  assert.equal(some.size, 3)
  assert.equal(old.size, 3)
})
