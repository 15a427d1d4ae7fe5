/**
 * Geography: what is loaded (public), the areas as JSON (public), and each partnership's custom areas.
 * Custom areas: read as the partnership is (published: anyone; otherwise its members); change: its editors.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport, FormatQuery } from '../platform/export.ts'
import { parseForm } from '../platform/validation.ts'
import { hasRole, historyHref } from '../platform/access.ts'
import {
  ApiAreaParam,
  ApiAreasQuery,
  AREA_TYPES,
  AreasQuery,
  ApiSearchQuery,
  CustomAreaApiInput,
  CustomAreaJson,
  CustomParams,
  PartnershipParam,
} from './schema.ts'
import { CustomAreaInput, AREA_TYPE_LABELS, customAreaCode, type CustomAreaRow } from './service.ts'
import { defineTable, link, tableView, type TableColumn } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { formatDateTime, ValidationError } from '../platform/errors.ts'
import { plural, pluralNoun } from '../platform/format.ts'

const V = 'geography/views'
const customJson = (r: CustomAreaRow) => ({
  id: r.id,
  code: customAreaCode(r.id),
  name: r.name,
  description: r.description,
  lsoaCodes: r.lsoa_codes,
  version: r.version,
})
const fromApi = (b: any) => ({ ...b, lsoaCodes: (b.lsoaCodes ?? []).join('\n') })

type Dataset = Awaited<ReturnType<Services['geography']['loaded']>>['datasets'][number]

/**
 * The files of the ONS geography loaded, on the Geography page and in its download. The public sees each file's name
 * and when it was loaded; site administrators also see where it was on the server and who loaded it
 * (datasetsStaffTable). docs/security.md, point 7.
 */
const fileName = (r: Dataset) =>
  String(r.source_file ?? '')
    .split(/[\\/]/)
    .pop()
const datasetColumns = (staff: boolean): TableColumn<Dataset>[] => [
  { key: 'dataset', value: (r) => r.dataset },
  { key: 'title', header: 'What', value: (r) => r.title },
  { key: 'source_file', header: 'File', value: (r) => (staff ? r.source_file : fileName(r)), text: fileName, classes: 'safer-break' },
  { key: 'rows', header: 'Rows', value: (r) => r.rows, numeric: true },
  {
    key: 'imported_at',
    header: 'Loaded',
    value: (r) => r.imported_at,
    text: (r) => (r.imported_at ? formatDateTime(new Date(r.imported_at)) : ''),
  },
  ...(staff ? [{ key: 'imported_by', value: (r: Dataset) => r.imported_by }] : []),
]
const datasetsTable = defineTable<Dataset>(datasetColumns(false))
const datasetsStaffTable = defineTable<Dataset>(datasetColumns(true))

/** An area in the list or the search results (an area added to the directory by hand has no LSOA count). */
interface AreaListRow {
  code: string
  name: string
  type: string
  lsoa_count: number | null
  population_2019: number | null
  versions: string[] | null
}

/** The areas of one type, or those a search found, on the Areas page and in its download. */
const geoAreasTable = defineTable<AreaListRow>(
  [
    { key: 'code', header: 'Code', value: (r) => r.code },
    {
      key: 'name',
      header: 'Area',
      value: (r) => r.name,
      html: (r) => (r.lsoa_count ? link(`/crime/areas/${r.code}`, r.name) : escapeHtml(r.name)),
    },
    { key: 'type', header: 'Type', value: (r) => r.type, text: (r) => AREA_TYPE_LABELS[r.type] ?? r.type },
    { key: 'lsoas', header: 'LSOAs', value: (r) => r.lsoa_count, numeric: true, empty: '–' },
    { key: 'population_mid2019', header: 'Population (mid-2019)', value: (r) => r.population_2019, numeric: true, empty: '–' },
    { key: 'versions', value: (r) => r.versions },
    {
      key: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      pageOnly: true,
      value: () => null,
      html: (r, page) =>
        page.inDirectory?.has(r.code)
          ? `${link(`/areas/${r.code}/edit`, 'Change', r.name)} ${link(`/areas/${r.code}/history`, 'History', `of ${r.name}`)}`
          : '',
    },
  ],
  { pageOrder: ['name'] },
)

