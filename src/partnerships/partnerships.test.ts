import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, makeUser, errorSummary, text, type TestApp } from '../../test/helpers.ts'
import { partnershipService } from './service.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

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
  const lines = csv.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
  assert.equal(lines[0], 'at,user,action,record_type,record_id,summary,changes,before,after,record')
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
  assert.match(text(own.body), new RegExp(`Added partnership "${p.name}"`))
  // The other partnership's records are not shown through this partnership's address.
  const cross = await admin.get(`/partnerships/${p.slug}/history/partnership/${other.id}`)
  assert.doesNotMatch(text(cross.body), /Added partnership/)
  assert.doesNotMatch(text(cross.body), new RegExp(other.name))
})

test('the partnership form refuses a web address name already in use', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'site-admin')
  const res = await admin.post('/partnerships/new', { slug: p.slug, name: 'Duplicate' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), new RegExp(`The web address name ${p.slug} is already used`))
})

test("a partnership created on the web page gets what the capabilities registered: assurance's six dimensions and four-level scale", async () => {
  const site = await clientAs(t, 'site-admin')
  const slug = `web-made-${process.pid}`
  const res = await site.post('/partnerships/new', { slug, name: 'Made on the web' })
  assert.equal(res.status, 303)
  const p = (await t.services.partnerships.bySlug(slug))!
  assert.equal((await t.services.assurance.dimensions(p.id)).length, 6)
  assert.deepEqual((await t.services.assurance.scale(p.id)).map((l) => l.value).sort(), [1, 2, 3, 4])
  // Its creation is in its own audit log.
  const audit = await t.db.query(
    `SELECT action FROM audit_log WHERE entity = 'partnership' AND entity_id = $1 AND partnership_id = $1::int`,
    [String(p.id)],
  )
  assert.deepEqual(audit, [{ action: 'create' }])
})

/** A partnerships service of its own, so the hooks registered here do not reach the other tests' app. */
function ownService() {
  return partnershipService(t.db, { auth: t.services.auth, organisations: t.services.organisations, outbox: t.services.outbox })
}

test('onCreate hooks run in the creating transaction, with the new partnership and the actor; a failing hook creates nothing', async () => {
  const ps = ownService()
  const seen: string[] = []
  ps.onCreate(async (tx, p, actor) => {
    // The row is there inside the transaction.
    seen.push(`${p.slug} by ${actor.name}: ${(await tx.query('SELECT name FROM partnerships WHERE id = $1', [p.id]))[0]?.name}`)
    if (p.slug.endsWith('-refused')) throw new Error('hook refused')
  })
  const ok = await ps.create({ slug: `hooked-${process.pid}`, name: 'Hooked' }, { id: null, name: 'Tester' })
  assert.deepEqual(seen, [`hooked-${process.pid} by Tester: Hooked`])
  assert.ok(await ps.bySlug(ok.slug))
  await assert.rejects(ps.create({ slug: `hooked-${process.pid}-refused`, name: 'Refused' }, { id: null, name: 'Tester' }), /hook refused/)
  assert.equal(await ps.bySlug(`hooked-${process.pid}-refused`), undefined)
})

test('overview panels show in their order, those with nothing to show are left out, and their manage links are listed', async () => {
  const ps = ownService()
  const p = await makePartnership(t.services)
  ps.addOverviewPanel({
    order: 20,
    load: async (x) => ({ heading: 'Second', href: `/partnerships/${x.slug}/b`, lines: ['two'] }),
    manage: [{ text: 'B settings', path: 'b/settings' }],
  })
  ps.addOverviewPanel({ order: 5, load: async () => undefined })
  ps.addOverviewPanel({
    order: 10,
    load: async (_x, opts) => ({ heading: 'First', href: '/a', lines: [opts.includeUnpublished ? 'member' : 'public'] }),
  })
  const o = await ps.overview(p, { includeUnpublished: true })
  assert.deepEqual(o.panels, [
    { heading: 'First', href: '/a', lines: ['member'] },
    { heading: 'Second', href: `/partnerships/${p.slug}/b`, lines: ['two'] },
  ])
  assert.deepEqual(o.manage, [{ text: 'B settings', path: 'b/settings' }])
})

test('the overview page shows the governance, agreement, assurance and scorecard boxes in that order, and admins the assurance settings link', async () => {
  const p = await makePartnership(t.services)
  const page = text((await (await clientAs(t, 'admin', p.id)).get(`/partnerships/${p.slug}`)).body)
  assert.match(
    page,
    /Governance No bodies recorded yet Community Safety Agreement No versions yet: start the first one Assurance No assessment rounds yet Performance scorecard No indicators on the scorecard yet[^]*? Manage/,
  )
  assert.match(page, /Assurance dimensions and rating scale/)
  const viewerPage = text((await (await clientAs(t, 'viewer', p.id)).get(`/partnerships/${p.slug}`)).body)
  assert.doesNotMatch(viewerPage, /Assurance dimensions and rating scale/)
})

test('removeBySlugs deletes those partnerships with what is in them, audited, and leaves others alone', async () => {
  const gone = await makePartnership(t.services)
  const kept = await makePartnership(t.services)
  await t.services.governance.create(gone.id, { name: 'Board', type: 'board' }, { id: null, name: 'Tester' })
  assert.equal(await t.services.partnerships.removeBySlugs([gone.slug, 'no-such-partnership'], { id: null, name: 'Tester' }), 1)
  assert.equal(await t.services.partnerships.bySlug(gone.slug), undefined)
  assert.ok(await t.services.partnerships.bySlug(kept.slug))
  assert.deepEqual(await t.services.governance.list(gone.id), [])
  const audit = await t.db.query(
    `SELECT action, summary FROM audit_log WHERE entity = 'partnership' AND entity_id = $1 AND action = 'delete'`,
    [String(gone.id)],
  )
  assert.deepEqual(audit, [{ action: 'delete', summary: gone.name }])
})
