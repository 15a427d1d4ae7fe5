/**
 * Accounts that look after themselves (issue 8): changing and resetting passwords, site administrators' account
 * management, expiring API tokens shown once, the per-account sign-in limit; and security points 3 (returnTo),
 * 6 (CSRF tied to the session) and 10 (no-store for signed-in answers). Emails are read from the outbox.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import {
  testApp,
  clientAs,
  Client,
  makeUser,
  makePartnership,
  errorSummary,
  text,
  emailsTo as emailsIn,
  linkIn,
  PASSWORD,
  TEST_BASE_URL,
  type TestApp,
} from '../../../test/helpers.ts'
import { CSRF_COOKIE, SESSION_COOKIE } from '../session.ts'

const PER_ACCOUNT = 4
let t: TestApp
before(async () => {
  t = await testApp({ baseUrl: TEST_BASE_URL, signInAttemptsPerAccount: PER_ACCOUNT })
})
after(async () => {
  await t.close()
})

const emailsTo = (address: string) => emailsIn(t, address)
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex')
async function apiStatus(token: string) {
  return (await t.app.inject({ method: 'GET', url: '/api/v1/partnerships', headers: { authorization: `Bearer ${token}` } })).statusCode
}
/** A new API token for the client's user, through the account page (POST, then the page it is sent to). */
async function newToken(c: Client, name = 'Script', expires?: { day: string; month: string; year: string }) {
  const form: Record<string, string> = { name }
  if (expires) Object.assign(form, { 'expiresOn-day': expires.day, 'expiresOn-month': expires.month, 'expiresOn-year': expires.year })
  const res = await c.post('/account/tokens', form)
  assert.equal(res.status, 303, errorSummary(res.body))
  const page = await c.get(res.headers.location)
  const token = page.body.match(/<code id="new-token"[^>]*>([^<]+)<\/code>/)?.[1]
  assert.ok(token, 'the new token is shown')
  return token
}
async function signedIn(c: Client) {
  return (await c.get('/account')).status === 200
}

// ---- Security 3 ----

test('security 3: sign-in returnTo accepts only plain relative paths; a tab, backslash, double slash or newline goes to the default, never a 500', async () => {
  const user = await makeUser(t.services)
  const cases: [string, string][] = [
    ['/account', '/account'],
    ['/\t/evil.example/x', '/partnerships'],
    ['//evil.example/x', '/partnerships'],
    ['/\\evil.example/x', '/partnerships'],
    ['/x\nSet-Cookie: a=b', '/partnerships'],
    ['/\r\n/evil.example', '/partnerships'],
    ['/\u0001x', '/partnerships'],
  ]
  for (const [returnTo, expected] of cases) {
    const c = new Client(t)
    const res = await c.post('/sign-in', { email: user.email, password: PASSWORD, returnTo })
    assert.equal(res.status, 303, `${JSON.stringify(returnTo)}: ${res.status}`)
    assert.equal(res.headers.location, expected, JSON.stringify(returnTo))
  }
  // The sign-in page itself keeps only a safe returnTo in its form.
  const page = await new Client(t).get(`/sign-in?returnTo=${encodeURIComponent('/\t/evil.example/x')}`)
  assert.equal(page.status, 200)
  assert.match(page.body, /name="returnTo" value="\/partnerships"/)
  const newline = await new Client(t).get('/sign-in?returnTo=%2Fx%0Ay')
  assert.equal(newline.status, 200)
})

// ---- Security 6 ----

