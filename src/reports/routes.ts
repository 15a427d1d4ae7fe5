/**
 * Reports: the list, the report page (accessible HTML), its print view and PDF, the edit form, publishing, the
 * comparison of a published report's data with today's, appendices, the annual report action and the council's
 * template. Read: members always; the public only published reports of published workspaces (else 404).
 * Write: the workspace's editors; the template: its administrators.
 */
import fs from 'node:fs/promises'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport } from '../platform/export.ts'
import { choice } from '../platform/validation.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { defineTable, tableView } from '../platform/tables.ts'
import { sendPdf, fileNamePart } from '../platform/pdf.ts'
import { receiveFiles } from '../platform/uploads.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { plural } from '../platform/format.ts'
import { escapeHtml } from '../platform/html.ts'
import { BLOCK_KINDS, BLOCK_TITLES, HEADER_FIELDS, type Block, type ReportRow } from './service.ts'
import { BACKGROUND_WORDS, EQUALITY_DUTY, HAS_CORPORATE, SHAPE_LABELS, SHAPES, textBlocks } from './templates.ts'

const V = 'reports/views'
const PartnershipParams = Type.Object({ partnership: Type.String() })
const ReportParams = Type.Object({ partnership: Type.String(), report: Type.Integer() })
const AppendixParams = Type.Object({ partnership: Type.String(), report: Type.Integer(), appendix: Type.Integer() })
const BlockParams = Type.Object({ partnership: Type.String(), report: Type.Integer(), block: Type.String({ maxLength: 60 }) })
const ReportQuery = Type.Object({
  block: Type.Optional(Type.String({ maxLength: 40 })),
  format: Type.Optional(choice(['csv', 'json'] as const, 'Format')),
})
const PrintQuery = Type.Object({ format: Type.Optional(choice(['pdf'] as const, 'Format')) })

const STATE_TAGS: Record<string, string> = { draft: 'govuk-tag--grey', 'in review': 'govuk-tag--yellow', published: 'govuk-tag--green' }

/** A data block's table: its own columns, on the page and in its download. */
function blockTable(b: Block) {
  return defineTable<string[]>(
    b.columns.map((c, i) => ({
      key:
        c
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/^_|_$/g, '') || `column_${i + 1}`,
      header: c,
      value: (r) => r[i] ?? '',
    })),
    { firstCellIsHeader: true },
  )
}

const reportsTable = defineTable<ReportRow & { href: string }>([
  { key: 'id', value: (r) => r.id },
  {
    key: 'title',
    header: 'Report',
    value: (r) => r.title,
    html: (r) => `<a class="govuk-link" href="${r.href}">${escapeHtml(r.title)}</a>`,
  },
  {
    key: 'state',
    header: 'State',
    value: (r) => r.state,
    html: (r) => `<strong class="govuk-tag ${STATE_TAGS[r.state]}">${escapeHtml(r.state)}</strong>`,
  },
  { key: 'committee', header: 'Committee', value: (r) => r.header.committee, empty: '–' },
  { key: 'date', header: 'Date', value: (r) => r.header.date, empty: '–' },
])

