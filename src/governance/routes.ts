/**
 * Governance: the map of a partnership's bodies, each body's page, the forms to add and change bodies and their
 * members, and the JSON API. Read: anyone, when the partnership is published (governance is public information);
 * its members always. Write: the partnership's editors and administrators.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport, FormatQuery } from '../platform/export.ts'
import { parseForm } from '../platform/validation.ts'
import { hasRole, historyHref } from '../platform/access.ts'
import { BODY_TYPES, BodyInput, BodyJson, BodyWithMembersJson, MEMBER_ROLES, MemberInput, MemberJson } from './schema.ts'
import { bodyJson, chairText, memberJson, memberName, type BodyView, type MemberView } from './service.ts'
import { TYPE_LABELS, mapSvg } from './map.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { plural } from '../platform/format.ts'

const V = 'governance/views'
const ROLE_LABELS: Record<string, string> = {
  chair: 'Chair',
  'vice-chair': 'Vice-chair',
  member: 'Member',
  observer: 'Observer',
  adviser: 'Adviser',
}
const typeItems = BODY_TYPES.map((t) => ({ value: t, text: TYPE_LABELS[t] }))
const roleItems = MEMBER_ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] }))

const PartnershipParams = Type.Object({ partnership: Type.String() })
const BodyParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }) })
const MemberParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }), member: Type.Integer() })
const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ title: 'Version' })) })

function bodyFormValues(b: BodyView) {
  return {
    name: b.name,
    slug: b.slug,
    type: b.type,
    areaCode: b.area_code,
    chairPerson: b.chair_person,
    chairOrganisationId: b.chair_organisation_id,
    meetingFrequency: b.meeting_frequency,
    reportsToId: b.reports_to_id,
    statutoryBasis: b.statutory_basis,
    termsOfReference: b.terms_of_reference,
    version: b.version,
  }
}
function memberFormValues(m: MemberView) {
  return { organisationId: m.organisation_id, person: m.person, role: m.role, version: m.version }
}
type MapBodyRow = Awaited<ReturnType<Services['governance']['map']>>['bodies'][number]

/** The partnership's bodies, on the governance page and in its download. */
const bodiesTable = defineTable<MapBodyRow>([
  { key: 'slug', value: (b) => b.slug },
  { key: 'name', header: 'Name', value: (b) => b.name, html: (b, page) => link(`${page.base}/bodies/${b.slug}`, b.name) },
  { key: 'type', header: 'Type', value: (b) => b.type, text: (b) => TYPE_LABELS[b.type] ?? b.type },
  { key: 'reports_to', value: (b) => b.reports_to_slug },
  {
    key: 'reports_to_name',
    header: 'Reports to',
    value: (b) => b.reports_to_name,
    html: (b, page) => (b.reports_to_slug ? link(`${page.base}/bodies/${b.reports_to_slug}`, b.reports_to_name) : ''),
    empty: '–',
  },
  { key: 'area_code', value: (b) => b.area_code },
  { key: 'chair', header: 'Chair', value: (b) => chairText(b), empty: 'Not recorded' },
  { key: 'meeting_frequency', value: (b) => b.meeting_frequency },
  { key: 'members', header: 'Members', value: (b) => b.member_count, numeric: true },
  { key: 'statutory_basis', value: (b) => b.statutory_basis },
  { key: 'terms_of_reference', value: (b) => b.terms_of_reference },
  { key: 'updated_at', value: (b) => new Date(b.updated_at).toISOString() },
])

/** A body's members, on its page and in its download. */
const membersTable = defineTable<MemberView>([
  { key: 'organisation', header: 'Organisation', value: (m) => m.organisation_name, empty: '–' },
  { key: 'person', header: 'Person or post', value: (m) => m.person, empty: '–' },
  { key: 'role', header: 'Role', value: (m) => m.role, text: (m) => ROLE_LABELS[m.role] ?? m.role },
  {
    key: 'actions',
    header: 'Actions',
    hiddenHeader: true,
    pageOnly: true,
    classes: 'safer-no-print',
    value: () => null,
    html: (m, page) =>
      `${link(`${page.bodyHref}/members/${m.id}/edit`, 'Change', m.person || m.organisation_name || '')}` +
      `<form method="post" action="${escapeHtml(page.bodyHref)}/members/${m.id}/remove" class="safer-inline-form govuk-!-margin-left-3">` +
      `<input type="hidden" name="_csrf" value="${escapeHtml(page.csrfToken)}"><input type="hidden" name="version" value="${m.version}">` +
      `<button type="submit" class="safer-link-button govuk-body">Remove<span class="govuk-visually-hidden"> ${escapeHtml(m.person || m.organisation_name)}</span></button></form>`,
  },
])