test('security 6: the CSRF token is tied to the session: a token from before sign-in, or for another session, is refused', async () => {
  const user = await makeUser(t.services, { siteAdmin: true })
  const c = new Client(t)
  await c.get('/sign-in')
  const before = c.csrf()
  const csrfCookieBefore = c.cookies.get(CSRF_COOKIE)
  await c.signIn(user.email)
  // Renewed at sign-in: a new CSRF cookie, and the old token no longer works.
  assert.notEqual(c.cookies.get(CSRF_COOKIE), csrfCookieBefore, 'the CSRF cookie is replaced at sign-in')
  const stale = await c.request('POST', '/organisations/new', { form: { name: 'Forged', type: 'other', _csrf: before } })
  assert.equal(stale.status, 403)
  assert.match(text(stale.body), /This form has expired or did not come from Safer/)
  // A cookie planted before sign-in (an attacker who knows its value) is no use either: the server replaced it, and
  // a token computed from it without the session is refused.
  const planted = new Client(t)
  planted.cookies.set(CSRF_COOKIE, 'p'.repeat(32))
  const plantedToken = planted.csrf()
  await planted.signIn(user.email)
  assert.notEqual(planted.cookies.get(CSRF_COOKIE), 'p'.repeat(32))
  planted.cookies.set(CSRF_COOKIE, 'p'.repeat(32))
  const forged = await planted.request('POST', '/organisations/new', { form: { name: 'Forged', type: 'other', _csrf: plantedToken } })
  assert.equal(forged.status, 403)
  // Another session with the same CSRF cookie: its token does not work for this one.
  const other = new Client(t)
  await other.signIn(user.email)
  other.cookies.set(CSRF_COOKIE, c.cookies.get(CSRF_COOKIE)!)
  const crossed = await c.request('POST', '/organisations/new', { form: { name: 'Forged', type: 'other', _csrf: other.csrf() } })
  assert.equal(crossed.status, 403)
  // The right token works.
  const ok = await c.post('/organisations/new', { name: `Real ${crypto.randomUUID()}`, type: 'other' })
  assert.equal(ok.status, 303)
  // Renewed at sign-out too.
  const atSignIn = c.cookies.get(CSRF_COOKIE)
  await c.post('/sign-out')
  assert.notEqual(c.cookies.get(CSRF_COOKIE), atSignIn, 'the CSRF cookie is replaced at sign-out')
})

// ---- Security 10 ----

test('security 10: every answer to a signed-in request has Cache-Control: no-store (pages, downloads, API); public answers to the public do not', async () => {
  const p = await makePartnership(t.services, { published: true })
  const admin = await clientAs(t, 'site-admin')
  const partnershipAdmin = await clientAs(t, 'admin', p.id)
  const viewer = await clientAs(t, 'viewer', p.id)
  const checks: [Client, string][] = [
    [admin, '/account'],
    [admin, '/admin'],
    [admin, '/admin?format=csv'],
    [admin, '/admin/audit?format=csv'],
    [admin, '/admin/outbox'],
    [partnershipAdmin, `/partnerships/${p.slug}/audit?format=json`],
    [partnershipAdmin, `/partnerships/${p.slug}/people`],
    [viewer, `/partnerships/${p.slug}`],
    [viewer, '/api/v1/partnerships'],
    [viewer, '/this-page-does-not-exist'],
  ]
  for (const [c, url] of checks) {
    const res = await c.get(url)
    assert.ok(res.status < 500, `${url}: ${res.status}`)
    assert.equal(res.headers['cache-control'], 'no-store', url)
  }
  const token = await newToken(admin, 'no-store check')
  const api = await t.app.inject({ method: 'GET', url: '/api/v1/partnerships', headers: { authorization: `Bearer ${token}` } })
  assert.equal(api.statusCode, 200)
  assert.equal(api.headers['cache-control'], 'no-store', 'an API answer to a token')
  // The answer that starts a session says so too.
  const user = await makeUser(t.services)
  const signIn = await new Client(t).post('/sign-in', { email: user.email, password: PASSWORD })
  assert.equal(signIn.headers['cache-control'], 'no-store')
  // Not for the public's public pages (they may be cached).
  const anon = await t.app.inject({ method: 'GET', url: `/partnerships/${p.slug}` })
  assert.equal(anon.statusCode, 200)
  assert.notEqual(anon.headers['cache-control'], 'no-store')
})

// ---- API tokens ----

test('after creating an API token, reloading the page does not create another: the token is shown once after a redirect', async () => {
  const c = await clientAs(t, 'viewer')
  const res = await c.post('/account/tokens', { name: 'Reload check' })
  assert.equal(res.status, 303)
  assert.equal(res.headers.location, '/account')
  const page = await c.get('/account')
  const token = page.body.match(/<code id="new-token"[^>]*>([^<]+)<\/code>/)?.[1]
  assert.ok(token?.startsWith('safer_'))
  // Reloading shows the account page without the token, and there is still one token.
  const again = await c.get('/account')
  assert.doesNotMatch(again.body, /id="new-token"/)
  assert.doesNotMatch(again.body, new RegExp(token!))
  const rows = await t.db.query(`SELECT id FROM api_tokens WHERE user_id = $1`, [c.user.id])
  assert.equal(rows.length, 1)
  assert.equal(await apiStatus(token!), 200)
})

