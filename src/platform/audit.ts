/**
 * The audit trail: every create, update and delete, with who, when, which record, and the values
 * before and after. Written inside the same transaction as the change it describes, so the trail
 * and the data can never disagree.
 */
import type { Queryable } from './db/index.ts'
import { formatDateTime } from './errors.ts'
import { capitalise, formatDate } from './format.ts'
import { escapeHtml } from './html.ts'
import { defineTable } from './tables.ts'
import { Type, type Static } from '@sinclair/typebox'
import { ExportFormat } from './export.ts'
import { ValidationError } from './errors.ts'

export interface Actor {
  id: number | null
  name: string
}

export const systemActor: Actor = { id: null, name: 'Safer (system)' }

export interface AuditEntry {
  id: number
  at: Date
  user_id: number | null
  user_name: string | null
  action: 'create' | 'update' | 'delete'
  entity: string
  entity_id: string
  partnership_id: number | null
  summary: string | null
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
}

const HIDDEN = new Set(['password_hash', 'token_hash'])

function clean(row: Record<string, unknown> | null | undefined) {
  if (!row) return null
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(row)) if (!HIDDEN.has(k)) out[k] = v
  return out
}

export async function recordAudit(
  tx: Queryable,
  actor: Actor,
  e: {
    action: AuditEntry['action']
    entity: string
    entityId: string | number
    partnershipId?: number | null
    summary?: string
    before?: object | null
    after?: object | null
  },
) {
  await tx.query(
    `INSERT INTO audit_log (user_id, user_name, action, entity, entity_id, partnership_id, summary, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
    [
      actor.id,
      actor.name,
      e.action,
      e.entity,
      String(e.entityId),
      e.partnershipId ?? null,
      e.summary ?? null,
      e.before ? JSON.stringify(clean(e.before as any)) : null,
      e.after ? JSON.stringify(clean(e.after as any)) : null,
    ],
  )
}

/**
 * File a record's existing audit entries under a partnership: for a record that is itself the partnership, whose id
 * was not known when its creation was audited.
 */
export async function assignAuditToPartnership(tx: Queryable, entity: string, entityId: string | number, partnershipId: number) {
  await tx.query(`UPDATE audit_log SET partnership_id = $1 WHERE entity = $2 AND entity_id = $3 AND partnership_id IS NULL`, [
    partnershipId,
    entity,
    String(entityId),
  ])
}

/** The history of one record, newest first. */
export async function historyOf(db: Queryable, entity: string, entityId: string | number, partnershipId?: number): Promise<AuditEntry[]> {
  if (partnershipId !== undefined) {
    return db.query<AuditEntry>(
      `SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 AND partnership_id = $3 ORDER BY at DESC, id DESC`,
      [entity, String(entityId), partnershipId],
    )
  }
  return db.query<AuditEntry>(`SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY at DESC, id DESC`, [
    entity,
    String(entityId),
  ])
}

/** The audit log as a table: the page shows a page of entries, the download has them all (platform/tables.ts). */
export const auditTable = defineTable<AuditEntry & Partial<Explained>>([
  { key: 'at', header: 'When', value: (e) => new Date(e.at).toISOString(), text: (e) => formatDateTime(new Date(e.at)) },
  { key: 'user', header: 'Who', value: (e) => e.user_name },
  { key: 'action', value: (e) => e.action },
  { key: 'record_type', value: (e) => e.entity },
  { key: 'record_id', value: (e) => e.entity_id },
  {
    key: 'summary',
    header: 'What',
    value: (e) => e.summary,
    text: (e) => e.what ?? `${capitalise(e.action)} ${e.entity.replace(/_/g, ' ')}${e.summary ? `: ${e.summary}` : ''}`,
  },
  {
    key: 'changes',
    header: 'Changes',
    value: (e) => (e.changes ?? rawChanges(e)).map((c) => `${c.label}: ${c.before || '(none)'} -> ${c.after || '(none)'}`).join('; '),
    // The page shows the first four fields changed, in words; the download has every field with its values.
    html: (e) => {
      const changes = e.changes ?? rawChanges(e)
      return (
        changes
          .slice(0, 4)
          .map(
            (c) =>
              `<div><span class="govuk-!-font-weight-bold">${escapeHtml(c.label)}:</span> ${
                e.action === 'update' ? `${escapeHtml(short(c.before) || '(none)')} → ` : ''
              }${escapeHtml(short(e.action === 'delete' ? c.before : c.after) || '(none)')}</div>`,
          )
          .join('') + (changes.length > 4 ? `<div class="govuk-body-s">and ${changes.length - 4} more</div>` : '')
      )
    },
  },
  { key: 'before', value: (e) => (e.before ? JSON.stringify(e.before) : '') },
  { key: 'after', value: (e) => (e.after ? JSON.stringify(e.after) : '') },
  // Added after the first columns, so that scripts reading them by position still work.
  { key: 'record', value: (e) => e.recordName ?? null },
])

const short = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s)
const rawChanges = (e: AuditEntry): Change[] =>
  changedFields(e).map((c) => ({ field: c.field, label: humanise(c.field), before: plainWords(c.before), after: plainWords(c.after) }))

/** Fields that changed between before and after, for the History view. */
export function changedFields(entry: Pick<AuditEntry, 'before' | 'after'>) {
  const skip = new Set(['version', 'updated_at', 'updated_by', 'created_at', 'created_by'])
  const before = entry.before ?? {}
  const after = entry.after ?? {}
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !skip.has(k))
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => ({ field: k, before: before[k], after: after[k] }))
}

/** What the audit log can be narrowed to: who, what (the kind of record, the action) and when (dates, inclusive). */
export interface AuditFilter {
  partnershipId?: number
  userId?: number
  entity?: string
  action?: AuditEntry['action']
  /** 'YYYY-MM-DD', from the start of that day (UK time) */
  from?: string
  /** 'YYYY-MM-DD', to the end of that day (UK time) */
  to?: string
}

function auditWhere(filter: AuditFilter, params: unknown[]): string {
  const conds: string[] = []
  const add = (sql: string, v: unknown) => {
    params.push(v)
    conds.push(sql.replace('?', `$${params.length}`))
  }
  if (filter.partnershipId !== undefined) add('partnership_id = ?', filter.partnershipId)
  if (filter.userId !== undefined) add('user_id = ?', filter.userId)
  if (filter.entity !== undefined) add('entity = ?', filter.entity)
  if (filter.action !== undefined) add('action = ?', filter.action)
  // Days as the pages show times: in UK time (Europe/London), whatever the database server's own time zone.
  if (filter.from !== undefined) add(`at >= (?::date::timestamp AT TIME ZONE 'Europe/London')`, filter.from)
  if (filter.to !== undefined) add(`at < ((?::date + 1)::timestamp AT TIME ZONE 'Europe/London')`, filter.to)
  return conds.length ? `WHERE ${conds.join(' AND ')}` : ''
}

export async function auditLog(db: Queryable, filter: AuditFilter & { limit?: number; offset?: number } = {}): Promise<AuditEntry[]> {
  const params: unknown[] = []
  const where = auditWhere(filter, params)
  const limit = filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ''
  const offset = filter.offset ? `OFFSET ${Math.floor(filter.offset)}` : ''
  return db.query<AuditEntry>(`SELECT * FROM audit_log ${where} ORDER BY at DESC, id DESC ${limit} ${offset}`, params)
}

/** How many entries the filter matches (for the page's pagination). */
export async function auditCount(db: Queryable, filter: AuditFilter = {}): Promise<number> {
  const params: unknown[] = []
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log ${auditWhere(filter, params)}`, params)
  return Number(n)
}

