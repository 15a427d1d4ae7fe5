import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { callInProblems, workingDaysAfter } from './decisions.ts'

let t: TestApp
let council: Partnership
let cabinetId = 0
let committeeMeetingId = 0
const councillors: number[] = []

// What an exempt decision holds that must never reach the public.
const SECRET_TITLE = 'Sale of the Winchester depot to Zebulon Holdings'
const SECRET_DECISION = 'Zebulon Holdings offered 3.2 million pounds'
const SECRET_REASONS = 'Zebulon outbid two named rivals'
const SECRETS = [SECRET_TITLE, SECRET_DECISION, SECRET_REASONS, 'Zebulon']

const d = () => t.services.decisions

before(async () => {
  t = await testApp()
  council = await t.services.partnerships.create(
    { slug: unique('hcc'), name: 'Hampshire County Council', kind: 'council', published: true },
    systemActor,
  )
  cabinetId = (await t.services.scrutiny.createCommittee(council.id, { name: 'Cabinet', type: 'cabinet' }, systemActor)).id
  const committee = await t.services.scrutiny.createCommittee(
    council.id,
    { name: 'Policy and Resources Select Committee', type: 'select committee' },
    systemActor,
  )
  committeeMeetingId = (
    await t.services.scrutiny.createMeeting(
      council.id,
      { bodyId: committee.id, date: '2020-01-20', startTime: '10:00', place: 'Wellington Room', status: 'held' },
      systemActor,
    )
  ).id
  for (const name of ['Councillor Ann Able', 'Councillor Ben Baker', 'Councillor Cal Cole'])
    councillors.push((await t.services.scrutiny.addCouncillor(council.id, { name, kind: 'councillor' }, systemActor)).id)
})

after(async () => {
  await t.close()
})

const record = (extra: Record<string, unknown> = {}) =>
  d().create(
    council.id,
    {
      bodyId: cabinetId,
      decisionDate: '2020-01-06',
      title: 'Hampshire Community Safety Strategy Group',
      reportFrom: "Director of Adults' Health and Care",
      decision: 'That Cabinet notes the leadership of the County Council in promoting community safety.',
      reasons: 'To keep Cabinet informed.',
      dispensation: 'None',
      published: true,
      publishedOn: '2020-01-07',
      ...extra,
    },
    systemActor,
  )

test('working days after publication skip weekends and bank holidays', () => {
  // Tuesday 7 January 2020 + 5 working days = Tuesday 14 January.
  assert.equal(workingDaysAfter('2020-01-07', 5), '2020-01-14')
  // Over Christmas 2019: Monday 23 December + 5 = Thursday 2 January 2020 (25, 26 December and 1 January are bank holidays).
  assert.equal(workingDaysAfter('2019-12-23', 5), '2020-01-02')
  const problems = callInProblems(
    { published: true, published_on: '2020-01-07', call_in_waived: false, title: 'X' },
    { working_days: 5, min_members: 2 },
    { requestedOn: '2020-01-15', members: 1 },
  )
  assert.match(problems.requestedOn, /deadline to call in this decision was Tuesday 14 January 2020/)
  assert.match(problems.memberIds, /At least 2 members of the council must ask for a call-in: this request names 1/)
  assert.deepEqual(
    callInProblems(
      { published: true, published_on: '2020-01-07', call_in_waived: false, title: 'X' },
      { working_days: 5, min_members: 2 },
      { requestedOn: '2020-01-14', members: 2 },
    ),
    {},
  )
})

