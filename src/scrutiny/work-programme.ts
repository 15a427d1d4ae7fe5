/**
 * A committee's work programme (issue 10; seed 000's table, seed 004's criteria and balance). Items have a topic, an
 * issue, a reason for inclusion, a status and outcomes, a directorate and an expected length; each may be planned for
 * one or more meetings of its committee, and a plan IS an agenda item of that meeting (made through scrutiny's
 * service in the same transaction; removing the agenda item un-plans it), or a deferral. Suggestions from members,
 * officers, the public and the forward plan are triaged (accepted into the programme, declined with a reason, merged
 * into an item) and scored against seed 004's seven criteria, 0 to 2 each.
 *
 * The public sees only items the committee has agreed (`agreed`): the rest are drafts. Suggestions are never public.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction, maybeOne } from '../platform/db/index.ts'
import type { Actor, AuditWords } from '../platform/audit.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { choice, validate } from '../platform/validation.ts'
import type { GovernanceService } from '../governance/service.ts'
import type { ScrutinyService, MeetingView } from './service.ts'
import { addDays, shortDate, todayInLondon } from './dates.ts'

// ---- Seed 004's criteria ----

/** Seed 004, paragraph 8: the OSPB's criteria for choosing topics. Each is scored 0 (no), 1 (partly) or 2 (yes). */
export const CRITERIA = [
  { key: 'priority', column: 'score_priority', text: 'Is the issue a priority area for the council?' },
  { key: 'local', column: 'score_local', text: 'Is it a key issue for local people?' },
  { key: 'practicable', column: 'score_practicable', text: 'Will it be practicable to implement the outcomes of the scrutiny?' },
  { key: 'improvement', column: 'score_improvement', text: 'Are improvements for local people likely?' },
  { key: 'performance', column: 'score_performance', text: 'Does it examine a poor performing service?' },
  { key: 'operation', column: 'score_operation', text: 'Will it result in improvements to the way the council operates?' },
  { key: 'legislation', column: 'score_legislation', text: 'Is it related to new government guidance or legislation?' },
] as const
export type CriterionKey = (typeof CRITERIA)[number]['key']
export const SCORE_WORDS: Record<number, string> = { 0: 'No', 1: 'Partly', 2: 'Yes' }

export const SOURCES = ['member', 'officer', 'public', 'forward plan'] as const
export type SuggestionSource = (typeof SOURCES)[number]
export const SOURCE_LABELS: Record<SuggestionSource, string> = {
  member: 'A member',
  officer: 'An officer',
  public: 'A member of the public',
  'forward plan': 'The forward plan',
}
export const SUGGESTION_STATES = ['new', 'accepted', 'declined', 'merged'] as const
export type SuggestionState = (typeof SUGGESTION_STATES)[number]
export const SUGGESTION_STATE_LABELS: Record<SuggestionState, string> = {
  new: 'New',
  accepted: 'Accepted into the programme',
  declined: 'Declined',
  merged: 'Merged into an item',
}
export const LENGTHS = ['single', 'several'] as const
export const LENGTH_LABELS: Record<string, string> = { single: 'A single meeting', several: 'A task group or several meetings' }

// ---- Schemas ----

const optText = (title: string, maxLength: number) =>
  Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength })], { title, maxLength }) as unknown as ReturnType<typeof Type.String>)
const optInt = (title: string) =>
  Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1 })], { title }) as unknown as ReturnType<typeof Type.Integer>)

export const WorkItemInput = Type.Object(
  {
    topic: Type.String({ minLength: 1, maxLength: 300, title: 'Topic', errorMessage: 'Enter the topic, like Crime and disorder' }),
    issue: optText('Issue', 2000),
    reason: optText('Reason for inclusion', 5000),
    statusOutcomes: optText('Status and outcomes', 5000),
    directorate: optText('Directorate', 200),
    length: Type.Optional(
      Type.Union([Type.Null(), Type.Literal(''), Type.Literal('single'), Type.Literal('several')], { title: 'Length' }),
    ),
    agreed: Type.Optional(Type.Boolean({ title: 'Agreed by the committee' })),
    cdReview: Type.Optional(Type.Boolean({ title: 'Crime and disorder review' })),
    reviewsPartnershipId: optInt('Partnership reviewed'),
    /** The upcoming meetings it is planned for (plans for meetings already held are kept whatever this says). */
    meetings: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { title: 'Meetings' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type WorkItemInput = Static<typeof WorkItemInput>

export const SuggestionInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300, title: 'Topic suggested', errorMessage: 'Enter the topic you suggest' }),
    detail: optText('Why it should be scrutinised', 5000),
    source: Type.Optional(choice(SOURCES, 'Suggested by')),
    suggestedBy: optText('Name', 200),
    email: optText('Email address', 320),
  },
  { additionalProperties: false },
)
export type SuggestionInput = Static<typeof SuggestionInput>

