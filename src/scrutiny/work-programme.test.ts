import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { addDays, todayInLondon } from './dates.ts'
import { HAMPSHIRE_PROGRAMME, loadWorkProgrammeDemo, WORCESTERSHIRE_CANDIDATES } from './work-programme-demo.ts'
import { loadScrutinyDemo, loadWorcestershireScrutinyDemo } from './demo.ts'

let t: TestApp
let council: Partnership
let csp: Partnership
let slug = ''
let bodyId = 0
let otherBodyId = 0
const meetings: Record<string, number> = {}
const today = todayInLondon()
const future = (n: number) => addDays(today, n)
const w = () => t.services.workProgramme

before(async () => {
  t = await testApp()
  council = await t.services.partnerships.create(
    { slug: unique('wc'), name: 'Wessex County Council', kind: 'council', published: true },
    systemActor,
  )
  csp = await t.services.partnerships.create(
    { slug: unique('wcsp'), name: 'Wessex Community Safety Partnership', published: true },
    systemActor,
  )
  const body = await t.services.scrutiny.createCommittee(
    council.id,
    { name: 'Policy and Resources Select Committee', type: 'select committee', crimeAndDisorder: true, scrutinises: [csp.id] },
    systemActor,
  )
  slug = body.slug
  bodyId = body.id
  otherBodyId = (await t.services.scrutiny.createCommittee(council.id, { name: 'Cabinet', type: 'cabinet' }, systemActor)).id
  const make = async (key: string, b: number, date: string, status: string) =>
    (meetings[key] = (
      await t.services.scrutiny.createMeeting(
        council.id,
        { bodyId: b, date, startTime: '10:00', place: 'Council Chamber', status, agendaPublished: true },
        systemActor,
      )
    ).id)
  await make('past', bodyId, addDays(today, -200), 'held')
  await make('next', bodyId, future(30), 'scheduled')
  await make('later', bodyId, future(90), 'scheduled')
  await make('cancelled', bodyId, future(60), 'cancelled')
  await make('cabinet', otherBodyId, future(30), 'scheduled')
})

after(async () => {
  await t.close()
})

const counts = async () => {
  const [row] = await t.db.query<{ items: number; plans: number; agenda: number; suggestions: number }>(
    `SELECT (SELECT count(*)::int FROM work_programme_items) AS items, (SELECT count(*)::int FROM work_programme_plans) AS plans,
            (SELECT count(*)::int FROM agenda_items) AS agenda, (SELECT count(*)::int FROM work_programme_suggestions) AS suggestions`,
  )
  return row
}
const base = () => `/partnerships/${council.slug}/committees/${slug}`
const fields = (err: unknown) => (err as { fields: Record<string, string> }).fields

test('planning an item makes it an agenda item of the meeting, linked both ways; the public sees agreed items only', async () => {
  const item = await w().createItem(
    council.id,
    slug,
    {
      topic: 'Overview Items',
      issue: 'Performance\nsecond line',
      reason: 'To monitor how performance is managed corporately.',
      agreed: true,
      meetings: [meetings.next, meetings.later],
    },
    systemActor,
  )
  const draft = await w().createItem(council.id, slug, { topic: 'Draft topic not agreed', meetings: [meetings.next] }, systemActor)
  const { plans } = await w().item(council.id, item.id, { member: true })
  assert.equal(plans.length, 2)
  const { agenda } = await t.services.scrutiny.meeting(council.id, meetings.next, { member: true })
  const agendaItem = agenda.find((i) => i.id === plans[0].agenda_item_id)!
  assert.equal(agendaItem.title, 'Performance')
  assert.equal(agendaItem.purpose, 'To monitor how performance is managed corporately.')

  const anon = await clientAs(t, 'anonymous')
  const page = await anon.get(`${base()}/work-programme`)
  assert.equal(page.status, 200)
  assert.match(page.body, new RegExp(`href="/partnerships/${council.slug}/meetings/${meetings.next}#item-${agendaItem.id}"`))
  assert.ok(!page.body.includes('Draft topic not agreed'), 'a draft item is not public')
  // The meeting's page says where the item came from (the public: the agreed item only).
  const meetingPage = await anon.get(`/partnerships/${council.slug}/meetings/${meetings.next}`)
  assert.match(text(meetingPage.body), /From the work programme: Overview Items – Performance/)
  assert.doesNotMatch(text(meetingPage.body), /From the work programme: Draft topic/)
  const viewer = await clientAs(t, 'viewer', council.id)
  assert.match(
    text((await viewer.get(`/partnerships/${council.slug}/meetings/${meetings.next}`)).body),
    /From the work programme: Draft topic/,
  )
  assert.match((await viewer.get(`${base()}/work-programme`)).body, /Draft topic not agreed/)

  // Downloads: one column a meeting, marked where planned; the public's has no draft.
  const csv = (await anon.get(`${base()}/work-programme?format=csv`)).body
  const header = csv.split('\n')[0]
  assert.match(header, new RegExp(`meeting_${future(30)}`))
  assert.match(header, new RegExp(`meeting_${future(90)}`))
  assert.doesNotMatch(header, new RegExp(`meeting_${future(60)}`), 'a cancelled meeting with nothing planned is no column')
  const json = (await anon.get(`${base()}/work-programme?format=json`)).json()
  const row = json.find((r: { id: number }) => r.id === item.id)
  assert.equal(row[`meeting_${future(30)}`], 'planned')
  assert.ok(!json.some((r: { id: number }) => r.id === draft.id))
  const print = await anon.get(`${base()}/work-programme/print`)
  assert.equal(print.status, 200)
  assert.match(print.body, /Work programme – Policy and Resources Select Committee/)
})

