/**
 * Open crime data: pages and the JSON API.
 * Read: anyone: police.uk counts are open data, and so is what is loaded. Custom areas follow their partnership
 * (published, or its members). Import: editors of any partnership and site administrators (the crime store is shared
 * by every partnership, like the directory of organisations and areas).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'
import { sendExport, toCsv } from '../platform/export.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { receiveFiles } from '../platform/uploads.ts'
import { AREA_TYPE_LABELS } from '../geography/service.ts'
import {
  STREET_GROUPS,
  STOP_SEARCH_GROUPS,
  monthsBetween,
  type Target,
  type StreetGroup,
  type StopSearchGroup,
  type Coverage,
  forcesFor,
} from './queries.ts'
import { ALL_CRIME_TYPES } from './vocabulary.ts'
import { FORCES, forceBySlug } from './forces.ts'
import { KIND_LABELS, KINDS, type Kind } from './formats.ts'
import {
  areaDescription,
  AreaParam,
  AreaQuery,
  CountsQuery,
  CountsResponse,
  CoverageQuery,
  IdParam,
  OUTCOME_GROUPS,
  OutcomesQuery,
  SearchQuery,
  StopSearchQuery,
  type CommonCountsQuery,
} from './schema.ts'
import { areaPage, calendar, targetCode, targetName } from './pages.ts'
import { plural, shortMonthLabel } from '../platform/format.ts'
import { defineTable, exportColumns, tableView } from '../platform/tables.ts'
import { coverageTable, coverageStaffTable, lsoasTable, monthsTable, monthTypeTable, typesTable } from './tables.ts'

const V = 'crime/views'
function parseGroups<T extends string>(text: string | undefined, allowed: readonly T[]): T[] {
  const groups = (text ?? 'month')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
  const wrong = groups.filter((g) => !allowed.includes(g as T))
  if (wrong.length)
    throw new ValidationError({
      group: `group must be one or more of ${allowed.join(', ')}, separated by commas (found ${wrong.map((w) => `"${w}"`).join(', ')})`,
    })
  return [...new Set(groups)] as T[]
}

function parseTypes(text: string | undefined): string[] | undefined {
  if (!text) return undefined
  const types = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  const wrong = types.filter((t) => !ALL_CRIME_TYPES.some((k) => k.toLowerCase() === t.toLowerCase()))
  if (wrong.length)
    throw new ValidationError({
      type: `${wrong.map((w) => `"${w}"`).join(', ')} ${wrong.length === 1 ? 'is not a police.uk crime type' : 'are not police.uk crime types'}. Use: ${ALL_CRIME_TYPES.join(', ')}`,
    })
  return types.map((t) => ALL_CRIME_TYPES.find((k) => k.toLowerCase() === t.toLowerCase())!)
}

function checkPeriod(from: string, to: string) {
  if (from > to) throw new ValidationError({ to: `To (${to}) must be the same as or after From (${from})` })
  if (monthsBetween(from, to).length > 240) throw new ValidationError({ from: 'A period can be up to 240 months (20 years)' })
}

/**
 * A small least-recently-used cache. Area pages draw a chart and a map on the server (about 100 ms); the same page
 * for the same data is served from here. Keys carry the version of the data loaded, so an import is seen at once.
 */
class Lru<V> {
  private map = new Map<string, V>()
  constructor(private max: number) {}
  get(key: string) {
    const v = this.map.get(key)
    if (v !== undefined) {
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }
  delete(key: string) {
    this.map.delete(key)
  }
  set(key: string, v: V) {
    this.map.delete(key)
    this.map.set(key, v)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!)
  }
}

