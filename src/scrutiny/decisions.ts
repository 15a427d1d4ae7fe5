/**
 * Executive decision records (issue 10; seed 001's "Executive Decision Record") and their call-in by scrutiny.
 *
 * A decision is made by a body of the council (its cabinet) or by a cabinet member named as text. Once published, a
 * decision not dealt with as urgent may be called in until its deadline: the council's number of working days after
 * publication (default 5). A call-in request names the councillors asking (at least the council's minimum, default 2)
 * and their reason; a request that breaks a rule is refused with the reasons and nothing is saved. A call-in can be
 * scheduled to a meeting of a scrutiny committee, which adds an agenda item through scrutiny's service in the same
 * transaction. An exempt decision (Schedule 12A) shows the public only "Exempt: <published title>" and its paragraph
 * (`publicDecision`).
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { createRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { Nullable, validate } from '../platform/validation.ts'
import type { GovernanceService } from '../governance/service.ts'
import type { PartnershipService } from '../partnerships/service.ts'
import { publishedCouncil, type ScrutinyService } from './service.ts'
import { addDays, isWorkingDay, longDate, todayInLondon } from './dates.ts'
import { SCHEDULE_12A } from './schema.ts'

export const DEFAULT_CALL_IN_DAYS = 5
export const DEFAULT_CALL_IN_MEMBERS = 2
/** Bodies a call-in may be scheduled to: the council's scrutiny committees. */
export const SCRUTINY_BODY_TYPES = ['overview and scrutiny board', 'overview and scrutiny committee', 'select committee', 'scrutiny panel']

/** The date `n` working days after `iso` (weekends and bank holidays in England and Wales do not count). */
export function workingDaysAfter(iso: string, n: number): string {
  let d = iso
  for (let left = n; left > 0;) {
    d = addDays(d, 1)
    if (isWorkingDay(d)) left--
  }
  return d
}

const optionalText = (title: string, maxLength: number) =>
  Type.Optional(Type.Union([Type.Null(), Type.String()], { title, maxLength }) as unknown as ReturnType<typeof Type.String>)
const optionalInt = (title: string, extra: Record<string, unknown> = {}) =>
  Type.Optional(Type.Union([Type.Null(), Type.Integer(extra)], { title, ...extra }) as unknown as ReturnType<typeof Type.Integer>)
