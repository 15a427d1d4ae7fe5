/**
 * The service's status, for people (/status) and for machines (/health, the same facts as JSON): the database,
 * the analytics store, the background jobs worker, the email outbox, the version, and how fresh the crime data is.
 */
import fs from 'node:fs'
import path from 'node:path'
import { rootDir } from '../platform/paths.ts'
import type { Services } from '../services.ts'

export type CheckStatus = 'ok' | 'degraded' | 'unavailable'

export interface StatusReport {
  status: CheckStatus
  checkedAt: string
  version: string
  database: { engine: string; status: CheckStatus; responseMs?: number; message?: string }
  analytics: { status: CheckStatus; responseMs?: number; message?: string }
  jobs: {
    status: CheckStatus
    queued: number
    running: number
    oldestWaitingMinutes: number | null
    lastFinishedAt: string | null
    message: string
  }
  outbox: { status: CheckStatus; sending: boolean; waiting: number; held: number; failed: number; message: string }
  crimeData: { status: CheckStatus; forces: number; latestMonth: string | null; lastImportedAt: string | null; message: string }
}

/** Email that failed this recently makes the status "needs attention". */
export const OUTBOX_RECENT_MS = 24 * 60 * 60 * 1000

/** Queued work older than this means the worker is not keeping up (or not running). */
export const JOBS_LATE_MINUTES = 10

let version: string | undefined
function appVersion() {
  version ??= (JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8')) as { version: string }).version
  return version
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: Error }> {
  const started = process.hrtime.bigint()
  try {
    const value = await fn()
    return { ms: Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 10) / 10, value }
  } catch (error) {
    return { ms: 0, error: error as Error }
  }
}

/** How long one report answers /status and /health: they are public, and each report runs several queries. */
export const STATUS_MAX_AGE_MS = 5_000

const recent = new WeakMap<Services, { at: number; report: Promise<StatusReport> }>()

/** The report made in the last STATUS_MAX_AGE_MS (its checkedAt says when), or a new one; requests meanwhile share it. */
export function recentStatusReport(services: Services): Promise<StatusReport> {
  const kept = recent.get(services)
  if (kept && Date.now() - kept.at < STATUS_MAX_AGE_MS) return kept.report
  const report = statusReport(services)
  recent.set(services, { at: Date.now(), report })
  report.catch(() => recent.delete(services))
  return report
}

/** Makes the next recentStatusReport a new one (the tests, after changing what it reports). */
export function forgetStatusReport(services: Services) {
  recent.delete(services)
}

export async function statusReport(services: Services, now = new Date()): Promise<StatusReport> {
  const engine = services.db.kind === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL server'
  const dbCheck = await timed(() => services.db.query('SELECT 1'))
  const database: StatusReport['database'] = dbCheck.error
    ? { engine, status: 'unavailable', message: dbCheck.error.message }
    : { engine, status: 'ok', responseMs: dbCheck.ms }

  const duck = await timed(() => services.analytics.all('SELECT 1 AS one'))
  const analytics: StatusReport['analytics'] = duck.error
    ? { status: 'unavailable', message: duck.error.message }
    : { status: 'ok', responseMs: duck.ms }

  let jobs: StatusReport['jobs'] = {
    status: 'unavailable',
    queued: 0,
    running: 0,
    oldestWaitingMinutes: null,
    lastFinishedAt: null,
    message: 'Not known: the database did not answer',
  }
  let outbox: StatusReport['outbox'] = {
    status: 'unavailable',
    sending: false,
    waiting: 0,
    held: 0,
    failed: 0,
    message: 'Not known: the database did not answer',
  }
  let crimeData: StatusReport['crimeData'] = {
    status: 'unavailable',
    forces: 0,
    latestMonth: null,
    lastImportedAt: null,
    message: 'Not known: the database did not answer',
  }
  if (!dbCheck.error) {
    const [queued, running, done] = await Promise.all([
      services.jobs.list({ status: 'queued', limit: 500 }),
      services.jobs.list({ status: 'running', limit: 500 }),
      services.jobs.list({ status: 'done', limit: 1 }),
    ])
    const due = queued.filter((j) => new Date(j.run_after) <= now)
    const oldest = due.length ? Math.floor((now.getTime() - Math.min(...due.map((j) => new Date(j.run_after).getTime()))) / 60_000) : null
    const late = oldest !== null && oldest >= JOBS_LATE_MINUTES
    jobs = {
      status: late ? 'degraded' : 'ok',
      queued: queued.length,
      running: running.length,
      oldestWaitingMinutes: oldest,
      lastFinishedAt: done[0]?.finished_at ? new Date(done[0].finished_at).toISOString() : null,
      message: late
        ? `Work has been waiting ${oldest} minutes to start: the background worker may have stopped`
        : due.length
          ? `${due.length} waiting to start`
          : 'Nothing waiting',
    }
    const counts = await services.outbox.counts()
    const sending = !!services.outbox.mailServer
    // A failure needs attention until someone has looked: "needs attention" while one failed in the last day.
    const recentFailures = counts.failed
      ? (await services.outbox.list({ status: 'failed', limit: 200 })).filter(
          (m) => now.getTime() - new Date(m.updated_at).getTime() < OUTBOX_RECENT_MS,
        ).length
      : 0
    outbox = {
      status: recentFailures ? 'degraded' : 'ok',
      sending,
      waiting: counts.queued + counts.sending,
      held: counts.held,
      failed: counts.failed,
      message: !sending
        ? 'No mail server is set up: email is held for site administrators to read'
        : counts.failed
          ? `${counts.failed} ${counts.failed === 1 ? 'message' : 'messages'} could not be sent${recentFailures ? `, ${recentFailures} in the last day` : ''}`
          : 'Sending',
    }
    const coverage = await services.crime.coverageTable('street')
    const months = coverage.map((c) => c.month).sort()
    const imported = coverage.map((c) => new Date(c.imported_at).getTime()).sort((a, b) => a - b)
    crimeData = {
      status: 'ok',
      forces: new Set(coverage.map((c) => c.force)).size,
      latestMonth: months.length ? months[months.length - 1] : null,
      lastImportedAt: imported.length ? new Date(imported[imported.length - 1]).toISOString() : null,
      message: coverage.length ? 'Loaded' : 'No police.uk street crime data has been loaded yet',
    }
  }
  const parts = [database.status, analytics.status, jobs.status, outbox.status]
  const status: CheckStatus = database.status === 'unavailable' ? 'unavailable' : parts.every((p) => p === 'ok') ? 'ok' : 'degraded'
  return { status, checkedAt: now.toISOString(), version: appVersion(), database, analytics, jobs, outbox, crimeData }
}
