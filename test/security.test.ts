/**
 * Issue 8's security and robustness points (docs/security.md): each test is named 'security N: ...' after the point it
 * covers, and fails without its fix. Points 3, 6, 8, 9 and 10 are tested where they were fixed.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, makePartnership, makeUser, clientAs, Client, text, errorSummary, type TestApp } from './helpers.ts'
import { csrfTokenFor } from '../src/platform/session.ts'
import { systemActor } from '../src/platform/audit.ts'

let t: TestApp
/** The schema of each route, as the app validates it (recorded by a test-only hook as requests arrive). */
const schemas = new Map<string, Record<string, any> | undefined>()
before(async () => {
  t = await testApp(
    {},
    {
      beforeReady: (app) =>
        app.addHook('onResponse', async (request) => {
          const url = request.routeOptions.url
          if (url) schemas.set(`${request.method} ${url}`, request.routeOptions.schema as Record<string, any> | undefined)
        }),
    },
  )
})
after(async () => {
  await t.close()
})

// ---------------------------------------------------------------- 1

test('security 1: a 404 under an unpublished partnership says nothing about it to anyone who may not see it', async () => {
  const name = `Hidden Partnership ${Date.now()}`
  const p = await makePartnership(t.services, { name, published: false })
  await t.services.governance.create(p.id, { name: 'Safer Communities Board', type: 'board' }, systemActor)
  const member = await clientAs(t, 'viewer', p.id)
  const urls = [
    `/partnerships/${p.slug}`,
    `/partnerships/${p.slug}/bodies/no-such-body`,
    `/partnerships/${p.slug}/governance`,
    `/partnerships/${p.slug}/agreement`,
    `/partnerships/${p.slug}/no-such-page`,
    `/partnerships/${p.slug}/settings`,
  ]
  for (const who of ['anonymous', 'outsider', 'editor elsewhere'] as const) {
    const c =
      who === 'anonymous'
        ? new Client(t)
        : who === 'outsider'
          ? await clientAs(t, 'outsider')
          : await clientAs(t, 'editor', (await makePartnership(t.services, { published: true })).id)
    for (const url of urls) {
      const res = await c.get(url)
      assert.equal(res.status, 404, `${url} as ${who}`)
      assert.ok(!res.body.includes(name), `${url} as ${who} names the partnership`)
      assert.ok(!res.body.includes(`/partnerships/${p.slug}"`), `${url} as ${who} links to the partnership`)
      assert.match(res.body, /<title>Page not found – Safer<\/title>/)
    }
  }
  // Its members still see it: the same missing body names it in the navigation.
  const res = await member.get(`/partnerships/${p.slug}/bodies/no-such-body`)
  assert.equal(res.status, 404)
  assert.ok(res.body.includes(name))
})

// ---------------------------------------------------------------- 4

const BAD_INTEGERS = ['99999999999999999999', '-99999999999999999999', '1e309', 'Infinity', '-Infinity', 'NaN']

/** Every route with its parameters filled (names that name nothing), as site administrator (so the access rule lets it in). */
function fill(url: string, slug: string, override: Record<string, string> = {}) {
  return url
    .replace(/:partnership\b/, override.partnership ?? slug)
    .replace(/:([a-zA-Z]+)/g, (_, name) => override[name] ?? ({ entity: 'nothing', code: 'E99999999' } as Record<string, string>)[name] ?? '999999')
}

async function probe(c: Client, method: string, url: string, body?: { form?: Record<string, string>; json?: unknown }, headers: Record<string, string> = {}) {
  return c.request(method, url, { ...body, headers })
}

/** A 400 that says what was wrong: the GOV.UK error summary on a page, or a JSON problem with field errors. */
function clear400(res: { status: number; body: string }, apiRoute: boolean, pattern: RegExp, where: string): string | undefined {
  if (res.status !== 400) return `${where}: expected 400, got ${res.status} ${res.body.slice(0, 120)}`
  if (apiRoute) {
    let json: any
    try {
      json = JSON.parse(res.body)
    } catch {
      return `${where}: 400 is not JSON`
    }
    if (!json.errors || !pattern.test(JSON.stringify(json.errors))) return `${where}: JSON errors ${JSON.stringify(json.errors)} do not match ${pattern}`
    return undefined
  }
  const summary = errorSummary(res.body)
  if (!pattern.test(summary)) return `${where}: error summary "${summary}" does not match ${pattern}`
  return undefined
}

