/**
 * A police.uk import is a job (platform/jobs.ts) of kind 'import:police-uk': the job holds who started it, from where,
 * its status, timings and interruption; its progress and result hold the import's own facts. This file reads a job
 * as the import record the Import page, the progress page and its JSON show.
 */
import fs from 'node:fs'
import type { Job, JobSource, JobStatus } from '../platform/jobs.ts'
import type { FileResult } from './importer.ts'

export const POLICE_UK_IMPORT = 'import:police-uk'

/** What a police.uk import job is asked to do (stored, so that it can be run again). */
export interface ImportParams {
  /** Files, folders and zips on this server's disk, as absolute paths. */
  paths: string[]
  replace?: boolean
  /** A web upload: its temporary folder (removed when the import ends) and each file's name as uploaded. */
  upload?: { dir: string; files: { path: string; filename: string }[] }
  /** Hold files that would replace a force-month loaded from a different file, for confirmation (web uploads). */
  holdReplacements?: boolean
  /** This import replaces what an earlier one (this id) held, as the person confirmed. */
  confirms?: number
}

/** What it has done so far (the job's progress): files done of total, bytes, records saved, the file it reads now. */
export interface ImportProgressFacts {
  done?: number
  total?: number
  unit?: string
  bytesDone?: number
  bytesTotal?: number
  rowsKept?: number
  currentFile?: string | null
}

/** What it did (the job's result). */
export interface ImportOutcome {
  results: FileResult[]
  rowsKept: number
  filesImported: number
  filesRefused: number
  /** Files waiting for confirmation to replace what is loaded (their uploaded files are kept until then). */
  filesHeld?: number
  message: string
}

export const INTERRUPTED_IMPORT =
  'The import stopped before it finished (its process ended). Force-months it had not saved are as they were before.'

/** An import as the pages show it (the same fields the import record had before imports were jobs). */
export interface ImportRecord {
  id: number
  dataset: string
  source: JobSource
  status: Exclude<JobStatus, 'done'> | 'finished'
  started_at: Date
  finished_at: Date | null
  started_by_name: string
  files_total: number
  files_done: number
  bytes_total: number
  bytes_done: number
  rows_kept: number
  files_imported: number
  files_refused: number
  files_held: number
  /** The import this one confirmed (it replaces what that one held). */
  confirms: number | null
  current_file: string | null
  results: FileResult[]
  message: string | null
  /** For an import that failed or was interrupted: why it cannot be run again, if it cannot. */
  cannotRerun?: string
}

export function importRecord(job: Job<ImportParams, ImportOutcome>): ImportRecord {
  const p = (job.progress ?? {}) as ImportProgressFacts
  const r = job.result
  const status = job.status === 'done' ? 'finished' : job.status
  const ended = status !== 'running' && status !== 'queued'
  const filesTotal = p.total ?? 0
  return {
    id: Number(job.id),
    dataset: job.kind.replace(/^import:/, ''),
    source: job.source,
    status,
    started_at: job.started_at ?? job.created_at,
    finished_at: job.finished_at,
    started_by_name: job.started_by_name,
    files_total: filesTotal,
    files_done: status === 'finished' ? filesTotal : (p.done ?? 0),
    bytes_total: p.bytesTotal ?? 0,
    bytes_done: status === 'finished' ? (p.bytesTotal ?? 0) : (p.bytesDone ?? 0),
    rows_kept: r?.rowsKept ?? (ended ? 0 : (p.rowsKept ?? 0)),
    files_imported: r?.filesImported ?? 0,
    files_refused: r?.filesRefused ?? 0,
    files_held: r?.filesHeld ?? 0,
    confirms: job.params?.confirms ?? null,
    current_file: ended ? null : (p.currentFile ?? null),
    results: r?.results ?? [],
    message: status === 'interrupted' ? INTERRUPTED_IMPORT : (r?.message ?? job.error),
    cannotRerun: status === 'failed' || status === 'interrupted' ? cannotRerunImport(job) : undefined,
  }
}

/**
 * Why an import that failed or was interrupted cannot be run again, or undefined when it can: running it again reads
 * the same files, so they must still be there. An upload's files are temporary: they are removed when its import ends,
 * or at the next start-up when its process was killed, so an upload is uploaded again instead.
 */
export function cannotRerunImport(job: Job<Partial<ImportParams>>): string | undefined {
  const params = job.params ?? {}
  if (params.upload)
    return 'Its uploaded files were removed when it stopped, so it cannot be run again. Upload the files again on the Import page.'
  if (!params.paths?.length)
    return 'Safer did not record which files this import read (it ran before imports were background jobs), so it cannot be run again. Import the files again.'
  const gone = params.paths.filter((p) => !fs.existsSync(p))
  if (gone.length)
    return `${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} no longer on the server, so it cannot be run again. Import the files again.`
  return undefined
}