/** Who appears in the audit log (of one partnership): the "Who" choices of its filter. */
export async function auditPeople(db: Queryable, filter: { partnershipId?: number } = {}): Promise<{ id: number; name: string }[]> {
  const params: unknown[] = []
  const where = auditWhere({ partnershipId: filter.partnershipId }, params)
  return db.query(
    `SELECT user_id AS id, max(user_name) AS name FROM audit_log ${where ? `${where} AND` : 'WHERE'} user_id IS NOT NULL
     GROUP BY user_id ORDER BY max(user_name), user_id`,
    params,
  )
}

/** The kinds of record in the audit log (of one partnership): the "What" choices of its filter. */
export async function auditEntityTypes(db: Queryable, filter: { partnershipId?: number } = {}): Promise<string[]> {
  const params: unknown[] = []
  const rows = await db.query<{ entity: string }>(
    `SELECT DISTINCT entity FROM audit_log ${auditWhere({ partnershipId: filter.partnershipId }, params)} ORDER BY entity`,
    params,
  )
  return rows.map((r) => r.entity)
}

/** The audit log (or the part a filter selects), newest first, a page at a time: for exports of any size. */
export async function* auditPages(db: Queryable, filter: AuditFilter = {}, size = 1000): AsyncGenerator<AuditEntry[]> {
  let before: number | null = null
  for (;;) {
    const params: unknown[] = []
    let where = auditWhere(filter, params)
    if (before !== null) {
      params.push(before)
      where = `${where ? `${where} AND` : 'WHERE'} id < $${params.length}`
    }
    const rows: AuditEntry[] = await db.query<AuditEntry>(
      `SELECT * FROM audit_log ${where} ORDER BY id DESC LIMIT ${Math.floor(size)}`,
      params,
    )
    if (!rows.length) return
    yield rows
    before = Number(rows[rows.length - 1].id)
    if (rows.length < size) return
  }
}

