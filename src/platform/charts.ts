/**
 * Charts drawn on the server: a Vega-Lite spec is compiled and rendered to an SVG string with Vega's headless view,
 * then made fit for a page with a strict Content-Security-Policy and for print (no style attributes, no <style>, no
 * scripts, ids from the caller's idPrefix, role="img" with a <title> and <desc>, scaling with its container).
 *
 * vega and vega-lite are imported on first use, so they cost nothing at start-up.
 */
import { accessibleSvg } from './html.ts'
import { shortMonthLabel } from './format.ts'

type Vega = typeof import('vega')
type VegaLite = typeof import('vega-lite')

let libraries: Promise<{ vega: Vega; vl: VegaLite }> | undefined
function loadLibraries(): Promise<{ vega: Vega; vl: VegaLite }> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }))
  return libraries
}

export const FONT = 'Helvetica, Arial, sans-serif'
const TEXT_COLOUR = '#0b0c0c'
const SECONDARY_TEXT_COLOUR = '#505a5f'
const GRID_COLOUR = '#b1b4b6'

/**
 * Categorical palette, 16 colours. The first six are the UK Government Analysis Function's colour-blind-safe
 * categorical palette; the rest are from Kelly's colours of maximum contrast, picked to stay apart from those six.
 */
const CATEGORY_PALETTE = [
  '#12436d',
  '#28a197',
  '#801650',
  '#f46a25',
  '#3d3d3d',
  '#a285d1',
  '#f3c300',
  '#be0032',
  '#a1caf1',
  '#008856',
  '#c2b280',
  '#e68fac',
  '#882d17',
  '#8db600',
  '#0067a5',
  '#848482',
]

/** Fill of the "Not loaded" bands: a reference to a hatch pattern that renderVegaLite defines, with a grey fallback. */
const HATCH_ID = 'safer-hatch'
const HATCH_FILL = `url(#${HATCH_ID}) #f3f2f1`
const NOT_LOADED = 'Not loaded'
const OTHER = 'Other'

// -- Rendering ---------------------------------------------------------------------------------------------------

export interface RenderOptions {
  /** Read out as the chart's name (the <title>). */
  title: string
  /** A text description of what the chart shows (the <desc>): the main figures, for people who cannot see it. */
  description: string
  /** Prefix of every id in the SVG; must be unique on the page. */
  idPrefix: string
}

/**
 * Renders a Vega-Lite spec to an accessible, CSP-safe SVG string. Same input, same bytes. Rejects when Vega reports an
 * error (a bad expression, or a spec that asks for data from a URL: charts draw only the data in their spec).
 */
export async function renderVegaLite(spec: object, opts: RenderOptions): Promise<string> {
  const { vega, vl } = await loadLibraries()
  const errors: string[] = []
  const logger = collectErrors(errors)
  const compiled = vl.compile(spec as Parameters<VegaLite['compile']>[0], { logger })
  const loader = vega.loader()
  // Vega only warns when a load fails, so the refusal is recorded as an error here.
  loader.sanitize = async (uri: string) => {
    errors.push(`charts do not load external data (${uri})`)
    throw new Error(errors[errors.length - 1])
  }
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', loader, logger, logLevel: vega.Warn })
  try {
    const svg = await view.toSVG()
    if (errors.length) throw new Error(`The chart could not be drawn: ${errors.join('; ')}`)
    return finishSvg(svg, opts)
  } finally {
    view.finalize()
  }
}

/** A Vega logger that keeps errors (to reject with) and drops warnings, so nothing reaches the console. */
function collectErrors(errors: string[]): import('vega').LoggerInterface {
  const logger = {
    level(..._: number[]): any {
      return _.length ? logger : 2
    },
    error(...args: unknown[]) {
      errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '))
      return logger
    },
    warn() {
      return logger
    },
    info() {
      return logger
    },
    debug() {
      return logger
    },
  }
  return logger
}

/**
 * Turns Vega's SVG into the one a page embeds. Vega 6 writes presentation attributes, but it can write a style
 * attribute (mix-blend-mode for `blend`, image-rendering for unsmoothed images); those become attributes. Its ids
 * (clip paths, gradients) come from module-wide counters, so they are renumbered under idPrefix in order of appearance.
 */
