/**
 * The whole request pipeline, in order: one line per concern, then one plugin per capability.
 */
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify'
import formbody from '@fastify/formbody'
import staticFiles from '@fastify/static'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import path from 'node:path'
import qs from 'node:querystring'
import type { Config } from './config.ts'
import type { Services } from './services.ts'
import { setUpWebSecurity } from './platform/security.ts'
import { setUpSession } from './platform/session.ts'
import { setUpAccess } from './platform/access.ts'
import { setUpUploads } from './platform/uploads.ts'
import { setUpInputChecks } from './platform/input.ts'
import { setUpHeavyLimit } from './platform/heavy.ts'
import { setUpViews, setLocals, govukDist, srcDir } from './platform/views.ts'
import { fieldErrors, ajvOptions } from './platform/validation.ts'
import { ValidationError, ConflictError, inputErrorFromDatabase } from './platform/errors.ts'
import { openApiDocument } from './platform/openapi.ts'
import addFormats from 'ajv-formats'
import { platformRoutes } from './platform/routes.ts'
import { authRoutes } from './platform/auth/routes.ts'
import { partnershipRoutes } from './partnerships/routes.ts'
import { organisationRoutes } from './organisations/routes.ts'
import { governanceRoutes } from './governance/routes.ts'
import { agreementRoutes } from './agreement/routes.ts'
import { assuranceRoutes } from './assurance/routes.ts'
import { scorecardRoutes } from './scorecard/routes.ts'
import { scrutinyRoutes } from './scrutiny/routes.ts'
import { recommendationRoutes } from './scrutiny/recommendation-routes.ts'
import { decisionRoutes } from './scrutiny/decision-routes.ts'
import { forwardPlanRoutes } from './scrutiny/forward-plan-routes.ts'
import { workProgrammeRoutes } from './scrutiny/work-programme-routes.ts'
import { proceedingsRoutes } from './scrutiny/proceedings-routes.ts'
import { packRoutes } from './packs/routes.ts'
import { adminRoutes } from './admin/routes.ts'
import { geographyRoutes } from './geography/routes.ts'
import { crimeRoutes } from './crime/routes.ts'
import { siteRoutes } from './site/routes.ts'
import { planRoutes } from './plans/routes.ts'
import { returnRoutes } from './plans/returns-routes.ts'
import { progressRoutes } from './plans/progress-routes.ts'
import { returnsApi } from './plans/returns-api.ts'
import { fundingRoutes } from './funding/routes.ts'
import { reportRoutes } from './reports/routes.ts'

