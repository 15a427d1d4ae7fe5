import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { clearDays, realQuarter } from './forward-plan.ts'

let t: TestApp
let council: Partnership
let boardSlug = ''
let boardMeetingId = 0
const panels: number[] = []
const panelSlugs: string[] = []

const SECRET_DOCUMENTS = 'Report on the bids from Quixotic Care Ltd'
const f = () => t.services.forwardPlan

// A hook registered once, as the lead will register the work programme's: it fails for titles that ask it to.
const hookCalls: { title: string; mark: string; inTx: boolean }[] = []

before(async () => {
  t = await testApp()
  f().onMarked(async (q, entry, mark) => {
    // Called in the mark's transaction: the new mark is visible through q.
    const seen = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM forward_plan_marks WHERE id = $1', [mark.id])
    hookCalls.push({ title: entry.title, mark: mark.mark, inTx: seen[0].n === 1 })
    if (entry.title.includes('hook fails')) throw new Error('The work programme could not take the suggestion')
  })
  council = await t.services.partnerships.create(
    { slug: unique('wcc'), name: 'Worcestershire County Council', kind: 'council', published: true },
    systemActor,
  )
  const board = await t.services.scrutiny.createCommittee(
    council.id,
    { name: 'Overview and Scrutiny Performance Board', type: 'overview and scrutiny board' },
    systemActor,
  )
  boardSlug = board.slug
  for (const name of ['Adult Care and Well-Being Overview and Scrutiny Panel', 'Children and Families Overview and Scrutiny Panel']) {
    const panel = await t.services.scrutiny.createCommittee(council.id, { name, type: 'scrutiny panel' }, systemActor)
    panels.push(panel.id)
    panelSlugs.push(panel.slug)
  }
  boardMeetingId = (
    await t.services.scrutiny.createMeeting(
      council.id,
      { bodyId: board.id, date: '2019-07-24', startTime: '10:00', place: 'County Hall, Worcester', status: 'held' },
      systemActor,
    )
  ).id
})

after(async () => {
  await t.close()
})

const entry = (extra: Record<string, unknown> = {}) =>
  f().create(
    council.id,
    {
      title: 'Organisational Redesign',
      makerName: 'Cabinet',
      decisionDate: '2019-09-05',
      keyDecision: true,
      publishedOn: '2019-07-16',
      published: true,
      ...extra,
    },
    systemActor,
  )

test('clear days exclude the day of publication and the day of decision; quarters read like Q4 2018/19', () => {
  assert.equal(clearDays('2019-07-16', '2019-07-18'), 1)
  assert.equal(clearDays('2019-07-16', '2019-08-14'), 28)
  assert.equal(clearDays('2019-07-16', '2019-08-13'), 27)
  assert.ok(realQuarter('Q4 2018/19'))
  assert.ok(!realQuarter('Q4 2018/20'))
})

test('the forward plan warns of fewer than 28 clear days’ notice, and refuses a decision date before publication', async () => {
  await entry()
  const late = await entry({
    title: 'Lifestyle and Behaviour Change Contract',
    decisionDate: '2019-07-22',
    makerName: 'Cabinet Member Decision',
  })
  const anon = await clientAs(t, 'anonymous')
  const list = text((await anon.get(`/partnerships/${council.slug}/forward-plan`)).body)
  assert.ok(list.includes('1 entry was published fewer than 28 clear days before the decision date'))
  const page = text((await anon.get(`/partnerships/${council.slug}/forward-plan/${late.id}`)).body)
  assert.ok(page.includes('Published 5 clear days before the decision date: fewer than the 28 required.'))

  const editor = await clientAs(t, 'editor', council.id)
  const n = (await f().list(council.id, { includePrivate: true })).length
  const bad = await editor.post(`/partnerships/${council.slug}/forward-plan/new`, {
    title: 'New Model of Delivery for Medical Education Provision',
    makerName: 'Cabinet',
    decisionDate: '2019-07-01',
    publishedOn: '2019-07-16',
    keyDecision: 'true',
  })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /The expected date of decision cannot be before the entry is published \(Tuesday 16 July 2019\)/)
  assert.equal((await f().list(council.id, { includePrivate: true })).length, n)
})

