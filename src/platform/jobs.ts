/**
 * Jobs: work that runs in the background or on a schedule (open-data imports, sending email, rendering PDFs,
 * reminders), recorded in the application database so that any page or any app server can show how it is going.
 *
 *   const jobs = jobService(db)
 *   jobs.define({ kind: 'email:send', title: () => 'Send email', run: async (ctx) => { ...; return result } })
 *   await jobs.enqueue('email:send', params, { actor }, tx)   // in the caller's transaction (the outbox pattern)
 *   const { job, finished } = await jobs.runNow('import:police-uk', params, { actor, source: 'web' })
 *   await jobs.schedule('email:send', 'email:send', {}, { every: 'every 1 minute' })
 *   jobs.startWorker()                                        // in `safer serve`: claims due work every few seconds
 *
 * A job's life: queued -> running -> done | failed; running -> interrupted when its process died (marked at the next
 * start-up on that machine), and an interrupted or failed job can be run again (a new job, rerun_of the old one).
 * A failed attempt is queued again after a back-off while attempts remain (maxAttempts).
 *
 * Several processes share one PostgreSQL server safely: queued jobs and due schedules are claimed with
 * `FOR UPDATE SKIP LOCKED`, so each is taken by exactly one process; a kind marked `exclusive` has at most one running
 * job, enforced by a unique index, so two imports cannot run at once even when started on two servers.
 */
import os from 'node:os'
import type { Db, Queryable } from './db/index.ts'
import { maybeOne } from './db/index.ts'
import type { Actor } from './audit.ts'
import { NotFoundError, ValidationError } from './errors.ts'
import { jsonForDatabase, storableText } from './input.ts'

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'interrupted'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]
export type JobSource = 'web' | 'command line' | 'demo' | 'schedule' | 'api'

export interface Job<P = any, R = any> {
  id: number
  kind: string
  title: string
  status: JobStatus
  exclusive: boolean
  params: P
  /** What the job has said of its progress: `done` of `total` (`unit`), a `message`, and anything kind-specific. */
  progress: JobProgress
  result: R | null
  error: string | null
  attempts: number
  max_attempts: number
  run_after: Date
  source: JobSource
  schedule_key: string | null
  rerun_of: number | null
  started_by: number | null
  started_by_name: string
  host: string | null
  pid: number | null
  created_at: Date
  started_at: Date | null
  updated_at: Date
  finished_at: Date | null
}

export interface JobProgress {
  done?: number
  total?: number
  unit?: string
  message?: string
  [extra: string]: unknown
}

export interface JobContext<P, L = unknown> {
  job: Job<P>
  params: P
  /**
   * What the process that started the job with runNow passed as `local`: things that are not stored (a command's
   * progress bar, a test's hook). Undefined when the job runs from the queue (the worker, a rerun).
   */
  local: L | undefined
  /** Say how far the job has got. Written at most every `progressIntervalMs` (and always at the end). */
  progress(p: JobProgress): void
}

export interface JobKind<P = any, R = any> {
  kind: string
  /** What people read in lists: "police.uk import", "PDF of Hampshire's 2020 agreement". */
  title: (params: P) => string
  run: (ctx: JobContext<P>) => Promise<R>
  /** At most one running job of this kind, across every process. */
  exclusive?: boolean
  /** Attempts before the job is failed for good (default 1: no retry). */
  maxAttempts?: number
  /** Milliseconds to wait before attempt n+1 after attempt n failed (default 30 s, 2 min, 8 min, ...). */
  backoffMs?: (attempt: number) => number
  /** The message shown when a second exclusive job is refused. */
  busyMessage?: (running: Job) => string
  /**
   * Why this failed or interrupted job cannot be run again (e.g. the files it read are gone), or undefined when it
   * can. The Background jobs page shows the reason instead of the Run again button, and rerun() refuses with it.
   */
  cannotRerun?: (job: Job<P, R>) => string | undefined
}

