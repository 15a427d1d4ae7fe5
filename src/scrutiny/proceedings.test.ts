import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { postFiles } from '../../test/upload-helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'

let t: TestApp
let council: Partnership
let cabinetId = 0
let otherId = 0
let otherSlug = ''

const SECRET = 'Bids from Acme Cameras Ltd compared'
const s = () => t.services.scrutiny
const pr = () => t.services.proceedings
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

async function meeting(bodyId: number, date: string, opts: Record<string, unknown> = {}) {
  return s().createMeeting(
    council.id,
    { bodyId, date, startTime: '10:00', place: 'The Castle, Winchester', status: 'held', agendaPublished: true, ...opts },
    systemActor,
  )
}

async function publish(meetingId: number, steps: { agenda?: boolean; decisions?: boolean; minutes?: boolean }) {
  const { meeting: m } = await s().meeting(council.id, meetingId, { member: true })
  return s().updateMeeting(
    council.id,
    meetingId,
    {
      bodyId: m.body_id,
      date: m.date,
      startTime: m.start_time,
      place: m.place,
      status: m.status,
      agendaPublished: steps.agenda ?? m.agenda_published,
      decisionsPublished: steps.decisions ?? m.decisions_published,
      minutesPublished: steps.minutes ?? m.minutes_published,
      version: m.version,
    },
    systemActor,
  )
}

before(async () => {
  t = await testApp()
  council = await t.services.partnerships.create(
    { slug: unique('hcc'), name: 'Hampshire County Council', kind: 'council', published: true },
    systemActor,
  )
  const cabinet = await s().createCommittee(council.id, { name: 'Cabinet', type: 'cabinet', firstMinuteNumber: 143 }, systemActor)
  cabinetId = cabinet.id
  const other = await s().createCommittee(council.id, { name: 'Audit Committee', type: 'select committee' }, systemActor)
  otherId = other.id
  otherSlug = other.slug
})
after(async () => {
  await t.close()
})

const numbers = async (meetingId: number) => (await s().meeting(council.id, meetingId, { member: true })).agenda.map((i) => i.minute_number)

test('minutes: numbered in agenda order from the first number, the next meeting of the body carries on, another body starts its own', async () => {
  const first = await meeting(cabinetId, '2019-10-15')
  for (const title of ['Medium Term Financial Strategy', 'Adults’ Health and Care Strategy', 'Public Health Annual Report'])
    await s().addItem(council.id, first.id, { title }, systemActor)
  const editor = await clientAs(t, 'editor', council.id)
  const form = await editor.get(`/partnerships/${council.slug}/meetings/${first.id}/minutes`)
  assert.equal(form.status, 200)
  const agenda = (await s().meeting(council.id, first.id, { member: true })).agenda
  const res = await editor.post(`/partnerships/${council.slug}/meetings/${first.id}/minutes`, {
    [`minutes-${agenda[0].id}`]: 'All Members of Cabinet were present and no apologies were noted.',
    [`minutes-${agenda[5].id}`]: 'Cabinet received a report of the Director of Corporate Resources.',
    [`resolution-${agenda[5].id}`]: 'The recommendations in the report were agreed.',
  })
  assert.equal(res.status, 303)
  assert.deepEqual(await numbers(first.id), [143, 144, 145, 146, 147, 148, 149, 150])
  const second = await meeting(cabinetId, '2019-11-12')
  await pr().saveMinutes(council.id, second.id, { items: [] }, systemActor)
  assert.deepEqual(await numbers(second.id), [151, 152, 153, 154, 155])
  const audit = await meeting(otherId, '2019-11-12')
  await pr().saveMinutes(council.id, audit.id, { items: [] }, systemActor)
  assert.deepEqual(await numbers(audit.id), [1, 2, 3, 4, 5])
  // The minutes are on the page for the council's people, and for the public once published.
  const page = `/partnerships/${council.slug}/meetings/${first.id}`
  assert.ok(
    text((await editor.get(page)).body).includes('148. Medium Term Financial Strategy Cabinet received a report'),
    'check at line 91',
  )
  const anon = await clientAs(t, 'anonymous')
  assert.ok(!(await anon.get(page)).body.includes('Cabinet received a report'), 'not public before the minutes are published')
  await publish(first.id, { minutes: true })
  const pub = text((await anon.get(page)).body)
  assert.ok(
    pub.includes('148. Medium Term Financial Strategy Cabinet received a report of the Director of Corporate Resources.'),
    'check at line 96',
  )
  assert.ok(pub.includes('Resolved: The recommendations in the report were agreed.'), 'check at line 97')
  // Published: numbers are fixed; an item added later takes the next number after the body's highest.
  await s().addItem(council.id, first.id, { title: 'Late item' }, systemActor)
  await pr().saveMinutes(council.id, first.id, { items: [] }, systemActor)
  assert.deepEqual(await numbers(first.id), [143, 144, 145, 146, 147, 148, 149, 150, 156])
})

