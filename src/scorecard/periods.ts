/**
 * The scorecard's periods as analysts write them: a month "2019-01", a quarter of a financial year "2019/20 Q1"
 * (Q1 is April to June) and a financial year "2019/20" (April to March).
 */
import { financialYear, monthLabel, quarterLabel } from '../platform/format.ts'

export type Frequency = 'month' | 'quarter' | 'financial-year'
/**
 * How a page shows an indicator's figures: by its own periods, or summed into longer ones from monthly (or
 * quarterly) figures: quarters, financial years, rolling 12 months, and the financial year to date.
 */
export type View = Frequency | 'rolling-12' | 'fytd'
export const VIEWS: readonly View[] = ['month', 'quarter', 'financial-year', 'rolling-12', 'fytd']
export const VIEW_WORDS: Record<View, string> = {
  month: 'Month',
  quarter: 'Quarter',
  'financial-year': 'Financial year',
  'rolling-12': 'Rolling 12 months',
  fytd: 'Financial year to date',
}

export interface Period {
  /** As written: '2019-01', '2019/20 Q1', '2019/20', '12 months to 2020-03' (rolling), '2019/20 to 2019-09' (year to date). */
  text: string
  frequency: View
  /** The first month, 'YYYY-MM'. */
  start: string
  /** The last month, 'YYYY-MM'. */
  end: string
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/
const FY = /^(\d{4})\/(\d{2})$/
const QUARTER = /^(\d{4})\/(\d{2}) Q([1-4])$/

const ym = (y: number, m: number) => {
  const t = y * 12 + (m - 1)
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`
}

/** The period a text names, or undefined when it is not one of the three forms (or "2019/21"). */
export function parsePeriod(text: string): Period | undefined {
  const s = text.trim()
  let m = MONTH.exec(s)
  if (m) return { text: s, frequency: 'month', start: s, end: s }
  m = QUARTER.exec(s)
  if (m) {
    const y = Number(m[1])
    if (Number(m[2]) !== (y + 1) % 100) return undefined
    const first = 4 + 3 * (Number(m[3]) - 1)
    return { text: s, frequency: 'quarter', start: ym(y, first), end: ym(y, first + 2) }
  }
  m = FY.exec(s)
  if (m) {
    const y = Number(m[1])
    if (Number(m[2]) !== (y + 1) % 100) return undefined
    return { text: s, frequency: 'financial-year', start: ym(y, 4), end: ym(y, 15) }
  }
  return undefined
}

const ROLLING = /^12 months to (\d{4}-(?:0[1-9]|1[0-2]))$/
const FYTD = /^(\d{4}\/\d{2}) to (\d{4}-(?:0[1-9]|1[0-2]))$/

/** The 12 months ending with a month ('YYYY-MM'). */
export function rollingPeriod(end: string): Period {
  return { text: `12 months to ${end}`, frequency: 'rolling-12', start: shiftMonths(end, -11), end }
}

/** The financial year to date, to the end of a month ('YYYY-MM'): April to that month. */
export function fytdPeriod(end: string): Period {
  const fy = financialYear(end)
  return { text: `${fy} to ${end}`, frequency: 'fytd', start: `${fy.slice(0, 4)}-04`, end }
}

/** A month some months later (or earlier, when negative). */
export function shiftMonths(month: string, by: number): string {
  return ym(Number(month.slice(0, 4)), Number(month.slice(5)) + by)
}

/** The number of months from one month to another, both counted. */
export function monthsBetween(start: string, end: string): number {
  return (Number(end.slice(0, 4)) - Number(start.slice(0, 4))) * 12 + Number(end.slice(5)) - Number(start.slice(5)) + 1
}

/** Any period a page or the API shows: the three that are uploaded, and rolling 12 months and years to date. */
export function parseAnyPeriod(text: string): Period | undefined {
  const s = text.trim()
  let m = ROLLING.exec(s)
  if (m) return rollingPeriod(m[1])
  m = FYTD.exec(s)
  if (m) return financialYear(m[2]) === m[1] ? fytdPeriod(m[2]) : undefined
  return parsePeriod(s)
}

/** The same period a year before. */
export function yearBefore(p: Period): Period {
  if (p.frequency === 'rolling-12') return rollingPeriod(shiftMonths(p.end, -12))
  if (p.frequency === 'fytd') return fytdPeriod(shiftMonths(p.end, -12))
  const start = ym(Number(p.start.slice(0, 4)) - 1, Number(p.start.slice(5)))
  if (p.frequency === 'month') return parsePeriod(start)!
  if (p.frequency === 'financial-year') return parsePeriod(financialYear(start))!
  return parsePeriod(`${financialYear(start)} ${p.text.slice(-2)}`)!
}

/** The period before, for a trend: the month, quarter or year before; for rolling and year-to-date figures, whose
 * periods overlap, the same period a year before (so that the periods of a trend never share a month). */
export function periodBefore(p: Period): Period {
  if (p.frequency === 'month') return parsePeriod(shiftMonths(p.start, -1))!
  if (p.frequency === 'quarter') {
    const start = shiftMonths(p.start, -3)
    return parsePeriod(`${financialYear(start)} Q${Math.floor(((Number(start.slice(5)) + 8) % 12) / 3) + 1}`)!
  }
  return yearBefore(p)
}

/**
 * The period a baseline year gives for comparison: the same months in the baseline financial year (the period moved
 * back whole years until it ends in that year). Undefined when the period ends before the baseline year.
 */
export function inBaselineYear(p: Period, baseline: Period): Period | undefined {
  const years = Number(financialYear(p.end).slice(0, 4)) - Number(baseline.start.slice(0, 4))
  if (years < 0) return undefined
  let q = p
  for (let k = 0; k < years; k++) q = yearBefore(q)
  return q
}

const monthName = (m: string) => monthLabel(m).split(' ')[0]

/** How a period reads on a page: "January 2019", "Q1 2019/20", "2019/20", "12 months to March 2020",
 * "2019/20 to date (April to September)". */
export function periodText(p: Period): string {
  if (p.frequency === 'month') return monthLabel(p.start)
  if (p.frequency === 'quarter') return quarterLabel(p.start)
  if (p.frequency === 'rolling-12') return `12 months to ${monthLabel(p.end)}`
  if (p.frequency === 'fytd')
    return `${financialYear(p.end)} to date (${p.start === p.end ? monthName(p.start) : `${monthName(p.start)} to ${monthName(p.end)}`})`
  return p.text
}

export const FREQUENCY_WORDS: Record<Frequency, string> = { month: 'month', quarter: 'quarter', 'financial-year': 'financial year' }
/** How each frequency's periods are written, for messages. */
export const FREQUENCY_FORMAT: Record<Frequency, string> = {
  month: 'a month such as 2019-01',
  quarter: 'a quarter such as 2019/20 Q1',
  'financial-year': 'a financial year such as 2019/20',
}