export async function reportRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const reports = services.reports
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}/reports`
  const viewer = (request: FastifyRequest) => ({ member: isMember(request) })
  const crumbs = (request: FastifyRequest) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: `/partnerships/${p(request).slug}` },
    { text: 'Reports', href: base(request) },
  ]

  /** Everything the report page and print view draw. */
  const reportContext = async (request: FastifyRequest, id: number) => {
    const v = await reports.view(p(request).id, id, viewer(request))
    const r = v.report
    const href = `${base(request)}/${r.id}`
    const c = {
      ...v,
      href,
      header: HEADER_FIELDS.map((f) => ({ key: { text: f.label }, value: { text: r.header[f.key] || '–' } })).filter(
        (row) => row.value.text !== '–' || r.shape === 'hampshire',
      ),
      sections: r.sections.map((s) => ({ ...s, blocks: textBlocks(s.text) })),
      blocks: v.blocks.map((b) => ({
        ...b,
        table: b.rows.length ? tableView(blockTable(b), b.rows, { caption: b.title, captionClasses: 'govuk-visually-hidden' }) : null,
        exportHref: `${href}?block=${encodeURIComponent(b.key)}`,
      })),
      corporate: HAS_CORPORATE[r.shape] ? r.corporate : null,
      equalityDuty: textBlocks(EQUALITY_DUTY),
      equalities: textBlocks(r.corporate.equalities),
      backgroundWords: BACKGROUND_WORDS,
      stateTag: STATE_TAGS[r.state],
      canEdit: hasRole(request, 'editor') && r.state !== 'published',
      history: historyHref(request, 'report', r.id, href),
      workspace: p(request),
      outcomeRows: r.corporate.outcomes.map((o) => ({ key: { text: o.outcome }, value: { text: o.answer === 'yes' ? 'Yes' : 'No' } })),
    }
    return { ...c, ctx: c }
  }

  // ---- The list, new reports and the annual report ----

  const listContext = async (request: FastifyRequest) => {
    const list = await reports.list(p(request).id, viewer(request))
    const canEdit = hasRole(request, 'editor')
    const council = p(request).kind === 'council'
    const scrutinised = canEdit && council ? await reports.scrutinised(p(request).id) : []
    return {
      title: 'Reports',
      table: tableView(
        reportsTable,
        list.map((r) => ({ ...r, href: `${base(request)}/${r.id}` })),
        { caption: plural(list.length, 'report'), captionClasses: 'govuk-table__caption--m' },
      ),
      count: list.length,
      canEdit,
      canAdmin: hasRole(request, 'admin'),
      scrutinised: scrutinised.map((s) => ({ value: String(s.id), text: s.name })),
      base: base(request),
      values: {},
      breadcrumbs: crumbs(request).slice(0, 2),
    }
  }

  app.get<{ Querystring: Static<typeof ReportQuery> }>(
    '/partnerships/:partnership/reports',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: ReportQuery } },
    async (request, reply) => {
      if (request.query.format) {
        const list = (await reports.list(p(request).id, viewer(request))).map((r) => ({ ...r, href: `${base(request)}/${r.id}` }))
        if (sendExport(reply, request.query.format, `reports-${p(request).slug}`, list, reportsTable)) return reply
      }
      return reply.view(`${V}/list.njk`, await listContext(request))
    },
  )

  app.post(
    '/partnerships/:partnership/reports/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/list.njk`,
        context: () => listContext(request),
        run: async () => {
          const r = await reports.create(p(request).id, { title: formBody(request).title }, request.actor)
          return { redirect: `${base(request)}/${r.id}/edit`, flash: 'Report drafted' }
        },
      }),
  )

  app.post(
    '/partnerships/:partnership/reports/annual',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/list.njk`,
        context: () => listContext(request),
        run: async () => {
          if (p(request).kind !== 'council') throw new ValidationError({ partnershipId: 'Only a council workspace drafts annual reports' })
          const body = formBody(request)
          const r = await reports.draftAnnual(p(request).id, { partnershipId: body.partnershipId, period: body.period }, request.actor)
          return { redirect: `${base(request)}/${r.id}`, flash: 'Annual report drafted from the partnership’s data' }
        },
      }),
  )

  // ---- The council's template ----

  const templateContext = async (request: FastifyRequest) => {
    const t = await reports.template(p(request).id)
    return {
      title: 'Report template',
      template: t,
      shapes: SHAPES.map((s) => ({ value: s, text: SHAPE_LABELS[s] })),
      rows: [...t.sections, { key: '', heading: '', required: false, guidance: '' }],
      values: { shape: t.shape, outcomes: t.outcomes.join('\n'), version: t.id ? t.version : undefined },
      history: t.id ? historyHref(request, 'report template', t.id, `${base(request)}/template`) : undefined,
      breadcrumbs: crumbs(request),
    }
  }

  app.get(
    '/partnerships/:partnership/reports/template',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/template.njk`, await templateContext(request)),
  )

  app.post(
    '/partnerships/:partnership/reports/template',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/template.njk`,
        context: () => templateContext(request),
        valuesFromContext: false,
        run: async () => {
          const body = formBody(request)
          if (body.reset) {
            await reports.resetTemplate(p(request).id, body.shape, request.actor)
            return { redirect: `${base(request)}/template`, flash: 'Template started again from the built-in shape' }
          }
          const rows: { key: string; heading: string; required: boolean; guidance: string; position: number }[] = []
          for (let i = 0; i < 40; i++) {
            if (!(`heading-${i}` in body)) continue
            const position = Number(body[`position-${i}`])
            rows.push({
              key: String(body[`key-${i}`] ?? ''),
              heading: String(body[`heading-${i}`] ?? ''),
              required: body[`required-${i}`] === 'yes',
              guidance: String(body[`guidance-${i}`] ?? ''),
              position: Number.isFinite(position) ? position : i + 1,
            })
          }
          rows.sort((a, b) => a.position - b.position)
          await reports.saveTemplate(
            p(request).id,
            { shape: body.shape, sections: rows, outcomes: String(body.outcomes ?? '').split('\n'), version: formVersion(request) },
            request.actor,
          )
          return { redirect: `${base(request)}/template`, flash: 'Report template saved' }
        },
      }),
  )

  // ---- One report ----

  app.get<{ Params: Static<typeof ReportParams>; Querystring: Static<typeof ReportQuery> }>(
    '/partnerships/:partnership/reports/:report',
    { config: { access: { partnership: 'public' } }, schema: { params: ReportParams, querystring: ReportQuery } },
    async (request, reply) => {
      const c = await reportContext(request, request.params.report)
      if (request.query.format) {
        const b = c.blocks.find((x) => x.key === request.query.block)
        if (!b) throw new NotFoundError()
        if (sendExport(reply, request.query.format, `report-${c.report.id}-${b.key}`, b.rows, blockTable(b))) return reply
      }
      const [choices, sources] = c.canEdit
        ? await Promise.all([reports.pageChoices(p(request).id), reports.blockSources(p(request).id)])
        : [[], []]
      return reply.view(`${V}/report.njk`, {
        ...c,
        title: c.report.title,
        pageChoices: choices.map((x) => ({ value: x.path, text: x.title })),
        blockKinds: BLOCK_KINDS.map((k) => ({ value: k, text: BLOCK_TITLES[k] })),
        blockSources: sources.map((x) => ({ value: String(x.id), text: x.name })),
        values: {},
        breadcrumbs: crumbs(request),
      })
    },
  )

  app.get<{ Params: Static<typeof ReportParams>; Querystring: Static<typeof PrintQuery> }>(
    '/partnerships/:partnership/reports/:report/print',
    { config: { access: { partnership: 'public' } }, schema: { params: ReportParams, querystring: PrintQuery } },
    async (request, reply) => {
      const c = await reportContext(request, request.params.report)
      if (request.query.format === 'pdf')
        return sendPdf(request, reply, services.pdf, {
          path: `${c.href}/print`,
          title: c.report.title,
          author: p(request).name,
          subject: c.report.header.committee || 'Report',
          filename: `${fileNamePart(c.report.title)}.pdf`,
          header: { left: p(request).name, right: c.report.header.committee || 'Report' },
          footer: c.report.title,
        })
      return reply.view(`${V}/print.njk`, { ...c, title: c.report.title, breadcrumbs: crumbs(request) })
    },
  )

  const editContext = async (request: FastifyRequest, id: number) => {
    const r = await reports.get(p(request).id, id, { member: true })
    if (r.state === 'published') throw new NotFoundError()
    const values: Record<string, unknown> = { title: r.title, version: r.version, ...r.header }
    for (const s of r.sections) values[`section-${s.key}`] = s.text
    r.corporate.outcomes.forEach((o, i) => (values[`outcome-${i}`] = o.answer))
    Object.assign(values, {
      otherLinks: r.corporate.otherLinks,
      equalities: r.corporate.equalities,
      crime: r.corporate.crime,
      climate: r.corporate.climate,
      background: r.corporate.background.map((b) => `${b.document} | ${b.location}`).join('\n'),
      item: r.meeting_id !== null ? `${r.meeting_id}:${r.item_id}` : '',
    })
    return {
      title: `Edit: ${r.title}`,
      report: r,
      headerFields: HEADER_FIELDS,
      corporate: HAS_CORPORATE[r.shape],
      items: p(request).kind === 'council' ? await reports.itemChoices(p(request).id) : [],
      values,
      href: `${base(request)}/${r.id}`,
      breadcrumbs: [...crumbs(request), { text: r.title, href: `${base(request)}/${r.id}` }],
    }
  }

  app.get<{ Params: Static<typeof ReportParams> }>(
    '/partnerships/:partnership/reports/:report/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ReportParams } },
    async (request, reply) => reply.view(`${V}/edit.njk`, await editContext(request, request.params.report)),
  )

  app.post<{ Params: Static<typeof ReportParams> }>(
    '/partnerships/:partnership/reports/:report/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ReportParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/edit.njk`,
        context: () => editContext(request, request.params.report),
        run: async () => {
          await reports.update(p(request).id, request.params.report, { ...formBody(request), version: formVersion(request) }, request.actor)
          return { redirect: `${base(request)}/${request.params.report}`, flash: 'Report saved' }
        },
      }),
  )

  const pageView = async (request: FastifyRequest, id: number) => {
    const c = await reportContext(request, id)
    const choices = c.canEdit ? await reports.pageChoices(p(request).id) : []
    return {
      ...c,
      title: c.report.title,
      pageChoices: choices.map((x) => ({ value: x.path, text: x.title })),
      breadcrumbs: crumbs(request),
    }
  }

  /**
   * An action on a report's page (its state, data blocks, appendices): an editor's form posts here; the change goes to
   * the report's page (at `anchor`) with `flash`, a refusal shows the report's page again with the message.
   */
  const reportAction = <P extends typeof ReportParams | typeof BlockParams | typeof AppendixParams>(
    url: string,
    params: P,
    run: (request: FastifyRequest<{ Params: Static<P> }>) => Promise<{ anchor: string; flash: string }>,
    opts: { uploads?: boolean } = {},
  ) =>
    app.post<{ Params: Static<P> }>(
      url,
      { config: { access: { partnership: 'editor' }, ...(opts.uploads ? { uploads: true } : {}) }, schema: { params } },
      async (request, reply) => {
        // Each of the three parameter schemas has the report's id (TypeScript cannot see it through the union).
        const { report } = request.params as Static<typeof ReportParams>
        return handleForm(request, reply, {
          template: `${V}/report.njk`,
          context: () => pageView(request, report),
          valuesFromContext: true,
          run: async () => {
            const { anchor, flash } = await run(request)
            return { redirect: `${base(request)}/${report}${anchor}`, flash }
          },
        })
      },
    )

  reportAction('/partnerships/:partnership/reports/:report/state', ReportParams, async (request) => {
    const state = formBody(request).state
    await reports.setState(p(request).id, request.params.report, state, formVersion(request), request.actor)
    return {
      anchor: '',
      flash: state === 'published' ? 'Report published: its data are frozen as they are today' : `Report moved to ${String(state)}`,
    }
  })

  app.get<{ Params: Static<typeof ReportParams> }>(
    '/partnerships/:partnership/reports/:report/compare',
    { config: { access: { partnership: 'public' } }, schema: { params: ReportParams } },
    async (request, reply) => {
      const { report, differences } = await reports.compare(p(request).id, request.params.report, viewer(request))
      return reply.view(`${V}/compare.njk`, {
        title: `Compare with today: ${report.title}`,
        report,
        differences,
        href: `${base(request)}/${report.id}`,
        breadcrumbs: [...crumbs(request), { text: report.title, href: `${base(request)}/${report.id}` }],
      })
    },
  )

  // ---- Data blocks ----

  reportAction('/partnerships/:partnership/reports/:report/blocks', ReportParams, async (request) => {
    const body = formBody(request)
    await reports.addBlock(
      p(request).id,
      request.params.report,
      { kind: body.kind, partnershipId: body.blockPartnershipId, version: formVersion(request) },
      request.actor,
    )
    return { anchor: '#data', flash: 'Data block added' }
  })

  reportAction('/partnerships/:partnership/reports/:report/blocks/:block/remove', BlockParams, async (request) => {
    await reports.removeBlock(p(request).id, request.params.report, request.params.block, formVersion(request), request.actor)
    return { anchor: '#data', flash: 'Data block removed' }
  })

  // ---- Appendices ----

  reportAction(
    '/partnerships/:partnership/reports/:report/appendices/upload',
    ReportParams,
    async (request) => {
      // Several files may be chosen at once, so every refusal names its file.
      const upload = await receiveFiles(request, {
        field: 'file',
        accept: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'csv', 'txt', 'png', 'jpeg', 'zip'],
        maxFiles: 10,
        maxFileBytes: 20 * 1024 * 1024,
        required: 'Select a PDF to add as an appendix',
      })
      const files = await Promise.all(
        upload.files.map(async (f) => ({ filename: f.filename, bytes: new Uint8Array(await fs.readFile(f.path)) })),
      )
      await services.db.transaction(async (tx) => {
        for (const f of files)
          await reports.addPdf(p(request).id, request.params.report, f, files.length === 1 ? upload.fields.title : '', request.actor, tx)
      })
      return { anchor: '#appendices', flash: `${plural(files.length, 'appendix', 'appendices')} added` }
    },
    { uploads: true },
  )

  reportAction('/partnerships/:partnership/reports/:report/appendices/page', ReportParams, async (request) => {
    await reports.addPage(p(request).id, request.params.report, formBody(request).path, request.actor)
    return { anchor: '#appendices', flash: 'Appendix added' }
  })

  reportAction('/partnerships/:partnership/reports/:report/appendices/:appendix/remove', AppendixParams, async (request) => {
    await reports.removeAppendix(p(request).id, request.params.report, request.params.appendix, formVersion(request), request.actor)
    return { anchor: '#appendices', flash: 'Appendix removed' }
  })

  app.get<{ Params: Static<typeof AppendixParams> }>(
    '/partnerships/:partnership/reports/:report/appendices/:appendix',
    { config: { access: { partnership: 'public' } }, schema: { params: AppendixParams } },
    async (request, reply) => {
      const a = await reports.appendixFile(p(request).id, request.params.report, request.params.appendix, viewer(request))
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${(a.file_name ?? 'appendix.pdf').replace(/[^\w.-]/g, '-')}"`)
        .header('cache-control', 'private, no-store')
        .send(a.content)
    },
  )
}
