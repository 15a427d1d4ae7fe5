/**
 * The ONS geography: areas derived from the lookups are checked against sets of LSOAs worked out here, independently,
 * from the same CSV files; bad files stop the whole import and leave what was loaded as it was.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { TestApp } from '../../test/helpers.ts'
import { testApp, clientAs, text } from '../../test/helpers.ts'
import { OPENDATA, csvObjects, tempFiles, readText } from '../../test/crime-helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
  const result = await t.services.geography.importPaths(
    [path.join(OPENDATA, 'geography'), path.join(OPENDATA, 'boundaries')],
    systemActor,
    'command line',
  )
  assert.equal(result.ok, true)
})
after(async () => {
  await t.close()
})

const g = (f: string) => path.join(OPENDATA, 'geography', `${f}.csv.br`)
const imd = () => csvObjects(g('imd2019_lsoa11_england'))
const bestfit = () => csvObjects(g('lsoa11_to_lsoa21_bestfit_lad22_ew'))
const lookup21 = () => csvObjects(g('lad21_to_csp_to_pfa21_lookup_ew'))
const members = async (code: string) =>
  new Set((await t.services.geography.lsoasOf(await t.services.geography.area(code))).map((l) => l.code))
const population = () => new Map(csvObjects(g('lsoa11_population_mid2019_ew')).map((r) => [r.LSOA11CD, Number(r.population_mid2019)]))

test('every LSOA in England and Wales is loaded with its district, CSP and police force area', async () => {
  const loaded = await t.services.geography.loaded()
  assert.equal(loaded.lsoas, bestfit().length)
  const [unplaced] = await t.services.analytics.all<{ n: number }>(
    `SELECT count(*) AS n FROM geo.lsoa WHERE csp21 IS NULL OR pfa21 IS NULL OR lad22 IS NULL`,
  )
  assert.equal(unplaced.n, 0)
  assert.equal(loaded.boundaries, 1005 + 1194 + 781 + 6 + 382)
})

test("a district is the LSOAs the IMD file gives it; a CSP is its districts' LSOAs; its population is their sum", async () => {
  const byLad = (lad: string) =>
    new Set(
      imd()
        .filter((r) => r['Local Authority District code (2019)'] === lad)
        .map((r) => r['LSOA code (2011)']),
    )
  assert.deepEqual(await members('E07000237'), byLad('E07000237'))
  const lads = lookup21()
    .filter((r) => r['csp-code'] === 'E22000332')
    .map((r) => r['lad-code'])
  assert.deepEqual(lads.sort(), ['E07000235', 'E07000237', 'E07000238'])
  const south = new Set(lads.flatMap((l) => [...byLad(l)]))
  assert.deepEqual(await members('E22000332'), south)
  const pop = population()
  const area = await t.services.geography.area('E22000332')
  assert.equal(
    area.population,
    [...south].reduce((n, c) => n + pop.get(c)!, 0),
  )
  assert.deepEqual(area.pfaCodes, ['E23000016'])
})

test('a police force area is every LSOA of its districts; Wales is placed by the LSOA 2021 lookup (IMD covers England only)', async () => {
  const lads = lookup21()
    .filter((r) => r.PFA21CD === 'W15000004')
    .map((r) => r['lad-code'])
  const expected = new Set(
    bestfit()
      .filter((r) => lads.includes(r.LAD22CD))
      .map((r) => r.LSOA11CD),
  )
  assert.ok(expected.size > 300)
  assert.deepEqual(await members('W15000004'), expected)
})

test('2017 codes still resolve: a district abolished in 2019 (Taunton Deane) is the LSOAs that carry its name', async () => {
  const expected = new Set(
    bestfit()
      .filter((r) => r.LSOA11NM.startsWith('Taunton Deane '))
      .map((r) => r.LSOA11CD),
  )
  assert.ok(expected.size > 50)
  assert.deepEqual(await members('E07000190'), expected)
  const area = await t.services.geography.area('E07000190')
  assert.deepEqual(area.versions, ['2017'])
})

test('where a new unitary still holds several CSPs (Buckinghamshire), each LSOA goes to the CSP of its old district', async () => {
  for (const [csp, district] of [
    ['E22000303', 'Aylesbury Vale'],
    ['E22000306', 'Chiltern'],
    ['E22000311', 'South Bucks'],
    ['E22000318', 'Wycombe'],
  ]) {
    const expected = new Set(
      bestfit()
        .filter((r) => r.LSOA11NM.startsWith(`${district} `))
        .map((r) => r.LSOA11CD),
    )
    assert.deepEqual(await members(csp), expected, district)
  }
  // Bournemouth, Christchurch and Poole: Christchurch's LSOAs go to the one CSP no LSOA name matched (pan-Dorset).
  const christchurch = bestfit()
    .filter((r) => r.LSOA11NM.startsWith('Christchurch '))
    .map((r) => r.LSOA11CD)
  const dorset = await members('E22000367')
  assert.ok(christchurch.every((c) => dorset.has(c)))
})

test('a county is the LSOAs of its districts (upper-tier lookup)', async () => {
  const lads = csvObjects(g('ltla23_to_utla23_lookup_ew'))
    .filter((r) => r.UTLA23CD === 'E10000034')
    .map((r) => r.LTLA23CD)
  const expected = new Set(
    imd()
      .filter((r) => lads.includes(r['Local Authority District code (2019)']))
      .map((r) => r['LSOA code (2011)']),
  )
  assert.deepEqual(await members('E10000034'), expected)
})

test('an LSOA knows its deprivation decile, rural-urban class, population and the areas it is in', async () => {
  const row = imd().find((r) => r['LSOA code (2011)'] === 'E01032292')!
  const [l] = await t.services.analytics.all<any>(`SELECT * FROM geo.lsoa WHERE code = 'E01032292'`)
  assert.equal(l.imd_decile, Number(row['Index of Multiple Deprivation (IMD) Decile']))
  assert.equal(l.imd_rank, Number(row['Index of Multiple Deprivation (IMD) Rank']))
  assert.equal(l.ruc_code, csvObjects(g('lsoa11_rural_urban_classification_ew')).find((r) => r.LSOA11CD === 'E01032292')!.RUC11CD)
  assert.equal(l.population_2019, population().get('E01032292'))
  const area = await t.services.geography.area('E01032292')
  assert.deepEqual(
    area.parents.map((p) => p.code),
    ['E07000237', 'E22000332', 'E10000034', 'E23000016'],
  )
})

test('the areas are added to the shared list of areas once, with one audit entry; names already there are kept', async () => {
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM areas`)
  const [{ m }] = await t.services.analytics.all<{ m: number }>(`SELECT count(*) AS m FROM geo.areas`)
  assert.equal(n, m)
  await t.db.query(`UPDATE areas SET name = 'Worcester City' WHERE code = 'E07000237'`)
  assert.equal(await t.services.geography.syncAreas(systemActor), 0)
  const [w] = await t.db.query(`SELECT name FROM areas WHERE code = 'E07000237'`)
  assert.equal(w.name, 'Worcester City')
  const audits = await t.db.query(`SELECT * FROM audit_log WHERE entity = 'area' AND entity_id = 'geography import'`)
  assert.equal(audits.length, 1)
  assert.equal(audits[0].after.codes.length, m)
})

test('a bad lookup file stops the whole import: file:line:reason, the good files are not loaded either, and what was there stays', async () => {
  const snapshot = async () => ({
    areas: await t.services.analytics.all(`SELECT code, name, lsoa_count FROM geo.areas ORDER BY code`),
    pop: await t.services.analytics.all(`SELECT sum(population) AS p FROM geo.lsoa11_population_2019`),
    datasets: await t.services.analytics.all(`SELECT dataset, sha256 FROM geo.datasets ORDER BY dataset`),
  })
  const before = await snapshot()
  const lookup = readText(g('lad21_to_csp_to_pfa21_lookup_ew')).split('\n')
  lookup[5] = lookup[5].replace(/E22\d{6}/, 'E22-BAD')
  const files = tempFiles({
    'lad21_to_csp_to_pfa21_lookup_ew.csv': lookup.join('\n'),
    'lsoa11_population_mid2019_ew.csv': 'LSOA11CD,population_mid2019\nE01011950,99\n',
    'notes.csv': 'a,b\n1,2\n',
    'exact.csv': 'LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM,LAD22NMW,ObjectId\n',
  })
  try {
    const result = await t.services.geography.importPaths([files.dir], systemActor, 'command line')
    assert.equal(result.ok, false)
    const by = Object.fromEntries(result.files.map((f) => [path.basename(f.source), f]))
    assert.equal(by['lad21_to_csp_to_pfa21_lookup_ew.csv'].status, 'refused')
    assert.deepEqual(
      by['lad21_to_csp_to_pfa21_lookup_ew.csv'].problems!.map((p) => p.replace(/^.*\//, '')),
      [
        'lad21_to_csp_to_pfa21_lookup_ew.csv:6: csp-code "E22-BAD" is not a GSS code (a letter and 8 digits) for the community safety partnership',
      ],
    )
    assert.equal(by['lsoa11_population_mid2019_ew.csv'].status, 'skipped')
    assert.match(
      by['lsoa11_population_mid2019_ew.csv'].message!,
      /is good, but was not imported because another file in this import has problems/,
    )
    assert.equal(by['notes.csv'].status, 'skipped')
    assert.match(by['notes.csv'].message!, /is not one of the geography files Safer knows/)
    assert.equal(by['exact.csv'].status, 'not used')
  } finally {
    files.remove()
  }
  assert.deepEqual(await snapshot(), before)
  // Recorded as a failed job, with what happened to each file.
  const [run] = await t.services.jobs.list({ kind: 'import:geography', limit: 1 })
  assert.equal(run.status, 'failed')
  assert.equal(run.error, 'Geography not loaded: a file had problems, so nothing was changed')
  assert.deepEqual((run.progress.results as { source: string; status: string }[]).map((f) => [path.basename(f.source), f.status]).sort(), [
    ['exact.csv', 'not used'],
    ['lad21_to_csp_to_pfa21_lookup_ew.csv', 'refused'],
    ['lsoa11_population_mid2019_ew.csv', 'skipped'],
    ['notes.csv', 'skipped'],
  ])
})

test('a GeoJSON file that is not boundaries, or has a feature without a code, is refused', async () => {
  const files = tempFiles({
    'points.geojson': JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name: 'x' }, geometry: { type: 'Point', coordinates: [0, 51] } }],
    }),
    'lsoa.geojson': JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { LSOA11CD: 'E01032292', LSOA11NM: 'Worcester 011B' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [-2.2, 52.19],
                [-2.21, 52.19],
                [-2.21, 52.2],
                [-2.2, 52.19],
              ],
            ],
          },
        },
        {
          type: 'Feature',
          properties: { LSOA11CD: 'nope', LSOA11NM: 'Bad' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [-2.2, 52.19],
                [-2.21, 52.19],
                [-2.2, 52.19],
              ],
            ],
          },
        },
      ],
    }),
  })
  try {
    const result = await t.services.geography.importPaths([files.dir], systemActor, 'command line')
    assert.equal(result.ok, false)
    const by = Object.fromEntries(result.files.map((f) => [path.basename(f.source), f]))
    assert.match(by['points.geojson'].message!, /features have neither an LSOA11CD nor a LADyyCD property \(found: name\)/)
    assert.match(by['lsoa.geojson'].problems![0], /feature 2 has LSOA11CD "nope", which is not a GSS code/)
  } finally {
    files.remove()
  }
})

test('the Geography page says what is loaded, and the areas list links each area to its crime data', async () => {
  const c = await clientAs(t, 'anonymous')
  const page = text((await c.get('/geography')).body)
  assert.match(page, /34,753 LSOAs \(2011\)/)
  assert.match(page, /LAD to CSP to PFA|community safety partnership to police force area \(2021\)/)
  const areas = await c.get('/areas?type=community%20safety%20partnership')
  assert.match(areas.body, /<a class="govuk-link" href="\/crime\/areas\/E22000332">South Worcester<\/a>/)
  const csv = await c.get('/areas?type=county&format=csv')
  assert.match(csv.body, /E10000014,Hampshire,county,832,/)
  const api = (await c.get('/api/v1/geography/areas/E22000332')).json()
  assert.equal(api.lsoas.length, (await members('E22000332')).size)
})

test('a geography import is a job: recorded with who started it, and refused while another runs on any server', async () => {
  const [done] = await t.services.jobs.list({ kind: 'import:geography', status: 'done' })
  assert.equal(done.started_by_name, systemActor.name)
  assert.equal(done.source, 'command line')
  assert.equal(done.progress.total, done.progress.done)
  assert.match(done.result.message, /^Geography loaded: 34,753 LSOAs/)
  const [other] = await t.db.query<{ id: number }>(
    `INSERT INTO jobs (kind, title, status, exclusive, params, source, started_by_name, host, pid, started_at, attempts)
     VALUES ('import:geography', 'ONS geography import', 'running', true, '{}', 'command line', 'Olive Other', 'another-server', 1, now(), 1) RETURNING id`,
  )
  try {
    await assert.rejects(
      t.services.geography.importPaths([path.join(OPENDATA, 'geography')], systemActor, 'command line'),
      /ONS geography import is already running \(started by Olive Other at \d\d:\d\d\)/,
    )
  } finally {
    await t.db.query(`UPDATE jobs SET status = 'interrupted' WHERE id = $1`, [other.id])
  }
})
