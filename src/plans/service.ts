/**
 * Action plans (issue 11, first part). A plan belongs to an agreement version and is a tree under the version's
 * priorities: priority (level 1, the agreement's own) -> objective -> action -> sub-action, at most four levels.
 * Each item has an owner, a lead, dates, a status and progress, a weight, milestones and links to the assurance
 * framework's development areas; parents roll up their children (rollup.ts). Every change is audited through
 * platform/records.ts, and each status or progress change adds to the item's timeline (plan_item_updates).
 *
 * Other capabilities are reached through their services: the agreement (versions, priorities and their lineage),
 * assurance (development areas), organisations and accounts. When a new agreement version is made, open items carry
 * over to the priorities that continue theirs (agreement.onVersionCreated, registered in src/services.ts).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction, maybeOne } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { createRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError, ForbiddenError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import type { Analytics } from '../platform/analytics.ts'
import { lineOf, stageCsv } from '../platform/csv-stage.ts'
import type { Role } from '../platform/auth/service.ts'
import type { AuthService } from '../platform/auth/service.ts'
import type { OrganisationService } from '../organisations/service.ts'
import type { AgreementService, PriorityRow, VersionRow } from '../agreement/service.ts'
import type { AssuranceService, DevelopmentAreaListing } from '../assurance/service.ts'
import type { ScorecardService } from '../scorecard/service.ts'
import { ItemInput, UpdateInput, KINDS, LIMITS, type Kind } from './schema.ts'
import { DEFAULT_PROGRESS, STATUSES, STATUS_LABELS, rollUp, rollUpTops, type Rolled, type Status } from './rollup.ts'

/** The deepest level an item may sit at (the priority is level 1). */
export const MAX_LEVEL = 4
export const OPEN: Status[] = ['not-started', 'on-track', 'at-risk', 'off-track']

export interface PlanItemRow {
  id: number
  partnership_id: number
  agreement_version_id: number
  priority_id: number
  parent_id: number | null
  external_id: string | null
  kind: Kind
  title: string
  description: string | null
  organisation_id: number | null
  lead_user_id: number | null
  lead_name: string | null
  lead_email: string | null
  start_date: string | null
  due_date: string | null
  status: Status
  progress: number
  weight: number
  milestones: string[]
  position: number
  carried_from_id: number | null
  version: number
  created_at: Date
  updated_at: Date
  updated_by: number | null
}

export interface UpdateRow {
  id: number
  plan_item_id: number
  kind: 'update' | 'created' | 'imported' | 'carried-over' | 'return'
  status: Status
  progress: number
  narrative: string | null
  created_at: Date
  created_by: number | null
}

/** An item as a page shows it: where it sits, its names and its rolled-up figures. */
export interface PlanItem extends PlanItemRow {
  level: number
  organisationName: string | null
  priorityNumber: number
  rolled: Rolled
  developmentAreaIds: number[]
  /** Linked scorecard indicators (stored indicators' ids). */
  indicatorIds: number[]
  childCount: number
}

export interface PlanPriority {
  priority: PriorityRow
  items: PlanItem[]
  rolled: { progress: number; status: Status } | undefined
}

export interface AreaWithActions extends DevelopmentAreaListing {
  /** The priority of this plan's version that continues the area's priority (by lineage), if any. */
  planPriority: PriorityRow | undefined
  sourcePriorityNumber: number | undefined
  actions: PlanItem[]
}

export interface Plan {
  version: VersionRow
  versions: VersionRow[]
  priorities: PlanPriority[]
  items: PlanItem[]
  /** Items carried over from an earlier version's plan, with the version they came from. */
  carried: { item: PlanItem; fromVersionNumber: number | null }[]
  developmentAreas: AreaWithActions[]
  /** The scorecard indicators the plan's items link to (id, code, name). */
  indicators: { id: number; code: string; name: string }[]
}

/** Who is changing an item: their role in the partnership, account and organisation (contributors: their own only). */
export interface Updater {
  role?: Role
  userId?: number | null
  organisationId?: number | null
}

const num = (v: unknown) => Number(v)

/** The CSV columns of a whole plan (the export's, and what the import reads; other columns are ignored). */
export const CSV_COLUMNS = [
  'external_id',
  'parent_external_id',
  'priority',
  'kind',
  'title',
  'description',
  'owner',
  'lead_name',
  'lead_email',
  'start_date',
  'due_date',
  'status',
  'progress',
  'weight',
  'milestones',
  'indicators',
] as const
type CsvColumn = (typeof CSV_COLUMNS)[number]

export interface ImportResult {
  problems: string[]
  created: number
  updated: number
  unchanged: number
}

