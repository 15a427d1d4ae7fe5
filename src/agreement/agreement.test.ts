import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { historyOf, systemActor } from '../platform/audit.ts'
import { NotFoundError } from '../platform/errors.ts'
import { agreementService } from './service.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const org = (name: string) => t.services.organisations.create({ name: unique(name), type: 'other' }, systemActor)

/** A published partnership with two organisations to name as leads. */
async function setup(opts: { published?: boolean } = {}) {
  const p = await makePartnership(t.services, { published: opts.published ?? true })
  const council = await org('County Council')
  const police = await org('Constabulary')
  return { p, council, police, base: `/partnerships/${p.slug}` }
}

/** Version 1 with two priorities, made through the service. */
async function versionWithPriorities(pid: number, leads: number[], opts: { agreed?: boolean; published?: boolean } = {}) {
  const v = await t.services.agreement.createVersion(
    pid,
    { title: 'County Agreement for Community Safety', periodStart: '2020-04-01', periodEnd: '2023-03-31' },
    systemActor,
  )
  const p1 = await t.services.agreement.addPriority(
    v.id,
    {
      number: 1,
      title: 'The threat of serious organised crime',
      description: 'County lines.',
      leadIds: leads,
      ownershipLevel: 'strong joint',
      ownershipStatement: 'strong joint strategic ownership between the County Council and Hampshire Constabulary',
    },
    systemActor,
  )
  const p2 = await t.services.agreement.addPriority(
    v.id,
    { number: 2, title: 'The continuing threat of radical extremism', leadIds: leads.slice(0, 1), ownershipLevel: 'shared' },
    systemActor,
  )
  if (opts.agreed) await t.services.agreement.setStatus(v.id, { action: 'agree' }, systemActor)
  if (opts.published) await t.services.agreement.setStatus(v.id, { action: 'publish' }, systemActor)
  return { v: await t.services.agreement.getVersionById(v.id), p1, p2 }
}

const dateBoxes = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-')
  return { [`${name}-day`]: d, [`${name}-month`]: m, [`${name}-year`]: y }
}

test('an editor starts the first version and adds a priority with leads and an ownership judgement; the agreement page shows it', async () => {
  const { p, council, police, base } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const empty = await c.get(`${base}/agreement`)
  assert.match(text(empty.body), /There is no Community Safety Agreement here yet\. Start the first version/)

  const created = await c.post(`${base}/agreement/versions/new`, {
    copyFrom: '0',
    title: 'Hampshire County Agreement for Community Safety 2020-23',
    ...dateBoxes('periodStart', '2020-04-01'),
    ...dateBoxes('periodEnd', '2023-03-31'),
  })
  assert.equal(created.status, 303)
  assert.equal(created.headers.location, `${base}/agreement/versions/1`)

  const added = await c.post(`${base}/agreement/versions/1/priorities/new`, {
    number: '1',
    title: 'The threat of serious organised crime, especially county lines',
    description: 'Exploitation of children.',
    leadIds: [String(council.id), String(police.id)],
    ownershipLevel: 'strong joint',
    ownershipStatement: 'strong joint strategic ownership between the County Council and Hampshire Constabulary',
  })
  assert.equal(added.status, 303)

  const page = text((await c.get(`${base}/agreement/versions/1`)).body)
  assert.match(page, /Priority 1: The threat of serious organised crime, especially county lines/)
  assert.match(page, /Strong joint strong joint strategic ownership between the County Council and Hampshire Constabulary/)
  assert.ok(page.includes(council.name) && page.includes(police.name))
  assert.match(page, /Draft/)

  const v = await t.services.agreement.getVersion(p.id, 1, { includeUnpublished: true })
  assert.equal(v.period_start, '2020-04-01')
  const [pr] = await t.services.agreement.priorities(v.id)
  assert.deepEqual(pr.leads.map((l) => l.id).sort(), [council.id, police.id].sort())
  assert.equal(pr.ownership_level, 'strong joint')

  const overview = text((await c.get(`/partnerships/${p.slug}/agreement`)).body)
  assert.match(overview, /Latest version: Hampshire County Agreement for Community Safety 2020-23/)
  assert.match(overview, /Priority 1: The threat of serious organised crime/)
})

