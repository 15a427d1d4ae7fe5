/** Security headers for every answer (helmet), with a nonce for the one inline script govuk-frontend needs. */
import type { FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'

export async function setUpWebSecurity(app: FastifyInstance) {
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // Pages are served over plain HTTP on localhost in development; HSTS belongs at the TLS proxy.
    hsts: false,
    crossOriginEmbedderPolicy: false,
  })
}
