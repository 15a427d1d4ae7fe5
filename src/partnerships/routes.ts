/**
 * Partnerships: the list, each partnership's overview, its settings, its people and roles, its audit log.
 * Read: the public sees published partnerships; members see their own. Write: the partnership's admins;
 * creating a partnership: site administrators.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, FormatQuery } from '../platform/export.ts'
import { defineTable, tableView } from '../platform/tables.ts'
import { plural } from '../platform/format.ts'
import { historyOf } from '../platform/audit.ts'
import { auditLogPage } from '../platform/audit-page.ts'
import { ForbiddenError } from '../platform/errors.ts'
import { parseForm } from '../platform/validation.ts'
import { ROLES, ROLE_LABELS, type Role } from '../platform/auth/service.ts'
import { partnershipJson } from './service.ts'
import {
  type AddPersonInput,
  AuditQuery,
  FormatOnlyQuery,
  HistoryParams,
  HistoryQuery,
  PartnershipInput,
  PartnershipJson,
  PartnershipParams,
  PersonParams,
  InvitationParams,
  TokenParams,
} from './schema.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { MIN_PASSWORD_LENGTH } from '../platform/auth/passwords.ts'
import { formatDateTime } from '../platform/errors.ts'
import { hasRole, isMember, type Partnership } from '../platform/access.ts'
import { escapeHtml } from '../platform/html.ts'

const V = 'partnerships/views'
const roleItems = ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] }))

/** The partnerships a person may see: the page lists them by name; the download has these columns. */
type Person = Awaited<ReturnType<Services['partnerships']['people']>>[number]

/** The partnership's people and their roles, on the People and roles page and in its download. */
const peopleTable = defineTable<Person>([
  {
    key: 'name',
    header: 'Name',
    value: (x) => x.name,
    html: (x) => `${escapeHtml(x.name)}<br><span class="govuk-body-s">${escapeHtml(x.email)}</span>`,
  },
  { key: 'email', value: (x) => x.email },
  { key: 'organisation', header: 'Organisation', value: (x) => x.organisation_name, empty: '–' },
  { key: 'role', header: 'Role', value: (x) => x.role, text: (x) => ROLE_LABELS[x.role] },
  {
    key: 'remove',
    header: 'Actions',
    hiddenHeader: true,
    pageOnly: true,
    value: () => null,
    html: (x, page) =>
      `<form method="post" action="/partnerships/${escapeHtml(page.slug)}/people/${x.user_id}/remove"><input type="hidden" name="_csrf" value="${escapeHtml(page.csrfToken)}">` +
      `<button class="safer-link-button" type="submit">Remove<span class="govuk-visually-hidden"> ${escapeHtml(x.name)}</span></button></form>`,
  },
])

type PendingInvitation = Awaited<ReturnType<Services['partnerships']['invitations']>>[number]

/** Invitations waiting to be accepted, on the People and roles page, each with Resend and Withdraw. */
const invitationsTable = defineTable<PendingInvitation>([
  { key: 'email', header: 'Email address', value: (x) => x.email, classes: 'safer-break' },
  { key: 'role', header: 'Role', value: (x) => x.role, text: (x) => ROLE_LABELS[x.role] },
  {
    key: 'expires_at',
    header: 'Link',
    value: (x) => x.expires_at,
    html: (x) =>
      x.expired
        ? '<strong class="govuk-tag govuk-tag--grey">Expired</strong>'
        : `Works until ${escapeHtml(formatDateTime(new Date(x.expires_at)))}`,
  },
  { key: 'sent_count', header: 'Sent', value: (x) => x.sent_count, text: (x) => (x.sent_count === 1 ? 'Once' : `${x.sent_count} times`) },
  {
    key: 'actions',
    header: 'Actions',
    hiddenHeader: true,
    pageOnly: true,
    value: () => null,
    html: (x, page) =>
      ['resend', 'withdraw']
        .map(
          (action) =>
            `<form method="post" action="/partnerships/${escapeHtml(page.slug)}/invitations/${x.id}/${action}" class="safer-inline-form"><input type="hidden" name="_csrf" value="${escapeHtml(page.csrfToken)}">` +
            `<button class="safer-link-button" type="submit">${action === 'resend' ? 'Resend' : 'Withdraw'}<span class="govuk-visually-hidden"> the invitation to ${escapeHtml(x.email)}</span></button></form>`,
        )
        .join(' '),
  },
])

