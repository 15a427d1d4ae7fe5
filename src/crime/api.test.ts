/**
 * The crime counts API and pages: open to anyone, CSV as well as JSON, described in OpenAPI, and bad parameters
 * refused with a message naming the parameter. Custom areas count as the sum of their LSOAs.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { TestApp } from '../../test/helpers.ts'
import { clientAs, makePartnership, text, errorSummary } from '../../test/helpers.ts'
import {
  testAppWithGeography,
  importFiles,
  independentStreet,
  countBy,
  bundled,
  parseCsv,
  lsoaToLad19,
  ladLookup2021,
  FIXTURES,
} from '../../test/crime-helpers.ts'

let t: TestApp
const files = bundled('west-mercia')
before(async () => {
  t = await testAppWithGeography()
  await importFiles(t, [...files, path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv')])
})
after(async () => {
  await t.close()
})

const get = async (url: string) => (await clientAs(t, 'anonymous')).get(url)

test('the counts need no sign-in and come as CSV too, with the same rows', async () => {
  const json = await get('/api/v1/crime/counts?area=E07000237&from=2018-10&to=2019-02&group=month,crime_type')
  assert.equal(json.status, 200)
  const csv = await get('/api/v1/crime/counts?area=E07000237&from=2018-10&to=2019-02&group=month,crime_type&format=csv')
  assert.equal(csv.status, 200)
  assert.match(csv.headers['content-type'], /text\/csv/)
  assert.match(csv.headers['content-disposition'], /attachment; filename="crime-E07000237-2018-10-2019-02\.csv"/)
  const [header, ...rows] = parseCsv(csv.body.replace(/^\uFEFF/, '')).filter((r) => r.length > 1)
  assert.deepEqual(header, ['month', 'crime_type', 'count'])
  assert.deepEqual(
    rows.map((r) => [r[0], r[1], Number(r[2])]),
    json.json().rows.map((r: any) => [r.month, r.crime_type, r.count]),
  )
})

test('a period left out is every month loaded for the forces the area needs; type= narrows to crime types', async () => {
  const all = (await get('/api/v1/crime/counts?area=E22000368&group=month')).json()
  assert.equal(all.from, '2018-10')
  assert.equal(all.to, '2019-02')
  const burglary = (await get('/api/v1/crime/counts?area=E22000368&group=month,crime_type&type=burglary,Robbery')).json()
  assert.deepEqual([...new Set(burglary.rows.map((r: any) => r.crime_type))].sort(), ['Burglary', 'Robbery'])
  const { kept } = independentStreet(files)
  // North Worcestershire CSP's LSOAs, from the ONS files themselves (not from the geography service under test).
  const lad = lsoaToLad19()
  const districts = ladLookup2021()
    .filter((r) => r['csp-code'] === 'E22000368')
    .map((r) => r['lad-code'])
  assert.deepEqual(districts.sort(), ['E07000234', 'E07000236', 'E07000239'])
  const inCsp = (lsoa: string) => districts.includes(lad.get(lsoa) ?? '')
  const expected = countBy(
    kept.filter((k) => inCsp(k.lsoa) && (k.type === 'Burglary' || k.type === 'Robbery')),
    (k) => k.month,
  )
  const got = new Map<string, number>()
  for (const r of burglary.rows) got.set(r.month, (got.get(r.month) ?? 0) + r.count)
  assert.deepEqual(got, expected)
})

test('bad parameters are refused with 400 and a message naming the parameter', async () => {
  const cases: [string, string, RegExp][] = [
    ['area=E99999999', 'area', /There is no area, LSOA, custom area or police force "E99999999"/],
    ['area=E07000237&from=2019-13', 'from', /From must be a month written YYYY-MM, like 2019-08/],
    ['area=E07000237&from=2019-02&to=2018-10', 'to', /To \(2018-10\) must be the same as or after From \(2019-02\)/],
    [
      'area=E07000237&group=month,weather',
      'group',
      /group must be one or more of month, crime_type, lsoa, outcome, separated by commas \(found "weather"\)/,
    ],
    ['area=E07000237&type=Arson', 'type', /"Arson" is not a police\.uk crime type/],
    ['from=2019-01', 'area', /Enter area/],
  ]
  for (const [query, field, message] of cases) {
    const res = await get(`/api/v1/crime/counts?${query}`)
    assert.equal(res.status, 400, query)
    assert.match(res.json().errors[field], message, query)
  }
  const ss = await get('/api/v1/crime/stop-and-search/counts?area=E07000237')
  assert.equal(ss.status, 400)
  assert.match(ss.json().errors.area, /counts them by police force\. Give a police force area code .* Worcester is a district/)
})

test('the API documents the counts, stop-and-search and coverage routes in OpenAPI, as open (no token)', async () => {
  const doc = (await get('/api/v1/openapi.json')).json()
  const counts = doc.paths['/api/v1/crime/counts'].get
  assert.deepEqual(counts.security, [])
  assert.ok(counts.parameters.some((p: any) => p.name === 'area' && p.required))
  assert.ok(counts.parameters.some((p: any) => p.name === 'group'))
  assert.ok(doc.paths['/api/v1/crime/stop-and-search/counts'].get)
  assert.ok(doc.paths['/api/v1/crime/coverage'].get)
  assert.ok(doc.paths['/api/v1/geography/areas'].get)
})

test('coverage lists every force-month loaded, as JSON and CSV', async () => {
  const json = (await get('/api/v1/crime/coverage?kind=street')).json()
  assert.deepEqual(
    json.filter((r: any) => r.force === 'west-mercia').map((r: any) => r.month),
    ['2018-10', '2018-11', '2018-12', '2019-01', '2019-02'],
  )
  const csv = await get('/crime/coverage?kind=street&format=csv')
  assert.match(csv.body, /kind,force,month,rows_kept,rows_rejected,duplicates,no_location/)
  const page = await get('/crime/coverage')
  assert.match(text(page.body), /West Mercia Police Oct 2018 Street-level crime/)
})

test('the area page shows the monthly totals, the crime types, the map and the coverage calendar, and exports each table', async () => {
  const res = await get('/crime/areas/E07000237')
  assert.equal(res.status, 200)
  const body = text(res.body)
  const { kept } = independentStreet(files)
  const worcester = new Set((await t.services.geography.lsoasOf(await t.services.geography.area('E07000237'))).map((l) => l.code))
  const mine = kept.filter((k) => worcester.has(k.lsoa))
  assert.match(body, new RegExp(`Records ${mine.length.toLocaleString('en-GB')}`))
  for (const [month, n] of countBy(mine, (k) => k.month)) {
    const label = new Date(`${month}-01T12:00:00Z`).toLocaleString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' })
    assert.match(body, new RegExp(`${label} ${n.toLocaleString('en-GB')}`), month)
  }
  assert.match(res.body, /<svg[^>]*role="img"[^>]*aria-labelledby="crime-chart-title/)
  assert.match(res.body, /<svg[^>]*role="img"[^>]*aria-labelledby="crime-map-title/)
  assert.match(body, /West Mercia Police: 5 months loaded/)
  const types = await get('/crime/areas/E07000237?format=csv&table=types')
  const rows = parseCsv(types.body.replace(/^\uFEFF/, '')).filter((r) => r.length > 1)
  assert.deepEqual(rows[0], ['crime_type', 'records', 'share_percent', 'per_1000_people', 'per_1000_ci95_lower', 'per_1000_ci95_upper'])
  assert.deepEqual(
    new Map(rows.slice(1).map((r) => [r[0], Number(r[1])])),
    countBy(mine, (k) => k.type),
  )
  const lsoas = await get('/crime/areas/E07000237?format=json&table=lsoas')
  assert.equal(lsoas.json().length, worcester.size)
})

test('the area page refuses a period that ends before it starts with the GOV.UK error summary, and an unknown area is 404', async () => {
  const res = await get('/crime/areas/E07000237?from=2019-02&to=2018-10')
  assert.equal(res.status, 200)
  assert.match(errorSummary(res.body), /There is a problem To \(Oct 2018\) must be the same as or after From \(Feb 2019\)/)
  assert.equal((await get('/crime/areas/E99999999')).status, 404)
  assert.equal((await get('/crime/areas/not-a-force')).status, 404)
})

test('finding an area by name or code', async () => {
  const res = await get('/crime/search?q=worcester')
  assert.match(text(res.body), /South Worcester E22000332 Community safety partnership/)
  assert.match(text(res.body), /North Worcestershire/)
  const code = await get('/crime/search?q=E07000237')
  assert.equal(code.status, 303)
  assert.equal(code.headers.location, '/crime/areas/E07000237')
  const empty = await get('/crime/search?q=')
  assert.match(errorSummary(empty.body), /Enter the name or code of an area/)
})

test('a custom area counts the records of its LSOAs; its bad codes are refused with the field named', async () => {
  const p = await makePartnership(t.services, { published: true })
  const editor = await clientAs(t, 'editor', p.id)
  const lsoas = ['E01032285', 'E01032292', 'E01032333']
  const bad = await editor.post(`/partnerships/${p.slug}/custom-areas/new`, {
    name: 'Worcester centre',
    lsoaCodes: 'E01032285, E0103229, E01099999',
  })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /E0103229 is not an LSOA code: LSOA codes are E01 or W01 and 6 digits/)
  const unknown = await editor.post(`/partnerships/${p.slug}/custom-areas/new`, {
    name: 'Worcester centre',
    lsoaCodes: 'E01032285\nE01099999',
  })
  assert.match(errorSummary(unknown.body), /E01099999 is not an LSOA in England and Wales/)
  assert.match(unknown.body, /E01099999<\/textarea>/, 'the form keeps what was typed')
  const ok = await editor.post(`/partnerships/${p.slug}/custom-areas/new`, {
    name: 'Worcester centre',
    description: 'Foregate Street and the Cross',
    lsoaCodes: lsoas.join('\n'),
  })
  assert.equal(ok.status, 303)
  const [area] = await t.services.geography.listCustomAreas(p.id)
  assert.deepEqual(area.lsoa_codes, lsoas)
  const again = await editor.post(`/partnerships/${p.slug}/custom-areas/new`, { name: 'worcester CENTRE', lsoaCodes: 'E01032285' })
  assert.match(errorSummary(again.body), /There is already a custom area called worcester CENTRE/)

  const body = (await get(`/api/v1/crime/counts?area=custom-${area.id}&group=month`)).json()
  assert.equal(body.area.name, 'Worcester centre')
  const { kept } = independentStreet(files)
  assert.deepEqual(
    new Map(body.rows.map((r: any) => [r.month, r.count])),
    countBy(
      kept.filter((k) => lsoas.includes(k.lsoa)),
      (k) => k.month,
    ),
  )
  assert.equal((await get(`/crime/areas/custom-${area.id}`)).status, 200)
  const audit = await t.db.query(`SELECT * FROM audit_log WHERE entity = 'custom area' AND entity_id = $1`, [String(area.id)])
  assert.equal(audit.length, 1)
})

test('custom areas of an unpublished partnership are hidden from the public, and only its editors change them', async () => {
  const p = await makePartnership(t.services, { published: false })
  const editor = await clientAs(t, 'editor', p.id)
  await editor.post(`/partnerships/${p.slug}/custom-areas/new`, { name: 'Secret zone', lsoaCodes: 'E01032285' })
  const [area] = await t.services.geography.listCustomAreas(p.id)
  assert.equal((await get(`/crime/areas/custom-${area.id}`)).status, 404)
  assert.equal((await get(`/api/v1/crime/counts?area=custom-${area.id}`)).status, 400)
  assert.equal((await editor.get(`/crime/areas/custom-${area.id}`)).status, 200)
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.equal(
    (await viewer.post(`/partnerships/${p.slug}/custom-areas/${area.id}/edit`, { name: 'Renamed', lsoaCodes: 'E01032285' })).status,
    403,
  )
  const stale = await editor.post(`/partnerships/${p.slug}/custom-areas/${area.id}/edit`, {
    name: 'Renamed',
    lsoaCodes: 'E01032285',
    version: 1,
  })
  assert.equal(stale.status, 303)
  const conflict = await editor.post(`/partnerships/${p.slug}/custom-areas/${area.id}/edit`, {
    name: 'Renamed again',
    lsoaCodes: 'E01032285',
    version: 1,
  })
  assert.equal(conflict.status, 409)
  assert.match(errorSummary(conflict.body), /This was changed by/)
})

test('custom areas through the API: create, change and remove, with validation', async () => {
  const p = await makePartnership(t.services, { published: true })
  const editor = await clientAs(t, 'editor', p.id)
  const bad = await editor.request('POST', `/api/v1/partnerships/${p.slug}/custom-areas`, { json: { name: 'X', lsoaCodes: [] } })
  assert.equal(bad.status, 400)
  const made = await editor.request('POST', `/api/v1/partnerships/${p.slug}/custom-areas`, {
    json: { name: 'Malvern town', lsoaCodes: ['E01032207'] },
  })
  assert.equal(made.status, 201, made.body)
  assert.equal(made.json().code, `custom-${made.json().id}`)
  const changed = await editor.request('PUT', `/api/v1/partnerships/${p.slug}/custom-areas/${made.json().id}`, {
    json: { name: 'Malvern', lsoaCodes: ['E01032207', 'E01032193'], version: 1 },
  })
  assert.equal(changed.status, 200)
  assert.deepEqual(changed.json().lsoaCodes, ['E01032193', 'E01032207'])
  const list = (await get(`/api/v1/partnerships/${p.slug}/custom-areas`)).json()
  assert.deepEqual(
    list.map((a: any) => a.name),
    ['Malvern'],
  )
  assert.equal((await editor.request('DELETE', `/api/v1/partnerships/${p.slug}/custom-areas/${made.json().id}`)).status, 204)
  assert.deepEqual((await get(`/api/v1/partnerships/${p.slug}/custom-areas`)).json(), [])
})
