/**
 * Area search and the one Areas page. Expected codes are worked out here from the bundled ONS files themselves (the
 * lookups, the LSOA names, the postcode district and LSOA centroids), not from the search's own answers.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { TestApp } from '../../test/helpers.ts'
import { testApp, clientAs, makePartnership, text, errorSummary } from '../../test/helpers.ts'
import { OPENDATA, csvObjects } from '../../test/crime-helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
  const result = await t.services.geography.importPaths([path.join(OPENDATA, 'geography')], systemActor, 'command line')
  assert.equal(result.ok, true, JSON.stringify(result.files.filter((f) => f.status !== 'imported')))
})
after(async () => {
  await t.close()
})

const g = (f: string) => path.join(OPENDATA, 'geography', `${f}.csv.br`)
const codesOf = (html: string) => [...html.matchAll(/href="\/crime\/areas\/([A-Z0-9]+)"/g)].map((m) => m[1])

test('"South Worcestershire" finds South Worcester CSP (E22000332), as does "south worcester csp"', async () => {
  const csp = csvObjects(g('lad21_to_csp_to_pfa21_lookup_ew')).find((r) => r['csp-name'] === 'South Worcester')!
  assert.equal(csp['csp-code'], 'E22000332')
  const c = await clientAs(t, 'anonymous')
  for (const q of ['South Worcestershire', 'south worcester csp', '  South   Worcestershire  ']) {
    const page = await c.get(`/areas?q=${encodeURIComponent(q)}`)
    assert.equal(page.status, 200, q)
    assert.equal(codesOf(page.body)[0], csp['csp-code'], q)
  }
  // And through the API.
  const api = (await c.get('/api/v1/geography/search?q=South%20Worcestershire')).json()
  assert.equal(api.areas[0].code, 'E22000332')
  assert.equal(api.areas[0].name, 'South Worcester')
})

test('an LSOA is found by its name ("Winchester 012B") and by its code', async () => {
  const lsoa = csvObjects(g('lsoa11_to_lsoa21_bestfit_lad22_ew')).find((r) => r.LSOA11NM === 'Winchester 012B')!
  const c = await clientAs(t, 'anonymous')
  const byName = await c.get('/areas?q=Winchester%20012B')
  assert.deepEqual(codesOf(byName.body), [lsoa.LSOA11CD])
  const byCode = await c.get(`/areas?q=${lsoa.LSOA11CD.toLowerCase()}`)
  assert.deepEqual(codesOf(byCode.body), [lsoa.LSOA11CD])
  assert.match(text(byCode.body), /Winchester 012B/)
})

test('a postcode district ("SO23", or a full postcode) finds the areas its centre lies in', async () => {
  // Worked out from the files: the LSOA whose population-weighted centroid is nearest SO23's centroid, then its
  // district (best-fit lookup), CSP and police force area (2021 lookup).
  const so23 = csvObjects(g('postcode_districts_uk')).find((r) => r.Postcode === 'SO23')!
  const lat = Number(so23.Latitude)
  const lon = Number(so23.Longitude)
  const k = Math.cos((lat * Math.PI) / 180)
  let best = { code: '', d: Infinity }
  for (const r of csvObjects(g('lsoa11_population_weighted_centroids_ew'))) {
    const d = (Number(r.Y) - lat) ** 2 + ((Number(r.X) - lon) * k) ** 2
    if (d < best.d) best = { code: r.lsoa11cd, d }
  }
  const lad = csvObjects(g('lsoa11_to_lsoa21_bestfit_lad22_ew')).find((r) => r.LSOA11CD === best.code)!.LAD22CD
  const lookup = csvObjects(g('lad21_to_csp_to_pfa21_lookup_ew')).find((r) => r['lad-code'] === lad)!
  assert.equal(lad, 'E07000094') // Winchester
  const c = await clientAs(t, 'anonymous')
  for (const q of ['SO23', 'so23', 'SO23 8UJ']) {
    const page = await c.get(`/areas?q=${encodeURIComponent(q)}`)
    assert.equal(page.status, 200)
    const codes = codesOf(page.body)
    for (const code of [lad, lookup['csp-code'], lookup.PFA21CD, best.code]) assert.ok(codes.includes(code), `${q}: ${code} in ${codes}`)
    assert.match(text(page.body), /The centre of postcode district SO23 \(Winchester\) is in LSOA/)
  }
  // A district outside England and Wales says so.
  const aberdeen = await c.get('/areas?q=AB10')
  assert.match(text(aberdeen.body), /AB10 is not in England or Wales/)
})

test('search refuses what it cannot search for with a 400 and a plain message: empty, very long, control characters', async () => {
  const c = await clientAs(t, 'anonymous')
  const empty = await c.get('/areas?q=')
  assert.equal(empty.status, 400)
  assert.match(errorSummary(empty.body), /Enter a place or area name, an LSOA or a postcode district/)
  const long = await c.get(`/areas?q=${'a'.repeat(101)}`)
  assert.equal(long.status, 400)
  assert.match(errorSummary(long.body), /100 characters or fewer \(this is 101\)/)
  const veryLong = await c.get(`/areas?q=${'a'.repeat(5000)}`)
  assert.equal(veryLong.status, 400)
  assert.match(text(veryLong.body), /100 characters or fewer/)
  for (const bad of ['%07', 'a%1Bb', '%7F']) {
    const res = await c.get(`/areas?q=${bad}`)
    assert.equal(res.status, 400, bad)
    assert.match(errorSummary(res.body), /control characters/, bad)
  }
  const api = await c.get('/api/v1/geography/search?q=%07')
  assert.equal(api.status, 400)
  assert.match(api.json().errors.q, /control characters/)
  // A NUL byte is refused before any route sees it (platform/input.ts, security point 4), with its own message.
  for (const bad of ['%00', 'Win%00chester']) {
    const res = await c.get(`/areas?q=${bad}`)
    assert.equal(res.status, 400, bad)
    assert.match(errorSummary(res.body), /NUL character/, bad)
  }
  // Nothing found is not an error: it says what to try.
  const none = await c.get('/areas?q=Qwxzzy')
  assert.equal(none.status, 200)
  assert.match(text(none.body), /No areas match “Qwxzzy”/)
})

test('/areas is the one page of areas; /geography/areas leads there with its query', async () => {
  const c = await clientAs(t, 'anonymous')
  const old = await c.get('/geography/areas?type=county')
  assert.equal(old.status, 301)
  assert.equal(old.headers.location, '/areas?type=county')
  const counties = await c.get('/areas?type=county')
  assert.equal(counties.status, 200)
  // Worcestershire (E10000034) is the county of Worcester's district in the 2023 lookup.
  const county = csvObjects(g('ltla23_to_utla23_lookup_ew')).find((r) => r.LTLA23CD === 'E07000237')!
  assert.ok(codesOf(counties.body).includes(county.UTLA23CD))
  assert.match(counties.body, /id="q"/)
  const csv = await c.get('/areas?q=South%20Worcestershire&format=csv')
  assert.equal(csv.status, 200)
  assert.match(csv.body.split('\r\n')[1], /^E22000332,South Worcester,community safety partnership,/)
})

test("a body's area links to that area's crime data", async () => {
  const p = await makePartnership(t.services, { published: true })
  const body = await t.services.governance.create(
    p.id,
    { name: 'South Worcester CSP board', type: 'board', areaCode: 'E22000332' },
    systemActor,
  )
  const c = await clientAs(t, 'anonymous')
  const page = await c.get(`/partnerships/${p.slug}/bodies/${body.slug}`)
  assert.equal(page.status, 200)
  assert.match(page.body, /<a class="govuk-link" href="\/crime\/areas\/E22000332">Crime data for South Worcester<\/a>/)
})

test('search answers quickly: 30 searches of each kind in well under a second each', async () => {
  const c = await clientAs(t, 'anonymous')
  await c.get('/areas?q=warm%20up')
  const started = Date.now()
  const queries = ['South Worcestershire', 'Winchester 012B', 'SO23', 'E01023221', 'Worcestor', 'bristol']
  for (let i = 0; i < 5; i++) for (const q of queries) assert.equal((await c.get(`/areas?q=${encodeURIComponent(q)}`)).status, 200)
  const each = (Date.now() - started) / (5 * queries.length)
  console.log(`area search: ${each.toFixed(1)} ms a page on average`)
  assert.ok(each < 500, `${each} ms a search`)
})
