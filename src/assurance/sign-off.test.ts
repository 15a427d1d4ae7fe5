/**
 * Sign-off before publication (issue 8): rounds are drafted, then published as a whole; contributors submit cells,
 * editors approve or return them; each publication is kept as it was, with the differences to the next; a new round
 * can start as a copy of the previous one; the matrix shows ratings given last round and not this one; a page per
 * priority follows it across rounds.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, makePartnership, unique, type TestApp } from '../../test/helpers.ts'
import { historyOf, systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const editorActor = { id: null, name: 'Pat Editor' }

/** A published partnership with a published, agreed agreement version of two priorities; the police lead priority 1. */
async function setting() {
  const p = await makePartnership(t.services, { published: true })
  const police = await t.services.organisations.create({ name: unique('Constabulary'), type: 'police force' }, systemActor)
  const v = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2019', published: true }, systemActor)
  const p1 = await t.services.agreement.addPriority(v.id, { number: 1, title: 'County lines', leadIds: [police.id] }, systemActor)
  const p2 = await t.services.agreement.addPriority(v.id, { number: 2, title: 'Domestic abuse' }, systemActor)
  const dims = await t.services.assurance.dimensions(p.id)
  return { p, v, p1, p2, dims, police, base: `/partnerships/${p.slug}/assurance` }
}

const as = () => t.services.assurance
/** The account behind a signed-in test client. */
const userOf = (c: object) => (c as { user: { id: number; email: string } }).user
const cell = (rating: number | null, findings: string[] = [], developmentAreas: string[] = []) => ({ rating, findings, developmentAreas })

test('a draft round is seen by members marked as a draft, and by nobody else anywhere: pages, API, exports, print', async () => {
  const { p, v, p1, dims, base } = await setting()
  const r = await as().createRound(p.id, { title: 'Draft round', assessedOn: '2019-10-15', agreementVersionId: v.id }, systemActor)
  await as().recordCell(r.id, p1.id, dims[0].id, cell(3, ['A draft finding.']), systemActor)
  const anon = await clientAs(t, 'anonymous')
  const urls = [
    `${base}/rounds/${r.id}`,
    `${base}/rounds/${r.id}?format=csv`,
    `${base}/rounds/${r.id}?format=json`,
    `${base}/rounds/${r.id}/cells/${p1.id}/${dims[0].id}`,
    `${base}/rounds/${r.id}/publications`,
    `${base}/rounds/${r.id}/publications/1`,
    `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}`,
    `/partnerships/${p.slug}/agreement/versions/1/print?round=${r.id}`,
  ]
  for (const u of urls) assert.equal((await anon.get(u)).status, 404, u)
  assert.deepEqual((await anon.get(`/api/v1/partnerships/${p.slug}/assurance/rounds`)).json(), [])
  assert.doesNotMatch(text((await anon.get(base)).body), /Draft round/)
  assert.doesNotMatch((await anon.get(`${base}?format=csv`)).body, /Draft round/)
  const print = text((await anon.get(`/partnerships/${p.slug}/agreement/versions/1/print`)).body)
  assert.doesNotMatch(print, /Draft round|A draft finding/)
  assert.match(print, /No assessment round of this version has been published yet/)
  assert.doesNotMatch(text((await anon.get(`/partnerships/${p.slug}`)).body), /Draft round/)

  const viewer = await clientAs(t, 'viewer', p.id)
  const page = text((await viewer.get(`${base}/rounds/${r.id}`)).body)
  assert.match(page, /Draft: this round has not been published/)
  assert.match(page, /Established : priority 1, County co-ordination/)
  assert.match(text((await viewer.get(base)).body), /Draft round .* Draft/)
  assert.match(
    text((await viewer.get(`${base}/rounds/${r.id}/cells/${p1.id}/${dims[0].id}`)).body),
    /Draft This round has not been published/,
  )
  assert.match(text((await viewer.get(`/partnerships/${p.slug}`)).body), /Draft, not yet published: Draft round/)
  // A member may print the draft by choosing it; the default print is what has been published (nothing yet).
  assert.match(text((await viewer.get(`/partnerships/${p.slug}/agreement/versions/1/print?round=${r.id}`)).body), /Draft: not published/)
})

