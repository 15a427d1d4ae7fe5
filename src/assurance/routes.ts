/**
 * The assurance and development framework: rounds, the matrix, each cell's findings and development
 * areas, the settings (dimensions and rating scale), and the JSON API. (The print view of an agreement version is
 * the agreement's page; assurance adds the assessments of a round to it: src/assurance/print.ts.)
 * Read: anyone, for a published partnership's published rounds (members see all). Write: editors (rounds,
 * any cell), contributors (cells of the priorities their organisation leads), administrators (settings).
 */
import fs from 'node:fs'
import path from 'node:path'
import { srcDir } from '../platform/paths.ts'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm } from '../platform/forms.ts'
import { sendExport, FormatQuery } from '../platform/export.ts'
import { parseForm } from '../platform/validation.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { NotFoundError } from '../platform/errors.ts'
import { choice } from '../platform/validation.ts'
import { escapeHtml } from '../platform/html.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import {
  CellInput,
  DimensionInput,
  DimensionJson,
  LevelInput,
  LevelJson,
  MatrixJson,
  PublicationJson,
  RoundInput,
  RoundJson,
  CellJson,
} from './schema.ts'
import {
  cellJson,
  dimensionJson,
  levelJson,
  linesToPoints,
  matrixJson,
  roundJson,
  type Editor,
  type MatrixCell,
  type Round,
  type RoundView,
} from './service.ts'
import { cellView, differenceView, matrixView, scaleView } from './present.ts'
import { snapshotDifferences } from './publications.ts'

const V = 'assurance/views'
const here = path.join(srcDir, 'assurance')
/** The capability's own rules (layout of the matrix, markers); served with each partnership's scale colours. */
const baseCss = fs.readFileSync(path.join(here, 'assurance.css'), 'utf8')

const P = { partnership: Type.String() }
const RoundParams = Type.Object({ ...P, round: Type.Integer({ minimum: 1, title: 'Round id' }) })
const CellParams = Type.Object({
  ...P,
  round: Type.Integer({ minimum: 1, title: 'Round id' }),
  priority: Type.Integer({ minimum: 1, title: 'Priority id' }),
  dimension: Type.Integer({ minimum: 1, title: 'Dimension id' }),
})
const DimensionParams = Type.Object({ ...P, dimension: Type.Integer({ minimum: 1 }) })
const PublicationParams = Type.Object({
  ...P,
  round: Type.Integer({ minimum: 1, title: 'Round id' }),
  number: Type.Integer({ minimum: 1, title: 'Publication number' }),
})
const LineageParams = Type.Object({ ...P, lineage: Type.Integer({ minimum: 1, title: 'Priority' }) })
/** Which copy of a round to show: its latest publication or the working copy (members only; the public always gets the publication). */
const ViewQuery = Type.Object({ view: Type.Optional(choice(['published', 'working'] as const, 'View')) })
const RoundQuery = Type.Object({ ...FormatQuery.properties, ...ViewQuery.properties })
const LevelParams = Type.Object({ ...P, level: Type.Integer({ minimum: 1 }) })

function editorOf(request: FastifyRequest): Editor {
  return { role: request.role, organisationId: request.user?.organisation_id ?? null }
}

function body(request: FastifyRequest) {
  return (request.body ?? {}) as Record<string, any>
}

function optionalInt(v: unknown) {
  if (v === undefined || v === null || v === '') return undefined
  return typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v
}

/** The assessment rounds, on the assurance page and in its download. */
const roundsTable = defineTable<Round>(
  [
    { key: 'id', value: (r) => r.id },
    { key: 'title', header: 'Round', value: (r) => r.title, html: (r, page) => link(`${page.base}/rounds/${r.id}`, r.title) },
    { key: 'assessed_on', header: 'Date', value: (r) => r.assessed_on },
    {
      key: 'agreement_version',
      header: 'Agreement version',
      value: (r) => r.agreementVersion.number,
      text: (r) => `Version ${r.agreementVersion.number}: ${r.agreementVersion.title}`,
    },
    { key: 'agreement_title', value: (r) => r.agreementVersion.title },
    {
      key: 'published',
      header: 'Status',
      value: (r) => r.published,
      text: (r) => (r.published ? `Published (${r.publicationCount})` : 'Draft'),
      html: (r) =>
        r.published
          ? `<strong class="govuk-tag govuk-tag--green">Published</strong>${r.publicationCount > 1 ? ` <span class="govuk-body-s">${r.publicationCount} publications</span>` : ''}${r.submittedCells ? ` <span class="govuk-body-s">${r.submittedCells} waiting for approval</span>` : ''}`
          : `<strong class="govuk-tag govuk-tag--grey">Draft</strong>${r.submittedCells ? ` <span class="govuk-body-s">${r.submittedCells} waiting for approval</span>` : ''}`,
    },
    { key: 'publications', value: (r) => r.publicationCount },
    {
      key: 'rated_cells',
      header: 'Ratings recorded',
      value: (r) => r.ratedCells,
      text: (r) => `${r.ratedCells} of ${r.totalCells}`,
      numeric: true,
    },
    { key: 'total_cells', value: (r) => r.totalCells },
  ],
  { pageOrder: ['title', 'assessed_on', 'agreement_version', 'rated_cells', 'published'] },
)

