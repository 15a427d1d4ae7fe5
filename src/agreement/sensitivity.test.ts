/**
 * Sensitivity of strategic assessments and their files (issue 8): public, partners only (the default) or restricted to
 * named roles, on every route that serves them: pages, downloads, the API and the agreement's print view (and so its
 * PDF, which Chromium renders from that view with the requester's access). And priorities' editorial notes.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, text, type Client, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { postFiles } from '../../test/upload-helpers.ts'
import type { Role } from '../platform/auth/service.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')

/** Upload a PDF as a browser would (test/upload-helpers.ts): the status of the answer. */
const upload = async (c: Client, url: string, filename: string, fields: Record<string, string>) =>
  (await postFiles(t, c, url, 'file', [{ filename, data: PDF }], { fields })).status

type Who = 'anonymous' | Role
const WHO: Who[] = ['anonymous', 'viewer', 'contributor', 'editor', 'admin']

/** A published partnership with three assessments, one of each sensitivity, and a published agreement version based on each. */
async function setting() {
  const p = await makePartnership(t.services, { published: true })
  const ag = t.services.agreement
  const mk = (title: string, extra: Record<string, unknown>) => ag.createStrategicAssessment(p.id, { title, ...extra }, systemActor)
  const open = await mk('Open assessment', { sensitivity: 'public' })
  const partners = await mk('Partners assessment', {})
  const police = await mk('Police assessment', { sensitivity: 'restricted', restrictedTo: ['editor'] })
  const versions = []
  for (const a of [open, partners, police])
    versions.push(
      await ag.createVersion(p.id, { title: `Agreement on ${a.title}`, strategicAssessmentId: a.id, published: true }, systemActor),
    )
  const clients = new Map<Who, Client>()
  for (const who of WHO) clients.set(who, await clientAs(t, who, p.id))
  return { p, open, partners, police, versions, clients, base: `/partnerships/${p.slug}/assessments/strategic` }
}

/** Who may see each sensitivity, written out here apart from the code. */
const SEES: Record<string, Who[]> = {
  public: ['anonymous', 'viewer', 'contributor', 'editor', 'admin'],
  partners: ['viewer', 'contributor', 'editor', 'admin'],
  restricted: ['editor', 'admin'],
}

test('an assessment is seen only by those its sensitivity allows, on its page, the list, the API, the version page and the print view', async () => {
  const s = await setting()
  const cases = [
    { a: s.open, sensitivity: 'public', version: s.versions[0] },
    { a: s.partners, sensitivity: 'partners', version: s.versions[1] },
    { a: s.police, sensitivity: 'restricted', version: s.versions[2] },
  ]
  for (const who of WHO) {
    const c = s.clients.get(who)!
    const list = text((await c.get(s.base)).body)
    const csv = (await c.get(`${s.base}?format=csv`)).body
    const apiList = (await c.get(`/api/v1/partnerships/${s.p.slug}/strategic-assessments`)).json().map((x: { title: string }) => x.title)
    for (const { a, sensitivity, version } of cases) {
      const sees = SEES[sensitivity].includes(who)
      const label = `${who} / ${sensitivity}`
      assert.equal((await c.get(`${s.base}/${a.id}`)).status, sees ? 200 : 404, label)
      assert.equal((await c.get(`/api/v1/partnerships/${s.p.slug}/strategic-assessments/${a.id}`)).status, sees ? 200 : 404, label)
      assert.equal(list.includes(a.title), sees, `list: ${label}`)
      assert.equal(csv.includes(a.title), sees, `csv: ${label}`)
      assert.equal(apiList.includes(a.title), sees, `api list: ${label}`)
      const versionPage = text((await c.get(`/partnerships/${s.p.slug}/agreement/versions/${version.number}`)).body)
      assert.equal(versionPage.includes(`Strategic assessment ${a.title}`), sees, `version page: ${label}`)
      const versionJson = (await c.get(`/api/v1/partnerships/${s.p.slug}/agreement/versions/${version.number}`)).json()
      assert.equal(versionJson.strategicAssessmentId, sees ? a.id : null, `version API: ${label}`)
      const print = text((await c.get(`/partnerships/${s.p.slug}/agreement/versions/${version.number}/print`)).body)
      assert.equal(print.includes(`Based on the strategic assessment: ${a.title}`), sees, `print view: ${label}`)
    }
  }
  // The public API says what each is.
  const admin = s.clients.get('admin')!
  const police = (await admin.get(`/api/v1/partnerships/${s.p.slug}/strategic-assessments/${s.police.id}`)).json()
  assert.equal(police.sensitivity, 'restricted')
  assert.deepEqual(police.restrictedTo, ['editor'])
  assert.equal(police.published, false)
  // An editor not named cannot open the form of an assessment restricted to viewers.
  const vOnly = await t.services.agreement.createStrategicAssessment(
    s.p.id,
    { title: 'Viewers only', sensitivity: 'restricted', restrictedTo: ['viewer'] },
    systemActor,
  )
  assert.equal((await s.clients.get('editor')!.get(`${s.base}/${vOnly.id}/edit`)).status, 404)
  assert.equal(await upload(s.clients.get('editor')!, `${s.base}/${vOnly.id}/attachments`, 'x.pdf', {}), 404)
  assert.equal((await t.services.agreement.attachments(vOnly.id)).length, 0)
  assert.equal((await s.clients.get('viewer')!.get(`${s.base}/${vOnly.id}`)).status, 200)
  assert.equal((await s.clients.get('contributor')!.get(`${s.base}/${vOnly.id}`)).status, 404)
})

