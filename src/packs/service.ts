/**
 * The Public Document Pack (issue 12): a meeting's notice, agenda and papers as one PDF, the way councils publish them.
 *
 *   const out = await packs.build(sourceOf(request), council, meetingId, 'public', { member: false, actor })
 *
 * The notice and agenda are a print view of this capability (`.../pack/print`), rendered in Chromium; each agenda
 * item's papers come from the item sources (the reports capability registers its published reports with
 * `addItemSource`; the item's uploaded PDF documents are built in). Every item's papers start on an odd page (a page
 * "This page is intentionally left blank" goes before them when needed), the agenda prints each item's
 * "(Pages 3 - 20)" worked out from the pages really rendered (the agenda is rendered again until its own length is
 * stable), and the page numbers are stamped with pdf-lib after joining so they run on across the parts. The PDF has
 * one outline entry per agenda item with papers, holding the papers' own outlines. A made pack is kept as a file under
 * the data folder, named by a hash of everything that went into it, so asking again is instant.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { PDFDocument, StandardFonts, rgb, EncryptedPDFError } from 'pdf-lib'
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction, maybeOne } from '../platform/db/index.ts'
import { createRecord, updateRecord } from '../platform/records.ts'
import { validate } from '../platform/validation.ts'
import type { Actor } from '../platform/audit.ts'
import { NotFoundError } from '../platform/errors.ts'
import type { Job, JobService } from '../platform/jobs.ts'
import { joinPdfs, PdfUnavailableError, type PdfService, type PdfSource } from '../platform/pdf.ts'
import { exemptReason, meetingTitle, publicItem, type ItemView, type MeetingView, type ScrutinyService } from '../scrutiny/service.ts'
import type { ProceedingsService } from '../scrutiny/proceedings.ts'
import { PackSettingsInput, type PackEdition } from './schema.ts'

/** One part of an agenda item's papers: an HTML print view of the app (rendered in Chromium as the pack's reader) or a PDF. */
export type PackPart =
  | { kind: 'page'; title: string; path: string }
  | { kind: 'pdf'; title: string; bytes: Uint8Array; source: string }
  // A paper the item names that is not ready (a report still in draft): the PDF pack is refused, naming the item.
  | { kind: 'missing'; title: string; reason: string }
/** Where an item's papers come from. Called for a meeting's items; returns parts per item id (missing = no papers). */
export type PackItemSource = (
  councilId: number,
  items: { id: number; exempt: boolean; title: string }[],
  opts: { member: boolean },
) => Promise<Map<number, PackPart[]>>

/** A pack cannot be made from what the agenda holds (an appendix that is not a readable PDF): 422, naming the item. */
export class PackError extends Error {
  statusCode = 422
}

export interface PackSettings {
  chief_executive: string | null
  filming_notice: string | null
  enquiries_name: string | null
  enquiries_telephone: string | null
  enquiries_email: string | null
  version: number | null
}

/** The council a pack is for (a council workspace). */
export interface PackCouncil {
  id: number
  slug: string
  name: string
}

/** An agenda item as a pack shows it. */
export interface PackItem {
  id: number
  number: number
  /** The title the pack prints: "Exempt: <published title>" for an exempt item in a public pack. */
  title: string
  purpose: string | null
  presenter: string | null
  forDecision: boolean
  exempt: boolean
  /** Left out of this pack's papers (an exempt item in a public pack): only its published title and paragraph show. */
  redacted: boolean
  /** "Exempt under paragraph 3 of Schedule 12A ..." for an exempt item. */
  exemptText: string
}

export interface PackAgenda {
  council: PackCouncil
  meeting: MeetingView
  edition: PackEdition
  items: PackItem[]
  settings: PackSettings
  /** "Policy and Resources Select Committee, Thursday 14 November 2019, 10.00am" */
  title: string
}

/** An item's page range in a pack, by item id. */
export type PackRanges = Map<number, { first: number; last: number }>