test('bad input: another committee’s meeting, a cancelled or past meeting, a blank topic; clear messages, nothing saved', async () => {
  const before = await counts()
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ topic: 'A', meetings: [meetings.cabinet] }, 'meetings', /is a meeting of Cabinet, not Policy and Resources Select Committee/],
    [{ topic: 'A', meetings: [meetings.next, meetings.cancelled] }, 'meetings', /is cancelled: plan the item for another meeting/],
    [
      { topic: 'A', meetings: [meetings.next, meetings.past] },
      'meetings',
      /has already taken place: plan the item for an upcoming meeting/,
    ],
    [{ topic: '   ', meetings: [meetings.next] }, 'topic', /Enter the topic/],
  ]
  for (const [input, field, message] of cases)
    await assert.rejects(
      () => w().createItem(council.id, slug, input, systemActor),
      (err) => {
        assert.match(fields(err)[field], message)
        return true
      },
    )
  assert.deepEqual(await counts(), before)
  // Through the form: the GOV.UK error summary, and still nothing saved.
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`${base()}/work-programme/items/new`, { topic: '', meetings: [String(meetings.next)] })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the topic/)
  const res2 = await editor.post(`${base()}/work-programme/items/new`, { topic: 'Rural crime', meetings: [String(meetings.cabinet)] })
  assert.equal(res2.status, 400)
  assert.match(errorSummary(res2.body), /is a meeting of Cabinet/)
  assert.deepEqual(await counts(), before)
  const ok = await editor.post(`${base()}/work-programme/items/new`, { topic: 'Rural crime', meetings: [String(meetings.later)] })
  assert.equal(ok.status, 303)
  assert.equal((await counts()).agenda, before.agenda + 1)
})

test('changing the meetings: unticked upcoming ones lose their agenda item, a deferral removes it, a removed agenda item un-plans', async () => {
  const item = await w().createItem(council.id, slug, { topic: 'Broadband', meetings: [meetings.next, meetings.later] }, systemActor)
  const plans = (await w().item(council.id, item.id, { member: true })).plans
  const later = plans.find((p) => p.meeting_id === meetings.later)!
  await w().updateItem(council.id, item.id, { topic: 'Broadband', meetings: [meetings.next], version: item.version }, systemActor)
  const gone = await t.db.query('SELECT 1 FROM agenda_items WHERE id = $1', [later.agenda_item_id])
  assert.equal(gone.length, 0)
  const now = (await w().item(council.id, item.id, { member: true })).plans
  assert.deepEqual(
    now.map((p) => p.meeting_id),
    [meetings.next],
  )
  await w().defer(council.id, now[0].id, systemActor)
  const deferred = (await w().item(council.id, item.id, { member: true })).plans[0]
  assert.equal(deferred.deferred, true)
  assert.equal((await t.db.query('SELECT 1 FROM agenda_items WHERE id = $1', [now[0].agenda_item_id])).length, 0)
  await assert.rejects(() => w().defer(council.id, deferred.id, systemActor), /already deferred/)
  // Removing the agenda item from the meeting takes the plan away too.
  const other = await w().createItem(council.id, slug, { topic: 'Hampshire 2050', meetings: [meetings.later] }, systemActor)
  const [p] = (await w().item(council.id, other.id, { member: true })).plans
  await t.services.scrutiny.removeItem(council.id, meetings.later, p.agenda_item_id!, undefined, systemActor)
  assert.equal((await w().item(council.id, other.id, { member: true })).plans.length, 0)
})