const partnershipsTable = defineTable<Partnership>([
  { key: 'slug', value: (r) => r.slug },
  { key: 'name', value: (r) => r.name },
  { key: 'area_code', value: (r) => r.area_code },
  { key: 'published', value: (r) => r.published },
  { key: 'kind', value: (r) => r.kind },
])

export async function partnershipRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const ps = services.partnerships
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
  ]
  const areaItems = async () =>
    (await services.organisations.listAreas()).map((a) => ({ value: a.code, text: `${a.name} (${a.type}, ${a.code})` }))

  app.get<{ Querystring: Static<typeof FormatOnlyQuery> }>(
    '/partnerships',
    { config: { access: 'public' }, schema: { querystring: FormatOnlyQuery } },
    async (request, reply) => {
      const rows = await ps.visibleTo(request.user)
      if (sendExport(reply, request.query.format, 'partnerships', rows, partnershipsTable)) return reply
      return reply.view(`${V}/list.njk`, { title: 'Partnerships', partnerships: rows })
    },
  )

  app.get('/partnerships/new', { config: { access: 'site-admin' } }, async (_request, reply) =>
    reply.view(`${V}/form.njk`, {
      title: 'Add a partnership',
      values: {},
      isNew: true,
      areaItems: await areaItems(),
      action: '/partnerships/new',
      breadcrumbs: [{ text: 'Partnerships', href: '/partnerships' }],
    }),
  )

  app.post('/partnerships/new', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/form.njk`,
      context: async () => ({ title: 'Add a partnership', isNew: true, areaItems: await areaItems(), action: '/partnerships/new' }),
      run: async () => {
        const created = await ps.create(parseForm(PartnershipInput, formBody(request)), request.actor)
        return { redirect: `/partnerships/${created.slug}`, flash: `${created.name} created` }
      },
    }),
  )

  app.get('/partnerships/:partnership', { config: { access: { partnership: 'public' } } }, async (request, reply) => {
    const partnership = p(request)
    const { panels, manage } = await ps.overview(partnership, { includeUnpublished: isMember(request) })
    return reply.view(`${V}/overview.njk`, {
      title: partnership.name,
      panels,
      manage,
      breadcrumbs: [{ text: 'Partnerships', href: '/partnerships' }],
    })
  })

  app.get('/partnerships/:partnership/settings', { config: { access: { partnership: 'admin' } } }, async (request, reply) => {
    const x = p(request)
    return reply.view(`${V}/form.njk`, {
      title: 'Partnership settings',
      values: { name: x.name, shortName: x.short_name, areaCode: x.area_code, published: x.published, kind: x.kind, version: x.version },
      areaItems: await areaItems(),
      action: `${base(request)}/settings`,
      breadcrumbs: crumbs(request),
    })
  })

  app.post('/partnerships/:partnership/settings', { config: { access: { partnership: 'admin' } } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/form.njk`,
      context: async () => ({
        title: 'Partnership settings',
        areaItems: await areaItems(),
        action: `${base(request)}/settings`,
        breadcrumbs: crumbs(request),
      }),
      run: async () => {
        const updated = await ps.update(
          p(request),
          parseForm(PartnershipInput, { ...formBody(request), slug: p(request).slug }),
          request.actor,
        )
        return { redirect: `/partnerships/${updated.slug}`, flash: 'Settings saved' }
      },
    }),
  )

  const peopleContext = async (request: FastifyRequest, people?: Person[]) => {
    people ??= await ps.people(p(request).id)
    const table = tableView(peopleTable, people, {
      caption: plural(people.length, 'person', 'people'),
      captionClasses: 'govuk-table__caption--m',
      page: { slug: p(request).slug, csrfToken: request.csrfToken },
    })
    const invitations = await ps.invitations(p(request).id)
    return {
      title: 'People and roles',
      people,
      table,
      invitations: invitations.length
        ? tableView(invitationsTable, invitations, {
            caption: `Invitations waiting (${invitations.length})`,
            captionClasses: 'govuk-table__caption--m',
            page: { slug: p(request).slug, csrfToken: request.csrfToken },
          })
        : undefined,
      roleItems,
      breadcrumbs: crumbs(request),
    }
  }

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/people',
    { config: { access: { partnership: 'admin' } }, schema: { querystring: FormatQuery } },
    async (request, reply) => {
      const people = await ps.people(p(request).id)
      if (sendExport(reply, request.query.format, `people-${p(request).slug}`, people, peopleTable)) return reply
      return reply.view(`${V}/people.njk`, { ...(await peopleContext(request, people)), values: {} })
    },
  )

  app.post('/partnerships/:partnership/people', { config: { access: { partnership: 'admin' } } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/people.njk`,
      context: () => peopleContext(request),
      run: async () => {
        const body = formBody(request) as Static<typeof AddPersonInput>
        const user = await ps.addPerson(p(request), body.email, body.role as Role, request.actor)
        return { redirect: `${base(request)}/people`, flash: `${user.name} is now ${ROLE_LABELS[body.role as Role]?.toLowerCase()}` }
      },
    }),
  )

  app.post<{ Params: Static<typeof PersonParams> }>(
    '/partnerships/:partnership/people/:userId/remove',
    { config: { access: { partnership: 'admin' } }, schema: { params: PersonParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/people.njk`,
        context: () => peopleContext(request),
        run: async () => {
          await ps.removePerson(p(request), request.params.userId, request.actor)
          return { redirect: `${base(request)}/people`, flash: 'Removed from the partnership' }
        },
      }),
  )

  // ---- Invitations: by email, with the role chosen now; resent (a new link) or withdrawn by the partnership's admins ----

  app.post('/partnerships/:partnership/invitations', { config: { access: { partnership: 'admin' } } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/people.njk`,
      context: () => peopleContext(request),
      run: async () => {
        const body = formBody(request)
        const invitation = await ps.invite(p(request), { email: body.inviteEmail, role: body.inviteRole }, request.actor).catch((err) => {
          // The invitation form's fields are inviteEmail and inviteRole (the page has another form with email and role).
          if (err instanceof ValidationError)
            throw new ValidationError(
              Object.fromEntries(
                Object.entries(err.fields).map(([k, v]) => [k === 'email' ? 'inviteEmail' : k === 'role' ? 'inviteRole' : k, v]),
              ),
            )
          throw err
        })
        return { redirect: `${base(request)}/people`, flash: `Invitation sent to ${invitation.email}` }
      },
    }),
  )

  // Resend (a new link; the old one stops working) or withdraw a pending invitation.
  const invitationActions = {
    resend: async (request: FastifyRequest<{ Params: Static<typeof InvitationParams> }>) => {
      const invitation = await ps.resendInvitation(p(request), request.params.invitation, request.actor)
      return `Invitation sent again to ${invitation.email}. The link sent before no longer works.`
    },
    withdraw: async (request: FastifyRequest<{ Params: Static<typeof InvitationParams> }>) => {
      const invitation = await ps.withdrawInvitation(p(request), request.params.invitation, request.actor)
      return `Invitation to ${invitation.email} withdrawn`
    },
  }
  for (const [action, run] of Object.entries(invitationActions))
    app.post<{ Params: Static<typeof InvitationParams> }>(
      `/partnerships/:partnership/invitations/:invitation/${action}`,
      { config: { access: { partnership: 'admin' } }, schema: { params: InvitationParams } },
      async (request, reply) =>
        handleForm(request, reply, {
          template: `${V}/people.njk`,
          context: () => peopleContext(request),
          run: async () => ({ redirect: `${base(request)}/people`, flash: await run(request) }),
        }),
    )

  // Accepting: the link in the email. Public (the person may have no account yet); the token is the permission.
  const invitationExpired = (reply: FastifyReply) =>
    reply.code(404).view('platform/auth/views/link-expired.njk', {
      title: 'This invitation link has expired or has already been used',
      what: 'invitation',
      again: { text: 'Ask the partnership administrator who invited you to send the invitation again.' },
    })
  const acceptContext = (found: NonNullable<Awaited<ReturnType<typeof ps.invitationByToken>>>) => ({
    title: `Join ${found.partnership.name}`,
    invitedTo: found.partnership.name,
    invitedEmail: found.invitation.email,
    roleLabel: ROLE_LABELS[found.invitation.role].toLowerCase(),
    hasAccount: !!found.account,
    minLength: MIN_PASSWORD_LENGTH,
    passwordLabel: 'Choose a password',
  })

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/invitations/:token',
    { config: { access: 'public' }, schema: { params: TokenParams } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const found = await ps.invitationByToken(request.params.token)
      if (!found) return invitationExpired(reply)
      return reply.view('platform/auth/views/accept-invitation.njk', { ...acceptContext(found), values: {} })
    },
  )

  app.post<{ Params: Static<typeof TokenParams> }>(
    '/invitations/:token',
    { config: { access: 'public' }, schema: { params: TokenParams } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const found = await ps.invitationByToken(request.params.token)
      if (!found) return invitationExpired(reply)
      return handleForm(request, reply, {
        template: 'platform/auth/views/accept-invitation.njk',
        context: acceptContext(found),
        run: async () => {
          const body = formBody(request)
          const { user, partnership } = await ps.acceptInvitation(request.params.token, {
            name: typeof body.name === 'string' ? body.name : undefined,
            password: typeof body.password === 'string' ? body.password : undefined,
          })
          await reply.startSession(user.id)
          return { redirect: `/partnerships/${partnership.slug}`, flash: `Welcome, ${user.name}. You have joined ${partnership.name}.` }
        },
      })
    },
  )

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/partnerships/:partnership/audit',
    { config: { access: { partnership: 'admin' } }, schema: { querystring: AuditQuery } },
    async (request, reply) => {
      const view = await auditLogPage(reply, services, request.query, {
        partnershipId: p(request).id,
        here: `${base(request)}/audit`,
        filename: `audit-${p(request).slug}`,
      })
      if (!view) return reply
      return reply.view(`${V}/audit.njk`, { ...view, title: 'Audit log', breadcrumbs: crumbs(request) })
    },
  )

  // The History view of any record in this partnership (links from each record's page).
  app.get<{ Params: Static<typeof HistoryParams>; Querystring: Static<typeof HistoryQuery> }>(
    '/partnerships/:partnership/history/:entity/:id',
    { config: { access: { partnership: 'viewer' } }, schema: { params: HistoryParams, querystring: HistoryQuery } },
    async (request, reply) => {
      const { entity, id } = request.params
      const words = services.auditWords
      // Some records' history is for the partnership's admins only (who holds which role).
      const described = words.described(entity)
      if (!hasRole(request, described?.readableBy ?? 'viewer')) throw new ForbiddenError()
      // And some records are narrower still (restricted to named roles): their history is as hidden as they are.
      if (described?.mayRead && !(await described.mayRead(id, request.role!))) throw new NotFoundError()
      const entries = await words.explain(await historyOf(services.db, entity, id, p(request).id))
      // Named only from its entries in this partnership: a record of another partnership is not even named here.
      const name = entries.find((e) => e.recordName)?.recordName
      const back = request.query?.back
      return reply.view('platform/views/history.njk', {
        title: `History of ${name ? `${words.label(entity)} "${name}"` : `this ${words.label(entity)}`}`,
        entries,
        backHref: typeof back === 'string' && /^\/partnerships\/[^/]/.test(back) ? back : base(request),
        breadcrumbs: crumbs(request),
      })
    },
  )

  const tags = ['Partnerships']
  app.get(
    '/api/v1/partnerships',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Partnerships you may see (published ones, and your own)', response: { 200: Type.Array(PartnershipJson) } },
    },
    async (request) => (await ps.visibleTo(request.user)).map(partnershipJson),
  )
  app.get(
    '/api/v1/partnerships/:partnership',
    {
      config: { access: { partnership: 'public' } },
      schema: { tags, summary: 'One partnership', params: PartnershipParams, response: { 200: PartnershipJson } },
    },
    async (request) => partnershipJson(p(request)),
  )
}
