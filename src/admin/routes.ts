/** Site administration: accounts and the whole audit log. Read and write: site administrators only. */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, streamExport, ExportFormat, type Column } from '../platform/export.ts'
import { choice } from '../platform/validation.ts'
import { JOB_STATUSES, type Job, type JobStatus } from '../platform/jobs.ts'
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

  // ---- Background jobs: what runs, what failed, what is scheduled; an interrupted or failed job can be run again ----
  const jobCrumbs = [...crumbs, { text: 'Background jobs', href: '/admin/jobs' }]
  const jobColumns: Column<Job>[] = [
    { header: 'id', value: (j) => j.id }, { header: 'kind', value: (j) => j.kind }, { header: 'title', value: (j) => j.title },
    { header: 'status', value: (j) => j.status }, { header: 'started_by', value: (j) => j.started_by_name }, { header: 'source', value: (j) => j.source },
    { header: 'created_at', value: (j) => j.created_at }, { header: 'started_at', value: (j) => j.started_at }, { header: 'finished_at', value: (j) => j.finished_at },
    { header: 'attempts', value: (j) => j.attempts }, { header: 'error', value: (j) => j.error },
  ]
  app.get('/admin/jobs', { config: { access: 'site-admin' }, schema: { querystring: Type.Object({ format: ExportFormat, status: Type.Optional(choice(JOB_STATUSES, 'Status')) }) } }, async (request, reply) => {
    const { format, status } = request.query as { format?: string; status?: JobStatus }
    const jobs = await services.jobs.list({ status, limit: 200 })
    if (sendExport(reply, format, 'jobs', jobs, jobColumns)) return reply
    return reply.view(`${V}/jobs.njk`, { title: 'Background jobs', jobs, status, statuses: JOB_STATUSES, schedules: await services.jobs.schedules(), breadcrumbs: crumbs })
  })

  app.get('/admin/jobs/:id', { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const job = await services.jobs.get((request.params as { id: string }).id)
    const rerunRefused = job.status === 'failed' || job.status === 'interrupted' ? services.jobs.whyNotRerun(job) : undefined
    return reply.view(`${V}/job.njk`, { title: `Job ${job.id}: ${job.title}`, job, rerunRefused, breadcrumbs: jobCrumbs })
  })

  app.post('/admin/jobs/:id/rerun', { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const again = await services.jobs.rerun((request.params as { id: string }).id, request.actor)
    return reply.redirect(`/admin/jobs/${again.id}`, 303)
  })
}
