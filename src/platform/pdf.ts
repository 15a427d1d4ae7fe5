/**
 * PDF: any print view of the app rendered to PDF in headless Chromium (playwright-core driving Debian's `chromium`),
 * as a job, with the document's title, language (en-GB), an outline from its headings and a running header and footer;
 * and `joinPdfs` to put several PDFs into one (document packs).
 *
 *   // in a route, after the print view's own access check:
 *   if (query.format === 'pdf') return sendPdf(request, reply, services.pdf, {
 *     path: '/partnerships/x/agreement/versions/2/print?round=3', title: 'County Agreement 2020-23',
 *     filename: 'x-agreement-v2-round-autumn-2020.pdf', header: { left: 'Hampshire', right: 'Autumn 2020 assessment' },
 *   })
 *
 * How the page is loaded: Chromium opens the print view at an address of its own (http://safer.invalid/...) and every
 * request the page makes is answered by the app itself through fastify.inject, with the requesting person's session
 * (or API token), so the print view's access rules apply exactly as they do in a browser. Nothing reaches the network:
 * requests for any other origin, and anything but GET, are refused, host names resolve nowhere, and scripts are off.
 *
 * One browser is kept running while PDFs are being asked for, and closed when none has been for `idleMs`.
 */
import fs from 'node:fs'
import crypto from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { PDFDocument, PDFDict, PDFName, PDFRef, PDFHexString, PDFString, PDFNumber, PDFArray } from 'pdf-lib'
import type { Job, JobService } from './jobs.ts'
import type { Actor } from './audit.ts'
import { NotFoundError } from './errors.ts'
import { SESSION_COOKIE } from './session.ts'
import { escapeHtml } from './html.ts'
import { hyphenated } from './format.ts'

export const PDF_UNAVAILABLE =
  "PDFs need Chromium, which is not installed on this server: ask your administrator to install the Debian package chromium, or set CHROMIUM_PATH. The print view still works: use your browser's Print."

/** PDFs cannot be made on this server (no Chromium where CHROMIUM_PATH says). 503, with the plain message. */
export class PdfUnavailableError extends Error {
  statusCode = 503
  constructor(message = PDF_UNAVAILABLE) {
    super(message)
  }
}

/** Headless Chromium as Debian ships it, run as root on a closed network: nothing that reaches out (updates, sync). */
export const HEADLESS_CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** The PDF browser's: the same, and no host name resolves (the print view is loaded from the app itself). */
export const CHROMIUM_ARGS = [...HEADLESS_CHROMIUM_ARGS, '--host-resolver-rules=MAP * ~NOTFOUND']

/** The origin the print view is loaded from inside Chromium: it names the app, and resolves nowhere. */
const ORIGIN = 'http://safer.invalid'

/** What a PDF of one print view says about itself. */
export interface PdfDocument {
  /** The print view in this app: a path with its query, e.g. /partnerships/x/agreement/versions/2/print?round=3 */
  path: string
  /** The PDF's title (its metadata, and what a reader's title bar and the footer show). */
  title: string
  /** The name the download is offered under, ending .pdf. */
  filename: string
  /** The PDF's author (e.g. the partnership) and subject. */
  author?: string
  subject?: string
  /** The running header on every page: left (e.g. the partnership's name) and right (e.g. the round). */
  header?: { left?: string; right?: string }
  /** The footer's left; its right is "Page X of Y". Default: the title. `false`: no footer (a pack stamps its own numbers). */
  footer?: string | false
  /** Print across the page (A4 landscape): for a wide table, such as the scorecard's. Default: portrait. */
  landscape?: boolean
}

/** Who the print view is asked for as: the app, and the requesting person's credentials (never stored). */
export interface PdfSource {
  app: Pick<FastifyInstance, 'inject'>
  headers: Record<string, string>
}

export interface RenderedPdf {
  pdf: Uint8Array
  pages: number
  /** Milliseconds in all, and in each step: waiting for a page (and the browser), loading the view, printing, metadata. */
  ms: number
  steps: { page: number; load: number; print: number; metadata: number }
}

