/**
 * The action plan's pages on a phone (320 CSS pixels) and on a desktop (1280), on the demo's Hampshire plan (an
 * action for each development area of the Autumn 2020 round): nothing scrolls sideways (WCAG 2.2, 1.4.10) and axe
 * finds no serious problem, for an editor (who sees the buttons and forms).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })

for (const width of [320, 1280]) {
  test(`the plan, an action's page and the item form fit ${width} pixels`, async () => {
    const p = (await s.server.services.partnerships.bySlug('hampshire'))!
    const plan = (await s.server.services.plans.plan(p.id))!
    const item = plan.items[0]
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    await signIn(page, s.server.url, 'analyst@demo.safer.test', DEMO_LOGINS.password)
    for (const path of [
      '/partnerships/hampshire/plan',
      `/partnerships/hampshire/plan/items/${item.id}`,
      `/partnerships/hampshire/plan/items/${item.id}/edit`,
      '/partnerships/hampshire/plan/import',
    ]) {
      const res = await page.goto(s.server.url + path)
      assert.equal(res?.status(), 200, path)
      await expectNoSidewaysScroll(page, `${path} at ${width}`)
      await expectAccessible(page, `${path} at ${width}`)
    }
    await page.close()
  })
}
