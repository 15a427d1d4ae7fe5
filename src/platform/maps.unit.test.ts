import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { geoArea } from 'd3-geo'
import type { Feature } from 'geojson'
import { renderChoropleth, rangeLabel } from './maps.ts'

// The bundled copies of the ONS boundary files (byte for byte the files in ../shared/data, Brotli-compressed),
// so that these tests always run, with or without the shared data.
const boundaries = path.resolve(import.meta.dirname, '../../opendata/boundaries')

/** A boundary file with its code and name properties renamed to code and name. */
function load(file: string, code: string, name: string): Feature[] {
  const fc = JSON.parse(zlib.brotliDecompressSync(fs.readFileSync(path.join(boundaries, `${file}.br`))).toString('utf8')) as {
    features: Feature[]
  }
  return fc.features.map((f) => ({ ...f, properties: { code: f.properties![code], name: f.properties![name] } }))
}
const westMercia = load('lsoa2011_bgc_west_mercia.geojson', 'LSOA11CD', 'LSOA11NM')
const lads = load('lad_dec2019_uk_buc.geojson', 'lad19cd', 'lad19nm')

const base = {
  title: 'Crime rate by LSOA',
  description: 'Crimes per 1,000 people in each LSOA, 2019',
  valueLabel: 'Crimes per 1,000 people',
  idPrefix: 'rate-map',
}

interface Area {
  d: string
  fill: string
  code: string
  title: string
}
function areas(svg: string): Area[] {
  const group = /<g class="safer-choropleth__areas"[^>]*>([\s\S]*?)<\/g>/.exec(svg)
  assert.ok(group, 'there is an areas group')
  return [...group[1].matchAll(/<path d="([^"]*)" fill="([^"]*)" data-code="([^"]*)"><title>([^<]*)<\/title><\/path>/g)].map(
    ([, d, fill, code, title]) => ({ d, fill, code, title }),
  )
}

/** Every point of an SVG path made of M, L (absolute), m, l (relative) and Z, to check where it is drawn. */
function points(d: string): [number, number][] {
  const tokens = d.match(/[a-zA-Z]|-?(?:\d+\.?\d*|\.\d+)/g) ?? []
  const out: [number, number][] = []
  let cmd = ''
  let x = 0,
    y = 0,
    startX = 0,
    startY = 0
  for (let i = 0; i < tokens.length;) {
    if (/[a-zA-Z]/.test(tokens[i])) {
      cmd = tokens[i++]
      if (cmd === 'Z' || cmd === 'z') {
        x = startX
        y = startY
        continue
      }
      assert.ok('MLml'.includes(cmd), `unexpected path command ${cmd}`)
    }
    const a = Number(tokens[i++])
    const b = Number(tokens[i++])
    assert.ok(Number.isFinite(a) && Number.isFinite(b), `a coordinate pair in ${d.slice(0, 80)}`)
    if (cmd === 'M' || cmd === 'L') {
      x = a
      y = b
    } else {
      x += a
      y += b
    }
    if (cmd === 'M' || cmd === 'm') {
      startX = x
      startY = y
      cmd = cmd === 'M' ? 'L' : 'l'
    }
    out.push([x, y])
  }
  return out
}
function bbox(d: string) {
  const ps = points(d)
  return {
    minX: Math.min(...ps.map((p) => p[0])),
    maxX: Math.max(...ps.map((p) => p[0])),
    minY: Math.min(...ps.map((p) => p[1])),
    maxY: Math.max(...ps.map((p) => p[1])),
  }
}
function viewBox(svg: string) {
  const [x, y, w, h] = /viewBox="([^"]*)"/.exec(svg)![1].split(' ').map(Number)
  return { x, y, w, h }
}

/** The map is drawn inside the SVG, and no area is a globe-sized shape covering the whole map. */
function assertDrawnInside(svg: string, count: number) {
  const vb = viewBox(svg)
  const drawn = areas(svg)
  assert.equal(drawn.length, count)
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity
  for (const a of drawn) {
    const b = bbox(a.d)
    assert.ok(b.minX >= vb.x && b.maxX <= vb.x + vb.w && b.minY >= vb.y && b.maxY <= vb.y + vb.h, `${a.code} lies inside the viewBox`)
    assert.ok((b.maxX - b.minX) * (b.maxY - b.minY) < 0.5 * vb.w * vb.h, `${a.code} does not cover the map`)
    minX = Math.min(minX, b.minX)
    maxX = Math.max(maxX, b.maxX)
    minY = Math.min(minY, b.minY)
    maxY = Math.max(maxY, b.maxY)
  }
  // Fitted to the map area: the areas together span nearly all of its width or of its height.
  assert.ok(maxX - minX > 0.9 * vb.w || maxY - minY > 0.6 * vb.h, 'the map fills its area')
}

