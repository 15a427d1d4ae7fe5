import { test } from 'node:test'
import assert from 'node:assert/strict'
import { financialYearError, financialYearOf, formatPence, parseMoney, penceToDecimal } from './money.ts'

test('amounts as officers type them: pound signs, commas and pence', () => {
  assert.deepEqual(parseMoney('£3,798,000'), { pence: 379_800_000 })
  assert.deepEqual(parseMoney('3798000'), { pence: 379_800_000 })
  assert.deepEqual(parseMoney(' £ 154,076 '), { pence: 15_407_600 })
  assert.deepEqual(parseMoney('15,000.5'), { pence: 1_500_050 })
  assert.deepEqual(parseMoney('0.10'), { pence: 10 })
  assert.deepEqual(parseMoney(80000), { pence: 8_000_000 })
  assert.deepEqual(parseMoney(0.3), { pence: 30 })
})

test('bad amounts get a message that names the field', () => {
  assert.deepEqual(parseMoney('-500'), { error: 'Amount cannot be negative' })
  assert.deepEqual(parseMoney('£-500'), { error: 'Amount cannot be negative' })
  assert.match((parseMoney('ten thousand') as { error: string }).error, /^Amount must be an amount in pounds/)
  assert.match((parseMoney('15k') as { error: string }).error, /written in full/)
  assert.match((parseMoney('1,00,000') as { error: string }).error, /comma in the wrong place/)
  assert.match((parseMoney('12.345') as { error: string }).error, /2 decimal places/)
  assert.deepEqual(parseMoney(''), { error: 'Enter amount' })
  assert.match((parseMoney('99999999999999999') as { error: string }).error, /too large/)
})

test('pence are shown as pounds and stored exactly', () => {
  assert.equal(formatPence(8_000_000), '£80,000')
  assert.equal(formatPence(1_500_050), '£15,000.50')
  assert.equal(formatPence(-120_000), '−£1,200')
  assert.equal(penceToDecimal(379_800_000), '3798000.00')
  assert.equal(penceToDecimal(5), '0.05')
  // 0.1 + 0.2 in pence is exactly 30.
  assert.equal((parseMoney('0.1') as { pence: number }).pence + (parseMoney('0.2') as { pence: number }).pence, 30)
})

test('financial years are two years in a row, like 2016/17', () => {
  assert.equal(financialYearError('2016/17'), undefined)
  assert.equal(financialYearError('1999/00'), undefined)
  assert.match(financialYearError('2016/18')!, /two years in a row/)
  assert.match(financialYearError('2016-17')!, /like 2016\/17/)
  assert.equal(financialYearOf('2019-04-01'), '2019/20')
  assert.equal(financialYearOf('2020-03-31'), '2019/20')
})
