/**
 * Statistical peers from the real bundled ONS and MHCLG files, checked against an independent computation done here
 * in plain arithmetic over the raw CSVs (opendata/geography), sharing nothing with the geography importer or
 * peers.ts: each LSOA is put in a CSP by another route (its 2019 district in the IMD file, or its 2022 district in
 * the best-fit lookup, then the 2017 district → CSP lookup, or for the districts merged since 2017, the old district
 * named in the LSOA's name), the features summed by hand, z-scored and ranked by hand.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { OPENDATA, csvObjects, testAppWithGeography } from '../../test/crime-helpers.ts'
import type { TestApp } from '../../test/helpers.ts'
import { cspPeerFeatures, districtPeerFeatures, nearestNeighbours, neighboursAmong } from './peers.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
})
after(async () => {
  await t.close()
})

const file = (f: string) => path.join(OPENDATA, 'geography', `${f}.csv.br`)

interface Independent {
  code: string
  name: string
  features: [number | null, number, number]
}

/** Every CSP's features, worked out from the raw files without the geography service. */
function independentFeatures(): Map<string, Independent> {
  const imd = new Map(
    csvObjects(file('imd2019_lsoa11_england')).map((r) => [
      r['LSOA code (2011)'],
      { lad: r['Local Authority District code (2019)'], rank: Number(r['Index of Multiple Deprivation (IMD) Rank']) },
    ]),
  )
  const lookup17 = csvObjects(file('lad17_to_csp17_to_pfa17_lookup_ew'))
  const cspOfLad = new Map(lookup17.map((r) => [r.LAD17CD, r.CSP17CD]))
  const cspOfLadName = new Map(lookup17.map((r) => [r.LAD17NM, r.CSP17CD]))
  const cspName = new Map(csvObjects(file('lad21_to_csp_to_pfa21_lookup_ew')).map((r) => [r['csp-code'], r['csp-name']]))
  const pop = new Map(csvObjects(file('lsoa11_population_mid2019_ew')).map((r) => [r.LSOA11CD, Number(r.population_mid2019)]))
  const rural = new Set(
    csvObjects(file('lsoa11_rural_urban_classification_ew'))
      .filter((r) => /^[DE]/.test(r.RUC11CD))
      .map((r) => r.LSOA11CD),
  )
  const density = new Map(
    csvObjects(file('lsoa11_area_popdensity_mid2017_ew')).map((r) => [
      r.Code,
      { pop: Number(r['Mid-2017 population']), km2: Number(r['Area Sq Km']) },
    ]),
  )
  const sums = new Map<string, { pop: number; imdPop: number; imdSum: number; rural: number; pop17: number; km2: number }>()
  for (const r of csvObjects(file('lsoa11_to_lsoa21_bestfit_lad22_ew'))) {
    const code = r.LSOA11CD
    if (sums.has(`lsoa:${code}`)) continue
    sums.set(`lsoa:${code}`, { pop: 0, imdPop: 0, imdSum: 0, rural: 0, pop17: 0, km2: 0 })
    const lad = imd.get(code)?.lad ?? r.LAD22CD
    const csp = cspOfLad.get(lad) ?? cspOfLadName.get(r.LSOA11NM.replace(/ \w+$/, ''))
    assert.ok(csp, `no CSP found independently for ${code} ${r.LSOA11NM}`)
    const s = sums.get(csp) ?? { pop: 0, imdPop: 0, imdSum: 0, rural: 0, pop17: 0, km2: 0 }
    const p = pop.get(code)!
    s.pop += p
    const rank = imd.get(code)?.rank
    if (rank !== undefined) {
      s.imdPop += p
      s.imdSum += p * rank
    }
    if (rural.has(code)) s.rural += p
    s.pop17 += density.get(code)!.pop
    s.km2 += density.get(code)!.km2
    sums.set(csp, s)
  }
  const out = new Map<string, Independent>()
  for (const [code, s] of sums) {
    if (code.startsWith('lsoa:')) continue
    out.set(code, { code, name: cspName.get(code)!, features: [s.imdPop ? s.imdSum / s.imdPop : null, s.rural / s.pop, s.pop17 / s.km2] })
  }
  return out
}

