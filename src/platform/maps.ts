/**
 * Choropleth maps as SVG strings, drawn on the server from GeoJSON: no tiles, so they work offline and in print.
 *
 * The map is planar: longitude is scaled by cos(middle latitude) and the result fitted to the map area with d3-geo's
 * geoIdentity. A spherical projection would read a ring wound the "wrong" way (as in the ONS LAD boundary files) as
 * the whole globe minus the area, filling the whole map; planar paths with fill-rule="evenodd" do not depend on the
 * winding order of rings at all.
 *
 * The SVG has no style attributes or <style> (the pages' Content-Security-Policy has style-src 'self'), no scripts,
 * and every id starts with the caller's idPrefix.
 */
import { geoIdentity } from 'd3-geo'
import type { Feature, Geometry, Position } from 'geojson'
import { accessibleSvg, escapeHtml } from './html.ts'

export interface ChoroplethOptions {
  /** Polygon or MultiPolygon features with properties.code and properties.name. Others are not drawn. */
  features: Feature[]
  /** Value by area code; an absent or null value is "no data". */
  values: Record<string, number | null>
  title: string
  description: string
  /** What the values are, e.g. "Crimes per 1,000 people"; the legend's title. */
  valueLabel: string
  /** Prefix of every id in the SVG; must be unique on the page. */
  idPrefix: string
  width?: number
  height?: number
  /** How many classes (1 to 9; default 5). Fewer when there are fewer distinct values. */
  classes?: number
  format?: (v: number) => string
  /**
   * The legend drawn in the SVG under the map (the default), or none: the page shows `legend` as a list instead, whose
   * text stays readable however small the map is shown. Without it, the SVG holds no text at all.
   */
  legend?: 'svg' | 'none'
}

export interface LegendClass {
  /** A value v is in the class when from <= v < to; the last class also holds v = to. */
  from: number
  to: number
  colour: string
  /** How many areas are in the class. */
  count: number
  /** "10 to 15", or "15" when both ends read the same as formatted (a class of one value, or one rounded to it). */
  label: string
}

export interface Choropleth {
  svg: string
  /** Class boundaries, lowest first: classes + 1 numbers from the minimum to the maximum. Empty when there are no values. */
  breaks: number[]
  legend: LegendClass[]
  /** How many areas have no data. */
  noDataCount: number
}

/** ColorBrewer Blues (sequential, colour-blind safe, prints in greyscale), by number of classes. */
const BLUES: Record<number, string[]> = {
  1: ['#6baed6'],
  2: ['#bdd7e7', '#3182bd'],
  3: ['#deebf7', '#9ecae1', '#3182bd'],
  4: ['#eff3ff', '#bdd7e7', '#6baed6', '#2171b5'],
  5: ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'],
  6: ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'],
  7: ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#084594'],
  8: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#084594'],
  9: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
}

const FONT = 'Helvetica, Arial, sans-serif'
const TEXT = '#0b0c0c'
const BORDER = '#b1b4b6'
const LINE_GREY = '#505a5f'
const NO_DATA = 'No data'

const defaultFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 }).format

