import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { testApp, clientAs, Client, makeUser, errorSummary, text, PASSWORD, type TestApp } from '../../test/helpers.ts'
import { setUpAccess } from './access.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

test('signing in sets a secure, HTTP-only, same-site session cookie and signing out ends the session', async () => {
  const user = await makeUser(t.services)
  const c = new Client(t)
  await c.get('/sign-in')
  const res = await c.request('POST', '/sign-in', { form: { email: user.email, password: PASSWORD } })
  assert.equal(res.status, 303)
  const setCookie = [res.headers['set-cookie']].flat().find((s: string) => s.startsWith('safer_session='))
  assert.ok(setCookie, 'a session cookie is set')
  assert.match(setCookie, /HttpOnly/i)
  assert.match(setCookie, /Secure/i)
  assert.match(setCookie, /SameSite=Lax/i)
  assert.equal((await c.get('/account')).status, 200)
  const session = c.cookies.get('safer_session')!
  await c.post('/sign-out')
  // The old session token no longer works, even if replayed.
  const replay = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: `safer_session=${session}` } })
  assert.equal(replay.statusCode, 303)
  assert.match(String(replay.headers.location), /^\/sign-in\?returnTo=%2Faccount/)
})

test('a wrong password is refused with one message that does not say which part was wrong', async () => {
  const user = await makeUser(t.services)
  const c = new Client(t)
  const res = await c.post('/sign-in', { email: user.email, password: 'not the password' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /The email address or password is not right/)
  assert.match(res.body, new RegExp(`value="${user.email}"`))
  const unknown = await c.post('/sign-in', { email: 'nobody@example.test', password: 'whatever' })
  assert.match(errorSummary(unknown.body), /The email address or password is not right/)
})

test('a form posted without the CSRF token, or with a wrong one, is refused and changes nothing', async () => {
  const c = await clientAs(t, 'site-admin')
  const before = (await t.services.organisations.list()).length
  const none = await c.request('POST', '/organisations/new', { form: { name: 'Forged Org', type: 'other' }, noCsrf: true })
  assert.equal(none.status, 403)
  const wrong = await c.request('POST', '/organisations/new', { form: { name: 'Forged Org', type: 'other', _csrf: 'abc' } })
  assert.equal(wrong.status, 403)
  assert.match(text(wrong.body), /This form has expired or did not come from Safer/)
  assert.equal((await t.services.organisations.list()).length, before)
})

test('every answer carries security headers', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/' })
  assert.match(String(res.headers['content-security-policy']), /default-src 'self'/)
  assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/)
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.ok(res.headers['referrer-policy'])
  // The one inline script carries the nonce from the policy.
  const nonce = String(res.headers['content-security-policy']).match(/'nonce-([^']+)'/)?.[1]
  assert.ok(nonce && res.body.includes(`nonce="${nonce}"`))
})

test('sign-in attempts are rate limited per address', async () => {
  const limited = await testApp({ signInAttemptsPerWindow: 3 })
  try {
    const c = new Client(limited)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await c.post('/sign-in', { email: 'x@example.test', password: 'wrong' })).status)
    assert.deepEqual(statuses, [400, 400, 400, 429])
  } finally {
    await limited.close()
  }
})

test('an API token created on the account page works as a Bearer token until it is revoked', async () => {
  const c = await clientAs(t, 'site-admin')
  const created = await c.post('/account/tokens', { name: 'Scorecard script' })
  assert.equal(created.status, 303)
  const page = await c.get(created.headers.location)
  const token = page.body.match(/<code id="new-token"[^>]*>([^<]+)<\/code>/)?.[1]
  assert.ok(token?.startsWith('safer_'))
  const api = await t.app.inject({
    method: 'POST',
    url: '/api/v1/organisations',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'Token Org', type: 'other' },
  })
  assert.equal(api.statusCode, 201)
  const [row] = await t.db.query<{ id: number }>(`SELECT id FROM api_tokens WHERE name = 'Scorecard script'`)
  await c.post(`/account/tokens/${row.id}/revoke`)
  const after = await t.app.inject({
    method: 'POST',
    url: '/api/v1/organisations',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'Token Org 2', type: 'other' },
  })
  assert.equal(after.statusCode, 401)
})