// ================= Words: what each entry changed, as people say it =================

/** How one field of a record reads. */
export interface FieldWords {
  /** Its name on the page ('Rating'); by default the column's name in words ('chair_organisation_id' -> 'Chair organisation'). */
  label?: string
  /** Never shown (ids that mean nothing to a reader, a file's bytes). */
  hidden?: boolean
  /** The value is the id (or code) of a record of this entity type: it reads as that record's name. */
  ref?: string
  /** Or the value in words of its own (a rating's value -> its label in the partnership's scale). */
  words?: (value: unknown, entry: AuditEntry) => string | null | undefined | Promise<string | null | undefined>
}

/** How a kind of record reads in the History view and the audit log; each capability describes its own. */
export interface EntityWords {
  /** What one is called, in lower case: 'priority', 'assurance dimension'. */
  label: string
  fields?: Record<string, FieldWords>
  /**
   * The current names of records of this type, by id (as the audit log has it, text): one call for a page of
   * entries. Read by the capability that owns the records. A record it no longer has is named from the audit log.
   */
  names?: (ids: string[]) => Promise<Map<string, string>>
  /** Its name from a copy of its row in the audit log, for a record that is gone (default: name, title or label). */
  rowName?: (row: Record<string, unknown>) => string | null | undefined
  /** The least partnership role that may read these records' history (default: any member, 'viewer'). */
  readableBy?: 'viewer' | 'contributor' | 'editor' | 'admin'
  /**
   * Whether a member with this role may read one record's history, for records whose own setting narrows who sees
   * them (a strategic assessment restricted to named roles). Asked of the capability that owns the records.
   */
  mayRead?: (id: string, role: 'viewer' | 'contributor' | 'editor' | 'admin') => Promise<boolean>
}

export interface Change {
  field: string
  label: string
  before: string
  after: string
}

/** An audit entry with its words: the record's kind and name, and each field changed, before and after, as read. */
export interface Explained {
  entityLabel: string
  recordName: string | null
  what: string
  changes: Change[]
}

