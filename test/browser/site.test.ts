/**
 * The council's own look in a real browser, at a phone's 320 CSS pixels and a desktop's 1280: the statement pages,
 * the API reference, the status page and the settings page pass axe and never scroll sideways; the header shows the
 * council's name, logo and colours, keeps sign-in on the name's row on desktop widths, and has no GOV.UK crown,
 * logo or typeface.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { PASSWORD } from '../helpers.ts'
import { systemActor } from '../../src/platform/audit.ts'

const BRAND = { headerBackground: '#4c2c92', headerText: '#ffffff', linkColour: '#005ea5' }
const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" fill="#ffffff"/><circle cx="20" cy="20" r="12" fill="#4c2c92"/></svg>'

const s = browserSuite({
  setUp: async (server) => {
    await server.services.auth.createUser({
      email: 'admin@site.browser.test',
      name: 'Alexandra Administrator-Longname',
      password: PASSWORD,
      siteAdmin: true,
    })
    const { values } = await server.services.site.settings()
    await server.services.site.updateSettings(
      {
        ...values,
        ...BRAND,
        serviceName: 'Worcestershire Community Safety Partnerships',
        organisationName: 'Worcestershire County Council',
      },
      systemActor,
    )
    await server.services.site.setLogo({ data: Buffer.from(LOGO), filename: 'council.svg', type: 'svg' }, systemActor)
  },
})

const WIDTHS = [320, 1280]
const PAGES = ['/accessibility', '/privacy', '/cookies', '/api', '/status']

test('the statement pages, the API reference and the status page pass axe and do not scroll sideways at 320 and 1280 px', async () => {
  for (const width of WIDTHS) {
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    for (const path of PAGES) {
      const res = await page.goto(s.server.url + path)
      assert.equal(res?.status(), 200, path)
      await expectAccessible(page, `${path} at ${width} px`)
      await expectNoSidewaysScroll(page, `${path} at ${width} px`)
    }
    await page.close()
  }
})

test('each footer link opens its page, for someone who is not signed in', async () => {
  const page = await s.browser.newPage({ viewport: { width: 1280, height: 900 } })
  for (const [name, heading] of [
    ['Accessibility statement', /Accessibility statement for Worcestershire Community Safety Partnerships/],
    ['Privacy', /Privacy notice/],
    ['Cookies', /Cookies/],
    ['API', /API reference/],
    ['Service status', /Service status/],
  ] as const) {
    await page.goto(s.server.url + '/')
    await page.locator('footer').getByRole('link', { name, exact: true }).click()
    await page.waitForLoadState('load')
    assert.match(await page.locator('h1').innerText(), heading)
  }
  // The JSON is one click further.
  await page.goto(`${s.server.url}/status`)
  await page.getByRole('link', { name: 'this status as JSON' }).click()
  assert.equal(JSON.parse(await page.locator('body').innerText()).status, 'ok')
  await page.close()
})

test("the header shows the council's name, logo and colours, with no GOV.UK crown, logo, name or typeface", async () => {
  for (const width of WIDTHS) {
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    await page.goto(s.server.url + '/')
    const header = page.locator('.safer-brand-header')
    assert.equal(await header.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(76, 44, 146)')
    assert.equal(await page.locator('.safer-brand-header__name').innerText(), 'Worcestershire Community Safety Partnerships')
    const logo = page.getByRole('img', { name: 'Worcestershire County Council' })
    assert.equal(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), true, 'the logo loads')
    assert.match(await page.title(), /Worcestershire Community Safety Partnerships – Worcestershire County Council$/)
    // No GOV.UK brand: no crown or GOV.UK logo, no "GOV.UK", not the GDS Transport typeface, and not GOV.UK's black bar.
    assert.equal(await page.locator('.govuk-header__logotype, .govuk-logo, svg[class*="crown"], [class*="crown"]').count(), 0)
    assert.doesNotMatch(await page.locator('body').innerText(), /GOV\.UK/)
    const fonts = await page.evaluate(() =>
      ['h1', '.govuk-body', '.safer-brand-header__name', '.govuk-footer__link'].map(
        (sel) => getComputedStyle(document.querySelector(sel)!).fontFamily,
      ),
    )
    for (const f of fonts) {
      assert.doesNotMatch(f, /GDS Transport|nta/i)
      assert.match(f, /system-ui/)
    }
    const fontFaces = await page.evaluate(() => [...document.fonts].map((f) => f.family))
    assert.deepEqual(
      fontFaces.filter((f) => /GDS|Transport/i.test(f)),
      [],
    )
    assert.notEqual(await header.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(11, 12, 12)')
    await expectAccessible(page, `branded start page at ${width} px`)
    await expectNoSidewaysScroll(page, `branded start page at ${width} px`)
    // On paper (and in PDFs of print views) the header is left out, as GOV.UK's was.
    await page.emulateMedia({ media: 'print' })
    assert.equal(await header.evaluate((e) => getComputedStyle(e).display), 'none')
    await page.close()
  }
})

/** Whether two elements share a row: their vertical extents overlap. */
async function sameRow(page: Page, a: string, b: string) {
  const [ra, rb] = await Promise.all([page.locator(a).first().boundingBox(), page.locator(b).first().boundingBox()])
  assert.ok(ra && rb, `${a} and ${b} are on the page`)
  return ra.y < rb.y + rb.height && rb.y < ra.y + ra.height
}