test("minutes of two meetings of one body saved at once: the earlier meeting's numbers come first, the later's follow on", async () => {
  const body = await s().createCommittee(council.id, { name: 'Standards Committee', type: 'select committee' }, systemActor)
  const a = await meeting(body.id, '2019-06-01')
  const b = await meeting(body.id, '2019-07-01')
  await Promise.all([
    pr().saveMinutes(council.id, b.id, { items: [] }, systemActor),
    pr().saveMinutes(council.id, a.id, { items: [] }, systemActor),
  ])
  // Whatever order the two saves ran in (each holds the body's lock), a's are 1 to 5; b, saved again, follows on.
  assert.deepEqual(await numbers(a.id), [1, 2, 3, 4, 5])
  await pr().saveMinutes(council.id, b.id, { items: [] }, systemActor)
  assert.deepEqual(await numbers(b.id), [6, 7, 8, 9, 10])
})

test("minutes: an exempt item's minute shows only its published title to the public; bad input saves nothing", async () => {
  const m = await meeting(otherId, '2019-12-10', { decisionsPublished: true })
  const item = await s().addItem(
    council.id,
    m.id,
    { title: 'CCTV contract award', exempt: true, exemptParagraph: 3, publishedTitle: 'Contract award' },
    systemActor,
  )
  await pr().saveMinutes(council.id, m.id, { items: [{ itemId: item.id, minutes: SECRET, resolution: `${SECRET}: agreed` }] }, systemActor)
  await publish(m.id, { minutes: true })
  const anon = await clientAs(t, 'anonymous')
  const body = (await anon.get(`/partnerships/${council.slug}/meetings/${m.id}`)).body
  assert.ok(!body.includes(SECRET) && !body.includes('CCTV contract award'), 'check at line 127')
  assert.ok(text(body).includes('11. Exempt: Contract award'), 'check at line 128')
  const viewer = await clientAs(t, 'viewer', council.id)
  assert.ok((await viewer.get(`/partnerships/${council.slug}/meetings/${m.id}`)).body.includes(SECRET), 'check at line 130')
  // An item of another meeting on the form is refused, and nothing is saved.
  const other = await meeting(otherId, '2019-12-11')
  await assert.rejects(
    pr().saveMinutes(council.id, other.id, { items: [{ itemId: item.id, minutes: 'Wrong meeting' }] }, systemActor),
    /not on this meeting’s agenda/,
  )
  assert.deepEqual(await numbers(other.id), [null, null, null, null, null])
  // A first minute number that is not a whole number is refused with a message.
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`/partnerships/${council.slug}/committees/${otherSlug}/edit`, { firstMinuteNumber: 'abc' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the number of the first minute as a whole number, like 143/)
})

