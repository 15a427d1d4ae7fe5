/** Where each item's papers go in a pack, and the agenda's ranges parameter (no database, no browser). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { layOut, parseRanges, rangesParam } from './service.ts'

test('papers start on odd pages, with a blank page before them when the next page is even; items without papers take none', () => {
  // Agenda 1-3. Item 1 (5 pages): page 4 is even, so blank 4, papers 5-9. Item 2: none. Item 3 (2 pages): page 10 is
  // even, so blank 10, papers 11-12. Item 4 (3 pages): page 13 is odd, papers 13-15.
  const { ranges, blanks, total } = layOut(3, [
    { id: 1, pages: 5 },
    { id: 2, pages: 0 },
    { id: 3, pages: 2 },
    { id: 4, pages: 3 },
  ])
  assert.deepEqual(
    [...ranges],
    [
      [1, { first: 5, last: 9 }],
      [3, { first: 11, last: 12 }],
      [4, { first: 13, last: 15 }],
    ],
  )
  assert.deepEqual(blanks, [4, 10])
  assert.equal(total, 15)
  // A 2-page agenda: the first papers start on page 3 with no blank.
  assert.deepEqual(layOut(2, [{ id: 7, pages: 1 }]), { ranges: new Map([[7, { first: 3, last: 3 }]]), blanks: [], total: 3 })
})

test("the agenda's ranges go through its address and back", () => {
  const ranges = new Map([
    [12, { first: 3, last: 20 }],
    [15, { first: 21, last: 28 }],
  ])
  assert.equal(rangesParam(ranges), '12:3-20,15:21-28')
  assert.deepEqual(parseRanges('12:3-20,15:21-28'), ranges)
  assert.deepEqual(parseRanges(undefined), new Map())
})
