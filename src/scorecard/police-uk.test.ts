import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { clientAs, text, unique, type TestApp } from '../../test/helpers.ts'
import { testAppWithGeography, bundled, importFiles, independentStreet, lsoaToLad19 } from '../../test/crime-helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { codeOfType } from './builtin.ts'

let t: TestApp
let files: string[]
before(async () => {
  t = await testAppWithGeography()
  files = bundled('west-mercia').slice(0, 3)
  await importFiles(t, files)
})
after(async () => {
  await t.close()
})

const HEREFORDSHIRE = 'E06000019'

/** Herefordshire's street records by month and type, counted here from the same files in plain JavaScript. */
function expectedCounts() {
  const lad = lsoaToLad19()
  const out = new Map<string, Map<string, number>>()
  for (const r of independentStreet(files).kept) {
    if (!r.lsoa || lad.get(r.lsoa) !== HEREFORDSHIRE) continue
    if (!out.has(r.month)) out.set(r.month, new Map())
    const m = out.get(r.month)!
    m.set(r.type, (m.get(r.type) ?? 0) + 1)
  }
  return out
}

test('police.uk indicators count the area’s crimes per 1,000 residents, and hide small counts with secondary suppression across crime types', async () => {
  const p = await t.services.partnerships.create(
    { slug: unique('pk'), name: 'Herefordshire police.uk test', published: true, areaCode: HEREFORDSHIRE },
    systemActor,
  )
  await t.services.scorecard.defineIndicator(p.id, { code: 'police-uk-crime' }, systemActor)
  const population = (await t.services.geography.area(HEREFORDSHIRE)).population!
  const counts = expectedCounts()
  const months = [...counts.keys()].sort()
  assert.ok(months.length >= 1)
  const anon = await clientAs(t, 'anonymous')
  const editor = await clientAs(t, 'editor', p.id)
  const api = `/api/v1/partnerships/${p.slug}/indicators`

  // All crime (anti-social behaviour left out): count and rate per 1,000 of the mid-2019 population.
  const all = (await anon.get(`${api}/police-uk-crime/values?area=${HEREFORDSHIRE}`)).json().rows
  assert.deepEqual(
    all.map((r: any) => r.period),
    months,
  )
  for (const r of all) {
    const n = [...counts.get(r.period)!].filter(([k]) => k !== 'Anti-social behaviour').reduce((a, [, c]) => a + c, 0)
    assert.equal(r.numerator, n)
    assert.ok(Math.abs(r.value - (n / population) * 1000) < 1e-6)
  }

  // For each month: the types with 1 to 4 records are hidden; where only one is, the smallest other type with
  // records is hidden too, so it cannot be worked out from all crime less the others.
  const types = [...new Set([...counts.values()].flatMap((m) => [...m.keys()]))].filter((k) => k !== 'Anti-social behaviour')
  let secondarySeen = false
  for (const month of months) {
    const m = counts.get(month)!
    const small = types.filter((k) => (m.get(k) ?? 0) > 0 && (m.get(k) ?? 0) < 5)
    const expectedHidden = new Set(small)
    if (small.length === 1) {
      const other = types
        .filter((k) => !expectedHidden.has(k) && (m.get(k) ?? 0) > 0)
        .sort((a, b) => m.get(a)! - m.get(b)! || (codeOfType(a) < codeOfType(b) ? -1 : 1))[0]
      expectedHidden.add(other)
      secondarySeen = true
    }
    for (const type of types) {
      const row = (await anon.get(`${api}/${codeOfType(type)}/values?area=${HEREFORDSHIRE}&from=${month}&to=${month}`)).json().rows[0]
      assert.equal(row.suppressed, expectedHidden.has(type), `${type} in ${month}: ${m.get(type) ?? 0}`)
      if (!row.suppressed) assert.equal(row.numerator, m.get(type) ?? 0)
      const seen = (await editor.get(`${api}/${codeOfType(type)}/values?area=${HEREFORDSHIRE}&from=${month}&to=${month}`)).json().rows[0]
      assert.deepEqual([seen.suppressed, seen.numerator], [false, m.get(type) ?? 0])
    }
  }
  assert.ok(secondarySeen, 'the data has a month with exactly one small crime type, so secondary suppression is exercised')

  // The scorecard page shows all crime for the area, with the population year said on the indicator page.
  const page = text((await anon.get(`/partnerships/${p.slug}/scorecard`)).body)
  assert.match(page, /All recorded crime/)
  assert.match(text((await anon.get(`/partnerships/${p.slug}/scorecard/indicators/police-uk-crime`)).body), /mid-2019 population/)
})

test('police.uk indicators by quarter: the three months summed (rates over the population), and a quarter holding one hidden month withheld', async () => {
  const p = await t.services.partnerships.create(
    { slug: unique('pq'), name: 'Herefordshire police.uk quarters', published: true, areaCode: HEREFORDSHIRE },
    systemActor,
  )
  const population = (await t.services.geography.area(HEREFORDSHIRE)).population!
  const counts = expectedCounts()
  const months = [...counts.keys()].sort()
  assert.deepEqual(months, ['2018-10', '2018-11', '2018-12'])
  const api = `/api/v1/partnerships/${p.slug}/indicators`
  const editor = await clientAs(t, 'editor', p.id)
  const anon = await clientAs(t, 'anonymous')
  const total = months.reduce(
    (n, m) => n + [...counts.get(m)!].filter(([k]) => k !== 'Anti-social behaviour').reduce((a, [, c]) => a + c, 0),
    0,
  )
  const [q3] = (await editor.get(`${api}/police-uk-crime/values?view=quarter`)).json().rows
  assert.equal(q3.period, '2018/19 Q3')
  assert.equal(q3.numerator, total)
  assert.ok(Math.abs(q3.value - (total / population) * 1000) < 1e-6)
  // Each crime type: the public sees the quarter unless exactly one of its months is hidden from them (then the
  // quarter less the two shown months would give it away).
  const types = [...new Set([...counts.values()].flatMap((m) => [...m.keys()]))].filter((k) => k !== 'Anti-social behaviour')
  let withheldSeen = false
  for (const type of types) {
    const monthly = (await anon.get(`${api}/${codeOfType(type)}/values`)).json().rows
    const hidden = monthly.filter((r: { suppressed: boolean }) => r.suppressed).length
    const [q] = (await anon.get(`${api}/${codeOfType(type)}/values?view=quarter`)).json().rows
    const sum = months.reduce((n, m) => n + (counts.get(m)!.get(type) ?? 0), 0)
    if (hidden === 1 || (sum > 0 && sum < 5)) {
      assert.equal(q.suppressed, true, type)
      withheldSeen = true
    } else if (hidden === 0) assert.deepEqual([q.suppressed, q.numerator], [false, sum], type)
  }
  assert.ok(withheldSeen, 'the data has a crime type with one hidden month in the quarter')
})
