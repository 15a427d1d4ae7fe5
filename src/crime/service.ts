/**
 * Open crime data: importing police.uk files into the crime store (DuckDB), keeping the application database's
 * coverage table in step with it, and counting crime by area, period and type.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Db } from '../platform/db/index.ts'
import type { Analytics } from '../platform/analytics.ts'
import { recordAudit, type Actor } from '../platform/audit.ts'
import type { Job, JobContext, JobService, JobSource } from '../platform/jobs.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { storableText } from '../platform/input.ts'
import { CSV_FILES, DEFAULT_ARCHIVE_LIMITS, ensureRoom, expandPaths, SourceError, type ArchiveLimits } from '../platform/sources.ts'
import type { GeographyService } from '../geography/service.ts'
import { importPoliceUk, type FileResult, type ImportProgress } from './importer.ts'
import { listPartitions, setUpCrimeStore, areaCountsSql, forcePfaValues, type Partition } from './store.ts'
import { crimeQueries, type Target } from './queries.ts'
import { findForce, forceBySlug, FORCES } from './forces.ts'
import type { Kind } from './formats.ts'
import { plural } from '../platform/format.ts'
import {
  POLICE_UK_IMPORT,
  importRecord,
  cannotRerunImport,
  type ImportParams,
  type ImportOutcome,
  type ImportRecord,
} from './import-record.ts'

/** A row of the coverage table: a force-month loaded, as the crime store records it. */
export type CoverageRow = Omit<Partition, 'imported_at'> & { imported_at: Date }

interface RunOptions {
  replace?: boolean
  onProgress?: (p: ImportProgress) => void
  onFile?: (r: FileResult) => void
  beforeCommit?: () => Promise<void>
}

/** What the process that starts an import passes to it, unstored (the job's `local`); the run leaves its error here. */
interface ImportLocal extends Omit<RunOptions, 'replace'> {
  /** Called once the files are listed (zips opened), before any is imported. */
  onSources?: () => void
  error?: unknown
}

const hhmm = (d: Date) => new Date(d).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })

/** What an import may unpack (SAFER_ZIP_*), and the space it must leave free on the disk (SAFER_DISK_MARGIN_MB). */
export interface UnpackLimits {
  archive: ArchiveLimits
  marginBytes: number
}