test('security 4: a NUL byte in any route\'s address, query or body, and integers no database holds, are a 400 with a clear message, never a 500; a malformed flash cookie is ignored', async () => {
  const p = await makePartnership(t.services, { published: true })
  await t.services.governance.create(p.id, { name: 'Safer Communities Board', type: 'board' }, systemActor)
  const admin = await clientAs(t, 'site-admin')
  const wrong: string[] = []
  const nul = /NUL character/
  for (const rule of t.app.accessRules) {
    if (rule.url === '/sign-out') continue // ends the session this test uses
    const api = rule.url.startsWith('/api/') || rule.url === '/health'
    const url = fill(rule.url, p.slug)
    const key = `${rule.method} ${rule.url}`
    const write = rule.method !== 'GET'
    const body = (extra: Record<string, string> = {}) =>
      write ? (api ? { json: { ...extra } } : { form: { ...extra } }) : undefined

    // A NUL in each path parameter, or in the query.
    const params = [...rule.url.matchAll(/:([a-zA-Z]+)/g)].map((m) => m[1])
    for (const name of params) {
      const res = await probe(admin, rule.method, fill(rule.url, p.slug, { [name]: `x%00y` }), body())
      const problem = clear400(res, api, nul, `${key} with a NUL in :${name}`)
      if (problem) wrong.push(problem)
    }
    const q = await probe(admin, rule.method, `${url}?format=%00&q=a%00`, body())
    const qp = clear400(q, api, nul, `${key} with a NUL in the query`)
    if (qp) wrong.push(qp)

    // A NUL in a field of the body (a form field for pages, a JSON string for the API).
    if (write) {
      const res = await probe(admin, rule.method, url, body({ name: 'a\u0000b', title: 'x\u0000' }))
      const problem = clear400(res, api, nul, `${key} with a NUL in the body`)
      if (problem) wrong.push(problem)
    }

    // Integers no database holds, in each parameter that names a record by number, and in the query's numbers.
    const schema = schemas.get(key)
    for (const name of params) {
      const type = schema?.params?.properties?.[name]?.type
      for (const bad of BAD_INTEGERS) {
        const res = await probe(admin, rule.method, fill(rule.url, p.slug, { [name]: encodeURIComponent(bad) }), body())
        if (res.status >= 500) wrong.push(`${key} with :${name}=${bad}: ${res.status}`)
        else if (type === 'integer') {
          const problem = clear400(res, api, /whole number|must be|too large|too small/, `${key} with :${name}=${bad}`)
          if (problem) wrong.push(problem)
        }
      }
    }
    for (const [name, prop] of Object.entries<any>(schema?.querystring?.properties ?? {})) {
      const numeric = [prop.type, ...(prop.anyOf ?? []).map((s: any) => s.type)].some((x) => x === 'integer' || x === 'number')
      if (!numeric) continue
      for (const bad of BAD_INTEGERS) {
        const res = await probe(admin, rule.method, `${url}?${name}=${encodeURIComponent(bad)}`, body())
        const problem = clear400(res, api, /whole number|number|must be|too large|too small/, `${key} with ?${name}=${bad}`)
        if (problem) wrong.push(problem)
      }
    }

    // A flash cookie that Safer did not write (it cannot be decoded) is ignored: the page answers as it would without it.
    if (!write) {
      const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
      const plain = await t.app.inject({ method: 'GET', url, headers: { cookie } })
      const flashed = await t.app.inject({ method: 'GET', url, headers: { cookie: `${cookie}; safer_flash=%25E0%25A4%25A` } })
      if (flashed.statusCode !== plain.statusCode) wrong.push(`${key} with a malformed flash cookie: ${flashed.statusCode}, without it ${plain.statusCode}`)
    }
  }
  assert.deepEqual(wrong, [])
  assert.ok(schemas.size > 50, 'the walk reached the routes')
})

test('security 4: a NUL in a session cookie, a form posted by a browser or a JSON body stores nothing and names the field', async () => {
  const editor = await clientAs(t, 'site-admin')
  const before = (await t.services.organisations.list()).length
  const form = await editor.post('/organisations/new', { name: 'Council\u0000', type: 'county council' })
  assert.equal(form.status, 400)
  assert.match(errorSummary(form.body), /“name” contains a NUL character/)
  const json = await editor.request('POST', '/api/v1/organisations', { json: { name: 'Council\u0000', type: 'county council' } })
  assert.equal(json.status, 400)
  assert.match(json.json().errors.name, /NUL character/)
  assert.equal((await t.services.organisations.list()).length, before)
  // A session cookie with a NUL is no session: the page answers as for anyone signed out, not 500.
  const res = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: 'safer_session=abc%00def' } })
  assert.equal(res.statusCode, 303)
  assert.match(String(res.headers.location), /^\/sign-in/)
  const token = await t.app.inject({ method: 'GET', url: '/api/v1/partnerships', headers: { authorization: 'Bearer safer_\u0000x' } })
  assert.ok(token.statusCode < 500, String(token.statusCode))
  // A real flash message still shows (the fix ignores only what cannot be decoded).
  const c = await clientAs(t, 'site-admin')
  const added = await c.post('/organisations/new', { name: `Flash Council ${Date.now()}`, type: 'county council' })
  assert.equal(added.status, 303)
  assert.match(text((await c.get(added.headers.location)).body), /Flash Council \d+ added/)
})

test('security 4: bounds given to schemas keep their own where they had them, and say what is wrong', async () => {
  const { boundNumbers, validate, INT_MAX } = await import('../src/platform/validation.ts')
  const { Type } = await import('@sinclair/typebox')
  const schema = Type.Object({ n: Type.Integer({ title: 'Number', minimum: 1 }), x: Type.Optional(Type.Number({ title: 'Rate', maximum: 5 })) })
  boundNumbers(schema)
  assert.equal((schema.properties.n as any).minimum, 1)
  assert.equal((schema.properties.n as any).maximum, INT_MAX)
  assert.equal((schema.properties.x as any).maximum, 5)
  assert.throws(() => validate(schema, { n: 99999999999999999999 }), (e: any) => /Number is too large: it must be 2,147,483,647 or less/.test(e.fields.n))
  assert.equal(validate(schema, { n: 2147483647 }).n, 2147483647)
})

void makeUser
void csrfTokenFor