test('an item taken at a meeting already held stays in the record: removing it is refused; others can be removed', async () => {
  const asThen = { today: addDays(today, -210) }
  const item = await w().createItem(council.id, slug, { topic: 'Annual report', meetings: [meetings.past] }, systemActor, undefined, asThen)
  const before = await counts()
  await assert.rejects(
    () => w().removeItem(council.id, item.id, undefined, systemActor),
    (err) => {
      assert.match(fields(err).item, /was on the agenda of the meeting on .*, so it stays in the programme’s record/)
      return true
    },
  )
  assert.deepEqual(await counts(), before)
  const spare = await w().createItem(council.id, slug, { topic: 'Spare', meetings: [meetings.later] }, systemActor)
  await w().removeItem(council.id, spare.id, spare.version, systemActor)
  const after = await counts()
  assert.equal(after.items, before.items)
  assert.equal(after.agenda, before.agenda)
})

test('suggestions: the public form, triage (accept, decline with reason, merge), and bad triage refused with nothing saved', async () => {
  const anon = await clientAs(t, 'anonymous')
  const form = await anon.get(`${base()}/suggest`)
  assert.equal(form.status, 200)
  const blank = await anon.post(`${base()}/suggest`, { title: '' })
  assert.equal(blank.status, 400)
  assert.match(errorSummary(blank.body), /Enter the topic you suggest/)
  const sent = await anon.post(`${base()}/suggest`, {
    title: 'Speeding in villages',
    detail: 'Speedwatch',
    suggestedBy: 'A resident',
    email: 'resident@example.org',
    source: 'officer',
  })
  assert.equal(sent.status, 303)
  const { list } = await w().suggestions(council.id, slug)
  const s1 = list.find((x) => x.title === 'Speeding in villages')!
  assert.equal(s1.source, 'public', 'the public form cannot claim another source')
  assert.equal(s1.state, 'new')
  // Suggestions are not public.
  const hidden = await anon.get(`${base()}/work-programme/suggestions`)
  assert.equal(hidden.status, 303, 'the public is sent to sign in')
  assert.doesNotMatch(hidden.body, /Speeding in villages/)
  assert.doesNotMatch((await anon.get(`${base()}/work-programme`)).body, /resident@example.org/)

  const before = await counts()
  const bad: [Record<string, unknown>, string, RegExp][] = [
    [{ state: 'approved' }, 'state', /Choose what to do with the suggestion/],
    [{ state: 'declined' }, 'reason', /Enter the reason the suggestion is declined/],
    [{ state: 'merged', mergeInto: 999999 }, 'mergeInto', /Select the item of Policy and Resources Select Committee’s programme/],
  ]
  for (const [input, field, message] of bad)
    await assert.rejects(
      () => w().triage(council.id, s1.id, input, systemActor),
      (err) => {
        assert.match(fields(err)[field], message)
        return true
      },
    )
  assert.deepEqual(await counts(), before)
  const editor = await clientAs(t, 'editor', council.id)
  const viaForm = await editor.post(`${base()}/work-programme/suggestions/${s1.id}/triage`, { state: 'nonsense' })
  assert.equal(viaForm.status, 400)
  assert.match(errorSummary(viaForm.body), /Choose what to do with the suggestion/)
  assert.equal((await w().suggestion(council.id, s1.id)).suggestion.state, 'new')

  // Accepted: a work programme item, not yet agreed.
  const accepted = await editor.post(`${base()}/work-programme/suggestions/${s1.id}/triage`, { state: 'accepted' })
  assert.equal(accepted.status, 303)
  const found = await w().suggestion(council.id, s1.id)
  assert.equal(found.suggestion.state, 'accepted')
  assert.equal(found.item!.topic, 'Speeding in villages')
  assert.equal(found.item!.agreed, false)
  assert.match(found.item!.reason!, /Suggested by a member of the public \(A resident\)/)
  await assert.rejects(() => w().triage(council.id, s1.id, { state: 'declined', reason: 'x' }, systemActor), /already been accepted/)

  const s2 = await w().addSuggestion(undefined, council.id, bodyId, { title: 'Parking', source: 'member' }, systemActor)
  const declined = await w().triage(council.id, s2.id, { state: 'declined', reason: 'A matter for the district councils' }, systemActor)
  assert.equal(declined.decline_reason, 'A matter for the district councils')
  const s3 = await w().addSuggestion(undefined, council.id, bodyId, { title: 'Speed cameras', source: 'forward plan' }, systemActor)
  const merged = await w().triage(council.id, s3.id, { state: 'merged', mergeInto: found.item!.id }, systemActor)
  assert.equal(merged.item_id, found.item!.id)
})

