/**
 * Issue 8's security and robustness points (docs/security.md): each test is named 'security N: ...' after the point it
 * covers, and fails without its fix. Points 3, 6, 8, 9 and 10 are tested where they were fixed.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, makePartnership, makeUser, clientAs, Client, text, errorSummary, type TestApp } from './helpers.ts'
import fs from 'node:fs'
import path from 'node:path'
import { csrfTokenFor } from '../src/platform/session.ts'
import { systemActor } from '../src/platform/audit.ts'
import { testAppWithGeography, importFiles, FIXTURES, tempFiles, parseCsv, writeZip, snapshot } from './crime-helpers.ts'
import { postFiles } from './upload-helpers.ts'
import { toCsv } from '../src/platform/export.ts'
import { defineTable } from '../src/platform/tables.ts'

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
  await crimeApp?.close()
})

/** An app with the bundled geography, for the tests of crime imports (made once, when the first of them needs it). */
let crimeApp: TestApp | undefined
async function crime() {
  crimeApp ??= await testAppWithGeography()
  return crimeApp
}
const STREET = path.join(FIXTURES, '2019-01-west-mercia-street.csv')

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
    .replace(
      /:([a-zA-Z]+)/g,
      (_, name) => override[name] ?? ({ entity: 'nothing', code: 'E99999999' } as Record<string, string>)[name] ?? '999999',
    )
}

async function probe(
  c: Client,
  method: string,
  url: string,
  body?: { form?: Record<string, string>; json?: unknown },
  headers: Record<string, string> = {},
) {
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
    if (!json.errors || !pattern.test(JSON.stringify(json.errors)))
      return `${where}: JSON errors ${JSON.stringify(json.errors)} do not match ${pattern}`
    return undefined
  }
  const summary = errorSummary(res.body)
  if (!pattern.test(summary)) return `${where}: error summary "${summary}" does not match ${pattern}`
  return undefined
}

test("security 4: a NUL byte in any route's address, query or body, and integers no database holds, are a 400 with a clear message, never a 500; a malformed flash cookie is ignored", async () => {
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
    const body = (extra: Record<string, string> = {}) => (write ? (api ? { json: { ...extra } } : { form: { ...extra } }) : undefined)

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
      if (flashed.statusCode !== plain.statusCode)
        wrong.push(`${key} with a malformed flash cookie: ${flashed.statusCode}, without it ${plain.statusCode}`)
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
  const schema = Type.Object({
    n: Type.Integer({ title: 'Number', minimum: 1 }),
    x: Type.Optional(Type.Number({ title: 'Rate', maximum: 5 })),
  })
  boundNumbers(schema)
  assert.equal((schema.properties.n as any).minimum, 1)
  assert.equal((schema.properties.n as any).maximum, INT_MAX)
  assert.equal((schema.properties.x as any).maximum, 5)
  assert.throws(
    () => validate(schema, { n: 1e20 }),
    (e: any) => /Number is too large: it must be 2,147,483,647 or less/.test(e.fields.n),
  )
  assert.equal(validate(schema, { n: 2147483647 }).n, 2147483647)
})

// ---------------------------------------------------------------- 2