export async function buildApp({ config, services }: { config: Config; services: Services }): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    trustProxy: config.trustProxy,
    ajv: {
      customOptions: { ...ajvOptions, coerceTypes: 'array', removeAdditional: true, useDefaults: true } as any,
      plugins: [addFormats as any],
    },
    bodyLimit: 5 * 1024 * 1024,
  })

  // Request parsing: HTML forms keep repeated fields (checkboxes) as arrays.
  await app.register(formbody, { parser: (body: string) => qs.parse(body) })
  // Input no database can store (a NUL character, integers beyond its range): a 400 before anything reads it.
  setUpInputChecks(app)
  await setUpWebSecurity(app)
  // Static files (stylesheet, govuk-frontend's script and images) are public; they are registered before the
  // access rules, which every later route must state.
  await app.register(staticFiles, { root: path.resolve(srcDir, '../public'), prefix: '/static/', decorateReply: false, maxAge: '1h' })
  await app.register(staticFiles, {
    root: path.join(govukDist, 'govuk'),
    prefix: '/assets/',
    decorateReply: false,
    maxAge: '1d',
    allowedPath: (p) => p === '/govuk-frontend.min.js' || p.startsWith('/images/') || p.startsWith('/fonts/') || p === '/manifest.json',
  })
  await app.register(rateLimit, { global: false })
  await setUpSession(app, {
    auth: services.auth,
    secret: services.secret,
    secureCookies: config.secureCookies,
    sessionDays: config.sessionDays,
  })
  // Pages that take real work: limited per address for people not signed in (platform/heavy.ts).
  setUpHeavyLimit(app, { perMinute: config.heavyRequestsPerMinute })
  await setUpAccess(app, {
    findPartnership: (slug) => services.partnerships.bySlug(slug),
    rolesOf: (id) => services.partnerships.rolesOf(id),
    roleIn: (id, p) => services.partnerships.roleIn(id, p),
  })
  // Files: multipart bodies only for routes that take them, read by receiveFiles (CSRF first), under SAFER_DATA_DIR/files.
  await setUpUploads(app, config)
  // The installation's name, logo and colours (src/site), re-read from the database every few seconds.
  app.addHook('onRequest', async () => {
    await services.site.fresh()
  })
  await setUpViews(app, { serviceName: config.serviceName, demo: config.demo, production: true, brand: () => services.site.brand() })
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Safer API',
        version: '1',
        description:
          'Community safety partnerships: governance, agreements and assurance, and police.uk crime data counted by any area. Authenticate with `Authorization: Bearer <token>` (create a token on your account page). Public data needs no token.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
    // Only what OpenAPI 3.0 allows (the schemas' errorMessage is for the app's own messages).
    transformObject: (spec) => openApiDocument('openapiObject' in spec ? spec.openapiObject : spec.swaggerObject),
  })
  setUpErrorPages(app)
  // Server time of every answer, for browsers' developer tools and the web benchmark.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(1)}`)
  })

  // The PDF browser (if one is running) closes with the app.
  app.addHook('onClose', async () => {
    await services.pdf.close()
  })

  // Routes: the platform's own, then one plugin per capability.
  await app.register(platformRoutes, { services, config })
  await app.register(authRoutes, { services, config })
  await app.register(partnershipRoutes, { services })
  await app.register(organisationRoutes, { services })
  await app.register(governanceRoutes, { services })
  await app.register(agreementRoutes, { services })
  await app.register(assuranceRoutes, { services })
  await app.register(scorecardRoutes, { services })
  await app.register(planRoutes, { services })
  await app.register(returnRoutes, { services })
  await app.register(progressRoutes, { services })
  await app.register(returnsApi, { services })
  await app.register(fundingRoutes, { services })
  await app.register(reportRoutes, { services })
  await app.register(scrutinyRoutes, { services, config })
  await app.register(recommendationRoutes, { services, config })
  await app.register(decisionRoutes, { services, config })
  await app.register(forwardPlanRoutes, { services, config })
  await app.register(workProgrammeRoutes, { services, config })
  await app.register(proceedingsRoutes, { services, config })
  await app.register(packRoutes, { services })
  await app.register(geographyRoutes, { services })
  await app.register(crimeRoutes, { services, config })
  await app.register(adminRoutes, { services })
  await app.register(siteRoutes, { services })
  return app
}

function wantsJson(url: string, accept?: string) {
  return (
    url.startsWith('/api/') || url.split('?')[0] === '/health' || (accept?.includes('application/json') && !accept.includes('text/html'))
  )
}

const TITLES: Record<number, string> = {
  400: 'There is a problem with what was sent',
  401: 'Sign in to continue',
  403: 'You do not have permission to see or do this',
  404: 'Page not found',
  409: 'Someone else changed this',
  429: 'Too many requests',
  500: 'Sorry, there is a problem with the service',
}

function setUpErrorPages(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) => {
    if (wantsJson(request.url, request.headers.accept))
      return reply.code(404).send({ error: 'Not Found', message: 'There is nothing at this address' })
    setLocals(request, reply)
    return reply.code(404).view('platform/views/error.njk', { title: TITLES[404], status: 404 })
  })

  app.setErrorHandler((caught: FastifyError & { fields?: Record<string, string> }, request, reply) => {
    const error = (inputErrorFromDatabase(caught) as unknown as typeof caught | undefined) ?? caught
    let status = error.statusCode ?? 500
    let fields: Record<string, string> | undefined
    if (error.validation) {
      const schema = (request.routeOptions.schema as any)?.[error.validationContext ?? 'body'] ?? {}
      fields = fieldErrors(schema, error.validation as any)
      status = 400
    } else if (error instanceof ValidationError) fields = error.fields
    if (status >= 500) request.log.error(error)
    const message = status >= 500 ? TITLES[500] : error.message
    if (wantsJson(request.url, request.headers.accept)) {
      const body: Record<string, unknown> = { error: TITLES[status] ?? 'Error', message }
      if (fields) body.errors = fields
      if (error instanceof ConflictError) Object.assign(body, { changedBy: error.changedBy, changedAt: error.changedAt })
      return reply.code(status).send(body)
    }
    setLocals(request, reply)
    if (status === 401 && request.method === 'GET') {
      return reply.redirect(`/sign-in?returnTo=${encodeURIComponent(request.url)}`, 303)
    }
    if (status === 401)
      return reply
        .code(401)
        .view('platform/views/error.njk', { title: TITLES[401], status, message: 'Your session has ended. Sign in and try again.' })
    return reply.code(status).view('platform/views/error.njk', { title: TITLES[status] ?? 'Error', status, message, errors: fields })
  })
}
