/**
 * The governance map: the partnership's bodies as a tree (a forest when several bodies report to no one),
 * drawn as SVG on the server so it is the same on screen, in print and in a PDF, and works without JavaScript.
 *
 * The senior body is on the left; the bodies that report to it are in a column to its right, each joined to it
 * by one line. Text is measured with Helvetica's widths (Arial and Liberation Sans share them) so names wrap
 * inside their boxes. Every piece of text is escaped. The SVG is role="img", named by its <title> and
 * described by its <desc>; the page shows the same tree as a nested list (see forest()).
 */
import { hierarchy, tree as d3tree, type HierarchyPointNode } from 'd3-hierarchy'
import { BODY_TYPES } from './schema.ts'
import { accessibleSvg, escapeHtml } from '../platform/html.ts'
import { plural } from '../platform/format.ts'

export interface MapBody {
  id: number
  slug: string
  name: string
  type: string
  reports_to_id: number | null
}

export interface TreeNode<B extends MapBody = MapBody> {
  body: B
  depth: number
  children: TreeNode<B>[]
}

const TYPE_RANK = new Map<string, number>([
  ['county strategy group', 0],
  ['board', 1],
  ['community safety partnership', 2],
  ['sub-group', 3],
  ['panel', 4],
  ['task and finish group', 5],
  ['council', 0],
  ['cabinet', 1],
  ['overview and scrutiny board', 2],
  ['overview and scrutiny committee', 2],
  ['select committee', 3],
  ['scrutiny panel', 4],
])

/** Bodies in reporting order: senior bodies first, then those reporting to them by type (board, CSP, sub-group, ...) and name. */
export function compareBodies(a: MapBody, b: MapBody) {
  return (TYPE_RANK.get(a.type) ?? 9) - (TYPE_RANK.get(b.type) ?? 9) || a.name.localeCompare(b.name, 'en-GB') || a.id - b.id
}

/**
 * The bodies as a forest: each root is a body that reports to no one (or to a body outside the list), with the
 * bodies that report to it as its children, to any depth.
 */
export function forest<B extends MapBody>(bodies: B[]): TreeNode<B>[] {
  const byId = new Map(bodies.map((b) => [b.id, b]))
  const childrenOf = new Map<number, B[]>()
  const roots: B[] = []
  for (const b of bodies) {
    if (b.reports_to_id !== null && b.reports_to_id !== b.id && byId.has(b.reports_to_id)) {
      const list = childrenOf.get(b.reports_to_id) ?? []
      list.push(b)
      childrenOf.set(b.reports_to_id, list)
    } else roots.push(b)
  }
  const seen = new Set<number>()
  const build = (b: B, depth: number): TreeNode<B> => {
    seen.add(b.id)
    const children = (childrenOf.get(b.id) ?? []).filter((c) => !seen.has(c.id)).sort(compareBodies)
    return { body: b, depth, children: children.map((c) => build(c, depth + 1)) }
  }
  const result = roots.sort(compareBodies).map((r) => build(r, 0))
  // A loop in stored data (which the service refuses) would leave bodies unreached: show them as roots rather than lose them.
  for (const b of [...bodies].sort(compareBodies)) if (!seen.has(b.id)) result.push(build(b, 0))
  return result
}

/** The forest flattened depth-first, each body with its depth: the order of the bodies table. */
export function flatten<B extends MapBody>(nodes: TreeNode<B>[]): (B & { depth: number })[] {
  const out: (B & { depth: number })[] = []
  const walk = (n: TreeNode<B>) => {
    out.push({ ...n.body, depth: n.depth })
    n.children.forEach(walk)
  }
  nodes.forEach(walk)
  return out
}

// Helvetica advance widths (1/1000 em) for the printable ASCII characters 32..126.
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278,
  278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
  667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556,
  556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
]
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333,
  333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
  667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611,
  611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
]

/** The width in pixels of text set in Helvetica (or Arial) at this size. */
export function textWidth(text: string, fontSize: number, bold = false) {
  const table = bold ? HELVETICA_BOLD : HELVETICA
  let units = 0
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    units += code >= 32 && code <= 126 ? table[code - 32] : bold ? 611 : 556
  }
  return (units * fontSize) / 1000
}

/** Break text into lines no wider than `width`, at most `maxLines` (the last one ending in an ellipsis if cut short). */
export function wrapText(text: string, width: number, fontSize: number, bold: boolean, maxLines: number): string[] {
  const fits = (s: string) => textWidth(s, fontSize, bold) <= width
  const words = text.trim().split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (let word of words) {
    // A word wider than the box is broken across lines.
    while (!fits(word)) {
      let cut = word.length - 1
      while (cut > 1 && !fits(word.slice(0, cut) + '-')) cut--
      if (line) {
        lines.push(line)
        line = ''
      }
      lines.push(word.slice(0, cut) + '-')
      word = word.slice(cut)
    }
    const candidate = line ? `${line} ${word}` : word
    if (fits(candidate)) line = candidate
    else {
      lines.push(line)
      line = word
    }
  }
  if (line) lines.push(line)
  if (lines.length <= maxLines) return lines
  const kept = lines.slice(0, maxLines)
  let last = kept[maxLines - 1]
  while (last && !fits(`${last}…`)) last = last.slice(0, -1).trimEnd()
  kept[maxLines - 1] = `${last}…`
  return kept
}

