import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSmall, suppressedCells } from './disclosure.ts'

const cell = (key: string, count: number | null, threshold = 5) => ({ key, count, threshold })

test('counts from 1 to 4 are hidden with the default threshold of 5; 0 and 5 are shown', () => {
  const hidden = suppressedCells([cell('a', 0), cell('b', 1), cell('c', 4), cell('d', 5), cell('e', null)])
  assert.deepEqual([...hidden].sort(), ['b', 'c'])
  assert.equal(isSmall(0, 5), false)
})

test('the threshold is per cell: with 10, a count of 7 is hidden', () => {
  const hidden = suppressedCells([cell('a', 7, 10), cell('b', 7, 5)])
  assert.deepEqual([...hidden], ['a'])
})

test('secondary suppression: one hidden part of a shown total hides the smallest other part that is not zero', () => {
  // all crime 40 = burglary 3 + robbery 0 + drugs 12 + violence 25: burglary would be 40 - 0 - 12 - 25.
  const cells = [cell('total', 40), cell('burglary', 3), cell('robbery', 0), cell('drugs', 12), cell('violence', 25)]
  const hidden = suppressedCells(cells, [{ total: 'total', parts: ['burglary', 'robbery', 'drugs', 'violence'] }])
  assert.deepEqual([...hidden].sort(), ['burglary', 'drugs'])
})

test('secondary suppression hides the total when every other part is zero', () => {
  const cells = [cell('total', 3), cell('a', 3), cell('b', 0)]
  const hidden = suppressedCells(cells, [{ total: 'total', parts: ['a', 'b'] }])
  assert.deepEqual([...hidden].sort(), ['a', 'total'])
})

test('two hidden parts need nothing more; a hidden total needs nothing more', () => {
  const cells = [cell('total', 50), cell('a', 2), cell('b', 3), cell('c', 45)]
  assert.deepEqual([...suppressedCells(cells, [{ total: 'total', parts: ['a', 'b', 'c'] }])].sort(), ['a', 'b'])
  const cells2 = [cell('total', 4), cell('a', 4), cell('b', 0)]
  assert.deepEqual([...suppressedCells(cells2, [{ total: 'total', parts: ['a', 'b'] }])].sort(), ['a', 'total'])
})

test('a cell hidden for one group can expose another, which is then protected too', () => {
  // Month group: t1 = a + b; a is small, so b is hidden; b is also part of t2 = b + c, so c is hidden.
  const cells = [cell('t1', 23), cell('a', 3), cell('b', 20), cell('t2', 50), cell('c', 30)]
  const hidden = suppressedCells(cells, [
    { total: 't1', parts: ['a', 'b'] },
    { total: 't2', parts: ['b', 'c'] },
  ])
  assert.deepEqual([...hidden].sort(), ['a', 'b', 'c'])
})
