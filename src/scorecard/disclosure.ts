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
