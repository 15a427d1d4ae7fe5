/** Joining PDFs (document packs) and the PDF helpers that need no browser. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PDFDocument, PDFDict, PDFName, PDFArray, type PDFString, PDFHexString, PDFRef, PDFNumber } from 'pdf-lib'
import { joinPdfs, fileNamePart, pdfService, PdfUnavailableError, PDF_UNAVAILABLE } from './pdf.ts'

/** A PDF of `pages` pages, each `size` points square (so the join's order can be read from the sizes). */
async function makePdf(title: string, pages: number, size: number, outlineTitles: string[] = []) {
  const doc = await PDFDocument.create()
  doc.setTitle(title)
  for (let i = 0; i < pages; i++) doc.addPage([size, size]).drawText(`${title} page ${i + 1}`, { x: 5, y: 5, size: 8 })
  if (outlineTitles.length) {
    // An outline written by hand: one entry per title, entry i opening at page i.
    const ctx = doc.context
    const root = ctx.nextRef()
    const refs = outlineTitles.map(() => ctx.nextRef())
    outlineTitles.forEach((t, i) => {
      const item = ctx.obj({
        Title: PDFHexString.fromText(t),
        Parent: root,
        Dest: [doc.getPage(i).ref, 'XYZ', null, null, null],
      }) as PDFDict
      if (i > 0) item.set(PDFName.of('Prev'), refs[i - 1])
      if (i < refs.length - 1) item.set(PDFName.of('Next'), refs[i + 1])
      ctx.assign(refs[i], item)
    })
    ctx.assign(root, ctx.obj({ Type: 'Outlines', First: refs[0], Last: refs.at(-1)!, Count: PDFNumber.of(refs.length) }))
    doc.catalog.set(PDFName.of('Outlines'), root)
  }
  return doc.save()
}

function outline(doc: PDFDocument) {
  const ctx = doc.context
  const pageRefs = doc.getPages().map((p) => p.ref.toString())
  const out: { title: string; depth: number; page: number }[] = []
  const walk = (ref: unknown, depth: number) => {
    for (; ref instanceof PDFRef; ref = ctx.lookup(ref, PDFDict).get(PDFName.of('Next'))) {
      const item = ctx.lookup(ref, PDFDict)
      const dest = ctx.lookup(item.get(PDFName.of('Dest')), PDFArray)
      out.push({
        title: (item.get(PDFName.of('Title')) as PDFString | PDFHexString).decodeText(),
        depth,
        page: pageRefs.indexOf(String(dest.get(0))) + 1,
      })
      walk(item.get(PDFName.of('First')), depth + 1)
    }
  }
  walk(doc.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict)?.get(PDFName.of('First')), 0)
  return out
}

test("joining PDFs keeps every page in order, with the pack's title, author and language", async () => {
  const parts = [await makePdf('Agenda', 2, 300), await makePdf('Report', 3, 400), await makePdf('Minutes', 1, 500)]
  const joined = await PDFDocument.load(
    await joinPdfs(parts, { title: 'Community Safety Scrutiny Committee, 4 March 2026', author: 'Hampshire County Council' }),
  )
  assert.equal(joined.getPageCount(), 2 + 3 + 1)
  assert.deepEqual(
    joined.getPages().map((p) => p.getWidth()),
    [300, 300, 400, 400, 400, 500],
  )
  assert.equal(joined.getTitle(), 'Community Safety Scrutiny Committee, 4 March 2026')
  assert.equal(joined.getAuthor(), 'Hampshire County Council')
  assert.equal((joined.catalog.get(PDFName.of('Lang')) as PDFString).decodeText(), 'en-GB')
})

test("a joined PDF's outline has an entry per part at its first page, holding the part's own outline", async () => {
  const report = await makePdf('Report', 3, 400, ['Summary', 'Recommendations', 'Background papers'])
  const joined = await PDFDocument.load(
    await joinPdfs([await makePdf('Agenda', 2, 300), { pdf: report, title: 'Item 5: Community Safety Agreement' }], { title: 'Pack' }),
  )
  assert.deepEqual(outline(joined), [
    { title: 'Agenda', depth: 0, page: 1 },
    { title: 'Item 5: Community Safety Agreement', depth: 0, page: 3 },
    { title: 'Summary', depth: 1, page: 3 },
    { title: 'Recommendations', depth: 1, page: 4 },
    { title: 'Background papers', depth: 1, page: 5 },
  ])
})

test('file names are made of plain lower-case words', () => {
  assert.equal(fileNamePart('Autumn 2020 assessment'), 'autumn-2020-assessment')
  assert.equal(fileNamePart("Children's Safeguarding – Café & Bar"), 'childrens-safeguarding-cafe-and-bar')
  assert.equal(fileNamePart('../../etc/passwd'), 'etc-passwd')
})

test('without Chromium a PDF is refused with the plain message, and no browser is started', async () => {
  const pdf = pdfService({ chromiumPath: '/nonexistent/chromium' })
  assert.equal(pdf.available(), false)
  await assert.rejects(
    pdf.render(
      {
        app: {
          inject: () => {
            throw new Error('not asked')
          },
        } as any,
        headers: {},
      },
      { path: '/print', title: 'T', filename: 't.pdf' },
    ),
    (err: unknown) => {
      assert.ok(err instanceof PdfUnavailableError)
      assert.equal(err.statusCode, 503)
      assert.equal(
        err.message,
        "PDFs need Chromium, which is not installed on this server: ask your administrator to install the Debian package chromium, or set CHROMIUM_PATH. The print view still works: use your browser's Print.",
      )
      return true
    },
  )
  assert.equal(
    PDF_UNAVAILABLE,
    "PDFs need Chromium, which is not installed on this server: ask your administrator to install the Debian package chromium, or set CHROMIUM_PATH. The print view still works: use your browser's Print.",
  )
  assert.equal(pdf.browserPid(), undefined)
})

test('a CHROMIUM_PATH that is not a working Chromium is refused with a message naming it', async () => {
  const pdf = pdfService({ chromiumPath: '/bin/false' })
  assert.equal(pdf.available(), true, 'the file is there and can be run')
  await assert.rejects(
    pdf.render(
      {
        app: {
          inject: () => {
            throw new Error('not asked')
          },
        } as any,
        headers: {},
      },
      { path: '/print', title: 'T', filename: 't.pdf' },
    ),
    (err: unknown) => {
      assert.ok(err instanceof PdfUnavailableError)
      assert.match(
        err.message,
        /^PDFs cannot be made just now: Chromium at \/bin\/false did not start \(.+\)\. The print view still works: use your browser's Print\.$/,
      )
      return true
    },
  )
  await pdf.close()
})
