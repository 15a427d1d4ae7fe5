import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'

let t: TestApp
let council: Partnership
let partnership: Partnership
let committeeSlug = ''
let meetingId = 0
let memberId = 0
let recommendationId = 0
let exemptItemId = 0
let exemptDocumentId = 0
let openItemId = 0
let openDocumentId = 0
let minutesMeetingId = 0
let minutesExemptItemId = 0
let minutesExemptDocumentId = 0

// What an exempt item holds that must never reach the public (its own title, purpose, presenter and decision).
const SECRET_TITLE = 'Award of the CCTV maintenance contract to Acme Cameras Ltd'
const SECRET_PURPOSE = 'Bids received from three named suppliers'
const SECRET_PRESENTER = 'Head of Procurement Ian Secretive'
const SECRET_DECISION = 'Acme Cameras Ltd awarded the contract at 412,000 pounds'
const SECRETS = [SECRET_TITLE, SECRET_PURPOSE, SECRET_PRESENTER, SECRET_DECISION, 'Acme']

const s = () => t.services.scrutiny

before(async () => {
  t = await testApp()
  council = await t.services.partnerships.create(
    { slug: unique('hcc'), name: 'Hampshire County Council', kind: 'council', published: true },
    systemActor,
  )
  partnership = await t.services.partnerships.create(
    { slug: unique('hcssg'), name: 'Hampshire Community Safety Strategy Group', published: true },
    systemActor,
  )
  const body = await s().createCommittee(
    council.id,
    {
      name: 'Policy and Resources Select Committee',
      type: 'select committee',
      crimeAndDisorder: true,
      remit: 'Scrutiny of policy and resources, and the crime and disorder committee.',
      participationTitle: 'Deputations',
      participationWording: 'To receive any deputations notified under Standing Order 12.',
      scrutinises: [partnership.id],
    },
    systemActor,
  )
  committeeSlug = body.slug
  const chairman = await s().addCouncillor(
    council.id,
    { name: 'Councillor Jonathan Glen', kind: 'councillor', party: 'Conservative', division: 'Chandlers Ford' },
    systemActor,
  )
  memberId = chairman.id
  await s().addMembership(council.id, committeeSlug, { councillorId: chairman.id, role: 'chairman' }, systemActor)
  const m = await s().createMeeting(
    council.id,
    {
      bodyId: body.id,
      date: '2019-11-14',
      startTime: '10:00',
      place: 'Wellington Room, Elizabeth II Court South, The Castle, Winchester',
      status: 'held',
      agendaPublished: true,
      decisionsPublished: true,
    },
    systemActor,
  )
  meetingId = m.id
  await s().addItem(
    council.id,
    m.id,
    {
      title: 'Hampshire Community Safety Strategy Group',
      purpose: "To consider a report from the Director of Adults' Health and Care.",
      presenter: "Director of Adults' Health and Care",
    },
    systemActor,
  )
  await s().addItem(
    council.id,
    m.id,
    {
      title: SECRET_TITLE,
      purpose: SECRET_PURPOSE,
      presenter: SECRET_PRESENTER,
      forDecision: true,
      exempt: true,
      exemptParagraph: 3,
      publishedTitle: 'Contract award',
      decision: SECRET_DECISION,
    },
    systemActor,
  )
  // A recommendation from the exempt item, addressed to the partnership: it too must never reach the public.
  const exemptItem = (await s().meeting(council.id, m.id, { member: true })).agenda.find((i) => i.exempt)!
  // Documents on the exempt item and on an open one (the exempt one must never be public).
  const pdf = Buffer.from('%PDF-1.4\n%%EOF\n')
  exemptItemId = exemptItem.id
  exemptDocumentId = (
    await t.services.proceedings.addDocument(council.id, m.id, exemptItem.id, { filename: 'Acme-bid.pdf', data: pdf }, systemActor)
  ).id
  openItemId = (await s().meeting(council.id, m.id, { member: true })).agenda.find(
    (i) => i.title === 'Hampshire Community Safety Strategy Group',
  )!.id
  openDocumentId = (
    await t.services.proceedings.addDocument(council.id, m.id, openItemId, { filename: 'report.pdf', data: pdf }, systemActor)
  ).id
  // A later meeting whose minutes are published, with an exempt item whose minutes and document hold the secrets.
  const later = await s().createMeeting(
    council.id,
    {
      bodyId: body.id,
      date: '2019-12-12',
      startTime: '10:00',
      place: 'Winchester',
      status: 'held',
      agendaPublished: true,
      decisionsPublished: true,
      minutesPublished: true,
    },
    systemActor,
  )
  minutesMeetingId = later.id
  const laterExempt = await s().addItem(
    council.id,
    later.id,
    {
      title: SECRET_TITLE,
      purpose: SECRET_PURPOSE,
      presenter: SECRET_PRESENTER,
      exempt: true,
      exemptParagraph: 3,
      publishedTitle: 'Contract award',
      decision: SECRET_DECISION,
    },
    systemActor,
  )
  minutesExemptItemId = laterExempt.id
  minutesExemptDocumentId = (
    await t.services.proceedings.addDocument(council.id, later.id, laterExempt.id, { filename: 'Acme-minutes.pdf', data: pdf }, systemActor)
  ).id
  await t.services.proceedings.saveMinutes(
    council.id,
    later.id,
    { items: [{ itemId: laterExempt.id, minutes: SECRET_PURPOSE, resolution: SECRET_DECISION }] },
    systemActor,
  )
  recommendationId = (
    await t.services.recommendations.create(
      council.id,
      {
        meetingId: m.id,
        itemId: exemptItem.id,
        text: `Renegotiate with Acme: ${SECRET_DECISION}`,
        addresseeKind: 'partnership',
        addresseePartnershipId: partnership.id,
      },
      systemActor,
    )
  ).id
})
after(async () => {
  await t.close()
})

