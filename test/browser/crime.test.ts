/**
 * Crime data in a real browser: an analyst finds an area, narrows the period and crime type, reads the chart, the
 * tables and the map; imports files through the Import page and follows its progress to the summary. axe on every page.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { browserSuite, expectAccessible, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'
import { FIXTURES } from '../crime-helpers.ts'

const s = browserSuite({ demo: true, openData: true })

test('an analyst finds Worcester, narrows it to burglary over three months, and reads the figures, the chart and the map', async () => {
  const page = await s.browser.newPage()
  await page.goto(`${s.server.url}/crime`)
  await expectAccessible(page, 'crime index')
  await page.getByLabel('Find an area').fill('worcester')
  await page.getByRole('button', { name: 'Find' }).click()
  await expectAccessible(page, 'search results')
  await page.getByRole('link', { name: 'Worcester', exact: true }).click()
  assert.equal(await page.locator('h1').textContent(), 'Crime in Worcester')
  await expectAccessible(page, 'Worcester')
  // The chart is drawn wide and narrow; the page shows the one that fits (docs/layouts.md).
  assert.equal(await page.locator('svg[role="img"]:visible').count(), 2, 'the chart and the map')
  await page.locator('#from').selectOption('2018-11')
  await page.locator('#to').selectOption('2019-01')
  await page.locator('#type').selectOption('Burglary')
  await page.getByRole('button', { name: 'Show' }).click()
  await expectAccessible(page, 'Worcester burglary')
  const months = await page.locator('caption:has-text("Records each month") + thead + tbody tr').allTextContents()
  assert.equal(months.length, 3)
  const types = await page.locator('caption:has-text("By crime type") + thead + tbody th').allTextContents()
  assert.deepEqual(types, ['Burglary'])
  // The counts on the page are the API's.
  const api: { rows: { count: number }[] } = await page.evaluate(async () =>
    (await fetch('/api/v1/crime/counts?area=E07000237&from=2018-11&to=2019-01&type=Burglary&group=month')).json(),
  )
  const shown = months.map((m) => Number(m.replace(/^\D+\d{4}\s*/, '').replace(/,/g, '')))
  assert.deepEqual(
    shown,
    api.rows.map((r) => r.count),
  )
  await page.close()
})

test('the calendar shows which months are loaded, and a partnership reaches its area and custom areas from its Crime data page', async () => {
  const page = await s.browser.newPage()
  await page.goto(`${s.server.url}/partnerships/worcestershire/crime`)
  await expectAccessible(page, 'partnership crime')
  await page.getByRole('link', { name: 'Worcester city centre' }).click()
  await expectAccessible(page, 'custom area')
  assert.match((await page.locator('h1').textContent()) ?? '', /Crime in Worcester city centre/)
  const cells = await page.locator('.safer-calendar__cell--loaded').count()
  assert.equal(cells, 5)
  await page.close()
})

test('an analyst imports two files on the Import page, follows the progress, and reads the summary with the refused file explained', async () => {
  const page = await s.browser.newPage()
  await signIn(page, s.server.url, DEMO_LOGINS.accounts.find((a) => a.role === 'editor')!.email, DEMO_LOGINS.password)
  await page.goto(`${s.server.url}/crime/import`)
  await expectAccessible(page, 'import page')
  await page
    .getByLabel('Files to import')
    .setInputFiles([path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv'), path.join(FIXTURES, 'README.md')])
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  // README.md is not a CSV: the form says so with the error summary.
  await page.waitForSelector('.govuk-error-summary')
  await expectAccessible(page, 'import refused')
  assert.match((await page.locator('.govuk-error-summary').textContent()) ?? '', /README\.md is not a CSV or zip file/)
  await page
    .getByLabel('Files to import')
    .setInputFiles([
      path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv'),
      path.join(FIXTURES, '2019-01-west-mercia-outcomes.csv'),
    ])
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await page.waitForURL(/\/crime\/imports\/\d+/)
  await page.waitForSelector('text=2 imported', { timeout: 60_000 })
  await expectAccessible(page, 'import summary')
  const rows = await page.locator('table tbody tr').allTextContents()
  assert.equal(rows.length, 2)
  assert.ok(rows.every((r) => /Imported/.test(r)))
  await page.close()
})
