/**
 * The forward plan of key decisions (issue 10; seed 004 item 8) and scrutiny's marks on it; the scrutiny panels'
 * quarterly performance and budget monitoring feedback to their board (seed 004 item 6).
 *
 * An entry published fewer than 28 clear days before its decision date (the day of publication and the day of
 * decision not counted) carries a warning. A private entry (a Schedule 12A paragraph, with its reason) shows the
 * public its reason but never its documents (`publicEntry`). Scrutiny marks an entry "to consider" or "refer to panel";
 * each mark calls the hooks registered with `onMarked` in the same transaction (a failing hook undoes the mark).
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { createRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { choice, Nullable, validate } from '../platform/validation.ts'
import type { GovernanceService } from '../governance/service.ts'
import type { PartnershipService } from '../partnerships/service.ts'
import { longDate, todayInLondon } from './dates.ts'
import { SCRUTINY_BODY_TYPES } from './decisions.ts'
import { publishedCouncil } from './service.ts'

export const NOTICE_CLEAR_DAYS = 28
export const MARKS = ['to consider', 'refer to panel'] as const
export type Mark = (typeof MARKS)[number]

/** Days strictly between publication and decision (neither day counted). */
export function clearDays(publishedOn: string, decisionDate: string) {
  const ms = new Date(`${decisionDate}T00:00:00Z`).getTime() - new Date(`${publishedOn}T00:00:00Z`).getTime()
  return Math.round(ms / 86_400_000) - 1
}

const optionalText = (title: string, maxLength: number) =>
  Type.Optional(Type.Union([Type.Null(), Type.String()], { title, maxLength }) as unknown as ReturnType<typeof Type.String>)
const optionalInt = (title: string, extra: Record<string, unknown> = {}) =>
  Type.Optional(Type.Union([Type.Null(), Type.Integer(extra)], { title, ...extra }) as unknown as ReturnType<typeof Type.Integer>)