export const TriageInput = Type.Object(
  {
    state: Type.String({ title: 'What to do', maxLength: 40 }),
    reason: optText('Reason', 2000),
    mergeInto: optInt('Item to merge into'),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

export const ScoreInput = Type.Object(
  {
    ...Object.fromEntries(CRITERIA.map((c) => [c.key, Type.Optional(Type.Union([Type.Null(), Type.Integer()], { title: c.text }))])),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

export const SettingsInput = Type.Object(
  {
    callInLimit: Type.Integer({
      minimum: 1,
      maximum: 20,
      title: 'Substantive items',
      errorMessage: 'Enter a number of items from 1 to 20, like 4',
    }),
    startsOn: Type.Optional(
      Type.Union([Type.Null(), Type.String({ format: 'date' })], {
        title: 'Programme starts on',
        errorMessage: 'Enter a real date, like 2019-09-01',
      }) as unknown as ReturnType<typeof Type.String>,
    ),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

// ---- Rows ----

export interface WorkItemRow {
  id: number
  partnership_id: number
  body_id: number
  position: number
  topic: string
  issue: string | null
  reason: string | null
  status_outcomes: string | null
  directorate: string | null
  length: 'single' | 'several' | null
  agreed: boolean
  cd_review: boolean
  reviews_partnership_id: number | null
  version: number
}
export interface PlanRow {
  id: number
  item_id: number
  meeting_id: number
  agenda_item_id: number | null
  deferred: boolean
  version: number
}
export interface SuggestionRow {
  id: number
  partnership_id: number
  body_id: number
  title: string
  detail: string | null
  source: SuggestionSource
  suggested_by: string | null
  email: string | null
  state: SuggestionState
  decline_reason: string | null
  item_id: number | null
  score_priority: number | null
  score_local: number | null
  score_practicable: number | null
  score_improvement: number | null
  score_performance: number | null
  score_operation: number | null
  score_legislation: number | null
  version: number
  created_at: Date
}
export interface SuggestionView extends SuggestionRow {
  scores: { key: CriterionKey; text: string; score: number | null }[]
  /** The sum of the scores given; null when none is scored. */
  total: number | null
  scored: number
}
export interface SettingsRow {
  id: number
  body_id: number
  call_in_limit: number
  starts_on: string | null
  version: number
}

/** A work programme item with its plans, as the table shows it. */
export interface WorkItemView extends WorkItemRow {
  plans: (PlanRow & { date: string })[]
  /** "Overview Items – Performance": what the agenda and the meeting page call it. */
  label: string
}

export interface BalanceCheck {
  key: 'length' | 'directorates' | 'call-ins'
  heading: string
  ok: boolean
  reasons: string[]
}

export interface ReviewCheck {
  partnership: { id: number; name: string; slug: string }
  lastReviewed: string | null
  nextPlanned: string | null
  ok: boolean
  reason: string
}

const clean = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)
const firstLine = (s: string) => s.split('\n')[0].trim()
export const itemLabel = (i: Pick<WorkItemRow, 'topic' | 'issue'>) =>
  i.issue ? `${i.topic} – ${firstLine(i.issue).slice(0, 200)}` : i.topic
/** "14 Nov 2019", a column heading. */
export function columnDate(iso: string) {
  const [y, m, d] = iso.split('-').map(Number)
  return `${d} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1]} ${y}`
}

function suggestionView(r: SuggestionRow): SuggestionView {
  const scores = CRITERIA.map((c) => ({ key: c.key, text: c.text, score: (r as unknown as Record<string, number | null>)[c.column] }))
  const given = scores.filter((s) => s.score !== null)
  return { ...r, scores, scored: given.length, total: given.length ? given.reduce((n, s) => n + s.score!, 0) : null }
}

const ITEM_SELECT = `SELECT id, partnership_id, body_id, position, topic, issue, reason, status_outcomes, directorate, length, agreed, cd_review,
  reviews_partnership_id, version FROM work_programme_items`
const PLAN_SELECT = `SELECT p.id, p.item_id, p.meeting_id, p.agenda_item_id, p.deferred, p.version, to_char(m.meeting_date, 'YYYY-MM-DD') AS date
  FROM work_programme_plans p JOIN meetings m ON m.id = p.meeting_id`

export function workProgrammeService(db: Db, deps: { governance: GovernanceService; scrutiny: ScrutinyService }) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  async function bodyIn(q: Queryable, councilId: number, slug: string) {
    const body = await deps.governance.find(councilId, slug, q)
    if (!body) throw new NotFoundError()
    return body
  }
  async function bodyById(q: Queryable, councilId: number, bodyId: number) {
    const body = (await deps.governance.byIds([bodyId], q)).get(bodyId)
    if (!body || body.partnership_id !== councilId) throw new NotFoundError()
    return body
  }

  async function settingsOf(q: Queryable, bodyId: number): Promise<SettingsRow | undefined> {
    return maybeOne<SettingsRow>(
      q,
      `SELECT id, body_id, call_in_limit, to_char(starts_on, 'YYYY-MM-DD') AS starts_on, version FROM work_programme_settings WHERE body_id = $1`,
      [bodyId],
    )
  }

  async function itemRow(q: Queryable, councilId: number, id: number) {
    const r = await maybeOne<WorkItemRow>(q, `${ITEM_SELECT} WHERE id = $1 AND partnership_id = $2`, [id, councilId])
    if (!r) throw new NotFoundError()
    return r
  }

  async function plansOf(q: Queryable, itemIds: number[]) {
    if (!itemIds.length) return []
    return q.query<PlanRow & { date: string }>(`${PLAN_SELECT} WHERE p.item_id = ANY($1::int[]) ORDER BY m.meeting_date, m.id`, [itemIds])
  }

  /** The body's meetings, earliest first (only the body's: a council may have thousands). */
  async function meetingsOf(q: Queryable, councilId: number, body: { slug: string }, from?: string, to?: string) {
    return (await deps.scrutiny.committee(councilId, body.slug, { from, to }, q)).meetings.reverse()
  }

  /** A meeting of the council, or undefined. */
  async function meetingOf(q: Queryable, councilId: number, id: number) {
    try {
      return (await deps.scrutiny.meeting(councilId, id, { member: true }, q)).meeting
    } catch (err) {
      if (err instanceof NotFoundError) return undefined
      throw err
    }
  }

  /** Refuse a meeting an item cannot be planned for: another body's, cancelled, or past (`today`). */
  async function plannable(
    q: Queryable,
    councilId: number,
    body: { id: number; name: string; slug: string },
    meetingIds: number[],
    today: string,
  ) {
    const out: MeetingView[] = []
    for (const id of meetingIds) {
      const m = await meetingOf(q, councilId, id)
      if (!m) throw new ValidationError({ meetings: 'Select the meetings from the list of this committee’s meetings' })
      if (m.body_id !== body.id)
        throw new ValidationError({
          meetings: `The meeting on ${shortDate(m.date)} is a meeting of ${m.body_name}, not ${body.name}: an item can only be planned for its own committee’s meetings`,
        })
      if (m.status === 'cancelled')
        throw new ValidationError({ meetings: `The meeting on ${shortDate(m.date)} is cancelled: plan the item for another meeting` })
      if (m.date < today)
        throw new ValidationError({
          meetings: `The meeting on ${shortDate(m.date)} has already taken place: plan the item for an upcoming meeting`,
        })
      out.push(m)
    }
    return out
  }

  function itemValues(data: WorkItemInput) {
    const topic = clean(data.topic)
    if (!topic) throw new ValidationError({ topic: 'Enter the topic, like Crime and disorder' })
    return {
      topic,
      issue: clean(data.issue),
      reason: clean(data.reason),
      status_outcomes: clean(data.statusOutcomes),
      directorate: clean(data.directorate),
      length: data.length || null,
      agreed: data.agreed ?? false,
      cd_review: data.cdReview ?? false,
      reviews_partnership_id: data.cdReview ? (data.reviewsPartnershipId ?? null) : null,
    }
  }

  async function checkReviewed(q: Queryable, bodyId: number, partnershipId: number | null) {
    if (!partnershipId) return
    const c = await deps.scrutiny.committees((await deps.governance.byIds([bodyId], q)).get(bodyId)!.partnership_id, q)
    const committee = c.find((x) => x.body.id === bodyId)?.committee
    const scrutinised = committee ? await deps.scrutiny.scrutinisedPartnerships(committee.id, q) : []
    if (!scrutinised.some((p) => p.id === partnershipId))
      throw new ValidationError({ reviewsPartnershipId: 'Select a partnership this committee scrutinises' })
  }

  /** Put an item on a meeting's agenda (through scrutiny's service) and record the plan. */
  async function plan(tx: Queryable, councilId: number, item: WorkItemRow, m: MeetingView, actor: Actor) {
    const agendaItem = await deps.scrutiny.addItem(
      councilId,
      m.id,
      { title: (item.issue ? firstLine(item.issue) : item.topic).slice(0, 500), purpose: item.reason ?? null, forDecision: false },
      actor,
      tx,
    )
    return createRecord<PlanRow>(
      tx,
      'work_programme_plans',
      { item_id: item.id, meeting_id: m.id, agenda_item_id: agendaItem.id, deferred: false },
      { actor, partnershipId: councilId, entity: 'work_programme_plan', summary: `${itemLabel(item)}: planned for ${shortDate(m.date)}` },
    ).catch((err: { code?: string }) => {
      // Two saves at once planning the same item for the same meeting: the unique index refuses the second.
      if (err?.code === '23505')
        throw new ValidationError({ meetings: `${itemLabel(item)} is already planned for the meeting on ${shortDate(m.date)}` })
      throw err
    })
  }

  /** Take an item off an upcoming meeting: its agenda item goes too (the plan goes with it, by the foreign key). */
  async function unplan(tx: Queryable, councilId: number, item: WorkItemRow, p: PlanRow & { date: string }, actor: Actor) {
    await deleteRecord(tx, 'work_programme_plans', p.id, undefined, {
      actor,
      partnershipId: councilId,
      entity: 'work_programme_plan',
      summary: `${itemLabel(item)}: no longer planned for ${shortDate(p.date)}`,
    })
    if (p.agenda_item_id) await deps.scrutiny.removeItem(councilId, p.meeting_id, p.agenda_item_id, undefined, actor, tx)
  }

  async function suggestionRow(q: Queryable, councilId: number, id: number) {
    const r = await maybeOne<SuggestionRow>(q, 'SELECT * FROM work_programme_suggestions WHERE id = $1 AND partnership_id = $2', [
      id,
      councilId,
    ])
    if (!r) throw new NotFoundError()
    return r
  }

  /** Make an item (at the end of the programme) and plan it for its meetings. */
  async function createItem(
    tx: Queryable,
    councilId: number,
    body: { id: number; name: string; slug: string },
    data: WorkItemInput,
    actor: Actor,
    today: string,
  ) {
    const values = itemValues(data)
    await checkReviewed(tx, body.id, values.reviews_partnership_id)
    const meetings = await plannable(tx, councilId, body, [...new Set(data.meetings ?? [])], today)
    const [{ next }] = await tx.query<{ next: number }>(
      'SELECT coalesce(max(position), 0) + 1 AS next FROM work_programme_items WHERE body_id = $1',
      [body.id],
    )
    const item = await createRecord<WorkItemRow>(
      tx,
      'work_programme_items',
      { partnership_id: councilId, body_id: body.id, position: next, ...values },
      { actor, partnershipId: councilId, entity: 'work_programme_item', summary: `${itemLabel(values)} (${body.name})` },
    )
    for (const m of meetings) await plan(tx, councilId, item, m, actor)
    return item
  }

  const service = {
    /**
     * A committee's programme: its items (the public: agreed ones only) with their plans, the meeting columns (the
     * committee's meetings, not cancelled, from the programme's start or today for a year, and every meeting an item
     * is planned for), the balance checks and, for a crime and disorder committee, when each partnership it
     * scrutinises was last reviewed.
     */
    async programme(councilId: number, bodySlug: string, opts: { member: boolean; today?: string }, q: Queryable = db) {
      const today = opts.today ?? todayInLondon()
      const c = await deps.scrutiny.committee(councilId, bodySlug, {}, q)
      const body = c.body
      const settings = await settingsOf(q, body.id)
      const callInLimit = settings?.call_in_limit ?? 4
      const from = settings?.starts_on ?? today
      const rows = await q.query<WorkItemRow>(`${ITEM_SELECT} WHERE body_id = $1 AND ($2 OR agreed) ORDER BY position, id`, [
        body.id,
        opts.member,
      ])
      const plans = await plansOf(
        q,
        rows.map((r) => r.id),
      )
      const items: WorkItemView[] = rows.map((r) => ({ ...r, label: itemLabel(r), plans: plans.filter((p) => p.item_id === r.id) }))
      const meetings = c.meetings.reverse()
      const planned = new Set(plans.map((p) => p.meeting_id))
      const until = addDays(from, 366)
      const columns = meetings.filter((m) => planned.has(m.id) || (m.status !== 'cancelled' && m.date >= from && m.date <= until))
      const committee = c.committee
      const balance = await service.balance(councilId, items, meetings, callInLimit, today, q)
      const reviews = committee?.crime_and_disorder ? await service.reviews(councilId, body.id, committee.id, today, q) : []
      return {
        body,
        committee,
        settings: settings ?? null,
        callInLimit,
        startsOn: settings?.starts_on ?? null,
        items,
        columns,
        balance,
        reviews,
      }
    },

    /** The balance checks of seed 004's paragraph 9, each with its reasons. */
    async balance(
      councilId: number,
      items: WorkItemView[],
      meetings: MeetingView[],
      callInLimit: number,
      today: string,
      q: Queryable = db,
    ): Promise<BalanceCheck[]> {
      const single = items.filter((i) => i.length === 'single').length
      const several = items.filter((i) => i.length === 'several').length
      const unknown = items.length - single - several
      const lengthReasons = [
        `${single} ${single === 1 ? 'item takes' : 'items take'} a single meeting; ${several} ${several === 1 ? 'is' : 'are'} for a task group or several meetings${unknown ? `; ${unknown} ${unknown === 1 ? 'has' : 'have'} no expected length` : ''}.`,
      ]
      const lengthOk = items.length < 2 || (single > 0 && several > 0)
      if (!lengthOk)
        lengthReasons.push(
          single === 0 && several === 0
            ? 'Say how long each item is expected to take, so the balance can be checked.'
            : several === 0
              ? 'There are no longer topics: a balanced programme has some topics of longer duration (a task group or several meetings).'
              : 'There are no short topics: a balanced programme has some topics suitable for shorter study (a single meeting).',
        )
      const counts = new Map<string, number>()
      for (const i of items) if (i.directorate) counts.set(i.directorate, (counts.get(i.directorate) ?? 0) + 1)
      const withDirectorate = [...counts.values()].reduce((a, b) => a + b, 0)
      const directorateReasons = [
        counts.size
          ? `Items by directorate: ${[...counts.entries()]
              .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'en-GB'))
              .map(([d, n]) => `${d} ${n}`)
              .join(', ')}.`
          : 'No item names its directorate.',
      ]
      if (items.length - withDirectorate > 0 && counts.size)
        directorateReasons.push(
          `${items.length - withDirectorate} ${items.length - withDirectorate === 1 ? 'item names' : 'items name'} no directorate.`,
        )
      const directoratesOk = withDirectorate < 3 || counts.size > 1
      if (!directoratesOk)
        directorateReasons.push(
          `Every item with a directorate is from ${[...counts.keys()][0]}: the programme should cover different topics and directorates.`,
        )
      const upcoming = meetings.filter((m) => m.status !== 'cancelled' && m.date >= today)
      const full: string[] = []
      const substantive = upcoming.length
        ? await deps.scrutiny.substantiveCounts(
            councilId,
            upcoming.map((m) => m.id),
            q,
          )
        : new Map<number, number>()
      for (const m of upcoming) {
        const n = substantive.get(m.id) ?? 0
        if (n >= callInLimit)
          full.push(
            `The meeting on ${shortDate(m.date)} has ${n} substantive items planned: leave room for call-ins and other small items (fewer than ${callInLimit}).`,
          )
      }
      const callInReasons = upcoming.length
        ? full.length
          ? full
          : [
              `Each of the ${upcoming.length} upcoming ${upcoming.length === 1 ? 'meeting has' : 'meetings have'} fewer than ${callInLimit} substantive items.`,
            ]
        : ['There are no upcoming meetings to check.']
      return [
        { key: 'length', heading: 'Long and short topics', ok: lengthOk, reasons: lengthReasons },
        { key: 'directorates', heading: 'A mix of directorates', ok: directoratesOk, reasons: directorateReasons },
        { key: 'call-ins', heading: 'Room for call-ins', ok: full.length === 0, reasons: callInReasons },
      ]
    },

    /**
     * A crime and disorder committee's reviews of the partnerships it scrutinises: the last meeting held with a
     * review planned (an item marked "crime and disorder review", for that partnership or for all), and the next.
     * The review is yearly: a warning when none is planned within 12 months of the last one.
     */
    async reviews(councilId: number, bodyId: number, committeeId: number, today: string, q: Queryable = db): Promise<ReviewCheck[]> {
      const partnerships = await deps.scrutiny.scrutinisedPartnerships(committeeId, q)
      const rows = await q.query<{ reviews_partnership_id: number | null; date: string; status: string }>(
        `SELECT i.reviews_partnership_id, to_char(m.meeting_date, 'YYYY-MM-DD') AS date, m.status FROM work_programme_plans p
         JOIN work_programme_items i ON i.id = p.item_id JOIN meetings m ON m.id = p.meeting_id
         WHERE i.body_id = $1 AND i.partnership_id = $2 AND i.cd_review AND NOT p.deferred AND m.status <> 'cancelled' ORDER BY m.meeting_date`,
        [bodyId, councilId],
      )
      return partnerships.map((p) => {
        const mine = rows.filter((r) => r.reviews_partnership_id === null || r.reviews_partnership_id === p.id)
        const held = mine.filter((r) => r.date < today)
        const lastReviewed = held.length ? held[held.length - 1].date : null
        const nextPlanned = mine.find((r) => r.date >= today)?.date ?? null
        const due = lastReviewed ? addDays(lastReviewed, 365) : null
        let ok: boolean
        let reason: string
        if (!lastReviewed && !nextPlanned) {
          ok = false
          reason = `No review of ${p.name} is recorded or planned: plan the yearly crime and disorder review.`
        } else if (!lastReviewed) {
          ok = true
          reason = `The first review is planned for ${shortDate(nextPlanned!)}.`
        } else if (nextPlanned && nextPlanned <= due!) {
          ok = true
          reason = `Last reviewed on ${shortDate(lastReviewed)}; the next review is planned for ${shortDate(nextPlanned)}, within 12 months.`
        } else if (nextPlanned) {
          ok = false
          reason = `Last reviewed on ${shortDate(lastReviewed)}; the next review is planned for ${shortDate(nextPlanned)}, more than 12 months later (due by ${shortDate(due!)}).`
        } else {
          ok = false
          reason = `Last reviewed on ${shortDate(lastReviewed)}; the yearly review is not planned (due by ${shortDate(due!)}).`
        }
        return { partnership: { id: p.id, name: p.name, slug: p.slug }, lastReviewed, nextPlanned, ok, reason }
      })
    },

    /** One item with its plans (the public: agreed items only). */
    async item(councilId: number, id: number, opts: { member: boolean }, q: Queryable = db): Promise<WorkItemView> {
      const r = await itemRow(q, councilId, id)
      if (!opts.member && !r.agreed) throw new NotFoundError()
      return { ...r, label: itemLabel(r), plans: await plansOf(q, [r.id]) }
    },

    /** The meetings an item may be planned for in a form: the committee's upcoming meetings that are not cancelled. */
    async plannableMeetings(councilId: number, body: { slug: string }, today = todayInLondon(), q: Queryable = db) {
      return (await meetingsOf(q, councilId, body, today)).filter((m) => m.status !== 'cancelled')
    },

    async createItem(councilId: number, bodySlug: string, input: unknown, actor: Actor, q?: Queryable, opts: { today?: string } = {}) {
      const data = validate(WorkItemInput, input)
      return inTx(q, async (tx) =>
        createItem(tx, councilId, await bodyIn(tx, councilId, bodySlug), data, actor, opts.today ?? todayInLondon()),
      )
    },

    /**
     * Change an item and its upcoming plans: meetings added get an agenda item, upcoming meetings left out lose theirs.
     * Plans for meetings already held stay (they are the record); planning for a past meeting is refused.
     */
    async updateItem(councilId: number, id: number, input: unknown, actor: Actor, q?: Queryable, opts: { today?: string } = {}) {
      const data = validate(WorkItemInput, input)
      const today = opts.today ?? todayInLondon()
      return inTx(q, async (tx) => {
        const before = await itemRow(tx, councilId, id)
        const body = await bodyById(tx, councilId, before.body_id)
        const values = itemValues(data)
        await checkReviewed(tx, body.id, values.reviews_partnership_id)
        const plans = await plansOf(tx, [id])
        const wanted = [...new Set(data.meetings ?? [])]
        const added = await plannable(
          tx,
          councilId,
          body,
          wanted.filter((m) => !plans.some((p) => p.meeting_id === m)),
          today,
        )
        const item = await updateRecord<WorkItemRow>(tx, 'work_programme_items', id, data.version, values, {
          actor,
          partnershipId: councilId,
          entity: 'work_programme_item',
          summary: `${itemLabel(values)} (${body.name})`,
        })
        for (const p of plans) if (p.date >= today && !wanted.includes(p.meeting_id)) await unplan(tx, councilId, item, p, actor)
        for (const m of added) await plan(tx, councilId, item, m, actor)
        return item
      })
    },

    /** Remove an item. One already taken at a meeting stays in the record: change its status instead. */
    async removeItem(
      councilId: number,
      id: number,
      version: number | undefined,
      actor: Actor,
      q?: Queryable,
      opts: { today?: string } = {},
    ) {
      const today = opts.today ?? todayInLondon()
      return inTx(q, async (tx) => {
        const item = await itemRow(tx, councilId, id)
        const plans = await plansOf(tx, [id])
        const past = plans.find((p) => p.date < today && !p.deferred)
        if (past)
          throw new ValidationError({
            item: `${itemLabel(item)} was on the agenda of the meeting on ${shortDate(past.date)}, so it stays in the programme’s record: change its status and outcomes instead`,
          })
        for (const p of plans) await unplan(tx, councilId, item, p, actor)
        await deleteRecord(tx, 'work_programme_items', id, version, {
          actor,
          partnershipId: councilId,
          entity: 'work_programme_item',
          summary: itemLabel(item),
        })
      })
    },

    /** Plan an item for a meeting using an agenda item already there (e.g. a report the agenda already carries). */
    async planExisting(councilId: number, id: number, agendaItemId: number, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const item = await itemRow(tx, councilId, id)
        const row = await maybeOne<{ meeting_id: number }>(tx, 'SELECT meeting_id FROM agenda_items WHERE id = $1', [agendaItemId])
        if (!row) throw new ValidationError({ meetings: 'Select an item of the meeting’s agenda' })
        const body = await bodyById(tx, councilId, item.body_id)
        const m = await meetingOf(tx, councilId, row.meeting_id)
        if (!m || m.body_id !== body.id)
          throw new ValidationError({ meetings: `That agenda item is not on the agenda of a meeting of ${body.name}` })
        return createRecord<PlanRow>(
          tx,
          'work_programme_plans',
          { item_id: item.id, meeting_id: m.id, agenda_item_id: agendaItemId, deferred: false },
          {
            actor,
            partnershipId: councilId,
            entity: 'work_programme_plan',
            summary: `${itemLabel(item)}: planned for ${shortDate(m.date)}`,
          },
        ).catch((err: { code?: string }) => {
          if (err?.code === '23505')
            throw new ValidationError({
              meetings: 'That agenda item, or that meeting, is already linked to this work programme item or another',
            })
          throw err
        })
      })
    },

    /** Defer an item planned for a meeting: its agenda item is removed; the programme shows it as deferred there. */
    async defer(councilId: number, planId: number, actor: Actor, q?: Queryable, opts: { today?: string } = {}) {
      const today = opts.today ?? todayInLondon()
      return inTx(q, async (tx) => {
        const p = await maybeOne<PlanRow & { date: string }>(tx, `${PLAN_SELECT} WHERE p.id = $1`, [planId])
        if (!p) throw new NotFoundError()
        const item = await itemRow(tx, councilId, p.item_id)
        if (p.deferred) throw new ValidationError({ plan: `${itemLabel(item)} is already deferred from ${shortDate(p.date)}` })
        if (p.date < today)
          throw new ValidationError({
            plan: `The meeting on ${shortDate(p.date)} has already taken place, so the item cannot be deferred from it`,
          })
        const agendaItemId = p.agenda_item_id!
        await updateRecord(
          tx,
          'work_programme_plans',
          p.id,
          undefined,
          { deferred: true, agenda_item_id: null },
          {
            actor,
            partnershipId: councilId,
            entity: 'work_programme_plan',
            summary: `${itemLabel(item)}: deferred from ${shortDate(p.date)}`,
          },
        )
        await deps.scrutiny.removeItem(councilId, p.meeting_id, agendaItemId, undefined, actor, tx)
      })
    },

    /** For a meeting's page: its agenda items that come from the work programme (the public: agreed items only). */
    async forMeeting(councilId: number, meetingId: number, opts: { member: boolean }, q: Queryable = db) {
      const rows = await q.query<{ agenda_item_id: number; topic: string; issue: string | null; agreed: boolean; body_id: number }>(
        `SELECT p.agenda_item_id, i.topic, i.issue, i.agreed, i.body_id FROM work_programme_plans p JOIN work_programme_items i ON i.id = p.item_id
         WHERE p.meeting_id = $1 AND i.partnership_id = $2 AND p.agenda_item_id IS NOT NULL`,
        [meetingId, councilId],
      )
      const bodies = await deps.governance.byIds([...new Set(rows.map((r) => r.body_id))], q)
      return new Map(
        rows
          .filter((r) => opts.member || r.agreed)
          .map((r) => [r.agenda_item_id, { label: itemLabel(r), bodySlug: bodies.get(r.body_id)?.slug ?? '' }]),
      )
    },

    // ---- Settings ----

    async settings(councilId: number, bodySlug: string, q: Queryable = db) {
      const body = await bodyIn(q, councilId, bodySlug)
      return { body, settings: await settingsOf(q, body.id) }
    },

    async saveSettings(councilId: number, bodySlug: string, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(SettingsInput, input)
      return inTx(q, async (tx) => {
        const body = await bodyIn(tx, councilId, bodySlug)
        const values = { call_in_limit: data.callInLimit, starts_on: data.startsOn || null }
        const ctx = { actor, partnershipId: councilId, entity: 'work_programme_settings', summary: `Work programme of ${body.name}` }
        const existing = await settingsOf(tx, body.id)
        return existing
          ? updateRecord(tx, 'work_programme_settings', existing.id, data.version, values, ctx)
          : createRecord(tx, 'work_programme_settings', { partnership_id: councilId, body_id: body.id, ...values }, ctx)
      })
    },

    // ---- Suggestions ----

    /** A committee's suggestions, sorted: 'total' (highest score first), 'newest', 'title'. */
    async suggestions(councilId: number, bodySlug: string, opts: { sort?: string; state?: string } = {}, q: Queryable = db) {
      const body = await bodyIn(q, councilId, bodySlug)
      const rows = (
        await q.query<SuggestionRow>('SELECT * FROM work_programme_suggestions WHERE body_id = $1 AND partnership_id = $2 ORDER BY id', [
          body.id,
          councilId,
        ])
      ).map(suggestionView)
      const list = opts.state ? rows.filter((r) => r.state === opts.state) : rows
      if (opts.sort === 'title') list.sort((a, b) => a.title.localeCompare(b.title, 'en-GB'))
      else if (opts.sort === 'newest') list.sort((a, b) => b.id - a.id)
      else list.sort((a, b) => (b.total ?? -1) - (a.total ?? -1) || a.id - b.id)
      return { body, list }
    },

    async suggestion(councilId: number, id: number, q: Queryable = db) {
      const r = suggestionView(await suggestionRow(q, councilId, id))
      const body = await bodyById(q, councilId, r.body_id)
      const item = r.item_id ? await maybeOne<WorkItemRow>(q, `${ITEM_SELECT} WHERE id = $1`, [r.item_id]) : undefined
      return { suggestion: r, body, item: item ? { ...item, label: itemLabel(item) } : null }
    },

    /** Add a suggestion (state "new"). The forward plan's "to consider / refer to panel" marks come here too. */
    async addSuggestion(q: Queryable | undefined, councilId: number, bodyId: number, input: unknown, actor: Actor) {
      const data = validate(SuggestionInput, input)
      return inTx(q, async (tx) => {
        const body = await bodyById(tx, councilId, bodyId)
        const title = clean(data.title)
        if (!title) throw new ValidationError({ title: 'Enter the topic you suggest' })
        const email = clean(data.email)
        if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
          throw new ValidationError({ email: 'Enter an email address in the correct format, like name@example.com' })
        const source = data.source ?? 'public'
        return createRecord<SuggestionRow>(
          tx,
          'work_programme_suggestions',
          {
            partnership_id: councilId,
            body_id: body.id,
            title,
            detail: clean(data.detail),
            source,
            suggested_by: clean(data.suggestedBy),
            email,
          },
          { actor, partnershipId: councilId, entity: 'work_programme_suggestion', summary: `${title} (suggested for ${body.name})` },
        )
      })
    },

    /** Score a suggestion against the seven criteria: 0 (no), 1 (partly) or 2 (yes) each; blank is not scored. */
    async score(councilId: number, id: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(ScoreInput, input) as Record<string, number | null | undefined>
      const errors: Record<string, string> = {}
      const values: Record<string, number | null> = {}
      for (const c of CRITERIA) {
        const v = data[c.key]
        if (v !== null && v !== undefined && (!Number.isInteger(v) || v < 0 || v > 2))
          errors[c.key] = `Score “${c.text}” 0 (no), 1 (partly) or 2 (yes)`
        values[c.column] = v ?? null
      }
      if (Object.keys(errors).length) throw new ValidationError(errors)
      return inTx(q, async (tx) => {
        const r = await suggestionRow(tx, councilId, id)
        return updateRecord<SuggestionRow>(tx, 'work_programme_suggestions', id, data.version ?? undefined, values, {
          actor,
          partnershipId: councilId,
          entity: 'work_programme_suggestion',
          summary: `${r.title}: scored`,
        })
      })
    },

    /**
     * Triage a new suggestion: accept it (a work programme item is made from it, not yet agreed), decline it with a
     * reason, or merge it into an item already in the committee's programme.
     */
    async triage(councilId: number, id: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(TriageInput, input)
      return inTx(q, async (tx) => {
        const r = await suggestionRow(tx, councilId, id)
        const state = data.state as SuggestionState
        if (!(['accepted', 'declined', 'merged'] as string[]).includes(state))
          throw new ValidationError({
            state:
              'Choose what to do with the suggestion: accept it into the programme, decline it with a reason, or merge it into an item already in the programme',
          })
        if (r.state !== 'new')
          throw new ValidationError({
            state: `“${r.title}” has already been ${SUGGESTION_STATE_LABELS[r.state].toLowerCase()}: it can only be triaged once`,
          })
        if (data.version !== undefined && data.version !== r.version)
          throw new ValidationError({
            state: 'Someone else changed this suggestion while you were looking at it: look again and try again',
          })
        const body = await bodyById(tx, councilId, r.body_id)
        const ctx = {
          actor,
          partnershipId: councilId,
          entity: 'work_programme_suggestion',
          summary: `${r.title}: ${SUGGESTION_STATE_LABELS[state].toLowerCase()}`,
        }
        if (state === 'declined') {
          const reason = clean(data.reason)
          if (!reason)
            throw new ValidationError({ reason: 'Enter the reason the suggestion is declined, so it can be given to whoever made it' })
          return updateRecord<SuggestionRow>(tx, 'work_programme_suggestions', id, undefined, { state, decline_reason: reason }, ctx)
        }
        if (state === 'merged') {
          const target = data.mergeInto
            ? await maybeOne<WorkItemRow>(tx, `${ITEM_SELECT} WHERE id = $1 AND body_id = $2`, [data.mergeInto, body.id])
            : undefined
          if (!target) throw new ValidationError({ mergeInto: `Select the item of ${body.name}’s programme to merge the suggestion into` })
          return updateRecord<SuggestionRow>(tx, 'work_programme_suggestions', id, undefined, { state, item_id: target.id }, ctx)
        }
        const item = await createItem(
          tx,
          councilId,
          body,
          {
            topic: r.title,
            issue: r.detail ?? undefined,
            reason: `Suggested by ${SOURCE_LABELS[r.source].replace(/^A |^An |^The /, (x) => x.toLowerCase())}${r.suggested_by ? ` (${r.suggested_by})` : ''}.`,
          },
          actor,
          todayInLondon(),
        )
        return updateRecord<SuggestionRow>(tx, 'work_programme_suggestions', id, undefined, { state, item_id: item.id }, ctx)
      })
    },
  }
  return service
}
export type WorkProgrammeService = ReturnType<typeof workProgrammeService>

/** How the work programme's records read in the History view and the audit log. */
export function describeWorkProgrammeHistory(words: AuditWords, db: Queryable) {
  const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)
  words.describe('work_programme_item', {
    label: 'work programme item',
    fields: {
      partnership_id: { hidden: true },
      body_id: { label: 'Committee', ref: 'body' },
      status_outcomes: { label: 'Status and outcomes' },
      reason: { label: 'Reason for inclusion' },
      cd_review: { label: 'Crime and disorder review' },
      reviews_partnership_id: { label: 'Partnership reviewed', ref: 'partnership' },
      agreed: { label: 'Agreed by the committee' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; topic: string; issue: string | null }>(
        'SELECT id, topic, issue FROM work_programme_items WHERE id = ANY($1::int[])',
        [ids(xs)],
      )
      return new Map(rows.map((r) => [String(r.id), itemLabel(r)]))
    },
  })
  words.describe('work_programme_plan', {
    label: 'work programme plan',
    fields: {
      item_id: { label: 'Work programme item', ref: 'work_programme_item' },
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      agenda_item_id: { label: 'Agenda item', ref: 'agenda_item' },
      deferred: { label: 'Deferred' },
    },
  })
  words.describe('work_programme_suggestion', {
    label: 'work programme suggestion',
    fields: {
      partnership_id: { hidden: true },
      body_id: { label: 'Committee', ref: 'body' },
      item_id: { label: 'Work programme item', ref: 'work_programme_item' },
      suggested_by: { label: 'Suggested by' },
      email: { label: 'Email address' },
      decline_reason: { label: 'Reason declined' },
      ...Object.fromEntries(CRITERIA.map((c) => [c.column, { label: c.text }])),
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; title: string }>(
        'SELECT id, title FROM work_programme_suggestions WHERE id = ANY($1::int[])',
        [ids(xs)],
      )
      return new Map(rows.map((r) => [String(r.id), r.title]))
    },
  })
  words.describe('work_programme_settings', {
    label: 'work programme settings',
    fields: {
      partnership_id: { hidden: true },
      body_id: { label: 'Committee', ref: 'body' },
      call_in_limit: { label: 'Substantive items that leave no room for call-ins' },
      starts_on: { label: 'Programme starts on' },
    },
  })
}