test('a meeting starts with the standard items, the public participation deadline worked out', async () => {
  const anon = await clientAs(t, 'anonymous')
  const res = await anon.get(`/partnerships/${council.slug}/meetings/${meetingId}`)
  assert.equal(res.status, 200)
  const page = text(res.body)
  for (const title of [
    '1. Apologies for absence',
    '2. Declarations of interest',
    '3. Minutes of the previous meeting',
    '4. Deputations',
    '5. Chairman’s announcements',
    '6. Hampshire Community Safety Strategy Group',
    '7. Exempt: Contract award',
  ])
    assert.ok(page.includes(title), title)
  assert.ok(page.includes('Notice must be given no later than 9.00am on Wednesday 13 November 2019 (the working day before the meeting)'))
  assert.ok(page.includes('Exempt under paragraph 3 of Schedule 12A to the Local Government Act 1972'))
  // schema.org Event
  const ld = JSON.parse(res.body.match(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/)![1])
  assert.equal(ld['@type'], 'Event')
  assert.equal(ld.startDate, '2019-11-14T10:00:00+00:00')
  assert.equal(ld.location.name, 'Wellington Room, Elizabeth II Court South, The Castle, Winchester')
})

test("the workspace's own people see the exempt item whole; the public never does", async () => {
  const viewer = await clientAs(t, 'viewer', council.id)
  const page = text((await viewer.get(`/partnerships/${council.slug}/meetings/${meetingId}`)).body)
  assert.ok(page.includes(SECRET_TITLE) && page.includes(SECRET_DECISION))
  assert.ok(page.includes('Published as “Exempt: Contract award”'))
})

