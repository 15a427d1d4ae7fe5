import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, signIn } from './browser.ts'
import { PASSWORD } from '../helpers.ts'

const s = browserSuite({
  setUp: async () => {
    await s.server.services.auth.createUser({ email: 'admin@s.browser.test', name: 'Browser Admin', password: PASSWORD, siteAdmin: true })
  },
})

test('a site administrator signs in, adds an organisation, and sees the GOV.UK error summary on a bad form', async () => {
  const page = await s.browser.newPage()
  await page.goto(s.server.url)
  await expectAccessible(page, 'start page')
  await signIn(page, s.server.url, 'admin@s.browser.test', PASSWORD)
  await page.goto(`${s.server.url}/organisations/new`)
  await expectAccessible(page, 'add organisation form')
  await page.getByRole('button', { name: 'Save' }).click()
  await page.waitForLoadState('load')
  const summary = page.locator('.govuk-error-summary')
  assert.match(await summary.innerText(), /Enter name/)
  await expectAccessible(page, 'form with errors')
  // The error summary links to its field.
  await summary.getByRole('link', { name: 'Enter name' }).click()
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'name')
  await page.getByLabel('Name').fill('Hampshire Fire and Rescue Service')
  await page.getByLabel('Type of organisation').selectOption('fire and rescue')
  await page.getByRole('button', { name: 'Save' }).click()
  await page.waitForLoadState('load')
  assert.match(await page.locator('h1').innerText(), /Hampshire Fire and Rescue Service/)
  assert.match(await page.locator('.govuk-notification-banner').innerText(), /added/)
  await expectAccessible(page, 'organisation page')
  await page.goto(`${s.server.url}/organisations`)
  await expectAccessible(page, 'organisations list')
  await page.close()
})

test('the sign-out button ends the session', async () => {
  const page = await s.browser.newPage()
  await signIn(page, s.server.url, 'admin@s.browser.test', PASSWORD)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForLoadState('load')
  await page.goto(`${s.server.url}/account`)
  assert.match(page.url(), /\/sign-in\?returnTo=/)
  await page.close()
})

test('the accessibility check itself fails on a page with a serious problem', async () => {
  const page = await s.browser.newPage()
  await page.setContent(
    '<!doctype html><html lang="en"><head><title>x</title></head><body><main><h1>Report</h1><img src="chart.png"><form><input type="text"></form></main></body></html>',
  )
  await assert.rejects(expectAccessible(page, 'broken page'), /image-alt|label/)
  await page.close()
})
