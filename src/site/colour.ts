/**
 * Colours a site administrator chooses for the header and links, and the WCAG 2.2 contrast check they must pass
 * (success criterion 1.4.3, level AA: at least 4.5 to 1 for text of normal size).
 * Relative luminance and contrast ratio as defined in WCAG 2.2, "relative luminance" and "contrast ratio":
 * https://www.w3.org/TR/WCAG22/#dfn-relative-luminance
 */

/** The least contrast ratio for normal-size text at level AA. */
export const AA_NORMAL_TEXT = 4.5

/** The page background links are read against. */
export const PAGE_BACKGROUND = '#ffffff'
/** govuk-frontend's surface colour, behind the menu (service navigation) and the footer, whose links use the link colour. */
export const SURFACE_BACKGROUND = '#f4f8fb'

/** '#1d70b8' from '#1D70B8', '1d70b8' or '#17b' (lower case, six digits), or undefined when it is not a colour. */
export function parseColour(value: string): string | undefined {
  const m = /^\s*#?([0-9a-f]{3}|[0-9a-f]{6})\s*$/i.exec(String(value ?? ''))
  if (!m) return undefined
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1]
  return `#${hex.toLowerCase()}`
}

/** WCAG relative luminance of a '#rrggbb' colour: 0 for black, 1 for white. */
export function relativeLuminance(colour: string): number {
  const hex = parseColour(colour)
  if (!hex) throw new Error(`Not a colour: ${colour}`)
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
  const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/** The contrast ratio of two colours, from 1 (none) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [l1, l2] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x)
  return (l1 + 0.05) / (l2 + 0.05)
}

/** "4.5 to 1", rounded down to one decimal place, so a ratio just under the line never reads as meeting it. */
export function ratioLabel(ratio: number) {
  return `${(Math.floor(ratio * 10) / 10).toFixed(1)} to 1`
}

export interface BrandColours {
  headerBackground: string
  headerText: string
  linkColour: string
}

/**
 * The messages for colours that are not colours, or whose contrast fails AA, keyed by form field; empty when all
 * pass. Checked: the header's text on its background, and links on the page's white background.
 */
export function colourProblems(input: { [K in keyof BrandColours]: string }): Partial<Record<keyof BrandColours, string>> {
  const problems: Partial<Record<keyof BrandColours, string>> = {}
  const names: Record<keyof BrandColours, string> = {
    headerBackground: 'Header background colour',
    headerText: 'Header text colour',
    linkColour: 'Link colour',
  }
  const parsed: Partial<BrandColours> = {}
  for (const key of Object.keys(names) as (keyof BrandColours)[]) {
    const c = parseColour(input[key])
    if (c) parsed[key] = c
    else
      problems[key] = String(input[key] ?? '').trim()
        ? `${names[key]} must be a colour code like #1d70b8 (a # and six letters or digits, 0 to 9 and a to f)`
        : `Enter the ${names[key].toLowerCase()}, like #1d70b8`
  }
  if (parsed.headerBackground && parsed.headerText) {
    const r = contrastRatio(parsed.headerBackground, parsed.headerText)
    if (r < AA_NORMAL_TEXT)
      problems.headerText = `Header text colour ${parsed.headerText} on ${parsed.headerBackground} has a contrast of ${ratioLabel(r)}: it must be at least 4.5 to 1 (WCAG 2.2 level AA) so that everyone can read the header. Choose a darker background or a lighter text colour, or the other way round`
  }
  if (parsed.linkColour) {
    const onPage = contrastRatio(parsed.linkColour, PAGE_BACKGROUND)
    const onSurface = contrastRatio(parsed.linkColour, SURFACE_BACKGROUND)
    if (onPage < AA_NORMAL_TEXT)
      problems.linkColour = `Link colour ${parsed.linkColour} on the white page has a contrast of ${ratioLabel(onPage)}: it must be at least 4.5 to 1 (WCAG 2.2 level AA). Choose a darker colour`
    else if (onSurface < AA_NORMAL_TEXT)
      problems.linkColour = `Link colour ${parsed.linkColour} on the pale background of the menu and footer (${SURFACE_BACKGROUND}) has a contrast of ${ratioLabel(onSurface)}: it must be at least 4.5 to 1 (WCAG 2.2 level AA). Choose a darker colour`
  }
  return problems
}