test('the one-time token cookie cannot be read by another session', async () => {
  const a = await clientAs(t, 'viewer')
  const res = await a.post('/account/tokens', { name: 'Private' })
  assert.equal(res.status, 303)
  const sealed = a.cookies.get('safer_new_token')
  assert.ok(sealed, 'the token travels in a cookie for one page')
  assert.doesNotMatch(decodeURIComponent(sealed), /safer_/, 'never in the clear')
  const b = await clientAs(t, 'viewer')
  b.cookies.set('safer_new_token', sealed)
  const page = await b.get('/account')
  assert.equal(page.status, 200)
  assert.doesNotMatch(page.body, /id="new-token"/)
})

test('API tokens can be given an expiry date: a past date is refused, and an expired token is refused', async () => {
  const c = await clientAs(t, 'viewer')
  const past = await c.post('/account/tokens', { name: 'Old', 'expiresOn-day': '1', 'expiresOn-month': '1', 'expiresOn-year': '2020' })
  assert.equal(past.status, 400)
  assert.match(errorSummary(past.body), /The expiry date must be today or in the future/)
  const bad = await c.post('/account/tokens', { name: 'Bad', 'expiresOn-day': '31', 'expiresOn-month': 'x', 'expiresOn-year': '2027' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /The expiry date must be a real date/)
  const next = new Date(Date.now() + 30 * 86_400_000)
  const token = await newToken(c, 'Expiring', {
    day: String(next.getUTCDate()),
    month: String(next.getUTCMonth() + 1),
    year: String(next.getUTCFullYear()),
  })
  const [row] = await t.db.query<{ id: number; expires_at: Date }>(
    `SELECT id, expires_at FROM api_tokens WHERE user_id = $1 AND name = 'Expiring'`,
    [c.user.id],
  )
  // It works until the end of the chosen day (London time).
  const endOfDay = new Date(row.expires_at).getTime()
  assert.ok(endOfDay > next.getTime() - 86_400_000 && endOfDay <= next.getTime() + 2 * 86_400_000, String(row.expires_at))
  assert.equal(await apiStatus(token), 200)
  await t.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [row.id])
  assert.equal(await apiStatus(token), 401)
  assert.match(text((await c.get('/account')).body), /Expiring .* Expired/)
})

// ---- Changing your own password ----

test('changing your password needs the current one, follows the password rules, and ends your other sessions but not this one or your API tokens', async () => {
  const user = await makeUser(t.services)
  const here = await new Client(t).signIn(user.email)
  const elsewhere = await new Client(t).signIn(user.email)
  const token = await newToken(here)
  const wrong = await here.post('/account/password', { currentPassword: 'not my password', password: 'kettle window marble' })
  assert.equal(wrong.status, 400)
  assert.match(errorSummary(wrong.body), /Your current password is not right/)
  const short = await here.post('/account/password', { currentPassword: PASSWORD, password: 'too short' })
  assert.match(errorSummary(short.body), /Password must be 12 characters or more/)
  const common = await here.post('/account/password', { currentPassword: PASSWORD, password: 'qwerty123456' })
  assert.match(errorSummary(common.body), /on a list of common passwords/)
  assert.ok(await signedIn(elsewhere), 'nothing changed yet')
  const ok = await here.post('/account/password', { currentPassword: PASSWORD, password: 'kettle window marble' })
  assert.equal(ok.status, 303)
  assert.ok(await signedIn(here), 'this session carries on')
  assert.equal(await signedIn(elsewhere), false, 'the other session ended')
  assert.equal(await apiStatus(token), 200, 'API tokens keep working after a change')
  assert.equal((await new Client(t).post('/sign-in', { email: user.email, password: PASSWORD })).status, 400)
  await new Client(t).signIn(user.email, 'kettle window marble')
})

// ---- Forgotten passwords ----