/**
 * A round's cells, one row each, for the download. The page shows the same cells as a matrix (priorities by
 * dimensions: _macros.njk), a cross-tabulation that a list of columns does not describe.
 */
const cellsTable = (titleOf: Map<number, string>) =>
  defineTable<MatrixCell>([
    { key: 'priority_number', value: (c) => c.priorityNumber },
    { key: 'priority', value: (c) => titleOf.get(c.priorityId) },
    { key: 'dimension', value: (c) => c.dimension },
    { key: 'rating', value: (c) => c.rating },
    { key: 'rating_label', value: (c) => c.level?.label },
    { key: 'colour', value: (c) => c.level?.colour },
    { key: 'previous_rating', value: (c) => c.previousRating },
    { key: 'change', value: (c) => c.change },
    { key: 'findings', value: (c) => c.findings },
    { key: 'development_areas', value: (c) => c.developmentAreas.map((a) => a.text) },
    { key: 'carried_forward', value: (c) => c.carriedForward },
  ])

export async function assuranceRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const as = services.assurance
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}/assurance`
  const roundHref = (request: FastifyRequest, id: number) => `${base(request)}/rounds/${id}`
  const history = historyHref
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: `/partnerships/${p(request).slug}` },
    { text: 'Assurance', href: base(request) },
    ...more,
  ]
  const member = (request: FastifyRequest) => ({ includeUnpublished: isMember(request) })
  /** Editors and administrators edit rounds: they see the working copy and drafts first; everyone else, what is published. */
  const editing = (request: FastifyRequest) => hasRole(request, 'editor')
  /**
   * The copy of a round a page shows: the public always its latest publication; members a draft's working copy; for a
   * published round, those who may change it (editors, or a contributor on a cell of theirs) the working copy and the
   * others its publication, unless they ask for the other with ?view=.
   */
  const viewOf = (request: FastifyRequest, round: Round, mayEdit = false): RoundView => {
    if (!isMember(request)) return 'published'
    if (!round.published) return 'working'
    const asked = (request.query as { view?: RoundView } | undefined)?.view
    if (asked) return asked
    return editing(request) || mayEdit ? 'working' : 'published'
  }

  async function loadRound(request: FastifyRequest) {
    return as.getRound(p(request).id, (request.params as Static<typeof RoundParams>).round, member(request))
  }

  // ---- The partnership's scale as a stylesheet (the CSP allows no inline styles) ----
  app.get('/partnerships/:partnership/assurance/scale.css', { config: { access: { partnership: 'public' } } }, async (request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(baseCss + '\n' + (await as.scaleCss(p(request).id))),
  )

  // ---- Rounds list and the latest matrix ----
  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/assurance',
    { config: { access: { partnership: 'public' } }, schema: { querystring: FormatQuery } },
    async (request, reply) => {
      const rounds = await as.listRounds(p(request).id, member(request))
      if (sendExport(reply, request.query.format, `assessment-rounds-${p(request).slug}`, rounds, roundsTable)) return reply
      // The latest assessment: for editors the newest round (draft or not, its working copy); for everyone else the newest published one.
      const latestRound = editing(request) ? rounds[0] : rounds.find((r) => r.published)
      const latest = latestRound
        ? matrixView(await as.matrix(latestRound.id, { ...member(request), view: editing(request) ? 'working' : 'published' }))
        : undefined
      const newerDraft = isMember(request) && !editing(request) ? rounds.find((r) => !r.published && r !== latestRound) : undefined
      const versions =
        hasRole(request, 'editor') && !rounds.length ? await as.agreementVersions(p(request).id, { includeUnpublished: true }) : []
      return reply.view(`${V}/index.njk`, {
        title: 'Assurance and development framework',
        rounds,
        latest,
        roundsTable: tableView(roundsTable, rounds, {
          caption: 'Assessment rounds, newest first',
          captionClasses: 'govuk-table__caption--s govuk-visually-hidden',
          omit: isMember(request) ? [] : ['published'],
          page: { base: base(request) },
        }),
        scale: scaleView(await as.scale(p(request).id)),
        base: base(request),
        canEdit: hasRole(request, 'editor'),
        isAdmin: hasRole(request, 'admin'),
        member: isMember(request),
        hasVersions: versions.length > 0,
        newerDraft,
        signOffHref: hasRole(request, 'contributor') ? `${base(request)}/sign-off` : undefined,
        breadcrumbs: crumbs(request).slice(0, 2),
      })
    },
  )

  // ---- Add and change a round ----
  const roundFormContext = async (request: FastifyRequest, title: string, action: string, more: { text: string; href: string }[] = []) => {
    const versions = await as.agreementVersions(p(request).id, { includeUnpublished: true })
    const rounds = await as.listRounds(p(request).id, { includeUnpublished: true })
    return {
      title,
      action,
      base: base(request),
      breadcrumbs: crumbs(request, more),
      versionItems: versions.map((v) => ({ value: v.id, text: `Version ${v.number}: ${v.title}${v.published ? '' : ' (not published)'}` })),
      copyRounds: rounds.map((r) => ({
        value: String(r.id),
        text: `Copy ${r.title}`,
        hint: `${r.ratedCells} of ${r.totalCells} ratings, ${r.published ? 'published' : 'draft'}`,
      })),
    }
  }

  app.get('/partnerships/:partnership/assurance/rounds/new', { config: { access: { partnership: 'editor' } } }, async (request, reply) => {
    const context = await roundFormContext(request, 'Add an assessment round', `${base(request)}/rounds/new`)
    const latest = (await as.agreementVersions(p(request).id, { includeUnpublished: true })).at(-1)
    return reply.view(`${V}/round-form.njk`, {
      ...context,
      isNew: true,
      values: { agreementVersionId: latest?.id, copyFrom: context.copyRounds[0]?.value ?? '0' },
    })
  })

  app.post('/partnerships/:partnership/assurance/rounds/new', { config: { access: { partnership: 'editor' } } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/round-form.njk`,
      context: async () => ({
        ...(await roundFormContext(request, 'Add an assessment round', `${base(request)}/rounds/new`)),
        isNew: true,
      }),
      run: async () => {
        const r = await as.createRound(p(request).id, parseForm(RoundInput, body(request)), request.actor)
        const copied = Number(body(request).copyFrom) > 0
        return {
          redirect: roundHref(request, r.id),
          flash: copied
            ? `${r.title} added as a copy of the earlier round: each rating is marked carried forward until someone confirms or changes it.`
            : `${r.title} added. Choose a cell of the matrix to record its rating, findings and development areas.`,
        }
      },
    }),
  )

  app.get(
    '/partnerships/:partnership/assurance/rounds/:round/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: RoundParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      const context = await roundFormContext(request, `Change ${r.title}`, `${roundHref(request, r.id)}/edit`, [
        { text: r.title, href: roundHref(request, r.id) },
      ])
      return reply.view(`${V}/round-form.njk`, {
        ...context,
        values: {
          title: r.title,
          assessedOn: r.assessed_on,
          agreementVersionId: r.agreement_version_id,
          version: r.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assurance/rounds/:round/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: RoundParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      return handleForm(request, reply, {
        template: `${V}/round-form.njk`,
        context: () =>
          roundFormContext(request, `Change ${r.title}`, `${roundHref(request, r.id)}/edit`, [
            { text: r.title, href: roundHref(request, r.id) },
          ]),
        run: async () => {
          const updated = await as.updateRound(p(request).id, r.id, parseForm(RoundInput, body(request)), request.actor)
          return { redirect: roundHref(request, r.id), flash: `${updated.title} saved` }
        },
      })
    },
  )

  // ---- One round: the matrix ----
  app.get<{ Querystring: Static<typeof RoundQuery> }>(
    '/partnerships/:partnership/assurance/rounds/:round',
    { config: { access: { partnership: 'public' } }, schema: { params: RoundParams, querystring: RoundQuery } },
    async (request, reply) => {
      const r = await loadRound(request)
      const view = viewOf(request, r)
      const m = await as.matrix(r.id, { ...member(request), view })
      const titleOf = new Map(m.rows.map((row) => [row.priority.id, row.priority.title]))
      if (sendExport(reply, request.query.format, `assessment-${p(request).slug}-${r.id}`, m.cells, cellsTable(titleOf))) return reply
      const editable = await as.editablePriorities(editorOf(request), r)
      const here = roundHref(request, r.id)
      const unpublished = isMember(request) && r.published ? await as.differences(r.id, r.publicationCount, 'working') : []
      const carried = m.view === 'working' ? m.cells.filter((c) => c.carriedForward).length : 0
      // Members see which development areas have actions in the action plan, and how they are going (plans' hook).
      const areas = m.rows.flatMap((row) =>
        row.cells.flatMap((c) => c.developmentAreas.map((a) => ({ ...a, priorityNumber: row.priority.number, dimension: c.dimension }))),
      )
      const areaActions = isMember(request)
        ? await as.developmentAreaActions(
            p(request),
            areas.map((a) => a.id),
          )
        : undefined
      return reply.view(`${V}/round.njk`, {
        areaActions: areaActions ? areas.map((a) => ({ ...a, ...(areaActions.get(a.id) ?? { actions: [] }) })) : undefined,
        canMakeAction: editing(request),
        title: r.title,
        round: r,
        matrix: matrixView(m),
        view: m.view,
        publication: m.publication,
        unpublishedChanges: unpublished.length,
        carried,
        scale: scaleView(m.scale),
        base: base(request),
        roundBase: here,
        cellQuery: isMember(request) && r.published && m.view !== viewOf(request, r) ? `?view=${m.view}` : '',
        otherViewHref: isMember(request) && r.published ? `${here}?view=${m.view === 'working' ? 'published' : 'working'}` : undefined,
        canEditRound: editing(request),
        member: isMember(request),
        role: request.role,
        editableNumbers: m.rows.filter((row) => editable.has(row.priority.id)).map((row) => row.priority.number),
        historyHref: isMember(request) ? history(request, 'assessment_round', r.id, here) : undefined,
        printHref: `/partnerships/${p(request).slug}/agreement/versions/${r.agreementVersion.number}/print?round=${r.id}`,
        breadcrumbs: crumbs(request),
      })
    },
  )

  // ---- Publishing a round, and its publications ----
  const publishContext = async (request: FastifyRequest) => {
    const r = await loadRound(request)
    const differences = r.published ? await as.differences(r.id, r.publicationCount, 'working') : []
    const m = await as.matrix(r.id, { includeUnpublished: true, view: 'working' })
    return {
      title: `Publish ${r.title}`,
      round: r,
      differences: differences.map(differenceView),
      waiting: m.cells.filter((c) => c.status === 'submitted').length,
      returned: m.cells.filter((c) => c.status === 'returned').length,
      carried: m.cells.filter((c) => c.carriedForward).length,
      rated: m.round.ratedCells,
      total: m.round.totalCells,
      action: `${roundHref(request, r.id)}/publish`,
      roundHref: roundHref(request, r.id),
      breadcrumbs: crumbs(request, [{ text: r.title, href: roundHref(request, r.id) }]),
    }
  }

  app.get(
    '/partnerships/:partnership/assurance/rounds/:round/publish',
    { config: { access: { partnership: 'editor' } }, schema: { params: RoundParams } },
    async (request, reply) => reply.view(`${V}/publish.njk`, { ...(await publishContext(request)), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/assurance/rounds/:round/publish',
    { config: { access: { partnership: 'editor' } }, schema: { params: RoundParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      return handleForm(request, reply, {
        template: `${V}/publish.njk`,
        context: () => publishContext(request),
        run: async () => {
          const pub = await as.publishRound(p(request).id, r.id, request.actor)
          return {
            redirect: roundHref(request, r.id),
            flash: `${r.title} published (publication ${pub.number}): anyone who may read the partnership's assessments now sees it as it stands.`,
          }
        },
      })
    },
  )

  app.get(
    '/partnerships/:partnership/assurance/rounds/:round/publications',
    { config: { access: { partnership: 'public' } }, schema: { params: RoundParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      const pubs = await as.publications(r.id)
      if (!pubs.length && !isMember(request)) throw new NotFoundError()
      // Each publication's changes to the next, from the snapshots already read.
      const rows = pubs.map((x, i) => ({
        ...x,
        changes: pubs[i + 1] ? snapshotDifferences(x.snapshot, pubs[i + 1].snapshot).length : undefined,
      }))
      return reply.view(`${V}/publications.njk`, {
        title: `Publications of ${r.title}`,
        round: r,
        publications: rows.reverse(),
        roundHref: roundHref(request, r.id),
        member: isMember(request),
        breadcrumbs: crumbs(request, [{ text: r.title, href: roundHref(request, r.id) }]),
      })
    },
  )

  app.get<{ Params: Static<typeof PublicationParams> }>(
    '/partnerships/:partnership/assurance/rounds/:round/publications/:number',
    { config: { access: { partnership: 'public' } }, schema: { params: PublicationParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      const m = await as.matrix(r.id, { ...member(request), publication: request.params.number })
      const pubs = await as.publications(r.id)
      const next = pubs.find((x) => x.number === request.params.number + 1)
      const differences = next
        ? snapshotDifferences(m.publication!.snapshot, next.snapshot)
        : isMember(request)
          ? await as.differences(r.id, request.params.number, 'working')
          : []
      const here = `${roundHref(request, r.id)}/publications/${request.params.number}`
      return reply.view(`${V}/publication.njk`, {
        title: `${r.title}: publication ${request.params.number}`,
        round: r,
        publication: m.publication,
        matrix: matrixView(m),
        scale: scaleView(m.scale),
        next,
        previous: pubs.find((x) => x.number === request.params.number - 1),
        latest: pubs.at(-1),
        differences: differences.map(differenceView),
        member: isMember(request),
        roundHref: roundHref(request, r.id),
        here,
        breadcrumbs: crumbs(request, [
          { text: r.title, href: roundHref(request, r.id) },
          { text: 'Publications', href: `${roundHref(request, r.id)}/publications` },
        ]),
      })
    },
  )

  // ---- One priority across every round ----
  app.get<{ Params: Static<typeof LineageParams> }>(
    '/partnerships/:partnership/assurance/priorities/:lineage',
    { config: { access: { partnership: 'public' } }, schema: { params: LineageParams } },
    async (request, reply) => {
      const h = await as.priorityAcrossRounds(p(request).id, request.params.lineage, { ...member(request), editing: editing(request) })
      const scale = scaleView(await as.scale(p(request).id))
      const dims = h.dimensions.map((d) => ({
        ...d,
        rounds: h.rounds.map((x) => {
          const c = x.cells.find((cell) => cell.dimensionId === d.id)
          return {
            round: x.round,
            view: x.view,
            cell: c ? cellView(c, { scale: x.scale, previousRound: x.previousRound }) : undefined,
            href: c ? `${roundHref(request, x.round.id)}/cells/${c.priorityId}/${c.dimensionId}` : undefined,
          }
        }),
      }))
      return reply.view(`${V}/priority.njk`, {
        title: `Priority ${h.priority.number}: ${h.priority.title}`,
        priority: h.priority,
        rounds: h.rounds.map((x) => x.round),
        dimensions: dims,
        scale,
        member: isMember(request),
        editing: editing(request),
        breadcrumbs: crumbs(request),
      })
    },
  )

  // ---- Sign-off: cells waiting for approval, and those returned ----
  app.get(
    '/partnerships/:partnership/assurance/sign-off',
    { config: { access: { partnership: 'contributor' } } },
    async (request, reply) => {
      const cells = (await as.signOffCells(p(request).id, editorOf(request))).map((c) => ({
        ...c,
        href: `${roundHref(request, c.roundId)}/cells/${c.priorityId}/${c.dimensionId}`,
      }))
      return reply.view(`${V}/sign-off.njk`, {
        title: editing(request) ? 'Cells waiting for sign-off' : 'Your cells waiting for sign-off',
        waiting: cells.filter((c) => c.status === 'submitted'),
        returned: cells.filter((c) => c.status === 'returned'),
        editing: editing(request),
        breadcrumbs: crumbs(request),
      })
    },
  )

  // ---- One cell: findings and development areas ----
  async function loadCell(request: FastifyRequest, view?: RoundView) {
    const { priority, dimension } = request.params as Static<typeof CellParams>
    const round = await loadRound(request)
    const mayEdit = isMember(request) && (await as.mayEditCell(editorOf(request), priority))
    const m = await as.matrix(round.id, { ...member(request), view: view ?? viewOf(request, round, mayEdit) })
    const row = m.rows.find((x) => x.priority.id === priority)
    const cell = row?.cells.find((c) => c.dimensionId === dimension)
    if (!row || !cell) throw new NotFoundError()
    return { round, m, priority: row.priority, cell: cellView(cell, m), mayEdit }
  }

  const cellContext = async (request: FastifyRequest) => {
    const { round, m, priority, cell, mayEdit } = await loadCell(request)
    const here = `${roundHref(request, round.id)}/cells/${priority.id}/${cell.dimensionId}`
    const working = m.view === 'working'
    const actions = isMember(request)
      ? await as.developmentAreaActions(
          p(request),
          cell.developmentAreas.map((a) => a.id),
        )
      : undefined
    return {
      areaActions: actions ? Object.fromEntries(cell.developmentAreas.map((a) => [a.id, actions.get(a.id) ?? { actions: [] }])) : undefined,
      canMakeAction: editing(request),
      title: `Priority ${priority.number}: ${cell.dimension}`,
      round,
      priority,
      cell,
      view: m.view,
      here,
      scaleCount: m.scale.length,
      previousRound: m.previousRound,
      level: cell.level ? scaleView(m.scale).find((l) => l.value === cell.rating) : undefined,
      editHref: mayEdit ? `${here}/edit` : undefined,
      canReview: working && editing(request) && cell.status === 'submitted' && cell.id !== null,
      canConfirm: working && mayEdit && cell.carriedForward,
      otherViewHref: isMember(request) && round.published ? `${here}?view=${working ? 'published' : 'working'}` : undefined,
      roundHref: roundHref(request, round.id),
      priorityHref: `${base(request)}/priorities/${priority.lineage_id}`,
      base: base(request),
      historyHref: isMember(request) && cell.id ? history(request, 'assessment_cell', cell.id, here) : undefined,
      areaHistory:
        isMember(request) && working
          ? Object.fromEntries(cell.developmentAreas.map((a) => [a.id, history(request, 'development_area', a.id, here)]))
          : {},
      breadcrumbs: crumbs(request, [{ text: round.title, href: roundHref(request, round.id) }]),
    }
  }

  app.get(
    '/partnerships/:partnership/assurance/rounds/:round/cells/:priority/:dimension',
    { config: { access: { partnership: 'public' } }, schema: { params: CellParams, querystring: ViewQuery } },
    async (request, reply) => reply.view(`${V}/cell.njk`, { ...(await cellContext(request)), values: {} }),
  )

  const cellFormContext = async (request: FastifyRequest) => {
    const { round, m, priority, cell } = await loadCell(request, 'working')
    const here = `${roundHref(request, round.id)}/cells/${priority.id}/${cell.dimensionId}`
    const scale = scaleView(m.scale)
    return {
      title: `Change the assessment of priority ${priority.number}: ${cell.dimension}`,
      round,
      priority,
      cell,
      previousRound: m.previousRound,
      previousLevel: cell.previousLevel ? scale.find((l) => l.value === cell.previousRating) : undefined,
      contributor: request.role === 'contributor',
      action: `${here}/edit`,
      cancelHref: here,
      ratingItems: scale.map((l) => ({
        value: String(l.value),
        html: `<span class="safer-rating asr-level-${l.value}"><span class="asr-marker" aria-hidden="true">${l.marker}</span> ${escapeHtml(l.label)}</span>`,
        hint: l.description ? { text: l.description } : undefined,
      })),
      breadcrumbs: crumbs(request, [
        { text: round.title, href: roundHref(request, round.id) },
        { text: `Priority ${priority.number}: ${cell.dimension}`, href: here },
      ]),
    }
  }

  app.get(
    '/partnerships/:partnership/assurance/rounds/:round/cells/:priority/:dimension/edit',
    { config: { access: { partnership: 'contributor' } }, schema: { params: CellParams } },
    async (request, reply) => {
      const context = await cellFormContext(request)
      await as.assertMayEditCell(editorOf(request), context.priority.id)
      const c = context.cell
      return reply.view(`${V}/cell-form.njk`, {
        ...context,
        values: {
          rating: c.rating ?? '',
          findings: c.findings.join('\n'),
          developmentAreas: c.developmentAreas.map((a) => a.text).join('\n'),
          version: c.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assurance/rounds/:round/cells/:priority/:dimension/edit',
    { config: { access: { partnership: 'contributor' } }, schema: { params: CellParams } },
    async (request, reply) => {
      const context = await cellFormContext(request)
      await as.assertMayEditCell(editorOf(request), context.priority.id)
      const { round, priority, cell } = context
      return handleForm(request, reply, {
        template: `${V}/cell-form.njk`,
        context: () => cellFormContext(request),
        run: async () => {
          const b = body(request)
          const rating = optionalInt(b.rating)
          await as.recordCell(
            round.id,
            priority.id,
            cell.dimensionId,
            {
              rating: rating ?? null,
              findings: linesToPoints(b.findings),
              developmentAreas: linesToPoints(b.developmentAreas),
              version: optionalInt(b.version),
            },
            request.actor,
            undefined,
            editorOf(request),
          )
          return {
            redirect: `${roundHref(request, round.id)}/cells/${priority.id}/${cell.dimensionId}`,
            flash:
              request.role === 'contributor'
                ? `Assessment of priority ${priority.number}, ${cell.dimension} submitted: an editor will approve it or return it to you with a comment`
                : `Assessment of priority ${priority.number}, ${cell.dimension} saved`,
          }
        },
      })
    },
  )

  // ---- Sign-off of one cell: approve, return with a comment, confirm what was carried forward ----
  const cellIds = (request: FastifyRequest) => request.params as Static<typeof CellParams>

  app.post(
    '/partnerships/:partnership/assurance/rounds/:round/cells/:priority/:dimension/approve',
    { config: { access: { partnership: 'editor' } }, schema: { params: CellParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      const { priority, dimension } = cellIds(request)
      return handleForm(request, reply, {
        template: `${V}/cell.njk`,
        context: () => cellContext(request),
        run: async () => {
          await as.approveCell(r.id, priority, dimension, optionalInt(body(request).version) as number | undefined, request.actor)
          return {
            redirect: `${roundHref(request, r.id)}/cells/${priority}/${dimension}`,
            flash: r.published ? 'Approved: it will be public when the round is published again' : 'Approved',
          }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assurance/rounds/:round/cells/:priority/:dimension/return',
    { config: { access: { partnership: 'editor' } }, schema: { params: CellParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      const { priority, dimension } = cellIds(request)
      const here = `${roundHref(request, r.id)}/cells/${priority}/${dimension}`
      return handleForm(request, reply, {
        template: `${V}/cell.njk`,
        context: () => cellContext(request),
        run: async () => {
          const b = body(request)
          await as.returnCell(
            r.id,
            priority,
            dimension,
            { comment: b.comment, version: optionalInt(b.version) as number | undefined },
            request.actor,
            {
              cellHref: `${services.auth.baseUrl}${here}/edit`, // never the request's Host header (docs/accounts.md)
              partnershipName: p(request).name,
            },
          )
          return { redirect: here, flash: 'Returned to the contributor with your comment' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assurance/rounds/:round/cells/:priority/:dimension/confirm',
    { config: { access: { partnership: 'contributor' } }, schema: { params: CellParams } },
    async (request, reply) => {
      const r = await loadRound(request)
      const { priority, dimension } = cellIds(request)
      await as.assertMayEditCell(editorOf(request), priority)
      return handleForm(request, reply, {
        template: `${V}/cell.njk`,
        context: () => cellContext(request),
        run: async () => {
          await as.confirmCell(
            r.id,
            priority,
            dimension,
            optionalInt(body(request).version) as number | undefined,
            editorOf(request),
            request.actor,
          )
          return {
            redirect: `${roundHref(request, r.id)}/cells/${priority}/${dimension}`,
            flash: request.role === 'contributor' ? 'Confirmed and submitted for approval' : 'Confirmed: no longer marked carried forward',
          }
        },
      })
    },
  )

  // ---- Settings: dimensions and the rating scale ----
  const settingsCrumbs = (request: FastifyRequest) => crumbs(request, [{ text: 'Settings', href: `${base(request)}/settings` }])

  app.get('/partnerships/:partnership/assurance/settings', { config: { access: { partnership: 'admin' } } }, async (request, reply) => {
    const here = `${base(request)}/settings`
    const dims = await as.dimensions(p(request).id)
    const scale = scaleView(await as.scale(p(request).id))
    return reply.view(`${V}/settings.njk`, {
      title: 'Assurance dimensions and rating scale',
      dimensions: dims,
      scale,
      base: base(request),
      dimensionHistory: Object.fromEntries(dims.map((d) => [d.id, history(request, 'assurance_dimension', d.id, here)])),
      levelHistory: Object.fromEntries(scale.map((l) => [l.id, history(request, 'rating_level', l.id, here)])),
      breadcrumbs: crumbs(request),
    })
  })

  const dimensionContext = (request: FastifyRequest, title: string, action: string) => ({
    title,
    action,
    breadcrumbs: settingsCrumbs(request),
    cancelHref: `${base(request)}/settings`,
  })

  app.get(
    '/partnerships/:partnership/assurance/settings/dimensions/new',
    { config: { access: { partnership: 'admin' } } },
    async (request, reply) =>
      reply.view(`${V}/dimension-form.njk`, {
        ...dimensionContext(request, 'Add a dimension', `${base(request)}/settings/dimensions/new`),
        values: { active: true },
        isNew: true,
      }),
  )

  app.post(
    '/partnerships/:partnership/assurance/settings/dimensions/new',
    { config: { access: { partnership: 'admin' } } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/dimension-form.njk`,
        context: { ...dimensionContext(request, 'Add a dimension', `${base(request)}/settings/dimensions/new`), isNew: true },
        run: async () => {
          const d = await as.createDimension(p(request).id, { ...parseForm(DimensionInput, body(request)), active: true }, request.actor)
          return { redirect: `${base(request)}/settings`, flash: `${d.name} added` }
        },
      }),
  )

  app.get<{ Params: Static<typeof DimensionParams> }>(
    '/partnerships/:partnership/assurance/settings/dimensions/:dimension/edit',
    { config: { access: { partnership: 'admin' } }, schema: { params: DimensionParams } },
    async (request, reply) => {
      const d = (await as.dimensions(p(request).id)).find((x) => x.id === request.params.dimension)
      if (!d) throw new NotFoundError()
      return reply.view(`${V}/dimension-form.njk`, {
        ...dimensionContext(request, `Change ${d.name}`, `${base(request)}/settings/dimensions/${d.id}/edit`),
        values: { name: d.name, description: d.description, active: d.active, version: d.version },
      })
    },
  )

  app.post<{ Params: Static<typeof DimensionParams> }>(
    '/partnerships/:partnership/assurance/settings/dimensions/:dimension/edit',
    { config: { access: { partnership: 'admin' } }, schema: { params: DimensionParams } },
    async (request, reply) => {
      const id = request.params.dimension
      return handleForm(request, reply, {
        template: `${V}/dimension-form.njk`,
        context: dimensionContext(request, 'Change dimension', `${base(request)}/settings/dimensions/${id}/edit`),
        run: async () => {
          const d = await as.updateDimension(p(request).id, id, parseForm(DimensionInput, body(request)), request.actor)
          return { redirect: `${base(request)}/settings`, flash: `${d.name} saved` }
        },
      })
    },
  )

  app.post<{ Params: Static<typeof DimensionParams> }>(
    '/partnerships/:partnership/assurance/settings/dimensions/:dimension/move',
    { config: { access: { partnership: 'admin' } }, schema: { params: DimensionParams } },
    async (request, reply) => {
      const direction = body(request).direction === 'up' ? 'up' : 'down'
      const d = await as.moveDimension(p(request).id, request.params.dimension, direction, request.actor)
      reply.flash(`${d.name} moved ${direction}`)
      return reply.redirect(`${base(request)}/settings#dimensions`, 303)
    },
  )

  const levelContext = (request: FastifyRequest, title: string, action: string) => ({
    title,
    action,
    breadcrumbs: settingsCrumbs(request),
    cancelHref: `${base(request)}/settings`,
  })

  app.get(
    '/partnerships/:partnership/assurance/settings/levels/new',
    { config: { access: { partnership: 'admin' } } },
    async (request, reply) =>
      reply.view(`${V}/level-form.njk`, {
        ...levelContext(request, 'Add a level to the top of the scale', `${base(request)}/settings/levels/new`),
        values: {},
      }),
  )

  app.post(
    '/partnerships/:partnership/assurance/settings/levels/new',
    { config: { access: { partnership: 'admin' } } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/level-form.njk`,
        context: levelContext(request, 'Add a level to the top of the scale', `${base(request)}/settings/levels/new`),
        run: async () => {
          const l = await as.createLevel(p(request).id, parseForm(LevelInput, body(request)), request.actor)
          return { redirect: `${base(request)}/settings#scale`, flash: `${l.label} added as level ${l.value}` }
        },
      }),
  )

  app.get<{ Params: Static<typeof LevelParams> }>(
    '/partnerships/:partnership/assurance/settings/levels/:level/edit',
    { config: { access: { partnership: 'admin' } }, schema: { params: LevelParams } },
    async (request, reply) => {
      const l = (await as.scale(p(request).id)).find((x) => x.id === request.params.level)
      if (!l) throw new NotFoundError()
      return reply.view(`${V}/level-form.njk`, {
        ...levelContext(request, `Change level ${l.value}: ${l.label}`, `${base(request)}/settings/levels/${l.id}/edit`),
        values: { label: l.label, colour: l.colour, description: l.description, version: l.version },
      })
    },
  )

  app.post<{ Params: Static<typeof LevelParams> }>(
    '/partnerships/:partnership/assurance/settings/levels/:level/edit',
    { config: { access: { partnership: 'admin' } }, schema: { params: LevelParams } },
    async (request, reply) => {
      const id = request.params.level
      return handleForm(request, reply, {
        template: `${V}/level-form.njk`,
        context: levelContext(request, 'Change level', `${base(request)}/settings/levels/${id}/edit`),
        run: async () => {
          const l = await as.updateLevel(p(request).id, id, parseForm(LevelInput, body(request)), request.actor)
          return { redirect: `${base(request)}/settings#scale`, flash: `${l.label} saved` }
        },
      })
    },
  )

  app.post<{ Params: Static<typeof LevelParams> }>(
    '/partnerships/:partnership/assurance/settings/levels/:level/delete',
    { config: { access: { partnership: 'admin' } }, schema: { params: LevelParams } },
    async (request, reply) => {
      const settingsContext = async () => {
        const dims = await as.dimensions(p(request).id)
        return {
          title: 'Assurance dimensions and rating scale',
          dimensions: dims,
          scale: scaleView(await as.scale(p(request).id)),
          base: base(request),
          dimensionHistory: {},
          levelHistory: {},
          breadcrumbs: crumbs(request),
        }
      }
      return handleForm(request, reply, {
        template: `${V}/settings.njk`,
        context: settingsContext,
        run: async () => {
          const removed = await as.removeLevel(
            p(request).id,
            request.params.level,
            optionalInt(body(request).version) as number | undefined,
            request.actor,
          )
          return { redirect: `${base(request)}/settings#scale`, flash: `${removed.label} removed from the scale` }
        },
      })
    },
  )

  // ---- JSON API ----
  const tags = ['Assurance']
  app.get(
    '/api/v1/partnerships/:partnership/assurance/dimensions',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: 'The dimensions (headings) each priority is assessed under, in order',
        security: [],
        params: Type.Object(P),
        response: { 200: Type.Array(DimensionJson) },
      },
    },
    async (request) => (await as.dimensions(p(request).id)).map(dimensionJson),
  )

  app.get(
    '/api/v1/partnerships/:partnership/assurance/scale',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: "The rating scale: each level's value, label and colour",
        security: [],
        params: Type.Object(P),
        response: { 200: Type.Array(LevelJson) },
      },
    },
    async (request) => (await as.scale(p(request).id)).map(levelJson),
  )

  app.get(
    '/api/v1/partnerships/:partnership/assurance/rounds',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: 'Assessment rounds, newest first (published ones unless you are a member)',
        security: [],
        params: Type.Object(P),
        response: { 200: Type.Array(RoundJson) },
      },
    },
    async (request) => (await as.listRounds(p(request).id, member(request))).map(roundJson),
  )

  app.post(
    '/api/v1/partnerships/:partnership/assurance/rounds',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Add an assessment round of one agreement version',
        params: Type.Object(P),
        body: RoundInput,
        response: { 201: RoundJson },
      },
    },
    async (request, reply) => {
      const r = await as.createRound(p(request).id, request.body, request.actor)
      return reply.code(201).send(roundJson(await as.getRound(p(request).id, r.id, { includeUnpublished: true })))
    },
  )

  app.get(
    '/api/v1/partnerships/:partnership/assurance/rounds/:round',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary:
          'One round as a matrix: priorities by dimensions, each cell with its rating, findings, development areas and change since the previous round',
        security: [],
        params: RoundParams,
        querystring: ViewQuery,
        response: { 200: MatrixJson },
      },
    },
    async (request) => {
      const r = await loadRound(request)
      const asked = (request.query as { view?: RoundView }).view
      return matrixJson(await as.matrix(r.id, { ...member(request), view: r.published ? (asked ?? 'working') : 'working' }))
    },
  )

  app.post(
    '/api/v1/partnerships/:partnership/assurance/rounds/:round/publish',
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary:
          'Publish a round as a whole: a new publication of every approved cell (cells waiting for approval stay as last published). Refused with 400 when nothing approved has changed.',
        params: RoundParams,
        response: { 201: PublicationJson },
      },
    },
    async (request, reply) => {
      const r = await loadRound(request)
      const pub = await as.publishRound(p(request).id, r.id, request.actor)
      return reply.code(201).send({
        number: pub.number,
        publishedAt: new Date(pub.created_at).toISOString(),
        ratedCells: pub.rated_cells,
        totalCells: pub.total_cells,
      })
    },
  )

  app.put(
    '/api/v1/partnerships/:partnership/assurance/rounds/:round/cells/:priority/:dimension',
    {
      config: { access: { partnership: 'contributor' } },
      schema: {
        tags,
        summary:
          'Record one cell: rating, findings and development areas (send the version you read, 0 for a new cell: a stale version is refused with 409). Contributors may record only the priorities their organisation leads.',
        params: CellParams,
        body: CellInput,
        response: { 200: CellJson },
      },
    },
    async (request) => {
      const r = await loadRound(request)
      const { priority, dimension } = request.params as Static<typeof CellParams>
      await as.assertMayEditCell(editorOf(request), priority)
      await as.recordCell(r.id, priority, dimension, request.body, request.actor, undefined, editorOf(request))
      const m = await as.matrix(r.id, { includeUnpublished: true, view: 'working' })
      const cell = m.cells.find((c) => c.priorityId === priority && c.dimensionId === dimension)!
      return cellJson(cell)
    },
  )
}