test('documents: an editor uploads a PDF to an item; public with the agenda, never for an exempt item; a wrong file is refused', async () => {
  const m = await meeting(otherId, '2020-01-14', { agendaPublished: false })
  const open = await s().addItem(council.id, m.id, { title: 'Internal audit progress report' }, systemActor)
  const exempt = await s().addItem(
    council.id,
    m.id,
    { title: 'Fraud investigation', exempt: true, exemptParagraph: 7, publishedTitle: 'Investigation' },
    systemActor,
  )
  const editor = await clientAs(t, 'editor', council.id)
  const here = `/partnerships/${council.slug}/meetings/${m.id}`
  let res = await postFiles(t, editor, `${here}/items/${open.id}/documents`, 'file', [{ filename: 'audit-report.pdf', data: PDF }])
  assert.equal(res.status, 303)
  const notPdf = await postFiles(t, editor, `${here}/items/${open.id}/documents`, 'file', [
    { filename: 'report.pdf', data: Buffer.from('just some words') },
  ])
  assert.equal(notPdf.status, 400)
  assert.match(errorSummary(notPdf.body), /The selected file is not a real PDF|is not a PDF|must be a/)
  const doc = (await pr().documents([open.id])).get(open.id)!
  assert.equal(doc.length, 1, 'the refused file was not saved')
  const secret = await pr().addDocument(council.id, m.id, exempt.id, { filename: 'investigation.pdf', data: PDF }, systemActor)
  const openHref = `${here}/items/${open.id}/documents/${doc[0].id}`
  const secretHref = `${here}/items/${exempt.id}/documents/${secret.id}`
  const page = text((await editor.get(here)).body)
  assert.ok(page.includes(`audit-report.pdf (PDF, ${PDF.length} bytes)`) || /audit-report\.pdf \(PDF, [^)]+\)/.test(page))
  const anon = await clientAs(t, 'anonymous')
  assert.equal((await anon.get(openHref)).status, 404, 'not public before the agenda is published')
  await publish(m.id, { agenda: true })
  res = await anon.get(openHref)
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'application/pdf')
  assert.equal(res.body, PDF.toString())
  assert.equal((await anon.get(secretHref)).status, 404, "an exempt item's documents are never public")
  assert.ok(!(await anon.get(here)).body.includes('investigation.pdf'), 'check at line 178')
  const viewer = await clientAs(t, 'viewer', council.id)
  assert.equal((await viewer.get(secretHref)).status, 200)
  assert.equal((await editor.post(`${secretHref}/remove`)).status, 303)
  assert.equal((await viewer.get(secretHref)).status, 404)
})

