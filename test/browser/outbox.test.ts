import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, signIn } from './browser.ts'
import { PASSWORD } from '../helpers.ts'

const s = browserSuite({
  setUp: async (server) => {
    await server.services.auth.createUser({ email: 'admin@outbox.browser.test', name: 'Outbox Admin', password: PASSWORD, siteAdmin: true })
  },
})

test('a site administrator reads a held message; its HTML shows in a sandbox where no script runs', async () => {
  const { services } = s.server
  const m = await services.db.transaction((tx) =>
    services.outbox.queue(tx, {
      to: 'lead@example.org',
      template: 'platform/test-message',
      data: { name: 'Lee', requestedAt: '2 December 2026' },
      reason: 'You are getting this because you are the lead for 2 actions.',
      actor: { id: null, name: 'Browser test' },
    }),
  )
  // As if a template had let a script and an event handler through: the frame must run neither.
  await services.db.query(`UPDATE outbox SET html_body = replace(html_body, '</body>', $2) WHERE id = $1`, [
    m.id,
    `<p id="probe">untouched</p><script>document.getElementById('probe').textContent = 'script ran'</script><img src="data:," onerror="document.getElementById('probe').textContent = 'handler ran'" alt=""></body>`,
  ])

  const page = await s.browser.newPage()
  await signIn(page, s.server.url, 'admin@outbox.browser.test', PASSWORD)
  await page.goto(`${s.server.url}/admin/outbox`)
  await expectAccessible(page, 'outbox')
  await page.getByRole('link', { name: 'Test message from Safer' }).click()
  await page.waitForLoadState('load')
  assert.match(await page.locator('h1').innerText(), /^Email \d+: Test message from Safer$/)
  await expectAccessible(page, 'outbox message')

  const frame = page.frameLocator('iframe.safer-email-preview')
  await frame.locator('#probe').waitFor()
  assert.match(await frame.locator('body').innerText(), /Hello Lee,[\s\S]*You are getting this because you are the lead for 2 actions\./)
  assert.equal(await frame.locator('#probe').innerText(), 'untouched')
  // The layout's inline styles apply inside the frame (its own policy allows them; the page's does not).
  const heading = frame.locator('p', { hasText: /^Safer$/ }).first()
  assert.equal(await heading.evaluate((el) => getComputedStyle(el).fontWeight), '700')

  // The test message form rejects a bad address with the GOV.UK error summary, focused on the field from its link.
  await page.goto(`${s.server.url}/admin/outbox`)
  await page.getByLabel('Email address').fill('not an address')
  await page.getByRole('button', { name: 'Send a test message' }).click()
  await page.waitForLoadState('load')
  const summary = page.locator('.govuk-error-summary')
  assert.match(await summary.innerText(), /Enter email address in the correct format, like name@example\.org/)
  await expectAccessible(page, 'outbox with an error')
  await page.close()
})