test('a decision record: its page shows the seed-001 headings and the call-in deadline; the council’s rules change it', async () => {
  const dec = await record()
  const anon = await clientAs(t, 'anonymous')
  const page = text((await anon.get(`/partnerships/${council.slug}/decisions/${dec.id}`)).body)
  for (const words of [
    'Hampshire Community Safety Strategy Group',
    'Decision maker Cabinet',
    '1. The decision',
    '3. Other options considered and rejected',
    '5. Dispensation granted by the Conduct Advisory Panel',
    'until Tuesday 14 January 2020 (5 working days after it was published)',
  ])
    assert.ok(page.includes(words), `${words} in ${page.slice(0, 1500)}`)
  // The council's own rule: 3 working days, 3 members.
  const admin = await clientAs(t, 'editor', council.id)
  const res = await admin.post(`/partnerships/${council.slug}/decisions/call-in-rules`, { workingDays: '3', minMembers: '3' })
  assert.equal(res.status, 303)
  const again = text((await anon.get(`/partnerships/${council.slug}/decisions/${dec.id}`)).body)
  assert.ok(again.includes('at least 3 members of the council until Friday 10 January 2020'))
  await d().saveRules(council.id, { workingDays: 5, minMembers: 2 }, systemActor)
  // The list, with CSV.
  const csv = await anon.get(`/partnerships/${council.slug}/decisions?format=csv`)
  assert.equal(csv.status, 200)
  assert.ok(csv.body.includes('2020-01-14'), csv.body)
})

test('call-in: too late, too few members and a waived call-in are refused with the reasons and nothing saved; a valid one is scheduled with an agenda item', async () => {
  const dec = await record({ title: 'Annual PREVENT Report' })
  const waived = await record({
    title: 'Urgent repairs to the Castle roof',
    urgency: 'Storm damage must be repaired before the weekend',
    callInWaived: true,
    chairAgreement: 'Agreed by the Chairman of the Policy and Resources Select Committee on 6 January 2020',
  })
  const editor = await clientAs(t, 'editor', council.id)
  const count = async (id: number) => (await d().get(council.id, id, { includePrivate: true })).callIns.length
  const late = await editor.post(`/partnerships/${council.slug}/decisions/${dec.id}/call-ins`, {
    memberIds: [String(councillors[0]), String(councillors[1])],
    reason: 'The strategy was not consulted on',
    requestedOn: '2020-01-15',
  })
  assert.equal(late.status, 400)
  assert.match(
    errorSummary(late.body),
    /The deadline to call in this decision was Tuesday 14 January 2020 \(5 working days after it was published\)/,
  )
  const few = await editor.post(`/partnerships/${council.slug}/decisions/${dec.id}/call-ins`, {
    memberIds: String(councillors[0]),
    reason: 'The strategy was not consulted on',
    requestedOn: '2020-01-10',
  })
  assert.equal(few.status, 400)
  assert.match(errorSummary(few.body), /At least 2 members of the council must ask for a call-in: this request names 1/)
  const onWaived = await editor.post(`/partnerships/${council.slug}/decisions/${waived.id}/call-ins`, {
    memberIds: [String(councillors[0]), String(councillors[1])],
    reason: 'Too expensive',
    requestedOn: '2020-01-08',
  })
  assert.equal(onWaived.status, 400)
  assert.match(
    errorSummary(onWaived.body),
    /was dealt with as urgent and the chairman agreed that call-in is waived, so it cannot be called in/,
  )
  assert.equal(await count(dec.id), 0)
  assert.equal(await count(waived.id), 0)
  // The waived one's page says so.
  assert.ok(text((await editor.get(`/partnerships/${council.slug}/decisions/${waived.id}`)).body).includes('call-in is waived'))

  const ok = await editor.post(`/partnerships/${council.slug}/decisions/${dec.id}/call-ins`, {
    memberIds: [String(councillors[0]), String(councillors[2])],
    reason: 'The strategy was not consulted on',
    requestedOn: '2020-01-14',
  })
  assert.equal(ok.status, 303)
  const [callIn] = (await d().get(council.id, dec.id, { includePrivate: true })).callIns
  assert.equal(callIn.member_names, 'Councillor Ann Able, Councillor Cal Cole')

  // Scheduling to a meeting that is not a scrutiny committee's is refused; to the select committee adds the item.
  const cabinetMeeting = await t.services.scrutiny.createMeeting(
    council.id,
    { bodyId: cabinetId, date: '2020-02-10', startTime: '14:00', place: 'Wellington Room', status: 'held' },
    systemActor,
  )
  await assert.rejects(
    () => d().schedule(council.id, callIn.id, { meetingId: cabinetMeeting.id }, systemActor),
    /Validation|scrutiny committees/,
  )
  const before = (await t.services.scrutiny.meeting(council.id, committeeMeetingId, { member: true })).agenda.length
  const scheduled = await editor.post(`/partnerships/${council.slug}/decisions/${dec.id}/call-ins/${callIn.id}/schedule`, {
    meetingId: String(committeeMeetingId),
  })
  assert.equal(scheduled.status, 303)
  const agenda = (await t.services.scrutiny.meeting(council.id, committeeMeetingId, { member: true })).agenda
  assert.equal(agenda.length, before + 1)
  const item = agenda.find((i) => i.title === 'Call-in: Annual PREVENT Report')!
  assert.ok(item.for_decision)
  const [after] = (await d().get(council.id, dec.id, { includePrivate: true })).callIns
  assert.equal(after.meeting_id, committeeMeetingId)
  assert.equal(after.item_id, item.id)
})