test('scoring against the seven criteria: 0 to 2 each, total shown, sorted; out of range refused and nothing saved', async () => {
  const a = await w().addSuggestion(undefined, council.id, bodyId, { title: 'Low scorer', source: 'officer' }, systemActor)
  const b = await w().addSuggestion(undefined, council.id, bodyId, { title: 'High scorer', source: 'officer' }, systemActor)
  await w().score(council.id, a.id, { priority: 1, local: 0 }, systemActor)
  await w().score(
    council.id,
    b.id,
    { priority: 2, local: 2, practicable: 2, improvement: 2, performance: 1, operation: 1, legislation: 0 },
    systemActor,
  )
  const before = (await w().suggestion(council.id, b.id)).suggestion
  assert.equal(before.total, 10)
  await assert.rejects(
    () => w().score(council.id, b.id, { priority: 3, local: -1 }, systemActor),
    (err) => {
      assert.match(fields(err).priority, /0 \(no\), 1 \(partly\) or 2 \(yes\)/)
      assert.ok(fields(err).local)
      return true
    },
  )
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`${base()}/work-programme/suggestions/${b.id}/score`, { priority: '5' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Is the issue a priority area for the council/)
  const after = (await w().suggestion(council.id, b.id)).suggestion
  assert.equal(after.total, 10)
  assert.equal(after.version, before.version)

  const { list } = await w().suggestions(council.id, slug, { sort: 'total', state: 'new' })
  const titles = list.map((x) => x.title)
  assert.ok(titles.indexOf('High scorer') < titles.indexOf('Low scorer'))
  const byTitle = (await w().suggestions(council.id, slug, { sort: 'title' })).list.map((x) => x.title)
  assert.deepEqual(
    byTitle,
    [...byTitle].sort((x, y) => x.localeCompare(y, 'en-GB')),
  )
  const page = await editor.get(`${base()}/work-programme/suggestions?sort=total`)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /High scorer.*10/)
  assert.match(text(page.body), /Low scorer.*1 \(2 of 7 scored\)/)
})

