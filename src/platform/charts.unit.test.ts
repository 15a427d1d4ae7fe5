import { test } from 'node:test'
import assert from 'node:assert/strict'
import { renderVegaLite, monthlyStackedBarSpec, finishSvg, categoryColours, stackedCategories } from './charts.ts'

const opts = { title: 'Recorded crime & <ASB>', description: 'Crimes by month, October to December 2018', idPrefix: 'crime-chart' }

/** The contents of the mark group Vega names `<name>_marks` (the layer's name in the spec). */
function markGroup(svg: string, name: string): string {
  const start = svg.indexOf(`role-mark ${name}_marks"`)
  assert.ok(start > 0, `there is a ${name} mark group`)
  const open = svg.indexOf('>', start) + 1
  if (svg[open - 2] === '/') return '' // <g ... /> when the mark has no items
  // Mark groups hold only leaf elements (path, text), so the group ends at the first </g>.
  return svg.slice(open, svg.indexOf('</g>', open))
}
const paths = (group: string): string[] => group.match(/<path\b[^>]*>/g) ?? []
const attr = (el: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(el)?.[1]

/** The x extent of a rect drawn by Vega as "Mx,yh<w>v<h>h-<w>Z". */
function xRange(el: string): [number, number] {
  const m = /d="M(-?[\d.]+),(-?[\d.]+)h(-?[\d.]+)/.exec(el)
  assert.ok(m, `a rect path: ${el}`)
  const x = Number(m[1])
  const w = Number(m[3])
  return [Math.min(x, x + w), Math.max(x, x + w)]
}
/** The group transform of the plot area: marks are drawn relative to it. */
const textX = (el: string) => Number(/transform="translate\((-?[\d.]+),/.exec(el)![1])

function assertAccessibleAndCspSafe(svg: string, o: { title: string; description: string; idPrefix: string }) {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img"/)
  const open = /^<svg[^>]*>/.exec(svg)![0]
  assert.match(open, /\sviewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/)
  assert.match(open, /\swidth="100%"/)
  assert.match(open, /\spreserveAspectRatio="[^"]+"/)
  assert.doesNotMatch(open, /\sheight=/, 'the height follows from the width and viewBox')
  const labelledBy = attr(open, 'aria-labelledby')!.split(' ')
  assert.equal(labelledBy.length, 2)
  const title = new RegExp(`<title id="${labelledBy[0]}">([^<]*)</title>`).exec(svg)
  const desc = new RegExp(`<desc id="${labelledBy[1]}">([^<]*)</desc>`).exec(svg)
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  assert.equal(unescape(title![1]), o.title)
  assert.equal(unescape(desc![1]), o.description)
  assert.doesNotMatch(svg, /\sstyle=/i)
  assert.doesNotMatch(svg, /<style/i)
  assert.doesNotMatch(svg, /<script/i)
  assert.doesNotMatch(svg, /\son[a-z]+=/i)
  assert.doesNotMatch(svg, /GDS Transport/)
  for (const [, id] of svg.matchAll(/\sid="([^"]*)"/g)) assert.ok(id.startsWith(`${o.idPrefix}-`), `id ${id} starts with the prefix`)
  const ids = [...svg.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1])
  assert.equal(new Set(ids).size, ids.length, 'ids are unique')
  for (const [, ref] of svg.matchAll(/url\(#([^)]*)\)/g)) assert.ok(ids.includes(ref), `url(#${ref}) points at an element of this SVG`)
}

const months = ['2018-10', '2018-11', '2018-12']

test('a stacked bar chart is an accessible SVG that the Content-Security-Policy allows', async () => {
  const rows = [
    { month: '2018-10', category: 'Burglary', count: 1200 },
    { month: '2018-10', category: 'Anti-social behaviour', count: 3400 },
    { month: '2018-11', category: 'Burglary', count: 1100 },
    { month: '2018-11', category: 'Anti-social behaviour', count: 2900 },
    { month: '2018-12', category: 'Burglary', count: 1000 },
    { month: '2018-12', category: 'Anti-social behaviour', count: 2000 },
  ]
  const svg = await renderVegaLite(
    monthlyStackedBarSpec({ rows, months, gaps: [], categoryTitle: 'Crime type', valueTitle: 'Crimes' }),
    opts,
  )
  assertAccessibleAndCspSafe(svg, opts)
  assert.equal(paths(markGroup(svg, 'bars')).length, 6, '3 months x 2 categories')
  for (const label of ['Oct 2018', 'Nov 2018', 'Dec 2018', 'Crime type', 'Burglary', 'Anti-social behaviour', 'Crimes']) {
    assert.match(svg, new RegExp(`>${label}</text>`), label)
  }
  assert.match(svg, />4,000<\/text>/, 'the value axis has thousands separators')
  assert.match(svg, /font-family="Helvetica, Arial, sans-serif"/)
  assert.doesNotMatch(svg, /Not loaded/)
})

test('a month that is not loaded is a labelled band, not a bar, even when rows are given for it', async () => {
  const rows = ['2018-10', '2018-11', '2018-12'].flatMap((month) => [
    { month, category: 'Burglary', count: 10 },
    { month, category: 'Robbery', count: 5 },
  ])
  const svg = await renderVegaLite(
    monthlyStackedBarSpec({ rows, months, gaps: ['2018-11'], categoryTitle: 'Crime type', valueTitle: 'Crimes' }),
    opts,
  )
  assertAccessibleAndCspSafe(svg, opts)
  const bars = paths(markGroup(svg, 'bars'))
  assert.equal(bars.length, 4, 'two months x two categories')
  assert.ok(!bars.some((b) => /2018-11/.test(b)), 'no bar for November')
  const bands = paths(markGroup(svg, 'gaps'))
  assert.equal(bands.length, 1)
  const [from, to] = xRange(bands[0])
  for (const bar of bars) {
    const [a, b] = xRange(bar)
    assert.ok(b <= from || a >= to, 'no bar overlaps the band')
  }
  assert.match(attr(bands[0], 'fill')!, /^url\(#crime-chart-hatch\)/, 'the band is hatched')
  assert.match(svg, /<pattern id="crime-chart-hatch"/)
  const labels = markGroup(svg, 'gap_labels').match(/<text\b[^>]*>[^<]*<\/text>/g) ?? []
  assert.equal(labels.length, 1)
  assert.match(labels[0], />Not loaded</)
  assert.ok(textX(labels[0]) > from && textX(labels[0]) < to, 'the label is on the band')
  assert.match(svg, />Nov 2018<\/text>/, 'the month keeps its axis label')
})

test('consecutive months not loaded make one band with one label', async () => {
  const ms = ['2019-01', '2019-02', '2019-03', '2019-04', '2019-05']
  const rows = [
    { month: '2019-01', category: 'A', count: 3 },
    { month: '2019-05', category: 'A', count: 4 },
  ]
  const svg = await renderVegaLite(
    monthlyStackedBarSpec({ rows, months: ms, gaps: ['2019-02', '2019-03', '2019-04'], categoryTitle: 'Type', valueTitle: 'Crimes' }),
    opts,
  )
  const bands = paths(markGroup(svg, 'gaps'))
  assert.equal(bands.length, 1)
  assert.equal((svg.match(/>Not loaded</g) ?? []).length, 1)
  const [from, to] = xRange(bands[0])
  const bars = paths(markGroup(svg, 'bars')).map(xRange)
  assert.equal(bars.length, 2)
  assert.ok(bars[0][1] <= from && bars[1][0] >= to, 'the band lies between January and May')
  assert.ok(to - from > 2.5 * (bars[0][1] - bars[0][0]), 'the band is three months wide')
})

test('categories keep their colours, given by their sorted names, whatever else is in the chart', async () => {
  const colourOf = (svg: string) => {
    const colours = new Map<string, string>()
    for (const bar of paths(markGroup(svg, 'bars'))) {
      const category = /category: ([^;"]*)/.exec(attr(bar, 'data-label')!)![1]
      const fill = attr(bar, 'fill')!
      assert.equal(colours.get(category) ?? fill, fill, `${category} has one colour`)
      colours.set(category, fill)
    }
    return colours
  }
  const one = colourOf(
    await renderVegaLite(
      monthlyStackedBarSpec({
        rows: [
          { month: '2018-10', category: 'Robbery', count: 5 },
          { month: '2018-10', category: 'Arson', count: 2 },
          { month: '2018-11', category: 'Robbery', count: 4 },
        ],
        months,
        gaps: [],
        categoryTitle: 'Type',
        valueTitle: 'Crimes',
      }),
      opts,
    ),
  )
  const two = colourOf(
    await renderVegaLite(
      monthlyStackedBarSpec({
        rows: [
          { month: '2018-12', category: 'Arson', count: 9 },
          { month: '2018-10', category: 'Robbery', count: 1 },
        ],
        months,
        gaps: [],
        categoryTitle: 'Type',
        valueTitle: 'Crimes',
      }),
      opts,
    ),
  )
  assert.notEqual(one.get('Arson'), one.get('Robbery'))
  assert.equal(one.get('Arson'), two.get('Arson'))
  assert.equal(one.get('Robbery'), two.get('Robbery'))
})

test('up to 16 categories each get their own colour; more are grouped as Other', async () => {
  const names = Array.from({ length: 20 }, (_, i) => `Type ${String(i + 1).padStart(2, '0')}`)
  const rows = names.map((category, i) => ({ month: '2018-10', category, count: 100 - i }))
  const spec16 = monthlyStackedBarSpec({ rows: rows.slice(0, 16), months, gaps: [], categoryTitle: 'Type', valueTitle: 'Crimes' })
  const fills16 = paths(markGroup(await renderVegaLite(spec16, opts), 'bars')).map((b) => attr(b, 'fill'))
  assert.equal(fills16.length, 16)
  assert.equal(new Set(fills16).size, 16, '16 different colours')

  const svg = await renderVegaLite(monthlyStackedBarSpec({ rows, months, gaps: [], categoryTitle: 'Type', valueTitle: 'Crimes' }), opts)
  const bars = paths(markGroup(svg, 'bars'))
  assert.equal(bars.length, 16, '15 biggest categories and Other')
  assert.equal(new Set(bars.map((b) => attr(b, 'fill'))).size, 16)
  assert.match(svg, />Other<\/text>/)
  assert.match(svg, />Type 15<\/text>/)
  assert.doesNotMatch(svg, />Type 16<\/text>/, 'the smallest categories are in Other')
  const other = bars.find((b) => /category: Other/.test(b))!
  assert.match(attr(other, 'data-label')!, /Crimes: 415;/, 'Other adds up Types 16 to 20: 85 + 84 + 83 + 82 + 81')
})

test('long runs of months label the axis sparsely, on January-aligned months', async () => {
  const ms: string[] = []
  for (let y = 2016; y <= 2020; y++) for (let m = 1; m <= 12; m++) ms.push(`${y}-${String(m).padStart(2, '0')}`)
  const svg = await renderVegaLite(
    monthlyStackedBarSpec({
      rows: ms.map((month) => ({ month, category: 'A', count: 1 })),
      months: ms,
      gaps: [],
      categoryTitle: 'Type',
      valueTitle: 'Crimes',
    }),
    opts,
  )
  const labels = [...svg.matchAll(/>([A-Z][a-z]{2} \d{4})<\/text>/g)].map((m) => m[1])
  assert.ok(labels.length >= 5 && labels.length <= 12, `${labels.length} labels`)
  assert.equal(labels[0], 'Jan 2016')
  assert.ok(
    labels.every((l) => /^(Jan|Apr|Jul|Oct) /.test(l)),
    labels.join(', '),
  )
})

test('the same input gives the same bytes, whatever was rendered before', async () => {
  const spec = () =>
    monthlyStackedBarSpec({
      rows: [
        { month: '2018-10', category: 'A', count: 1 },
        { month: '2018-12', category: 'B', count: 2 },
      ],
      months,
      gaps: ['2018-11'],
      categoryTitle: 'Type',
      valueTitle: 'Crimes',
    })
  const first = await renderVegaLite(spec(), opts)
  await renderVegaLite(
    monthlyStackedBarSpec({
      rows: [{ month: '2018-11', category: 'C', count: 3 }],
      months,
      gaps: [],
      categoryTitle: 'Type',
      valueTitle: 'Crimes',
    }),
    { ...opts, idPrefix: 'other' },
  )
  const second = await renderVegaLite(spec(), opts)
  assert.equal(second, first)
  const otherPrefix = await renderVegaLite(spec(), { ...opts, idPrefix: 'second-chart' })
  assert.equal(otherPrefix.replaceAll('second-chart', 'crime-chart'), first, 'only the ids change with the prefix')
})

test('a chart with nothing loaded still renders, with every month marked', async () => {
  const svg = await renderVegaLite(
    monthlyStackedBarSpec({ rows: [], months, gaps: months, categoryTitle: 'Type', valueTitle: 'Crimes' }),
    opts,
  )
  assertAccessibleAndCspSafe(svg, opts)
  assert.equal(paths(markGroup(svg, 'gaps')).length, 1)
  assert.equal(paths(markGroup(svg, 'bars')).length, 0)
  assert.doesNotMatch(svg, /role-legend/, 'no legend without categories')
})

test('style attributes and style elements become presentation attributes, and ids take the prefix', () => {
  const vegaLike =
    '<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="100" height="50" viewBox="0 0 100 50">' +
    '<style>.x{fill:red}</style><defs><clipPath id="clip7"><rect width="10" height="10"/></clipPath></defs>' +
    '<g clip-path="url(#clip7)"><path d="M0,0h1" fill="#000" style="mix-blend-mode: multiply; fill: red"/>' +
    '<image href="x.png" style="image-rendering: pixelated;"/></g><script>alert(1)</script></svg>'
  const svg = finishSvg(vegaLike, { title: 'T', description: 'D', idPrefix: 'p' })
  assertAccessibleAndCspSafe(svg, { title: 'T', description: 'D', idPrefix: 'p' })
  assert.match(svg, /<path d="M0,0h1" fill="#000" mix-blend-mode="multiply"\/>/, 'an attribute already given wins')
  assert.match(svg, /<image href="x.png" image-rendering="pixelated"\/>/)
  assert.match(svg, /<clipPath id="p-1">/)
  assert.match(svg, /clip-path="url\(#p-1\)"/)
  assert.match(svg, /viewBox="0 0 100 50"/)
})

test('charts do not fetch data', async () => {
  const spec = { data: { url: 'http://127.0.0.1:9/data.json' }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' } } }
  await assert.rejects(renderVegaLite(spec, opts), /charts do not load external data \(http:\/\/127\.0\.0\.1:9\/data\.json\)/)
})

test('fixed colours: a category keeps its own colour; the others take the palette colours no fixed one uses', async () => {
  const fixed = { Robbery: '#DC050C', Burglary: '#12436d' }
  // '#12436d' is the palette's first colour: it is taken, so the first category without a fixed colour gets the second.
  assert.deepEqual(categoryColours(['Arson', 'Burglary', 'Robbery', 'Zeta'], fixed), ['#28a197', '#12436d', '#DC050C', '#801650'])
  const { legend } = stackedCategories({
    rows: [
      { month: '2018-10', category: 'Zeta', count: 1 },
      { month: '2018-10', category: 'Robbery', count: 2 },
      { month: '2018-11', category: 'Arson', count: 0 },
    ],
    months,
    gaps: [],
    colours: fixed,
  })
  assert.deepEqual(legend, [
    { category: 'Arson', colour: '#28a197' },
    { category: 'Robbery', colour: '#DC050C' },
    { category: 'Zeta', colour: '#801650' },
  ])
})

test('fitWidth draws the whole chart, axes included, exactly that wide, with no text under 12 px; legend "none" leaves the legend out', async () => {
  const rows = ['Robbery', 'Drugs', 'A very long crime type name that goes on'].flatMap((category, i) =>
    months.map((month) => ({ month, category, count: 100 * (i + 1) })),
  )
  for (const fitWidth of [288, 740]) {
    const svg = await renderVegaLite(
      monthlyStackedBarSpec({ rows, months, gaps: ['2018-11'], categoryTitle: 'Type', valueTitle: 'Crimes', fitWidth, legend: 'none' }),
      opts,
    )
    assert.equal(/viewBox="0 0 ([\d.]+) /.exec(svg)![1], String(fitWidth))
    assert.doesNotMatch(svg, /role-legend/, 'no legend')
    assert.doesNotMatch(svg, />A very long crime type/, 'no legend text')
    const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]))
    assert.ok(sizes.length > 3)
    assert.ok(Math.min(...sizes) >= 12, `text sizes ${[...new Set(sizes)]}`)
  }
  const withLegend = await renderVegaLite(
    monthlyStackedBarSpec({ rows, months, gaps: [], categoryTitle: 'Type', valueTitle: 'Crimes' }),
    opts,
  )
  assert.match(withLegend, /role-legend/)
})