const paragraphs = (s: string | null) =>
  s
    ? s
        .split(/\n+/)
        .map((p) => p.trim())
        .filter(Boolean)
    : []

export async function governanceRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const gov = services.governance
  const orgs = services.organisations
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    { text: 'Governance', href: `${base(request)}/governance` },
  ]
  const params = (request: FastifyRequest) => request.params as { partnership: string; body: string; member: number }
  const bodyOf = (request: FastifyRequest) => gov.get(p(request).id, params(request).body)
  const common = (request: FastifyRequest) => ({
    base: base(request),
    canEdit: hasRole(request, 'editor'),
    typeLabels: TYPE_LABELS,
    roleLabels: ROLE_LABELS,
  })

  const choices = async (request: FastifyRequest, selfId?: number) => ({
    typeItems,
    areaItems: (await orgs.listAreas()).map((a) => ({ value: a.code, text: `${a.name} (${a.code})` })),
    organisationItems: (await orgs.list()).map((o) => ({ value: o.id, text: o.name })),
    parentItems: (await gov.possibleParents(p(request).id, selfId)).map((b) => ({ value: b.id, text: `${'– '.repeat(b.depth)}${b.name}` })),
  })
  const memberChoices = async () => ({ roleItems, organisationItems: (await orgs.list()).map((o) => ({ value: o.id, text: o.name })) })

  const showContext = async (request: FastifyRequest, body: BodyView) => {
    const here = `${base(request)}/bodies/${body.slug}`
    const members = await gov.members(body.id)
    const membersView = tableView(membersTable, members, {
      caption: plural(members.length, 'member'),
      captionClasses: 'govuk-visually-hidden',
      omit: hasRole(request, 'editor') ? [] : ['actions'],
      page: { bodyHref: here, csrfToken: request.csrfToken },
    })
    return {
      ...common(request),
      title: body.name,
      body,
      typeLabel: TYPE_LABELS[body.type],
      chair: chairText(body),
      members,
      membersTable: membersView,
      reporting: await gov.reportingTo(body.id),
      statutoryBasis: paragraphs(body.statutory_basis),
      termsOfReference: paragraphs(body.terms_of_reference),
      here,
      historyHref: historyHref(request, 'body', body.id, here),
      breadcrumbs: crumbs(request),
    }
  }

  // ---- Pages ----
  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/governance',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: FormatQuery } },
    async (request, reply) => {
      const partnership = p(request)
      const map = await gov.map(partnership.id, { title: partnership.name })
      if (sendExport(reply, request.query.format, `governance-${partnership.slug}`, map.bodies, bodiesTable)) return reply
      return reply.view(`${V}/governance.njk`, {
        ...common(request),
        title: 'Governance',
        bodies: map.bodies,
        table: tableView(bodiesTable, map.bodies, {
          caption: plural(map.bodies.length, 'body'),
          captionClasses: 'govuk-table__caption--m',
          page: { base: base(request) },
        }),
        tree: map.tree,
        svg: map.svg,
        svgNarrow: map.svgNarrow,
        lineCount: map.bodies.filter((b) => b.reports_to_id !== null).length,
        breadcrumbs: crumbs(request).slice(0, 2),
      })
    },
  )

  // The map on its own, for reports and slides.
  app.get(
    '/partnerships/:partnership/governance/map.svg',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      // The wide map only (gov.map would draw the narrow one, for phones, too).
      const svg = mapSvg(await gov.list(p(request).id), { title: p(request).name, standalone: true })
      if (!svg) return reply.code(404).type('text/plain; charset=utf-8').send('This partnership has no bodies yet')
      return reply.type('image/svg+xml; charset=utf-8').send(`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`)
    },
  )

  const newContext = async (request: FastifyRequest) => ({
    ...common(request),
    ...(await choices(request)),
    title: 'Add a body',
    isNew: true,
    action: `${base(request)}/bodies/new`,
    breadcrumbs: crumbs(request),
  })

  app.get(
    '/partnerships/:partnership/bodies/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/body-form.njk`, { ...(await newContext(request)), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/bodies/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/body-form.njk`,
        context: () => newContext(request),
        run: async () => {
          const b = await gov.create(p(request).id, parseForm(BodyInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/bodies/${b.slug}`, flash: `${b.name} added` }
        },
      }),
  )

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/bodies/:body',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams, querystring: FormatQuery } },
    async (request, reply) => {
      const body = await bodyOf(request)
      if (sendExport(reply, request.query.format, `members-${p(request).slug}-${body.slug}`, await gov.members(body.id), membersTable))
        return reply
      return reply.view(`${V}/body.njk`, await showContext(request, body))
    },
  )

  const editContext = async (request: FastifyRequest, body: BodyView) => ({
    ...common(request),
    ...(await choices(request, body.id)),
    title: `Change ${body.name}`,
    body,
    action: `${base(request)}/bodies/${body.slug}/edit`,
    breadcrumbs: [...crumbs(request), { text: body.name, href: `${base(request)}/bodies/${body.slug}` }],
  })

  app.get(
    '/partnerships/:partnership/bodies/:body/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      return reply.view(`${V}/body-form.njk`, { ...(await editContext(request, body)), values: bodyFormValues(body) })
    },
  )

  app.post(
    '/partnerships/:partnership/bodies/:body/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      return handleForm(request, reply, {
        template: `${V}/body-form.njk`,
        context: () => editContext(request, body),
        run: async () => {
          const b = await gov.update(p(request).id, body.slug, parseForm(BodyInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/bodies/${b.slug}`, flash: `${b.name} updated` }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/bodies/:body/delete',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      return handleForm(request, reply, {
        template: `${V}/body.njk`,
        context: () => showContext(request, body),
        run: async () => {
          await gov.remove(p(request).id, body.slug, formVersion(request), request.actor)
          return { redirect: `${base(request)}/governance`, flash: `${body.name} deleted` }
        },
      })
    },
  )

  const memberCrumbs = (request: FastifyRequest, body: BodyView) => [
    ...crumbs(request),
    { text: body.name, href: `${base(request)}/bodies/${body.slug}` },
  ]

  app.get(
    '/partnerships/:partnership/bodies/:body/members/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      return reply.view(`${V}/member-form.njk`, {
        ...common(request),
        ...(await memberChoices()),
        title: `Add a member to ${body.name}`,
        body,
        values: { role: 'member' },
        action: `${base(request)}/bodies/${body.slug}/members/new`,
        breadcrumbs: memberCrumbs(request, body),
      })
    },
  )

  app.post(
    '/partnerships/:partnership/bodies/:body/members/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      return handleForm(request, reply, {
        template: `${V}/member-form.njk`,
        context: async () => ({
          ...common(request),
          ...(await memberChoices()),
          title: `Add a member to ${body.name}`,
          body,
          action: `${base(request)}/bodies/${body.slug}/members/new`,
          breadcrumbs: memberCrumbs(request, body),
        }),
        run: async () => {
          const m = await gov.addMember(body.id, parseForm(MemberInput, formBody(request)), request.actor)
          return {
            redirect: `${base(request)}/bodies/${body.slug}#members`,
            flash: `${memberName(m)} added as ${ROLE_LABELS[m.role].toLowerCase()}`,
          }
        },
      })
    },
  )

  const memberEditContext = async (request: FastifyRequest, body: BodyView, member: MemberView) => {
    const action = `${base(request)}/bodies/${body.slug}/members/${member.id}/edit`
    return {
      ...common(request),
      ...(await memberChoices()),
      title: `Change member of ${body.name}`,
      body,
      member,
      action,
      historyHref: historyHref(request, 'body_member', member.id, action),
      breadcrumbs: memberCrumbs(request, body),
    }
  }

  app.get(
    '/partnerships/:partnership/bodies/:body/members/:member/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: MemberParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      const member = await gov.getMember(body.id, params(request).member)
      return reply.view(`${V}/member-form.njk`, { ...(await memberEditContext(request, body, member)), values: memberFormValues(member) })
    },
  )

  app.post(
    '/partnerships/:partnership/bodies/:body/members/:member/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: MemberParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      const member = await gov.getMember(body.id, params(request).member)
      return handleForm(request, reply, {
        template: `${V}/member-form.njk`,
        context: () => memberEditContext(request, body, member),
        run: async () => {
          const m = await gov.updateMember(body.id, member.id, parseForm(MemberInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/bodies/${body.slug}#members`, flash: `${memberName(m)} updated` }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/bodies/:body/members/:member/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: MemberParams } },
    async (request, reply) => {
      const body = await bodyOf(request)
      const member = await gov.getMember(body.id, params(request).member)
      return handleForm(request, reply, {
        template: `${V}/body.njk`,
        context: () => showContext(request, body),
        run: async () => {
          await gov.removeMember(body.id, member.id, formVersion(request), request.actor)
          return { redirect: `${base(request)}/bodies/${body.slug}#members`, flash: `${memberName(member)} removed from ${body.name}` }
        },
      })
    },
  )

  // ---- JSON API ----
  const tags = ['Governance']
  const withMembers = async (b: BodyView) => ({ ...bodyJson(b), members: (await gov.members(b.id)).map(memberJson) })

  app.get(
    '/api/v1/partnerships/:partnership/bodies',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: "The partnership's bodies, each senior body followed by those reporting to it",
        security: [],
        params: PartnershipParams,
        response: { 200: Type.Array(BodyJson) },
      },
    },
    async (request) => (await gov.list(p(request).id)).map(bodyJson),
  )

  app.post(
    '/api/v1/partnerships/:partnership/bodies',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Add a body (the web address name is made from the name if not given)',
        params: PartnershipParams,
        body: BodyInput,
        response: { 201: BodyWithMembersJson },
      },
    },
    async (request, reply) => reply.code(201).send(await withMembers(await gov.create(p(request).id, request.body, request.actor))),
  )

  app.get(
    '/api/v1/partnerships/:partnership/bodies/:body',
    {
      config: { access: { partnership: 'public' } },
      schema: { tags, summary: 'One body with its members', security: [], params: BodyParams, response: { 200: BodyWithMembersJson } },
    },
    async (request) => withMembers(await bodyOf(request)),
  )

  app.put(
    '/api/v1/partnerships/:partnership/bodies/:body',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary:
          'Change a body (send the version you read: a stale version is refused with 409). Fields left out are cleared; a left-out slug is kept.',
        params: BodyParams,
        body: BodyInput,
        response: { 200: BodyWithMembersJson },
      },
    },
    async (request) => withMembers(await gov.update(p(request).id, params(request).body, request.body, request.actor)),
  )

  app.delete<{ Querystring: Static<typeof VersionQuery> }>(
    '/api/v1/partnerships/:partnership/bodies/:body',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Delete a body and its members (refused while other bodies report to it)',
        params: BodyParams,
        querystring: VersionQuery,
      },
    },
    async (request, reply) => {
      await gov.remove(p(request).id, params(request).body, request.query.version, request.actor)
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/partnerships/:partnership/bodies/:body/members',
    {
      config: { access: { partnership: 'public' } },
      schema: { tags, summary: "A body's members", security: [], params: BodyParams, response: { 200: Type.Array(MemberJson) } },
    },
    async (request) => (await gov.members((await bodyOf(request)).id)).map(memberJson),
  )

  app.post(
    '/api/v1/partnerships/:partnership/bodies/:body/members',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Add a member to a body (an organisation, a person or post, or both)',
        params: BodyParams,
        body: MemberInput,
        response: { 201: MemberJson },
      },
    },
    async (request, reply) =>
      reply.code(201).send(memberJson(await gov.addMember((await bodyOf(request)).id, request.body, request.actor))),
  )

  app.put(
    '/api/v1/partnerships/:partnership/bodies/:body/members/:member',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Change a member (send the version you read: a stale version is refused with 409)',
        params: MemberParams,
        body: MemberInput,
        response: { 200: MemberJson },
      },
    },
    async (request) => memberJson(await gov.updateMember((await bodyOf(request)).id, params(request).member, request.body, request.actor)),
  )

  app.delete<{ Querystring: Static<typeof VersionQuery> }>(
    '/api/v1/partnerships/:partnership/bodies/:body/members/:member',
    {
      config: { access: { partnership: 'editor' } },
      schema: { tags, summary: 'Remove a member from a body', params: MemberParams, querystring: VersionQuery },
    },
    async (request, reply) => {
      await gov.removeMember((await bodyOf(request)).id, params(request).member, request.query.version, request.actor)
      return reply.code(204).send()
    },
  )
}
