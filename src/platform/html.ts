/**
 * The one escaping function for markup the server writes as a string (table cells, SVG charts, maps and the
 * governance map), and the one wrapper that makes an SVG an accessible image.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escape text for HTML or SVG content and for attribute values (quoted with " or '). null and undefined give ''. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c])
}

export interface AccessibleSvgOptions {
  /** Prefix of the ids of the <title> and <desc> (unique on the page): `${id}-title`, `${id}-desc`. */
  id: string
  /** The image's name, read out first. */
  title: string
  /** What the image shows, in a sentence or two (read after the title). */
  desc: string
  /** The drawing's own size: the viewBox is `0 0 width height` unless viewBox is given. */
  width?: number
  height?: number
  viewBox?: string
  /** The size on the page: e.g. width="100%" to scale with its container; defaults to the drawing's size. */
  displayWidth?: string | number
  displayHeight?: string | number
  className?: string
  /** Other attributes of the <svg> element (preserveAspectRatio, font-family); values are escaped. */
  attributes?: Record<string, string | number | undefined>
  /** xmlns, needed by a standalone .svg file (and harmless inline). Default true. */
  xmlns?: boolean
  /** The drawing itself: SVG markup whose text the caller has escaped with escapeHtml. */
  body: string
}

/**
 * An SVG that assistive technology reads as one image: role="img", named by its <title> and described by its
 * <desc> (aria-labelledby both), focusable="false" so it is not a tab stop, with a viewBox so it scales.
 */
export function accessibleSvg(o: AccessibleSvgOptions): string {
  const viewBox = o.viewBox ?? `0 0 ${o.width ?? 0} ${o.height ?? 0}`
  const attrs: [string, unknown][] = [
    ['class', o.className],
    ['role', 'img'],
    ['aria-labelledby', `${o.id}-title ${o.id}-desc`],
    ['viewBox', viewBox],
    ['width', o.displayWidth ?? o.width],
    ['height', o.displayHeight ?? (o.displayWidth === undefined ? o.height : undefined)],
    ...Object.entries(o.attributes ?? {}),
    ['focusable', 'false'],
  ]
  const attrText = attrs
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('')
  return (
    `<svg${o.xmlns === false ? '' : ' xmlns="http://www.w3.org/2000/svg"'}${attrText}>` +
    `<title id="${escapeHtml(o.id)}-title">${escapeHtml(o.title)}</title>` +
    `<desc id="${escapeHtml(o.id)}-desc">${escapeHtml(o.desc)}</desc>` +
    o.body +
    '</svg>'
  )
}
