/**
 * Create, update and delete for any editable table, with optimistic locking and the audit trail.
 * Table and column names come only from our own code (never from a request); values are always
 * bound parameters. Every capability's data layer writes through these three functions, so every
 * change is versioned and audited the same way.
 */
import type { Queryable } from './db/index.ts'
import { recordAudit, type Actor } from './audit.ts'
import { ConflictError, NotFoundError } from './errors.ts'

const IDENT = /^[a-z_][a-z0-9_]*$/
function ident(name: string) {
  if (!IDENT.test(name)) throw new Error(`Not a safe SQL identifier: ${name}`)
  return name
}

export interface WriteContext {
  actor: Actor
  /** The partnership the record belongs to, for the partnership's audit log. */
  partnershipId?: number | null
  /** Entity name in the audit trail and History view; defaults to the table name. */
  entity?: string
  summary?: string
}

type Row = Record<string, any>

function jsonValue(v: unknown) {
  return v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v
}

export async function createRecord<T extends Row = Row>(
  tx: Queryable,
  table: string,
  values: Row,
  ctx: WriteContext,
  key = 'id',
): Promise<T> {
  const cols = Object.keys(values).map(ident)
  const withWho = ctx.actor.id !== null
  const allCols = withWho ? [...cols, 'created_by', 'updated_by'] : cols
  const params = [...cols.map((c) => jsonValue(values[c])), ...(withWho ? [ctx.actor.id, ctx.actor.id] : [])]
  const placeholders = params.map((_, i) => `$${i + 1}`)
  const [row] = await tx.query<T>(
    `INSERT INTO ${ident(table)} (${allCols.join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING *`,
    params,
  )
  await recordAudit(tx, ctx.actor, {
    action: 'create',
    entity: ctx.entity ?? table,
    entityId: row[key],
    partnershipId: ctx.partnershipId,
    summary: ctx.summary,
    after: row,
  })
  return row
}

/**
 * Update a record only if it is still at the version the user opened. If someone else saved it
 * in between, nothing is written and a ConflictError names who changed it and when.
 */
export async function updateRecord<T extends Row = Row>(
  tx: Queryable,
  table: string,
  id: number | string,
  expectedVersion: number | undefined,
  values: Row,
  ctx: WriteContext,
  key = 'id',
): Promise<T> {
  const [before] = await tx.query<T>(`SELECT * FROM ${ident(table)} WHERE ${ident(key)} = $1 FOR UPDATE`, [id])
  if (!before) throw new NotFoundError()
  if (expectedVersion !== undefined && before.version !== expectedVersion) {
    throw await conflict(tx, before)
  }
  const cols = Object.keys(values).map(ident)
  const sets = cols.map((c, i) => `${c} = $${i + 2}`)
  const params: unknown[] = [id, ...cols.map((c) => jsonValue(values[c]))]
  params.push(ctx.actor.id)
  sets.push(`version = version + 1`, `updated_at = now()`, `updated_by = $${params.length}`)
  const [after] = await tx.query<T>(`UPDATE ${ident(table)} SET ${sets.join(', ')} WHERE ${ident(key)} = $1 RETURNING *`, params)
  await recordAudit(tx, ctx.actor, {
    action: 'update',
    entity: ctx.entity ?? table,
    entityId: id,
    partnershipId: ctx.partnershipId,
    summary: ctx.summary,
    before,
    after,
  })
  return after
}

export async function deleteRecord(
  tx: Queryable,
  table: string,
  id: number | string,
  expectedVersion: number | undefined,
  ctx: WriteContext,
  key = 'id',
) {
  const [before] = await tx.query<Row>(`SELECT * FROM ${ident(table)} WHERE ${ident(key)} = $1 FOR UPDATE`, [id])
  if (!before) throw new NotFoundError()
  if (expectedVersion !== undefined && before.version !== expectedVersion) throw await conflict(tx, before)
  await tx.query(`DELETE FROM ${ident(table)} WHERE ${ident(key)} = $1`, [id])
  await recordAudit(tx, ctx.actor, {
    action: 'delete',
    entity: ctx.entity ?? table,
    entityId: id,
    partnershipId: ctx.partnershipId,
    summary: ctx.summary,
    before,
  })
  return before
}

async function conflict(tx: Queryable, row: Row) {
  let name = 'another user'
  if (row.updated_by) {
    const [u] = await tx.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [row.updated_by])
    if (u) name = u.name
  }
  return new ConflictError(name, new Date(row.updated_at))
}