test('marking: hooks run in the mark’s transaction; a failing hook undoes the mark; referring needs a panel', async () => {
  const ok = await entry({ title: 'Delivery of Children’s Services through Worcestershire Children First' })
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`/partnerships/${council.slug}/forward-plan/${ok.id}/mark`, {
    mark: 'refer to panel',
    panelBodyId: String(panels[1]),
    note: 'For the panel’s September meeting',
  })
  assert.equal(res.status, 303)
  const marked = await f().get(council.id, ok.id, { includePrivate: true })
  assert.deepEqual(
    marked.marks.map((m) => [m.mark, m.panel_name]),
    [['refer to panel', 'Children and Families Overview and Scrutiny Panel']],
  )
  assert.deepEqual(hookCalls.at(-1), { title: ok.title, mark: 'refer to panel', inTx: true })
  const shown = text((await (await clientAs(t, 'anonymous')).get(`/partnerships/${council.slug}/forward-plan/${ok.id}`)).body)
  assert.ok(shown.includes('Referred to Children and Families Overview and Scrutiny Panel: For the panel’s September meeting'))

  const noPanel = await editor.post(`/partnerships/${council.slug}/forward-plan/${ok.id}/mark`, { mark: 'refer to panel' })
  assert.equal(noPanel.status, 400)
  assert.match(errorSummary(noPanel.body), /Select the panel or committee to refer it to/)

  const failing = await entry({ title: 'An entry the hook fails on' })
  const calls = hookCalls.length
  await assert.rejects(() => f().mark(council.id, failing.id, { mark: 'to consider' }, systemActor), /could not take the suggestion/)
  assert.equal(hookCalls.length, calls + 1)
  assert.deepEqual((await f().get(council.id, failing.id, { includePrivate: true })).marks, [])
})

test('a mark becomes a work programme suggestion (services.ts): referred, on the panel’s; to consider, on the board’s; undone with the mark', async () => {
  const wp = t.services.workProgramme
  const titles = async (slug: string) =>
    (await wp.suggestions(council.id, slug)).list.filter((s) => s.source === 'forward plan').map((s) => [s.title, s.detail])
  const referred = await entry({ title: 'Short Breaks for children with disabilities' })
  await f().mark(council.id, referred.id, { mark: 'refer to panel', panelBodyId: panels[0], note: 'Ask the panel in October' }, systemActor)
  assert.deepEqual(await titles(panelSlugs[0]), [
    [
      'Short Breaks for children with disabilities',
      'From the forward plan: Cabinet expects to decide this on 2019-09-05 (a key decision).\n\nAsk the panel in October',
    ],
  ])
  const considered = await entry({ title: 'Future of the Library Service', keyDecision: false })
  await f().mark(council.id, considered.id, { mark: 'to consider' }, systemActor)
  const board = (await titles(boardSlug)).map(([title]) => title)
  assert.ok(board.includes('Future of the Library Service'), `board suggestions: ${board.join(', ')}`)
  assert.ok(!board.includes('Short Breaks for children with disabilities'), 'a referral goes to the panel, not the board')
  // The mark the test's own hook refuses (above) left no suggestion behind either.
  assert.ok(!board.includes('An entry the hook fails on'), 'a mark undone takes its suggestion with it')
})

