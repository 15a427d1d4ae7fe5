/**
 * Reflow (WCAG 2.2 success criterion 1.4.10): the key pages, on the demo's content, at 320 and 1280 CSS pixels wide,
 * as the public, as a partnership manager and (for the administration pages) as a site administrator. At each width:
 *  - the page never scrolls sideways (a wide table scrolls inside its own box, or stacks);
 *  - every piece of text in a chart, a map or the governance map is drawn at 12 px or more, as displayed (the SVG's
 *    font size times the scale it is shown at), counting only what is visible;
 *  - axe finds nothing against WCAG 2.0 A and AA, 2.1 AA and 2.2 AA.
 * docs/layouts.md says how the pages do it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { axeViolations, browserSuite, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true, openData: true })

const WIDTHS = [320, 1280]
const MIN_FONT_PX = 12
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

const account = (role: string | null, siteAdmin = false) =>
  DEMO_LOGINS.accounts.find((a) => (siteAdmin ? a.siteAdmin : a.role === role && !a.siteAdmin))!

async function ids() {
  const q = async (sql: string, params: unknown[] = []) => (await s.server.services.db.query(sql, params))[0]
  const p = await q(`SELECT id FROM partnerships WHERE slug = 'hampshire'`)
  const body = await q(`SELECT slug FROM bodies WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [p.id])
  const version = await q(`SELECT number FROM agreement_versions WHERE partnership_id = $1 ORDER BY number DESC LIMIT 1`, [p.id])
  const job = await q(`SELECT id FROM jobs WHERE kind = 'import:police-uk' ORDER BY id DESC LIMIT 1`)
  return { partnership: p.id as number, body: body.slug as string, version: version.number as number, job: job.id as number }
}

async function publicPages() {
  const { body, version } = await ids()
  const h = '/partnerships/hampshire'
  return [
    '/',
    '/partnerships',
    h,
    `${h}/governance`,
    `${h}/bodies/${body}`,
    `${h}/agreement`,
    `${h}/agreement/versions/${version}`,
    `${h}/agreement/compare?from=1&to=2`,
    `${h}/crime`,
    // The scorecard's peers page: Herefordshire's computed peers (a CSP), with their features in a wide table.
    '/partnerships/herefordshire/scorecard/peers',
    // The scorecard and its print view: a wide table in a box of its own, on the screen as on paper (landscape PDF).
    '/partnerships/worcestershire/scorecard',
    '/partnerships/worcestershire/scorecard/print',
    '/crime',
    '/crime/areas/E10000014',
    '/crime/areas/E22000332',
    '/crime/coverage',
    '/areas',
    '/organisations',
    '/geography',
    '/geography/areas',
    '/geography/areas?type=community%20safety%20partnership',
  ]
}

async function managerPages() {
  const { partnership } = await ids()
  const h = '/partnerships/hampshire'
  return [
    ...(await publicPages()),
    '/account',
    `${h}/people`,
    `${h}/settings`,
    `${h}/audit`,
    `${h}/history/partnership/${partnership}?back=${encodeURIComponent(h)}`,
    `${h}/assessments/strategic`,
  ]
}

async function adminPages() {
  const { job } = await ids()
  return ['/admin', '/admin/audit', '/admin/jobs', `/admin/jobs/${job}`, '/admin/outbox', '/crime/import', `/crime/imports/${job}`]
}

/** What is wrong with the page as shown now: sideways scrolling, small chart text, axe's findings. */
async function problemsOn(page: Page, label: string): Promise<string[]> {
  const problems: string[] = []
  const layout = await page.evaluate((min) => {
    const root = document.documentElement
    // The widest elements that stick out past the viewport's right edge, to say where the overflow comes from.
    const wide: string[] = []
    if (root.scrollWidth > root.clientWidth) {
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect()
        if (r.right > root.clientWidth + 1 && el.checkVisibility()) {
          const parentSticksOut = el.parentElement && el.parentElement.getBoundingClientRect().right > root.clientWidth + 1
          if (!parentSticksOut) wide.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} (right edge ${Math.round(r.right)})`)
        }
      }
    }
    const small: string[] = []
    let texts = 0
    for (const el of document.querySelectorAll('svg text, svg tspan')) {
      const t = el as SVGGraphicsElement
      if (!t.textContent?.trim() || !t.checkVisibility() || !t.getClientRects().length) continue
      const ctm = t.getScreenCTM()
      if (!ctm) continue
      texts++
      const shown = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(ctm.a, ctm.b)
      if (shown < min - 0.01) small.push(`"${t.textContent.trim().slice(0, 30)}" at ${shown.toFixed(1)} px`)
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 5), small, texts }
  }, MIN_FONT_PX)
  if (layout.scrollWidth > layout.clientWidth) {
    problems.push(`${label}: scrolls sideways (${layout.scrollWidth} px wide in ${layout.clientWidth}): ${layout.wide.join(', ')}`)
  }
  if (layout.small.length) {
    problems.push(
      `${label}: ${layout.small.length} of ${layout.texts} chart or map texts under ${MIN_FONT_PX} px, e.g. ${layout.small.slice(0, 3).join('; ')}`,
    )
  }
  const violations = await axeViolations(page, AXE_TAGS)
  for (const v of violations) problems.push(`${label}: axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`)
  return problems
}

async function visitAll(page: Page, urls: string[], who: string): Promise<string[]> {
  const problems: string[] = []
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 })
    for (const url of urls) {
      const res = await page.goto(s.server.url + url)
      const label = `${who} ${url} at ${width} px`
      if (res?.status() !== 200) {
        problems.push(`${label}: status ${res?.status()}`)
        continue
      }
      problems.push(...(await problemsOn(page, label)))
    }
  }
  return problems
}

test('the public pages reflow at 320 px, keep chart text at 12 px or more, and pass axe at 320 and 1280 px', async () => {
  const page = await s.browser.newPage()
  const problems = await visitAll(page, await publicPages(), 'public')
  await page.close()
  assert.deepEqual(problems, [])
})

test("a partnership manager's pages reflow at 320 px and pass axe at 320 and 1280 px", async () => {
  const page = await s.browser.newPage()
  const manager = account('admin')
  await signIn(page, s.server.url, manager.email, DEMO_LOGINS.password)
  const problems = await visitAll(page, await managerPages(), 'manager')
  await page.close()
  assert.deepEqual(problems, [])
})

test("the site administrator's pages reflow at 320 px and pass axe at 320 and 1280 px", async () => {
  const page = await s.browser.newPage()
  const admin = account(null, true)
  await signIn(page, s.server.url, admin.email, DEMO_LOGINS.password)
  const problems = await visitAll(page, await adminPages(), 'site admin')
  await page.close()
  assert.deepEqual(problems, [])
})

test('the crime area page shows one chart (the narrow one at 320 px, the wide one at 1280 px), its legend and a map', async () => {
  // The checks above count only visible text: this one makes sure there is chart text to count.
  const page = await s.browser.newPage()
  for (const [width, shownId] of [
    [320, 'crime-chart-narrow'],
    [1280, 'crime-chart'],
  ] as const) {
    await page.setViewportSize({ width, height: 800 })
    await page.goto(`${s.server.url}/crime/areas/E10000014`)
    // One function passed to the page, with nothing named inside it (tsx would wrap a named function in a helper the page lacks).
    const [charts, chartTexts, legendItems, maps, mapTexts] = await page.evaluate(() =>
      [
        'svg.safer-chart',
        'svg.safer-chart text',
        '.safer-chart-figure .safer-legend li',
        'svg.safer-choropleth',
        'svg.safer-choropleth text',
      ].map((sel) => [...document.querySelectorAll(sel)].filter((e) => e.checkVisibility()).length),
    )
    assert.equal(charts, 1, `one chart is shown at ${width} px`)
    assert.equal(await page.locator(`svg:has(> title#${shownId}-title)`).isVisible(), true, `the chart shown at ${width} px is ${shownId}`)
    assert.ok(chartTexts >= 5, `the chart has its axis text (${chartTexts})`)
    assert.equal(legendItems, 14, 'the legend lists the 14 crime types police.uk uses')
    assert.equal(maps, 1, 'one map is shown')
    assert.equal(mapTexts, 0, 'the map has no text of its own: its legend is a list in the page')
  }
  await page.close()
})
