import type { FastifyInstance } from 'fastify'
import type { Services } from '../services.ts'
// Placeholder: replaced by the agreement capability.
export async function agreementRoutes(_app: FastifyInstance, _opts: { services: Services }) {}