test('balance: lengths, directorates and room for call-ins, each with its reasons; the limit is the committee’s', async () => {
  const c = await t.services.scrutiny.createCommittee(
    council.id,
    { name: unique('Balance committee'), type: 'select committee' },
    systemActor,
  )
  const m = await t.services.scrutiny.createMeeting(
    council.id,
    { bodyId: c.id, date: future(20), startTime: '14:00', place: 'Room 1', status: 'scheduled' },
    systemActor,
  )
  for (const n of [1, 2, 3])
    await w().createItem(
      council.id,
      c.slug,
      { topic: `Topic ${n}`, length: 'single', directorate: 'Corporate Services', meetings: [m.id] },
      systemActor,
    )
  let prog = await w().programme(council.id, c.slug, { member: true })
  const check = (key: string) => prog.balance.find((b) => b.key === key)!
  assert.equal(check('length').ok, false)
  assert.match(check('length').reasons.join(' '), /There are no longer topics/)
  assert.equal(check('directorates').ok, false)
  assert.match(check('directorates').reasons.join(' '), /Every item with a directorate is from Corporate Services/)
  assert.equal(check('call-ins').ok, true)
  await w().saveSettings(council.id, c.slug, { callInLimit: 3 }, systemActor)
  prog = await w().programme(council.id, c.slug, { member: true })
  assert.equal(check('call-ins').ok, false)
  assert.match(
    check('call-ins').reasons[0],
    /has 3 substantive items planned: leave room for call-ins and other small items \(fewer than 3\)/,
  )
  await w().createItem(council.id, c.slug, { topic: 'Task group', length: 'several', directorate: 'Children’s Services' }, systemActor)
  prog = await w().programme(council.id, c.slug, { member: true })
  assert.equal(check('length').ok, true)
  assert.equal(check('directorates').ok, true)
  const editor = await clientAs(t, 'editor', council.id)
  const page = text((await editor.get(`/partnerships/${council.slug}/committees/${c.slug}/work-programme`)).body)
  assert.match(page, /Room for call-ins Warning/)
  const bad = await editor.post(`/partnerships/${council.slug}/committees/${c.slug}/work-programme/settings`, { callInLimit: '0' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /Enter a number of items from 1 to 20/)
  assert.equal((await w().settings(council.id, c.slug)).settings!.call_in_limit, 3)
})

test('crime and disorder: when each partnership was last reviewed, and a warning when the yearly review is not planned', async () => {
  const c = await t.services.scrutiny.createCommittee(
    council.id,
    { name: unique('Crime committee'), type: 'overview and scrutiny committee', crimeAndDisorder: true, scrutinises: [csp.id] },
    systemActor,
  )
  const held = await t.services.scrutiny.createMeeting(
    council.id,
    { bodyId: c.id, date: addDays(today, -100), startTime: '10:00', place: 'Room 2', status: 'held' },
    systemActor,
  )
  const soon = await t.services.scrutiny.createMeeting(
    council.id,
    { bodyId: c.id, date: future(200), startTime: '10:00', place: 'Room 2', status: 'scheduled' },
    systemActor,
  )
  const tooLate = await t.services.scrutiny.createMeeting(
    council.id,
    { bodyId: c.id, date: future(300), startTime: '10:00', place: 'Room 2', status: 'scheduled' },
    systemActor,
  )
  let prog = await w().programme(council.id, c.slug, { member: true })
  assert.equal(prog.reviews[0].ok, false)
  assert.match(prog.reviews[0].reason, /No review of Wessex Community Safety Partnership is recorded or planned/)
  await w().createItem(
    council.id,
    c.slug,
    { topic: 'Crime & Disorder', cdReview: true, reviewsPartnershipId: csp.id, meetings: [held.id] },
    systemActor,
    undefined,
    { today: addDays(today, -110) },
  )
  prog = await w().programme(council.id, c.slug, { member: true })
  assert.equal(prog.reviews[0].lastReviewed, addDays(today, -100))
  assert.equal(prog.reviews[0].ok, false)
  assert.match(prog.reviews[0].reason, /the yearly review is not planned/)
  const next = await w().createItem(
    council.id,
    c.slug,
    { topic: 'Crime & Disorder 2', cdReview: true, meetings: [tooLate.id] },
    systemActor,
  )
  prog = await w().programme(council.id, c.slug, { member: true })
  assert.equal(prog.reviews[0].ok, false)
  assert.match(prog.reviews[0].reason, /more than 12 months later/)
  await w().updateItem(
    council.id,
    next.id,
    { topic: 'Crime & Disorder 2', cdReview: true, meetings: [soon.id], version: next.version },
    systemActor,
  )
  prog = await w().programme(council.id, c.slug, { member: true })
  assert.equal(prog.reviews[0].ok, true)
  assert.equal(prog.reviews[0].nextPlanned, future(200))
  // A partnership the committee does not scrutinise cannot be the one reviewed.
  const other = await t.services.partnerships.create({ slug: unique('o'), name: 'Elsewhere CSP' }, systemActor)
  await assert.rejects(
    () => w().createItem(council.id, c.slug, { topic: 'X', cdReview: true, reviewsPartnershipId: other.id }, systemActor),
    /Select a partnership this committee scrutinises/,
  )
  const page = text((await (await clientAs(t, 'anonymous')).get(`/partnerships/${council.slug}/committees/${c.slug}/work-programme`)).body)
  assert.match(page, /Crime and disorder reviews/)
})

test('the audit trail: items, plans and suggestions are recorded in words', async () => {
  const item = await w().createItem(council.id, slug, { topic: 'Audited topic', meetings: [meetings.later] }, systemActor)
  const rows = await t.db.query<{ entity: string; summary: string }>(
    `SELECT entity, summary FROM audit_log WHERE partnership_id = $1 AND entity LIKE 'work_programme%' ORDER BY id`,
    [council.id],
  )
  assert.ok(rows.some((r) => r.entity === 'work_programme_item' && r.summary.startsWith('Audited topic')))
  assert.ok(rows.some((r) => r.entity === 'work_programme_plan' && /Audited topic: planned for/.test(r.summary)))
  const names = await t.services.auditWords.namesOf('work_programme_item', [String(item.id)])
  assert.equal(names.get(String(item.id)), 'Audited topic')
})

test('demo: Hampshire’s whole work programme table from seed 000, and Worcestershire’s criteria scored', async () => {
  const hampshire = await t.services.partnerships.create(
    { slug: unique('hampshire'), name: 'Hampshire Community Safety Strategy Group' },
    systemActor,
  )
  const ids = new Map<string, number>([['hampshire', hampshire.id]])
  await t.db.transaction(async (tx) => {
    await loadScrutinyDemo(t.services, tx, systemActor, ids)
    await loadWorcestershireScrutinyDemo(t.services, tx, systemActor, ids)
    await loadWorkProgrammeDemo(t.services, tx, systemActor)
  })
  const hcc = (await t.services.partnerships.bySlug('hampshire-county-council'))!
  const body = (await t.services.governance.list(hcc.id)).find((b) => b.name === 'Policy and Resources Select Committee')!
  const prog = await w().programme(hcc.id, body.slug, { member: false })
  assert.equal(prog.items.length, HAMPSHIRE_PROGRAMME.length)
  assert.deepEqual(
    prog.items.map((i) => i.issue),
    HAMPSHIRE_PROGRAMME.map((r) => r.issue),
  )
  assert.deepEqual(
    prog.columns.map((m) => [m.date, m.status]),
    [
      ['2019-09-24', 'held'],
      ['2019-11-14', 'held'],
      ['2020-01-17', 'held'],
      ['2020-03-05', 'held'],
    ],
  )
  const marks = (issue: string) => prog.items.find((i) => i.issue === issue)!.plans.map((p) => `${p.date}${p.deferred ? ' deferred' : ''}`)
  assert.deepEqual(marks('Revenue and Capital Budget'), ['2020-01-17'])
  assert.deepEqual(marks('Performance'), ['2020-01-17'])
  assert.deepEqual(marks('Local Enterprise Partnerships'), ['2019-11-14 deferred'])
  assert.deepEqual(marks('Hampshire 2050 Commission'), [])
  // The crime and disorder item is the Strategy Group's report on the agenda of 14 November 2019.
  const crime = prog.items.find((i) => i.topic === 'Crime & Disorder')!
  const { agenda } = await t.services.scrutiny.meeting(hcc.id, crime.plans[0].meeting_id, { member: true })
  assert.equal(agenda.find((i) => i.id === crime.plans[0].agenda_item_id)!.title, 'Hampshire Community Safety Strategy Group')
  assert.equal(prog.reviews.length, 1)
  assert.equal(prog.reviews[0].lastReviewed, '2019-11-14')
  assert.equal(prog.reviews[0].ok, false)
  const anon = await clientAs(t, 'anonymous')
  const page = text((await anon.get(`/partnerships/hampshire-county-council/committees/${body.slug}/work-programme`)).body)
  assert.match(page, /14 Nov 2019.*17 Jan 2020.*5 Mar 2020/)
  assert.match(page, /Collation of Annual Report of Select Committee activity/)

  const wcc = (await t.services.partnerships.bySlug('worcestershire-county-council'))!
  const board = (await t.services.governance.list(wcc.id)).find((b) => b.name === 'Overview and Scrutiny Performance Board')!
  const { list } = await w().suggestions(wcc.id, board.slug, { sort: 'total' })
  assert.equal(list.length, WORCESTERSHIRE_CANDIDATES.length)
  const expected = WORCESTERSHIRE_CANDIDATES.map((c) => ({
    title: c.title,
    total: Object.values(c.scores).reduce((a, b) => a + b, 0),
  })).sort((a, b) => b.total - a.total)
  assert.deepEqual(
    list.map((x) => ({ title: x.title, total: x.total })),
    expected,
  )
})

test('linking an agenda item already on the agenda: another committee’s is refused, and one agenda item serves one item only', async () => {
  const report = await t.services.scrutiny.addItem(
    council.id,
    meetings.later,
    { title: 'Community safety strategy group report' },
    systemActor,
  )
  const cabinetItem = await t.services.scrutiny.addItem(council.id, meetings.cabinet, { title: 'Cabinet report' }, systemActor)
  const a = await w().createItem(council.id, slug, { topic: 'Crime and disorder review' }, systemActor)
  const b = await w().createItem(council.id, slug, { topic: 'Another topic' }, systemActor)
  await assert.rejects(
    () => w().planExisting(council.id, a.id, cabinetItem.id, systemActor),
    /is not on the agenda of a meeting of Policy and Resources Select Committee/,
  )
  await w().planExisting(council.id, a.id, report.id, systemActor)
  const before = await counts()
  await assert.rejects(() => w().planExisting(council.id, b.id, report.id, systemActor), /already linked/)
  assert.deepEqual(await counts(), before)
  assert.equal((await w().item(council.id, a.id, { member: true })).plans[0].agenda_item_id, report.id)
})
