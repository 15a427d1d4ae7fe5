/**
 * Who is asking: a session cookie (browsers) or an API token (scripts, `Authorization: Bearer safer_...`).
 * Sessions live in the database, so any number of app servers can answer the same user.
 *
 * CSRF: every browser gets a random `safer_csrf` cookie; forms carry HMAC(secret, cookie) in `_csrf`
 * (or the `x-csrf-token` header). A forged cross-site form cannot read the cookie, so cannot make the
 * token. Requests authenticated by an API token carry no cookies and need no CSRF token. This is the
 * signed double-submit pattern; we write it here (30 lines) rather than take @fastify/csrf-protection
 * because that plugin expects its own session store.
 */
import crypto from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import cookie from '@fastify/cookie'
import type { AuthService, User } from './auth/service.ts'
import type { Actor } from './audit.ts'
import { ForbiddenError } from './errors.ts'

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

export function csrfTokenFor(secret: string, cookieValue: string) {
  return crypto.createHmac('sha256', secret).update(cookieValue).digest('base64url')
}

export async function setUpSession(app: FastifyInstance, opts: { auth: AuthService; secret: string; secureCookies: boolean }) {
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
    } else {
      const token = request.cookies[SESSION_COOKIE]
      if (token) request.user = await opts.auth.userForSession(token)
      let csrfCookie = request.cookies[CSRF_COOKIE]
      if (!csrfCookie || csrfCookie.length < 20) {
        csrfCookie = crypto.randomBytes(24).toString('base64url')
        reply.setCookie(CSRF_COOKIE, csrfCookie, cookieOptions)
      }
      request.csrfToken = csrfTokenFor(opts.secret, csrfCookie)
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

  app.decorateReply('startSession', async function (this: any, userId: number) {
    const token = await opts.auth.startSession(userId)
    this.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: 60 * 60 * 24 * 7 })
  })
  app.decorateReply('endSession', async function (this: any, request: FastifyRequest) {
    const token = request.cookies[SESSION_COOKIE]
    if (token) await opts.auth.endSession(token)
    this.clearCookie(SESSION_COOKIE, { path: '/' })
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
