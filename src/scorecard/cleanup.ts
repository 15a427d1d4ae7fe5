/**
 * Upload previews that are never saved. A clean CSV upload is kept (its text, in scorecard_uploads with status
 * 'preview') so that its preview can be shown and then saved; one that nobody saves would stay for ever. A scheduled
 * job, `scorecard:remove-stale-previews`, deletes every preview checked more than 24 hours ago, each in its own
 * transaction, audited as the system ("Safer (system)") under its partnership.
 *
 * The file's text is cleared just before the audited delete (as the agreement does for attachments), so the audit
 * entry records the upload's details (name, sha256, rows, who checked it and when), not its contents.
 * docs/scorecard.md, "Upload previews never saved".
 */
import type { Db } from '../platform/db/index.ts'
import type { JobService, Every } from '../platform/jobs.ts'
import { deleteRecord } from '../platform/records.ts'
import { systemActor } from '../platform/audit.ts'
import { formatDateTime } from '../platform/errors.ts'
import { plural } from '../platform/format.ts'

export const STALE_PREVIEWS_KIND = 'scorecard:remove-stale-previews'
/** How long a preview waits to be saved. */
export const PREVIEW_LIFETIME_HOURS = 24
/** When the job runs: once a day, at night (the server's local time), so a preview lives between 24 and 48 hours. */
export const STALE_PREVIEWS_EVERY: Every = 'daily 03:30'

export interface StalePreviewsResult {
  removed: number
  uploads: { id: number; partnership_id: number; filename: string }[]
}

export function stalePreviews(db: Db, jobs: JobService, opts: { clock?: () => Date } = {}) {
  const clock = opts.clock ?? (() => new Date())

  /** Delete the previews checked before `cutoff` (default: 24 hours ago). Saved and undone uploads are never touched. */
  async function remove(cutoff = new Date(clock().getTime() - PREVIEW_LIFETIME_HOURS * 3_600_000)): Promise<StalePreviewsResult> {
    const candidates = await db.query<{ id: number }>(
      `SELECT id FROM scorecard_uploads WHERE status = 'preview' AND created_at < $1 ORDER BY id`,
      [cutoff],
    )
    const uploads: StalePreviewsResult['uploads'] = []
    for (const { id } of candidates) {
      const done = await db.transaction(async (tx) => {
        // Checked again under a lock: it may have been saved since it was listed.
        const [u] = await tx.query<{ id: number; partnership_id: number; filename: string; row_count: number; created_at: Date }>(
          `SELECT id, partnership_id, filename, row_count, created_at FROM scorecard_uploads
           WHERE id = $1 AND status = 'preview' AND created_at < $2 FOR UPDATE`,
          [id, cutoff],
        )
        if (!u) return undefined
        // Keep the file's text out of the audit trail's "before".
        await tx.query(`UPDATE scorecard_uploads SET content = NULL WHERE id = $1`, [u.id])
        await deleteRecord(tx, 'scorecard_uploads', u.id, undefined, {
          actor: systemActor,
          partnershipId: u.partnership_id,
          entity: 'indicator upload',
          summary: `${u.filename} (${plural(u.row_count, 'row')}) removed: checked at ${formatDateTime(new Date(u.created_at))} and not saved within ${PREVIEW_LIFETIME_HOURS} hours`,
        })
        return { id: u.id, partnership_id: u.partnership_id, filename: u.filename }
      })
      if (done) uploads.push(done)
    }
    return { removed: uploads.length, uploads }
  }

  jobs.define<Record<string, never>, StalePreviewsResult>({
    kind: STALE_PREVIEWS_KIND,
    title: () => 'Remove scorecard upload previews never saved',
    exclusive: true,
    run: async (ctx) => {
      const result = await remove()
      ctx.progress({ done: result.removed, total: result.removed, unit: 'previews' })
      return result
    },
  })

  return {
    remove,
    /** Create (or keep) the daily schedule; called when the services are built. */
    schedule: () => jobs.schedule(STALE_PREVIEWS_KIND, STALE_PREVIEWS_KIND, {}, { every: STALE_PREVIEWS_EVERY }),
  }
}
export type StalePreviews = ReturnType<typeof stalePreviews>
