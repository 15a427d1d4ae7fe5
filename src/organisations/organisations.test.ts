import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, type TestApp } from '../../test/helpers.ts'
import { historyOf } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

test('an editor adds an organisation through the form and sees it listed', async () => {
  const c = await clientAs(t, 'site-admin')
  const res = await c.post('/organisations/new', { name: 'Hampshire Constabulary', type: 'police force', responsibleAuthority: 'true' })
  assert.equal(res.status, 303)
  const list = await c.get('/organisations')
  assert.match(text(list.body), /Hampshire Constabulary Police force Yes/)
})

test('the organisation form refuses a missing name and type with the GOV.UK error summary, keeping what was typed', async () => {
  const c = await clientAs(t, 'site-admin')
  const res = await c.post('/organisations/new', { name: '', type: '', responsibleAuthority: 'true' })
  assert.equal(res.status, 400)
  const summary = errorSummary(res.body)
  assert.match(summary, /There is a problem/)
  assert.match(summary, /Enter name/)
  assert.match(summary, /Select type of organisation/)
  assert.match(res.body, /<title>Error: /)
  assert.match(res.body, /name="responsibleAuthority" type="checkbox" value="true" checked/)
})

test('a name over 200 characters is refused with the limit in the message', async () => {
  const c = await clientAs(t, 'site-admin')
  const res = await c.post('/organisations/new', { name: 'x'.repeat(201), type: 'other' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Name must be 200 characters or fewer/)
})

test('the API answers 400 with field errors as JSON', async () => {
  const c = await clientAs(t, 'site-admin')
  const res = await c.request('POST', '/api/v1/organisations', { json: { name: '', type: 'bank' } })
  assert.equal(res.status, 400)
  const body = res.json()
  assert.equal(body.errors.name, 'Enter name')
  assert.equal(body.errors.type, 'Select type of organisation from the list')
})

test('the second of two people saving the same organisation is refused with who changed it and when, and nothing is overwritten', async () => {
  const a = await clientAs(t, 'site-admin')
  const b = await clientAs(t, 'site-admin')
  const org = await t.services.organisations.create({ name: 'Probation Service', type: 'probation' }, { id: null, name: 'test' })
  const first = await a.post(`/organisations/${org.id}/edit`, {
    name: 'Probation Service South Central',
    type: 'probation',
    version: org.version,
  })
  assert.equal(first.status, 303)
  const second = await b.post(`/organisations/${org.id}/edit`, {
    name: 'National Probation Service',
    type: 'probation',
    version: org.version,
  })
  assert.equal(second.status, 409)
  assert.match(text(second.body), new RegExp(`This was changed by ${(a as any).user.name} at`))
  const stored = await t.services.organisations.get(org.id)
  assert.equal(stored.name, 'Probation Service South Central')
})

test('every change is in the audit trail with before and after values', async () => {
  const c = await clientAs(t, 'site-admin')
  const org = await t.services.organisations.create({ name: 'Audit Test Org', type: 'other' }, { id: null, name: 'test' })
  await c.post(`/organisations/${org.id}/edit`, { name: 'Audit Test Org Renamed', type: 'voluntary sector', version: org.version })
  const history = await historyOf(t.db, 'organisation', org.id)
  assert.equal(history[0].action, 'update')
  assert.equal(history[0].user_name, (c as any).user.name)
  assert.equal(history[0].before?.name, 'Audit Test Org')
  assert.equal(history[0].after?.name, 'Audit Test Org Renamed')
  const page = await c.get(`/organisations/${org.id}/history`)
  assert.match(text(page.body), /Audit Test Org Renamed/)
})

test('anonymous visitors may read organisations but not add them', async () => {
  const c = await clientAs(t, 'anonymous')
  assert.equal((await c.get('/organisations')).status, 200)
  assert.equal((await c.get('/api/v1/organisations')).status, 200)
  const res = await c.request('POST', '/api/v1/organisations', { json: { name: 'Nope', type: 'other' } })
  assert.equal(res.status, 401)
})

test('organisations export as CSV and JSON', async () => {
  const c = await clientAs(t, 'anonymous')
  const csv = await c.get('/organisations?format=csv')
  assert.match(csv.headers['content-type'], /text\/csv/)
  assert.match(csv.body, /^\uFEFFid,name,type,responsible_authority\r\n/)
  const json = await c.get('/organisations?format=json')
  assert.ok(Array.isArray(json.json()))
})
