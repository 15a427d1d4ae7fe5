/**
 * The scorecard's periods as analysts write them: a month "2019-01", a quarter of a financial year "2019/20 Q1"
 * (Q1 is April to June) and a financial year "2019/20" (April to March).
 */
import { financialYear, monthLabel, quarterLabel } from '../platform/format.ts'

export type Frequency = 'month' | 'quarter' | 'financial-year'

export interface Period {
  text: string
  frequency: Frequency
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

/** The same period a year before. */
export function yearBefore(p: Period): Period {
  const start = ym(Number(p.start.slice(0, 4)) - 1, Number(p.start.slice(5)))
  if (p.frequency === 'month') return parsePeriod(start)!
  if (p.frequency === 'financial-year') return parsePeriod(financialYear(start))!
  return parsePeriod(`${financialYear(start)} ${p.text.slice(-2)}`)!
}

/** How a period reads on a page: "January 2019", "Q1 2019/20", "2019/20". */
export function periodText(p: Period): string {
  if (p.frequency === 'month') return monthLabel(p.start)
  if (p.frequency === 'quarter') return quarterLabel(p.start)
  return p.text
}

export const FREQUENCY_WORDS: Record<Frequency, string> = { month: 'month', quarter: 'quarter', 'financial-year': 'financial year' }
/** How each frequency's periods are written, for messages. */
export const FREQUENCY_FORMAT: Record<Frequency, string> = {
  month: 'a month such as 2019-01',
  quarter: 'a quarter such as 2019/20 Q1',
  'financial-year': 'a financial year such as 2019/20',
}