export function crimeService(db: Db, analytics: Analytics, deps: { geography: GeographyService; jobs: JobService; unpack?: UnpackLimits }) {
  const unpack = deps.unpack ?? { archive: DEFAULT_ARCHIVE_LIMITS, marginBytes: 1024 * 1024 * 1024 }
  /** The sources behind these paths, refused before anything is unpacked if they break the limits or would fill the disk. */
  async function sourcesFor(paths: string[]) {
    const sources = await expandPaths(paths, CSV_FILES, unpack.archive)
    await ensureRoom(sources, analytics.tmpDir, unpack.marginBytes)
    return sources
  }
  let ready: Promise<void> | undefined
  /**
   * What is loaded, as pages read it at every request; forgotten when an import ends. Only this process can change
   * the store (DuckDB locks its file to one process), so that is enough to keep it true.
   */
  let loaded: Promise<Partition[]> | undefined
  const forget = () => {
    loaded = undefined
  }
  function partitions(): Promise<Partition[]> {
    if (!loaded) {
      loaded = listPartitions(analytics)
      loaded.catch(forget)
    }
    return loaded
  }
  const queries = crimeQueries(analytics, deps.geography, partitions)

  async function setUp() {
    await setUpCrimeStore(analytics)
    await syncCoverage()
    await removeInterruptedUploads()
    await rebuildAreaCounts(false)
  }

  /**
   * Uploads whose import was interrupted (its process killed, so it could not tidy up) are removed at start-up, once
   * the jobs of this machine's dead processes are marked interrupted (services() does that first).
   */
  async function removeInterruptedUploads() {
    for (const job of await deps.jobs.list({ kind: POLICE_UK_IMPORT, status: 'interrupted', limit: 20 })) {
      const dir = (job.params as ImportParams).upload?.dir
      if (dir && job.host === os.hostname() && fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true })
    }
  }

  /**
   * Area counts are derived from the street counts and the geography. They are rebuilt (in one transaction) when the
   * geography changes, and at start-up if the geography they were built from is not the one loaded (a process
   * killed between a geography import and this).
   */
  async function rebuildAreaCounts(force = true) {
    const stamp = await deps.geography.stamp()
    const [built] = await analytics.all<{ value: string }>(`SELECT value FROM crime.meta WHERE key = 'area_counts_geography'`)
    if (!force && built?.value === stamp) return
    await analytics.transaction(async (q) => {
      await q.run(`DELETE FROM crime.area_counts`)
      await q.run(
        `INSERT INTO crime.area_counts ${areaCountsSql('crime.street_counts', deps.geography.membershipSql(), 'n', forcePfaValues(FORCES))} ORDER BY 1, 3`,
      )
      await q.run(`INSERT OR REPLACE INTO crime.meta VALUES ('area_counts_geography', ?)`, [stamp])
    })
  }
  deps.geography.onChange(() => rebuildAreaCounts())

  /**
   * Keep crime.street_counts in month and LSOA order, so DuckDB's zone maps skip what a count does not need: a month
   * of a force reads that month, an LSOA or a custom area reads a row group or so per month (at 18M records, one LSOA
   * over 36 months went from 106 ms to a few ms). Imports append in batches; once the rows appended since the last
   * sort are more than a tenth of the table, it is rewritten in order, in one transaction.
   */
  async function compactCounts(appended: number) {
    const [meta] = await analytics.all<{ value: string }>(`SELECT value FROM crime.meta WHERE key = 'street_counts_unsorted'`)
    const unsorted = Number(meta?.value ?? 0) + appended
    const [{ n }] = await analytics.all<{ n: number }>(`SELECT count(*) AS n FROM crime.street_counts`)
    await analytics.transaction(async (q) => {
      if (unsorted > Math.max(n * 0.1, 10_000)) {
        await q.run(`CREATE OR REPLACE TABLE crime.street_counts AS SELECT * FROM crime.street_counts ORDER BY month, lsoa_code`)
        await q.run(`INSERT OR REPLACE INTO crime.meta VALUES ('street_counts_unsorted', '0')`)
      } else await q.run(`INSERT OR REPLACE INTO crime.meta VALUES ('street_counts_unsorted', ?)`, [String(unsorted)])
    })
  }

  /**
   * Make the coverage table match the crime store. The store records each force-month in the same transaction as
   * its data, so it is the truth; this copies it (after an import, and at start-up in case a process was killed
   * between the two).
   */
  async function syncCoverage() {
    forget()
    const parts = await partitions()
    const key = (p: { kind: string; force: string; month: string }) => `${p.kind}|${p.force}|${p.month}`
    const current = await db.query<{ kind: string; force: string; month: string; sha256: string; imported_at: Date }>(
      `SELECT kind, force, to_char(month, 'YYYY-MM') AS month, sha256, imported_at FROM crime_coverage`,
    )
    const have = new Map(current.map((c) => [key(c), c]))
    const want = new Map(parts.map((p) => [key(p), p]))
    const upserts = parts.filter((p) => {
      const c = have.get(key(p))
      return !c || c.sha256 !== p.sha256 || new Date(c.imported_at).getTime() !== new Date(p.imported_at).getTime()
    })
    const deletes = current.filter((c) => !want.has(key(c)))
    if (!upserts.length && !deletes.length) return
    // An import recorded in the crime store may be unknown here (a store copied from another machine): no link then.
    const ids = [...new Set(upserts.map((p) => p.import_id).filter((id): id is number => id !== null))]
    const known = new Set(
      (await Promise.all(ids.map((id) => deps.jobs.get(id).catch(() => undefined))))
        .filter((j) => j?.kind === POLICE_UK_IMPORT)
        .map((j) => Number(j!.id)),
    )
    await db.transaction(async (tx) => {
      for (const d of deletes)
        await tx.query(`DELETE FROM crime_coverage WHERE kind = $1 AND force = $2 AND month = $3`, [d.kind, d.force, `${d.month}-01`])
      for (const p of upserts) {
        const importExists = p.import_id !== null && known.has(p.import_id)
        await tx.query(
          `INSERT INTO crime_coverage (kind, force, month, rows_kept, rows_rejected, duplicates, no_location, unknown_types, unknown_outcomes, source_file, sha256, imported_at, imported_by, import_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (kind, force, month) DO UPDATE SET rows_kept = EXCLUDED.rows_kept, rows_rejected = EXCLUDED.rows_rejected, duplicates = EXCLUDED.duplicates,
             no_location = EXCLUDED.no_location, unknown_types = EXCLUDED.unknown_types, unknown_outcomes = EXCLUDED.unknown_outcomes, source_file = EXCLUDED.source_file,
             sha256 = EXCLUDED.sha256, imported_at = EXCLUDED.imported_at, imported_by = EXCLUDED.imported_by, import_id = EXCLUDED.import_id`,
          [
            p.kind,
            p.force,
            `${p.month}-01`,
            p.rows_kept,
            p.rows_rejected,
            p.duplicates,
            p.no_location,
            p.unknown_types,
            p.unknown_outcomes,
            storableText(p.source_file), // a name from inside a zip may hold a NUL (docs/security.md, point 5)
            p.sha256,
            p.imported_at,
            storableText(p.imported_by),
            importExists ? p.import_id : null,
          ],
        )
      }
    })
  }

  /**
   * The import job: list the files (opening zips), import them, keep coverage in step, and record the outcome with an
   * audit entry. Its progress and result are the import's facts (see import-record.ts). Exclusive: a second import of
   * police.uk data is refused while one runs, on any server, before any file is read (the jobs table's unique index).
   */
  async function runImport(ctx: JobContext<ImportParams, ImportLocal>): Promise<ImportOutcome> {
    const { job, params } = ctx
    const local = ctx.local
    let keepUpload = false
    const actor: Actor = { id: job.started_by, name: job.started_by_name }
    const audit = (status: string, o: Omit<ImportOutcome, 'results'>) =>
      recordAudit(db, actor, {
        action: 'create',
        entity: 'data import',
        entityId: job.id,
        summary: o.message,
        after: {
          dataset: 'police-uk',
          source: job.source,
          status,
          files_imported: o.filesImported,
          files_refused: o.filesRefused,
          rows_kept: o.rowsKept,
        },
      })
    try {
      const upload = params.upload
      const sources = upload
        ? (await sourcesFor(upload.files.map((f) => f.path))).map((s) => ({ ...s, label: relabel(s.label, upload.files) }))
        : await sourcesFor(params.paths)
      local?.onSources?.()
      ctx.progress({ done: 0, total: sources.length, unit: 'files', bytesDone: 0, bytesTotal: 0, rowsKept: 0 })
      const onProgress = (p: ImportProgress) => {
        local?.onProgress?.(p)
        ctx.progress({
          done: p.filesDone,
          total: p.filesTotal,
          unit: 'files',
          bytesDone: Math.round(p.bytesDone),
          bytesTotal: Math.round(p.bytesTotal),
          rowsKept: p.rowsKept,
          currentFile: p.current ?? null,
        })
      }
      const results = await importPoliceUk(analytics, sources, {
        actor: actor.name,
        importId: Number(job.id),
        replace: params.replace,
        holdReplacements: params.holdReplacements,
        onProgress,
        onFile: local?.onFile,
        beforeCommit: local?.beforeCommit,
        areaMembershipSql: deps.geography.membershipSql(),
      })
      const imported = results.filter((r) => r.status === 'imported')
      if (imported.some((r) => r.kind === 'street'))
        await compactCounts(imported.filter((r) => r.kind === 'street').reduce((n, r) => n + (r.rowsKept ?? 0), 0))
      await syncCoverage()
      const refused = results.filter((r) => r.status === 'refused')
      const held = results.filter((r) => r.status === 'held')
      const rowsKept = imported.reduce((n, r) => n + (r.rowsKept ?? 0), 0)
      const outcome: ImportOutcome = {
        results,
        rowsKept,
        filesImported: imported.length,
        filesRefused: refused.length,
        filesHeld: held.length,
        message: `police.uk import: ${plural(imported.length, 'file')} imported (${plural(rowsKept, 'record')}), ${results.filter((r) => r.status === 'unchanged').length} unchanged, ${refused.length} refused${held.length ? `, ${held.length} waiting for confirmation to replace what is loaded` : ''}`,
      }
      // The uploaded files stay until the person confirms or cancels the replacements (or a day passes: uploads.ts sweeps).
      if (held.length && params.upload) keepUpload = true
      await audit('finished', outcome)
      return outcome
    } catch (err) {
      if (local) local.error = err
      await syncCoverage().catch(() => {})
      const reason = err instanceof ValidationError ? Object.values(err.fields).join(' ') : (err as Error).message
      const message = storableText(`police.uk import failed: ${params.upload ? reason.replace(params.upload.dir + path.sep, '') : reason}`)
      await audit('failed', { rowsKept: 0, filesImported: 0, filesRefused: 0, message }).catch(() => {})
      throw new Error(message, { cause: err })
    } finally {
      forget()
      if (params.upload && !keepUpload) fs.rmSync(params.upload.dir, { recursive: true, force: true })
    }
  }

  deps.jobs.define<ImportParams, ImportOutcome>({
    kind: POLICE_UK_IMPORT,
    title: () => 'police.uk import',
    exclusive: true,
    busyMessage: (r) =>
      `An import is already running (started by ${r.started_by_name} at ${hhmm(r.started_at ?? r.created_at)}). Wait for it to finish, then try again.`,
    cannotRerun: cannotRerunImport,
    run: (ctx) => runImport(ctx as JobContext<ImportParams, ImportLocal>),
  })

  return {
    queries,
    setUp: () => (ready ??= setUp()),
    syncCoverage,

    /**
     * Import files, folders and zips from the server's disk (the command line, the demo), as a job run in this
     * process; resolves when it ends. A second import while one runs is refused (ValidationError on 'files'); files
     * that cannot be read reject with their SourceError, as before any job existed.
     */
    async importPaths(
      paths: string[],
      actor: Actor,
      source: JobSource,
      opts: RunOptions = {},
    ): Promise<{ importId: number; results: FileResult[] }> {
      const local: ImportLocal = { onProgress: opts.onProgress, onFile: opts.onFile, beforeCommit: opts.beforeCommit }
      const params: ImportParams = { paths: paths.map((p) => path.resolve(p)), replace: opts.replace ?? false }
      const { job, finished } = await deps.jobs.runNow(POLICE_UK_IMPORT, params, { actor, source, local })
      const ended = await finished
      if (ended.status !== 'done') throw local.error ?? new Error(ended.error ?? 'The import did not finish')
      return { importId: Number(job.id), results: (ended.result as ImportOutcome).results }
    },

    /**
     * Import uploaded files in the background; returns the import's id once its files are listed, for its progress
     * page. Files that cannot be read (a broken zip) are refused with a ValidationError, for the Import page. The
     * uploaded files are removed when the import ends.
     */
    async startUploadImport(dir: string, files: { path: string; filename: string }[], actor: Actor): Promise<number> {
      const remove = () => fs.rmSync(dir, { recursive: true, force: true })
      if (!files.length) {
        remove()
        throw new ValidationError({ files: 'Choose one or more police.uk CSV files, or a zip of them' })
      }
      const bad = files.filter((f) => !/\.(csv|zip)$/i.test(f.filename))
      if (bad.length) {
        remove()
        throw new ValidationError({
          files: `${bad.map((f) => f.filename).join(', ')} ${bad.length === 1 ? 'is not a CSV or zip file' : 'are not CSV or zip files'}. Choose police.uk CSV files (street, outcomes or stop-and-search) or a police.uk archive zip.`,
        })
      }
      const local: ImportLocal = {}
      const listed = new Promise<void>((resolve) => {
        local.onSources = resolve
      })
      let started: Awaited<ReturnType<typeof deps.jobs.runNow<ImportParams>>>
      try {
        started = await deps.jobs.runNow(
          POLICE_UK_IMPORT,
          { paths: files.map((f) => f.path), upload: { dir, files }, holdReplacements: true },
          { actor, source: 'web', local },
        )
      } catch (err) {
        remove()
        throw err
      }
      const ended = await Promise.race([listed.then(() => undefined), started.finished])
      if (ended && local.error instanceof SourceError) throw new ValidationError({ files: local.error.message.replace(dir + path.sep, '') })
      return Number(started.job.id)
    },

    /**
     * An upload import held files that would replace force-months loaded from other files: `replace` imports the same
     * upload again, replacing them (a new import, returned, whose progress page shows what it did); `cancel` removes the
     * uploaded files, and nothing changes. Either once: after that, or a day later, the files are gone.
     */
    async decideHeld(id: number, action: 'replace' | 'cancel', actor: Actor): Promise<number | undefined> {
      const job = await deps.jobs.get(id)
      if (job.kind !== POLICE_UK_IMPORT) throw new NotFoundError()
      const record = importRecord(job)
      const upload = (job.params as ImportParams).upload
      if (record.status !== 'finished' || !record.results.some((r) => r.status === 'held'))
        throw new ValidationError({ action: 'This import has nothing waiting for confirmation.' })
      if (!upload || !fs.existsSync(upload.dir))
        throw new ValidationError({
          action:
            'The uploaded files are no longer on the server: the replacement was already confirmed or cancelled, or more than a day has passed. Upload the files again.',
        })
      if (action === 'cancel') {
        fs.rmSync(upload.dir, { recursive: true, force: true })
        await recordAudit(db, actor, {
          action: 'delete',
          entity: 'data import',
          entityId: job.id,
          summary: `police.uk import ${job.id}: replacing what is loaded was cancelled; nothing changed`,
        })
        return undefined
      }
      const started = await deps.jobs.runNow(
        POLICE_UK_IMPORT,
        { paths: upload.files.map((f) => f.path), upload, confirms: Number(job.id) },
        { actor, source: 'web', local: {} },
      )
      return Number(started.job.id)
    },

    /** Are the uploaded files of an import that held replacements still there (not yet confirmed, cancelled or swept)? */
    async heldFilesKept(id: number): Promise<boolean> {
      const job = await deps.jobs.get(id)
      const upload = (job.params as ImportParams).upload
      return job.kind === POLICE_UK_IMPORT && !!upload && fs.existsSync(upload.dir) && !!(job.result as ImportOutcome | null)?.filesHeld
    },

    /** Recent police.uk imports, newest first (the Import page's history, the Crime data page). */
    async imports(limit = 20): Promise<ImportRecord[]> {
      return (await deps.jobs.list({ kind: POLICE_UK_IMPORT, limit })).map((j) => importRecord(j as Job<ImportParams, ImportOutcome>))
    },

    /** One police.uk import (its progress page and JSON); NotFoundError for any other job. */
    async importRun(id: number | string): Promise<ImportRecord> {
      const job = await deps.jobs.get(id)
      if (job.kind !== POLICE_UK_IMPORT) throw new NotFoundError()
      return importRecord(job)
    },

    /** The police.uk import running now, on any server, if any. */
    async runningImport(): Promise<ImportRecord | undefined> {
      const job = await deps.jobs.running(POLICE_UK_IMPORT)
      return job && importRecord(job)
    },

    /** Changes whenever crime data or the geography changes: for caches of what is drawn from them. */
    async dataVersion(): Promise<string> {
      const parts = await partitions()
      const latest = parts.reduce((m, p) => (String(p.imported_at) > m ? String(p.imported_at) : m), '')
      return `${latest}/${parts.length}|${await deps.geography.stamp()}`
    },

    /** Coverage from the application database: every force-month loaded, with where it came from. */
    coverageTable(kind?: Kind): Promise<CoverageRow[]> {
      return db.query(
        `SELECT kind, force, to_char(month, 'YYYY-MM') AS month, rows_kept, rows_rejected, duplicates, no_location, unknown_types, unknown_outcomes,
        source_file, sha256, imported_at, imported_by, import_id FROM crime_coverage ${kind ? 'WHERE kind = $1' : ''} ORDER BY kind, force, month`,
        kind ? [kind] : [],
      )
    },

    partitions,

    /**
     * What an area code in an address or API call means: an ONS area or LSOA, a custom area (custom-<id>, visible
     * when canSeeCustom says so), or a police force by its police.uk name (avon-and-somerset).
     */
    async target(code: string, canSeeCustom: (partnershipId: number) => Promise<boolean>): Promise<Target> {
      const force =
        /^[a-z][a-z-]+$/.test(code) && !code.startsWith('custom-') ? (forceBySlug(code) ?? findForce(code.replace(/-/g, ' '))) : undefined
      if (force) return { kind: 'force', force }
      return { kind: 'area', area: await deps.geography.area(code, { canSeeCustom }) }
    },
  }
}
export type CrimeService = ReturnType<typeof crimeService>

/** Show uploaded files by the name they were uploaded with, not the temporary path they were saved to. */
function relabel(label: string, files: { path: string; filename: string }[]) {
  for (const f of files) {
    if (label === f.path) return f.filename
    if (label.endsWith(` in ${path.basename(f.path)}`)) return label.replace(` in ${path.basename(f.path)}`, ` in ${f.filename}`)
  }
  return label
}