export async function crimeRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const { crime, geography } = services
  // Area pages as drawn (their figures and their body's HTML: the same for everyone), as promises, so that many
  // people asking for the same page at once share one drawing of it.
  const pages = new Lru<Promise<{ page: Awaited<ReturnType<typeof areaPage>>; body: string }>>(64)
  const crumbs = [
    { text: 'Home', href: '/' },
    { text: 'Crime data', href: '/crime' },
  ]

  /** May this request see custom areas of that partnership? Published partnerships: anyone; otherwise members. */
  const canSeeCustom = (request: FastifyRequest) => async (partnershipId: number) => {
    if (request.user?.site_admin) return true
    if ((await services.partnerships.byId(partnershipId))?.published) return true
    return !!(request.user && (await services.partnerships.roleIn(request.user.id, partnershipId)))
  }

  /** The area named in an API query: an unknown one is a field error, so the API says which parameter was wrong. */
  async function targetFor(request: FastifyRequest, code: string): Promise<Target> {
    try {
      return await crime.target(code, canSeeCustom(request))
    } catch (err) {
      if (err instanceof NotFoundError)
        throw new ValidationError({ area: `There is no area, LSOA, custom area or police force "${code}". ${areaDescription}.` })
      throw err
    }
  }

  async function period(target: Target, kind: Kind, from?: string, to?: string) {
    const range = await crime.queries.loadedRange(
      kind,
      forcesFor(target).map((f) => f.slug),
    )
    const f = from ?? range?.from
    const t = to ?? range?.to
    if (f && t) checkPeriod(f, t)
    return { from: f, to: t }
  }

  function areaJson(target: Target) {
    return { code: targetCode(target), name: targetName(target), type: target.kind === 'force' ? 'police force' : target.area.type }
  }

  function send(reply: any, format: string | undefined, filename: string, body: { group: string[]; rows: Record<string, unknown>[] }) {
    if (format === 'csv') {
      const cols = [...body.group.flatMap((g) => (g === 'lsoa' ? ['lsoa', 'lsoa_name'] : [g])), 'count']
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}.csv"`)
        .send('\uFEFF' + toCsv(body.rows, defineTable(cols.map((c) => ({ key: c, value: (r: Record<string, unknown>) => r[c] })))))
    }
    return body
  }

  // ================= JSON API =================
  const tags = ['Crime data']

  /**
   * One counts answer: the area, the period (every month loaded when none is given), the coverage, the rows; as JSON,
   * or the rows as CSV.
   */
  async function counts(
    request: FastifyRequest<{ Querystring: CommonCountsQuery }>,
    reply: any,
    kind: Kind,
    name: string,
    group: string[],
    rows: (target: Target, period: { from: string; to: string }, coverage: Coverage) => Promise<Record<string, unknown>[]>,
    check?: (target: Target) => void,
  ) {
    const q = request.query
    const target = await targetFor(request, q.area)
    check?.(target)
    const { from, to } = await period(target, kind, q.from, q.to)
    if (!from || !to)
      return send(reply, q.format, `${name}-${targetCode(target)}`, {
        area: areaJson(target),
        from: null,
        to: null,
        group,
        rows: [],
        coverage: null,
      } as any)
    const coverage = await crime.queries.coverage(target, kind, from, to)
    return send(reply, q.format, `${name}-${targetCode(target)}-${from}-${to}`, {
      area: areaJson(target),
      from,
      to,
      group,
      rows: await rows(target, { from, to }, coverage),
      coverage,
    } as any)
  }

  app.get<{ Querystring: Static<typeof CountsQuery> }>(
    '/api/v1/crime/counts',
    {
      config: { access: 'public', heavy: true },
      schema: {
        tags,
        summary: 'Street-level crime counts for an area, period and type (police.uk open data)',
        description:
          'Counts of police.uk street-level crime and anti-social behaviour. Months not loaded for every force the area needs are listed in coverage.gaps and never counted as zero. format=csv gives the rows as CSV.',
        security: [],
        querystring: CountsQuery,
        response: { 200: CountsResponse },
      },
    },
    async (request, reply) => {
      const q = request.query
      const group = parseGroups<StreetGroup>(q.group, STREET_GROUPS)
      const types = parseTypes(q.type)
      return counts(request, reply, 'street', 'crime', group, (target, p, coverage) =>
        crime.queries.streetCounts(target, { ...p, group, types }, coverage),
      )
    },
  )

  app.get<{ Querystring: Static<typeof StopSearchQuery> }>(
    '/api/v1/crime/stop-and-search/counts',
    {
      config: { access: 'public', heavy: true },
      schema: {
        tags,
        summary: 'Stop-and-search counts for a police force area and period',
        description:
          'Counts by month, object of search, outcome, self-defined ethnicity and more. Records carry coordinates but no LSOA, so they are counted by the force that made them.',
        security: [],
        querystring: StopSearchQuery,
        response: { 200: CountsResponse },
      },
    },
    async (request, reply) => {
      const group = parseGroups<StopSearchGroup>(request.query.group, STOP_SEARCH_GROUPS)
      return counts(
        request,
        reply,
        'stop-and-search',
        'stop-and-search',
        group,
        (target, p, coverage) => crime.queries.recordCounts('stop-and-search', target, { ...p, group }, coverage),
        (target) => {
          if (target.kind === 'area' && target.area.type !== 'police force area') {
            throw new ValidationError({
              area: `Stop-and-search records have coordinates but no LSOA, so Safer counts them by police force. Give a police force area code (E23…/W15…) or a force such as city-of-london; ${target.area.name} is a ${AREA_TYPE_LABELS[target.area.type]?.toLowerCase() ?? target.area.type}.`,
            })
          }
        },
      )
    },
  )

  app.get<{ Querystring: Static<typeof OutcomesQuery> }>(
    '/api/v1/crime/outcomes/counts',
    {
      config: { access: 'public', heavy: true },
      schema: {
        tags,
        summary: 'Counts of outcomes (from police.uk outcomes files) for an area and period',
        security: [],
        querystring: OutcomesQuery,
        response: { 200: CountsResponse },
      },
    },
    async (request, reply) => {
      const group = parseGroups(request.query.group, OUTCOME_GROUPS)
      return counts(request, reply, 'outcomes', 'outcomes', group, (target, p, coverage) =>
        crime.queries.recordCounts('outcomes', target, { ...p, group }, coverage),
      )
    },
  )

  app.get<{ Querystring: Static<typeof CoverageQuery> }>(
    '/api/v1/crime/coverage',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Which force-months of police.uk data are loaded (missing force-months are gaps)',
        security: [],
        querystring: CoverageQuery,
      },
    },
    async (request, reply) => {
      const q = request.query
      const rows = await crime.coverageTable(q.kind as Kind | undefined)
      const table = request.user?.site_admin ? coverageStaffTable : coverageTable // the public: no names, no server paths
      if (sendExport(reply, q.format === 'csv' ? 'csv' : undefined, 'crime-coverage', rows, table)) return reply
      return rows.map((r) => Object.fromEntries(exportColumns(table).map((c) => [c.header, c.value(r)])))
    },
  )

  app.get<{ Params: Static<typeof IdParam> }>(
    '/api/v1/crime/imports/:id',
    {
      config: { access: 'editor-anywhere' },
      schema: { tags, summary: 'An import: its progress while it runs, then what happened to each file', params: IdParam },
    },
    async (request) => {
      const r = await crime.importRun(request.params.id)
      return {
        id: r.id,
        dataset: r.dataset,
        status: r.status,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        startedBy: r.started_by_name,
        filesTotal: r.files_total,
        filesDone: r.files_done,
        bytesTotal: Number(r.bytes_total),
        bytesDone: Number(r.bytes_done),
        rowsKept: Number(r.rows_kept),
        currentFile: r.current_file,
        message: r.message,
        results: r.results,
      }
    },
  )

  // ================= Pages =================

  app.get('/crime', { config: { access: 'public' } }, async (request, reply) => {
    const partitions = await crime.partitions()
    const street = partitions.filter((p) => p.kind === 'street')
    const forces = [...new Set(partitions.map((p) => p.force))].sort()
    const calendars = forces
      .filter((f) => street.some((p) => p.force === f))
      .map((f) => calendar(f, new Map(street.filter((p) => p.force === f).map((p) => [p.month, p.rows_kept]))))
    const geo = await geography.loaded()
    const partnerships = (await services.partnerships.visibleTo(request.user)).filter((p) => p.area_code)
    const canImport = await app.allows(request, 'editor-anywhere') // the Import page's own rule
    const kinds = KINDS.map((k) => ({
      kind: k,
      label: KIND_LABELS[k],
      months: partitions.filter((p) => p.kind === k).length,
      rows: partitions.filter((p) => p.kind === k).reduce((n, p) => n + p.rows_kept, 0),
    })).filter((k) => k.months)
    return reply.view(`${V}/index.njk`, {
      title: 'Crime data',
      breadcrumbs: crumbs.slice(0, 1),
      calendars,
      geo,
      kinds,
      canImport,
      partnerships: partnerships.map((p) => ({ name: p.name, href: `/crime/areas/${p.area_code}` })),
      forcesLoaded: calendars.map((c) => ({ name: c.name, href: `/crime/areas/${c.force}`, pfa: forceBySlug(c.force)?.pfaCode })),
      imports: canImport ? await crime.imports(5) : [],
    })
  })

  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/crime/search',
    { config: { access: 'public' }, schema: { querystring: SearchQuery } },
    async (request, reply) => {
      const q = (request.query.q ?? '').trim()
      let results: { code: string; name: string; type: string; href: string }[] = []
      let error: string | undefined
      if (!q) error = 'Enter the name or code of an area, like Worcester, South Worcester or E07000237'
      else {
        const upper = q.toUpperCase()
        if (/^[EW]01\d{6}$/.test(upper)) return reply.redirect(`/crime/areas/${upper}`, 303)
        const areas = await geography.listAreas()
        results = areas
          .filter((a) => a.code === upper || a.name.toLowerCase().includes(q.toLowerCase()))
          .map((a) => ({ code: a.code, name: a.name, type: AREA_TYPE_LABELS[a.type] ?? a.type, href: `/crime/areas/${a.code}` }))
        for (const f of FORCES)
          if (f.name.toLowerCase().includes(q.toLowerCase()) || f.slug === q.toLowerCase())
            results.push({ code: f.slug, name: f.name, type: 'Police force (everything it reported)', href: `/crime/areas/${f.slug}` })
        if (results.length === 1 && (results[0].code === upper || results[0].code === q.toLowerCase()))
          return reply.redirect(results[0].href, 303)
      }
      return reply.view(`${V}/search.njk`, {
        title: q ? `Areas matching “${q}”` : 'Find an area',
        q,
        results: results.slice(0, 100),
        more: Math.max(0, results.length - 100),
        errors: error ? { q: error } : undefined,
        breadcrumbs: crumbs,
      })
    },
  )

  app.get<{ Params: Static<typeof AreaParam>; Querystring: Static<typeof AreaQuery> }>(
    '/crime/areas/:code',
    { config: { access: 'public', heavy: true }, schema: { params: AreaParam, querystring: AreaQuery } },
    async (request, reply) => {
      const code = request.params.code
      const q = request.query
      const target = await crime.target(code, canSeeCustom(request))
      const errors: Record<string, string> = {}
      let type: string | undefined
      try {
        type = parseTypes(q.type)?.[0]
      } catch (err) {
        Object.assign(errors, (err as ValidationError).fields)
      }
      if (q.from && q.to && q.from > q.to)
        errors.to = `To (${shortMonthLabel(q.to)}) must be the same as or after From (${shortMonthLabel(q.from)})`
      const query = Object.keys(errors).length ? {} : { from: q.from, to: q.to, type }
      const key = JSON.stringify([
        code,
        q.from,
        q.to,
        q.type,
        await crime.dataVersion(),
        target.kind === 'area' && target.area.kind === 'custom' ? [target.area.name, target.area.lsoaCodes] : null,
      ])
      let drawing = pages.get(key)
      if (!drawing) {
        drawing = (async () => {
          const page = await areaPage(crime.queries, geography, target, query)
          const qs = (extra: Record<string, string>) =>
            new URLSearchParams({ ...(page.empty ? {} : { from: page.from, to: page.to }), ...(type ? { type } : {}), ...extra }).toString()
          const apiArea = encodeURIComponent(targetCode(target))
          const body = await app.view(`${V}/area-body.njk`, {
            title: `Crime in ${targetName(target)}`,
            page,
            errors: Object.keys(errors).length ? errors : undefined,
            values: q,
            monthItems: page.empty ? [] : page.allMonths.map((m) => ({ value: m, text: shortMonthLabel(m) })),
            exportHref: (table: string, format: string) => `/crime/areas/${encodeURIComponent(code)}?${qs({ table, format })}`,
            tables: page.empty
              ? {}
              : {
                  months: tableView(monthsTable, page.months, { caption: 'Records each month', captionClasses: 'govuk-table__caption--s' }),
                  types: tableView(typesTable, page.byType, {
                    caption: `By crime type, ${plural(page.months.length, 'month')}`,
                    captionClasses: 'govuk-table__caption--s',
                    omit: page.totalRate === null ? ['per_1000_people', 'per_1000_ci95_lower', 'per_1000_ci95_upper'] : [],
                  }),
                  lsoas: tableView(lsoasTable, page.topLsoas, {
                    caption: 'The 10 LSOAs with the most records per 1,000 people',
                    captionClasses: 'govuk-table__caption--s',
                  }),
                },
            apiHref: `/api/v1/crime/counts?area=${apiArea}&${qs({ group: 'month,crime_type' })}`,
            apiCsvHref: `/api/v1/crime/counts?area=${apiArea}&${qs({ group: 'month,crime_type', format: 'csv' })}`,
            stopSearchHref:
              target.kind === 'force' || (target.kind === 'area' && target.area.type === 'police force area')
                ? `/api/v1/crime/stop-and-search/counts?area=${apiArea}&group=month,outcome`
                : undefined,
          })
          return { page, body }
        })()
        drawing.catch(() => pages.delete(key))
        pages.set(key, drawing)
      }
      const { page, body } = await drawing
      if (q.format && !page.empty) {
        const name = `crime-${targetCode(target)}-${page.from}-${page.to}`
        const table = q.table ?? 'months'
        if (table === 'months') sendExport(reply, q.format, `${name}-months`, page.months, monthsTable)
        else if (table === 'types') sendExport(reply, q.format, `${name}-types`, page.byType, typesTable)
        else if (table === 'lsoas') sendExport(reply, q.format, `${name}-lsoas`, page.lsoas, lsoasTable)
        else sendExport(reply, q.format, `${name}-by-month-and-type`, page.byMonthType, monthTypeTable)
        return reply
      }
      return reply.view(`${V}/area.njk`, {
        title: `Crime in ${targetName(target)}`,
        body,
        errors: Object.keys(errors).length ? errors : undefined,
        breadcrumbs: [
          ...crumbs,
          ...(target.kind === 'area' ? target.area.parents.map((p) => ({ text: p.name, href: `/crime/areas/${p.code}` })) : []),
        ],
      })
    },
  )

  app.get<{ Querystring: Static<typeof CoverageQuery> }>(
    '/crime/coverage',
    { config: { access: 'public' }, schema: { querystring: CoverageQuery } },
    async (request, reply) => {
      const q = request.query
      const rows = await crime.coverageTable(q.kind as Kind | undefined)
      const table = request.user?.site_admin ? coverageStaffTable : coverageTable // the public: no names, no server paths
      if (sendExport(reply, q.format, 'crime-coverage', rows, table)) return reply
      return reply.view(`${V}/coverage.njk`, {
        title: 'Crime data loaded',
        rows,
        table: tableView(table, rows, { caption: plural(rows.length, 'force-month'), captionClasses: 'govuk-table__caption--m' }),
        exportHref: q.kind ? `/crime/coverage?kind=${encodeURIComponent(q.kind)}` : undefined,
        kind: q.kind,
        kinds: KINDS.map((k) => ({ value: k, text: KIND_LABELS[k] })),
        breadcrumbs: crumbs,
      })
    },
  )

  // ---- Import (editors anywhere, site administrators) ----

  const importCrumbs = [...crumbs, { text: 'Import', href: '/crime/import' }]
  const importPage = async (reply: any, extra: Record<string, unknown> = {}) =>
    reply.view(`${V}/import.njk`, {
      title: 'Import police.uk data',
      imports: await crime.imports(20),
      running: await crime.runningImport(),
      uploadLimitMb: config.uploadLimitMb,
      uploadTotalLimitMb: config.uploadTotalLimitMb,
      breadcrumbs: crumbs,
      ...extra,
    })

  app.get('/crime/import', { config: { access: 'editor-anywhere' } }, async (_request, reply) => importPage(reply))

  // Uploads are streamed to disk as they arrive (never held in memory) by the platform's receiveFiles: the access
  // rule is applied before the body is read (as for every route), and the CSRF token (the form's first field) before
  // any file is written. The import takes the files over and removes them when it ends.
  app.post('/crime/import', { config: { access: 'editor-anywhere', uploads: true } }, async (request, reply) => {
    try {
      const upload = await receiveFiles(request, {
        field: 'files',
        accept: ['csv', 'zip'],
        required: 'Choose one or more police.uk CSV files, or a zip of them, and upload them with the form',
        advice: 'Import large archives with the command line: safer import police-uk FILE',
      })
      upload.keep()
      const id = await crime.startUploadImport(upload.dir, upload.files, request.actor)
      return reply.redirect(`/crime/imports/${id}`, 303)
    } catch (err) {
      if (err instanceof ValidationError) return importPage(reply.code(400), { errors: err.fields })
      throw err
    }
  })

  app.get<{ Params: Static<typeof IdParam> }>(
    '/crime/imports/:id',
    { config: { access: 'editor-anywhere' }, schema: { params: IdParam } },
    async (request, reply) => progressPage(request, reply),
  )

  async function progressPage(request: FastifyRequest<{ Params: Static<typeof IdParam> }>, reply: any, errors?: Record<string, string>) {
    const r = await crime.importRun(request.params.id)
    const results = (r.results ?? []).map((x: any) => ({ ...x, kindLabel: x.kind ? KIND_LABELS[x.kind as Kind] : '' }))
    const held = results.filter((x: any) => x.status === 'held')
    const pct = r.bytes_total ? Math.min(100, Math.round((Number(r.bytes_done) / Number(r.bytes_total)) * 100)) : 0
    return reply.view(`${V}/import-progress.njk`, {
      title:
        r.status === 'running' || r.status === 'queued'
          ? 'Importing police.uk data'
          : `Import ${r.id}: ${r.status === 'finished' ? (r.files_held ? 'finished, waiting for you to confirm replacing data' : r.files_refused ? 'finished, with files refused' : 'finished') : r.status}`,
      run: r,
      results,
      pct,
      breadcrumbs: importCrumbs,
      counts: {
        imported: results.filter((x: any) => x.status === 'imported').length,
        unchanged: results.filter((x: any) => x.status === 'unchanged').length,
        refused: results.filter((x: any) => x.status === 'refused').length,
        skipped: results.filter((x: any) => x.status === 'skipped').length,
        held: held.length,
      },
      held,
      heldFilesKept: r.status === 'finished' && (await crime.heldFilesKept(r.id)),
      errors,
    })
  }

  // Replacing loaded data waits for the person to confirm it (docs/security.md, point 13): replace, or cancel.
  app.post<{ Params: Static<typeof IdParam> }>(
    '/crime/imports/:id/replace',
    { config: { access: 'editor-anywhere' }, schema: { params: IdParam } },
    async (request, reply) => {
      const action = (request.body as { action?: unknown } | undefined)?.action
      if (action !== 'replace' && action !== 'cancel')
        throw new ValidationError({ action: 'Choose whether to replace the data loaded or keep it' })
      try {
        const id = await crime.decideHeld(request.params.id, action, request.actor)
        if (id === undefined) {
          reply.flash('Nothing was replaced: the data loaded is as it was, and the uploaded files have been removed')
          return reply.redirect(`/crime/imports/${request.params.id}`, 303)
        }
        return reply.redirect(`/crime/imports/${id}`, 303)
      } catch (err) {
        if (err instanceof ValidationError) return progressPage(request, reply.code(400), err.fields)
        throw err
      }
    },
  )
}
