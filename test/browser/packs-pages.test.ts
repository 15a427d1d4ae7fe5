/**
 * The agenda pack as a web page (Hampshire's 14 November 2019 and Worcestershire's 24 July 2019 meetings of the demo)
 * and the pack settings form, on a phone (320 CSS pixels) and a desktop (1280): nothing scrolls sideways and axe finds
 * no serious problem. The web page needs no PDF: it is what the public reads when there is no browser for PDFs.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })

async function demo() {
  const services = s.server.services
  const hcc = (await services.partnerships.bySlug('hampshire-county-council'))!
  const wcc = (await services.partnerships.bySlug('worcestershire-county-council'))!
  const h = (await services.scrutiny.meetings(hcc.id)).find(
    (m) => m.date === '2019-11-14' && m.body_name === 'Policy and Resources Select Committee',
  )!
  const w = (await services.scrutiny.meetings(wcc.id)).find((m) => m.date === '2019-07-24')!
  return {
    hampshire: `/partnerships/${hcc.slug}/meetings/${h.id}`,
    worcestershire: `/partnerships/${wcc.slug}/meetings/${w.id}`,
    settings: `/partnerships/${hcc.slug}/pack-settings`,
  }
}

/** The progress page of Hampshire's pack, once its job is done: asked for once, as a browser follows the link. */
let progressUrl: Promise<string> | undefined
function packProgress(hampshire: string) {
  progressUrl ??= (async () => {
    const page = await s.browser.newPage({ viewport: { width: 1280, height: 900 } })
    // The pack is not made yet, so following the PDF link leads to the progress page, which refreshes itself until
    // the download link is there.
    const res = await page.goto(`${s.server.url}${hampshire}/pack.pdf`)
    assert.equal(res?.status(), 200)
    assert.match(page.url(), /\/pack\/progress\?job=\d+$/)
    await page.locator('[data-pack-download]').waitFor({ timeout: 180_000 })
    const url = page.url()
    await page.close()
    return url
  })()
  return progressUrl
}

for (const width of [320, 1280]) {
  test(`the agenda pack's progress page, once the pack is made, fits ${width} pixels and passes axe`, async () => {
    const d = await demo()
    const url = await packProgress(d.hampshire)
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    assert.equal((await page.goto(url))?.status(), 200)
    assert.match(await page.locator('h1').innerText(), /The public document pack is ready/)
    assert.equal(await page.getByRole('link', { name: 'Download the agenda pack (PDF)' }).count(), 1)
    await expectNoSidewaysScroll(page, `${url} at ${width}`)
    await expectAccessible(page, `${url} at ${width}`)
    await page.close()
  })
}

for (const width of [320, 1280]) {
  test(`the agenda pack's web page fits ${width} pixels and passes axe, with the seeds' notice of meeting`, async () => {
    const d = await demo()
    const page = await s.browser.newPage({ viewport: { width, height: 900 } })
    for (const url of [`${d.hampshire}/pack`, `${d.worcestershire}/pack`]) {
      const res = await page.goto(s.server.url + url)
      assert.equal(res?.status(), 200, url)
      await expectNoSidewaysScroll(page, `${url} at ${width}`)
      await expectAccessible(page, `${url} at ${width}`)
    }
    await page.goto(`${s.server.url}${d.hampshire}/pack`)
    const body = await page.locator('main').innerText()
    assert.match(body, /Notice of meeting/)
    assert.match(body, /John Coughlan CBE, Chief Executive/)
    assert.match(body, /members\.services@hants\.gov\.uk/)
    assert.match(body, /Filming and broadcast notification/)
    // The demo's items were there when the agenda was published, so they are in the pack itself.
    assert.match(body, /1\. Apologies for absence/)
    assert.doesNotMatch(body, /supplementary agenda/)
    assert.match(body, /Download the agenda pack \(PDF\)/)
    // The meeting page links to the pack.
    await page.goto(s.server.url + d.hampshire)
    assert.equal(await page.getByRole('link', { name: 'Agenda pack (web page)' }).count(), 1)
    assert.equal(await page.getByRole('link', { name: 'Download the agenda pack (PDF)' }).count(), 1)
    await page.close()
  })
}

test('the pack settings form fits a phone, passes axe, and shows the error summary for a bad email address', async () => {
  const d = await demo()
  const page = await s.browser.newPage({ viewport: { width: 320, height: 900 } })
  await signIn(page, s.server.url, DEMO_LOGINS.accounts[0].email, DEMO_LOGINS.password)
  assert.equal((await page.goto(s.server.url + d.settings))?.status(), 200)
  await expectNoSidewaysScroll(page, d.settings)
  await expectAccessible(page, d.settings)
  assert.equal(await page.getByLabel('Chief executive’s name').inputValue(), 'John Coughlan CBE')
  await page.getByLabel('Enquiries to: email').fill('not an address')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await page.locator('.govuk-error-summary').waitFor()
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter an email address like members\.services@hants\.gov\.uk/)
  await expectAccessible(page, `${d.settings} with errors`)
  // Nothing was saved.
  const hcc = (await s.server.services.partnerships.bySlug('hampshire-county-council'))!
  assert.equal((await s.server.services.packs.settings(hcc.id)).enquiries_email, 'members.services@hants.gov.uk')
  await page.close()
})