export function planService(
  db: Db,
  analytics: Analytics,
  deps: {
    agreement: AgreementService
    assurance: AssuranceService
    organisations: OrganisationService
    auth: AuthService
    scorecard: Pick<ScorecardService, 'stored'>
  },
) {
  const inTx = <T>(tx: Queryable | undefined, fn: (q: Queryable) => Promise<T>) => inTransaction(db, tx, fn)

  async function rowsOf(versionId: number, q: Queryable = db): Promise<PlanItemRow[]> {
    const rows = await q.query<PlanItemRow>('SELECT * FROM plan_items WHERE agreement_version_id = $1 ORDER BY position, id', [versionId])
    return rows.map((r) => ({ ...r, weight: num(r.weight) }))
  }

  async function itemRow(partnershipId: number, id: number, q: Queryable = db): Promise<PlanItemRow> {
    const row = await maybeOne<PlanItemRow>(q, 'SELECT * FROM plan_items WHERE id = $1 AND partnership_id = $2', [id, partnershipId])
    if (!row) throw new NotFoundError()
    return { ...row, weight: num(row.weight) }
  }

  async function linksOf(versionId: number, q: Queryable = db) {
    const rows = await q.query<{ plan_item_id: number; development_area_id: number }>(
      'SELECT l.* FROM plan_item_development_areas l JOIN plan_items i ON i.id = l.plan_item_id WHERE i.agreement_version_id = $1',
      [versionId],
    )
    const out = new Map<number, number[]>()
    for (const r of rows) out.set(r.plan_item_id, [...(out.get(r.plan_item_id) ?? []), r.development_area_id])
    return out
  }

  async function indicatorLinksOf(versionId: number, q: Queryable = db) {
    const rows = await q.query<{ plan_item_id: number; indicator_id: number }>(
      'SELECT l.* FROM plan_item_indicators l JOIN plan_items i ON i.id = l.plan_item_id WHERE i.agreement_version_id = $1 ORDER BY l.indicator_id',
      [versionId],
    )
    const out = new Map<number, number[]>()
    for (const r of rows) out.set(r.plan_item_id, [...(out.get(r.plan_item_id) ?? []), r.indicator_id])
    return out
  }

  async function checkIndicators(q: Queryable, partnershipId: number, ids: number[] | undefined) {
    if (!ids?.length) return
    const known = new Set((await deps.scorecard.stored(partnershipId, q)).map((i) => i.id))
    if (ids.some((id) => !known.has(id)))
      throw new ValidationError({ indicatorIds: "Choose indicators of this partnership's scorecard: one chosen is not on it" })
  }

  async function setIndicators(q: Queryable, itemId: number, ids: number[]) {
    await q.query('DELETE FROM plan_item_indicators WHERE plan_item_id = $1', [itemId])
    for (const id of [...new Set(ids)])
      await q.query('INSERT INTO plan_item_indicators (plan_item_id, indicator_id) VALUES ($1, $2)', [itemId, id])
  }

  async function versionOf(partnershipId: number, versionId: number, q: Queryable = db) {
    const v = await deps.agreement.getVersionById(versionId, q)
    if (v.partnership_id !== partnershipId) throw new NotFoundError()
    return v
  }

  /** The items of a version, in tree order (each parent before its children), with levels and roll-ups. */
  async function assemble(versionId: number, q: Queryable = db) {
    const rows = await rowsOf(versionId, q)
    const priorities = await deps.agreement.priorities(versionId, q)
    const links = await linksOf(versionId, q)
    const indicatorLinks = await indicatorLinksOf(versionId, q)
    const names = await deps.organisations.names([...new Set(rows.map((r) => r.organisation_id).filter((x): x is number => !!x))], q)
    const rolled = rollUp(rows.map((r) => ({ id: r.id, parentId: r.parent_id, status: r.status, progress: r.progress, weight: r.weight })))
    const children = new Map<number | null, PlanItemRow[]>()
    const ids = new Set(rows.map((r) => r.id))
    for (const r of rows) {
      const key = r.parent_id !== null && ids.has(r.parent_id) ? r.parent_id : null
      if (key === null) children.set(-r.priority_id, [...(children.get(-r.priority_id) ?? []), r])
      else children.set(key, [...(children.get(key) ?? []), r])
    }
    const planPriorities: PlanPriority[] = []
    const all: PlanItem[] = []
    for (const p of priorities) {
      const items: PlanItem[] = []
      const walk = (r: PlanItemRow, level: number) => {
        const kids = children.get(r.id) ?? []
        items.push({
          ...r,
          level,
          organisationName: r.organisation_id ? (names.get(r.organisation_id) ?? null) : null,
          priorityNumber: p.number,
          rolled: rolled.get(r.id)!,
          developmentAreaIds: links.get(r.id) ?? [],
          indicatorIds: indicatorLinks.get(r.id) ?? [],
          childCount: kids.length,
        })
        for (const k of kids) walk(k, level + 1)
      }
      const tops = children.get(-p.id) ?? []
      for (const t of tops) walk(t, 2)
      planPriorities.push({
        priority: p,
        items,
        rolled: rollUpTops(
          tops.map((t) => ({ id: t.id, parentId: null, status: t.status, progress: t.progress, weight: t.weight })),
          rolled,
        ),
      })
      all.push(...items)
    }
    return { priorities: planPriorities, items: all, rows }
  }

  /** The level an item would sit at under `parentId` (2 directly under its priority), and its parent's row. */
  async function placement(q: Queryable, versionId: number, parentId: number | null | undefined, selfId?: number) {
    if (!parentId) return { level: 2, parent: undefined }
    const rows = await rowsOf(versionId, q)
    const byId = new Map(rows.map((r) => [r.id, r]))
    const parent = byId.get(parentId)
    if (!parent) throw new ValidationError({ parentId: 'Choose an item of this plan for it to be part of' })
    let level = 2
    let at: PlanItemRow | undefined = parent
    const seen = new Set<number>()
    while (at) {
      if (selfId !== undefined && at.id === selfId)
        throw new ValidationError({ parentId: 'An item cannot be part of itself or of an item beneath it: choose another' })
      if (seen.has(at.id)) break
      seen.add(at.id)
      level++
      at = at.parent_id ? byId.get(at.parent_id) : undefined
    }
    return { level, parent, rows }
  }

  /** How many levels lie beneath an item (0 for a leaf). */
  function heightOf(rows: PlanItemRow[], id: number): number {
    const kids = rows.filter((r) => r.parent_id === id)
    return kids.length ? 1 + Math.max(...kids.map((k) => heightOf(rows, k.id))) : 0
  }

  async function leadValues(data: { leadName?: string | null; leadEmail?: string | null }, q: Queryable) {
    const email = data.leadEmail?.trim().toLowerCase() || null
    const user = email ? await deps.auth.findUserByEmail(email, q) : undefined
    return { lead_user_id: user?.id ?? null, lead_name: data.leadName?.trim() || user?.name || null, lead_email: email }
  }

  async function checkOrganisation(q: Queryable, id: number | null | undefined) {
    if (id && !(await deps.organisations.name(id, q)))
      throw new ValidationError({ organisationId: 'Choose an organisation from the list: the one chosen does not exist' })
  }

  function checkDates(start: string | null | undefined, due: string | null | undefined) {
    if (start && due && due < start) throw new ValidationError({ dueDate: 'The due date must be the same as or after the start date' })
  }

  async function checkAreas(q: Queryable, partnershipId: number, ids: number[] | undefined) {
    if (!ids?.length) return
    const known = new Set((await deps.assurance.developmentAreas(partnershipId, q)).map((a) => a.id))
    if (ids.some((id) => !known.has(id)))
      throw new ValidationError({ developmentAreaIds: 'Choose development areas of this partnership: one chosen does not exist' })
  }

  async function setAreas(q: Queryable, itemId: number, ids: number[]) {
    await q.query('DELETE FROM plan_item_development_areas WHERE plan_item_id = $1', [itemId])
    for (const id of [...new Set(ids)])
      await q.query('INSERT INTO plan_item_development_areas (plan_item_id, development_area_id) VALUES ($1, $2)', [itemId, id])
  }

  async function addTimeline(
    q: Queryable,
    item: PlanItemRow,
    entry: { kind: UpdateRow['kind']; narrative?: string | null },
    actor: Actor,
  ): Promise<UpdateRow> {
    return createRecord<UpdateRow>(
      q,
      'plan_item_updates',
      { plan_item_id: item.id, kind: entry.kind, status: item.status, progress: item.progress, narrative: entry.narrative ?? null },
      {
        actor,
        partnershipId: item.partnership_id,
        entity: 'plan_item_update',
        summary: `${item.title}: ${STATUS_LABELS[item.status]}, ${item.progress}%`,
      },
    )
  }

  async function externalIdFree(q: Queryable, versionId: number, externalId: string, exceptId?: number) {
    const row = await maybeOne(
      q,
      'SELECT 1 FROM plan_items WHERE agreement_version_id = $1 AND external_id = $2 AND id IS DISTINCT FROM $3',
      [versionId, externalId, exceptId ?? null],
    )
    if (row) throw new ValidationError({ externalId: `Another item of this plan already has the external id ${externalId}` })
  }

  /** Insert one item (checked by the caller), with an external id of its own when none is given, and its timeline's first entry. */
  async function insertItem(
    q: Queryable,
    values: Omit<Partial<PlanItemRow>, 'milestones'> & {
      partnership_id: number
      agreement_version_id: number
      priority_id: number
      title: string
      milestones?: string[]
    },
    actor: Actor,
    entry: { kind: UpdateRow['kind']; narrative?: string | null },
  ) {
    const [{ id }] = await q.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('plan_items', 'id'))::int AS id`)
    const [{ position }] = await q.query<{ position: number }>(
      'SELECT coalesce(max(position), 0)::int + 1 AS position FROM plan_items WHERE agreement_version_id = $1',
      [values.agreement_version_id],
    )
    const row = await createRecord<PlanItemRow>(
      q,
      'plan_items',
      { ...values, id, external_id: values.external_id || `safer-${id}`, milestones: values.milestones ?? [], position },
      { actor, partnershipId: values.partnership_id, entity: 'plan_item', summary: values.title },
    )
    const item = { ...row, weight: num(row.weight) }
    await addTimeline(q, item, entry, actor)
    return item
  }

  function mayUpdate(who: Updater, item: PlanItemRow) {
    if (who.role === 'admin' || who.role === 'editor') return true
    if (who.role !== 'contributor') return false
    return (!!who.organisationId && who.organisationId === item.organisation_id) || (!!who.userId && who.userId === item.lead_user_id)
  }

  // ---- Carry-over ----

  /**
   * Copy the open items of `from`'s plan to `to`'s, under the priorities of `to` that continue theirs (same
   * lineage). An open item comes with the items above it (so the tree keeps its shape); an item already carried
   * over is not copied again, so this can run twice. Closed and complete items stay behind unless they sit above an
   * open one. Returns what was copied and the open items left behind (their priority does not continue).
   */
  async function carryOver(q: Queryable, from: VersionRow, to: VersionRow, actor: Actor) {
    const rows = await rowsOf(from.id, q)
    if (!rows.length) return { carried: 0, leftBehind: [] as PlanItemRow[] }
    const byId = new Map(rows.map((r) => [r.id, r]))
    const fromPriorities = new Map((await deps.agreement.priorities(from.id, q)).map((p) => [p.id, p]))
    const toByLineage = new Map((await deps.agreement.priorities(to.id, q)).map((p) => [p.lineage_id, p]))
    const already = new Map(
      (
        await q.query<{ id: number; carried_from_id: number }>(
          'SELECT id, carried_from_id FROM plan_items WHERE agreement_version_id = $1 AND carried_from_id IS NOT NULL',
          [to.id],
        )
      ).map((r) => [r.carried_from_id, r.id]),
    )
    const wanted = new Set<number>()
    const leftBehind: PlanItemRow[] = []
    for (const r of rows) {
      if (!OPEN.includes(r.status)) continue
      const target = toByLineage.get(fromPriorities.get(r.priority_id)?.lineage_id ?? -1)
      if (!target) {
        leftBehind.push(r)
        continue
      }
      for (let at: PlanItemRow | undefined = r; at; at = at.parent_id ? byId.get(at.parent_id) : undefined) wanted.add(at.id)
    }
    const newId = new Map(already)
    const links = await linksOf(from.id, q)
    const indicatorLinks = await indicatorLinksOf(from.id, q)
    let carried = 0
    const copy = async (r: PlanItemRow): Promise<void> => {
      if (newId.has(r.id)) return
      if (r.parent_id && wanted.has(r.parent_id)) await copy(byId.get(r.parent_id)!)
      const target = toByLineage.get(fromPriorities.get(r.priority_id)!.lineage_id)!
      const clash = r.external_id
        ? await maybeOne(q, 'SELECT 1 FROM plan_items WHERE agreement_version_id = $1 AND external_id = $2', [to.id, r.external_id])
        : undefined
      const item = await insertItem(
        q,
        {
          partnership_id: r.partnership_id,
          agreement_version_id: to.id,
          priority_id: target.id,
          parent_id: r.parent_id ? (newId.get(r.parent_id) ?? null) : null,
          external_id: clash ? null : r.external_id,
          kind: r.kind,
          title: r.title,
          description: r.description,
          organisation_id: r.organisation_id,
          lead_user_id: r.lead_user_id,
          lead_name: r.lead_name,
          lead_email: r.lead_email,
          start_date: r.start_date,
          due_date: r.due_date,
          status: r.status,
          progress: r.progress,
          weight: r.weight,
          milestones: r.milestones,
          carried_from_id: r.id,
        },
        actor,
        { kind: 'carried-over', narrative: `Carried over from the plan of version ${from.number}` },
      )
      await setAreas(q, item.id, links.get(r.id) ?? [])
      await setIndicators(q, item.id, indicatorLinks.get(r.id) ?? [])
      newId.set(r.id, item.id)
      carried++
    }
    for (const r of rows) if (wanted.has(r.id)) await copy(r)
    return { carried, leftBehind }
  }

  // ---- CSV import ----

  interface CsvRow {
    line: number
    values: Record<CsvColumn, string>
  }

  const DATE_ISO = /^(\d{4})-(\d{2})-(\d{2})$/
  const DATE_UK = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/
  function parseDate(s: string): string | null | undefined {
    if (!s) return null
    let y: string, m: string, d: string
    const iso = DATE_ISO.exec(s)
    const uk = DATE_UK.exec(s)
    if (iso) [, y, m, d] = iso
    else if (uk) [, d, m, y] = uk
    else return undefined
    const text = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
    const date = new Date(`${text}T00:00:00Z`)
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text ? text : undefined
  }
  const statusOf = (s: string): Status | null | undefined => {
    if (!s) return null
    const k = s
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, '-')
    return (STATUSES as readonly string[]).includes(k) ? (k as Status) : undefined
  }
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

  async function readCsv(file: string, filename: string): Promise<{ rows: CsvRow[]; problems: string[]; hasIndicators?: boolean }> {
    const first =
      fs
        .readFileSync(file, 'utf8')
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)[0] ?? ''
    const header = first.split(',').map((h) =>
      h
        .trim()
        .replace(/^"|"$/g, '')
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_'),
    )
    const problems: string[] = []
    if (!header.includes('external_id') || !header.includes('title'))
      return {
        rows: [],
        problems: [
          `${filename}:1: header: expected at least the columns external_id and title (the plan's download has every column: ${CSV_COLUMNS.join(',')}), found ${first.trim() || 'nothing'}`,
        ],
      }
    const names = header.map((h, i) => (/^[a-z_][a-z0-9_]*$/.test(h) && header.indexOf(h) === i ? h : `ignored_${i}`))
    const { rows, rejected } = await analytics.withConnection(async (q) => {
      const table = `plan_import_${crypto.randomBytes(6).toString('hex')}`
      try {
        const staged = (await stageCsv(q, table, [file], names)).get(file)!
        const wanted = CSV_COLUMNS.filter((c) => names.includes(c))
        const rows = await q.all<Record<string, string | null>>(`SELECT ${wanted.join(', ')} FROM ${table} ORDER BY rowid`)
        return { rows, rejected: staged.rejected }
      } finally {
        await q.run(`DROP TABLE IF EXISTS ${table}`)
      }
    })
    const rejectedLines = rejected.map((r) => r.line).sort((a, b) => a - b)
    for (const r of rejected) problems.push(`${filename}:${r.line}: ${r.reason}`)
    if (!rows.length && !rejected.length) problems.push(`${filename}:2: the file has a header but no rows`)
    return {
      hasIndicators: names.includes('indicators'),
      rows: rows.map((r, k) => ({
        line: lineOf(k, rejectedLines),
        values: Object.fromEntries(CSV_COLUMNS.map((c) => [c, (r[c] ?? '').trim()])) as Record<CsvColumn, string>,
      })),
      problems,
    }
  }

  /** Check every row against the plan of `version`; returns the problems (each "file:line: column: reason") and the rows' values. */
  async function checkImport(
    version: VersionRow,
    rows: CsvRow[],
    filename: string,
    organisations: { id: number; name: string }[],
    q: Queryable,
    indicators: { id: number | null; code: string }[] = [],
  ) {
    const problems: { line: number; text: string }[] = []
    const at = (line: number, field: string, what: string) => problems.push({ line, text: `${filename}:${line}: ${field}: ${what}` })
    const priorities = await deps.agreement.priorities(version.id, q)
    const byNumber = new Map(priorities.map((p) => [p.number, p]))
    const existing = await rowsOf(version.id, q)
    const existingByExt = new Map(existing.filter((r) => r.external_id).map((r) => [r.external_id!, r]))
    const orgs = new Map(organisations.map((o) => [o.name.trim().toLowerCase(), o.id]))
    const seen = new Map<string, number>()
    type Checked = {
      line: number
      ext: string
      parentExt: string | null
      priorityNumber: number | null
      values: Partial<PlanItemRow> & { title: string }
      indicatorIds: number[]
    }
    const checked: Checked[] = []
    for (const { line, values: v } of rows) {
      const before = problems.length
      if (!v.external_id) at(line, 'external_id', 'expected an id for the item (any text, unique in the file), found nothing')
      else if (v.external_id.length > LIMITS.externalId)
        at(line, 'external_id', `expected at most ${LIMITS.externalId} characters, found ${v.external_id.length}`)
      else if (seen.has(v.external_id)) at(line, 'external_id', `"${v.external_id}" is also the id of line ${seen.get(v.external_id)}`)
      else seen.set(v.external_id, line)
      if (!v.title) at(line, 'title', 'expected a title, found nothing')
      else if (v.title.length > LIMITS.title) at(line, 'title', `expected at most ${LIMITS.title} characters, found ${v.title.length}`)
      let priorityNumber: number | null = null
      if (v.priority) {
        if (!/^\d+$/.test(v.priority) || !byNumber.has(Number(v.priority)))
          at(
            line,
            'priority',
            `expected the number of a priority of version ${version.number} (${priorities.map((p) => p.number).join(', ') || 'it has none'}), found "${v.priority}"`,
          )
        else priorityNumber = Number(v.priority)
      } else if (!v.parent_external_id)
        at(line, 'priority', 'expected the number of the priority the item serves (or a parent_external_id), found nothing')
      const kind = v.kind ? v.kind.toLowerCase() : 'action'
      if (!(KINDS as readonly string[]).includes(kind)) at(line, 'kind', `expected objective or action, found "${v.kind}"`)
      let organisationId: number | null = null
      if (v.owner) {
        const id = orgs.get(v.owner.toLowerCase())
        if (!id) at(line, 'owner', `expected the name of an organisation in the directory, found "${v.owner}", which is not one`)
        else organisationId = id
      }
      if (v.lead_email && (!EMAIL.test(v.lead_email) || v.lead_email.length > LIMITS.email))
        at(line, 'lead_email', `expected an email address, like name@example.org, found "${v.lead_email}"`)
      if (v.lead_name.length > LIMITS.name) at(line, 'lead_name', `expected at most ${LIMITS.name} characters`)
      const start = parseDate(v.start_date)
      const due = parseDate(v.due_date)
      if (start === undefined) at(line, 'start_date', `expected a date like 2021-03-31 or 31/03/2021, found "${v.start_date}"`)
      if (due === undefined) at(line, 'due_date', `expected a date like 2021-03-31 or 31/03/2021, found "${v.due_date}"`)
      if (start && due && due < start) at(line, 'due_date', `the due date ${due} is before the start date ${start}`)
      const status = statusOf(v.status)
      if (status === undefined)
        at(line, 'status', `expected one of ${STATUSES.map((s) => STATUS_LABELS[s].toLowerCase()).join(', ')}, found "${v.status}"`)
      let progress: number | null = null
      if (v.progress) {
        const n = Number(v.progress.replace(/%$/, ''))
        if (!/^-?\d+(\.\d+)?%?$/.test(v.progress) || !Number.isInteger(n) || n < 0 || n > 100)
          at(line, 'progress', `expected a whole number from 0 to 100, found "${v.progress}"`)
        else progress = n
      }
      let weight = 1
      if (v.weight) {
        const n = Number(v.weight)
        if (!/^\d+(\.\d+)?$/.test(v.weight) || n <= 0 || n > 1000)
          at(line, 'weight', `expected a number greater than 0 and at most 1000, found "${v.weight}"`)
        else weight = n
      }
      const milestones = v.milestones
        ? v.milestones
            .split('|')
            .map((m) => m.trim())
            .filter(Boolean)
        : []
      if (milestones.length > LIMITS.milestones || milestones.some((m) => m.length > LIMITS.milestone))
        at(
          line,
          'milestones',
          `expected at most ${LIMITS.milestones} milestones of at most ${LIMITS.milestone} characters each, separated by |`,
        )
      if (v.description.length > LIMITS.description) at(line, 'description', `expected at most ${LIMITS.description} characters`)
      // Indicators: the scorecard's codes (or ids), separated by ;
      const indicatorIds: number[] = []
      if (v.indicators) {
        const tokens = v.indicators
          .split(';')
          .map((x) => x.trim())
          .filter(Boolean)
        const unknown: string[] = []
        for (const tok of tokens) {
          const found = indicators.find((i) => i.code.toLowerCase() === tok.toLowerCase() || (/^\d+$/.test(tok) && i.id === Number(tok)))
          if (found?.id) indicatorIds.push(found.id)
          else unknown.push(`"${tok}"`)
        }
        if (unknown.length)
          at(
            line,
            'indicators',
            `${unknown.length === 1 ? 'an indicator' : 'indicators'} not on the partnership's scorecard: ${unknown.join(', ')} (expected its codes, separated by ;${indicators.length ? `: ${indicators.map((i) => i.code).join('; ')}` : ': it has none yet'})`,
          )
      }
      if (problems.length > before) continue
      const s = status ?? 'not-started'
      checked.push({
        line,
        ext: v.external_id,
        parentExt: v.parent_external_id || null,
        priorityNumber,
        indicatorIds: [...new Set(indicatorIds)].sort((a, b) => a - b),
        values: {
          kind: kind as Kind,
          title: v.title,
          description: v.description || null,
          organisation_id: organisationId,
          lead_name: v.lead_name || null,
          lead_email: v.lead_email ? v.lead_email.toLowerCase() : null,
          start_date: start ?? null,
          due_date: due ?? null,
          status: s,
          progress: progress ?? DEFAULT_PROGRESS[s],
          weight,
          milestones,
        },
      })
    }
    // The tree: parents named in the file or already in the plan, no cycles, at most four levels, one priority per branch.
    const lineOfExt = new Map(rows.map((r) => [r.values.external_id, r.line]))
    const parentOf = new Map<string, string | null>()
    for (const e of existing)
      if (e.external_id) parentOf.set(e.external_id, existing.find((x) => x.id === e.parent_id)?.external_id ?? null)
    for (const r of rows) if (r.values.external_id) parentOf.set(r.values.external_id, r.values.parent_external_id || null)
    const known = (ext: string) => lineOfExt.has(ext) || existingByExt.has(ext)
    for (const c of checked) {
      if (!c.parentExt) continue
      if (c.parentExt === c.ext) {
        at(c.line, 'parent_external_id', 'an item cannot be its own parent')
        continue
      }
      if (!known(c.parentExt)) {
        at(c.line, 'parent_external_id', `expected the external_id of another item in the file or the plan, found "${c.parentExt}"`)
        continue
      }
      const path = [c.ext]
      let cur: string | null = c.parentExt
      let cycle = false
      while (cur) {
        if (path.includes(cur)) {
          cycle = true
          break
        }
        path.push(cur)
        cur = parentOf.get(cur) ?? null
      }
      if (cycle) at(c.line, 'parent_external_id', `the items form a cycle: ${[...path, cur].join(' → ')}`)
      else if (path.length + 1 > MAX_LEVEL)
        at(
          c.line,
          'parent_external_id',
          `the item would be at level ${path.length + 1} (priority → ${path.reverse().join(' → ')}): a plan has at most ${MAX_LEVEL} levels`,
        )
    }
    problems.sort((a, b) => a.line - b.line)
    return { problems: problems.map((p) => p.text), checked, byNumber, existingByExt }
  }

  // ---- The service ----

  return {
    MAX_LEVEL,
    mayUpdate,

    /** The plan of one agreement version (the latest, when none is named). Members only (routes: viewer). */
    async plan(partnershipId: number, versionNumber?: number, q: Queryable = db): Promise<Plan | undefined> {
      const versions = await deps.agreement.listVersions(partnershipId, { includeUnpublished: true }, q)
      // The latest: the newest agreed version, else the newest of any status (as agreement.latestVersion).
      const agreed = versions.filter((v) => v.status === 'agreed')
      const version =
        versionNumber !== undefined
          ? versions.find((v) => v.number === versionNumber)
          : (agreed[agreed.length - 1] ?? versions[versions.length - 1])
      if (versionNumber !== undefined && !version) throw new NotFoundError()
      if (!version) return undefined
      const { priorities, items } = await assemble(version.id, q)
      const carriedFrom = items.filter((i) => i.carried_from_id)
      const fromVersions = new Map<number, number>()
      if (carriedFrom.length) {
        const src = await q.query<{ id: number; agreement_version_id: number }>(
          'SELECT id, agreement_version_id FROM plan_items WHERE id = ANY($1::int[])',
          [carriedFrom.map((i) => i.carried_from_id)],
        )
        for (const s of src) fromVersions.set(s.id, versions.find((v) => v.id === s.agreement_version_id)?.number ?? 0)
      }
      return {
        version,
        versions,
        priorities,
        items,
        carried: carriedFrom.map((item) => ({ item, fromVersionNumber: fromVersions.get(item.carried_from_id!) ?? null })),
        developmentAreas: await this.developmentAreas(partnershipId, version, items, q),
        indicators: items.some((i) => i.indicatorIds.length)
          ? (await deps.scorecard.stored(partnershipId, q))
              .filter((i) => i.id !== null)
              .map((i) => ({ id: i.id!, code: i.code, name: i.name }))
          : [],
      }
    },

    /** The development areas that map to this version's priorities (by lineage), each with its actions in this plan. */
    async developmentAreas(partnershipId: number, version: VersionRow, items: PlanItem[], q: Queryable = db): Promise<AreaWithActions[]> {
      const areas = await deps.assurance.developmentAreas(partnershipId, q)
      const lineageOf = new Map<number, PriorityRow>()
      for (const vid of new Set(areas.map((a) => a.agreement_version_id)))
        for (const p of await deps.agreement.priorities(vid, q)) lineageOf.set(p.id, p)
      const mine = new Map((await deps.agreement.priorities(version.id, q)).map((p) => [p.lineage_id, p]))
      return areas.map((a) => {
        const source = lineageOf.get(a.priority_id)
        return {
          ...a,
          sourcePriorityNumber: source?.number,
          planPriority: source ? mine.get(source.lineage_id) : undefined,
          actions: items.filter((i) => i.developmentAreaIds.includes(a.id)),
        }
      })
    },

    /** One item, with its place in the plan, its children and its timeline. */
    async item(partnershipId: number, id: number) {
      const row = await itemRow(partnershipId, id)
      const version = await deps.agreement.getVersionById(row.agreement_version_id)
      const { items, priorities } = await assemble(row.agreement_version_id)
      const item = items.find((i) => i.id === id)!
      const timeline = await db.query<UpdateRow>(
        'SELECT * FROM plan_item_updates WHERE plan_item_id = $1 ORDER BY created_at DESC, id DESC',
        [id],
      )
      const users = await deps.auth.usersByIds([...new Set(timeline.map((t) => t.created_by).filter((x): x is number => !!x))])
      const ancestors: PlanItem[] = []
      for (let at = item.parent_id; at;) {
        const a = items.find((i) => i.id === at)
        if (!a) break
        ancestors.unshift(a)
        at = a.parent_id
      }
      const areas = item.developmentAreaIds.length
        ? (await deps.assurance.developmentAreas(partnershipId)).filter((a) => item.developmentAreaIds.includes(a.id))
        : []
      return {
        item,
        version,
        priority: priorities.find((p) => p.priority.id === item.priority_id)!.priority,
        ancestors,
        children: items.filter((i) => i.parent_id === id),
        timeline: timeline.map((t) => ({ ...t, who: t.created_by ? (users.get(t.created_by)?.name ?? 'A former user') : 'Safer' })),
        areas,
        items,
      }
    },

    /** Items an item may be placed under: those of the same version above level 4, apart from itself and what lies beneath it. */
    async possibleParents(versionId: number, selfId?: number) {
      const { items } = await assemble(versionId)
      const beneath = new Set<number>()
      if (selfId) {
        beneath.add(selfId)
        let grew = true
        while (grew) {
          grew = false
          for (const i of items) {
            if (i.parent_id && beneath.has(i.parent_id) && !beneath.has(i.id)) {
              beneath.add(i.id)
              grew = true
            }
          }
        }
      }
      return items.filter((i) => i.level < MAX_LEVEL && !beneath.has(i.id))
    },

    /** A new item of the plan of version `versionId`. */
    async createItem(partnershipId: number, versionId: number, input: unknown, actor: Actor, tx?: Queryable): Promise<PlanItemRow> {
      const data = validate(ItemInput, input)
      checkDates(data.startDate, data.dueDate)
      return inTx(tx, async (q) => {
        const version = await versionOf(partnershipId, versionId, q)
        const { level, parent } = await placement(q, version.id, data.parentId)
        if (level > MAX_LEVEL)
          throw new ValidationError({
            parentId: `A plan has at most ${MAX_LEVEL} levels (priority, objective, action, sub-action): choose an item higher up`,
          })
        let priorityId = parent?.priority_id
        if (!priorityId) {
          const p = (await deps.agreement.priorities(version.id, q)).find((x) => x.id === data.priorityId)
          if (!p) throw new ValidationError({ priorityId: `Choose one of the priorities of version ${version.number}` })
          priorityId = p.id
        }
        await checkOrganisation(q, data.organisationId)
        await checkAreas(q, partnershipId, data.developmentAreaIds)
        await checkIndicators(q, partnershipId, data.indicatorIds)
        if (data.externalId) await externalIdFree(q, version.id, data.externalId)
        const status = (data.status ?? 'not-started') as Status
        const item = await insertItem(
          q,
          {
            partnership_id: partnershipId,
            agreement_version_id: version.id,
            priority_id: priorityId,
            parent_id: parent?.id ?? null,
            external_id: data.externalId || null,
            kind: (data.kind ?? (level === 2 ? 'objective' : 'action')) as Kind,
            title: data.title.trim(),
            description: data.description || null,
            organisation_id: data.organisationId ?? null,
            ...(await leadValues(data, q)),
            start_date: data.startDate ?? null,
            due_date: data.dueDate ?? null,
            status,
            progress: data.progress ?? DEFAULT_PROGRESS[status],
            weight: data.weight ?? 1,
            milestones: data.milestones ?? [],
          },
          actor,
          { kind: 'created' },
        )
        await setAreas(q, item.id, data.developmentAreaIds ?? [])
        await setIndicators(q, item.id, data.indicatorIds ?? [])
        return item
      })
    },

    /** Change an item (send the version you read). A change of status or progress goes on its timeline. */
    async updateItem(partnershipId: number, id: number, input: unknown, expectedVersion: number | undefined, actor: Actor, tx?: Queryable) {
      const data = validate(ItemInput, input)
      checkDates(data.startDate, data.dueDate)
      return inTx(tx, async (q) => {
        const before = await itemRow(partnershipId, id, q)
        const { level, parent, rows } = await placement(q, before.agreement_version_id, data.parentId, id)
        const height = heightOf(rows ?? (await rowsOf(before.agreement_version_id, q)), id)
        if (level + height > MAX_LEVEL)
          throw new ValidationError({
            parentId: `Moved there, the items beneath it would be at level ${level + height}: a plan has at most ${MAX_LEVEL} levels`,
          })
        let priorityId = parent?.priority_id ?? before.priority_id
        if (!parent && data.priorityId && data.priorityId !== before.priority_id) {
          const p = (await deps.agreement.priorities(before.agreement_version_id, q)).find((x) => x.id === data.priorityId)
          if (!p) throw new ValidationError({ priorityId: 'Choose one of the priorities of this version' })
          priorityId = p.id
        }
        await checkOrganisation(q, data.organisationId)
        await checkAreas(q, partnershipId, data.developmentAreaIds)
        await checkIndicators(q, partnershipId, data.indicatorIds)
        if (data.externalId) await externalIdFree(q, before.agreement_version_id, data.externalId, id)
        const status = (data.status ?? before.status) as Status
        const progress = data.progress ?? (status !== before.status ? DEFAULT_PROGRESS[status] : before.progress)
        const row = await updateRecord<PlanItemRow>(
          q,
          'plan_items',
          id,
          expectedVersion,
          {
            parent_id: parent?.id ?? null,
            priority_id: priorityId,
            external_id: data.externalId || before.external_id,
            kind: data.kind ?? before.kind,
            title: data.title.trim(),
            description: data.description || null,
            organisation_id: data.organisationId ?? null,
            ...(await leadValues(data, q)),
            start_date: data.startDate ?? null,
            due_date: data.dueDate ?? null,
            status,
            progress,
            weight: data.weight ?? before.weight,
            milestones: data.milestones ?? [],
          },
          { actor, partnershipId, entity: 'plan_item', summary: data.title },
        )
        // Its children follow it to another priority.
        if (priorityId !== before.priority_id) {
          const all = await rowsOf(before.agreement_version_id, q)
          const beneath = (pid: number): number[] => all.filter((r) => r.parent_id === pid).flatMap((r) => [r.id, ...beneath(r.id)])
          for (const cid of beneath(id))
            await updateRecord(q, 'plan_items', cid, undefined, { priority_id: priorityId }, { actor, partnershipId, entity: 'plan_item' })
        }
        if (data.developmentAreaIds) await setAreas(q, id, data.developmentAreaIds)
        if (data.indicatorIds) await setIndicators(q, id, data.indicatorIds)
        const item = { ...row, weight: num(row.weight) }
        if (item.status !== before.status || item.progress !== before.progress) await addTimeline(q, item, { kind: 'update' }, actor)
        return item
      })
    },

    /** A progress update: status, progress (the status's default when left out) and what has happened. */
    async addUpdate(partnershipId: number, id: number, input: unknown, who: Updater, actor: Actor, tx?: Queryable) {
      const data = validate(UpdateInput, input)
      return inTx(tx, async (q) => {
        const before = await itemRow(partnershipId, id, q)
        if (!mayUpdate(who, before))
          throw new ForbiddenError('Only editors, and contributors from the organisation that owns this item or its lead, may update it.')
        const progress = data.progress ?? (data.status !== before.status ? DEFAULT_PROGRESS[data.status as Status] : before.progress)
        const row = await updateRecord<PlanItemRow>(
          q,
          'plan_items',
          id,
          undefined,
          { status: data.status, progress },
          { actor, partnershipId, entity: 'plan_item', summary: `${before.title}: progress update` },
        )
        const item = { ...row, weight: num(row.weight) }
        return addTimeline(q, item, { kind: 'update', narrative: data.narrative?.trim() || null }, actor)
      })
    },

    /**
     * A development area becomes an action in one step: under the priority of `versionId` that continues the area's
     * priority, owned by that priority's first lead organisation, linked to the area. Refused when it already has one there.
     */
    async actionFromDevelopmentArea(partnershipId: number, areaId: number, versionId: number, actor: Actor, tx?: Queryable) {
      return inTx(tx, async (q) => {
        const version = await versionOf(partnershipId, versionId, q)
        const { items } = await assemble(version.id, q)
        const area = (await this.developmentAreas(partnershipId, version, items, q)).find((a) => a.id === areaId)
        if (!area) throw new NotFoundError()
        if (area.actions.length)
          throw new ValidationError({ form: `This development area already has an action in the plan of version ${version.number}` })
        if (!area.planPriority)
          throw new ValidationError({
            form: `Priority ${area.sourcePriorityNumber ?? ''} of that round does not continue into version ${version.number}, so the action has no priority to go under`,
          })
        const title = area.text.length > LIMITS.title ? `${area.text.slice(0, LIMITS.title - 1)}…` : area.text
        const item = await insertItem(
          q,
          {
            partnership_id: partnershipId,
            agreement_version_id: version.id,
            priority_id: area.planPriority.id,
            parent_id: null,
            kind: 'action',
            title,
            description: `${area.text}\n\nFrom the development areas of ${area.round_title} (${area.dimension}).`,
            organisation_id: area.planPriority.leads[0]?.id ?? null,
            status: 'not-started',
            progress: 0,
          },
          actor,
          { kind: 'created', narrative: `Made from a development area of ${area.round_title}` },
        )
        await setAreas(q, item.id, [area.id])
        return item
      })
    },

    /** Carry open items from the version `to` was copied from (or `fromNumber`) to `to`'s plan; see carryOver. */
    async carryOver(partnershipId: number, toVersionId: number, actor: Actor, fromNumber?: number, tx?: Queryable) {
      return inTx(tx, async (q) => {
        const to = await versionOf(partnershipId, toVersionId, q)
        const versions = await deps.agreement.listVersions(partnershipId, { includeUnpublished: true }, q)
        const from =
          fromNumber !== undefined
            ? versions.find((v) => v.number === fromNumber)
            : (versions.find((v) => v.id === to.based_on_id) ?? [...versions].reverse().find((v) => v.number < to.number))
        if (!from || from.id === to.id) throw new ValidationError({ fromVersion: 'Choose an earlier version whose plan to carry over' })
        return { from, ...(await carryOver(q, from, to, actor)) }
      })
    },

    /** The agreement's hook: a version copied from another starts with that version's open items. */
    async onVersionCreated(q: Queryable, version: VersionRow, from: VersionRow | undefined, actor: Actor) {
      if (from) await carryOver(q, from, version, actor)
    },

    /**
     * Check a plan CSV against the plan of `versionId` and, when it has no problems, save it in one transaction:
     * rows whose external_id is already in the plan update that item, others are added; items not in the file stay.
     * With any problem, nothing is saved and every problem is returned with its line.
     */
    async importCsv(partnershipId: number, versionId: number, file: string, filename: string, actor: Actor): Promise<ImportResult> {
      const version = await versionOf(partnershipId, versionId)
      const read = await readCsv(file, filename)
      if (read.problems.length && !read.rows.length) return { problems: read.problems, created: 0, updated: 0, unchanged: 0 }
      // Read before the transaction: PGlite has one connection, and the directory's list takes no transaction.
      const organisations = await deps.organisations.list()
      return db.transaction(async (q) => {
        const indicators = (await deps.scorecard.stored(partnershipId, q)).filter((i) => i.id !== null)
        const { problems, checked, byNumber, existingByExt } = await checkImport(version, read.rows, filename, organisations, q, indicators)
        const currentIndicators = await indicatorLinksOf(version.id, q)
        const all = [...read.problems, ...problems].sort((a, b) => Number(/:(\d+):/.exec(a)?.[1]) - Number(/:(\d+):/.exec(b)?.[1]))
        if (all.length) return { problems: all, created: 0, updated: 0, unchanged: 0 }
        const idOf = new Map([...existingByExt].map(([k, v]) => [k, v.id]))
        const byExt = new Map(checked.map((c) => [c.ext, c]))
        const done = new Set<string>()
        let created = 0
        let updated = 0
        let unchanged = 0
        const priorityOf = (c: (typeof checked)[number]): number => {
          if (c.parentExt) {
            const p = byExt.get(c.parentExt)
            return p ? priorityOf(p) : existingByExt.get(c.parentExt)!.priority_id
          }
          return byNumber.get(c.priorityNumber!)!.id
        }
        const save = async (c: (typeof checked)[number]): Promise<void> => {
          if (done.has(c.ext)) return
          done.add(c.ext)
          if (c.parentExt && byExt.has(c.parentExt)) await save(byExt.get(c.parentExt)!)
          const values = {
            ...c.values,
            ...(await leadValues({ leadName: c.values.lead_name, leadEmail: c.values.lead_email }, q)),
            priority_id: priorityOf(c),
            parent_id: c.parentExt ? idOf.get(c.parentExt)! : null,
          }
          const before = existingByExt.get(c.ext)
          if (!before) {
            const item = await insertItem(
              q,
              { partnership_id: partnershipId, agreement_version_id: version.id, external_id: c.ext, ...values },
              actor,
              { kind: 'imported', narrative: `Imported from ${filename}` },
            )
            if (read.hasIndicators && c.indicatorIds.length) await setIndicators(q, item.id, c.indicatorIds)
            idOf.set(c.ext, item.id)
            created++
            return
          }
          const changed = (Object.keys(values) as (keyof typeof values)[]).filter(
            (k) => JSON.stringify(values[k] ?? null) !== JSON.stringify((before as unknown as Record<string, unknown>)[k] ?? null),
          )
          // Indicators are set only by a file that has the column (a file without it leaves the links alone).
          const linksChanged =
            read.hasIndicators && JSON.stringify(currentIndicators.get(before.id) ?? []) !== JSON.stringify(c.indicatorIds)
          if (linksChanged) await setIndicators(q, before.id, c.indicatorIds)
          if (!changed.length) {
            if (linksChanged) updated++
            else unchanged++
            return
          }
          const row = await updateRecord<PlanItemRow>(q, 'plan_items', before.id, undefined, values, {
            actor,
            partnershipId,
            entity: 'plan_item',
            summary: `${values.title} (imported from ${filename})`,
          })
          if (row.status !== before.status || row.progress !== before.progress)
            await addTimeline(q, { ...row, weight: num(row.weight) }, { kind: 'imported', narrative: `Imported from ${filename}` }, actor)
          updated++
        }
        for (const c of checked) await save(c)
        return { problems: [], created, updated, unchanged }
      })
    },

    /** The rows of a plan's CSV (export): every item in tree order. */
    csvRows(plan: Plan) {
      const byId = new Map(plan.items.map((i) => [i.id, i]))
      const codes = new Map(plan.indicators.map((i) => [i.id, i.code]))
      return plan.items.map((i) => ({
        ...i,
        parentExternalId: i.parent_id ? (byId.get(i.parent_id)?.external_id ?? null) : null,
        indicatorCodes: i.indicatorIds.map((id) => codes.get(id) ?? String(id)),
      }))
    },

    /** The Action plan box on the partnership's overview page: for members only (plans name leads). */
    async overview(partnership: { id: number; slug: string }, opts: { includeUnpublished: boolean }) {
      if (!opts.includeUnpublished) return undefined
      const plan = await this.plan(partnership.id)
      if (!plan) return undefined
      const open = plan.items.filter((i) => OPEN.includes(i.status))
      const worrying = open.filter((i) => i.status === 'at-risk' || i.status === 'off-track').length
      const without = plan.developmentAreas.filter((a) => a.planPriority && !a.actions.length).length
      return {
        heading: 'Action plan',
        href: `/partnerships/${partnership.slug}/plan`,
        lines: plan.items.length
          ? [
              `Version ${plan.version.number}: ${plan.items.length === 1 ? '1 item' : `${plan.items.length} items`}, ${open.length} open, ${worrying} at risk or off track`,
              ...(without ? [`${without === 1 ? '1 development area' : `${without} development areas`} without an action`] : []),
            ]
          : ['No actions yet: add them, import a CSV file or make them from development areas'],
      }
    },

    /**
     * The partnership's actions in every version's plan, for other capabilities (funding: a grant allocation may
     * point to an action). Objectives are left out; newest version first.
     */
    async actionsFor(partnershipId: number, q: Queryable = db) {
      return q.query<{
        id: number
        agreement_version_id: number
        priority_id: number
        external_id: string | null
        title: string
        status: Status
        progress: number
        organisation_id: number | null
      }>(
        `SELECT id, agreement_version_id, priority_id, external_id, title, status, progress, organisation_id FROM plan_items
         WHERE partnership_id = $1 AND kind = 'action' ORDER BY agreement_version_id DESC, position, id`,
        [partnershipId],
      )
    },
  }
}

export type PlanService = ReturnType<typeof planService>
