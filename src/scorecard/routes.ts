/**
 * The performance scorecard's pages and API: the scorecard (grouped by the agreement's priorities), each
 * indicator's page (trend, table, downloads), the print view and its PDF, the forms that define indicators and
 * enter values, the CSV upload with its preview and undo, and /api/v1/partnerships/:partnership/indicators.
 * Read: anyone, for a published partnership (sensitivity and disclosure control applied by the service, to pages
 * and API alike). Write: editors.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport } from '../platform/export.ts'
import { choice, parseForm } from '../platform/validation.ts'
import { hasRole } from '../platform/access.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { receiveFiles } from '../platform/uploads.ts'
import { tableView } from '../platform/tables.ts'
import { sendPdf, fileNamePart } from '../platform/pdf.ts'
import { formatNumber, plural } from '../platform/format.ts'
import { ROLES } from '../platform/auth/service.ts'
import {
  IndicatorInput,
  IndicatorJson,
  ValueInput,
  ValueJson,
  ValuesQuery,
  UNITS,
  POLARITIES,
  FREQUENCY_CHOICES,
  SENSITIVITIES,
  RAG_METHODS,
  COMPARATORS,
} from './schema.ts'
import { ADJUSTMENTS, ADJUSTMENT_WORDS, isEditor, pText, REGIONS, type Adjustment, type Indicator, type Viewer } from './service.ts'
import { previewTable, scorecardTable, sparkline, trendChart, uploadsTable, valuesTable, type ScorecardRow } from './present.ts'
import { FREQUENCY_WORDS, parseAnyPeriod, periodText, VIEWS, VIEW_WORDS, type View } from './periods.ts'
import { TrendJson } from './schema.ts'
import { peerRoutes, peerSection } from './peer-routes.ts'

const V = 'scorecard/views'
const P = { partnership: Type.String() }
const PartnershipParams = Type.Object(P)
const CodeParams = Type.Object({ ...P, code: Type.String({ maxLength: 80 }) })
const UploadParams = Type.Object({ ...P, upload: Type.Integer({ minimum: 1, title: 'Upload id' }) })
const ScorecardQuery = Type.Object({
  format: Type.Optional(choice(['csv', 'json', 'pdf'] as const, 'Format')),
  view: Type.Optional(choice(['', ...VIEWS] as const, 'Period view')),
  adjust: Type.Optional(choice(ADJUSTMENTS, 'Adjustment for many comparisons')),
})
const IndicatorQuery = Type.Object({
  area: Type.Optional(Type.String({ maxLength: 40 })),
  view: Type.Optional(choice(VIEWS, 'Period view')),
  format: Type.Optional(choice(['csv', 'json'] as const, 'Format')),
  /** table=peers: download the comparison with peers instead of the values. */
  table: Type.Optional(choice(['peers'] as const, 'Table')),
})

const UNIT_WORDS: Record<string, string> = { count: 'Count', rate: 'Rate', percentage: 'Percentage', number: 'Number', money: 'Money (£)' }
const POLARITY_WORDS: Record<string, string> = {
  'lower-is-better': 'Lower is better',
  'higher-is-better': 'Higher is better',
  neither: 'Neither',
}
const SENSITIVITY_WORDS: Record<string, string> = {
  public: 'Public',
  partners: 'Partners only (members of the partnership)',
  restricted: 'Restricted to named roles',
}
const RAG_WORDS: Record<string, string> = {
  none: 'Not rated',
  target: 'Against a target, with a tolerance',
  statistical: 'Statistical: red only when significantly worse',
}
const COMPARATOR_WORDS: Record<string, string> = {
  'last-year': 'The same period a year before',
  'england-and-wales': 'England and Wales (values for area K04000001)',
  peers: 'The peer average (the partnership’s statistical peers, for the same period)',
  region: 'The region (its values, uploaded under the region’s code, for the same period)',
}