/** The p-quantile of sorted values, interpolating between neighbours (R's type 7, as d3.quantile and Excel). */
export function quantile(sorted: number[], p: number): number {
  const pos = (sorted.length - 1) * p
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/**
 * Quantile class boundaries: [min, q(1/k), ..., q((k-1)/k), max], with repeated boundaries (from tied values)
 * dropped, so there are never empty classes. A single distinct value gives one class [v, v].
 */
function quantileBreaks(values: number[], classes: number): number[] {
  if (!values.length) return []
  const sorted = [...values].sort((a, b) => a - b)
  const distinct = new Set(sorted).size
  const k = Math.max(1, Math.min(classes, distinct))
  if (distinct === 1) return [sorted[0], sorted[0]]
  const breaks = [sorted[0]]
  for (let i = 1; i < k; i++) {
    const q = quantile(sorted, i / k)
    if (q > breaks[breaks.length - 1]) breaks.push(q)
  }
  if (sorted[sorted.length - 1] > breaks[breaks.length - 1]) breaks.push(sorted[sorted.length - 1])
  return breaks
}

/** A class's range as people read it: "10 to 15", or "15" when both ends are the same once formatted. */
export function rangeLabel(from: number, to: number, format: (v: number) => string = defaultFormat): string {
  const a = format(from)
  const b = format(to)
  return a === b ? a : `${a} to ${b}`
}

/** The class of v for these breaks: from <= v < to, the last class closed. */
function classOf(v: number, breaks: number[]): number {
  const last = breaks.length - 2
  for (let i = 0; i < last; i++) if (v < breaks[i + 1]) return i
  return last
}

/** A rough width of text in Helvetica/Arial, for laying out the legend without a font engine. */
function textWidth(s: string, size: number): number {
  let w = 0
  for (const ch of s) w += /[il.,:;'|!1 ]/.test(ch) ? 0.3 : /[mwMW@]/.test(ch) ? 0.85 : /[A-Z0-9]/.test(ch) ? 0.65 : 0.55
  return w * size
}

function polygonsOf(g: Geometry | null | undefined): Position[][][] {
  if (!g) return []
  if (g.type === 'Polygon') return [g.coordinates]
  if (g.type === 'MultiPolygon') return g.coordinates
  return []
}

const round1 = (n: number) => Math.round(n * 10) / 10

/**
 * Path positions are kept on a grid of half a unit (at 640 units wide, half a pixel: finer than print or screen
 * shows), and a point that falls on the same grid point as the one before is dropped. That keeps a force's map
 * (a thousand LSOAs) to a few hundred kilobytes.
 */
const GRID = 2

/** A number of grid steps as compact SVG path text: 12.5, .5, -.5, 4. */
function tenths(i: number): string {
  const s = String(i / GRID)
  return s.startsWith('0.') ? s.slice(1) : s.startsWith('-0.') ? '-' + s.slice(2) : s
}

/** One closed ring: an absolute move to the first point, then relative lines ("l dx,dy,dx,dy..."), then Z. */
function ringPath(xs: number[], ys: number[], n: number): string {
  let d = `M${tenths(xs[0])},${tenths(ys[0])}`
  if (n > 1) {
    d += 'l'
    for (let i = 1; i < n; i++) {
      const dx = tenths(xs[i] - xs[i - 1])
      const dy = tenths(ys[i] - ys[i - 1])
      d += (i > 1 && dx[0] !== '-' ? ',' : '') + dx + (dy[0] === '-' ? '' : ',') + dy
    }
  }
  return d + 'Z'
}

export function renderChoropleth(opts: ChoroplethOptions): Choropleth {
  const width = opts.width ?? 640
  const height = opts.height ?? 560
  const format = opts.format ?? defaultFormat
  const prefix = opts.idPrefix
  const noDataId = `${prefix}-nodata`

  const areas = opts.features
    .map((f) => ({
      code: String(f.properties?.code ?? ''),
      name: String(f.properties?.name ?? ''),
      polygons: polygonsOf(f.geometry),
    }))
    .filter((a) => a.polygons.length)
  const valueOf = (code: string): number | null => {
    const v = Object.hasOwn(opts.values, code) ? opts.values[code] : null
    return typeof v === 'number' && Number.isFinite(v) ? v : null
  }

  // Classes
  const known = areas.map((a) => valueOf(a.code)).filter((v): v is number => v !== null)
  const breaks = quantileBreaks(known, Math.max(1, Math.min(9, Math.round(opts.classes ?? 5))))
  const colours = breaks.length ? BLUES[breaks.length - 1] : []
  const legend: LegendClass[] = colours.map((colour, i) => ({
    from: breaks[i],
    to: breaks[i + 1],
    colour,
    count: 0,
    label: rangeLabel(breaks[i], breaks[i + 1], format),
  }))
  for (const v of known) legend[classOf(v, breaks)].count++
  const noDataCount = areas.length - known.length

  // Legend layout (below the map): a title, then entries flowing left to right in rows.
  const pad = 8
  const fontSize = 13
  const rowHeight = 22
  const entries = opts.legend === 'none' ? [] : legend.map((c) => ({ fill: c.colour, label: c.label }))
  if (noDataCount && opts.legend !== 'none') entries.push({ fill: `url(#${noDataId})`, label: NO_DATA })
  const placed: { x: number; row: number; fill: string; label: string }[] = []
  let x = pad
  let row = 0
  for (const e of entries) {
    const w = 18 + 6 + textWidth(e.label, fontSize) + 18
    if (x > pad && x + w > width - pad) {
      x = pad
      row++
    }
    placed.push({ x, row, ...e })
    x += w
  }
  const legendHeight = entries.length ? pad + 18 + (row + 1) * rowHeight : 0
  const mapBottom = height - legendHeight - pad

  // Projection: planar, longitude scaled by cos(middle latitude), fitted to the map area.
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity
  for (const a of areas) {
    for (const polygon of a.polygons) {
      for (const p of polygon[0] ?? []) {
        if (p[0] < minX) minX = p[0]
        if (p[0] > maxX) maxX = p[0]
        if (p[1] < minY) minY = p[1]
        if (p[1] > maxY) maxY = p[1]
      }
    }
  }
  const k = areas.length ? Math.cos((((minY + maxY) / 2) * Math.PI) / 180) : 1
  const projection = geoIdentity().reflectY(true)
  if (areas.length) {
    projection.fitExtent(
      [
        [pad, pad],
        [width - pad, Math.max(pad + 1, mapBottom)],
      ],
      {
        type: 'MultiPoint',
        coordinates: [
          [minX * k, minY],
          [maxX * k, maxY],
        ],
      },
    )
  }
  const scale = projection.scale()
  const [tx, ty] = projection.translate()
  // geoIdentity().reflectY(true) maps [x, y] to [tx + s·x, ty − s·y]; applied inline, it is the hot loop.
  const sx = scale * k

  const paths: string[] = []
  const xs: number[] = []
  const ys: number[] = []
  for (const a of areas) {
    let d = ''
    let fallback = ''
    for (const polygon of a.polygons) {
      for (const ring of polygon) {
        // Positions in grid steps, as integers, so the differences between them are exact.
        let n = 0
        for (const p of ring) {
          const X = Math.round((tx + sx * p[0]) * GRID)
          const Y = Math.round((ty - scale * p[1]) * GRID)
          if (n && X === xs[n - 1] && Y === ys[n - 1]) continue
          xs[n] = X
          ys[n] = Y
          n++
        }
        // GeoJSON repeats the first position at the end; Z closes the ring instead.
        if (n > 1 && xs[n - 1] === xs[0] && ys[n - 1] === ys[0]) n--
        if (n < 3 && (fallback || !n)) continue
        const ringD = ringPath(xs, ys, n)
        if (n >= 3) d += ringD
        else fallback = ringD
      }
    }
    // An area smaller than the rounding still gets a path, so every area has its title.
    d ||= fallback
    const v = valueOf(a.code)
    const fill = v === null ? `url(#${noDataId})` : legend[classOf(v, breaks)].colour
    const label = `${a.name} (${a.code}): ${v === null ? 'no data' : format(v)}`
    paths.push(`<path d="${d}" fill="${fill}" data-code="${escapeHtml(a.code)}"><title>${escapeHtml(label)}</title></path>`)
  }

  const legendTop = height - legendHeight
  const legendSvg = entries.length
    ? `<g class="safer-choropleth__legend" font-family="${FONT}" font-size="${fontSize}" fill="${TEXT}">` +
      `<text x="${pad}" y="${legendTop + 14}" font-weight="bold">${escapeHtml(opts.valueLabel)}</text>` +
      placed
        .map((e) => {
          const y = legendTop + 18 + e.row * rowHeight + 4
          return (
            `<rect x="${round1(e.x)}" y="${y}" width="18" height="14" fill="${e.fill}" stroke="${LINE_GREY}" stroke-width="0.5"/>` +
            `<text x="${round1(e.x + 24)}" y="${y + 12}">${escapeHtml(e.label)}</text>`
          )
        })
        .join('') +
      '</g>'
    : ''

  const defs = noDataCount
    ? `<defs><pattern id="${noDataId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="${LINE_GREY}" stroke-width="1.5"/></pattern></defs>`
    : ''

  const svg = accessibleSvg({
    id: prefix,
    title: opts.title,
    desc: opts.description,
    width,
    height,
    displayWidth: '100%',
    className: 'safer-choropleth',
    attributes: { preserveAspectRatio: 'xMidYMid meet' },
    body:
      defs +
      `<g class="safer-choropleth__areas" stroke="${BORDER}" stroke-width="0.5" stroke-linejoin="round" fill-rule="evenodd">${paths.join('')}</g>` +
      legendSvg,
  })

  return { svg, breaks, legend, noDataCount }
}
