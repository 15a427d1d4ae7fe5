/**
 * Scrutiny's pages, feeds and API: a workspace's committees, members and meetings (read: anyone when the workspace is
 * published, its members always; write: its editors), and every published council's meetings at /meetings, in
 * /meetings.ics and at /api/v1/meetings. Public views of an agenda go through publicItem (service.ts): exempt items
 * show only "Exempt: <published title>" and their paragraph of Schedule 12A.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport, ExportFormat } from '../platform/export.ts'
import { parseForm } from '../platform/validation.ts'
import { ValidationError } from '../platform/errors.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { plural } from '../platform/format.ts'
import { TYPE_LABELS } from '../governance/map.ts'
import { COMMITTEE_TYPES } from '../governance/schema.ts'
import {
  COMMITTEE_ROLES,
  CommitteeInput,
  CouncillorInput,
  ATTENDANCE,
  AttendanceInput,
  DeclarationInput,
  INTEREST_KINDS,
  ItemInput,
  MEETING_STATUSES,
  MeetingInput,
  MeetingJson,
  MeetingsQuery,
  MembershipInput,
  NewCommitteeInput,
  SCHEDULE_12A,
} from './schema.ts'
import {
  exemptReason,
  isCommitteeType,
  meetingStart,
  meetingTitle,
  type ItemRow,
  type MeetingView,
  DEFAULT_DECLARATIONS,
  DEFAULT_PARTICIPATION_TITLE,
  DEFAULT_PARTICIPATION_WORDING,
} from './service.ts'
import { addDays, clockTime, longDate, monthName, shortDate, todayInLondon } from './dates.ts'
import { icalendar, type CalendarEvent } from './ical.ts'
import { FILE_TYPES } from '../platform/uploads.ts'
import { sizeLabel } from '../platform/sources.ts'

/** "PDF", "Word document (DOCX)": a document's type from its content type. */
const documentTypeLabel = (contentType: string) => {
  const t = Object.values(FILE_TYPES).find((x) => x.contentType === contentType)
  return t ? (t.group === t.short ? t.short : `${t.group} (${t.short})`) : 'File'
}

const V = 'scrutiny/views'
const STATUS_LABELS: Record<string, string> = { scheduled: 'Scheduled', confirmed: 'Confirmed', cancelled: 'Cancelled', held: 'Held' }
const ATTENDANCE_LABELS: Record<string, string> = { present: 'Present', apologies: 'Apologies', absent: 'Absent', substitute: 'Substitute' }
const ROLE_LABELS: Record<string, string> = {
  chairman: 'Chairman',
  'vice-chairman': 'Vice-chairman',
  member: 'Member',
  substitute: 'Substitute',
}

const PartnershipParams = Type.Object({ partnership: Type.String() })
const BodyParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }) })
const MembershipParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }), membership: Type.Integer() })
const MeetingParams = Type.Object({ partnership: Type.String(), meeting: Type.Integer() })
const ItemParams = Type.Object({ partnership: Type.String(), meeting: Type.Integer(), item: Type.Integer() })
const MemberParams = Type.Object({ partnership: Type.String(), member: Type.Integer() })
const ListQuery = Type.Object({
  view: Type.Optional(Type.Union([Type.Literal('list'), Type.Literal('calendar')], { title: 'View' })),
  month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', title: 'Month', errorMessage: 'month must be like 2019-11' })),
  from: MeetingsQuery.properties.from,
  to: MeetingsQuery.properties.to,
  format: ExportFormat,
})
type ListQuery = Static<typeof ListQuery>

type ListedMeeting = MeetingView & { council?: { slug: string; name: string } }

const meetingHref = (slug: string, m: { id: number }) => `/partnerships/${slug}/meetings/${m.id}`

/** A list of meetings, on the meetings pages and in their downloads. */
const meetingsTable = defineTable<ListedMeeting & { slug: string }>([
  { key: 'id', value: (m) => m.id },
  { key: 'date', header: 'Date', value: (m) => m.date, html: (m) => link(meetingHref(m.slug, m), longDate(m.date)) },
  { key: 'start_time', header: 'Time', value: (m) => m.start_time, text: (m) => clockTime(m.start_time) },
  { key: 'council', header: 'Council', value: (m) => m.council?.name ?? null, empty: '–' },
  { key: 'body', header: 'Committee or body', value: (m) => m.body_name },
  { key: 'place', header: 'Place', value: (m) => m.place },
  { key: 'status', header: 'Status', value: (m) => m.status, text: (m) => STATUS_LABELS[m.status] },
  { key: 'agenda_published', value: (m) => m.agenda_published },
  { key: 'url', value: (m) => meetingHref(m.slug, m) },
])

