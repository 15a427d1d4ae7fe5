/**
 * Who is asking: a session cookie (browsers) or an API token (scripts, `Authorization: Bearer safer_...`).
 * Sessions live in the database, so any number of app servers can answer the same user.
 *
 * CSRF: every browser gets a random `safer_csrf` cookie; forms carry HMAC(secret, cookie + session) in `_csrf`
 * (or the `x-csrf-token` header). A forged cross-site form cannot read the cookies, so cannot make the
 * token. The token is tied to the session (security 6): a token made before signing in, or for another
 * session, is refused; and the `safer_csrf` cookie itself is replaced at sign-in and sign-out, so a value
 * planted in a browser before sign-in is worth nothing after. Requests authenticated by an API token carry
 * no cookies and need no CSRF token. This is the signed double-submit pattern; we write it here rather
 * than take @fastify/csrf-protection because that plugin expects its own session store.
 *
 * Every answer to a signed-in request (a session or an API token) says `Cache-Control: no-store`
 * (security 10): pages, downloads and API answers for a signed-in user are kept in no cache.
 */
import crypto from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import cookie from '@fastify/cookie'
import type { AuthService, User } from './auth/service.ts'
import type { Actor } from './audit.ts'
import { ForbiddenError, UnauthorisedError } from './errors.ts'

export const SESSION_COOKIE = 'safer_session'
export const CSRF_COOKIE = 'safer_csrf'

declare module 'fastify' {
  interface FastifyRequest {
    user?: User
    /** True when the request came with an API token rather than a browser session. */
    viaApiToken: boolean
    csrfToken: string
    actor: Actor
  }
}

/**
 * Refuse a request whose CSRF token is missing or wrong. The platform checks every unsafe request with it before
 * validation; receiveFiles (platform/uploads.ts) calls it on an upload's first field, before it saves any file.
 */
export function checkCsrf(request: FastifyRequest, sent: unknown) {
  if (!sent || !safeEqual(String(sent), request.csrfToken)) {
    throw new ForbiddenError('This form has expired or did not come from Safer. Go back, reload the page and try again.')
  }
}

/** The CSRF token for a browser's `safer_csrf` cookie and its session cookie (none when signed out). */
export function csrfTokenFor(secret: string, cookieValue: string, sessionToken = '') {
  return crypto.createHmac('sha256', secret).update(`${cookieValue}\n${sessionToken}`).digest('base64url')
}

function newCsrfCookie() {
  return crypto.randomBytes(24).toString('base64url')
}

export async function setUpSession(
  app: FastifyInstance,
  opts: { auth: AuthService; secret: string; secureCookies: boolean; sessionDays: number },
) {
  await app.register(cookie)
  app.decorateRequest('user', undefined)
  app.decorateRequest('viaApiToken', false)
  app.decorateRequest('csrfToken', '')
  app.decorateRequest('actor', null as unknown as Actor)

  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: opts.secureCookies }

  app.addHook('onRequest', async (request, reply) => {
    // A cookie holding a NUL was not written by Safer and cannot be looked up: treated as absent.
    for (const [name, value] of Object.entries(request.cookies)) if (value?.includes('\u0000')) delete request.cookies[name]
    const header = request.headers.authorization
    if (header?.startsWith('Bearer ') && header.includes('\u0000')) {
      request.viaApiToken = true
    } else if (header?.startsWith('Bearer ')) {
      request.viaApiToken = true
      request.user = await opts.auth.userForApiToken(header.slice(7).trim())
      // A token that does not work (revoked, expired, its account disabled) is refused everywhere, even where the
      // public may read: a script learns that its token stopped working rather than quietly getting less.
      if (!request.user)
        throw new UnauthorisedError(
          'This API token does not work: it may have expired or been revoked, or its account disabled. Create a new one on your account page.',
        )
    } else {
      const token = request.cookies[SESSION_COOKIE]
      if (token) request.user = await opts.auth.userForSession(token)
      let csrfCookie = request.cookies[CSRF_COOKIE]
      if (!csrfCookie || csrfCookie.length < 20) {
        csrfCookie = newCsrfCookie()
        reply.setCookie(CSRF_COOKIE, csrfCookie, cookieOptions)
      }
      request.csrfToken = csrfTokenFor(opts.secret, csrfCookie, token ?? '')
    }
    request.actor = request.user ? { id: request.user.id, name: request.user.name } : { id: null, name: 'anonymous' }
  })

  // Checked after the body is parsed and before it is validated, so a forged request learns nothing.
  app.addHook('preValidation', async (request) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method) || request.viaApiToken) return
    // An upload's body is read by receiveFiles (platform/uploads.ts), which checks the token before it writes a file.
    if (request.routeOptions.config?.uploads && request.headers['content-type']?.toLowerCase().startsWith('multipart/form-data')) return
    checkCsrf(request, (request.body as { _csrf?: unknown } | undefined)?._csrf ?? request.headers['x-csrf-token'])
  })

  // Security 10: nothing said to a signed-in user is kept in a cache (shared or the browser's).
  app.addHook('onSend', async (request, reply) => {
    if (request.user || request.viaApiToken) reply.header('cache-control', 'no-store')
  })

  // A new session, and a new CSRF cookie with it (security 6). Any session the browser already had is ended.
  app.decorateReply('startSession', async function (this: any, userId: number) {
    const request = this.request as FastifyRequest
    const old = request.cookies[SESSION_COOKIE]
    if (old) await opts.auth.endSession(old)
    const token = await opts.auth.startSession(userId)
    this.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: 60 * 60 * 24 * opts.sessionDays })
    this.setCookie(CSRF_COOKIE, newCsrfCookie(), cookieOptions)
    this.header('cache-control', 'no-store')
  })
  app.decorateReply('endSession', async function (this: any, request: FastifyRequest) {
    const token = request.cookies[SESSION_COOKIE]
    if (token) await opts.auth.endSession(token)
    this.clearCookie(SESSION_COOKIE, { path: '/' })
    this.setCookie(CSRF_COOKIE, newCsrfCookie(), cookieOptions)
  })
}

declare module 'fastify' {
  interface FastifyReply {
    startSession(userId: number): Promise<void>
    endSession(request: FastifyRequest): Promise<void>
  }
}

function safeEqual(a: string, b: string) {
  const x = Buffer.from(a),
    y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}
