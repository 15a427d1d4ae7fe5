import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { municipalYear, nextStates, RECOMMENDATION_EDGES, RECOMMENDATION_STATES, referenceFor } from './recommendations.ts'
import { addDays, todayInLondon } from './dates.ts'

let t: TestApp
let council: Partnership
let csp: Partnership
let committeeSlug = ''
let meetingId = 0
let itemId = 0
let exemptItemId = 0

const SECRET = 'Renegotiate the Acme Cameras CCTV contract'
const r = () => t.services.recommendations

before(async () => {
  t = await testApp()
  council = await t.services.partnerships.create(
    { slug: unique('hc'), name: 'Herefordshire Council', kind: 'council', published: true },
    systemActor,
  )
  csp = await t.services.partnerships.create(
    { slug: unique('hcsp'), name: 'Herefordshire Community Safety Partnership', published: true },
    systemActor,
  )
  const body = await t.services.scrutiny.createCommittee(
    council.id,
    {
      name: 'General overview and scrutiny committee',
      type: 'overview and scrutiny committee',
      crimeAndDisorder: true,
      scrutinises: [csp.id],
    },
    systemActor,
  )
  committeeSlug = body.slug
  const m = await t.services.scrutiny.createMeeting(
    council.id,
    {
      bodyId: body.id,
      date: '2017-01-17',
      startTime: '10:00',
      place: 'Council Chamber, Brockington, Hereford',
      status: 'held',
      agendaPublished: true,
    },
    systemActor,
  )
  meetingId = m.id
  itemId = (await t.services.scrutiny.addItem(council.id, m.id, { title: 'Community safety partnership review' }, systemActor)).id
  exemptItemId = (
    await t.services.scrutiny.addItem(
      council.id,
      m.id,
      { title: 'CCTV contract', exempt: true, exemptParagraph: 3, publishedTitle: 'Contract award' },
      systemActor,
    )
  ).id
})

after(async () => {
  await t.close()
})

const make = (extra: Record<string, unknown> = {}) =>
  r().create(
    council.id,
    {
      meetingId,
      itemId,
      text: 'That the partnership publishes its strategic assessment.',
      addresseeKind: 'partnership',
      addresseePartnershipId: csp.id,
      ...extra,
    },
    systemActor,
  )

test('the graph: the issue’s edges, paused from any open state and only back, nothing out of closed', () => {
  // Written out by hand from the issue: made → accepted / partly accepted / rejected → in progress → implemented → closed.
  const allowed: [string, string][] = [
    ['made', 'accepted'],
    ['made', 'partly accepted'],
    ['made', 'rejected'],
    ['accepted', 'in progress'],
    ['partly accepted', 'in progress'],
    ['rejected', 'closed'],
    ['in progress', 'implemented'],
    ['implemented', 'closed'],
  ]
  for (const from of RECOMMENDATION_STATES) {
    if (from === 'paused') continue
    for (const to of RECOMMENDATION_STATES) {
      const expected: boolean = allowed.some(([a, b]) => a === from && b === to) || (to === 'paused' && from !== 'closed')
      assert.equal(nextStates(from, null).includes(to), expected, `${from} → ${to}`)
    }
  }
  assert.deepEqual(nextStates('paused', 'in progress'), ['in progress'])
  assert.deepEqual(nextStates('closed', null), [])
  assert.equal(Object.keys(RECOMMENDATION_EDGES).length, RECOMMENDATION_STATES.length - 1)
})

test('references: per council and municipal year (April to March), two digits', () => {
  assert.equal(municipalYear('2017-01-17'), 2016)
  assert.equal(municipalYear('2017-03-31'), 2016)
  assert.equal(municipalYear('2017-04-01'), 2017)
  assert.equal(referenceFor(2025, 1), 'SR (25/26) 01')
  assert.equal(referenceFor(1999, 12), 'SR (99/00) 12')
})

