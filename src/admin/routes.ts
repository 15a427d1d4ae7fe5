/** Site administration: accounts and the whole audit log. Read and write: site administrators only. */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, streamExport, ExportFormat } from '../platform/export.ts'
import { choice } from '../platform/validation.ts'
import { JOB_STATUSES, type Job, type JobStatus } from '../platform/jobs.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { auditTable, auditLog, auditPages } from '../platform/audit.ts'
import { formatDateTime } from '../platform/errors.ts'
import { parseForm } from '../platform/validation.ts'
import { NewUserSchema } from '../platform/auth/service.ts'

const V = 'admin/views'
/** ?format=csv|json and nothing else. */
const FormatOnlyQuery = Type.Object({ format: Type.Optional(Type.String()) })

interface AccountRow { id: number; name: string; email: string; site_admin: boolean; disabled: boolean; last_sign_in_at: Date | null; organisation_name: string | null }

/** The accounts, on the Administration page and in its download. */
const accountsTable = defineTable<AccountRow>([
  { key: 'name', header: 'Name', value: (u) => u.name, text: (u) => `${u.name}${u.site_admin ? ' (site administrator)' : ''}` },
  { key: 'email', header: 'Email', value: (u) => u.email },
  { key: 'organisation', header: 'Organisation', value: (u) => u.organisation_name, empty: '–' },
  { key: 'site_admin', value: (u) => u.site_admin },
  { key: 'last_sign_in_at', header: 'Last signed in', value: (u) => u.last_sign_in_at, text: (u) => (u.last_sign_in_at ? formatDateTime(new Date(u.last_sign_in_at)) : ''), empty: 'Never' },
])
const STATUS_TAG: Record<JobStatus, string> = { queued: 'govuk-tag--grey', running: 'govuk-tag--blue', done: 'govuk-tag--green', failed: 'govuk-tag--red', interrupted: 'govuk-tag--orange' }
const when = (d: Date | null) => (d ? formatDateTime(new Date(d)) : '')

/** Background jobs, on their page and in its download. */
const jobsTable = defineTable<Job>([
  { key: 'id', value: (j) => j.id },
  { key: 'kind', value: (j) => j.kind },
  { key: 'title', header: 'Job', value: (j) => j.title, html: (j) => `${link(`/admin/jobs/${j.id}`, j.title)}<br><span class="govuk-body-s">${escapeHtml(j.kind)} #${j.id}</span>` },
  { key: 'status', header: 'Status', value: (j) => j.status, html: (j) => `<strong class="govuk-tag ${STATUS_TAG[j.status]}">${escapeHtml(j.status[0].toUpperCase() + j.status.slice(1))}</strong>` },
  { key: 'started_by', header: 'Started by', value: (j) => j.started_by_name, text: (j) => `${j.started_by_name} (${j.source})` },
  { key: 'source', value: (j) => j.source },
  { key: 'created_at', header: 'Queued', value: (j) => j.created_at, text: (j) => when(j.created_at) },
  { key: 'started_at', value: (j) => j.started_at },
  { key: 'finished_at', header: 'Finished', value: (j) => j.finished_at, text: (j) => when(j.finished_at), empty: '–' },
  { key: 'attempts', value: (j) => j.attempts },
  { key: 'error', value: (j) => j.error },
])

const accountsView = (rows: AccountRow[]) => tableView(accountsTable, rows, { caption: 'Accounts', captionClasses: 'govuk-table__caption--m' })

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
    if (sendExport(reply, request.query.format, 'users', rows, accountsTable)) return reply
    return reply.view(`${V}/index.njk`, { title: 'Administration', accounts: accountsView(rows), orgItems: await orgItems(), values: {}, breadcrumbs: crumbs.slice(0, 1) })
  })

  app.post('/admin/users', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/index.njk`,
      context: async () => ({ title: 'Administration', accounts: accountsView(await users()), orgItems: await orgItems(), breadcrumbs: crumbs.slice(0, 1) }),
      run: async () => {
        const u = await services.auth.createUser(parseForm(NewUserSchema, formBody(request)), request.actor)
        return { redirect: '/admin', flash: `Account created for ${u.email}` }
      },
    }))

  app.get<{ Querystring: Static<typeof FormatOnlyQuery> }>('/admin/audit', { config: { access: 'site-admin' }, schema: { querystring: FormatOnlyQuery } }, async (request, reply) => {
    const format = request.query.format
    if (streamExport(reply, format, 'audit-log', auditTable, () => auditPages(services.db))) return reply
    const entries = await auditLog(services.db, { limit: 200 })
    return reply.view('partnerships/views/audit.njk', { title: 'Audit log (all partnerships)', entries, table: tableView(auditTable, entries, { caption: 'Changes', captionClasses: 'govuk-table__caption--m govuk-visually-hidden' }), breadcrumbs: crumbs })
  })

  // ---- Background jobs: what runs, what failed, what is scheduled; an interrupted or failed job can be run again ----
  const jobCrumbs = [...crumbs, { text: 'Background jobs', href: '/admin/jobs' }]
  app.get('/admin/jobs', { config: { access: 'site-admin' }, schema: { querystring: Type.Object({ format: ExportFormat, status: Type.Optional(choice(JOB_STATUSES, 'Status')) }) } }, async (request, reply) => {
    const { format, status } = request.query as { format?: string; status?: JobStatus }
    const jobs = await services.jobs.list({ status, limit: 200 })
    if (sendExport(reply, format, 'jobs', jobs, jobsTable)) return reply
    const caption = `Jobs${status ? ` (${status})` : ''}, newest first`
    return reply.view(`${V}/jobs.njk`, { title: 'Background jobs', jobs, table: tableView(jobsTable, jobs, { caption, captionClasses: 'govuk-table__caption--m' }), status, statuses: JOB_STATUSES, schedules: await services.jobs.schedules(), breadcrumbs: crumbs })
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