/** A page lent to one render at a time; `source` says whose request its requests are answered as. */
interface Tab {
  context: BrowserContext
  page: Page
  source: PdfSource | undefined
}

/** The `pdf:render` job's parameters (what /admin/jobs shows): the document, and a ticket for its source in memory. */
interface RenderParams extends PdfDocument {
  ticket: string
}

/** The credentials a print view is requested with: the session cookie or the API token, and nothing else. */
export function sourceOf(request: FastifyRequest): PdfSource {
  const headers: Record<string, string> = {}
  const session = request.cookies?.[SESSION_COOKIE]
  if (session) headers.cookie = `${SESSION_COOKIE}=${encodeURIComponent(session)}`
  if (request.headers.authorization) headers.authorization = request.headers.authorization
  return { app: request.server, headers }
}

export function pdfService(opts: { chromiumPath: string; idleMs?: number; concurrency?: number; jobs?: JobService }) {
  const idleMs = opts.idleMs ?? 120_000
  const limit = opts.concurrency ?? 2
  let browser: Promise<Browser> | undefined
  let current: Browser | undefined
  let idleTimer: NodeJS.Timeout | undefined
  /** Pages ready for the next render (a new page costs a renderer process: ≈0.1-0.5 s), each with its own context. */
  let spare: Tab[] = []
  let active = 0
  const waiting: (() => void)[] = []
  /** Sources of the renders asked for in this process, by ticket (credentials stay in memory, never in the jobs table). */
  const sources = new Map<string, { source: PdfSource; out?: RenderedPdf; error?: unknown }>()

  function available() {
    try {
      fs.accessSync(opts.chromiumPath, fs.constants.X_OK)
      return fs.statSync(opts.chromiumPath).isFile()
    } catch {
      return false
    }
  }

  async function launch(): Promise<Browser> {
    if (!available()) throw new PdfUnavailableError()
    const { chromium } = await import('playwright-core').catch(() => {
      throw new PdfUnavailableError(
        "PDFs need the playwright-core package, which is not installed with this copy of Safer: ask your administrator to install it (npm install playwright-core). The print view still works: use your browser's Print.",
      )
    })
    let b: Browser
    const before = new Set(childProcesses(process.pid).map((c) => c.pid))
    try {
      b = await chromium.launch({ executablePath: opts.chromiumPath, args: CHROMIUM_ARGS, timeout: 30_000 })
    } catch (err) {
      throw new PdfUnavailableError(
        `PDFs cannot be made just now: Chromium at ${opts.chromiumPath} did not start (${firstLine(err)}). The print view still works: use your browser's Print.`,
      )
    }
    // A browser that crashed or was killed is started again for the next PDF.
    b.on('disconnected', () => {
      if (current !== b) return
      browser = current = undefined
      spare = []
    })
    current = b
    pid = childProcesses(process.pid).find((c) => !before.has(c.pid) && c.cmdline.includes('--remote-debugging-pipe'))?.pid
    return b
  }
  let pid: number | undefined

  function getBrowser(): Promise<Browser> {
    browser ??= launch().catch((err) => {
      browser = undefined
      throw err
    })
    return browser
  }

  /** A page whose every request is answered by the app, as the source of the render it is lent to. */
  async function newTab(b: Browser): Promise<Tab> {
    const context = await b.newContext({ javaScriptEnabled: false, serviceWorkers: 'block', locale: 'en-GB', acceptDownloads: false })
    const tab: Tab = { context, page: undefined as unknown as Page, source: undefined }
    await context.route('**/*', async (route) => {
      const req = route.request()
      const url = new URL(req.url())
      const source = tab.source
      if (!source || url.origin !== ORIGIN || req.method() !== 'GET' || url.pathname === '/static/favicon.svg')
        return route.abort('blockedbyclient')
      try {
        const res = await source.app.inject({
          method: 'GET',
          url: url.pathname + url.search,
          headers: { ...source.headers, accept: req.headers().accept ?? '*/*' },
        })
        const headers: Record<string, string> = {}
        for (const h of ['content-type', 'content-security-policy']) if (res.headers[h]) headers[h] = String(res.headers[h])
        await route.fulfill({ status: res.statusCode, headers, body: res.rawPayload })
      } catch {
        await route.abort('failed').catch(() => {}) // the page was closed, or the app could not answer
      }
    })
    tab.page = await context.newPage()
    await tab.page.emulateMedia({ media: 'print' })
    return tab
  }

  /** Wait for a free slot (at most `limit` renders at once), and lend a page. */
  async function borrow(): Promise<Tab> {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = undefined
    while (active >= limit) await new Promise<void>((r) => waiting.push(r))
    active++
    try {
      const b = await getBrowser()
      return spare.pop() ?? (await newTab(b))
    } catch (err) {
      giveBack()
      throw err
    }
  }

  function giveBack(tab?: Tab, healthy = false) {
    if (tab) {
      tab.source = undefined
      if (healthy && tab.context.browser() === current && !tab.page.isClosed()) spare.push(tab)
      else void tab.context.close().catch(() => {})
    }
    active--
    waiting.shift()?.()
    if (!active && !waiting.length) {
      idleTimer = setTimeout(() => {
        void service.close()
      }, idleMs)
      idleTimer.unref()
    }
  }

  /** Load the print view from the app into a page and print it. */
  async function render(source: PdfSource, doc: PdfDocument): Promise<RenderedPdf> {
    if (!doc.path.startsWith('/') || doc.path.startsWith('//')) throw new Error(`A print view is a path in this app (found "${doc.path}")`)
    const started = performance.now()
    const tab = await borrow()
    const borrowed = performance.now()
    let healthy = false
    try {
      tab.source = source
      const response = await tab.page.goto(ORIGIN + doc.path, { waitUntil: 'load', timeout: 60_000 })
      const status = response?.status() ?? 0
      if (status === 404) throw new NotFoundError()
      if (status !== 200) throw new Error(`The print view ${doc.path} answered ${status}, so no PDF was made`)
      const headings = await tab.page.evaluate(HEADINGS)
      const loaded = performance.now()
      const raw = await tab.page.pdf({
        format: 'A4',
        landscape: doc.landscape ?? false,
        printBackground: true,
        outline: true,
        tagged: true,
        margin: { top: '22mm', bottom: '20mm', left: '16mm', right: '16mm' },
        displayHeaderFooter: true,
        headerTemplate: headerTemplate(doc),
        footerTemplate: footerTemplate(doc),
      })
      healthy = true
      const printed = performance.now()
      const { pdf, pages } = await describe(raw, doc, headings)
      const end = performance.now()
      const steps = { page: borrowed - started, load: loaded - borrowed, print: printed - loaded, metadata: end - printed }
      return {
        pdf,
        pages,
        ms: Math.round(end - started),
        steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Math.round(v)])) as RenderedPdf['steps'],
      }
    } finally {
      giveBack(tab, healthy)
    }
  }

  const service = {
    /** Whether Chromium is where CHROMIUM_PATH says (the page offers the PDF either way, and explains when it is not). */
    available,

    /** Render a print view now, outside the jobs (a document pack's job renders its parts with this). */
    render,

    /**
     * Render a print view as a `pdf:render` job in this process, and wait for it: the job is recorded (and visible on
     * /admin/jobs) with its timings, pages and size; the PDF itself comes back to the caller and is not kept.
     * Throws PdfUnavailableError (no job is recorded) when Chromium is missing.
     */
    async renderAsJob(source: PdfSource, doc: PdfDocument, o: { actor?: Actor } = {}): Promise<RenderedPdf & { job: Job }> {
      if (!opts.jobs) throw new Error('pdfService was built without jobs')
      if (!available()) throw new PdfUnavailableError()
      const ticket = crypto.randomUUID()
      sources.set(ticket, { source })
      try {
        const params: RenderParams = { ...doc, ticket }
        const { finished } = await opts.jobs.runNow('pdf:render', params, { actor: o.actor, source: 'web' })
        const job = await finished
        const entry = sources.get(ticket)
        // The job's own error (a 404 from the view, Chromium failing to start) is the caller's answer too.
        if (entry?.error) throw entry.error
        if (job.status !== 'done' || !entry?.out) throw new Error(job.error ?? 'The PDF could not be made')
        return { ...entry.out, job }
      } finally {
        sources.delete(ticket)
      }
    },

    /** The browser's process id while it runs, on Linux (the benchmark reads its memory; the tests see it end). */
    browserPid(): number | undefined {
      return current ? pid : undefined
    },

    /** Close the browser (when idle, and when the app closes). */
    async close() {
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = undefined
      const b = browser
      browser = current = undefined
      spare = []
      if (b) await (await b.catch(() => undefined))?.close().catch(() => {})
    },
  }

  opts.jobs?.define<RenderParams, { pages: number; bytes: number; ms: number; filename: string }>({
    kind: 'pdf:render',
    title: (p) => `PDF: ${p.title}`,
    run: async (ctx) => {
      const entry = sources.get(ctx.params.ticket)
      // The person's credentials live only in the process that was asked; a re-run from /admin/jobs has none.
      if (!entry) throw new Error("This PDF was made for one person's download, which has ended: ask for it again from its page.")
      const { ticket: _ticket, ...doc } = ctx.params
      try {
        entry.out = await render(entry.source, doc)
      } catch (err) {
        entry.error = err
        throw err
      }
      return { pages: entry.out.pages, bytes: entry.out.pdf.length, ms: entry.out.ms, filename: doc.filename }
    },
  })

  return service
}
export type PdfService = ReturnType<typeof pdfService>