/** A partnership's custom areas, on its Crime data page and in the download. */
const customAreasTable = defineTable<CustomAreaRow>(
  [
    { key: 'code', header: 'Code', value: (r) => customAreaCode(r.id) },
    {
      key: 'name',
      header: 'Area',
      value: (r) => r.name,
      html: (r) =>
        `${link(`/crime/areas/${customAreaCode(r.id)}`, r.name)}${r.description ? `<br><span class="govuk-body-s">${escapeHtml(r.description)}</span>` : ''}`,
    },
    { key: 'description', value: (r) => r.description },
    { key: 'lsoas', header: 'LSOAs', value: (r) => r.lsoa_codes.length, numeric: true },
    { key: 'lsoa_codes', value: (r) => r.lsoa_codes },
    {
      key: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      pageOnly: true,
      value: () => null,
      html: (r, page) => link(`${page.base}/custom-areas/${r.id}/edit`, 'Change', r.name),
    },
  ],
  { pageOrder: ['name'] },
)

export async function geographyRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { geography } = services

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/geography',
    { config: { access: 'public' }, schema: { querystring: FormatQuery } },
    async (request, reply) => {
      const loaded = await geography.loaded()
      const areas = await geography.listAreas()
      const table = request.user?.site_admin ? datasetsStaffTable : datasetsTable // the public: no names, no server paths
      if (sendExport(reply, request.query.format, 'geography-datasets', loaded.datasets, table)) return reply
      const byType = AREA_TYPES.map((t) => ({ type: t, label: AREA_TYPE_LABELS[t], count: areas.filter((a) => a.type === t).length }))
      return reply.view(`${V}/geography.njk`, {
        title: 'Geography',
        loaded,
        byType,
        table: tableView(table, loaded.datasets, { caption: 'Files loaded', captionClasses: 'govuk-table__caption--m' }),
        breadcrumbs: [
          { text: 'Home', href: '/' },
          { text: 'Crime data', href: '/crime' },
        ],
      })
    },
  )

  // One page of areas with search, at /areas; its old address /geography/areas leads there.
  app.get('/geography/areas', { config: { access: 'public' } }, async (request, reply) => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : ''
    return reply.redirect(`/areas${query}`, 301)
  })

  app.get<{ Querystring: Static<typeof AreasQuery> }>(
    '/areas',
    { config: { access: 'public' }, schema: { querystring: AreasQuery } },
    async (request, reply) => {
      const q = request.query
      const searching = q.q !== undefined
      const type = q.type ?? 'community safety partnership'
      // The shared directory of areas (organisations): its rows get Change and History links for signed-in people.
      // Read only when it is shown: the actions column (signed-in people) or the list of one type.
      const directory = request.user || !searching ? await services.organisations.listAreas(searching ? undefined : type) : []
      const inDirectory = new Set(directory.map((a) => a.code))
      let rows: AreaListRow[]
      let result: Awaited<ReturnType<typeof geography.search>> | undefined
      let errors: Record<string, string> | undefined
      if (searching) {
        try {
          result = await geography.search(q.q ?? '')
          rows = result.hits.map((h) => ({ ...h, versions: null }))
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err
          errors = err.fields
          rows = []
        }
      } else {
        const areas: AreaListRow[] = await geography.listAreas(type)
        const known = new Set(areas.map((a) => a.code))
        // Areas added to the directory by hand that the ONS geography loaded does not have.
        const byHand = directory
          .filter((d) => d.type === type && !known.has(d.code))
          .map((d) => ({ code: d.code, name: d.name, type: d.type, lsoa_count: null, population_2019: null, versions: null }))
        rows = [...areas, ...byHand]
      }
      if (!errors && sendExport(reply, q.format, searching ? 'areas-search' : `areas-${type.replace(/ /g, '-')}`, rows, geoAreasTable))
        return reply
      const params = new URLSearchParams(searching ? { q: result?.query ?? '' } : { type })
      reply.code(errors ? 400 : 200)
      return reply.view(`${V}/areas.njk`, {
        title: 'Areas',
        type,
        searching,
        errors,
        values: { q: q.q ?? '' },
        result,
        areas: rows,
        typeLabel: pluralNoun(AREA_TYPE_LABELS[type]).toLowerCase(),
        table: tableView(geoAreasTable, rows, {
          caption: searching
            ? `${plural(rows.length, 'area')} found${result?.more ? ' (the first ones)' : ''}`
            : plural(rows.length, 'area'),
          captionClasses: 'govuk-table__caption--m',
          omit: request.user ? [] : ['actions'],
          page: { inDirectory },
        }),
        exportHref: `/areas?${params}`,
        types: AREA_TYPES.map((t) => ({ value: t, text: AREA_TYPE_LABELS[t] })),
        breadcrumbs: [{ text: 'Home', href: '/' }],
      })
    },
  )

  app.get<{ Querystring: Static<typeof ApiSearchQuery> }>(
    '/api/v1/geography/search',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Geography'],
        summary: 'Find areas by name (as people say it), LSOA name or code, GSS code, or postcode district',
        security: [],
        querystring: ApiSearchQuery,
      },
    },
    async (request) => {
      const r = await geography.search(request.query.q)
      return {
        query: r.query,
        postcodeDistrict: r.postcode ?? null,
        areas: r.hits.map((h) => ({ code: h.code, name: h.name, type: h.type, lsoas: h.lsoa_count, populationMid2019: h.population_2019 })),
        more: r.more,
      }
    },
  )

  const tags = ['Geography']
  app.get<{ Querystring: Static<typeof ApiAreasQuery> }>(
    '/api/v1/geography/areas',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'ONS areas crime can be counted by (districts, CSPs, counties, police force areas)',
        security: [],
        querystring: ApiAreasQuery,
      },
    },
    async (request) =>
      (await geography.listAreas(request.query.type)).map((a) => ({
        code: a.code,
        name: a.name,
        type: a.type,
        lsoas: a.lsoa_count,
        populationMid2019: a.population_2019,
        versions: a.versions,
      })),
  )

  app.get<{ Params: Static<typeof ApiAreaParam> }>(
    '/api/v1/geography/areas/:code',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'One area: its LSOAs, population and the police force areas it lies in',
        security: [],
        params: ApiAreaParam,
      },
    },
    async (request) => {
      const a = await geography.area(request.params.code, { canSeeCustom: async () => false })
      const lsoas = await geography.lsoasOf(a)
      return {
        code: a.code,
        name: a.name,
        type: a.type,
        populationMid2019: a.population,
        policeForceAreas: a.pfaCodes,
        lsoas: lsoas.map((l) => ({
          code: l.code,
          name: l.name,
          populationMid2019: l.population_2019,
          imdDecile: l.imd_decile,
          ruralUrban: l.ruc_name,
        })),
      }
    },
  )

  // ================= A partnership's crime data and custom areas =================
  const base = (request: FastifyRequest) => `/partnerships/${request.partnership!.slug}`
  const crumbs = (request: FastifyRequest, ...more: { text: string; href: string }[]) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: request.partnership!.short_name ?? request.partnership!.name, href: base(request) },
    ...more,
  ]
  const crimeCrumb = (request: FastifyRequest) => ({ text: 'Crime data', href: `${base(request)}/crime` })

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/crime',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParam, querystring: FormatQuery } },
    async (request, reply) => {
      const p = request.partnership!
      const custom = await geography.listCustomAreas(p.id)
      if (sendExport(reply, request.query.format, `custom-areas-${p.slug}`, custom, customAreasTable)) return reply
      let area: { code: string; name: string; type: string } | undefined
      if (p.area_code)
        area = await geography.area(p.area_code).then(
          (a) => ({ code: a.code, name: a.name, type: AREA_TYPE_LABELS[a.type] ?? a.type }),
          () => undefined,
        )
      return reply.view(`${V}/partnership-crime.njk`, {
        title: 'Crime data',
        area,
        custom,
        canEdit: hasRole(request, 'editor'),
        table: tableView(customAreasTable, custom, {
          caption: plural(custom.length, 'custom area'),
          captionClasses: 'govuk-visually-hidden',
          omit: hasRole(request, 'editor') ? [] : ['actions'],
          page: { base: base(request) },
        }),
        breadcrumbs: crumbs(request),
      })
    },
  )

  const formContext = (request: FastifyRequest, title: string, action: string) => ({
    title,
    action,
    breadcrumbs: crumbs(request, crimeCrumb(request)),
  })

  app.get(
    '/partnerships/:partnership/custom-areas/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParam } },
    async (request, reply) =>
      reply.view(`${V}/custom-area-form.njk`, {
        ...formContext(request, 'Add a custom area', `${base(request)}/custom-areas/new`),
        values: {},
      }),
  )

  app.post(
    '/partnerships/:partnership/custom-areas/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParam } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/custom-area-form.njk`,
        context: formContext(request, 'Add a custom area', `${base(request)}/custom-areas/new`),
        run: async () => {
          const a = await geography.createCustomArea(request.partnership!.id, parseForm(CustomAreaInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/crime`, flash: `${a.name} added (${plural(a.lsoa_codes.length, 'LSOA')})` }
        },
      }),
  )

  app.get<{ Params: Static<typeof CustomParams> }>(
    '/partnerships/:partnership/custom-areas/:id/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: CustomParams } },
    async (request, reply) => {
      const a = await geography.getCustomArea(request.partnership!.id, request.params.id)
      return reply.view(`${V}/custom-area-form.njk`, {
        ...formContext(request, `Change ${a.name}`, `${base(request)}/custom-areas/${a.id}/edit`),
        existing: a,
        historyHref: historyHref(request, 'custom area', a.id, `${base(request)}/custom-areas/${a.id}/edit`),
        values: { name: a.name, description: a.description, lsoaCodes: a.lsoa_codes.join('\n'), version: a.version },
      })
    },
  )

  /** A change to a custom area from its form: on bad input, the same form again with the error summary. */
  const changeCustomArea =
    (change: (request: FastifyRequest, id: number, name: string) => Promise<string>) =>
    async (request: FastifyRequest<{ Params: Static<typeof CustomParams> }>, reply: any) => {
      const id = request.params.id
      const a = await geography.getCustomArea(request.partnership!.id, id)
      return handleForm(request, reply, {
        template: `${V}/custom-area-form.njk`,
        context: { ...formContext(request, `Change ${a.name}`, `${base(request)}/custom-areas/${id}/edit`), existing: a },
        run: async () => ({ redirect: `${base(request)}/crime`, flash: await change(request, id, a.name) }),
      })
    }

  app.post(
    '/partnerships/:partnership/custom-areas/:id/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: CustomParams } },
    changeCustomArea(async (request, id) => {
      const updated = await geography.updateCustomArea(
        request.partnership!.id,
        id,
        parseForm(CustomAreaInput, formBody(request)),
        request.actor,
      )
      return `${updated.name} updated`
    }),
  )

  app.post(
    '/partnerships/:partnership/custom-areas/:id/delete',
    { config: { access: { partnership: 'editor' } }, schema: { params: CustomParams } },
    changeCustomArea(async (request, id, name) => {
      await geography.removeCustomArea(request.partnership!.id, id, formVersion(request), request.actor)
      return `${name} removed`
    }),
  )

  const ctags = ['Geography']
  app.get(
    '/api/v1/partnerships/:partnership/custom-areas',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags: ctags,
        summary: "A partnership's custom areas",
        params: PartnershipParam,
        response: { 200: Type.Array(CustomAreaJson) },
      },
    },
    async (request) => (await geography.listCustomAreas(request.partnership!.id)).map(customJson),
  )
  app.post(
    '/api/v1/partnerships/:partnership/custom-areas',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags: ctags,
        summary: 'Add a custom area (a named list of LSOAs)',
        params: PartnershipParam,
        body: CustomAreaApiInput,
        response: { 201: CustomAreaJson },
      },
    },
    async (request, reply) =>
      reply.code(201).send(customJson(await geography.createCustomArea(request.partnership!.id, fromApi(request.body), request.actor))),
  )
  app.put<{ Params: Static<typeof CustomParams> }>(
    '/api/v1/partnerships/:partnership/custom-areas/:id',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags: ctags,
        summary: 'Change a custom area (send the version you read)',
        params: CustomParams,
        body: CustomAreaApiInput,
        response: { 200: CustomAreaJson },
      },
    },
    async (request) =>
      customJson(await geography.updateCustomArea(request.partnership!.id, request.params.id, fromApi(request.body), request.actor)),
  )
  app.delete<{ Params: Static<typeof CustomParams> }>(
    '/api/v1/partnerships/:partnership/custom-areas/:id',
    { config: { access: { partnership: 'editor' } }, schema: { tags: ctags, summary: 'Remove a custom area', params: CustomParams } },
    async (request, reply) => {
      await geography.removeCustomArea(request.partnership!.id, request.params.id, undefined, request.actor)
      return reply.code(204).send()
    },
  )
}
