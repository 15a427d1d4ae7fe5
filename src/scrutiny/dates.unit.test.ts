import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bankHolidays, clockTime, easterSunday, longDate, noticeDeadline, workingDaysBefore, londonOffset } from './dates.ts'
import { foldLine, icalText } from './ical.ts'

test('Easter Sunday falls where the published tables put it', () => {
  // Church of England / HM Government tables: 21 April 2019, 12 April 2020, 4 April 2021, 31 March 2024, 20 April 2025.
  assert.equal(easterSunday(2019), '2019-04-21')
  assert.equal(easterSunday(2020), '2020-04-12')
  assert.equal(easterSunday(2021), '2021-04-04')
  assert.equal(easterSunday(2024), '2024-03-31')
  assert.equal(easterSunday(2025), '2025-04-20')
})

test('bank holidays in England and Wales, with substitute days and the moved ones (gov.uk/bank-holidays)', () => {
  assert.deepEqual([...bankHolidays(2019)].sort(), [
    '2019-01-01',
    '2019-04-19',
    '2019-04-22',
    '2019-05-06',
    '2019-05-27',
    '2019-08-26',
    '2019-12-25',
    '2019-12-26',
  ])
  // 2020: the early May bank holiday moved to Friday 8 May (VE Day); Boxing Day on a Saturday moved to Monday 28.
  assert.deepEqual([...bankHolidays(2020)].sort(), [
    '2020-01-01',
    '2020-04-10',
    '2020-04-13',
    '2020-05-08',
    '2020-05-25',
    '2020-08-31',
    '2020-12-25',
    '2020-12-28',
  ])
  // 2021: Christmas Day and Boxing Day on a weekend: Monday 27 and Tuesday 28 December.
  const y2021 = bankHolidays(2021)
  assert.ok(y2021.has('2021-12-27') && y2021.has('2021-12-28') && !y2021.has('2021-12-25'))
  // 2022: the spring bank holiday on Thursday 2 June, the Platinum Jubilee on Friday 3 June, the State Funeral on 19 September.
  const y2022 = bankHolidays(2022)
  for (const d of ['2022-01-03', '2022-06-02', '2022-06-03', '2022-09-19', '2022-12-26', '2022-12-27']) assert.ok(y2022.has(d), d)
  assert.ok(!y2022.has('2022-05-30'))
  assert.ok(bankHolidays(2023).has('2023-05-08'))
})

test('the notice deadline is the working day before, over a weekend and over Easter', () => {
  // Seed 000: the meeting on Thursday 14 November 2019; the working day before is Wednesday 13 November.
  assert.equal(
    noticeDeadline('2019-11-14', 1, '09:00').text,
    'no later than 9.00am on Wednesday 13 November 2019 (the working day before the meeting)',
  )
  // A Monday meeting: the working day before is the Friday.
  assert.equal(workingDaysBefore('2019-11-18', 1), '2019-11-15')
  assert.equal(
    noticeDeadline('2019-11-18', 1, '09:00').text,
    'no later than 9.00am on Friday 15 November 2019 (the working day before the meeting)',
  )
  // Tuesday 14 April 2020: Monday 13 (Easter Monday), Friday 10 (Good Friday) and the weekend do not count: Thursday 9 April.
  assert.equal(workingDaysBefore('2020-04-14', 1), '2020-04-09')
  // Three working days before Wednesday 29 December 2021: Tuesday 28 and Monday 27 are holidays, so 24, 23 and 22 December.
  assert.equal(workingDaysBefore('2021-12-29', 3), '2021-12-22')
  assert.equal(noticeDeadline('2019-11-14', 0, '12:00').text, 'no later than midday on Thursday 14 November 2019 (the day of the meeting)')
})

test('times and dates as council papers write them', () => {
  assert.equal(clockTime('10:00'), '10.00am')
  assert.equal(clockTime('14:30'), '2.30pm')
  assert.equal(clockTime('00:15'), '12.15am')
  assert.equal(longDate('2019-11-14'), 'Thursday 14 November 2019')
  assert.equal(londonOffset('2019-11-14', '10:00'), '+00:00')
  assert.equal(londonOffset('2019-07-24', '10:00'), '+01:00')
  // British Summer Time began at 01:00 GMT on Sunday 31 March 2019.
  assert.equal(londonOffset('2019-03-30', '10:00'), '+00:00')
  assert.equal(londonOffset('2019-03-31', '10:00'), '+01:00')
})

test('iCalendar text is escaped and long lines folded at 75 octets (RFC 5545 3.1, 3.3.11)', () => {
  assert.equal(icalText('Wellington Room, The Castle; Winchester\\n\nSecond'), 'Wellington Room\\, The Castle\\; Winchester\\\\n\\nSecond')
  const long = `DESCRIPTION:${'é'.repeat(60)}`
  const folded = foldLine(long)
  const lines = folded.split('\r\n')
  assert.ok(lines.length > 1)
  for (const l of lines) assert.ok(Buffer.byteLength(l) <= 75, `${Buffer.byteLength(l)} octets`)
  assert.equal(lines.map((l, i) => (i ? l.slice(1) : l)).join(''), long)
  assert.ok(lines.slice(1).every((l) => l.startsWith(' ')))
})

test('plain ASCII lines fold at 75 octets too', () => {
  const long = `URL:https://safer.example.org/partnerships/hampshire-county-council/meetings/123456789?x=${'a'.repeat(100)}`
  const lines = foldLine(long).split('\r\n')
  assert.deepEqual(
    lines.map((l) => Buffer.byteLength(l)),
    // 75 octets, then a space and 74 octets, then a space and the rest.
    [75, 75, 1 + long.length - 75 - 74],
  )
  assert.equal(lines.map((l, i) => (i ? l.slice(1) : l)).join(''), long)
})
