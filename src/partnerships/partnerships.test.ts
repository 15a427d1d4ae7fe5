import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, makeUser, errorSummary, text, type TestApp } from '../../test/helpers.ts'

let t: TestApp
before(async () => { t = await testApp() })
after(async () => { await t.close() })

test('an unpublished partnership is 404 to the public and to signed-in outsiders, and visible to its viewers', async () => {
  const p = await makePartnership(t.services, { published: false, name: 'Secret Partnership' })
  assert.equal((await (await clientAs(t, 'anonymous')).get(`/partnerships/${p.slug}`)).status, 404)
  assert.equal((await (await clientAs(t, 'outsider')).get(`/partnerships/${p.slug}`)).status, 404)
  assert.equal((await (await clientAs(t, 'anonymous')).get(`/api/v1/partnerships/${p.slug}`)).status, 404)
  const viewer = await clientAs(t, 'viewer', p.id)
  const page = await viewer.get(`/partnerships/${p.slug}`)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /Secret Partnership/)
  // Nor is it listed to the public.
  const list = await (await clientAs(t, 'anonymous')).get('/partnerships')
  assert.doesNotMatch(list.body, /Secret Partnership/)
})

test('an admin publishes the partnership from its settings and the public can then see it', async () => {
  const p = await makePartnership(t.services, { published: false, name: 'Soon Public' })
  const admin = await clientAs(t, 'admin', p.id)
  const res = await admin.post(`/partnerships/${p.slug}/settings`, { name: 'Soon Public', published: 'true', version: p.version })
  assert.equal(res.status, 303)
  assert.equal((await (await clientAs(t, 'anonymous')).get(`/partnerships/${p.slug}`)).status, 200)
})

test('an editor cannot change partnership settings or roles', async () => {
  const p = await makePartnership(t.services)
  const editor = await clientAs(t, 'editor', p.id)
  assert.equal((await editor.get(`/partnerships/${p.slug}/settings`)).status, 403)
  assert.equal((await editor.post(`/partnerships/${p.slug}/people`, { email: 'x@example.test', role: 'admin' })).status, 403)
})

test('an admin gives a person a role by email; an unknown email is refused with a clear message', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  const person = await makeUser(t.services, { name: 'Pat Contributor' })
  const ok = await admin.post(`/partnerships/${p.slug}/people`, { email: person.email, role: 'contributor' })
  assert.equal(ok.status, 303)
  assert.equal(await t.services.partnerships.roleIn(person.id, p.id), 'contributor')
  const bad = await admin.post(`/partnerships/${p.slug}/people`, { email: 'nobody@example.test', role: 'viewer' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /There is no account for nobody@example.test/)
})

test('the last administrator of a partnership cannot be removed', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  const res = await admin.post(`/partnerships/${p.slug}/people/${(admin as any).user.id}/remove`)
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /at least one administrator/)
  assert.equal(await t.services.partnerships.roleIn((admin as any).user.id, p.id), 'admin')
})

test('the audit log of a partnership exports as CSV with who, when, what, before and after', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  await admin.post(`/partnerships/${p.slug}/settings`, { name: 'Renamed Partnership', version: p.version })
  const csv = await admin.get(`/partnerships/${p.slug}/audit?format=csv`)
  assert.equal(csv.status, 200)
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n')
  assert.equal(lines[0], 'at,user,action,record_type,record_id,summary,changes,before,after')
  const update = lines.find((l) => l.includes(',update,partnership,'))
  assert.ok(update, 'the settings change is in the log')
  assert.match(update!, /Renamed Partnership/)
  assert.match(update!, new RegExp((admin as any).user.name))
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.equal((await viewer.get(`/partnerships/${p.slug}/audit?format=csv`)).status, 403)
})

test('a partnership admin sees the history of a record of their partnership, but not of another partnership', async () => {
  const p = await makePartnership(t.services)
  const other = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  const own = await admin.get(`/partnerships/${p.slug}/history/partnership/${p.id}`)
  assert.equal(own.status, 200)
  assert.match(text(own.body), /Created by/)
  // The other partnership's records are not shown through this partnership's address.
  const cross = await admin.get(`/partnerships/${p.slug}/history/partnership/${other.id}`)
  assert.doesNotMatch(text(cross.body), /Created by/)
})

test('the partnership form refuses a web address name already in use', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'site-admin')
  const res = await admin.post('/partnerships/new', { slug: p.slug, name: 'Duplicate' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), new RegExp(`The web address name ${p.slug} is already used`))
})
