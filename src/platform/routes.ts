/** The platform's own pages: start page and the OpenAPI document (health, status and the statements are src/site's). */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'

export async function platformRoutes(app: FastifyInstance, { services }: { services: Services; config: Config }) {
  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    const partnerships = await services.partnerships.visibleTo(request.user)
    // A lead asked in an open quarterly return sees their actions to update first (docs/plans.md).
    const yourReturns = request.user ? await services.planReturns.yours(request.user.id) : []
    return reply.view('platform/views/home.njk', { title: 'Community safety partnerships', partnerships, yourReturns })
  })

  app.get('/api/v1/openapi.json', { config: { access: 'public' } }, async () => app.swagger())
}
