/** Site administration: accounts and the whole audit log. Read and write: site administrators only. */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm } from '../platform/forms.ts'
import { sendExport, streamExport } from '../platform/export.ts'
import { defineTable, tableView } from '../platform/tables.ts'
import { auditTable, auditLog, auditPages } from '../platform/audit.ts'
import { formatDateTime } from '../platform/errors.ts'
import { parseForm } from '../platform/validation.ts'
import { NewUserSchema } from '../platform/auth/service.ts'

const V = 'admin/views'

interface AccountRow { id: number; name: string; email: string; site_admin: boolean; disabled: boolean; last_sign_in_at: Date | null; organisation_name: string | null }

/** The accounts, on the Administration page and in its download. */
const accountsTable = defineTable<AccountRow>([
  { key: 'name', header: 'Name', value: (u) => u.name, text: (u) => `${u.name}${u.site_admin ? ' (site administrator)' : ''}` },
  { key: 'email', header: 'Email', value: (u) => u.email },
  { key: 'organisation', header: 'Organisation', value: (u) => u.organisation_name, empty: '–' },
  { key: 'site_admin', value: (u) => u.site_admin },
  { key: 'last_sign_in_at', header: 'Last signed in', value: (u) => u.last_sign_in_at, text: (u) => (u.last_sign_in_at ? formatDateTime(new Date(u.last_sign_in_at)) : ''), empty: 'Never' },
])
const accountsView = (rows: AccountRow[]) => tableView(accountsTable, rows, { caption: 'Accounts', captionClasses: 'govuk-table__caption--m' })

export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const crumbs = [{ text: 'Home', href: '/' }, { text: 'Administration', href: '/admin' }]
  const orgItems = async () => (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name }))
  const users = () => services.db.query<AccountRow>(`SELECT u.id, u.name, u.email, u.site_admin, u.disabled, u.last_sign_in_at, o.name AS organisation_name FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id ORDER BY u.name`)

  app.get('/admin', { config: { access: 'site-admin' }, schema: { querystring: Type.Object({ format: Type.Optional(Type.String()) }) } }, async (request, reply) => {
    const rows = await users()
    if (sendExport(reply, (request.query as any).format, 'users', rows, accountsTable)) return reply
    return reply.view(`${V}/index.njk`, { title: 'Administration', accounts: accountsView(rows), orgItems: await orgItems(), values: {}, breadcrumbs: crumbs.slice(0, 1) })
  })

  app.post('/admin/users', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/index.njk`,
      context: async () => ({ title: 'Administration', accounts: accountsView(await users()), orgItems: await orgItems(), breadcrumbs: crumbs.slice(0, 1) }),
      run: async () => {
        const u = await services.auth.createUser(parseForm(NewUserSchema, request.body as any), request.actor)
        return { redirect: '/admin', flash: `Account created for ${u.email}` }
      },
    }))

  app.get('/admin/audit', { config: { access: 'site-admin' }, schema: { querystring: Type.Object({ format: Type.Optional(Type.String()) }) } }, async (request, reply) => {
    const format = (request.query as any).format
    if (streamExport(reply, format, 'audit-log', auditTable, () => auditPages(services.db))) return reply
    const entries = await auditLog(services.db, { limit: 200 })
    return reply.view('partnerships/views/audit.njk', { title: 'Audit log (all partnerships)', entries, table: tableView(auditTable, entries, { caption: 'Changes', captionClasses: 'govuk-table__caption--m govuk-visually-hidden' }), breadcrumbs: crumbs })
  })
}
