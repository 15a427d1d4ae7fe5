import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSmall, suppressedCells, suppressedSums } from './disclosure.ts'
import { derive, inView, type RawPoint } from './derived.ts'
import { parsePeriod, VIEWS } from './periods.ts'

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

const sum = (key: string, parts: string[], count: number, threshold = 5) => ({ key, parts, count, threshold })

test('derived sums: one with a single hidden cell is withheld (its shown cells give the hidden one away)', () => {
  const withheld = suppressedSums(new Set(['m2']), [sum('q1', ['m1', 'm2', 'm3'], 63), sum('q2', ['m4', 'm5', 'm6'], 90)])
  assert.deepEqual([...withheld], ['q1'])
})

test('derived sums: no single hidden cell, but three sums solve for all three hidden cells; withholding one is enough', () => {
  // a + b, b + c and a + c: each has two hidden cells, yet together they give a, b and c. Withhold the earliest.
  const sums = [sum('s1', ['a', 'b', 'x'], 30), sum('s2', ['b', 'c', 'x'], 31), sum('s3', ['a', 'c', 'x'], 32)]
  assert.deepEqual(
    [
      ...suppressedSums(
        new Set(['a', 'b', 'c']),
        sums,
        new Map([
          ['a', 2],
          ['b', 3],
          ['c', 2],
        ]),
      ),
    ],
    ['s1'],
  )
})

test('derived sums: two rolling sums a month apart give a hidden month away (less the month that left); one is withheld', () => {
  // R1 = m1..m12 and R2 = m2..m13, with m1, m12 and m13 hidden: each has two hidden months, but R1 − R2 = m1 − m13,
  // and a third sum gives m1 + m13: so m1 (then m12 and m13) could be worked out.
  const r = (from: number) => Array.from({ length: 12 }, (_, k) => `m${from + k}`)
  const hidden = new Set(['m1', 'm12', 'm13'])
  const sums = [sum('r1', r(1), 300), sum('r2', r(2), 301), sum('x', ['m1', 'm13', 'm20'], 50)]
  const withheld = suppressedSums(
    hidden,
    sums,
    new Map([
      ['m1', 2],
      ['m12', 3],
      ['m13', 2],
    ]),
  )
  assert.ok(withheld.size >= 1)
  // Whatever is withheld, what is left does not give m1, m12 or m13 (checked by trying every value from 1 to 4).
  const shown = sums.filter((s) => !withheld.has(s.key))
  for (const target of hidden) assert.ok(ambiguous(target, [...hidden], shown, { m1: 2, m12: 3, m13: 2 }), target)
})

test('derived sums: a sum whose hidden cells are all 1 (or all 4) pins them by their bounds, and is withheld', () => {
  const sums = [sum('s1', ['a', 'b', 'x'], 40), sum('s2', ['c', 'd', 'x'], 46)]
  const counts = new Map([
    ['a', 1],
    ['b', 1],
    ['c', 3],
    ['d', 2],
  ])
  assert.deepEqual([...suppressedSums(new Set(['a', 'b', 'c', 'd']), sums, counts)], ['s1'])
  counts.set('c', 4).set('d', 4)
  assert.deepEqual([...suppressedSums(new Set(['a', 'b', 'c', 'd']), sums, counts)].sort(), ['s1', 's2'])
})

/**
 * Can the hidden cell take two values, given the sums shown? Tries every assignment of 1 to 4 to the hidden cells
 * (the sums' shown cells drop out, as each sum is compared with the shown cells' total plus the hidden ones).
 */
function ambiguous(target: string, hidden: string[], shown: { parts: string[]; count: number }[], truth: Record<string, number>) {
  const residual = shown.map((s) => s.parts.filter((k) => hidden.includes(k)).reduce((n, k) => n + truth[k], 0))
  const seen = new Set<number>()
  const values: Record<string, number> = {}
  const walk = (i: number) => {
    if (i === hidden.length) {
      if (shown.every((s, j) => s.parts.filter((k) => hidden.includes(k)).reduce((n, k) => n + values[k], 0) === residual[j]))
        seen.add(values[target])
      return
    }
    for (let v = 1; v <= 4; v++) {
      values[hidden[i]] = v
      walk(i + 1)
    }
  }
  walk(0)
  assert.ok(seen.has(truth[target]), 'the true values fit')
  return seen.size > 1
}

test('months with small counts: no hidden month can be worked out from every view shown together, whichever is asked for', () => {
  // 24 months from April 2018; small counts in June and July 2018, June 2019 and December 2019.
  const counts = [40, 41, 2, 3, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 1, 55, 56, 57, 58, 59, 4, 61, 62, 63]
  const raw: RawPoint[] = counts.map((n, k) => {
    const t = 2018 * 12 + 3 + k
    const m = `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`
    return { area: 'A', period: parsePeriod(m)!, numerator: n, denominator: null, value: n }
  })
  const ind = { code: 'x', unit: 'count' as const, per: null, frequency: 'month' as const, suppression_threshold: 5 }
  const key = (text: string) => `x|A|${text}`
  const hiddenMonths = raw.filter((r) => r.numerator! < 5).map((r) => key(r.period.text))
  const hidden = new Set(hiddenMonths)
  const truth = Object.fromEntries(raw.map((r) => [key(r.period.text), r.numerator!]))

  // Without protection, a rolling 12 months holding one hidden month gives it away.
  const naive = derive(ind, raw, 'rolling-12')!.map((d) => ({ parts: d.parts!.map(key), count: d.numerator! }))
  assert.equal(ambiguous(key('2019-12'), hiddenMonths, naive, truth), false)

  const results = VIEWS.filter((v) => v !== 'month').map((v) => inView(ind, raw, hidden, v, { protect: true })!)
  // The same figures are withheld whichever view is asked for.
  for (const r of results.slice(1)) assert.deepEqual([...r.hidden].sort(), [...results[0].hidden].sort())
  const shown = results.flatMap((r) =>
    r.points.filter((d) => !r.hidden.has(key(d.period.text))).map((d) => ({ parts: d.parts!.map(key), count: d.numerator! })),
  )
  assert.ok(shown.length >= 15, `${shown.length} sums still shown`)
  for (const h of hiddenMonths) assert.ok(ambiguous(h, hiddenMonths, shown, truth), `${h} can be worked out`)
  // A rolling 12 months holding the two hidden months of June and July 2018 (and no other) is still shown.
  assert.ok(!results[0].hidden.has(key('12 months to 2019-05')))
})