test('security 2: the Import page writes the name of whoever started the running import as text, never as HTML', async () => {
  const c = await crime()
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  const name = '<img src=x onerror=alert(1)> "Eve" & <b>co</b>'
  const running = c.services.crime.importPaths([STREET], { id: null, name }, 'command line', { replace: true, beforeCommit: () => held })
  try {
    for (let i = 0; i < 200 && !(await c.services.crime.runningImport()); i++) await new Promise((r) => setTimeout(r, 25))
    const editor = await clientAs(c, 'editor', (await makePartnership(c.services, { published: true })).id)
    const page = await editor.get('/crime/import')
    assert.equal(page.status, 200)
    assert.ok(!page.body.includes('<img src=x'), 'the name is not HTML')
    assert.ok(!page.body.includes('<b>co</b>'), 'the name is not HTML')
    assert.match(
      page.body,
      /started by &lt;img src=x onerror=alert\(1\)&gt; (&quot;|&#34;)Eve(&quot;|&#34;) &amp; &lt;b&gt;co&lt;\/b&gt;\)/,
    )
    assert.match(
      text(page.body),
      /An import is running \(started by <img src=x onerror=alert\(1\)> "Eve" & <b>co<\/b>\)\. See its progress/,
    )
  } finally {
    release()
    await running
  }
})

// ---------------------------------------------------------------- 5

test('security 5: a refusal whose text holds a NUL is recorded with the import, and the other files of the run are recorded as loaded', async () => {
  const c = await crime()
  const street = fs.readFileSync(STREET, 'utf8').replace('On or near Prospect Place', 'On or near Prospect Place (security 5)')
  const dir = tempFiles({})
  writeZip(dir.path('run.zip'), [
    { name: '2019-01-west-mercia-street.csv', data: Buffer.from(street) },
    { name: 'not\u0000police.csv', data: Buffer.from('a,b\n1,2\n') },
    { name: 'named\u0000oddly.csv', data: streetFor('2018-08').data },
  ])
  const { importId, results } = await importFiles(c, [dir.path('run.zip')])
  dir.remove()
  assert.deepEqual(results.map((r) => r.status).sort(), ['imported', 'imported', 'refused'])
  const run = await c.services.crime.importRun(importId)
  assert.equal(run.status, 'finished')
  assert.equal(run.results.length, 3, 'each file has its own result')
  // A file whose name holds a NUL is loaded, and its name recorded with the NUL shown as �.
  const coverage = (await c.services.crime.coverageTable('street')).find((r) => r.force === 'west-mercia' && r.month === '2018-08')!
  assert.equal(coverage.source_file, 'named\uFFFDoddly.csv in run.zip')
  const refused = run.results.find((r) => r.status === 'refused')!
  assert.match(refused.message!, /^not\uFFFDpolice\.csv in run\.zip is not a police\.uk file/)
  assert.equal(run.results.find((r) => r.status === 'imported' && r.month === '2019-01')!.rowsKept, 13)
  assert.equal(run.files_imported, 2)
  assert.equal(run.files_refused, 1)
  // The progress page and its JSON show both.
  const editor = await clientAs(c, 'editor', (await makePartnership(c.services, { published: true })).id)
  const page = text((await editor.get(`/crime/imports/${importId}`)).body)
  assert.match(page, /2 imported, 0 unchanged, 0 skipped, 1 refused/)
  assert.equal((await editor.get(`/api/v1/crime/imports/${importId}`)).json().results.length, 3)
})

test("security 5: text stored in a job's progress, result and error is made storable (a NUL or half a character)", async () => {
  const { jsonForDatabase, storableText } = await import('../src/platform/input.ts')
  assert.equal(storableText('a\u0000b'), 'a\uFFFDb')
  assert.equal(storableText('x\uD800y\uDC00z\uD83D\uDE00'), 'x\uFFFDy\uFFFDz\uD83D\uDE00')
  assert.deepEqual(JSON.parse(jsonForDatabase({ 'k\u0000': ['v\u0000', 1, null, { m: 'ok' }] })), {
    'k\uFFFD': ['v\uFFFD', 1, null, { m: 'ok' }],
  })
  // A job whose result and error hold NULs is recorded, not lost.
  const jobs = t.services.jobs
  jobs.define({ kind: 'test:security-5', title: () => 'Security 5', run: async () => ({ message: 'line 2: "\u0000"' }) })
  jobs.define({
    kind: 'test:security-5-fails',
    title: () => 'Security 5 fails',
    run: async () => {
      throw new Error('bad byte \u0000 here')
    },
  })
  const ok = await (await jobs.runNow('test:security-5', {}, { actor: systemActor, source: 'command line' })).finished
  assert.equal(ok.status, 'done')
  assert.deepEqual(ok.result, { message: 'line 2: "\uFFFD"' })
  const failed = await (await jobs.runNow('test:security-5-fails', {}, { actor: systemActor, source: 'command line' })).finished
  assert.equal(failed.status, 'failed')
  assert.equal(failed.error, 'bad byte \uFFFD here')
})

// ---------------------------------------------------------------- 13

/** The fixture's street records moved to another month (a force-month no other test uses), and the count police.uk's rules give. */
function streetFor(month: string, keep?: number) {
  const rows = parseCsv(
    fs
      .readFileSync(STREET, 'utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd(),
  )
  const [header, ...records] = rows
  const idCol = header.indexOf('Crime ID')
  const typeCol = header.indexOf('Crime type')
  let chosen = records.filter((r) => r[typeCol])
  if (keep !== undefined) {
    const seen = new Set<string>()
    chosen = chosen.filter((r) => r[idCol] && !seen.has(r[idCol]) && seen.add(r[idCol])).slice(0, keep)
  }
  const moved = chosen.map((r) => r.map((v, i) => (header[i] === 'Month' ? month : v)))
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  const csv = [header, ...moved].map((r) => r.map(quote).join(',')).join('\n') + '\n'
  // Records kept: each Crime ID once (records without one are each kept).
  const ids = moved.map((r) => r[idCol]).filter(Boolean)
  return { data: Buffer.from(csv), count: moved.length - (ids.length - new Set(ids).size) }
}

async function finishedRun(c: TestApp, id: number) {
  for (let i = 0; i < 400; i++) {
    const r = await c.services.crime.importRun(id)
    if (r.status !== 'running' && r.status !== 'queued') return r
    await new Promise((res) => setTimeout(res, 50))
  }
  throw new Error('the import did not finish')
}

const uploadsIn = (c: TestApp) => {
  const dir = path.join(c.config.dataDir, 'files/uploads')
  return fs.existsSync(dir) ? fs.readdirSync(dir) : []
}
const loadedCount = async (c: TestApp, month: string) =>
  (await c.services.crime.partitions()).find((p) => p.kind === 'street' && p.force === 'west-mercia' && p.month === month)?.rows_kept

test('security 13: replacing a loaded force-month from the Import page asks first, showing records before and after, and changes nothing until confirmed', async () => {
  const c = await crime()
  const month = '2018-03'
  const name = `${month}-west-mercia-street.csv`
  const full = streetFor(month)
  const small = streetFor(month, 3)
  assert.ok(full.count > small.count && small.count === 3)
  const dir = tempFiles({ [name]: full.data })
  await importFiles(c, [dir.path(name)], { replace: true })
  dir.remove()
  assert.equal(await loadedCount(c, month), full.count)
  const before = await snapshot(c)
  const editor = await clientAs(c, 'editor', (await makePartnership(c.services, { published: true })).id)
  const other = streetFor('2018-04')
  const upload = async () => {
    const res = await postFiles(c, editor, '/crime/import', 'files', [
      { filename: name, data: small.data },
      { filename: '2018-04-west-mercia-street.csv', data: other.data },
    ])
    assert.equal(res.status, 303, res.body)
    return Number(/\/crime\/imports\/(\d+)/.exec(String(res.headers.location))![1])
  }

  // Uploaded: the new force-month is imported at once; the loaded one waits, with its records before and after.
  const id = await upload()
  const run = await finishedRun(c, id)
  assert.equal(run.status, 'finished')
  const held = run.results.find((r) => r.status === 'held')!
  assert.deepEqual([held.force, held.month, held.rowsBefore, held.rowsKept], ['west-mercia', month, full.count, small.count])
  assert.equal(run.results.find((r) => r.month === '2018-04')!.status, 'imported')
  assert.equal(await loadedCount(c, month), full.count, 'nothing changed for the loaded force-month')
  const page = await editor.get(`/crime/imports/${id}`)
  const words = text(page.body)
  assert.match(words, /Replace data already loaded\?/)
  assert.match(words, new RegExp(`Street-level crime, west-mercia, March 2018 ${name} ${full.count} ${name} ${small.count}`))
  assert.match(words, /1 imported, 0 unchanged, 0 skipped, 0 refused, 1 waiting for confirmation/)
  assert.match(page.body, new RegExp(`action="/crime/imports/${id}/replace"`))

  // Keep what is loaded: nothing changes, the uploaded files go, and the choice cannot be made again.
  const kept = await editor.post(`/crime/imports/${id}/replace`, { action: 'cancel' })
  assert.equal(kept.status, 303)
  assert.equal(await loadedCount(c, month), full.count)
  const afterCancel = await snapshot(c)
  assert.deepEqual(
    afterCancel.parts.filter((p) => p.month === month),
    before.parts.filter((p) => p.month === month),
  )
  assert.deepEqual(uploadsIn(c), [])
  const again = await editor.post(`/crime/imports/${id}/replace`, { action: 'replace' })
  assert.equal(again.status, 400)
  assert.match(errorSummary(again.body), /no longer on the server/)
  assert.equal(await loadedCount(c, month), full.count)

  // Upload again and confirm: it is replaced, and the new import says what it replaced.
  const id2 = await upload()
  assert.equal((await finishedRun(c, id2)).results.find((r) => r.month === month)!.status, 'held')
  const confirmed = await editor.post(`/crime/imports/${id2}/replace`, { action: 'replace' })
  assert.equal(confirmed.status, 303)
  const id3 = Number(/\/crime\/imports\/(\d+)/.exec(String(confirmed.headers.location))![1])
  assert.notEqual(id3, id2)
  const replaced = (await finishedRun(c, id3)).results.find((r) => r.month === month)!
  assert.deepEqual(
    [replaced.status, replaced.replaced, replaced.rowsBefore, replaced.rowsKept],
    ['imported', true, full.count, small.count],
  )
  assert.equal(await loadedCount(c, month), small.count)
  assert.match(text((await editor.get(`/crime/imports/${id3}`)).body), new RegExp(`replaced what import ${id2} held`))
  assert.deepEqual(uploadsIn(c), [], 'the uploaded files are removed once used')
})

test('security 13: the command line replaces a loaded force-month and says so, with its records before and after', async () => {
  const c = await crime()
  const { summary } = await import('../src/crime/cli.ts')
  const month = '2018-05'
  const name = `${month}-west-mercia-street.csv`
  const full = streetFor(month)
  const small = streetFor(month, 2)
  const a = tempFiles({ [name]: full.data })
  const b = tempFiles({ [name]: small.data })
  await importFiles(c, [a.path(name)], { replace: true })
  const { results } = await importFiles(c, [b.path(name)])
  a.remove()
  b.remove()
  assert.equal(results[0].status, 'imported')
  assert.equal(results[0].rowsBefore, full.count)
  const out = summary(results)
  assert.match(
    out,
    new RegExp(
      `Replaced a force-month already loaded:\\n  street west-mercia ${month}: ${full.count} records from ${name}, now 2 from .*${name}`,
    ),
  )
})

// ---------------------------------------------------------------- 14

test('security 14: a file with a header and no records, or with bytes that are not text, is refused, and what was loaded stays', async () => {
  const c = await crime()
  const street = fs.readFileSync(STREET)
  const header = street.toString('utf8').split('\n')[0]
  await importFiles(c, [STREET], { replace: true })
  const before = await snapshot(c)
  const loaded = before.parts.find((p) => p.kind === 'street' && p.force === 'west-mercia' && p.month === '2019-01')!
  assert.ok(loaded.rows_kept > 0)
  const name = '2019-01-west-mercia-street.csv'
  const dir = tempFiles({
    [`header-only/${name}`]: `${header}\n`,
    [`no-newline/${name}`]: header,
    [`utf16/${name}`]: Buffer.from(street.toString('utf8'), 'utf16le'),
  })
  writeZip(dir.path('nul.zip'), [{ name, data: Buffer.concat([Buffer.from(`${header}\n`), Buffer.alloc(5000)]) }])
  writeZip(dir.path('nul-after-records.zip'), [{ name, data: Buffer.concat([street, Buffer.alloc(10)]) }])
  writeZip(dir.path('empty.zip'), [{ name, data: Buffer.from(`${header}\r\n`) }])
  const cases: [string, RegExp][] = [
    [dir.path('nul.zip'), /is not a text file: it has a zero \(NUL\) byte at byte [\d,]+/],
    [
      dir.path('nul-after-records.zip'),
      new RegExp(`is not a text file: it has a zero \\(NUL\\) byte at byte ${(street.length + 1).toLocaleString('en-GB')},`),
    ],
    [dir.path('empty.zip'), /has the police\.uk header but no records after it/],
    [dir.path(`header-only/${name}`), /has the police\.uk header but no records after it/],
    [dir.path(`no-newline/${name}`), /has the police\.uk header but no records after it/],
    [dir.path(`utf16/${name}`), /is not a police\.uk file|is not a text file/],
  ]
  for (const [file, message] of cases) {
    const { results } = await importFiles(c, [file])
    assert.equal(results.length, 1, file)
    assert.equal(results[0].status, 'refused', `${file}: ${results[0].message}`)
    assert.match(results[0].message!, message)
    if (!/utf16|no-newline/.test(file))
      assert.match(results[0].message!, /Nothing from it was saved, and the data already loaded for this force and month is unchanged\./)
    assert.deepEqual(await snapshot(c), before, `${file} changed what was loaded`)
  }
  dir.remove()
})

// ---------------------------------------------------------------- 7

test("security 7: public coverage data (crime and geography, page, JSON and CSV) shows each file's name and date, not who imported it or where the file was", async () => {
  const c = await crime()
  const dir = tempFiles({ 'deep/server/folder/2019-01-west-mercia-street.csv': fs.readFileSync(STREET) })
  const importer = 'Imogen Importer-Staffname'
  await c.services.crime.importPaths(
    [dir.path('deep/server/folder/2019-01-west-mercia-street.csv')],
    { id: null, name: importer },
    'command line',
    {
      replace: true,
    },
  )
  dir.remove()
  const staffOnly = [importer, 'deep/server/folder', dir.dir, '/work/', 'imported_by', 'test importer']
  const anon = new Client(c)
  const editor = await clientAs(c, 'editor', (await makePartnership(c.services, { published: true })).id)
  for (const who of [anon, editor]) {
    for (const url of [
      '/api/v1/crime/coverage',
      '/api/v1/crime/coverage?format=csv',
      '/crime/coverage',
      '/crime/coverage?format=csv',
      '/crime/coverage?format=json',
      '/geography',
      '/geography?format=json',
      '/geography?format=csv',
    ]) {
      const res = await who.get(url)
      assert.equal(res.status, 200, url)
      for (const s of staffOnly) assert.ok(!res.body.includes(s), `${url} shows "${s}"`)
    }
    const json = (await who.get('/api/v1/crime/coverage')).json()
    const row = json.find((r: any) => r.force === 'west-mercia' && r.month === '2019-01' && r.kind === 'street')
    assert.equal(row.source_file, '2019-01-west-mercia-street.csv')
    assert.ok(!Number.isNaN(Date.parse(row.imported_at)))
    const geo = (await who.get('/geography?format=json')).json()
    assert.ok(geo.length > 0)
    for (const d of geo) {
      assert.ok(!('imported_by' in d))
      assert.ok(!d.source_file.includes('/'), d.source_file)
    }
    assert.match(text((await who.get('/crime/coverage')).body), /2019-01-west-mercia-street\.csv/)
  }
  // Site administrators still see where the file was and who imported it.
  const admin = await clientAs(c, 'site-admin')
  const staff = (await admin.get('/api/v1/crime/coverage'))
    .json()
    .find((r: any) => r.force === 'west-mercia' && r.kind === 'street' && r.month === '2019-01')
  assert.equal(staff.imported_by, importer)
  assert.match(staff.source_file, /deep\/server\/folder\/2019-01-west-mercia-street\.csv$/)
  assert.match(text((await admin.get('/crime/coverage')).body), new RegExp(importer))
  assert.ok((await admin.get('/geography?format=json')).json().every((d: any) => 'imported_by' in d))
})

// ---------------------------------------------------------------- 11

test('security 11: heavy pages are limited per address for people not signed in (429, a GOV.UK page, Retry-After); light pages and signed-in staff are not', async () => {
  const limit = 6
  const c = await testAppWithGeography({ heavyRequestsPerMinute: limit })
  try {
    const get = (url: string, ip: string, cookie?: string) =>
      c.app.inject({ method: 'GET', url, remoteAddress: ip, headers: cookie ? { cookie } : {} })
    // Area pages for different periods (nothing cached can answer them), then the counts API: one limit for them all.
    const months = ['2018-01', '2018-02', '2018-03', '2018-04']
    const heavy = [
      ...months.map((m) => `/crime/areas/E07000237?from=${m}&to=2019-01`),
      '/api/v1/crime/counts?area=E07000237&group=month',
      '/crime/areas/west-mercia?from=2018-06&to=2019-01',
    ]
    assert.equal(heavy.length, limit)
    for (const url of heavy) {
      const res = await get(url, '203.0.113.7')
      assert.equal(res.statusCode, 200, `${url}: ${res.statusCode}`)
    }
    const page = await get('/crime/areas/E07000237?from=2018-05&to=2019-01', '203.0.113.7')
    assert.equal(page.statusCode, 429)
    const wait = Number(page.headers['retry-after'])
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${page.headers['retry-after']}`)
    assert.match(page.headers['content-type'] as string, /text\/html/)
    assert.match(page.body, /govuk-template/)
    assert.match(text(page.body), new RegExp(`Too many requests.*Wait ${wait} seconds?, then try again`))
    const api = await get('/api/v1/crime/counts?area=E07000237&group=month&from=2018-07', '203.0.113.7')
    assert.equal(api.statusCode, 429)
    assert.match(api.json().message, /Wait \d+ seconds?, then try again/)
    assert.ok(api.headers['retry-after'])
    // A PDF is heavy wherever it is asked for.
    assert.equal((await get('/partnerships/nowhere/agreement/versions/1/print?format=pdf', '203.0.113.7')).statusCode, 429)
    // Light pages still answer the same address; another address has its own limit.
    for (const url of ['/', '/crime', '/partnerships', '/crime/coverage', '/organisations', '/geography'])
      assert.equal((await get(url, '203.0.113.7')).statusCode, 200, url)
    assert.equal((await get(heavy[0], '198.51.100.2')).statusCode, 200)
    // Signed-in staff from the same address are not limited.
    const editor = await clientAs(c, 'editor', (await makePartnership(c.services, { published: true })).id)
    const cookie = [...editor.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    for (let i = 0; i < limit * 2; i++) {
      const res = await get(`/crime/areas/E07000237?from=2017-${String((i % 12) + 1).padStart(2, '0')}&to=2019-01`, '203.0.113.7', cookie)
      assert.equal(res.statusCode, 200)
    }
    // A burst of requests at once: exactly the limit is answered, the rest refused.
    const burst = await Promise.all(
      Array.from({ length: limit + 3 }, (_, i) => get(`/crime/areas/E07000237?from=2016-0${(i % 9) + 1}&to=2019-01`, '198.51.100.77')),
    )
    assert.deepEqual(burst.map((r) => r.statusCode).sort(), [...Array(limit).fill(200), ...Array(3).fill(429)])
    // What the public gets may be cached for a minute; what a signed-in person gets is not marked public.
    const fresh = await get(heavy[0], '192.0.2.9')
    assert.equal(fresh.headers['cache-control'], 'public, max-age=60')
    assert.notEqual((await get(heavy[0], '203.0.113.7', cookie)).headers['cache-control'], 'public, max-age=60')
  } finally {
    await c.close()
  }
})

test('security 11: the limit is a window of a minute per address: the next minute starts afresh, and Retry-After counts down to it', async () => {
  const { windowCounter } = await import('../src/platform/heavy.ts')
  let now = 1_000_000
  const count = windowCounter(2, 60_000, () => now)
  assert.deepEqual([count('a').allowed, count('a').allowed, count('a').allowed, count('b').allowed], [true, true, false, true])
  now += 45_000
  assert.deepEqual(count('a'), { allowed: false, retryAfterSeconds: 15 })
  now += 15_000
  assert.equal(count('a').allowed, true)
})

// ---------------------------------------------------------------- 12

test("security 12: an organisation several partnerships use is changed only by site administrators or an administrator of each; one partnership's editors change only their own", async () => {
  const [a, b] = [await makePartnership(t.services, { published: true }), await makePartnership(t.services, { published: true })]
  const org = async (name: string) =>
    t.services.organisations.create({ name: `${name} ${Date.now()}`, type: 'county council' }, systemActor)
  const shared = await org('Shared County Council')
  const own = await org('Own District Council')
  const unused = await org('Unused Council')
  await t.services.governance.create(a.id, { name: 'Board A', type: 'board', chairOrganisationId: shared.id }, systemActor)
  const bodyB = await t.services.governance.create(b.id, { name: 'Board B', type: 'board' }, systemActor)
  await t.services.governance.addMember(bodyB.id, { organisationId: shared.id, role: 'member' }, systemActor)
  await t.services.governance.create(a.id, { name: 'Group A', type: 'sub-group', chairOrganisationId: own.id }, systemActor)
  assert.deepEqual(
    await t.services.organisations.partnershipsUsing(shared.id),
    [a.id, b.id].sort((x, y) => x - y),
  )

  const editorA = await clientAs(t, 'editor', a.id)
  const adminA = await clientAs(t, 'admin', a.id)
  const adminBoth = await clientAs(t, 'admin', a.id)
  await t.services.partnerships.grantRole((adminBoth as any).user.id, b.id, 'admin', systemActor)
  const editorB = await clientAs(t, 'editor', b.id)
  const siteAdmin = await clientAs(t, 'site-admin')

  const rename = async (c: Client, o: { id: number }, name: string) => {
    const current = await t.services.organisations.get(o.id)
    return c.post(`/organisations/${o.id}/edit`, { name, type: current.type, version: current.version })
  }
  // The shared one: refused to an editor of one of them and to an administrator of only one, page and API alike.
  for (const c of [editorA, adminA, editorB]) {
    const before = await t.services.organisations.get(shared.id)
    const res = await rename(c, shared, 'Renamed by one partnership')
    assert.equal(res.status, 403)
    assert.match(
      text(res.body),
      /shared by 2 partnerships.*Only a site administrator, or someone who is an administrator of every one of those partnerships, can change it/,
    )
    assert.equal((await c.get(`/organisations/${shared.id}/edit`)).status, 403)
    const api = await c.request('PUT', `/api/v1/organisations/${shared.id}`, {
      json: { name: 'Renamed by API', type: before.type, version: before.version },
    })
    assert.equal(api.status, 403)
    assert.deepEqual(await t.services.organisations.get(shared.id), before, 'nothing changed')
    assert.ok(!(await c.get(`/organisations/${shared.id}`)).body.includes(`/organisations/${shared.id}/edit`), 'no Change button')
  }
  // An administrator of both, and a site administrator, may.
  assert.equal((await rename(adminBoth, shared, `Shared renamed by both ${Date.now()}`)).status, 303)
  assert.ok((await adminBoth.get(`/organisations/${shared.id}`)).body.includes(`/organisations/${shared.id}/edit`))
  assert.equal((await rename(siteAdmin, shared, `Shared renamed by site admin ${Date.now()}`)).status, 303)
  // One partnership's own organisation: its editors may, another partnership's editors may not.
  assert.equal((await rename(editorB, own, 'Taken over by B')).status, 403)
  assert.equal((await rename(editorA, own, `Own renamed by A ${Date.now()}`)).status, 303)
  // One no partnership uses: any editor.
  assert.equal((await rename(editorB, unused, `Unused renamed by B ${Date.now()}`)).status, 303)
  // A priority lead counts as a use too.
  const leadOnly = await org('Lead Only Police')
  const v = await t.services.agreement.createVersion(b.id, { title: 'Agreement' }, systemActor)
  await t.services.agreement.addPriority(v.id, { number: 1, title: 'Serious violence', leadIds: [leadOnly.id] }, systemActor)
  assert.deepEqual(await t.services.organisations.partnershipsUsing(leadOnly.id), [b.id])
  assert.equal((await rename(editorA, leadOnly, 'Taken over by A')).status, 403)
})

// ---------------------------------------------------------------- 15

test('security 15: CSV cells that a spreadsheet could read as a formula, after a line break, tab or spaces, are written as text', () => {
  const values = [
    '\n=1+1',
    '\r+cmd|x',
    '\r\n-2+3',
    '\n@SUM(A1)',
    '\t=x',
    '\r=x',
    ' =HYPERLINK("x")',
    '\u00a0+1',
    '=1',
    '+1',
    '-1',
    '@x',
    'plain',
    'a=b',
    '',
  ]
  const table = defineTable<{ v: unknown }>([{ key: 'value', header: 'Value', value: (r) => r.v }])
  const csv = toCsv([...values.map((v) => ({ v })), { v: -5 }, { v: 3.5 }], table)
  const cells = parseCsv(csv.replace(/\r\n$/, ''))
    .slice(1)
    .map((r) => r[0])
  // A spreadsheet reads text as a formula when, after any spaces and line breaks, it starts with = + - @ (or starts with a tab or CR).
  const risky = (s: string) => /^[\t\r]/.test(s) || /^[=+\-@]/.test(s.replace(/^[\s\u00a0]+/, ''))
  values.forEach((v, i) => {
    if (risky(v)) assert.equal(cells[i], `'${v}`, JSON.stringify(v))
    else assert.equal(cells[i], v, JSON.stringify(v))
  })
  assert.equal(cells[values.length], '-5', 'numbers are numbers')
  assert.equal(cells[values.length + 1], '3.5')
})

test('security 15: a refused header of 100,000 columns is reported with its true count', async () => {
  const c = await crime()
  const header = Array.from({ length: 100_000 }, (_, i) => `Column ${i + 1}`).join(',')
  const dir = tempFiles({ '2019-01-west-mercia-street.csv': `${header}\n${'x,'.repeat(99_999)}x\n` })
  const { results } = await importFiles(c, [dir.path('2019-01-west-mercia-street.csv')])
  dir.remove()
  assert.equal(results.length, 1)
  assert.equal(results[0].status, 'refused')
  assert.match(results[0].message!, /these 100,000 columns: "Column 1", "Column 2", .*"Column 20" and 99,980 more\./)
  assert.ok(results[0].message!.length < 2000, 'the message lists the first columns, not all of them')
})

void makeUser
void csrfTokenFor
void writeZip
void snapshot
void postFiles