export interface BuildOptions {
  member: boolean
  actor?: Actor
  jobSource?: 'web' | 'command line'
  onProgress?: (done: number, total: number) => void
}

/** What a `pack:build` job stores: never the requester's credentials (those stay in memory, under the ticket). */
export interface PackJobParams {
  ticket: string
  council: string
  meetingId: number
  edition: PackEdition
  title: string
  filename: string
}

export interface BuiltPack {
  pdf: Uint8Array
  pages: number
  bytes: number
  filename: string
  title: string
  /** Served from the cache (made before with exactly the same content). */
  cached: boolean
  /** Milliseconds: in all, each part's render, the agenda's renders, joining (with stamping) and stamping alone. */
  timings: { ms: number; parts: { title: string; ms: number; pages: number }[]; agenda: number[]; join: number; stamp: number }
}

/** Bump when the pack's layout changes, so packs cached by an older layout are made again. */
const LAYOUT_VERSION = 1
const A4: [number, number] = [595.28, 841.89]
export const BLANK_PAGE_TEXT = 'This page is intentionally left blank'

const clean = (s: string | undefined | null) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)
const sha256 = (data: string | Uint8Array) => crypto.createHash('sha256').update(data).digest('hex')

/** "hampshire-policy-and-resources-2019-11-14-agenda-pack.pdf" */
export function packFilename(council: PackCouncil, meeting: MeetingView, edition: PackEdition) {
  const kind = edition === 'public' ? 'agenda-pack' : edition === 'members' ? 'members-pack' : 'supplementary-pack'
  return `${council.slug}-${meeting.body_slug}-${meeting.date}-${kind}.pdf`.replace(/[^\w.-]/g, '-')
}

/** The address of a meeting's pack: the PDF, or (html) the web page. */
export function packHref(councilSlug: string, meetingId: number, edition: PackEdition, format: 'pdf' | 'html') {
  const base = `/partnerships/${councilSlug}/meetings/${meetingId}/pack`
  if (format === 'html') return edition === 'public' ? base : `${base}?edition=${edition}`
  return edition === 'public' ? `${base}.pdf` : `${base}/${edition}.pdf`
}

/** "3:3-20,7:21-28": the ranges as the agenda's print view reads them from its address. */
export function rangesParam(ranges: PackRanges) {
  return [...ranges].map(([id, r]) => `${id}:${r.first}-${r.last}`).join(',')
}
export function parseRanges(s: string | undefined): PackRanges {
  const out: PackRanges = new Map()
  for (const m of (s ?? '').matchAll(/(\d+):(\d+)-(\d+)/g)) out.set(Number(m[1]), { first: Number(m[2]), last: Number(m[3]) })
  return out
}

/**
 * Where each item's papers go, given the agenda's length and each item's pages (in agenda order): each starts on the
 * next odd page, with a blank page before it when the page after the last part is even. Returns the ranges and the
 * (1-based) numbers of the blank pages.
 */
export function layOut(agendaPages: number, itemPages: { id: number; pages: number }[]) {
  const ranges: PackRanges = new Map()
  const blanks: number[] = []
  let next = agendaPages + 1
  for (const { id, pages } of itemPages) {
    if (!pages) continue
    if (next % 2 === 0) blanks.push(next++)
    ranges.set(id, { first: next, last: next + pages - 1 })
    next += pages
  }
  return { ranges, blanks, total: next - 1 }
}