/** The k nearest to one seed, by hand: z-scores over all CSPs with the feature, Euclidean, ties by code. */
function independentNeighbours(all: Map<string, Independent>, seed: string, k: number, target?: Independent, exclude: string[] = []) {
  const rows = [...all.values()]
  const scaled = [0, 1, 2].map((f) => {
    const vs = rows.map((r) => r.features[f]).filter((v): v is number => v !== null)
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length
    const sd = Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / (vs.length - 1))
    const scaled = new Map(rows.map((r) => [r.code, r.features[f] === null ? null : (r.features[f]! - mean) / sd]))
    if (target) scaled.set(target.code, target.features[f] === null ? null : (target.features[f]! - mean) / sd)
    return scaled
  })
  const hasImd = (c: string) => scaled[0].get(c) !== null
  return rows
    .filter((r) => r.code !== seed && !exclude.includes(r.code) && hasImd(r.code) === hasImd(seed))
    .map((r) => ({
      code: r.code,
      distance: Math.sqrt(scaled.reduce((s, col) => (col.get(seed) === null ? s : s + (col.get(seed)! - col.get(r.code)!) ** 2), 0)),
    }))
    .sort((a, b) => a.distance - b.distance || a.code.localeCompare(b.code))
    .slice(0, k)
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} ≠ ${b}`)

test("every CSP's peer features equal the ones worked out independently from the raw files", async () => {
  const features = await cspPeerFeatures(t.services.geography)
  const expected = independentFeatures()
  assert.equal(features.length, 314)
  assert.deepEqual(features.map((f) => f.code).sort(), [...expected.keys()].sort())
  for (const f of features) {
    const e = expected.get(f.code)!
    assert.equal(f.name, e.name)
    if (e.features[0] === null) assert.ok(Number.isNaN(f.imdScore), `${f.code} has no IMD score`)
    else near(f.imdScore, e.features[0], `${f.code} IMD`)
    near(f.ruralShare, e.features[1], `${f.code} rural share`)
    near(f.density, e.features[2], `${f.code} density`)
  }
  // The 21 Welsh CSPs (22 authorities: Merthyr Tydfil and Rhondda Cynon Taf share Cwm Taf), and only they, have no IMD 2019 score.
  assert.deepEqual(
    features.filter((f) => Number.isNaN(f.imdScore)).map((f) => f.code),
    features.filter((f) => f.code.startsWith('W')).map((f) => f.code),
  )
  assert.equal(features.filter((f) => f.code.startsWith('W')).length, 21)
})

test("South Worcester's 15 peers are the ones found independently, plausible, and the same on every run", async () => {
  const features = await cspPeerFeatures(t.services.geography)
  const peers = nearestNeighbours(features).get('E22000332')!
  const expected = independentNeighbours(independentFeatures(), 'E22000332', 15)
  assert.deepEqual(
    peers.map((p) => p.code),
    expected.map((e) => e.code),
  )
  peers.forEach((p, i) => near(p.distance, expected[i].distance, `distance to ${p.code}`))
  // Plausible: all English shire areas with deprivation and rurality near South Worcester's (mean rank 18,669, 38% rural).
  const byCode = new Map(features.map((f) => [f.code, f]))
  const seed = byCode.get('E22000332')!
  for (const p of peers) {
    const f = byCode.get(p.code)!
    assert.ok(p.code.startsWith('E22'), p.code)
    assert.ok(Math.abs(f.imdScore - seed.imdScore) < 2500, `${f.name} IMD ${f.imdScore}`)
    assert.ok(Math.abs(f.ruralShare - seed.ruralShare) < 0.15, `${f.name} rural ${f.ruralShare}`)
    assert.ok(f.density < 1000, `${f.name} density ${f.density}`)
  }
  assert.ok(!peers.some((p) => p.name === 'Westminster' || p.name === 'Birmingham'))
  // Deterministic: the same groups whatever the order of the input.
  const again = nearestNeighbours([...features].reverse()).get('E22000332')
  assert.deepEqual(again, peers)
})

test('a Welsh CSP is compared with the other Welsh CSPs only; every CSP gets 15 peers', async () => {
  const features = await cspPeerFeatures(t.services.geography)
  const all = nearestNeighbours(features, 15)
  assert.equal(all.size, 314)
  for (const [code, list] of all) assert.equal(list.length, 15, code)
  const cwmTaf = all.get('W14000023')!
  assert.ok(cwmTaf.every((p) => p.code.startsWith('W')))
  assert.deepEqual(
    cwmTaf.map((p) => p.code),
    independentNeighbours(independentFeatures(), 'W14000023', 15).map((e) => e.code),
  )
  const winchester = all.get('E22000122')!
  assert.ok(winchester.every((p) => p.code.startsWith('E')))
})

test("a district's peers are the CSPs nearest to it (its own CSP left out), as worked out independently", async () => {
  // Worcester (E07000237), one of South Worcester CSP's three districts: its LSOAs from the IMD file, its features by hand.
  const imd = csvObjects(file('imd2019_lsoa11_england')).filter((r) => r['Local Authority District code (2019)'] === 'E07000237')
  const pop = new Map(csvObjects(file('lsoa11_population_mid2019_ew')).map((r) => [r.LSOA11CD, Number(r.population_mid2019)]))
  const ruc = new Map(csvObjects(file('lsoa11_rural_urban_classification_ew')).map((r) => [r.LSOA11CD, r.RUC11CD]))
  const dens = new Map(csvObjects(file('lsoa11_area_popdensity_mid2017_ew')).map((r) => [r.Code, r]))
  let p = 0
  let imdSum = 0
  let rural = 0
  let p17 = 0
  let km2 = 0
  for (const r of imd) {
    const code = r['LSOA code (2011)']
    p += pop.get(code)!
    imdSum += pop.get(code)! * Number(r['Index of Multiple Deprivation (IMD) Rank'])
    if (/^[DE]/.test(ruc.get(code)!)) rural += pop.get(code)!
    p17 += Number(dens.get(code)!['Mid-2017 population'])
    km2 += Number(dens.get(code)!['Area Sq Km'])
  }
  const expected: Independent = { code: 'E07000237', name: 'Worcester', features: [imdSum / p, rural / p, p17 / km2] }

  const districts = await districtPeerFeatures(t.services.geography)
  const worcester = districts.find((d) => d.code === 'E07000237')!
  assert.equal(worcester.name, 'Worcester')
  assert.deepEqual(worcester.csps, ['E22000332'])
  near(worcester.imdScore, expected.features[0]!, 'IMD')
  near(worcester.ruralShare, expected.features[1], 'rural share')
  near(worcester.density, expected.features[2], 'density')
  // A district that is its own CSP has its CSP's features (Winchester).
  const csps = await cspPeerFeatures(t.services.geography)
  const winchester = districts.find((d) => d.code === 'E07000094')!
  const winchesterCsp = csps.find((c) => c.code === 'E22000122')!
  near(winchester.density, winchesterCsp.density, 'Winchester density')
  assert.deepEqual(winchester.csps, ['E22000122'])

  const peers = neighboursAmong(worcester, csps, 15, worcester.csps)
  const hand = independentNeighbours(independentFeatures(), 'E07000237', 15, expected, ['E22000332'])
  assert.deepEqual(
    peers.map((x) => x.code),
    hand.map((x) => x.code),
  )
  peers.forEach((x, i) => near(x.distance, hand[i].distance, `distance to ${x.code}`))
  assert.ok(!peers.some((x) => x.code === 'E22000332'))
  assert.ok(peers.every((x) => x.code.startsWith('E22')))
})