test('a token name is required', async () => {
  const c = await clientAs(t, 'viewer')
  const res = await c.post('/account/tokens', { name: '  ' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter a name for the token/)
})

test('/health reports the database status', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/health' })
  assert.equal(res.statusCode, 200)
  const body = res.json()
  assert.equal(body.status, 'ok')
  assert.equal(body.database.status, 'ok')
})

test('the OpenAPI document describes the API from the same schemas that validate it', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
  const doc = res.json()
  assert.match(doc.openapi, /^3\./)
  const post = doc.paths['/api/v1/organisations'].post
  const schema = post.requestBody.content['application/json'].schema
  assert.deepEqual([...schema.required].sort(), ['name', 'type'])
  assert.equal(schema.properties.name.maxLength, 200)
  // Pages are not part of the API document.
  assert.equal(doc.paths['/organisations'], undefined)
})

test('the app refuses to start with a route that has no access rule', async () => {
  const app = Fastify()
  await setUpAccess(app, { findPartnership: async () => undefined, rolesOf: async () => new Map(), roleIn: async () => undefined })
  assert.throws(() => app.get('/oops', async () => 'x'), /has no access rule/)
})

test('a page that does not exist is a GOV.UK 404 page; an API address that does not exist is JSON', async () => {
  const page = await t.app.inject({ method: 'GET', url: '/no/such/page' })
  assert.equal(page.statusCode, 404)
  assert.match(text(page.body), /Page not found/)
  const api = await t.app.inject({ method: 'GET', url: '/api/v1/nothing' })
  assert.equal(api.statusCode, 404)
  assert.equal(api.json().error, 'Not Found')
})

test('signed-out visitors asking for a signed-in page are sent to sign in and then back', async () => {
  const c = new Client(t)
  const res = await c.get('/account')
  assert.equal(res.status, 303)
  assert.equal(res.headers.location, '/sign-in?returnTo=%2Faccount')
  const user = await makeUser(t.services)
  const signIn = await c.post('/sign-in', { email: user.email, password: PASSWORD, returnTo: '/account' })
  assert.equal(signIn.headers.location, '/account')
  const evil = await c.post('/sign-in', { email: user.email, password: PASSWORD, returnTo: '//evil.example' })
  assert.equal(evil.headers.location, '/partnerships')
})

test('the audit log streams page by page, newest first, with nothing lost between pages', async () => {
  const { auditPages } = await import('./audit.ts')
  for (let i = 0; i < 5; i++) await t.services.organisations.create({ name: `Paged Org ${i}`, type: 'other' }, { id: null, name: 'test' })
  const pages: number[][] = []
  for await (const page of auditPages(t.db, {}, 2)) pages.push(page.map((e) => Number(e.id)))
  assert.ok(pages.length >= 3)
  assert.ok(pages.slice(0, -1).every((p) => p.length === 2))
  // Every entry, newest first, read straight from the table.
  const all = (await t.db.query<{ id: string | number }>(`SELECT id FROM audit_log ORDER BY id DESC`)).map((e) => Number(e.id))
  assert.deepEqual(pages.flat(), all)
})

test('the site audit log downloads as JSON for a site administrator', async () => {
  // An entry of this test's own, so that the log is not empty whichever tests ran before.
  await t.services.organisations.create({ name: 'Audited Org', type: 'other' }, { id: null, name: 'test' })
  const c = await clientAs(t, 'site-admin')
  const res = await c.get('/admin/audit?format=json')
  assert.equal(res.status, 200)
  const rows = res.json()
  assert.ok(rows.length > 0)
  assert.deepEqual(Object.keys(rows[0]), [
    'at',
    'user',
    'action',
    'record_type',
    'record_id',
    'summary',
    'changes',
    'before',
    'after',
    'record',
  ])
})
