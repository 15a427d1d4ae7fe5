/** The platform's own pages: start page, health, accessibility statement, the OpenAPI document. */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'

export async function platformRoutes(app: FastifyInstance, { services }: { services: Services; config: Config }) {
  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    const partnerships = await services.partnerships.visibleTo(request.user)
    return reply.view('platform/views/home.njk', { title: 'Community safety partnerships', partnerships })
  })

  app.get('/health', { config: { access: 'public' } }, async (_request, reply) => {
    const started = process.hrtime.bigint()
    try {
      await services.db.query('SELECT 1')
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      return {
        status: 'ok',
        database: {
          engine: services.db.kind === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL server',
          status: 'ok',
          responseMs: Math.round(ms * 10) / 10,
        },
      }
    } catch (err) {
      return reply
        .code(503)
        .send({ status: 'unavailable', database: { engine: services.db.kind, status: 'unavailable', message: (err as Error).message } })
    }
  })

  app.get('/accessibility', { config: { access: 'public' } }, async (_request, reply) =>
    reply.view('platform/views/accessibility.njk', { title: 'Accessibility statement' }),
  )

  app.get('/api/v1/openapi.json', { config: { access: 'public' } }, async () => app.swagger())
}
