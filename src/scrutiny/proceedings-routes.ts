/**
 * Scrutiny's proceedings: the minutes form, reports and documents on agenda items, organisations' attendance, the
 * attendance report, the Atom feeds of what was published, and the committees and members API. The public sees
 * minutes once published, documents once the agenda is (never an exempt item's), and the feeds carry only meetings'
 * titles and links.
 */
import fs from 'node:fs'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import type { Config } from '../config.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { sendExport, ExportFormat } from '../platform/export.ts'
import { parseForm } from '../platform/validation.ts'
import { isMember } from '../platform/access.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { receiveFiles } from '../platform/uploads.ts'
import { escapeHtml } from '../platform/html.ts'
import { CommitteeJson, CouncilQuery, MemberJson, ORGANISATION_ATTENDANCE, OrganisationAttendanceInput } from './schema.ts'
import { meetingTitle } from './service.ts'
import { DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, type AttendanceLine } from './proceedings.ts'
import { longDate, shortDate, todayInLondon } from './dates.ts'

const V = 'scrutiny/views'
const MeetingParams = Type.Object({ partnership: Type.String(), meeting: Type.Integer() })
const ItemParams = Type.Object({ partnership: Type.String(), meeting: Type.Integer(), item: Type.Integer() })
const DocumentParams = Type.Object({ partnership: Type.String(), meeting: Type.Integer(), item: Type.Integer(), document: Type.Integer() })
const BodyParams = Type.Object({ partnership: Type.String(), body: Type.String({ maxLength: 100 }) })
const PartnershipParams = Type.Object({ partnership: Type.String() })
const ReportQuery = Type.Object({
  year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, title: 'Year', errorMessage: 'year must be a year like 2019' })),
  by: Type.Optional(Type.Union([Type.Literal('person'), Type.Literal('meeting')], { title: 'By' })),
  format: ExportFormat,
})

const STATUS_LABELS: Record<string, string> = {
  present: 'Present',
  apologies: 'Apologies',
  absent: 'Absent',
  substitute: 'Substitute',
  'not recorded': 'Not recorded',
}
const STEP_LABELS: Record<string, string> = { agenda: 'Agenda', decisions: 'Decisions', minutes: 'Minutes' }

/** Per member and organisation over the year, on the page and in its downloads. */
const yearTable = defineTable<AttendanceLine>([
  { key: 'name', header: 'Member or organisation', value: (l) => l.name },
  { key: 'kind', header: 'Kind', value: (l) => l.kind, text: (l) => (l.kind === 'member' ? 'Member' : 'Organisation') },
  { key: 'attended', header: 'Attended', value: (l) => l.attended },
  { key: 'expected', header: 'Expected', value: (l) => l.expected },
  { key: 'percent', header: 'Attended %', value: (l) => l.percent, text: (l) => (l.percent === null ? '–' : `${l.percent}%`) },
  { key: 'apologies', header: 'Apologies', value: (l) => l.apologies },
  { key: 'absent', header: 'Absent', value: (l) => l.absent },
  { key: 'substituted', header: 'Substitute sent', value: (l) => l.substituted },
  { key: 'not_recorded', header: 'Not recorded', value: (l) => l.notRecorded },
])

interface MissingRow {
  meeting_id: number
  date: string
  href: string
  kind: 'member' | 'organisation'
  name: string
  status: string
  note: string | null
}
/** Who was missing, meeting by meeting, in the downloads (by=meeting). */
const missingTable = defineTable<MissingRow>([
  { key: 'date', header: 'Meeting', value: (r) => r.date, html: (r) => link(r.href, shortDate(r.date)) },
  { key: 'kind', header: 'Kind', value: (r) => r.kind },
  { key: 'name', header: 'Member or organisation', value: (r) => r.name },
  { key: 'status', header: 'Attendance', value: (r) => r.status, text: (r) => STATUS_LABELS[r.status] ?? r.status },
  { key: 'note', header: 'Note', value: (r) => r.note, empty: '–' },
])

