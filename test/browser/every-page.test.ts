/**
 * axe on every page of the app: each GET route that answers HTML, visited by a site administrator (who may see
 * and edit everything) on the demo's real content, must load and have no serious or critical accessibility problem.
 * Routes are read from the app itself, so a new page is checked without anyone remembering to add it here.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, expectAccessible, signIn } from './browser.ts'
import { DEMO_LOGINS } from '../../src/demo/logins.ts'

const s = browserSuite({ demo: true, openData: true })

/**
 * Not pages: files, stylesheets, the API and machine-readable answers; and an email's HTML on its own, which is shown
 * only inside the frame of its message page, under a sandbox policy that lets no script run (so axe cannot run in it
 * either: test/browser/outbox.test.ts checks the message page with the frame).
 */
const NOT_HTML =
  /^\/api\/|^\/health$|^\/site\/logo\/|\.css$|\.svg$|\.ics$|\.atom$|\.pdf$|\/attachments\/:attachmentId$|\/documents\/:document$|\/reports\/:report\/appendices\/:appendix$|^\/admin\/outbox\/:id\/html$/

async function concreteUrls() {
  const q = async (sql: string, params: unknown[] = []) => (await s.server.services.db.query(sql, params))[0]
  const p = await q(`SELECT id FROM partnerships WHERE slug = 'hampshire'`)
  const body = await q(`SELECT id, slug FROM bodies WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [p.id])
  const member = await q(`SELECT id FROM body_members WHERE body_id = $1 ORDER BY id LIMIT 1`, [body.id])
  const org = await q(`SELECT id FROM organisations ORDER BY id LIMIT 1`)
  const assessment = await q(`SELECT id FROM strategic_assessments WHERE partnership_id = $1`, [p.id])
  const version = await q(`SELECT id, number FROM agreement_versions WHERE partnership_id = $1 ORDER BY number DESC LIMIT 1`, [p.id])
  const priority = await q(`SELECT id FROM priorities WHERE agreement_version_id = $1 ORDER BY number LIMIT 1`, [version.id])
  const round = await q(`SELECT id FROM assessment_rounds WHERE agreement_version_id = $1`, [version.id])
  const dimension = await q(`SELECT id FROM assurance_dimensions WHERE partnership_id = $1 ORDER BY position LIMIT 1`, [p.id])
  const level = await q(`SELECT id FROM rating_levels WHERE partnership_id = $1 ORDER BY value LIMIT 1`, [p.id])
  const run = await q(`SELECT id FROM jobs WHERE kind = 'import:police-uk' ORDER BY id DESC LIMIT 1`)
  const custom = await q(`SELECT id FROM custom_areas WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [p.id])
  // A file on the strategic assessment (the demo has none), for the page that says who may see it.
  const file = await s.server.services.agreement.addAttachment(
    p.id,
    assessment.id,
    { filename: 'every-page.csv', data: Buffer.from('district,offences\nWinchester,1\n') },
    { id: null, name: 'Every page test' },
  )
  const lineage = await q(`SELECT lineage_id FROM priorities WHERE id = $1`, [priority.id])
  // An action of Hampshire's plan (the demo makes them from the development areas), for its page and form.
  const planItem = await q(`SELECT id FROM plan_items WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [p.id])
  // A message in the outbox (held: the demo has no mail server), for its pages.
  const email = await s.server.services.outbox.sendTest('every-page@example.org', { id: null, name: 'Every page test' })
  // An account, an invitation and a password reset link, for their pages (the links are read from the outbox).
  const account = (await s.server.services.auth.listUsers())[0]
  const who = { id: null, name: 'Every page test' }
  const hampshire = (await s.server.services.partnerships.bySlug('hampshire'))!
  await s.server.services.partnerships.invite(hampshire, { email: 'every-page-invite@example.org', role: 'viewer' }, who)
  await s.server.services.auth.requestPasswordReset(DEMO_LOGINS.accounts[2].email, who)
  const linkTo = async (address: string, path: string) => {
    const [m] = (await s.server.services.outbox.list({ limit: 1000 })).filter((x) => x.to_address === address)
    return new RegExp(`${path}/([A-Za-z0-9_-]+)`).exec(m.text_body)![1]
  }
  // A quarterly return on Hampshire's plan: the first action led by the site administrator (who sees its task list and
  // answer form), the second by a partner without an account (whose answer link is read from the outbox).
  const [ownAction, partnerAction] = await s.server.services.db.query<{ id: number }>(
    `SELECT id FROM plan_items WHERE partnership_id = $1 AND kind = 'action' ORDER BY id LIMIT 2`,
    [p.id],
  )
  await s.server.services.db.query(`UPDATE plan_items SET status = 'on-track', lead_email = $2, lead_user_id = NULL WHERE id = $1`, [
    ownAction.id,
    DEMO_LOGINS.accounts[0].email,
  ])
  await s.server.services.db.query(
    `UPDATE plan_items SET status = 'on-track', lead_email = 'every-page-lead@example.org', lead_user_id = NULL WHERE id = $1`,
    [partnerAction.id],
  )
  const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
  const planReturn = (await s.server.services.planReturns.open(hampshire.id, hampshire.name, { quarter: 'Every page', deadline }, who)).ret
  // Progress against priorities is made for a closed return: the demo's Q1 2020/21.
  const closedReturn = (await s.server.services.planReturns.list(hampshire.id)).find((r) => r.status === 'closed')!
  const tokens = {
    invitation: await linkTo('every-page-invite@example.org', '/invitations'),
    reset: await linkTo(DEMO_LOGINS.accounts[2].email, '/reset-password'),
    answer: await linkTo('every-page-lead@example.org', '/returns/answer'),
  }
  const idFor = (url: string) =>
    url.startsWith('/organisations/')
      ? org.id
      : url.includes('/assessments/strategic/')
        ? assessment.id
        : url.includes('/priorities/')
          ? priority.id
          : url.includes('/history/')
            ? p.id
            : url.startsWith('/crime/imports/') || url.startsWith('/admin/jobs/')
              ? run.id // an import is a job
              : url.includes('/custom-areas/')
                ? custom.id
                : url.startsWith('/admin/outbox/')
                  ? email.id
                  : url.startsWith('/admin/users/')
                    ? account.id
                    : undefined
  // The scorecard's pages: Worcestershire's own indicator (from the demo), and an upload waiting for its preview.
  const worcs = await q(`SELECT id FROM partnerships WHERE slug = 'worcestershire'`)
  const csv = path.join(os.tmpdir(), `every-page-${process.pid}.csv`)
  fs.writeFileSync(csv, 'indicator,area,period,numerator,denominator,value\nhate-crimes,E10000034,2019/20,,,600\n')
  const preview = (await s.server.services.scorecard.previewUpload(worcs.id, csv, 'every-page.csv', { id: null, name: 'Every page test' }))
    .upload!
  fs.rmSync(csv)
  const scorecard = (url: string) =>
    url.replace(':partnership', 'worcestershire').replace(':code', 'hate-crimes').replace(':upload', String(preview.id))
  // Scrutiny's pages: Hampshire County Council's workspace (from the demo), its meeting and a member (the demo has none).
  const council = (await s.server.services.partnerships.bySlug('hampshire-county-council'))!
  const [meeting] = await s.server.services.scrutiny.meetings(council.id)
  const { agenda } = await s.server.services.scrutiny.meeting(council.id, meeting.id, { member: true })
  const councillor = await s.server.services.scrutiny.addCouncillor(council.id, { name: 'Every page test', kind: 'councillor' }, who)
  const scrutiny = (url: string) =>
    /^\/partnerships\/:partnership\/(meetings|committees|members\/)/.test(url)
      ? url
          .replace(':partnership', council.slug)
          .replace(':body', meeting.body_slug)
          .replace(':meeting', String(meeting.id))
          .replace(':item', String(agenda[0].id))
          .replace(':member', String(councillor.id))
      : url
  // Work programmes: Hampshire's items (seed 000) and Worcestershire's scored suggestions (seed 004), from the demo.
  const wcc = (await s.server.services.partnerships.bySlug('worcestershire-county-council'))!
  const board = (await s.server.services.governance.list(wcc.id)).find((b) => b.name === 'Overview and Scrutiny Performance Board')!
  const [suggestion] = (await s.server.services.workProgramme.suggestions(wcc.id, board.slug)).list
  const [wpItem] = (await s.server.services.workProgramme.programme(council.id, meeting.body_slug, { member: true })).items
  const workProgramme = (url: string) =>
    url.includes(':suggestion')
      ? url.replace(':partnership', wcc.slug).replace(':body', board.slug).replace(':suggestion', String(suggestion.id))
      : url.includes('/work-programme/items/:item')
        ? url.replace(':item', String(wpItem.id))
        : url
  // Decision records (Hampshire's Cabinet) and the forward plan (Worcestershire's), from the demo.
  const [decision] = await s.server.services.decisions.list(council.id, { includePrivate: true })
  const [entry] = await s.server.services.forwardPlan.list(wcc.id, { includePrivate: true })
  const councilRecords = (url: string) =>
    url.includes('/decisions/:decision')
      ? url.replace(':partnership', council.slug).replace(':decision', String(decision.id))
      : url.includes('/forward-plan/:entry')
        ? url.replace(':partnership', wcc.slug).replace(':entry', String(entry.id))
        : url
  // Funding's pages: Worcestershire's grant (with its allocations) and contract, from the demo.
  const money = await s.server.services.funding.view(worcs.id, { member: true })
  const [grant] = money.grants
  const [contract] = money.contracts
  const funding = (url: string) =>
    url.includes('/funding/')
      ? url
          .replace(':partnership', 'worcestershire')
          .replace(':grant', String(grant.id))
          .replace(':allocation', String(grant.allocations[0].id))
          .replace(':contract', String(contract.id))
      : url
  // Recommendations: Herefordshire Council's (from the demo), on the council's side and on the partnership's.
  const hc = (await s.server.services.partnerships.bySlug('herefordshire-council'))!
  const [{ body: hcCommittee }] = await s.server.services.scrutiny.committees(hc.id)
  const [recommendation] = (await s.server.services.recommendations.forCommittee(hc.id, hcCommittee.slug)).list
  const recommendations = (url: string) =>
    url.includes(':recommendation')
      ? url
          .replace(':partnership', url.includes('/scrutiny-recommendations/') ? 'herefordshire' : hc.slug)
          .replace(':recommendation', String(recommendation.id))
      : url
  // Reports: Hampshire County Council's published annual report (from the demo), and a draft for the edit form.
  const [published] = await s.server.services.reports.list(council.id, { member: false })
  const draft = await s.server.services.reports.create(council.id, { title: 'Every page test' }, who)
  const reports = (url: string) =>
    url.includes('/reports/:report')
      ? url.replace(':partnership', council.slug).replace(':report', String(url.endsWith('/edit') ? draft.id : published.id))
      : url
  // The agenda pack's progress pages: a finished pack:build job of that meeting for each (never run: it is made done
  // here, so the page is the finished one, with no refresh; packs.test.ts sees the jobs really run).
  const packJob = async (edition: string) => {
    const job = await s.server.services.jobs.enqueue(
      'pack:build',
      { ticket: 'every-page', council: council.slug, meetingId: meeting.id, edition, title: 'Every page test', filename: 'pack.pdf' },
      { runAfter: new Date(Date.now() + 365 * 86_400_000) },
    )
    await q(`UPDATE jobs SET status = 'done', progress = '{"done":3,"total":3,"unit":"parts"}', result = '{"pages":3}' WHERE id = $1`, [
      job.id,
    ])
    return job.id
  }
  const packJobs = { public: await packJob('public'), members: await packJob('members') }
  return s.server.app.accessRules
    .filter((r) => r.method === 'GET' && !NOT_HTML.test(r.url))
    .map((r) =>
      reports(funding(scrutiny(workProgramme(councilRecords(recommendations(r.url.includes('/scorecard') ? scorecard(r.url) : r.url))))))
        .replace(':partnership', 'hampshire')
        .replace(':body', body.slug)
        .replace(':member', String(member.id))
        .replace(':entity', 'partnership')
        .replace(':id', String(idFor(r.url)))
        .replace(':number', String(version.number))
        .replace(':round', String(round.id))
        .replace(':attachmentId', String(file.id))
        .replace(':lineage', String(lineage.lineage_id))
        .replace(':priority', String(priority.id))
        .replace(':dimension', String(dimension.id))
        .replace(':level', String(level.id))
        .replace(':return', String(r.url.includes('/progress') ? closedReturn.id : planReturn.id))
        .replace(
          ':item',
          String(r.url.startsWith('/returns/answer/') ? partnerAction.id : r.url.startsWith('/returns/') ? ownAction.id : planItem.id),
        )
        .replace(':code', 'E10000014')
        .replace(
          ':token',
          r.url.startsWith('/invitations/') ? tokens.invitation : r.url.startsWith('/returns/answer/') ? tokens.answer : tokens.reset,
        )
        .replace(':kind', 'accessibility'),
    )
    .map((url) => (url.endsWith('/compare') ? `${url}?from=1&to=2` : url))
    .map((url) =>
      url.endsWith('/pack/progress')
        ? `${url}?job=${packJobs.public}`
        : url.endsWith('/pack/members/progress')
          ? `${url}?job=${packJobs.members}`
          : url,
    )
}

test('every page loads for a site administrator and passes axe', async () => {
  const urls = await concreteUrls()
  assert.ok(urls.length > 40, `found ${urls.length} pages`)
  const page = await s.browser.newPage()
  await signIn(page, s.server.url, DEMO_LOGINS.accounts[0].email, DEMO_LOGINS.password)
  assert.deepEqual(
    urls.filter((url) => /:[a-zA-Z]/.test(url)),
    [],
    'every parameter of every page is filled',
  )
  const problems: string[] = []
  for (const url of urls) {
    const res = await page.goto(s.server.url + url)
    if (res?.status() !== 200) {
      problems.push(`${url}: status ${res?.status()}`)
      continue
    }
    try {
      await expectAccessible(page, url)
    } catch (err) {
      problems.push((err as Error).message)
    }
  }
  await page.close()
  assert.deepEqual(problems, [])
})
