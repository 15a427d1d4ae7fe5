import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parsePeriod, periodText, yearBefore } from './periods.ts'

test('reads months, quarters of a financial year and financial years', () => {
  assert.deepEqual(parsePeriod('2019-01'), { text: '2019-01', frequency: 'month', start: '2019-01', end: '2019-01' })
  assert.deepEqual(parsePeriod('2019/20 Q1'), { text: '2019/20 Q1', frequency: 'quarter', start: '2019-04', end: '2019-06' })
  assert.deepEqual(parsePeriod('2019/20 Q4'), { text: '2019/20 Q4', frequency: 'quarter', start: '2020-01', end: '2020-03' })
  assert.deepEqual(parsePeriod('2019/20'), { text: '2019/20', frequency: 'financial-year', start: '2019-04', end: '2020-03' })
  assert.deepEqual(parsePeriod('1999/00')?.end, '2000-03')
})

test('refuses what is not a period', () => {
  for (const bad of ['2019-13', '2019/21', '2019', 'Jan 2019', '2019/20 Q5', '']) assert.equal(parsePeriod(bad), undefined, bad)
})

test('the same period a year before', () => {
  assert.equal(yearBefore(parsePeriod('2019-01')!).text, '2018-01')
  assert.equal(yearBefore(parsePeriod('2019/20 Q3')!).text, '2018/19 Q3')
  assert.equal(yearBefore(parsePeriod('2018/19')!).text, '2017/18')
  assert.equal(yearBefore(parsePeriod('2000/01')!).text, '1999/00')
})

test('labels', () => {
  assert.equal(periodText(parsePeriod('2019-01')!), 'January 2019')
  assert.equal(periodText(parsePeriod('2019/20 Q2')!), 'Q2 2019/20')
  assert.equal(periodText(parsePeriod('2019/20 Q4')!), 'Q4 2019/20')
  assert.equal(periodText(parsePeriod('2019/20')!), '2019/20')
})
