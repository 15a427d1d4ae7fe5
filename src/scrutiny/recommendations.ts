/**
 * Scrutiny recommendations (issue 10): what a committee recommends at a meeting, to a partnership, a cabinet member or
 * an organisation; the response; and the recommendation's state, moved only along the edges of the council's graph
 * (its own, in recommendation_graphs, or the default RECOMMENDATION_EDGES; see `graphProblems` for what a graph must keep).
 * Every move is a row of recommendation_moves (who, when, note), written through platform/records.ts, so audited.
 *
 * A recommendation addressed to a partnership is that partnership's to answer: its admins and editors write the
 * response on their own pages (`respond`), and the committee sees it. The public sees a published council's
 * recommendations, except those from an exempt agenda item (`isPublic`).
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { choice, Nullable, validate } from '../platform/validation.ts'
import type { GovernanceService } from '../governance/service.ts'
import type { PartnershipService } from '../partnerships/service.ts'
import { publishedCouncil, type ScrutinyService } from './service.ts'
import { shortDate, todayInLondon } from './dates.ts'

export const RECOMMENDATION_STATES = [
  'made',
  'accepted',
  'partly accepted',
  'rejected',
  'in progress',
  'implemented',
  'closed',
  'paused',
] as const
export type RecommendationState = (typeof RECOMMENDATION_STATES)[number]

/** A state a recommendation may be moved on from along the graph's edges (paused has its own rule). */
export type GraphState = Exclude<RecommendationState, 'paused'>
export const GRAPH_STATES = RECOMMENDATION_STATES.filter((s): s is GraphState => s !== 'paused')

/**
 * The default state graph (a council without its own uses it): where a recommendation may go from each state.
 * `paused` is reached from any open state (every state but closed) and leaves only back to the state it was paused
 * from (see `nextStates`).
 */
export const RECOMMENDATION_EDGES: Record<GraphState, GraphState[]> = {
  made: ['accepted', 'partly accepted', 'rejected'],
  accepted: ['in progress'],
  'partly accepted': ['in progress'],
  rejected: ['closed'],
  'in progress': ['implemented'],
  implemented: ['closed'],
  closed: [],
}
export const OPEN_STATES = RECOMMENDATION_STATES.filter((s) => s !== 'closed')

/**
 * A council's state graph: the moves it allows between the fixed states, and whether an open recommendation may be
 * paused. `custom`: the council saved its own (false: the default). `version`: its row's, for the form.
 */
export interface RecommendationGraph {
  edges: Record<GraphState, GraphState[]>
  allowPausing: boolean
  custom: boolean
  version: number | null
}
export const DEFAULT_GRAPH: RecommendationGraph = { edges: RECOMMENDATION_EDGES, allowPausing: true, custom: false, version: null }

export const STATE_LABELS: Record<RecommendationState, string> = {
  made: 'Made',
  accepted: 'Accepted',
  'partly accepted': 'Partly accepted',
  rejected: 'Rejected',
  'in progress': 'In progress',
  implemented: 'Implemented',
  closed: 'Closed',
  paused: 'Paused',
}
const lower = (s: RecommendationState) => STATE_LABELS[s].toLowerCase()

/** The states a recommendation may move to from where it is, in the council's graph (the default if none given). */
export function nextStates(
  state: RecommendationState,
  pausedFrom: RecommendationState | null,
  graph: Pick<RecommendationGraph, 'edges' | 'allowPausing'> = DEFAULT_GRAPH,
): RecommendationState[] {
  // A paused recommendation goes back to where it was, even if the council has since stopped pausing.
  if (state === 'paused') return pausedFrom ? [pausedFrom] : []
  const out: RecommendationState[] = GRAPH_STATES.filter((s) => (graph.edges[state] ?? []).includes(s))
  if (state !== 'closed' && graph.allowPausing) out.push('paused')
  return out
}