/**
 * Answer a request with the PDF of a print view, made as a job with the requester's own access. Without Chromium, a
 * page that says so plainly (503). Call it after the route's own access checks.
 */
export async function sendPdf(request: FastifyRequest, reply: FastifyReply, pdf: PdfService, doc: PdfDocument) {
  try {
    const out = await pdf.renderAsJob(sourceOf(request), doc, { actor: request.actor })
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${doc.filename.replace(/[^\w.-]/g, '-')}"`)
      .header('cache-control', 'private, no-store')
      .send(Buffer.from(out.pdf))
  } catch (err) {
    if (!(err instanceof PdfUnavailableError)) throw err
    return reply.code(503).view('platform/views/error.njk', { title: 'The PDF is not available', status: 503, message: err.message })
  }
}

/** A file name part from a title: "Autumn 2020 assessment" -> "autumn-2020-assessment". */
export function fileNamePart(s: string): string {
  return hyphenated(s, 60)
}

// ---- The running header and footer (Chromium's templates: inline styles only, values escaped) ----

const BAND =
  'width:100%;margin:0 16mm;font-family:Helvetica,Arial,sans-serif;font-size:8.5pt;color:#0b0c0c;display:flex;justify-content:space-between;gap:8mm'

function headerTemplate(doc: PdfDocument) {
  return `<div style="${BAND};padding-bottom:2mm;border-bottom:0.5pt solid #505a5f"><span>${escapeHtml(doc.header?.left ?? '')}</span><span style="text-align:right">${escapeHtml(doc.header?.right ?? '')}</span></div>`
}

