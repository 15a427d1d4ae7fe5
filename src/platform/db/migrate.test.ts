/**
 * Moving tables between capabilities' migrations: a fresh database and one that applied the old 001_platform
 * (which created organisations, areas, partnerships and partnership_roles) end with the same schema.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { openPglite, openPostgres, type Db } from './index.ts'
import { findMigrations, migrate, splitFrom, splitSql, tablesCreatedBy } from './migrate.ts'
import { createServerDatabase } from '../../../test/helpers.ts'

// 001_platform.sql as it was before issue 7 split it (git show e099c62:src/platform/db/migrations/001_platform.sql).
const OLD_001 = fs.readFileSync(path.resolve(import.meta.dirname, '../../../test/fixtures/001_platform_before_split.sql'), 'utf8')

async function emptyDb(): Promise<Db> {
  const serverUrl = process.env.SAFER_TEST_DATABASE_URL
  if (!serverUrl) return openPglite()
  const created = await createServerDatabase(serverUrl, 'safer_migrate')
  const db = await openPostgres(created.url, 2)
  const close = db.close.bind(db)
  db.close = async () => {
    await close()
    await created.drop()
  }
  return db
}

/** Every column, constraint and index of the database's own schema, as sorted text. */
async function schemaOf(db: Db) {
  const columns = await db.query(`SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default, is_identity
    FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
  const constraints = await db.query(`SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def
    FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`)
  const indexes = await db.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2`)
  return { columns, constraints, indexes }
}

test('the split-out migrations name the tables the old 001_platform created', () => {
  const split = findMigrations().filter((m) => splitFrom(m.sql) === '001_platform')
  assert.deepEqual(
    split.map((m) => m.id),
    ['002_organisations', '003_partnerships'],
  )
  const moved = split.flatMap((m) => tablesCreatedBy(m.sql))
  const now = tablesCreatedBy(findMigrations().find((m) => m.id === '001_platform')!.sql)
  assert.deepEqual([...moved].sort(), ['areas', 'organisations', 'partnership_roles', 'partnerships'])
  assert.deepEqual([...now, ...moved].sort(), tablesCreatedBy(OLD_001).sort())
})

test('a database migrated with the old 001_platform upgrades to the same schema as a fresh one', async () => {
  const fresh = await emptyDb()
  const old = await emptyDb()
  try {
    const applied = await migrate(fresh)
    assert.deepEqual(applied.slice(0, 3), ['001_platform', '002_organisations', '003_partnerships'])

    // The old world: the old 001_platform, then every other migration that is not split out of it, all recorded.
    await old.exec(`CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
    for (const statement of splitSql(OLD_001)) await old.query(statement)
    await old.query(`INSERT INTO schema_migrations (id) VALUES ('001_platform')`)
    for (const m of findMigrations()) {
      if (m.id === '001_platform' || splitFrom(m.sql)) continue
      for (const statement of splitSql(m.sql)) await old.query(statement)
      await old.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id])
    }
    // Data the old database already holds stays where it is.
    await old.query(`INSERT INTO organisations (name, type) VALUES ('Hampshire Constabulary', 'police')`)

    const upgraded = await migrate(old)
    assert.deepEqual(upgraded, ['002_organisations', '003_partnerships'])
    assert.deepEqual(await migrate(old), [])
    assert.deepEqual(
      (await old.query('SELECT name FROM organisations')).map((r) => r.name),
      ['Hampshire Constabulary'],
    )

    const a = await schemaOf(fresh)
    const b = await schemaOf(old)
    // The three foreign keys that cross from the platform's tables to the moved ones are there in both.
    for (const s of [a, b]) {
      const defs = s.constraints.map((c) => `${c.table_name}.${c.conname}: ${c.def}`)
      assert.ok(
        defs.includes('users.users_organisation_id_fkey: FOREIGN KEY (organisation_id) REFERENCES organisations(id)'),
        defs.join('\n'),
      )
      assert.ok(
        defs.includes(
          'audit_log.audit_log_partnership_id_fkey: FOREIGN KEY (partnership_id) REFERENCES partnerships(id) ON DELETE SET NULL',
        ),
      )
      assert.ok(defs.includes('organisations.organisations_created_by_fkey: FOREIGN KEY (created_by) REFERENCES users(id)'))
    }
    assert.deepEqual(b.columns, a.columns)
    assert.deepEqual(b.constraints, a.constraints)
    assert.deepEqual(b.indexes, a.indexes)
  } finally {
    await fresh.close()
    await old.close()
  }
})

test('a split-out migration runs when only some of its tables exist (and fails plainly rather than being skipped)', async () => {
  const db = await emptyDb()
  try {
    await db.exec(`CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
    const [first, orgs] = findMigrations().filter((m) => ['001_platform', '002_organisations'].includes(m.id))
    await migrate(db, [first])
    await db.query(`CREATE TABLE organisations (id integer PRIMARY KEY)`)
    await assert.rejects(migrate(db, [first, orgs]), /organisations/)
    assert.equal((await db.query(`SELECT 1 FROM schema_migrations WHERE id = '002_organisations'`)).length, 0)
  } finally {
    await db.close()
  }
})
