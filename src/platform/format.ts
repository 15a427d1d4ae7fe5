/**
 * How numbers, counts, months and periods read on every page, export caption, chart and command: one place, so
 * that "21 counties", "October 2018 to February 2019" and "Q2 2020/21" are written the same way everywhere.
 * Each is also a Nunjucks filter (platform/views.ts): `{{ n | plural('county') }}`, `{{ m | monthLabel }}`.
 */

const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** One formatter per number of decimal places: toLocaleString with options builds a new one on every call (~100 µs). */
const numberFormats = new Map<number, Intl.NumberFormat>()

/** 12,345 (and 12.3 with one decimal place): numbers as people read them; '' for none. */
export function formatNumber(v: unknown, dp = 0): string {
  if (v === null || v === undefined || v === '' || typeof v === 'boolean' || Number.isNaN(Number(v))) return ''
  let f = numberFormats.get(dp)
  if (!f) numberFormats.set(dp, (f = new Intl.NumberFormat('en-GB', { minimumFractionDigits: dp, maximumFractionDigits: dp })))
  return f.format(Number(v))
}

// One formatter kept: building an Intl.DateTimeFormat per call was a quarter of the plan page's time (docs/plans.md).
const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** '2 December 2026' for a date ('YYYY-MM-DD', a timestamp or a Date); '' for none. */
export function formatDate(value: unknown): string {
  if (!value) return ''
  const s = value instanceof Date ? value.toISOString().slice(0, 10) : String(value)
  const d = new Date(`${s.slice(0, 10)}T12:00:00Z`)
  if (Number.isNaN(d.getTime())) return s
  return LONG_DATE.format(d)
}

/**
 * The plural of an English noun: county -> counties, LSOA -> LSOAs, search -> searches, force-month -> force-months.
 * Give the plural yourself where English is irregular (person -> people).
 */
export function pluralNoun(one: string): string {
  if (/[^aeiou]y$/i.test(one)) return `${one.slice(0, -1)}${one.endsWith('Y') ? 'IES' : 'ies'}`
  if (/(s|x|z|ch|sh)$/.test(one)) return `${one}es`
  return `${one}s`
}

/** The noun that goes with a count: ('county', 1) -> 'county', ('county', 21) -> 'counties'. */
export function noun(n: number, one: string, many = pluralNoun(one)): string {
  return Number(n) === 1 ? one : many
}

/** The text with its first letter in capitals: capitalise('disabled') -> 'Disabled'; '' stays ''. */
export function capitalise(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s
}

/** A count and its noun: plural(21, 'county') -> '21 counties', plural(1, 'LSOA') -> '1 LSOA', plural(1234, 'record') -> '1,234 records'. */
export function plural(n: number, one: string, many = pluralNoun(one)): string {
  return `${formatNumber(n)} ${noun(n, one, many)}`
}

function monthParts(m: string): [number, number] {
  const match = /^(\d{4})-(\d{2})/.exec(String(m ?? ''))
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new Error(`Not a month: "${m}" (expected YYYY-MM)`)
  return [Number(match[1]), Number(match[2])]
}

const monthIn = (names: string[]) => (m: string) => {
  const [y, mo] = monthParts(m)
  return `${names[mo - 1]} ${y}`
}

/** 'October 2018' for '2018-10' (or a date in that month, '2018-10-31'). */
export const monthLabel: (m: string) => string = monthIn(LONG_MONTHS)

/** 'Oct 2018' for '2018-10': for axes, lists and tables where space is short. */
export const shortMonthLabel: (m: string) => string = monthIn(SHORT_MONTHS)

/**
 * A run of months: 'October 2018 to February 2019'; one month alone: 'October 2018'. `short` gives
 * 'Oct 2018 to Feb 2019'.
 */
export function periodLabel(from: string, to: string, opts: { short?: boolean } = {}): string {
  const label = opts.short ? shortMonthLabel : monthLabel
  return from.slice(0, 7) === to.slice(0, 7) ? label(from) : `${label(from)} to ${label(to)}`
}

/**
 * The financial year (1 April to 31 March) that a month or date falls in, or that starts in a year:
 * '2019/20' for '2019-04', '2020-03-31' or 2019; '1999/00' for 1999.
 */
export function financialYear(when: string | number): string {
  let start: number
  if (typeof when === 'number') start = when
  else {
    const [y, mo] = monthParts(when)
    start = mo >= 4 ? y : y - 1
  }
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`
}

/** The financial quarter of a month or date: 'Q1 2020/21' for April to June 2020, 'Q4 2020/21' for January to March 2021. */
export function quarterLabel(when: string): string {
  const [, mo] = monthParts(when)
  return `Q${Math.floor(((mo + 8) % 12) / 3) + 1} ${financialYear(when)}`
}

/**
 * The years a period of dates covers: '2020–23' for 1 April 2020 to 31 March 2023, '2021' within one year,
 * 'from 2020' or 'to 2023' when one end is not known, '' when neither is.
 */
export function yearSpanLabel(start: string | null | undefined, end: string | null | undefined): string {
  const y1 = start?.slice(0, 4)
  const y2 = end?.slice(0, 4)
  if (y1 && y2) return y1 === y2 ? y1 : y1.slice(0, 2) === y2.slice(0, 2) ? `${y1}–${y2.slice(2)}` : `${y1}–${y2}`
  if (y1) return `from ${y1}`
  if (y2) return `to ${y2}`
  return ''
}

/** Text without control characters (NUL to US, and DEL): for names people typed or files carried, before they are shown or sent. */
export function withoutControlCharacters(s: string, replacement = ''): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return s.replace(/[\u0000-\u001f\u007f]+/g, replacement)
}

/**
 * Lower-case words joined by hyphens, for a web address or a file name: "Children's Safeguarding – Café & Bar" ->
 * "childrens-safeguarding-cafe-and-bar" (accents dropped, & as "and", at most `max` characters, never a trailing hyphen).
 */
export function hyphenated(s: string, max: number): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/'/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '')
}

/** A p-value as a page writes it: "p < 0.001", "p = 0.003" (three places below 0.01), "p = 0.41" (two places). */
export function pValueText(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`
}
