/**
 * How a plan's parents sum up what lies beneath them (pure; no database). A parent's progress is the weighted mean
 * of its children's (each child's own rolled-up progress), and its status is the worst status beneath it.
 *
 * Decisions (docs/plans.md): closed items (stopped, not finished) are left out of their parent's roll-up, since
 * they are no longer being pursued; a parent whose children are all closed keeps its own figures. "Worst" runs
 * off track, at risk, on track, not started, complete, closed: an item not yet started beside items on track
 * leaves the parent on track, but a parent is complete only when everything open beneath it is complete.
 */

export const STATUSES = ['not-started', 'on-track', 'at-risk', 'off-track', 'complete', 'closed'] as const
export type Status = (typeof STATUSES)[number]

export const STATUS_LABELS: Record<Status, string> = {
  'not-started': 'Not started',
  'on-track': 'On track',
  'at-risk': 'At risk',
  'off-track': 'Off track',
  complete: 'Complete',
  closed: 'Closed',
}

/** The progress an item takes when its status changes and no figure is given. */
export const DEFAULT_PROGRESS: Record<Status, number> = {
  'not-started': 0,
  'on-track': 50,
  'at-risk': 50,
  'off-track': 25,
  complete: 100,
  closed: 0,
}

/** Higher is worse. */
const SEVERITY: Record<Status, number> = { closed: 0, complete: 1, 'not-started': 2, 'on-track': 3, 'at-risk': 4, 'off-track': 5 }

export function worstStatus(statuses: Status[]): Status | undefined {
  let worst: Status | undefined
  for (const s of statuses) if (worst === undefined || SEVERITY[s] > SEVERITY[worst]) worst = s
  return worst
}

export interface RollupNode {
  id: number
  parentId: number | null
  status: Status
  progress: number
  weight: number
}

export interface Rolled {
  /** Weighted progress of the open children (0-100, not rounded), or the item's own when it has none. */
  progress: number
  /** The worst status beneath the item (its own when it has no open children). */
  status: Status
  /** How many items lie beneath it, at any depth. */
  descendants: number
}

/** Combine children's rolled-up figures; undefined when none of them is open (not closed). */
export function combine(children: { rolled: Rolled; weight: number; status: Status }[]): { progress: number; status: Status } | undefined {
  const open = children.filter((c) => c.status !== 'closed')
  if (!open.length) return undefined
  let sum = 0
  let weights = 0
  for (const c of open) {
    sum += c.weight * c.rolled.progress
    weights += c.weight
  }
  return { progress: sum / weights, status: worstStatus(open.map((c) => c.rolled.status))! }
}

/**
 * Every item's rolled-up figures. Items whose parent is not in the list are treated as tops. The tree is assumed
 * free of cycles (the service and the import refuse them); a cycle is reported by throwing rather than looping.
 */
export function rollUp(nodes: RollupNode[]): Map<number, Rolled> {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const children = new Map<number, RollupNode[]>()
  for (const n of nodes) {
    if (n.parentId !== null && byId.has(n.parentId)) children.set(n.parentId, [...(children.get(n.parentId) ?? []), n])
  }
  const out = new Map<number, Rolled>()
  const visiting = new Set<number>()
  const visit = (n: RollupNode): Rolled => {
    const done = out.get(n.id)
    if (done) return done
    if (visiting.has(n.id)) throw new Error(`The plan has a cycle through item ${n.id}`)
    visiting.add(n.id)
    const kids = (children.get(n.id) ?? []).map((c) => ({ rolled: visit(c), weight: c.weight, status: c.status }))
    const c = combine(kids)
    const descendants = kids.reduce((s, k) => s + 1 + k.rolled.descendants, 0)
    const r: Rolled = c ? { ...c, descendants } : { progress: n.progress, status: n.status, descendants }
    visiting.delete(n.id)
    out.set(n.id, r)
    return r
  }
  for (const n of nodes) visit(n)
  return out
}

/** The figures of a set of tops taken together (a priority's plan): undefined when it has no open items. */
export function rollUpTops(tops: RollupNode[], rolled: Map<number, Rolled>) {
  return combine(tops.map((t) => ({ rolled: rolled.get(t.id)!, weight: t.weight, status: t.status })))
}
