/** Site administration: accounts and the whole audit log. Read and write: site administrators only. */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, ExportFormat } from '../platform/export.ts'
import { choice } from '../platform/validation.ts'
import { JOB_STATUSES, type Job, type JobStatus } from '../platform/jobs.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { AuditQuery } from '../platform/audit.ts'
import { auditLogPage } from '../platform/audit-page.ts'
import { formatDateTime } from '../platform/errors.ts'
import { capitalise } from '../platform/format.ts'
import { parseForm } from '../platform/validation.ts'
import { NewUserSchema } from '../platform/auth/service.ts'
import { MIN_PASSWORD_LENGTH } from '../platform/auth/passwords.ts'
import { formVersion } from '../platform/forms.ts'
import { OUTBOX_STATUSES, type OutboxMessage, type OutboxStatus } from '../platform/email/outbox.ts'

const V = 'admin/views'
/** ?format=csv|json and nothing else. */
const FormatOnlyQuery = Type.Object({ format: Type.Optional(Type.String()) })

interface AccountRow {
  id: number
  name: string
  email: string
  site_admin: boolean
  disabled: boolean
  last_sign_in_at: Date | null
  organisation_name: string | null
}

/** The accounts, on the Administration page and in its download. */
const accountsTable = defineTable<AccountRow>([
  {
    key: 'name',
    header: 'Name',
    value: (u) => u.name,
    html: (u) => `${link(`/admin/users/${u.id}`, u.name)}${u.site_admin ? ' (site administrator)' : ''}`,
  },
  { key: 'email', header: 'Email', value: (u) => u.email },
  { key: 'organisation', header: 'Organisation', value: (u) => u.organisation_name, empty: '–' },
  { key: 'site_admin', value: (u) => u.site_admin },
  {
    key: 'status',
    header: 'Status',
    value: (u) => (u.disabled ? 'Disabled' : 'Active'),
    html: (u) => (u.disabled ? tag('Disabled', 'grey') : tag('Active', 'green')),
  },
  {
    key: 'last_sign_in_at',
    header: 'Last signed in',
    value: (u) => u.last_sign_in_at,
    text: (u) => when(u.last_sign_in_at),
    empty: 'Never',
  },
])
const tag = (text: string, colour: string) => `<strong class="govuk-tag govuk-tag--${colour}">${escapeHtml(text)}</strong>`
const JOB_TAGS: Record<JobStatus, string> = { queued: 'grey', running: 'blue', done: 'green', failed: 'red', interrupted: 'orange' }
const OUTBOX_LABELS: Record<OutboxStatus, string> = {
  held: 'Held',
  queued: 'Waiting to send',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
}
const OUTBOX_TAGS: Record<OutboxStatus, string> = { held: 'yellow', queued: 'grey', sending: 'blue', sent: 'green', failed: 'red' }
const when = (d: Date | null) => (d ? formatDateTime(new Date(d)) : '')

/** Background jobs, on their page and in its download. */
const jobsTable = defineTable<Job>([
  { key: 'id', value: (j) => j.id },
  { key: 'kind', value: (j) => j.kind },
  {
    key: 'title',
    header: 'Job',
    value: (j) => j.title,
    html: (j) => `${link(`/admin/jobs/${j.id}`, j.title)}<br><span class="govuk-body-s">${escapeHtml(j.kind)} #${j.id}</span>`,
  },
  {
    key: 'status',
    header: 'Status',
    value: (j) => j.status,
    html: (j) => tag(capitalise(j.status), JOB_TAGS[j.status]),
  },
  { key: 'started_by', header: 'Started by', value: (j) => j.started_by_name, text: (j) => `${j.started_by_name} (${j.source})` },
  { key: 'source', value: (j) => j.source },
  { key: 'created_at', header: 'Queued', value: (j) => j.created_at, text: (j) => when(j.created_at) },
  { key: 'started_at', value: (j) => j.started_at },
  { key: 'finished_at', header: 'Finished', value: (j) => j.finished_at, text: (j) => when(j.finished_at), empty: '–' },
  { key: 'attempts', value: (j) => j.attempts },
  { key: 'error', value: (j) => j.error },
])

/** Every email, on the Outbox page and in its download. */
const outboxTable = defineTable<OutboxMessage>([
  { key: 'id', value: (m) => m.id },
  { key: 'to', header: 'To', value: (m) => m.to_address, classes: 'safer-break' },
  { key: 'to_name', value: (m) => m.to_name },
  { key: 'subject', header: 'Subject', value: (m) => m.subject, html: (m) => link(`/admin/outbox/${m.id}`, m.subject) },
  { key: 'reason', header: 'Reason', value: (m) => m.reason, classes: 'govuk-body-s' },
  { key: 'status', header: 'Status', value: (m) => m.status, html: (m) => tag(OUTBOX_LABELS[m.status], OUTBOX_TAGS[m.status]) },
  { key: 'created_at', header: 'Created', value: (m) => m.created_at, text: (m) => when(m.created_at) },
  { key: 'attempts', header: 'Attempts', value: (m) => m.attempts, numeric: true },
  {
    key: 'last_answer',
    header: 'Last answer',
    value: (m) => m.last_answer,
    text: (m) => m.last_answer ?? (m.status === 'held' ? 'No mail server is configured' : ''),
    empty: '–',
    classes: 'govuk-body-s',
  },
  { key: 'next_attempt_at', value: (m) => (m.status === 'queued' ? m.next_attempt_at : null) },
  { key: 'sent_at', value: (m) => m.sent_at },
  { key: 'template', value: (m) => m.template },
  { key: 'caused_by', value: (m) => m.created_by_name },
])

