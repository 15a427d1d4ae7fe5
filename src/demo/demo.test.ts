/** The demo is real content from the seeds, entered through the services, and a second start does nothing. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { srcDir } from '../platform/paths.ts'
import { testApp, Client, text, type TestApp } from '../../test/helpers.ts'
import { loadDemo } from './load.ts'
import { DEMO_LOGINS } from './logins.ts'

let t: TestApp
let first: Awaited<ReturnType<typeof loadDemo>>
before(async () => {
  t = await testApp()
  first = await loadDemo(t.services)
})
after(async () => {
  await t.close()
})

test('the demo loads the three partnerships of the seeds, published', async () => {
  assert.equal(first.loaded, true)
  const list = await new Client(t).get('/partnerships')
  for (const name of [
    'Hampshire Community Safety Strategy Group',
    'Worcestershire Safer Communities Board',
    'Herefordshire Community Safety Partnership',
  ]) {
    assert.match(text(list.body), new RegExp(name))
  }
})

test("Hampshire's 2019 draft has the six priorities of seed 000 and the 2020 version seven, with serious violence as priority 2", async () => {
  const p = (await t.services.partnerships.bySlug('hampshire'))!
  const versions = await t.services.agreement.listVersions(p.id, { includeUnpublished: true })
  assert.equal(versions.length, 2)
  const [v2019, v2020] = versions
  assert.equal(v2019.status, 'superseded')
  assert.equal(v2020.status, 'agreed')
  const p2019 = await t.services.agreement.priorities(v2019.id)
  const p2020 = await t.services.agreement.priorities(v2020.id)
  assert.equal(p2019.length, 6)
  assert.equal(p2020.length, 7)
  // Seed 000, "Priority 3; The continuing threat of radical extremism".
  assert.equal(p2019[2].title, 'The continuing threat of radical extremism')
  assert.match(p2020[1].title, /serious violence/i)
  // 2019's priority 3 continues as 2020's priority 4 (same lineage).
  assert.equal(p2020[3].lineage_id, p2019[2].lineage_id)
})

test('the comparison of the two Hampshire versions shows serious violence added and the others renumbered', async () => {
  const res = await new Client(t).get('/api/v1/partnerships/hampshire/agreement/compare?from=1&to=2')
  assert.equal(res.status, 200)
  const body = res.json()
  assert.equal(body.counts.added, 1)
  assert.equal(body.counts.removed, 0)
  assert.ok(body.counts.renumbered >= 5)
})

test("the 2019 round holds seed 000's text under each of the six dimensions", async () => {
  const p = (await t.services.partnerships.bySlug('hampshire'))!
  const rounds = await t.services.assurance.listRounds(p.id, { includeUnpublished: true })
  assert.equal(rounds.length, 2)
  const print = await new Client(t).get('/partnerships/hampshire/agreement/versions/1/print')
  assert.equal(print.status, 200)
  const page = text(print.body)
  // Seed 000, priority 1's ownership judgement, quoted.
  assert.match(page, /strong strategic joint ownership across Hampshire and the Isle of Wight/)
  for (const d of [
    'County co-ordination',
    'Driving front-line delivery',
    'Understanding of risk and vulnerability',
    'Reporting and recording',
    'Alignment of resources',
    'Local links',
  ]) {
    assert.match(page, new RegExp(d))
  }
})

test("the demo's rounds are published for everyone, and Autumn 2020's second publication has a difference to show", async () => {
  const anon = new Client(t)
  const rounds = (await anon.get('/api/v1/partnerships/hampshire/assurance/rounds')).json()
  assert.deepEqual(
    rounds.map((r: { title: string; published: boolean }) => [r.title, r.published]),
    [
      ['Autumn 2020 assessment', true],
      ['Autumn 2019 assessment', true],
    ],
  )
  assert.deepEqual(
    rounds.map((r: { publications: number }) => r.publications),
    [2, 1],
  )
  const index = text((await anon.get('/partnerships/hampshire/assurance')).body)
  assert.match(index, /Latest published assessment Autumn 2020 assessment/)
  const id = rounds[0].id
  const first = text((await anon.get(`/partnerships/hampshire/assurance/rounds/${id}/publications/1`)).body)
  assert.match(
    first,
    /Changed in publication 2 .*Priority 7: Creating opportunities for all children .* – Driving front-line delivery Rating: Established to Developing Development areas added: During the six-week summer holidays/,
  )
  // What is published now is the final cell.
  const api = (await anon.get(`/api/v1/partnerships/hampshire/assurance/rounds/${id}`)).json()
  const p7 = api.rows.find((r: { priority: { number: number } }) => r.priority.number === 7)
  assert.equal(p7.cells.find((c: { dimension: string }) => c.dimension === 'Driving front-line delivery').rating, 2)
})

test("Hampshire's editorial notes are in the priorities' notes, not their text, so only real rewording counts", async () => {
  const p = (await t.services.partnerships.bySlug('hampshire'))!
  const [v2019, v2020] = await t.services.agreement.listVersions(p.id, { includeUnpublished: true })
  const p2019 = await t.services.agreement.priorities(v2019.id)
  const p2020 = await t.services.agreement.priorities(v2020.id)
  assert.equal(p2020[0].note, 'Priority 1 in the October 2019 draft, unchanged.')
  for (const x of [...p2019, ...p2020]) {
    assert.doesNotMatch(x.description ?? '', /October 2019|^New priority/, `priority ${x.number}'s text`)
    assert.ok(x.note, `priority ${x.number} has its note`)
  }
  // Priority 1's title is unchanged from 2019 to 2020; its description (the paper's text) changed.
  const r = await t.services.agreement.compare(p.id, 1, 2, { includeUnpublished: false })
  const row = r.rows.find((x) => x.to?.number === 1)!
  assert.equal(row.noteChanged, true)
  assert.deepEqual(row.titleDiff, [{ type: 'same', text: p2020[0].title }])
})

test('Worcestershire has its board with four sub-groups and two CSPs (seed 004)', async () => {
  const p = (await t.services.partnerships.bySlug('worcestershire'))!
  const bodies = await t.services.governance.list(p.id)
  assert.equal(bodies.filter((b) => b.type === 'sub-group').length, 4)
  assert.equal(bodies.filter((b) => b.type === 'community safety partnership').length, 2)
})

test('one demo login per role can sign in with the demo password', async () => {
  for (const a of DEMO_LOGINS.accounts) {
    const c = new Client(t)
    await c.signIn(a.email, DEMO_LOGINS.password)
  }
  const roles = await t.db.query<{ role: string }>(
    `SELECT r.role FROM partnership_roles r JOIN partnerships p ON p.id = r.partnership_id WHERE p.slug = 'hampshire' ORDER BY r.role`,
  )
  assert.deepEqual(
    roles.map((r) => r.role),
    ['admin', 'contributor', 'editor', 'viewer'],
  )
})

test('loading the demo again does nothing when nothing changed, and a forced refresh replaces it whole', async () => {
  assert.equal((await loadDemo(t.services)).loaded, false)
  const before = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM priorities`)
  assert.equal((await loadDemo(t.services, { force: true })).loaded, true)
  const after = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM priorities`)
  assert.equal(after[0].n, before[0].n)
})

test("Hampshire's strategic assessment shows that it was agreed in March 2019, as seeds 000 and 003 say", async () => {
  // Seed 003 paragraph 6: "The HCSSG has agreed a Strategic Assessment in March 2019"; seed 000 paragraph 7: "agreed and published in March 2019".
  const c = new Client(t)
  const list = await c.get('/partnerships/hampshire/assessments/strategic')
  const href = /href="(\/partnerships\/hampshire\/assessments\/strategic\/\d+)"/.exec(list.body)?.[1]
  assert.ok(href, 'the list links to the assessment')
  const page = text((await c.get(href)).body)
  assert.match(page, /Date agreed \d{1,2} March 2019/)
  assert.doesNotMatch(page, /Date agreed Not given/)
})

test("Hampshire's action plan has an action for each development area of its Autumn 2020 round, under the 2020 agreement", async () => {
  // Counted from the demo content itself, not from the plan.
  const content = JSON.parse(fs.readFileSync(path.join(srcDir, 'demo', 'content', 'hampshire.json'), 'utf8'))
  const round = content.assessmentRounds.find((r: { title: string }) => r.title === 'Autumn 2020 assessment')
  const areas: string[] = round.cells.flatMap((c: { developmentAreas?: string[] }) => c.developmentAreas ?? [])
  const p = (await t.services.partnerships.bySlug('hampshire'))!
  const plan = (await t.services.plans.plan(p.id))!
  assert.equal(plan.version.title, 'Hampshire County Agreement for Community Safety 2020-23')
  assert.equal(plan.items.length, areas.length)
  assert.deepEqual(plan.items.map((i) => i.title).sort(), areas.map((a) => (a.length > 300 ? `${a.slice(0, 299)}…` : a)).sort())
  assert.ok(plan.items.every((i) => i.developmentAreaIds.length === 1))
})

test("Hampshire's demo returns: Q1 2020/21 closed with the account holders' answers, Q2 2020/21 open with some leads yet to answer", async () => {
  const p = (await t.services.partnerships.bySlug('hampshire'))!
  const list = await t.services.planReturns.list(p.id)
  assert.deepEqual(
    list.map((r) => [r.quarter, r.status]),
    [
      ['Q2 2020/21', 'open'],
      ['Q1 2020/21', 'closed'],
    ],
  )
  const [q2, q1] = list
  // Q1: the two leads with accounts (the police partner lead and the manager) submitted; the partners did not.
  assert.equal(q1.submitted, 2)
  assert.ok(q1.leads >= 4)
  // Q2: the police lead has submitted; the others, partners without accounts among them, have not.
  const { leads } = await t.services.planReturns.status(p.id, q2.id)
  const submitted = leads.filter((l) => l.submitted_at).map((l) => l.lead_email)
  assert.deepEqual(submitted, ['police.lead@demo.safer.test'])
  assert.ok(leads.some((l) => !l.lead_user_id && !l.submitted_at))
  // Their emails are in the outbox: each lead's opening message for both returns, and Q1's closing note.
  const mail = (await t.services.outbox.list({ limit: 10_000 })).filter((m) => m.partnership_id === p.id)
  const to = (template: string) => mail.filter((m) => m.template === template).length
  assert.equal(to('plans/return-opened'), q1.leads + q2.leads)
  assert.equal(to('plans/return-closed'), q1.leads)
  // Q1's answers are on the actions' timelines.
  const plan = (await t.services.plans.plan(p.id))!
  const item = plan.items.find((i) => i.lead_email === 'police.lead@demo.safer.test' && i.status !== 'complete')!
  const { timeline } = await t.services.plans.item(p.id, item.id)
  assert.ok(timeline.some((e) => e.kind === 'return' && /Illustrative update/.test(e.narrative ?? '')))
})

test("the demo's funding is the seeds' own figures: Herefordshire's £80,000 PCC grant (seed 002), Worcestershire's public health spend (seed 004)", async () => {
  const c = new Client(t)
  const here = (await c.get('/api/v1/partnerships/herefordshire/funding')).json()
  assert.equal(here.grants.length, 1)
  const g = here.grants[0]
  assert.equal(g.financialYear, '2016/17')
  assert.equal(g.amount, 80000)
  // Seed 002: £30,000 + £15,000 + £20,000 + £15,000 = £80,000, all of it allocated.
  assert.deepEqual(
    g.allocations.map((a: { amount: number }) => a.amount).sort((a: number, b: number) => a - b),
    [15000, 15000, 20000, 30000],
  )
  assert.equal(g.allocated, 80000)
  assert.equal(g.unallocated, 0)
  const dv = here.summaries.byPriority.find((r: { priority: string }) => /domestic violence/i.test(r.priority))
  assert.equal(dv.allocated, 30000)

  const worcs = (await c.get('/api/v1/partnerships/worcestershire/funding')).json()
  const ph = worcs.grants.find((x: { funder: string }) => /Public Health/.test(x.funder))
  // Seed 004: £154,076 + £3,798,000 + £417,000 + £250,000 = £4,619,076.
  assert.equal(ph.amount, 4619076)
  assert.equal(ph.allocated, 4619076)
  const misuse = worcs.contracts.find((x: { name: string }) => /substance misuse/.test(x.name))
  // £3,798,000 plus £106,000 from the PCC = £3,904,000.
  assert.equal(misuse.total, 3904000)
  assert.deepEqual(
    misuse.funding.map((l: { amount: number }) => l.amount).sort((a: number, b: number) => a - b),
    [106000, 3798000],
  )
})

test("Hampshire County Council's Policy and Resources Select Committee meets on 14 November 2019 with seed 000's agenda", async () => {
  const anon = new Client(t)
  const meetings = (await anon.get('/api/v1/meetings?from=2019-11-14&to=2019-11-14')).json()
  const m = meetings.find((x: { council: { slug: string } }) => x.council.slug === 'hampshire-county-council')
  assert.equal(m.body.name, 'Policy and Resources Select Committee')
  assert.equal(m.start, '2019-11-14T10:00:00+00:00')
  assert.equal(m.place, 'Wellington Room, Elizabeth II Court South, The Castle, Winchester')
  assert.deepEqual(
    m.agenda.map((i: { number: number; title: string }) => `${i.number}. ${i.title}`),
    [
      '1. Apologies for absence',
      '2. Declarations of interest',
      '3. Minutes of the previous meeting',
      '4. Deputations',
      '5. Chairman’s announcements',
      '6. Hampshire Community Safety Strategy Group',
      '7. Work Programme',
      '8. Exempt: Contract award (illustrative, demo only)',
    ],
  )
  assert.equal(m.agenda[2].purpose, 'To confirm the minutes of the previous meeting held on 24 September 2019.')
  const page = await anon.get(m.url.replace(/^https?:\/\/[^/]+/, ''))
  assert.equal(page.status, 200)
  assert.ok(!page.body.includes('CCTV maintenance'))
  // The partnership links to the committee that scrutinises it.
  assert.match(
    text((await anon.get('/partnerships/hampshire')).body),
    /Scrutinised by Policy and Resources Select Committee, Hampshire County Council/,
  )
})

test("Herefordshire's general overview and scrutiny committee of 17 January 2017 (seed 002): illustrative recommendations to HCSP and its answers", async () => {
  const anon = new Client(t)
  const res = await anon.get('/api/v1/recommendations?council=herefordshire-council')
  assert.equal(res.status, 200)
  const recs = res.json()
  assert.deepEqual(
    recs.map((r: { reference: string; state: string }) => [r.reference, r.state]),
    [
      ['SR (16/17) 01', 'closed'],
      ['SR (16/17) 02', 'in progress'],
      ['SR (16/17) 03', 'made'],
    ],
  )
  for (const r of recs) {
    assert.equal(r.illustrative, true)
    assert.equal(r.meeting.date, '2017-01-17')
    assert.equal(r.addressee.partnership, 'herefordshire')
  }
  // The paper's own figures: £80,000 from the OPCC, split 30/15/20/15 thousand.
  assert.match(
    recs[1].response,
    /£30,000 domestic violence, £15,000 anti-social behaviour and community cohesion, £20,000 reducing reoffending, £15,000 analytical support/,
  )
  assert.equal(recs[2].overdue, true)
  const page = text((await anon.get('/partnerships/herefordshire/scrutiny-recommendations')).body)
  assert.match(page, /illustrative/i)
  assert.match(text((await anon.get('/partnerships/herefordshire')).body), /Scrutiny recommendations/)
})

test("Worcestershire's Overview and Scrutiny Performance Board has seed 004's members and co-optee, and its agenda's items 5 to 8", async () => {
  const council = (await t.services.partnerships.bySlug('worcestershire-county-council'))!
  const slug = (await t.services.scrutiny.committees(council.id)).find((c) => c.body.name === 'Overview and Scrutiny Performance Board')!
    .body.slug
  const c = await t.services.scrutiny.committee(council.id, slug)
  assert.equal(c.members.length, 9)
  assert.equal(c.members.find((m) => m.role === 'chairman')?.name, 'Mr C J Bloore')
  assert.equal(c.members.find((m) => m.role === 'vice-chairman')?.name, 'Mrs E A Eyre')
  const church = c.members.find((m) => m.kind === 'co-opted')!
  assert.deepEqual(
    { name: church.name, represents: church.represents, votes: church.voting_matters },
    { name: 'Bryan Allbut', represents: 'Church of England', votes: 'Education matters only' },
  )
  const { agenda } = await t.services.scrutiny.meeting(council.id, c.meetings[0].id, { member: false })
  assert.deepEqual(
    agenda.slice(5).map((i) => `${i.number}. ${i.title}`),
    [
      '6. Annual Worcestershire County Council Community Safety Report',
      '7. Performance and 2018/19 Year-End Budget Monitoring',
      '8. Refresh of the Scrutiny Work Programme',
      '9. Member Update and Cabinet Forward Plan',
    ],
  )
})

test("Hampshire's Channel Panel requires its agencies; the attendance report shows the illustrative meetings", async () => {
  const res = await new Client(t).get('/partnerships/hampshire/committees/channel-panel/attendance?year=2019')
  assert.equal(res.status, 200)
  const page = text(res.body)
  assert.ok(page.includes('Hampshire Constabulary Organisation 3 3 100%'), 'the police came every time')
  assert.ok(page.includes('Hampshire Youth Offending Team Organisation 1 3 33%'), 'the youth offending team came once')
})

test("Hampshire's Cabinet of 15 October 2019 has seed 001's minutes, numbered 143 to 150, with its members present and their interests", async () => {
  const anon = new Client(t)
  const meetings = (await anon.get('/api/v1/meetings?from=2019-10-15&to=2019-10-15')).json()
  const m = meetings.find((x: { council: { slug: string } }) => x.council.slug === 'hampshire-county-council')
  assert.equal(m.body.name, 'Cabinet')
  const page = text((await anon.get(m.url.replace(/^https?:\/\/[^/]+/, ''))).body)
  // The minutes are published, so the public reads them with the council's own numbers.
  for (const heading of [
    '143. Apologies for absence',
    '144. Declarations of interest',
    '147. Chairman’s announcements',
    '148. Medium Term Financial Strategy Update and Transformation to 2021 Savings Proposals',
    '150. Annual Report of the Director of Public Health',
  ])
    assert.ok(page.includes(heading), `the page has "${heading}"`)
  assert.ok(page.includes('All Members of Cabinet were present and no apologies were noted.'), 'minute 143 in the paper’s words')
  assert.ok(page.includes('Member of Eastleigh Borough Council'), 'the declarations are public with the minutes')
  assert.ok(!page.includes('151.'), 'eight minutes, no more')
})
