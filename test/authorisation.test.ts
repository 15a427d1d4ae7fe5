/**
 * The authorisation matrix: every route × every role, allowed or refused as its declared rule says,
 * and every declared rule as specified in ROUTE_RULES below (so a route cannot quietly change who may use it).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, makePartnership, makeUser, type TestApp } from './helpers.ts'
import { describeAccess, type Access } from '../src/platform/access.ts'
import { csrfTokenFor } from '../src/platform/session.ts'
import { ROLE_RANK, type Role } from '../src/platform/auth/service.ts'
import { ROUTE_RULES } from './route-rules.ts'

type Who = 'anonymous' | 'outsider' | Role | 'site-admin'
const WHO: Who[] = ['anonymous', 'outsider', 'viewer', 'contributor', 'editor', 'admin', 'site-admin']

let t: TestApp
let slug: string
const userIds = new Map<Who, number>()

before(async () => {
  t = await testApp()
  const p = await makePartnership(t.services, { published: true })
  slug = p.slug
  for (const who of WHO) {
    if (who === 'anonymous') continue
    const u = who === 'site-admin' ? await makeUser(t.services, { siteAdmin: true })
      : who === 'outsider' ? await makeUser(t.services)
      : await makeUser(t.services, { role: who, partnershipId: p.id })
    userIds.set(who, u.id)
  }
})
after(async () => { await t.close() })

/** Whether the rule lets this person in, on a published partnership. */
function allowed(access: Access, who: Who): boolean {
  if (access === 'public') return true
  if (typeof access === 'object' && access.partnership === 'public') return true
  if (who === 'anonymous') return false
  if (who === 'site-admin') return true
  if (access === 'signed-in') return true
  if (access === 'site-admin') return false
  if (access === 'editor-anywhere') return who !== 'outsider' && ROLE_RANK[who] >= ROLE_RANK.editor
  if (access.partnership === 'public') return true
  return who !== 'outsider' && ROLE_RANK[who] >= ROLE_RANK[access.partnership]
}

// Parameters that name nothing, so that allowed requests change nothing (they answer 404 or 400).
const PARAMS: Record<string, string> = { entity: 'nothing', code: 'E99999999' }
function fill(url: string) {
  return url.replace(/:partnership\b/, slug).replace(/:([a-zA-Z]+)/g, (_, name) => PARAMS[name] ?? '999999')
}

test('every route has the access rule the specification gives it', () => {
  const declared = Object.fromEntries(t.app.accessRules.map((r) => [`${r.method} ${r.url}`, describeAccess(r.access)]))
  assert.deepEqual(declared, ROUTE_RULES)
})

test('every route allows or refuses each role as its rule says', async () => {
  const wrong: string[] = []
  for (const rule of t.app.accessRules) {
    if (rule.url === '/sign-out' || rule.url === '/sign-in') continue // these change the session itself; tested in platform tests
    for (const who of WHO) {
      const headers: Record<string, string> = {}
      const csrfCookie = 'c'.repeat(32)
      const cookies = [`safer_csrf=${csrfCookie}`]
      if (who !== 'anonymous') cookies.push(`safer_session=${await t.services.auth.startSession(userIds.get(who)!)}`)
      headers.cookie = cookies.join('; ')
      let payload: string | undefined
      if (rule.method !== 'GET') {
        headers['content-type'] = 'application/x-www-form-urlencoded'
        payload = `_csrf=${csrfTokenFor(t.services.secret, csrfCookie)}`
        if (rule.url.startsWith('/api/')) {
          headers['content-type'] = 'application/json'
          headers['x-csrf-token'] = csrfTokenFor(t.services.secret, csrfCookie)
          payload = '{}'
        }
      }
      const res = await t.app.inject({ method: rule.method as any, url: fill(rule.url), headers, payload })
      const refused = res.statusCode === 401 || res.statusCode === 403 || (res.statusCode === 303 && String(res.headers.location).startsWith('/sign-in'))
      const expected = allowed(rule.access, who)
      if (refused === expected) wrong.push(`${rule.method} ${rule.url} as ${who}: expected ${expected ? 'allowed' : 'refused'}, got ${res.statusCode}`)
      if (res.statusCode >= 500) wrong.push(`${rule.method} ${rule.url} as ${who}: server error ${res.statusCode} ${res.body.slice(0, 200)}`)
    }
  }
  assert.deepEqual(wrong, [])
})
