/**
 * The strategic assessment, the Community Safety Agreement's versions and priorities, and the
 * comparison of two versions: pages and the JSON API.
 *
 * Read: anyone, for a published partnership's published records; members see unpublished ones too
 * (and non-members get 404 for them). Write: the partnership's editors; a version's status and
 * publication: its administrators. Attachments are received by the platform's receiveFiles.
 */
import fs from 'node:fs'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport, FormatQuery } from '../platform/export.ts'
import { choice, parseForm } from '../platform/validation.ts'
import { sendPdf, type PdfDocument } from '../platform/pdf.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { receiveFiles } from '../platform/uploads.ts'
import {
  CompareJson,
  EVIDENCE_LABELS,
  EVIDENCE_SOURCES,
  OWNERSHIP_LEVELS,
  PriorityInput,
  PriorityJson,
  StatusInput,
  StrategicAssessmentInput,
  StrategicAssessmentJson,
  AttachmentSensitivityInput,
  VersionInput,
  VersionJson,
} from './schema.ts'
import {
  ATTACHMENT_TYPES,
  MAX_ATTACHMENT_BYTES,
  STATUS_LABELS,
  assessmentJson,
  priorityJson,
  versionJson,
  type PriorityRow,
  type PrintSectionView,
  type StrategicAssessmentRow,
  type VersionRow,
} from './service.ts'
import { capitalise, plural, yearSpanLabel } from '../platform/format.ts'
import { tableView } from '../platform/tables.ts'
import { CHANGE_TAGS, STATUS_TAGS, assessmentsTable, comparisonTable, prioritiesTable, versionsTable } from './tables.ts'

const V = 'agreement/views'

const PartnershipParam = Type.Object({ partnership: Type.String() })
const IdParams = Type.Object({ partnership: Type.String(), id: Type.Integer({ minimum: 1, title: 'Strategic assessment' }) })
const FileParams = Type.Object({
  partnership: Type.String(),
  id: Type.Integer({ minimum: 1 }),
  attachmentId: Type.Integer({ minimum: 1, title: 'Attachment' }),
})
const NumberParams = Type.Object({ partnership: Type.String(), number: Type.Integer({ minimum: 1, title: 'Version number' }) })
const PriorityParams = Type.Object({
  partnership: Type.String(),
  number: Type.Integer({ minimum: 1, title: 'Version number' }),
  id: Type.Integer({ minimum: 1, title: 'Priority' }),
})
const CompareQuery = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 1, title: 'Earlier version' })),
  to: Type.Optional(Type.Integer({ minimum: 1, title: 'Later version' })),
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])),
})
/** The version of a record being removed through the API (optimistic locking; optional). */
const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ title: 'Version' })) })
/** The print view's assessment round (assurance's section reads it; the latest round when not given). */
const PrintQuery = Type.Object({
  round: Type.Optional(Type.Integer({ minimum: 1, title: 'Assessment round' })),
  format: Type.Optional(choice(['pdf'] as const, 'Format')),
})
const ApiCompareQuery = Type.Object({
  from: Type.Integer({ minimum: 1, title: 'Earlier version' }),
  to: Type.Integer({ minimum: 1, title: 'Later version' }),
})

const OWNERSHIP_TAGS: Record<string, string> = {
  'strong joint': 'govuk-tag--green',
  strong: 'govuk-tag--turquoise',
  shared: 'govuk-tag--blue',
  developing: 'govuk-tag--yellow',
  'not yet established': 'govuk-tag--grey',
}

/** A stored date as the three boxes of a GOV.UK date input. */
function dateBoxes(name: string, iso: string | null | undefined) {
  const [y, m, d] = (iso ?? '').split('-')
  return { [`${name}-day`]: d ? String(Number(d)) : '', [`${name}-month`]: m ? String(Number(m)) : '', [`${name}-year`]: y ?? '' }
}

function asList(v: unknown): string[] {
  return (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]).map(String)
}

function assessmentFormValues(a: StrategicAssessmentRow) {
  return {
    title: a.title,
    ...dateBoxes('periodStart', a.period_start),
    ...dateBoxes('periodEnd', a.period_end),
    ...dateBoxes('dateAgreed', a.date_agreed),
    evidenceSources: a.evidence_sources,
    otherEvidence: a.other_evidence,
    summary: a.summary,
    sensitivity: a.sensitivity,
    restrictedTo: a.restricted_to,
    version: a.version,
  }
}

function versionFormValues(v: VersionRow) {
  return {
    title: v.title,
    ...dateBoxes('periodStart', v.period_start),
    ...dateBoxes('periodEnd', v.period_end),
    ...dateBoxes('dateAgreed', v.date_agreed),
    strategicAssessmentId: v.strategic_assessment_id,
    notes: v.notes,
    version: v.version,
  }
}

function priorityFormValues(p: PriorityRow) {
  return {
    number: p.number,
    title: p.title,
    description: p.description,
    leadIds: p.leads.map((l) => l.id),
    ownershipLevel: p.ownership_level,
    ownershipStatement: p.ownership_statement,
    note: p.note,
    version: p.version,
  }
}

