/**
 * The authorisation matrix: every route × every role, on a published and on an unpublished partnership, allowed or
 * refused as its declared rule says; and every declared rule as specified in test/route-rules.ts (so a route cannot
 * quietly change who may use it).
 *
 * The rule the matrix applies (docs/development.md):
 *   - Refused means the access rule stopped the request before its body was read: the request never reached the
 *     app's validation (the test app marks every request that does, see PASSED below), and the answer is the one
 *     platform/access.ts gives: 404 to anyone who is not a member of an unpublished partnership (it does not exist
 *     for them), otherwise sign in (401, or 303 to /sign-in for a page) to the anonymous and 403 to the signed-in.
 *   - Allowed means the request got past the access rule and the CSRF check (it is marked), and the route did not
 *     answer 401, 403 or 5xx. A GET whose only parameter is the partnership (nothing to be missing) must answer
 *     2xx or 3xx, or 400 with validation errors when it needs a query (e.g. ?area=). Other parameters name nothing
 *     (999999), so that no allowed request changes anything: their routes may answer 404 for the missing record.
 *     Writes are sent deliberately empty (only the CSRF token): a 400 must carry validation errors.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, makePartnership, makeUser, type TestApp } from './helpers.ts'
import { describeAccess, type Access } from '../src/platform/access.ts'
import { csrfTokenFor } from '../src/platform/session.ts'
import { ROLE_RANK, type Role } from '../src/platform/auth/service.ts'
import { systemActor } from '../src/platform/audit.ts'
import { ROUTE_RULES } from './route-rules.ts'

type Who = 'anonymous' | 'outsider' | Role | 'site-admin'
const WHO: Who[] = ['anonymous', 'outsider', 'viewer', 'contributor', 'editor', 'admin', 'site-admin']

/** The header the test app adds to every request that got past the access rules and the CSRF check. */
const PASSED = 'x-test-passed-access'

let t: TestApp
const slugs = { published: '', unpublished: '' }
const cookies = new Map<Who, string>()
/** Each person's CSRF token: tied to their session (security 6). */
const csrfTokens = new Map<Who, string>()
const csrfCookie = 'c'.repeat(32)

before(async () => {
  t = await testApp(
    {},
    {
      beforeReady: (app) =>
        app.addHook('preValidation', async (_request, reply) => {
          reply.header(PASSED, 'yes')
        }),
    },
  )
  const published = await makePartnership(t.services, { published: true })
  const unpublished = await makePartnership(t.services, { published: false })
  slugs.published = published.slug
  slugs.unpublished = unpublished.slug
  // Something on each partnership's governance map, so that the map's own address answers.
  for (const p of [published, unpublished]) {
    await t.services.governance.create(p.id, { name: 'Safer Communities Board', type: 'board' }, systemActor)
    // Funding shown to the public (it is members-only until an editor says otherwise), so its pages answer.
    await t.services.funding.setPublic(p.id, { visibility: 'public' }, systemActor)
  }
  for (const who of WHO) {
    const list = [`safer_csrf=${csrfCookie}`]
    if (who !== 'anonymous') {
      const u =
        who === 'site-admin'
          ? await makeUser(t.services, { siteAdmin: true })
          : who === 'outsider'
            ? await makeUser(t.services)
            : await makeUser(t.services, { role: who, partnershipId: published.id })
      // Members have the same role in both partnerships.
      if (who !== 'site-admin' && who !== 'outsider') await t.services.partnerships.grantRole(u.id, unpublished.id, who, systemActor)
      const session = await t.services.auth.startSession(u.id)
      list.push(`safer_session=${session}`)
      csrfTokens.set(who, csrfTokenFor(t.services.secret, csrfCookie, session))
    } else csrfTokens.set(who, csrfTokenFor(t.services.secret, csrfCookie))
    cookies.set(who, list.join('; '))
  }
})
after(async () => {
  await t.close()
})

type Expected = 'allowed' | 'sign-in' | 'forbidden' | 'not-found'

/** What the rule gives this person, on a published or an unpublished partnership (independently of access.ts). */
function expected(access: Access, who: Who, published: boolean): Expected {
  const signIn = who === 'anonymous' ? 'sign-in' : 'forbidden'
  if (access === 'public') return 'allowed'
  if (access === 'signed-in') return who === 'anonymous' ? 'sign-in' : 'allowed'
  if (access === 'site-admin') return who === 'site-admin' ? 'allowed' : signIn
  if (access === 'editor-anywhere') {
    if (who === 'site-admin') return 'allowed'
    return who !== 'anonymous' && who !== 'outsider' && ROLE_RANK[who] >= ROLE_RANK.editor ? 'allowed' : signIn
  }
  const member = who !== 'anonymous' && who !== 'outsider'
  if (!published && !member) return 'not-found' // an unpublished partnership does not exist for non-members
  if (access.partnership === 'public') return 'allowed'
  if (who === 'site-admin') return 'allowed'
  return member && ROLE_RANK[who] >= ROLE_RANK[access.partnership] ? 'allowed' : signIn
}