test('a new version starts as a copy of the last: priorities, leads and ownership, with the same lineage, based on it', async () => {
  const { p, council, police, base } = await setup()
  const { v } = await versionWithPriorities(p.id, [council.id, police.id], { agreed: true })
  const c = await clientAs(t, 'editor', p.id)

  const form = await c.get(`${base}/agreement/versions/new`)
  assert.match(form.body, /name="copyFrom" type="radio" value="1" checked/)
  assert.match(form.body, /value="County Agreement for Community Safety"/)

  const res = await c.post(`${base}/agreement/versions/new`, {
    copyFrom: '1',
    title: 'County Agreement 2021',
    ...dateBoxes('periodStart', '2021-04-01'),
    ...dateBoxes('periodEnd', '2024-03-31'),
  })
  assert.equal(res.status, 303)
  assert.equal(res.headers.location, `${base}/agreement/versions/2`)

  const v2 = await t.services.agreement.getVersion(p.id, 2, { includeUnpublished: true })
  assert.equal(v2.status, 'draft')
  assert.equal(v2.based_on_id, v.id)
  assert.equal(v2.based_on_number, 1)
  const before = await t.services.agreement.priorities(v.id)
  const after = await t.services.agreement.priorities(v2.id)
  assert.equal(after.length, 2)
  for (let i = 0; i < 2; i++) {
    assert.notEqual(after[i].id, before[i].id)
    assert.equal(after[i].lineage_id, before[i].lineage_id)
    assert.equal(after[i].title, before[i].title)
    assert.equal(after[i].ownership_level, before[i].ownership_level)
    assert.equal(after[i].ownership_statement, before[i].ownership_statement)
    assert.deepEqual(after[i].leads, before[i].leads)
  }
  // The copy is its own: changing it leaves version 1 alone.
  await t.services.agreement.updatePriority(after[0].id, { number: 1, title: 'Changed in version 2', leadIds: [] }, systemActor)
  assert.equal((await t.services.agreement.priorities(v.id))[0].title, 'The threat of serious organised crime')
  assert.equal((await t.services.agreement.priorities(v.id))[0].leads.length, 2)
})

test('starting from a version that does not exist is refused and nothing is made', async () => {
  const { p, base } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.post(`${base}/agreement/versions/new`, { copyFrom: '7', title: 'Nothing to copy' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /There is no version 7 to start from/)
  assert.equal((await t.services.agreement.listVersions(p.id, { includeUnpublished: true })).length, 0)
})

test('marking a version agreed supersedes the previously agreed one, in one step, and records both in the audit trail', async () => {
  const { p, council, police, base } = await setup()
  const { v } = await versionWithPriorities(p.id, [council.id, police.id], { agreed: true })
  const v2 = await t.services.agreement.createVersion(p.id, { title: 'Second', copyFrom: 1 }, systemActor)
  const admin = await clientAs(t, 'admin', p.id)

  const page = await admin.get(`${base}/agreement/versions/2/status`)
  assert.match(
    text(page.body),
    /Version 1 \(County Agreement for Community Safety\) is the agreed version now\. It will be marked superseded\./,
  )

  const res = await admin.post(`${base}/agreement/versions/2/status`, {
    action: 'agree',
    version: v2.version,
    ...dateBoxes('dateAgreed', '2020-02-14'),
  })
  assert.equal(res.status, 303)
  const after1 = await t.services.agreement.getVersionById(v.id)
  const after2 = await t.services.agreement.getVersionById(v2.id)
  assert.equal(after1.status, 'superseded')
  assert.equal(after2.status, 'agreed')
  assert.equal(after2.date_agreed, '2020-02-14')
  assert.equal((await t.services.agreement.latestVersion(p.id, { includeUnpublished: true }))?.number, 2)

  const h1 = await historyOf(t.db, 'agreement_version', v.id)
  assert.equal(h1[0].before?.status, 'agreed')
  assert.equal(h1[0].after?.status, 'superseded')
  assert.equal(h1[0].user_name, (admin as any).user.name)

  // Only one agreed version at a time.
  const agreed = (await t.services.agreement.listVersions(p.id, { includeUnpublished: true })).filter((x) => x.status === 'agreed')
  assert.deepEqual(
    agreed.map((x) => x.number),
    [2],
  )
})

test('a version with no priorities cannot be marked agreed; an editor cannot change the status at all', async () => {
  const { p, base } = await setup()
  const v = await t.services.agreement.createVersion(p.id, { title: 'Empty' }, systemActor)
  const admin = await clientAs(t, 'admin', p.id)
  const res = await admin.post(`${base}/agreement/versions/1/status`, { action: 'agree', version: v.version })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Add at least one priority to version 1 before marking it agreed/)
  const editor = await clientAs(t, 'editor', p.id)
  assert.equal((await editor.post(`${base}/agreement/versions/1/status`, { action: 'publish', version: v.version })).status, 403)
  assert.equal((await t.services.agreement.getVersionById(v.id)).status, 'draft')
})

