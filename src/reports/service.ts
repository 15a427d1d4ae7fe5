/**
 * Reports (issue 12): council reports and the annual community safety report, in a council's template; data blocks
 * drawn from the other capabilities' services (live while a draft, frozen when published); appendices (uploaded PDFs,
 * checked with pdf-lib, or print views of the platform); the link to an agenda item; and the pack's parts.
 */
import { PDFDocument } from 'pdf-lib'
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction, maybeOne } from '../platform/db/index.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import type { Actor } from '../platform/audit.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { Partnership } from '../platform/access.ts'
import { renderVegaLite, FONT } from '../platform/charts.ts'
import { formatNumber } from '../platform/format.ts'
import type { partnershipService } from '../partnerships/service.ts'
import type { governanceService } from '../governance/service.ts'
import { chairText, memberName } from '../governance/service.ts'
import type { agreementService } from '../agreement/service.ts'
import type { assuranceService } from '../assurance/service.ts'
import { formatValue, type scorecardService } from '../scorecard/service.ts'
import type { returnService } from '../plans/returns.ts'
import type { progressService } from '../plans/progress.ts'
import type { fundingService } from '../funding/service.ts'
import type { scrutinyService } from '../scrutiny/service.ts'
import type { recommendationService } from '../scrutiny/recommendations.ts'
import { STATUS_LABELS, type Status } from '../plans/rollup.ts'
import {
  emptyCorporate,
  HAMPSHIRE_OUTCOMES,
  HAS_CORPORATE,
  SHAPE_SECTIONS,
  SHAPES,
  type Corporate,
  type ReportSection,
  type Shape,
  type TemplateSection,
} from './templates.ts'

export const REPORT_STATES = ['draft', 'in review', 'published'] as const
export type ReportState = (typeof REPORT_STATES)[number]
export const MAX_APPENDIX_BYTES = 20 * 1024 * 1024
const LIMITS = { title: 300, text: 50_000, field: 300, heading: 200, outcomes: 20, sections: 30 }

export interface Header {
  committee: string
  date: string
  reportFrom: string
  contactName: string
  telephone: string
  email: string
}
export const HEADER_FIELDS: { key: keyof Header; label: string }[] = [
  { key: 'committee', label: 'Committee' },
  { key: 'date', label: 'Date' },
  { key: 'reportFrom', label: 'Report From' },
  { key: 'contactName', label: 'Contact name' },
  { key: 'telephone', label: 'Tel' },
  { key: 'email', label: 'Email' },
]
const emptyHeader = (): Header => ({ committee: '', date: '', reportFrom: '', contactName: '', telephone: '', email: '' })

export const BLOCK_KINDS = ['governance', 'priorities', 'assurance', 'progress', 'scorecard', 'funding', 'recommendations'] as const
export type BlockKind = (typeof BLOCK_KINDS)[number]
export const BLOCK_TITLES: Record<BlockKind, string> = {
  governance: 'Governance and membership',
  priorities: 'Community safety priorities',
  assurance: 'Assurance against the priorities',
  progress: 'Progress against the priorities',
  scorecard: 'Performance scorecard highlights',
  funding: 'Funding by priority',
  recommendations: 'Scrutiny recommendations and responses',
}
export interface BlockSpec {
  key: string
  title: string
  kind: BlockKind
  partnershipId: number
}
/** A data block as shown: a table of text cells (what the comparison reads), with a chart or map and its notes. */
export interface Block extends BlockSpec {
  columns: string[]
  rows: string[][]
  svg: string | null
  svgNarrow: string | null
  notes: string[]
}

export interface TemplateRow {
  id: number
  partnership_id: number
  shape: Shape
  sections: TemplateSection[]
  outcomes: string[]
  version: number
}

export interface ReportRow {
  id: number
  partnership_id: number
  title: string
  shape: Shape
  state: ReportState
  header: Header
  sections: ReportSection[]
  corporate: Corporate
  blocks: BlockSpec[]
  snapshot: Block[] | null
  subject_partnership_id: number | null
  period: string | null
  meeting_id: number | null
  item_id: number | null
  published_at: Date | null
  illustrative: boolean
  version: number
  updated_at: Date
}

export interface AppendixRow {
  id: number
  report_id: number
  position: number
  title: string
  kind: 'pdf' | 'page'
  file_name: string | null
  size_bytes: number | null
  path: string | null
  version: number
}

export type ReportPackPart =
  | { kind: 'page'; title: string; path: string }
  | { kind: 'pdf'; title: string; bytes: Uint8Array; source: string }
  | { kind: 'missing'; title: string; reason: string }

export interface Viewer {
  member: boolean
}

const REPORT_COLS = `id, partnership_id, title, shape, state, header, sections, corporate, blocks, snapshot, subject_partnership_id, period,
  meeting_id, item_id, published_at, illustrative, version, updated_at`
const APPENDIX_COLS = 'id, report_id, position, title, kind, file_name, size_bytes, path, version'

const clean = (v: unknown, max: number, field: string, label: string) => {
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') throw new ValidationError({ [field]: `${label} must be text` })
  const s = v.replace(/\r\n/g, '\n').trim()
  if (s.length > max) throw new ValidationError({ [field]: `${label} must be ${formatNumber(max)} characters or fewer` })
  return s
}

