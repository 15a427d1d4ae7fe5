/**
 * Heavy requests: pages and API answers that take real work to make (an area's crime page and its downloads, crime
 * counts, a partnership's crime page, any PDF). Anyone not signed in may ask for at most
 * `config.heavyRequestsPerMinute` of them a minute from one address, counted together across every heavy route (a
 * crawler walking area pages with different periods is one visitor); the next answer is 429, a GOV.UK page (or JSON
 * for the API) saying when to try again, with Retry-After. Signed-in people are not limited this way: they are
 * accountable, and staff preparing papers ask for many pages. Light pages are never limited.
 *
 * A route says it is heavy with `config: { access: ..., heavy: true }`; `?format=pdf` is heavy on any route.
 * Anonymous heavy answers that succeed may be cached for a minute by browsers and proxies (Cache-Control: public),
 * since they are the same for everyone. docs/security.md, point 11.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Takes real work: limited per address for people not signed in (platform/heavy.ts). */
    heavy?: boolean
  }
}

export class TooManyRequestsError extends Error {
  statusCode = 429
  constructor(public retryAfterSeconds: number) {
    super(
      `You have asked for many pages that take a lot of work in a short time, so Safer is pausing your requests to keep the service quick for everyone. Wait ${retryAfterSeconds === 1 ? '1 second' : `${retryAfterSeconds} seconds`}, then try again. Signing in lifts this limit.`,
    )
  }
}

export function isHeavy(request: FastifyRequest) {
  return !!request.routeOptions.config?.heavy || (request.query as { format?: unknown } | undefined)?.format === 'pdf'
}

export function setUpHeavyLimit(app: FastifyInstance, opts: { perMinute: number }) {
  if (!opts.perMinute) return
  // One counter per address for every heavy route together (the rate-limit plugin's shared limiter).
  const cacheable = new WeakSet<FastifyRequest>()
  const limit = app.createRateLimit({ max: opts.perMinute, timeWindow: 60_000, allowList: (request) => !!request.user })
  app.addHook('onRequest', async (request, reply) => {
    if (!isHeavy(request)) return
    const r = await limit(request)
    if (r.isAllowed) return
    if (r.isExceeded) {
      reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)))
      throw new TooManyRequestsError(Math.max(1, r.ttlInSeconds))
    }
    if (request.method === 'GET' && !request.user) cacheable.add(request)
  })
  app.addHook('onSend', async (request, reply) => {
    if (cacheable.has(request) && reply.statusCode === 200 && !reply.hasHeader('cache-control')) reply.header('cache-control', 'public, max-age=60')
  })
}