test('a private entry: its reason is public, its documents never are (pages, downloads, API)', async () => {
  const priv = await entry({
    title: 'Future Provision of Overnight Unit-based Short Breaks for Children with Disabilities',
    decisionDate: '2019-09-26',
    private: true,
    privateParagraph: 3,
    privateReason: 'The report contains the prices tendered by providers',
    documents: SECRET_DOCUMENTS,
  })
  const hidden = await entry({ title: 'An entry not yet published', published: false })
  const addresses = [
    `/partnerships/${council.slug}/forward-plan`,
    `/partnerships/${council.slug}/forward-plan?format=csv`,
    `/partnerships/${council.slug}/forward-plan?format=json`,
    `/partnerships/${council.slug}/forward-plan/${priv.id}`,
    `/api/v1/forward-plan?council=${council.slug}`,
  ]
  // Every public GET route of the forward plan is visited.
  for (const r of t.app.accessRules)
    if (
      r.method === 'GET' &&
      /forward-plan/.test(r.url) &&
      (r.access === 'public' || (typeof r.access === 'object' && r.access.partnership === 'public'))
    )
      assert.ok(
        addresses.some((a) => a.startsWith(r.url.replace(':partnership', council.slug).replace(':entry', String(priv.id)))),
        r.url,
      )
  for (const who of ['anonymous', 'outsider'] as const) {
    const c = await clientAs(t, who)
    for (const url of addresses) {
      const res = await c.get(url)
      assert.equal(res.status, 200, url)
      assert.ok(!res.body.includes('Quixotic'), `${who} ${url}`)
      assert.ok(!res.body.includes('An entry not yet published'), `${who} ${url}`)
    }
    assert.equal((await c.get(`/partnerships/${council.slug}/forward-plan/${hidden.id}`)).status, 404)
  }
  const anon = await clientAs(t, 'anonymous')
  const page = text((await anon.get(`/partnerships/${council.slug}/forward-plan/${priv.id}`)).body)
  assert.ok(page.includes('The report contains the prices tendered by providers'))
  assert.ok(page.includes('Exempt under paragraph 3 of Schedule 12A'))
  const api = (await anon.get(`/api/v1/forward-plan?council=${council.slug}`)).json()
  const shown = api.find((x: { id: number }) => x.id === priv.id)
  assert.deepEqual(
    { private: shown.private, reason: shown.privateReason, documents: shown.documents, paragraph: shown.privateParagraph },
    { private: true, reason: 'The report contains the prices tendered by providers', documents: null, paragraph: 3 },
  )
  const viewer = await clientAs(t, 'viewer', council.id)
  assert.ok((await viewer.get(`/partnerships/${council.slug}/forward-plan/${priv.id}`)).body.includes(SECRET_DOCUMENTS))
  const bad = await anon.get('/api/v1/forward-plan?council=no-such-council')
  assert.equal(bad.status, 400)
  assert.match(bad.json().errors.council, /There is no published council at no-such-council/)
})

test('panels’ monitoring feedback: recorded per panel and quarter, seen together by the board, linked from its meeting', async () => {
  const editor = await clientAs(t, 'editor', council.id)
  const url = `/partnerships/${council.slug}/committees/${boardSlug}/monitoring`
  const res = await editor.post(url, {
    panelBodyId: String(panels[0]),
    quarter: 'Q4 2018/19',
    concerns: 'Delayed transfers of care',
    performance: 'Year-end overspend on placements',
  })
  assert.equal(res.status, 303)
  await f().saveFeedback(
    council.id,
    panels[1],
    { quarter: 'Q4 2018/19', suggestions: 'Look again at the number of children in care' },
    systemActor,
  )
  await f().saveFeedback(council.id, panels[1], { quarter: 'Q3 2018/19', concerns: 'An earlier quarter’s concern' }, systemActor)
  const anon = await clientAs(t, 'anonymous')
  const page = text((await anon.get(`${url}?quarter=${encodeURIComponent('Q4 2018/19')}`)).body)
  for (const words of [
    'Adult Care and Well-Being Overview and Scrutiny Panel',
    'Delayed transfers of care',
    'Year-end overspend on placements',
    'Children and Families Overview and Scrutiny Panel',
    'Look again at the number of children in care',
  ])
    assert.ok(page.includes(words), words)
  assert.ok(!page.includes('An earlier quarter’s concern'))
  // Recording again for the same panel and quarter changes it, not a second one.
  await f().saveFeedback(council.id, panels[0], { quarter: 'Q4 2018/19', concerns: 'Delayed transfers of care, improving' }, systemActor)
  const again = await f().monitoring(council.id, 'Q4 2018/19')
  assert.equal(again.list.find((x) => x.panel.id === panels[0])!.feedback!.concerns, 'Delayed transfers of care, improving')
  // Bad input: a quarter written otherwise, and nothing said.
  const bad = await editor.post(url, { panelBodyId: String(panels[0]), quarter: 'Quarter 4', concerns: 'x' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /Enter the quarter like Q4 2018\/19/)
  const empty = await editor.post(url, { panelBodyId: String(panels[0]), quarter: 'Q1 2019/20' })
  assert.equal(empty.status, 400)
  assert.equal(
    (await f().monitoring(council.id, 'Q1 2019/20')).list.every((x) => x.feedback === null),
    true,
  )
  // The board's meeting page links to it.
  const meeting = (await anon.get(`/partnerships/${council.slug}/meetings/${boardMeetingId}`)).body
  assert.ok(meeting.includes(`href="${url}"`))
})
