/**
 * Disclosure control: what someone who is not an editor of the partnership may see of small counts.
 *
 * - Primary suppression: a count from 1 to threshold - 1 (threshold per indicator, default 5) is hidden ("[c]"), with
 *   everything worked out from it (rate, percentage, intervals, change). Zero is shown: it discloses nobody.
 * - Secondary suppression: where a total is shown beside its parts (a financial year's months, all crime beside
 *   each crime type), one hidden part could be worked out as the total less the others. In each such group with
 *   exactly one hidden part, the smallest other part that is not zero is hidden too; when every other part is
 *   zero, the total is hidden instead. Repeated until nothing changes (a cell hidden in one group may expose
 *   another).
 */

export interface Cell {
  key: string
  /** The count the cell shows (or is worked out from); null for figures that are not counts. */
  count: number | null
  threshold: number
}

/** A total and the keys of the cells that add up to it. */
export interface Group {
  total: string
  parts: string[]
}

export const SUPPRESSED = '[c]'

/** Is this count small enough to identify someone (1 to threshold - 1)? */
export function isSmall(count: number | null, threshold: number) {
  return count !== null && count > 0 && count < threshold
}

/** The keys of the cells to hide: small counts, and what would let one be worked out. */
export function suppressedCells(cells: Cell[], groups: Group[] = []): Set<string> {
  const byKey = new Map(cells.map((c) => [c.key, c]))
  const hidden = new Set(cells.filter((c) => isSmall(c.count, c.threshold)).map((c) => c.key))
  let changed = true
  while (changed) {
    changed = false
    for (const g of groups) {
      if (hidden.has(g.total)) continue
      const parts = g.parts.filter((k) => byKey.has(k))
      const hiddenParts = parts.filter((k) => hidden.has(k))
      if (hiddenParts.length !== 1) continue
      const candidates = parts
        .filter((k) => !hidden.has(k) && (byKey.get(k)!.count ?? 0) > 0)
        .sort((a, b) => (byKey.get(a)!.count ?? 0) - (byKey.get(b)!.count ?? 0) || (a < b ? -1 : 1))
      hidden.add(candidates[0] ?? g.total)
      changed = true
    }
  }
  return hidden
}

/** A figure worked out as the sum of other cells (a quarter, year, rolling 12 months or year to date of months). */
export interface Sum {
  key: string
  count: number | null
  threshold: number
  parts: string[]
}

/**
 * Disclosure control for figures summed from cells already checked (quarters, years, rolling 12 months and years to
 * date from an indicator's months): the keys of the sums to withhold.
 *
 * A sum is withheld when it is small itself, and when it would let a hidden cell, or a withheld sum, be worked out
 * from the figures shown: the cells shown and the sums shown, in any combination (one rolling sum less its eleven
 * shown months; two rolling sums a month apart less the month that left; a year to date less the month before's).
 * The test is exact: each shown sum is an equation in the hidden cells (its shown cells moved to the other side),
 * and a hidden figure can be worked out exactly when its own equation is a combination of those (Gaussian
 * elimination). While one can, the shown sum that involves it with the fewest hidden cells, the earliest first, is
 * withheld, and the test is run again. The cells themselves are never changed, so a page of months shows what it
 * showed before; it is the sums that give way. Bounds: a hidden small count is known to be from 1 to threshold - 1,
 * so a sum whose hidden cells add up to their least or most (all 1, or all 4) is withheld too (`counts`, the cells'
 * true counts, tells); bounds combined across several sums are not checked.
 */