/** Quantiles as in R's default (type 7) and d3.quantile, computed here independently of the code under test. */
function quantile(sorted: number[], p: number) {
  const h = (sorted.length - 1) * p
  return sorted[Math.floor(h)] + (h - Math.floor(h)) * ((sorted[Math.ceil(h)] ?? 0) - sorted[Math.floor(h)])
}

/** Relative luminance of a #rrggbb colour. */
function luminance(hex: string) {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

function assertCspSafe(svg: string) {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img"/)
  assert.match(svg, /^<svg[^>]* width="100%"[^>]* preserveAspectRatio="[^"]+"/)
  assert.doesNotMatch(svg, /\sstyle=/i)
  assert.doesNotMatch(svg, /<style/i)
  assert.doesNotMatch(svg, /<script/i)
  const [, labelledBy] = /aria-labelledby="([^"]*)"/.exec(svg)!
  const [titleId, descId] = labelledBy.split(' ')
  assert.match(svg, new RegExp(`<title id="${titleId}">Crime rate by LSOA</title>`))
  assert.match(svg, new RegExp(`<desc id="${descId}">Crimes per 1,000 people in each LSOA, 2019</desc>`))
  for (const [, id] of svg.matchAll(/\sid="([^"]*)"/g)) assert.ok(id.startsWith('rate-map-'), `id ${id} has the prefix`)
}

// How fast it draws is measured by the benchmarks (bench:web), not asserted here: these machines are shared.
test('the West Mercia LSOAs are drawn as 781 areas inside the map', () => {
  assert.equal(westMercia.length, 781)
  const values = Object.fromEntries(westMercia.map((f, i) => [f.properties!.code, (i % 50) + 0.5]))
  const map = renderChoropleth({ ...base, features: westMercia, values })
  assertCspSafe(map.svg)
  assertDrawnInside(map.svg, 781)
  assert.equal(viewBox(map.svg).w, 640)
  assert.equal(viewBox(map.svg).h, 560)
  const first = areas(map.svg).find((a) => a.code === 'E01013986')!
  assert.equal(first.title, 'Herefordshire 012A (E01013986): 0.5')
  for (const a of areas(map.svg)) {
    assert.doesNotMatch(a.d, /\d\.\d\d/, 'coordinates have at most one decimal place')
  }
  assert.ok(map.svg.length < 700_000, `${map.svg.length} bytes`)
})

test('boundaries whose rings d3 would read as the whole globe are drawn as the areas they are', () => {
  // The LAD file's rings are wound so that d3's spherical area is more than a hemisphere: the winding-order trap.
  assert.ok(lads.filter((f) => geoArea(f) > 2 * Math.PI).length > 300, 'the file has inverted rings')
  const values = Object.fromEntries(lads.map((f, i) => [f.properties!.code, i]))
  const map = renderChoropleth({ ...base, features: lads, values })
  assertDrawnInside(map.svg, lads.length)
})