const date = (title: string, errorMessage: string) =>
  Type.String({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', title, errorMessage })
const optionalDate = (title: string, errorMessage: string) =>
  Type.Optional(Type.Union([Type.Null(), date(title, errorMessage)], { title, errorMessage }) as unknown as ReturnType<typeof Type.String>)

export const DecisionInput = Type.Object(
  {
    bodyId: optionalInt('Decision maker (a body)'),
    makerName: optionalText('Decision maker (a cabinet member)', 300),
    decisionDate: date('Date of the decision', 'Enter the date of the decision, like 2020-01-06'),
    title: Type.String({ minLength: 1, maxLength: 500, title: 'Title', errorMessage: 'Enter the title of the decision' }),
    reportFrom: optionalText('Report from', 500),
    contact: optionalText('Contact', 1000),
    decision: Type.String({ minLength: 1, maxLength: 20000, title: 'The decision', errorMessage: 'Enter the decision' }),
    reasons: optionalText('Reasons for the decision', 10000),
    alternatives: optionalText('Other options considered and rejected', 10000),
    conflicts: optionalText('Conflicts of interest', 10000),
    dispensation: optionalText('Dispensation granted', 2000),
    urgency: optionalText('Reason for the matter being dealt with as urgent', 5000),
    callInWaived: Type.Optional(Type.Boolean({ title: 'Call-in waived' })),
    chairAgreement: optionalText('The chairman’s agreement to waive call-in', 2000),
    approvedBy: optionalText('Approved by', 500),
    meetingId: optionalInt('Meeting'),
    itemId: optionalInt('Agenda item'),
    exempt: Type.Optional(Type.Boolean({ title: 'Exempt' })),
    exemptParagraph: optionalInt('Paragraph of Schedule 12A', { minimum: 1, maximum: 7 }),
    publishedTitle: optionalText('Title to publish', 300),
    published: Type.Optional(Type.Boolean({ title: 'Published' })),
    publishedOn: optionalDate('Date published', 'Enter the date the decision was published, like 2020-01-07'),
    illustrative: Type.Optional(Type.Boolean({ title: 'Illustrative' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type DecisionInput = Static<typeof DecisionInput>

export const CallInInput = Type.Object(
  {
    memberIds: Type.Array(Type.Integer({ minimum: 1 }), { title: 'Members asking for the call-in' }),
    reason: Type.String({ minLength: 1, maxLength: 5000, title: 'Reason', errorMessage: 'Enter the members’ reason for the call-in' }),
    requestedOn: date('Date of the request', 'Enter the date of the request, like 2020-01-08'),
  },
  { additionalProperties: false },
)

export const ScheduleInput = Type.Object(
  {
    meetingId: Type.Integer({ minimum: 1, title: 'Meeting', errorMessage: 'Select the meeting of a scrutiny committee' }),
    itemId: optionalInt('Agenda item'),
  },
  { additionalProperties: false },
)

export const RulesInput = Type.Object(
  {
    workingDays: Type.Integer({
      minimum: 1,
      maximum: 30,
      title: 'Working days',
      errorMessage: 'Enter the number of working days after publication, from 1 to 30',
    }),
    minMembers: Type.Integer({ minimum: 1, maximum: 50, title: 'Members', errorMessage: 'Enter how many members must ask, from 1 to 50' }),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

export const DecisionJson = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  council: Type.Object({ slug: Type.String(), name: Type.String() }),
  decisionMaker: Type.String(),
  date: Type.String({ format: 'date' }),
  title: Type.String(),
  exempt: Type.Boolean(),
  exemptParagraph: Nullable(Type.Integer()),
  reportFrom: Nullable(Type.String()),
  contact: Nullable(Type.String()),
  decision: Nullable(Type.String()),
  reasons: Nullable(Type.String()),
  alternatives: Nullable(Type.String()),
  conflicts: Nullable(Type.String()),
  dispensation: Nullable(Type.String()),
  urgency: Nullable(Type.String()),
  callInWaived: Type.Boolean(),
  approvedBy: Nullable(Type.String()),
  publishedOn: Nullable(Type.String({ format: 'date' })),
  callInDeadline: Nullable(Type.String({ format: 'date', description: 'The last day the decision may be called in' })),
  callIns: Type.Integer({ description: 'Call-in requests recorded' }),
  illustrative: Type.Boolean({ description: 'Made up for the demo, not from a council paper' }),
})

export interface DecisionRow {
  id: number
  partnership_id: number
  body_id: number | null
  maker_name: string
  decision_date: string
  title: string
  report_from: string | null
  contact: string | null
  decision: string | null
  reasons: string | null
  alternatives: string | null
  conflicts: string | null
  dispensation: string | null
  urgency: string | null
  call_in_waived: boolean
  chair_agreement: string | null
  approved_by: string | null
  meeting_id: number | null
  item_id: number | null
  exempt: boolean
  exempt_paragraph: number | null
  published_title: string | null
  published: boolean
  published_on: string | null
  illustrative: boolean
  version: number
}

export interface CallInRow {
  id: number
  decision_id: number
  requested_on: string
  member_ids: number[]
  member_names: string
  reason: string | null
  committee_body_id: number | null
  meeting_id: number | null
  item_id: number | null
  version: number
}

export interface DecisionView extends DecisionRow {
  /** The last day it may be called in; null when it cannot be (unpublished, or call-in waived). */
  call_in_deadline: string | null
  call_ins: number
  /** The public's view of an exempt decision. */
  redacted: boolean
  shown_title: string
}

export interface Rules {
  working_days: number
  min_members: number
  version: number | null
}

const SELECT = `SELECT id, partnership_id, body_id, maker_name, to_char(decision_date, 'YYYY-MM-DD') AS decision_date, title, report_from,
  contact, decision, reasons, alternatives, conflicts, dispensation, urgency, call_in_waived, chair_agreement, approved_by, meeting_id,
  item_id, exempt, exempt_paragraph, published_title, published, to_char(published_on, 'YYYY-MM-DD') AS published_on, illustrative,
  version FROM decisions`
const CALL_IN_SELECT = `SELECT id, decision_id, to_char(requested_on, 'YYYY-MM-DD') AS requested_on, member_ids, member_names, reason,
  committee_body_id, meeting_id, item_id, version FROM call_ins`

const clean = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)

/** The last day a decision may be called in, or null when it cannot be. */
export function callInDeadline(d: Pick<DecisionRow, 'published' | 'published_on' | 'call_in_waived'>, rules: Pick<Rules, 'working_days'>) {
  if (!d.published || !d.published_on || d.call_in_waived) return null
  return workingDaysAfter(d.published_on, rules.working_days)
}

/**
 * Why a call-in request breaks the council's rules (empty when it keeps them): the decision must be published and
 * not dealt with as urgent with call-in waived, the request made by its deadline, by at least the minimum of members.
 */
export function callInProblems(
  d: Pick<DecisionRow, 'published' | 'published_on' | 'call_in_waived' | 'title'>,
  rules: Pick<Rules, 'working_days' | 'min_members'>,
  request: { requestedOn: string; members: number },
): Record<string, string> {
  const out: Record<string, string> = {}
  if (d.call_in_waived)
    out.form = `“${d.title}” was dealt with as urgent and the chairman agreed that call-in is waived, so it cannot be called in`
  else if (!d.published || !d.published_on) out.form = `“${d.title}” has not been published yet, so it cannot be called in`
  else {
    if (request.requestedOn < d.published_on)
      out.requestedOn = `The request cannot be dated before the decision was published (${longDate(d.published_on)})`
    const deadline = workingDaysAfter(d.published_on, rules.working_days)
    if (request.requestedOn > deadline)
      out.requestedOn = `The deadline to call in this decision was ${longDate(deadline)} (${rules.working_days} working days after it was published): a request of ${longDate(request.requestedOn)} is too late`
  }
  if (request.members < rules.min_members)
    out.memberIds = `At least ${rules.min_members} members of the council must ask for a call-in: this request names ${request.members}`
  return out
}

/** What the public may see of a decision: an exempt one keeps only its maker, date, "Exempt: <published title>" and paragraph. */
export function publicDecision(d: DecisionView): DecisionView {
  if (!d.exempt) return d
  return {
    ...d,
    title: d.published_title ?? 'Exempt decision',
    shown_title: `Exempt: ${d.published_title ?? 'decision'}`,
    report_from: null,
    contact: null,
    decision: null,
    reasons: null,
    alternatives: null,
    conflicts: null,
    dispensation: null,
    urgency: null,
    chair_agreement: null,
    approved_by: null,
    item_id: null,
    redacted: true,
  }
}

export const exemptReason = (paragraph: number | null) =>
  paragraph ? `Exempt under paragraph ${paragraph} of Schedule 12A to the Local Government Act 1972: ${SCHEDULE_12A[paragraph]}` : null

export function decisionService(
  db: Db,
  deps: { governance: GovernanceService; partnerships: PartnershipService; scrutiny: ScrutinyService },
) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  async function rules(q: Queryable, councilId: number): Promise<Rules> {
    const r = await maybeOne<Rules>(q, 'SELECT working_days, min_members, version FROM call_in_rules WHERE partnership_id = $1', [
      councilId,
    ])
    return r ?? { working_days: DEFAULT_CALL_IN_DAYS, min_members: DEFAULT_CALL_IN_MEMBERS, version: null }
  }

  async function views(q: Queryable, councilId: number, rows: DecisionRow[]): Promise<DecisionView[]> {
    const r = await rules(q, councilId)
    const counts = new Map(
      (
        await q.query<{ decision_id: number; n: number }>(
          'SELECT decision_id, count(*)::int AS n FROM call_ins WHERE decision_id = ANY($1::int[]) GROUP BY decision_id',
          [rows.map((x) => x.id)],
        )
      ).map((x) => [x.decision_id, x.n]),
    )
    return rows.map((d) => ({
      ...d,
      call_in_deadline: callInDeadline(d, r),
      call_ins: counts.get(d.id) ?? 0,
      redacted: false,
      shown_title: d.title,
    }))
  }

  async function row(q: Queryable, councilId: number, id: number) {
    const d = await maybeOne<DecisionRow>(q, `${SELECT} WHERE id = $1 AND partnership_id = $2`, [id, councilId])
    if (!d) throw new NotFoundError()
    return d
  }

  async function checked(q: Queryable, councilId: number, data: DecisionInput) {
    const errors: Record<string, string> = {}
    let makerName = clean(data.makerName)
    if (data.bodyId) {
      const body = (await deps.governance.list(councilId, q)).find((b) => b.id === data.bodyId)
      if (!body) errors.bodyId = 'Select the decision maker from the list of this council’s bodies'
      else makerName = body.name
    } else if (!makerName) errors.bodyId = 'Select the body that made the decision, or enter the cabinet member who made it'
    if (data.meetingId) {
      const meeting = (await deps.scrutiny.meetings(councilId, {}, q)).find((m) => m.id === data.meetingId)
      if (!meeting) errors.meetingId = 'Select the meeting from the list of this council’s meetings'
      else if (data.itemId) {
        const { agenda } = await deps.scrutiny.meeting(councilId, meeting.id, { member: true }, q)
        if (!agenda.some((i) => i.id === data.itemId)) errors.itemId = 'Select an item from that meeting’s agenda'
      }
    } else if (data.itemId) errors.itemId = 'Select the meeting as well as its agenda item'
    if (data.callInWaived && !clean(data.urgency))
      errors.urgency = 'Enter why the matter was dealt with as urgent: call-in can only be waived for an urgent decision'
    if (data.callInWaived && !clean(data.chairAgreement))
      errors.chairAgreement =
        'Enter the chairman’s agreement that call-in is waived, like “Agreed by the Chairman of the Overview and Scrutiny Board on 6 January 2020”'
    if (data.exempt && !data.exemptParagraph) errors.exemptParagraph = 'Select the paragraph of Schedule 12A that makes it exempt'
    if (data.exempt && !clean(data.publishedTitle)) errors.publishedTitle = 'Enter the title to publish for the exempt decision'
    const publishedOn = data.published ? (data.publishedOn ?? todayInLondon()) : (data.publishedOn ?? null)
    if (publishedOn && publishedOn < data.decisionDate)
      errors.publishedOn = `The decision cannot be published before it was made (${longDate(data.decisionDate)})`
    if (Object.keys(errors).length) throw new ValidationError(errors)
    return {
      body_id: data.bodyId ?? null,
      maker_name: makerName!,
      decision_date: data.decisionDate,
      title: data.title.trim(),
      report_from: clean(data.reportFrom),
      contact: clean(data.contact),
      decision: data.decision.trim().replace(/\r\n/g, '\n'),
      reasons: clean(data.reasons),
      alternatives: clean(data.alternatives),
      conflicts: clean(data.conflicts),
      dispensation: clean(data.dispensation),
      urgency: clean(data.urgency),
      call_in_waived: data.callInWaived ?? false,
      chair_agreement: data.callInWaived ? clean(data.chairAgreement) : null,
      approved_by: clean(data.approvedBy),
      meeting_id: data.meetingId ?? null,
      item_id: data.itemId ?? null,
      exempt: data.exempt ?? false,
      exempt_paragraph: data.exempt ? data.exemptParagraph : null,
      published_title: data.exempt ? clean(data.publishedTitle) : null,
      published: data.published ?? false,
      published_on: publishedOn,
      illustrative: data.illustrative ?? false,
    }
  }

  const service = {
    rules: (councilId: number, q: Queryable = db) => rules(q, councilId),

    /** Change the council's call-in rules (working days after publication; the minimum of members asking). */
    async saveRules(councilId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(RulesInput, input)
      return inTx(q, async (tx) => {
        const existing = await maybeOne<{ id: number }>(tx, 'SELECT id FROM call_in_rules WHERE partnership_id = $1', [councilId])
        const values = { working_days: data.workingDays, min_members: data.minMembers }
        const ctx = { actor, partnershipId: councilId, entity: 'call_in_rules', summary: 'Call-in rules' }
        if (!existing) return createRecord(tx, 'call_in_rules', { partnership_id: councilId, ...values }, ctx)
        return updateRecord(tx, 'call_in_rules', existing.id, data.version, values, ctx)
      })
    },

    /** A council's decisions, newest first. `includePrivate`: unpublished ones too, and exempt ones whole. */
    async list(councilId: number, opts: { includePrivate: boolean }, q: Queryable = db) {
      const rows = await q.query<DecisionRow>(
        `${SELECT} WHERE partnership_id = $1 ${opts.includePrivate ? '' : 'AND published'} ORDER BY decision_date DESC, id DESC`,
        [councilId],
      )
      const list = await views(q, councilId, rows)
      return opts.includePrivate ? list : list.map(publicDecision)
    },

    /** One decision and its call-ins. The public: only a published one, exempt details removed. */
    async get(councilId: number, id: number, opts: { includePrivate: boolean }, q: Queryable = db) {
      const d = await row(q, councilId, id)
      if (!opts.includePrivate && !d.published) throw new NotFoundError()
      const [view] = await views(q, councilId, [d])
      const callIns = await q.query<CallInRow>(`${CALL_IN_SELECT} WHERE decision_id = $1 ORDER BY requested_on, id`, [id])
      const bodies = new Map((await deps.governance.list(councilId, q)).map((b) => [b.id, b]))
      const withBodies = callIns.map((c) => ({
        ...c,
        reason: opts.includePrivate || !d.exempt ? c.reason : null,
        committee: c.committee_body_id ? (bodies.get(c.committee_body_id) ?? null) : null,
      }))
      return { decision: opts.includePrivate ? view : publicDecision(view), callIns: withBodies, rules: await rules(q, councilId) }
    },

    /** A published council's public decisions (for the API). */
    async publicFor(councilSlug: string, q: Queryable = db) {
      const council = await publishedCouncil(deps.partnerships, councilSlug, q)
      return { council, list: await service.list(council.id, { includePrivate: false }, q) }
    },

    /** The council overview's box: its decision records, and how many are open to call-in. */
    async overview(p: { id: number; slug: string; kind: string }, opts: { includeUnpublished: boolean }) {
      if (p.kind !== 'council') return undefined
      const list = await service.list(p.id, { includePrivate: opts.includeUnpublished })
      const open = list.filter((x) => x.call_in_deadline && x.call_in_deadline >= todayInLondon()).length
      return {
        heading: 'Executive decisions',
        href: `/partnerships/${p.slug}/decisions`,
        lines: [list.length === 1 ? '1 decision record' : `${list.length} decision records`, ...(open ? [`${open} open to call-in`] : [])],
      }
    },

    async create(councilId: number, input: unknown, actor: Actor, q?: Queryable): Promise<DecisionRow> {
      const data = validate(DecisionInput, input)
      return inTx(q, async (tx) => {
        const values = await checked(tx, councilId, data)
        const d = await createRecord<DecisionRow>(
          tx,
          'decisions',
          { partnership_id: councilId, ...values },
          { actor, partnershipId: councilId, entity: 'decision', summary: `${values.title} (${values.maker_name})` },
        )
        return row(tx, councilId, d.id)
      })
    },

    async update(councilId: number, id: number, input: unknown, actor: Actor, q?: Queryable): Promise<DecisionRow> {
      const data = validate(DecisionInput, input)
      return inTx(q, async (tx) => {
        await row(tx, councilId, id)
        const values = await checked(tx, councilId, data)
        await updateRecord(tx, 'decisions', id, data.version, values, {
          actor,
          partnershipId: councilId,
          entity: 'decision',
          summary: values.title,
        })
        return row(tx, councilId, id)
      })
    },

    /**
     * Record a call-in request. It must keep the council's rules (`callInProblems`): otherwise it is refused with
     * the reasons and nothing is saved. The members must be councillors of the council.
     */
    async callIn(councilId: number, decisionId: number, input: unknown, actor: Actor, q?: Queryable): Promise<CallInRow> {
      const data = validate(CallInInput, input)
      return inTx(q, async (tx) => {
        const d = await row(tx, councilId, decisionId)
        const members = [...new Set(data.memberIds)]
        const councillors = (await deps.scrutiny.councillors(councilId, tx)).filter((c) => c.kind === 'councillor')
        const chosen = councillors.filter((c) => members.includes(c.id))
        if (chosen.length !== members.length)
          throw new ValidationError({ memberIds: 'Select the members from the list of the council’s councillors' })
        const problems = callInProblems(d, await rules(tx, councilId), { requestedOn: data.requestedOn, members: chosen.length })
        if (Object.keys(problems).length) throw new ValidationError(problems)
        return createRecord<CallInRow>(
          tx,
          'call_ins',
          {
            decision_id: d.id,
            requested_on: data.requestedOn,
            member_ids: chosen.map((c) => c.id),
            member_names: chosen.map((c) => c.name).join(', '),
            reason: data.reason.trim().replace(/\r\n/g, '\n'),
          },
          { actor, partnershipId: councilId, entity: 'call_in', summary: `Call-in of ${d.exempt ? `exempt decision ${d.id}` : d.title}` },
        )
      })
    },

    /** Meetings of the council's scrutiny committees a call-in may be scheduled to (today or later, or any given). */
    async scrutinyMeetings(councilId: number, q: Queryable = db) {
      return (await deps.scrutiny.meetings(councilId, {}, q)).filter(
        (m) => SCRUTINY_BODY_TYPES.includes(m.body_type) && m.status !== 'cancelled',
      )
    },

    /**
     * Schedule a call-in to a meeting of a scrutiny committee: link the given agenda item of that meeting, or add one
     * ("Call-in: <title>", for decision; exempt like the decision), in the same transaction.
     */
    async schedule(councilId: number, callInId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(ScheduleInput, input)
      return inTx(q, async (tx) => {
        const c = await maybeOne<CallInRow>(tx, `${CALL_IN_SELECT} WHERE id = $1`, [callInId])
        if (!c) throw new NotFoundError()
        const d = await row(tx, councilId, c.decision_id)
        const meeting = (await service.scrutinyMeetings(councilId, tx)).find((m) => m.id === data.meetingId)
        if (!meeting) throw new ValidationError({ meetingId: 'Select a meeting of one of the council’s scrutiny committees' })
        let itemId = data.itemId ?? null
        if (itemId) {
          const { agenda } = await deps.scrutiny.meeting(councilId, meeting.id, { member: true }, tx)
          if (!agenda.some((i) => i.id === itemId)) throw new ValidationError({ itemId: 'Select an item from that meeting’s agenda' })
        } else {
          const item = await deps.scrutiny.addItem(
            councilId,
            meeting.id,
            {
              title: `Call-in: ${d.title}`,
              purpose: `To consider the call-in of the decision of ${d.maker_name} of ${longDate(d.decision_date)}, requested by ${c.member_names}. Reason: ${c.reason}`,
              forDecision: true,
              exempt: d.exempt,
              exemptParagraph: d.exempt ? d.exempt_paragraph : null,
              publishedTitle: d.exempt ? `Call-in: ${d.published_title}` : null,
            },
            actor,
            tx,
          )
          itemId = item.id
        }
        return updateRecord<CallInRow>(
          tx,
          'call_ins',
          c.id,
          undefined,
          { committee_body_id: meeting.body_id, meeting_id: meeting.id, item_id: itemId },
          { actor, partnershipId: councilId, entity: 'call_in', summary: `Call-in scheduled: ${meeting.body_name}, ${meeting.date}` },
        )
      })
    },
  }
  return service
}
export type DecisionService = ReturnType<typeof decisionService>