export const TYPE_LABELS: Record<string, string> = Object.fromEntries(
  BODY_TYPES.map((t) => [t, t === 'community safety partnership' ? 'Community safety partnership (CSP)' : t[0].toUpperCase() + t.slice(1)]),
)

// Each type has its own colour band as well as its label, so the label (not the colour) carries the meaning.
const TYPE_COLOURS: Record<string, string> = {
  'county strategy group': '#1d70b8',
  board: '#1d70b8',
  'community safety partnership': '#00703c',
  'sub-group': '#4c2c92',
  panel: '#912b88',
  'task and finish group': '#6f777b',
  council: '#1d70b8',
  cabinet: '#003078',
  'overview and scrutiny board': '#00703c',
  'overview and scrutiny committee': '#00703c',
  'select committee': '#00703c',
  'scrutiny panel': '#912b88',
}

const BOX = {
  width: 300,
  padX: 14,
  padY: 11,
  nameSize: 15,
  nameLine: 19,
  typeSize: 13,
  typeLine: 17,
  gapX: 60,
  gapY: 16,
  margin: 12,
  maxNameLines: 3,
}

export interface MapOptions {
  /** Prefix of the ids of the SVG's <title> and <desc>, unique on the page. */
  idPrefix?: string
  /** The accessible name: "Governance map of <title>". */
  title?: string
  /** Add xmlns for a standalone .svg file. */
  standalone?: boolean
  /**
   * 'wide' (the default): the senior body on the left, the bodies reporting to it in a column to its right.
   * 'narrow': for a phone, NARROW_WIDTH px wide: one body under another, each indented under the body it reports to,
   * so the map is shown at its own size (its text never shrinks) and scrolls down with the page, not sideways.
   */
  layout?: 'wide' | 'narrow'
}

/** The width of the narrow map, in CSS px: it fits a 320 px screen with the page's margins. */
export const NARROW_WIDTH = 288

const NARROW = {
  margin: 2,
  indent: 18,
  padX: 10,
  padY: 9,
  nameSize: 14,
  nameLine: 18,
  typeSize: 13,
  typeLine: 17,
  gapY: 10,
  maxNameLines: 4,
}

/** One body's box: its name, its type and its colour band. */
function bodyBox(b: MapBody, x: number, y: number, w: number, h: number, name: string[], isRoot: boolean, m: typeof NARROW | typeof BOX) {
  const colour = TYPE_COLOURS[b.type] ?? '#505a5f'
  const textX = x + m.padX + 6
  const tspans = name
    .map((line, i) => `<tspan x="${textX}" y="${y + m.padY + m.nameSize + i * m.nameLine}">${escapeHtml(line)}</tspan>`)
    .join('')
  const typeY = y + m.padY + m.nameSize + name.length * m.nameLine + 4
  return (
    `<g class="safer-map__body" data-slug="${escapeHtml(b.slug)}">` +
    `<title>${escapeHtml(b.name)} (${escapeHtml(TYPE_LABELS[b.type] ?? b.type)})</title>` +
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" fill="#ffffff" stroke="#0b0c0c" stroke-width="${isRoot ? 3 : 1.5}"/>` +
    `<rect x="${x + (isRoot ? 1.5 : 0.75)}" y="${y + (isRoot ? 1.5 : 0.75)}" width="6" height="${h - (isRoot ? 3 : 1.5)}" fill="${colour}"/>` +
    `<text class="safer-map__name" font-size="${m.nameSize}" font-weight="bold" fill="#0b0c0c">${tspans}</text>` +
    `<text class="safer-map__type" x="${textX}" y="${typeY}" font-size="${m.typeSize}" fill="#505a5f">${escapeHtml(TYPE_LABELS[b.type] ?? b.type)}</text>` +
    `</g>`
  )
}

/**
 * The narrow map: bodies in the order of the list (depth first), each box indented under the body it reports to, with
 * a line from a point near the left of that body's box down and across to it.
 */