test('making and moving: references follow on, allowed moves are recorded, a move the graph lacks is refused and nothing saved', async () => {
  const a = await make()
  const b = await make({ itemId: null })
  assert.equal(a.reference, 'SR (16/17) 01')
  assert.equal(b.reference, 'SR (16/17) 02')
  assert.equal(a.state, 'made')
  await r().move(council.id, a.id, { to: 'accepted', note: 'Agreed at the partnership board' }, systemActor)
  await r().move(council.id, a.id, { to: 'in progress' }, systemActor)
  const before = await r().get(council.id, a.id)
  assert.deepEqual(
    before.moves.map((m) => [m.from_state, m.to_state]),
    [
      [null, 'made'],
      ['made', 'accepted'],
      ['accepted', 'in progress'],
    ],
  )
  assert.equal(before.moves[1].note, 'Agreed at the partnership board')
  await assert.rejects(
    () => r().move(council.id, a.id, { to: 'closed' }, systemActor),
    (err: { fields?: Record<string, string> }) => {
      assert.match(
        err.fields!.to,
        /SR \(16\/17\) 01 is in progress, so it cannot be moved to closed\. It can be moved to: implemented, paused\./,
      )
      return true
    },
  )
  const afterRefused = await r().get(council.id, a.id)
  assert.equal(afterRefused.recommendation.state, 'in progress')
  assert.equal(afterRefused.recommendation.version, before.recommendation.version)
  assert.equal(afterRefused.moves.length, before.moves.length)
  // Paused, then only back to where it was.
  await r().move(council.id, a.id, { to: 'paused' }, systemActor)
  await assert.rejects(() => r().move(council.id, a.id, { to: 'implemented' }, systemActor), /paused when in progress|Validation/)
  const back = await r().move(council.id, a.id, { to: 'in progress' }, systemActor)
  assert.equal(back.state, 'in progress')
  assert.equal(back.paused_from, null)

  // Through the form: the GOV.UK error summary, and still nothing saved.
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`/partnerships/${council.slug}/recommendations/${b.id}/move`, { to: 'implemented' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /is made, so it cannot be moved to implemented/)
  assert.equal((await r().get(council.id, b.id)).moves.length, 1)
  const ok = await editor.post(`/partnerships/${council.slug}/recommendations/${b.id}/move`, { to: 'rejected', note: 'Out of scope' })
  assert.equal(ok.status, 303)
  assert.equal((await r().get(council.id, b.id)).recommendation.state, 'rejected')
})

test('bad input: an organisation not named, a due date before the meeting, a reference used twice; nothing saved', async () => {
  const editor = await clientAs(t, 'editor', council.id)
  const count = async () => (await r().forCommittee(council.id, committeeSlug)).list.length
  const n = await count()
  const res = await editor.post(`/partnerships/${council.slug}/committees/${committeeSlug}/recommendations/new`, {
    meetingId: String(meetingId),
    text: 'That the partnership reports twice a year.',
    addresseeKind: 'organisation',
    addresseeName: '',
    dueDate: '2016-12-01',
  })
  assert.equal(res.status, 400)
  const summary = errorSummary(res.body)
  assert.match(summary, /Enter the organisation/)
  assert.match(summary, /cannot be due before the meeting that made the recommendation \(17 January 2017\)/)
  assert.equal(await count(), n)
  const good = await editor.post(`/partnerships/${council.slug}/committees/${committeeSlug}/recommendations/new`, {
    meetingId: String(meetingId),
    text: 'That West Mercia Police reports on rural crime.',
    addresseeKind: 'organisation',
    addresseeName: 'West Mercia Police',
    reference: 'SR (16/17) 09',
  })
  assert.equal(good.status, 303)
  const dup = await editor.post(`/partnerships/${council.slug}/committees/${committeeSlug}/recommendations/new`, {
    meetingId: String(meetingId),
    text: 'Another.',
    addresseeKind: 'cabinet member',
    addresseeName: 'Cabinet member for communities',
    reference: 'SR (16/17) 09',
  })
  assert.equal(dup.status, 400)
  assert.match(errorSummary(dup.body), /already has a recommendation with that reference/)
  assert.equal(await count(), n + 1)
})