/** An Atom feed (RFC 4287) of entries with a title, a link and when. */
function atomFeed(opts: {
  id: string
  title: string
  self: string
  alternate: string
  entries: { id: string; title: string; href: string; at: Date }[]
}) {
  const x = (s: string) => escapeHtml(s)
  const updated = (opts.entries[0]?.at ?? new Date(0)).toISOString()
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${x(opts.id)}</id>`,
    `<title>${x(opts.title)}</title>`,
    `<updated>${updated}</updated>`,
    `<link rel="self" href="${x(opts.self)}"/>`,
    `<link rel="alternate" type="text/html" href="${x(opts.alternate)}"/>`,
    '<author><name>Safer</name></author>',
    ...opts.entries.map((e) =>
      [
        '<entry>',
        `<id>${x(e.id)}</id>`,
        `<title>${x(e.title)}</title>`,
        `<link rel="alternate" type="text/html" href="${x(e.href)}"/>`,
        `<updated>${e.at.toISOString()}</updated>`,
        `<summary>${x(e.title)}</summary>`,
        '</entry>',
      ].join(''),
    ),
    '</feed>',
  ].join('\n')
}

export async function proceedingsRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  const s = services.scrutiny
  const pr = services.proceedings
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const meetingHref = (slug: string, id: number) => `/partnerships/${slug}/meetings/${id}`
  const params = <T>(request: FastifyRequest) => request.params as T
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    ...more,
  ]
  const absolute = (path: string) => `${config.baseUrl}${path}`
  const meetingCrumbs = (request: FastifyRequest, meeting: Parameters<typeof meetingTitle>[0] & { id: number }) =>
    crumbs(request, [
      { text: 'Meetings', href: `${base(request)}/meetings` },
      { text: meetingTitle(meeting), href: meetingHref(p(request).slug, meeting.id) },
    ])

  // ---- Minutes ----

  const minutesContext = async (request: FastifyRequest) => {
    const { meeting, agenda } = await s.meeting(p(request).id, params<{ meeting: number }>(request).meeting, { member: true })
    const here = meetingHref(p(request).slug, meeting.id)
    return {
      title: `Minutes of ${meetingTitle(meeting)}`,
      meeting,
      agenda,
      action: `${here}/minutes`,
      cancelHref: `${here}#minutes`,
      breadcrumbs: meetingCrumbs(request, meeting),
    }
  }

  app.get(
    '/partnerships/:partnership/meetings/:meeting/minutes',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => {
      const ctx = await minutesContext(request)
      const values: Record<string, unknown> = {}
      for (const i of ctx.agenda) {
        values[`minutes-${i.id}`] = i.minutes
        values[`resolution-${i.id}`] = i.resolution
      }
      return reply.view(`${V}/minutes-form.njk`, { ...ctx, values })
    },
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/minutes',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => {
      const id = params<{ meeting: number }>(request).meeting
      return handleForm(request, reply, {
        template: `${V}/minutes-form.njk`,
        context: () => minutesContext(request),
        run: async () => {
          const body = formBody(request) ?? {}
          const { agenda } = await s.meeting(p(request).id, id, { member: true })
          const one = (v: unknown) => (Array.isArray(v) ? v[v.length - 1] : v)
          const input = {
            items: agenda.map((i) => ({
              itemId: i.id,
              minutes: (one(body[`minutes-${i.id}`]) as string | undefined) ?? null,
              resolution: (one(body[`resolution-${i.id}`]) as string | undefined) ?? null,
            })),
          }
          await pr.saveMinutes(p(request).id, id, input, request.actor)
          return { redirect: `${meetingHref(p(request).slug, id)}#minutes`, flash: 'Minutes saved' }
        },
      })
    },
  )

  // ---- Reports and documents on agenda items ----

  const documentContext = async (request: FastifyRequest) => {
    const { meeting, item } = params<{ meeting: number; item: number }>(request)
    const m = (await s.meeting(p(request).id, meeting, { member: true })).meeting
    const i = await s.item(p(request).id, meeting, item)
    const here = meetingHref(p(request).slug, m.id)
    return {
      title: `Add a report or document to ${i.title}`,
      item: i,
      action: `${here}/items/${i.id}/documents`,
      cancelHref: `${here}#item-${i.id}`,
      breadcrumbs: meetingCrumbs(request, m),
    }
  }

  app.get(
    '/partnerships/:partnership/meetings/:meeting/items/:item/documents/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => reply.view(`${V}/document-form.njk`, { ...(await documentContext(request)), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/items/:item/documents',
    { config: { access: { partnership: 'editor' }, uploads: true }, schema: { params: ItemParams } },
    async (request, reply) => {
      const { meeting, item } = params<{ meeting: number; item: number }>(request)
      return handleForm(request, reply, {
        template: `${V}/document-form.njk`,
        context: () => documentContext(request),
        run: async () => {
          const upload = await receiveFiles(request, {
            field: 'file',
            accept: DOCUMENT_TYPES,
            maxFiles: 1,
            maxFileBytes: MAX_DOCUMENT_BYTES,
            required: 'Select a file to upload',
          })
          const [file] = upload.files
          const d = await pr.addDocument(
            p(request).id,
            meeting,
            item,
            { filename: file.filename, data: fs.readFileSync(file.path) },
            request.actor,
          )
          return { redirect: `${meetingHref(p(request).slug, meeting)}#item-${item}`, flash: `${d.filename} added` }
        },
      })
    },
  )

  app.get(
    '/partnerships/:partnership/meetings/:meeting/items/:item/documents/:document',
    { config: { access: { partnership: 'public' } }, schema: { params: DocumentParams } },
    async (request, reply) => {
      const { meeting, item, document } = params<{ meeting: number; item: number; document: number }>(request)
      const d = await pr.document(p(request).id, meeting, item, document, { member: isMember(request) })
      const ascii = d.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')
      return reply
        .header('content-type', d.content_type)
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(d.filename)}`)
        .header('cache-control', 'private, no-cache')
        .send(d.content)
    },
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/items/:item/documents/:document/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: DocumentParams } },
    async (request, reply) => {
      const { meeting, item, document } = params<{ meeting: number; item: number; document: number }>(request)
      const d = await pr.removeDocument(p(request).id, meeting, item, document, request.actor)
      reply.flash(`${d.filename} removed`)
      return reply.redirect(`${meetingHref(p(request).slug, meeting)}#item-${item}`, 303)
    },
  )

  // ---- Organisations' attendance ----

  const organisationContext = async (request: FastifyRequest) => {
    const { meeting } = await s.meeting(p(request).id, params<{ meeting: number }>(request).meeting, { member: true })
    const required = await s.requiredOrganisations(meeting.body_id)
    const recorded = await pr.organisationAttendance(meeting.id)
    return {
      title: `Record an organisation’s attendance at ${meetingTitle(meeting)}`,
      meeting,
      organisationItems: required.map((o) => ({ value: o.id, text: o.name })),
      statusItems: ORGANISATION_ATTENDANCE.map((x) => ({ value: x, text: STATUS_LABELS[x] })),
      recorded: recorded.map((r) => ({ ...r, statusText: STATUS_LABELS[r.status] })),
      bodyHref: `${base(request)}/committees/${meeting.body_slug}`,
      action: `${meetingHref(p(request).slug, meeting.id)}/organisations`,
      cancelHref: `${meetingHref(p(request).slug, meeting.id)}#organisation-attendance`,
      breadcrumbs: meetingCrumbs(request, meeting),
    }
  }

  app.get(
    '/partnerships/:partnership/meetings/:meeting/organisations',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => reply.view(`${V}/organisation-attendance-form.njk`, { ...(await organisationContext(request)), values: {} }),
  )

  app.post(
    '/partnerships/:partnership/meetings/:meeting/organisations',
    { config: { access: { partnership: 'editor' } }, schema: { params: MeetingParams } },
    async (request, reply) => {
      const id = params<{ meeting: number }>(request).meeting
      return handleForm(request, reply, {
        template: `${V}/organisation-attendance-form.njk`,
        context: () => organisationContext(request),
        run: async () => {
          await pr.recordOrganisationAttendance(p(request).id, id, parseForm(OrganisationAttendanceInput, formBody(request)), request.actor)
          return { redirect: `${meetingHref(p(request).slug, id)}#organisation-attendance`, flash: 'Attendance recorded' }
        },
      })
    },
  )

  // ---- The attendance report ----

  app.get<{ Querystring: Static<typeof ReportQuery> }>(
    '/partnerships/:partnership/committees/:body/attendance',
    { config: { access: { partnership: 'public' } }, schema: { params: BodyParams, querystring: ReportQuery } },
    async (request, reply) => {
      const year = request.query.year ?? Number(todayInLondon().slice(0, 4))
      const member = isMember(request)
      const r = await pr.attendanceReport(p(request).id, params<{ body: string }>(request).body, year, { member })
      const slug = p(request).slug
      const missing: MissingRow[] = r.meetings.flatMap((m) =>
        m.missing.map((x) => ({
          meeting_id: m.meeting.id,
          date: m.meeting.date,
          href: meetingHref(slug, m.meeting.id),
          kind: x.kind,
          name: x.name,
          status: x.status,
          note: x.note,
        })),
      )
      const file = `attendance-${slug}-${r.body.slug}-${year}`
      if (request.query.by === 'meeting' ? sendExport(reply, request.query.format, `${file}-by-meeting`, missing, missingTable) : false)
        return reply
      if (request.query.by !== 'meeting' && sendExport(reply, request.query.format, file, r.lines, yearTable)) return reply
      const here = `${base(request)}/committees/${r.body.slug}/attendance`
      return reply.view(`${V}/attendance-report.njk`, {
        title: `Attendance at ${r.body.name}, ${year}`,
        r,
        year,
        member,
        meetings: r.meetings.map((m) => ({
          ...m,
          href: meetingHref(slug, m.meeting.id),
          when: longDate(m.meeting.date),
          missing: m.missing.map((x) => ({ ...x, statusText: STATUS_LABELS[x.status] })),
        })),
        table: tableView(yearTable, r.lines, { caption: `Over ${year}`, captionClasses: 'govuk-table__caption--m' }),
        here,
        previousHref: `${here}?year=${year - 1}`,
        nextHref: `${here}?year=${year + 1}`,
        exportHref: `${here}?year=${year}`,
        byMeetingHref: `${here}?year=${year}&by=meeting`,
        bodyHref: `${base(request)}/committees/${r.body.slug}`,
        breadcrumbs: crumbs(request, [
          { text: 'Committees', href: `${base(request)}/committees` },
          { text: r.body.name, href: `${base(request)}/committees/${r.body.slug}` },
        ]),
      })
    },
  )

  // ---- Feeds of what was published ----

  async function feed(partnership?: { id: number; slug: string; name: string }) {
    const list = await pr.publications({ partnershipId: partnership?.id })
    const host = new URL(config.baseUrl).hostname
    const path = partnership ? `/partnerships/${partnership.slug}/meetings` : '/meetings'
    return atomFeed({
      id: `tag:${host},2019:${path}`,
      title: partnership
        ? `${partnership.name}: agendas, decisions and minutes published`
        : 'Council meetings: agendas, decisions and minutes published',
      self: absolute(`${path}.atom`),
      alternate: absolute(path),
      entries: list.map((e) => ({
        id: `tag:${host},2019:meeting-${e.id}-${e.step}`,
        title: `${STEP_LABELS[e.step]} published: ${e.body_name}, ${shortDate(e.date)}${partnership ? '' : ` (${e.council.name})`}`,
        href: absolute(meetingHref(e.council.slug, e.id)),
        at: e.at,
      })),
    })
  }

  app.get('/meetings.atom', { config: { access: 'public' } }, async (_request, reply) =>
    reply.type('application/atom+xml; charset=utf-8').send(await feed()),
  )

  app.get(
    '/partnerships/:partnership/meetings.atom',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      // Always the public's view: an unpublished workspace's feed is empty even for its own people.
      return reply.type('application/atom+xml; charset=utf-8').send(await feed(p(request)))
    },
  )

  // ---- The API ----

  const council = async (slug: string) => {
    return pr.publishedCouncil(slug)
  }

  app.get<{ Querystring: Static<typeof CouncilQuery> }>(
    '/api/v1/committees',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Scrutiny'],
        summary: "A published council's committees: type, remit, crime and disorder flag, chairman, members and partnerships scrutinised",
        security: [],
        querystring: CouncilQuery,
        response: { 200: Type.Array(CommitteeJson) },
      },
    },
    async (request) => {
      const c = await council(request.query.council)
      const list = await pr.publicCommittees(c.id)
      return list.map((x) => ({
        slug: x.body.slug,
        name: x.body.name,
        type: x.body.type,
        url: absolute(`/partnerships/${c.slug}/committees/${x.body.slug}`),
        remit: x.committee?.remit ?? null,
        crimeAndDisorder: x.committee?.crime_and_disorder ?? false,
        chairman: x.members.find((m) => m.role === 'chairman')?.name ?? null,
        viceChairman: x.members.find((m) => m.role === 'vice-chairman')?.name ?? null,
        membersCount: x.members.filter((m) => m.role !== 'substitute').length,
        scrutinises: x.scrutinises.map((s) => ({ slug: s.slug, name: s.name })),
      }))
    },
  )

  app.get<{ Querystring: Static<typeof CouncilQuery> }>(
    '/api/v1/members',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Scrutiny'],
        summary:
          "A published council's councillors and co-opted members: party, ward or division, committees, matters a co-opted member may vote on",
        security: [],
        querystring: CouncilQuery,
        response: { 200: Type.Array(MemberJson) },
      },
    },
    async (request) => {
      const c = await council(request.query.council)
      const list = await pr.publicMembers(c.id)
      return list.map(({ councillor: m, committees }) => ({
        id: m.id,
        name: m.name,
        url: absolute(`/partnerships/${c.slug}/members/${m.id}`),
        kind: m.kind,
        party: m.party,
        division: m.division,
        represents: m.represents,
        votingMatters: m.kind === 'co-opted' ? m.voting_matters : null,
        committees,
      }))
    },
  )
}
