/**
 * The area page's chart and map, as a reader sees them: each crime type in its fixed colour (crime/colours.ts) in both
 * drawings of the chart and in its legend, and a map legend whose words read correctly ("1 LSOA", "15", never "15 to 15").
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { TestApp } from '../../test/helpers.ts'
import { clientAs } from '../../test/helpers.ts'
import { testAppWithGeography, importFiles, bundled, independentStreet } from '../../test/crime-helpers.ts'
import { CRIME_TYPE_COLOURS } from './colours.ts'

let t: TestApp
let files: string[]
before(async () => {
  t = await testAppWithGeography()
  files = bundled('city-of-london').slice(0, 3)
  await importFiles(t, files)
})
after(async () => {
  await t.close()
})

/** The legend lists of the page, in order: [title, items (text and swatch colour)]. */
function legends(html: string) {
  return [
    ...html.matchAll(/<p class="govuk-body-s govuk-!-font-weight-bold[^"]*">([^<]*)<\/p>\s*<ul class="safer-legend">([\s\S]*?)<\/ul>/g),
  ].map(([, title, list]) => ({
    title,
    items: [...list.matchAll(/<li class="safer-legend__item">([\s\S]*?)<\/li>/g)].map(([, li]) => ({
      text: /<span>([^<]*)<\/span>/.exec(li)![1].replace(/&#39;/g, "'").replace(/&amp;/g, '&'),
      fill: /<rect[^>]*fill="([^"]*)"/.exec(li)![1],
      hatched: /<path/.test(li),
    })),
  }))
}

test('the chart draws each crime type in its fixed colour, wide and narrow, and its legend lists them with the same colours', async () => {
  const res = await (await clientAs(t, 'anonymous')).get('/crime/areas/E23000034')
  assert.equal(res.status, 200)
  const types = [...new Set(independentStreet(files).kept.map((k) => k.type))].sort()
  assert.ok(types.length >= 10, `${types.length} crime types in the files`)

  const charts = [...res.body.matchAll(/<svg[^>]*class="safer-chart"[\s\S]*?<\/svg>/g)].map((m) => m[0])
  assert.equal(charts.length, 2, 'drawn wide and narrow')
  assert.match(charts[0], /viewBox="0 0 740 /)
  assert.match(charts[1], /viewBox="0 0 288 /)
  for (const svg of charts) {
    const seen = new Set<string>()
    for (const [bar] of svg.matchAll(/<path\b[^>]*data-label="[^"]*category: [^"]*"[^>]*>/g)) {
      const category = /category: ([^;"]*)/.exec(bar)![1]
      assert.equal(/\sfill="([^"]*)"/.exec(bar)![1].toUpperCase(), CRIME_TYPE_COLOURS[category].toUpperCase(), category)
      seen.add(category)
    }
    assert.deepEqual([...seen].sort(), types)
  }
  const [chartLegend] = legends(res.body)
  assert.equal(chartLegend.title, 'Crime type')
  assert.deepEqual(
    chartLegend.items.map((i) => [i.text, i.fill.toUpperCase()]),
    types.map((type) => [type, CRIME_TYPE_COLOURS[type].toUpperCase()]),
  )
})

test('the map legend is a list: each class as "a to b" or one number, with its count of LSOAs in the right number', async () => {
  const res = await (await clientAs(t, 'anonymous')).get('/crime/areas/E23000034')
  const map = legends(res.body).find((l) => l.title.startsWith('Records per 1,000 people'))
  assert.ok(map, 'the map has a legend')
  assert.ok(map.items.length >= 1)
  let total = 0
  for (const item of map.items) {
    const m = /^(?:No data|([\d,]+) to ([\d,]+)|([\d,]+)): (\d+) (LSOAs?)$/.exec(item.text)
    assert.ok(m, `"${item.text}" reads as a class and a count`)
    if (m[1]) assert.notEqual(m[1], m[2], `"${item.text}" does not repeat one number`)
    assert.equal(m[5], m[4] === '1' ? 'LSOA' : 'LSOAs', `"${item.text}"`)
    total += Number(m[4])
  }
  const lsoas = Number(
    /<dt class="govuk-summary-list__key">\s*LSOAs\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*([\d,]+)/
      .exec(res.body)![1]
      .replace(/,/g, ''),
  )
  assert.equal(total, lsoas, 'every LSOA of the area is in one class')
  assert.doesNotMatch(res.body, /\b1 LSOAs\b/)
  // The City of London has few LSOAs (six), so some classes hold one.
  assert.ok(
    map.items.some((i) => /: 1 LSOA$/.test(i.text)),
    map.items.map((i) => i.text).join('; '),
  )
  // The map itself holds no text: its legend is the list.
  const svg = /<svg[^>]*class="safer-choropleth"[\s\S]*?<\/svg>/.exec(res.body)![0]
  assert.doesNotMatch(svg, /<text/)
})
