/**
 * Test helpers: a real, migrated database per test file (PGlite by default; a fresh database on the
 * PostgreSQL server when SAFER_TEST_DATABASE_URL is set), the real app driven in-process with
 * fastify.inject, and a small browser-like client that keeps cookies and sends CSRF tokens.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { openPglite, openPostgres, type Db } from '../src/platform/db/index.ts'
import { findMigrations, migrate } from '../src/platform/db/migrate.ts'
import { loadConfig, type Config } from '../src/config.ts'
import { services as buildServices, type Services } from '../src/services.ts'
import { buildApp } from '../src/app.ts'
import { csrfTokenFor, CSRF_COOKIE, SESSION_COOKIE } from '../src/platform/session.ts'
import type { Role } from '../src/platform/auth/service.ts'
import { systemActor } from '../src/platform/audit.ts'

export const PASSWORD = 'correct horse battery'

/** A new, empty database on the PostgreSQL server at `serverUrl`; `drop()` removes it. */
export async function createServerDatabase(serverUrl: string, prefix = 'safer_test') {
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: serverUrl })
    await c.connect()
    try {
      await c.query(sql)
    } finally {
      await c.end()
    }
  }
  await run(`CREATE DATABASE ${name}`)
  const u = new URL(serverUrl)
  u.pathname = `/${name}`
  return { url: u.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

/** A migrated database of its own for this test file. */
export async function testDb(): Promise<Db> {
  if (process.env.SAFER_TEST_NO_DATABASE)
    throw new Error('A unit test (*.unit.test.ts) may not open a database: move this test to a *.test.ts file')
  const serverUrl = process.env.SAFER_TEST_DATABASE_URL
  if (serverUrl) {
    const created = await createServerDatabase(serverUrl)
    const db = await openPostgres(created.url, 5)
    await migrate(db)
    const close = db.close.bind(db)
    db.close = async () => {
      await close()
      await created.drop()
    }
    return db
  }
  return openPglite(undefined, await pgliteTemplate())
}

/** A migrated PGlite data directory, built once per set of migrations and cloned by each test file (≈1 s instead of ≈4 s). */
async function pgliteTemplate(): Promise<Blob> {
  const migrations = findMigrations()
  const hash = crypto
    .createHash('sha256')
    .update(migrations.map((m) => m.id + m.sql).join('\n'))
    .digest('hex')
    .slice(0, 16)
  const file = path.join(os.tmpdir(), `safer-pglite-template-${hash}.tar.gz`)
  if (!fs.existsSync(file)) {
    const db = await openPglite()
    await migrate(db, migrations)
    const dump = await (db as unknown as { pglite: { dumpDataDir(compression: 'gzip'): Promise<Blob> } }).pglite.dumpDataDir('gzip')
    const tmp = `${file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()))
    fs.renameSync(tmp, file)
    await db.close()
  }
  return new Blob([fs.readFileSync(file)])
}

export interface TestApp {
  app: FastifyInstance
  services: Services
  db: Db
  config: Config
  close(): Promise<void>
}

/** A data folder of its own (for the crime store), removed by `remove()`. */
export function testDataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-test-data-'))
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/**
 * The real app on a database of its own. `beforeReady` may add test-only hooks to the app before it starts
 * (the authorisation matrix marks the requests that got past the access rules).
 */
export async function testApp(
  overrides: Partial<Config> = {},
  opts: { beforeReady?: (app: FastifyInstance) => void } = {},
): Promise<TestApp> {
  const db = await testDb()
  const data = testDataDir()
  const config = loadConfig(
    {},
    {
      logLevel: 'silent',
      secureCookies: true,
      signInAttemptsPerWindow: 1000,
      // Tests ask for many heavy pages from one address; test/security.test.ts sets a limit to test it.
      heavyRequestsPerMinute: 0,
      dataDir: data.dir,
      duckdbMemory: '512MB',
      ...overrides,
    },
  )
  const services = await buildServices(db, config)
  const app = await buildApp({ config, services })
  opts.beforeReady?.(app)
  await app.ready()
  return {
    app,
    services,
    db,
    config,
    close: async () => {
      await app.close()
      await services.analytics.close()
      await db.close()
      data.remove()
    },
  }
}

let counter = 0
export function unique(prefix = 'x') {
  counter += 1
  return `${prefix}-${process.pid}-${counter}`
}

/** A partnership, made as the web page makes one (so with what every capability sets up for a new partnership). */
export async function makePartnership(services: Services, opts: { slug?: string; name?: string; published?: boolean } = {}) {
  const slug = opts.slug ?? unique('p')
  return services.partnerships.create({ slug, name: opts.name ?? `Partnership ${slug}`, published: opts.published ?? false }, systemActor)
}

/** An account, optionally with a role in one partnership. */
export async function makeUser(
  services: Services,
  opts: { role?: Role; partnershipId?: number; siteAdmin?: boolean; organisationId?: number; name?: string } = {},
) {
  const email = `${unique(opts.role ?? (opts.siteAdmin ? 'siteadmin' : 'user'))}@example.test`
  const user = await services.auth.createUser({
    email,
    name: opts.name ?? `Test ${opts.role ?? 'user'}`,
    password: PASSWORD,
    siteAdmin: opts.siteAdmin ?? false,
    organisationId: opts.organisationId,
  })
  if (opts.role && opts.partnershipId) await services.partnerships.grantRole(user.id, opts.partnershipId, opts.role, systemActor)
  return { ...user, email }
}

export interface Response {
  status: number
  body: string
  // Tests read headers and JSON bodies loosely (res.headers.location, res.json().errors.name): `any` on purpose here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  headers: Record<string, any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json<T = any>(): T
}

/** A browser stand-in: keeps cookies, adds the CSRF token to every form it posts. */
export class Client {
  cookies = new Map<string, string>()
  constructor(private t: TestApp) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private keep(res: LightMyRequestResponse) {
    for (const c of res.cookies ?? []) {
      if (c.value === '' || (c.maxAge !== undefined && c.maxAge <= 0) || (c.expires && new Date(c.expires) < new Date()))
        this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
  }

  csrf() {
    const c = this.cookies.get(CSRF_COOKIE)
    // The token is tied to the session as well as the CSRF cookie (security 6).
    return c ? csrfTokenFor(this.t.services.secret, c, this.cookies.get(SESSION_COOKIE) ?? '') : ''
  }

  async request(
    method: string,
    url: string,
    opts: { form?: Record<string, unknown>; json?: unknown; headers?: Record<string, string>; noCsrf?: boolean } = {},
  ): Promise<Response> {
    if (method !== 'GET' && !this.cookies.has(CSRF_COOKIE)) await this.get('/sign-in')
    const headers: Record<string, string> = { cookie: this.cookieHeader(), ...(opts.headers ?? {}) }
    let payload: string | undefined
    if (opts.form) {
      const body = new URLSearchParams()
      for (const [k, v] of Object.entries(opts.form)) {
        if (Array.isArray(v)) v.forEach((x) => body.append(k, String(x)))
        else if (v !== undefined && v !== null) body.append(k, String(v))
      }
      if (!opts.noCsrf && !body.has('_csrf')) body.append('_csrf', this.csrf())
      payload = body.toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    } else if (opts.json !== undefined) {
      payload = JSON.stringify(opts.json)
      headers['content-type'] = 'application/json'
      if (!opts.noCsrf) headers['x-csrf-token'] = this.csrf()
    } else if (method !== 'GET' && !opts.noCsrf) {
      headers['x-csrf-token'] = this.csrf()
    }
    const res = await this.t.app.inject({ method: method as InjectOptions['method'], url, headers, payload })
    this.keep(res)
    return { status: res.statusCode, body: res.body, headers: res.headers, json: () => JSON.parse(res.body) }
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, { headers })
  }
  post(url: string, form: Record<string, unknown> = {}) {
    return this.request('POST', url, { form })
  }

  async signIn(email: string, password = PASSWORD) {
    const res = await this.post('/sign-in', { email, password })
    if (res.status !== 303) throw new Error(`Sign-in failed for ${email}: ${res.status}`)
    return this
  }
}

/** An account made by makeUser. */
export type TestUser = Awaited<ReturnType<typeof makeUser>>

/** A signed-in client for a new user with this role in the partnership (with its user), or a signed-out one. */
export async function clientAs(
  t: TestApp,
  role: Role | 'site-admin' | 'outsider',
  partnershipId?: number,
  extra?: { organisationId?: number },
): Promise<Client & { user: TestUser }>
export async function clientAs(
  t: TestApp,
  role: Role | 'site-admin' | 'anonymous' | 'outsider',
  partnershipId?: number,
  extra?: { organisationId?: number },
): Promise<Client & { user?: TestUser }>
export async function clientAs(
  t: TestApp,
  role: Role | 'site-admin' | 'anonymous' | 'outsider',
  partnershipId?: number,
  extra: { organisationId?: number } = {},
): Promise<Client & { user?: TestUser }> {
  const c = new Client(t)
  if (role === 'anonymous') return c
  const user =
    role === 'site-admin'
      ? await makeUser(t.services, { siteAdmin: true })
      : role === 'outsider'
        ? await makeUser(t.services)
        : await makeUser(t.services, { role, partnershipId, ...extra })
  await c.signIn(user.email)
  return Object.assign(c, { user })
}

/** The base address the email tests give the app (SAFER_BASE_URL), so links in messages can be found. */
export const TEST_BASE_URL = 'https://safer.example.org'

/** Messages in the outbox to this address, newest first. */
export async function emailsTo(t: TestApp, address: string) {
  return (await t.services.outbox.list({ limit: 1000 })).filter((m) => m.to_address === address.toLowerCase())
}

/** The path of the first link to TEST_BASE_URL in a message's text whose path starts with `pathStart`. */
export function linkIn(body: string, pathStart = '/') {
  const m = body.match(new RegExp(`${TEST_BASE_URL.replace(/[.]/g, '\\.')}(${pathStart}\\S*)`))
  if (!m) throw new Error(`No link to ${TEST_BASE_URL}${pathStart} in: ${body}`)
  return m[1]
}

/** The text of the GOV.UK error summary on a page, or '' if there is none. */
export function errorSummary(html: string) {
  const m = html.match(/<div class="govuk-error-summary"[\s\S]*?<\/div>\s*<\/div>/)
  return m
    ? m[0]
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
    : ''
}

/** Visible text of an HTML page, tags removed and entities decoded. */
export function text(html: string) {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
}