export function suppressedSums(hiddenCells: Set<string>, sums: Sum[], counts: Map<string, number | null> = new Map()): Set<string> {
  const pins = pinsBy(counts, hiddenCells)
  const withheld = new Set(sums.filter((s) => isSmall(s.count, s.threshold) || pins(s)).map((s) => s.key))
  const unknowns = [...new Set(sums.flatMap((s) => s.parts.filter((k) => hiddenCells.has(k))))]
  if (!unknowns.length) return withheld
  const col = new Map(unknowns.map((k, i) => [k, i]))
  const vector = (s: Sum) => {
    const v = new Array<number>(unknowns.length).fill(0)
    for (const k of s.parts) if (col.has(k)) v[col.get(k)!] = 1
    return v
  }
  const rows = sums.map((s) => ({ sum: s, v: vector(s), hidden: s.parts.filter((k) => col.has(k)).length }))
  // A sum with one hidden cell gives it away with its shown cells alone: withheld at once.
  for (const r of rows) if (r.hidden === 1) withheld.add(r.sum.key)
  const targets = unknowns.map((k, i) => ({ key: k, v: unknowns.map((_, j) => (i === j ? 1 : 0)) }))
  for (;;) {
    const shown = rows.filter((r) => r.hidden > 0 && !withheld.has(r.sum.key))
    const basis = echelon(shown.map((r) => r.v))
    const candidates = [...targets, ...rows.filter((r) => r.hidden > 0 && withheld.has(r.sum.key)).map((r) => ({ key: r.sum.key, v: r.v }))]
    const exposed = candidates.find((t) => inSpan(basis, t.v))
    if (!exposed) return withheld
    // Withhold a sum the working-out needs (without it, the figure can no longer be worked out): the one with the
    // fewest hidden cells, the earliest first; when no single one is needed (two ways to work it out), any that takes part.
    const involved = exposed.v.map((x, i) => (x ? i : -1)).filter((i) => i >= 0)
    const order = (a: (typeof rows)[number], b: (typeof rows)[number]) => a.hidden - b.hidden || sums.indexOf(a.sum) - sums.indexOf(b.sum)
    const needed = shown.filter((r) => !inSpan(echelon(shown.filter((o) => o !== r).map((o) => o.v)), exposed.v)).sort(order)
    const culprit = needed[0] ?? shown.filter((r) => involved.some((i) => r.v[i])).sort(order)[0]
    withheld.add(culprit.sum.key)
  }
}

const EPS = 1e-9

/**
 * Does a sum pin its hidden cells by their bounds? Hidden small counts are known to be from 1 to threshold - 1, so
 * when a sum's hidden cells add up to their least (all 1) or their most (all threshold - 1), each of them is known.
 */
function pinsBy(counts: Map<string, number | null>, hiddenCells: Set<string>) {
  return (s: Sum) => {
    const hidden = s.parts.filter((k) => hiddenCells.has(k))
    if (!hidden.length) return false
    const values = hidden.map((k) => counts.get(k))
    if (values.some((v) => v === null || v === undefined || v < 1 || v >= s.threshold)) return false
    const total = values.reduce((a, b) => a! + b!, 0)!
    return total === hidden.length || total === hidden.length * (s.threshold - 1)
  }
}

/** Row echelon form (each row scaled so its pivot is 1), with the pivot column of each row. */
function echelon(vectors: number[][]): { row: number[]; pivot: number }[] {
  const basis: { row: number[]; pivot: number }[] = []
  for (const v of vectors) {
    const r = reduce(basis, v)
    const pivot = r.findIndex((x) => Math.abs(x) > EPS)
    if (pivot < 0) continue
    const scale = r[pivot]
    basis.push({ row: r.map((x) => x / scale), pivot })
  }
  return basis
}

function reduce(basis: { row: number[]; pivot: number }[], v: number[]): number[] {
  const r = v.slice()
  for (const b of basis) {
    const f = r[b.pivot]
    if (Math.abs(f) > EPS) for (let i = 0; i < r.length; i++) r[i] -= f * b.row[i]
  }
  return r
}

/** Is v a combination of the basis's rows? */
function inSpan(basis: { row: number[]; pivot: number }[], v: number[]): boolean {
  return reduce(basis, v).every((x) => Math.abs(x) < 1e-7)
}
