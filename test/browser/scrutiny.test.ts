/**
 * Scrutiny's public pages on a phone (320 CSS pixels) and on a desktop (1280): the meetings list and month calendar,
 * the meeting page with its agenda, the committee page and a member's page. Nothing scrolls sideways (WCAG 2.2 1.4.10)
 * and axe finds no serious problem. The demo's Hampshire County Council, as the public sees it; and the editor's forms.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'
import { systemActor } from '../../src/platform/audit.ts'

const s = browserSuite({ demo: true })
const WIDTHS = [320, 1280]
const BASE = '/partnerships/hampshire-county-council'

async function addresses() {
  const services = s.server.services
  const council = (await services.partnerships.bySlug('hampshire-county-council'))!
  const [meeting] = await services.scrutiny.meetings(council.id)
  const member =
    (await services.scrutiny.councillors(council.id))[0] ??
    (await services.scrutiny.addCouncillor(
      council.id,
      { name: 'Mr T Kirkham', kind: 'co-opted', represents: 'Church of England', votingMatters: 'Education matters only' },
      systemActor,
    ))
  return [
    '/meetings?from=2019-11-01',
    '/meetings?view=calendar&month=2019-11',
    `${BASE}/meetings?view=calendar&month=2019-11`,
    `${BASE}/meetings/${meeting.id}`,
    `${BASE}/committees`,
    `${BASE}/committees/${meeting.body_slug}`,
    `${BASE}/members/${member.id}`,
  ]
}

for (const width of WIDTHS) {
  test(`the public meetings pages fit ${width} pixels and pass axe`, async () => {
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    for (const url of await addresses()) {
      const res = await page.goto(s.server.url + url)
      assert.equal(res?.status(), 200, url)
      await expectNoSidewaysScroll(page, `${url} at ${width}`)
      await expectAccessible(page, `${url} at ${width}`)
    }
    await page.close()
  })
}

test("an editor's forms fit a phone and pass axe, with the error summary on bad input", async () => {
  const page = await s.browser.newPage({ viewport: { width: 320, height: 900 } })
  await signIn(page, s.server.url, DEMO_LOGINS.accounts[0].email, DEMO_LOGINS.password)
  const council = (await s.server.services.partnerships.bySlug('hampshire-county-council'))!
  const [meeting] = await s.server.services.scrutiny.meetings(council.id)
  // A member on the committee, so that the meeting page shows its attendance and declarations forms.
  const member = await s.server.services.scrutiny.addCouncillor(
    council.id,
    { name: 'Councillor Test Member', kind: 'councillor' },
    systemActor,
  )
  await s.server.services.scrutiny.addMembership(council.id, meeting.body_slug, { councillorId: member.id, role: 'member' }, systemActor)
  for (const url of [
    `${BASE}/meetings/${meeting.id}`,
    `${BASE}/meetings/new`,
    `${BASE}/meetings/${meeting.id}/items/new`,
    `${BASE}/committees/new`,
    `${BASE}/members/new`,
  ]) {
    assert.equal((await page.goto(s.server.url + url))?.status(), 200, url)
    await expectNoSidewaysScroll(page, url)
    await expectAccessible(page, url)
  }
  await page.goto(`${s.server.url}${BASE}/meetings/${meeting.id}/items/new`)
  await page.getByLabel('Title', { exact: true }).fill('Property disposal')
  await page.getByLabel(/This item is exempt/).check()
  await page.getByRole('button', { name: 'Save' }).click()
  await page.waitForLoadState('load')
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Select the paragraph of Schedule 12A/)
  await expectAccessible(page, 'item form with errors')
  await page.goto(`${s.server.url}${BASE}/meetings/${meeting.id}`)
  assert.equal(await page.getByRole('button', { name: 'Record attendance' }).count(), 1)
  assert.equal(await page.getByRole('button', { name: 'Record the declaration' }).count(), 1)
  await page.close()
})
