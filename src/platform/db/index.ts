/**
 * One small interface over both database engines Safer runs on:
 * PGlite (PostgreSQL compiled to WebAssembly, embedded, the default) and a PostgreSQL server
 * (node-postgres, when DATABASE_URL is set). Both speak the same SQL, so the rest of the code
 * never asks which one it has.
 */
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'

export interface Queryable {
  /** Run one statement and return its rows. Parameters are $1, $2, ... */
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Run fn inside one transaction: everything it writes lands, or nothing does. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Run a script of several statements (migrations). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

// Dates (type 1082) stay as 'YYYY-MM-DD' strings in both engines: a calendar date has no time zone.
const DATE_OID = 1082
pg.types.setTypeParser(DATE_OID, (v: string) => v)
// bigint (count(*), sum) as a JavaScript number: our counts are far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v))
pg.types.setTypeParser(1700, (v: string) => Number(v))

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it.
 * A lock file holding the owner's pid refuses the second one with a clear message.
 */
function lockDataDir(dataDir: string): () => void {
  const lock = path.join(dataDir, '..', `${path.basename(dataDir)}.lock`)
  try {
    const pid = Number(fs.readFileSync(lock, 'utf8'))
    if (pid && pid !== process.pid) {
      let alive = true
      try {
        process.kill(pid, 0)
      } catch {
        alive = false
      }
      if (alive)
        throw new Error(
          `The embedded database in ${dataDir} is in use by another Safer process (pid ${pid}). Stop that process first, or use a PostgreSQL server (DATABASE_URL).`,
        )
    }
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  fs.writeFileSync(lock, String(process.pid))
  return () => {
    try {
      if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.unlinkSync(lock)
    } catch {
      /* already gone */
    }
  }
}

export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<Db> {
  let unlock = () => {}
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true })
    unlock = lockDataDir(dataDir)
  }
  const db = await PGlite.create({
    dataDir,
    loadDataDir,
    // An embedded partnership database is small: 16 MB of shared buffers instead of PostgreSQL's 128 MB keeps the
    // server's resident memory near 250 MB (measured by npm run bench:web).
    postgresqlconf: ['shared_buffers = 16MB'],
    parsers: { [DATE_OID]: (v: string) => v, 20: (v: string) => Number(v), 1700: (v: string) => Number(v) },
  })
  return {
    kind: 'pglite',
    async query(sql, params) {
      const res = await db.query(sql, params as any[])
      return res.rows as any
    },
    async transaction(fn) {
      return db.transaction(async (tx) => fn({ query: async (sql, params) => (await tx.query(sql, params as any[])).rows as any }))
    },
    async exec(sql) {
      await db.exec(sql)
    },
    async close() {
      await db.close()
      unlock()
    },
    // Exposed for the test helper, which clones a migrated database instead of migrating each time.
    ...({ pglite: db } as object),
  }
}

export async function openPostgres(connectionString: string, max = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString, max })
  // An idle connection dropped by the server (a restart, or a test dropping its database) is reported here, where
  // the pool replaces it; without a listener it would crash the process.
  pool.on('error', (err) => console.error(`PostgreSQL connection lost (the pool will reconnect): ${err.message}`))
  // Fail now, with a clear message, rather than at the first request.
  const client = await pool.connect().catch((err: Error) => {
    throw new Error(`Could not connect to the PostgreSQL server in DATABASE_URL: ${err.message}`)
  })
  client.release()
  return {
    kind: 'postgres',
    async query(sql, params) {
      const res = await pool.query(sql, params as any[])
      return res.rows
    },
    async transaction(fn) {
      const conn = await pool.connect()
      try {
        await conn.query('BEGIN')
        const result = await fn({ query: async (sql, params) => (await conn.query(sql, params as any[])).rows })
        await conn.query('COMMIT')
        return result
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        conn.release()
      }
    },
    async exec(sql) {
      await pool.query(sql)
    },
    async close() {
      await pool.end()
    },
  }
}

export async function openDatabase(config: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl)
  return openPglite(path.join(config.dataDir, 'pglite'))
}

/** The first row, or undefined. */
export async function maybeOne<T = Record<string, any>>(q: Queryable, sql: string, params?: unknown[]) {
  const rows = await q.query<T>(sql, params)
  return rows[0] as T | undefined
}

/** Run fn in the caller's transaction when there is one (e.g. the demo loader's), otherwise in a new one. */
export function inTransaction<T>(db: Db, tx: Queryable | undefined, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return tx ? fn(tx) : db.transaction(fn)
}
