/**
 * Quarterly returns' pages on a phone (320 CSS pixels) and on a desktop (1280), on the demo's Hampshire plan with a
 * return opened on it: the admin's list, form and status page; a lead's "Your actions to update" (start page, task
 * list, answer form); a partner's answer link. Nothing scrolls sideways and axe finds no serious problem.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, expectNoSidewaysScroll, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true })
const MANAGER = 'manager@demo.safer.test'
const LEAD = 'police.lead@demo.safer.test'
let ids: { ret: number; own: number; partner: number; token: string; closed: number } | undefined

/** Once, in the first test (the suite's server starts in its own before hook). */
async function setUp() {
  if (ids) return ids
  const services = s.server.services
  const p = (await services.partnerships.bySlug('hampshire'))!
  const [own, partner] = await services.db.query<{ id: number }>(
    `SELECT id FROM plan_items WHERE partnership_id = $1 AND kind = 'action' ORDER BY id LIMIT 2`,
    [p.id],
  )
  const lead = await services.auth.findUserByEmail(LEAD)
  await services.db.query(`UPDATE plan_items SET status = 'on-track', lead_email = $2, lead_user_id = $3 WHERE id = $1`, [
    own.id,
    LEAD,
    lead!.id,
  ])
  await services.db.query(
    `UPDATE plan_items SET status = 'at-risk', lead_name = 'Sam Partner', lead_email = 'browser-lead@example.org', lead_user_id = NULL WHERE id = $1`,
    [partner.id],
  )
  const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
  const { ret } = await services.planReturns.open(p.id, p.name, { quarter: 'Q3 2020/21', deadline }, { id: null, name: 'Browser test' })
  const [m] = (await services.outbox.list({ limit: 1000 })).filter((x) => x.to_address === 'browser-lead@example.org')
  const closed = (await services.planReturns.list(p.id)).find((r) => r.status === 'closed')!
  ids = {
    ret: ret.id,
    own: own.id,
    partner: partner.id,
    token: /\/returns\/answer\/([A-Za-z0-9_-]+)/.exec(m.text_body)![1],
    closed: closed.id,
  }
  return ids
}

async function check(page: import('playwright-core').Page, path: string, width: number) {
  const res = await page.goto(s.server.url + path)
  assert.equal(res?.status(), 200, path)
  await expectNoSidewaysScroll(page, `${path} at ${width}`)
  await expectAccessible(page, `${path} at ${width}`)
}

for (const width of [320, 1280]) {
  test(`the returns pages fit ${width} pixels`, async () => {
    const ids = await setUp()
    const admin = await s.browser.newPage({ viewport: { width, height: 900 } })
    await signIn(admin, s.server.url, MANAGER, DEMO_LOGINS.password)
    for (const path of [
      '/partnerships/hampshire/plan/returns',
      '/partnerships/hampshire/plan/returns/new',
      `/partnerships/hampshire/plan/returns/${ids.ret}`,
      `/partnerships/hampshire/plan/returns/${ids.ret}/close`,
      // The demo's closed Q1 2020/21 return: its progress against priorities and the print view.
      `/partnerships/hampshire/plan/returns/${ids.closed}/progress`,
      `/partnerships/hampshire/plan/returns/${ids.closed}/progress/print`,
    ])
      await check(admin, path, width)
    await admin.close()
    const lead = await s.browser.newPage({ viewport: { width, height: 900 } })
    await signIn(lead, s.server.url, LEAD, DEMO_LOGINS.password)
    for (const path of ['/', '/returns', `/returns/${ids.ret}`, `/returns/${ids.ret}/actions/${ids.own}`]) await check(lead, path, width)
    await lead.close()
    const partner = await s.browser.newPage({ viewport: { width, height: 900 } })
    for (const path of [`/returns/answer/${ids.token}`, `/returns/answer/${ids.token}/actions/${ids.partner}`])
      await check(partner, path, width)
    await partner.close()
  })
}
