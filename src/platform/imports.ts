/**
 * The record of every open-data import (police.uk, ONS geography), in the application database: who started it,
 * from where, how far it has got and what happened to each file. A running import writes its progress here every
 * second or so, so the web page that started it (or any other server) can show it. An import whose process died
 * is marked interrupted the next time Safer starts on that machine.
 */
import os from 'node:os'
import type { Db, Queryable } from './db/index.ts'
import { maybeOne } from './db/index.ts'
import { recordAudit, type Actor } from './audit.ts'
import { NotFoundError } from './errors.ts'

export type Dataset = 'police-uk' | 'geography'
export type ImportSource = 'command line' | 'web' | 'demo'

export interface DataImport {
  id: number
  dataset: Dataset
  source: ImportSource
  status: 'running' | 'finished' | 'failed' | 'interrupted'
  started_at: Date
  updated_at: Date
  finished_at: Date | null
  started_by: number | null
  started_by_name: string
  files_total: number
  files_done: number
  bytes_total: number
  bytes_done: number
  rows_kept: number
  files_imported: number
  files_refused: number
  current_file: string | null
  results: any[]
  message: string | null
}

export interface Progress {
  filesTotal?: number
  filesDone?: number
  bytesTotal?: number
  bytesDone?: number
  rowsKept?: number
  currentFile?: string | null
}

export function importService(db: Db) {
  return {
    async start(dataset: Dataset, source: ImportSource, actor: Actor, filesTotal = 0): Promise<DataImport> {
      const [row] = await db.query<DataImport>(
        `INSERT INTO data_imports (dataset, source, status, started_by, started_by_name, host, pid, files_total)
         VALUES ($1, $2, 'running', $3, $4, $5, $6, $7) RETURNING *`,
        [dataset, source, actor.id, actor.name, os.hostname(), process.pid, filesTotal])
      return row
    },

    /** Which of these import ids are recorded here (a store copied from another machine may name unknown ones). */
    async known(ids: number[], q: Queryable = db): Promise<Set<number>> {
      if (!ids.length) return new Set()
      return new Set((await q.query<{ id: number }>(`SELECT id FROM data_imports WHERE id = ANY($1::int[])`, [ids])).map((r) => r.id))
    },

    /** Write progress (throttled by the caller). */
    async progress(id: number, p: Progress) {
      await db.query(
        `UPDATE data_imports SET updated_at = now(), files_total = coalesce($2, files_total), files_done = coalesce($3, files_done),
           bytes_total = coalesce($4, bytes_total), bytes_done = coalesce($5, bytes_done), rows_kept = coalesce($6, rows_kept),
           current_file = $7 WHERE id = $1 AND status = 'running'`,
        [id, p.filesTotal ?? null, p.filesDone ?? null, Math.round(p.bytesTotal ?? 0) || null, Math.round(p.bytesDone ?? 0) || null, p.rowsKept ?? null, p.currentFile ?? null])
    },

    /** Record the outcome, with an audit entry (the data changed, even though it is not a row in this database). */
    async finish(id: number, actor: Actor, outcome: { status: 'finished' | 'failed'; results: unknown[]; rowsKept: number; filesImported: number; filesRefused: number; message?: string }) {
      const [row] = await db.query<DataImport>(
        `UPDATE data_imports SET status = $2, finished_at = now(), updated_at = now(), files_done = files_total, bytes_done = bytes_total,
           results = $3::jsonb, rows_kept = $4, files_imported = $5, files_refused = $6, message = $7, current_file = NULL
         WHERE id = $1 RETURNING *`,
        [id, outcome.status, JSON.stringify(outcome.results), outcome.rowsKept, outcome.filesImported, outcome.filesRefused, outcome.message ?? null])
      await recordAudit(db, actor, {
        action: 'create', entity: 'data import', entityId: id,
        summary: outcome.message ?? `${row.dataset} import ${outcome.status}: ${outcome.filesImported} file(s) imported, ${outcome.filesRefused} refused`,
        after: { dataset: row.dataset, source: row.source, status: outcome.status, files_imported: outcome.filesImported, files_refused: outcome.filesRefused, rows_kept: outcome.rowsKept },
      })
      return row
    },

    async get(id: number): Promise<DataImport> {
      const row = await maybeOne<DataImport>(db, `SELECT * FROM data_imports WHERE id = $1`, [id])
      if (!row) throw new NotFoundError()
      return row
    },

    list(dataset: Dataset, limit = 20): Promise<DataImport[]> {
      return db.query(`SELECT * FROM data_imports WHERE dataset = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, [dataset, limit])
    },

    async running(dataset: Dataset): Promise<DataImport | undefined> {
      return maybeOne<DataImport>(db, `SELECT * FROM data_imports WHERE dataset = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`, [dataset])
    },

    /** Imports this machine started whose process is gone (killed, or the machine restarted) are interrupted. */
    async markInterrupted() {
      const rows = await db.query<{ id: number; pid: number }>(`SELECT id, pid FROM data_imports WHERE status = 'running' AND host = $1`, [os.hostname()])
      for (const r of rows) {
        let alive = r.pid !== process.pid
        if (alive) {
          try { process.kill(r.pid, 0) } catch { alive = false }
        }
        if (!alive || r.pid === process.pid) {
          await db.query(`UPDATE data_imports SET status = 'interrupted', finished_at = now(), message = 'The import stopped before it finished (its process ended). Force-months it had not saved are as they were before; run it again to complete it.' WHERE id = $1 AND status = 'running'`, [r.id])
        }
      }
    },
  }
}
export type ImportService = ReturnType<typeof importService>
