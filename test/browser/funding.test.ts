/**
 * The funding pages on the demo's figures (seeds 002 and 004), as the public, at 320 and 1280 CSS pixels: no sideways
 * scrolling, chart text shown at 12 px or more, nothing from axe (WCAG 2.0 A and AA, 2.1 AA, 2.2 AA); and the print
 * view's PDF.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { axeViolations, browserSuite } from './browser.ts'

const s = browserSuite({ demo: true })
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

async function pages() {
  const q = async (sql: string) => (await s.server.services.db.query<{ id: number }>(sql))[0]
  const grant = await q(
    `SELECT g.id FROM grants g JOIN partnerships p ON p.id = g.partnership_id WHERE p.slug = 'worcestershire' ORDER BY g.id LIMIT 1`,
  )
  const contract = await q(
    `SELECT c.id FROM contracts c JOIN partnerships p ON p.id = c.partnership_id WHERE p.slug = 'worcestershire' ORDER BY c.id LIMIT 1`,
  )
  const w = '/partnerships/worcestershire/funding'
  return [w, `${w}/grants/${grant.id}`, `${w}/contracts/${contract.id}`, `${w}/print`, '/partnerships/herefordshire/funding']
}

async function problemsOn(page: Page, label: string) {
  const problems: string[] = []
  const layout = await page.evaluate(() => {
    const root = document.documentElement
    const small: string[] = []
    let texts = 0
    for (const el of document.querySelectorAll('svg text, svg tspan')) {
      const t = el as SVGGraphicsElement
      if (!t.textContent?.trim() || !t.checkVisibility() || !t.getClientRects().length) continue
      const ctm = t.getScreenCTM()
      if (!ctm) continue
      texts++
      const shown = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(ctm.a, ctm.b)
      if (shown < 11.99) small.push(`"${t.textContent.trim().slice(0, 30)}" at ${shown.toFixed(1)} px`)
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, small, texts }
  })
  if (layout.scrollWidth > layout.clientWidth)
    problems.push(`${label}: scrolls sideways (${layout.scrollWidth} px in ${layout.clientWidth})`)
  if (layout.small.length)
    problems.push(
      `${label}: ${layout.small.length} of ${layout.texts} chart texts under 12 px, e.g. ${layout.small.slice(0, 3).join('; ')}`,
    )
  for (const v of await axeViolations(page, AXE_TAGS))
    problems.push(`${label}: axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`)
  return problems
}

test('the funding pages reflow at 320 px, keep chart text at 12 px or more, and pass axe at 320 and 1280 px', async () => {
  const page = await s.browser.newPage()
  const problems: string[] = []
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 })
    for (const url of await pages()) {
      const res = await page.goto(s.server.url + url)
      if (res?.status() !== 200) problems.push(`${url} at ${width} px: status ${res?.status()}`)
      else problems.push(...(await problemsOn(page, `${url} at ${width} px`)))
    }
  }
  await page.close()
  assert.deepEqual(problems, [])
})

test("the print view's PDF is a PDF named after the partnership", async () => {
  const res = await fetch(`${s.server.url}/partnerships/herefordshire/funding/print?format=pdf`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /application\/pdf/)
  assert.match(res.headers.get('content-disposition') ?? '', /herefordshire-funding\.pdf/)
  assert.equal(
    Buffer.from(await res.arrayBuffer())
      .subarray(0, 5)
      .toString(),
    '%PDF-',
  )
})
