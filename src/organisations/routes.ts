/**
 * Organisations and areas: pages and the JSON API.
 * Read: anyone (these are public facts). Write: editors of any partnership and site administrators.
 * Delete: site administrators.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport, FormatQuery } from '../platform/export.ts'
import { historyOf } from '../platform/audit.ts'
import { parseForm } from '../platform/validation.ts'
import { AREA_TYPES, Area, AreaInput, ORGANISATION_TYPES, Organisation, OrganisationInput } from './schema.ts'
import { organisationJson, type OrganisationEditor, type OrganisationRow } from './service.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { capitalise, plural } from '../platform/format.ts'

const V = 'organisations/views'
const typeItems = ORGANISATION_TYPES.map((t) => ({ value: t, text: capitalise(t) }))
const areaTypeItems = AREA_TYPES.map((t) => ({ value: t, text: capitalise(t) }))
const IdParam = Type.Object({ id: Type.Integer({ title: 'Organisation id' }) })
const CodeParam = Type.Object({ code: Type.String({ title: 'GSS code' }) })

/** The organisations, on their page and in its download. */
const organisationsTable = defineTable<OrganisationRow>([
  { key: 'id', value: (o) => o.id },
  { key: 'name', header: 'Name', value: (o) => o.name, html: (o) => link(`/organisations/${o.id}`, o.name) },
  { key: 'type', header: 'Type', value: (o) => o.type, text: (o) => capitalise(o.type) },
  { key: 'responsible_authority', header: 'Responsible authority', value: (o) => o.responsible_authority },
])

function formValues(o: OrganisationRow) {
  return { name: o.name, type: o.type, responsibleAuthority: o.responsible_authority, version: o.version }
}