test('bad input on the decision form: no decision maker, call-in waived without the chairman’s agreement; nothing saved', async () => {
  const editor = await clientAs(t, 'editor', council.id)
  const n = (await d().list(council.id, { includePrivate: true })).length
  const res = await editor.post(`/partnerships/${council.slug}/decisions/new`, {
    decisionDate: '2020-01-06',
    title: 'Climate change strategy',
    decision: 'Approved',
    callInWaived: 'true',
    urgency: 'Needed before the budget',
  })
  assert.equal(res.status, 400)
  const summary = errorSummary(res.body)
  assert.match(summary, /Select the body that made the decision, or enter the cabinet member who made it/)
  assert.match(summary, /Enter the chairman’s agreement that call-in is waived/)
  assert.equal((await d().list(council.id, { includePrivate: true })).length, n)
  // The form offers the agenda items of the council's meetings.
  assert.ok(text((await editor.get(`/partnerships/${council.slug}/decisions/new`)).body).includes('Call-in: Annual PREVENT Report'))
  const good = await editor.post(`/partnerships/${council.slug}/decisions/new`, {
    makerName: 'Executive Member for Communities',
    decisionDate: '2020-01-06',
    title: 'Grant to a community project',
    decision: 'Approved',
  })
  assert.equal(good.status, 303)
  assert.equal((await d().list(council.id, { includePrivate: true })).length, n + 1)
})

test('unpublished and exempt decisions: the public never sees an unpublished one nor an exempt one’s details, on pages, downloads or the API', async () => {
  const hidden = await record({ title: 'Draft decision not yet published', published: false, publishedOn: null })
  const exempt = await record({
    title: SECRET_TITLE,
    decision: SECRET_DECISION,
    reasons: SECRET_REASONS,
    exempt: true,
    exemptParagraph: 3,
    publishedTitle: 'Disposal of a depot',
  })
  await d().callIn(
    council.id,
    exempt.id,
    { memberIds: [councillors[0], councillors[1]], reason: 'Zebulon should not have won', requestedOn: '2020-01-08' },
    systemActor,
  )
  const addresses = [
    `/partnerships/${council.slug}/decisions`,
    `/partnerships/${council.slug}/decisions?format=csv`,
    `/partnerships/${council.slug}/decisions?format=json`,
    `/partnerships/${council.slug}/decisions/${exempt.id}`,
    `/api/v1/decisions?council=${council.slug}`,
  ]
  // Every public GET route of this file is visited.
  for (const r of t.app.accessRules)
    if (
      r.method === 'GET' &&
      /decisions/.test(r.url) &&
      (r.access === 'public' || (typeof r.access === 'object' && r.access.partnership === 'public'))
    )
      assert.ok(
        addresses.some((a) => a.startsWith(r.url.replace(':partnership', council.slug).replace(':decision', String(exempt.id)))),
        r.url,
      )
  for (const who of ['anonymous', 'outsider'] as const) {
    const c = await clientAs(t, who)
    for (const url of addresses) {
      const res = await c.get(url)
      assert.equal(res.status, 200, url)
      for (const secret of SECRETS) assert.ok(!res.body.includes(secret), `${who} ${url}: ${secret}`)
      assert.ok(!res.body.includes('Draft decision not yet published'), url)
    }
    assert.equal((await c.get(`/partnerships/${council.slug}/decisions/${hidden.id}`)).status, 404)
  }
  const anon = await clientAs(t, 'anonymous')
  const api = (await anon.get(`/api/v1/decisions?council=${council.slug}`)).json()
  const shown = api.find((x: { id: number }) => x.id === exempt.id)
  assert.deepEqual(
    { title: shown.title, paragraph: shown.exemptParagraph, decision: shown.decision, callIns: shown.callIns },
    { title: 'Exempt: Disposal of a depot', paragraph: 3, decision: null, callIns: 1 },
  )
  // The council's people see it whole.
  const viewer = await clientAs(t, 'viewer', council.id)
  const page = text((await viewer.get(`/partnerships/${council.slug}/decisions/${exempt.id}`)).body)
  assert.ok(page.includes(SECRET_DECISION) && page.includes('Zebulon should not have won'))
  // An unknown or unpublished council is a 400 with a message.
  const bad = await anon.get('/api/v1/decisions?council=no-such-council')
  assert.equal(bad.status, 400)
  assert.match(bad.json().errors.council, /There is no published council at no-such-council/)
})