test('forgot your password: the same answer whether or not the address has an account; only an account gets a link', async () => {
  const user = await makeUser(t.services)
  const stranger = `nobody-${crypto.randomUUID()}@example.test`
  const answers = []
  for (const email of [user.email, stranger]) {
    const c = new Client(t)
    const res = await c.post('/forgot-password', { email })
    const page = await c.get(res.headers.location)
    answers.push({ status: res.status, location: res.headers.location, page: text(page.body).replace(/\s+/g, ' ') })
  }
  assert.deepEqual(answers[0], answers[1])
  assert.equal(answers[0].status, 303)
  assert.match(answers[0].page, /If the address you gave has an account, we have sent it a link/)
  assert.equal((await emailsTo(user.email)).length, 1)
  assert.equal((await emailsTo(stranger)).length, 0)
  const bad = await new Client(t).post('/forgot-password', { email: 'not an address' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /Enter an email address in the correct format/)
})

test('a reset link works once, for an hour; only its hash is stored; using it ends every session and revokes API tokens', async () => {
  const user = await makeUser(t.services)
  const session = await new Client(t).signIn(user.email)
  const token = await newToken(session)
  await new Client(t).post('/forgot-password', { email: user.email.toUpperCase() })
  const [message] = await emailsTo(user.email)
  assert.match(message.subject, /Reset your Safer password/)
  assert.match(message.text_body, /works for 1 hour, once/)
  assert.match(message.reason, /someone asked to reset the password/)
  const path = linkIn(message.text_body)
  const secret = path.split('/').pop()!
  const [stored] = await t.db.query<{ token_hash: string; expires_at: Date; created_at: Date }>(
    `SELECT token_hash, expires_at, created_at FROM password_resets WHERE user_id = $1`,
    [user.id],
  )
  assert.equal(stored.token_hash, sha256(secret), 'only the hash is stored')
  assert.doesNotMatch(JSON.stringify(await t.db.query(`SELECT * FROM password_resets`)), new RegExp(secret))
  assert.equal(new Date(stored.expires_at).getTime() - new Date(stored.created_at).getTime(), 60 * 60 * 1000)

  const c = new Client(t)
  const form = await c.get(path)
  assert.equal(form.status, 200)
  assert.equal(form.headers['cache-control'], 'no-store')
  const common = await c.post(path, { password: 'password password' })
  assert.equal(common.status, 400)
  assert.match(errorSummary(common.body), /on a list of common passwords/)
  const done = await c.post(path, { password: 'lantern pebble orchard' })
  assert.equal(done.status, 303)
  assert.equal(done.headers.location, '/sign-in')
  assert.equal(await signedIn(session), false, 'sessions end')
  assert.equal(await apiStatus(token), 401, 'API tokens are revoked')
  await new Client(t).signIn(user.email, 'lantern pebble orchard')
  // Once only.
  const reused = await new Client(t).get(path)
  assert.equal(reused.status, 404)
  assert.match(text(reused.body), /This link has expired or has already been used/)
  assert.equal((await new Client(t).post(path, { password: 'another fine password' })).status, 404)
})

test('a reset link stops working after an hour, and a disabled account gets none', async () => {
  const user = await makeUser(t.services)
  await new Client(t).post('/forgot-password', { email: user.email })
  const path = linkIn((await emailsTo(user.email))[0].text_body)
  await t.db.query(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id])
  assert.equal((await new Client(t).get(path)).status, 404)
  assert.equal((await new Client(t).post(path, { password: 'lantern pebble orchard' })).status, 404)
  await new Client(t).signIn(user.email)

  const disabled = await makeUser(t.services)
  await t.services.auth.setDisabled(disabled.id, true, { id: null, name: 'test' })
  await new Client(t).post('/forgot-password', { email: disabled.email })
  assert.equal((await emailsTo(disabled.email)).length, 0)
})

test('emailed links start with SAFER_BASE_URL, whatever Host header the request came with', async () => {
  const user = await makeUser(t.services)
  const c = new Client(t)
  await c.request('POST', '/forgot-password', {
    form: { email: user.email },
    headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
  })
  const [message] = await emailsTo(user.email)
  assert.match(message.text_body, /https:\/\/safer\.example\.org\/reset-password\//)
  assert.doesNotMatch(message.text_body + message.html_body, /evil\.example/)
})

test('at most 3 reset links an hour go to one account', async () => {
  const user = await makeUser(t.services)
  for (let i = 0; i < 5; i++) assert.equal((await new Client(t).post('/forgot-password', { email: user.email })).status, 303)
  assert.equal((await emailsTo(user.email)).length, 3)
})

// ---- The per-account sign-in limit ----

test('the sign-in limit applies per account (from any address), saying the same for an address with no account', async () => {
  const user = await makeUser(t.services)
  const other = await makeUser(t.services)
  for (let i = 0; i < PER_ACCOUNT; i++) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      remoteAddress: `10.0.0.${i + 1}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${CSRF_COOKIE}=${'c'.repeat(32)}` },
      payload: new URLSearchParams({ email: user.email, password: 'wrong password', _csrf: csrfFor('c'.repeat(32)) }).toString(),
    })
    assert.equal(res.statusCode, 400)
  }
  // Now even the right password is refused for a while, from a new address.
  const c = new Client(t)
  const refused = await c.post('/sign-in', { email: user.email, password: PASSWORD })
  assert.equal(refused.status, 429)
  assert.match(text(refused.body), /Too many failed attempts to sign in with this email address/)
  assert.equal(await signedIn(c), false)
  // Other accounts are not affected.
  await new Client(t).signIn(other.email)
  // An address with no account is limited the same way (the limit does not reveal which addresses exist).
  const nobody = `nobody-${crypto.randomUUID()}@example.test`
  const statuses = []
  for (let i = 0; i <= PER_ACCOUNT; i++)
    statuses.push((await new Client(t).post('/sign-in', { email: nobody, password: 'wrong password' })).status)
  assert.deepEqual(statuses, [...Array(PER_ACCOUNT).fill(400), 429])
  // The window passes: the account can sign in again.
  await t.db.query(`UPDATE sign_in_failures SET at = at - interval '1 day'`)
  await new Client(t).signIn(user.email)
})