test('the form sets the sensitivity and the roles; the old published flag still means public', async () => {
  const p = await makePartnership(t.services, { published: true })
  const editor = await clientAs(t, 'editor', p.id)
  const base = `/partnerships/${p.slug}/assessments/strategic`
  const form = await editor.get(`${base}/new`)
  assert.match(form.body, /<input class="govuk-radios__input" id="sensitivity" name="sensitivity" type="radio" value="partners" checked/)
  const res = await editor.post(`${base}/new`, {
    title: 'Force assessment',
    sensitivity: 'restricted',
    restrictedTo: ['contributor', 'editor'],
  })
  assert.equal(res.status, 303)
  const [row] = await t.db.query('SELECT sensitivity, restricted_to FROM strategic_assessments WHERE partnership_id = $1', [p.id])
  assert.deepEqual(row, { sensitivity: 'restricted', restricted_to: ['contributor', 'editor'] })
  const bad = await editor.post(`${base}/new`, { title: 'X', sensitivity: 'secret' })
  assert.equal(bad.status, 400)
  const api = await editor.request('POST', `/api/v1/partnerships/${p.slug}/strategic-assessments`, {
    json: { title: 'Old client', published: true },
  })
  assert.equal(api.status, 201, api.body)
  assert.equal(api.json().sensitivity, 'public')
})

test('a file is public only when marked public; restricted files only for the named roles, on the page, the download and the API', async () => {
  const s = await setting()
  const editor = s.clients.get('editor')!
  const url = `${s.base}/${s.open.id}`
  assert.equal(await upload(editor, `${url}/attachments`, 'default.pdf', {}), 303)
  assert.equal(await upload(editor, `${url}/attachments`, 'public.pdf', { sensitivity: 'public' }), 303)
  assert.equal(await upload(editor, `${url}/attachments`, 'police.pdf', { sensitivity: 'restricted' }), 303)
  const files = await t.services.agreement.attachments(s.open.id)
  assert.deepEqual(
    files.map((f) => [f.filename, f.sensitivity, f.restricted_to]),
    [
      ['default.pdf', 'partners', []],
      ['public.pdf', 'public', []],
      ['police.pdf', 'restricted', ['editor']],
    ],
  )
  const expectSee: Record<string, string> = { 'default.pdf': 'partners', 'public.pdf': 'public', 'police.pdf': 'restricted' }
  for (const who of WHO) {
    const c = s.clients.get(who)!
    const page = text((await c.get(url)).body)
    const api = (await c.get(`/api/v1/partnerships/${s.p.slug}/strategic-assessments/${s.open.id}`)).json()
    for (const f of files) {
      const sees = SEES[expectSee[f.filename]].includes(who)
      const label = `${who} / ${f.filename}`
      assert.equal((await c.get(`${url}/attachments/${f.id}`)).status, sees ? 200 : 404, label)
      assert.equal(page.includes(f.filename), sees, `page: ${label}`)
      assert.equal(
        api.attachments.some((x: { filename: string }) => x.filename === f.filename),
        sees,
        `api: ${label}`,
      )
    }
  }
  // The list counts only the files each may see.
  assert.match(text((await s.clients.get('anonymous')!.get(s.base)).body), /Open assessment .* 1 /)

  // A public file on an assessment for partners only stays hidden from the public with its assessment.
  const partnersUrl = `${s.base}/${s.partners.id}`
  assert.equal(await upload(editor, `${partnersUrl}/attachments`, 'public-on-partners.pdf', { sensitivity: 'public' }), 303)
  const [pf] = await t.services.agreement.attachments(s.partners.id)
  assert.equal((await s.clients.get('anonymous')!.get(`${partnersUrl}/attachments/${pf.id}`)).status, 404)
  assert.equal((await s.clients.get('viewer')!.get(`${partnersUrl}/attachments/${pf.id}`)).status, 200)

  // Changing a file's sensitivity: its own form, audited.
  const def = files[0]
  const form = await editor.get(`${url}/attachments/${def.id}/sensitivity`)
  assert.equal(form.status, 200)
  assert.equal(
    (
      await editor.post(`${url}/attachments/${def.id}/sensitivity`, {
        sensitivity: 'restricted',
        restrictedTo: 'viewer',
        version: String(def.version),
      })
    ).status,
    303,
  )
  assert.equal((await s.clients.get('viewer')!.get(`${url}/attachments/${def.id}`)).status, 200)
  assert.equal((await s.clients.get('contributor')!.get(`${url}/attachments/${def.id}`)).status, 404)
  const [audit] = await t.db.query("SELECT summary FROM audit_log WHERE entity = 'attachment' AND entity_id = $1 AND action = 'update'", [
    String(def.id),
  ])
  assert.match(audit.summary, /default\.pdf: restricted to admin, viewer/)
  // An editor may not touch a file they may not see.
  const viewerOnly = (await t.services.agreement.attachments(s.open.id)).find((f) => f.filename === 'default.pdf')!
  assert.equal((await editor.get(`${url}/attachments/${viewerOnly.id}/sensitivity`)).status, 404)
  assert.equal((await editor.post(`${url}/attachments/${viewerOnly.id}/delete`, { version: String(viewerOnly.version) })).status, 404)
})