/** Every public GET route, filled in with this council's records, as plain and as CSV and JSON downloads. */
function publicAddresses() {
  const fillers: Record<string, string>[] = [
    { item: String(exemptItemId), document: String(exemptDocumentId) },
    { item: String(openItemId), document: String(openDocumentId) },
    { meeting: String(minutesMeetingId), item: String(minutesExemptItemId), document: String(minutesExemptDocumentId) },
  ].map((more) => ({
    partnership: council.slug,
    body: committeeSlug,
    meeting: String(meetingId),
    member: String(memberId),
    recommendation: String(recommendationId),
    ...more,
  }))
  const out: string[] = []
  for (const values of fillers)
    for (const r of t.app.accessRules) {
      if (r.method !== 'GET') continue
      const isPublic = r.access === 'public' || (typeof r.access === 'object' && r.access.partnership === 'public')
      if (!isPublic) continue
      // Only routes this council's records can fill (others answer 404 or know nothing of meetings).
      const names = [...r.url.matchAll(/:([a-zA-Z]+)/g)].map((m) => m[1])
      if (names.some((n) => !(n in values))) continue
      const url = r.url.replace(/:([a-zA-Z]+)/g, (_, n) => values[n])
      out.push(url, `${url}${url.includes('?') ? '&' : '?'}format=csv`, `${url}${url.includes('?') ? '&' : '?'}format=json`)
    }
  out.push(
    `/partnerships/${council.slug}/committees/${committeeSlug}/attendance?year=2019`,
    `/partnerships/${council.slug}/committees/${committeeSlug}/attendance?year=2019&by=meeting&format=json`,
    `/api/v1/committees?council=${council.slug}`,
    `/api/v1/members?council=${council.slug}`,
  )
  out.push(
    '/meetings?from=2019-11-01',
    '/meetings?view=calendar&month=2019-11',
    `/partnerships/${council.slug}/meetings?view=calendar&month=2019-11`,
  )
  out.push(`/partnerships/${council.slug}/meetings?from=2019-01-01`, '/api/v1/meetings?from=2019-11-01&to=2019-11-30')
  out.push(`/partnerships/${partnership.slug}`, `/partnerships/${partnership.slug}/scrutiny-recommendations`)
  out.push(
    `/partnerships/${partnership.slug}/scrutiny-recommendations/${recommendationId}`,
    `/api/v1/recommendations?council=${council.slug}`,
  )
  return out
}

test('an exempt item is absent from every public page, download, feed and the API, for the public and for outsiders', async () => {
  const addresses = publicAddresses()
  for (const must of ['/meetings', '/meetings.ics', '/api/v1/meetings', `/partnerships/${council.slug}/meetings/${meetingId}`])
    assert.ok(
      addresses.some((a) => a.startsWith(must)),
      must,
    )
  assert.ok(addresses.includes(`/partnerships/${council.slug}/committees/${committeeSlug}/meetings.ics`))
  for (const must of [
    '/meetings.atom',
    `/partnerships/${council.slug}/meetings.atom`,
    `/partnerships/${council.slug}/meetings/${minutesMeetingId}/items/${minutesExemptItemId}/documents/${minutesExemptDocumentId}`,
  ])
    assert.ok(addresses.includes(must), must)
  const leaks: string[] = []
  for (const who of ['anonymous', 'outsider'] as const) {
    const c = await clientAs(t, who)
    for (const url of addresses) {
      const res = await c.get(url)
      assert.ok(res.status < 500, `${url}: ${res.status}`)
      for (const secret of SECRETS) if (res.body.includes(secret)) leaks.push(`${who} ${url}: ${secret}`)
    }
  }
  assert.deepEqual(leaks, [])
  // An exempt item's documents are 404 to the public; an open item's download once the agenda is published.
  const anonymous = await clientAs(t, 'anonymous')
  assert.equal(
    (await anonymous.get(`/partnerships/${council.slug}/meetings/${meetingId}/items/${exemptItemId}/documents/${exemptDocumentId}`)).status,
    404,
  )
  assert.equal(
    (await anonymous.get(`/partnerships/${council.slug}/meetings/${meetingId}/items/${openItemId}/documents/${openDocumentId}`)).status,
    200,
  )
  // The published minutes show the exempt item as the council publishes it.
  assert.ok(
    text((await anonymous.get(`/partnerships/${council.slug}/meetings/${minutesMeetingId}`)).body).includes('Exempt: Contract award'),
    'exempt minute',
  )
  // ... while they do show the item as the council publishes it.
  const anon = await clientAs(t, 'anonymous')
  const api = (await anon.get('/api/v1/meetings?from=2019-11-14&to=2019-11-14')).json()
  const mine = api.find((m: { id: number }) => m.id === meetingId)
  const exempt = mine.agenda.find((i: { exempt: boolean }) => i.exempt)
  assert.deepEqual(
    { title: exempt.title, paragraph: exempt.exemptParagraph, purpose: exempt.purpose, decision: exempt.decision },
    { title: 'Exempt: Contract award', paragraph: 3, purpose: null, decision: null },
  )
})