/** Changes between the published blocks and today's: block by block, cell by cell. */
export interface BlockDifference {
  key: string
  title: string
  /** 'same', 'changed', 'added' (only today), 'removed' (only published). */
  status: 'same' | 'changed' | 'added' | 'removed'
  cells: { row: string; column: string; published: string; today: string }[]
  rowsAdded: string[]
  rowsRemoved: string[]
}
export function compareBlocks(published: Block[], today: Block[]): BlockDifference[] {
  const out: BlockDifference[] = []
  const todayByKey = new Map(today.map((b) => [b.key, b]))
  for (const p of published) {
    const t = todayByKey.get(p.key)
    if (!t) {
      out.push({ key: p.key, title: p.title, status: 'removed', cells: [], rowsAdded: [], rowsRemoved: [] })
      continue
    }
    // Rows are matched by their first cell (the priority, body, indicator or reference they are about).
    const tRows = new Map(t.rows.map((r) => [r[0], r]))
    const pRows = new Map(p.rows.map((r) => [r[0], r]))
    const cells: BlockDifference['cells'] = []
    for (const [k, pr] of pRows) {
      const tr = tRows.get(k)
      if (!tr) continue
      t.columns.forEach((col, i) => {
        const j = p.columns.indexOf(col)
        const before = j >= 0 ? (pr[j] ?? '') : ''
        if (i > 0 && before !== (tr[i] ?? '')) cells.push({ row: k, column: col, published: before, today: tr[i] ?? '' })
      })
    }
    const rowsAdded = [...tRows.keys()].filter((k) => !pRows.has(k))
    const rowsRemoved = [...pRows.keys()].filter((k) => !tRows.has(k))
    const changed = cells.length || rowsAdded.length || rowsRemoved.length
    out.push({ key: p.key, title: p.title, status: changed ? 'changed' : 'same', cells, rowsAdded, rowsRemoved })
  }
  for (const t of today)
    if (!published.some((p) => p.key === t.key))
      out.push({ key: t.key, title: t.title, status: 'added', cells: [], rowsAdded: [], rowsRemoved: [] })
  return out
}

const pct = (n: number | undefined) => (n === undefined ? '' : `${formatNumber(Math.round(n))}%`)
const pounds = (pence: number) => `£${formatNumber(Math.round(pence) / 100, 0)}`

