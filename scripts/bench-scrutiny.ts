/**
 * npm run bench:scrutiny: how fast scrutiny's heaviest public pages answer. Figures are printed, not asserted.
 *
 * One published council with 40 committees, each meeting monthly for 50 months (2,000 meetings), every agenda
 * published with its five standard items and three substantive ones (one of them exempt). Measured through the app
 * in-process (app.inject); server time is the app's own Server-Timing figure.
 *   - a committee page with 5 years of meetings (60): goal ≤ 100 ms;
 *   - /meetings.ics with all 2,000 meetings: goal ≤ 300 ms;
 *   - a work programme of 60 items over 8 upcoming meetings (90 plans, each an agenda item): goal ≤ 100 ms.
 *
 *   BENCH_SCRUTINY_REQUESTS (default 50) changes the run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { systemActor } from '../src/platform/audit.ts'
import { addDays, todayInLondon } from '../src/scrutiny/dates.ts'
import { measurePage, openStore } from './bench-store.ts'

const REQUESTS = Number(process.env.BENCH_SCRUTINY_REQUESTS ?? 50)
const COMMITTEES = 40
const MEETINGS_EACH = 50
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 1 })
const month = (i: number) => `${2020 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-scrutiny-'))
const { db, config, services: s } = await openStore(dataDir)
const app = await buildApp({ config, services: s })
await app.ready()

try {
  console.log(`Setting up ${COMMITTEES} committees x ${MEETINGS_EACH} meetings, and one committee with 5 years of meetings ...`)
  const started = performance.now()
  const council = await s.partnerships.create(
    { slug: 'bench-council', name: 'Benchmark County Council', kind: 'council', published: true },
    systemActor,
  )
  let committeeSlug = ''
  await db.transaction(async (tx) => {
    for (let c = 0; c < COMMITTEES; c++) {
      const body = await s.scrutiny.createCommittee(council.id, { name: `Committee ${c + 1}`, type: 'select committee' }, systemActor, tx)
      // The first committee has 5 years of monthly meetings (60); the others MEETINGS_EACH, to make 2,000 in all.
      const n = c === 0 ? 60 : Math.round((2000 - 60) / (COMMITTEES - 1))
      if (c === 0) committeeSlug = body.slug
      for (let i = 0; i < n && (c > 0 || i < 60); i++) {
        const m = await s.scrutiny.createMeeting(
          council.id,
          {
            bodyId: body.id,
            date: `${month(i)}-${String(10 + (c % 18)).padStart(2, '0')}`,
            startTime: '10:00',
            place: 'Council Chamber, County Hall',
            status: 'held',
            agendaPublished: true,
            decisionsPublished: true,
          },
          systemActor,
          tx,
        )
        for (let k = 0; k < 3; k++)
          await s.scrutiny.addItem(
            council.id,
            m.id,
            k === 2
              ? { title: `Confidential item ${k}`, exempt: true, exemptParagraph: 3, publishedTitle: 'Contract award' }
              : { title: `Report ${k + 1}`, purpose: 'To consider a report of the Director of Corporate Services.', presenter: 'Director' },
            systemActor,
            tx,
          )
      }
    }
  })
  // A work programme: 60 items over 8 upcoming meetings of one committee, every other item planned for two of them.
  const wp = await s.scrutiny.createCommittee(council.id, { name: 'Work programme committee', type: 'select committee' }, systemActor)
  const upcoming: number[] = []
  for (let i = 0; i < 8; i++)
    upcoming.push(
      (
        await s.scrutiny.createMeeting(
          council.id,
          { bodyId: wp.id, date: addDays(todayInLondon(), 14 + 42 * i), startTime: '10:00', place: 'Council Chamber', status: 'scheduled' },
          systemActor,
        )
      ).id,
    )
  await db.transaction(async (tx) => {
    for (let i = 0; i < 60; i++)
      await s.workProgramme.createItem(
        council.id,
        wp.slug,
        {
          topic: `Topic ${i + 1}`,
          issue: `Issue ${i + 1}`,
          reason: 'To monitor how performance is managed corporately and consider the performance information.',
          statusOutcomes: 'Last received June 2018, next update expected summer 2019.',
          directorate: ['Corporate Services', 'Children’s Services', 'Adults’ Health and Care'][i % 3],
          length: i % 4 ? 'single' : 'several',
          agreed: true,
          meetings: i % 2 ? [upcoming[i % 8]] : [upcoming[i % 8], upcoming[(i + 3) % 8]],
        },
        systemActor,
        tx,
      )
  })
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM meetings')
  console.log(`${n} meetings saved in ${fmt((performance.now() - started) / 1000)} s`)

  const measure = (label: string, url: string, goal: string) => measurePage(app, label, url, goal, REQUESTS)
  await measure('Committee page with 5 years of meetings (60)', `/partnerships/${council.slug}/committees/${committeeSlug}`, '≤ 100 ms')
  await measure(`/meetings.ics with ${n} meetings`, '/meetings.ics', '≤ 300 ms')
  await measure(`/api/v1/meetings for one month`, '/api/v1/meetings?from=2021-03-01&to=2021-03-31', 'none set')
  await measure('Meetings calendar for one month', '/meetings?view=calendar&month=2021-03', 'none set')
  await measure('Work programme, 60 items x 8 meetings', `/partnerships/${council.slug}/committees/${wp.slug}/work-programme`, '≤ 100 ms')
} finally {
  await app.close()
  await s.analytics.close()
  await db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}