/** The graph as text, a line per state: "From made: accepted, partly accepted, rejected". */
export function describeGraph(graph: Pick<RecommendationGraph, 'edges' | 'allowPausing'>) {
  const lines = GRAPH_STATES.map((from) => {
    const to = graph.edges[from] ?? []
    const ways = GRAPH_STATES.filter((s) => to.includes(s)).map(lower)
    return `From ${lower(from)}: ${ways.length ? ways.join(', ') : from === 'closed' ? 'nowhere (closed is the end)' : 'nowhere'}`
  })
  lines.push(
    graph.allowPausing
      ? 'Any open recommendation (not closed) may be paused; a paused one goes back only to the state it was paused from.'
      : 'Recommendations cannot be paused.',
  )
  return lines
}

/** The graph form's field for each state's ways on ("partly accepted" → partlyAccepted). */
export const GRAPH_FIELDS: Record<GraphState, string> = {
  made: 'made',
  accepted: 'accepted',
  'partly accepted': 'partlyAccepted',
  rejected: 'rejected',
  'in progress': 'inProgress',
  implemented: 'implemented',
  closed: 'closed',
}
const waysOn = (title: string) =>
  Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20, title: `From ${title.toLowerCase()}` }))

export const GraphInput = Type.Object(
  {
    made: waysOn('Made'),
    accepted: waysOn('Accepted'),
    partlyAccepted: waysOn('Partly accepted'),
    rejected: waysOn('Rejected'),
    inProgress: waysOn('In progress'),
    implemented: waysOn('Implemented'),
    closed: waysOn('Closed'),
    allowPausing: Type.Optional(Type.Boolean({ title: 'Allow pausing' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type GraphInput = Static<typeof GraphInput>

/**
 * Why a graph cannot be saved (no errors: it can), by form field, with its edges: only known states; no move from a
 * state to itself; closed has no way on; made has at least one; every state reachable from made can reach closed.
 * `inUse`: how many recommendations are in each state (a paused one counts in the state it was paused from): such a
 * state may be left unreachable from made (they keep it), but it must still have a way on, and lead to closed.
 */
export function graphProblems(input: GraphInput, inUse: Partial<Record<GraphState, number>> = {}) {
  const errors: Record<string, string> = {}
  const edges = {} as Record<GraphState, GraphState[]>
  for (const from of GRAPH_STATES) {
    const field = GRAPH_FIELDS[from]
    const given = [...new Set((input as Record<string, string[] | undefined>)[field] ?? [])]
    const unknown = given.filter((s) => !GRAPH_STATES.includes(s as GraphState))
    if (unknown.length)
      errors[field] = unknown.includes('paused')
        ? `From ${lower(from)}: pausing is not a move to tick here; use “Allow pausing”`
        : `From ${lower(from)}: “${unknown[0]}” is not a state. The states are: ${GRAPH_STATES.map(lower).join(', ')}`
    else if (given.includes(from)) errors[field] = `From ${lower(from)}: a recommendation cannot move to the state it is already in`
    else if (from === 'closed' && given.length) errors[field] = 'Closed is the end: a closed recommendation cannot move on'
    edges[from] = GRAPH_STATES.filter((s) => given.includes(s))
  }
  if (Object.keys(errors).length) return { errors, edges }
  if (!edges.made.length) return { errors: { made: 'Choose at least one state a made recommendation can move to' }, edges }
  const reach = (start: GraphState) => {
    const seen = new Set<GraphState>([start])
    const todo = [start]
    while (todo.length)
      for (const to of edges[todo.pop()!])
        if (!seen.has(to)) {
          seen.add(to)
          todo.push(to)
        }
    return seen
  }
  const fromMade = reach('made')
  for (const s of GRAPH_STATES) {
    if (s === 'closed' || reach(s).has('closed')) continue
    const n = inUse[s] ?? 0
    const held = `${n} ${n === 1 ? 'recommendation is' : 'recommendations are'} ${lower(s)} (or paused there)`
    if (fromMade.has(s)) errors[GRAPH_FIELDS[s]] = `From ${lower(s)} there is no way to closed`
    else if (n && !edges[s].length)
      errors[GRAPH_FIELDS[s]] = `${held}, and ${lower(s)} would have no way on: choose where ${n === 1 ? 'it' : 'they'} can move to`
    else if (n) errors[GRAPH_FIELDS[s]] = `From ${lower(s)} there is no way to closed, and ${held}`
  }
  return { errors, edges }
}

/** The municipal year (April to March) a date falls in, by its first year: 2016-04-01 to 2017-03-31 is 2016. */
export function municipalYear(date: string) {
  const y = Number(date.slice(0, 4))
  return Number(date.slice(5, 7)) >= 4 ? y : y - 1
}
/** "SR (16/17) 03". */
export function referenceFor(year: number, n: number) {
  const two = (x: number) => String(x % 100).padStart(2, '0')
  return `SR (${two(year)}/${two(year + 1)}) ${String(n).padStart(2, '0')}`
}

/** The partnership's answers to a made recommendation. */
export const DECISIONS: RecommendationState[] = ['accepted', 'partly accepted', 'rejected']

export const ADDRESSEE_KINDS = ['partnership', 'cabinet member', 'organisation'] as const

const optionalText = (title: string, maxLength: number) =>
  Type.Optional(Type.Union([Type.Null(), Type.String()], { title, maxLength }) as unknown as ReturnType<typeof Type.String>)
const optionalInt = (title: string) =>
  Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1 })], { title }) as unknown as ReturnType<typeof Type.Integer>)