test('classes are quantiles of the values, coloured light to dark, and hold every area with a value', () => {
  const known = [0, 1.5, 2, 2, 3.25, 4, 5, 7.5, 8, 10, 12, 15, 18, 21.5, 30, 42, 55, 80, 120, 400]
  const values: Record<string, number | null> = {}
  westMercia.forEach((f, i) => {
    values[f.properties!.code] = known[(i * 7) % known.length]
  })
  const nonNull = Object.values(values) as number[]
  const sorted = [...nonNull].sort((a, b) => a - b)
  const expected = [sorted[0], ...[1, 2, 3, 4].map((i) => quantile(sorted, i / 5)), sorted[sorted.length - 1]]

  const map = renderChoropleth({ ...base, features: westMercia, values })
  assert.equal(map.breaks.length, 6)
  map.breaks.forEach((b, i) => assert.ok(Math.abs(b - expected[i]) < 1e-9, `break ${i}: ${b} = ${expected[i]}`))
  assert.equal(map.legend.length, 5)
  assert.equal(
    map.legend.reduce((n, c) => n + c.count, 0),
    781,
  )
  map.legend.forEach((c, i) => {
    assert.equal(c.from, map.breaks[i])
    assert.equal(c.to, map.breaks[i + 1])
    const inClass = nonNull.filter((v) => v >= c.from && (i === 4 ? v <= c.to : v < c.to)).length
    assert.equal(c.count, inClass, `class ${i} count`)
  })
  const lum = map.legend.map((c) => luminance(c.colour))
  assert.ok(
    lum.every((l, i) => i === 0 || l < lum[i - 1]),
    'each class is darker than the one before',
  )
  assert.equal(map.noDataCount, 0)
  for (const a of areas(map.svg)) {
    const v = values[a.code]!
    const cls = map.legend.findIndex((c, i) => v >= c.from && (i === 4 ? v <= c.to : v < c.to))
    assert.equal(a.fill, map.legend[cls].colour, `${a.code} (${v}) has its class colour`)
  }
  // The legend is in the SVG too
  assert.match(map.svg, />Crimes per 1,000 people<\/text>/)
  for (const c of map.legend) assert.match(map.svg, new RegExp(`fill="${c.colour}"[^>]*/><text[^>]*>[^<]+ to [^<]+</text>`))
  assert.doesNotMatch(map.svg, /No data/)
})

test('areas without a value are hatched, titled "no data" and listed in the legend as No data', () => {
  const features = westMercia.slice(0, 40)
  const values: Record<string, number | null> = {}
  features.forEach((f, i) => {
    if (i % 4 !== 0) values[f.properties!.code] = i % 8 === 1 ? null : i
  })
  // i % 4 == 0: absent (10 areas); i % 8 == 1: null (5 areas)
  const map = renderChoropleth({ ...base, features, values, format: (v) => `${v} per 1,000` })
  assertCspSafe(map.svg)
  const drawn = areas(map.svg)
  const noData = drawn.filter((a) => a.fill === 'url(#rate-map-nodata)')
  assert.equal(noData.length, 15)
  assert.equal(map.noDataCount, 15)
  for (const a of noData) assert.match(a.title, /^[^(]+ \(E01\d{6}\): no data$/)
  assert.match(drawn[2].title, /\(E01\d{6}\): 2 per 1,000$/, 'the format is used')
  assert.match(map.svg, /<defs><pattern id="rate-map-nodata"[^>]*>/)
  assert.match(map.svg, /<rect[^>]*fill="url\(#rate-map-nodata\)"[^>]*\/><text[^>]*>No data<\/text>/)
  assert.equal(
    map.legend.reduce((n, c) => n + c.count, 0),
    25,
  )
})

test('fewer distinct values give fewer classes', () => {
  const features = westMercia.slice(0, 30)
  const threeValues = features.map((_, i) => (i % 3) * 10)
  const three = renderChoropleth({
    ...base,
    features,
    values: Object.fromEntries(features.map((f, i) => [f.properties!.code, threeValues[i]])),
  })
  const sorted = [...threeValues].sort((a, b) => a - b)
  assert.equal(three.breaks.length, 4, 'three classes for three distinct values')
  ;[0, quantile(sorted, 1 / 3), quantile(sorted, 2 / 3), 20].forEach((q, i) =>
    assert.ok(Math.abs(three.breaks[i] - q) < 1e-9, `break ${i}`),
  )
  assert.deepEqual(
    three.legend.map((c) => c.count),
    [10, 10, 10],
  )

  const tied = renderChoropleth({
    ...base,
    features,
    values: Object.fromEntries(features.map((f, i) => [f.properties!.code, i < 25 ? 0 : i])),
  })
  assert.ok(
    tied.legend.every((c) => c.count > 0),
    'no empty classes when values are tied',
  )
  assert.equal(
    tied.legend.reduce((n, c) => n + c.count, 0),
    30,
  )

  const one = renderChoropleth({ ...base, features, values: Object.fromEntries(features.map((f) => [f.properties!.code, 7])) })
  assert.deepEqual(one.breaks, [7, 7])
  assert.equal(one.legend.length, 1)
  assert.equal(one.legend[0].count, 30)

  const none = renderChoropleth({ ...base, features, values: {} })
  assert.deepEqual(none.breaks, [])
  assert.deepEqual(none.legend, [])
  assert.equal(areas(none.svg).length, 30)
})

test('the same input gives the same bytes', () => {
  const values = Object.fromEntries(westMercia.map((f, i) => [f.properties!.code, i % 9 ? i : null]))
  const a = renderChoropleth({ ...base, features: westMercia, values }).svg
  const b = renderChoropleth({ ...base, features: westMercia, values }).svg
  assert.equal(a, b)
})

test('longitude is scaled for latitude, holes stay holes, and names are escaped', () => {
  // A 2 x 1 degree box at 60°N is about 1 x 1 on the ground; it has a square hole in the middle.
  const box: Feature = {
    type: 'Feature',
    properties: { code: 'X1', name: 'Box & <friends>' },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [-1, 59.5],
          [1, 59.5],
          [1, 60.5],
          [-1, 60.5],
          [-1, 59.5],
        ],
        [
          [-0.2, 59.9],
          [-0.2, 60.1],
          [0.2, 60.1],
          [0.2, 59.9],
          [-0.2, 59.9],
        ],
      ],
    },
  }
  const map = renderChoropleth({ ...base, features: [box], values: { X1: 3 }, width: 400, height: 400 })
  const [area] = areas(map.svg)
  const b = bbox(area.d)
  const ratio = (b.maxX - b.minX) / (b.maxY - b.minY)
  assert.ok(Math.abs(ratio - 1) < 0.02, `width / height = ${ratio}`)
  assert.equal((area.d.match(/M/g) ?? []).length, 2, 'outer ring and hole')
  assert.match(map.svg, /<g class="safer-choropleth__areas"[^>]* fill-rule="evenodd"/)
  assert.equal(area.title, 'Box &amp; &lt;friends&gt; (X1): 3')
  // North is up
  const ps = points(area.d)
  assert.ok(ps[0][1] > ps[2][1], 'the southern edge is drawn below the northern one')
})