const accountsView = (rows: AccountRow[]) =>
  tableView(accountsTable, rows, { caption: 'Accounts', captionClasses: 'govuk-table__caption--m' })

export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const crumbs = [
    { text: 'Home', href: '/' },
    { text: 'Administration', href: '/admin' },
  ]
  const orgItems = async () => (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name }))
  const users = async () => {
    const rows = await services.auth.listUsers()
    const orgs = await services.organisations.names(rows.flatMap((u) => (u.organisation_id === null ? [] : [u.organisation_id])))
    return rows.map((u) => ({ ...u, organisation_name: (u.organisation_id !== null && orgs.get(u.organisation_id)) || null }))
  }
  const indexContext = async (rows: AccountRow[]) => ({
    title: 'Administration',
    accounts: accountsView(rows),
    orgItems: await orgItems(),
    minLength: MIN_PASSWORD_LENGTH,
    breadcrumbs: crumbs.slice(0, 1),
  })

  app.get<{ Querystring: Static<typeof FormatOnlyQuery> }>(
    '/admin',
    { config: { access: 'site-admin' }, schema: { querystring: FormatOnlyQuery } },
    async (request, reply) => {
      const rows = await users()
      if (sendExport(reply, request.query.format, 'users', rows, accountsTable)) return reply
      return reply.view(`${V}/index.njk`, { ...(await indexContext(rows)), values: {} })
    },
  )

  app.post('/admin/users', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/index.njk`,
      context: async () => indexContext(await users()),
      run: async () => {
        const u = await services.auth.createUser(parseForm(NewUserSchema, formBody(request)), request.actor)
        return { redirect: '/admin', flash: `Account created for ${u.email}` }
      },
    }),
  )

  // ---- One account: edit its name and email address, disable or re-enable it ----
  const UserParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) })
  // The page, its form filled in from the account (a form sent back with errors shows what was sent instead: handleForm).
  const userContext = async (id: number) => {
    const account = await services.auth.getUser(id)
    return {
      title: account.name,
      account,
      organisationName: await services.auth.organisationName(account),
      breadcrumbs: crumbs,
      values: { name: account.name, email: account.email, version: account.version },
    }
  }
  app.get<{ Params: Static<typeof UserParams> }>(
    '/admin/users/:id',
    { config: { access: 'site-admin' }, schema: { params: UserParams } },
    async (request, reply) => reply.view(`${V}/user.njk`, await userContext(request.params.id)),
  )
  app.post<{ Params: Static<typeof UserParams> }>(
    '/admin/users/:id',
    { config: { access: 'site-admin' }, schema: { params: UserParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/user.njk`,
        context: () => userContext(request.params.id),
        run: async () => {
          const body = formBody(request)
          const u = await services.auth.updateUser(
            request.params.id,
            { name: String(body.name ?? ''), email: String(body.email ?? ''), version: formVersion(request) },
            request.actor,
          )
          return { redirect: `/admin/users/${u.id}`, flash: 'Account details saved' }
        },
      }),
  )
  for (const action of ['disable', 'enable'] as const) {
    app.post<{ Params: Static<typeof UserParams> }>(
      `/admin/users/:id/${action}`,
      { config: { access: 'site-admin' }, schema: { params: UserParams } },
      async (request, reply) =>
        handleForm(request, reply, {
          template: `${V}/user.njk`,
          context: () => userContext(request.params.id),
          valuesFromContext: true,
          run: async () => {
            const u = await services.auth.setDisabled(request.params.id, action === 'disable', request.actor)
            return {
              redirect: `/admin/users/${u.id}`,
              flash:
                action === 'disable' ? `${u.email} is disabled: signed out everywhere, API tokens revoked` : `${u.email} can sign in again`,
            }
          },
        }),
    )
  }

  app.get<{ Querystring: AuditQuery }>(
    '/admin/audit',
    { config: { access: 'site-admin' }, schema: { querystring: AuditQuery } },
    async (request, reply) => {
      const view = await auditLogPage(reply, services, request.query, { here: '/admin/audit', filename: 'audit-log' })
      if (!view) return reply
      return reply.view('partnerships/views/audit.njk', { ...view, title: 'Audit log (all partnerships)', breadcrumbs: crumbs })
    },
  )

  // ---- Background jobs: what runs, what failed, what is scheduled; an interrupted or failed job can be run again ----
  const jobCrumbs = [...crumbs, { text: 'Background jobs', href: '/admin/jobs' }]
  app.get(
    '/admin/jobs',
    {
      config: { access: 'site-admin' },
      schema: { querystring: Type.Object({ format: ExportFormat, status: Type.Optional(choice(JOB_STATUSES, 'Status')) }) },
    },
    async (request, reply) => {
      const { format, status } = request.query as { format?: string; status?: JobStatus }
      const jobs = await services.jobs.list({ status, limit: 200 })
      if (sendExport(reply, format, 'jobs', jobs, jobsTable)) return reply
      const caption = `Jobs${status ? ` (${status})` : ''}, newest first`
      return reply.view(`${V}/jobs.njk`, {
        title: 'Background jobs',
        jobs,
        table: tableView(jobsTable, jobs, { caption, captionClasses: 'govuk-table__caption--m' }),
        status,
        statuses: JOB_STATUSES,
        schedules: await services.jobs.schedules(),
        breadcrumbs: crumbs,
      })
    },
  )

  app.get(
    '/admin/jobs/:id',
    { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } },
    async (request, reply) => {
      const job = await services.jobs.get((request.params as { id: string }).id)
      const rerunRefused = job.status === 'failed' || job.status === 'interrupted' ? services.jobs.whyNotRerun(job) : undefined
      return reply.view(`${V}/job.njk`, { title: `Job ${job.id}: ${job.title}`, job, rerunRefused, breadcrumbs: jobCrumbs })
    },
  )

  app.post(
    '/admin/jobs/:id/rerun',
    { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } },
    async (request, reply) => {
      const again = await services.jobs.rerun((request.params as { id: string }).id, request.actor)
      return reply.redirect(`/admin/jobs/${again.id}`, 303)
    },
  )

  // ---- Outbox: every email, its status and the mail server's answer; without SMTP_URL, messages are held here ----
  const outboxCrumbs = [...crumbs, { text: 'Outbox', href: '/admin/outbox' }]
  const outboxMessages = async (status?: OutboxStatus) => {
    const messages = await services.outbox.list({ status, limit: 200 })
    const caption = `Messages${status ? ` (${OUTBOX_LABELS[status].toLowerCase()})` : ''}, newest first`
    return { title: 'Outbox', messages, table: tableView(outboxTable, messages, { caption, captionClasses: 'govuk-table__caption--m' }) }
  }
  const TestEmailSchema = Type.Object({ email: Type.String({ format: 'email', maxLength: 254, title: 'Email address' }) })
  const outboxContext = async (status?: OutboxStatus) => ({
    ...(await outboxMessages(status)),
    status,
    statuses: OUTBOX_STATUSES,
    counts: await services.outbox.counts(),
    mailServer: services.outbox.mailServer,
    from: services.outbox.from,
    breadcrumbs: crumbs,
  })
  app.get(
    '/admin/outbox',
    {
      config: { access: 'site-admin' },
      schema: { querystring: Type.Object({ format: ExportFormat, status: Type.Optional(choice(OUTBOX_STATUSES, 'Status')) }) },
    },
    async (request, reply) => {
      const { format, status } = request.query as { format?: string; status?: OutboxStatus }
      const context = await outboxContext(status)
      if (sendExport(reply, format, 'outbox', context.messages, outboxTable)) return reply
      return reply.view(`${V}/outbox.njk`, { ...context, values: { email: request.user?.email } })
    },
  )

  app.post('/admin/outbox/test', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/outbox.njk`,
      context: () => outboxContext(),
      run: async () => {
        const { email } = parseForm(TestEmailSchema, request.body as Record<string, unknown>)
        const m = await services.outbox.sendTest(email, request.actor)
        return {
          redirect: `/admin/outbox/${m.id}`,
          flash:
            m.status === 'held'
              ? `Test message to ${email} held in the outbox: no mail server is configured`
              : `Test message to ${email} queued to send`,
        }
      },
    }),
  )

  app.get(
    '/admin/outbox/:id',
    { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } },
    async (request, reply) => {
      const message = await services.outbox.get((request.params as { id: string }).id)
      return reply.view(`${V}/outbox-message.njk`, {
        title: `Email ${message.id}: ${message.subject}`,
        message,
        canSendAgain: services.outbox.canSendAgain(message),
        mailServer: services.outbox.mailServer,
        breadcrumbs: outboxCrumbs,
      })
    },
  )

  // The message's HTML on its own, for the frame on the message page. Its own policy makes it a sandbox: no script
  // runs, nothing loads from elsewhere, and it may be framed only by Safer's own pages.
  app.get(
    '/admin/outbox/:id/html',
    { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } },
    async (request, reply) => {
      const message = await services.outbox.get((request.params as { id: string }).id)
      return reply
        .header('content-security-policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
        .header('x-frame-options', 'SAMEORIGIN')
        .type('text/html; charset=utf-8')
        .send(message.html_body)
    },
  )

  app.post(
    '/admin/outbox/:id/send-again',
    { config: { access: 'site-admin' }, schema: { params: Type.Object({ id: Type.String() }) } },
    async (request, reply) => {
      const message = await services.outbox.sendAgain((request.params as { id: string }).id, request.actor)
      reply.flash(`Email to ${message.to_address} queued to send again`)
      return reply.redirect(`/admin/outbox/${message.id}`, 303)
    },
  )
}