test('overdue: due date passed and no response stands out on the tracker; a response ends it', async () => {
  const yesterday = addDays(todayInLondon(), -1)
  const late = await make({ text: 'That the partnership reviews its CCTV coverage.', dueDate: yesterday })
  const future = await make({ text: 'That the partnership reports next year.', dueDate: addDays(todayInLondon(), 30) })
  const { list } = await r().forCommittee(council.id, committeeSlug)
  assert.equal(list.find((x) => x.id === late.id)!.overdue, true)
  assert.equal(list.find((x) => x.id === future.id)!.overdue, false)
  const counts = r().counts(list)
  assert.equal(counts.overdue, list.filter((x) => x.due_date && x.due_date < todayInLondon() && !x.response).length)
  const anon = await clientAs(t, 'anonymous')
  const page = await anon.get(`/partnerships/${council.slug}/committees/${committeeSlug}/recommendations`)
  assert.equal(page.status, 200)
  assert.ok(page.body.includes('govuk-tag--red'))
  assert.match(text(page.body), /overdue: the response due date has passed/)
  const csv = await anon.get(`/partnerships/${council.slug}/committees/${committeeSlug}/recommendations?format=csv`)
  assert.match(csv.body.split('\n')[0], /reference/)
  // The partnership answers: no longer overdue.
  const editor = await clientAs(t, 'editor', csp.id)
  const res = await editor.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${late.id}/response`, {
    response: 'Coverage was reviewed in February.',
  })
  assert.equal(res.status, 303)
  const again = (await r().forCommittee(council.id, committeeSlug)).list.find((x) => x.id === late.id)!
  assert.equal(again.overdue, false)
})

test('the partnership answers on its own pages, and the answer shows on the committee’s side', async () => {
  const rec = await make({ text: 'That the partnership consults on its priorities.', dueDate: '2017-03-17' })
  const viewer = await clientAs(t, 'viewer', csp.id)
  assert.equal((await viewer.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${rec.id}/response`, { response: 'x' })).status, 403)
  const councilEditor = await clientAs(t, 'editor', council.id)
  assert.equal(
    (await councilEditor.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${rec.id}/response`, { response: 'x' })).status,
    403,
  )
  const admin = await clientAs(t, 'admin', csp.id)
  const list = await admin.get(`/partnerships/${csp.slug}/scrutiny-recommendations`)
  assert.ok(text(list.body).includes('That the partnership consults on its priorities.'))
  const overview = await admin.get(`/partnerships/${csp.slug}`)
  assert.match(text(overview.body), /Scrutiny recommendations/)
  const res = await admin.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${rec.id}/response`, {
    response: 'The partnership will consult residents in the spring.',
    decision: 'accepted',
  })
  assert.equal(res.status, 303)
  const anon = await clientAs(t, 'anonymous')
  const councilPage = text((await anon.get(`/partnerships/${council.slug}/recommendations/${rec.id}`)).body)
  assert.ok(councilPage.includes('The partnership will consult residents in the spring.'))
  assert.match(councilPage, /Made to Accepted/)
  // A second decision once accepted is refused, nothing saved.
  const again = await admin.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${rec.id}/response`, {
    response: 'Changed.',
    decision: 'rejected',
  })
  assert.equal(again.status, 400)
  assert.equal((await r().get(council.id, rec.id)).recommendation.response, 'The partnership will consult residents in the spring.')
})

test('a cabinet member’s or an organisation’s written answer is recorded by the council’s editors on the committee’s side', async () => {
  const rec = await make({
    text: 'That the Cabinet Member for Communities reviews CCTV coverage.',
    addresseeKind: 'cabinet member',
    addresseePartnershipId: null,
    addresseeName: 'Cabinet Member for Communities',
  })
  const here = `/partnerships/${council.slug}/recommendations/${rec.id}`
  const councilEditor = await clientAs(t, 'editor', council.id)
  assert.match(text((await councilEditor.get(here)).body), /The cabinet member’s response/)
  // Nobody answers it on a partnership's pages, and a viewer of the council cannot record it.
  const cspAdmin = await clientAs(t, 'admin', csp.id)
  assert.equal(
    (await cspAdmin.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${rec.id}/response`, { response: 'x' })).status,
    404,
  )
  assert.equal((await (await clientAs(t, 'viewer', council.id)).post(`${here}/response`, { response: 'x' })).status, 403)
  // A blank answer is refused with the error summary; nothing saved.
  const blank = await councilEditor.post(`${here}/response`, { response: '', decision: 'accepted' })
  assert.equal(blank.status, 400)
  assert.equal(errorSummary(blank.body), 'There is a problem Enter the response')
  assert.equal((await r().get(council.id, rec.id)).recommendation.state, 'made')
  const res = await councilEditor.post(`${here}/response`, { response: 'Coverage will be reviewed by June.', decision: 'partly accepted' })
  assert.equal(res.status, 303)
  const page = text((await (await clientAs(t, 'anonymous')).get(here)).body)
  assert.ok(page.includes('Coverage will be reviewed by June.'))
  assert.match(page, /Made to Partly accepted The cabinet member’s response/)
  // The council records only its addressees' answers: a partnership answers its own.
  const toPartnership = await make()
  assert.equal(
    (await councilEditor.post(`/partnerships/${council.slug}/recommendations/${toPartnership.id}/response`, { response: 'x' })).status,
    404,
  )
  assert.equal((await r().get(council.id, toPartnership.id)).recommendation.response, null)
})

