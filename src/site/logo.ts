/**
 * Checking an installation's logo before it is kept: a PNG (its size read from its header) or an SVG that can do
 * nothing but draw. An SVG is read tag by tag against a list of drawing elements and attributes; anything that
 * could run script, load another file or change what a link does (script, foreignObject, event handlers such as
 * onload, javascript: or external addresses, animation that rewrites attributes, DOCTYPE and entities) is refused
 * with a message saying what was found. Comments and the XML declaration are removed. The logo is then served as
 * an image with a Content-Security-Policy that allows no script, and shown in an <img>, which never runs script:
 * the check and the way it is served each stop a script on their own.
 */
import { FILE_TYPES, notRealMessage } from '../platform/uploads.ts'

/** The largest logo file, in bytes (a logo is small; 200 KB is generous for a PNG of a header's height). */
export const MAX_LOGO_BYTES = 200 * 1024
/** The largest PNG, in pixels each way. */
export const MAX_LOGO_PIXELS = 4000

export type LogoCheck =
  | { ok: true; content: Buffer; contentType: 'image/png' | 'image/svg+xml'; width: number | null; height: number | null }
  | { ok: false; message: string }

/** The drawing elements an SVG logo may use (names compared in lower case). */
const SVG_ELEMENTS = new Set(
  [
    'svg',
    'g',
    'path',
    'rect',
    'circle',
    'ellipse',
    'line',
    'polyline',
    'polygon',
    'text',
    'tspan',
    'textpath',
    'title',
    'desc',
    'defs',
    'lineargradient',
    'radialgradient',
    'stop',
    'clippath',
    'mask',
    'pattern',
    'symbol',
    'use',
    'style',
    'metadata',
    'filter',
    'switch',
    'marker',
  ].map((s) => s.toLowerCase()),
)
/** Editors' own bookkeeping (Inkscape, Illustrator, the RDF licence block): kept, never drawn. */
const EDITOR_PREFIXES = /^(sodipodi|inkscape|rdf|cc|dc|i|x|sketch|serif):/i

const FORBIDDEN_WHY: Record<string, string> = {
  script: 'a script',
  foreignobject: 'a foreignObject element (web page content inside the image)',
  a: 'a link',
  iframe: 'a frame',
  object: 'an embedded object',
  embed: 'an embedded object',
  image: 'another image, which the logo would load',
  animate: 'animation',
  set: 'animation that changes attributes',
  animatemotion: 'animation',
  animatetransform: 'animation',
  feimage: 'another image, which the logo would load',
}

function decodeEntities(s: string) {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16) % 0x110000))
    .replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(Number(d) % 0x110000))
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, n) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[n as 'amp'])
}

