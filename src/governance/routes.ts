import type { FastifyInstance } from 'fastify'
import type { Services } from '../services.ts'
// Placeholder: replaced by the governance capability.
export async function governanceRoutes(_app: FastifyInstance, _opts: { services: Services }) {}
