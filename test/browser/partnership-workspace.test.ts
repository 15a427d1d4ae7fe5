/**
 * The partnership manager's round trip in a real browser, on the demo's real content: start a new version of
 * Hampshire's agreement, add a priority, record an assessment of it, and see it in the matrix. Then what the
 * public sees: the governance map, the comparison of versions and the print view. axe checks every page.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { browserSuite, expectAccessible, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })

async function go(page: Page, path: string, label: string) {
  const res = await page.goto(s.server.url + path)
  assert.equal(res?.status(), 200, `${label}: ${path}`)
  await expectAccessible(page, label)
}

async function submit(page: Page, button = 'Save') {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: button, exact: true }).click()])
  await page.waitForLoadState('load')
}

test('a partnership manager adds a priority, records an assessment of it and sees it in the matrix', async () => {
  const page = await s.browser.newPage()
  await signIn(page, s.server.url, 'manager@demo.safer.test', DEMO_LOGINS.password)
  await go(page, '/partnerships/hampshire', 'partnership overview')
  await go(page, '/partnerships/hampshire/agreement', 'agreement')

  // A new version starts as a copy of the last.
  await go(page, '/partnerships/hampshire/agreement/versions/new', 'new version form')
  await page.getByLabel('Title', { exact: true }).fill('Hampshire County Agreement for Community Safety 2023-26')
  await submit(page, 'Start this version')
  assert.match(page.url(), /\/agreement\/versions\/3$/)
  await expectAccessible(page, 'new version page')
  assert.match(await page.locator('main').innerText(), /The increase in serious violence including knife crime affecting young/)

  // A priority number already in use is refused with the error summary; the typed title is kept.
  await page.getByRole('button', { name: 'Add a priority' }).click()
  await page.waitForLoadState('load')
  await expectAccessible(page, 'add priority form')
  await page.getByLabel('Priority number').fill('2')
  await page.getByLabel('Title', { exact: true }).fill('Violence against women and girls')
  await page.getByLabel('Hampshire Constabulary').check()
  await submit(page, 'Save priority')
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Priority 2 already exists in this version/)
  await expectAccessible(page, 'add priority form with errors')
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Violence against women and girls')
  await page.getByLabel('Priority number').fill('8')
  await submit(page, 'Save priority')
  assert.match(await page.locator('main').innerText(), /Priority 8: Violence against women and girls/)

  // A new assessment round on the new version.
  await go(page, '/partnerships/hampshire/assurance/rounds/new', 'new round form')
  await page.getByLabel('Title').fill('Spring 2024 assessment')
  await page.getByLabel('Day').fill('15')
  await page.getByLabel('Month').fill('4')
  await page.getByLabel('Year').fill('2024')
  const versionLabel = await page.locator('#agreementVersionId option', { hasText: 'Version 3' }).innerText()
  await page.getByLabel('Agreement version').selectOption({ label: versionLabel })
  await submit(page)
  await expectAccessible(page, 'round matrix (empty)')
  const roundUrl = page.url()

  // Record the cell: priority 8 under County co-ordination.
  const row = page.locator('tr', { has: page.locator('th, td', { hasText: 'Violence against women and girls' }) })
  await row.locator('td').first().getByRole('link').first().click()
  await page.waitForLoadState('load')
  await expectAccessible(page, 'cell page')
  await page.getByRole('button', { name: 'Change the assessment' }).click()
  await page.waitForLoadState('load')
  await expectAccessible(page, 'cell form')
  await page.getByLabel('Established').check()
  await page
    .getByLabel('Findings (strengths)')
    .fill('A countywide VAWG strategy group meets monthly.\nThe Constabulary leads the delivery plan.')
  await page.getByLabel('Development areas').fill('The Partnership will agree shared outcome measures.')
  await submit(page)

  await page.goto(roundUrl)
  await expectAccessible(page, 'round matrix')
  const rowText = await page.locator('tr', { has: page.locator('th, td', { hasText: 'Violence against women and girls' }) }).innerText()
  assert.match(rowText, /Established/)
  assert.match(rowText, /2 findings, 1 to develop/)
  await page.close()
})

test('the public reads the governance map, the comparison of versions and the print view', async () => {
  const page = await s.browser.newPage()
  await go(page, '/partnerships/worcestershire/governance', 'governance map')
  // One map is shown: the wide one here (a narrow one, for phones, is hidden: docs/layouts.md).
  assert.equal(await page.locator('svg[role="img"]:visible').count(), 1)
  assert.match(await page.locator('main').innerText(), /Worcestershire Prevent Strategy Group/)
  await go(page, '/partnerships/hampshire/agreement/compare?from=1&to=2', 'comparison')
  assert.match(await page.locator('main').innerText(), /Added/)
  await go(page, '/partnerships/hampshire/agreement/versions/1/print', 'print view')
  assert.match(await page.locator('main').innerText(), /County co-ordination/)
  await go(page, '/partnerships/hampshire/assurance', 'assurance')
  await go(page, '/partnerships/hampshire/assessments/strategic', 'strategic assessments')
  await go(page, '/partnerships/herefordshire/agreement', 'Herefordshire agreement')
  // Editing needs a sign-in.
  await page.goto(s.server.url + '/partnerships/hampshire/agreement/versions/new')
  assert.match(page.url(), /\/sign-in\?returnTo=/)
  await page.close()
})

test('a police partner lead may change assessments only of priorities their organisation leads', async () => {
  const page = await s.browser.newPage()
  await signIn(page, s.server.url, 'police.lead@demo.safer.test', DEMO_LOGINS.password)
  await go(page, '/partnerships/hampshire/assurance', 'assurance as contributor')
  const matrixRow = (title: RegExp) => page.locator('tr', { has: page.locator('th, td', { hasText: title }) })
  // Priority 1 is led by Hampshire Constabulary with the County Council: the lead may change it.
  await matrixRow(/The threat of serious organised crime/)
    .locator('td')
    .first()
    .getByRole('link')
    .first()
    .click()
  await page.waitForLoadState('load')
  assert.equal(await page.getByRole('button', { name: 'Change the assessment' }).count(), 1)
  const ownEdit = page.url() + '/edit'
  assert.equal((await page.goto(ownEdit))?.status(), 200)
  // Priority 6 is led by the voluntary sector: no change button, and the form itself is refused.
  await page.goto(s.server.url + '/partnerships/hampshire/assurance')
  await matrixRow(/voluntary support/)
    .locator('td')
    .first()
    .getByRole('link')
    .first()
    .click()
  await page.waitForLoadState('load')
  await expectAccessible(page, 'cell page as contributor')
  assert.equal(await page.getByRole('button', { name: 'Change the assessment' }).count(), 0)
  assert.equal((await page.goto(page.url() + '/edit'))?.status(), 403)
  await page.close()
})