test('public: a recommendation from an exempt item is on no public page, list, download or the API', async () => {
  const secret = await make({ itemId: exemptItemId, text: SECRET })
  const open = await make({ text: 'That the partnership publishes its minutes.' })
  const anon = await clientAs(t, 'anonymous')
  const outsider = await clientAs(t, 'outsider')
  for (const c of [anon, outsider]) {
    for (const url of [
      `/partnerships/${council.slug}/committees/${committeeSlug}/recommendations`,
      `/partnerships/${council.slug}/committees/${committeeSlug}/recommendations?format=csv`,
      `/partnerships/${council.slug}/committees/${committeeSlug}/recommendations?format=json`,
      `/partnerships/${csp.slug}/scrutiny-recommendations`,
      `/partnerships/${csp.slug}/scrutiny-recommendations?format=json`,
      `/partnerships/${csp.slug}`,
      `/api/v1/recommendations?council=${council.slug}`,
    ]) {
      const res = await c.get(url)
      assert.equal(res.status, 200, url)
      assert.ok(!res.body.includes(SECRET), url)
    }
    assert.equal((await c.get(`/partnerships/${council.slug}/recommendations/${secret.id}`)).status, 404)
    assert.equal((await c.get(`/partnerships/${csp.slug}/scrutiny-recommendations/${secret.id}`)).status, 404)
    assert.equal((await c.get(`/partnerships/${council.slug}/recommendations/${open.id}`)).status, 200)
  }
  const api = (await anon.get(`/api/v1/recommendations?council=${council.slug}`)).json()
  const mine = api.find((x: { id: number }) => x.id === open.id)
  assert.equal(mine.reference.startsWith('SR (16/17) '), true)
  assert.equal(mine.addressee.partnership, csp.slug)
  assert.equal((await anon.get('/api/v1/recommendations?council=no-such-council')).status, 400)
  // The council's own people and the addressed partnership's see it.
  const viewer = await clientAs(t, 'viewer', council.id)
  assert.ok((await viewer.get(`/partnerships/${council.slug}/recommendations/${secret.id}`)).body.includes(SECRET))
  const cspViewer = await clientAs(t, 'viewer', csp.id)
  assert.ok((await cspViewer.get(`/partnerships/${csp.slug}/scrutiny-recommendations`)).body.includes(SECRET))
})

test('an unpublished council’s recommendations are not public', async () => {
  const hidden = await t.services.partnerships.create({ slug: unique('hidden'), name: 'Hidden Council', kind: 'council' }, systemActor)
  const anon = await clientAs(t, 'anonymous')
  assert.equal((await anon.get(`/api/v1/recommendations?council=${hidden.slug}`)).status, 400)
})

test('recommendations made at the same moment are numbered one after another, never refused for a reference nobody typed', async () => {
  const made = await Promise.allSettled([make(), make(), make(), make()])
  const refused = made.filter((m) => m.status === 'rejected').map((m) => String((m as PromiseRejectedResult).reason))
  assert.deepEqual(refused, [])
  const refs = made.map((m) => (m as PromiseFulfilledResult<{ reference: string }>).value.reference)
  assert.equal(new Set(refs).size, 4, refs.join(', '))
  for (const ref of refs) assert.match(ref, /^SR \(16\/17\) \d{2}$/)
})