export async function organisationRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const orgs = services.organisations
  /** Who is asking, for the rule on who may change an organisation (organisations/service.ts, whyNotChange). */
  const editor = async (request: FastifyRequest): Promise<OrganisationEditor> => ({
    siteAdmin: !!request.user?.site_admin,
    roles: request.user ? await services.partnerships.rolesOf(request.user.id) : new Map(),
  })
  const crumbs = [
    { text: 'Home', href: '/' },
    { text: 'Organisations', href: '/organisations' },
  ]

  // ---- Pages ----
  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/organisations',
    { config: { access: 'public' }, schema: { querystring: FormatQuery } },
    async (request, reply) => {
      const rows = await orgs.list()
      if (sendExport(reply, request.query.format, 'organisations', rows, organisationsTable)) return reply
      return reply.view(`${V}/list.njk`, {
        title: 'Organisations',
        organisations: rows,
        table: tableView(organisationsTable, rows, {
          caption: plural(rows.length, 'organisation'),
          captionClasses: 'govuk-table__caption--m',
        }),
        breadcrumbs: crumbs.slice(0, 1),
      })
    },
  )

  app.get('/organisations/new', { config: { access: 'editor-anywhere' } }, async (_request, reply) =>
    reply.view(`${V}/form.njk`, { title: 'Add an organisation', typeItems, values: {}, action: '/organisations/new', breadcrumbs: crumbs }),
  )

  app.post('/organisations/new', { config: { access: 'editor-anywhere' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/form.njk`,
      context: { title: 'Add an organisation', typeItems, action: '/organisations/new', breadcrumbs: crumbs },
      run: async () => {
        const o = await orgs.create(parseForm(OrganisationInput, formBody(request)), request.actor)
        return { redirect: `/organisations/${o.id}`, flash: `${o.name} added` }
      },
    }),
  )

  app.get<{ Params: Static<typeof IdParam> }>(
    '/organisations/:id',
    { config: { access: 'public' }, schema: { params: IdParam } },
    async (request, reply) => {
      const o = await orgs.get(request.params.id)
      const mayChange =
        !!request.user && (await app.allows(request, 'editor-anywhere')) && !(await orgs.whyNotChange(o.id, await editor(request)))
      return reply.view(`${V}/show.njk`, { title: o.name, organisation: o, mayChange, breadcrumbs: crumbs })
    },
  )

  app.get<{ Params: Static<typeof IdParam> }>(
    '/organisations/:id/edit',
    { config: { access: 'editor-anywhere' }, schema: { params: IdParam } },
    async (request, reply) => {
      const o = await orgs.get(request.params.id)
      await orgs.checkMayChange(o.id, await editor(request))
      return reply.view(`${V}/form.njk`, {
        title: `Change ${o.name}`,
        typeItems,
        values: formValues(o),
        action: `/organisations/${o.id}/edit`,
        breadcrumbs: crumbs,
      })
    },
  )

  app.post<{ Params: Static<typeof IdParam> }>(
    '/organisations/:id/edit',
    { config: { access: 'editor-anywhere' }, schema: { params: IdParam } },
    async (request, reply) => {
      const id = request.params.id
      return handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: async () => ({ title: 'Change organisation', typeItems, action: `/organisations/${id}/edit`, breadcrumbs: crumbs }),
        run: async () => {
          const o = await orgs.update(id, parseForm(OrganisationInput, formBody(request)), request.actor, await editor(request))
          return { redirect: `/organisations/${o.id}`, flash: `${o.name} updated` }
        },
      })
    },
  )

  app.post<{ Params: Static<typeof IdParam> }>(
    '/organisations/:id/delete',
    { config: { access: 'site-admin' }, schema: { params: IdParam } },
    async (request, reply) => {
      const id = request.params.id
      const o = await orgs.get(id)
      return handleForm(request, reply, {
        template: `${V}/show.njk`,
        context: { title: o.name, organisation: o, breadcrumbs: crumbs },
        run: async () => {
          await orgs.remove(id, formVersion(request), request.actor)
          return { redirect: '/organisations', flash: `${o.name} deleted` }
        },
      })
    },
  )

  app.get<{ Params: Static<typeof IdParam> }>(
    '/organisations/:id/history',
    { config: { access: 'signed-in' }, schema: { params: IdParam } },
    async (request, reply) => {
      const o = await orgs.get(request.params.id)
      const entries = await historyOf(services.db, 'organisation', o.id)
      return reply.view('platform/views/history.njk', {
        title: `History of ${o.name}`,
        entries: await services.auditWords.explain(entries),
        backHref: `/organisations/${o.id}`,
        breadcrumbs: [...crumbs, { text: o.name, href: `/organisations/${o.id}` }],
      })
    },
  )

  // The list of areas, with search, is the geography's /areas page (src/geography/routes.ts).

  const areaCrumbs = [
    { text: 'Home', href: '/' },
    { text: 'Areas', href: '/areas' },
  ]
  app.get('/areas/new', { config: { access: 'editor-anywhere' } }, async (_request, reply) =>
    reply.view(`${V}/area-form.njk`, {
      title: 'Add an area',
      typeItems: areaTypeItems,
      values: {},
      action: '/areas/new',
      isNew: true,
      breadcrumbs: areaCrumbs,
    }),
  )

  app.post('/areas/new', { config: { access: 'editor-anywhere' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/area-form.njk`,
      context: { title: 'Add an area', typeItems: areaTypeItems, action: '/areas/new', isNew: true, breadcrumbs: areaCrumbs },
      run: async () => {
        const a = await orgs.createArea(parseForm(AreaInput, formBody(request)), request.actor)
        return { redirect: `/areas`, flash: `${a.name} (${a.code}) added` }
      },
    }),
  )

  app.get<{ Params: Static<typeof CodeParam> }>(
    '/areas/:code/edit',
    { config: { access: 'editor-anywhere' }, schema: { params: CodeParam } },
    async (request, reply) => {
      const a = await orgs.getArea(request.params.code)
      return reply.view(`${V}/area-form.njk`, {
        title: `Change ${a.name}`,
        typeItems: areaTypeItems,
        values: a,
        action: `/areas/${a.code}/edit`,
        breadcrumbs: areaCrumbs,
      })
    },
  )

  app.post<{ Params: Static<typeof CodeParam> }>(
    '/areas/:code/edit',
    { config: { access: 'editor-anywhere' }, schema: { params: CodeParam } },
    async (request, reply) => {
      const code = request.params.code
      return handleForm(request, reply, {
        template: `${V}/area-form.njk`,
        context: { title: 'Change area', typeItems: areaTypeItems, action: `/areas/${code}/edit`, breadcrumbs: areaCrumbs },
        run: async () => {
          const body = { ...formBody(request), code }
          const a = await orgs.updateArea(code, parseForm(AreaInput, body), request.actor)
          return { redirect: '/areas', flash: `${a.name} updated` }
        },
      })
    },
  )

  app.get<{ Params: Static<typeof CodeParam> }>(
    '/areas/:code/history',
    { config: { access: 'signed-in' }, schema: { params: CodeParam } },
    async (request, reply) => {
      const a = await orgs.getArea(request.params.code)
      const entries = await historyOf(services.db, 'area', a.code)
      return reply.view('platform/views/history.njk', {
        title: `History of ${a.name}`,
        entries: await services.auditWords.explain(entries),
        backHref: '/areas',
        breadcrumbs: areaCrumbs,
      })
    },
  )

  // ---- JSON API ----
  const tags = ['Organisations and areas']
  app.get(
    '/api/v1/organisations',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'List organisations', security: [], response: { 200: Type.Array(Organisation) } },
    },
    async () => (await orgs.list()).map(organisationJson),
  )
  app.get<{ Params: Static<typeof IdParam> }>(
    '/api/v1/organisations/:id',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'One organisation', security: [], params: IdParam, response: { 200: Organisation } },
    },
    async (request) => organisationJson(await orgs.get(request.params.id)),
  )
  app.post(
    '/api/v1/organisations',
    {
      config: { access: 'editor-anywhere' },
      schema: { tags, summary: 'Add an organisation', body: OrganisationInput, response: { 201: Organisation } },
    },
    async (request, reply) => reply.code(201).send(organisationJson(await orgs.create(request.body, request.actor))),
  )
  app.put<{ Params: Static<typeof IdParam> }>(
    '/api/v1/organisations/:id',
    {
      config: { access: 'editor-anywhere' },
      schema: {
        tags,
        summary:
          'Change an organisation (send the version you read: a stale version is refused with 409). One that several partnerships use: site administrators, or administrators of each of them (403 otherwise)',
        params: IdParam,
        body: OrganisationInput,
        response: { 200: Organisation },
      },
    },
    async (request) => organisationJson(await orgs.update(request.params.id, request.body, request.actor, await editor(request))),
  )
  app.delete<{ Params: Static<typeof IdParam> }>(
    '/api/v1/organisations/:id',
    { config: { access: 'site-admin' }, schema: { tags, summary: 'Delete an organisation', params: IdParam } },
    async (request, reply) => {
      await orgs.remove(request.params.id, undefined, request.actor)
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/areas',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'List areas (GSS codes)', security: [], response: { 200: Type.Array(Area) } },
    },
    async () => orgs.listAreas(),
  )
  app.post(
    '/api/v1/areas',
    { config: { access: 'editor-anywhere' }, schema: { tags, summary: 'Add an area', body: AreaInput, response: { 201: Area } } },
    async (request, reply) => reply.code(201).send(await orgs.createArea(request.body, request.actor)),
  )
}