const date = (title: string, errorMessage: string) =>
  Type.String({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', title, errorMessage })

export const EntryInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 500, title: 'Title', errorMessage: 'Enter the title of the decision' }),
    makerName: Type.String({
      minLength: 1,
      maxLength: 300,
      title: 'Decision maker',
      errorMessage: 'Enter who will take the decision, like Cabinet or Cabinet Member with Responsibility for Education',
    }),
    decisionDate: date('Expected date of decision', 'Enter the expected date of the decision, like 2019-09-05'),
    keyDecision: Type.Optional(Type.Boolean({ title: 'Key decision' })),
    private: Type.Optional(Type.Boolean({ title: 'Private' })),
    privateParagraph: optionalInt('Paragraph of Schedule 12A', { minimum: 1, maximum: 7 }),
    privateReason: optionalText('Why it is private', 2000),
    consultation: optionalText('Consultation', 5000),
    documents: optionalText('Documents', 5000),
    contact: optionalText('Contact', 1000),
    publishedOn: date('Date published', 'Enter the date the entry was published, like 2019-07-16'),
    published: Type.Optional(Type.Boolean({ title: 'Published' })),
    illustrative: Type.Optional(Type.Boolean({ title: 'Illustrative' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type EntryInput = Static<typeof EntryInput>

export const MarkInput = Type.Object(
  {
    mark: choice(MARKS, 'Mark'),
    panelBodyId: optionalInt('Panel'),
    note: optionalText('Note', 2000),
  },
  { additionalProperties: false },
)

export const QUARTER_PATTERN = '^Q[1-4] \\d{4}/\\d{2}$'
export const FeedbackInput = Type.Object(
  {
    quarter: Type.String({ pattern: QUARTER_PATTERN, title: 'Quarter', errorMessage: 'Enter the quarter like Q4 2018/19' }),
    concerns: optionalText('Areas of concern', 10000),
    suggestions: optionalText('Suggestions for further scrutiny', 10000),
    performance: optionalText('Performance against budget', 10000),
    illustrative: Type.Optional(Type.Boolean({ title: 'Illustrative' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

export const EntryJson = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  council: Type.Object({ slug: Type.String(), name: Type.String() }),
  title: Type.String(),
  decisionMaker: Type.String(),
  expectedDecisionDate: Type.String({ format: 'date' }),
  keyDecision: Type.Boolean(),
  private: Type.Boolean(),
  privateParagraph: Nullable(Type.Integer()),
  privateReason: Nullable(Type.String()),
  consultation: Nullable(Type.String()),
  documents: Nullable(Type.String({ description: 'Never given for a private entry' })),
  contact: Nullable(Type.String()),
  publishedOn: Type.String({ format: 'date' }),
  clearDays: Type.Integer({ description: 'Days between publication and decision, neither counted' }),
  lateNotice: Type.Boolean({ description: 'Published fewer than 28 clear days before the decision' }),
  illustrative: Type.Boolean(),
})

export interface EntryRow {
  id: number
  partnership_id: number
  title: string
  maker_name: string
  decision_date: string
  key_decision: boolean
  private: boolean
  private_paragraph: number | null
  private_reason: string | null
  consultation: string | null
  documents: string | null
  contact: string | null
  published_on: string
  published: boolean
  illustrative: boolean
  version: number
}
export interface MarkRow {
  id: number
  entry_id: number
  mark: Mark
  panel_body_id: number | null
  note: string | null
  marked_by_name: string | null
  created_at: Date
}
export interface EntryView extends EntryRow {
  clear_days: number
  late_notice: boolean
  marks: (MarkRow & { panel_name: string | null })[]
}
export interface FeedbackRow {
  id: number
  partnership_id: number
  body_id: number
  quarter: string
  concerns: string | null
  suggestions: string | null
  performance: string | null
  illustrative: boolean
  version: number
}

export type MarkHook = (q: Queryable, entry: EntryRow, mark: MarkRow, actor: Actor) => Promise<void> | void

const SELECT = `SELECT id, partnership_id, title, maker_name, to_char(decision_date, 'YYYY-MM-DD') AS decision_date, key_decision, private,
  private_paragraph, private_reason, consultation, documents, contact, to_char(published_on, 'YYYY-MM-DD') AS published_on, published,
  illustrative, version FROM forward_plan_entries`
const FEEDBACK_SELECT = `SELECT id, partnership_id, body_id, quarter, concerns, suggestions, performance, illustrative, version FROM panel_feedback`

const clean = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)

/** What the public may see of an entry: a private one keeps its reason, never its documents. */
export function publicEntry(e: EntryView): EntryView {
  return e.private ? { ...e, documents: null } : e
}

/** "Q4 2018/19": the second year must follow the first. */
export function realQuarter(q: string) {
  const m = /^Q[1-4] (\d{4})\/(\d{2})$/.exec(q)
  return !!m && (Number(m[1]) + 1) % 100 === Number(m[2])
}

export function forwardPlanService(db: Db, deps: { governance: GovernanceService; partnerships: PartnershipService }) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)
  const hooks: MarkHook[] = []

  async function views(q: Queryable, councilId: number, rows: EntryRow[]): Promise<EntryView[]> {
    const marks = await q.query<MarkRow>(
      'SELECT id, entry_id, mark, panel_body_id, note, marked_by_name, created_at FROM forward_plan_marks WHERE entry_id = ANY($1::int[]) ORDER BY created_at, id',
      [rows.map((r) => r.id)],
    )
    const bodies = new Map((await deps.governance.list(councilId, q)).map((b) => [b.id, b.name]))
    return rows.map((e) => {
      const days = clearDays(e.published_on, e.decision_date)
      return {
        ...e,
        clear_days: days,
        late_notice: days < NOTICE_CLEAR_DAYS,
        marks: marks
          .filter((m) => m.entry_id === e.id)
          .map((m) => ({ ...m, panel_name: m.panel_body_id ? (bodies.get(m.panel_body_id) ?? null) : null })),
      }
    })
  }

  async function row(q: Queryable, councilId: number, id: number) {
    const e = await maybeOne<EntryRow>(q, `${SELECT} WHERE id = $1 AND partnership_id = $2`, [id, councilId])
    if (!e) throw new NotFoundError()
    return e
  }

  async function panels(q: Queryable, councilId: number) {
    return (await deps.governance.list(councilId, q)).filter((b) => SCRUTINY_BODY_TYPES.includes(b.type))
  }

  function values(data: EntryInput) {
    const errors: Record<string, string> = {}
    if (data.decisionDate < data.publishedOn)
      errors.decisionDate = `The expected date of decision cannot be before the entry is published (${longDate(data.publishedOn)})`
    if (data.private && !data.privateParagraph) errors.privateParagraph = 'Select the paragraph of Schedule 12A that makes it private'
    if (data.private && !clean(data.privateReason))
      errors.privateReason = 'Enter why the decision will be taken in private (this is published)'
    if (Object.keys(errors).length) throw new ValidationError(errors)
    return {
      title: data.title.trim(),
      maker_name: data.makerName.trim(),
      decision_date: data.decisionDate,
      key_decision: data.keyDecision ?? false,
      private: data.private ?? false,
      private_paragraph: data.private ? data.privateParagraph : null,
      private_reason: data.private ? clean(data.privateReason) : null,
      consultation: clean(data.consultation),
      documents: clean(data.documents),
      contact: clean(data.contact),
      published_on: data.publishedOn,
      published: data.published ?? false,
      illustrative: data.illustrative ?? false,
    }
  }

  const service = {
    /** Register what happens when scrutiny marks an entry; called in the mark's transaction. */
    onMarked(hook: MarkHook) {
      hooks.push(hook)
    },

    panels: (councilId: number, q: Queryable = db) => panels(q, councilId),

    /** A council's forward plan by expected decision date. The public: published entries, private documents removed. */
    async list(councilId: number, opts: { includePrivate: boolean; from?: string }, q: Queryable = db) {
      const rows = await q.query<EntryRow>(
        `${SELECT} WHERE partnership_id = $1 ${opts.includePrivate ? '' : 'AND published'} AND ($2::date IS NULL OR decision_date >= $2)
         ORDER BY decision_date, id`,
        [councilId, opts.from ?? null],
      )
      const list = await views(q, councilId, rows)
      return opts.includePrivate ? list : list.map(publicEntry)
    },

    async get(councilId: number, id: number, opts: { includePrivate: boolean }, q: Queryable = db) {
      const e = await row(q, councilId, id)
      if (!opts.includePrivate && !e.published) throw new NotFoundError()
      const [view] = await views(q, councilId, [e])
      return opts.includePrivate ? view : publicEntry(view)
    },

    /** The council overview's box: the forward plan's entries still to be decided. */
    async overview(p: { id: number; slug: string; kind: string }, opts: { includeUnpublished: boolean }) {
      if (p.kind !== 'council') return undefined
      const list = await service.list(p.id, { includePrivate: opts.includeUnpublished })
      const coming = list.filter((e) => e.decision_date >= todayInLondon()).length
      return {
        heading: 'Forward plan',
        href: `/partnerships/${p.slug}/forward-plan`,
        lines: [list.length === 1 ? '1 entry' : `${list.length} entries`, `${coming} still to be decided`],
      }
    },

    async publicFor(councilSlug: string, q: Queryable = db) {
      const council = await publishedCouncil(deps.partnerships, councilSlug, q)
      return { council, list: await service.list(council.id, { includePrivate: false }, q) }
    },

    async create(councilId: number, input: unknown, actor: Actor, q?: Queryable): Promise<EntryRow> {
      const data = validate(EntryInput, input)
      const v = values(data)
      return inTx(q, async (tx) => {
        const e = await createRecord<EntryRow>(
          tx,
          'forward_plan_entries',
          { partnership_id: councilId, ...v },
          { actor, partnershipId: councilId, entity: 'forward_plan_entry', summary: v.title },
        )
        return row(tx, councilId, e.id)
      })
    },

    async update(councilId: number, id: number, input: unknown, actor: Actor, q?: Queryable): Promise<EntryRow> {
      const data = validate(EntryInput, input)
      const v = values(data)
      return inTx(q, async (tx) => {
        await row(tx, councilId, id)
        await updateRecord(tx, 'forward_plan_entries', id, data.version, v, {
          actor,
          partnershipId: councilId,
          entity: 'forward_plan_entry',
          summary: v.title,
        })
        return row(tx, councilId, id)
      })
    },

    /** Scrutiny marks an entry "to consider" or "refer to panel" (a scrutiny committee of the council); hooks run in the same transaction. */
    async mark(councilId: number, entryId: number, input: unknown, actor: Actor, q?: Queryable): Promise<MarkRow> {
      const data = validate(MarkInput, input)
      return inTx(q, async (tx) => {
        const e = await row(tx, councilId, entryId)
        let panelName: string | null = null
        if (data.mark === 'refer to panel') {
          const panel = (await panels(tx, councilId)).find((b) => b.id === data.panelBodyId)
          if (!panel) throw new ValidationError({ panelBodyId: 'Select the panel or committee to refer it to' })
          panelName = panel.name
        }
        const m = await createRecord<MarkRow>(
          tx,
          'forward_plan_marks',
          {
            entry_id: e.id,
            mark: data.mark,
            panel_body_id: data.mark === 'refer to panel' ? data.panelBodyId : null,
            note: clean(data.note),
            marked_by_name: actor.name,
          },
          {
            actor,
            partnershipId: councilId,
            entity: 'forward_plan_mark',
            summary: `${e.title}: ${data.mark}${panelName ? ` (${panelName})` : ''}`,
          },
        )
        for (const hook of hooks) await hook(tx, e, m, actor)
        return m
      })
    },

    // ---- Panels' monitoring feedback ----

    /** A board's standing item: every panel of the council with its feedback for the quarter (or none yet). */
    async monitoring(councilId: number, quarter: string | undefined, q: Queryable = db) {
      const all = await q.query<FeedbackRow>(`${FEEDBACK_SELECT} WHERE partnership_id = $1 ORDER BY quarter DESC`, [councilId])
      const quarters = [...new Set(all.map((f) => f.quarter))].sort((a, b) => quarterKey(b) - quarterKey(a))
      const chosen = quarter ?? quarters[0]
      const list = (await panels(q, councilId))
        .filter((b) => b.type === 'scrutiny panel')
        .map((panel) => ({ panel, feedback: all.find((f) => f.body_id === panel.id && f.quarter === chosen) ?? null }))
      return { quarter: chosen ?? null, quarters, list }
    },

    /** Record (or change) a panel's feedback for a quarter: one a panel a quarter. */
    async saveFeedback(councilId: number, panelBodyId: number, input: unknown, actor: Actor, q?: Queryable): Promise<FeedbackRow> {
      const data = validate(FeedbackInput, input)
      if (!realQuarter(data.quarter))
        throw new ValidationError({ quarter: 'Enter the quarter like Q4 2018/19 (the years one after the other)' })
      if (!clean(data.concerns) && !clean(data.suggestions) && !clean(data.performance))
        throw new ValidationError({ concerns: 'Enter the panel’s areas of concern, suggestions or performance against budget' })
      return inTx(q, async (tx) => {
        const panel = (await panels(tx, councilId)).find((b) => b.id === panelBodyId && b.type === 'scrutiny panel')
        if (!panel) throw new ValidationError({ panelBodyId: 'Select one of the council’s scrutiny panels' })
        const v = {
          concerns: clean(data.concerns),
          suggestions: clean(data.suggestions),
          performance: clean(data.performance),
          illustrative: data.illustrative ?? false,
        }
        const ctx = { actor, partnershipId: councilId, entity: 'panel_feedback', summary: `${panel.name}, ${data.quarter}` }
        const existing = await maybeOne<FeedbackRow>(tx, `${FEEDBACK_SELECT} WHERE body_id = $1 AND quarter = $2`, [panel.id, data.quarter])
        if (existing) return updateRecord<FeedbackRow>(tx, 'panel_feedback', existing.id, data.version, v, ctx)
        return createRecord<FeedbackRow>(
          tx,
          'panel_feedback',
          { partnership_id: councilId, body_id: panel.id, quarter: data.quarter, ...v },
          ctx,
        )
      })
    },
  }
  return service
}
export type ForwardPlanService = ReturnType<typeof forwardPlanService>

/** Sorts "Q4 2018/19" after "Q3 2018/19" and before "Q1 2019/20". */
function quarterKey(q: string) {
  const m = /^Q([1-4]) (\d{4})/.exec(q)
  return m ? Number(m[2]) * 10 + Number(m[1]) : 0
}
