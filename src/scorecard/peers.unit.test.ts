/**
 * nearestNeighbours on small hand-made sets whose z-scores and distances are worked out by hand in the comments.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { nearestNeighbours, neighboursAmong, type PeerFeatures } from './peers.ts'

const area = (code: string, imdScore: number, ruralShare: number, density: number): PeerFeatures => ({
  code,
  name: `Area ${code}`,
  imdScore,
  ruralShare,
  density,
})

// IMD 1, 2, 3, 4: mean 2.5, sample SD √(5/3), so one step of 1 is √(3/5) in z. Rural share is the same everywhere
// (counts 0). Density 10, 10, 10, 50: mean 20, SD √((3 × 100 + 900)/3) = 20, so z −0.5, −0.5, −0.5, 1.5.
const four = [area('A', 1, 0.5, 10), area('B', 2, 0.5, 10), area('C', 3, 0.5, 10), area('D', 4, 0.5, 50)]
const step = Math.sqrt(3 / 5)

test('distances are Euclidean over z-scores, nearest first', () => {
  const nn = nearestNeighbours(four, 3)
  const a = nn.get('A')!
  assert.deepEqual(
    a.map((n) => n.code),
    ['B', 'C', 'D'],
  )
  assert.ok(Math.abs(a[0].distance - step) < 1e-12)
  assert.ok(Math.abs(a[1].distance - 2 * step) < 1e-12)
  // A to D: 3 steps of IMD and 2 SDs of density.
  assert.ok(Math.abs(a[2].distance - Math.sqrt((3 * step) ** 2 + 2 ** 2)) < 1e-12)
  assert.equal(a[0].name, 'Area B')
})

test('ties are broken by code, and k limits the list', () => {
  // B is one step from both A and C: A comes first by code.
  assert.deepEqual(
    nearestNeighbours(four, 2)
      .get('B')!
      .map((n) => n.code),
    ['A', 'C'],
  )
  // Given in another order, the same answer.
  const reversed = nearestNeighbours([...four].reverse(), 2)
  assert.deepEqual(reversed.get('B'), nearestNeighbours(four, 2).get('B'))
  assert.equal(nearestNeighbours(four, 1).get('D')!.length, 1)
  // Fewer comparable areas than k: all of them.
  assert.equal(nearestNeighbours(four).get('A')!.length, 3)
})

test('an area is never its own neighbour, and every area gets a list', () => {
  const nn = nearestNeighbours(four, 15)
  assert.deepEqual([...nn.keys()], ['A', 'B', 'C', 'D'])
  for (const [code, list] of nn) assert.ok(!list.some((n) => n.code === code))
})

test('areas without an IMD score (Wales) are compared only with each other, on the features they have', () => {
  const mixed = [...four, area('W1', NaN, 0.2, 100), area('W2', NaN, 0.9, 100), area('W3', NaN, 0.3, 100)]
  const nn = nearestNeighbours(mixed, 15)
  assert.deepEqual(
    nn.get('W1')!.map((n) => n.code),
    ['W3', 'W2'],
  )
  for (const c of ['A', 'B', 'C', 'D']) assert.ok(nn.get(c)!.every((n) => !n.code.startsWith('W')))
  // Rural share over all seven areas: 0.5 × 4, 0.2, 0.9, 0.3, mean 3.4/7; W1 and W3 differ by 0.1 in it and not
  // at all in density, so their distance is 0.1 / SD.
  const r = [0.5, 0.5, 0.5, 0.5, 0.2, 0.9, 0.3]
  const mean = r.reduce((s, v) => s + v, 0) / 7
  const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / 6)
  assert.ok(Math.abs(nn.get('W1')![0].distance - 0.1 / sd) < 1e-12)
})

test('bad input is refused in plain words', () => {
  assert.throws(() => nearestNeighbours([four[0], four[0]]), /The area A is given more than once/)
  assert.throws(() => nearestNeighbours(four, 0), /whole number of 1 or more/)
  assert.throws(() => nearestNeighbours([area('X', Infinity, 0, 1)]), /imdScore of X is not a number/)
  assert.equal(nearestNeighbours([]).size, 0)
})

test('the groups and distances are the same to the last bit whatever the order the areas are given in', () => {
  // 40 areas with awkward decimals (a simple congruential sequence), so that sums in another order round differently.
  let seed = 12345
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const many = Array.from({ length: 40 }, (_, i) => area(`C${String(i).padStart(2, '0')}`, 1 + next() * 32843, next(), 20 + next() * 9000))
  const forwards = nearestNeighbours(many, 15)
  const backwards = nearestNeighbours([...many].reverse(), 15)
  const shuffled = nearestNeighbours([...many.filter((_, i) => i % 2), ...many.filter((_, i) => !(i % 2))], 15)
  for (const a of many) {
    assert.deepEqual(backwards.get(a.code), forwards.get(a.code), a.code)
    assert.deepEqual(shuffled.get(a.code), forwards.get(a.code), a.code)
  }
  // The map is keyed in the order given.
  assert.deepEqual(
    [...backwards.keys()],
    [...many].reverse().map((a) => a.code),
  )
})

test('one area among a pool it is not in: standardised by the pool alone, itself and the excluded left out', () => {
  // X has B's features, so it is 0 from B; without B, A and C are one step away (A first by code).
  const x = area('X', 2, 0.5, 10)
  const among = neighboursAmong(x, four, 2)
  assert.deepEqual(
    among.map((n) => [n.code, n.distance]),
    [
      ['B', 0],
      ['A', among[1].distance],
    ],
  )
  assert.ok(Math.abs(among[1].distance - step) < 1e-12)
  assert.deepEqual(
    neighboursAmong(x, four, 2, ['B']).map((n) => n.code),
    ['A', 'C'],
  )
  // The pool's scale, not one that includes X: density 1,000 is (1,000 − 20)/20 = 49 SDs, against D's 1.5.
  const far = area('Y', 2, 0.5, 1000)
  const d = neighboursAmong(far, four, 4).find((n) => n.code === 'D')!
  assert.ok(Math.abs(d.distance - Math.sqrt((2 * step) ** 2 + 47.5 ** 2)) < 1e-12)
  // An area in the pool under its own code is not its own neighbour.
  assert.ok(!neighboursAmong(four[0], four, 3).some((n) => n.code === 'A'))
  // Without an IMD score, only pool areas without one.
  assert.deepEqual(neighboursAmong(area('W', NaN, 0.5, 10), four), [])
})

test('for an area of the pool, neighboursAmong gives exactly its nearestNeighbours list', () => {
  let seed = 777
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const many = Array.from({ length: 30 }, (_, i) =>
    area(`P${String(i).padStart(2, '0')}`, i % 7 ? 1 + next() * 32843 : NaN, next(), 20 + next() * 9000),
  )
  const all = nearestNeighbours(many, 15)
  for (const a of many) assert.deepEqual(neighboursAmong(a, many, 15), all.get(a.code), a.code)
})