export function reportService(
  db: Db,
  deps: {
    partnerships: ReturnType<typeof partnershipService>
    governance: ReturnType<typeof governanceService>
    agreement: ReturnType<typeof agreementService>
    assurance: ReturnType<typeof assuranceService>
    scorecard: ReturnType<typeof scorecardService>
    planReturns: ReturnType<typeof returnService>
    planProgress: ReturnType<typeof progressService>
    funding: ReturnType<typeof fundingService>
    scrutiny: ReturnType<typeof scrutinyService>
    recommendations: ReturnType<typeof recommendationService>
  },
) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  async function reportRow(partnershipId: number, id: number, q: Queryable = db): Promise<ReportRow> {
    const r = await maybeOne<ReportRow>(q, `SELECT ${REPORT_COLS} FROM reports WHERE id = $1 AND partnership_id = $2`, [id, partnershipId])
    if (!r) throw new NotFoundError()
    return r
  }
  /** The public see a report only once it is published (and only in a published workspace: the route checks that). */
  /**
   * The public see a report only once it is published, and never one for an exempt agenda item (Schedule 12A): that
   * stays with the workspace's members, as the item does. (A published workspace: the route's access rule checks that.)
   */
  async function maySee(r: ReportRow, viewer: Viewer, q: Queryable = db) {
    if (viewer.member) return true
    if (r.state !== 'published') return false
    if (r.meeting_id === null || r.item_id === null) return true
    const item = await deps.scrutiny.item(r.partnership_id, r.meeting_id, r.item_id, q).catch(() => undefined)
    return !item?.exempt
  }

  async function chart(spec: { rows: { label: string; value: number }[]; title: string; x: string; idPrefix: string; width: number }) {
    if (!spec.rows.length) return null
    return renderVegaLite(
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: spec.width,
        height: { step: 22 },
        data: { values: spec.rows },
        mark: { type: 'bar', color: '#1d70b8' },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: spec.width * 0.6, labelFont: FONT } },
          x: { field: 'value', type: 'quantitative', title: spec.x, axis: { labelFont: FONT, titleFont: FONT, tickMinStep: 1 } },
        },
        config: { font: FONT, view: { stroke: null } },
      },
      {
        title: spec.title,
        description: `${spec.title}: ${spec.rows.map((r) => `${r.label} ${formatNumber(r.value)}`).join('; ')}.`,
        idPrefix: spec.idPrefix,
      },
    )
  }
  // Charts are the same bytes for the same figures (renderVegaLite is deterministic), so a draft viewed again
  // reuses them: only the figures' own services are asked again.
  const drawn = new Map<string, Promise<{ svg: string | null; svgNarrow: string | null }>>()
  function charts(rows: { label: string; value: number }[], title: string, x: string, idPrefix: string) {
    const key = JSON.stringify([rows, title, x, idPrefix])
    let found = drawn.get(key)
    if (!found) {
      if (drawn.size > 200) drawn.delete(drawn.keys().next().value!)
      found = drawCharts(rows, title, x, idPrefix)
      drawn.set(key, found)
      found.catch(() => drawn.delete(key))
    }
    return found
  }
  async function drawCharts(rows: { label: string; value: number }[], title: string, x: string, idPrefix: string) {
    const [svg, svgNarrow] = await Promise.all([
      chart({ rows, title, x, idPrefix, width: 520 }),
      chart({ rows, title, x, idPrefix: `${idPrefix}-narrow`, width: 220 }),
    ])
    return { svg, svgNarrow }
  }

  /** One data block from live data, as the public would see it (a published report is public). */
  async function resolve(spec: BlockSpec): Promise<Block> {
    const q = db
    const p = await deps.partnerships.byId(spec.partnershipId, q)
    const block: Block = { ...spec, columns: [], rows: [], svg: null, svgNarrow: null, notes: [] }
    if (!p) return { ...block, notes: ['The partnership this block was drawn from no longer exists.'] }
    const pub = { includeUnpublished: false }
    switch (spec.kind) {
      case 'governance': {
        const map = await deps.governance.map(p.id, { idPrefix: `report-${spec.key}` }, q)
        block.columns = ['Body', 'Type', 'Reports to', 'Chair', 'Members']
        for (const b of map.bodies) {
          const members = await deps.governance.members(b.id, q)
          block.rows.push([
            b.name,
            b.type,
            b.reports_to_name ?? '',
            chairText(b) ?? '',
            members
              .map((m) => memberName(m))
              .filter(Boolean)
              .join('; '),
          ])
        }
        block.svg = map.svg
        block.svgNarrow = map.svgNarrow
        if (!map.bodies.length) block.notes.push('No governance bodies are recorded.')
        break
      }
      case 'priorities': {
        const version = await deps.agreement.latestVersion(p.id, pub)
        block.columns = ['Priority', 'Title', 'Leads']
        if (version) {
          block.notes.push(`From ${version.title}.`)
          for (const pr of await deps.agreement.priorities(version.id, q))
            block.rows.push([`Priority ${pr.number}`, pr.title, pr.leads.map((l) => l.name).join('; ')])
        } else block.notes.push('No published Community Safety Agreement.')
        break
      }
      case 'assurance': {
        const version = await deps.agreement.latestVersion(p.id, pub)
        const a = version ? await deps.assurance.printAssessments(p.id, version.id, pub) : undefined
        const m = a?.matrix
        if (!m) {
          block.notes.push('No published assessment round.')
          break
        }
        block.columns = ['Priority', ...m.columns.map((c) => c.name)]
        for (const r of m.rows)
          block.rows.push([
            `Priority ${r.priority.number}: ${r.priority.title}`,
            ...r.cells.map((c) => {
              const now = c.level?.label ?? (c.rating === null ? 'Not rated' : String(c.rating))
              if (!m.previousRound || c.previousRating === c.rating) return now
              return `${now} (was ${c.previousLevel?.label ?? 'not rated'})`
            }),
          ])
        block.notes.push(
          m.previousRound
            ? `${m.round.title}; changes since ${m.previousRound.title} are shown as “(was …)”.`
            : `${m.round.title}; the first round, so nothing to compare with.`,
        )
        break
      }
      case 'progress': {
        const closed = (await deps.planReturns.list(p.id)).find((r) => r.status === 'closed')
        block.columns = ['Priority', 'Status', 'Progress', 'Actions', 'Answered', 'At risk or off track', 'Complete']
        if (!closed) {
          block.notes.push('No quarterly return has closed yet.')
          break
        }
        const rep = await deps.planProgress.progressReport(p.id, closed.id, q)
        for (const pr of rep.priorities)
          block.rows.push([
            `Priority ${pr.number}: ${pr.title}`,
            pr.status ? (STATUS_LABELS[pr.status as Status] ?? pr.status) : 'No open items',
            pct(pr.progress),
            String(pr.counts.actions),
            String(pr.counts.answered),
            String(pr.counts.atRisk + pr.counts.offTrack),
            String(pr.counts.complete),
          ])
        block.notes.push(
          `From the quarterly return for ${rep.ret.quarter} (closed), on ${rep.version.title}: ${rep.leads.submitted} of ${rep.leads.asked} leads answered.`,
        )
        Object.assign(
          block,
          await charts(
            rep.priorities
              .filter((pr) => pr.progress !== undefined)
              .map((pr) => ({ label: `Priority ${pr.number}`, value: Math.round(pr.progress!) })),
            'Progress by priority (per cent)',
            'Progress (%)',
            `report-${spec.key}`,
          ),
        )
        break
      }
      case 'scorecard': {
        const sc = await deps.scorecard.scorecard(p as Partnership, {})
        block.columns = ['Indicator', 'Period', 'Value', 'Status', 'Significant change', 'Test']
        const counts = { red: 0, amber: 0, green: 0 }
        for (const r of sc.rows) {
          const l = r.latest
          const significant = r.adjustedP !== null && r.adjustedP < 0.05
          if (r.rag) counts[r.rag.status]++
          block.rows.push([
            r.indicator.name,
            l?.periodLabel ?? '',
            l?.suppressed ? 'Suppressed' : l?.value === null || l?.value === undefined ? '' : formatValue(r.indicator, l.value),
            r.rag?.reason ?? 'No status',
            r.adjustedP === null ? 'Not tested' : significant ? 'Significant' : 'Not significant',
            l?.change?.p_value !== null && l?.change?.p_value !== undefined
              ? `Exact Poisson rate-ratio test against ${l.change.period}`
              : '',
          ])
        }
        block.notes.push(
          `Only changes significant after adjusting for ${formatNumber(sc.comparisons)} comparisons (${sc.adjustment === 'bh' ? 'Benjamini–Hochberg' : 'Holm’s method'}, 5% level) are called significant; the rest may be chance.`,
          'Recorded crime depends on reporting and recording practice; small numbers vary a great deal from year to year.',
        )
        Object.assign(
          block,
          await charts(
            (['red', 'amber', 'green'] as const)
              .map((s) => ({ label: s[0].toUpperCase() + s.slice(1), value: counts[s] }))
              .filter((r) => r.value),
            'Indicators by status',
            'Indicators',
            `report-${spec.key}`,
          ),
        )
        break
      }
      case 'funding': {
        const v = await deps.funding.view(p.id, { member: false }, q).catch(() => undefined)
        block.columns = ['Priority', 'Granted', 'Allocated', 'Spent', 'Commissioned contracts']
        if (!v || !v.public) {
          block.notes.push('The partnership’s funding is not public.')
          break
        }
        for (const r of v.byPriority)
          block.rows.push([r.label, pounds(r.grantedPence), pounds(r.allocatedPence), pounds(r.spentPence), pounds(r.contractsPence)])
        Object.assign(
          block,
          await charts(
            v.byPriority.map((r) => ({ label: r.label.slice(0, 60), value: Math.round(r.allocatedPence / 100) })),
            'Funding allocated by priority (pounds)',
            'Allocated (£)',
            `report-${spec.key}`,
          ),
        )
        break
      }
      case 'recommendations': {
        const list = await deps.recommendations.addressedTo(p.id, { includePrivate: false }, q)
        block.columns = ['Reference', 'Recommendation', 'Committee', 'State', 'Response']
        for (const r of list)
          block.rows.push([r.reference, r.text, `${r.body_name}, ${r.meeting_date}`, r.state, r.response ?? 'No response yet'])
        if (!list.length) block.notes.push('No recommendations have been made to the partnership.')
        break
      }
    }
    return block
  }

  /** The blocks from today's data. Read through the pool, never inside a transaction (PGlite has one connection). */
  async function liveBlocks(r: ReportRow) {
    return Promise.all(r.blocks.map((b) => resolve(b)))
  }

  async function templateOf(partnershipId: number, q: Queryable = db): Promise<TemplateRow> {
    const t = await maybeOne<TemplateRow>(
      q,
      'SELECT id, partnership_id, shape, sections, outcomes, version FROM report_templates WHERE partnership_id = $1',
      [partnershipId],
    )
    return (
      t ?? {
        id: 0,
        partnership_id: partnershipId,
        shape: 'hampshire',
        sections: SHAPE_SECTIONS.hampshire,
        outcomes: HAMPSHIRE_OUTCOMES,
        version: 0,
      }
    )
  }

  async function checkItemLink(partnershipId: number, meetingId: number | null, itemId: number | null, q: Queryable) {
    if (meetingId === null || itemId === null) return null
    const m = await deps.scrutiny.meeting(partnershipId, meetingId, { member: true }, q).catch(() => undefined)
    const item = m?.agenda.find((i) => i.id === itemId)
    if (!m || !item) throw new ValidationError({ item: 'Choose an agenda item of one of this workspace’s meetings' })
    return { meeting: m.meeting, item }
  }

  const service = {
    resolve,
    liveBlocks,

    // ---- Templates ----
    template: (partnershipId: number, q: Queryable = db) => templateOf(partnershipId, q),

    /** Save a council's template: its shape, sections (heading, required, guidance; order as given) and outcomes. */
    async saveTemplate(
      partnershipId: number,
      input: { shape?: unknown; sections?: unknown; outcomes?: unknown; version?: number },
      actor: Actor,
      q?: Queryable,
    ) {
      const shape = input.shape as Shape
      if (!SHAPES.includes(shape)) throw new ValidationError({ shape: 'Choose the shape of the council’s reports' })
      const raw = Array.isArray(input.sections) ? input.sections : []
      if (raw.length > LIMITS.sections) throw new ValidationError({ sections: `A template may have at most ${LIMITS.sections} sections` })
      const sections: TemplateSection[] = []
      const seen = new Set<string>()
      raw.forEach((s: { key?: unknown; heading?: unknown; required?: unknown; guidance?: unknown } | null, i: number) => {
        const heading = clean(s?.heading, LIMITS.heading, `sections-${i}-heading`, `Section ${i + 1}’s heading`)
        if (!heading) return
        const base =
          (typeof s?.key === 'string' && /^[a-z0-9-]{1,40}$/.test(s.key)
            ? s.key
            : heading
                .toLowerCase()
                .replace(/[^a-z0-9]+/g, '-')
                .slice(0, 40)) || `section-${i + 1}`
        let key = base
        for (let n = 2; seen.has(key); n++) key = `${base}-${n}`
        seen.add(key)
        sections.push({
          key,
          heading,
          required: s?.required === true || s?.required === 'yes' || s?.required === 'on',
          guidance: clean(s?.guidance, LIMITS.field, `sections-${i}-guidance`, `Section ${i + 1}’s guidance`),
        })
      })
      if (!sections.length) throw new ValidationError({ sections: 'A template needs at least one section' })
      const outcomes = (Array.isArray(input.outcomes) ? input.outcomes : [])
        .map((o: unknown, i: number) => clean(o, LIMITS.field, `outcomes-${i}`, `Outcome ${i + 1}`))
        .filter(Boolean)
      if (outcomes.length > LIMITS.outcomes) throw new ValidationError({ outcomes: `At most ${LIMITS.outcomes} outcomes` })
      return inTx(q, async (tx) => {
        const current = await maybeOne<TemplateRow>(tx, 'SELECT id, version FROM report_templates WHERE partnership_id = $1', [
          partnershipId,
        ])
        const values = { shape, sections: JSON.stringify(sections), outcomes: JSON.stringify(outcomes) }
        const ctx = { actor, partnershipId, entity: 'report template', summary: 'Report template saved' }
        return current
          ? updateRecord<TemplateRow>(tx, 'report_templates', current.id, input.version, values, ctx)
          : createRecord<TemplateRow>(tx, 'report_templates', { partnership_id: partnershipId, ...values }, ctx)
      })
    },

    /** Start the template again from a built-in shape. */
    async resetTemplate(partnershipId: number, shape: unknown, actor: Actor, q?: Queryable) {
      if (!SHAPES.includes(shape as Shape)) throw new ValidationError({ shape: 'Choose the shape of the council’s reports' })
      const current = await templateOf(partnershipId, q)
      return service.saveTemplate(
        partnershipId,
        {
          shape,
          sections: SHAPE_SECTIONS[shape as Shape],
          outcomes: shape === 'hampshire' ? HAMPSHIRE_OUTCOMES : [],
          version: current.id ? current.version : undefined,
        },
        actor,
        q,
      )
    },

    // ---- Reports ----
    async list(partnershipId: number, viewer: Viewer, q: Queryable = db) {
      const rows = await q.query<ReportRow>(
        `SELECT ${REPORT_COLS} FROM reports WHERE partnership_id = $1 ORDER BY updated_at DESC, id DESC`,
        [partnershipId],
      )
      const shown = await Promise.all(rows.map((r) => maySee(r, viewer, q)))
      return rows.filter((_, i) => shown[i])
    },

    async get(partnershipId: number, id: number, viewer: Viewer, q: Queryable = db) {
      const r = await reportRow(partnershipId, id, q)
      if (!(await maySee(r, viewer, q))) throw new NotFoundError()
      return r
    },

    /** The report with its blocks (the snapshot once published, else live), appendices and agenda item. */
    async view(partnershipId: number, id: number, viewer: Viewer, q: Queryable = db) {
      const report = await service.get(partnershipId, id, viewer, q)
      const [blocks, appendices, link] = await Promise.all([
        report.snapshot ?? liveBlocks(report),
        service.appendices(report.id, q),
        service.agendaItem(report, viewer, q),
      ])
      const subject = report.subject_partnership_id ? await deps.partnerships.byId(report.subject_partnership_id, q) : undefined
      return { report, blocks, appendices, link, subject }
    },

    async agendaItem(report: ReportRow, viewer: Viewer, q: Queryable = db) {
      if (report.meeting_id === null || report.item_id === null) return null
      const m = await deps.scrutiny.meeting(report.partnership_id, report.meeting_id, viewer, q).catch(() => undefined)
      const item = m?.agenda.find((i) => i.id === report.item_id)
      if (!m || !item) return null
      return { meeting: m.meeting, item }
    },

    /** A new draft in the workspace's template (a council's own; Hampshire's shape otherwise). */
    async create(
      partnershipId: number,
      input: {
        title?: unknown
        header?: Partial<Header>
        sections?: Record<string, string>
        blocks?: BlockSpec[]
        subjectPartnershipId?: number
        period?: string
        illustrative?: boolean
      },
      actor: Actor,
      q?: Queryable,
    ) {
      const title = clean(input.title, LIMITS.title, 'title', 'Title')
      if (!title) throw new ValidationError({ title: 'Enter the report’s title' })
      return inTx(q, async (tx) => {
        const t = await templateOf(partnershipId, tx)
        const sections: ReportSection[] = t.sections.map((s) => ({ ...s, text: input.sections?.[s.key] ?? '' }))
        return createRecord<ReportRow>(
          tx,
          'reports',
          {
            partnership_id: partnershipId,
            title,
            shape: t.shape,
            header: { ...emptyHeader(), ...input.header },
            sections,
            corporate: emptyCorporate(HAS_CORPORATE[t.shape] ? t.outcomes : []),
            blocks: input.blocks ?? [],
            subject_partnership_id: input.subjectPartnershipId ?? null,
            period: input.period ?? null,
            illustrative: input.illustrative ?? false,
          },
          { actor, partnershipId, entity: 'report', summary: `Report “${title}” drafted` },
        )
      })
    },

    /**
     * Save the report's text: title, header, each section's text, the corporate and legal block and the agenda item.
     * Refused once published (a published report is frozen). Every field is checked before anything is written.
     */
    async update(partnershipId: number, id: number, input: Record<string, unknown>, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, id, tx)
        if (r.state === 'published') throw new ValidationError({ title: 'This report is published: it cannot be changed' })
        const title = clean(input.title, LIMITS.title, 'title', 'Title')
        if (!title) throw new ValidationError({ title: 'Enter the report’s title' })
        const header = { ...r.header }
        for (const f of HEADER_FIELDS) if (f.key in input) header[f.key] = clean(input[f.key], LIMITS.field, f.key, f.label)
        const sections = r.sections.map((s) => ({
          ...s,
          text: `section-${s.key}` in input ? clean(input[`section-${s.key}`], LIMITS.text, `section-${s.key}`, s.heading) : s.text,
        }))
        const corporate: Corporate = {
          ...r.corporate,
          outcomes: r.corporate.outcomes.map((o, i) => ({
            outcome: o.outcome,
            answer: input[`outcome-${i}`] === 'yes' ? 'yes' : input[`outcome-${i}`] === 'no' ? 'no' : o.answer,
          })),
        }
        const labels = {
          otherLinks: 'Other significant links',
          equalities: 'Equalities impact assessment',
          crime: 'Impact on crime and disorder',
          climate: 'Climate change impact',
        } as const
        for (const k of ['otherLinks', 'equalities', 'crime', 'climate'] as const)
          if (k in input) corporate[k] = clean(input[k], LIMITS.text, k, labels[k])
        if ('background' in input) {
          const lines = clean(input.background, LIMITS.text, 'background', 'Background documents')
            .split('\n')
            .filter((l) => l.trim())
          corporate.background = lines.map((l) => {
            const [document, ...location] = l.split('|')
            return { document: document.trim(), location: location.join('|').trim() }
          })
        }
        let meetingId = r.meeting_id
        let itemId = r.item_id
        if ('item' in input) {
          const v = typeof input.item === 'string' ? input.item : ''
          const m = /^(\d+):(\d+)$/.exec(v)
          meetingId = m ? Number(m[1]) : null
          itemId = m ? Number(m[2]) : null
          await checkItemLink(partnershipId, meetingId, itemId, tx)
        }
        return updateRecord<ReportRow>(
          tx,
          'reports',
          id,
          typeof input.version === 'number' ? input.version : undefined,
          { title, header, sections, corporate, meeting_id: meetingId, item_id: itemId },
          { actor, partnershipId, entity: 'report', summary: `Report “${title}” edited` },
        )
      })
    },

    /**
     * Move a report between states. Publishing checks every required section has text (the message names the first
     * empty one, and the others), then freezes the data blocks into the snapshot; nothing is published otherwise.
     */
    async setState(partnershipId: number, id: number, state: unknown, version: number | undefined, actor: Actor, q?: Queryable) {
      if (!REPORT_STATES.includes(state as ReportState)) throw new ValidationError({ state: 'Choose what to do with the report' })
      // The data are read before the transaction (see draftAnnual); the report's version is checked inside it.
      const current = await reportRow(partnershipId, id, q)
      const snapshot = state === 'published' && current.state !== 'published' ? await liveBlocks(current) : null
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, id, tx)
        if (r.state === 'published') throw new ValidationError({ state: 'This report is published: it cannot be changed' })
        if (JSON.stringify(r.blocks) !== JSON.stringify(current.blocks))
          throw new ValidationError({ state: 'The report changed while it was being published: try again' })
        const values: Record<string, unknown> = { state }
        if (state === 'published') {
          const empty = r.sections.filter((s) => s.required && !s.text.trim()).map((s) => s.heading)
          if (empty.length)
            throw new ValidationError({
              state: `The report cannot be published: ${empty.length === 1 ? 'the section' : 'the sections'} ${empty.map((h) => `“${h}”`).join(', ')} ${empty.length === 1 ? 'is' : 'are'} required and empty`,
            })
          values.snapshot = snapshot
          values.published_at = new Date()
        }
        return updateRecord<ReportRow>(tx, 'reports', id, version, values, {
          actor,
          partnershipId,
          entity: 'report',
          summary: `Report “${r.title}” ${state === 'published' ? 'published' : `moved to ${state}`}`,
        })
      })
    },

    async remove(partnershipId: number, id: number, version: number | undefined, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, id, tx)
        if (r.state === 'published') throw new ValidationError({ state: 'A published report cannot be deleted' })
        await tx.query('DELETE FROM report_appendices WHERE report_id = $1', [id])
        return deleteRecord(tx, 'reports', id, version, { actor, partnershipId, entity: 'report', summary: `Report “${r.title}” deleted` })
      })
    },

    /**
     * Add a data block (a table, with its chart or map) drawn from the workspace's or a scrutinised partnership's data.
     * Refused once published.
     */
    async addBlock(
      partnershipId: number,
      reportId: number,
      input: { kind?: unknown; partnershipId?: unknown; version?: number },
      actor: Actor,
      q?: Queryable,
    ) {
      const kind = input.kind as BlockKind
      if (!BLOCK_KINDS.includes(kind)) throw new ValidationError({ kind: 'Choose what the data block shows' })
      const from = Number(input.partnershipId)
      const sources = await service.blockSources(partnershipId, q)
      const source = sources.find((p) => p.id === from)
      if (!source) throw new ValidationError({ blockPartnershipId: 'Choose whose data the block shows' })
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, reportId, tx)
        if (r.state === 'published') throw new ValidationError({ kind: 'This report is published: its data cannot be changed' })
        let key = `${kind}-${from}`
        for (let n = 2; r.blocks.some((b) => b.key === key); n++) key = `${kind}-${from}-${n}`
        const block: BlockSpec = { key, title: `${BLOCK_TITLES[kind]}: ${source.name}`, kind, partnershipId: from }
        return updateRecord<ReportRow>(
          tx,
          'reports',
          reportId,
          input.version,
          { blocks: [...r.blocks, block] },
          {
            actor,
            partnershipId,
            entity: 'report',
            summary: `Data block “${block.title}” added to “${r.title}”`,
          },
        )
      })
    },

    async removeBlock(partnershipId: number, reportId: number, key: string, version: number | undefined, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, reportId, tx)
        if (r.state === 'published') throw new ValidationError({ kind: 'This report is published: its data cannot be changed' })
        const block = r.blocks.find((b) => b.key === key)
        if (!block) throw new NotFoundError()
        return updateRecord<ReportRow>(
          tx,
          'reports',
          reportId,
          version,
          { blocks: r.blocks.filter((b) => b.key !== key) },
          {
            actor,
            partnershipId,
            entity: 'report',
            summary: `Data block “${block.title}” removed from “${r.title}”`,
          },
        )
      })
    },

    /** Whose data a block may show: the workspace's own, and the partnerships its committees scrutinise. */
    async blockSources(partnershipId: number, q: Queryable = db): Promise<Partnership[]> {
      const p = await deps.partnerships.byId(partnershipId, q)
      return p ? [p, ...(await service.scrutinised(partnershipId, q))] : []
    },

    /** The published blocks against today's: block by block, cell by cell. */
    async compare(partnershipId: number, id: number, viewer: Viewer, q: Queryable = db) {
      const report = await service.get(partnershipId, id, viewer, q)
      if (!report.snapshot) throw new NotFoundError()
      const today = await liveBlocks(report)
      return { report, differences: compareBlocks(report.snapshot, today) }
    },

    // ---- Appendices ----
    appendices(reportId: number, q: Queryable = db) {
      return q.query<AppendixRow>(`SELECT ${APPENDIX_COLS} FROM report_appendices WHERE report_id = $1 ORDER BY position, id`, [reportId])
    },

    /**
     * Add an uploaded PDF. Refused, naming the file, when it is not a PDF, is encrypted or cannot be read; nothing is
     * saved then. `bytes` is the whole file (at most MAX_APPENDIX_BYTES).
     */
    async addPdf(
      partnershipId: number,
      reportId: number,
      file: { filename: string; bytes: Uint8Array },
      title: unknown,
      actor: Actor,
      q?: Queryable,
    ) {
      const name = file.filename.replace(/[\\/]/g, '_').slice(0, 200) || 'appendix.pdf'
      const caption = clean(title, LIMITS.title, 'title', 'Title') || name.replace(/\.pdf$/i, '')
      await checkPdf(name, file.bytes)
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, reportId, tx)
        if (r.state === 'published') throw new ValidationError({ file: 'This report is published: its appendices cannot be changed' })
        const [{ n }] = await tx.query<{ n: number }>(
          'SELECT coalesce(max(position), 0)::int + 1 AS n FROM report_appendices WHERE report_id = $1',
          [reportId],
        )
        const row = await createRecord<AppendixRow>(
          tx,
          'report_appendices',
          { report_id: reportId, position: n, title: caption, kind: 'pdf', file_name: name, size_bytes: file.bytes.length },
          { actor, partnershipId, entity: 'report appendix', summary: `${name} added to “${r.title}”` },
        )
        // The bytes are written after the audited insert, so the audit trail holds the file's details, not its content.
        await tx.query('UPDATE report_appendices SET content = $1 WHERE id = $2', [Buffer.from(file.bytes), row.id])
        return row
      })
    },

    /** Add a print view of the platform, chosen from `pageChoices`. */
    async addPage(partnershipId: number, reportId: number, path: unknown, actor: Actor, q?: Queryable) {
      // Chosen from the list before the transaction (the list reads other services through the pool).
      const choice = (await service.pageChoices(partnershipId, q)).find((c) => c.path === path)
      if (!choice) throw new ValidationError({ path: 'Choose a page of the platform to add' })
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, reportId, tx)
        if (r.state === 'published') throw new ValidationError({ path: 'This report is published: its appendices cannot be changed' })
        const [{ n }] = await tx.query<{ n: number }>(
          'SELECT coalesce(max(position), 0)::int + 1 AS n FROM report_appendices WHERE report_id = $1',
          [reportId],
        )
        return createRecord<AppendixRow>(
          tx,
          'report_appendices',
          { report_id: reportId, position: n, title: choice.title, kind: 'page', path: choice.path },
          { actor, partnershipId, entity: 'report appendix', summary: `${choice.title} added to “${r.title}”` },
        )
      })
    },

    async removeAppendix(
      partnershipId: number,
      reportId: number,
      appendixId: number,
      version: number | undefined,
      actor: Actor,
      q?: Queryable,
    ) {
      return inTx(q, async (tx) => {
        const r = await reportRow(partnershipId, reportId, tx)
        if (r.state === 'published') throw new ValidationError({ appendix: 'This report is published: its appendices cannot be changed' })
        const a = await maybeOne<AppendixRow>(tx, `SELECT ${APPENDIX_COLS} FROM report_appendices WHERE id = $1 AND report_id = $2`, [
          appendixId,
          reportId,
        ])
        if (!a) throw new NotFoundError()
        return deleteRecord(tx, 'report_appendices', appendixId, version, {
          actor,
          partnershipId,
          entity: 'report appendix',
          summary: `${a.title} removed from “${r.title}”`,
        })
      })
    },

    async appendixFile(partnershipId: number, reportId: number, appendixId: number, viewer: Viewer, q: Queryable = db) {
      await service.get(partnershipId, reportId, viewer, q)
      const a = await maybeOne<AppendixRow & { content: Uint8Array | null }>(
        q,
        `SELECT ${APPENDIX_COLS}, content FROM report_appendices WHERE id = $1 AND report_id = $2 AND kind = 'pdf'`,
        [appendixId, reportId],
      )
      if (!a || !a.content) throw new NotFoundError()
      return { ...a, content: Buffer.from(a.content) }
    },

    /** The platform's print views a report may take as an appendix: the workspace's and the partnerships it scrutinises. */
    async pageChoices(partnershipId: number, q: Queryable = db) {
      const p = await deps.partnerships.byId(partnershipId, q)
      if (!p) return []
      const out: { title: string; path: string }[] = []
      const workspaces = [p, ...(await service.scrutinised(partnershipId, q))]
      for (const w of workspaces) {
        const version = await deps.agreement.latestVersion(w.id, { includeUnpublished: false })
        if (version)
          out.push({ title: `${w.name}: ${version.title}`, path: `/partnerships/${w.slug}/agreement/versions/${version.number}/print` })
        out.push({ title: `${w.name}: funding`, path: `/partnerships/${w.slug}/funding/print` })
        out.push({ title: `${w.name}: performance scorecard`, path: `/partnerships/${w.slug}/scorecard/print` })
      }
      if (p.kind === 'council')
        for (const c of await deps.scrutiny.committees(partnershipId, q))
          out.push({
            title: `${c.body.name}: work programme`,
            path: `/partnerships/${p.slug}/committees/${c.body.slug}/work-programme/print`,
          })
      return out
    },

    /** The partnerships a council's committees scrutinise (for the annual report), by name. */
    async scrutinised(councilId: number, q: Queryable = db): Promise<Partnership[]> {
      const found = new Map<number, Partnership>()
      for (const c of await deps.scrutiny.committees(councilId, q))
        if (c.committee) for (const p of await deps.scrutiny.scrutinisedPartnerships(c.committee.id, q)) found.set(p.id, p)
      return [...found.values()].sort((a, b) => a.name.localeCompare(b.name, 'en-GB'))
    },

    /** The agenda items of the workspace's meetings, for linking a report to one. */
    async itemChoices(partnershipId: number, q: Queryable = db) {
      const out: { value: string; text: string }[] = []
      for (const m of await deps.scrutiny.meetings(partnershipId, {}, q)) {
        const full = await deps.scrutiny.meeting(partnershipId, m.id, { member: true }, q)
        for (const i of full.agenda)
          if (!i.standard) out.push({ value: `${m.id}:${i.id}`, text: `${m.body_name}, ${m.date}: ${i.number}. ${i.title}` })
      }
      return out
    },

    // ---- The annual community safety report ----
    /**
     * Draft the annual community safety report on a partnership, in the council's template, from live data: its
     * governance, priorities and assurance matrix, progress from the latest closed return, scorecard, funding by
     * priority and the committee's recommendations with its responses. The officer then edits the text.
     */
    async draftAnnual(
      councilId: number,
      input: { partnershipId?: unknown; period?: unknown; title?: unknown },
      actor: Actor,
      q?: Queryable,
      extra: { header?: Partial<Header>; sections?: Record<string, string>; illustrative?: boolean } = {},
    ) {
      const period = clean(input.period, 40, 'period', 'Period')
      if (!period) throw new ValidationError({ period: 'Enter the period the report covers, like 2019/20' })
      // The blocks are read before the transaction opens: the services read through the pool, and PGlite has one
      // connection, so reading them inside it would wait for itself.
      const pid = Number(input.partnershipId)
      const subject = (await service.scrutinised(councilId)).find((p) => p.id === pid)
      if (!subject) throw new ValidationError({ partnershipId: 'Choose a partnership this council’s committees scrutinise' })
      const council = await deps.partnerships.byId(councilId)
      {
        const blocks: BlockSpec[] = [
          { key: 'governance', title: `Governance and membership of ${subject.name}`, kind: 'governance', partnershipId: pid },
          { key: 'priorities', title: 'Community safety priorities', kind: 'priorities', partnershipId: pid },
          { key: 'assurance', title: 'Assurance against the priorities', kind: 'assurance', partnershipId: pid },
          { key: 'progress', title: 'Progress against the priorities', kind: 'progress', partnershipId: pid },
          { key: 'scorecard', title: 'Performance scorecard highlights', kind: 'scorecard', partnershipId: pid },
          { key: 'funding', title: 'Funding by priority', kind: 'funding', partnershipId: pid },
          { key: 'recommendations', title: 'Scrutiny recommendations and responses', kind: 'recommendations', partnershipId: pid },
        ]
        const live = await Promise.all(blocks.map((b) => resolve(b)))
        const template = await templateOf(councilId)
        const text = annualText(
          subject,
          council?.name ?? '',
          period,
          live,
          template.sections.some((x) => x.key === 'context'),
        )
        const title = clean(input.title, LIMITS.title, 'title', 'Title') || `${subject.name}: annual community safety report ${period}`
        return service.create(
          councilId,
          {
            title,
            header: extra.header,
            sections: { ...text, ...extra.sections },
            blocks,
            subjectPartnershipId: pid,
            period,
            illustrative: extra.illustrative,
          },
          actor,
          q,
        )
      }
    },

    // ---- The Public Document Pack ----
    /**
     * The published report(s) linked to each agenda item: the report's print view first, then its appendices in
     * order. An exempt item's reports only for members; an unpublished council's only for members.
     */
    async packParts(
      councilId: number,
      items: { id: number; exempt: boolean; title: string }[],
      opts: { member: boolean },
      q: Queryable = db,
    ): Promise<Map<number, ReportPackPart[]>> {
      const out = new Map<number, ReportPackPart[]>()
      const council = await deps.partnerships.byId(councilId, q)
      if (!council || (!council.published && !opts.member)) return out
      const ids = items.filter((i) => opts.member || !i.exempt).map((i) => i.id)
      if (!ids.length) return out
      const reports = await q.query<ReportRow>(
        `SELECT ${REPORT_COLS} FROM reports WHERE partnership_id = $1 AND item_id = ANY($2::int[]) ORDER BY published_at, id`,
        [councilId, ids],
      )
      for (const r of reports) {
        const parts = out.get(r.item_id!) ?? []
        if (r.state !== 'published') {
          // The agenda item names a report that is not ready: the pack says which, instead of going out without it.
          const state = r.state === 'draft' ? 'still a draft' : `still ${r.state}`
          parts.push({
            kind: 'missing',
            title: r.title,
            reason: `its report "${r.title}" is ${state}: publish it, or unlink it from the item.`,
          })
          out.set(r.item_id!, parts)
          continue
        }
        parts.push({ kind: 'page', title: r.title, path: `/partnerships/${council.slug}/reports/${r.id}/print` })
        const files = await q.query<AppendixRow & { content: Uint8Array | null }>(
          `SELECT ${APPENDIX_COLS}, content FROM report_appendices WHERE report_id = $1 ORDER BY position, id`,
          [r.id],
        )
        for (const a of files) {
          if (a.kind === 'page' && a.path) parts.push({ kind: 'page', title: a.title, path: a.path })
          else if (a.content)
            parts.push({ kind: 'pdf', title: a.title, bytes: new Uint8Array(a.content), source: a.file_name ?? 'appendix.pdf' })
        }
        out.set(r.item_id!, parts)
      }
      return out
    },
  }
  return service
}
export type ReportService = ReturnType<typeof reportService>

