/**
 * Scrutiny's proceedings (issue 10): the minutes of a meeting (per agenda item, numbered on from the body's previous
 * meeting), reports and documents on agenda items, organisations' attendance and the attendance report, what the
 * feeds say was published when, and the committees and members the API lists.
 *
 * The public sees minutes once a meeting's minutes are published, documents once its agenda is published, and never
 * an exempt item's minutes or documents (its minute is "Exempt: <published title>"; its documents are 404).
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction, maybeOne } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import { FILE_TYPES, cleanFilename, fileTypeOf, type FileKind } from '../platform/uploads.ts'
import type { OrganisationService } from '../organisations/service.ts'
import type { GovernanceService } from '../governance/service.ts'
import type { PartnershipService } from '../partnerships/service.ts'
import { MinutesInput, OrganisationAttendanceInput } from './schema.ts'
import { meetingTitle, publicItem, publishedCouncil, type ItemView, type MeetingView, type ScrutinyService } from './service.ts'
import { todayInLondon } from './dates.ts'

/** Reports and documents on agenda items: PDF or Word, up to 20 MB. */
export const DOCUMENT_TYPES: FileKind[] = ['pdf', 'docx', 'doc']
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
/** The first key of the advisory lock that numbers a body's minutes one meeting at a time (the second: the body). */
const MINUTES_LOCK = 0x4d69_6e01

export interface DocumentRow {
  id: number
  item_id: number
  filename: string
  content_type: string
  size_bytes: number
  version: number
  created_at: Date
}

export type AttendanceStatus = 'present' | 'apologies' | 'absent' | 'substitute' | 'not recorded'

/** A line of the attendance report: one member or organisation over the year. */
export interface AttendanceLine {
  kind: 'member' | 'organisation'
  id: number
  name: string
  expected: number
  attended: number
  apologies: number
  absent: number
  substituted: number
  notRecorded: number
  percent: number | null
}

const text = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)
const toBuffer = (v: unknown) => (Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v) : Buffer.alloc(0))