function footerTemplate(doc: PdfDocument) {
  if (doc.footer === false) return '<span></span>'
  return `<div style="${BAND}"><span>${escapeHtml(doc.footer ?? doc.title)}</span><span style="white-space:nowrap">Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`
}

// ---- Metadata, and joining PDFs ----

/** A heading the printed page shows: its level (1 for h1) and its words (without parts hidden from screen readers). */
interface Heading {
  level: number
  text: string
}

/** Run in the page (scripts of the page itself stay off): the headings shown in print, in order. */
const HEADINGS = (): Heading[] =>
  [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter((h) => h.getClientRects().length > 0 && getComputedStyle(h).visibility !== 'hidden')
    .map((h) => {
      const copy = h.cloneNode(true) as Element
      copy.querySelectorAll('[aria-hidden="true"]').forEach((e) => e.remove())
      return { level: Number(h.tagName[1]), text: (copy.textContent ?? '').replace(/\s+/g, ' ').trim() }
    })

/**
 * Set the title (shown in the reader's title bar), language, author and subject, and make the outline from the
 * headings h1-h3, keeping the tags.
 */
async function describe(raw: Uint8Array, doc: { title: string; author?: string; subject?: string }, headings: Heading[]) {
  const pdf = await PDFDocument.load(raw, { updateMetadata: false })
  outlineFromHeadings(pdf, headings, 3)
  setMetadata(pdf, doc)
  return { pdf: await pdf.save(), pages: pdf.getPageCount() }
}

/**
 * Chromium's outline (`outline: true`) has an entry for every heading, at the right page, but its words run lines
 * together ("Agreementfor") and repeat a heading split by a page break, and it goes down to h6. Keep its places, and
 * give each entry its heading's own words, nested by level, down to `maxLevel`. When the two lists do not match one
 * to one (a heading Chromium did not tag), Chromium's outline is left as it is.
 */
function outlineFromHeadings(pdf: PDFDocument, headings: Heading[], maxLevel: number) {
  const ctx = pdf.context
  const root = pdf.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict)
  if (!root) return
  const places: PDFArray[] = []
  const old: PDFRef[] = []
  const walk = (first: unknown) => {
    for (let ref = first, guard = 0; ref instanceof PDFRef && guard < 10_000; guard++) {
      const item = ctx.lookup(ref, PDFDict)
      const dest = item.get(PDFName.of('Dest'))
      places.push((dest instanceof PDFArray ? dest : ctx.lookupMaybe(dest, PDFArray)) as PDFArray)
      old.push(ref)
      walk(item.get(PDFName.of('First')))
      ref = item.get(PDFName.of('Next'))
    }
  }
  walk(root.get(PDFName.of('First')))
  if (places.length !== headings.length || places.some((p) => !p)) return
  for (const ref of old) ctx.delete(ref)
  type Node = { ref: PDFRef; dict: PDFDict; kids: Node[]; level: number }
  const top: Node[] = []
  const stack: Node[] = []
  headings.forEach((h, i) => {
    if (h.level > maxLevel) return
    const node: Node = {
      ref: ctx.nextRef(),
      dict: ctx.obj({ Title: PDFHexString.fromText(h.text), Dest: places[i] }) as PDFDict,
      kids: [],
      level: h.level,
    }
    while (stack.length && stack.at(-1)!.level >= h.level) stack.pop()
    ;(stack.length ? stack.at(-1)!.kids : top).push(node)
    stack.push(node)
  })
  let rootRef = pdf.catalog.get(PDFName.of('Outlines'))
  if (!(rootRef instanceof PDFRef)) pdf.catalog.set(PDFName.of('Outlines'), (rootRef = ctx.nextRef()))
  const link = (nodes: Node[], parent: PDFRef): number => {
    let count = nodes.length
    nodes.forEach((n, k) => {
      n.dict.set(PDFName.of('Parent'), parent)
      if (k > 0) n.dict.set(PDFName.of('Prev'), nodes[k - 1].ref)
      if (k < nodes.length - 1) n.dict.set(PDFName.of('Next'), nodes[k + 1].ref)
      if (n.kids.length) {
        const below = link(n.kids, n.ref)
        n.dict.set(PDFName.of('First'), n.kids[0].ref)
        n.dict.set(PDFName.of('Last'), n.kids.at(-1)!.ref)
        n.dict.set(PDFName.of('Count'), PDFNumber.of(below))
        count += below
      }
      ctx.assign(n.ref, n.dict)
    })
    return count
  }
  const count = link(top, rootRef as PDFRef)
  ctx.assign(
    rootRef as PDFRef,
    top.length
      ? ctx.obj({ Type: 'Outlines', First: top[0].ref, Last: top.at(-1)!.ref, Count: PDFNumber.of(count) })
      : ctx.obj({ Type: 'Outlines', Count: PDFNumber.of(0) }),
  )
}