/** An uploaded appendix must open as a PDF with pdf-lib: not a PDF, encrypted or corrupt is refused naming the file. */
export async function checkPdf(name: string, bytes: Uint8Array) {
  if (!bytes.length) throw new ValidationError({ file: `${name} is empty` })
  if (bytes.length > MAX_APPENDIX_BYTES) throw new ValidationError({ file: `${name} is larger than 20 MB, the most an appendix may be` })
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1')
  if (!head.includes('%PDF-')) throw new ValidationError({ file: `${name} is not a PDF: save it as a PDF and upload it again` })
  let doc: PDFDocument
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, throwOnInvalidObject: true, updateMetadata: false })
  } catch {
    throw new ValidationError({ file: `${name} is damaged and cannot be read: check that it opens, then upload it again` })
  }
  if (doc.isEncrypted)
    throw new ValidationError({ file: `${name} is encrypted (password-protected): save a copy without a password and upload that` })
  if (doc.getPageCount() < 1) throw new ValidationError({ file: `${name} has no pages` })
}

/** The annual report's first text, from the live blocks (the officer edits it). */
function annualText(
  subject: Partnership,
  councilName: string,
  period: string,
  blocks: Block[],
  hasContext: boolean,
): Record<string, string> {
  const b = (k: string) => blocks.find((x) => x.key === k)!
  const gov = b('governance')
  const pri = b('priorities')
  const prog = b('progress')
  const sc = b('scorecard')
  const fund = b('funding')
  const rec = b('recommendations')
  const significant = sc.rows.filter((r) => r[4] === 'Significant')
  const lines: string[] = []
  lines.push(
    `${subject.name} has ${gov.rows.length} governance ${gov.rows.length === 1 ? 'body' : 'bodies'}, shown in the governance map below.`,
  )
  if (pri.rows.length)
    lines.push(
      `Its Community Safety Agreement has ${pri.rows.length} priorities:\n\n${pri.rows.map((r, i) => `${i + 1}. ${r[1]}`).join('\n')}`,
    )
  if (prog.rows.length) lines.push(`${prog.notes[0] ?? ''}`)
  lines.push(
    !sc.rows.length
      ? 'The partnership has no public scorecard indicators yet.'
      : significant.length
        ? `Of ${sc.rows.length} scorecard indicators, ${significant.length} changed significantly:\n\n${significant.map((r) => `- ${r[0]}: ${r[3]}`).join('\n')}`
        : `Of ${sc.rows.length} scorecard indicators, none changed significantly once many comparisons are allowed for.`,
  )
  if (fund.rows.length) lines.push(`Funding is shown by priority in the table below.`)
  if (rec.rows.length)
    lines.push(`The committee has made ${rec.rows.length} recommendations to the partnership; their state and responses are below.`)
  return {
    purpose: `The purpose of this report is to provide an update on the work of ${subject.name} in ${period}.`,
    summary: `This report seeks to provide an update and assurance on progress of the work of ${subject.name} in ${period}, drawn from the partnership's records in Safer.`,
    // What the data show goes in the template's contextual section, or its main one when it has none.
    [hasContext ? 'context' : 'body']: lines.join('\n\n'),
    background: `${councilName} reports each year on ${subject.name}.`,
  }
}