/** A committee's members, on its page and in its download. */
type MemberRowView = Awaited<ReturnType<Services['scrutiny']['committee']>>['members'][number]
const committeeMembersTable = defineTable<MemberRowView & { slug: string }>([
  { key: 'name', header: 'Name', value: (m) => m.name, html: (m) => link(`/partnerships/${m.slug}/members/${m.id}`, m.name) },
  { key: 'role', header: 'Role', value: (m) => m.role, text: (m) => ROLE_LABELS[m.role] },
  { key: 'kind', value: (m) => m.kind },
  { key: 'party', header: 'Party', value: (m) => m.party, empty: '–' },
  { key: 'division', header: 'Ward or division', value: (m) => m.division, empty: '–' },
  { key: 'voting_matters', header: 'May vote on', value: (m) => (m.kind === 'co-opted' ? m.voting_matters : 'All matters') },
])

/** Split text into paragraphs for a page. */
const paragraphs = (s: string | null | undefined) =>
  s
    ? s
        .split(/\n+/)
        .map((p) => p.trim())
        .filter(Boolean)
    : []

/** The month grid: weeks from Monday, each day with its meetings. */
function monthGrid(month: string, meetings: ListedMeeting[]) {
  const first = `${month}-01`
  const start = addDays(first, -((new Date(`${first}T00:00:00Z`).getUTCDay() + 6) % 7))
  const weeks: { date: string; day: number; inMonth: boolean; meetings: ListedMeeting[] }[][] = []
  let d = start
  do {
    const week = []
    for (let i = 0; i < 7; i++) {
      week.push({ date: d, day: Number(d.slice(8)), inMonth: d.startsWith(month), meetings: meetings.filter((m) => m.date === d) })
      d = addDays(d, 1)
    }
    weeks.push(week)
  } while (d.startsWith(month))
  return weeks
}
const monthOf = (date: string) => date.slice(0, 7)
function shiftMonth(month: string, n: number) {
  const [y, m] = month.split('-').map(Number)
  const total = y * 12 + (m - 1) + n
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`
}
const monthLabelOf = (month: string) => `${monthName(Number(month.slice(5)))} ${month.slice(0, 4)}`
const lastDay = (month: string) => addDays(`${shiftMonth(month, 1)}-01`, -1)

export async function scrutinyRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const s = services.scrutiny
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    ...more,
  ]
  const canEdit = (request: FastifyRequest) => hasRole(request, 'editor')
  const absolute = (path: string) => `${config.baseUrl}${path}`

  /** The meetings list or month calendar: one workspace's or (no partnership) every published council's. */
  async function listPage(request: FastifyRequest<{ Querystring: ListQuery }>, reply: FastifyReply, partnershipSlug?: string) {
    const q = request.query
    const view = q.view ?? 'list'
    const today = todayInLondon()
    const month = q.month ?? monthOf(q.from ?? today)
    const range =
      view === 'calendar' ? { from: `${month}-01`, to: lastDay(month) } : { from: q.from ?? (q.to ? undefined : today), to: q.to }
    const meetings: (ListedMeeting & { slug: string })[] = partnershipSlug
      ? (await s.meetings(p(request).id, range)).map((m) => ({ ...m, slug: partnershipSlug }))
      : (await s.publicMeetings(range)).map((m) => ({ ...m, slug: m.council.slug }))
    const here = partnershipSlug ? `${base(request)}/meetings` : '/meetings'
    if (sendExport(reply, q.format, partnershipSlug ? `meetings-${partnershipSlug}` : 'meetings', meetings, meetingsTable)) return reply
    const omit = partnershipSlug ? ['council'] : []
    return reply.view(`${V}/meetings.njk`, {
      title: partnershipSlug ? 'Meetings' : 'Council meetings',
      view,
      here,
      global: !partnershipSlug,
      canEdit: partnershipSlug ? canEdit(request) : false,
      table: tableView(meetingsTable, meetings, {
        caption:
          range.from && !range.to
            ? `${plural(meetings.length, 'meeting')} from ${shortDate(range.from)}`
            : plural(meetings.length, 'meeting'),
        captionClasses: 'govuk-table__caption--m',
        omit,
      }),
      count: meetings.length,
      from: range.from,
      earlierHref: `${here}?to=${addDays(range.from ?? today, -1)}`,
      weeks: view === 'calendar' ? monthGrid(month, meetings) : [],
      month,
      monthLabel: monthLabelOf(month),
      previousMonth: shiftMonth(month, -1),
      nextMonth: shiftMonth(month, 1),
      previousMonthLabel: monthLabelOf(shiftMonth(month, -1)),
      nextMonthLabel: monthLabelOf(shiftMonth(month, 1)),
      icsHref: partnershipSlug ? undefined : '/meetings.ics',
      atomHref: `${here}.atom`,
      exportHref: `${here}?${new URLSearchParams(Object.entries({ view, month: view === 'calendar' ? month : '', from: q.from ?? '', to: q.to ?? '' }).filter(([, v]) => v)).toString()}`,
      breadcrumbs: partnershipSlug ? crumbs(request) : [],
      clockTime,
    })
  }

  // ---- Every published council's meetings ----

  app.get<{ Querystring: ListQuery }>(
    '/meetings',
    { config: { access: 'public' }, schema: { querystring: ListQuery } },
    async (request, reply) => listPage(request, reply),
  )

  app.get('/meetings.ics', { config: { access: 'public' } }, async (_request, reply) => {
    const meetings = await s.publicMeetings({})
    const events = meetings.map((m) => calendarEvent(m, m.council))
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', 'inline; filename="meetings.ics"')
      .send(icalendar('Council meetings', events))
  })

  /** A meeting in a calendar feed: its start, place and a link to its page (the agenda is on the page, not in the feed). */
  function calendarEvent(m: MeetingView, council: { slug: string; name: string }): CalendarEvent {
    return {
      uid: `meeting-${m.id}@${new URL(config.baseUrl).host}`,
      date: m.date,
      time: m.start_time,
      summary: `${m.body_name} (${council.name})`,
      location: m.place,
      url: absolute(meetingHref(council.slug, m)),
      description: m.agenda_published ? `Agenda: ${absolute(meetingHref(council.slug, m))}` : undefined,
      cancelled: m.status === 'cancelled',
      updated: new Date(m.updated_at),
    }
  }

  app.get<{ Querystring: Static<typeof MeetingsQuery> }>(
    '/api/v1/meetings',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Scrutiny'],
        summary:
          "Published councils' meetings between two dates (inclusive), with their published agendas; exempt items as 'Exempt: <title>'",
        security: [],
        querystring: MeetingsQuery,
        response: { 200: Type.Array(MeetingJson) },
      },
    },
    async (request) => {
      // A year at most: from defaults to today, to to a year after from.
      const from = request.query.from ?? (request.query.to ? addDays(request.query.to, -366) : todayInLondon())
      const to = request.query.to ?? addDays(from, 366)
      if (to < from) throw new ValidationError({ to: 'to must be the same as or after from' })
      if (addDays(from, 366) < to) throw new ValidationError({ to: 'Ask for a year at most: to must be no more than 366 days after from' })
      const meetings = await s.publicMeetings({ from, to })
      const agendas = await s.publicAgendas(meetings)
      return meetings.map((m) => ({
        id: m.id,
        url: absolute(meetingHref(m.council.slug, m)),
        council: { slug: m.council.slug, name: m.council.name },
        body: { slug: m.body_slug, name: m.body_name, type: m.body_type },
        date: m.date,
        startTime: m.start_time,
        start: meetingStart(m),
        place: m.place,
        status: m.status,
        agendaPublished: m.agenda_published,
        decisionsPublished: m.decisions_published,
        minutesPublished: m.minutes_published,
        pack: m.agenda_published ? absolute(`${meetingHref(m.council.slug, m)}/pack.pdf`) : null,
        agenda: (agendas.get(m.id) ?? []).map((i) => ({
          number: i.number,
          title: i.shownTitle,
          standard: i.standard,
          purpose: i.deadline ? `${i.purpose ?? ''} Notice must be given ${i.deadline}.`.trim() : i.purpose,
          presenter: i.presenter,
          forDecision: i.for_decision,
          exempt: i.exempt,
          exemptParagraph: i.exempt_paragraph,
          decision: m.decisions_published ? i.decision : null,
        })),
      }))
    },
  )

  // ---- A workspace's meetings ----

  app.get<{ Querystring: ListQuery }>(
    '/partnerships/:partnership/meetings',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: ListQuery } },
    async (request, reply) => listPage(request, reply, p(request).slug),
  )

  const bodyItems = async (request: FastifyRequest) =>
    (await s.bodies(p(request).id)).map((b) => ({ value: b.id, text: `${'– '.repeat(b.depth)}${b.name}` }))
  const statusItems = MEETING_STATUSES.map((x) => ({ value: x, text: STATUS_LABELS[x] }))
  const meetingFormContext = async (request: FastifyRequest, meeting?: MeetingView) => ({
    title: meeting ? `Change the meeting of ${shortDate(meeting.date)}` : 'Add a meeting',
    isNew: !meeting,
    bodyItems: await bodyItems(request),
    statusItems,
    action: meeting ? `${meetingHref(p(request).slug, meeting)}/edit` : `${base(request)}/meetings/new`,
    cancelHref: meeting ? meetingHref(p(request).slug, meeting) : `${base(request)}/meetings`,
    breadcrumbs: crumbs(request, [{ text: 'Meetings', href: `${base(request)}/meetings` }]),
  })

  app.get<{ Querystring: { body?: number } }>(
    '/partnerships/:partnership/meetings/new',
    {
      config: { access: { partnership: 'editor' } },
      schema: { params: PartnershipParams, querystring: Type.Object({ body: Type.Optional(Type.Integer({ minimum: 1 })) }) },
    },
    async (request, reply) =>
      reply.view(`${V}/meeting-form.njk`, {
        ...(await meetingFormContext(request)),
        values: { bodyId: request.query.body, status: 'scheduled', startTime: '10:00', standardItems: true },
      }),
  )

  app.post(
    '/partnerships/:partnership/meetings/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/meeting-form.njk`,
        context: () => meetingFormContext(request),
        run: async () => {
          const m = await s.createMeeting(p(request).id, parseForm(MeetingInput, formBody(request)), request.actor)
          return { redirect: meetingHref(p(request).slug, m), flash: `Meeting of ${meetingTitle(m)} added` }
        },
      }),
  )

  const meetingContext = async (request: FastifyRequest, id: number) => {
    const member = isMember(request)
    const { meeting, agenda, committee } = await s.meeting(p(request).id, id, { member })
    const here = meetingHref(p(request).slug, meeting)
    const showDecisions = member || meeting.decisions_published
    const jsonLd = {
      '@context': 'https://schema.org',
      '@type': 'Event',
      name: `${meeting.body_name}: ${shortDate(meeting.date)}`,
      startDate: meetingStart(meeting),
      eventStatus: meeting.status === 'cancelled' ? 'https://schema.org/EventCancelled' : 'https://schema.org/EventScheduled',
      eventAttendanceMode: 'https://schema.org/OfflineEventAttendanceMode',
      location: { '@type': 'Place', name: meeting.place, address: meeting.place },
      organizer: { '@type': 'Organization', name: p(request).name },
      url: absolute(here),
      // Always the public's view of the agenda (never an exempt item's own title), even for a member's page.
      description: meeting.agenda_published
        ? agenda.map((i) => (i.exempt ? `${i.number}. Exempt: ${i.published_title}` : `${i.number}. ${i.title}`)).join('; ')
        : undefined,
    }
    // Declarations are public with the minutes (the workspace's people see them at once).
    const declarations =
      member || meeting.minutes_published
        ? (await s.declarations(p(request).id, meeting.id)).map((d) => ({
            ...d,
            itemText: d.item
              ? `${d.item.number}. ${d.item.exempt && !member ? `Exempt: ${d.item.published_title}` : d.item.title}`
              : 'The whole meeting',
          }))
        : []
    const editing = canEdit(request)
    const attendance = member || meeting.minutes_published ? await s.attendance(p(request).id, meeting.id) : []
    const committeeMembers = editing ? await s.meetingMembers(p(request).id, meeting.id) : []
    // Agenda items that come from the committee's work programme (the public: agreed items only).
    const fromProgramme = await services.workProgramme.forMeeting(p(request).id, meeting.id, { member })
    // Minutes (and organisations' attendance) are public once the minutes are published; documents with the agenda.
    const showMinutes = member || meeting.minutes_published
    const documents = await services.proceedings.visibleDocuments(meeting, agenda, { member })
    const organisationAttendance = showMinutes ? await services.proceedings.organisationAttendance(meeting.id) : []
    const requiredOrganisations = await s.requiredOrganisations(meeting.body_id)
    return {
      minutes:
        showMinutes && agenda.some((i) => i.minute_number || i.minutes || i.resolution)
          ? agenda.map((i) => ({ ...i, minuteParagraphs: paragraphs(i.minutes) }))
          : [],
      organisationAttendance: organisationAttendance.map((a) => ({
        ...a,
        statusText: `${ATTENDANCE_LABELS[a.status]}${a.representative ? ` (${a.representative})` : ''}`,
      })),
      requiredOrganisations,
      attendance: attendance.map((a) => ({
        ...a,
        statusText: a.status === 'substitute' ? `Substitute for ${a.substitute_for_name ?? 'a member'}` : ATTENDANCE_LABELS[a.status],
      })),
      attendanceChoices: editing
        ? {
            members: committeeMembers.map((m) => ({ value: m.id, text: m.role === 'substitute' ? `${m.name} (substitute)` : m.name })),
            absentees: committeeMembers.filter((m) => m.role !== 'substitute').map((m) => ({ value: m.id, text: m.name })),
            statuses: ATTENDANCE.map((x) => ({ value: x, text: ATTENDANCE_LABELS[x] })),
          }
        : undefined,
      // A board's standing item: its council's panels' quarterly monitoring feedback (forward-plan-routes.ts).
      monitoringHref:
        meeting.body_type === 'overview and scrutiny board'
          ? `/partnerships/${p(request).slug}/committees/${meeting.body_slug}/monitoring`
          : undefined,
      title: meetingTitle(meeting),
      meeting,
      committee,
      declarations,
      declarationChoices: editing
        ? {
            members: committeeMembers.map((m) => ({ value: m.id, text: m.name })),
            items: agenda.map((i) => ({ value: i.id, text: `${i.number}. ${i.title}` })),
            kinds: INTEREST_KINDS.map((k) => ({ value: k, text: k[0].toUpperCase() + k.slice(1) + ' interest' })),
          }
        : undefined,
      agenda: agenda.map((i) => ({
        ...i,
        paragraphs: paragraphs(i.purpose),
        decision: showDecisions ? i.decision : null,
        exemptText: i.exempt ? exemptReason(i.exempt_paragraph) : '',
        fromProgramme: i.redacted ? undefined : fromProgramme.get(i.id),
        documents: (documents.get(i.id) ?? []).map((d) => ({
          ...d,
          href: `${here}/items/${i.id}/documents/${d.id}`,
          label: `${documentTypeLabel(d.content_type)}, ${sizeLabel(d.size_bytes)}`,
        })),
      })),
      member,
      canEdit: canEdit(request),
      longDate: longDate(meeting.date),
      time: clockTime(meeting.start_time),
      statusLabel: STATUS_LABELS[meeting.status],
      here,
      bodyHref: isCommitteeType(meeting.body_type)
        ? `${base(request)}/committees/${meeting.body_slug}`
        : `${base(request)}/bodies/${meeting.body_slug}`,
      jsonLd: JSON.stringify(jsonLd).replace(/</g, '\\u003c'),
      historyHref: historyHref(request, 'meeting', meeting.id, here),
      breadcrumbs: crumbs(request, [{ text: 'Meetings', href: `${base(request)}/meetings` }]),
    }
  }

  app.get(
    '/partnerships/:partnership/meetings/:meeting',
    { config: { access: { partnership: 'public' } }, schema: { params: MeetingParams } },
    async (request, reply) =>
      reply.view(`${V}/meeting.njk`, await meetingContext(request, (request.params as { meeting: number }).meeting)),
  )

  const meetingId = (request: FastifyRequest) => (request.params as { meeting: number }).meeting
  const itemId = (request: FastifyRequest) => (request.params as { item: number }).item

  app.get(
    '/partnerships/:partnership/meetings/:meeting/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => {
      const { meeting } = await s.meeting(p(request).id, meetingId(request), { member: true })
      return reply.view(`${V}/meeting-form.njk`, {
        ...(await meetingFormContext(request, meeting)),
        values: {
          bodyId: meeting.body_id,
          date: meeting.date,
          startTime: meeting.start_time,
          place: meeting.place,
          status: meeting.status,
          agendaPublished: meeting.agenda_published,
          decisionsPublished: meeting.decisions_published,
          minutesPublished: meeting.minutes_published,
          version: meeting.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => {
      const { meeting } = await s.meeting(p(request).id, meetingId(request), { member: true })
      return handleForm(request, reply, {
        template: `${V}/meeting-form.njk`,
        context: () => meetingFormContext(request, meeting),
        run: async () => {
          const m = await s.updateMeeting(p(request).id, meeting.id, parseForm(MeetingInput, formBody(request)), request.actor)
          return { redirect: meetingHref(p(request).slug, m), flash: 'Meeting saved' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/attendance',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => {
      const id = meetingId(request)
      await s.meeting(p(request).id, id, { member: true })
      return handleForm(request, reply, {
        template: `${V}/meeting.njk`,
        context: () => meetingContext(request, id),
        run: async () => {
          await s.recordAttendance(p(request).id, id, parseForm(AttendanceInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/meetings/${id}#meeting-attendance`, flash: 'Attendance recorded' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/declarations',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => {
      const id = meetingId(request)
      await s.meeting(p(request).id, id, { member: true })
      return handleForm(request, reply, {
        template: `${V}/meeting.njk`,
        context: () => meetingContext(request, id),
        run: async () => {
          await s.declare(p(request).id, id, parseForm(DeclarationInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/meetings/${id}#declarations`, flash: 'Declaration of interest recorded' }
        },
      })
    },
  )

  // ---- Agenda items ----

  const paragraphItems = Object.entries(SCHEDULE_12A).map(([n, words]) => ({ value: Number(n), text: `Paragraph ${n}: ${words}` }))
  const itemFormContext = async (request: FastifyRequest, item?: ItemRow) => {
    const { meeting } = await s.meeting(p(request).id, meetingId(request), { member: true })
    const here = meetingHref(p(request).slug, meeting)
    return {
      title: item ? `Change agenda item: ${item.title}` : `Add an agenda item to ${meetingTitle(meeting)}`,
      meeting,
      item,
      paragraphItems,
      action: item ? `${here}/items/${item.id}/edit` : `${here}/items/new`,
      cancelHref: `${here}#agenda`,
      breadcrumbs: crumbs(request, [
        { text: 'Meetings', href: `${base(request)}/meetings` },
        { text: meetingTitle(meeting), href: here },
      ]),
    }
  }

  app.get(
    '/partnerships/:partnership/meetings/:meeting/items/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => reply.view(`${V}/item-form.njk`, { ...(await itemFormContext(request)), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/items/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/item-form.njk`,
        context: () => itemFormContext(request),
        run: async () => {
          const item = await s.addItem(p(request).id, meetingId(request), parseForm(ItemInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/meetings/${meetingId(request)}#item-${item.id}`, flash: `${item.title} added to the agenda` }
        },
      }),
  )

  app.get(
    '/partnerships/:partnership/meetings/:meeting/items/:item/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const item = await s.item(p(request).id, meetingId(request), itemId(request))
      return reply.view(`${V}/item-form.njk`, {
        ...(await itemFormContext(request, item)),
        values: {
          title: item.title,
          purpose: item.purpose,
          presenter: item.presenter,
          forDecision: item.for_decision,
          exempt: item.exempt,
          exemptParagraph: item.exempt_paragraph,
          publishedTitle: item.published_title,
          decision: item.decision,
          version: item.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/items/:item/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const item = await s.item(p(request).id, meetingId(request), itemId(request))
      return handleForm(request, reply, {
        template: `${V}/item-form.njk`,
        context: () => itemFormContext(request, item),
        run: async () => {
          await s.updateItem(p(request).id, meetingId(request), item.id, parseForm(ItemInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/meetings/${meetingId(request)}#item-${item.id}`, flash: 'Agenda item saved' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/items/:item/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const item = await s.item(p(request).id, meetingId(request), itemId(request))
      return handleForm(request, reply, {
        template: `${V}/meeting.njk`,
        context: () => meetingContext(request, meetingId(request)),
        run: async () => {
          await s.removeItem(p(request).id, meetingId(request), item.id, formVersion(request), request.actor)
          return { redirect: `${base(request)}/meetings/${meetingId(request)}#agenda`, flash: `${item.title} removed from the agenda` }
        },
      })
    },
  )

  // ---- Committees ----

  app.get(
    '/partnerships/:partnership/committees',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      const committees = await s.committees(p(request).id)
      return reply.view(`${V}/committees.njk`, {
        title: 'Committees',
        committees: committees.map((c) => ({ ...c, typeLabel: TYPE_LABELS[c.body.type] })),
        members: await s.councillors(p(request).id),
        canEdit: canEdit(request),
        base: base(request),
        breadcrumbs: crumbs(request),
      })
    },
  )

  const typeItems = COMMITTEE_TYPES.map((t) => ({ value: t, text: TYPE_LABELS[t] }))
  const partnershipItems = async (request: FastifyRequest) =>
    (await services.partnerships.visibleTo(request.user))
      .filter((x) => x.kind === 'partnership' && x.id !== p(request).id)
      .map((x) => ({ value: x.id, text: x.name }))
  const organisationItems = async () => (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name }))
  const committeeFormContext = async (request: FastifyRequest, bodySlug?: string) => ({
    title: bodySlug ? 'Change the committee’s details' : 'Add a committee',
    isNew: !bodySlug,
    typeItems,
    partnershipItems: await partnershipItems(request),
    organisationItems: await organisationItems(),
    defaults: {
      declarations: DEFAULT_DECLARATIONS,
      participationTitle: DEFAULT_PARTICIPATION_TITLE,
      participationWording: DEFAULT_PARTICIPATION_WORDING,
    },
    action: bodySlug ? `${base(request)}/committees/${bodySlug}/edit` : `${base(request)}/committees/new`,
    cancelHref: bodySlug ? `${base(request)}/committees/${bodySlug}` : `${base(request)}/committees`,
    breadcrumbs: crumbs(request, [{ text: 'Committees', href: `${base(request)}/committees` }]),
  })

  app.get(
    '/partnerships/:partnership/committees/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      reply.view(`${V}/committee-form.njk`, {
        ...(await committeeFormContext(request)),
        values: { noticeWorkingDays: 1, noticeTime: '09:00' },
      }),
  )

  app.post(
    '/partnerships/:partnership/committees/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/committee-form.njk`,
        context: () => committeeFormContext(request),
        run: async () => {
          const body = await s.createCommittee(p(request).id, parseForm(NewCommitteeInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/committees/${body.slug}`, flash: `${body.name} added` }
        },
      }),
  )

  const bodySlug = (request: FastifyRequest) => (request.params as { body: string }).body

  app.get<{ Querystring: { format?: 'csv' | 'json' } }>(
    '/partnerships/:partnership/committees/:body',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams, querystring: Type.Object({ format: ExportFormat }) } },
    async (request, reply) => {
      const c = await s.committee(p(request).id, bodySlug(request))
      const slug = p(request).slug
      const members = c.members.map((m) => ({ ...m, slug }))
      if (sendExport(reply, request.query.format, `members-${slug}-${c.body.slug}`, members, committeeMembersTable)) return reply
      const today = todayInLondon()
      const rows = c.meetings.map((m) => ({ ...m, slug }))
      const here = `${base(request)}/committees/${c.body.slug}`
      return reply.view(`${V}/committee.njk`, {
        title: c.body.name,
        c,
        typeLabel: TYPE_LABELS[c.body.type],
        remit: paragraphs(c.committee?.remit),
        chairman: c.members.find((m) => m.role === 'chairman'),
        viceChairman: c.members.find((m) => m.role === 'vice-chairman'),
        scrutinises: c.scrutinises.filter((x) => x.published || isMember(request)),
        membersTable: tableView(committeeMembersTable, members, {
          caption: plural(members.length, 'member'),
          captionClasses: 'govuk-table__caption--m',
        }),
        memberCount: members.length,
        upcoming: tableView(meetingsTable, rows.filter((m) => m.date >= today).reverse(), {
          caption: 'Upcoming meetings',
          captionClasses: 'govuk-table__caption--m',
          omit: ['council', 'body'],
        }),
        upcomingCount: rows.filter((m) => m.date >= today).length,
        past: tableView(
          meetingsTable,
          rows.filter((m) => m.date < today),
          {
            caption: 'Past meetings',
            captionClasses: 'govuk-table__caption--m',
            omit: ['council', 'body'],
          },
        ),
        pastCount: rows.filter((m) => m.date < today).length,
        councillorItems: canEdit(request) ? (await s.councillors(p(request).id)).map((m) => ({ value: m.id, text: m.name })) : [],
        roleItems: COMMITTEE_ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] })),
        canEdit: canEdit(request),
        base: base(request),
        here,
        historyHref: c.committee ? historyHref(request, 'committee', c.committee.id, here) : undefined,
        breadcrumbs: crumbs(request, [{ text: 'Committees', href: `${base(request)}/committees` }]),
        values: {},
      })
    },
  )

  app.get(
    '/partnerships/:partnership/committees/:body/meetings.ics',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const c = await s.committee(p(request).id, bodySlug(request))
      const events = c.meetings.map((m) => calendarEvent(m, p(request)))
      return reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', `inline; filename="${c.body.slug}.ics"`)
        .send(icalendar(`${c.body.name} (${p(request).name})`, events))
    },
  )

  app.get(
    '/partnerships/:partnership/committees/:body/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const c = await s.committee(p(request).id, bodySlug(request))
      const k = c.committee
      return reply.view(`${V}/committee-form.njk`, {
        ...(await committeeFormContext(request, c.body.slug)),
        body: c.body,
        values: {
          remit: k?.remit,
          crimeAndDisorder: k?.crime_and_disorder,
          supportOfficers: k?.support_officers,
          standingInvitees: k?.standing_invitees,
          declarationsWording: k?.declarations_wording,
          participationTitle: k?.participation_title,
          participationWording: k?.participation_wording,
          noticeWorkingDays: k?.notice_working_days ?? 1,
          noticeTime: k?.notice_time ?? '09:00',
          scrutinises: c.scrutinises.map((x) => x.id),
          requiredOrganisations: (await s.requiredOrganisations(c.body.id)).map((o) => o.id),
          firstMinuteNumber: k?.first_minute_number,
          version: k?.version,
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const c = await s.committee(p(request).id, bodySlug(request))
      return handleForm(request, reply, {
        template: `${V}/committee-form.njk`,
        context: async () => ({ ...(await committeeFormContext(request, c.body.slug)), body: c.body }),
        run: async () => {
          const data = parseForm(CommitteeInput, formBody(request))
          // Links to partnerships this editor cannot see (so were not offered on the form) are kept.
          const offered = new Set((await partnershipItems(request)).map((x) => x.value))
          const kept = c.scrutinises.filter((x) => !offered.has(x.id)).map((x) => x.id)
          await s.saveCommittee(
            p(request).id,
            c.body.slug,
            { ...data, scrutinises: [...(data.scrutinises ?? []), ...kept], requiredOrganisations: data.requiredOrganisations ?? [] },
            request.actor,
          )
          return { redirect: `${base(request)}/committees/${c.body.slug}`, flash: `${c.body.name} saved` }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/members',
    { config: { access: { partnership: 'editor' } }, schema: { params: BodyParams } },
    async (request, reply) => {
      const c = await s.committee(p(request).id, bodySlug(request))
      const here = `${base(request)}/committees/${c.body.slug}`
      return handleForm(request, reply, {
        template: `${V}/membership-form.njk`,
        context: async () => ({
          title: `Add a member to ${c.body.name}`,
          action: `${here}/members`,
          cancelHref: here,
          councillorItems: (await s.councillors(p(request).id)).map((m) => ({ value: m.id, text: m.name })),
          roleItems: COMMITTEE_ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] })),
          breadcrumbs: crumbs(request, [{ text: c.body.name, href: here }]),
        }),
        run: async () => {
          await s.addMembership(p(request).id, c.body.slug, parseForm(MembershipInput, formBody(request)), request.actor)
          return { redirect: `${here}#members`, flash: 'Member added' }
        },
      })
    },
  )

  app.post(
    '/partnerships/:partnership/committees/:body/members/:membership/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: MembershipParams } },
    async (request, reply) => {
      const c = await s.committee(p(request).id, bodySlug(request))
      await s.removeMembership(p(request).id, c.body.slug, (request.params as { membership: number }).membership, request.actor)
      reply.flash('Member removed from the committee')
      return reply.redirect(`${base(request)}/committees/${c.body.slug}#members`, 303)
    },
  )

  // ---- Members (councillors and co-opted members) ----

  const councillorFormContext = (request: FastifyRequest) => ({
    title: 'Add a member',
    action: `${base(request)}/members/new`,
    cancelHref: `${base(request)}/committees`,
    breadcrumbs: crumbs(request, [{ text: 'Committees', href: `${base(request)}/committees` }]),
  })

  app.get(
    '/partnerships/:partnership/members/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/member-form.njk`, { ...councillorFormContext(request), values: { kind: 'councillor' } }),
  )

  app.post(
    '/partnerships/:partnership/members/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/member-form.njk`,
        context: async () => councillorFormContext(request),
        run: async () => {
          const m = await s.addCouncillor(p(request).id, parseForm(CouncillorInput, formBody(request)), request.actor)
          return { redirect: `${base(request)}/members/${m.id}`, flash: `${m.name} added` }
        },
      }),
  )

  app.get(
    '/partnerships/:partnership/members/:member',
    { config: { access: { partnership: 'public' } }, schema: { params: MemberParams } },
    async (request, reply) => {
      const { councillor, committees } = await s.councillor(p(request).id, (request.params as { member: number }).member)
      const here = `${base(request)}/members/${councillor.id}`
      // Attendance is public with each meeting's minutes; the workspace's people see all of it.
      const record = await s.attendanceOf(p(request).id, councillor.id)
      const shown = record.meetings.filter((m) => isMember(request) || m.minutes_published)
      const counts = { present: 0, substitute: 0, apologies: 0, absent: 0 } as Record<string, number>
      for (const m of shown) counts[m.attendance]++
      return reply.view(`${V}/member.njk`, {
        title: councillor.name,
        m: councillor,
        rows: [
          ['Party', councillor.party],
          ['Ward or division', councillor.division],
          ['Represents', councillor.represents],
          ['May vote on', councillor.kind === 'co-opted' ? (councillor.voting_matters ?? 'Not recorded') : 'All matters'],
        ]
          .filter(([, v]) => v)
          .map(([k, v]) => ({ key: { text: k }, value: { text: v } })),
        committees: committees.map((c) => ({ ...c, roleLabel: ROLE_LABELS[c.role] })),
        attendance: shown.map((m) => ({
          ...m,
          href: meetingHref(p(request).slug, m),
          when: longDate(m.date),
          label: ATTENDANCE_LABELS[m.attendance],
        })),
        attendanceSummary: shown.length
          ? `${plural(counts.present + counts.substitute, 'meeting')} attended of ${shown.length} recorded (${counts.apologies} with apologies, ${counts.absent} absent)`
          : null,
        base: base(request),
        historyHref: historyHref(request, 'councillor', councillor.id, here),
        breadcrumbs: crumbs(request, [{ text: 'Committees', href: `${base(request)}/committees` }]),
      })
    },
  )
}