test('the meetings feed and API: start in local time, from and to filter', async () => {
  const anon = await clientAs(t, 'anonymous')
  const ics = await anon.get(`/partnerships/${council.slug}/committees/${committeeSlug}/meetings.ics`)
  assert.equal(ics.status, 200)
  assert.match(ics.headers['content-type'], /^text\/calendar/)
  const unfolded = ics.body.replace(/\r\n /g, '')
  assert.ok(unfolded.includes('DTSTART;TZID=Europe/London:20191114T100000'))
  assert.ok(unfolded.includes('LOCATION:Wellington Room\\, Elizabeth II Court South\\, The Castle\\, Winchester'))
  assert.ok(unfolded.includes(`/partnerships/${council.slug}/meetings/${meetingId}`))
  assert.ok(ics.body.split('\r\n').every((l) => Buffer.byteLength(l) <= 75))
  const api = await anon.get('/api/v1/meetings?from=2019-11-14&to=2019-11-14')
  assert.equal(api.status, 200)
  const m = api.json().find((x: { id: number }) => x.id === meetingId)
  assert.equal(m.start, '2019-11-14T10:00:00+00:00')
  assert.equal(m.body.name, 'Policy and Resources Select Committee')
  assert.equal(m.council.name, 'Hampshire County Council')
  assert.deepEqual(
    (await anon.get('/api/v1/meetings?from=2019-11-15&to=2019-12-31')).json().filter((x: { id: number }) => x.id === meetingId),
    [],
  )
  assert.equal((await anon.get('/api/v1/meetings?from=2019-01-01&to=2020-06-01')).status, 400)
  assert.match((await anon.get('/api/v1/meetings?from=2019-01-01&to=2020-06-01')).json().errors.to, /a year at most/)
  const bad = await anon.get('/api/v1/meetings?from=14-11-2019')
  assert.equal(bad.status, 400)
  assert.match(bad.json().errors.from, /from must be a date like 2019-11-01/)
})

test('a crime and disorder committee and the partnership it scrutinises link to each other', async () => {
  const anon = await clientAs(t, 'anonymous')
  const committee = await anon.get(`/partnerships/${council.slug}/committees/${committeeSlug}`)
  assert.ok(committee.body.includes(`href="/partnerships/${partnership.slug}"`))
  assert.ok(text(committee.body).includes('Crime and disorder committee'))
  assert.ok(text(committee.body).includes('Councillor Jonathan Glen'))
  const overview = await anon.get(`/partnerships/${partnership.slug}`)
  assert.ok(overview.body.includes(`href="/partnerships/${council.slug}/committees/${committeeSlug}"`))
  assert.ok(text(overview.body).includes('Scrutinised by Policy and Resources Select Committee, Hampshire County Council'))
  const member = text((await anon.get(`/partnerships/${council.slug}/members/${memberId}`)).body)
  assert.ok(member.includes('Policy and Resources Select Committee (chairman)'))
  assert.ok(member.includes('Chandlers Ford'))
  // A council's workspace leads with its committees and meetings; the site's navigation has every council's meetings.
  const nav = (await anon.get(`/partnerships/${council.slug}`)).body
  assert.ok(
    nav.includes(`href="/partnerships/${council.slug}/committees"`) && nav.includes(`href="/partnerships/${council.slug}/meetings"`),
  )
  assert.ok((await anon.get('/partnerships')).body.includes('href="/meetings"'))
  // The council's committee shows on its governance map too.
  const map = await anon.get(`/partnerships/${council.slug}/governance`)
  assert.ok(text(map.body).includes('Policy and Resources Select Committee'))
  assert.ok(text(map.body).includes('Select committee'))
})