function setMetadata(pdf: PDFDocument, meta: { title: string; author?: string; subject?: string; language?: string }) {
  pdf.setTitle(meta.title, { showInWindowTitleBar: true })
  pdf.setLanguage(meta.language ?? 'en-GB')
  if (meta.author) pdf.setAuthor(meta.author)
  if (meta.subject) pdf.setSubject(meta.subject)
  pdf.setCreator('Safer')
  pdf.setProducer('Safer (Chromium, pdf-lib)')
  const now = new Date()
  pdf.setCreationDate(now)
  pdf.setModificationDate(now)
}

/**
 * Join PDFs into one, in order, with the title, author and language given. Each part's outline is kept, under an
 * entry named after the part (its `title`, or its own title metadata) that opens at the part's first page.
 */
export async function joinPdfs(
  parts: (Uint8Array | { pdf: Uint8Array; title?: string })[],
  meta: { title: string; author?: string; subject?: string; language?: string },
  /** Change the joined document before it is saved (a pack inserts blank pages and stamps page numbers). */
  edit?: (doc: PDFDocument) => void | Promise<void>,
): Promise<Uint8Array> {
  const out = await PDFDocument.create({ updateMetadata: false })
  const entries: { title: string; firstPage: PDFRef; outline?: PDFDict; source: PDFDocument; pageRefs: Map<string, PDFRef> }[] = []
  for (const [i, part] of parts.entries()) {
    const bytes = part instanceof Uint8Array ? part : part.pdf
    const src = await PDFDocument.load(bytes, { updateMetadata: false })
    const copied = await out.copyPages(src, src.getPageIndices())
    const pageRefs = new Map<string, PDFRef>()
    for (const [k, page] of copied.entries()) {
      out.addPage(page)
      pageRefs.set(src.getPage(k).ref.toString(), page.ref)
    }
    const title = (part instanceof Uint8Array ? undefined : part.title) ?? src.getTitle() ?? `Part ${i + 1}`
    const outlines = src.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict)
    if (copied[0]) entries.push({ title, firstPage: copied[0].ref, outline: outlines, source: src, pageRefs })
  }
  writeOutline(out, entries)
  setMetadata(out, meta)
  await edit?.(out)
  return out.save()
}

