/**
 * Scrutiny recommendations on a phone (320 CSS pixels) and a desktop (1280): the committee's tracker, a
 * recommendation's page, the partnership's list, as the public sees them; and the forms (make, move, respond) as the
 * demo's administrator of both workspaces. Nothing scrolls sideways and axe finds no serious problem.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })
const COUNCIL = '/partnerships/herefordshire-council'

async function demo() {
  const services = s.server.services
  const council = (await services.partnerships.bySlug('herefordshire-council'))!
  const [{ body }] = await services.scrutiny.committees(council.id)
  const { list } = await services.recommendations.forCommittee(council.id, body.slug)
  return { slug: body.slug, list }
}

for (const width of [320, 1280]) {
  test(`the recommendations pages fit ${width} pixels and pass axe`, async () => {
    const { slug, list } = await demo()
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    for (const url of [
      `${COUNCIL}/committees/${slug}/recommendations`,
      `${COUNCIL}/recommendations/${list[0].id}`,
      '/partnerships/herefordshire/scrutiny-recommendations',
      `/partnerships/herefordshire/scrutiny-recommendations/${list[0].id}`,
    ]) {
      const res = await page.goto(s.server.url + url)
      assert.equal(res?.status(), 200, url)
      await expectNoSidewaysScroll(page, `${url} at ${width}`)
      await expectAccessible(page, `${url} at ${width}`)
    }
    await page.close()
  })
}

test('the forms to make, move and answer a recommendation fit a phone and pass axe, with the error summary on a refused move', async () => {
  const { slug, list } = await demo()
  const page = await s.browser.newPage({ viewport: { width: 320, height: 900 } })
  await signIn(page, s.server.url, DEMO_LOGINS.accounts[0].email, DEMO_LOGINS.password)
  const made = list.find((r) => r.state === 'made')!
  for (const url of [
    `${COUNCIL}/committees/${slug}/recommendations/new`,
    `${COUNCIL}/recommendations/${made.id}`,
    `${COUNCIL}/recommendations/${made.id}/edit`,
    `/partnerships/herefordshire/scrutiny-recommendations/${made.id}`,
  ]) {
    assert.equal((await page.goto(s.server.url + url))?.status(), 200, url)
    await expectNoSidewaysScroll(page, url)
    await expectAccessible(page, url)
  }
  await page.goto(`${s.server.url}${COUNCIL}/committees/${slug}/recommendations/new`)
  await page.getByRole('button', { name: 'Save' }).click()
  await page.waitForLoadState('load')
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter the recommendation/)
  await expectAccessible(page, 'recommendation form with errors')
  await expectNoSidewaysScroll(page, 'recommendation form with errors')
  await page.close()
})

test('the council’s recommendation graph: its form fits a phone and passes axe, and a refused graph shows the error summary', async () => {
  const page = await s.browser.newPage({ viewport: { width: 320, height: 900 } })
  await signIn(page, s.server.url, DEMO_LOGINS.accounts[0].email, DEMO_LOGINS.password)
  const url = `${COUNCIL}/recommendations/graph`
  assert.equal((await page.goto(s.server.url + url))?.status(), 200, url)
  await expectNoSidewaysScroll(page, url)
  await expectAccessible(page, url)
  // Made with no way on: refused, nothing saved.
  for (const box of await page.locator('input[name="made"]').all()) await box.uncheck()
  await page.getByRole('button', { name: 'Save the graph' }).click()
  await page.waitForLoadState('load')
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Choose at least one state a made recommendation can move to/)
  await expectAccessible(page, 'recommendation graph with errors')
  await expectNoSidewaysScroll(page, 'recommendation graph with errors')
  // The longest messages: a state the demo's recommendation is in left with no way on, and a state with no way to closed.
  await page.goto(s.server.url + url)
  for (const [from, to] of [
    ['accepted', 'in progress'],
    ['partlyAccepted', 'in progress'],
    ['inProgress', 'implemented'],
  ])
    await page.locator(`input[name="${from}"][value="${to}"]`).uncheck()
  await page.getByRole('button', { name: 'Save the graph' }).click()
  await page.waitForLoadState('load')
  const summary = await page.locator('.govuk-error-summary').innerText()
  assert.match(summary, /From accepted there is no way to closed/)
  assert.match(summary, /1 recommendation is in progress \(or paused there\), and in progress would have no way on/)
  await expectAccessible(page, 'recommendation graph with a state in use left with no way on')
  await expectNoSidewaysScroll(page, 'recommendation graph with a state in use left with no way on')
  await page.close()
})
