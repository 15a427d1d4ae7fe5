/**
 * Reports: templates, publishing (refused with an empty required section, nothing published), the frozen snapshot
 * and the comparison with today, appendix checks, who sees what, the annual report's live figures (counted here from
 * the same records) and the pack's parts.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { PDFDocument, PDFName } from 'pdf-lib'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { postFiles } from '../../test/upload-helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { compareBlocks, type Block } from './service.ts'
import { textBlocks } from './templates.ts'

let t: TestApp
let council: Partnership
let csp: Partnership
let meetingId = 0
let itemId = 0
let exemptItemId = 0
let versionId = 0
const PRIORITIES = ['Serious organised crime and county lines', 'Domestic abuse', 'Serious violence']
const r = () => t.services.reports

before(async () => {
  t = await testApp()
  council = await t.services.partnerships.create(
    { slug: unique('hcc'), name: 'Hampshire County Council', kind: 'council', published: true },
    systemActor,
  )
  csp = await t.services.partnerships.create(
    { slug: unique('hcssg'), name: 'Hampshire Community Safety Strategy Group', published: true },
    systemActor,
  )
  const body = await t.services.scrutiny.createCommittee(
    council.id,
    {
      name: 'Policy and Resources Select Committee',
      type: 'overview and scrutiny committee',
      crimeAndDisorder: true,
      scrutinises: [csp.id],
    },
    systemActor,
  )
  const m = await t.services.scrutiny.createMeeting(
    council.id,
    {
      bodyId: body.id,
      date: '2019-11-14',
      startTime: '10:00',
      place: 'Wellington Room, Winchester',
      status: 'held',
      agendaPublished: true,
    },
    systemActor,
  )
  meetingId = m.id
  itemId = (await t.services.scrutiny.addItem(council.id, m.id, { title: 'Community Safety Strategy Group' }, systemActor)).id
  exemptItemId = (
    await t.services.scrutiny.addItem(
      council.id,
      m.id,
      { title: 'CCTV contract', exempt: true, exemptParagraph: 3, publishedTitle: 'Contract award' },
      systemActor,
    )
  ).id
  const v = await t.services.agreement.createVersion(
    csp.id,
    { title: 'Hampshire Community Safety Agreement', published: true },
    systemActor,
  )
  versionId = v.id
  for (const [i, title] of PRIORITIES.entries())
    await t.services.agreement.addPriority(v.id, { number: i + 1, title, leadIds: [] }, systemActor)
  const group = await t.services.governance.create(
    csp.id,
    { name: 'Hampshire Community Safety Strategy Group', type: 'county strategy group' },
    systemActor,
  )
  await t.services.governance.addMember(group.id, { person: 'Director of Adults’ Health and Care', role: 'chair' }, systemActor)
  await t.services.governance.create(csp.id, { name: 'Serious Violence Sub-group', type: 'board', reportsToId: group.id }, systemActor)
})
after(async () => {
  await t.close()
})

const fill = async (id: number) => {
  const rep = await r().get(council.id, id, { member: true })
  const input: Record<string, unknown> = { title: rep.title, version: rep.version }
  for (const s of rep.sections) input[`section-${s.key}`] = s.text || `Text of ${s.heading}.`
  return r().update(council.id, id, input, systemActor)
}

test('plain text becomes paragraphs, numbered and bulleted lists, never HTML', () => {
  assert.deepEqual(textBlocks('One\ntwo.\n\n1. First\n2. Second\n\n- a <b>\n- b'), [
    { kind: 'p', text: 'One two.' },
    { kind: 'ol', items: ['First', 'Second'], start: 1 },
    { kind: 'ul', items: ['a <b>', 'b'], start: 1 },
  ])
})

test("a council's template: Hampshire's shape by default; renamed, reordered and required sections are what a new report gets", async () => {
  const fresh = await t.services.partnerships.create(
    { slug: unique('wcc'), name: 'Worcestershire County Council', kind: 'council', published: true },
    systemActor,
  )
  const before = await r().template(fresh.id)
  assert.deepEqual(
    before.sections.map((s) => s.heading),
    ['Purpose of this Report', 'Recommendation', 'Executive Summary', 'Contextual information', 'Main report', 'Conclusions'],
  )
  await r().resetTemplate(fresh.id, 'worcestershire', systemActor)
  const w = await r().template(fresh.id)
  assert.equal(w.shape, 'worcestershire')
  assert.equal(w.sections[0].heading, 'Summary')
  // Through the form: rename the first, move the last to the top, mark it required, add one, remove one.
  const admin = await clientAs(t, 'admin', fresh.id)
  const form: Record<string, string> = { shape: 'worcestershire', outcomes: '', version: String(w.version) }
  w.sections.forEach((s, i) => {
    form[`key-${i}`] = s.key
    form[`heading-${i}`] = i === 0 ? 'Summary of the report' : i === 1 ? '' : s.heading
    form[`position-${i}`] = String(i === w.sections.length - 1 ? 0 : i + 1)
    if (s.required || i === w.sections.length - 1) form[`required-${i}`] = 'yes'
  })
  form[`heading-${w.sections.length}`] = 'Financial implications'
  form[`position-${w.sections.length}`] = '99'
  const res = await admin.post(`/partnerships/${fresh.slug}/reports/template`, form)
  assert.equal(res.status, 303, errorSummary(res.body))
  const after = await r().template(fresh.id)
  const expected = [
    w.sections.at(-1)!.heading,
    'Summary of the report',
    ...w.sections.slice(2, -1).map((s) => s.heading),
    'Financial implications',
  ]
  assert.deepEqual(
    after.sections.map((s) => s.heading),
    expected,
  )
  assert.equal(after.sections[0].required, true)
  const report = await r().create(fresh.id, { title: 'Annual Worcestershire County Council Community Safety Report' }, systemActor)
  assert.deepEqual(
    report.sections.map((s) => s.heading),
    expected,
  )
  // Only the workspace's administrators may change it.
  assert.equal((await (await clientAs(t, 'editor', fresh.id)).get(`/partnerships/${fresh.slug}/reports/template`)).status, 403)
})

test('publishing with an empty required section is refused naming it, and nothing is published', async () => {
  const rep = await r().create(council.id, { title: 'Work programme', sections: { purpose: 'To agree the work programme.' } }, systemActor)
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`/partnerships/${council.slug}/reports/${rep.id}/state`, {
    state: 'published',
    version: String(rep.version),
  })
  assert.equal(res.status, 400)
  const summary = errorSummary(res.body)
  // Hampshire's shape requires the two sections both of seed 000's reports have: Purpose and Recommendation.
  assert.match(summary, /the section “Recommendation” is required and empty/)
  assert.doesNotMatch(summary, /Purpose of this Report|Executive Summary|Conclusions/)
  const [row] = await t.db.query<{ state: string; snapshot: unknown; published_at: unknown }>(
    'SELECT state, snapshot, published_at FROM reports WHERE id = $1',
    [rep.id],
  )
  assert.deepEqual(row, { state: 'draft', snapshot: null, published_at: null })
  // Filled in, it publishes.
  const filled = await fill(rep.id)
  const ok = await editor.post(`/partnerships/${council.slug}/reports/${rep.id}/state`, {
    state: 'published',
    version: String(filled.version),
  })
  assert.equal(ok.status, 303, errorSummary(ok.body))
  assert.equal((await r().get(council.id, rep.id, { member: true })).state, 'published')
})

test('the annual report is drafted from live data: governance, priorities and recommendations as recorded', async () => {
  const rec = await t.services.recommendations.create(
    council.id,
    {
      meetingId,
      itemId,
      text: 'That the group reports its progress on county lines.',
      addresseeKind: 'partnership',
      addresseePartnershipId: csp.id,
    },
    systemActor,
  )
  // Funding shown to the public: a £80,000 grant, £50,000 to priority 1 and £30,000 to priority 3.
  await t.services.funding.setPublic(csp.id, { visibility: 'public' }, systemActor)
  const funder = await t.services.funding.createFunder(
    csp.id,
    { name: 'Police and Crime Commissioner', kind: 'police and crime commissioner' },
    systemActor,
  )
  const grant = await t.services.funding.createGrant(
    csp.id,
    { funderId: funder.id, title: 'Community safety fund', financialYear: '2019/20', amount: '£80,000' },
    systemActor,
  )
  const lineages = new Map((await t.services.agreement.priorities(versionId)).map((p) => [p.number, p.lineage_id]))
  await t.services.funding.addAllocation(csp.id, grant.id, { priorityLineage: lineages.get(1), amount: '50000' }, systemActor)
  await t.services.funding.addAllocation(csp.id, grant.id, { priorityLineage: lineages.get(3), amount: '30000' }, systemActor)
  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`/partnerships/${council.slug}/reports/annual`, { partnershipId: String(csp.id), period: '2019/20' })
  assert.equal(res.status, 303, errorSummary(res.body))
  const id = Number(/reports\/(\d+)/.exec(res.headers.location as string)![1])
  const v = await r().view(council.id, id, { member: true })
  // Independently: the records made above.
  const bodies = await t.services.governance.list(csp.id)
  const gov = v.blocks.find((b) => b.key === 'governance')!
  assert.deepEqual(gov.rows.map((row) => row[0]).sort(), bodies.map((b) => b.name).sort())
  assert.ok(gov.svg?.includes('<svg'))
  const pri = v.blocks.find((b) => b.key === 'priorities')!
  assert.deepEqual(
    pri.rows.map((row) => row[1]),
    PRIORITIES,
  )
  const recs = v.blocks.find((b) => b.key === 'recommendations')!
  assert.deepEqual(
    recs.rows.map((row) => [row[0], row[1]]),
    [[rec.reference, rec.text]],
  )
  const fund = v.blocks.find((b) => b.key === 'funding')!
  const allocated = (title: string) => fund.rows.find((row) => row[0].includes(title))?.[2]
  assert.equal(allocated(PRIORITIES[0]), '£50,000')
  assert.equal(allocated(PRIORITIES[2]), '£30,000')
  assert.equal(allocated(PRIORITIES[1]) ?? '£0', '£0')
  assert.ok(fund.svg?.includes('<svg'))
  const context = v.report.sections.find((s) => s.key === 'context')!.text
  assert.match(context, new RegExp(`has ${bodies.length} governance bodies`))
  assert.match(context, /3 priorities/)
  for (const p of PRIORITIES) assert.ok(context.includes(p))
  // The page shows them, with the table's download.
  const page = await editor.get(`/partnerships/${council.slug}/reports/${id}`)
  assert.equal(page.status, 200)
  for (const p of PRIORITIES) assert.ok(text(page.body).includes(p))
  const csv = await editor.get(`/partnerships/${council.slug}/reports/${id}?block=priorities&format=csv`)
  assert.equal(csv.status, 200)
  assert.match(csv.body, /Domestic abuse/)
})

test('a published report is frozen: a later change leaves it alone, and the comparison shows the change', async () => {
  const rep = await r().draftAnnual(council.id, { partnershipId: csp.id, period: '2020/21' }, systemActor)
  const filled = await fill(rep.id)
  await r().setState(council.id, rep.id, 'published', filled.version, systemActor)
  const published = await r().view(council.id, rep.id, { member: false })
  // The data change: priority 2 renamed, and a fourth added.
  const priorities = await t.services.agreement.priorities(versionId)
  const two = priorities.find((p) => p.number === 2)!
  await t.services.agreement.updatePriority(
    two.id,
    { number: 2, title: 'Domestic abuse and stalking', leadIds: [], version: two.version },
    systemActor,
  )
  await t.services.agreement.addPriority(versionId, { number: 4, title: 'Modern slavery', leadIds: [] }, systemActor)
  const later = await r().view(council.id, rep.id, { member: false })
  assert.deepEqual(later.blocks, published.blocks)
  assert.deepEqual(
    later.blocks.find((b) => b.key === 'priorities')!.rows.map((row) => row[1]),
    PRIORITIES,
  )
  const anon = await clientAs(t, 'anonymous')
  const res = await anon.get(`/partnerships/${council.slug}/reports/${rep.id}/compare`)
  assert.equal(res.status, 200)
  const body = text(res.body)
  assert.ok(body.includes('Domestic abuse and stalking'), body)
  assert.ok(body.includes('New today: Priority 4'), body)
  // Editing a published report is refused.
  await assert.rejects(r().update(council.id, rep.id, { title: 'Changed' }, systemActor), /published/)
  // Restore for the other tests.
  const now = (await t.services.agreement.priorities(versionId)).find((p) => p.number === 2)!
  await t.services.agreement.updatePriority(now.id, { number: 2, title: 'Domestic abuse', leadIds: [], version: now.version }, systemActor)
  const four = (await t.services.agreement.priorities(versionId)).find((p) => p.number === 4)!
  await t.services.agreement.removePriority(four.id, four.version, systemActor)
})

test('compareBlocks: block by block, cell by cell', () => {
  const b = (rows: string[][]): Block => ({
    key: 'k',
    title: 'T',
    kind: 'priorities',
    partnershipId: 1,
    columns: ['A', 'B'],
    rows,
    svg: null,
    svgNarrow: null,
    notes: [],
  })
  const [d] = compareBlocks(
    [
      b([
        ['x', '1'],
        ['y', '2'],
      ]),
    ],
    [
      b([
        ['x', '1'],
        ['y', '3'],
        ['z', '4'],
      ]),
    ],
  )
  assert.deepEqual(d.cells, [{ row: 'y', column: 'B', published: '2', today: '3' }])
  assert.deepEqual(d.rowsAdded, ['z'])
  assert.equal(d.status, 'changed')
  assert.equal(compareBlocks([b([['x', '1']])], [b([['x', '1']])])[0].status, 'same')
})

async function pdfBytes(encrypted = false) {
  const doc = await PDFDocument.create()
  doc.addPage([200, 200]).drawText('Appendix')
  if (encrypted) doc.context.trailerInfo.Encrypt = doc.context.obj({ Filter: PDFName.of('Standard'), V: 2, R: 3 })
  return Buffer.from(await doc.save({ useObjectStreams: false }))
}

test('appendices: not a PDF, encrypted or corrupt is refused naming the file, and nothing is saved', async () => {
  const rep = await r().create(council.id, { title: 'Appendix checks' }, systemActor)
  const editor = await clientAs(t, 'editor', council.id)
  const url = `/partnerships/${council.slug}/reports/${rep.id}/appendices/upload`
  const good = await pdfBytes()
  const cases: { filename: string; data: Buffer; message: RegExp }[] = [
    { filename: 'minutes.docx.pdf', data: Buffer.from('Just some text, not a PDF at all\n'), message: /minutes\.docx\.pdf/ },
    { filename: 'locked.pdf', data: await pdfBytes(true), message: /locked\.pdf is encrypted/ },
    { filename: 'broken.pdf', data: Buffer.concat([good.subarray(0, 40), Buffer.from('garbage '.repeat(20))]), message: /broken\.pdf/ },
  ]
  for (const c of cases) {
    const res = await postFiles(t, editor, url, 'file', [
      { filename: 'fine.pdf', data: good },
      { filename: c.filename, data: c.data },
    ])
    assert.equal(res.status, 400, c.filename)
    assert.match(errorSummary(res.body), c.message)
  }
  assert.equal((await r().appendices(rep.id)).length, 0)
  const ok = await postFiles(t, editor, url, 'file', [{ filename: 'strategy.pdf', data: good }], {
    fields: { title: 'Community Safety Agreement' },
  })
  assert.equal(ok.status, 303, errorSummary(ok.body))
  const list = await r().appendices(rep.id)
  assert.deepEqual(
    list.map((a) => [a.title, a.file_name, a.size_bytes]),
    [['Community Safety Agreement', 'strategy.pdf', good.length]],
  )
})

test('the public sees only published reports of published workspaces; 404 otherwise', async () => {
  const draft = await r().create(council.id, { title: 'Unpublished draft' }, systemActor)
  const anon = await clientAs(t, 'anonymous')
  for (const path of ['', '/print', '/compare'])
    assert.equal((await anon.get(`/partnerships/${council.slug}/reports/${draft.id}${path}`)).status, 404, path)
  const list = await anon.get(`/partnerships/${council.slug}/reports`)
  assert.equal(list.status, 200)
  assert.ok(!text(list.body).includes('Unpublished draft'))
  const viewer = await clientAs(t, 'viewer', council.id)
  assert.equal((await viewer.get(`/partnerships/${council.slug}/reports/${draft.id}`)).status, 200)
  // An unpublished workspace: even its published report is hidden from the public.
  const hidden = await t.services.partnerships.create({ slug: unique('hidden'), name: 'Hidden Council', kind: 'council' }, systemActor)
  const rep = await r().create(hidden.id, { title: 'Hidden report' }, systemActor)
  const filled = await (async () => {
    const row = await r().get(hidden.id, rep.id, { member: true })
    const input: Record<string, unknown> = { title: row.title, version: row.version }
    for (const s of row.sections) input[`section-${s.key}`] = 'Text.'
    return r().update(hidden.id, rep.id, input, systemActor)
  })()
  await r().setState(hidden.id, rep.id, 'published', filled.version, systemActor)
  assert.equal((await anon.get(`/partnerships/${hidden.slug}/reports/${rep.id}`)).status, 404)
})

test('packParts: the published report and its appendices for its item; an unpublished one named as missing; exempt only for members', async () => {
  const items = [
    { id: itemId, exempt: false, title: 'Community Safety Strategy Group' },
    { id: exemptItemId, exempt: true, title: 'CCTV contract' },
  ]
  const rep = await r().create(council.id, { title: 'Community Safety Strategy Group report' }, systemActor)
  let row = await fill(rep.id)
  await r().update(council.id, rep.id, { title: row.title, version: row.version, item: `${meetingId}:${itemId}` }, systemActor)
  const pdf = await pdfBytes()
  await r().addPdf(council.id, rep.id, { filename: 'agreement.pdf', bytes: pdf }, 'Community Safety Agreement', systemActor)
  const choices = await r().pageChoices(council.id)
  const wp = choices.find((c) => c.path.endsWith('/work-programme/print'))!
  await r().addPage(council.id, rep.id, wp.path, systemActor)
  // Unpublished: named as missing (so the pack is refused, naming it), with none of its papers.
  assert.deepEqual(
    (await r().packParts(council.id, items, { member: true })).get(itemId)!.map((p) => [p.kind, p.title]),
    [['missing', 'Community Safety Strategy Group report']],
  )
  row = await r().get(council.id, rep.id, { member: true })
  await r().setState(council.id, rep.id, 'published', row.version, systemActor)
  const parts = (await r().packParts(council.id, items, { member: false })).get(itemId)!
  assert.deepEqual(
    parts.map((p) => [p.kind, p.title]),
    [
      ['page', 'Community Safety Strategy Group report'],
      ['pdf', 'Community Safety Agreement'],
      ['page', wp.title],
    ],
  )
  assert.equal(parts[0].kind === 'page' && parts[0].path, `/partnerships/${council.slug}/reports/${rep.id}/print`)
  assert.deepEqual(parts[1].kind === 'pdf' && [parts[1].source, Buffer.from(parts[1].bytes).equals(pdf)], ['agreement.pdf', true])
  // The print view is readable by the public (the pack's reader).
  assert.equal((await (await clientAs(t, 'anonymous')).get(parts[0].kind === 'page' ? parts[0].path : '')).status, 200)
  // An exempt item's report: members only.
  const secret = await r().create(council.id, { title: 'CCTV contract report' }, systemActor)
  let s = await fill(secret.id)
  s = await r().update(council.id, secret.id, { title: s.title, version: s.version, item: `${meetingId}:${exemptItemId}` }, systemActor)
  await r().setState(council.id, secret.id, 'published', s.version, systemActor)
  assert.equal((await r().packParts(council.id, items, { member: false })).get(exemptItemId), undefined)
  // Nor does its page reach the public, nor the public list; members see both.
  const anon = await clientAs(t, 'anonymous')
  assert.equal((await anon.get(`/partnerships/${council.slug}/reports/${secret.id}`)).status, 404)
  assert.equal((await anon.get(`/partnerships/${council.slug}/reports/${secret.id}/print`)).status, 404)
  assert.ok(!text((await anon.get(`/partnerships/${council.slug}/reports`)).body).includes('CCTV contract report'))
  assert.equal((await (await clientAs(t, 'viewer', council.id)).get(`/partnerships/${council.slug}/reports/${secret.id}`)).status, 200)
  assert.deepEqual(
    (await r().packParts(council.id, items, { member: true })).get(exemptItemId)!.map((p) => p.title),
    ['CCTV contract report'],
  )
})

test("an ordinary report's data blocks: added from the form (a scrutinised partnership's priorities), removed, refused once published", async () => {
  const rep = await r().create(council.id, { title: 'Blocks' }, systemActor)
  const editor = await clientAs(t, 'editor', council.id)
  const url = `/partnerships/${council.slug}/reports/${rep.id}/blocks`
  let res = await editor.post(url, { kind: 'priorities', blockPartnershipId: '999999', version: String(rep.version) })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Choose whose data the block shows/)
  res = await editor.post(url, { kind: 'priorities', blockPartnershipId: String(csp.id), version: String(rep.version) })
  assert.equal(res.status, 303, errorSummary(res.body))
  let row = await r().get(council.id, rep.id, { member: true })
  assert.deepEqual(
    row.blocks.map((b) => [b.kind, b.partnershipId]),
    [['priorities', csp.id]],
  )
  const v = await r().view(council.id, rep.id, { member: true })
  assert.deepEqual(
    v.blocks[0].rows.map((x) => x[1]),
    PRIORITIES,
  )
  res = await editor.post(`${url}/${row.blocks[0].key}/remove`, { version: String(row.version) })
  assert.equal(res.status, 303, errorSummary(res.body))
  row = await r().get(council.id, rep.id, { member: true })
  assert.equal(row.blocks.length, 0)
  // The report's History page reads its changes.
  const history = await editor.get(`/partnerships/${council.slug}/history/report/${rep.id}?back=/`)
  assert.equal(history.status, 200)
  assert.match(text(history.body), /Data block “Community safety priorities: Hampshire Community Safety Strategy Group” added/)
  // Published, its blocks are frozen.
  const filled = await fill(rep.id)
  await r().setState(council.id, rep.id, 'published', filled.version, systemActor)
  await assert.rejects(r().addBlock(council.id, rep.id, { kind: 'priorities', partnershipId: csp.id }, systemActor), /published/)
})

test('bad input on the edit form names the field, and nothing is saved', async () => {
  const rep = await r().create(council.id, { title: 'Edit checks', sections: { purpose: 'Kept.' } }, systemActor)
  const editor = await clientAs(t, 'editor', council.id)
  const url = `/partnerships/${council.slug}/reports/${rep.id}/edit`
  let res = await editor.post(url, { title: '', 'section-purpose': 'Changed.', version: String(rep.version) })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the report’s title/)
  res = await editor.post(url, {
    title: 'Edit checks',
    'section-purpose': 'Changed.',
    climate: 'x'.repeat(50_001),
    version: String(rep.version),
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Climate change impact must be 50,000 characters or fewer/)
  res = await editor.post(url, { title: 'Edit checks', item: '999999:1', version: String(rep.version) })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Choose an agenda item/)
  const row = await r().get(council.id, rep.id, { member: true })
  assert.equal(row.version, rep.version)
  assert.equal(row.sections.find((s) => s.key === 'purpose')!.text, 'Kept.')
})