/** Fields no reader needs: bookkeeping, and ids the page already gives (the partnership the record is in). */
const NEVER_SHOWN = new Set(['id', 'partnership_id', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by'])

/** 'chair_organisation_id' -> 'Chair organisation'. */
export function humanise(field: string): string {
  const s = field.replace(/_id$/, '').replace(/_/g, ' ')
  return s ? capitalise(s) : field
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** A stored value as a person reads it: Yes/No, dates in words, lists joined; '' for none. */
export function plainWords(v: unknown): string {
  if (v === null || v === undefined || v === '') return ''
  if (typeof v === 'boolean') return v ? 'Yes' : 'No'
  if (v instanceof Date) return formatDateTime(v)
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : plainWords(x))).join(', ')
  if (typeof v === 'object') return JSON.stringify(v)
  const s = String(v)
  if (DATE.test(s)) return formatDate(s)
  if (TIMESTAMP.test(s) && !Number.isNaN(Date.parse(s))) return formatDateTime(new Date(s))
  return s
}

const defaultRowName = (row: Record<string, unknown>) => {
  for (const k of ['name', 'title', 'label', 'filename', 'email']) if (typeof row[k] === 'string' && row[k]) return row[k] as string
  return null
}

/**
 * The registry of how each kind of record reads. Built once per app (services.ts); each capability describes its own
 * records there (`auditWords.describe('priority', {...})`), so the platform names nobody else's tables: a reference to
 * another record (dimension_id) is named by the capability that owns that record.
 */
export function auditWordsRegistry(db: Queryable) {
  const kinds = new Map<string, EntityWords>()

  /** Names of records of one type: the owner's names first, then the last copy of each row the audit log holds. */
  async function namesOf(entity: string, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    if (!ids.length) return out
    const words = kinds.get(entity)
    if (words?.names) for (const [k, v] of await words.names(ids)) out.set(String(k), v)
    const missing = ids.filter((id) => !out.has(id))
    if (missing.length) {
      const rows = await db.query<{ entity_id: string; before: any; after: any }>(
        `SELECT DISTINCT ON (entity_id) entity_id, before, after FROM audit_log
         WHERE entity = $1 AND entity_id = ANY($2::text[]) ORDER BY entity_id, id DESC`,
        [entity, missing],
      )
      const rowName = words?.rowName ?? defaultRowName
      for (const r of rows) {
        const n = (r.after && rowName(r.after)) || (r.before && rowName(r.before))
        if (n) out.set(r.entity_id, n)
      }
    }
    return out
  }

  const registry = {
    /** Say how records of this entity type read (a capability calls it for each of its own). */
    describe(entity: string, words: EntityWords) {
      kinds.set(entity, words)
    },
    described(entity: string): EntityWords | undefined {
      return kinds.get(entity)
    },
    /** 'assurance dimension' for 'assurance_dimension'. */
    label(entity: string): string {
      return kinds.get(entity)?.label ?? entity.replace(/_/g, ' ')
    },
    namesOf,
    /** The entries with their words, in the same order: ids read as names, each field changed as before and after. */
    async explain<E extends AuditEntry>(entries: E[]): Promise<(E & Explained)[]> {
      // Every name the page needs, one request per entity type.
      const wanted = new Map<string, Set<string>>()
      const want = (entity: string, id: unknown) => {
        if (id === null || id === undefined || id === '') return
        if (!wanted.has(entity)) wanted.set(entity, new Set())
        wanted.get(entity)!.add(String(id))
      }
      const raw = entries.map((e) => {
        const fields = kinds.get(e.entity)?.fields ?? {}
        const changes = changedFields(e).filter((c) => !NEVER_SHOWN.has(c.field) && !fields[c.field]?.hidden)
        want(e.entity, e.entity_id)
        for (const c of changes) {
          const ref = fields[c.field]?.ref
          if (ref) {
            for (const v of [c.before, c.after]) (Array.isArray(v) ? v : [v]).forEach((x) => want(ref, x))
          }
        }
        return { e, fields, changes }
      })
      const names = new Map<string, Map<string, string>>()
      for (const [entity, ids] of wanted) names.set(entity, await namesOf(entity, [...ids]))
      const nameOf = (entity: string, id: unknown) => {
        if (id === null || id === undefined || id === '') return ''
        return names.get(entity)?.get(String(id)) ?? `${registry.label(entity)} ${String(id)} (no longer exists)`
      }
      const out: (E & Explained)[] = []
      for (const { e, fields, changes } of raw) {
        const read = async (field: string, v: unknown) => {
          const f = fields[field]
          if (v === null || v === undefined || v === '') return ''
          if (f?.ref) return Array.isArray(v) ? v.map((x) => nameOf(f.ref!, x)).join(', ') : nameOf(f.ref, v)
          if (f?.words) return (await f.words(v, e)) ?? plainWords(v)
          return plainWords(v)
        }
        const explained: Change[] = []
        for (const c of changes)
          explained.push({
            field: c.field,
            label: fields[c.field]?.label ?? humanise(c.field),
            before: await read(c.field, c.before),
            after: await read(c.field, c.after),
          })
        const entityLabel = registry.label(e.entity)
        const recordName = names.get(e.entity)?.get(String(e.entity_id)) ?? null
        const done = { create: 'Added', update: 'Changed', delete: 'Removed' }[e.action] ?? e.action
        const what = `${done} ${entityLabel}${recordName ? ` "${recordName}"` : ''}${e.summary && e.summary !== recordName ? `: ${e.summary}` : ''}`
        out.push({ ...e, entityLabel, recordName, what, changes: explained })
      }
      return out
    },
  }
  return registry
}
export type AuditWords = ReturnType<typeof auditWordsRegistry>

// ================= The audit log page: its filter, its pages =================

export const AUDIT_PAGE_SIZE = 50

const optionalText = (title: string, pattern: string, errorMessage: string, maxLength = 60) =>
  Type.Optional(Type.String({ title, pattern, maxLength, errorMessage }))

/** The audit log page's query: ?who=<user id>&what=<entity>&action=&from=YYYY-MM-DD&to=YYYY-MM-DD&page=N&format=csv|json */
export const AuditQuery = Type.Object({
  format: ExportFormat,
  page: optionalText('Page', '^[0-9]{0,6}$', 'Page must be a page number, like 2', 6),
  who: optionalText('Who', '^[0-9]{0,9}$', 'Choose who made the changes from the list', 9),
  what: optionalText('What', '^[a-z_ ]{0,40}$', 'Choose what kind of record from the list', 40),
  action: optionalText('Change', '^(create|update|delete)?$', 'Choose added, changed or removed', 6),
  from: optionalText('From', '^([0-9]{4}-[0-9]{2}-[0-9]{2})?$', 'The "from" date must be a date, like 2019-03-31', 10),
  to: optionalText('To', '^([0-9]{4}-[0-9]{2}-[0-9]{2})?$', 'The "to" date must be a date, like 2019-03-31', 10),
})
export type AuditQuery = Static<typeof AuditQuery>

const realDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

/** The filter an audit log query asks for, its page number, and the query without page and format (for links). */
export function auditFilter(q: AuditQuery): { filter: AuditFilter; page: number; query: Record<string, string> } {
  const filter: AuditFilter = {}
  const query: Record<string, string> = {}
  const errors: Record<string, string> = {}
  if (q.who) {
    filter.userId = Number(q.who)
    query.who = q.who
  }
  if (q.what) {
    filter.entity = q.what
    query.what = q.what
  }
  if (q.action) {
    filter.action = q.action as AuditEntry['action']
    query.action = q.action
  }
  for (const k of ['from', 'to'] as const) {
    const v = q[k]
    if (!v) continue
    if (!realDate(v)) errors[k] = `The "${k}" date must be a real date, like 2019-03-31 (${v} is not)`
    else {
      filter[k] = v
      query[k] = v
    }
  }
  if (filter.from && filter.to && filter.from > filter.to) errors.to = 'The "to" date must be the same as or after the "from" date'
  if (Object.keys(errors).length) throw new ValidationError(errors)
  return { filter, page: Math.max(1, Number(q.page) || 1), query }
}

/** The page numbers a pagination shows: the first, the last, and two either side of the current one (null: a gap). */
export function pageNumbers(current: number, pages: number): (number | null)[] {
  const out: (number | null)[] = []
  for (let n = 1; n <= pages; n++) {
    if (n === 1 || n === pages || Math.abs(n - current) <= 2) out.push(n)
    else if (out[out.length - 1] !== null) out.push(null)
  }
  return out
}

/** Pages of entries with their words (for a download of the audit log in words). */
export async function* explainPages(words: AuditWords, pages: AsyncIterable<AuditEntry[]>): AsyncGenerator<(AuditEntry & Explained)[]> {
  for await (const page of pages) yield await words.explain(page)
}