test("sign-in and sign-out stay on the service name's row from 641 px wide, and wrap beneath it at 320 px without sideways scroll", async () => {
  for (const width of [641, 1280]) {
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    await page.goto(s.server.url + '/')
    assert.equal(
      await sameRow(page, '.safer-brand-header__name', '.safer-brand-header__account >> text=Sign in'),
      true,
      `sign-in at ${width} px`,
    )
    await signIn(page, s.server.url, 'admin@site.browser.test', PASSWORD)
    assert.equal(
      await sameRow(page, '.safer-brand-header__name', '.safer-brand-header__account >> text=Sign out'),
      true,
      `sign-out at ${width} px`,
    )
    await page.close()
  }
  const phone = await s.browser.newPage({ viewport: { width: 320, height: 700 } })
  await signIn(phone, s.server.url, 'admin@site.browser.test', PASSWORD)
  await expectNoSidewaysScroll(phone, 'signed-in start page at 320 px')
  for (const name of ['Alexandra Administrator-Longname', 'Sign out']) {
    const box = await phone.locator('.safer-brand-header__account').getByText(name).boundingBox()
    assert.ok(box && box.x >= 0 && box.x + box.width <= 320, `${name} is within the screen at 320 px`)
  }
  await phone.close()
})

test('the site settings and statement pages pass axe at 320 and 1280 px, and a low-contrast colour is refused on the page', async () => {
  for (const width of WIDTHS) {
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    await signIn(page, s.server.url, 'admin@site.browser.test', PASSWORD)
    for (const path of ['/admin/site', '/admin/site/statements/accessibility']) {
      await page.goto(s.server.url + path)
      await expectAccessible(page, `${path} at ${width} px`)
      await expectNoSidewaysScroll(page, `${path} at ${width} px`)
    }
    await page.close()
  }
  const page = await s.browser.newPage({ viewport: { width: 1280, height: 900 } })
  await signIn(page, s.server.url, 'admin@site.browser.test', PASSWORD)
  await page.goto(`${s.server.url}/admin/site`)
  await page.getByLabel('Header text colour').fill('#8a6fc0')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await page.waitForLoadState('load')
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Header text colour #8a6fc0 on #4c2c92 has a contrast of/)
  await expectAccessible(page, 'settings with an error')
  await page.goto(s.server.url + '/')
  assert.equal(await page.locator('.safer-brand-header').evaluate((e) => getComputedStyle(e).color), 'rgb(255, 255, 255)')
  await page.close()
})
