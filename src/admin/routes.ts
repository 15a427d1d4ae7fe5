/** Site administration: accounts and the whole audit log. Read and write: site administrators only. */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, streamExport } from '../platform/export.ts'
import { auditColumns, auditLog, auditPages, changedFields } from '../platform/audit.ts'
import { parseForm } from '../platform/validation.ts'
import { NewUserSchema } from '../platform/auth/service.ts'

const V = 'admin/views'
/** ?format=csv|json and nothing else. */
const FormatOnlyQuery = Type.Object({ format: Type.Optional(Type.String()) })

export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const crumbs = [{ text: 'Home', href: '/' }, { text: 'Administration', href: '/admin' }]
  const orgItems = async () => (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name }))
  const users = async () => {
    const rows = await services.auth.listUsers()
    const orgs = await services.organisations.names(rows.flatMap((u) => (u.organisation_id === null ? [] : [u.organisation_id])))
    return rows.map((u) => ({ ...u, organisation_name: (u.organisation_id !== null && orgs.get(u.organisation_id)) || null }))
  }

  app.get<{ Querystring: Static<typeof FormatOnlyQuery> }>('/admin', { config: { access: 'site-admin' }, schema: { querystring: FormatOnlyQuery } }, async (request, reply) => {
    const rows = await users()
    if (sendExport(reply, request.query.format, 'users', rows, [
      { header: 'name', value: (r: any) => r.name }, { header: 'email', value: (r: any) => r.email }, { header: 'organisation', value: (r: any) => r.organisation_name },
      { header: 'site_admin', value: (r: any) => r.site_admin }, { header: 'last_sign_in_at', value: (r: any) => r.last_sign_in_at },
    ])) return reply
    return reply.view(`${V}/index.njk`, { title: 'Administration', users: rows, orgItems: await orgItems(), values: {}, breadcrumbs: crumbs.slice(0, 1) })
  })

  app.post('/admin/users', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/index.njk`,
      context: async () => ({ title: 'Administration', users: await users(), orgItems: await orgItems(), breadcrumbs: crumbs.slice(0, 1) }),
      run: async () => {
        const u = await services.auth.createUser(parseForm(NewUserSchema, formBody(request)), request.actor)
        return { redirect: '/admin', flash: `Account created for ${u.email}` }
      },
    }))

  app.get<{ Querystring: Static<typeof FormatOnlyQuery> }>('/admin/audit', { config: { access: 'site-admin' }, schema: { querystring: FormatOnlyQuery } }, async (request, reply) => {
    const format = request.query.format
    if (streamExport(reply, format, 'audit-log', auditColumns, () => auditPages(services.db))) return reply
    const entries = await auditLog(services.db, { limit: 200 })
    return reply.view('partnerships/views/audit.njk', { title: 'Audit log (all partnerships)', entries: entries.map((e) => ({ ...e, changes: changedFields(e) })), breadcrumbs: crumbs })
  })
}
