/**
 * The reports pages on the demo (seeds 000 and 004), at 320 and 1280 CSS pixels: no sideways scrolling and nothing
 * serious from axe, as the public (list, report, print view, compare) and as a site administrator (edit form, template);
 * and the print view's PDF, read back with pdftotext.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })

async function reportIds() {
  const hcc = (await s.server.services.partnerships.bySlug('hampshire-county-council'))!
  const list = await s.server.services.reports.list(hcc.id, { member: false })
  const annual = list.find((r) => r.title === 'Hampshire Community Safety Strategy Group')!
  const draft = await s.server.services.reports.create(hcc.id, { title: 'A draft for the browser test' }, { id: null, name: 'test' })
  return { annual: annual.id, draft: draft.id }
}

test('the reports pages reflow at 320 px and pass axe at 320 and 1280 px, for the public and for an editor', async () => {
  const { annual, draft } = await reportIds()
  const base = '/partnerships/hampshire-county-council/reports'
  const page = await s.browser.newPage()
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 })
    for (const url of [
      base,
      `${base}/${annual}`,
      `${base}/${annual}/print`,
      `${base}/${annual}/compare`,
      '/partnerships/worcestershire-county-council/reports',
    ]) {
      const res = await page.goto(s.server.url + url)
      assert.equal(res?.status(), 200, url)
      await expectNoSidewaysScroll(page, `${url} at ${width} px`)
      await expectAccessible(page, `${url} at ${width} px`)
    }
  }
  await signIn(page, s.server.url, 'manager@demo.safer.test', DEMO_LOGINS.password)
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 })
    for (const url of [base, `${base}/${draft}`, `${base}/${draft}/edit`, `${base}/template`]) {
      const res = await page.goto(s.server.url + url)
      assert.equal(res?.status(), 200, url)
      await expectNoSidewaysScroll(page, `${url} at ${width} px`)
      await expectAccessible(page, `${url} at ${width} px`)
    }
  }
  await page.close()
})

test("the print view's PDF carries the report's header, sections and data", async () => {
  const { annual } = await reportIds()
  const res = await fetch(`${s.server.url}/partnerships/hampshire-county-council/reports/${annual}/print?format=pdf`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /application\/pdf/)
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'report-pdf-')), 'r.pdf')
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()))
  const words = execFileSync('pdftotext', ['-layout', file, '-']).toString().replace(/\s+/g, ' ')
  for (const phrase of [
    'Policy and Resources Select Committee',
    'Robert Ormerod',
    'Purpose of this Report',
    'Links to the Strategic Plan',
    'Section 149 of the Equality Act 2010',
  ])
    assert.ok(words.includes(phrase), `${phrase} not in the PDF`)
  fs.rmSync(path.dirname(file), { recursive: true })
})
