/** Site administration: accounts and the whole audit log. Read and write: site administrators only. */
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm } from '../platform/forms.ts'
import { sendExport, streamExport, ExportFormat, type Column } from '../platform/export.ts'
import { choice } from '../platform/validation.ts'
import { JOB_STATUSES, type Job, type JobStatus } from '../platform/jobs.ts'
import { auditColumns, auditLog, auditPages, changedFields } from '../platform/audit.ts'
import { parseForm } from '../platform/validation.ts'
import { NewUserSchema } from '../platform/auth/service.ts'
import { OUTBOX_STATUSES, type OutboxMessage, type OutboxStatus } from '../platform/email/outbox.ts'

const V = 'admin/views'

export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const crumbs = [{ text: 'Home', href: '/' }, { text: 'Administration', href: '/admin' }]
  const orgItems = async () => (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name }))
  const users = () => services.db.query(`SELECT u.id, u.name, u.email, u.site_admin, u.disabled, u.last_sign_in_at, o.name AS organisation_name FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id ORDER BY u.name`)

  app.get('/admin', { config: { access: 'site-admin' }, schema: { querystring: Type.Object({ format: Type.Optional(Type.String()) }) } }, async (request, reply) => {
    const rows = await users()
    if (sendExport(reply, (request.query as any).format, 'users', rows, [
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
        const u = await services.auth.createUser(parseForm(NewUserSchema, request.body as any), request.actor)
        return { redirect: '/admin', flash: `Account created for ${u.email}` }
      },
    }))

  app.get('/admin/audit', { config: { access: 'site-admin' }, schema: { querystring: Type.Object({ format: Type.Optional(Type.String()) }) } }, async (request, reply) => {
    const format = (request.query as any).format
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
    return reply.view(`${V}/job.njk`, { title: `Job ${job.id}: ${job.title}`, job, breadcrumbs: jobCrumbs })
  })

  app.post('/admin/jobs/:id/rerun', { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const again = await services.jobs.rerun((request.params as { id: string }).id, request.actor)
    return reply.redirect(`/admin/jobs/${again.id}`, 303)
  })

  // ---- Outbox: every email, its status and the mail server's answer; without SMTP_URL, messages are held here ----
  const outboxCrumbs = [...crumbs, { text: 'Outbox', href: '/admin/outbox' }]
  const outboxColumns: Column<OutboxMessage>[] = [
    { header: 'id', value: (m) => m.id }, { header: 'to', value: (m) => m.to_address }, { header: 'to_name', value: (m) => m.to_name },
    { header: 'subject', value: (m) => m.subject }, { header: 'reason', value: (m) => m.reason }, { header: 'status', value: (m) => m.status },
    { header: 'created_at', value: (m) => m.created_at }, { header: 'attempts', value: (m) => m.attempts }, { header: 'last_answer', value: (m) => m.last_answer },
    { header: 'next_attempt_at', value: (m) => (m.status === 'queued' ? m.next_attempt_at : null) }, { header: 'sent_at', value: (m) => m.sent_at },
    { header: 'template', value: (m) => m.template }, { header: 'caused_by', value: (m) => m.created_by_name },
  ]
  const TestEmailSchema = Type.Object({ email: Type.String({ format: 'email', maxLength: 254, title: 'Email address' }) })
  const outboxContext = async (status?: OutboxStatus) => ({
    title: 'Outbox', messages: await services.outbox.list({ status, limit: 200 }), status, statuses: OUTBOX_STATUSES, counts: await services.outbox.counts(),
    mailServer: services.outbox.mailServer, from: services.outbox.from, breadcrumbs: crumbs,
  })
  app.get('/admin/outbox', { config: { access: 'site-admin' }, schema: { querystring: Type.Object({ format: ExportFormat, status: Type.Optional(choice(OUTBOX_STATUSES, 'Status')) }) } }, async (request, reply) => {
    const { format, status } = request.query as { format?: string; status?: OutboxStatus }
    const context = await outboxContext(status)
    if (sendExport(reply, format, 'outbox', context.messages, outboxColumns)) return reply
    return reply.view(`${V}/outbox.njk`, { ...context, values: { email: request.user?.email } })
  })

  app.post('/admin/outbox/test', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/outbox.njk`,
      context: () => outboxContext(),
      run: async () => {
        const { email } = parseForm(TestEmailSchema, request.body as Record<string, unknown>)
        const m = await services.outbox.sendTest(email, request.actor)
        return { redirect: `/admin/outbox/${m.id}`, flash: m.status === 'held' ? `Test message to ${email} held in the outbox: no mail server is configured` : `Test message to ${email} queued to send` }
      },
    }))

  app.get('/admin/outbox/:id', { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const message = await services.outbox.get((request.params as { id: string }).id)
    return reply.view(`${V}/outbox-message.njk`, { title: `Email ${message.id}: ${message.subject}`, message, canSendAgain: services.outbox.canSendAgain(message), mailServer: services.outbox.mailServer, breadcrumbs: outboxCrumbs })
  })

  // The message's HTML on its own, for the frame on the message page. Its own policy makes it a sandbox: no script
  // runs, nothing loads from elsewhere, and it may be framed only by Safer's own pages.
  app.get('/admin/outbox/:id/html', { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const message = await services.outbox.get((request.params as { id: string }).id)
    return reply
      .header('content-security-policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(message.html_body)
  })

  app.post('/admin/outbox/:id/send-again', { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const message = await services.outbox.sendAgain((request.params as { id: string }).id, request.actor)
    reply.flash(`Email to ${message.to_address} queued to send again`)
    return reply.redirect(`/admin/outbox/${message.id}`, 303)
  })
}
