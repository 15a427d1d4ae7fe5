/**
 * The audit trail: every create, update and delete, with who, when, which record, and the values
 * before and after. Written inside the same transaction as the change it describes, so the trail
 * and the data can never disagree.
 */
import type { Queryable } from './db/index.ts'
import { formatDateTime } from './errors.ts'
import { escapeHtml } from './html.ts'
import { defineTable } from './tables.ts'

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

/** The audit log as a table: the page shows the newest entries, the download has them all (platform/tables.ts). */
export const auditTable = defineTable<AuditEntry>([
  { key: 'at', header: 'When', value: (e) => new Date(e.at).toISOString(), text: (e) => formatDateTime(new Date(e.at)) },
  { key: 'user', header: 'Who', value: (e) => e.user_name },
  { key: 'action', value: (e) => e.action },
  { key: 'record_type', value: (e) => e.entity },
  { key: 'record_id', value: (e) => e.entity_id },
  {
    key: 'summary',
    header: 'What',
    value: (e) => e.summary,
    text: (e) => `${e.action[0].toUpperCase()}${e.action.slice(1)} ${e.entity.replace(/_/g, ' ')}${e.summary ? `: ${e.summary}` : ''}`,
  },
  {
    key: 'changes',
    header: 'Changes',
    value: (e) =>
      changedFields(e)
        .map((c) => `${c.field}: ${JSON.stringify(c.before ?? null)} -> ${JSON.stringify(c.after ?? null)}`)
        .join('; '),
    // The page names the first four fields changed; the download has every field with its values.
    html: (e) =>
      changedFields(e)
        .slice(0, 4)
        .map((c) => `<div>${escapeHtml(c.field.replace(/_/g, ' '))}</div>`)
        .join(''),
  },
  { key: 'before', value: (e) => (e.before ? JSON.stringify(e.before) : '') },
  { key: 'after', value: (e) => (e.after ? JSON.stringify(e.after) : '') },
])

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

export async function auditLog(db: Queryable, filter: { partnershipId?: number; limit?: number } = {}): Promise<AuditEntry[]> {
  const params: unknown[] = []
  let where = ''
  if (filter.partnershipId !== undefined) {
    params.push(filter.partnershipId)
    where = `WHERE partnership_id = $1`
  }
  const limit = filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ''
  return db.query<AuditEntry>(`SELECT * FROM audit_log ${where} ORDER BY at DESC, id DESC ${limit}`, params)
}

/** The whole audit log (or one partnership's), newest first, a page at a time: for exports of any size. */
export async function* auditPages(db: Queryable, filter: { partnershipId?: number } = {}, size = 1000): AsyncGenerator<AuditEntry[]> {
  let before: number | null = null
  for (;;) {
    const rows: AuditEntry[] = await db.query<AuditEntry>(
      `SELECT * FROM audit_log WHERE ($1::int IS NULL OR partnership_id = $1) AND ($2::bigint IS NULL OR id < $2)
       ORDER BY id DESC LIMIT ${Math.floor(size)}`,
      [filter.partnershipId ?? null, before],
    )
    if (!rows.length) return
    yield rows
    before = Number(rows[rows.length - 1].id)
    if (rows.length < size) return
  }
}