/** A path with the query parameters that have values ("/x?view=fytd", or "/x" when none). */
function withQuery(pathname: string, params: Record<string, string | undefined>) {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString()
  return q ? `${pathname}?${q}` : pathname
}

export async function scorecardRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const sc = services.scorecard
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const viewer = (request: FastifyRequest): Viewer => ({ role: request.role })
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    { text: 'Scorecard', href: `${base(request)}/scorecard` },
    ...more,
  ]

  async function priorityItems(request: FastifyRequest) {
    const version = await services.agreement.latestVersion(p(request).id, { includeUnpublished: true })
    const prs = version ? await services.agreement.priorities(version.id) : []
    return prs.map((pr) => ({ value: pr.lineage_id, text: `Priority ${pr.number}: ${pr.title}` }))
  }

  /**
   * The scorecard's tables, drawn once (their rows, sparklines and HTML) for each kind of viewer, view, adjustment and
   * grouping, until the scorecard's stamp or the crime data changes (card.cacheKey says so). Drawing 25 rows of GOV.UK
   * table macros was most of a request's time; now a request draws only the page around them (bench:scorecard).
   */
  const drawn = new Map<
    string,
    Promise<{ groups: { title: string; table: ReturnType<typeof tableView>; html: string }[]; all: ScorecardRow[] }>
  >()

  async function scorecardView(request: FastifyRequest) {
    const q = request.query as { view?: View | ''; adjust?: Adjustment }
    const card = await sc.scorecard(p(request), viewer(request), { view: q.view || undefined, adjustment: q.adjust })
    const key = `${card.cacheKey}|${base(request)}`
    let pending = drawn.get(key)
    if (!pending) {
      if (drawn.size > 100) drawn.delete(drawn.keys().next().value!)
      pending = drawTables(request, card)
      drawn.set(key, pending)
      pending.catch(() => drawn.delete(key))
    }
    const { groups, all } = await pending
    return { card, groups, all, choices: scorecardChoices(card) }
  }

  async function drawTables(request: FastifyRequest, card: Awaited<ReturnType<typeof sc.scorecard>>) {
    let n = 0
    const rows = new Map<unknown, ScorecardRow>()
    for (const r of card.rows)
      rows.set(r, {
        ...r,
        areaName: r.area ? await sc.areaName(r.area, p(request).id) : null,
        sparkline: sparkline(`spark-${++n}`, r.indicator, r.points),
      })
    const page = { base: base(request) }
    const groups = []
    for (const g of card.groups) {
      const table = tableView(
        scorecardTable,
        g.rows.map((r) => rows.get(r)!),
        { caption: g.title, captionClasses: 'govuk-table__caption--m', page },
      )
      groups.push({ title: g.title, table, html: await app.view(`${V}/scorecard-table.njk`, { table }) })
    }
    return { groups, all: [...rows.values()] }
  }

  /** The view and adjustment choices of the scorecard, and what the page says about them. */
  function scorecardChoices(card: { view?: View; adjustment: Adjustment; comparisons: number; rows: { view: View }[] }) {
    const own = card.view ? card.rows.filter((r) => r.view !== card.view).length : 0
    return {
      viewItems: [{ value: '', text: 'Each indicator’s own periods' }, ...VIEWS.map((v) => ({ value: v, text: VIEW_WORDS[v] }))],
      adjustItems: ADJUSTMENTS.map((a) => ({ value: a, text: ADJUSTMENT_WORDS[a] })),
      view: card.view ?? '',
      viewWords: card.view ? VIEW_WORDS[card.view].toLowerCase() : 'each indicator’s own (months, quarters or financial years)',
      adjustment: card.adjustment,
      adjustmentName: card.adjustment === 'bh' ? 'the Benjamini-Hochberg method' : "Holm's method",
      comparisons: card.comparisons,
      ownPeriods: own
        ? `${plural(own, 'indicator')} cannot be shown by ${VIEW_WORDS[card.view!].toLowerCase()}: ${own === 1 ? 'it is' : 'they are'} shown by ${own === 1 ? 'its' : 'their'} own periods.`
        : '',
    }
  }

  app.get<{ Querystring: Static<typeof ScorecardQuery> }>(
    '/partnerships/:partnership/scorecard',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: ScorecardQuery } },
    async (request, reply) => {
      const view = await scorecardView(request)
      if (
        request.query.format !== 'pdf' &&
        sendExport(reply, request.query.format, `scorecard-${p(request).slug}`, view.all, scorecardTable)
      )
        return reply
      if (request.query.format === 'pdf') {
        const q = new URLSearchParams({ format: 'pdf', ...(request.query.view ? { view: request.query.view } : {}) })
        if (request.query.adjust) q.set('adjust', request.query.adjust)
        return reply.redirect(`${base(request)}/scorecard/print?${q}`, 303)
      }
      return reply.view(`${V}/scorecard.njk`, scorecardPage(request, view))
    },
  )

  const scorecardPage = (request: FastifyRequest, view: Awaited<ReturnType<typeof scorecardView>>) => ({
    title: 'Performance scorecard',
    query: withQuery('', { view: view.choices.view || undefined, adjust: (request.query as { adjust?: string }).adjust }),
    base: base(request),
    groups: view.groups,
    count: view.all.length,
    ...view.choices,
    values: { adjustment: view.choices.adjustment },
    canEdit: hasRole(request, 'editor'),
    editor: isEditor(viewer(request)),
    areaCode: p(request).area_code,
    breadcrumbs: crumbs(request).slice(0, 2),
  })

  // The partnership's choice of adjustment for many comparisons (the scorecard's own setting).
  app.post(
    '/partnerships/:partnership/scorecard/settings',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/scorecard.njk`,
        context: async () => scorecardPage(request, await scorecardView(request)),
        run: async () => {
          const adjustment = String(formBody(request).adjustment ?? '')
          await sc.setAdjustment(p(request).id, adjustment, request.actor)
          return {
            redirect: `${base(request)}/scorecard`,
            flash: `The scorecard now adjusts for many comparisons by ${adjustment === 'bh' ? 'the Benjamini–Hochberg method' : 'Holm’s method'}`,
          }
        },
      }),
  )

  app.get<{ Querystring: { format?: 'pdf' } }>(
    '/partnerships/:partnership/scorecard/print',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        params: PartnershipParams,
        querystring: Type.Object({
          format: Type.Optional(choice(['pdf'] as const, 'Format')),
          view: Type.Optional(choice(['', ...VIEWS] as const, 'Period view')),
          adjust: Type.Optional(choice(ADJUSTMENTS, 'Adjustment for many comparisons')),
        }),
      },
    },
    async (request, reply) => {
      const view = await scorecardView(request)
      const q = request.query as { view?: string; adjust?: string }
      const keep = new URLSearchParams({ ...(q.view ? { view: q.view } : {}), ...(q.adjust ? { adjust: q.adjust } : {}) }).toString()
      if (request.query.format === 'pdf')
        return sendPdf(request, reply, services.pdf, {
          path: `${base(request)}/scorecard/print${keep ? `?${keep}` : ''}`,
          title: `${p(request).name}: performance scorecard`,
          author: p(request).name,
          subject: 'Performance scorecard',
          filename: `${fileNamePart(p(request).slug)}-scorecard.pdf`,
          header: { left: p(request).name, right: 'Performance scorecard' },
          footer: `${p(request).name}: performance scorecard`,
          landscape: true,
        })
      return reply.view(`${V}/print.njk`, {
        title: `${p(request).name}: performance scorecard`,
        base: base(request),
        groups: view.groups,
        count: view.all.length,
        ...view.choices,
        breadcrumbs: crumbs(request),
      })
    },
  )

  // ---- Indicators ----

  const indicatorContext = async (request: FastifyRequest, ind?: Indicator) => ({
    title: ind ? `Change ${ind.name}` : 'Define an indicator',
    base: base(request),
    indicator: ind,
    action: ind ? `${base(request)}/scorecard/indicators/${ind.code}/edit` : `${base(request)}/scorecard/indicators/new`,
    unitItems: UNITS.map((u) => ({ value: u, text: UNIT_WORDS[u] })),
    perItems: [1000, 10000, 100000].map((v) => ({ value: v, text: `Per ${formatNumber(v)}` })),
    polarityItems: POLARITIES.map((v) => ({ value: v, text: POLARITY_WORDS[v] })),
    frequencyItems: FREQUENCY_CHOICES.map((v) => ({ value: v, text: FREQUENCY_WORDS[v].replace(/^./, (c) => c.toUpperCase()) })),
    sensitivityItems: SENSITIVITIES.map((v) => ({ value: v, text: SENSITIVITY_WORDS[v] })),
    roleItems: ROLES.map((r) => ({ value: r, text: r.replace(/^./, (c) => c.toUpperCase()) })),
    ragItems: RAG_METHODS.map((v) => ({ value: v, text: RAG_WORDS[v] })),
    comparatorItems: COMPARATORS.map((v) => ({ value: v, text: COMPARATOR_WORDS[v] })),
    regionItems: [
      { value: '', text: 'Select a region' },
      ...Object.entries(REGIONS).map(([code, name]) => ({ value: code, text: `${name} (${code})` })),
    ],
    priorityItems: await priorityItems(request),
    organisationItems: (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name })),
    breadcrumbs: crumbs(request),
  })

  const formValues = (ind: Indicator) => ({
    code: ind.code,
    name: ind.name,
    definition: ind.definition,
    unit: ind.unit,
    per: ind.per,
    polarity: ind.polarity,
    frequency: ind.frequency,
    source: ind.source,
    ownerOrganisationId: ind.owner_organisation_id,
    caveats: ind.caveats,
    sensitivity: ind.sensitivity,
    restrictedRoles: ind.restricted_roles,
    suppressionThreshold: ind.suppression_threshold,
    priorities: ind.priority_lineages,
    ragMethod: ind.rag_method,
    target: ind.target,
    tolerance: ind.tolerance,
    comparator: ind.comparator,
    region: ind.benchmark_area,
    baseline: ind.baseline,
    version: ind.version || undefined,
  })

  app.get<{ Querystring: { code?: string } }>(
    '/partnerships/:partnership/scorecard/indicators/new',
    {
      config: { access: { partnership: 'editor' } },
      schema: { params: PartnershipParams, querystring: Type.Object({ code: Type.Optional(Type.String({ maxLength: 80 })) }) },
    },
    async (request, reply) => {
      // ?code=police-uk-burglary: take a built-in indicator onto the scorecard.
      const builtin = request.query.code
        ? (await sc.indicators(p(request).id, viewer(request))).find((i) => i.code === request.query.code && i.builtin && !i.onScorecard)
        : undefined
      return reply.view(`${V}/indicator-form.njk`, {
        ...(await indicatorContext(request)),
        builtin,
        values: builtin
          ? formValues(builtin)
          : { suppressionThreshold: 5, sensitivity: 'public', ragMethod: 'none', frequency: 'month', polarity: 'lower-is-better' },
        errors: {},
      })
    },
  )

  app.post(
    '/partnerships/:partnership/scorecard/indicators/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/indicator-form.njk`,
        context: () => indicatorContext(request),
        run: async () => {
          const ind = await sc.defineIndicator(p(request).id, parseForm(IndicatorInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/scorecard/indicators/${ind.code}`, flash: `${ind.name} is on the scorecard` }
        },
      }),
  )

  const loadIndicator = async (request: FastifyRequest) =>
    sc.indicator(p(request).id, (request.params as { code: string }).code, viewer(request))

  app.get<{ Params: Static<typeof CodeParams>; Querystring: Static<typeof IndicatorQuery> }>(
    '/partnerships/:partnership/scorecard/indicators/:code',
    { config: { access: { partnership: 'public' } }, schema: { params: CodeParams, querystring: IndicatorQuery } },
    async (request, reply) => {
      const ind = await loadIndicator(request)
      const areas = await sc.areasOf(p(request), ind)
      const area = request.query.area ?? (await sc.mainArea(p(request), ind, areas))
      const views = sc.viewsFor(ind)
      const asked = request.query.view as View | undefined
      const view: View = asked && views.includes(asked) ? asked : ind.frequency
      const series = area ? await sc.seriesWithTrend(p(request), ind, area, viewer(request), { view }) : undefined
      const points = series?.points ?? []
      const table = valuesTable(ind)
      const suffix = `${area ? `-${area}` : ''}${view !== ind.frequency ? `-${view}` : ''}`
      const areaName = area ? ((await sc.areaName(area, p(request).id)) ?? area) : ''
      // Peers are ranked in the indicator's own periods (a summed view's periods are not stored for the peers).
      const peers =
        view === ind.frequency && (!request.query.format || request.query.table === 'peers')
          ? await peerSection(services, request, ind, area, points, areaName, viewer(request))
          : null
      if (request.query.table === 'peers') {
        if (!peers) throw new NotFoundError()
        if (sendExport(reply, request.query.format, `${p(request).slug}-${ind.code}-peers`, peers.comparison.figures, peers.table))
          return reply
      }
      if (sendExport(reply, request.query.format, `${p(request).slug}-${ind.code}${suffix}`, points, table)) return reply
      const areaItems = []
      for (const a of areas) areaItems.push({ value: a, text: `${(await sc.areaName(a, p(request).id)) ?? a} (${a})` })
      return reply.view(`${V}/indicator.njk`, {
        title: ind.name,
        base: base(request),
        indicator: ind,
        area,
        areaName,
        areaItems,
        view,
        viewItems: views.map((v) => ({ value: v, text: VIEW_WORDS[v] })),
        viewRefused: asked && asked !== view ? VIEW_WORDS[asked].toLowerCase() : '',
        trend: series?.trend,
        trendP: series?.trend.pValue !== null && series?.trend.pValue !== undefined ? pText(series.trend.pValue) : '',
        baselineText: ind.baseline ? periodText(parseAnyPeriod(ind.baseline)!) : '',
        chart: await trendChart(ind, points, areaName, view === 'rolling-12' || view === 'fytd'),
        peers: peers?.view,
        table: tableView(table, points.slice().reverse(), {
          caption: `${ind.name}${areaName ? ` in ${areaName}` : ''}: ${plural(points.length, 'period')}`,
          captionClasses: 'govuk-table__caption--m',
        }),
        exportHref: withQuery(`${base(request)}/scorecard/indicators/${ind.code}`, {
          area,
          view: view !== ind.frequency ? view : undefined,
        }),
        ragText:
          RAG_WORDS[ind.rag_method] +
          (ind.rag_method === 'target' ? `: target ${ind.target}${ind.tolerance !== null ? `, tolerance ${ind.tolerance}%` : ''}` : '') +
          (ind.rag_method === 'statistical'
            ? ind.comparator === 'region' && ind.benchmark_area
              ? `, compared with ${REGIONS[ind.benchmark_area] ?? ind.benchmark_area} (${ind.benchmark_area}) for the same period`
              : `, compared with ${COMPARATOR_WORDS[ind.comparator].toLowerCase()}`
            : ''),
        sensitivityText:
          SENSITIVITY_WORDS[ind.sensitivity] + (ind.sensitivity === 'restricted' ? `: ${ind.restricted_roles.join(', ')}` : ''),
        unitWords: UNIT_WORDS,
        polarityWords: POLARITY_WORDS,
        frequencyWords: FREQUENCY_WORDS,
        sensitivityWords: SENSITIVITY_WORDS,
        ragWords: RAG_WORDS,
        comparatorWords: COMPARATOR_WORDS,
        canEdit: hasRole(request, 'editor'),
        editor: isEditor(viewer(request)),
        breadcrumbs: crumbs(request),
      })
    },
  )

  app.get(
    '/partnerships/:partnership/scorecard/indicators/:code/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: CodeParams } },
    async (request, reply) => {
      const ind = await loadIndicator(request)
      if (!ind.onScorecard) throw new NotFoundError()
      return reply.view(`${V}/indicator-form.njk`, {
        ...(await indicatorContext(request, ind)),
        builtin: ind.builtin ? ind : undefined,
        values: formValues(ind),
        errors: {},
      })
    },
  )

  app.post(
    '/partnerships/:partnership/scorecard/indicators/:code/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: CodeParams } },
    async (request, reply) => {
      const ind = await loadIndicator(request)
      if (!ind.onScorecard) throw new NotFoundError()
      return handleForm(request, reply, {
        template: `${V}/indicator-form.njk`,
        context: () => indicatorContext(request, ind),
        run: async () => {
          const body = { ...formBody(request), code: ind.code }
          const input = parseForm(IndicatorInput, body)
          await sc.updateIndicator(p(request).id, ind.code, input, formVersion(request), request.actor)
          return { redirect: `${base(request)}/scorecard/indicators/${ind.code}`, flash: `${ind.name} changed` }
        },
      })
    },
  )

  // ---- Values ----

  const valueContext = async (request: FastifyRequest) => {
    const ind = await loadIndicator(request)
    return {
      title: `Enter a value: ${ind.name}`,
      base: base(request),
      indicator: ind,
      frequencyWords: FREQUENCY_WORDS,
      breadcrumbs: crumbs(request, [{ text: ind.name, href: `${base(request)}/scorecard/indicators/${ind.code}` }]),
    }
  }

  app.get(
    '/partnerships/:partnership/scorecard/indicators/:code/values/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: CodeParams } },
    async (request, reply) => {
      const ctx = await valueContext(request)
      if (ctx.indicator.builtin) throw new NotFoundError()
      return reply.view(`${V}/value-form.njk`, { ...ctx, values: { area: p(request).area_code ?? '' }, errors: {} })
    },
  )

  app.post(
    '/partnerships/:partnership/scorecard/indicators/:code/values/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: CodeParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/value-form.njk`,
        context: () => valueContext(request),
        run: async () => {
          const ind = await loadIndicator(request)
          const body = formBody(request)
          const v = await sc.setValue(
            p(request).id,
            ind.code,
            {
              area: String(body.area ?? ''),
              period: String(body.period ?? ''),
              numerator: String(body.numerator ?? ''),
              denominator: String(body.denominator ?? ''),
              value: String(body.value ?? ''),
            },
            request.actor,
          )
          return {
            redirect: `${base(request)}/scorecard/indicators/${ind.code}?area=${encodeURIComponent(v.area_code)}`,
            flash: `Value for ${v.period} saved`,
          }
        },
      }),
  )

  // ---- Upload: check, preview, confirm, undo ----

  const uploadContext = async (request: FastifyRequest) => ({
    title: 'Upload indicator values',
    base: base(request),
    uploads: await sc.uploads(p(request).id),
    uploadsTable: tableView(uploadsTable, await sc.uploads(p(request).id), {
      caption: 'Saved and undone uploads',
      page: { base: base(request), csrfToken: request.csrfToken },
    }),
    indicators: (await sc.stored(p(request).id)).filter((i) => !i.builtin),
    breadcrumbs: crumbs(request),
  })

  app.get(
    '/partnerships/:partnership/scorecard/upload',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/upload.njk`, { ...(await uploadContext(request)), values: {}, errors: {} }),
  )

  app.post(
    '/partnerships/:partnership/scorecard/upload',
    { config: { access: { partnership: 'editor' }, uploads: true }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      try {
        const upload = await receiveFiles(request, {
          field: 'file',
          accept: ['csv'],
          maxFiles: 1,
          maxFileBytes: 5 * 1024 * 1024,
          required: 'Select a CSV file of indicator values',
        })
        const [file] = upload.files
        const result = await sc.previewUpload(p(request).id, file.path, file.filename, request.actor)
        if (!result.upload) {
          // Every problem, each with its line; nothing saved.
          return reply.code(400).view(`${V}/upload.njk`, {
            ...(await uploadContext(request)),
            problems: result.check.problems,
            filename: file.filename,
            values: {},
            errors: {
              file: `${file.filename} has ${plural(result.check.problems.length, 'problem')}: nothing has been saved. Correct the file and upload it again.`,
            },
          })
        }
        return reply.redirect(`${base(request)}/scorecard/uploads/${result.upload.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return reply.code(400).view(`${V}/upload.njk`, { ...(await uploadContext(request)), values: {}, errors: err.fields })
      }
    },
  )

  app.get<{ Params: Static<typeof UploadParams> }>(
    '/partnerships/:partnership/scorecard/uploads/:upload',
    { config: { access: { partnership: 'editor' } }, schema: { params: UploadParams } },
    async (request, reply) => {
      const { upload, check } = await sc.uploadPreview(p(request).id, request.params.upload)
      return reply.view(`${V}/preview.njk`, {
        title: `Check ${upload.filename}`,
        base: base(request),
        upload,
        check,
        rowsTable: tableView(previewTable, check.rows, {
          caption: `The rows of ${upload.filename}`,
          captionClasses: 'govuk-table__caption--m',
        }),
        errors: check.problems.length ? { file: check.problems.join('; ') } : {},
        breadcrumbs: crumbs(request),
      })
    },
  )

  app.post<{ Params: Static<typeof UploadParams> }>(
    '/partnerships/:partnership/scorecard/uploads/:upload/confirm',
    { config: { access: { partnership: 'editor' } }, schema: { params: UploadParams } },
    async (request, reply) => {
      const done = await sc.confirmUpload(p(request).id, request.params.upload, request.actor)
      reply.flash(`${done.filename}: ${plural(done.rows, 'value')} saved`)
      return reply.redirect(`${base(request)}/scorecard/upload`, 303)
    },
  )

  app.post<{ Params: Static<typeof UploadParams> }>(
    '/partnerships/:partnership/scorecard/uploads/:upload/undo',
    { config: { access: { partnership: 'editor' } }, schema: { params: UploadParams } },
    async (request, reply) => {
      try {
        const done = await sc.undoUpload(p(request).id, request.params.upload, request.actor)
        reply.flash(`${done.filename} undone: ${plural(done.values, 'value')} taken back`)
        return reply.redirect(`${base(request)}/scorecard/upload`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return reply.code(400).view(`${V}/upload.njk`, { ...(await uploadContext(request)), values: {}, errors: err.fields })
      }
    },
  )

  // ---- JSON API ----
  const tags = ['Scorecard']
  const priorityNames = async (request: FastifyRequest) => {
    const version = await services.agreement.latestVersion(p(request).id, { includeUnpublished: request.role !== undefined })
    const prs = version ? await services.agreement.priorities(version.id) : []
    return (lineages: number[]) =>
      prs.filter((pr) => lineages.includes(pr.lineage_id)).map((pr) => ({ number: pr.number, title: pr.title }))
  }
  const indicatorJson = (ind: Indicator, names: (l: number[]) => { number: number; title: string }[]) => ({
    code: ind.code,
    name: ind.name,
    unit: ind.unit,
    per: ind.per,
    polarity: ind.polarity,
    frequency: ind.frequency,
    sensitivity: ind.sensitivity,
    builtin: ind.builtin,
    baseline: ind.baseline,
    priorities: names(ind.priority_lineages),
  })

  app.get(
    '/api/v1/partnerships/:partnership/indicators',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: 'The indicators you may see: the partnership’s own and the built-in police.uk ones',
        security: [],
        params: PartnershipParams,
        response: { 200: Type.Object({ rows: Type.Array(IndicatorJson) }) },
      },
    },
    async (request) => {
      const names = await priorityNames(request)
      return { rows: (await sc.indicators(p(request).id, viewer(request))).map((i) => indicatorJson(i, names)) }
    },
  )

  app.post(
    '/api/v1/partnerships/:partnership/indicators',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Define an indicator (or put a built-in one on the scorecard with your settings)',
        params: PartnershipParams,
        body: IndicatorInput,
        response: { 201: IndicatorJson },
      },
    },
    async (request, reply) => {
      const ind = await sc.defineIndicator(p(request).id, request.body, request.actor)
      return reply.code(201).send(indicatorJson(ind, await priorityNames(request)))
    },
  )

  app.get<{ Params: Static<typeof CodeParams>; Querystring: Static<typeof ValuesQuery> }>(
    '/api/v1/partnerships/:partnership/indicators/:code/values',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary:
          'An indicator’s values for one area (default: the partnership’s), with 95% and 99.8% intervals, the change on the same period a year before and on the indicator’s baseline year, and the recent trend over the last five periods. view=month|quarter|financial-year|rolling-12|fytd sums monthly (or quarterly) figures into longer periods. Small counts are suppressed for anyone who is not an editor, as on the pages. format=csv for CSV.',
        security: [],
        params: CodeParams,
        querystring: ValuesQuery,
        response: { 200: Type.Object({ view: Type.String(), rows: Type.Array(ValueJson), trend: TrendJson }) },
      },
    },
    async (request, reply) => {
      const ind = await loadIndicator(request)
      const area = request.query.area ?? (await sc.mainArea(p(request), ind))
      const view = (request.query.view as View | undefined) ?? ind.frequency
      const series = area
        ? await sc.seriesWithTrend(p(request), ind, area, viewer(request), { from: request.query.from, to: request.query.to, view })
        : undefined
      const points = series?.points ?? []
      if (request.query.format === 'csv' && sendExport(reply, 'csv', `${p(request).slug}-${ind.code}`, points, valuesTable(ind)))
        return reply
      const trend = series?.trend
      return {
        view,
        trend: {
          direction: trend?.direction ?? null,
          p_value: trend?.pValue ?? null,
          method: trend?.method ?? null,
          periods: trend?.periods ?? [],
          judgement: trend?.judgement ?? null,
          text: trend?.text ?? 'No figures',
        },
        rows: points.map((x) => ({
          area: x.area,
          period: x.period,
          numerator: x.numerator,
          denominator: x.denominator,
          value: x.value,
          ci95: x.ci95,
          ci998: x.ci998,
          suppressed: x.suppressed,
          change: x.change,
          baseline: x.baseline,
        })),
      }
    },
  )

  app.post<{ Params: Static<typeof CodeParams> }>(
    '/api/v1/partnerships/:partnership/indicators/:code/values',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Enter (or replace) one value of one of the partnership’s own indicators',
        params: CodeParams,
        body: ValueInput,
        response: { 201: Type.Object({ area: Type.String(), period: Type.String(), value: Type.Number() }) },
      },
    },
    async (request, reply) => {
      const ind = await loadIndicator(request)
      const v = await sc.setValue(p(request).id, ind.code, request.body, request.actor)
      return reply.code(201).send({ area: v.area_code, period: v.period, value: Number(v.value) })
    },
  )

  await peerRoutes(app, { services })
}