test('every decision change is in the audit trail with its words', async () => {
  const dec = await record({ title: 'Audited decision' })
  const rows = await t.db.query<{ entity: string; summary: string }>(
    `SELECT entity, summary FROM audit_log WHERE entity IN ('decision', 'call_in') AND entity_id = $1`,
    [String(dec.id)],
  )
  assert.ok(rows.some((r) => r.entity === 'decision' && r.summary.includes('Audited decision (Cabinet)')))
})

test('the demo loads: Hampshire’s Cabinet decision records (seed 001), Worcestershire’s forward plan and panels’ feedback (seed 004)', async () => {
  const { loadDemo } = await import('../demo/load.ts')
  await loadDemo(t.services)
  const anon = await clientAs(t, 'anonymous')
  const hcc = (await t.services.partnerships.bySlug('hampshire-county-council'))!
  const decisions = await d().list(hcc.id, { includePrivate: false })
  assert.deepEqual(decisions.map((x) => [x.decision_date, x.title, x.maker_name]).sort(), [
    ['2019-10-15', "Adults' Health and Care – Year 1 Strategy Progress", 'Cabinet'],
    ['2019-10-15', 'Annual Report of the Director of Public Health', 'Cabinet'],
    ['2019-10-15', 'Medium Term Financial Strategy Update and Transformation to 2021 Savings Proposals', 'Cabinet'],
    ['2020-01-06', 'Hampshire Community Safety Strategy Group', 'Cabinet'],
  ])
  const mtfs = decisions.find((x) => x.title.startsWith('Medium Term'))!
  const page = text((await anon.get(`/partnerships/hampshire-county-council/decisions/${mtfs.id}`)).body)
  assert.ok(page.includes('Councillor Grajewski (Member of Eastleigh Borough Council)'))
  assert.ok(page.includes('Approves the recommended approach to dealing with the anticipated £80m budget deficit'))
  const wcc = (await t.services.partnerships.bySlug('worcestershire-county-council'))!
  const plan = await t.services.forwardPlan.list(wcc.id, { includePrivate: false })
  assert.equal(plan.length, 8)
  assert.equal(plan.filter((e) => e.late_notice).length, 2)
  const board = (await t.services.scrutiny.committees(wcc.id)).find((c) => c.body.name === 'Overview and Scrutiny Performance Board')!
  const monitoring = await t.services.forwardPlan.monitoring(wcc.id, 'Q4 2018/19')
  assert.equal(monitoring.list.filter((x) => x.feedback?.illustrative).length, 4)
  const res = await anon.get(`/partnerships/worcestershire-county-council/committees/${board.body.slug}/monitoring`)
  assert.equal(res.status, 200)
  assert.ok(text(res.body).includes('Children and Families Overview and Scrutiny Panel'))
  // The councils' overviews have a box for each, linking to the pages.
  const hccOverview = (await anon.get('/partnerships/hampshire-county-council')).body
  assert.ok(
    hccOverview.includes('href="/partnerships/hampshire-county-council/decisions"') && text(hccOverview).includes('4 decision records'),
  )
  const wccOverview = (await anon.get('/partnerships/worcestershire-county-council')).body
  assert.ok(
    wccOverview.includes('href="/partnerships/worcestershire-county-council/forward-plan"') && text(wccOverview).includes('8 entries'),
  )
})
