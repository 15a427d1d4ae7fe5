/**
 * Who may read and who may write: every route states its rule in `config.access`, and the app
 * refuses to start if a route has none. The rules:
 *
 *   'public'                       anyone, signed in or not
 *   'signed-in'                    any signed-in user
 *   'editor-anywhere'              editors and administrators of any partnership, and site administrators
 *                                  (the shared directory of organisations and areas)
 *   'site-admin'                   site administrators only
 *   { partnership: 'public' }      anyone if the partnership is published; its members always.
 *                                  Unpublished partnerships are 404 to everyone else.
 *   { partnership: <role> }        members with at least that role (viewer < contributor < editor < admin);
 *                                  site administrators count as admin everywhere.
 *
 * Partnership routes have a `:partnership` parameter (the slug). The hook loads the partnership and the
 * user's role into `request.partnership` and `request.role`, for services to narrow what they show
 * (e.g. unpublished records) and what a contributor may edit.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { ForbiddenError, NotFoundError, UnauthorisedError } from './errors.ts'
import { ROLE_RANK, type Role } from './auth/service.ts'

export type Access = 'public' | 'signed-in' | 'editor-anywhere' | 'site-admin' | { partnership: 'public' | Role }

export interface Partnership {
  id: number
  slug: string
  name: string
  short_name: string | null
  area_code: string | null
  published: boolean
  /** A partnership's workspace, or a council's (its democratic services: committees, meetings and scrutiny). */
  kind: 'partnership' | 'council'
  version: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route and its access rule, for the authorisation tests and documentation. */
    accessRules: { method: string; url: string; access: Access }[]
    /** Would this rule let the request in? (For a page that shows a link or button only to those who may use it.) */
    allows(request: FastifyRequest, access: Exclude<Access, { partnership: unknown }>): Promise<boolean>
  }
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    partnership?: Partnership
    /** The user's role in request.partnership (site administrators: admin). */
    role?: Role
  }
}

export function describeAccess(a: Access): string {
  if (typeof a === 'string') return a
  return `partnership:${a.partnership}`
}

/** May this user see unpublished records of the partnership on this request? */
export function isMember(request: FastifyRequest) {
  return request.role !== undefined
}

/**
 * The address of a record's History view (partnership members only: for others, undefined, so no link shows).
 * `back` is the page the History view links back to.
 */
export function historyHref(request: FastifyRequest, entity: string, id: number | string, back: string): string | undefined {
  if (!request.partnership || !isMember(request)) return undefined
  return `/partnerships/${request.partnership.slug}/history/${encodeURIComponent(entity)}/${encodeURIComponent(String(id))}?back=${encodeURIComponent(back)}`
}

export function hasRole(request: FastifyRequest, min: Role) {
  return request.role !== undefined && ROLE_RANK[request.role] >= ROLE_RANK[min]
}

/** What the access rules need from the partnerships capability (which owns partnerships and their roles). */
export interface PartnershipDirectory {
  findPartnership(slug: string): Promise<Partnership | undefined>
  /** The user's role in each partnership they belong to. */
  rolesOf(userId: number): Promise<Map<number, Role>>
  roleIn(userId: number, partnershipId: number): Promise<Role | undefined>
}

export async function setUpAccess(app: FastifyInstance, opts: PartnershipDirectory) {
  app.decorateRequest('partnership', undefined)
  app.decorateRequest('role', undefined)

  const rules: { method: string; url: string; access: Access }[] = []
  app.decorate('accessRules', rules)
  app.addHook('onRoute', (route: RouteOptions) => {
    const access = (route.config as any)?.access as Access | undefined
    if (!access) throw new Error(`Route ${route.method} ${route.url} has no access rule (config.access)`)
    for (const method of [route.method].flat()) if (method !== 'HEAD') rules.push({ method, url: route.url, access })
    if (typeof access === 'object' && !route.url.includes(':partnership')) {
      throw new Error(`Route ${route.method} ${route.url} has a partnership access rule but no :partnership parameter`)
    }
  })

  async function enforceAccess(request: FastifyRequest) {
    const access = request.routeOptions.config?.access
    if (!access) return // 404 handler and static files
    return check(request, access)
  }

  async function check(request: FastifyRequest, access: Access) {
    const user = request.user
    if (access === 'public') return
    if (access === 'signed-in') {
      if (!user) throw new UnauthorisedError()
      return
    }
    if (access === 'editor-anywhere') {
      if (!user) throw new UnauthorisedError()
      if (user.site_admin) return
      const roles = [...(await opts.rolesOf(user.id)).values()]
      if (!roles.some((r) => ROLE_RANK[r] >= ROLE_RANK.editor)) throw new ForbiddenError()
      return
    }
    if (access === 'site-admin') {
      if (!user) throw new UnauthorisedError()
      if (!user.site_admin) throw new ForbiddenError()
      return
    }
    const slug = (request.params as { partnership: string }).partnership
    const partnership = await opts.findPartnership(slug)
    if (!partnership) throw new NotFoundError()
    const role = user ? (user.site_admin ? 'admin' : await opts.roleIn(user.id, partnership.id)) : undefined
    // An unpublished partnership does not exist for anyone who is not a member: its 404 page must not name it (the
    // page's title and navigation come from request.partnership), so it is set only for those who may see it.
    if (!partnership.published && !role) throw new NotFoundError()
    request.partnership = partnership
    request.role = role
    const needed = access.partnership
    if (needed === 'public') return
    if (!user) throw new UnauthorisedError()
    if (!hasRole(request, needed)) throw new ForbiddenError()
  }
  app.decorate('allows', async (request: FastifyRequest, access: Access) => {
    try {
      await check(request, access)
      return true
    } catch (err) {
      if (err instanceof ForbiddenError || err instanceof UnauthorisedError || err instanceof NotFoundError) return false
      throw err
    }
  })

  // Before the body is read: someone who may not use a route uploads nothing, and learns nothing from its
  // validation errors. (The user comes from the session, in onRequest; the route's parameters are known by now.)
  app.addHook('preParsing', async (request) => {
    await enforceAccess(request)
  })
}
