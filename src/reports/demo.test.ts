/** The reports demo: the seeds' reports on their agenda items, published, in each council's template, in the pack's parts. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, text, type TestApp } from '../../test/helpers.ts'
import { loadDemo } from '../demo/load.ts'

let t: TestApp
before(async () => {
  t = await testApp()
  await loadDemo(t.services)
})
after(async () => {
  await t.close()
})

test("Hampshire's report on its Community Safety Strategy Group: seed 000's header and wording, live data, the agreement as its appendix, published", async () => {
  const hcc = (await t.services.partnerships.bySlug('hampshire-county-council'))!
  const hampshire = (await t.services.partnerships.bySlug('hampshire'))!
  const list = await t.services.reports.list(hcc.id, { member: false })
  assert.deepEqual(list.map((r) => r.title).sort(), ['Hampshire Community Safety Strategy Group', 'Work Programme'])
  const annual = list.find((r) => r.title === 'Hampshire Community Safety Strategy Group')!
  assert.equal(annual.state, 'published')
  assert.equal(annual.header.contactName, 'Robert Ormerod')
  assert.match(annual.sections.find((s) => s.key === 'purpose')!.text, /progress towards agreeing the Hampshire County Agreement/)
  // The live priorities of Hampshire's latest published agreement, counted here from the agreement's service.
  const version = (await t.services.agreement.latestVersion(hampshire.id, { includeUnpublished: false }))!
  const priorities = await t.services.agreement.priorities(version.id)
  const block = annual.snapshot!.find((b) => b.key === 'priorities')!
  assert.deepEqual(
    block.rows.map((r) => r[1]),
    priorities.map((p) => p.title),
  )
  const page = await (await clientAs(t, 'anonymous')).get(`/partnerships/${hcc.slug}/reports/${annual.id}`)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /Robert Ormerod/)
  assert.match(text(page.body), /Illustrative/)
  // The pack's parts for the meeting's items: the report's print view, then the agreement's.
  const meeting = (await t.services.scrutiny.meetings(hcc.id)).find((m) => m.date === '2019-11-14')!
  const full = await t.services.scrutiny.meeting(hcc.id, meeting.id, { member: false })
  const parts = await t.services.reports.packParts(
    hcc.id,
    full.agenda.map((i) => ({ id: i.id, exempt: i.exempt, title: i.title })),
    { member: false },
  )
  const item = full.agenda.find((i) => i.title === 'Hampshire Community Safety Strategy Group')!
  assert.deepEqual(
    parts.get(item.id)!.map((p) => p.kind === 'page' && p.path.split('/').slice(3, 4)[0]),
    ['reports', 'agreement'],
  )
  const wp = full.agenda.find((i) => i.title === 'Work Programme')!
  assert.match((parts.get(wp.id)![1] as { path: string }).path, /work-programme\/print$/)
})

test("Worcestershire's annual community safety report is in Worcestershire's template (seed 004), on the 24 July 2019 item", async () => {
  const wcc = (await t.services.partnerships.bySlug('worcestershire-county-council'))!
  const [r] = await t.services.reports.list(wcc.id, { member: false })
  assert.equal(r.title, 'Annual Worcestershire County Council Community Safety Report')
  assert.equal(r.shape, 'worcestershire')
  assert.deepEqual(r.sections.map((s) => s.heading).slice(0, 1), ['Summary'])
  assert.ok(r.sections.some((s) => s.heading === 'Specific Contact Points for this report' && s.text.includes('Tim Rice')))
  const link = await t.services.reports.agendaItem(r, { member: false })
  assert.equal(link?.meeting.date, '2019-07-24')
})