test('the latest assessment is the latest published round for everyone who does not edit; editors see their newer draft', async () => {
  const { p, v, p1, dims, base } = await setting()
  const r1 = await as().createRound(p.id, { title: 'Autumn 2019', assessedOn: '2019-10-15', agreementVersionId: v.id }, systemActor)
  await as().recordCell(r1.id, p1.id, dims[0].id, cell(2), systemActor)
  await as().publishRound(p.id, r1.id, systemActor)
  const r2 = await as().createRound(
    p.id,
    { title: 'Spring 2020, nearly empty', assessedOn: '2020-04-01', agreementVersionId: v.id },
    systemActor,
  )
  for (const who of ['anonymous', 'viewer', 'contributor'] as const) {
    const c = await clientAs(t, who, p.id)
    const index = text((await c.get(base)).body)
    assert.match(index, /Latest published assessment Autumn 2019/, who)
    assert.doesNotMatch(index, /Latest published assessment Spring 2020/, who)
  }
  const editor = await clientAs(t, 'editor', p.id)
  assert.match(text((await editor.get(base)).body), /Latest round Spring 2020, nearly empty .* Draft/)
  // The overview panel: the latest published round for everyone, with the draft named to members.
  const o = await as().overview(p, { includeUnpublished: true })
  assert.equal(o?.lines[1], 'Latest: Autumn 2019, 15 October 2019')
  assert.ok(o?.lines.includes('Draft, not yet published: Spring 2020, nearly empty'))
  const pub = await as().overview(p, { includeUnpublished: false })
  assert.deepEqual(pub?.lines, [
    '1 published assessment round',
    'Latest: Autumn 2019, 15 October 2019',
    '1 of 12 ratings recorded',
    'Developing: 1',
  ])
  void r2
})

