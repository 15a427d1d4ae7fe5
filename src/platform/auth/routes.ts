/**
 * Sign in, sign out, forgotten passwords, and the user's own account page (password, API tokens).
 * Decisions are written up in docs/accounts.md.
 */
import crypto from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../services.ts'
import type { Config } from '../../config.ts'
import { handleForm, formBody } from '../forms.ts'
import { NotFoundError, TooManyRequestsError, ValidationError } from '../errors.ts'
import { apiTokenProblems, type User } from './service.ts'
import { DEMO_LOGINS } from '../../demo/logins.ts'
import { safeReturnTo } from './return-to.ts'
import { SESSION_COOKIE } from '../session.ts'
import { MIN_PASSWORD_LENGTH } from './passwords.ts'

const V = 'platform/auth/views'

/** The text of a field of a submitted form (never an array or undefined). */
function field(body: Record<string, unknown>, name: string): string {
  const v = body[name]
  return typeof v === 'string' ? v : ''
}

/**
 * A GOV.UK date input's three fields (name-day, name-month, name-year) as YYYY-MM-DD; undefined when all are blank.
 * Throws a ValidationError on the field when they are not a date.
 */
export function dateField(body: Record<string, unknown>, name: string, label: string): string | undefined {
  const [d, m, y] = ['day', 'month', 'year'].map((p) => field(body, `${name}-${p}`).trim())
  if (!d && !m && !y) return undefined
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y))
    throw new ValidationError({ [name]: `${label} must be a real date, like 31 3 2027` })
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
}

// ---- The new API token, shown once after the redirect (Post/Redirect/Get) ----
// It travels to the next page in a short-lived cookie, encrypted with a key made from the app's secret and the
// session, so it is never in the browser in the clear and no other session can read it. Reading it clears it.
const NEW_TOKEN_COOKIE = 'safer_new_token'

