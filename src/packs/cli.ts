/**
 * `safer pack MEETING --out FILE.pdf`: a meeting's public agenda pack, made as the public would download it (the
 * council must be published and the agenda published). Prints which meeting, progress, then the pages and bytes.
 * The file is written whole (to a temporary name, then renamed) or not at all.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'
import { fail } from '../platform/cli.ts'
import { NotFoundError } from '../platform/errors.ts'
import { PdfUnavailableError } from '../platform/pdf.ts'
import { meetingTitle } from '../scrutiny/service.ts'

export const PACK_USAGE =
  'safer pack MEETING --out FILE.pdf   (MEETING: the meeting’s number, as in /partnerships/<council>/meetings/<number>)'

export async function packCommand(services: Services, config: Config, args: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: { out: { type: 'string' } } })
  } catch (err) {
    fail(`${(err as Error).message}\n\nUsage: ${PACK_USAGE}`)
  }
  const [id, ...extra] = parsed.positionals
  const out = parsed.values.out
  if (!id || extra.length || !out) fail(`Usage: ${PACK_USAGE}`)
  if (!/^\d{1,9}$/.test(id)) fail(`MEETING is the meeting’s number, like 12 (found "${id}")`)
  const meetingId = Number(id)
  // The meeting, in whichever published workspace holds it.
  let found
  for (const p of await services.partnerships.visibleTo(undefined)) {
    const m = await services.scrutiny.meeting(p.id, meetingId, { member: false }).catch((err) => {
      if (err instanceof NotFoundError) return undefined
      throw err
    })
    if (m) {
      found = { council: { id: p.id, slug: p.slug, name: p.name }, meeting: m.meeting }
      break
    }
  }
  if (!found) fail(`There is no meeting ${meetingId} in a published council workspace.`, 1)
  const { council, meeting } = found
  console.log(`Meeting ${meetingId}: ${meetingTitle(meeting)} (${council.name})`)
  if (!meeting.agenda_published) fail(`Its agenda is not published yet, so it has no public pack.`, 1)
  if (!services.pdf.available()) fail(`No PDF was made. ${new PdfUnavailableError().message.replace(/ The print view.*$/, '')}`, 1)

  // The print views are the app's own pages, asked for as the public would (no credentials).
  const { buildApp } = await import('../app.ts')
  const app = await buildApp({ config: { ...config, logLevel: 'silent' }, services })
  await app.ready()
  const target = path.resolve(out)
  const tmp = `${target}.${process.pid}.tmp`
  try {
    const tty = process.stderr.isTTY
    const built = await services.packs.build({ app, headers: {} }, council, meetingId, 'public', {
      member: false,
      actor: { id: null, name: 'safer pack (command line)' },
      jobSource: 'command line',
      onProgress: (done, total) => {
        const line = `Rendering: ${done} of ${total} parts`
        if (tty) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`)
        else console.error(line)
      },
    })
    await fs.promises.writeFile(tmp, built.pdf)
    await fs.promises.rename(tmp, target)
    console.log(
      `Wrote ${target}: ${built.pages} pages, ${built.bytes.toLocaleString('en-GB')} bytes${built.cached ? ' (made before: taken from the cache)' : ''} in ${(built.timings.ms / 1000).toFixed(1)} s`,
    )
    return 0
  } catch (err) {
    await fs.promises.rm(tmp, { force: true })
    if (err instanceof NotFoundError) fail(`Meeting ${meetingId} has no public pack.`, 1)
    if (err instanceof PdfUnavailableError) fail(`No PDF was made. ${err.message}`, 1)
    if (err instanceof Error && (err as { statusCode?: number }).statusCode === 422) fail(`No PDF was made. ${err.message}`, 1)
    throw err
  } finally {
    await services.pdf.close()
    await app.close()
  }
}
