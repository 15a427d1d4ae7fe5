/** Sign in, sign out, and the user's own account page (API tokens). */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'
import type { Config } from '../../config.ts'
import { handleForm, formBody } from '../forms.ts'
import { ValidationError } from '../errors.ts'
import type { User } from './service.ts'
import { DEMO_LOGINS } from '../../demo/logins.ts'

const V = 'platform/auth/views'

function safeReturnTo(v: unknown) {
  // Only paths on this site: never an open redirect.
  return typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? v : '/partnerships'
}

export async function authRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const signInContext = (returnTo: string) => ({ title: 'Sign in', returnTo, demoLogins: config.demo ? DEMO_LOGINS : undefined })

  app.get<{ Querystring: { returnTo?: unknown } }>('/sign-in', { config: { access: 'public' } }, async (request, reply) =>
    reply.view(`${V}/sign-in.njk`, { ...signInContext(safeReturnTo(request.query?.returnTo)), values: {} }),
  )

  app.post(
    '/sign-in',
    {
      config: {
        access: 'public',
        rateLimit: {
          max: config.signInAttemptsPerWindow,
          timeWindow: config.signInWindowMs,
          errorResponseBuilder: () => ({
            statusCode: 429,
            message: 'Too many sign-in attempts from this address. Wait 15 minutes, then try again.',
          }),
        },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, string>
      const returnTo = safeReturnTo(body.returnTo)
      return handleForm(request, reply, {
        template: `${V}/sign-in.njk`,
        context: { ...signInContext(returnTo), values: { email: body.email } },
        run: async () => {
          const errors: Record<string, string> = {}
          if (!body.email?.trim()) errors.email = 'Enter your email address'
          if (!body.password) errors.password = 'Enter your password'
          if (Object.keys(errors).length) throw new ValidationError(errors)
          const user = await services.auth.authenticate(body.email.trim(), body.password)
          if (!user) throw new ValidationError({ email: 'The email address or password is not right' })
          await reply.startSession(user.id)
          return { redirect: returnTo }
        },
      })
    },
  )

  app.post('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
    await reply.endSession(request)
    reply.flash('You have signed out')
    return reply.redirect('/', 303)
  })

  const accountContext = async (user: User) => ({
    title: 'Your account',
    tokens: await services.auth.listApiTokens(user.id),
    organisationName: await services.auth.organisationName(user),
  })

  app.get('/account', { config: { access: 'signed-in' } }, async (request, reply) =>
    reply.view(`${V}/account.njk`, { ...(await accountContext(request.user!)), values: {} }),
  )

  app.post('/account/tokens', { config: { access: 'signed-in' } }, async (request, reply) => {
    const name = String(formBody(request).name ?? '')
    try {
      const token = await services.auth.createApiToken(request.user!.id, name, request.actor)
      // Shown once, never stored in the clear.
      return reply.view(`${V}/account.njk`, {
        ...(await accountContext(request.user!)),
        values: {},
        newToken: token,
        newTokenName: name.trim(),
      })
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      return reply.code(400).view(`${V}/account.njk`, { ...(await accountContext(request.user!)), values: { name }, errors: err.fields })
    }
  })

  app.post<{ Params: { id: string } }>('/account/tokens/:id/revoke', { config: { access: 'signed-in' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/account.njk`,
      context: () => accountContext(request.user!),
      run: async () => {
        await services.auth.revokeApiToken(request.user!.id, Number(request.params.id), request.actor)
        return { redirect: '/account', flash: 'Token revoked' }
      },
    }),
  )
}