/** 'daily 07:00' (server's local time), 'every 5 minutes', or null for a one-off schedule (next_run_at only). */
export type Every = `daily ${string}` | `every ${number} minute` | `every ${number} minutes` | null

export interface Schedule {
  key: string
  kind: string
  params: Record<string, unknown>
  every: string | null
  next_run_at: Date | null
  last_run_at: Date | null
  last_job_id: number | null
}

// Whether it can be run again is the job page's to say (the kind may know it cannot: its files are gone).
const INTERRUPTED = 'The job stopped before it finished (its process ended).'

export function jobService(db: Db, opts: { clock?: () => Date; progressIntervalMs?: number; host?: string; pid?: number } = {}) {
  const kinds = new Map<string, JobKind>()
  const clock = opts.clock ?? (() => new Date())
  const host = opts.host ?? os.hostname()
  const pid = opts.pid ?? process.pid
  const progressEvery = opts.progressIntervalMs ?? 750
  let timer: NodeJS.Timeout | undefined
  let ticking: Promise<unknown> | undefined
  const inFlight = new Set<Promise<unknown>>()
  const runningHere = new Set<number>()

  function kindOf(kind: string): JobKind {
    const k = kinds.get(kind)
    if (!k) throw new Error(`No job kind "${kind}" is defined`)
    return k
  }

  function insert(q: Queryable, kind: JobKind, params: unknown, o: EnqueueOptions, status: 'queued' | 'running') {
    return q.query<Job>(
      `INSERT INTO jobs (kind, title, status, exclusive, params, max_attempts, run_after, source, schedule_key, rerun_of, started_by, started_by_name,
         host, pid, started_at, attempts)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING *`,
      [
        kind.kind,
        kind.title(params),
        status,
        kind.exclusive ?? false,
        jsonForDatabase(params ?? {}),
        kind.maxAttempts ?? 1,
        o.runAfter ?? clock(),
        o.source ?? 'web',
        o.scheduleKey ?? null,
        o.rerunOf ?? null,
        o.actor?.id ?? null,
        o.actor?.name ?? 'Safer (system)',
        status === 'running' ? host : null,
        status === 'running' ? pid : null,
        status === 'running' ? clock() : null,
        status === 'running' ? 1 : 0,
      ],
    )
  }

  /** Run a claimed job to its end, recording the outcome. Never throws (the outcome is in the row). */
  async function execute(job: Job, local?: unknown): Promise<Job> {
    runningHere.add(job.id)
    try {
      return await attempt(job, local)
    } finally {
      runningHere.delete(job.id)
    }
  }

  async function attempt(job: Job, local?: unknown): Promise<Job> {
    const kind = kindOf(job.kind)
    let last = 0
    let pending: Promise<unknown> = Promise.resolve()
    let latest: JobProgress | undefined
    const write = (p: JobProgress) => {
      pending = pending
        .then(() =>
          db.query(`UPDATE jobs SET progress = $2::jsonb, updated_at = now() WHERE id = $1 AND status = 'running'`, [
            job.id,
            jsonForDatabase(p),
          ]),
        )
        .catch(() => {})
    }
    const ctx: JobContext<any> = {
      job,
      params: job.params,
      local,
      progress(p) {
        latest = { ...latest, ...p }
        const now = Date.now()
        if (now - last < progressEvery) return
        last = now
        write(latest)
      },
    }
    try {
      const result = await kind.run(ctx)
      await pending
      const [row] = await db.query<Job>(
        `UPDATE jobs SET status = 'done', result = $2::jsonb, progress = $3::jsonb, error = NULL, finished_at = now(), updated_at = now()
         WHERE id = $1 RETURNING *`,
        [
          job.id,
          jsonForDatabase(result ?? null),
          jsonForDatabase({ ...latest, ...(latest?.total !== undefined ? { done: latest.total } : {}) }),
        ],
      )
      return row
    } catch (err) {
      await pending
      const message = storableText(
        err instanceof ValidationError ? Object.values(err.fields).join(' ') : ((err as Error)?.message ?? String(err)),
      )
      const retry = job.attempts < job.max_attempts
      const wait = (kind.backoffMs ?? defaultBackoff)(job.attempts)
      // A failed job keeps the progress it had made (its last report, which the throttle may not have written).
      const [row] = await db.query<Job>(
        retry
          ? `UPDATE jobs SET status = 'queued', error = $2, run_after = $3, host = NULL, pid = NULL, updated_at = now() WHERE id = $1 RETURNING *`
          : `UPDATE jobs SET status = 'failed', error = $2, progress = coalesce($3::jsonb, progress), finished_at = now(), updated_at = now() WHERE id = $1 RETURNING *`,
        retry ? [job.id, message, new Date(clock().getTime() + wait)] : [job.id, message, latest ? jsonForDatabase(latest) : null],
      )
      return row
    }
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p)
    p.finally(() => inFlight.delete(p)).catch(() => {})
    return p
  }

  /** Claim one due queued job of a kind this process knows, or nothing. */
  async function claim(): Promise<Job | undefined> {
    const known = [...kinds.keys()]
    if (!known.length) return undefined
    try {
      return await maybeOne<Job>(
        db,
        `UPDATE jobs SET status = 'running', started_at = now(), updated_at = now(), attempts = attempts + 1, host = $2, pid = $3
         WHERE id = (
           SELECT j.id FROM jobs j WHERE j.status = 'queued' AND j.run_after <= $4 AND j.kind = ANY($1::text[])
             AND NOT (j.exclusive AND EXISTS (SELECT 1 FROM jobs r WHERE r.kind = j.kind AND r.status = 'running'))
           ORDER BY j.run_after, j.id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [known, host, pid, clock()],
      )
    } catch (err) {
      if (isUniqueViolation(err)) return undefined // another process started the exclusive kind at the same moment
      throw err
    }
  }

  /** Queue a job for every schedule that is due, moving each schedule on; each due schedule is claimed by one process. */
  async function fireSchedules(): Promise<number> {
    const now = clock()
    return db.transaction(async (tx) => {
      const due = await tx.query<Schedule>(
        `SELECT * FROM job_schedules WHERE next_run_at IS NOT NULL AND next_run_at <= $1 AND kind = ANY($2::text[])
         ORDER BY next_run_at FOR UPDATE SKIP LOCKED`,
        [now, [...kinds.keys()]],
      )
      for (const s of due) {
        const [job] = await insert(tx, kindOf(s.kind), s.params, { source: 'schedule', scheduleKey: s.key }, 'queued')
        await tx.query(`UPDATE job_schedules SET last_run_at = $2, last_job_id = $3, next_run_at = $4, updated_at = now() WHERE key = $1`, [
          s.key,
          now,
          job.id,
          s.every ? nextRun(s.every, now) : null,
        ])
      }
      return due.length
    })
  }

  const service = {
    /** Make a kind of job known to this process (only processes that know a kind run it). */
    define<P, R>(kind: JobKind<P, R>) {
      kinds.set(kind.kind, kind as JobKind)
      return kind
    },

    /**
     * Queue a job. Pass the caller's transaction (`tx`) so that the job exists if and only if the change that caused
     * it is committed (e.g. an email written with the change that causes it).
     */
    async enqueue<P>(kind: string, params: P, o: EnqueueOptions = {}, tx?: Queryable): Promise<Job<P>> {
      const [job] = await insert(tx ?? db, kindOf(kind), params, o, 'queued')
      return job
    },

    /**
     * Start a job in this process now (work on files this machine holds: an upload, a folder on its disk), and return
     * at once with the job and a promise of its end. An exclusive kind already running anywhere is refused with a
     * ValidationError on `field` (default 'files') saying who started it and when. `local` reaches the job's run as
     * ctx.local and is not stored (callbacks of the process that started it).
     */
    async runNow<P>(
      kind: string,
      params: P,
      o: EnqueueOptions & { field?: string; local?: unknown } = {},
    ): Promise<{ job: Job<P>; finished: Promise<Job<P>> }> {
      const k = kindOf(kind)
      let job: Job<P>
      try {
        ;[job] = await insert(db, k, params, o, 'running')
      } catch (err) {
        if (!isUniqueViolation(err)) throw err
        const running = await maybeOne<Job>(db, `SELECT * FROM jobs WHERE kind = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`, [
          kind,
        ])
        throw new ValidationError({ [o.field ?? 'files']: running && k.busyMessage ? k.busyMessage(running) : busyMessage(running) })
      }
      return { job, finished: track(execute(job, o.local)) }
    },

    async get(id: number | string): Promise<Job> {
      if (!/^\d+$/.test(String(id))) throw new NotFoundError()
      const row = await maybeOne<Job>(db, `SELECT * FROM jobs WHERE id = $1`, [id])
      if (!row) throw new NotFoundError()
      return row
    },

    list(filter: { kind?: string | string[]; status?: JobStatus; limit?: number } = {}): Promise<Job[]> {
      const kindList = filter.kind === undefined ? null : Array.isArray(filter.kind) ? filter.kind : [filter.kind]
      return db.query(
        `SELECT * FROM jobs WHERE ($1::text[] IS NULL OR kind = ANY($1::text[])) AND ($2::text IS NULL OR status = $2)
         ORDER BY created_at DESC, id DESC LIMIT $3`,
        [kindList, filter.status ?? null, filter.limit ?? 50],
      )
    },

    /** The running job of a kind, if any (for "an import is running" on a page). */
    running(kind: string): Promise<Job | undefined> {
      return maybeOne<Job>(db, `SELECT * FROM jobs WHERE kind = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`, [kind])
    },

    /** Why a job cannot be run again, or undefined when it can (failed or interrupted, and its kind allows it). */
    whyNotRerun(job: Job): string | undefined {
      if (job.status !== 'interrupted' && job.status !== 'failed')
        return `Only a job that failed or was interrupted can be run again; this one is ${job.status}.`
      const k = kinds.get(job.kind)
      if (!k) return 'This kind of job is not known to this server, so it cannot be run again here.'
      return k.cannotRerun?.(job)
    },

    /** Queue an interrupted or failed job again, as a new job with the same kind and parameters. */
    async rerun(id: number | string, actor: Actor): Promise<Job> {
      const old = await service.get(id)
      const refused = service.whyNotRerun(old)
      if (refused) throw new ValidationError({ job: refused })
      return service.enqueue(old.kind, old.params, { actor, source: 'web', rerunOf: old.id })
    },

    /**
     * Create or change a schedule. `every`: 'daily HH:MM' (the server's local time) or 'every N minutes'; or give
     * `at` for a one-off run (e.g. seven days before a deadline). The next run is kept when the schedule is unchanged.
     */
    async schedule(
      key: string,
      kind: string,
      params: Record<string, unknown>,
      when: { every?: Every; at?: Date },
      tx?: Queryable,
    ): Promise<Schedule> {
      kindOf(kind)
      const every = when.every ?? null
      if (every) nextRun(every, clock()) // refuses a malformed rule now, not at the next tick
      const next = when.at ?? (every ? nextRun(every, clock()) : null)
      const [row] = await (tx ?? db).query<Schedule>(
        `INSERT INTO job_schedules (key, kind, params, every, next_run_at) VALUES ($1, $2, $3::jsonb, $4, $5)
         ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, params = EXCLUDED.params, updated_at = now(),
           next_run_at = CASE WHEN job_schedules.every IS NOT DISTINCT FROM EXCLUDED.every AND job_schedules.params = EXCLUDED.params
             AND job_schedules.next_run_at IS NOT NULL AND $6::boolean THEN job_schedules.next_run_at ELSE EXCLUDED.next_run_at END,
           every = EXCLUDED.every
         RETURNING *`,
        [key, kind, jsonForDatabase(params), every, next, !when.at],
      )
      return row
    },

    async unschedule(key: string, tx?: Queryable) {
      await (tx ?? db).query(`DELETE FROM job_schedules WHERE key = $1`, [key])
    },

    schedules(): Promise<Schedule[]> {
      return db.query(`SELECT * FROM job_schedules ORDER BY next_run_at NULLS LAST, key`)
    },

    /**
     * One pass of the worker: queue what the schedules say is due, then run every due queued job this process knows
     * (one after another). Returns the jobs it ran. Tests call this directly instead of waiting for the timer.
     */
    async tick(): Promise<Job[]> {
      await fireSchedules()
      const ran: Job[] = []
      for (let job = await claim(); job; job = await claim()) ran.push(await track(execute(job)))
      return ran
    },

    /** Poll for due work every `intervalMs` (the web server does this; commands that exit do not). */
    startWorker({ intervalMs = 2000 }: { intervalMs?: number } = {}) {
      if (timer) return
      const loop = () => {
        ticking ??= service
          .tick()
          .catch((err) => console.error(`Background jobs: ${(err as Error).message}`))
          .finally(() => {
            ticking = undefined
          })
      }
      timer = setInterval(loop, intervalMs)
      timer.unref()
      loop()
    },

    /** Stop polling and wait for the jobs this process is running (on shutdown, and in tests). */
    async stopWorker() {
      if (timer) clearInterval(timer)
      timer = undefined
      await ticking
      await Promise.allSettled([...inFlight])
    },

    /**
     * Jobs this machine was running whose process has gone (killed, or the machine restarted) are interrupted.
     * Called at start-up; a job of another machine is left to that machine.
     */
    async markInterrupted(): Promise<number> {
      const rows = await db.query<{ id: number; pid: number }>(`SELECT id, pid FROM jobs WHERE status = 'running' AND host = $1`, [host])
      let n = 0
      for (const r of rows) {
        if (r.pid === pid ? runningHere.has(r.id) : alive(r.pid)) continue
        await db.query(
          `UPDATE jobs SET status = 'interrupted', finished_at = now(), updated_at = now(), error = coalesce(error, $2) WHERE id = $1 AND status = 'running'`,
          [r.id, INTERRUPTED],
        )
        n++
      }
      return n
    },
  }
  return service
}
export type JobService = ReturnType<typeof jobService>

export interface EnqueueOptions {
  actor?: Actor
  source?: JobSource
  runAfter?: Date
  scheduleKey?: string
  rerunOf?: number
}

function defaultBackoff(attempt: number) {
  return 30_000 * 4 ** (attempt - 1)
}

function busyMessage(running: Job | undefined) {
  if (!running) return 'The same kind of job is already running. Wait for it to finish, then try again.'
  const at = new Date(running.started_at ?? running.created_at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  return `${running.title} is already running (started by ${running.started_by_name} at ${at}). Wait for it to finish, then try again.`
}

function alive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function isUniqueViolation(err: unknown) {
  return (
    (err as { code?: string })?.code === '23505' || /duplicate key value violates unique constraint/.test((err as Error)?.message ?? '')
  )
}

/** The next moment a repeating rule fires after `from`. 'daily HH:MM' is in the server's local time. */
export function nextRun(every: string, from: Date): Date {
  const daily = /^daily (\d{2}):(\d{2})$/.exec(every)
  if (daily) {
    const [h, m] = [Number(daily[1]), Number(daily[2])]
    if (h > 23 || m > 59) throw new Error(`"${every}" is not a time of day: use daily HH:MM, e.g. daily 07:00`)
    const next = new Date(from)
    next.setHours(h, m, 0, 0)
    if (next <= from) next.setDate(next.getDate() + 1)
    return next
  }
  const minutes = /^every (\d+) minutes?$/.exec(every)
  if (minutes && Number(minutes[1]) > 0) return new Date(from.getTime() + Number(minutes[1]) * 60_000)
  throw new Error(`"${every}" is not a schedule: use "daily HH:MM" or "every N minutes"`)
}
