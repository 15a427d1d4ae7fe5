/**
 * The Public Document Pack's pages: the pack as a web page, its PDFs (public, members', supplementary), the agenda's
 * print view that Chromium renders for the PDF, and a council's pack settings.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { parseForm, choice } from '../platform/validation.ts'
import { isMember } from '../platform/access.ts'
import { NotFoundError } from '../platform/errors.ts'
import { PdfUnavailableError, sourceOf } from '../platform/pdf.ts'
import { clockTime, longDate } from '../scrutiny/dates.ts'
import { FILE_TYPES } from '../platform/uploads.ts'
import { sizeLabel } from '../platform/sources.ts'
import { EDITIONS, PackSettingsInput, type PackEdition } from './schema.ts'
import { packHref, parseRanges, type PackAgenda } from './service.ts'

const V = 'packs/views'
const MeetingParams = Type.Object({ partnership: Type.String(), meeting: Type.Integer() })
const PartnershipParams = Type.Object({ partnership: Type.String() })
const PackQuery = Type.Object({ edition: Type.Optional(choice(EDITIONS, 'Edition')) })
const PrintQuery = Type.Object({
  edition: Type.Optional(choice(EDITIONS, 'Edition')),
  pages: Type.Optional(Type.String({ maxLength: 4000, pattern: '^[0-9:,-]*$', title: 'Pages' })),
})
const ProgressQuery = Type.Object({
  job: Type.String({ maxLength: 20, pattern: '^[0-9]+$', title: 'Job' }),
  edition: Type.Optional(choice(EDITIONS, 'Edition')),
})
type MeetingRequest = FastifyRequest<{ Params: Static<typeof MeetingParams> }>
type ProgressRequest = FastifyRequest<{ Params: Static<typeof MeetingParams>; Querystring: Static<typeof ProgressQuery> }>

const EDITION_HEADINGS: Record<PackEdition, string> = {
  public: 'Public document pack',
  members: 'Members’ agenda pack',
  supplementary: 'Supplementary agenda',
}

const paragraphs = (s: string | null | undefined) =>
  (s ?? '')
    .split(/\n+/)
    .map((x) => x.trim())
    .filter(Boolean)

const documentTypeLabel = (contentType: string) => {
  const t = Object.values(FILE_TYPES).find((x) => x.contentType === contentType)
  return t ? (t.group === t.short ? t.short : `${t.group} (${t.short})`) : 'File'
}

export async function packRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const packs = services.packs
  const p = (request: FastifyRequest) => request.partnership!
  const council = (request: FastifyRequest) => ({ id: p(request).id, slug: p(request).slug, name: p(request).name })
  const meetingHref = (request: FastifyRequest, id: number) => `/partnerships/${p(request).slug}/meetings/${id}`

  /** What the notice and agenda show, on the web page and in the print view. */
  function noticeContext(request: FastifyRequest, a: PackAgenda) {
    const s = a.settings
    return {
      agenda: a,
      heading: EDITION_HEADINGS[a.edition],
      longDate: longDate(a.meeting.date),
      time: clockTime(a.meeting.start_time),
      filming: paragraphs(s.filming_notice),
      enquiries: [s.enquiries_name, s.enquiries_telephone ? `Telephone ${s.enquiries_telephone}` : null, s.enquiries_email].filter(Boolean),
      meetingHref: meetingHref(request, a.meeting.id),
    }
  }

  // ---- The pack as a web page (works without Chromium) ----

  app.get<{ Params: Static<typeof MeetingParams>; Querystring: Static<typeof PackQuery> }>(
    '/partnerships/:partnership/meetings/:meeting/pack',
    { config: { access: { partnership: 'public' } }, schema: { params: MeetingParams, querystring: PackQuery } },
    async (request, reply) => {
      const edition: PackEdition = (request.query.edition as PackEdition | undefined) ?? 'public'
      const member = isMember(request)
      const a = await packs.agenda(council(request), request.params.meeting, edition, { member })
      const papers = await packs.papers(a, { uploads: false })
      const { agenda: shown } = await services.scrutiny.meeting(p(request).id, a.meeting.id, { member: edition === 'members' })
      const documents = await services.proceedings.visibleDocuments(
        a.meeting,
        shown.filter((i) => a.items.some((x) => x.id === i.id && !x.redacted)),
        { member: edition === 'members' },
      )
      const here = meetingHref(request, a.meeting.id)
      const supplementary =
        edition === 'public'
          ? await packs.agenda(council(request), a.meeting.id, 'supplementary', { member }).catch(() => undefined)
          : undefined
      return reply.view(`${V}/pack.njk`, {
        ...noticeContext(request, a),
        title: `${EDITION_HEADINGS[edition]}: ${a.title}`,
        print: false,
        items: a.items.map((i) => ({
          ...i,
          paragraphs: paragraphs(i.purpose),
          papers: (papers.get(i.id) ?? []).map((x) => ({
            title: x.kind === 'missing' ? `${x.title} (not published yet)` : x.title,
            href: x.kind === 'page' ? x.path : undefined,
            missing: x.kind === 'missing',
          })),
          documents: (documents.get(i.id) ?? []).map((d) => ({
            filename: d.filename,
            href: `${here}/items/${i.id}/documents/${d.id}`,
            label: `${documentTypeLabel(d.content_type)}, ${sizeLabel(d.size_bytes)}`,
          })),
        })),
        pdfHref: packHref(p(request).slug, a.meeting.id, edition, 'pdf'),
        membersHref: member && edition !== 'members' ? packHref(p(request).slug, a.meeting.id, 'members', 'html') : undefined,
        supplementaryHref: supplementary ? packHref(p(request).slug, a.meeting.id, 'supplementary', 'html') : undefined,
        breadcrumbs: [
          { text: 'Partnerships', href: '/partnerships' },
          { text: p(request).short_name ?? p(request).name, href: `/partnerships/${p(request).slug}` },
          { text: 'Meetings', href: `/partnerships/${p(request).slug}/meetings` },
          { text: a.title, href: here },
        ],
      })
    },
  )

  // ---- The notice and agenda laid out for paper: what Chromium renders as the pack's first part ----

  app.get<{ Params: Static<typeof MeetingParams>; Querystring: Static<typeof PrintQuery> }>(
    '/partnerships/:partnership/meetings/:meeting/pack/print',
    { config: { access: { partnership: 'public' } }, schema: { params: MeetingParams, querystring: PrintQuery } },
    async (request, reply) => {
      const a = await packs.agenda(
        council(request),
        request.params.meeting,
        (request.query.edition as PackEdition | undefined) ?? 'public',
        {
          member: isMember(request),
        },
      )
      const ranges = parseRanges(request.query.pages)
      return reply.view(`${V}/pack.njk`, {
        ...noticeContext(request, a),
        title: `${EDITION_HEADINGS[a.edition]}: ${a.title}`,
        print: true,
        items: a.items.map((i) => ({ ...i, paragraphs: paragraphs(i.purpose), range: ranges.get(i.id) })),
      })
    },
  )

  // ---- The PDFs ----

  /** `.../pack/progress?job=ID` (`&edition=supplementary`), and `.../pack/members/progress?job=ID` for the members' pack. */
  const progressHref = (request: FastifyRequest, meetingId: number, edition: PackEdition, jobId: number) => {
    const base = packHref(p(request).slug, meetingId, 'public', 'html')
    if (edition === 'members') return `${base}/members/progress?job=${jobId}`
    return `${base}/progress?job=${jobId}${edition === 'public' ? '' : `&edition=${edition}`}`
  }

  /**
   * A pack from the cache is sent at once. Otherwise a browser's navigation (it accepts text/html) starts the job and
   * is sent to the job's progress page; any other client (curl, the API, scripts) waits for the PDF, as before.
   */
  async function sendPack(request: MeetingRequest, reply: FastifyReply, edition: PackEdition) {
    try {
      const opts = { member: isMember(request), actor: request.actor }
      // The public and supplementary packs are public documents: their papers are rendered as the public sees them
      // (so a member's download holds nothing members alone may read, and one made pack serves everyone). Only the
      // members' pack, and a member's preview of an unpublished council's pack, are rendered as the requester.
      const source = edition !== 'members' && p(request).published ? { app: request.server, headers: {} } : sourceOf(request)
      let out
      if (/\btext\/html\b/i.test(String(request.headers.accept ?? ''))) {
        const started = await packs.start(source, council(request), request.params.meeting, edition, opts)
        if ('job' in started) return reply.redirect(progressHref(request, request.params.meeting, edition, started.job.id), 303)
        out = started.built
      } else out = await packs.build(source, council(request), request.params.meeting, edition, opts)
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${out.filename}"`)
        .header('cache-control', 'private, no-store')
        .send(Buffer.from(out.pdf))
    } catch (err) {
      if (!(err instanceof PdfUnavailableError)) throw err
      return reply.code(503).view('platform/views/error.njk', {
        title: 'The PDF is not available',
        status: 503,
        message: `${err.message} The agenda pack is also a web page: ${packHref(p(request).slug, request.params.meeting, edition, 'html')}`,
      })
    }
  }

  /**
   * The progress page of a pack's job: the same access as the pack (packs.agenda says 404 to those who may not see
   * it), and 404 for a job that is not this meeting's pack of this edition; as JSON, the job's progress for the page's script.
   */
  async function progressPage(request: ProgressRequest, reply: FastifyReply, edition: PackEdition) {
    const a = await packs.agenda(council(request), request.params.meeting, edition, { member: isMember(request) })
    const job = await packs.packJob(council(request), a.meeting.id, edition, request.query.job)
    const running = job.status === 'running' || job.status === 'queued'
    const done = Number(job.progress?.done ?? 0)
    const total = Number(job.progress?.total ?? 0)
    const progressText = total ? `Made ${done} of ${total} parts` : 'Starting: working out the parts'
    // The page's script (platform/assets/safer.js) asks for the same address as JSON to follow the job; without
    // script, the page has a Refresh button. No meta refresh: a page that reloads itself on a timer fails WCAG 2.2.1.
    if (/application\/json/.test(request.headers.accept ?? ''))
      return reply.header('cache-control', 'no-store').send({ status: job.status, done, total, text: progressText })
    const here = progressHref(request, a.meeting.id, edition, job.id)
    const heading = EDITION_HEADINGS[edition]
    return reply.header('cache-control', 'no-store').view(`${V}/progress.njk`, {
      title: running
        ? `Making the ${heading.toLowerCase()}`
        : job.status === 'done'
          ? `The ${heading.toLowerCase()} is ready`
          : `The ${heading.toLowerCase()} could not be made`,
      caption: a.title,
      job,
      running,
      progressText,
      pct: total ? Math.min(100, Math.round((done / total) * 100)) : 0,
      pages: job.result?.pages,
      refreshHref: here,
      pdfHref: packHref(p(request).slug, a.meeting.id, edition, 'pdf'),
      webHref: packHref(p(request).slug, a.meeting.id, edition, 'html'),
      meetingHref: meetingHref(request, a.meeting.id),
      breadcrumbs: [
        { text: 'Partnerships', href: '/partnerships' },
        { text: p(request).short_name ?? p(request).name, href: `/partnerships/${p(request).slug}` },
        { text: 'Meetings', href: `/partnerships/${p(request).slug}/meetings` },
        { text: a.title, href: meetingHref(request, a.meeting.id) },
      ],
    })
  }

  app.get<{ Params: Static<typeof MeetingParams>; Querystring: Static<typeof ProgressQuery> }>(
    '/partnerships/:partnership/meetings/:meeting/pack/progress',
    { config: { access: { partnership: 'public' } }, schema: { params: MeetingParams, querystring: ProgressQuery } },
    (request, reply) => {
      const edition = (request.query.edition as PackEdition | undefined) ?? 'public'
      // The members' pack has its own progress page, with the members' pack's access.
      if (edition === 'members') throw new NotFoundError()
      return progressPage(request, reply, edition)
    },
  )
  app.get<{ Params: Static<typeof MeetingParams>; Querystring: Static<typeof ProgressQuery> }>(
    '/partnerships/:partnership/meetings/:meeting/pack/members/progress',
    { config: { access: { partnership: 'viewer' } }, schema: { params: MeetingParams, querystring: ProgressQuery } },
    async (request, reply) => {
      if (!isMember(request)) throw new NotFoundError()
      if (request.query.edition && request.query.edition !== 'members') throw new NotFoundError()
      return progressPage(request, reply, 'members')
    },
  )

  app.get<{ Params: Static<typeof MeetingParams> }>(
    '/partnerships/:partnership/meetings/:meeting/pack.pdf',
    // Any PDF is heavy: limited per address for people not signed in (platform/heavy.ts); a cached pack is quick.
    { config: { access: { partnership: 'public' }, heavy: true }, schema: { params: MeetingParams } },
    (request, reply) => sendPack(request, reply, 'public'),
  )
  app.get<{ Params: Static<typeof MeetingParams> }>(
    '/partnerships/:partnership/meetings/:meeting/pack/supplementary.pdf',
    // Any PDF is heavy: limited per address for people not signed in (platform/heavy.ts); a cached pack is quick.
    { config: { access: { partnership: 'public' }, heavy: true }, schema: { params: MeetingParams } },
    (request, reply) => sendPack(request, reply, 'supplementary'),
  )
  app.get<{ Params: Static<typeof MeetingParams> }>(
    '/partnerships/:partnership/meetings/:meeting/pack/members.pdf',
    { config: { access: { partnership: 'viewer' }, heavy: true }, schema: { params: MeetingParams } },
    async (request, reply) => {
      if (!isMember(request)) throw new NotFoundError()
      return sendPack(request, reply, 'members')
    },
  )

  // ---- Settings ----

  const settingsHref = (request: FastifyRequest) => `/partnerships/${p(request).slug}/pack-settings`
  async function settingsContext(request: FastifyRequest) {
    const s = await packs.settings(p(request).id)
    return {
      title: 'Agenda pack settings',
      action: settingsHref(request),
      cancelHref: `/partnerships/${p(request).slug}`,
      values: {
        chiefExecutive: s.chief_executive ?? '',
        filmingNotice: s.filming_notice ?? '',
        enquiriesName: s.enquiries_name ?? '',
        enquiriesTelephone: s.enquiries_telephone ?? '',
        enquiriesEmail: s.enquiries_email ?? '',
        version: s.version ?? '',
      },
      breadcrumbs: [
        { text: 'Partnerships', href: '/partnerships' },
        { text: p(request).short_name ?? p(request).name, href: `/partnerships/${p(request).slug}` },
      ],
    }
  }

  app.get(
    '/partnerships/:partnership/pack-settings',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/settings.njk`, await settingsContext(request)),
  )
  app.post(
    '/partnerships/:partnership/pack-settings',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/settings.njk`,
        context: () => settingsContext(request),
        run: async () => {
          await packs.saveSettings(
            p(request).id,
            { ...parseForm(PackSettingsInput, formBody(request)), version: formVersion(request) },
            request.actor,
          )
          return { redirect: settingsHref(request), flash: 'Agenda pack settings saved' }
        },
      }),
  )
}