async function counts() {
  const [m] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM meetings')
  const [i] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM agenda_items')
  return { meetings: m.n, items: i.n }
}

test('bad input: a past meeting still scheduled, two meetings of one body at once, an exempt item without its paragraph', async () => {
  const editor = await clientAs(t, 'editor', council.id)
  const body = (await s().committee(council.id, committeeSlug)).body
  const before = await counts()
  const form = {
    bodyId: body.id,
    'date-day': '14',
    'date-month': '11',
    'date-year': '2019',
    startTime: '10:00',
    place: 'Ashburton Hall',
    status: 'scheduled',
    standardItems: 'true',
  }
  let res = await editor.post(`/partnerships/${council.slug}/meetings/new`, form)
  assert.equal(res.status, 400)
  let summary = errorSummary(res.body)
  assert.match(
    summary,
    /The meeting on 14 November 2019 is in the past, so it cannot still be scheduled: say whether it was held or cancelled/,
  )
  assert.match(summary, /Policy and Resources Select Committee already has a meeting at 10\.00am on 14 November 2019/)
  assert.ok(res.body.includes('value="Ashburton Hall"'), 'the form keeps what was typed')
  res = await editor.post(`/partnerships/${council.slug}/meetings/new`, { ...form, status: 'held' })
  assert.equal(res.status, 400)
  assert.doesNotMatch(errorSummary(res.body), /in the past/)
  assert.match(errorSummary(res.body), /already has a meeting at 10\.00am/)
  // A cancelled meeting leaves its slot free; a different time is fine.
  res = await editor.post(`/partnerships/${council.slug}/meetings/new`, { ...form, status: 'held', startTime: '14:00', standardItems: '' })
  assert.equal(res.status, 303)
  const afterGood = await counts()
  assert.equal(afterGood.meetings, before.meetings + 1)
  assert.equal(afterGood.items, before.items, 'no standard items when not asked for')

  res = await editor.post(`/partnerships/${council.slug}/meetings/${meetingId}/items/new`, {
    title: 'Property disposal',
    exempt: 'true',
  })
  assert.equal(res.status, 400)
  summary = errorSummary(res.body)
  assert.match(summary, /Select the paragraph of Schedule 12A to the Local Government Act 1972 that makes this item exempt/)
  assert.match(summary, /Enter the title to publish for this exempt item/)
  assert.deepEqual(await counts(), afterGood, 'nothing saved in part')

  res = await editor.post(`/partnerships/${council.slug}/meetings/new`, { ...form, 'date-day': '31', 'date-month': '2', status: 'held' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the date of the meeting, like 2019-11-14/)
  res = await editor.post(`/partnerships/${council.slug}/meetings/new`, { ...form, startTime: '25:00', status: 'held' })
  assert.match(errorSummary(res.body), /Enter the start time in 24-hour form/)
  assert.deepEqual(await counts(), afterGood)
})

test('an editor adds a committee, a co-opted member and a meeting through the forms', async () => {
  const editor = await clientAs(t, 'editor', council.id)
  let res = await editor.post(`/partnerships/${council.slug}/committees/new`, { name: '', type: '' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the name of the committee/)
  res = await editor.post(`/partnerships/${council.slug}/committees/new`, {
    name: 'Overview and Scrutiny Performance Board',
    type: 'overview and scrutiny board',
    noticeWorkingDays: '2',
    noticeTime: '12:00',
  })
  assert.equal(res.status, 303)
  const href = res.headers.location as string
  res = await editor.post(`/partnerships/${council.slug}/members/new`, { name: 'Mr T Kirkham', kind: 'co-opted' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the matters a co-opted member may vote on/)
  res = await editor.post(`/partnerships/${council.slug}/members/new`, {
    name: 'Mr T Kirkham',
    kind: 'co-opted',
    represents: 'Church of England',
    votingMatters: 'Education matters only',
  })
  assert.equal(res.status, 303)
  const member = Number(String(res.headers.location).split('/').pop())
  res = await editor.post(`${href}/members`, { councillorId: member, role: 'member' })
  assert.equal(res.status, 303)
  res = await editor.post(`${href}/members`, { councillorId: member, role: 'member' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Mr T Kirkham is already a member of Overview and Scrutiny Performance Board/)
  const page = text((await editor.get(href)).body)
  assert.ok(page.includes('Education matters only'))

  const body = (await s().committee(council.id, href.split('/').pop()!)).body
  res = await editor.post(`/partnerships/${council.slug}/meetings/new`, {
    bodyId: body.id,
    'date-day': '24',
    'date-month': '7',
    'date-year': '2030',
    startTime: '10:00',
    place: 'County Hall, Worcester',
    status: 'scheduled',
    standardItems: 'true',
  })
  assert.equal(res.status, 303)
  const meeting = await editor.get(res.headers.location)
  // Two working days before Wednesday 24 July 2030, at midday: Monday 22 July.
  assert.ok(text(meeting.body).includes('no later than midday on Monday 22 July 2030 (2 working days before the meeting)'))
  // Not published: the public sees the meeting but not its agenda.
  const anon = await clientAs(t, 'anonymous')
  const pub = text((await anon.get(res.headers.location)).body)
  assert.ok(pub.includes('The agenda has not been published yet'))
  assert.ok(!pub.includes('Apologies for absence'))
})

test('an unpublished council and its meetings are nowhere public', async () => {
  const hidden = await t.services.partnerships.create({ slug: unique('hidden'), name: 'Hidden Council', kind: 'council' }, systemActor)
  const body = await s().createCommittee(hidden.id, { name: 'Hidden Committee', type: 'cabinet' }, systemActor)
  await s().createMeeting(
    hidden.id,
    { bodyId: body.id, date: '2031-01-06', startTime: '10:00', place: 'Secret Room', status: 'scheduled', agendaPublished: true },
    systemActor,
  )
  const anon = await clientAs(t, 'anonymous')
  for (const url of ['/meetings.ics', '/api/v1/meetings', '/meetings?from=2031-01-01', '/meetings?view=calendar&month=2031-01'])
    assert.ok(!(await anon.get(url)).body.includes('Secret Room'), url)
  assert.equal((await anon.get(`/partnerships/${hidden.slug}/meetings`)).status, 404)
})

test("editing a committee keeps its links to partnerships the editor cannot see, and the form's own choices change", async () => {
  const hidden = await t.services.partnerships.create({ slug: unique('private'), name: 'Private Partnership' }, systemActor)
  const body = await s().createCommittee(
    council.id,
    { name: 'Crime and Disorder Panel', type: 'scrutiny panel', scrutinises: [hidden.id, partnership.id] },
    systemActor,
  )
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`/partnerships/${council.slug}/committees/${body.slug}/edit`, { remit: 'New remit', noticeTime: '09:00' })
  assert.equal(res.status, 303)
  const c = await s().committee(council.id, body.slug)
  assert.deepEqual(
    c.scrutinises.map((x) => x.name),
    ['Private Partnership'],
    'the visible partnership, not ticked, is unlinked; the private one stays',
  )
  assert.equal(c.committee?.remit, 'New remit')
  // The public does not see the unpublished partnership's name on the committee page.
  const anon = await clientAs(t, 'anonymous')
  assert.ok(!(await anon.get(`/partnerships/${council.slug}/committees/${body.slug}`)).body.includes('Private Partnership'))
})

test('declarations of interest: only committee members declare; public with the minutes; an exempt item keeps its published title', async () => {
  const editor = await clientAs(t, 'editor', council.id)
  const outsiderMember = await s().addCouncillor(council.id, { name: 'Councillor Not On It', kind: 'councillor' }, systemActor)
  const { agenda } = await s().meeting(council.id, meetingId, { member: true })
  const exempt = agenda.find((i) => i.exempt)!
  const url = `/partnerships/${council.slug}/meetings/${meetingId}/declarations`
  const [{ n: before }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM declarations')
  let res = await editor.post(url, {
    councillorId: outsiderMember.id,
    itemId: exempt.id,
    kind: 'other registrable',
    nature: 'Knows a bidder',
  })
  assert.equal(res.status, 400)
  assert.match(
    errorSummary(res.body),
    /Councillor Not On It is not a member of Policy and Resources Select Committee, so cannot declare an interest at its meeting/,
  )
  res = await editor.post(url, { councillorId: memberId, itemId: exempt.id, kind: '', nature: '' })
  assert.match(errorSummary(res.body), /Enter the nature of the interest/)
  const [{ n: still }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM declarations')
  assert.equal(still, before, 'nothing saved')
  res = await editor.post(url, {
    councillorId: memberId,
    itemId: exempt.id,
    kind: 'disclosable pecuniary',
    nature: 'Shareholder in a bidder',
  })
  assert.equal(res.status, 303)
  assert.ok(text((await editor.get(`/partnerships/${council.slug}/meetings/${meetingId}`)).body).includes('Shareholder in a bidder'))
  const anon = await clientAs(t, 'anonymous')
  const page = `/partnerships/${council.slug}/meetings/${meetingId}`
  assert.ok(!(await anon.get(page)).body.includes('Shareholder in a bidder'), 'not public before the minutes')
  const { meeting } = await s().meeting(council.id, meetingId, { member: true })
  await s().updateMeeting(
    council.id,
    meetingId,
    {
      bodyId: meeting.body_id,
      date: meeting.date,
      startTime: meeting.start_time,
      place: meeting.place,
      status: meeting.status,
      agendaPublished: true,
      decisionsPublished: true,
      minutesPublished: true,
      version: meeting.version,
    },
    systemActor,
  )
  const body = (await anon.get(page)).body
  assert.ok(text(body).includes('Councillor Jonathan Glen 7. Exempt: Contract award Disclosable pecuniary Shareholder in a bidder'))
  for (const secret of SECRETS) assert.ok(!body.includes(secret), secret)
})

test('attendance: members present or with apologies, a substitute for a member, shown on the member page with the minutes', async () => {
  const editor = await clientAs(t, 'editor', council.id)
  const sub = await s().addCouncillor(council.id, { name: 'Councillor Sam Substitute', kind: 'councillor' }, systemActor)
  const other = await s().addCouncillor(council.id, { name: 'Councillor Olive Other', kind: 'councillor' }, systemActor)
  await s().addMembership(council.id, committeeSlug, { councillorId: sub.id, role: 'substitute' }, systemActor)
  await s().addMembership(council.id, committeeSlug, { councillorId: other.id, role: 'member' }, systemActor)
  const url = `/partnerships/${council.slug}/meetings/${meetingId}/attendance`
  let res = await editor.post(url, { attendeeId: other.id, attendance: 'substitute', substituteFor: memberId })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Councillor Olive Other is not one of the committee’s substitutes, so cannot attend as one/)
  res = await editor.post(url, { attendeeId: sub.id, attendance: 'substitute' })
  assert.match(errorSummary(res.body), /Select the member of the committee they stood in for/)
  const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM attendance')
  assert.equal(n, 0, 'nothing saved')
  for (const form of [
    { attendeeId: memberId, attendance: 'present' },
    { attendeeId: other.id, attendance: 'apologies' },
    { attendeeId: sub.id, attendance: 'substitute', substituteFor: other.id },
  ])
    assert.equal((await editor.post(url, form)).status, 303)
  // Changing one's record replaces it.
  assert.equal((await editor.post(url, { attendeeId: memberId, attendance: 'present' })).status, 303)
  const anon = await clientAs(t, 'anonymous')
  const page = text((await anon.get(`/partnerships/${council.slug}/meetings/${meetingId}`)).body)
  assert.ok(page.includes('Councillor Jonathan Glen: Present'))
  assert.ok(page.includes('Councillor Sam Substitute: Substitute for Councillor Olive Other'))
  assert.ok(page.includes('Councillor Olive Other: Apologies'))
  const member = text((await anon.get(`/partnerships/${council.slug}/members/${other.id}`)).body)
  assert.ok(member.includes('0 meetings attended of 1 recorded (1 with apologies, 0 absent)'))
})