test('agreed versions are read-only apart from status and publication, and say so', async () => {
  const { p, council, police, base } = await setup()
  const { v, p1 } = await versionWithPriorities(p.id, [council.id, police.id], { agreed: true })
  const c = await clientAs(t, 'editor', p.id)

  const page = text((await c.get(`${base}/agreement/versions/1`)).body)
  assert.match(page, /This version has been agreed, so it is read-only: its details and priorities cannot be changed\./)
  assert.doesNotMatch(page, /Add a priority/)

  const edit = await c.post(`${base}/agreement/versions/1/edit`, { title: 'Sneaky change', version: v.version })
  assert.equal(edit.status, 400)
  assert.match(errorSummary(edit.body), /Version 1 has been agreed, so it can no longer be changed\. Start a new version to make changes\./)

  const add = await c.post(`${base}/agreement/versions/1/priorities/new`, { number: '3', title: 'A late addition' })
  assert.equal(add.status, 400)
  assert.match(errorSummary(add.body), /Version 1 has been agreed, so its priorities can no longer be changed/)

  const change = await c.post(`${base}/agreement/versions/1/priorities/${p1.id}/edit`, {
    number: '1',
    title: 'Reworded',
    version: p1.version,
  })
  assert.equal(change.status, 400)
  const remove = await c.post(`${base}/agreement/versions/1/priorities/${p1.id}/delete`, { version: p1.version })
  assert.equal(remove.status, 400)

  const api = await c.request('PUT', `/api/v1/partnerships/${p.slug}/agreement/versions/1`, { json: { title: 'Via the API' } })
  assert.equal(api.status, 400)
  assert.match(api.json().errors.form, /has been agreed/)

  const stored = await t.services.agreement.getVersionById(v.id)
  assert.equal(stored.title, 'County Agreement for Community Safety')
  assert.equal(
    (await t.services.agreement.priorities(v.id)).map((x) => x.title).join('|'),
    'The threat of serious organised crime|The continuing threat of radical extremism',
  )

  // ... but an administrator can still publish it and mark it superseded.
  const admin = await clientAs(t, 'admin', p.id)
  assert.equal((await admin.post(`${base}/agreement/versions/1/status`, { action: 'publish', version: stored.version })).status, 303)
  const published = await t.services.agreement.getVersionById(v.id)
  assert.equal(published.published, true)
  assert.equal((await admin.post(`${base}/agreement/versions/1/status`, { action: 'supersede', version: published.version })).status, 303)
  assert.equal((await t.services.agreement.getVersionById(v.id)).status, 'superseded')
})

