/**
 * Publications of an assessment round: each is a frozen snapshot of what was approved when an editor published the
 * round (what the committee saw that day). Pure functions: building a snapshot from the working copy and the last
 * publication, comparing two snapshots cell by cell, and a canonical form to tell whether anything changed.
 */

export type CellStatus = 'submitted' | 'returned' | 'approved'

export interface SnapshotLevel {
  value: number
  label: string
  colour: string
  description: string | null
}
export interface SnapshotDimension {
  id: number
  name: string
  description: string | null
  position: number
  active: boolean
}
export interface SnapshotPriority {
  id: number
  lineage_id: number
  number: number
  title: string
  description: string | null
  leads: { id: number; name: string }[]
}
export interface SnapshotCell {
  dimensionId: number
  id: number | null
  rating: number | null
  findings: string[]
  developmentAreas: { id: number; position: number; text: string }[]
  carriedForward: boolean
}
export interface Snapshot {
  scale: SnapshotLevel[]
  columns: SnapshotDimension[]
  rows: { priority: SnapshotPriority; cells: SnapshotCell[] }[]
}

/** A cell of the working copy, as the snapshot needs it. */
export interface WorkingCell extends SnapshotCell {
  status: CellStatus
}

/**
 * What a new publication holds: for each priority and dimension, the working copy's cell if it is approved; otherwise
 * (waiting for approval, or returned) the cell as the last publication had it, or nothing if it was not in it. So a
 * change is public only once it is approved and the round is published again.
 */
export function buildSnapshot(
  working: { scale: SnapshotLevel[]; columns: SnapshotDimension[]; priorities: SnapshotPriority[]; cells: Map<string, WorkingCell> },
  last: Snapshot | undefined,
): Snapshot {
  const lastCell = new Map<string, SnapshotCell>()
  for (const r of last?.rows ?? []) for (const c of r.cells) lastCell.set(`${r.priority.id}:${c.dimensionId}`, c)
  return {
    scale: working.scale.map((l) => ({ value: l.value, label: l.label, colour: l.colour, description: l.description })),
    columns: working.columns.map((d) => ({ id: d.id, name: d.name, description: d.description, position: d.position, active: d.active })),
    rows: working.priorities.map((p) => ({
      priority: {
        id: p.id,
        lineage_id: p.lineage_id,
        number: p.number,
        title: p.title,
        description: p.description,
        leads: p.leads.map((l) => ({ id: l.id, name: l.name })),
      },
      cells: working.columns.flatMap((d): SnapshotCell[] => {
        const key = `${p.id}:${d.id}`
        const c = working.cells.get(key)
        const chosen = c && c.status === 'approved' ? c : lastCell.get(key)
        if (!chosen) return []
        return [
          {
            dimensionId: d.id,
            id: chosen.id,
            rating: chosen.rating,
            findings: [...chosen.findings],
            developmentAreas: chosen.developmentAreas.map((a) => ({ id: a.id, position: a.position, text: a.text })),
            carriedForward: chosen.carriedForward,
          },
        ]
      }),
    })),
  }
}

/** A JSON text with every object's keys in order, so a snapshot read back from jsonb compares equal to one just built. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value ?? null)
}

export function sameSnapshot(a: Snapshot, b: Snapshot) {
  return canonical(a) === canonical(b)
}

export function ratedCells(s: Snapshot) {
  return s.rows.reduce((n, r) => n + r.cells.filter((c) => c.rating !== null).length, 0)
}

/** One cell that differs between two publications. */
export interface CellDifference {
  priorityId: number
  priorityNumber: number
  priorityTitle: string
  dimensionId: number
  dimension: string
  ratingBefore: number | null
  ratingAfter: number | null
  labelBefore: string | null
  labelAfter: string | null
  ratingChanged: boolean
  findingsAdded: string[]
  findingsRemoved: string[]
  developmentAreasAdded: string[]
  developmentAreasRemoved: string[]
  carriedForwardBefore: boolean
  carriedForwardAfter: boolean
}

function added(before: string[], after: string[]) {
  const left = [...before]
  return after.filter((x) => {
    const i = left.indexOf(x)
    if (i < 0) return true
    left.splice(i, 1)
    return false
  })
}

/**
 * The cells that differ from `before` to `after` (two publications of one round, or the last publication and the
 * working copy), in the order of `after`'s priorities and dimensions: the rating before and after (with its label as
 * each publication had it) and the findings and development areas put in and taken out.
 */
export function snapshotDifferences(before: Snapshot | undefined, after: Snapshot): CellDifference[] {
  const beforeCell = new Map<string, SnapshotCell>()
  for (const r of before?.rows ?? []) for (const c of r.cells) beforeCell.set(`${r.priority.id}:${c.dimensionId}`, c)
  const labelBefore = new Map((before?.scale ?? []).map((l) => [l.value, l.label]))
  const labelAfter = new Map(after.scale.map((l) => [l.value, l.label]))
  const dimensionName = new Map([...(before?.columns ?? []), ...after.columns].map((d) => [d.id, d.name]))
  const out: CellDifference[] = []
  for (const row of after.rows) {
    const afterCells = new Map(row.cells.map((c) => [c.dimensionId, c]))
    const dims = [...new Set([...after.columns.map((d) => d.id), ...(before?.columns ?? []).map((d) => d.id)])]
    for (const dimensionId of dims) {
      const b = beforeCell.get(`${row.priority.id}:${dimensionId}`)
      const a = afterCells.get(dimensionId)
      if (!a && !b) continue
      const rb = b?.rating ?? null
      const ra = a?.rating ?? null
      const fb = b?.findings ?? []
      const fa = a?.findings ?? []
      const db = (b?.developmentAreas ?? []).map((x) => x.text)
      const da = (a?.developmentAreas ?? []).map((x) => x.text)
      const d: CellDifference = {
        priorityId: row.priority.id,
        priorityNumber: row.priority.number,
        priorityTitle: row.priority.title,
        dimensionId,
        dimension: dimensionName.get(dimensionId) ?? '',
        ratingBefore: rb,
        ratingAfter: ra,
        labelBefore: rb === null ? null : (labelBefore.get(rb) ?? String(rb)),
        labelAfter: ra === null ? null : (labelAfter.get(ra) ?? String(ra)),
        ratingChanged: rb !== ra,
        findingsAdded: added(fb, fa),
        findingsRemoved: added(fa, fb),
        developmentAreasAdded: added(db, da),
        developmentAreasRemoved: added(da, db),
        carriedForwardBefore: b?.carriedForward ?? false,
        carriedForwardAfter: a?.carriedForward ?? false,
      }
      const orderChanged = fb.join('\n') !== fa.join('\n') || db.join('\n') !== da.join('\n')
      if (
        d.ratingChanged ||
        d.findingsAdded.length ||
        d.findingsRemoved.length ||
        d.developmentAreasAdded.length ||
        d.developmentAreasRemoved.length ||
        orderChanged ||
        d.carriedForwardBefore !== d.carriedForwardAfter
      )
        out.push(d)
    }
  }
  return out
}
