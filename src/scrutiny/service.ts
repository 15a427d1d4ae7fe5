/**
 * Scrutiny (issue 10, first part): a council workspace's committees (bodies of the workspace, with what only a
 * committee has), its councillors and co-opted members, and meetings of any body with their agendas.
 *
 * Public and private: a published workspace's meetings are public; their agenda once the agenda is published. An
 * exempt item (Local Government Act 1972, Schedule 12A) never leaves this service for the public except as
 * "Exempt: <the title the council publishes>" with its paragraph: `publicItem` is the one place that decides it, and
 * every public page, feed and the API use it.
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import type { GovernanceService } from '../governance/service.ts'
import type { PartnershipService } from '../partnerships/service.ts'
import type { OrganisationService } from '../organisations/service.ts'
import { COMMITTEE_TYPES, type BodyType } from '../governance/schema.ts'
import {
  CommitteeInput,
  CouncillorInput,
  DeclarationInput,
  AttendanceInput,
  ItemInput,
  MeetingInput,
  MembershipInput,
  NewCommitteeInput,
  SCHEDULE_12A,
  type CommitteeRole,
  type MeetingStatus,
  type StandardItem,
} from './schema.ts'
import { clockTime, londonOffset, noticeDeadline, shortDate, todayInLondon } from './dates.ts'

export interface CommitteeRow {
  id: number
  body_id: number
  partnership_id: number
  remit: string | null
  crime_and_disorder: boolean
  support_officers: string | null
  standing_invitees: string | null
  declarations_wording: string | null
  participation_title: string | null
  participation_wording: string | null
  notice_working_days: number
  notice_time: string
  first_minute_number: number
  version: number
}

export interface CouncillorRow {
  id: number
  partnership_id: number
  name: string
  kind: 'councillor' | 'co-opted'
  party: string | null
  division: string | null
  represents: string | null
  voting_matters: string | null
  version: number
}

export interface MeetingRow {
  id: number
  partnership_id: number
  body_id: number
  date: string
  start_time: string
  place: string
  status: MeetingStatus
  agenda_published: boolean
  decisions_published: boolean
  minutes_published: boolean
  /** When each publication step happened (null while unpublished). */
  agenda_published_at: Date | null
  decisions_published_at: Date | null
  minutes_published_at: Date | null
  version: number
  updated_at: Date
}
export interface MeetingView extends MeetingRow {
  body_slug: string
  body_name: string
  body_type: BodyType
}

export interface ItemRow {
  id: number
  meeting_id: number
  position: number
  standard: StandardItem | null
  title: string
  purpose: string | null
  presenter: string | null
  for_decision: boolean
  exempt: boolean
  exempt_paragraph: number | null
  published_title: string | null
  decision: string | null
  /** Minutes: the item's number (assigned when the minutes are written), minute text and resolution. */
  minute_number: number | null
  minutes: string | null
  resolution: string | null
  version: number
  /** When the item was added (an item added after the agenda was published goes out in a supplementary pack). */
  created_at: Date | string
}

/** An agenda item as it is shown: numbered, with its notice deadline worked out (public participation). */
export interface ItemView extends ItemRow {
  number: number
  /** For an exempt item seen by the public: "Exempt: <published title>". Otherwise the title. */
  shownTitle: string
  /** Public participation: "no later than 9.00am on ...". */
  deadline: string | null
  /** The public's view of an exempt item: only its published title and paragraph. */
  redacted: boolean
}

/** Committee settings when none are saved yet. */
export const DEFAULT_DECLARATIONS =
  'Members are asked to declare any disclosable pecuniary interest, other registrable interest or non-registrable interest in any matter to be considered at the meeting, as the Members’ Code of Conduct requires, and to consider whether they should leave the meeting while the matter is discussed.'
export const DEFAULT_PARTICIPATION_TITLE = 'Public participation'
export const DEFAULT_PARTICIPATION_WORDING = 'To receive any deputations, petitions or questions from members of the public.'

// Dates come back as 'YYYY-MM-DD' text from both engines (platform/db); a time's text is 'HH:MM:SS'.
const MEETING_SELECT = `SELECT id, partnership_id, body_id, meeting_date AS date, left(start_time::text, 5) AS start_time,
  place, status, agenda_published, decisions_published, minutes_published, agenda_published_at, decisions_published_at,
  minutes_published_at, version, updated_at FROM meetings`
const COMMITTEE_SELECT = `SELECT id, body_id, partnership_id, remit, crime_and_disorder, support_officers, standing_invitees, declarations_wording,
  participation_title, participation_wording, notice_working_days, to_char(notice_time, 'HH24:MI') AS notice_time, first_minute_number, version FROM committees`
const ROLE_ORDER: Record<string, number> = { chairman: 0, 'vice-chairman': 1, member: 2, substitute: 3 }

const text = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)

export const isCommitteeType = (type: string) => (COMMITTEE_TYPES as readonly string[]).includes(type)

/** "Policy and Resources Select Committee, Thursday 14 November 2019, 10.00am". */
export function meetingTitle(m: Pick<MeetingView, 'body_name' | 'date' | 'start_time'>) {
  return `${m.body_name}, ${shortDate(m.date)}, ${clockTime(m.start_time)}`
}

/**
 * What the public may see of an item. An exempt item keeps only its number, "Exempt: <published title>" and its
 * paragraph of Schedule 12A: no purpose, presenter or decision.
 */
