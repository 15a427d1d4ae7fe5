/**
 * Work programmes on a phone (320 CSS pixels) and a desktop (1280): Hampshire's programme from seed 000 and its print
 * view as the public sees them, the public's suggestion form; and, as the demo's administrator, the item form and
 * Worcestershire's scored suggestions. Nothing scrolls sideways and axe finds no serious problem.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })

async function demo() {
  const services = s.server.services
  const hcc = (await services.partnerships.bySlug('hampshire-county-council'))!
  const { body } = (await services.scrutiny.committees(hcc.id)).find((c) => c.body.name === 'Policy and Resources Select Committee')!
  const { items } = await services.workProgramme.programme(hcc.id, body.slug, { member: true })
  const wcc = (await services.partnerships.bySlug('worcestershire-county-council'))!
  const board = (await services.governance.list(wcc.id)).find((b) => b.name === 'Overview and Scrutiny Performance Board')!
  const { list } = await services.workProgramme.suggestions(wcc.id, board.slug)
  return {
    programme: `/partnerships/${hcc.slug}/committees/${body.slug}/work-programme`,
    suggest: `/partnerships/${hcc.slug}/committees/${body.slug}/suggest`,
    item: items[0].id,
    suggestions: `/partnerships/${wcc.slug}/committees/${board.slug}/work-programme/suggestions`,
    suggestion: list[0].id,
  }
}

for (const width of [320, 1280]) {
  test(`the work programme pages fit ${width} pixels and pass axe`, async () => {
    const d = await demo()
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    for (const url of [d.programme, `${d.programme}/print`, d.suggest]) {
      const res = await page.goto(s.server.url + url)
      assert.equal(res?.status(), 200, url)
      await expectNoSidewaysScroll(page, `${url} at ${width}`)
      await expectAccessible(page, `${url} at ${width}`)
    }
    await page.close()
  })
}

test('the editors’ work programme pages fit a phone and pass axe, with the error summary on a blank topic', async () => {
  const d = await demo()
  const page = await s.browser.newPage({ viewport: { width: 320, height: 900 } })
  await signIn(page, s.server.url, DEMO_LOGINS.accounts[0].email, DEMO_LOGINS.password)
  for (const url of [
    d.programme,
    `${d.programme}/items/new`,
    `${d.programme}/items/${d.item}/edit`,
    d.suggestions,
    `${d.suggestions}/${d.suggestion}`,
  ]) {
    assert.equal((await page.goto(s.server.url + url))?.status(), 200, url)
    await expectNoSidewaysScroll(page, url)
    await expectAccessible(page, url)
  }
  await page.goto(`${s.server.url}${d.programme}/items/new`)
  await page.getByRole('button', { name: 'Save' }).click()
  await page.waitForLoadState('load')
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter the topic/)
  await expectAccessible(page, 'work programme item form with errors')
  await expectNoSidewaysScroll(page, 'work programme item form with errors')
  await page.close()
})
