import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { openPostgres, type Db } from './db/index.ts'
import { migrate } from './db/migrate.ts'
import { jobService, nextRun, type Job } from './jobs.ts'
import { ValidationError } from './errors.ts'
import { testDb, createServerDatabase } from '../../test/helpers.ts'

const actor = { id: null, name: 'Test runner' }
let db: Db
before(async () => {
  db = await testDb()
})
after(async () => {
  await db.close()
})

/** A clock the test moves by hand. */
function manualClock(iso: string) {
  let now = new Date(iso)
  return {
    now: () => now,
    set: (s: string) => {
      now = new Date(s)
    },
  }
}

// Each test uses kinds of its own name, so no test sees another's jobs.
let n = 0
const kindName = (what: string) => `test:${what}:${++n}`

describe('jobs', () => {
  it('runs a queued job once, recording its progress and result', async () => {
    const jobs = jobService(db, { progressIntervalMs: 0 })
    const kind = kindName('count')
    jobs.define({
      kind,
      title: (p: { upTo: number }) => `Count to ${p.upTo}`,
      run: async (ctx) => {
        for (let i = 1; i <= ctx.params.upTo; i++) ctx.progress({ done: i, total: ctx.params.upTo, unit: 'numbers' })
        return { counted: ctx.params.upTo }
      },
    })
    const queued = await jobs.enqueue(kind, { upTo: 3 }, { actor })
    assert.equal(queued.status, 'queued')
    assert.equal(queued.title, 'Count to 3')
    const ran = await jobs.tick()
    assert.deepEqual(
      ran.map((j) => j.id),
      [queued.id],
    )
    const done = await jobs.get(queued.id)
    assert.equal(done.status, 'done')
    assert.deepEqual(done.result, { counted: 3 })
    assert.equal(done.progress.done, 3)
    assert.equal(done.progress.total, 3)
    assert.equal(done.attempts, 1)
    assert.equal(done.started_by_name, 'Test runner')
    assert.ok(done.started_at && done.finished_at && done.finished_at >= done.started_at)
    assert.deepEqual(await jobs.tick(), [], 'a finished job is not run again')
  })

  it('queues nothing when the change that queued it is rolled back', async () => {
    const jobs = jobService(db)
    const kind = kindName('outbox')
    jobs.define({ kind, title: () => 'Send', run: async () => 'sent' })
    await assert.rejects(
      db.transaction(async (tx) => {
        await jobs.enqueue(kind, {}, { actor }, tx)
        throw new Error('the change failed')
      }),
    )
    assert.equal((await jobs.list({ kind })).length, 0)
  })

  it('retries a failing job after a back-off, then fails it with the error', async () => {
    const clock = manualClock('2026-12-02T10:00:00Z')
    const jobs = jobService(db, { clock: clock.now })
    const kind = kindName('flaky')
    let calls = 0
    jobs.define({
      kind,
      title: () => 'Flaky',
      maxAttempts: 2,
      backoffMs: () => 60_000,
      run: async () => {
        calls++
        throw new Error('The mail server said 451 try later')
      },
    })
    const job = await jobs.enqueue(kind, {}, { actor })
    await jobs.tick()
    let row = await jobs.get(job.id)
    assert.equal(row.status, 'queued')
    assert.equal(row.error, 'The mail server said 451 try later')
    assert.equal(new Date(row.run_after).toISOString(), '2026-12-02T10:01:00.000Z')
    await jobs.tick()
    assert.equal(calls, 1, 'not retried before its back-off has passed')
    clock.set('2026-12-02T10:01:00Z')
    await jobs.tick()
    row = await jobs.get(job.id)
    assert.equal(calls, 2)
    assert.equal(row.status, 'failed')
    assert.equal(row.attempts, 2)
    assert.equal(row.error, 'The mail server said 451 try later')
  })

  it('refuses a second job of an exclusive kind while one runs, naming who started the first', async () => {
    const jobs = jobService(db)
    const kind = kindName('import')
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    jobs.define({
      kind,
      title: () => 'police.uk import',
      exclusive: true,
      run: async () => {
        await gate
        return 'ok'
      },
    })
    const first = await jobs.runNow(kind, {}, { actor: { id: null, name: 'Ann Analyst' } })
    assert.equal(first.job.status, 'running')
    await assert.rejects(jobs.runNow(kind, {}, { actor }), (err: unknown) => {
      assert.ok(err instanceof ValidationError)
      assert.match(err.fields.files, /^police\.uk import is already running \(started by Ann Analyst at \d\d:\d\d\)/)
      return true
    })
    // A queued one waits too.
    const queued = await jobs.enqueue(kind, {}, { actor })
    assert.deepEqual(await jobs.tick(), [])
    assert.equal((await jobs.get(queued.id)).status, 'queued')
    release()
    assert.equal((await first.finished).status, 'done')
    assert.deepEqual(
      (await jobs.tick()).map((j) => j.id),
      [queued.id],
    )
  })

  it('marks a job whose process died as interrupted at start-up, and runs it again on request', async () => {
    const kind = kindName('dead')
    const define = (j: ReturnType<typeof jobService>) => j.define({ kind, title: () => 'Render', run: async () => 'rendered' })
    // A process that no longer exists (pid 2^22 + 1 is above Linux's default pid_max of 2^22).
    const dead = jobService(db, { pid: 4194305 })
    define(dead)
    const { job } = await dead.runNow(kind, {}, { actor }).then((r) => ({ job: r.job }))
    await db.query(`UPDATE jobs SET status = 'running', finished_at = NULL WHERE id = $1`, [job.id]) // as if it never ended
    const restarted = jobService(db)
    define(restarted)
    assert.equal(await restarted.markInterrupted(), 1)
    const row = await restarted.get(job.id)
    assert.equal(row.status, 'interrupted')
    assert.match(row.error!, /stopped before it finished/)
    const again = await restarted.rerun(job.id, actor)
    assert.equal(again.rerun_of, job.id)
    await restarted.tick()
    assert.equal((await restarted.get(again.id)).status, 'done')
    await assert.rejects(restarted.rerun(again.id, actor), /Only a job that failed or was interrupted can be run again/)
  })

  it('gives a job started with runNow what its starter passed as local, without storing it', async () => {
    const jobs = jobService(db)
    const kind = kindName('local')
    const seen: string[] = []
    jobs.define({
      kind,
      title: () => 'Local',
      run: async (ctx) => {
        ;(ctx.local as ((s: string) => void) | undefined)?.('called back')
        return { hadLocal: ctx.local !== undefined }
      },
    })
    const { job, finished } = await jobs.runNow(kind, { n: 1 }, { actor, local: (s: string) => seen.push(s) })
    assert.deepEqual((await finished).result, { hadLocal: true })
    assert.deepEqual(seen, ['called back'])
    assert.deepEqual((await jobs.get(job.id)).params, { n: 1 })
    // Run from the queue (the worker, a rerun), it has none.
    const queued = await jobs.enqueue(kind, { n: 2 }, { actor })
    await jobs.tick()
    assert.deepEqual((await jobs.get(queued.id)).result, { hadLocal: false })
  })

  it("keeps a failed job's last progress, even a report the throttle had not written", async () => {
    const jobs = jobService(db, { progressIntervalMs: 60_000 })
    const kind = kindName('half-way')
    jobs.define({
      kind,
      title: () => 'Half way',
      run: async (ctx) => {
        ctx.progress({ done: 1, total: 4, unit: 'files' })
        ctx.progress({ done: 2, total: 4, unit: 'files', results: ['a.csv refused'] })
        throw new Error('the third file could not be read')
      },
    })
    const { finished } = await jobs.runNow(kind, {}, { actor })
    const failed = await finished
    assert.equal(failed.status, 'failed')
    assert.equal(failed.error, 'the third file could not be read')
    assert.deepEqual(failed.progress, { done: 2, total: 4, unit: 'files', results: ['a.csv refused'] })
  })

  it('lets a kind refuse to run a job again, with its reason (e.g. the files it read are gone)', async () => {
    const jobs = jobService(db)
    const kind = kindName('files')
    jobs.define({
      kind,
      title: () => 'Files',
      run: async () => {
        throw new Error('stopped')
      },
      cannotRerun: (job: Job<{ file?: string }>) => (job.params.file ? undefined : 'Its files are gone, so it cannot be run again.'),
    })
    const gone = await (await jobs.runNow(kind, {}, { actor })).finished
    const there = await (await jobs.runNow(kind, { file: 'a.csv' }, { actor })).finished
    assert.equal(jobs.whyNotRerun(gone), 'Its files are gone, so it cannot be run again.')
    await assert.rejects(
      jobs.rerun(gone.id, actor),
      (err: unknown) => err instanceof ValidationError && err.fields.job === 'Its files are gone, so it cannot be run again.',
    )
    assert.equal(jobs.whyNotRerun(there), undefined)
    assert.equal((await jobs.rerun(there.id, actor)).rerun_of, there.id)
    const unknown = { ...there, kind: 'test:no-such-kind' }
    assert.match(jobs.whyNotRerun(unknown)!, /not known to this server/)
  })

  it('leaves a running job of another live process alone', async () => {
    const jobs = jobService(db, { pid: process.ppid }) // the process that started this test runner is alive
    const kind = kindName('live')
    let release!: () => void
    jobs.define({
      kind,
      title: () => 'Live',
      run: () =>
        new Promise((r) => {
          release = () => r('ok')
        }),
    })
    const { job, finished } = await jobs.runNow(kind, {}, { actor })
    await jobService(db).markInterrupted()
    assert.equal((await jobs.get(job.id)).status, 'running')
    release()
    await finished
  })

  it('runs a daily schedule once at its time, and again the next day, across a restart', async () => {
    const clock = manualClock('2026-12-02T06:59:00')
    const kind = kindName('daily')
    const make = () => {
      const j = jobService(db, { clock: clock.now })
      j.define({ kind, title: () => 'Morning reminders', run: async () => 'reminded' })
      return j
    }
    let jobs = make()
    const s = await jobs.schedule(`${kind}:reminders`, kind, {}, { every: 'daily 07:00' })
    assert.equal(new Date(s.next_run_at!).getTime(), new Date('2026-12-02T07:00:00').getTime())
    assert.deepEqual(await jobs.tick(), [], 'not due at 06:59')
    jobs = make() // a restart: the schedule is in the database
    clock.set('2026-12-02T07:00:30')
    assert.equal((await jobs.tick()).length, 1)
    assert.deepEqual(await jobs.tick(), [], 'once only')
    const [after] = (await jobs.schedules()).filter((x) => x.key === `${kind}:reminders`)
    assert.equal(new Date(after.next_run_at!).getTime(), new Date('2026-12-03T07:00:00').getTime())
    // Saving the same schedule again keeps its next run.
    await jobs.schedule(`${kind}:reminders`, kind, {}, { every: 'daily 07:00' })
    assert.equal(
      new Date((await jobs.schedules()).find((x) => x.key === `${kind}:reminders`)!.next_run_at!).getTime(),
      new Date('2026-12-03T07:00:00').getTime(),
    )
    clock.set('2026-12-03T07:00:00')
    assert.equal((await jobs.tick()).length, 1)
  })

  it('runs a one-off schedule (seven days before a deadline) once, then leaves it spent', async () => {
    const clock = manualClock('2026-12-02T09:00:00Z')
    const jobs = jobService(db, { clock: clock.now })
    const kind = kindName('deadline')
    jobs.define({ kind, title: (p: { returnId: number }) => `Reminder for return ${p.returnId}`, run: async () => 'sent' })
    const deadline = new Date('2026-12-20T17:00:00Z')
    await jobs.schedule(`${kind}:return-7`, kind, { returnId: 7 }, { at: new Date(deadline.getTime() - 7 * 86_400_000) })
    clock.set('2026-12-13T16:59:00Z')
    assert.deepEqual(await jobs.tick(), [])
    clock.set('2026-12-13T17:00:00Z')
    const ran = await jobs.tick()
    assert.equal(ran.length, 1)
    assert.equal(ran[0].title, 'Reminder for return 7')
    assert.equal(ran[0].source, 'schedule')
    clock.set('2026-12-30T00:00:00Z')
    assert.deepEqual(await jobs.tick(), [])
    assert.equal((await jobs.schedules()).find((x) => x.key === `${kind}:return-7`)!.next_run_at, null)
  })

  it('refuses a schedule rule it cannot read', async () => {
    const jobs = jobService(db)
    const kind = kindName('bad')
    jobs.define({ kind, title: () => 'x', run: async () => 'x' })
    await assert.rejects(jobs.schedule('bad', kind, {}, { every: 'daily 25:00' }), /not a time of day/)
    await assert.rejects(jobs.schedule('bad', kind, {}, { every: 'weekly' as any }), /not a schedule/)
    await assert.rejects(jobs.schedule('bad', 'no-such-kind', {}, { every: 'daily 07:00' }), /No job kind "no-such-kind"/)
  })

  it('queues and runs a due schedule once when several app processes tick at the same moment', async () => {
    // On a PostgreSQL server each "process" has its own connection pool; on PGlite they share the one database.
    const serverUrl = process.env.SAFER_TEST_DATABASE_URL
    const created = serverUrl ? await createServerDatabase(serverUrl, 'safer_jobs') : undefined
    const pools: Db[] = []
    try {
      if (created) {
        for (let i = 0; i < 4; i++) pools.push(await openPostgres(created.url, 3))
        await migrate(pools[0])
      }
      const clock = manualClock('2026-12-02T07:00:00Z')
      const kind = kindName('shared')
      let runs = 0
      const processes = Array.from({ length: 4 }, (_, i) => {
        const j = jobService(pools[i] ?? db, { clock: clock.now, pid: 100000 + i })
        j.define({
          kind,
          title: () => 'Digest',
          run: async () => {
            runs++
            await new Promise((r) => setTimeout(r, 20))
            return 'sent'
          },
        })
        return j
      })
      await processes[0].schedule(`${kind}:digest`, kind, {}, { at: new Date('2026-12-02T06:00:00Z') })
      for (let i = 0; i < 5; i++) await processes[0].enqueue(kind, { i }, { actor })
      const ran = (await Promise.all(processes.map((p) => p.tick()))).flat()
      assert.equal(runs, 6, 'five queued jobs and one scheduled run, each run once')
      assert.equal(new Set(ran.map((j: Job) => j.id)).size, 6)
      const all = await processes[0].list({ kind })
      assert.equal(all.length, 6)
      assert.ok(all.every((j) => j.status === 'done' && j.attempts === 1))
    } finally {
      for (const p of pools) await p.close()
      await created?.drop()
    }
  })
})

describe('nextRun', () => {
  it('gives today at the time when it is still ahead, otherwise tomorrow', () => {
    assert.equal(nextRun('daily 07:00', new Date('2026-12-02T06:00:00')).getTime(), new Date('2026-12-02T07:00:00').getTime())
    assert.equal(nextRun('daily 07:00', new Date('2026-12-02T07:00:00')).getTime(), new Date('2026-12-03T07:00:00').getTime())
    assert.equal(nextRun('daily 23:30', new Date('2026-12-31T23:45:00')).getTime(), new Date('2027-01-01T23:30:00').getTime())
  })
  it('adds the minutes of an every-N-minutes rule', () => {
    assert.equal(nextRun('every 5 minutes', new Date('2026-12-02T10:58:00Z')).toISOString(), '2026-12-02T11:03:00.000Z')
    assert.equal(nextRun('every 1 minute', new Date('2026-12-02T10:58:00Z')).toISOString(), '2026-12-02T10:59:00.000Z')
  })
})
