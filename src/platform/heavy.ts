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
import { TooManyRequestsError } from './errors.ts'
import { plural } from './format.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Takes real work: limited per address for people not signed in (platform/heavy.ts). */
    heavy?: boolean
  }
}

const tooMany = (retryAfterSeconds: number) =>
  new TooManyRequestsError(
    `You have asked for many pages that take a lot of work in a short time, so Safer is pausing your requests to keep the service quick for everyone. Wait ${plural(retryAfterSeconds, 'second')}, then try again. Signing in lifts this limit.`,
  )

function isHeavy(request: FastifyRequest) {
  return !!request.routeOptions.config?.heavy || (request.query as { format?: unknown } | undefined)?.format === 'pdf'
}

/**
 * A fixed window per address: at most `max` in each `windowMs`. Counted here rather than with @fastify/rate-limit's
 * limiter, whose answer is read after an await from an object that later requests have already counted on (so a burst
 * of 40 concurrent requests saw 40 each, and all were refused). Per process, like that plugin's local store.
 */
export function windowCounter(max: number, windowMs: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>()
  return (key: string): { allowed: boolean; retryAfterSeconds: number } => {
    const t = now()
    let w = windows.get(key)
    if (!w || t - w.start >= windowMs) {
      // Forget addresses whose window has passed, so the map stays small (checked when a new window starts).
      if (windows.size > 10_000) for (const [k, v] of windows) if (t - v.start >= windowMs) windows.delete(k)
      w = { start: t, count: 0 }
      windows.set(key, w)
    }
    w.count++
    return { allowed: w.count <= max, retryAfterSeconds: Math.max(1, Math.ceil((w.start + windowMs - t) / 1000)) }
  }
}

export function setUpHeavyLimit(app: FastifyInstance, opts: { perMinute: number }) {
  if (!opts.perMinute) return
  // One counter per address for every heavy route together.
  const cacheable = new WeakSet<FastifyRequest>()
  const count = windowCounter(opts.perMinute, 60_000)
  app.addHook('onRequest', async (request, reply) => {
    if (!isHeavy(request) || request.user) return
    const r = count(request.ip)
    if (!r.allowed) {
      reply.header('retry-after', String(r.retryAfterSeconds))
      throw tooMany(r.retryAfterSeconds)
    }
    if (request.method === 'GET') cacheable.add(request)
  })
  app.addHook('onSend', async (request, reply) => {
    if (cacheable.has(request) && reply.statusCode === 200 && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'public, max-age=60')
  })
}