test('required organisations: chosen on the form; their attendance and the members’ in the attendance report, with CSV', async () => {
  const police = await t.services.organisations.create({ name: unique('Hampshire Constabulary'), type: 'police force' }, systemActor)
  const probation = await t.services.organisations.create({ name: unique('National Probation Service'), type: 'probation' }, systemActor)
  const outsider = await t.services.organisations.create({ name: unique('Not Required Ltd'), type: 'other' }, systemActor)
  const body = await s().createCommittee(council.id, { name: 'Channel Panel', type: 'scrutiny panel' }, systemActor)
  const editor = await clientAs(t, 'editor', council.id)
  let res = await editor.post(`/partnerships/${council.slug}/committees/${body.slug}/edit`, {
    requiredOrganisations: [police.id, probation.id],
  })
  assert.equal(res.status, 303)
  assert.deepEqual((await s().requiredOrganisations(body.id)).map((o) => o.id).sort(), [police.id, probation.id].sort())
  const chair = await s().addCouncillor(council.id, { name: 'Councillor Ann Chair', kind: 'councillor' }, systemActor)
  const member = await s().addCouncillor(council.id, { name: 'Councillor Bo Member', kind: 'councillor' }, systemActor)
  await s().addMembership(council.id, body.slug, { councillorId: chair.id, role: 'chairman' }, systemActor)
  await s().addMembership(council.id, body.slug, { councillorId: member.id, role: 'member' }, systemActor)
  const m1 = await meeting(body.id, '2019-03-05', { minutesPublished: true })
  const m2 = await meeting(body.id, '2019-04-02', { minutesPublished: true })
  const orgUrl = (id: number) => `/partnerships/${council.slug}/meetings/${id}/organisations`
  res = await editor.post(orgUrl(m1.id), { organisationId: outsider.id, attendance: 'present' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Select one of the organisations required to attend Channel Panel/)
  const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM organisation_attendance')
  assert.equal(n, 0, 'nothing saved')
  for (const [id, org, attendance] of [
    [m1.id, police.id, 'present'],
    [m1.id, probation.id, 'apologies'],
    [m2.id, police.id, 'present'],
    [m2.id, probation.id, 'absent'],
  ] as const)
    assert.equal((await editor.post(orgUrl(id), { organisationId: org, attendance, representative: 'Prevent lead' })).status, 303)
  for (const [id, who, attendance] of [
    [m1.id, chair.id, 'present'],
    [m1.id, member.id, 'present'],
    [m2.id, chair.id, 'present'],
    [m2.id, member.id, 'apologies'],
  ] as const)
    await s().recordAttendance(council.id, id, { attendeeId: who, attendance }, systemActor)
  const anon = await clientAs(t, 'anonymous')
  const url = `/partnerships/${council.slug}/committees/${body.slug}/attendance?year=2019`
  const page = text((await anon.get(url)).body)
  assert.ok(page.includes('Councillor Bo Member Member 1 2 50%'), 'check at line 228')
  assert.ok(page.includes(`${police.name} Organisation 2 2 100%`), 'check at line 229')
  assert.ok(page.includes(`${probation.name} (organisation): Absent, Prevent lead`), 'check at line 230')
  assert.ok(page.includes('Councillor Bo Member: Apologies'), 'check at line 231')
  const csv = await anon.get(`${url}&format=csv`)
  assert.match(csv.headers['content-type'], /^text\/csv/)
  assert.ok(csv.body.includes(`${probation.name},organisation,0,2,0,1,1,0,0`), csv.body)
  const byMeeting = (await anon.get(`${url}&by=meeting&format=json`)).json()
  assert.deepEqual(
    byMeeting.map((r: Record<string, string>) => `${r.date} ${r.name} ${r.status}`),
    [`2019-03-05 ${probation.name} apologies`, '2019-04-02 Councillor Bo Member apologies', `2019-04-02 ${probation.name} absent`],
  )
  // The public counts only meetings with published minutes.
  await publish(m2.id, { minutes: false })
  assert.ok(text((await anon.get(url)).body).includes('Councillor Bo Member Member 1 1 100%'), 'check at line 242')
  assert.ok(text((await editor.get(url)).body).includes('Councillor Bo Member Member 1 2 50%'), 'check at line 243')
})

test('the Atom feeds: newly published agendas, decisions and minutes, newest first, titles and links only', async () => {
  const m = await meeting(otherId, '2020-02-11', { agendaPublished: false })
  await s().addItem(council.id, m.id, { title: 'Secret item', exempt: true, exemptParagraph: 1, publishedTitle: 'Staffing' }, systemActor)
  const anon = await clientAs(t, 'anonymous')
  const feed = async (url: string) => (await anon.get(url)).body
  assert.ok(!(await feed('/meetings.atom')).includes(`meeting-${m.id}-agenda`), 'check at line 251')
  await publish(m.id, { agenda: true })
  await publish(m.id, { minutes: true })
  const all = await anon.get('/meetings.atom')
  assert.equal(all.status, 200)
  assert.match(all.headers['content-type'], /^application\/atom\+xml/)
  assert.ok(
    all.body.includes('<title>Agenda published: Audit Committee, 11 February 2020 (Hampshire County Council)</title>'),
    'the agenda entry',
  )
  assert.ok(all.body.indexOf(`meeting-${m.id}-minutes`) < all.body.indexOf(`meeting-${m.id}-agenda`), 'newest first')
  assert.ok(!all.body.includes('Secret item'), 'check at line 259')
  const mine = await feed(`/partnerships/${council.slug}/meetings.atom`)
  assert.ok(mine.includes('<title>Minutes published: Audit Committee, 11 February 2020</title>'), 'check at line 261')
  assert.ok(mine.includes(`/partnerships/${council.slug}/meetings/${m.id}`), 'check at line 262')
  // The lists of meetings point to the feeds.
  assert.ok((await anon.get('/meetings')).body.includes('<link rel="alternate" type="application/atom+xml"'), 'check at line 264')
  assert.ok(
    (await anon.get(`/partnerships/${council.slug}/meetings`)).body.includes(`href="/partnerships/${council.slug}/meetings.atom"`),
    'check at line 265',
  )
  // Unpublishing takes the step out of the feed.
  await publish(m.id, { minutes: false })
  assert.ok(!(await feed('/meetings.atom')).includes(`meeting-${m.id}-minutes`), 'check at line 268')
})

test('the committees and members API: a published council only, co-opted members with what they vote on', async () => {
  const partnership = await t.services.partnerships.create(
    { slug: unique('wscb'), name: 'Worcestershire Safer Communities Board', published: true },
    systemActor,
  )
  const board = await s().createCommittee(
    council.id,
    {
      name: 'Overview and Scrutiny Performance Board',
      type: 'overview and scrutiny board',
      crimeAndDisorder: true,
      remit: 'Performance and the crime and disorder committee.',
      scrutinises: [partnership.id],
    },
    systemActor,
  )
  const chair = await s().addCouncillor(council.id, { name: 'Mr C J Bloore', kind: 'councillor', party: 'Conservative' }, systemActor)
  const church = await s().addCouncillor(
    council.id,
    { name: 'Bryan Allbut', kind: 'co-opted', represents: 'Church of England', votingMatters: 'Education matters only' },
    systemActor,
  )
  await s().addMembership(council.id, board.slug, { councillorId: chair.id, role: 'chairman' }, systemActor)
  await s().addMembership(council.id, board.slug, { councillorId: church.id, role: 'member' }, systemActor)
  const anon = await clientAs(t, 'anonymous')
  const committees = (await anon.get(`/api/v1/committees?council=${council.slug}`)).json()
  const b = committees.find((c: { slug: string }) => c.slug === board.slug)
  assert.deepEqual(
    { ...b, url: undefined },
    {
      slug: board.slug,
      name: 'Overview and Scrutiny Performance Board',
      type: 'overview and scrutiny board',
      url: undefined,
      remit: 'Performance and the crime and disorder committee.',
      crimeAndDisorder: true,
      chairman: 'Mr C J Bloore',
      viceChairman: null,
      membersCount: 2,
      scrutinises: [{ slug: partnership.slug, name: 'Worcestershire Safer Communities Board' }],
    },
  )
  const members = (await anon.get(`/api/v1/members?council=${council.slug}`)).json()
  const allbut = members.find((m: { name: string }) => m.name === 'Bryan Allbut')
  assert.equal(allbut.kind, 'co-opted')
  assert.equal(allbut.votingMatters, 'Education matters only')
  assert.deepEqual(allbut.committees, [{ slug: board.slug, name: 'Overview and Scrutiny Performance Board', role: 'member' }])
  assert.equal(members.find((m: { name: string }) => m.name === 'Mr C J Bloore').votingMatters, null)
  for (const url of ['/api/v1/committees?council=nowhere', '/api/v1/members?council=nowhere']) {
    const res = await anon.get(url)
    assert.equal(res.status, 400)
    assert.equal(res.json().errors.council, 'There is no published council at nowhere')
  }
  const hidden = await t.services.partnerships.create(
    { slug: unique('hidden'), name: 'Hidden Council', kind: 'council', published: false },
    systemActor,
  )
  assert.equal((await anon.get(`/api/v1/members?council=${hidden.slug}`)).status, 400)
  assert.ok(
    ((await anon.get('/api/v1/openapi.json')).json().paths['/api/v1/committees'].get.tags as string[]).includes('Scrutiny'),
    'check at line 323',
  )
})