test("a priority's editorial note is kept apart from its text: the comparison calls a priority reworded only when its text changed", async () => {
  const p = await makePartnership(t.services, { published: true })
  const ag = t.services.agreement
  const v1 = await ag.createVersion(p.id, { title: 'Draft 2019', published: true }, systemActor)
  await ag.addPriority(
    v1.id,
    { number: 1, title: 'County lines', description: 'Exploitation of children.', note: 'Priority 1 of the October 2019 draft.' },
    systemActor,
  )
  await ag.addPriority(v1.id, { number: 2, title: 'Domestic abuse' }, systemActor)
  await ag.setStatus(v1.id, { action: 'agree' }, systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  const created = await editor.post(`/partnerships/${p.slug}/agreement/versions/new`, { title: 'Agreement 2020', copyFrom: '1' })
  assert.equal(created.status, 303)
  const v2 = await ag.getVersion(p.id, 2, { includeUnpublished: true })
  const [c1, c2] = await ag.priorities(v2.id)
  assert.equal(c1.note, 'Priority 1 of the October 2019 draft.', 'a copied priority keeps its note')
  // Only the note of priority 1 changes (through the form); priority 2's title changes.
  const edit = await editor.post(`/partnerships/${p.slug}/agreement/versions/2/priorities/${c1.id}/edit`, {
    number: '1',
    title: 'County lines',
    description: 'Exploitation of children.',
    note: 'Priority 1 in the October 2019 draft, unchanged.',
    version: String(c1.version),
  })
  assert.equal(edit.status, 303)
  await ag.updatePriority(c2.id, { number: 2, title: 'Domestic abuse and stalking', version: c2.version }, systemActor)
  const r = await ag.compare(p.id, 1, 2, { includeUnpublished: true })
  assert.deepEqual(r.rows[0].changes, ['Unchanged'])
  assert.equal(r.rows[0].noteChanged, true)
  assert.deepEqual(r.rows[1].changes, ['Reworded'])
  assert.equal(r.counts.reworded, 1)
  const page = text((await editor.get(`/partnerships/${p.slug}/agreement/compare?from=1&to=2`)).body)
  assert.match(page, /1 reworded/)
  assert.match(page, /Note changed: Priority 1 in the October 2019 draft, unchanged\./)
  const api = (await editor.get(`/api/v1/partnerships/${p.slug}/agreement/versions/2/priorities`)).json()
  assert.equal(api[0].note, 'Priority 1 in the October 2019 draft, unchanged.')
  assert.match(
    text((await editor.get(`/partnerships/${p.slug}/agreement/versions/2`)).body),
    /Note Priority 1 in the October 2019 draft, unchanged\./,
  )
})
