/**
 * The scorecard in a period view (rolling 12 months, year to date) and an indicator page with its recent trend and
 * baseline, on a phone (320 CSS pixels) and a desktop (1280): nothing scrolls sideways (WCAG 2.2 reflow, 1.4.10) and
 * axe finds no serious problem, for the public and for a site administrator (who also sees the settings form).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'
import { systemActor } from '../../src/platform/audit.ts'

const WIDTHS = [320, 1280]
const s = browserSuite({
  demo: true,
  setUp: async (server) => {
    // A monthly indicator for Worcestershire with 36 months (one small), and a baseline year.
    const p = (await server.services.partnerships.bySlug('worcestershire'))!
    await server.services.scorecard.defineIndicator(
      p.id,
      {
        code: 'asb-reports',
        name: 'Anti-social behaviour reports to the council',
        unit: 'count',
        frequency: 'month',
        polarity: 'lower-is-better',
        baseline: '2017/18',
      },
      systemActor,
    )
    const rows = Array.from({ length: 36 }, (_, k) => {
      const m = 3 + k
      const month = `${2017 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`
      return `asb-reports,E10000034,${month},,,${k === 20 ? 3 : 80 + k}`
    })
    const file = path.join(os.tmpdir(), `scorecard-periods-${process.pid}.csv`)
    fs.writeFileSync(file, `indicator,area,period,numerator,denominator,value\n${rows.join('\n')}\n`)
    const r = await server.services.scorecard.importFile(p.id, file, systemActor)
    fs.rmSync(file)
    assert.deepEqual(r.check.problems, [])
  },
})

async function check(page: Page, url: string, label: string) {
  const res = await page.goto(s.server.url + url)
  assert.equal(res?.status(), 200, `${label}: ${url}`)
  await expectNoSidewaysScroll(page, label)
  await expectAccessible(page, label)
}

const base = '/partnerships/worcestershire/scorecard'

for (const width of WIDTHS) {
  test(`the scorecard by period and an indicator's trend fit ${width} pixels`, async () => {
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    await check(page, `${base}?view=rolling-12`, `scorecard, rolling 12 months, at ${width}`)
    assert.match(await page.locator('main').innerText(), /12 months to March 2020/)
    await check(page, `${base}/indicators/asb-reports?view=fytd`, `indicator, year to date, at ${width}`)
    assert.match(await page.locator('main').innerText(), /Recent trend/)
    await signIn(page, s.server.url, DEMO_LOGINS.accounts[0].email, DEMO_LOGINS.password)
    await check(page, `${base}?view=fytd&adjust=bh`, `scorecard for an administrator, at ${width}`)
    assert.match(await page.locator('main').innerText(), /Adjustment for many comparisons/)
    await check(page, `${base}/indicators/asb-reports?view=rolling-12`, `indicator for an administrator, at ${width}`)
    await check(page, `${base}/indicators/asb-reports/edit`, `indicator form at ${width}`)
    await page.close()
  })
}