export const RecommendationInput = Type.Object(
  {
    meetingId: Type.Integer({ minimum: 1, title: 'Meeting', errorMessage: 'Select the meeting the recommendation was made at' }),
    itemId: optionalInt('Agenda item'),
    text: Type.String({ minLength: 1, maxLength: 5000, title: 'Recommendation', errorMessage: 'Enter the recommendation' }),
    addresseeKind: choice(ADDRESSEE_KINDS, 'Addressed to'),
    addresseePartnershipId: optionalInt('Partnership'),
    addresseeName: optionalText('Name of the cabinet member or organisation', 300),
    dueDate: Type.Optional(
      Type.Union([Type.Null(), Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })], {
        title: 'Response due',
        errorMessage: 'Enter the date a response is due, like 2017-03-17',
      }) as unknown as ReturnType<typeof Type.String>,
    ),
    reference: optionalText('Reference', 40),
    illustrative: Type.Optional(Type.Boolean({ title: 'Illustrative' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type RecommendationInput = Static<typeof RecommendationInput>

export const MoveInput = Type.Object(
  {
    to: choice(RECOMMENDATION_STATES, 'Move to'),
    note: optionalText('Note', 2000),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

export const ResponseInput = Type.Object(
  {
    response: Type.String({ minLength: 1, maxLength: 10000, title: 'Response', errorMessage: 'Enter the response' }),
    decision: Type.Optional(
      Type.Union([Type.Literal(''), Type.Literal('accepted'), Type.Literal('partly accepted'), Type.Literal('rejected')], {
        title: 'The partnership’s decision',
      }) as unknown as ReturnType<typeof Type.String>,
    ),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

export const RecommendationJson = Type.Object({
  id: Type.Integer(),
  reference: Type.String(),
  url: Type.String(),
  council: Type.Object({ slug: Type.String(), name: Type.String() }),
  committee: Type.Object({ slug: Type.String(), name: Type.String() }),
  meeting: Type.Object({ id: Type.Integer(), date: Type.String({ format: 'date' }) }),
  agendaItem: Nullable(Type.String()),
  text: Type.String(),
  addressee: Type.Object({ kind: Type.String(), name: Type.String(), partnership: Nullable(Type.String()) }),
  dueDate: Nullable(Type.String({ format: 'date' })),
  response: Nullable(Type.String()),
  state: Type.String(),
  overdue: Type.Boolean({ description: 'The response due date has passed and there is no response' }),
  illustrative: Type.Boolean({ description: 'Made up for the demo, not from a council paper' }),
})

export interface RecommendationRow {
  id: number
  partnership_id: number
  body_id: number
  meeting_id: number
  item_id: number | null
  reference: string
  municipal_year: number
  text: string
  addressee_kind: (typeof ADDRESSEE_KINDS)[number]
  addressee_partnership_id: number | null
  addressee_name: string
  due_date: string | null
  response: string | null
  responded_at: Date | null
  state: RecommendationState
  paused_from: RecommendationState | null
  illustrative: boolean
  version: number
}

export interface RecommendationView extends RecommendationRow {
  council: Partnership
  body_slug: string
  body_name: string
  meeting_date: string
  item_title: string | null
  item_exempt: boolean
  addressee: string
  addressee_slug: string | null
  overdue: boolean
}

export interface MoveRow {
  id: number
  from_state: RecommendationState | null
  to_state: RecommendationState
  note: string | null
  moved_by_name: string | null
  created_at: Date
}

const SELECT = `SELECT id, partnership_id, body_id, meeting_id, item_id, reference, municipal_year, text, addressee_kind, addressee_partnership_id,
  addressee_name, to_char(due_date, 'YYYY-MM-DD') AS due_date, response, responded_at, state, paused_from, illustrative, version FROM recommendations`
const clean = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)
const realDate = (d: string) => !isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d

/** Where a recommendation's response is recorded: on the addressed partnership's pages, or by the council itself. */
export const respondsIn = (
  r: Pick<RecommendationRow, 'partnership_id' | 'addressee_kind' | 'addressee_partnership_id'>,
  workspaceId: number,
) => (r.addressee_kind === 'partnership' ? r.addressee_partnership_id === workspaceId : r.partnership_id === workspaceId)

/** "The partnership’s", "The cabinet member’s", "The organisation’s": whose response it is, for labels and move notes. */
export const addresseeLabel = (r: Pick<RecommendationRow, 'addressee_kind'>) => `The ${r.addressee_kind}’s`

/** Overdue: its response due date has passed (in England and Wales) and no response is recorded. */
export const isOverdue = (r: Pick<RecommendationRow, 'due_date' | 'response' | 'state'>, today = todayInLondon()) =>
  !!r.due_date && r.due_date < today && !r.response && r.state !== 'closed'

/** What the public may see: a published council's recommendations, except those from an exempt agenda item. */
export const isPublic = (r: Pick<RecommendationView, 'council' | 'item_exempt'>) => r.council.published && !r.item_exempt

export function recommendationService(
  db: Db,
  deps: { governance: GovernanceService; partnerships: PartnershipService; scrutiny: ScrutinyService },
) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  async function views(q: Queryable, rows: RecommendationRow[]): Promise<RecommendationView[]> {
    if (!rows.length) return []
    const bodies = await deps.governance.byIds([...new Set(rows.map((r) => r.body_id))], q)
    const workspaces = new Map<number, Partnership | undefined>()
    for (const id of new Set(rows.flatMap((r) => [r.partnership_id, r.addressee_partnership_id ?? r.partnership_id])))
      workspaces.set(id, await deps.partnerships.byId(id, q))
    const meetings = new Map<
      number,
      { date: string; items: Map<number, { title: string; exempt: boolean; published_title: string | null }> }
    >()
    for (const id of new Set(rows.map((r) => r.meeting_id))) {
      const r = rows.find((x) => x.meeting_id === id)!
      const { meeting, agenda } = await deps.scrutiny.meeting(r.partnership_id, id, { member: true }, q)
      meetings.set(id, { date: meeting.date, items: new Map(agenda.map((i) => [i.id, i])) })
    }
    const today = todayInLondon()
    return rows.map((r) => {
      const m = meetings.get(r.meeting_id)!
      const item = r.item_id ? m.items.get(r.item_id) : undefined
      const addressed = r.addressee_partnership_id ? workspaces.get(r.addressee_partnership_id) : undefined
      return {
        ...r,
        council: workspaces.get(r.partnership_id)!,
        body_slug: bodies.get(r.body_id)?.slug ?? '',
        body_name: bodies.get(r.body_id)?.name ?? '',
        meeting_date: m.date,
        item_title: item?.title ?? null,
        item_exempt: item?.exempt ?? false,
        addressee: addressed?.name ?? r.addressee_name,
        addressee_slug: addressed?.slug ?? null,
        overdue: isOverdue(r, today),
      }
    })
  }

  /** A council's graph: its own, or the default. */
  async function graph(q: Queryable, councilId: number): Promise<RecommendationGraph> {
    const g = await maybeOne<{ edges: Record<string, string[]>; allow_pausing: boolean; version: number }>(
      q,
      'SELECT edges, allow_pausing, version FROM recommendation_graphs WHERE partnership_id = $1',
      [councilId],
    )
    if (!g) return DEFAULT_GRAPH
    const edges = {} as Record<GraphState, GraphState[]>
    for (const from of GRAPH_STATES) edges[from] = GRAPH_STATES.filter((s) => (g.edges[from] ?? []).includes(s))
    return { edges, allowPausing: g.allow_pausing, custom: true, version: g.version }
  }

  /** How many of a council's recommendations are in each state (a paused one counts in the state it was paused from). */
  async function inUse(q: Queryable, councilId: number) {
    const rows = await q.query<{ state: GraphState; n: number }>(
      `SELECT coalesce(paused_from, state) AS state, count(*)::int AS n FROM recommendations WHERE partnership_id = $1 GROUP BY 1`,
      [councilId],
    )
    return Object.fromEntries(rows.map((x) => [x.state, x.n])) as Partial<Record<GraphState, number>>
  }

  async function row(q: Queryable, id: number) {
    const r = await maybeOne<RecommendationRow>(q, `${SELECT} WHERE id = $1`, [id])
    if (!r) throw new NotFoundError()
    return r
  }

  /** The first key of the advisory lock that numbers a council's recommendations one at a time (the second: the council). */
  const REFERENCE_LOCK = 0x5265_6301
  /** The next free reference for a council's municipal year. */
  async function nextReference(q: Queryable, councilId: number, year: number) {
    const used = new Set(
      (await q.query<{ reference: string }>('SELECT reference FROM recommendations WHERE partnership_id = $1', [councilId])).map(
        (r) => r.reference,
      ),
    )
    for (let n = 1; ; n++) if (!used.has(referenceFor(year, n))) return referenceFor(year, n)
  }

  async function addMove(
    tx: Queryable,
    r: RecommendationRow,
    from: RecommendationState | null,
    to: RecommendationState,
    note: string | null,
    actor: Actor,
    partnershipId: number,
  ) {
    await createRecord(
      tx,
      'recommendation_moves',
      { recommendation_id: r.id, from_state: from, to_state: to, note, moved_by_name: actor.name },
      {
        actor,
        partnershipId,
        entity: 'recommendation_move',
        summary: `${r.reference}: ${from ? `${STATE_LABELS[from]} → ` : ''}${STATE_LABELS[to]}`,
      },
    )
  }

  async function moveWithin(
    tx: Queryable,
    r: RecommendationRow,
    to: RecommendationState,
    note: string | null,
    actor: Actor,
    partnershipId: number,
  ) {
    const allowed = nextStates(r.state, r.paused_from, await graph(tx, r.partnership_id))
    if (!allowed.includes(to)) {
      const ways = allowed.map((s) => STATE_LABELS[s].toLowerCase())
      throw new ValidationError({
        to: `${r.reference} is ${STATE_LABELS[r.state].toLowerCase()}${r.state === 'paused' && r.paused_from ? ` (paused when ${STATE_LABELS[r.paused_from].toLowerCase()})` : ''}, so it cannot be moved to ${STATE_LABELS[to].toLowerCase()}. ${ways.length ? `It can be moved to: ${ways.join(', ')}.` : r.state === 'closed' ? 'It is closed: it cannot be moved.' : 'It cannot be moved on.'}`,
      })
    }
    const updated = await updateRecord<RecommendationRow>(
      tx,
      'recommendations',
      r.id,
      undefined,
      { state: to, paused_from: to === 'paused' ? r.state : null },
      { actor, partnershipId: r.partnership_id, entity: 'recommendation', summary: `${r.reference}: ${STATE_LABELS[to]}` },
    )
    await addMove(tx, r, r.state, to, note, actor, partnershipId)
    return updated
  }

  async function checked(q: Queryable, councilId: number, data: RecommendationInput) {
    const errors: Record<string, string> = {}
    const meetings = await deps.scrutiny.meetings(councilId, {}, q)
    const meeting = meetings.find((m) => m.id === data.meetingId)
    if (!meeting) throw new ValidationError({ meetingId: 'Select the meeting from the list of this council’s meetings' })
    if (data.itemId) {
      const { agenda } = await deps.scrutiny.meeting(councilId, meeting.id, { member: true }, q)
      if (!agenda.some((i) => i.id === data.itemId)) errors.itemId = 'Select an item from that meeting’s agenda'
    }
    let addresseePartnershipId: number | null = null
    let addresseeName = clean(data.addresseeName)
    if (data.addresseeKind === 'partnership') {
      const target = data.addresseePartnershipId ? await deps.partnerships.byId(data.addresseePartnershipId, q) : undefined
      if (!target || target.kind !== 'partnership')
        errors.addresseePartnershipId = 'Select the partnership the recommendation is addressed to'
      else [addresseePartnershipId, addresseeName] = [target.id, target.name]
    } else if (!clean(data.addresseeName))
      errors.addresseeName =
        data.addresseeKind === 'cabinet member'
          ? 'Enter the cabinet member, like Cabinet Member for Communities'
          : 'Enter the organisation, like West Mercia Police'
    if (data.dueDate && !realDate(data.dueDate)) errors.dueDate = 'Enter a real date, like 2017-03-17'
    else if (data.dueDate && data.dueDate < meeting.date)
      errors.dueDate = `The response cannot be due before the meeting that made the recommendation (${shortDate(meeting.date)})`
    if (Object.keys(errors).length) throw new ValidationError(errors)
    return {
      meeting,
      values: {
        meeting_id: meeting.id,
        body_id: meeting.body_id,
        item_id: data.itemId ?? null,
        text: data.text.trim().replace(/\r\n/g, '\n'),
        addressee_kind: data.addresseeKind,
        addressee_partnership_id: addresseePartnershipId,
        addressee_name: addresseeName,
        due_date: data.dueDate || null,
        illustrative: data.illustrative ?? false,
      },
    }
  }

  function uniqueReference(err: { code?: string; constraint?: string; message?: string }): never {
    if (err?.code === '23505' && String(err.constraint ?? err.message).includes('reference'))
      throw new ValidationError({ reference: 'This council already has a recommendation with that reference' })
    throw err
  }

  const service = {
    /** A council's recommendation graph: its own, or the default. */
    graph: (councilId: number, q: Queryable = db) => graph(q, councilId),

    /**
     * Save a council's own graph (its admins). Refused whole, with a message per state, when it breaks a rule of
     * `graphProblems` (recommendations already in a state count: see there). Audited as "recommendation_graph".
     */
    async saveGraph(councilId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(GraphInput, input)
      return inTx(q, async (tx) => {
        const { errors, edges } = graphProblems(data, await inUse(tx, councilId))
        if (Object.keys(errors).length) throw new ValidationError(errors)
        const existing = await maybeOne<{ id: number }>(tx, 'SELECT id FROM recommendation_graphs WHERE partnership_id = $1', [councilId])
        const values = { edges, allow_pausing: data.allowPausing ?? false }
        const ctx = { actor, partnershipId: councilId, entity: 'recommendation_graph', summary: 'Recommendation graph' }
        if (!existing) await createRecord(tx, 'recommendation_graphs', { partnership_id: councilId, ...values }, ctx)
        else await updateRecord(tx, 'recommendation_graphs', existing.id, data.version, values, ctx)
        return graph(tx, councilId)
      })
    },

    /**
     * Go back to the default graph (the council's own is removed, audited). Refused, like saving, if recommendations
     * are in a state the default would leave with no way to closed (it never does: each state of the default leads
     * there).
     */
    async restoreDefaultGraph(councilId: number, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const existing = await maybeOne<{ id: number }>(tx, 'SELECT id FROM recommendation_graphs WHERE partnership_id = $1', [councilId])
        if (existing)
          await deleteRecord(tx, 'recommendation_graphs', existing.id, undefined, {
            actor,
            partnershipId: councilId,
            entity: 'recommendation_graph',
            summary: 'Recommendation graph: back to the default',
          })
        return DEFAULT_GRAPH
      })
    },

    /** A committee's recommendations (newest reference first), with counts by state and the overdue ones. */
    async forCommittee(councilId: number, bodySlug: string, q: Queryable = db) {
      const body = await deps.governance.find(councilId, bodySlug, q)
      if (!body) throw new NotFoundError()
      const list = await views(
        q,
        await q.query<RecommendationRow>(
          `${SELECT} WHERE body_id = $1 AND partnership_id = $2 ORDER BY municipal_year DESC, reference DESC`,
          [body.id, councilId],
        ),
      )
      return { body, list }
    },

    /** Counts by state (every state, in the graph's order) and overdue. */
    counts(list: RecommendationView[]) {
      const byState = RECOMMENDATION_STATES.map((s) => ({
        state: s,
        label: STATE_LABELS[s],
        count: list.filter((r) => r.state === s).length,
      }))
      return { byState, overdue: list.filter((r) => r.overdue).length, total: list.length }
    },

    /** Recommendations addressed to a partnership. `includePrivate`: also those from exempt items and unpublished councils. */
    async addressedTo(partnershipId: number, opts: { includePrivate: boolean }, q: Queryable = db) {
      const list = await views(
        q,
        await q.query<RecommendationRow>(`${SELECT} WHERE addressee_partnership_id = $1 ORDER BY due_date NULLS LAST, id`, [partnershipId]),
      )
      return opts.includePrivate ? list : list.filter(isPublic)
    },

    /** A published council's public recommendations (for the API). */
    async publicFor(councilSlug: string, q: Queryable = db) {
      const council = await publishedCouncil(deps.partnerships, councilSlug, q)
      const list = await views(
        q,
        await q.query<RecommendationRow>(`${SELECT} WHERE partnership_id = $1 ORDER BY municipal_year, reference`, [council.id]),
      )
      return { council, list: list.filter(isPublic) }
    },

    /** One recommendation, with its moves. `workspaceId`: the council's, or the addressed partnership's. */
    async get(workspaceId: number, id: number, q: Queryable = db) {
      const r = await row(q, id)
      if (r.partnership_id !== workspaceId && r.addressee_partnership_id !== workspaceId) throw new NotFoundError()
      const [view] = await views(q, [r])
      const moves = await q.query<MoveRow>(
        `SELECT id, from_state, to_state, note, moved_by_name, created_at FROM recommendation_moves WHERE recommendation_id = $1 ORDER BY created_at, id`,
        [id],
      )
      return { recommendation: view, moves, next: nextStates(r.state, r.paused_from, await graph(q, r.partnership_id)) }
    },

    nextReference: (councilId: number, date: string, q: Queryable = db) => nextReference(q, councilId, municipalYear(date)),

    /** Make a recommendation (state "made", its first move recorded). The reference is generated unless given. */
    async create(councilId: number, input: unknown, actor: Actor, q?: Queryable): Promise<RecommendationRow> {
      const data = validate(RecommendationInput, input)
      return inTx(q, async (tx) => {
        const { meeting, values } = await checked(tx, councilId, data)
        const year = municipalYear(meeting.date)
        // A generated reference: recommendations of one council are numbered one at a time (a lock held until this
        // transaction ends), so two made at once get the next two numbers, not the same one.
        if (!clean(data.reference)) await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [REFERENCE_LOCK, councilId])
        const reference = clean(data.reference) ?? (await nextReference(tx, councilId, year))
        const r = await createRecord<RecommendationRow>(
          tx,
          'recommendations',
          { partnership_id: councilId, reference, municipal_year: year, state: 'made', ...values },
          { actor, partnershipId: councilId, entity: 'recommendation', summary: `${reference} (${meeting.body_name})` },
        ).catch(uniqueReference)
        await addMove(tx, r, null, 'made', null, actor, councilId)
        return row(tx, r.id)
      })
    },

    /** Change a recommendation's details (its text, addressee, due date or reference). Its state changes only by `move`. */
    async update(councilId: number, id: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(RecommendationInput, input)
      return inTx(q, async (tx) => {
        const r = await row(tx, id)
        if (r.partnership_id !== councilId) throw new NotFoundError()
        const { values } = await checked(tx, councilId, { ...data, version: data.version ?? r.version })
        const reference = clean(data.reference) ?? r.reference
        return updateRecord<RecommendationRow>(
          tx,
          'recommendations',
          id,
          data.version,
          { ...values, reference },
          { actor, partnershipId: councilId, entity: 'recommendation', summary: reference },
        ).catch(uniqueReference)
      })
    },

    /** Move a recommendation along an edge of the graph; any other move is refused and nothing is saved. */
    async move(councilId: number, id: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(MoveInput, input)
      return inTx(q, async (tx) => {
        const r = await row(tx, id)
        if (r.partnership_id !== councilId) throw new NotFoundError()
        if (data.version !== undefined && data.version !== r.version)
          throw new ValidationError({
            to: `${r.reference} was changed by someone else while you were looking at it: look again and try again`,
          })
        return moveWithin(tx, r, data.to as RecommendationState, clean(data.note), actor, councilId)
      })
    },

    /**
     * The addressee answers: its response, and (optionally, while the recommendation is still "made") whether it
     * accepts, partly accepts or rejects it, which is recorded as a move. `workspaceId` is the addressed partnership's,
     * which answers on its own pages; or, for a cabinet member or an organisation (who have no workspace here and
     * answer in writing), the council's, whose officers record the answer.
     */
    async respond(workspaceId: number, id: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(ResponseInput, input)
      return inTx(q, async (tx) => {
        const r = await row(tx, id)
        if (!respondsIn(r, workspaceId)) throw new NotFoundError()
        const decision = (data.decision || null) as RecommendationState | null
        const next = nextStates(r.state, r.paused_from, await graph(tx, r.partnership_id))
        if (decision && !next.includes(decision)) {
          const decisions = next.filter((x) => DECISIONS.includes(x))
          throw new ValidationError({
            decision: decisions.length
              ? `${r.reference} is ${STATE_LABELS[r.state].toLowerCase()}: the council does not let it be ${STATE_LABELS[decision].toLowerCase()}. It can be ${decisions.map((x) => STATE_LABELS[x].toLowerCase()).join(' or ')}.`
              : `${r.reference} is already ${STATE_LABELS[r.state].toLowerCase()}: leave the decision blank and write your response`,
          })
        }
        let saved = await updateRecord<RecommendationRow>(
          tx,
          'recommendations',
          id,
          data.version,
          { response: data.response.trim().replace(/\r\n/g, '\n'), responded_at: new Date(), responded_by: actor.id },
          { actor, partnershipId: r.partnership_id, entity: 'recommendation', summary: `${r.reference}: response` },
        )
        if (decision)
          saved = await moveWithin(tx, { ...r, version: saved.version }, decision, `${addresseeLabel(r)} response`, actor, r.partnership_id)
        return saved
      })
    },

    /** The partnership overview's box: recommendations addressed to it, and how many await its response. */
    async overview(p: Partnership, opts: { includeUnpublished: boolean }) {
      if (p.kind !== 'partnership') return undefined
      const list = await service.addressedTo(p.id, { includePrivate: opts.includeUnpublished })
      if (!list.length) return undefined
      const waiting = list.filter((r) => !r.response && r.state !== 'closed').length
      const overdue = list.filter((r) => r.overdue).length
      return {
        heading: 'Scrutiny recommendations',
        href: `/partnerships/${p.slug}/scrutiny-recommendations`,
        lines: [
          `${list.length} ${list.length === 1 ? 'recommendation' : 'recommendations'} from scrutiny`,
          waiting ? `${waiting} awaiting the partnership’s response` : 'All answered',
          ...(overdue ? [`${overdue} overdue`] : []),
        ],
      }
    },
  }
  return service
}
export type RecommendationService = ReturnType<typeof recommendationService>