export function packsService(
  db: Db,
  deps: { scrutiny: ScrutinyService; proceedings: ProceedingsService; pdf: PdfService; jobs: JobService; dataDir: string },
) {
  const sources: PackItemSource[] = []
  const cacheDir = path.join(deps.dataDir, 'packs')
  /** Builds asked for in this process, by ticket: the requester's credentials stay in memory, never in the jobs table. */
  const tickets = new Map<
    string,
    { run: (progress: (done: number, total: number) => void) => Promise<{ pdf: Uint8Array; pages: number; timings: BuiltPack['timings'] }> }
  >()

  async function settings(councilId: number, q: Queryable = db): Promise<PackSettings> {
    const row = await maybeOne<PackSettings>(
      q,
      'SELECT chief_executive, filming_notice, enquiries_name, enquiries_telephone, enquiries_email, version FROM pack_settings WHERE partnership_id = $1',
      [councilId],
    )
    return (
      row ?? {
        chief_executive: null,
        filming_notice: null,
        enquiries_name: null,
        enquiries_telephone: null,
        enquiries_email: null,
        version: null,
      }
    )
  }

  /** Whether an item was added after the agenda was published (it goes out in the supplementary pack). */
  const isLate = (meeting: MeetingView, item: ItemView) => {
    const at = item.created_at
    return !!meeting.agenda_published_at && !!at && new Date(at).getTime() > new Date(meeting.agenda_published_at).getTime()
  }

  /**
   * A pack's agenda. The public pack: the published agenda's items (those there when it was published), exempt items
   * by their published title only. The supplementary pack: the items added after publication. The members' pack
   * (`member` only): every item, whole. 404 for anything the asker may not see, and for a public or supplementary pack
   * before the agenda is published (the workspace's people may preview them).
   */
  async function agenda(council: PackCouncil, meetingId: number, edition: PackEdition, opts: { member: boolean }): Promise<PackAgenda> {
    if (edition === 'members' && !opts.member) throw new NotFoundError()
    const whole = edition === 'members'
    // The workspace's people may preview the public pack before the agenda is published; the public may not.
    const { meeting, agenda: all } = await deps.scrutiny.meeting(council.id, meetingId, { member: whole || opts.member })
    if (!whole && !meeting.agenda_published && !opts.member) throw new NotFoundError()
    const items = whole ? all : all.map(publicItem)
    const chosen = items.filter((i) => whole || (edition === 'supplementary') === isLate(meeting, i))
    if (edition === 'supplementary' && !chosen.length) throw new NotFoundError()
    return {
      council,
      meeting,
      edition,
      settings: await settings(council.id),
      title: meetingTitle(meeting),
      items: chosen.map((i) => ({
        id: i.id,
        number: i.number,
        title: i.redacted ? i.shownTitle : i.title,
        purpose: i.redacted ? null : i.purpose,
        presenter: i.redacted ? null : i.presenter,
        forDecision: i.for_decision,
        exempt: i.exempt,
        redacted: i.redacted,
        exemptText: i.exempt ? exemptReason(i.exempt_paragraph) : '',
      })),
    }
  }

  /** The papers of each item the pack may show (not a redacted one): registered sources first, then uploaded PDFs. */
  async function papers(a: PackAgenda, opts: { uploads: boolean } = { uploads: true }): Promise<Map<number, PackPart[]>> {
    const member = a.edition === 'members'
    const shown = a.items.filter((i) => !i.redacted)
    const out = new Map<number, PackPart[]>()
    const add = (id: number, parts: PackPart[]) => out.set(id, [...(out.get(id) ?? []), ...parts])
    for (const source of sources) {
      const got = await source(
        a.council.id,
        shown.map((i) => ({ id: i.id, exempt: i.exempt, title: i.title })),
        { member },
      )
      for (const i of shown) if (got.get(i.id)?.length) add(i.id, got.get(i.id)!)
    }
    if (!opts.uploads) return out
    const docs = await deps.proceedings.documents(shown.map((i) => i.id))
    for (const i of shown)
      for (const d of docs.get(i.id) ?? []) {
        if (d.content_type !== 'application/pdf') continue // Word documents are on the web page only
        const doc = await deps.proceedings.document(a.council.id, a.meeting.id, i.id, d.id, { member })
        add(i.id, [{ kind: 'pdf', title: d.filename, bytes: new Uint8Array(doc.content), source: d.filename }])
      }
    return out
  }

  /** An uploaded PDF, opened: an encrypted, corrupt or non-PDF file is a PackError naming the item and the file. */
  async function openPart(item: PackItem, part: Extract<PackPart, { kind: 'pdf' }>) {
    const where = `Agenda item ${item.number} (${item.title}): ${part.source}`
    const head = Buffer.from(part.bytes.subarray(0, 1024)).toString('latin1')
    if (!head.includes('%PDF-')) throw new PackError(`${where} is not a PDF, so the pack cannot be made: replace it with a PDF.`)
    const encrypted = `${where} is encrypted (password-protected), so the pack cannot be made: upload a copy without a password.`
    let pages: number
    try {
      const doc = await PDFDocument.load(part.bytes, { updateMetadata: false, throwOnInvalidObject: true })
      if (doc.isEncrypted) throw new PackError(encrypted)
      pages = doc.getPageCount()
      // Its pages must copy into another document, as joining will.
      await (await PDFDocument.create()).copyPages(doc, doc.getPageIndices())
    } catch (err) {
      if (err instanceof PackError) throw err
      const message = String((err as Error)?.message ?? err).split('\n')[0]
      // pdf-lib's EncryptedPDFError may come from another copy of the module, so its message is read too.
      if (err instanceof EncryptedPDFError || /is encrypted/.test(message)) throw new PackError(encrypted)
      throw new PackError(`${where} is damaged and cannot be read (${message}), so the pack cannot be made: upload it again.`)
    }
    if (!pages) throw new PackError(`${where} has no pages, so the pack cannot be made: upload it again.`)
    return pages
  }

  /** What went into a pack, hashed: the agenda, the settings, each page's HTML (as the requester sees it) and each PDF. */
  async function cacheKey(source: PdfSource, a: PackAgenda, parts: Map<number, PackPart[]>) {
    const hashes: string[] = []
    for (const item of a.items)
      for (const part of parts.get(item.id) ?? []) {
        if (part.kind === 'pdf') {
          hashes.push(`${item.id}:pdf:${part.title}:${sha256(part.bytes)}`)
          continue
        }
        if (part.kind === 'missing') continue // refused before the pack is made
        const res = await source.app.inject({ method: 'GET', url: part.path, headers: { ...source.headers, accept: 'text/html' } })
        if (res.statusCode !== 200)
          throw new PackError(
            `Agenda item ${item.number} (${item.title}): its paper "${part.title}" (${part.path}) answered ${res.statusCode}, so the pack cannot be made.`,
          )
        // The page's own per-request values (a form's CSRF token, a script nonce) are not its content.
        const html = res.payload.replace(/name="_csrf" value="[^"]*"/g, '').replace(/nonce="[^"]*"/g, '')
        hashes.push(`${item.id}:page:${part.title}:${part.path}:${sha256(html)}`)
      }
    const m = a.meeting
    return sha256(
      JSON.stringify({
        v: LAYOUT_VERSION,
        edition: a.edition,
        council: [a.council.slug, a.council.name],
        meeting: [m.id, m.body_name, m.date, m.start_time, m.place, m.status, m.agenda_published_at],
        settings: a.settings,
        items: a.items,
        hashes,
      }),
    )
  }

  /** Put the pack together (Chromium must be there): render, count, lay out, join, stamp. */
  async function assemble(
    source: PdfSource,
    a: PackAgenda,
    parts: Map<number, PackPart[]>,
    progress: (done: number, total: number) => void,
  ) {
    const started = performance.now()
    const timings: BuiltPack['timings'] = { ms: 0, parts: [], agenda: [], join: 0, stamp: 0 }
    const withPapers = a.items.filter((i) => parts.get(i.id)?.length)
    // Uploaded PDFs first: a bad one stops the pack before anything is rendered.
    const pdfPages = new Map<PackPart, number>()
    for (const item of withPapers)
      for (const part of parts.get(item.id)!) if (part.kind === 'pdf') pdfPages.set(part, await openPart(item, part))
    const header = { left: a.council.name, right: a.title }
    const pageParts = withPapers.flatMap((i) => parts.get(i.id)!.filter((p) => p.kind === 'page'))
    const total = pageParts.length + 2
    let done = 0
    progress(done, total)
    const rendered = new Map<PackPart, { pdf: Uint8Array; pages: number }>()
    await Promise.all(
      pageParts.map(async (part) => {
        const r = await deps.pdf.render(source, {
          path: part.path,
          title: part.title,
          filename: 'part.pdf',
          author: a.council.name,
          header,
          footer: false,
        })
        rendered.set(part, r)
        // Chromium's own time for this part (loading the view, printing, metadata), without waiting for a free page.
        timings.parts.push({ title: part.title, ms: r.ms - r.steps.page, pages: r.pages })
        progress(++done, total)
      }),
    )
    // Each item's papers as one PDF (several parts: an outline entry each, under the item's).
    const itemPdfs: { item: PackItem; pdf: Uint8Array; pages: number }[] = []
    for (const item of withPapers) {
      const list = parts
        .get(item.id)!
        .map((p) =>
          p.kind === 'pdf' ? { title: p.title, pdf: p.bytes, pages: pdfPages.get(p)! } : { title: p.title, ...rendered.get(p)! },
        )
      const pdf = list.length === 1 ? list[0].pdf : await joinPdfs(list, { title: item.title })
      itemPdfs.push({ item, pdf, pages: list.reduce((n, x) => n + x.pages, 0) })
    }
    // The agenda prints the ranges, which depend on its own length: render until that length is stable.
    let guess = 2
    let agendaPdf: Uint8Array | undefined
    let plan = layOut(
      guess,
      itemPdfs.map((x) => ({ id: x.item.id, pages: x.pages })),
    )
    for (let attempt = 0; attempt < 5; attempt++) {
      const path = `${packHref(a.council.slug, a.meeting.id, 'public', 'html')}/print?edition=${a.edition}&pages=${encodeURIComponent(rangesParam(plan.ranges))}`
      const r = await deps.pdf.render(source, {
        path,
        title: a.title,
        filename: 'agenda.pdf',
        author: a.council.name,
        header,
        footer: false,
      })
      timings.agenda.push(r.ms)
      if (r.pages === guess) {
        agendaPdf = r.pdf
        break
      }
      guess = r.pages
      plan = layOut(
        guess,
        itemPdfs.map((x) => ({ id: x.item.id, pages: x.pages })),
      )
    }
    if (!agendaPdf) throw new Error('The agenda’s length did not settle after 5 renders, so the pack was not made')
    progress(++done, total)
    const joinStarted = performance.now()
    let stampMs = 0
    const pdf = await joinPdfs(
      [
        { pdf: agendaPdf, title: a.edition === 'supplementary' ? 'Supplementary agenda' : 'Notice of meeting and agenda' },
        ...itemPdfs.map((x) => ({ pdf: x.pdf, title: `Item ${x.item.number}: ${x.item.title}` })),
      ],
      {
        title: `${a.edition === 'supplementary' ? 'Supplementary agenda' : a.edition === 'members' ? 'Members’ agenda pack' : 'Agenda pack'}: ${a.title}`,
        author: a.council.name,
        subject: a.edition === 'members' ? 'Not for publication: includes exempt information' : 'Public document pack',
      },
      async (doc) => {
        const t = performance.now()
        await stamp(doc, plan.blanks)
        stampMs = performance.now() - t
      },
    )
    timings.join = Math.round(performance.now() - joinStarted)
    timings.stamp = Math.round(stampMs)
    progress(++done, total)
    timings.ms = Math.round(performance.now() - started)
    return { pdf, pages: plan.total, timings }
  }

  /** Insert the blank pages (each saying so) and number every page at the foot, 1..N. */
  async function stamp(doc: PDFDocument, blanks: number[]) {
    const font = await doc.embedFont(StandardFonts.Helvetica)
    for (const n of blanks) {
      const page = doc.insertPage(n - 1, A4)
      const size = 12
      const w = font.widthOfTextAtSize(BLANK_PAGE_TEXT, size)
      page.drawText(BLANK_PAGE_TEXT, { x: (A4[0] - w) / 2, y: A4[1] / 2, size, font, color: rgb(0.31, 0.35, 0.37) })
    }
    doc.getPages().forEach((page, i) => {
      const text = `Page ${i + 1}`
      const { width } = page.getSize()
      const size = 9
      page.drawText(text, { x: (width - font.widthOfTextAtSize(text, size)) / 2, y: 28, size, font, color: rgb(0.04, 0.05, 0.05) })
    })
  }

  /**
   * Take the pack from the cache (`built`), or start its `pack:build` job and answer at once with the job and a
   * promise of the pack (`finished`, which rejects as `build` throws). The job writes the pack to the cache before
   * it is done, so once the job is `done` the pack is served from the cache. Throws as `build` does before a job.
   */
  async function startBuild(
    source: PdfSource,
    council: PackCouncil,
    meetingId: number,
    edition: PackEdition,
    opts: BuildOptions,
  ): Promise<{ built: BuiltPack } | { job: Job; finished: Promise<BuiltPack> }> {
    const started = performance.now()
    const a = await agenda(council, meetingId, edition, opts)
    const parts = await papers(a)
    const missing = a.items.flatMap((i) =>
      (parts.get(i.id) ?? []).flatMap((x) => (x.kind === 'missing' ? [`Agenda item ${i.number} (${i.title}): ${x.reason}`] : [])),
    )
    if (missing.length) throw new PackError(`The pack cannot be made yet. ${missing.join(' ')}`)
    const key = await cacheKey(source, a, parts)
    const file = path.join(cacheDir, `${key}.pdf`)
    const filename = packFilename(council, a.meeting, edition)
    const empty = { parts: [], agenda: [], join: 0, stamp: 0 }
    try {
      const pdf = new Uint8Array(await fs.promises.readFile(file))
      const { pages } = JSON.parse(await fs.promises.readFile(`${file}.json`, 'utf8')) as { pages: number }
      return {
        built: {
          pdf,
          pages,
          bytes: pdf.length,
          filename,
          title: a.title,
          cached: true,
          timings: { ms: Math.round(performance.now() - started), ...empty },
        },
      }
    } catch {
      // Not made yet (or unreadable): make it.
    }
    if (!deps.pdf.available()) throw new PdfUnavailableError()
    const ticket = crypto.randomUUID()
    let result: Awaited<ReturnType<typeof assemble>> | undefined
    let failure: unknown
    tickets.set(ticket, {
      run: async (progress) => {
        try {
          result = await assemble(source, a, parts, progress)
          // Kept under a name made of its content's hash: written whole, then renamed, so a reader never sees part
          // of one. Written in the job, so a done job's pack is in the cache.
          await fs.promises.mkdir(cacheDir, { recursive: true })
          const tmp = `${file}.${process.pid}.${ticket}.tmp`
          await fs.promises.writeFile(`${file}.json`, JSON.stringify({ pages: result.pages }))
          await fs.promises.writeFile(tmp, result.pdf)
          await fs.promises.rename(tmp, file)
          return result
        } catch (err) {
          failure = err
          throw err
        }
      },
    })
    let run: { job: Job; finished: Promise<Job> }
    try {
      run = await deps.jobs.runNow(
        'pack:build',
        { ticket, council: council.slug, meetingId, edition, title: a.title, filename },
        { actor: opts.actor, source: opts.jobSource ?? 'web', local: opts.onProgress },
      )
    } catch (err) {
      tickets.delete(ticket)
      throw err
    }
    const finished = run.finished
      .then((job): BuiltPack => {
        if (failure) throw failure
        if (job.status !== 'done' || !result) throw new Error(job.error ?? 'The pack could not be made')
        return {
          pdf: result.pdf,
          pages: result.pages,
          bytes: result.pdf.length,
          filename,
          title: a.title,
          cached: false,
          timings: { ...result.timings, ms: Math.round(performance.now() - started) },
        }
      })
      .finally(() => tickets.delete(ticket))
    // Nobody waits when a browser is sent to the progress page: the job's row holds the outcome.
    finished.catch(() => {})
    return { job: run.job, finished }
  }

  const service = {
    settings,
    agenda,
    papers,

    /** The reports capability registers its published reports here (report first, then appendices). */
    addItemSource(source: PackItemSource) {
      sources.push(source)
    },

    /** Save the council's pack settings (council admins). */
    async saveSettings(councilId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(PackSettingsInput, input)
      const values = {
        chief_executive: clean(data.chiefExecutive),
        filming_notice: clean(data.filmingNotice),
        enquiries_name: clean(data.enquiriesName),
        enquiries_telephone: clean(data.enquiriesTelephone),
        enquiries_email: clean(data.enquiriesEmail),
      }
      return inTransaction(db, q, async (tx) => {
        const row = await maybeOne<{ id: number }>(tx, 'SELECT id FROM pack_settings WHERE partnership_id = $1', [councilId])
        const ctx = { actor, partnershipId: councilId, entity: 'pack_settings', summary: 'Agenda pack settings' }
        if (row) await updateRecord(tx, 'pack_settings', row.id, data.version, values, ctx)
        else await createRecord(tx, 'pack_settings', { partnership_id: councilId, ...values }, ctx)
        return settings(councilId, tx)
      })
    },

    /**
     * Make (or take from the cache) a meeting's pack, as the requester sees it, and wait for it. Made as a
     * `pack:build` job in this process. Throws NotFoundError (may not see it), PackError (a bad appendix: nothing is
     * made), PdfUnavailableError (no Chromium, and not made before).
     */
    async build(source: PdfSource, council: PackCouncil, meetingId: number, edition: PackEdition, opts: BuildOptions): Promise<BuiltPack> {
      const started = await startBuild(source, council, meetingId, edition, opts)
      return 'built' in started ? started.built : started.finished
    },

    start: startBuild,

    /**
     * A `pack:build` job of this meeting and edition, for its progress page; NotFoundError for any other job (another
     * meeting's, another edition's, another kind). The caller checks first that the asker may see the pack.
     */
    async packJob(council: PackCouncil, meetingId: number, edition: PackEdition, jobId: number | string): Promise<Job<PackJobParams>> {
      const job = (await deps.jobs.get(jobId)) as Job<PackJobParams>
      const p = job.params
      if (job.kind !== 'pack:build' || p?.council !== council.slug || Number(p.meetingId) !== meetingId || p.edition !== edition)
        throw new NotFoundError()
      return job
    },
  }

  deps.jobs.define<PackJobParams, { pages: number; bytes: number; filename: string; timings: BuiltPack['timings'] }>({
    kind: 'pack:build',
    title: (p) => `Agenda pack (${p.edition}): ${p.title}`,
    run: async (ctx) => {
      const entry = tickets.get(ctx.params.ticket)
      if (!entry)
        throw new Error("This pack was made for one person's download, which has ended: ask for it again from the meeting's page.")
      const progress = (done: number, total: number) => {
        ctx.progress({ done, total, unit: 'parts' })
        ;(ctx.local as ((d: number, t: number) => void) | undefined)?.(done, total)
      }
      const out = await entry.run(progress)
      // The timings (each part's render, the agenda's renders, joining and stamping) are kept for /admin/jobs and the benchmark.
      return { pages: out.pages, bytes: out.pdf.length, filename: ctx.params.filename, timings: out.timings }
    },
  })

  return service
}
export type PacksService = ReturnType<typeof packsService>