/** One top-level entry per part, each holding a copy of the part's own outline with its links moved to the new pages. */
function writeOutline(
  out: PDFDocument,
  parts: { title: string; firstPage: PDFRef; outline?: PDFDict; source: PDFDocument; pageRefs: Map<string, PDFRef> }[],
) {
  if (!parts.length) return
  const ctx = out.context
  const rootRef = ctx.nextRef()
  const dest = (page: PDFRef) => ctx.obj([page, PDFName.of('XYZ'), null, null, null])
  const textOf = (d: PDFDict, key: string) => {
    const v = d.get(PDFName.of(key))
    return v instanceof PDFString || v instanceof PDFHexString ? v.decodeText() : ''
  }
  /** Copy a chain of items (First..Next) under `parent`; returns [first, last, count]. */
  const copyChain = (
    src: PDFDocument,
    first: PDFDict | undefined,
    parent: PDFRef,
    pageRefs: Map<string, PDFRef>,
  ): [PDFRef, PDFRef, number] | undefined => {
    const refs: PDFRef[] = []
    const dicts: PDFDict[] = []
    let total = 0
    for (
      let item = first, guard = 0;
      item && guard < 10_000;
      item = src.context.lookupMaybe(item.get(PDFName.of('Next')), PDFDict), guard++
    ) {
      const ref = ctx.nextRef()
      const page = targetPage(src, item, pageRefs)
      const d = ctx.obj({ Title: PDFHexString.fromText(textOf(item, 'Title')), Parent: parent }) as PDFDict
      if (page) d.set(PDFName.of('Dest'), dest(page))
      const kids = copyChain(src, src.context.lookupMaybe(item.get(PDFName.of('First')), PDFDict), ref, pageRefs)
      if (kids) {
        d.set(PDFName.of('First'), kids[0])
        d.set(PDFName.of('Last'), kids[1])
        d.set(PDFName.of('Count'), PDFNumber.of(kids[2]))
        total += kids[2]
      }
      refs.push(ref)
      dicts.push(d)
      total++
    }
    if (!refs.length) return undefined
    dicts.forEach((d, k) => {
      if (k > 0) d.set(PDFName.of('Prev'), refs[k - 1])
      if (k < refs.length - 1) d.set(PDFName.of('Next'), refs[k + 1])
      ctx.assign(refs[k], d)
    })
    return [refs[0], refs.at(-1)!, total]
  }
  const tops = parts.map((p) => {
    const ref = ctx.nextRef()
    const d = ctx.obj({ Title: PDFHexString.fromText(p.title), Parent: rootRef, Dest: dest(p.firstPage) }) as PDFDict
    const kids = copyChain(
      p.source,
      p.outline ? p.source.context.lookupMaybe(p.outline.get(PDFName.of('First')), PDFDict) : undefined,
      ref,
      p.pageRefs,
    )
    let count = 0
    if (kids) {
      d.set(PDFName.of('First'), kids[0])
      d.set(PDFName.of('Last'), kids[1])
      d.set(PDFName.of('Count'), PDFNumber.of(-kids[2])) // closed: a pack's outline opens at its parts
      count = kids[2]
    }
    return { ref, d, count }
  })
  tops.forEach((t, k) => {
    if (k > 0) t.d.set(PDFName.of('Prev'), tops[k - 1].ref)
    if (k < tops.length - 1) t.d.set(PDFName.of('Next'), tops[k + 1].ref)
    ctx.assign(t.ref, t.d)
  })
  ctx.assign(rootRef, ctx.obj({ Type: 'Outlines', First: tops[0].ref, Last: tops.at(-1)!.ref, Count: PDFNumber.of(tops.length) }))
  out.catalog.set(PDFName.of('Outlines'), rootRef)
}