function tokenKey(secret: string, session: string) {
  return crypto.createHash('sha256').update(`new-token\n${secret}\n${session}`).digest()
}
function sealNewToken(secret: string, session: string, value: string) {
  const iv = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', tokenKey(secret, session), iv)
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.')
}
function openNewToken(secret: string, session: string, sealed: string): { name: string; token: string } | undefined {
  try {
    const [iv, tag, data] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'))
    const decipher = crypto.createDecipheriv('aes-256-gcm', tokenKey(secret, session), iv)
    decipher.setAuthTag(tag)
    const value = JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8'))
    return typeof value?.name === 'string' && typeof value?.token === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

export async function authRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const auth = services.auth
  const windowMinutes = Math.round(config.signInWindowMs / 60_000)
  const signInContext = (returnTo: string) => ({ title: 'Sign in', returnTo, demoLogins: config.demo ? DEMO_LOGINS : undefined })
  const perAddressLimit = (what: string) => ({
    max: config.signInAttemptsPerWindow,
    timeWindow: config.signInWindowMs,
    errorResponseBuilder: () => ({
      statusCode: 429,
      message: `Too many ${what} from this address. Wait ${windowMinutes} minutes, then try again.`,
    }),
  })

  app.get<{ Querystring: { returnTo?: unknown } }>('/sign-in', { config: { access: 'public' } }, async (request, reply) =>
    reply.view(`${V}/sign-in.njk`, { ...signInContext(safeReturnTo(request.query?.returnTo)), values: {} }),
  )

  app.post('/sign-in', { config: { access: 'public', rateLimit: perAddressLimit('sign-in attempts') } }, async (request, reply) => {
    const body = formBody(request)
    const returnTo = safeReturnTo(body.returnTo)
    const email = field(body, 'email').trim()
    const password = field(body, 'password')
    return handleForm(request, reply, {
      template: `${V}/sign-in.njk`,
      context: { ...signInContext(returnTo), values: { email } },
      run: async () => {
        const errors: Record<string, string> = {}
        if (!email) errors.email = 'Enter your email address'
        if (!password) errors.password = 'Enter your password'
        if (Object.keys(errors).length) throw new ValidationError(errors)
        // The per-account limit: failed attempts with this email address, from any address.
        if ((await auth.signInFailures(email, config.signInWindowMs)) >= config.signInAttemptsPerAccount) {
          throw new TooManyRequestsError(
            `Too many failed attempts to sign in with this email address. Wait ${windowMinutes} minutes, then try again, or reset your password.`,
          )
        }
        const user = await auth.authenticate(email, password)
        if (!user) {
          await auth.recordSignInFailure(email, config.signInWindowMs)
          throw new ValidationError({ email: 'The email address or password is not right' })
        }
        await auth.clearSignInFailures(email)
        await reply.startSession(user.id)
        return { redirect: returnTo }
      },
    })
  })

  app.post('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
    await reply.endSession(request)
    reply.flash('You have signed out')
    return reply.redirect('/', 303)
  })

  // ---- Forgotten passwords ----

  app.get('/forgot-password', { config: { access: 'public' } }, async (_request, reply) =>
    reply.view(`${V}/forgot-password.njk`, { title: 'Reset your password', values: {} }),
  )

  app.post(
    '/forgot-password',
    { config: { access: 'public', rateLimit: perAddressLimit('password reset requests') } },
    async (request, reply) => {
      const email = field(formBody(request), 'email').trim()
      return handleForm(request, reply, {
        template: `${V}/forgot-password.njk`,
        context: { title: 'Reset your password' },
        run: async () => {
          if (!email) throw new ValidationError({ email: 'Enter your email address' })
          if (email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email))
            throw new ValidationError({ email: 'Enter an email address in the correct format, like name@example.org' })
          await auth.requestPasswordReset(email, { id: null, name: `Password reset request for ${email}` })
          // The same answer whether or not the address has an account.
          return { redirect: '/forgot-password/sent' }
        },
      })
    },
  )

  app.get('/forgot-password/sent', { config: { access: 'public' } }, async (_request, reply) =>
    reply.view(`${V}/forgot-password-sent.njk`, { title: 'Check your email' }),
  )

  const linkExpired = (reply: FastifyReply) =>
    reply.code(404).view(`${V}/link-expired.njk`, {
      title: 'This link has expired or has already been used',
      what: 'password reset',
      again: { href: '/forgot-password', text: 'Ask for a new link' },
    })

  const resetContext = (user: User) => ({ title: 'Choose a new password', account: user.email, minLength: MIN_PASSWORD_LENGTH })

  app.get<{ Params: { token: string } }>('/reset-password/:token', { config: { access: 'public' } }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const user = await auth.resetLinkUser(request.params.token)
    if (!user) return linkExpired(reply)
    return reply.view(`${V}/reset-password.njk`, { ...resetContext(user), values: {} })
  })

  app.post<{ Params: { token: string } }>('/reset-password/:token', { config: { access: 'public' } }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const user = await auth.resetLinkUser(request.params.token)
    if (!user) return linkExpired(reply)
    return handleForm(request, reply, {
      template: `${V}/reset-password.njk`,
      context: resetContext(user),
      run: async () => {
        try {
          await auth.resetWithLink(request.params.token, field(formBody(request), 'password'), { id: null, name: 'anonymous' })
        } catch (err) {
          if (err instanceof NotFoundError) throw new ValidationError({ password: 'This link has expired or has already been used' })
          throw err
        }
        // Signed out everywhere, this browser too.
        await reply.endSession(request)
        return { redirect: '/sign-in', flash: 'Your password has been changed. Sign in with your new password.' }
      },
    })
  })

  // ---- The account page ----

  const accountContext = async (user: User) => ({
    title: 'Your account',
    tokens: await auth.listApiTokens(user.id),
    organisationName: await auth.organisationName(user),
  })

  app.get('/account', { config: { access: 'signed-in' } }, async (request, reply) => {
    const sealed = request.cookies[NEW_TOKEN_COOKIE]
    const session = request.cookies[SESSION_COOKIE] ?? ''
    const fresh = sealed ? openNewToken(services.secret, session, sealed) : undefined
    if (sealed) reply.clearCookie(NEW_TOKEN_COOKIE, { path: '/account' })
    return reply.view(`${V}/account.njk`, {
      ...(await accountContext(request.user!)),
      values: {},
      newToken: fresh?.token,
      newTokenName: fresh?.name,
    })
  })

  // Post/Redirect/Get: reloading the page after creating a token shows the account page, and creates nothing.
  app.post('/account/tokens', { config: { access: 'signed-in' } }, async (request, reply) => {
    const body = formBody(request)
    return handleForm(request, reply, {
      template: `${V}/account.njk`,
      context: () => accountContext(request.user!),
      run: async () => {
        const name = field(body, 'name')
        let expiresOn: string | undefined
        let dateErrors: Record<string, string> = {}
        try {
          expiresOn = dateField(body, 'expiresOn', 'The expiry date')
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err
          dateErrors = err.fields
        }
        const errors = { ...apiTokenProblems(name, expiresOn), ...dateErrors }
        if (Object.keys(errors).length) throw new ValidationError(errors)
        const token = await auth.createApiToken(request.user!.id, name, request.actor, expiresOn)
        const session = request.cookies[SESSION_COOKIE] ?? ''
        reply.setCookie(NEW_TOKEN_COOKIE, sealNewToken(services.secret, session, JSON.stringify({ name: name.trim(), token })), {
          path: '/account',
          httpOnly: true,
          sameSite: 'lax',
          secure: config.secureCookies,
          maxAge: 120,
        })
        return { redirect: '/account' }
      },
    })
  })

  app.post<{ Params: { id: string } }>('/account/tokens/:id/revoke', { config: { access: 'signed-in' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/account.njk`,
      context: () => accountContext(request.user!),
      run: async () => {
        if (!/^\d{1,9}$/.test(request.params.id)) throw new NotFoundError('There is no such token')
        await auth.revokeApiToken(request.user!.id, Number(request.params.id), request.actor)
        return { redirect: '/account', flash: 'Token revoked' }
      },
    }),
  )

  // ---- Changing your own password ----

  const passwordContext = (request: FastifyRequest) => ({
    title: 'Change your password',
    minLength: MIN_PASSWORD_LENGTH,
    breadcrumbs: [{ text: 'Your account', href: '/account' }],
    account: request.user!.email,
  })

  app.get('/account/password', { config: { access: 'signed-in' } }, async (request, reply) =>
    reply.view(`${V}/change-password.njk`, { ...passwordContext(request), values: {} }),
  )

  app.post('/account/password', { config: { access: 'signed-in' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/change-password.njk`,
      context: passwordContext(request),
      run: async () => {
        const body = formBody(request)
        await auth.changePassword(
          request.user!,
          field(body, 'currentPassword'),
          field(body, 'password'),
          request.cookies[SESSION_COOKIE],
          request.actor,
        )
        return { redirect: '/account', flash: 'Your password has been changed. You have been signed out everywhere else.' }
      },
    }),
  )
}