test('legend labels read as people say them: "15 to 20", and "15" for a class whose ends are the same as shown', () => {
  assert.equal(rangeLabel(15, 20), '15 to 20')
  assert.equal(rangeLabel(15, 15), '15')
  assert.equal(rangeLabel(1234.5, 2000), '1,234.5 to 2,000')
  const whole = (v: number) => v.toLocaleString('en-GB', { maximumFractionDigits: 0 })
  assert.equal(rangeLabel(14.6, 15.4, whole), '15', 'both ends round to 15')
  assert.equal(rangeLabel(14.4, 15.4, whole), '14 to 15')

  // On a map: one value everywhere is one class, "7"; values that differ by less than the rounding are one label too.
  const features = westMercia.slice(0, 30)
  const one = renderChoropleth({ ...base, features, values: Object.fromEntries(features.map((f) => [f.properties!.code, 7])) })
  assert.deepEqual(
    one.legend.map((c) => c.label),
    ['7'],
  )
  assert.doesNotMatch(one.svg, /7 to 7/)
  assert.match(one.svg, />7<\/text>/)
  const close = renderChoropleth({
    ...base,
    features,
    values: Object.fromEntries(features.map((f, i) => [f.properties!.code, i < 20 ? 15.01 + i / 1000 : 30 + i])),
    classes: 3,
    format: whole,
  })
  assert.equal(close.legend[0].label, '15', `the lower class is 15.01 to ${close.legend[0].to}`)
  assert.doesNotMatch(close.svg, /15 to 15/)
})

test('a map drawn without its legend holds no text (the page lists the legend), and keeps the classes', () => {
  const features = westMercia.slice(0, 40)
  const values = Object.fromEntries(features.map((f, i) => [f.properties!.code, i % 10 ? i : null]))
  const withLegend = renderChoropleth({ ...base, features, values })
  const without = renderChoropleth({ ...base, features, values, legend: 'none' })
  assert.match(withLegend.svg, /<text/)
  assert.doesNotMatch(without.svg, /<text/)
  assert.deepEqual(without.legend, withLegend.legend)
  assert.equal(without.noDataCount, 4)
  assert.equal(areas(without.svg).length, 40)
})