function narrowMap(bodies: MapBody[], id: string, opts: MapOptions): string {
  const m = NARROW
  const nodes = flatten(forest(bodies))
  const boxes: string[] = []
  const lines: string[] = []
  const placed = new Map<number, { x: number; bottom: number; slug: string }>()
  let y = m.margin
  for (const n of nodes) {
    const depth = Math.min(n.depth, 5)
    const x = m.margin + depth * m.indent
    const w = NARROW_WIDTH - m.margin - x
    const name = wrapText(n.name, w - 2 * m.padX - 6, m.nameSize, true, m.maxNameLines)
    const h = m.padY * 2 + name.length * m.nameLine + 4 + m.typeLine
    const parent = n.reports_to_id !== null ? placed.get(n.reports_to_id) : undefined
    if (parent && n.depth > 0) {
      const fromX = parent.x + m.indent / 2
      lines.push(
        `<path class="safer-map__line" data-from="${escapeHtml(n.slug)}" data-to="${escapeHtml(parent.slug)}" d="M${fromX} ${parent.bottom}V${y + h / 2}H${x}" fill="none" stroke="#505a5f" stroke-width="2"/>`,
      )
    }
    boxes.push(bodyBox(n, x, y, w, h, name, n.depth === 0, m))
    placed.set(n.id, { x, bottom: y + h, slug: n.slug })
    y += h + m.gapY
  }
  const height = Math.ceil(y - m.gapY + m.margin)
  return finishMap(bodies, id, opts, NARROW_WIDTH, height, lines, boxes, 'shown above it, further to the left')
}

function finishMap(
  bodies: MapBody[],
  id: string,
  opts: MapOptions,
  width: number,
  height: number,
  lines: string[],
  boxes: string[],
  where: string,
) {
  const count = plural(bodies.length, 'body')
  const reporting = bodies.filter((b) => b.reports_to_id !== null).length
  const title = `Governance map${opts.title ? ` of ${opts.title}` : ''}`
  const desc = `A diagram of ${count}${reporting ? `, with a line from each body to the body it reports to, which is ${where}` : ''}. The list on this page gives the same structure as text.`
  return accessibleSvg({
    id,
    title,
    desc,
    width,
    height,
    className: 'safer-map',
    xmlns: !!opts.standalone,
    attributes: { 'font-family': 'Helvetica, Arial, sans-serif' },
    body:
      `<rect width="${width}" height="${height}" fill="#ffffff"/>` +
      `<g class="safer-map__lines">${lines.join('')}</g>` +
      `<g class="safer-map__bodies">${boxes.join('')}</g>`,
  })
}

/** The governance map as an SVG string (empty string when there are no bodies). */
export function mapSvg(bodies: MapBody[], opts: MapOptions = {}): string {
  if (!bodies.length) return ''
  const id = opts.idPrefix ?? 'governance-map'
  if (opts.layout === 'narrow') return narrowMap(bodies, id, opts)
  const roots = forest(bodies)
  const textWidthMax = BOX.width - 2 * BOX.padX - 6
  const nameLines = new Map(bodies.map((b) => [b.id, wrapText(b.name, textWidthMax, BOX.nameSize, true, BOX.maxNameLines)]))
  const mostLines = Math.max(...[...nameLines.values()].map((l) => l.length))
  const boxHeight = BOX.padY * 2 + mostLines * BOX.nameLine + 4 + BOX.typeLine

  // Lay out the forest as one tree under an invisible root, then drop that root.
  type Node = { body?: MapBody; children: Node[] }
  const toNode = (n: TreeNode): Node => ({ body: n.body, children: n.children.map(toNode) })
  const root = hierarchy<Node>({ children: roots.map(toNode) }, (n) => n.children)
  const layout = d3tree<Node>()
    .nodeSize([boxHeight + BOX.gapY, BOX.width + BOX.gapX])
    .separation((a, b) => (a.parent !== b.parent ? 1.2 : a.depth === 1 ? 1.3 : 1))(root)
  const nodes = layout.descendants().filter((n) => n.depth > 0)
  const minX = Math.min(...nodes.map((n) => n.x))
  const maxX = Math.max(...nodes.map((n) => n.x))
  const maxDepth = Math.max(...nodes.map((n) => n.depth))
  const left = (n: HierarchyPointNode<Node>) => BOX.margin + (n.depth - 1) * (BOX.width + BOX.gapX)
  const top = (n: HierarchyPointNode<Node>) => BOX.margin + (n.x - minX)
  const width = Math.ceil(BOX.margin * 2 + maxDepth * BOX.width + (maxDepth - 1) * BOX.gapX)
  const height = Math.ceil(BOX.margin * 2 + (maxX - minX) + boxHeight)

  const lines: string[] = []
  const boxes: string[] = []
  for (const n of nodes) {
    const b = n.data.body!
    const x = left(n)
    const y = top(n)
    if (n.parent && n.parent.depth > 0) {
      // One line per reporting line: from this body's left edge to the right edge of the body it reports to.
      const p = n.parent
      const fromY = y + boxHeight / 2
      const toX = left(p) + BOX.width
      const toY = top(p) + boxHeight / 2
      const elbow = toX + BOX.gapX / 2
      lines.push(
        `<path class="safer-map__line" data-from="${escapeHtml(b.slug)}" data-to="${escapeHtml(p.data.body!.slug)}" d="M${x} ${fromY}H${elbow}V${toY}H${toX}" fill="none" stroke="#505a5f" stroke-width="2"/>`,
      )
    }
    boxes.push(bodyBox(b, x, y, BOX.width, boxHeight, nameLines.get(b.id)!, n.depth === 1, BOX))
  }
  return finishMap(bodies, id, opts, width, height, lines, boxes, 'shown to its left')
}
