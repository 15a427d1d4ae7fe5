/**
 * The assurance pages on a phone (320 CSS pixels) and on a desktop (1280): nothing scrolls sideways (WCAG 2.2
 * success criterion 1.4.10, reflow), and axe finds no serious problem. On a phone the matrix is a list per priority,
 * each dimension's rating under it; on a desktop, the table.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })
const WIDTHS = [320, 1280]

async function check(page: Page, path: string, label: string) {
  const res = await page.goto(s.server.url + path)
  assert.equal(res?.status(), 200, `${label}: ${path}`)
  await expectNoSidewaysScroll(page, label)
  await expectAccessible(page, label)
}

/** The pages to check, found from the demo: Hampshire's latest round, a cell of priority 1 and that priority's page. */
async function pages() {
  const services = s.server.services
  const p = (await services.partnerships.bySlug('hampshire'))!
  const [latest] = await services.assurance.listRounds(p.id, { includeUnpublished: false })
  const m = await services.assurance.matrix(latest.id, { includeUnpublished: false })
  const cell = m.rows[0].cells[0]
  const base = '/partnerships/hampshire/assurance'
  return {
    base,
    round: `${base}/rounds/${latest.id}`,
    cell: `${base}/rounds/${latest.id}/cells/${cell.priorityId}/${cell.dimensionId}`,
    priority: `${base}/priorities/${m.rows[0].priority.lineage_id}`,
    publication: `${base}/rounds/${latest.id}/publications/1`,
    firstPriority: m.rows[0].priority.title,
    firstDimension: m.columns[0].name,
  }
}

for (const width of WIDTHS) {
  test(`the matrix, the round, the per-priority page and the publication fit ${width} pixels, for the public`, async () => {
    const x = await pages()
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    await check(page, x.base, `assurance (matrix) at ${width}`)
    const table = page.locator('.asr-matrix-table').first()
    const list = page.locator('.asr-matrix-list').first()
    if (width === 320) {
      assert.equal(await table.isVisible(), false, 'no table on a phone')
      assert.equal(await list.isVisible(), true, 'the list on a phone')
      // Each priority with each dimension's rating under it.
      const first = list.locator('.asr-list').first()
      assert.match(await list.locator('h3').first().innerText(), new RegExp(x.firstPriority.slice(0, 30).replace(/[()]/g, '.')))
      assert.match(await first.locator('li').first().innerText(), new RegExp(`^${x.firstDimension}\\n`))
      assert.equal(await first.locator('li').count(), 6)
    } else {
      assert.equal(await table.isVisible(), true, 'the table on a desktop')
      assert.equal(await list.isVisible(), false, 'no list on a desktop')
    }
    await check(page, x.round, `round at ${width}`)
    await check(page, x.priority, `per-priority page at ${width}`)
    await check(page, x.publication, `publication 1 at ${width}`)
    await check(page, x.cell, `cell at ${width}`)
    await page.close()
  })

  test(`the cell form fits ${width} pixels, with last round's rating and findings beside the fields`, async () => {
    const x = await pages()
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    await signIn(page, s.server.url, 'manager@demo.safer.test', DEMO_LOGINS.password)
    await check(page, `${x.cell}/edit`, `cell form at ${width}`)
    assert.match(await page.locator('aside').innerText(), /In Autumn 2019 assessment/)
    await check(page, x.round, `round (working copy) at ${width}`)
    await check(page, `${x.round}/publish`, `publish page at ${width}`)
    await check(page, `${x.base}/sign-off`, `sign-off at ${width}`)
    await page.close()
  })
}
