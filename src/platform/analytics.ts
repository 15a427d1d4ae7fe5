/**
 * The analytics store: DuckDB, in a file under SAFER_DATA_DIR (in both embedded and server mode), for data that
 * is large, read-mostly and aggregated: police.uk records and the ONS geography they are counted by. The
 * application database (PGlite or PostgreSQL) keeps only what links to it (areas, coverage, import history).
 *
 * Measured here: DuckDB loads and aggregates police.uk-shaped data 5–20× faster than PGlite or PostgreSQL and keeps
 * 6M rows in under 1 GB, where PGlite peaked at 4.5 GB. Aggregate in SQL and return small results.
 *
 * One DuckDB file belongs to one process (DuckDB locks it); a second process is refused with a plain message.
 * Queries run on a small pool of connections, so concurrent requests do not queue behind one another; an import
 * takes a connection of its own for its transaction.
 */
import fs from 'node:fs'
import path from 'node:path'
import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { sweepOld } from './sources.ts'

export type Param = string | number | boolean | null | readonly string[]

export interface AnalyticsQuery {
  /** Rows as plain objects: BIGINT/HUGEINT as numbers, DATE as 'YYYY-MM-DD', TIMESTAMP as ISO strings. */
  all<T = Record<string, any>>(sql: string, params?: Param[]): Promise<T[]>
  run(sql: string, params?: Param[]): Promise<void>
}

export interface Analytics extends AnalyticsQuery {
  readonly file: string
  /** Folder for DuckDB's spill files and for files an import unpacks. */
  readonly tmpDir: string
  /** Run fn on one connection inside one DuckDB transaction: everything it writes lands, or nothing does. */
  transaction<T>(fn: (q: AnalyticsQuery & { connection: DuckDBConnection }) => Promise<T>): Promise<T>
  /** Run fn on a connection of its own (for imports, which stage data in temporary tables). */
  withConnection<T>(fn: (q: AnalyticsQuery & { connection: DuckDBConnection }) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface AnalyticsOptions {
  dataDir: string
  /** DuckDB memory limit, e.g. '1GB'. DuckDB spills to tmpDir beyond it. */
  memoryLimit?: string
  threads?: number
}

function toParams(params: Param[] | undefined): DuckDBValue[] | undefined {
  return params?.map((p) => (Array.isArray(p) ? listValue(p as string[]) : (p as DuckDBValue)))
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof Date)
    return v.getUTCHours() === 0 && v.getUTCMinutes() === 0 && v.getUTCSeconds() === 0 && v.getUTCMilliseconds() === 0
      ? v.toISOString().slice(0, 10)
      : v.toISOString()
  if (Array.isArray(v)) return v.map(plain)
  return v
}

const debug = process.env.SAFER_DEBUG_SQL === '1'
async function timed<T>(sql: string, fn: () => Promise<T>): Promise<T> {
  if (!debug) return fn()
  const t = performance.now()
  try {
    return await fn()
  } finally {
    console.error(`${(performance.now() - t).toFixed(1).padStart(8)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 110)}`)
  }
}

function queryOn(connection: DuckDBConnection): AnalyticsQuery & { connection: DuckDBConnection } {
  return {
    connection,
    async all<T>(sql: string, params?: Param[]) {
      const reader = await timed(sql, () => connection.runAndReadAll(sql, toParams(params)))
      return reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(row)) out[k] = plain(v)
        return out as T
      })
    },
    async run(sql: string, params?: Param[]) {
      await timed(sql, () => connection.run(sql, toParams(params)))
    },
  }
}

// One DuckDB instance per file in this process: two instances on one file would each think they own it.
const open = new Map<string, Promise<DuckDBInstance>>()

export async function openAnalytics(opts: AnalyticsOptions): Promise<Analytics> {
  const dir = path.join(opts.dataDir, 'analytics')
  const tmpDir = path.join(dir, 'tmp')
  fs.mkdirSync(tmpDir, { recursive: true })
  const file = path.join(dir, 'safer.duckdb')
  if (!open.has(file)) {
    open.set(
      file,
      DuckDBInstance.create(file, {
        memory_limit: opts.memoryLimit ?? '1GB',
        threads: String(opts.threads ?? 2),
        temp_directory: path.join(tmpDir, 'duckdb'),
        // Line numbers in import reports rely on rows keeping the order they had in the file.
        preserve_insertion_order: 'true',
      }).catch((err: Error) => {
        open.delete(file)
        const pid = /PID (\d+)/.exec(err.message)?.[1]
        if (/lock/i.test(err.message)) {
          throw new Error(
            `The crime data store in ${dir} is in use by another Safer process${pid ? ` (pid ${pid})` : ''}. Stop that process first (or import through the web page of the running server).`,
          )
        }
        throw err
      }),
    )
  }
  const instance = await open.get(file)!
  // Unpacked import files and uploads left by a process killed more than a day ago (this one now holds the store).
  sweepOld(tmpDir, /^(import-|geography-|uploads$)/)

  // A few connections, handed out in turn; a query waits only when all are busy.
  const idle: DuckDBConnection[] = []
  const waiting: ((c: DuckDBConnection) => void)[] = []
  let made = 0
  const POOL = 4
  async function acquire(): Promise<DuckDBConnection> {
    const c = idle.pop()
    if (c) return c
    if (made < POOL) {
      made++
      return instance.connect()
    }
    return new Promise((resolve) => waiting.push(resolve))
  }
  function release(c: DuckDBConnection) {
    const next = waiting.shift()
    if (next) next(c)
    else idle.push(c)
  }
  async function pooled<T>(fn: (q: AnalyticsQuery & { connection: DuckDBConnection }) => Promise<T>): Promise<T> {
    const c = await acquire()
    try {
      return await fn(queryOn(c))
    } finally {
      release(c)
    }
  }
  let closed = false
  async function withConnection<T>(fn: (q: AnalyticsQuery & { connection: DuckDBConnection }) => Promise<T>): Promise<T> {
    // A connection of its own, so temporary tables and a long transaction never hold up the pool.
    const c = await instance.connect()
    try {
      return await fn(queryOn(c))
    } finally {
      c.closeSync()
    }
  }

  return {
    file,
    tmpDir,
    all: (sql, params) => pooled((q) => q.all(sql, params)),
    run: (sql, params) => pooled((q) => q.run(sql, params)),
    withConnection,
    transaction: (fn) => withConnection((q) => transactionOn(q, () => fn(q))),
    async close() {
      if (closed) return
      closed = true
      for (const c of idle) c.closeSync()
      idle.length = 0
      // CHECKPOINT writes the WAL into the file, so the next start opens without replaying it.
      await instance
        .connect()
        .then(async (c) => {
          await c.run('CHECKPOINT').catch(() => {})
          c.closeSync()
        })
        .catch(() => {})
      instance.closeSync()
      open.delete(file)
    },
  }
}

/**
 * Run fn inside one DuckDB transaction on a connection the caller holds (an import's, whose temporary tables the
 * transaction reads): everything it writes lands, or nothing does.
 */
export async function transactionOn<T>(q: AnalyticsQuery, fn: () => Promise<T>): Promise<T> {
  await q.run('BEGIN TRANSACTION')
  try {
    const result = await fn()
    await q.run('COMMIT')
    return result
  } catch (err) {
    await q.run('ROLLBACK').catch(() => {})
    throw err
  }
}

/** A SQL string literal (for the few places DuckDB takes no parameters, such as file lists in read_csv). */
export function sqlString(s: string) {
  return `'${s.replace(/'/g, "''")}'`
}
