/**
 * Money as officers type it and as the pages show it. Amounts are kept in pence (whole numbers) while they are added
 * and compared, so £0.10 + £0.20 is exactly £0.30; the database holds numeric(14, 2).
 */
import { formatNumber } from '../platform/format.ts'

/** The largest amount accepted: £999,999,999,999.99 fits numeric(14, 2). */
export const MAX_PENCE = 99_999_999_999_999

export type MoneyResult = { pence: number } | { error: string }

/**
 * Read an amount of money: "£3,798,000", "3798000", "15,000.50", "£ 154,076" or a number. Refuses negative amounts,
 * more than two decimal places, commas in the wrong place and anything that is not a number, each with a message that
 * names the field (`title`, e.g. "Amount").
 */
export function parseMoney(value: unknown, title = 'Amount'): MoneyResult {
  const example = `like £15,000 or 15000.50`
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: `${title} must be an amount in pounds, ${example}` }
    value = String(value)
  }
  if (typeof value !== 'string' || !value.trim()) return { error: `Enter ${lowerFirst(title)}` }
  let s = value.trim().replace(/\s+/g, '')
  if (/^-|^£-|^\(.*\)$/.test(s)) return { error: `${title} cannot be negative` }
  s = s.replace(/^£/, '').replace(/^\+/, '')
  if (/[kKmM]$/.test(s)) return { error: `${title} must be written in full, ${example}` }
  if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(s)) {
    if (/^[\d,]+(\.\d+)?$/.test(s)) return { error: `${title} has a comma in the wrong place: write it ${example}` }
    return { error: `${title} must be an amount in pounds, ${example}` }
  }
  const [whole, fraction = ''] = s.replace(/,/g, '').split('.')
  if (fraction.length > 2) return { error: `${title} can have at most 2 decimal places (pence)` }
  const pence = Number(whole) * 100 + Number(fraction.padEnd(2, '0') || 0)
  if (!Number.isSafeInteger(pence) || pence > MAX_PENCE) return { error: `${title} is too large` }
  return { pence }
}

/** Pence as the database's numeric(14, 2) value (a string, exact). */
export function penceToDecimal(pence: number): string {
  const sign = pence < 0 ? '-' : ''
  const p = Math.abs(pence)
  return `${sign}${Math.floor(p / 100)}.${String(p % 100).padStart(2, '0')}`
}

/** A stored amount (pounds, as a number) in pence. */
export function toPence(pounds: number | string | null | undefined): number {
  if (pounds === null || pounds === undefined || pounds === '') return 0
  return Math.round(Number(pounds) * 100)
}

/** "£3,798,000" for whole pounds, "£15,000.50" otherwise; negative as "−£1,200". */
export function formatPence(pence: number): string {
  const sign = pence < 0 ? '−' : ''
  const p = Math.abs(pence)
  const pounds = formatNumber(Math.floor(p / 100))
  const rest = p % 100
  return `${sign}£${pounds}${rest ? `.${String(rest).padStart(2, '0')}` : ''}`
}

/** Pence as pounds, for downloads and the API (a number with at most two decimals). */
export function penceToPounds(pence: number): number {
  return pence / 100
}

/**
 * A financial year written "2016/17": the second part must be the year after the first. Returns an error message or
 * undefined.
 */
export function financialYearError(value: string, title = 'Financial year'): string | undefined {
  const m = /^(\d{4})\/(\d{2})$/.exec(value.trim())
  if (!m) return `${title} must be written like 2016/17`
  if ((Number(m[1]) + 1) % 100 !== Number(m[2])) return `${title} must be two years in a row, like 2016/17`
  return undefined
}

/** The financial year a date falls in: "2019-05-01" -> "2019/20", "2020-03-31" -> "2019/20". */
export function financialYearOf(date: string): string {
  const y = Number(date.slice(0, 4))
  const m = Number(date.slice(5, 7))
  const start = m >= 4 ? y : y - 1
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`
}

function lowerFirst(s: string) {
  return /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s
}
