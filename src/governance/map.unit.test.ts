import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mapSvg, wrapText, textWidth } from './map.ts'

test('a map of one body is one box and no lines', () => {
  const svg = mapSvg([
    {
      id: 1,
      slug: 'herefordshire',
      name: 'Herefordshire Community Safety Partnership',
      type: 'community safety partnership',
      reports_to_id: null,
    },
  ])
  assert.equal([...svg.matchAll(/class="safer-map__body"/g)].length, 1)
  assert.equal([...svg.matchAll(/class="safer-map__line"/g)].length, 0)
  assert.match(svg, /A diagram of 1 body\./)
  assert.ok(Number(svg.match(/ width="(\d+)"/)![1]) < 400)
  assert.equal(mapSvg([]), '')
})

test('names wrap to fit their box, and a name too long for three lines ends in an ellipsis', () => {
  const lines = wrapText('Worcestershire Reducing Offending Strategy Group', 260, 15, true, 3)
  assert.deepEqual(lines, ['Worcestershire Reducing Offending', 'Strategy Group'])
  const long = wrapText('A very long name '.repeat(10), 260, 15, true, 3)
  assert.equal(long.length, 3)
  assert.match(long[2], /…$/)
  for (const l of long) assert.ok(textWidth(l, 15, true) <= 260)
})