test('a second priority with the same number is refused with the field named, the form keeps what was typed, and nothing is saved', async () => {
  const { p, council, police, base } = await setup()
  const { v, p1 } = await versionWithPriorities(p.id, [council.id, police.id])
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.post(`${base}/agreement/versions/1/priorities/new`, {
    number: '2',
    title: 'The increase in serious violence',
    leadIds: [String(police.id)],
    ownershipLevel: 'developing',
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Priority 2 already exists in this version: choose another number/)
  assert.match(res.body, /href="#number"/)
  assert.match(res.body, /The increase in serious violence/)
  assert.match(res.body, new RegExp(`name="leadIds" type="checkbox" value="${police.id}" checked`))
  assert.match(res.body, /name="ownershipLevel" type="radio" value="developing" checked/)
  assert.equal((await t.services.agreement.priorities(v.id)).length, 2)

  const renumber = await c.post(`${base}/agreement/versions/1/priorities/${p1.id}/edit`, {
    number: '2',
    title: p1.title,
    version: p1.version,
  })
  assert.equal(renumber.status, 400)
  assert.match(errorSummary(renumber.body), /Priority 2 already exists in this version/)
  assert.equal((await t.services.agreement.getPriority(p1.id)).number, 1)

  const api = await c.request('POST', `/api/v1/partnerships/${p.slug}/agreement/versions/1/priorities`, {
    json: { number: 1, title: 'Duplicate' },
  })
  assert.equal(api.status, 400)
  assert.deepEqual(api.json().errors, { number: 'Priority 1 already exists in this version: choose another number' })
})

test('an end of the period before its start is refused, keeping the dates typed', async () => {
  const { p, base } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.post(`${base}/agreement/versions/new`, {
    copyFrom: '0',
    title: 'Backwards',
    ...dateBoxes('periodStart', '2023-04-01'),
    ...dateBoxes('periodEnd', '2020-03-31'),
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /The end of the period must be after its start/)
  assert.match(
    res.body,
    /name="periodStart-year" type="text" value="2023"|id="periodStart-year" name="periodStart-year" type="text" value="2023"/,
  )
  assert.equal((await t.services.agreement.listVersions(p.id, { includeUnpublished: true })).length, 0)
  const api = await c.request('POST', `/api/v1/partnerships/${p.slug}/agreement/versions`, {
    json: { title: 'Backwards', periodStart: '2023-04-01', periodEnd: '2020-03-31' },
  })
  assert.equal(api.status, 400)
  assert.equal(api.json().errors.periodEnd, 'The end of the period must be after its start')
})

test('text over the limit is refused with the field and its limit named', async () => {
  const { p, base } = await setup()
  await versionWithPriorities(p.id, [])
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.post(`${base}/agreement/versions/1/priorities/new`, {
    number: '3',
    title: 'x'.repeat(301),
    description: 'd'.repeat(5001),
    ownershipStatement: 's'.repeat(2001),
  })
  assert.equal(res.status, 400)
  const summary = errorSummary(res.body)
  assert.match(summary, /Title must be 300 characters or fewer/)
  assert.match(summary, /Description must be 5000 characters or fewer/)
  assert.match(summary, /Ownership statement must be 2000 characters or fewer/)
  const v = await t.services.agreement.getVersion(p.id, 1, { includeUnpublished: true })
  assert.equal((await t.services.agreement.priorities(v.id)).length, 2)
})

test('an organisation that does not exist cannot be a strategic lead', async () => {
  const { p, council, base } = await setup()
  const { v } = await versionWithPriorities(p.id, [council.id])
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.post(`${base}/agreement/versions/1/priorities/new`, {
    number: '3',
    title: 'Led by nobody',
    leadIds: [String(council.id), '987654'],
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Select the strategic lead organisations from the list: one of those chosen does not exist/)
  assert.equal((await t.services.agreement.priorities(v.id)).length, 2)
  const api = await c.request('POST', `/api/v1/partnerships/${p.slug}/agreement/versions/1/priorities`, {
    json: { number: 3, title: 'Led by nobody', leadIds: [987654] },
  })
  assert.equal(api.status, 400)
  assert.match(api.json().errors.leadIds, /strategic lead organisations/)
})

test('the second of two people saving the same priority is refused with 409, naming who changed it, and nothing is overwritten', async () => {
  const { p, council, police, base } = await setup()
  const { p1 } = await versionWithPriorities(p.id, [council.id, police.id])
  const a = await clientAs(t, 'editor', p.id)
  const b = await clientAs(t, 'editor', p.id)
  const first = await a.post(`${base}/agreement/versions/1/priorities/${p1.id}/edit`, {
    number: '1',
    title: 'First edit',
    version: p1.version,
  })
  assert.equal(first.status, 303)
  const second = await b.post(`${base}/agreement/versions/1/priorities/${p1.id}/edit`, {
    number: '1',
    title: 'Second edit',
    version: p1.version,
  })
  assert.equal(second.status, 409)
  assert.match(text(second.body), new RegExp(`This was changed by ${(a as any).user.name} at`))
  assert.match(second.body, /Second edit/)
  assert.equal((await t.services.agreement.getPriority(p1.id)).title, 'First edit')

  const v = await t.services.agreement.getVersion(p.id, 1, { includeUnpublished: true })
  assert.equal((await a.post(`${base}/agreement/versions/1/edit`, { title: 'Renamed once', version: v.version })).status, 303)
  assert.equal((await b.post(`${base}/agreement/versions/1/edit`, { title: 'Renamed twice', version: v.version })).status, 409)
  const api = await b.request('PUT', `/api/v1/partnerships/${p.slug}/agreement/versions/1`, {
    json: { title: 'Renamed by API', version: v.version },
  })
  assert.equal(api.status, 409)
  assert.equal((await t.services.agreement.getVersionById(v.id)).title, 'Renamed once')
})

test('changes to priorities are in the audit trail with before and after, leads included, and each record links to its History', async () => {
  const { p, council, police, base } = await setup()
  const { p1 } = await versionWithPriorities(p.id, [council.id, police.id])
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.post(`${base}/agreement/versions/1/priorities/${p1.id}/edit`, {
    number: '1',
    title: 'Serious and organised crime',
    leadIds: [String(police.id)],
    ownershipLevel: 'strong',
    version: p1.version,
  })
  assert.equal(res.status, 303)
  const history = await historyOf(t.db, 'priority', p1.id)
  const titleChange = history.find((h) => h.after?.title === 'Serious and organised crime')!
  assert.equal(titleChange.before?.title, 'The threat of serious organised crime')
  assert.equal(titleChange.before?.ownership_level, 'strong joint')
  assert.equal(titleChange.after?.ownership_level, 'strong')
  assert.equal(titleChange.user_name, (c as any).user.name)
  const leadChange = history.find((h) => h.after && 'leads' in h.after)!
  assert.equal(leadChange.before?.leads, [council.name, police.name].sort().join('; '))
  assert.equal(leadChange.after?.leads, police.name)

  const page = await c.get(`${base}/agreement/versions/1`)
  assert.ok(page.body.includes(`${base}/history/priority/${p1.id}?back=`))
  assert.ok(page.body.includes(`${base}/history/agreement_version/`))
  assert.ok(page.body.includes(`${base}/agreement/versions/1/print`))
  const historyPage = await c.get(`${base}/history/priority/${p1.id}`)
  assert.equal(historyPage.status, 200)
  assert.match(text(historyPage.body), /Serious and organised crime/)
})

test('an editor removes a priority from a draft version after confirming', async () => {
  const { p, council, base } = await setup()
  const { v, p2 } = await versionWithPriorities(p.id, [council.id])
  const c = await clientAs(t, 'editor', p.id)
  const confirm = await c.get(`${base}/agreement/versions/1/priorities/${p2.id}/delete`)
  assert.match(text(confirm.body), /Remove priority 2\?/)
  const res = await c.post(`${base}/agreement/versions/1/priorities/${p2.id}/delete`, { version: p2.version })
  assert.equal(res.status, 303)
  assert.deepEqual(
    (await t.services.agreement.priorities(v.id)).map((x) => x.number),
    [1],
  )
  const h = await historyOf(t.db, 'priority', p2.id)
  assert.equal(h[0].action, 'delete')
})

test('an unpublished version is 404 to anonymous visitors and signed-in non-members, and visible to a viewer', async () => {
  const { p, council, base } = await setup({ published: true })
  await versionWithPriorities(p.id, [council.id], { agreed: true, published: true })
  const hidden = await t.services.agreement.createVersion(p.id, { title: 'Unpublished draft', copyFrom: 1 }, systemActor)
  const anonymous = await clientAs(t, 'anonymous')
  const outsider = await clientAs(t, 'outsider')
  const viewer = await clientAs(t, 'viewer', p.id)
  for (const c of [anonymous, outsider]) {
    assert.equal((await c.get(`${base}/agreement/versions/1`)).status, 200)
    assert.equal((await c.get(`${base}/agreement/versions/2`)).status, 404)
    assert.equal((await c.get(`${base}/agreement/versions/2?format=csv`)).status, 404)
    assert.equal((await c.get(`/api/v1/partnerships/${p.slug}/agreement/versions/2`)).status, 404)
    assert.equal((await c.get(`/api/v1/partnerships/${p.slug}/agreement/versions/2/priorities`)).status, 404)
    assert.equal((await c.get(`${base}/agreement/compare?from=1&to=2`)).status, 404)
    const list = text((await c.get(`${base}/agreement`)).body)
    assert.doesNotMatch(list, /Unpublished draft/)
    assert.deepEqual(
      (await c.get(`/api/v1/partnerships/${p.slug}/agreement/versions`)).json().map((x: any) => x.number),
      [1],
    )
  }
  assert.equal((await viewer.get(`${base}/agreement/versions/2`)).status, 200)
  assert.match(text((await viewer.get(`${base}/agreement`)).body), /Unpublished draft/)
  assert.equal((await viewer.get(`/api/v1/partnerships/${p.slug}/agreement/versions/${hidden.number}`)).json().title, 'Unpublished draft')
  assert.equal((await anonymous.get(`${base}/agreement/versions/1`)).body.includes('/history/'), false)
})

test('a contributor may read the agreement but not add, change or remove priorities (403)', async () => {
  const { p, council, base } = await setup()
  const { p1 } = await versionWithPriorities(p.id, [council.id])
  const c = await clientAs(t, 'contributor', p.id)
  assert.equal((await c.get(`${base}/agreement/versions/1`)).status, 200)
  assert.equal((await c.get(`${base}/agreement/versions/1/priorities/new`)).status, 403)
  assert.equal((await c.post(`${base}/agreement/versions/1/priorities/new`, { number: '3', title: 'No' })).status, 403)
  assert.equal(
    (await c.post(`${base}/agreement/versions/1/priorities/${p1.id}/edit`, { number: '1', title: 'No', version: p1.version })).status,
    403,
  )
  assert.equal((await c.post(`${base}/agreement/versions/1/priorities/${p1.id}/delete`, { version: p1.version })).status, 403)
  assert.equal(
    (await c.request('POST', `/api/v1/partnerships/${p.slug}/agreement/versions/1/priorities`, { json: { number: 3, title: 'No' } }))
      .status,
    403,
  )
  assert.equal((await c.request('DELETE', `/api/v1/partnerships/${p.slug}/agreement/versions/1/priorities/${p1.id}`)).status, 403)
  assert.equal((await t.services.agreement.getPriority(p1.id)).title, 'The threat of serious organised crime')
})

test('a priority of one version cannot be reached through another version or partnership', async () => {
  const { p, council, base } = await setup()
  const { p1 } = await versionWithPriorities(p.id, [council.id])
  await t.services.agreement.createVersion(p.id, { title: 'Two' }, systemActor)
  const other = await setup()
  const c = await clientAs(t, 'site-admin')
  assert.equal((await c.get(`${base}/agreement/versions/2/priorities/${p1.id}/edit`)).status, 404)
  assert.equal((await c.get(`${other.base}/agreement/versions/1/priorities/${p1.id}/edit`)).status, 404)
})

test('the priorities of a version and the list of versions export as CSV and JSON', async () => {
  const { p, council, police, base } = await setup()
  await versionWithPriorities(p.id, [council.id, police.id], { published: true })
  const c = await clientAs(t, 'anonymous')
  const csv = await c.get(`${base}/agreement/versions/1?format=csv`)
  assert.match(csv.headers['content-type'], /text\/csv/)
  assert.match(
    csv.body,
    /^\uFEFFnumber,title,description,strategic_leads,ownership_level,ownership_statement,lineage_id,note\r\n1,The threat of serious organised crime,County lines\.,/,
  )
  const json = (await c.get(`${base}/agreement/versions/1?format=json`)).json()
  assert.equal(json.length, 2)
  assert.equal(json[1].title, 'The continuing threat of radical extremism')
  const versions = await c.get(`${base}/agreement?format=csv`)
  assert.match(
    versions.body,
    /^\uFEFFnumber,title,period_start,period_end,status,date_agreed,published,based_on_version,priorities,notes\r\n1,County Agreement for Community Safety,2020-04-01,2023-03-31,draft,,true,,2,/,
  )
  assert.equal((await c.get(`${base}/agreement?format=json`)).json()[0].priorities, 2)
})

test('the JSON API creates a version as a copy, adds, changes and removes priorities, and describes itself in OpenAPI', async () => {
  const { p, council, police } = await setup()
  const c = await clientAs(t, 'editor', p.id)
  const api = `/api/v1/partnerships/${p.slug}/agreement`
  const v1 = await c.request('POST', `${api}/versions`, {
    json: { title: 'Agreement 2019', periodStart: '2019-04-01', periodEnd: '2022-03-31' },
  })
  assert.equal(v1.status, 201)
  assert.equal(v1.json().number, 1)
  const pr = await c.request('POST', `${api}/versions/1/priorities`, {
    json: { number: 1, title: 'Serious organised crime', leadIds: [council.id, police.id], ownershipLevel: 'strong joint' },
  })
  assert.equal(pr.status, 201)
  assert.equal(pr.json().leads.length, 2)
  const changed = await c.request('PUT', `${api}/versions/1/priorities/${pr.json().id}`, {
    json: { number: 1, title: 'Serious and organised crime', leadIds: [police.id], version: pr.json().version },
  })
  assert.equal(changed.status, 200)
  assert.deepEqual(changed.json().leads, [{ id: police.id, name: police.name }])
  const bad = await c.request('POST', `${api}/versions/1/priorities`, { json: { number: 0, title: '' } })
  assert.equal(bad.status, 400)
  assert.ok(bad.json().errors.number && bad.json().errors.title)

  const v2 = await c.request('POST', `${api}/versions`, { json: { title: 'Agreement 2020', copyFrom: 1 } })
  assert.equal(v2.status, 201)
  assert.equal(v2.json().basedOnNumber, 1)
  assert.equal(v2.json().priorities[0].lineageId, changed.json().lineageId)
  const list = await c.get(`${api}/versions`)
  assert.deepEqual(
    list.json().map((x: any) => x.number),
    [1, 2],
  )
  const del = await c.request('DELETE', `${api}/versions/2/priorities/${v2.json().priorities[0].id}`)
  assert.equal(del.status, 204)
  assert.equal((await c.get(`${api}/versions/2/priorities`)).json().length, 0)

  const openapi = (await c.get('/api/v1/openapi.json')).json()
  const op = openapi.paths['/api/v1/partnerships/{partnership}/agreement/versions/{number}/priorities'].post
  assert.deepEqual(op.tags, ['Agreement'])
  assert.ok(op.summary)
  assert.ok(openapi.paths['/api/v1/partnerships/{partnership}/agreement/compare'].get)
  assert.ok(openapi.paths['/api/v1/partnerships/{partnership}/strategic-assessments'].post)
})

test('the partnership overview shows the agreement, and latestVersion prefers the agreed version', async () => {
  const { p, council, base } = await setup()
  await versionWithPriorities(p.id, [council.id], { agreed: true, published: true })
  await t.services.agreement.createVersion(p.id, { title: 'A newer draft', copyFrom: 1 }, systemActor)
  assert.equal((await t.services.agreement.latestVersion(p.id, { includeUnpublished: true }))?.number, 1)
  const o = await t.services.agreement.overview(p, { includeUnpublished: true })
  assert.equal(o?.heading, 'Community Safety Agreement')
  assert.equal(o?.href, `${base}/agreement`)
  assert.deepEqual(o?.lines, ['County Agreement for Community Safety', 'Version 1, agreed, 2020–23', '2 priorities', '2 versions'])
  const res = await (await clientAs(t, 'anonymous')).get(base)
  assert.match(text(res.body), /Community Safety Agreement County Agreement for Community Safety Version 1, agreed, 2020–23 2 priorities/)
  const empty = await makePartnership(t.services, { published: true })
  assert.deepEqual((await t.services.agreement.overview(empty, { includeUnpublished: false }))?.lines, ['Not published yet'])
})

test('the print view belongs to the agreement: without any registered section it shows the priorities alone; a section is asked for the version', async () => {
  const { p, council } = await setup()
  const { v } = await versionWithPriorities(p.id, [council.id], { published: true })
  // An agreement service of its own, so nothing registered by the app (assurance) is there.
  const alone = agreementService(t.db, { organisations: t.services.organisations, partnerships: t.services.partnerships })
  const plain = await alone.printView(p, 1, { includeUnpublished: false })
  assert.equal(plain.version.id, v.id)
  assert.deepEqual(
    plain.priorities.map((x) => x.title),
    ['The threat of serious organised crime', 'The continuing threat of radical extremism'],
  )
  assert.deepEqual(plain.sections, [])
  const asked: string[] = []
  alone.addPrintSection({
    load: async (partnership, version, opts) => {
      asked.push(`${partnership.slug} v${version.number} round ${opts.roundId}`)
      return { template: 'x.njk', stylesheets: [], data: 1 }
    },
  })
  const withSection = await alone.printView(p, 1, { includeUnpublished: false, roundId: 7 })
  assert.deepEqual(asked, [`${p.slug} v1 round 7`])
  assert.deepEqual(withSection.sections, [{ template: 'x.njk', stylesheets: [], data: 1 }])
  await assert.rejects(alone.printView(p, 2, { includeUnpublished: true }), NotFoundError)
})