const evidenceItems = (selected: unknown) => {
  const chosen = asList(selected)
  return EVIDENCE_SOURCES.map((s) => ({ value: s, text: EVIDENCE_LABELS[s], checked: chosen.includes(s) }))
}
const ownershipItems = (selected: unknown) => [
  ...OWNERSHIP_LEVELS.map((l) => ({ value: l, text: capitalise(l), checked: selected === l })),
  { divider: 'or' },
  { value: '', text: 'Not yet judged', checked: !selected },
]

export async function agreementRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const agreement = services.agreement
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  /** What this visitor may see: members see unpublished records, and restricted ones when their role is named. */
  const vis = (request: FastifyRequest) => ({ includeUnpublished: isMember(request), role: request.role })
  const all = { includeUnpublished: true }
  /**
   * A route's parameters, as its schema has checked them (IdParams, FileParams, NumberParams or PriorityParams: each
   * route reads only those its own schema has).
   */
  const params = (request: FastifyRequest) => request.params as Static<typeof PriorityParams> & Static<typeof FileParams>
  const crumbs = (request: FastifyRequest, ...more: { text: string; href: string }[]) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    ...more,
  ]
  const agreementCrumb = (request: FastifyRequest) => ({ text: 'Community Safety Agreement', href: `${base(request)}/agreement` })
  const assessmentsCrumb = (request: FastifyRequest) => ({ text: 'Strategic assessments', href: `${base(request)}/assessments/strategic` })
  const history = historyHref
  const roles = (request: FastifyRequest) => ({
    canEdit: hasRole(request, 'editor'),
    canAdmin: hasRole(request, 'admin'),
    member: isMember(request),
  })
  const common = {
    roleNames: (roles: string[]) => ['administrators', ...roles.map((r) => `${r}s`)].join(', '),
    statusLabels: STATUS_LABELS,
    statusTags: STATUS_TAGS,
    ownershipTags: OWNERSHIP_TAGS,
    changeTags: CHANGE_TAGS,
    evidenceLabels: EVIDENCE_LABELS,
  }

  // ================= Strategic assessments =================

  const assessmentsPath = (request: FastifyRequest) => `${base(request)}/assessments/strategic`

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/assessments/strategic',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParam, querystring: FormatQuery } },
    async (request, reply) => {
      const rows = await agreement.listStrategicAssessments(p(request).id, vis(request))
      if (sendExport(reply, request.query.format, `strategic-assessments-${p(request).slug}`, rows, assessmentsTable)) return reply
      return reply.view(`${V}/assessments.njk`, {
        title: 'Strategic assessments',
        assessments: rows,
        ...roles(request),
        table: tableView(assessmentsTable, rows, {
          caption: plural(rows.length, 'strategic assessment'),
          captionClasses: 'govuk-table__caption--m',
          omit: isMember(request) ? [] : ['sensitivity'],
          page: { base: base(request) },
        }),
        breadcrumbs: crumbs(request),
      })
    },
  )

  const assessmentFormContext = (request: FastifyRequest, title: string, action: string) => ({
    title,
    action,
    evidenceItems: evidenceItems(formBody(request).evidenceSources),
    breadcrumbs: crumbs(request, assessmentsCrumb(request)),
  })

  app.get(
    '/partnerships/:partnership/assessments/strategic/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParam } },
    async (request, reply) =>
      reply.view(`${V}/assessment-form.njk`, {
        ...assessmentFormContext(request, 'Add a strategic assessment', `${assessmentsPath(request)}/new`),
        values: {},
      }),
  )

  app.post(
    '/partnerships/:partnership/assessments/strategic/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParam } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/assessment-form.njk`,
        context: async () => assessmentFormContext(request, 'Add a strategic assessment', `${assessmentsPath(request)}/new`),
        run: async () => {
          const a = await agreement.createStrategicAssessment(
            p(request).id,
            parseForm(StrategicAssessmentInput, formBody(request)),
            request.actor,
          )
          return { redirect: `${assessmentsPath(request)}/${a.id}`, flash: `${a.title} added` }
        },
      }),
  )

  const assessmentContext = async (request: FastifyRequest, id: number) => {
    const a = await agreement.getStrategicAssessment(p(request).id, id, vis(request))
    const href = `${assessmentsPath(request)}/${a.id}`
    const versions = (await agreement.listVersions(p(request).id, vis(request))).filter((v) => v.strategic_assessment_id === a.id)
    return {
      title: a.title,
      assessment: a,
      period: yearSpanLabel(a.period_start, a.period_end),
      attachments: await agreement.attachments(a.id, undefined, vis(request)),
      versions,
      href,
      historyHref: history(request, 'strategic_assessment', a.id, href),
      maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024,
      ...roles(request),
      ...common,
      breadcrumbs: crumbs(request, assessmentsCrumb(request)),
    }
  }

  app.get(
    '/partnerships/:partnership/assessments/strategic/:id',
    { config: { access: { partnership: 'public' } }, schema: { params: IdParams } },
    async (request, reply) => reply.view(`${V}/assessment.njk`, { ...(await assessmentContext(request, params(request).id)), values: {} }),
  )

  app.get(
    '/partnerships/:partnership/assessments/strategic/:id/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: IdParams } },
    async (request, reply) => {
      const a = await agreement.getStrategicAssessment(p(request).id, params(request).id, vis(request))
      return reply.view(`${V}/assessment-form.njk`, {
        ...assessmentFormContext(request, `Change ${a.title}`, `${assessmentsPath(request)}/${a.id}/edit`),
        evidenceItems: evidenceItems(a.evidence_sources),
        values: assessmentFormValues(a),
        historyHref: history(request, 'strategic_assessment', a.id, `${assessmentsPath(request)}/${a.id}`),
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assessments/strategic/:id/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: IdParams } },
    async (request, reply) => {
      const id = params(request).id
      // An editor changes only an assessment they may see.
      await agreement.getStrategicAssessment(p(request).id, id, vis(request))
      return handleForm(request, reply, {
        template: `${V}/assessment-form.njk`,
        context: async () => assessmentFormContext(request, 'Change strategic assessment', `${assessmentsPath(request)}/${id}/edit`),
        run: async () => {
          const a = await agreement.updateStrategicAssessment(
            p(request).id,
            id,
            parseForm(StrategicAssessmentInput, formBody(request)),
            request.actor,
          )
          return { redirect: `${assessmentsPath(request)}/${a.id}`, flash: `${a.title} updated` }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assessments/strategic/:id/attachments',
    { config: { access: { partnership: 'editor' }, uploads: true }, schema: { params: IdParams } },
    async (request, reply) => {
      const id = params(request).id
      return handleForm(request, reply, {
        template: `${V}/assessment.njk`,
        context: () => assessmentContext(request, id),
        run: async () => {
          const upload = await receiveFiles(request, {
            field: 'file',
            accept: ATTACHMENT_TYPES,
            maxFiles: 1,
            maxFileBytes: MAX_ATTACHMENT_BYTES,
            required: 'Select a file to upload',
          })
          const [file] = upload.files
          // Only to an assessment the editor may see (404 otherwise; the CSRF check came first, in receiveFiles).
          await agreement.getStrategicAssessment(p(request).id, id, vis(request))
          const sensitivity = upload.fields.sensitivity || 'partners'
          const f = await agreement.addAttachment(
            p(request).id,
            id,
            { filename: file.filename, data: fs.readFileSync(file.path) },
            request.actor,
            undefined,
            // Restricted at upload: editors and administrators; other roles are chosen on the file's own form.
            { sensitivity, restrictedTo: sensitivity === 'restricted' ? ['editor'] : [] },
          )
          return { redirect: `${assessmentsPath(request)}/${id}#attachments`, flash: `${f.filename} uploaded` }
        },
      })
    },
  )

  app.get(
    '/partnerships/:partnership/assessments/strategic/:id/attachments/:attachmentId',
    { config: { access: { partnership: 'public' } }, schema: { params: FileParams } },
    async (request, reply) => {
      const { id, attachmentId } = params(request)
      const f = await agreement.getAttachment(p(request).id, id, attachmentId, vis(request))
      const ascii = f.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')
      return reply
        .header('content-type', f.content_type)
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(f.filename)}`)
        .header('cache-control', 'private, no-cache')
        .send(f.content)
    },
  )

  const sensitivityContext = async (request: FastifyRequest) => {
    const { id, attachmentId } = params(request)
    const a = await agreement.getStrategicAssessment(p(request).id, id, vis(request))
    const file = (await agreement.attachments(a.id, undefined, vis(request))).find((f) => f.id === attachmentId)
    if (!file) throw new NotFoundError()
    const href = `${assessmentsPath(request)}/${a.id}`
    return {
      title: `Who may see ${file.filename}`,
      assessment: a,
      file,
      action: `${href}/attachments/${file.id}/sensitivity`,
      backHref: `${href}#attachments`,
      breadcrumbs: crumbs(request, assessmentsCrumb(request), { text: a.title, href }),
    }
  }

  app.get(
    '/partnerships/:partnership/assessments/strategic/:id/attachments/:attachmentId/sensitivity',
    { config: { access: { partnership: 'editor' } }, schema: { params: FileParams } },
    async (request, reply) => {
      const ctx = await sensitivityContext(request)
      return reply.view(`${V}/attachment-sensitivity.njk`, {
        ...ctx,
        values: { sensitivity: ctx.file.sensitivity, restrictedTo: ctx.file.restricted_to },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assessments/strategic/:id/attachments/:attachmentId/sensitivity',
    { config: { access: { partnership: 'editor' } }, schema: { params: FileParams } },
    async (request, reply) => {
      const ctx = await sensitivityContext(request)
      return handleForm(request, reply, {
        template: `${V}/attachment-sensitivity.njk`,
        context: ctx,
        run: async () => {
          const f = await agreement.setAttachmentSensitivity(
            p(request).id,
            ctx.assessment.id,
            ctx.file.id,
            parseForm(AttachmentSensitivityInput, formBody(request)),
            request.actor,
          )
          return { redirect: ctx.backHref, flash: `Who may see ${f.filename} saved` }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/assessments/strategic/:id/attachments/:attachmentId/delete',
    { config: { access: { partnership: 'editor' } }, schema: { params: FileParams } },
    async (request, reply) => {
      const { id, attachmentId } = params(request)
      // Only a file the editor may see.
      if (!(await agreement.attachments(id, undefined, vis(request))).some((f) => f.id === attachmentId)) {
        await agreement.getStrategicAssessment(p(request).id, id, vis(request))
        throw new NotFoundError()
      }
      return handleForm(request, reply, {
        template: `${V}/assessment.njk`,
        context: () => assessmentContext(request, id),
        run: async () => {
          const f = await agreement.removeAttachment(p(request).id, id, attachmentId, formVersion(request), request.actor)
          return { redirect: `${assessmentsPath(request)}/${id}#attachments`, flash: `${f.filename} removed` }
        },
      })
    },
  )

  // ================= The agreement and its versions =================

  const agreementPath = (request: FastifyRequest) => `${base(request)}/agreement`
  const versionPath = (request: FastifyRequest, n: number) => `${agreementPath(request)}/versions/${n}`

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/agreement',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParam, querystring: FormatQuery } },
    async (request, reply) => {
      const versions = await agreement.listVersions(p(request).id, vis(request))
      if (sendExport(reply, request.query.format, `agreement-versions-${p(request).slug}`, versions, versionsTable)) return reply
      const current = await agreement.latestVersion(p(request).id, vis(request))
      const previous =
        current?.based_on_number && versions.some((v) => v.number === current.based_on_number)
          ? current.based_on_number
          : versions.filter((v) => current && v.number < current.number).pop()?.number
      return reply.view(`${V}/agreement.njk`, {
        title: 'Community Safety Agreement',
        versions,
        table: tableView(versionsTable, [...versions].reverse(), {
          caption: 'All versions',
          captionClasses: 'govuk-table__caption--m',
          page: { base: base(request) },
        }),
        current,
        currentPeriod: current && yearSpanLabel(current.period_start, current.period_end),
        priorities: current ? await agreement.priorities(current.id) : [],
        compareHref: current && previous ? `${agreementPath(request)}/compare?from=${previous}&to=${current.number}` : undefined,
        ...roles(request),
        ...common,
        breadcrumbs: crumbs(request),
      })
    },
  )

  async function versionFormContext(
    request: FastifyRequest,
    opts: { isNew: boolean; title: string; action: string; v?: VersionRow; assessmentId?: number | null },
  ) {
    const assessments = await agreement.listStrategicAssessments(p(request).id, vis(request))
    const versions = opts.isNew ? await agreement.listVersions(p(request).id, all) : []
    const body = request.body as Record<string, unknown> | undefined
    const selectedAssessment = body ? body.strategicAssessmentId : (opts.v?.strategic_assessment_id ?? opts.assessmentId)
    const copyFrom = body ? String(body.copyFrom ?? '') : String(versions[versions.length - 1]?.number ?? '0')
    return {
      ...opts,
      assessmentItems: [
        { value: '', text: 'None' },
        ...assessments.map((a) => ({ value: String(a.id), text: a.title, selected: String(a.id) === String(selectedAssessment ?? '') })),
      ],
      copyItems: [
        ...[...versions].reverse().map((v) => ({
          value: String(v.number),
          text: `Copy version ${v.number}: ${v.title}`,
          hint: { text: `${plural(v.priority_count, 'priority')}, ${STATUS_LABELS[v.status].toLowerCase()}` },
          checked: copyFrom === String(v.number),
        })),
        ...(versions.length ? [{ divider: 'or' }] : []),
        { value: '0', text: 'Start with no priorities', checked: copyFrom === '0' || copyFrom === '' },
      ],
      breadcrumbs: crumbs(
        request,
        agreementCrumb(request),
        ...(opts.v ? [{ text: `Version ${opts.v.number}`, href: versionPath(request, opts.v.number) }] : []),
      ),
    }
  }

  app.get(
    '/partnerships/:partnership/agreement/versions/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParam } },
    async (request, reply) => {
      const versions = await agreement.listVersions(p(request).id, all)
      const last = versions[versions.length - 1]
      const values = last
        ? {
            title: last.title,
            ...dateBoxes('periodStart', last.period_start),
            ...dateBoxes('periodEnd', last.period_end),
            strategicAssessmentId: last.strategic_assessment_id,
          }
        : {}
      return reply.view(`${V}/version-form.njk`, {
        ...(await versionFormContext(request, {
          isNew: true,
          title: 'Start a new version of the agreement',
          action: `${agreementPath(request)}/versions/new`,
          assessmentId: last?.strategic_assessment_id,
        })),
        values,
      })
    },
  )

  app.post(
    '/partnerships/:partnership/agreement/versions/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParam } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/version-form.njk`,
        context: () =>
          versionFormContext(request, {
            isNew: true,
            title: 'Start a new version of the agreement',
            action: `${agreementPath(request)}/versions/new`,
          }),
        run: async () => {
          const v = await agreement.createVersion(p(request).id, parseForm(VersionInput, formBody(request)), request.actor)
          return {
            redirect: versionPath(request, v.number),
            flash: v.based_on_number
              ? `Version ${v.number} started as a copy of version ${v.based_on_number}: change its priorities below`
              : `Version ${v.number} started: add its priorities below`,
          }
        },
      }),
  )

  app.get<{ Querystring: Static<typeof FormatQuery> }>(
    '/partnerships/:partnership/agreement/versions/:number',
    { config: { access: { partnership: 'public' } }, schema: { params: NumberParams, querystring: FormatQuery } },
    async (request, reply) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, vis(request))
      const priorities = await agreement.priorities(v.id)
      if (
        sendExport(reply, request.query.format, `agreement-${p(request).slug}-version-${v.number}-priorities`, priorities, prioritiesTable)
      )
        return reply
      const versions = await agreement.listVersions(p(request).id, vis(request))
      const basedOn = v.based_on_number && versions.some((x) => x.number === v.based_on_number) ? v.based_on_number : undefined
      const compareWith = basedOn ?? versions.filter((x) => x.number < v.number).pop()?.number
      const assessment = v.strategic_assessment_id
        ? await agreement.getStrategicAssessment(p(request).id, v.strategic_assessment_id, vis(request)).catch(() => undefined)
        : undefined
      const href = versionPath(request, v.number)
      return reply.view(`${V}/version.njk`, {
        title: `Version ${v.number}: ${v.title}`,
        v,
        priorities,
        basedOn,
        assessment,
        period: yearSpanLabel(v.period_start, v.period_end),
        href,
        printHref: `${href}/print`,
        historyHref: history(request, 'agreement_version', v.id, href),
        priorityHistory: Object.fromEntries(priorities.map((x) => [x.id, history(request, 'priority', x.id, href)])),
        compareWith,
        compareHref: compareWith ? `${agreementPath(request)}/compare?from=${compareWith}&to=${v.number}` : undefined,
        ...roles(request),
        ...common,
        breadcrumbs: crumbs(request, agreementCrumb(request)),
      })
    },
  )

  app.get(
    '/partnerships/:partnership/agreement/versions/:number/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: NumberParams } },
    async (request, reply) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, all)
      return reply.view(`${V}/version-form.njk`, {
        ...(await versionFormContext(request, {
          isNew: false,
          title: `Change version ${v.number}`,
          action: `${versionPath(request, v.number)}/edit`,
          v,
        })),
        values: versionFormValues(v),
      })
    },
  )

  app.post(
    '/partnerships/:partnership/agreement/versions/:number/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: NumberParams } },
    async (request, reply) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, all)
      return handleForm(request, reply, {
        template: `${V}/version-form.njk`,
        context: () =>
          versionFormContext(request, {
            isNew: false,
            title: `Change version ${v.number}`,
            action: `${versionPath(request, v.number)}/edit`,
            v,
          }),
        run: async () => {
          const updated = await agreement.updateVersion(v.id, parseForm(VersionInput, formBody(request)), request.actor)
          return { redirect: versionPath(request, updated.number), flash: `Version ${updated.number} updated` }
        },
      })
    },
  )

  const statusContext = async (request: FastifyRequest, number: number) => {
    const v = await agreement.getVersion(p(request).id, number, all)
    const current = (await agreement.listVersions(p(request).id, all)).find((x) => x.status === 'agreed' && x.id !== v.id)
    return {
      title: `Status of version ${v.number}`,
      v,
      current,
      action: `${versionPath(request, v.number)}/status`,
      ...common,
      breadcrumbs: crumbs(request, agreementCrumb(request), { text: `Version ${v.number}`, href: versionPath(request, v.number) }),
    }
  }

  app.get(
    '/partnerships/:partnership/agreement/versions/:number/status',
    { config: { access: { partnership: 'admin' } }, schema: { params: NumberParams } },
    async (request, reply) => {
      const ctx = await statusContext(request, params(request).number)
      return reply.view(`${V}/status.njk`, { ...ctx, values: dateBoxes('dateAgreed', ctx.v.date_agreed) })
    },
  )

  app.post(
    '/partnerships/:partnership/agreement/versions/:number/status',
    { config: { access: { partnership: 'admin' } }, schema: { params: NumberParams } },
    async (request, reply) => {
      const ctx = await statusContext(request, params(request).number)
      return handleForm(request, reply, {
        template: `${V}/status.njk`,
        context: ctx,
        run: async () => {
          const updated = await agreement.setStatus(ctx.v.id, parseForm(StatusInput, formBody(request)), request.actor)
          const action = formBody(request).action
          const flash =
            action === 'agree'
              ? `Version ${updated.number} is now the agreed version${ctx.current ? `; version ${ctx.current.number} is superseded` : ''}`
              : action === 'supersede'
                ? `Version ${updated.number} is superseded`
                : `Version ${updated.number} ${updated.published ? 'is published: anyone can read it' : 'is no longer published'}`
          return { redirect: versionPath(request, updated.number), flash }
        },
      })
    },
  )

  // ---- Priorities ----

  async function priorityFormContext(
    request: FastifyRequest,
    v: VersionRow,
    opts: { title: string; action: string; selectedLeads: unknown; ownership: unknown },
  ) {
    const organisations = await services.organisations.list()
    const chosen = asList(opts.selectedLeads)
    return {
      ...opts,
      v,
      leadItems: organisations.map((o) => ({ value: String(o.id), text: o.name, checked: chosen.includes(String(o.id)) })),
      ownershipItems: ownershipItems(opts.ownership ?? ''),
      breadcrumbs: crumbs(request, agreementCrumb(request), { text: `Version ${v.number}`, href: versionPath(request, v.number) }),
    }
  }

  async function priorityIn(request: FastifyRequest, opts = all) {
    const v = await agreement.getVersion(p(request).id, params(request).number, opts)
    const priority = await agreement.getPriority(params(request).id)
    if (priority.agreement_version_id !== v.id) throw new NotFoundError()
    return { v, priority }
  }

  app.get(
    '/partnerships/:partnership/agreement/versions/:number/priorities/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: NumberParams } },
    async (request, reply) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, all)
      const existing = await agreement.priorities(v.id)
      const next = existing.reduce((n, x) => Math.max(n, x.number), 0) + 1
      return reply.view(`${V}/priority-form.njk`, {
        ...(await priorityFormContext(request, v, {
          title: `Add a priority to version ${v.number}`,
          action: `${versionPath(request, v.number)}/priorities/new`,
          selectedLeads: [],
          ownership: '',
        })),
        values: { number: next },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/agreement/versions/:number/priorities/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: NumberParams } },
    async (request, reply) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, all)
      const body = formBody(request)
      return handleForm(request, reply, {
        template: `${V}/priority-form.njk`,
        context: () =>
          priorityFormContext(request, v, {
            title: `Add a priority to version ${v.number}`,
            action: `${versionPath(request, v.number)}/priorities/new`,
            selectedLeads: body.leadIds,
            ownership: body.ownershipLevel,
          }),
        run: async () => {
          const pr = await agreement.addPriority(v.id, parseForm(PriorityInput, body), request.actor)
          return { redirect: `${versionPath(request, v.number)}#priority-${pr.number}`, flash: `Priority ${pr.number} added` }
        },
      })
    },
  )

  app.get(
    '/partnerships/:partnership/agreement/versions/:number/priorities/:id/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: PriorityParams } },
    async (request, reply) => {
      const { v, priority } = await priorityIn(request)
      const values = priorityFormValues(priority)
      return reply.view(`${V}/priority-form.njk`, {
        ...(await priorityFormContext(request, v, {
          title: `Change priority ${priority.number}`,
          action: `${versionPath(request, v.number)}/priorities/${priority.id}/edit`,
          selectedLeads: values.leadIds,
          ownership: values.ownershipLevel,
        })),
        values,
        historyHref: history(request, 'priority', priority.id, versionPath(request, v.number)),
      })
    },
  )

  app.post(
    '/partnerships/:partnership/agreement/versions/:number/priorities/:id/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: PriorityParams } },
    async (request, reply) => {
      const { v, priority } = await priorityIn(request)
      const body = formBody(request)
      return handleForm(request, reply, {
        template: `${V}/priority-form.njk`,
        context: () =>
          priorityFormContext(request, v, {
            title: `Change priority ${priority.number}`,
            action: `${versionPath(request, v.number)}/priorities/${priority.id}/edit`,
            selectedLeads: body.leadIds,
            ownership: body.ownershipLevel,
          }),
        run: async () => {
          const pr = await agreement.updatePriority(priority.id, parseForm(PriorityInput, body), request.actor)
          return { redirect: `${versionPath(request, v.number)}#priority-${pr.number}`, flash: `Priority ${pr.number} updated` }
        },
      })
    },
  )

  const deleteContext = async (request: FastifyRequest) => {
    const { v, priority } = await priorityIn(request)
    return {
      title: `Remove priority ${priority.number}`,
      v,
      priority,
      action: `${versionPath(request, v.number)}/priorities/${priority.id}/delete`,
      backHref: versionPath(request, v.number),
      breadcrumbs: crumbs(request, agreementCrumb(request), { text: `Version ${v.number}`, href: versionPath(request, v.number) }),
    }
  }

  app.get(
    '/partnerships/:partnership/agreement/versions/:number/priorities/:id/delete',
    { config: { access: { partnership: 'editor' } }, schema: { params: PriorityParams } },
    async (request, reply) => reply.view(`${V}/priority-delete.njk`, { ...(await deleteContext(request)), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/agreement/versions/:number/priorities/:id/delete',
    { config: { access: { partnership: 'editor' } }, schema: { params: PriorityParams } },
    async (request, reply) => {
      const ctx = await deleteContext(request)
      return handleForm(request, reply, {
        template: `${V}/priority-delete.njk`,
        context: ctx,
        run: async () => {
          await agreement.removePriority(ctx.priority.id, formVersion(request), request.actor)
          return { redirect: versionPath(request, ctx.v.number), flash: `Priority ${ctx.priority.number} removed` }
        },
      })
    },
  )

  // ---- A version in print, with what the capabilities built on it add (assurance: the assessments of a round) ----
  app.get<{ Params: Static<typeof NumberParams>; Querystring: Static<typeof PrintQuery> }>(
    '/partnerships/:partnership/agreement/versions/:number/print',
    { config: { access: { partnership: 'public' } }, schema: { params: NumberParams, querystring: PrintQuery } },
    async (request, reply) => {
      const view = await agreement.printView(p(request), request.params.number, { ...vis(request), roundId: request.query.round })
      const here = versionPath(request, view.version.number)
      if (request.query.format === 'pdf') return sendPdf(request, reply, services.pdf, printPdf(p(request), view, request.query.round))
      return reply.view(`${V}/print.njk`, {
        title: `${view.version.title}: print version`,
        version: view.version,
        priorities: view.priorities,
        sections: view.sections,
        assessment: view.assessment,
        round: request.query.round,
        breadcrumbs: crumbs(request, agreementCrumb(request), { text: `Version ${view.version.number}`, href: here }),
      })
    },
  )

  // ---- Comparing two versions ----

  app.get(
    '/partnerships/:partnership/agreement/compare',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParam, querystring: CompareQuery } },
    async (request, reply) => {
      const versions = await agreement.listVersions(p(request).id, vis(request))
      const q = request.query as { from?: number; to?: number; format?: string }
      const ctx = {
        title: 'Compare versions of the agreement',
        versions,
        ...roles(request),
        ...common,
        breadcrumbs: crumbs(request, agreementCrumb(request)),
      }
      const known = new Set(versions.map((v) => v.number))
      // A version asked for by number that this visitor may not see (or that does not exist) is not found, like its own page.
      if ((q.from !== undefined && !known.has(q.from)) || (q.to !== undefined && !known.has(q.to))) throw new NotFoundError()
      if (versions.length < 2) return reply.view(`${V}/compare.njk`, { ...ctx, notEnough: true, values: {} })
      const latest = versions[versions.length - 1]
      const to = q.to ?? latest.number
      const toRow = versions.find((v) => v.number === to)
      const from =
        q.from ??
        (toRow?.based_on_number && known.has(toRow.based_on_number) && toRow.based_on_number !== to
          ? toRow.based_on_number
          : ([...versions].reverse().find((v) => v.number < to)?.number ?? versions.find((v) => v.number !== to)!.number))
      if (from === to)
        return reply
          .code(400)
          .view(`${V}/compare.njk`, { ...ctx, errors: { to: 'Choose two different versions to compare' }, values: { from, to } })
      const result = await agreement.compare(p(request).id, from, to, vis(request))
      const table = comparisonTable(from, to)
      if (sendExport(reply, q.format, `agreement-${p(request).slug}-compare-${from}-${to}`, result.rows, table)) return reply
      return reply.view(`${V}/compare.njk`, {
        ...ctx,
        result,
        values: { from, to },
        fromHref: versionPath(request, from),
        toHref: versionPath(request, to),
        table: tableView(table, result.rows, {
          caption: `Priorities of version ${from} and version ${to}, side by side`,
          captionClasses: 'govuk-table__caption--s govuk-visually-hidden',
          classes: 'safer-compare',
        }),
        exportHref: `${agreementPath(request)}/compare?from=${from}&to=${to}`,
      })
    },
  )

  // ================= JSON API =================
  const tags = ['Agreement']
  const api = '/api/v1/partnerships/:partnership'

  /** A version's link to its strategic assessment, only for those who may see the assessment. */
  async function withVisibleAssessment(request: FastifyRequest, versions: VersionRow[]) {
    const visible = new Set((await agreement.listStrategicAssessments(p(request).id, vis(request))).map((a) => a.id))
    return versions.map((v) =>
      v.strategic_assessment_id && !visible.has(v.strategic_assessment_id) ? { ...v, strategic_assessment_id: null } : v,
    )
  }

  async function versionWithPriorities(v: VersionRow, request: FastifyRequest) {
    const [shown] = await withVisibleAssessment(request, [v])
    return versionJson(shown, await agreement.priorities(v.id))
  }

  app.get(
    `${api}/agreement/versions`,
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: 'Versions of the Community Safety Agreement (members also see unpublished ones)',
        security: [],
        params: PartnershipParam,
        response: { 200: Type.Array(VersionJson) },
      },
    },
    async (request) =>
      (await withVisibleAssessment(request, await agreement.listVersions(p(request).id, vis(request)))).map((v) => versionJson(v)),
  )

  app.post(
    `${api}/agreement/versions`,
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Start a new draft version (copyFrom: the number of the version whose priorities it starts with)',
        params: PartnershipParam,
        body: VersionInput,
        response: { 201: VersionJson },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await versionWithPriorities(await agreement.createVersion(p(request).id, request.body, request.actor), request)),
  )

  app.get(
    `${api}/agreement/versions/:number`,
    {
      config: { access: { partnership: 'public' } },
      schema: { tags, summary: 'One version with its priorities', security: [], params: NumberParams, response: { 200: VersionJson } },
    },
    async (request) => versionWithPriorities(await agreement.getVersion(p(request).id, params(request).number, vis(request)), request),
  )

  app.put(
    `${api}/agreement/versions/:number`,
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary:
          'Change a draft version (send the version you read: a stale one is refused with 409; agreed and superseded versions are refused with 400)',
        params: NumberParams,
        body: VersionInput,
        response: { 200: VersionJson },
      },
    },
    async (request) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, all)
      return versionWithPriorities(await agreement.updateVersion(v.id, request.body, request.actor), request)
    },
  )

  app.post(
    `${api}/agreement/versions/:number/status`,
    {
      config: { access: { partnership: 'admin' } },
      schema: {
        tags,
        summary: 'Agree (the previously agreed version becomes superseded), supersede, publish or unpublish a version',
        params: NumberParams,
        body: StatusInput,
        response: { 200: VersionJson },
      },
    },
    async (request) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, all)
      return versionWithPriorities(await agreement.setStatus(v.id, request.body, request.actor), request)
    },
  )

  app.get(
    `${api}/agreement/versions/:number/priorities`,
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: "A version's priorities in order, with strategic leads and ownership judgements",
        security: [],
        params: NumberParams,
        response: { 200: Type.Array(PriorityJson) },
      },
    },
    async (request) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, vis(request))
      return (await agreement.priorities(v.id)).map(priorityJson)
    },
  )

  app.post(
    `${api}/agreement/versions/:number/priorities`,
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Add a priority to a draft version',
        params: NumberParams,
        body: PriorityInput,
        response: { 201: PriorityJson },
      },
    },
    async (request, reply) => {
      const v = await agreement.getVersion(p(request).id, params(request).number, all)
      return reply.code(201).send(priorityJson(await agreement.addPriority(v.id, request.body, request.actor)))
    },
  )

  app.put(
    `${api}/agreement/versions/:number/priorities/:id`,
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Change a priority of a draft version (send the version you read: a stale one is refused with 409)',
        params: PriorityParams,
        body: PriorityInput,
        response: { 200: PriorityJson },
      },
    },
    async (request) => {
      const { priority } = await priorityIn(request)
      return priorityJson(await agreement.updatePriority(priority.id, request.body, request.actor))
    },
  )

  app.delete<{ Querystring: Static<typeof VersionQuery> }>(
    `${api}/agreement/versions/:number/priorities/:id`,
    {
      config: { access: { partnership: 'editor' } },
      schema: { tags, summary: 'Remove a priority from a draft version', params: PriorityParams, querystring: VersionQuery },
    },
    async (request, reply) => {
      const { priority } = await priorityIn(request)
      await agreement.removePriority(priority.id, request.query.version, request.actor)
      return reply.code(204).send()
    },
  )

  app.get(
    `${api}/agreement/compare`,
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: 'Compare two versions: priorities added, removed, reworded, renumbered or unchanged, with word-level differences',
        security: [],
        params: PartnershipParam,
        querystring: ApiCompareQuery,
        response: { 200: CompareJson },
      },
    },
    async (request) => {
      const { from, to } = request.query as { from: number; to: number }
      if (from === to) throw new ValidationError({ to: 'Choose two different versions to compare' })
      const r = await agreement.compare(p(request).id, from, to, vis(request))
      return {
        from: versionJson(r.from),
        to: versionJson(r.to),
        counts: r.counts,
        rows: r.rows.map((row) => ({ ...row, from: row.from && priorityJson(row.from), to: row.to && priorityJson(row.to) })),
      }
    },
  )

  app.get(
    `${api}/strategic-assessments`,
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: 'Strategic assessments (members also see unpublished ones)',
        security: [],
        params: PartnershipParam,
        response: { 200: Type.Array(StrategicAssessmentJson) },
      },
    },
    async (request) => (await agreement.listStrategicAssessments(p(request).id, vis(request))).map((a) => assessmentJson(a)),
  )

  app.post(
    `${api}/strategic-assessments`,
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Add a strategic assessment',
        params: PartnershipParam,
        body: StrategicAssessmentInput,
        response: { 201: StrategicAssessmentJson },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(assessmentJson(await agreement.createStrategicAssessment(p(request).id, request.body, request.actor), [], p(request).slug)),
  )

  app.get(
    `${api}/strategic-assessments/:id`,
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags,
        summary: 'One strategic assessment with its attachments',
        security: [],
        params: IdParams,
        response: { 200: StrategicAssessmentJson },
      },
    },
    async (request) => {
      const a = await agreement.getStrategicAssessment(p(request).id, params(request).id, vis(request))
      return assessmentJson(a, await agreement.attachments(a.id, undefined, vis(request)), p(request).slug)
    },
  )

  app.put(
    `${api}/strategic-assessments/:id`,
    {
      config: { access: { partnership: 'editor' } },
      schema: {
        tags,
        summary: 'Change a strategic assessment (send the version you read: a stale one is refused with 409)',
        params: IdParams,
        body: StrategicAssessmentInput,
        response: { 200: StrategicAssessmentJson },
      },
    },
    async (request) => {
      await agreement.getStrategicAssessment(p(request).id, params(request).id, vis(request))
      const a = await agreement.updateStrategicAssessment(p(request).id, params(request).id, request.body, request.actor)
      return assessmentJson(a, await agreement.attachments(a.id, undefined, vis(request)), p(request).slug)
    },
  )
}

/**
 * The PDF of a version's print view, for a committee: the partnership's name and what the sections add (the
 * assessment round) in the running header of every page, and a file name that says which version and round it is.
 */
function printPdf(
  partnership: { slug: string; name: string },
  view: { version: { number: number; title: string }; sections: PrintSectionView[] },
  round?: number,
): PdfDocument {
  const { version } = view
  const added = view.sections.flatMap((s) => (s.pdf ? [s.pdf] : []))
  return {
    path: `/partnerships/${partnership.slug}/agreement/versions/${version.number}/print${round ? `?round=${round}` : ''}`,
    title: version.title,
    author: partnership.name,
    subject: `Community Safety Agreement, version ${version.number}${added.length ? `: ${added.map((a) => a.header).join('; ')}` : ''}`,
    filename: `${[partnership.slug, `agreement-v${version.number}`, ...added.map((a) => a.fileName)].join('-')}.pdf`,
    header: { left: partnership.name, right: added.map((a) => a.header).join('; ') || `Version ${version.number}` },
    footer: `${version.title}, version ${version.number}`,
  }
}