/** What in a CSS text (a style element or attribute) could load or run something, or undefined. */
function cssProblem(css: string): string | undefined {
  // CSS escapes (\69 is "i") are decoded first, so "@\69mport" is read as "@import".
  const c = decodeEntities(css)
    .replace(/\\([0-9a-f]{1,6})\s?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16) % 0x110000))
    .replace(/\\(.)/g, '$1')
    .toLowerCase()
  if (c.includes('@import')) return 'a style that imports another file (@import)'
  if (/url\s*\(\s*['"]?\s*(?!#)/.test(c)) return 'a style that loads another file (url(...) to an address)'
  if (c.includes('expression(') || c.includes('javascript:')) return 'a style with script in it'
  if (c.includes('behavior') || c.includes('-moz-binding')) return 'a style that attaches script'
  return undefined
}

/** Every attribute of a start tag's text: [name, value]. Undefined when the text is not a list of attributes. */
function attributesOf(text: string): [string, string][] | undefined {
  const out: [string, string][] = []
  const attr = /\s*([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y
  const rest = text.replace(/\/\s*$/, '')
  let pos = 0
  while (pos < rest.length) {
    if (/^\s*$/.test(rest.slice(pos))) break
    attr.lastIndex = pos
    const m = attr.exec(rest)
    if (!m || m[0].length === 0) return undefined
    out.push([m[1], m[2] ?? m[3] ?? m[4] ?? ''])
    pos = attr.lastIndex
  }
  return out
}

function svgLength(v: string | undefined): number | null {
  const m = /^\s*([\d.]+)\s*(px)?\s*$/.exec(v ?? '')
  return m ? Math.round(Number(m[1])) : null
}

/** Check an SVG logo: the text with comments removed when it can only draw, or why it is refused. */
export function checkSvg(data: Buffer, subject = 'The selected file'): LogoCheck {
  const refuse = (what: string) => ({
    ok: false as const,
    message: `${subject} contains ${what}, which a logo may not have. Save the logo as a plain SVG or as a PNG image, then upload it again`,
  })
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data)
  } catch {
    return { ok: false, message: `${subject} is not a real SVG image (it is not UTF-8 text): save it as SVG or PNG, then upload it again` }
  }
  if (text.includes('\0')) return { ok: false, message: `${subject} is not a real SVG image: save it as SVG or PNG, then upload it again` }
  text = text
    .replace(/^\uFEFF/, '')
    .replace(/^\s*<\?xml[^?]*\?>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
  if (/<!--/.test(text)) return refuse('a comment that is not closed')
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return refuse('a DOCTYPE or entity declaration')
  if (/<!\[CDATA\[/i.test(text)) return refuse('a CDATA section')
  if (/<\?/.test(text)) return refuse('a processing instruction')

  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/g
  let root: string | undefined
  let width: number | null = null
  let height: number | null = null
  let inStyle = false
  let last = 0
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    const between = text.slice(last, m.index)
    if (between.includes('<')) return refuse('markup that is not an SVG element')
    if (inStyle) {
      const why = cssProblem(between)
      if (why) return refuse(why)
    }
    last = tag.lastIndex
    const [, closing, rawName, rest] = m
    const name = rawName.toLowerCase()
    const local = name.replace(/^svg:/, '')
    const editor = EDITOR_PREFIXES.test(rawName)
    if (!editor && FORBIDDEN_WHY[local]) return refuse(FORBIDDEN_WHY[local])
    if (!editor && !SVG_ELEMENTS.has(local) && !/^fe[a-z]+$/.test(local))
      return refuse(`an element that is not part of a drawing (<${rawName}>)`)
    if (closing) {
      if (local === 'style') inStyle = false
      continue
    }
    root ??= local
    if (local === 'style' && !/\/\s*$/.test(rest)) inStyle = true
    const attrs = attributesOf(rest)
    if (!attrs) return refuse(`an element whose attributes cannot be read (<${rawName}>)`)
    for (const [attrName, rawValue] of attrs) {
      const a = attrName.toLowerCase()
      // Browsers ignore whitespace and control characters inside an address ("java\tscript:"), so the check does too.
      // eslint-disable-next-line no-control-regex
      const value = decodeEntities(rawValue).replace(/[\s\u0000-\u001f]+/g, '')
      if (a.startsWith('on')) return refuse(`an event handler (${attrName}), which runs script`)
      if ((a === 'href' || a.endsWith(':href')) && !value.startsWith('#'))
        return refuse(`a link to another address (${attrName}="${rawValue.slice(0, 60)}")`)
      if (/javascript:|vbscript:|data:/i.test(value)) return refuse(`an address that runs script or carries a file (${attrName})`)
      if (a === 'style') {
        const why = cssProblem(rawValue)
        if (why) return refuse(why)
      }
      if (/url\(/i.test(value) && !/^(url\(['"]?#[^)]*\)[^(]*)+$/i.test(value)) return refuse(`a reference to another file (${attrName})`)
      if (local === 'svg' && root === 'svg' && width === null && a === 'width') width = svgLength(rawValue)
      if (local === 'svg' && root === 'svg' && height === null && a === 'height') height = svgLength(rawValue)
    }
  }
  if (text.slice(last).includes('<')) return refuse('markup that is not an SVG element')
  if (root !== 'svg') return { ok: false, message: `${subject} is not a real SVG image: save it as SVG or PNG, then upload it again` }
  return { ok: true, content: Buffer.from(text.trim(), 'utf8'), contentType: 'image/svg+xml', width, height }
}

/** Check a PNG logo: its signature and header, and its size in pixels. */
export function checkPng(data: Buffer, subject = 'The selected file'): LogoCheck {
  // The signature is the uploads' own check (platform/uploads.ts); the header after it is this one's.
  if (data.length < 24 || !FILE_TYPES.png.check(data) || data.subarray(12, 16).toString('latin1') !== 'IHDR')
    return { ok: false, message: notRealMessage(subject, 'png') }
  const width = data.readUInt32BE(16)
  const height = data.readUInt32BE(20)
  if (!width || !height || width > MAX_LOGO_PIXELS || height > MAX_LOGO_PIXELS)
    return {
      ok: false,
      message: `${subject} is ${width} by ${height} pixels: a logo must be at most ${MAX_LOGO_PIXELS} pixels each way. Make it smaller, then upload it again`,
    }
  return { ok: true, content: data, contentType: 'image/png', width, height }
}