test("a contributor's change is submitted; it is public only once approved and published again, each publication kept as it was", async () => {
  const { p, v, p1, dims, police, base } = await setting()
  const r = await as().createRound(p.id, { title: 'Autumn 2019', assessedOn: '2019-10-15', agreementVersionId: v.id }, systemActor)
  await as().recordCell(r.id, p1.id, dims[0].id, cell(2, ['Meetings are held.']), systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  assert.equal((await editor.post(`${base}/rounds/${r.id}/publish`)).status, 303)
  const anon = await clientAs(t, 'anonymous')
  const cellUrl = `${base}/rounds/${r.id}/cells/${p1.id}/${dims[0].id}`

  // The police lead changes the cell: submitted, not public.
  const lead = await clientAs(t, 'contributor', p.id, { organisationId: police.id })
  const form = await lead.get(`${cellUrl}/edit`)
  assert.match(text(form.body), /submitted to an editor for approval/)
  const saved = await lead.post(`${cellUrl}/edit`, {
    rating: '3',
    findings: 'Meetings are held.\nA county lines team is in place.',
    developmentAreas: 'The Partnership will map exploitation.',
    version: '1',
  })
  assert.equal(saved.status, 303)
  const [row] = await t.db.query('SELECT status, submitted_by FROM assessment_cells WHERE assessment_round_id = $1', [r.id])
  assert.equal(row.status, 'submitted')
  assert.equal(row.submitted_by, userOf(lead).id)
  const publicCell = text((await anon.get(cellUrl)).body)
  assert.match(publicCell, /Developing/)
  assert.doesNotMatch(publicCell, /A county lines team is in place/)
  assert.equal((await anon.get(`/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}`)).json().rows[0].cells[0].rating, 2)

  // Publishing now keeps the cell as last published: nothing approved changed, so it is refused.
  const refused = await editor.post(`${base}/rounds/${r.id}/publish`)
  assert.equal(refused.status, 400)
  assert.match(errorSummary(refused.body), /Nothing approved has changed since publication 1/)
  assert.match(text((await editor.get(`${base}/rounds/${r.id}/publish`)).body), /1 cell waiting for approval/)

  // The editor approves it, and publishes again.
  assert.equal((await editor.get(base + '/sign-off')).status, 200)
  assert.match(text((await editor.get(base + '/sign-off')).body), /Autumn 2019: priority 1, County co-ordination/)
  assert.equal((await editor.post(`${cellUrl}/approve`, { version: '2' })).status, 303)
  assert.match(text((await anon.get(cellUrl)).body), /Developing/, 'approved but not yet published: still as published')
  const publish = text((await editor.get(`${base}/rounds/${r.id}/publish`)).body)
  assert.match(publish, /Changes since publication 1 .*Priority 1: County lines – County co-ordination Rating: Developing to Established/)
  assert.equal((await editor.post(`${base}/rounds/${r.id}/publish`)).status, 303)
  const now = text((await anon.get(cellUrl)).body)
  assert.match(now, /Established/)
  assert.match(now, /A county lines team is in place/)

  // Each publication is kept, with who and when for members, and what changed in the next.
  const list = text((await anon.get(`${base}/rounds/${r.id}/publications`)).body)
  assert.match(list, /Publication 2 , .* \(the latest\)/)
  assert.match(list, /Publication 1 , .*1 cell changed in the next publication/)
  assert.doesNotMatch(list, /by Test editor/, 'the public is not told who published')
  assert.match(text((await editor.get(`${base}/rounds/${r.id}/publications`)).body), /Publication 2 , .*by Test editor/)
  const first = await anon.get(`${base}/rounds/${r.id}/publications/1`)
  assert.equal(first.status, 200)
  const firstText = text(first.body)
  assert.match(firstText, /Developing : priority 1, County co-ordination/)
  assert.match(
    firstText,
    /Changed in publication 2 .* Rating: Developing to Established Findings added: A county lines team is in place\. Development areas added: The Partnership will map exploitation\./,
  )
  assert.equal((await anon.get(`${base}/rounds/${r.id}/publications/3`)).status, 404)
  // Every step is in the audit trail.
  const h = await historyOf(
    t.db,
    'assessment_cell',
    Number((await t.db.query('SELECT id FROM assessment_cells WHERE assessment_round_id = $1', [r.id]))[0].id),
  )
  assert.ok(h.some((e) => /approved/.test(e.summary ?? '')))
  const pubs = await t.db.query(
    "SELECT count(*)::int AS n FROM audit_log WHERE entity = 'assessment_publication' AND partnership_id = $1",
    [p.id],
  )
  assert.equal(pubs[0].n, 2)
})

test('an editor returns a cell with a comment; the contributor sees what was asked on the cell, the form and their list, and is emailed', async () => {
  const { p, v, p1, dims, police, base } = await setting()
  const r = await as().createRound(p.id, { title: 'Autumn 2019', assessedOn: '2019-10-15', agreementVersionId: v.id }, systemActor)
  const cellUrl = `${base}/rounds/${r.id}/cells/${p1.id}/${dims[1].id}`
  const lead = await clientAs(t, 'contributor', p.id, { organisationId: police.id })
  assert.equal((await lead.post(`${cellUrl}/edit`, { rating: '4', findings: 'All is well.', version: '0' })).status, 303)
  const editor = await clientAs(t, 'editor', p.id)
  const page = text((await editor.get(cellUrl)).body)
  assert.match(page, /Sign-off Waiting for an editor's approval/)
  // A comment is required.
  const empty = await editor.post(`${cellUrl}/return`, { comment: '  ', version: '1' })
  assert.equal(empty.status, 400)
  assert.match(errorSummary(empty.body), /Enter a comment saying what the contributor needs to change/)
  const comment = 'Please give the evidence for Strong: which meetings, and what they decided.'
  assert.equal((await editor.post(`${cellUrl}/return`, { comment, version: '1' })).status, 303)
  const [row] = await t.db.query('SELECT status, review_comment FROM assessment_cells WHERE assessment_round_id = $1', [r.id])
  assert.deepEqual(row, { status: 'returned', review_comment: comment })

  assert.match(
    text((await lead.get(cellUrl)).body),
    new RegExp(`Returned to the contributor with this comment: ${comment.replace(/[.:]/g, '.')}`),
  )
  assert.match(text((await lead.get(`${cellUrl}/edit`)).body), /An editor returned this with a comment: Please give the evidence/)
  const mine = text((await lead.get(`${base}/sign-off`)).body)
  assert.match(mine, /Returned to you, with what was asked Autumn 2019: priority 1, Driving front-line delivery Please give the evidence/)
  // Another contributor, whose organisation leads nothing, does not see it in their list.
  const other = await clientAs(t, 'contributor', p.id)
  assert.match(text((await other.get(`${base}/sign-off`)).body), /No cells have been returned to you/)

  const [mail] = (await t.services.outbox.list()).filter((m) => m.partnership_id === p.id && m.template === 'assurance/returned')
  assert.equal(mail.to_address, userOf(lead).email)
  assert.match(mail.subject, /Returned to you: Priority 1: County lines, Driving front-line delivery \(Autumn 2019\)/)
  assert.match(mail.text_body, /Please give the evidence for Strong/)
  assert.match(mail.text_body, new RegExp(`${cellUrl}/edit`))

  // Resubmitting makes it wait for approval again; a viewer cannot approve or return (403).
  assert.equal((await lead.post(`${cellUrl}/edit`, { rating: '3', findings: 'Board minutes of May.', version: '2' })).status, 303)
  assert.equal((await t.db.query('SELECT status FROM assessment_cells WHERE assessment_round_id = $1', [r.id]))[0].status, 'submitted')
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.equal((await viewer.post(`${cellUrl}/approve`, { version: '3' })).status, 403)
})

test('a new round can start as a copy of the previous one: carried forward until confirmed or changed, with last round beside the form', async () => {
  const { p, v, p1, p2, dims, police, base } = await setting()
  const r1 = await as().createRound(p.id, { title: 'Autumn 2019', assessedOn: '2019-10-15', agreementVersionId: v.id }, systemActor)
  await as().recordCell(
    r1.id,
    p1.id,
    dims[0].id,
    cell(2, ['Intelligence is shared weekly.'], ['The Partnership will map networks.']),
    systemActor,
  )
  await as().recordCell(r1.id, p2.id, dims[0].id, cell(3, ['A DA board meets.']), systemActor)
  await as().publishRound(p.id, r1.id, systemActor)

  const editor = await clientAs(t, 'editor', p.id)
  const form = await editor.get(`${base}/rounds/new`)
  assert.match(
    form.body,
    new RegExp(`<input class="govuk-radios__input" id="copyFrom" name="copyFrom" type="radio" value="${r1.id}" checked`),
  )
  const res = await editor.post(`${base}/rounds/new`, {
    title: 'Autumn 2020',
    'assessedOn-day': '15',
    'assessedOn-month': '10',
    'assessedOn-year': '2020',
    agreementVersionId: v.id,
    copyFrom: String(r1.id),
  })
  assert.equal(res.status, 303)
  const r2 = Number(/rounds\/(\d+)$/.exec(res.headers.location)![1])
  const cells = await t.db.query(
    'SELECT priority_id, rating, findings, carried_forward, status FROM assessment_cells WHERE assessment_round_id = $1 ORDER BY priority_id',
    [r2],
  )
  assert.deepEqual(cells, [
    { priority_id: p1.id, rating: 2, findings: ['Intelligence is shared weekly.'], carried_forward: true, status: 'approved' },
    { priority_id: p2.id, rating: 3, findings: ['A DA board meets.'], carried_forward: true, status: 'approved' },
  ])
  const areas = await t.db.query(
    'SELECT d.text FROM development_areas d JOIN assessment_cells c ON c.id = d.assessment_cell_id WHERE c.assessment_round_id = $1',
    [r2],
  )
  assert.deepEqual(areas, [{ text: 'The Partnership will map networks.' }])
  const matrix = text((await editor.get(res.headers.location)).body)
  assert.match(matrix, /Developing : priority 1, County co-ordination – Unchanged .*Carried forward/)
  assert.match(matrix, /2 carried forward and not yet confirmed/)

  // The form shows last round's rating and findings beside the fields.
  const cellUrl = `${base}/rounds/${r2}/cells/${p1.id}/${dims[0].id}`
  const edit = text((await editor.get(`${cellUrl}/edit`)).body)
  assert.match(edit, /This assessment was carried forward from Autumn 2019/)
  assert.match(
    edit,
    /In Autumn 2019 Rating: ●●○○ Developing Findings: Intelligence is shared weekly\. Development areas: The Partnership will map networks\./,
  )

  // The police lead confirms their cell: no longer carried forward, and submitted for approval.
  const lead = await clientAs(t, 'contributor', p.id, { organisationId: police.id })
  assert.match(text((await lead.get(cellUrl)).body), /Confirm it is still right/)
  assert.equal((await lead.post(`${cellUrl}/confirm`, { version: '1' })).status, 303)
  assert.deepEqual(
    (
      await t.db.query('SELECT carried_forward, status FROM assessment_cells WHERE assessment_round_id = $1 AND priority_id = $2', [
        r2,
        p1.id,
      ])
    )[0],
    {
      carried_forward: false,
      status: 'submitted',
    },
  )
  // The editor changes the other: saving clears the mark too.
  const other = `${base}/rounds/${r2}/cells/${p2.id}/${dims[0].id}`
  assert.equal((await editor.post(`${other}/edit`, { rating: '4', findings: 'A DA board meets.', version: '1' })).status, 303)
  assert.deepEqual(
    (
      await t.db.query('SELECT carried_forward, status FROM assessment_cells WHERE assessment_round_id = $1 AND priority_id = $2', [
        r2,
        p2.id,
      ])
    )[0],
    {
      carried_forward: false,
      status: 'approved',
    },
  )
  // A round to copy must be this partnership's.
  const elsewhere = await setting()
  const foreign = await as().createRound(
    elsewhere.p.id,
    { title: 'Theirs', assessedOn: '2019-01-01', agreementVersionId: elsewhere.v.id },
    systemActor,
  )
  const bad = await editor.post(`${base}/rounds/new`, {
    title: 'X',
    'assessedOn-day': '1',
    'assessedOn-month': '1',
    'assessedOn-year': '2021',
    agreementVersionId: v.id,
    copyFrom: String(foreign.id),
  })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /Choose one of this partnership(&#39;|')s rounds to start from/)
})

test('the matrix shows a rating given last round and not this one; a page per priority shows it in every round', async () => {
  const { p, v, p1, dims, base } = await setting()
  const r1 = await as().createRound(p.id, { title: 'Autumn 2019', assessedOn: '2019-10-15', agreementVersionId: v.id }, systemActor)
  await as().recordCell(r1.id, p1.id, dims[0].id, cell(2), systemActor)
  await as().recordCell(r1.id, p1.id, dims[1].id, cell(3), systemActor)
  await as().publishRound(p.id, r1.id, systemActor)
  const r2 = await as().createRound(p.id, { title: 'Autumn 2020', assessedOn: '2020-10-15', agreementVersionId: v.id }, systemActor)
  await as().recordCell(r2.id, p1.id, dims[1].id, cell(4), systemActor)
  await as().publishRound(p.id, r2.id, systemActor)
  const r3 = await as().createRound(p.id, { title: 'Spring 2021 draft', assessedOn: '2021-04-01', agreementVersionId: v.id }, systemActor)
  await as().recordCell(r3.id, p1.id, dims[1].id, cell(1), systemActor)

  const anon = await clientAs(t, 'anonymous')
  const m = text((await anon.get(`${base}/rounds/${r2.id}`)).body)
  assert.match(m, /Not rated : priority 1, County co-ordination was Developing; not rated now/)
  assert.match(m, /Strong : priority 1, Driving front-line delivery ▲ Improved/)

  const href = `${base}/priorities/${p1.lineage_id}`
  assert.match((await anon.get(`${base}/rounds/${r2.id}`)).body, new RegExp(`href="${href}"`))
  const page = text((await anon.get(href)).body)
  assert.match(page, /Priority 1: County lines/)
  assert.match(page, /County co-ordination Autumn 2019 ●●○○ Developing .* Autumn 2020 Not rated .*\(was Developing; not rated now\)/)
  assert.match(page, /Driving front-line delivery Autumn 2019 ●●●○ Established .* Autumn 2020 ●●●● Strong .*▲ Improved/)
  assert.doesNotMatch(page, /Spring 2021/, 'the public sees published rounds only')
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.doesNotMatch(text((await viewer.get(href)).body), /Spring 2021/, 'those who do not edit see published rounds only')
  const editor = await clientAs(t, 'editor', p.id)
  assert.match(text((await editor.get(href)).body), /Spring 2021 draft \(draft\) ●○○○ Not yet in place/)
  assert.equal((await anon.get(`${base}/priorities/999999`)).status, 404)
})

test('rounds published before sign-off get their first publication from their cells, once', async () => {
  const { p, v, p1, dims, base } = await setting()
  const r = await as().createRound(p.id, { title: 'Old round', assessedOn: '2018-10-15', agreementVersionId: v.id }, systemActor)
  await as().recordCell(r.id, p1.id, dims[0].id, cell(3, ['Published the old way.']), systemActor)
  await t.db.query('UPDATE assessment_rounds SET published = true WHERE id = $1', [r.id])
  assert.ok((await as().snapshotLegacyRounds()) >= 1)
  assert.equal(await as().snapshotLegacyRounds(), 0)
  const anon = await clientAs(t, 'anonymous')
  assert.match(text((await anon.get(`${base}/rounds/${r.id}/cells/${p1.id}/${dims[0].id}`)).body), /Published the old way\./)
})

test('publishing through the API makes a publication; the public API then answers with it', async () => {
  const { p, v, p1, dims } = await setting()
  const r = await as().createRound(p.id, { title: 'API round', assessedOn: '2019-10-15', agreementVersionId: v.id }, editorActor)
  await as().recordCell(r.id, p1.id, dims[0].id, cell(4), systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  const res = await editor.request('POST', `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}/publish`)
  assert.equal(res.status, 201, res.body)
  assert.equal(res.json().number, 1)
  assert.equal(res.json().ratedCells, 1)
  const pub = (await (await clientAs(t, 'anonymous')).get(`/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}`)).json()
  assert.equal(pub.view, 'published')
  assert.equal(pub.publication, 1)
  assert.equal(pub.rows[0].cells[0].rating, 4)
  assert.equal((await editor.request('POST', `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}/publish`)).status, 400)
})