export function proceedingsService(
  db: Db,
  deps: { scrutiny: ScrutinyService; governance: GovernanceService; partnerships: PartnershipService; organisations: OrganisationService },
) {
  const s = deps.scrutiny
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  /** Whether the public may see an item's documents: the agenda is published and the item is not exempt. */
  const documentsPublic = (meeting: MeetingView, item: { exempt: boolean }) => meeting.agenda_published && !item.exempt

  /** The highest minute number used by the body's meetings before this one (by date and time), if any. */
  async function lastMinuteBefore(q: Queryable, meeting: MeetingView) {
    const row = await maybeOne<{ n: number | null }>(
      q,
      `SELECT max(i.minute_number) AS n FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id
       WHERE m.body_id = $1 AND m.id <> $2 AND (m.meeting_date, m.start_time) < ($3::date, $4::time)`,
      [meeting.body_id, meeting.id, meeting.date, meeting.start_time],
    )
    return row?.n ?? null
  }

  const service = {
    // ---- Minutes ----

    /**
     * Save a meeting's minutes: each item's minute text and resolution. Items are numbered in agenda order, starting
     * one after the highest number of the body's earlier meetings (or the committee's first minute number). While the
     * minutes are unpublished, saving again renumbers (so a reordered or added item takes its place); once they are
     * published, numbers are fixed and an item without one takes the next after the body's highest.
     */
    async saveMinutes(partnershipId: number, meetingId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(MinutesInput, input)
      return inTx(q, async (tx) => {
        const { meeting, agenda, committee } = await s.meeting(partnershipId, meetingId, { member: true }, tx)
        if (meeting.status === 'cancelled')
          throw new ValidationError({ form: `The meeting of ${meetingTitle(meeting)} was cancelled, so it has no minutes` })
        for (const i of data.items)
          if (!agenda.some((a) => a.id === i.itemId))
            throw new ValidationError({ form: 'An item on the form is not on this meeting’s agenda' })
        // One meeting of a body is numbered at a time: two saves at once cannot take the same numbers.
        await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [MINUTES_LOCK, meeting.body_id])
        const given = new Map(data.items.map((i) => [i.itemId, i]))
        let next: number
        if (!meeting.minutes_published) next = ((await lastMinuteBefore(tx, meeting)) ?? (committee?.first_minute_number ?? 1) - 1) + 1
        else {
          const row = await maybeOne<{ n: number | null }>(
            tx,
            'SELECT max(i.minute_number) AS n FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id WHERE m.body_id = $1',
            [meeting.body_id],
          )
          next = (row?.n ?? (committee?.first_minute_number ?? 1) - 1) + 1
        }
        for (const item of agenda) {
          const g = given.get(item.id)
          const minutes = g ? text(g.minutes) : item.minutes
          const resolution = g ? text(g.resolution) : item.resolution
          const number = meeting.minutes_published && item.minute_number ? item.minute_number : next++
          if (number === item.minute_number && minutes === item.minutes && resolution === item.resolution) continue
          await updateRecord(
            tx,
            'agenda_items',
            item.id,
            undefined,
            { minute_number: number, minutes, resolution },
            { actor, partnershipId, entity: 'agenda_item', summary: `Minute ${number}: ${item.title} (${meetingTitle(meeting)})` },
          )
        }
        return (await s.meeting(partnershipId, meetingId, { member: true }, tx)).agenda
      })
    },

    /** What a minute shows: the public's view of an exempt item is "Exempt: <published title>" only. */
    minutesOf(agenda: ItemView[], opts: { member: boolean }) {
      return agenda.map((i) => (opts.member ? i : publicItem(i)))
    },

    // ---- Documents ----

    /** The documents on these items (without their content), by item. */
    async documents(itemIds: number[], q: Queryable = db): Promise<Map<number, DocumentRow[]>> {
      const out = new Map<number, DocumentRow[]>()
      if (!itemIds.length) return out
      const rows = await q.query<DocumentRow>(
        `SELECT id, item_id, filename, content_type, size_bytes, version, created_at FROM agenda_documents WHERE item_id = ANY($1::int[]) ORDER BY id`,
        [itemIds],
      )
      for (const r of rows) out.set(r.item_id, [...(out.get(r.item_id) ?? []), r])
      return out
    },

    /** The documents a visitor may see on a meeting's items: all for the workspace's people, else the public ones. */
    async visibleDocuments(meeting: MeetingView, agenda: ItemView[], opts: { member: boolean }, q: Queryable = db) {
      const shown = agenda.filter((i) => opts.member || documentsPublic(meeting, i))
      return service.documents(
        shown.map((i) => i.id),
        q,
      )
    },

    /** Attach a report or document (PDF or Word) to an agenda item. The type is judged from the content. */
    async addDocument(
      partnershipId: number,
      meetingId: number,
      itemId: number,
      file: { filename?: string; data?: Buffer | Uint8Array } | undefined,
      actor: Actor,
      q?: Queryable,
    ): Promise<DocumentRow> {
      const filename = cleanFilename(file?.filename ?? '')
      if (!file || !filename) throw new ValidationError({ file: 'Select a file to upload' })
      const data = toBuffer(file.data)
      if (data.length > MAX_DOCUMENT_BYTES) throw new ValidationError({ file: 'The selected file must be smaller than 20 MB' })
      if (!data.length) throw new ValidationError({ file: 'The selected file is empty' })
      const checked = fileTypeOf(filename, data, DOCUMENT_TYPES, 'The selected file')
      if ('message' in checked) throw new ValidationError({ file: checked.message })
      return inTx(q, async (tx) => {
        const { meeting } = await s.meeting(partnershipId, meetingId, { member: true }, tx)
        const item = await s.item(partnershipId, meetingId, itemId, tx)
        // The content is written after the audited insert, so the audit trail holds the file's details, not its bytes.
        const row = await createRecord<DocumentRow>(
          tx,
          'agenda_documents',
          { item_id: item.id, filename, content_type: FILE_TYPES[checked.kind].contentType, size_bytes: data.length },
          { actor, partnershipId, entity: 'agenda_document', summary: `${filename} added to ${item.title} (${meetingTitle(meeting)})` },
        )
        await tx.query('UPDATE agenda_documents SET content = $1 WHERE id = $2', [data, row.id])
        const { content: _c, ...meta } = row as DocumentRow & { content?: unknown }
        return meta
      })
    },

    /** One document with its content. Not found for the public unless the agenda is published and the item not exempt. */
    async document(partnershipId: number, meetingId: number, itemId: number, documentId: number, opts: { member: boolean }) {
      const { meeting } = await s.meeting(partnershipId, meetingId, { member: true })
      const item = await s.item(partnershipId, meetingId, itemId)
      if (!opts.member && !documentsPublic(meeting, item)) throw new NotFoundError()
      const row = await maybeOne<DocumentRow & { content: unknown }>(
        db,
        'SELECT id, item_id, filename, content_type, size_bytes, version, created_at, content FROM agenda_documents WHERE id = $1 AND item_id = $2',
        [documentId, item.id],
      )
      if (!row) throw new NotFoundError()
      return { ...row, content: toBuffer(row.content) }
    },

    async removeDocument(partnershipId: number, meetingId: number, itemId: number, documentId: number, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const { meeting } = await s.meeting(partnershipId, meetingId, { member: true }, tx)
        const item = await s.item(partnershipId, meetingId, itemId, tx)
        const row = await maybeOne<DocumentRow>(tx, 'SELECT id, filename FROM agenda_documents WHERE id = $1 AND item_id = $2', [
          documentId,
          item.id,
        ])
        if (!row) throw new NotFoundError()
        // Keep the file's bytes out of the audit trail's "before".
        await tx.query(`UPDATE agenda_documents SET content = ''::bytea WHERE id = $1`, [row.id])
        await deleteRecord(tx, 'agenda_documents', row.id, undefined, {
          actor,
          partnershipId,
          entity: 'agenda_document',
          summary: `${row.filename} removed from ${item.title} (${meetingTitle(meeting)})`,
        })
        return row
      })
    },

    // ---- Organisations' attendance ----

    /** The workspaces whose bodies require the organisation to attend, or record its attendance (organisations' usage). */
    async partnershipsUsingOrganisation(organisationId: number, q: Queryable = db): Promise<number[]> {
      const rows = await q.query<{ body_id: number }>(
        `SELECT body_id FROM required_organisations WHERE organisation_id = $1
         UNION SELECT m.body_id FROM organisation_attendance a JOIN meetings m ON m.id = a.meeting_id WHERE a.organisation_id = $1`,
        [organisationId],
      )
      const bodies = await deps.governance.byIds(
        rows.map((r) => r.body_id),
        q,
      )
      return [...new Set([...bodies.values()].map((b) => b.partnership_id))]
    },

    /** The organisations' attendance at a meeting, by name. */
    async organisationAttendance(meetingId: number, q: Queryable = db) {
      // Names through the organisations' service (scrutiny does not read their table), in scrutiny's required list.
      const rows = await q.query<{ id: number; organisation_id: number; representative: string | null; status: string }>(
        'SELECT id, organisation_id, representative, status FROM organisation_attendance WHERE meeting_id = $1',
        [meetingId],
      )
      if (!rows.length) return []
      const names = await deps.organisations.names(
        rows.map((r) => r.organisation_id),
        q,
      )
      return rows
        .map((r) => ({ ...r, name: names.get(r.organisation_id) ?? 'An organisation' }))
        .sort((a, b) => a.name.localeCompare(b.name, 'en-GB'))
    },

    /** Record (or change) an organisation's attendance: only an organisation the body requires to attend. */
    async recordOrganisationAttendance(partnershipId: number, meetingId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(OrganisationAttendanceInput, input)
      return inTx(q, async (tx) => {
        const { meeting } = await s.meeting(partnershipId, meetingId, { member: true }, tx)
        const required = await s.requiredOrganisations(meeting.body_id, tx)
        const org = required.find((o) => o.id === data.organisationId)
        if (!org)
          throw new ValidationError({
            organisationId: required.length
              ? `Select one of the organisations required to attend ${meeting.body_name}`
              : `${meeting.body_name} has no organisations required to attend: choose them on its details first`,
          })
        const values = { status: data.attendance, representative: text(data.representative) }
        const ctx = {
          actor,
          partnershipId,
          entity: 'organisation_attendance',
          summary: `${org.name}: ${data.attendance} (${meetingTitle(meeting)})`,
        }
        const existing = await maybeOne<{ id: number }>(
          tx,
          'SELECT id FROM organisation_attendance WHERE meeting_id = $1 AND organisation_id = $2',
          [meeting.id, org.id],
        )
        return existing
          ? updateRecord(tx, 'organisation_attendance', existing.id, undefined, values, ctx)
          : createRecord(tx, 'organisation_attendance', { meeting_id: meeting.id, organisation_id: org.id, ...values }, ctx)
      })
    },

    // ---- The attendance report ----

    /**
     * A body's attendance over a calendar year: meeting by meeting, who was missing (members and required
     * organisations), and per member and organisation, meetings attended of those expected. Counted: the body's
     * meetings of the year up to today that were not cancelled (for the public: those with published minutes).
     * Expected: every member of the committee now (not substitutes) and every organisation required now, at each.
     */
    async attendanceReport(partnershipId: number, bodySlug: string, year: number, opts: { member: boolean }, q: Queryable = db) {
      const c = await s.committee(partnershipId, bodySlug, { from: `${year}-01-01`, to: `${year}-12-31` }, q)
      const today = todayInLondon()
      const meetings = c.meetings
        .filter((m) => m.status !== 'cancelled' && m.date <= today && (opts.member || m.minutes_published))
        .sort((a, b) => a.date.localeCompare(b.date) || a.start_time.localeCompare(b.start_time))
      const members = c.members.filter((m) => m.role !== 'substitute')
      const organisations = await s.requiredOrganisations(c.body.id, q)
      const ids = meetings.map((m) => m.id)
      const people = ids.length
        ? await q.query<{ meeting_id: number; councillor_id: number; status: string; substitute_for: number | null; name: string }>(
            `SELECT a.meeting_id, a.councillor_id, a.status, a.substitute_for, c.name FROM attendance a JOIN councillors c ON c.id = a.councillor_id
             WHERE a.meeting_id = ANY($1::int[])`,
            [ids],
          )
        : []
      const orgs = ids.length
        ? await q.query<{ meeting_id: number; organisation_id: number; status: string; representative: string | null }>(
            'SELECT meeting_id, organisation_id, status, representative FROM organisation_attendance WHERE meeting_id = ANY($1::int[])',
            [ids],
          )
        : []
      const line = (kind: AttendanceLine['kind'], id: number, name: string): AttendanceLine => ({
        kind,
        id,
        name,
        expected: 0,
        attended: 0,
        apologies: 0,
        absent: 0,
        substituted: 0,
        notRecorded: 0,
        percent: null,
      })
      /** Count one expected attendance on a line: undefined when present, else how they were missing. */
      const tally = (l: AttendanceLine, recorded: string | undefined): AttendanceStatus | undefined => {
        l.expected++
        if (recorded === 'present') {
          l.attended++
          return undefined
        }
        const status = (recorded ?? 'not recorded') as AttendanceStatus
        if (status === 'apologies') l.apologies++
        else if (status === 'absent') l.absent++
        else l.notRecorded++
        return status
      }
      const memberLines = new Map(members.map((m) => [m.id, line('member', m.id, m.name)]))
      const orgLines = new Map(organisations.map((o) => [o.id, line('organisation', o.id, o.name)]))
      const byMeeting = meetings.map((m) => {
        const missing: { kind: 'member' | 'organisation'; name: string; status: AttendanceStatus; note: string | null }[] = []
        let present = 0
        for (const member of members) {
          const l = memberLines.get(member.id)!
          const r = people.find((p) => p.meeting_id === m.id && p.councillor_id === member.id)
          const sub = people.find((p) => p.meeting_id === m.id && p.substitute_for === member.id)
          const status = tally(l, r?.status)
          if (!status) {
            present++
            continue
          }
          if (sub) l.substituted++
          missing.push({ kind: 'member', name: member.name, status, note: sub ? `${sub.name} attended as substitute` : null })
        }
        for (const o of organisations) {
          const l = orgLines.get(o.id)!
          const r = orgs.find((x) => x.meeting_id === m.id && x.organisation_id === o.id)
          const status = tally(l, r?.status)
          if (!status) {
            present++
            continue
          }
          missing.push({ kind: 'organisation', name: o.name, status, note: r?.representative ?? null })
        }
        return { meeting: m, expected: members.length + organisations.length, present, missing }
      })
      const lines = [...memberLines.values(), ...orgLines.values()].map((l) => ({
        ...l,
        percent: l.expected ? Math.round((100 * l.attended) / l.expected) : null,
      }))
      return { body: c.body, year, meetings: byMeeting, lines, members, organisations }
    },

    // ---- Feeds ----

    /**
     * What was published, newest first: each meeting's agenda, decisions and minutes, with when, from every published
     * workspace (or one). Titles of meetings and links only: no agenda item's words.
     */
    async publications(opts: { partnershipId?: number; limit?: number } = {}, q: Queryable = db) {
      const workspaces = new Map((await deps.partnerships.visibleTo(undefined)).map((p) => [p.id, p]))
      const ids = opts.partnershipId ? (workspaces.has(opts.partnershipId) ? [opts.partnershipId] : []) : [...workspaces.keys()]
      if (!ids.length) return []
      const limit = opts.limit ?? 50
      const rows = await q.query<{
        id: number
        partnership_id: number
        body_id: number
        date: string
        start_time: string
        step: string
        at: Date
      }>(
        `SELECT * FROM (
           SELECT id, partnership_id, body_id, meeting_date AS date, left(start_time::text, 5) AS start_time, 'agenda' AS step, agenda_published_at AS at
             FROM meetings WHERE agenda_published AND agenda_published_at IS NOT NULL AND partnership_id = ANY($1::int[])
           UNION ALL
           SELECT id, partnership_id, body_id, meeting_date, left(start_time::text, 5), 'decisions', decisions_published_at
             FROM meetings WHERE decisions_published AND decisions_published_at IS NOT NULL AND partnership_id = ANY($1::int[])
           UNION ALL
           SELECT id, partnership_id, body_id, meeting_date, left(start_time::text, 5), 'minutes', minutes_published_at
             FROM meetings WHERE minutes_published AND minutes_published_at IS NOT NULL AND partnership_id = ANY($1::int[])
         ) p ORDER BY at DESC, id DESC LIMIT $2`,
        [ids, limit],
      )
      const bodies = await deps.governance.byIds(
        rows.map((r) => r.body_id),
        q,
      )
      return rows.map((r) => ({
        ...r,
        at: new Date(r.at),
        body_name: bodies.get(r.body_id)?.name ?? '',
        council: workspaces.get(r.partnership_id)!,
      }))
    },

    // ---- The API ----

    /** A published council (workspace of kind council); a 400 with a message otherwise. */
    publishedCouncil: (slug: string) => publishedCouncil(deps.partnerships, slug),

    /** A council's committees as the public sees them. */
    async publicCommittees(councilId: number) {
      const list = await s.committees(councilId)
      const out = []
      for (const { body } of list) {
        const c = await s.committee(councilId, body.slug, { from: '9999-01-01' })
        out.push({ ...c, scrutinises: c.scrutinises.filter((x) => x.published) })
      }
      return out
    },

    /** A council's members with their committees. */
    async publicMembers(councilId: number) {
      const list = await s.councillors(councilId)
      const out = []
      for (const m of list) out.push(await s.councillor(councilId, m.id))
      return out
    },
  }
  return service
}
export type ProceedingsService = ReturnType<typeof proceedingsService>
