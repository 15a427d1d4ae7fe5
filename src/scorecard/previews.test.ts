/**
 * Upload previews that are never saved are deleted after 24 hours by a scheduled job (cleanup.ts), audited as the
 * system, with the file's text left out of the audit entry; previews younger than that, and saved or undone uploads,
 * are kept.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { unique, type TestApp } from '../../test/helpers.ts'
import { testAppWithGeography } from '../../test/crime-helpers.ts'
import { systemActor, historyOf } from '../platform/audit.ts'
import { jobService } from '../platform/jobs.ts'
import { STALE_PREVIEWS_KIND, stalePreviews } from './cleanup.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
})
after(async () => {
  await t.close()
})

const HOUR = 3_600_000
const editor = { id: null, name: 'Test editor' }

async function partnershipWithIndicator() {
  const p = await t.services.partnerships.create(
    { slug: unique('previews'), name: 'Previews test', published: true, areaCode: 'E06000019' },
    systemActor,
  )
  await t.services.scorecard.defineIndicator(
    p.id,
    { code: 'hate-crimes', name: 'Hate crimes', unit: 'count', polarity: 'lower-is-better', frequency: 'financial-year' },
    systemActor,
  )
  return p
}

/** A clean CSV checked and kept as a preview, checked `hoursAgo` hours ago. */
async function preview(partnershipId: number, filename: string, hoursAgo: number, value = 600) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-previews-test-'))
  const file = path.join(dir, filename)
  fs.writeFileSync(file, `indicator,area,period,numerator,denominator,value\nhate-crimes,E06000019,2019/20,,,${value}\n`)
  const { check, upload } = await t.services.scorecard.previewUpload(partnershipId, file, filename, editor)
  assert.deepEqual(check.problems, [])
  assert.ok(upload)
  fs.rmSync(dir, { recursive: true, force: true })
  await t.services.db.query(`UPDATE scorecard_uploads SET created_at = now() - $2::integer * interval '1 hour' WHERE id = $1`, [
    upload.id,
    hoursAgo,
  ])
  return upload.id
}

const uploadRow = async (id: number) =>
  (
    await t.services.db.query<{ id: number; status: string; content: string | null }>(
      `SELECT id, status, content FROM scorecard_uploads WHERE id = $1`,
      [id],
    )
  )[0]

test('the job deletes previews checked more than 24 hours ago, as the system, keeping newer previews and saved uploads', async () => {
  const p = await partnershipWithIndicator()
  const stale = await preview(p.id, 'stale.csv', 25)
  const fresh = await preview(p.id, 'fresh.csv', 23)
  const saved = await preview(p.id, 'saved.csv', 30, 610)
  await t.services.scorecard.confirmUpload(p.id, saved, editor)

  const { job, finished } = await t.services.jobs.runNow(STALE_PREVIEWS_KIND, {}, { actor: systemActor, source: 'schedule' })
  const done = await finished
  assert.equal(done.status, 'done', done.error ?? '')
  assert.equal(job.kind, STALE_PREVIEWS_KIND)
  assert.ok(
    done.result.uploads.some((u: { id: number }) => u.id === stale),
    JSON.stringify(done.result),
  )
  assert.ok(!done.result.uploads.some((u: { id: number }) => u.id === fresh || u.id === saved))

  // The stale preview and its text are gone; the fresh one is still there to be saved; the saved one is untouched.
  assert.equal(await uploadRow(stale), undefined)
  assert.equal((await uploadRow(fresh)).status, 'preview')
  assert.match((await uploadRow(fresh)).content ?? '', /hate-crimes,E06000019,2019\/20/)
  assert.equal((await uploadRow(saved)).status, 'saved')
  await assert.rejects(t.services.scorecard.uploadPreview(p.id, stale), /not found/i)
  const { check } = await t.services.scorecard.uploadPreview(p.id, fresh)
  assert.equal(check.rows.length, 1)

  // Audited as the system under the partnership, with the upload's details but not the file's text.
  const [removed] = await historyOf(t.services.db, 'indicator upload', stale, p.id)
  assert.equal(removed.action, 'delete')
  assert.equal(removed.user_name, systemActor.name)
  assert.equal(removed.user_id, null)
  assert.match(removed.summary ?? '', /^stale\.csv \(1 row\) removed: checked at .* and not saved within 24 hours$/)
  assert.equal(removed.before?.filename, 'stale.csv')
  assert.equal(removed.before?.content, null)
  assert.doesNotMatch(JSON.stringify(removed.before), /E06000019/)

  // Run again: nothing more to remove.
  assert.equal((await t.services.scorecardPreviews.remove()).removed, 0)
})

test('the clean-up is scheduled daily, and a due schedule runs it through the background jobs worker', async () => {
  const [s] = (await t.services.jobs.schedules()).filter((x) => x.key === STALE_PREVIEWS_KIND)
  assert.ok(s, 'the schedule exists')
  assert.equal(s.kind, STALE_PREVIEWS_KIND)
  assert.equal(s.every, 'daily 03:30')
  assert.ok(s.next_run_at && new Date(s.next_run_at).getTime() - Date.now() <= 24 * HOUR)

  const p = await partnershipWithIndicator()
  const stale = await preview(p.id, 'old.csv', 26)
  // A second process whose clock is 25 hours on: the daily run is due there, so its worker queues and runs the job.
  const later = () => new Date(Date.now() + 25 * HOUR)
  const jobs = jobService(t.services.db, { clock: later })
  const cleanup = stalePreviews(t.services.db, jobs, { clock: later })
  await cleanup.schedule() // the same rule: the next run is kept
  const ran = await jobs.tick()
  const mine = ran.filter((j) => j.kind === STALE_PREVIEWS_KIND)
  assert.equal(mine.length, 1, JSON.stringify(ran.map((j) => j.kind)))
  assert.equal(mine[0].source, 'schedule')
  assert.equal(mine[0].status, 'done', mine[0].error ?? '')
  assert.equal(await uploadRow(stale), undefined)
  // Moved on to the next day.
  const [after] = (await jobs.schedules()).filter((x) => x.key === STALE_PREVIEWS_KIND)
  assert.ok(new Date(after.next_run_at!).getTime() > Date.now() + 24 * HOUR)
})