export function publicItem(item: ItemView): ItemView {
  if (!item.exempt) return item
  return {
    ...item,
    title: `Exempt: ${item.published_title ?? 'item'}`,
    shownTitle: `Exempt: ${item.published_title ?? 'item'}`,
    purpose: null,
    presenter: null,
    decision: null,
    minutes: null,
    resolution: null,
    redacted: true,
  }
}

/** The sentence a public page shows under an exempt item. */
export function exemptReason(paragraph: number | null) {
  return paragraph
    ? `Exempt under paragraph ${paragraph} of Schedule 12A to the Local Government Act 1972: ${SCHEDULE_12A[paragraph]?.toLowerCase() ?? ''}.`
    : ''
}

/**
 * The published council workspace at a slug, for the public API's ?council=; anything else (unknown, unpublished, a
 * partnership) is a 400 with a message.
 */
export async function publishedCouncil(partnerships: Pick<PartnershipService, 'bySlug'>, slug: string, q?: Queryable) {
  const council = await partnerships.bySlug(slug, q)
  if (!council || !council.published || council.kind !== 'council')
    throw new ValidationError({ council: `There is no published council at ${slug}` })
  return council
}

export function scrutinyService(
  db: Db,
  deps: { governance: GovernanceService; partnerships: PartnershipService; organisations?: OrganisationService },
) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  async function withBodies(q: Queryable, rows: MeetingRow[]): Promise<MeetingView[]> {
    const bodies = await deps.governance.byIds(
      rows.map((r) => r.body_id),
      q,
    )
    return rows.map((r) => {
      const b = bodies.get(r.body_id)
      return { ...r, body_slug: b?.slug ?? '', body_name: b?.name ?? '', body_type: (b?.type ?? 'board') as BodyType }
    })
  }

  async function committeeOf(q: Queryable, bodyId: number) {
    return maybeOne<CommitteeRow>(q, `${COMMITTEE_SELECT} WHERE body_id = $1`, [bodyId])
  }

  async function meetingRow(q: Queryable, partnershipId: number, id: number): Promise<MeetingView> {
    const row = await maybeOne<MeetingRow>(q, `${MEETING_SELECT} WHERE id = $1 AND partnership_id = $2`, [id, partnershipId])
    if (!row) throw new NotFoundError()
    return (await withBodies(q, [row]))[0]
  }

  /** The date of the body's last meeting (not cancelled) before this date, for the minutes item. */
  async function previousMeetingDate(q: Queryable, bodyId: number, date: string): Promise<string | null> {
    const row = await maybeOne<{ date: string }>(
      q,
      `SELECT to_char(meeting_date, 'YYYY-MM-DD') AS date FROM meetings WHERE body_id = $1 AND meeting_date < $2 AND status <> 'cancelled'
       ORDER BY meeting_date DESC LIMIT 1`,
      [bodyId, date],
    )
    return row?.date ?? null
  }

  /** Checks that need the database: the body is this workspace's, it is not already meeting then, a past meeting is not left scheduled. */
  async function checkMeeting(q: Queryable, partnershipId: number, data: MeetingInput, selfId?: number) {
    const body = (await deps.governance.byIds([data.bodyId], q)).get(data.bodyId)
    if (!body || body.partnership_id !== partnershipId)
      throw new ValidationError({ bodyId: 'Select the committee or body that meets from the list' })
    const errors: Record<string, string> = {}
    if (isNaN(Date.parse(`${data.date}T00:00:00Z`)) || new Date(`${data.date}T00:00:00Z`).toISOString().slice(0, 10) !== data.date)
      errors.date = 'Enter a real date, like 2019-11-14'
    else if (data.status === 'scheduled' && data.date < todayInLondon())
      errors.status = `The meeting on ${shortDate(data.date)} is in the past, so it cannot still be scheduled: say whether it was held or cancelled`
    if (!errors.date && data.status !== 'cancelled') {
      const clash = await maybeOne(
        q,
        `SELECT 1 FROM meetings WHERE body_id = $1 AND meeting_date = $2 AND start_time = $3 AND status <> 'cancelled' AND id IS DISTINCT FROM $4`,
        [data.bodyId, data.date, data.startTime, selfId ?? null],
      )
      if (clash)
        errors.startTime = `${body.name} already has a meeting at ${clockTime(data.startTime)} on ${shortDate(data.date)}. Change the date or time, or cancel the other meeting first.`
    }
    if (Object.keys(errors).length) throw new ValidationError(errors)
    return body
  }

  /** A unique index caught a clash the check missed (two saves at once). */
  function clash(err: { code?: string; constraint?: string; message?: string }): never {
    if (err?.code === '23505' && String(err.constraint ?? err.message).includes('meetings_body_time'))
      throw new ValidationError({ startTime: 'This body already has a meeting at that date and time' })
    throw err
  }

  function itemValues(data: ItemInput) {
    const exempt = data.exempt ?? false
    const errors: Record<string, string> = {}
    if (exempt && !data.exemptParagraph)
      errors.exemptParagraph = 'Select the paragraph of Schedule 12A to the Local Government Act 1972 that makes this item exempt'
    if (exempt && !text(data.publishedTitle)) errors.publishedTitle = 'Enter the title to publish for this exempt item, like Contract award'
    if (Object.keys(errors).length) throw new ValidationError(errors)
    return {
      title: data.title.trim(),
      purpose: text(data.purpose),
      presenter: text(data.presenter),
      for_decision: data.forDecision ?? false,
      exempt,
      exempt_paragraph: exempt ? (data.exemptParagraph ?? null) : null,
      published_title: exempt ? text(data.publishedTitle) : null,
      decision: text(data.decision),
    }
  }

  async function items(q: Queryable, meeting: MeetingView): Promise<ItemView[]> {
    const rows = await q.query<ItemRow>('SELECT * FROM agenda_items WHERE meeting_id = $1 ORDER BY position, id', [meeting.id])
    const needsDeadline = rows.some((r) => r.standard === 'participation')
    const committee = needsDeadline ? await committeeOf(q, meeting.body_id) : undefined
    return rows.map((r, i) => ({
      ...r,
      number: i + 1,
      shownTitle: r.title,
      redacted: false,
      deadline:
        r.standard === 'participation'
          ? noticeDeadline(meeting.date, committee?.notice_working_days ?? 1, committee?.notice_time ?? '09:00').text
          : null,
    }))
  }

  async function standardItems(q: Queryable, bodyId: number, date: string) {
    const c = await committeeOf(q, bodyId)
    const previous = await previousMeetingDate(q, bodyId, date)
    const list: { standard: StandardItem; title: string; purpose: string }[] = [
      { standard: 'apologies', title: 'Apologies for absence', purpose: 'To receive any apologies for absence.' },
      { standard: 'declarations', title: 'Declarations of interest', purpose: c?.declarations_wording ?? DEFAULT_DECLARATIONS },
      {
        standard: 'minutes',
        title: 'Minutes of the previous meeting',
        purpose: previous
          ? `To confirm the minutes of the previous meeting held on ${shortDate(previous)}.`
          : 'To confirm the minutes of the previous meeting.',
      },
      {
        standard: 'participation',
        title: c?.participation_title ?? DEFAULT_PARTICIPATION_TITLE,
        purpose: c?.participation_wording ?? DEFAULT_PARTICIPATION_WORDING,
      },
      {
        standard: 'announcements',
        title: 'Chairman’s announcements',
        purpose: 'To receive any announcements the Chairman may wish to make.',
      },
    ]
    return list
  }

  async function committeeMembers(q: Queryable, committeeId: number) {
    const rows = await q.query<CouncillorRow & { membership_id: number; role: CommitteeRole; membership_version: number }>(
      `SELECT c.*, m.id AS membership_id, m.role, m.version AS membership_version FROM committee_members m
       JOIN councillors c ON c.id = m.councillor_id WHERE m.committee_id = $1`,
      [committeeId],
    )
    return rows.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.name.localeCompare(b.name, 'en-GB'))
  }

  async function bodyIn(q: Queryable, partnershipId: number, slug: string) {
    const body = await deps.governance.find(partnershipId, slug, q)
    if (!body) throw new NotFoundError()
    return body
  }

  async function publishedWorkspaces() {
    const rows = await deps.partnerships.visibleTo(undefined)
    return new Map(rows.map((p) => [p.id, p]))
  }

  /** The publication timestamps: set when a step is ticked (kept while it stays ticked), cleared when unticked. */
  function publishedAt(data: MeetingInput, before?: MeetingRow) {
    const at = (now: boolean | undefined, was: boolean | undefined, then: Date | null | undefined) =>
      now ? (was ? (then ?? new Date()) : new Date()) : null
    return {
      agenda_published_at: at(data.agendaPublished, before?.agenda_published, before?.agenda_published_at),
      decisions_published_at: at(data.decisionsPublished, before?.decisions_published, before?.decisions_published_at),
      minutes_published_at: at(data.minutesPublished, before?.minutes_published, before?.minutes_published_at),
    }
  }

  /** Make the body's organisations required to attend exactly these (organisations from the organisations service). */
  async function setRequiredOrganisations(
    tx: Queryable,
    partnershipId: number,
    body: { id: number; name: string },
    ids: number[],
    actor: Actor,
  ) {
    const wanted = [...new Set(ids)]
    if (!deps.organisations) throw new Error('scrutiny needs the organisations service for required organisations')
    await deps.organisations.requireAll(wanted, 'requiredOrganisations', tx)
    const names = await deps.organisations.names(wanted, tx)
    const found = await tx.query<{ id: number; organisation_id: number }>(
      'SELECT id, organisation_id FROM required_organisations WHERE body_id = $1',
      [body.id],
    )
    const before = await deps.organisations.names(
      found.map((r) => r.organisation_id),
      tx,
    )
    const rows = found.map((r) => ({ ...r, name: before.get(r.organisation_id) ?? 'An organisation' }))
    const ctx = { actor, partnershipId, entity: 'required_organisation' }
    for (const r of rows)
      if (!wanted.includes(r.organisation_id))
        await deleteRecord(tx, 'required_organisations', r.id, undefined, {
          ...ctx,
          summary: `${r.name} no longer required at ${body.name}`,
        })
    for (const id of wanted)
      if (!rows.some((r) => r.organisation_id === id))
        await createRecord(
          tx,
          'required_organisations',
          { body_id: body.id, organisation_id: id },
          { ...ctx, summary: `${names.get(id) ?? 'An organisation'} required to attend ${body.name}` },
        )
  }

  const service = {
    /** The organisations required to attend a body's meetings, by name. */
    async requiredOrganisations(bodyId: number, q: Queryable = db): Promise<{ id: number; name: string }[]> {
      const ids = (
        await q.query<{ organisation_id: number }>('SELECT organisation_id FROM required_organisations WHERE body_id = $1', [bodyId])
      ).map((r) => r.organisation_id)
      if (!ids.length) return []
      if (!deps.organisations) throw new Error('scrutiny needs the organisations service for required organisations')
      const names = await deps.organisations.names(ids, q)
      return ids.map((id) => ({ id, name: names.get(id) ?? 'An organisation' })).sort((a, b) => a.name.localeCompare(b.name, 'en-GB'))
    },

    // ---- Committees ----

    /** The workspace's committees (its bodies of a committee type), with their details where saved. */
    async committees(partnershipId: number, q: Queryable = db) {
      const bodies = (await deps.governance.list(partnershipId, q)).filter((b) => isCommitteeType(b.type))
      const details = await q.query<CommitteeRow>(`${COMMITTEE_SELECT} WHERE partnership_id = $1`, [partnershipId])
      const byBody = new Map(details.map((d) => [d.body_id, d]))
      return bodies.map((b) => ({ body: b, committee: byBody.get(b.id) ?? null }))
    },

    /** Every body of the workspace, for choosing which one a meeting is of. */
    bodies(partnershipId: number, q: Queryable = db) {
      return deps.governance.list(partnershipId, q)
    },

    /** A committee (any body, in fact) with its details, members, the partnerships it scrutinises and its meetings. */
    async committee(partnershipId: number, bodySlug: string, opts: { from?: string; to?: string } = {}, q: Queryable = db) {
      const body = await bodyIn(q, partnershipId, bodySlug)
      const committee = await committeeOf(q, body.id)
      const members = committee ? await committeeMembers(q, committee.id) : []
      const scrutinises = committee ? await service.scrutinisedPartnerships(committee.id, q) : []
      const meetings = await withBodies(
        q,
        await q.query<MeetingRow>(
          `${MEETING_SELECT} WHERE body_id = $1 AND ($2::date IS NULL OR meeting_date >= $2) AND ($3::date IS NULL OR meeting_date <= $3)
           ORDER BY meeting_date DESC, start_time DESC`,
          [body.id, opts.from ?? null, opts.to ?? null],
        ),
      )
      return { body, committee, members, scrutinises, meetings }
    },

    async scrutinisedPartnerships(committeeId: number, q: Queryable = db): Promise<Partnership[]> {
      const rows = await q.query<{ partnership_id: number }>('SELECT partnership_id FROM committee_partnerships WHERE committee_id = $1', [
        committeeId,
      ])
      const found = await Promise.all(rows.map((r) => deps.partnerships.byId(r.partnership_id, q)))
      return found.filter((p): p is Partnership => !!p).sort((a, b) => a.name.localeCompare(b.name, 'en-GB'))
    },

    /** The committees that scrutinise a partnership (for the partnership's own pages), with their council. */
    async scrutinisedBy(partnershipId: number, q: Queryable = db) {
      const rows = await q.query<{ body_id: number; partnership_id: number; crime_and_disorder: boolean }>(
        `SELECT c.body_id, c.partnership_id, c.crime_and_disorder FROM committee_partnerships l JOIN committees c ON c.id = l.committee_id
         WHERE l.partnership_id = $1`,
        [partnershipId],
      )
      const bodies = await deps.governance.byIds(
        rows.map((r) => r.body_id),
        q,
      )
      const out = []
      for (const r of rows) {
        const council = await deps.partnerships.byId(r.partnership_id, q)
        const body = bodies.get(r.body_id)
        if (council && body) out.push({ council, body, crimeAndDisorder: r.crime_and_disorder })
      }
      return out
    },

    /** The partnership overview's box: the committees that scrutinise it, linked. */
    async overview(p: Partnership, _opts: { includeUnpublished: boolean }) {
      if (p.kind === 'council') {
        const committees = await service.committees(p.id)
        return {
          heading: 'Committees and meetings',
          href: `/partnerships/${p.slug}/committees`,
          lines: committees.length
            ? [`${committees.length} ${committees.length === 1 ? 'committee' : 'committees'}`, 'Meetings calendar and agendas']
            : ['No committees recorded yet'],
        }
      }
      // Only published councils: the partnership's own people are not the council's, so an unpublished one is 404 to them.
      const by = (await service.scrutinisedBy(p.id)).filter((x) => x.council.published)
      if (!by.length) return undefined
      return {
        heading: 'Scrutiny',
        href: `/partnerships/${by[0].council.slug}/committees/${by[0].body.slug}`,
        lines: by.map((x) => `Scrutinised by ${x.body.name}, ${x.council.name}`),
      }
    },

    /** Add a committee: a body of the workspace (governance) and its committee details, in one transaction. */
    async createCommittee(partnershipId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(NewCommitteeInput, input)
      if (!isCommitteeType(data.type)) throw new ValidationError({ type: 'Select the type of committee' })
      return inTx(q, async (tx) => {
        const body = await deps.governance.create(partnershipId, { name: data.name, type: data.type }, actor, tx)
        const { name: _n, type: _t, ...details } = data
        await service.saveCommittee(partnershipId, body.slug, details, actor, tx)
        return body
      })
    },

    /** Save a committee's details (creating them the first time) and the partnerships it scrutinises. */
    async saveCommittee(partnershipId: number, bodySlug: string, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(CommitteeInput, input)
      return inTx(q, async (tx) => {
        const body = await bodyIn(tx, partnershipId, bodySlug)
        const scrutinises = [...new Set(data.scrutinises ?? [])]
        for (const id of scrutinises) {
          const target = await deps.partnerships.byId(id, tx)
          if (!target || target.kind !== 'partnership' || id === partnershipId)
            throw new ValidationError({ scrutinises: 'Select the partnerships it scrutinises from the list' })
        }
        const values = {
          remit: text(data.remit),
          crime_and_disorder: data.crimeAndDisorder ?? false,
          support_officers: text(data.supportOfficers),
          standing_invitees: text(data.standingInvitees),
          declarations_wording: text(data.declarationsWording),
          participation_title: text(data.participationTitle),
          participation_wording: text(data.participationWording),
          notice_working_days: data.noticeWorkingDays ?? 1,
          notice_time: data.noticeTime ?? '09:00',
          ...(data.firstMinuteNumber != null ? { first_minute_number: data.firstMinuteNumber } : {}),
        }
        const ctx = { actor, partnershipId, entity: 'committee', summary: body.name }
        const existing = await committeeOf(tx, body.id)
        const saved = existing
          ? await updateRecord<CommitteeRow>(tx, 'committees', existing.id, data.version, values, ctx)
          : await createRecord<CommitteeRow>(tx, 'committees', { body_id: body.id, partnership_id: partnershipId, ...values }, ctx)
        const links = await tx.query<{ id: number; partnership_id: number }>(
          'SELECT id, partnership_id FROM committee_partnerships WHERE committee_id = $1',
          [saved.id],
        )
        for (const l of links)
          if (!scrutinises.includes(l.partnership_id))
            await deleteRecord(tx, 'committee_partnerships', l.id, undefined, {
              ...ctx,
              entity: 'committee_partnership',
              summary: `${body.name} no longer scrutinises ${(await deps.partnerships.byId(l.partnership_id, tx))?.name ?? 'a partnership'}`,
            })
        for (const id of scrutinises)
          if (!links.some((l) => l.partnership_id === id))
            await createRecord(
              tx,
              'committee_partnerships',
              { committee_id: saved.id, partnership_id: id },
              {
                ...ctx,
                entity: 'committee_partnership',
                summary: `${body.name} scrutinises ${(await deps.partnerships.byId(id, tx))!.name}`,
              },
            )
        if (data.requiredOrganisations) await setRequiredOrganisations(tx, partnershipId, body, data.requiredOrganisations, actor)
        return saved
      })
    },

    // ---- Members ----

    councillors(partnershipId: number, q: Queryable = db): Promise<CouncillorRow[]> {
      return q.query(`SELECT * FROM councillors WHERE partnership_id = $1 ORDER BY name, id`, [partnershipId])
    },

    /** A member with their committees. */
    async councillor(partnershipId: number, id: number, q: Queryable = db) {
      const c = await maybeOne<CouncillorRow>(q, 'SELECT * FROM councillors WHERE id = $1 AND partnership_id = $2', [id, partnershipId])
      if (!c) throw new NotFoundError()
      const memberships = await q.query<{ body_id: number; role: CommitteeRole }>(
        `SELECT k.body_id, m.role FROM committee_members m JOIN committees k ON k.id = m.committee_id WHERE m.councillor_id = $1`,
        [id],
      )
      const bodies = await deps.governance.byIds(
        memberships.map((m) => m.body_id),
        q,
      )
      const committees = memberships
        .flatMap((m) => {
          const b = bodies.get(m.body_id)
          return b ? [{ slug: b.slug, name: b.name, role: m.role }] : []
        })
        .sort((a, b) => a.name.localeCompare(b.name, 'en-GB'))
      return { councillor: c, committees }
    },

    async addCouncillor(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<CouncillorRow> {
      const data = validate(CouncillorInput, input)
      if (data.kind === 'co-opted' && !text(data.votingMatters))
        throw new ValidationError({
          votingMatters: 'Enter the matters a co-opted member may vote on, like "Education matters only", or "None"',
        })
      return inTx(q, (tx) =>
        createRecord<CouncillorRow>(
          tx,
          'councillors',
          {
            partnership_id: partnershipId,
            name: data.name.trim(),
            kind: data.kind,
            party: text(data.party),
            division: text(data.division),
            represents: text(data.represents),
            voting_matters: text(data.votingMatters),
          },
          { actor, partnershipId, entity: 'councillor', summary: data.name.trim() },
        ),
      )
    },

    /** Put a member on a committee with a role (the committee's details are made if none are saved yet). */
    async addMembership(partnershipId: number, bodySlug: string, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(MembershipInput, input)
      return inTx(q, async (tx) => {
        const body = await bodyIn(tx, partnershipId, bodySlug)
        const c = await maybeOne<CouncillorRow>(tx, 'SELECT * FROM councillors WHERE id = $1 AND partnership_id = $2', [
          data.councillorId,
          partnershipId,
        ])
        if (!c) throw new ValidationError({ councillorId: 'Select the member from the list of this council’s members' })
        const committee = (await committeeOf(tx, body.id)) ?? (await service.saveCommittee(partnershipId, body.slug, {}, actor, tx))
        if (await maybeOne(tx, 'SELECT 1 FROM committee_members WHERE committee_id = $1 AND councillor_id = $2', [committee.id, c.id]))
          throw new ValidationError({ councillorId: `${c.name} is already a member of ${body.name}` })
        if (data.role === 'chairman' || data.role === 'vice-chairman') {
          const holder = await maybeOne<{ name: string }>(
            tx,
            `SELECT c.name FROM committee_members m JOIN councillors c ON c.id = m.councillor_id WHERE m.committee_id = $1 AND m.role = $2`,
            [committee.id, data.role],
          )
          if (holder) throw new ValidationError({ role: `${holder.name} is already the ${data.role} of ${body.name}` })
        }
        return createRecord(
          tx,
          'committee_members',
          { committee_id: committee.id, councillor_id: c.id, role: data.role },
          { actor, partnershipId, entity: 'committee_member', summary: `${c.name} (${data.role}) on ${body.name}` },
        )
      })
    },

    async removeMembership(partnershipId: number, bodySlug: string, membershipId: number, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const body = await bodyIn(tx, partnershipId, bodySlug)
        const row = await maybeOne<{ id: number; name: string; role: string }>(
          tx,
          `SELECT m.id, c.name, m.role FROM committee_members m JOIN committees k ON k.id = m.committee_id JOIN councillors c ON c.id = m.councillor_id
           WHERE m.id = $1 AND k.body_id = $2`,
          [membershipId, body.id],
        )
        if (!row) throw new NotFoundError()
        await deleteRecord(tx, 'committee_members', row.id, undefined, {
          actor,
          partnershipId,
          entity: 'committee_member',
          summary: `${row.name} (${row.role}) on ${body.name}`,
        })
      })
    },

    // ---- Meetings ----

    /** The workspace's meetings between two dates (inclusive; either may be left out), earliest first. */
    async meetings(partnershipId: number, opts: { from?: string; to?: string } = {}, q: Queryable = db): Promise<MeetingView[]> {
      return withBodies(
        q,
        await q.query<MeetingRow>(
          `${MEETING_SELECT} WHERE partnership_id = $1 AND ($2::date IS NULL OR meeting_date >= $2) AND ($3::date IS NULL OR meeting_date <= $3)
           ORDER BY meeting_date, start_time, id`,
          [partnershipId, opts.from ?? null, opts.to ?? null],
        ),
      )
    },

    /** Every published workspace's meetings between two dates, with their council, as the public sees them. */
    async publicMeetings(opts: { from?: string; to?: string } = {}, q: Queryable = db) {
      const workspaces = await publishedWorkspaces()
      if (!workspaces.size) return []
      const rows = await withBodies(
        q,
        await q.query<MeetingRow>(
          `${MEETING_SELECT} WHERE partnership_id = ANY($1::int[]) AND ($2::date IS NULL OR meeting_date >= $2) AND ($3::date IS NULL OR meeting_date <= $3)
           ORDER BY meeting_date, start_time, id`,
          [[...workspaces.keys()], opts.from ?? null, opts.to ?? null],
        ),
      )
      return rows.map((m) => ({ ...m, council: workspaces.get(m.partnership_id)! }))
    },

    /** Agenda items of many meetings, as the public sees them (published agendas only; exempt items redacted). */
    async publicAgendas(meetings: MeetingView[], q: Queryable = db): Promise<Map<number, ItemView[]>> {
      const out = new Map<number, ItemView[]>()
      const published = meetings.filter((m) => m.agenda_published)
      if (!published.length) return out
      const rows = await q.query<ItemRow>(
        'SELECT * FROM agenda_items WHERE meeting_id = ANY($1::int[]) ORDER BY meeting_id, position, id',
        [published.map((m) => m.id)],
      )
      const committees = await q.query<CommitteeRow>(`${COMMITTEE_SELECT} WHERE body_id = ANY($1::int[])`, [
        published.map((m) => m.body_id),
      ])
      const byBody = new Map(committees.map((c) => [c.body_id, c]))
      const byMeeting = new Map(published.map((m) => [m.id, m]))
      for (const r of rows) {
        const m = byMeeting.get(r.meeting_id)!
        const list = out.get(m.id) ?? []
        const c = byBody.get(m.body_id)
        list.push(
          publicItem({
            ...r,
            number: list.length + 1,
            shownTitle: r.title,
            redacted: false,
            deadline:
              r.standard === 'participation' ? noticeDeadline(m.date, c?.notice_working_days ?? 1, c?.notice_time ?? '09:00').text : null,
          }),
        )
        out.set(m.id, list)
      }
      return out
    },

    /**
     * One meeting with its agenda. `member`: the workspace's own people see every item whole and an unpublished
     * agenda; everyone else sees the published agenda with exempt items redacted.
     */
    async meeting(partnershipId: number, id: number, opts: { member: boolean }, q: Queryable = db) {
      const meeting = await meetingRow(q, partnershipId, id)
      const all = await items(q, meeting)
      const agenda = opts.member ? all : meeting.agenda_published ? all.map(publicItem) : []
      const committee = await committeeOf(q, meeting.body_id)
      return { meeting, agenda, committee }
    },

    async createMeeting(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<MeetingView> {
      const data = validate(MeetingInput, input)
      return inTx(q, async (tx) => {
        const body = await checkMeeting(tx, partnershipId, data)
        const row = await createRecord<{ id: number }>(
          tx,
          'meetings',
          {
            partnership_id: partnershipId,
            body_id: body.id,
            meeting_date: data.date,
            start_time: data.startTime,
            place: data.place.trim(),
            status: data.status,
            agenda_published: data.agendaPublished ?? false,
            decisions_published: data.decisionsPublished ?? false,
            minutes_published: data.minutesPublished ?? false,
            ...publishedAt(data),
          },
          { actor, partnershipId, entity: 'meeting', summary: `${body.name}, ${shortDate(data.date)}` },
        ).catch(clash)
        if (data.standardItems ?? true) {
          const list = await standardItems(tx, body.id, data.date)
          for (const [i, item] of list.entries())
            await createRecord(
              tx,
              'agenda_items',
              { meeting_id: row.id, position: i + 1, standard: item.standard, title: item.title, purpose: item.purpose },
              { actor, partnershipId, entity: 'agenda_item', summary: `${item.title} (${body.name}, ${shortDate(data.date)})` },
            )
        }
        return meetingRow(tx, partnershipId, row.id)
      })
    },

    async updateMeeting(partnershipId: number, id: number, input: unknown, actor: Actor, q?: Queryable): Promise<MeetingView> {
      const data = validate(MeetingInput, input)
      return inTx(q, async (tx) => {
        const before = await meetingRow(tx, partnershipId, id)
        const body = await checkMeeting(tx, partnershipId, data, id)
        await updateRecord(
          tx,
          'meetings',
          id,
          data.version,
          {
            body_id: body.id,
            meeting_date: data.date,
            start_time: data.startTime,
            place: data.place.trim(),
            status: data.status,
            agenda_published: data.agendaPublished ?? false,
            decisions_published: data.decisionsPublished ?? false,
            minutes_published: data.minutesPublished ?? false,
            ...publishedAt(data, before),
          },
          { actor, partnershipId, entity: 'meeting', summary: `${body.name}, ${shortDate(data.date)}` },
        ).catch(clash)
        return meetingRow(tx, partnershipId, id)
      })
    },

    // ---- Declarations of interest ----

    /** A meeting's declarations, with the member's name and the item's number and title, in the order made. */
    async declarations(partnershipId: number, meetingId: number, q: Queryable = db) {
      const meeting = await meetingRow(q, partnershipId, meetingId)
      const list = await items(q, meeting)
      const rows = await q.query<{ id: number; item_id: number | null; councillor_id: number; name: string; kind: string; nature: string }>(
        `SELECT d.id, d.item_id, d.councillor_id, c.name, d.kind, d.nature FROM declarations d JOIN councillors c ON c.id = d.councillor_id
         WHERE d.meeting_id = $1 ORDER BY d.id`,
        [meeting.id],
      )
      return rows.map((r) => {
        const item = list.find((i) => i.id === r.item_id)
        return {
          ...r,
          item: item
            ? { id: item.id, number: item.number, title: item.title, exempt: item.exempt, published_title: item.published_title }
            : null,
        }
      })
    },

    /** The members who may declare an interest at a meeting: the members of its committee. */
    async meetingMembers(partnershipId: number, meetingId: number, q: Queryable = db) {
      const meeting = await meetingRow(q, partnershipId, meetingId)
      const committee = await committeeOf(q, meeting.body_id)
      return committee ? committeeMembers(q, committee.id) : []
    },

    /** Record a declaration. Only a member of the meeting's committee may declare, on one of the meeting's items. */
    async declare(partnershipId: number, meetingId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(DeclarationInput, input)
      return inTx(q, async (tx) => {
        const meeting = await meetingRow(tx, partnershipId, meetingId)
        const member = (await service.meetingMembers(partnershipId, meetingId, tx)).find((m) => m.id === data.councillorId)
        if (!member) {
          const who = await maybeOne<{ name: string }>(tx, 'SELECT name FROM councillors WHERE id = $1 AND partnership_id = $2', [
            data.councillorId,
            partnershipId,
          ])
          throw new ValidationError({
            councillorId: who
              ? `${who.name} is not a member of ${meeting.body_name}, so cannot declare an interest at its meeting. Add them to the committee first.`
              : 'Select the member making the declaration from the list',
          })
        }
        if (data.itemId && !(await maybeOne(tx, 'SELECT 1 FROM agenda_items WHERE id = $1 AND meeting_id = $2', [data.itemId, meeting.id])))
          throw new ValidationError({ itemId: 'Select the item from this meeting’s agenda' })
        return createRecord(
          tx,
          'declarations',
          { meeting_id: meeting.id, item_id: data.itemId ?? null, councillor_id: member.id, kind: data.kind, nature: data.nature.trim() },
          { actor, partnershipId, entity: 'declaration', summary: `${member.name}: ${data.kind} interest (${meetingTitle(meeting)})` },
        )
      })
    },

    // ---- Attendance ----

    /** Who attended a meeting, by name. */
    async attendance(partnershipId: number, meetingId: number, q: Queryable = db) {
      const meeting = await meetingRow(q, partnershipId, meetingId)
      return q.query<{ id: number; councillor_id: number; name: string; status: string; substitute_for_name: string | null }>(
        `SELECT a.id, a.councillor_id, c.name, a.status, f.name AS substitute_for_name FROM attendance a
         JOIN councillors c ON c.id = a.councillor_id LEFT JOIN councillors f ON f.id = a.substitute_for
         WHERE a.meeting_id = $1 ORDER BY CASE a.status WHEN 'present' THEN 0 WHEN 'substitute' THEN 1 WHEN 'apologies' THEN 2 ELSE 3 END, c.name`,
        [meeting.id],
      )
    },

    /**
     * Record (or change) a member's attendance. Members of the committee are present, give apologies or are absent; a
     * substitute attends for a member of the committee and must be one of its substitutes.
     */
    async recordAttendance(partnershipId: number, meetingId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(AttendanceInput, input)
      return inTx(q, async (tx) => {
        const meeting = await meetingRow(tx, partnershipId, meetingId)
        const members = await service.meetingMembers(partnershipId, meetingId, tx)
        const member = members.find((m) => m.id === data.attendeeId)
        if (!member) throw new ValidationError({ attendeeId: `Select a member of ${meeting.body_name}` })
        let substituteFor: number | null = null
        if (data.attendance === 'substitute') {
          if (member.role !== 'substitute')
            throw new ValidationError({ attendance: `${member.name} is not one of the committee’s substitutes, so cannot attend as one` })
          const absent = members.find((m) => m.id === data.substituteFor && m.role !== 'substitute')
          if (!absent) throw new ValidationError({ substituteFor: 'Select the member of the committee they stood in for' })
          substituteFor = absent.id
        }
        const values = { status: data.attendance, substitute_for: substituteFor }
        const ctx = { actor, partnershipId, entity: 'attendance', summary: `${member.name}: ${data.attendance} (${meetingTitle(meeting)})` }
        const existing = await maybeOne<{ id: number }>(tx, 'SELECT id FROM attendance WHERE meeting_id = $1 AND councillor_id = $2', [
          meeting.id,
          member.id,
        ])
        return existing
          ? updateRecord(tx, 'attendance', existing.id, undefined, values, ctx)
          : createRecord(tx, 'attendance', { meeting_id: meeting.id, councillor_id: member.id, ...values }, ctx)
      })
    },

    /** A member's attendance over the meetings recorded: counts by status, and the meetings. */
    async attendanceOf(partnershipId: number, councillorId: number, q: Queryable = db) {
      const rows = await q.query<{ meeting_id: number; status: string }>(
        `SELECT a.meeting_id, a.status FROM attendance a JOIN councillors c ON c.id = a.councillor_id
         WHERE a.councillor_id = $1 AND c.partnership_id = $2`,
        [councillorId, partnershipId],
      )
      const meetings = rows.length
        ? await withBodies(
            q,
            await q.query<MeetingRow>(`${MEETING_SELECT} WHERE id = ANY($1::int[]) ORDER BY meeting_date DESC`, [
              rows.map((r) => r.meeting_id),
            ]),
          )
        : []
      const status = new Map(rows.map((r) => [r.meeting_id, r.status]))
      const counts: Record<string, number> = { present: 0, substitute: 0, apologies: 0, absent: 0 }
      for (const r of rows) counts[r.status]++
      return { counts, meetings: meetings.map((m) => ({ ...m, attendance: status.get(m.id)! })) }
    },

    // ---- Agenda items ----

    async addItem(partnershipId: number, meetingId: number, input: unknown, actor: Actor, q?: Queryable): Promise<ItemRow> {
      const data = validate(ItemInput, input)
      const values = itemValues(data)
      return inTx(q, async (tx) => {
        const meeting = await meetingRow(tx, partnershipId, meetingId)
        const [{ next }] = await tx.query<{ next: number }>(
          'SELECT coalesce(max(position), 0) + 1 AS next FROM agenda_items WHERE meeting_id = $1',
          [meeting.id],
        )
        return createRecord<ItemRow>(
          tx,
          'agenda_items',
          { meeting_id: meeting.id, position: next, ...values },
          { actor, partnershipId, entity: 'agenda_item', summary: `${values.title} (${meetingTitle(meeting)})` },
        )
      })
    },

    /** How many substantive (not standard) items each of these meetings of the workspace has on its agenda. */
    async substantiveCounts(partnershipId: number, meetingIds: number[], q: Queryable = db): Promise<Map<number, number>> {
      const rows = await q.query<{ meeting_id: number; n: number }>(
        `SELECT a.meeting_id, count(*)::int AS n FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
         WHERE a.meeting_id = ANY($1::int[]) AND m.partnership_id = $2 AND a.standard IS NULL GROUP BY a.meeting_id`,
        [meetingIds, partnershipId],
      )
      return new Map(rows.map((r) => [r.meeting_id, r.n]))
    },

    async item(partnershipId: number, meetingId: number, itemId: number, q: Queryable = db): Promise<ItemRow> {
      await meetingRow(q, partnershipId, meetingId)
      const row = await maybeOne<ItemRow>(q, 'SELECT * FROM agenda_items WHERE id = $1 AND meeting_id = $2', [itemId, meetingId])
      if (!row) throw new NotFoundError()
      return row
    },

    async updateItem(partnershipId: number, meetingId: number, itemId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(ItemInput, input)
      const values = itemValues(data)
      return inTx(q, async (tx) => {
        const meeting = await meetingRow(tx, partnershipId, meetingId)
        await service.item(partnershipId, meetingId, itemId, tx)
        return updateRecord<ItemRow>(tx, 'agenda_items', itemId, data.version, values, {
          actor,
          partnershipId,
          entity: 'agenda_item',
          summary: `${values.title} (${meetingTitle(meeting)})`,
        })
      })
    },

    async removeItem(partnershipId: number, meetingId: number, itemId: number, version: number | undefined, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const meeting = await meetingRow(tx, partnershipId, meetingId)
        const row = await service.item(partnershipId, meetingId, itemId, tx)
        await deleteRecord(tx, 'agenda_items', itemId, version, {
          actor,
          partnershipId,
          entity: 'agenda_item',
          summary: `${row.title} (${meetingTitle(meeting)})`,
        })
      })
    },
  }
  return service
}
export type ScrutinyService = ReturnType<typeof scrutinyService>

/** A meeting's start as an ISO date-time with its offset in England and Wales. */
export function meetingStart(m: Pick<MeetingRow, 'date' | 'start_time'>) {
  return `${m.date}T${m.start_time}:00${londonOffset(m.date, m.start_time)}`
}