export function finishSvg(svg: string, opts: RenderOptions): string {
  const open = /^<svg\b[^>]*>/.exec(svg)
  if (!open) throw new Error('Vega did not produce an SVG')
  const viewBox =
    /\bviewBox="([^"]*)"/.exec(open[0])?.[1] ?? `0 0 ${/\bwidth="([\d.]+)"/.exec(open[0])?.[1]} ${/\bheight="([\d.]+)"/.exec(open[0])?.[1]}`
  let body = svg.slice(open[0].length, svg.lastIndexOf('</svg>'))

  body = body
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>|<style\b[^>]*\/>/gi, '')
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>|<script\b[^>]*\/>/gi, '')
    .replace(/(<[a-zA-Z][^\s/>]*)([^>]*?)\s+style="([^"]*)"/g, (_m, tag: string, attrs: string, css: string) => {
      let extra = ''
      for (const decl of css.split(';')) {
        const i = decl.indexOf(':')
        if (i < 0) continue
        const name = decl.slice(0, i).trim().toLowerCase()
        const value = decl.slice(i + 1).trim()
        if (!/^[a-z-]+$/.test(name) || !value || new RegExp(`\\s${name}="`).test(attrs + extra)) continue
        extra += ` ${name}="${value.replace(/"/g, '&quot;')}"`
      }
      return tag + attrs + extra
    })
    // Event handler attributes: Vega does not write them, but nothing that runs script may reach the page.
    .replace(/\s+on[a-z]+="[^"]*"/gi, '')
    // Vega's own roles and labels on the marks inside: the chart is one image, read out by its title and description
    // (an inner role="img" without a name is an accessibility failure, and the marks would repeat the data table).
    // Each mark's label is kept as data-label, which assistive technology ignores and tests can read.
    .replace(/\saria-label="/g, ' data-label="')
    .replace(/\s(?:role|aria-[a-z]+)="[^"]*"/g, '')

  const prefix = opts.idPrefix
  const ids = new Map<string, string>([[HATCH_ID, `${prefix}-hatch`]])
  for (const m of body.matchAll(/\sid="([^"]*)"/g)) {
    if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size}`)
  }
  body = body
    .replace(/(\sid=")([^"]*)"/g, (_m, a: string, id: string) => `${a}${ids.get(id) ?? id}"`)
    .replace(/url\(#([^)]*)\)/g, (m, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : m))
    .replace(/(\s(?:xlink:)?href="#)([^"]*)"/g, (m, a: string, id: string) => (ids.has(id) ? `${a}${ids.get(id)}"` : m))

  const hatch = body.includes(`url(#${prefix}-hatch)`)
    ? `<defs><pattern id="${prefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#f3f2f1"/><line x1="0" y1="0" x2="0" y2="6" stroke="${GRID_COLOUR}" stroke-width="2"/></pattern></defs>`
    : ''

  return accessibleSvg({
    id: prefix,
    title: opts.title,
    desc: opts.description,
    viewBox,
    displayWidth: '100%',
    className: 'safer-chart',
    attributes: { preserveAspectRatio: 'xMinYMin meet' },
    body: hatch + body,
  })
}

// -- Specs -------------------------------------------------------------------------------------------------------

/** The axis labels of these months ('Oct 2018' for '2018-10', from platform/format.ts), as a Vega expression on datum.value. */
const monthLabelExpr = (months: string[]) =>
  `${JSON.stringify(Object.fromEntries(months.map((m) => [m, shortMonthLabel(m)])))}[datum.value]`

const config = {
  font: FONT,
  background: 'white',
  view: { stroke: null },
  axis: {
    labelColor: TEXT_COLOUR,
    titleColor: TEXT_COLOUR,
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 'bold',
    gridColor: GRID_COLOUR,
    gridOpacity: 0.6,
    domainColor: SECONDARY_TEXT_COLOUR,
    tickColor: SECONDARY_TEXT_COLOUR,
  },
  legend: {
    labelColor: TEXT_COLOUR,
    titleColor: TEXT_COLOUR,
    labelFontSize: 12,
    titleFontSize: 13,
    labelLimit: 400,
    // A dark edge on each swatch, so the light colours (yellow, pale green) stand out from the white page.
    symbolStrokeColor: SECONDARY_TEXT_COLOUR,
    symbolStrokeWidth: 1,
    symbolSize: 144,
  },
  text: { color: TEXT_COLOUR },
}

/**
 * The months that get an axis label: all of them when they fit, otherwise one every 2, 3, 4, 6, 12 or 24 months,
 * on January-aligned months (Jan, Apr, Jul, Oct for every 3) so the labels read as a calendar.
 */
function labelledMonths(months: string[], width: number): string[] {
  const fit = Math.max(1, Math.floor(width / 80))
  if (months.length <= fit) return months
  const step = [2, 3, 4, 6, 12, 24, 48].find((s) => Math.ceil(months.length / s) <= fit) ?? 48
  return months.filter((m) => (Number(m.slice(5, 7)) - 1) % step === 0)
}

/**
 * The "Not loaded" layers: one hatched band over each run of consecutive gap months (from the start of its first
 * month's band to the end of its last), labelled once in its middle.
 */
function gapLayers(months: string[], gaps: string[], width: number, height: number) {
  const gapSet = new Set(gaps)
  const runs: { start: string; end: string }[] = []
  let run: string[] = []
  for (const m of [...months, '']) {
    if (gapSet.has(m)) {
      run.push(m)
      continue
    }
    if (run.length) runs.push({ start: run[0], end: run[run.length - 1] })
    run = []
  }
  const x = xAxis(months, width)
  return [
    {
      name: 'gaps',
      data: { values: runs },
      mark: { type: 'rect', fill: HATCH_FILL, stroke: GRID_COLOUR, strokeDash: [3, 2], strokeWidth: 1 },
      encoding: {
        x: { ...x, field: 'start', bandPosition: 0 },
        x2: { field: 'end', bandPosition: 1 },
        y: { value: 0 },
        y2: { value: height },
      },
    },
    {
      name: 'gap_labels',
      data: { values: runs },
      mark: { type: 'text', text: NOT_LOADED, angle: 270, align: 'center', baseline: 'middle', fontSize: 12, color: TEXT_COLOUR },
      encoding: {
        x: { value: { expr: "(scale('x', datum.start) + scale('x', datum.end) + bandwidth('x')) / 2" } },
        y: { value: height / 2 },
      },
    },
  ]
}

function xAxis(months: string[], width: number) {
  return {
    field: 'month',
    type: 'ordinal' as const,
    title: null,
    scale: { type: 'band' as const, domain: months, paddingInner: 0.15, paddingOuter: 0.1 },
    axis: {
      values: labelledMonths(months, width),
      labelExpr: monthLabelExpr(labelledMonths(months, width)),
      labelAngle: 0,
      labelOverlap: false,
      labelPadding: 8,
      ticks: false,
      grid: false,
    },
  }
}

export interface MonthlyStackedBarOptions {
  rows: { month: string; category: string; count: number }[]
  /** Every month on the x axis ('YYYY-MM'), in order. */
  months: string[]
  /** Months with no data loaded: drawn as a hatched band labelled "Not loaded", never as a zero bar. */
  gaps: string[]
  categoryTitle: string
  valueTitle: string
  /** The plot's width and height (without axes and legend). */
  width?: number
  height?: number
  /**
   * A fixed colour for each category that has one (crime types: crime/colours.ts), so a category has the same colour
   * on every chart whatever else the chart holds. Categories without one get the free colours of the palette.
   */
  colours?: Readonly<Record<string, string>>
  /**
   * The whole chart's width, axes and legend included: the plot is made as wide as fits. Text is drawn at 12 px or
   * more, so an SVG shown at this width (never scaled down) keeps its text at 12 px or more.
   */
  fitWidth?: number
  /**
   * The legend beside the plot (the default), or none: the page shows stackedCategories() as a list instead, which
   * wraps on a narrow screen and is never cut short.
   */
  legend?: 'right' | 'none'
}

/** The colour of each category, in the order given: its fixed colour, or the next palette colour no fixed one uses. */
export function categoryColours(categories: string[], fixed: Readonly<Record<string, string>> = {}): string[] {
  const taken = new Set(Object.values(fixed).map((c) => c.toLowerCase()))
  const free = CATEGORY_PALETTE.filter((c) => !taken.has(c.toLowerCase()))
  let next = 0
  return categories.map((c) => (Object.hasOwn(fixed, c) ? fixed[c] : (free[next++ % free.length] ?? SECONDARY_TEXT_COLOUR)))
}

/** The categories a stacked chart draws, in stacking order (bottom up) with their colours: its legend. */
export function stackedCategories(opts: Pick<MonthlyStackedBarOptions, 'rows' | 'months' | 'gaps' | 'colours'>) {
  const inAxis = new Set(opts.months)
  const gapSet = new Set(opts.gaps)
  const rows = opts.rows.filter((r) => inAxis.has(r.month) && !gapSet.has(r.month) && Number.isFinite(r.count))
  const totals = new Map<string, number>()
  for (const r of rows) totals.set(r.category, (totals.get(r.category) ?? 0) + r.count)
  let categories = [...totals.keys()].sort(compareNames)
  let other = false
  if (categories.length > CATEGORY_PALETTE.length) {
    const kept = new Set(
      [...categories].sort((a, b) => totals.get(b)! - totals.get(a)! || compareNames(a, b)).slice(0, CATEGORY_PALETTE.length - 1),
    )
    categories = categories.filter((c) => kept.has(c))
    other = true
  }
  const colours = categoryColours(categories, opts.colours)
  const legend = categories.map((category, i) => ({ category, colour: colours[i] }))
  if (other) legend.push({ category: OTHER, colour: SECONDARY_TEXT_COLOUR })
  return { rows, legend }
}

/**
 * Bars of counts by month, stacked by category (in alphabetical order, bottom up; the legend lists them in the same
 * order). A category's colour is its fixed colour (opts.colours), or else from its place among the sorted names of
 * the categories without one. Beyond 16 categories, the smallest are added together as "Other".
 */
export function monthlyStackedBarSpec(opts: MonthlyStackedBarOptions): object {
  const noLegend = opts.legend === 'none'
  // With fitWidth, the plot is what is left beside the y axis and a legend on the right.
  const width = opts.fitWidth ? Math.max(100, opts.fitWidth - (noLegend ? 60 : 300)) : (opts.width ?? 640)
  const height = opts.height ?? 320
  const { rows, legend } = stackedCategories(opts)
  const known = new Set(legend.map((l) => l.category))
  const values = rows.map((r) => ({ month: r.month, category: known.has(r.category) ? r.category : OTHER, count: r.count }))
  const domain = legend.map((l) => l.category)
  const range = legend.map((l) => l.colour)

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: opts.fitWidth ?? width,
    height,
    ...(opts.fitWidth ? { autosize: { type: 'fit-x', contains: 'padding' } } : {}),
    config,
    layer: [
      ...gapLayers(opts.months, opts.gaps, width, height),
      {
        name: 'bars',
        data: { values },
        mark: { type: 'bar', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: xAxis(opts.months, width),
          y: {
            aggregate: 'sum',
            field: 'count',
            type: 'quantitative',
            title: opts.valueTitle,
            stack: 'zero',
            scale: values.length ? { zero: true, nice: true } : { domain: [0, 1] },
            axis: {
              format: ',d',
              tickMinStep: 1,
              gridColor: GRID_COLOUR,
              // In a narrow chart the axis title goes across, above the axis, to leave the plot its width.
              ...(opts.fitWidth && opts.fitWidth < 400
                ? { titleAngle: 0, titleAlign: 'left', titleAnchor: 'end', titleBaseline: 'bottom', titleX: -40, titleY: -10 }
                : {}),
            },
          },
          color: {
            field: 'category',
            type: 'nominal',
            title: opts.categoryTitle,
            scale: { domain, range },
            legend: domain.length && !noLegend ? { orient: 'right', symbolType: 'square' } : null,
          },
          order: { field: 'category', sort: 'ascending' },
        },
      },
    ],
    resolve: { scale: { x: 'shared' } },
  }
}

/** A stable order for category names, the same on every machine (no locale). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
