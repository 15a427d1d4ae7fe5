import type { FastifyInstance } from 'fastify'
import type { Services } from '../services.ts'
// Placeholder: replaced by the assurance capability.
export async function assuranceRoutes(_app: FastifyInstance, _opts: { services: Services }) {}
