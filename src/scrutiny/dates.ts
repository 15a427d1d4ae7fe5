/**
 * Meeting dates and times as councils write them, and the notice deadline for public participation ("no later than
 * 9.00am on the working day before the meeting"). Dates are 'YYYY-MM-DD' and times 'HH:MM', in the council's local
 * time (England and Wales); nothing here depends on the server's time zone.
 */

const DAY_MS = 86_400_000
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

const toDate = (iso: string) => new Date(`${iso}T00:00:00Z`)
const toIso = (d: Date) => d.toISOString().slice(0, 10)
export const addDays = (iso: string, n: number) => toIso(new Date(toDate(iso).getTime() + n * DAY_MS))
const weekday = (iso: string) => toDate(iso).getUTCDay()

/** Easter Sunday (Gregorian), by the anonymous algorithm (Meeus, Astronomical Algorithms, ch. 8). */
export function easterSunday(year: number): string {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

const pad = (n: number) => String(n).padStart(2, '0')
/** The first (n = 1) or last (n = -1) Monday of a month. */
function monday(year: number, month: number, n: 1 | -1): string {
  if (n === 1) {
    const first = `${year}-${pad(month)}-01`
    return addDays(first, (8 - weekday(first)) % 7)
  }
  const last = toIso(new Date(Date.UTC(year, month, 0)))
  return addDays(last, -((weekday(last) + 6) % 7))
}
/** A fixed-date holiday on a weekend moves to the next weekday not already a holiday. */
function substitute(iso: string, taken: Set<string>): string {
  let d = iso
  while (weekday(d) === 0 || weekday(d) === 6 || taken.has(d)) d = addDays(d, 1)
  return d
}

/**
 * Bank holidays in England and Wales (Banking and Financial Dealings Act 1971 and the yearly proclamations), with the
 * moved and extra days of 2020, 2022 and 2023 (VE Day, the Platinum Jubilee, the State Funeral, the Coronation).
 */
export function bankHolidays(year: number): Set<string> {
  let days = holidayCache.get(year)
  if (!days) holidayCache.set(year, (days = computeBankHolidays(year)))
  return days
}
const holidayCache = new Map<number, Set<string>>()

function computeBankHolidays(year: number): Set<string> {
  const easter = easterSunday(year)
  const days = new Set<string>()
  days.add(substitute(`${year}-01-01`, days))
  days.add(addDays(easter, -2))
  days.add(addDays(easter, 1))
  days.add(year === 2020 ? '2020-05-08' : monday(year, 5, 1))
  days.add(year === 2022 ? '2022-06-02' : monday(year, 5, -1))
  days.add(monday(year, 8, -1))
  const christmas = substitute(`${year}-12-25`, days)
  days.add(christmas)
  days.add(substitute(`${year}-12-26`, days))
  if (year === 2022) ['2022-06-03', '2022-09-19'].forEach((d) => days.add(d))
  if (year === 2023) days.add('2023-05-08')
  return days
}

export function isWorkingDay(iso: string): boolean {
  const w = weekday(iso)
  return w !== 0 && w !== 6 && !bankHolidays(Number(iso.slice(0, 4))).has(iso)
}

/** The date `n` working days before `iso` (n = 0: the day itself). */
export function workingDaysBefore(iso: string, n: number): string {
  let d = iso
  for (let left = n; left > 0;) {
    d = addDays(d, -1)
    if (isWorkingDay(d)) left--
  }
  return d
}

/** "Thursday 14 November 2019". */
export function longDate(iso: string): string {
  const d = toDate(iso)
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}
/** "14 November 2019". */
export function shortDate(iso: string): string {
  const d = toDate(iso)
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}
export function monthName(month: number): string {
  return MONTHS[month - 1]
}

/** "10.00am", "2.30pm", "midday", as the council papers write times. */
export function clockTime(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number)
  if (h === 12 && m === 0) return 'midday'
  return `${h % 12 === 0 ? 12 : h % 12}.${pad(m)}${h < 12 ? 'am' : 'pm'}`
}

/** The notice deadline for a meeting on `date`: `workingDays` working days before, at `time`. */
export function noticeDeadline(date: string, workingDays: number, time: string): { date: string; time: string; text: string } {
  const day = workingDaysBefore(date, workingDays)
  const when =
    workingDays === 0
      ? 'the day of the meeting'
      : workingDays === 1
        ? 'the working day before the meeting'
        : `${workingDays} working days before the meeting`
  return { date: day, time, text: `no later than ${clockTime(time)} on ${longDate(day)} (${when})` }
}

/** Today's date in England and Wales. */
export function todayInLondon(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}

/** The UTC instant of a local date and time in England and Wales (for feeds and JSON-LD offsets). */
export function londonOffset(date: string, time: string): string {
  // British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
  const y = Number(date.slice(0, 4))
  const lastSunday = (month: number) => {
    const last = toIso(new Date(Date.UTC(y, month, 0)))
    return addDays(last, -weekday(last))
  }
  const stamp = `${date}T${time}`
  const bst = stamp >= `${lastSunday(3)}T01:00` && stamp < `${lastSunday(10)}T02:00`
  return bst ? '+01:00' : '+00:00'
}
