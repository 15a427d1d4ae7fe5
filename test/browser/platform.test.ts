import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { launchBrowser, startTestServer, expectAccessible, signIn } from './browser.ts'
import { PASSWORD } from '../helpers.ts'

let browser: Browser
let server: Awaited<ReturnType<typeof startTestServer>>

before(async () => {
  server = await startTestServer()
  browser = await launchBrowser()
  await server.services.auth.createUser({ email: 'admin@browser.test', name: 'Browser Admin', password: PASSWORD, siteAdmin: true })
})
after(async () => {
  await browser?.close()
  await server?.close()
})

test('a site administrator signs in, adds an organisation, and sees the GOV.UK error summary on a bad form', async () => {
  const page = await browser.newPage()
  await page.goto(server.url)
  await expectAccessible(page, 'start page')
  await signIn(page, server.url, 'admin@browser.test', PASSWORD)
  await page.goto(`${server.url}/organisations/new`)
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
  await page.goto(`${server.url}/organisations`)
  await expectAccessible(page, 'organisations list')
  await page.close()
})

test('the sign-out button ends the session', async () => {
  const page = await browser.newPage()
  await signIn(page, server.url, 'admin@browser.test', PASSWORD)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForLoadState('load')
  await page.goto(`${server.url}/account`)
  assert.match(page.url(), /\/sign-in\?returnTo=/)
  await page.close()
})

test('the accessibility check itself fails on a page with a serious problem', async () => {
  const page = await browser.newPage()
  await page.setContent('<!doctype html><html lang="en"><head><title>x</title></head><body><main><h1>Report</h1><img src="chart.png"><form><input type="text"></form></main></body></html>')
  await assert.rejects(expectAccessible(page, 'broken page'), /image-alt|label/)
  await page.close()
})