/** The page an outline item opens at (its /Dest, or a GoTo action's /D), as a page of the joined document. */
function targetPage(src: PDFDocument, item: PDFDict, pageRefs: Map<string, PDFRef>): PDFRef | undefined {
  let d = item.get(PDFName.of('Dest'))
  if (!d) {
    const action = src.context.lookupMaybe(item.get(PDFName.of('A')), PDFDict)
    d = action?.get(PDFName.of('D'))
  }
  const arr = d instanceof PDFRef ? src.context.lookupMaybe(d, PDFArray) : d instanceof PDFArray ? d : undefined
  const page = arr?.get(0)
  return page instanceof PDFRef ? pageRefs.get(page.toString()) : undefined
}

/** The processes started by `parent`, read from /proc (Linux only; elsewhere none). */
export function childProcesses(parent: number): { pid: number; cmdline: string }[] {
  let entries: string[]
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return []
  }
  const out: { pid: number; cmdline: string }[] = []
  for (const e of entries) {
    try {
      // The fields after the command name (which may hold spaces) start with the state, then the parent's pid.
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue
      out.push({ pid: Number(e), cmdline: fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ') })
    } catch {
      // The process ended while we looked.
    }
  }
  return out
}

function firstLine(err: unknown) {
  return String((err as Error)?.message ?? err).split('\n')[0]
}
