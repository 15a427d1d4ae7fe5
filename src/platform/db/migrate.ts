/**
 * Migrations: plain SQL files named NNN_description.sql, kept beside the capability they belong to
 * (src/<capability>/migrations/). They run in order of their number, once each, on PGlite and on
 * PostgreSQL alike. The numbers are global, so two capabilities never share one.
 *
 * Each table belongs to the capability whose migrations create it. When tables move to another capability's
 * migration (issue 7 moved organisations, areas, partnerships and partnership_roles out of 001_platform into
 * 002_organisations and 003_partnerships), the new file starts with `-- split-from: <old id>`. Migration ids are file
 * names and there is no checksum, so a database that applied the old file has those tables already: such a
 * migration is recorded as applied, without running, when every table it creates already exists. (We chose this
 * over CREATE ... IF NOT EXISTS because the moved files also add foreign keys, which PostgreSQL cannot add
 * "if not exists", and because it keeps the moved SQL as plain as the rest.) A fresh database runs it normally.
 */
import fs from 'node:fs'
import path from 'node:path'
import { srcDir } from '../paths.ts'
import type { Db, Queryable } from './index.ts'

export interface Migration {
  id: string
  file: string
  sql: string
}

export function findMigrations(root = srcDir): Migration[] {
  const found: Migration[] = []
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const candidates = [path.join(root, entry.name, 'migrations'), path.join(root, entry.name, 'db', 'migrations')]
    for (const dir of candidates) {
      if (!fs.existsSync(dir)) continue
      for (const file of fs.readdirSync(dir)) {
        if (!/^\d{3}_[a-z0-9_]+\.sql$/.test(file)) continue
        found.push({ id: file.replace(/\.sql$/, ''), file: path.join(dir, file), sql: fs.readFileSync(path.join(dir, file), 'utf8') })
      }
    }
  }
  found.sort((a, b) => a.id.localeCompare(b.id))
  const numbers = new Set<string>()
  for (const m of found) {
    const n = m.id.slice(0, 3)
    if (numbers.has(n)) throw new Error(`Two migrations share the number ${n}: renumber one of them (${m.file})`)
    numbers.add(n)
  }
  return found
}

/** Apply the migrations not yet applied. Returns the ids applied now. */
export async function migrate(db: Db, migrations = findMigrations()): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
  // One server at a time: a second app server starting at the same moment waits here.
  const applied = new Set((await db.query<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id))
  const done: string[] = []
  for (const m of migrations) {
    if (applied.has(m.id)) continue
    await db.transaction(async (tx) => {
      if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(727274)')
      const again = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id])
      if (again.length) return
      if (!(await alreadyThere(tx, m))) for (const statement of splitSql(m.sql)) await tx.query(statement)
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id])
      done.push(m.id)
    })
  }
  return done
}

/** The tables a migration creates (CREATE TABLE <name>), in order. */
export function tablesCreatedBy(sql: string): string[] {
  return [...sql.replace(/--[^\n]*\n/g, '\n').matchAll(/\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi)].map((x) =>
    x[1].toLowerCase(),
  )
}

/** The migration a split-out one came from (`-- split-from: 001_platform`), if any. */
export function splitFrom(sql: string): string | undefined {
  return sql.match(/^-- split-from: (\d{3}_[a-z0-9_]+)\s*$/m)?.[1]
}

/** A split-out migration whose tables the old migration already created, on this database. */
async function alreadyThere(q: Queryable, m: Migration): Promise<boolean> {
  const from = splitFrom(m.sql)
  if (!from) return false
  if (!(await q.query('SELECT 1 FROM schema_migrations WHERE id = $1', [from])).length) return false
  const tables = tablesCreatedBy(m.sql)
  const found = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY($1::text[])`,
    [tables],
  )
  return tables.length > 0 && found[0].n === tables.length
}

/** Split a migration script into statements (no dollar-quoted bodies are used in our migrations). */
export function splitSql(sql: string): string[] {
  return sql
    .replace(/--[^\n]*\n/g, '\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean)
}