function csrfFor(cookie: string) {
  return crypto.createHmac('sha256', t.services.secret).update(`${cookie}\n`).digest('base64url')
}

// ---- Site administrators manage accounts ----

test('site admins edit an account’s name and email address, with the address checked', async () => {
  const admin = await clientAs(t, 'site-admin')
  const user = await makeUser(t.services, { name: 'Pat Old' })
  const taken = await makeUser(t.services)
  const page = await admin.get(`/admin/users/${user.id}`)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /Pat Old/)
  const bad = await admin.post(`/admin/users/${user.id}`, { name: 'Pat New', email: 'pat@council' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /Enter an email address in the correct format, like name@example.org/)
  assert.match(bad.body, /value="Pat New"/, 'the typed values are kept')
  const dup = await admin.post(`/admin/users/${user.id}`, { name: 'Pat New', email: taken.email.toUpperCase() })
  assert.match(errorSummary(dup.body), /There is already an account for/)
  const newEmail = `pat-${crypto.randomUUID()}@council.gov.uk`
  const ok = await admin.post(`/admin/users/${user.id}`, { name: 'Pat New', email: newEmail })
  assert.equal(ok.status, 303)
  const saved = await t.services.auth.getUser(user.id)
  assert.deepEqual([saved.name, saved.email], ['Pat New', newEmail])
  await new Client(t).signIn(newEmail)
  const list = await admin.get('/admin')
  assert.match(list.body, new RegExp(`href="/admin/users/${user.id}"`))
})

test('disabling an account stops its sessions and API tokens at once; re-enabling lets it sign in again; nobody disables themselves', async () => {
  const admin = await clientAs(t, 'site-admin')
  const user = await makeUser(t.services)
  const session = await new Client(t).signIn(user.email)
  const token = await newToken(session)
  assert.equal(await apiStatus(token), 200)
  const res = await admin.post(`/admin/users/${user.id}/disable`)
  assert.equal(res.status, 303)
  assert.equal(await signedIn(session), false)
  assert.equal(await apiStatus(token), 401)
  assert.equal((await new Client(t).post('/sign-in', { email: user.email, password: PASSWORD })).status, 400)
  assert.match(text((await admin.get('/admin')).body), /Disabled/)
  await admin.post(`/admin/users/${user.id}/enable`)
  await new Client(t).signIn(user.email)
  assert.equal(await apiStatus(token), 401, 'revoked tokens stay revoked')
  const self = await admin.post(`/admin/users/${admin.user.id}/disable`)
  assert.equal(self.status, 400)
  assert.match(errorSummary(self.body), /You cannot disable your own account/)
  // The details form beside the refused button still shows the account's name and address.
  assert.match(
    self.body,
    new RegExp(`id="email" name="email" type="email" spellcheck="false" value="${admin.user.email.replace(/[.+]/g, '\\$&')}"`),
  )
  assert.ok(await signedIn(admin))
})

test('a disabled account is refused at once even if its sessions were left in place (every request checks)', async () => {
  const user = await makeUser(t.services)
  const session = await new Client(t).signIn(user.email)
  await t.db.query(`UPDATE users SET disabled = true WHERE id = $1`, [user.id])
  assert.equal(await signedIn(session), false)
  assert.ok(session.cookies.get(SESSION_COOKIE))
})

test('new accounts made by site admins follow the password and email rules', async () => {
  const admin = await clientAs(t, 'site-admin')
  const res = await admin.post('/admin/users', {
    name: 'New Person',
    email: `new-${crypto.randomUUID()}@example.test`,
    password: 'qwerty123456',
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /on a list of common passwords/)
  const bad = await admin.post('/admin/users', { name: 'New Person', email: 'someone@nowhere', password: 'lantern pebble orchard' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /email address/i)
})