// Parameters that name nothing, so that allowed requests change nothing.
const PARAMS: Record<string, string> = { entity: 'nothing', code: 'E99999999' }
function fill(url: string, slug: string) {
  return url.replace(/:partnership\b/, slug).replace(/:([a-zA-Z]+)/g, (_, name) => PARAMS[name] ?? '999999')
}

test('every route has the access rule the specification gives it', () => {
  const declared = Object.fromEntries(t.app.accessRules.map((r) => [`${r.method} ${r.url}`, describeAccess(r.access)]))
  assert.deepEqual(declared, ROUTE_RULES)
})

test('the rule the matrix checks against: members see an unpublished partnership, others find nothing there', () => {
  const viewerOnly = { partnership: 'viewer' } as const
  assert.equal(expected({ partnership: 'public' }, 'anonymous', true), 'allowed')
  assert.equal(expected({ partnership: 'public' }, 'anonymous', false), 'not-found')
  assert.equal(expected({ partnership: 'public' }, 'outsider', false), 'not-found')
  assert.equal(expected({ partnership: 'public' }, 'viewer', false), 'allowed')
  assert.equal(expected(viewerOnly, 'anonymous', true), 'sign-in')
  assert.equal(expected(viewerOnly, 'outsider', true), 'forbidden')
  assert.equal(expected({ partnership: 'admin' }, 'editor', false), 'forbidden')
  assert.equal(expected({ partnership: 'admin' }, 'site-admin', false), 'allowed')
  assert.equal(expected('editor-anywhere', 'contributor', true), 'forbidden')
})

/** A 400 that says what is wrong with the request: field errors in JSON, or the GOV.UK error summary. */
function hasValidationErrors(body: string) {
  if (body.includes('govuk-error-summary')) return true
  try {
    const errors = JSON.parse(body).errors
    return typeof errors === 'object' && errors !== null && Object.keys(errors).length > 0
  } catch {
    return false
  }
}

async function check(rule: { method: string; url: string; access: Access }, who: Who, published: boolean): Promise<string | undefined> {
  const url = fill(rule.url, published ? slugs.published : slugs.unpublished)
  const headers: Record<string, string> = { cookie: cookies.get(who)! }
  let payload: string | undefined
  if (rule.method !== 'GET') {
    // A deliberately empty write: only the CSRF token.
    if (rule.url.startsWith('/api/')) {
      headers['content-type'] = 'application/json'
      headers['x-csrf-token'] = csrfTokens.get(who)!
      payload = '{}'
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      payload = `_csrf=${csrfTokens.get(who)}`
    }
  }
  const res = await t.app.inject({ method: rule.method as 'GET' | 'POST' | 'PUT' | 'DELETE', url, headers, payload })
  const status = res.statusCode
  const passed = res.headers[PASSED] === 'yes'
  const toSignIn = status === 401 || (status === 303 && String(res.headers.location).startsWith('/sign-in'))
  const want = expected(rule.access, who, published)
  const where = `${rule.method} ${rule.url} as ${who}${rule.url.includes(':partnership') ? (published ? ' (published)' : ' (unpublished)') : ''}`
  if (status >= 500) return `${where}: server error ${status} ${res.body.slice(0, 200)}`
  if (want === 'allowed') {
    if (!passed || status === 401 || status === 403 || toSignIn)
      return `${where}: expected allowed, got ${status}${passed ? '' : ' from the access rule'}`
    if (status === 400 && !hasValidationErrors(res.body)) return `${where}: 400 without validation errors`
    const onlyPartnership = !rule.url.replace(':partnership', '').includes(':')
    if (rule.method === 'GET' && onlyPartnership && status >= 400 && status !== 400) return `${where}: expected the page, got ${status}`
    return undefined
  }
  if (passed) return `${where}: expected ${want}, but the request got past the access rule (answer ${status})`
  const ok = want === 'sign-in' ? toSignIn : want === 'forbidden' ? status === 403 : status === 404
  return ok ? undefined : `${where}: expected ${want}, got ${status}`
}

for (const published of [true, false]) {
  test(`every route allows or refuses each role as its rule says, on a${published ? ' published' : 'n unpublished'} partnership`, async () => {
    const wrong: string[] = []
    for (const rule of t.app.accessRules) {
      if (rule.url === '/sign-out' || rule.url === '/sign-in') continue // these change the session itself; tested in platform tests
      if (!published && !rule.url.includes(':partnership')) continue // no partnership: checked once, in the published run
      for (const who of WHO) {
        const problem = await check(rule, who, published)
        if (problem) wrong.push(problem)
      }
    }
    assert.deepEqual(wrong, [])
  })
}
