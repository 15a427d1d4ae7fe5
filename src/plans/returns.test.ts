/**
 * Quarterly returns through the pages: opening (bad input refused, one email per lead read from the outbox), a lead's
 * task list, answers saved and submitted, another lead's action refused 403, answer links for leads without an
 * account (own actions only; refused once used or expired), the admin's status page, reminders (by hand and by the
 * scheduled job), and closing (frozen; answers written to the items' timelines).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Client, clientAs, errorSummary, text, unique, makePartnership, type TestApp, testApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { ValidationError } from '../platform/errors.ts'
import { REMINDER_JOB } from './returns.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10)
const dateFields = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-')
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y }
}

/** A plan with: two actions led by Ann (an account), one by Bob (an account), one by a partner without an account,
 * and items a return does not ask about (an objective, a complete action, an action without a lead). */
async function setUp() {
  const p = await makePartnership(t.services)
  const v1 = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2020-23' }, systemActor)
  const pr = await t.services.agreement.addPriority(v1.id, { number: 1, title: 'Serious violence' }, systemActor)
  const admin = await clientAs(t, 'admin', p.id)
  const ann = await clientAs(t, 'contributor', p.id)
  const bob = await clientAs(t, 'contributor', p.id)
  const partnerEmail = `${unique('partner')}@example.test`
  const add = (data: Record<string, unknown>) => t.services.plans.createItem(p.id, v1.id, { priorityId: pr.id, ...data }, systemActor)
  const objective = await add({ title: 'Reduce knife crime', kind: 'objective', leadEmail: ann.user.email })
  const a1 = await add({
    title: 'Knife arches in schools',
    kind: 'action',
    parentId: objective.id,
    leadEmail: ann.user.email,
    status: 'on-track',
  })
  const a2 = await add({ title: 'Weapons sweeps', kind: 'action', parentId: objective.id, leadEmail: ann.user.email })
  const b1 = await add({ title: 'Youth outreach', kind: 'action', parentId: objective.id, leadEmail: bob.user.email })
  const c1 = await add({
    title: 'Night-time economy',
    kind: 'action',
    parentId: objective.id,
    leadName: 'Pat Partner',
    leadEmail: partnerEmail,
  })
  await add({ title: 'Finished already', kind: 'action', parentId: objective.id, leadEmail: ann.user.email, status: 'complete' })
  await add({ title: 'Nobody leads this', kind: 'action', parentId: objective.id })
  return { p, v1, admin, ann, bob, partnerEmail, a1, a2, b1, c1, base: `/partnerships/${p.slug}/plan/returns` }
}

async function mail(partnershipId: number) {
  return (await t.services.outbox.list({ limit: 1000 })).filter((m) => m.partnership_id === partnershipId).sort((a, b) => a.id - b.id)
}
const linkIn = (body: string) => body.match(/\/returns\/answer\/([A-Za-z0-9_-]+)/)?.[1]

async function openReturn(s: Awaited<ReturnType<typeof setUp>>, quarter = 'Q2 2020/21', deadline = isoDay(30), reminderDays = 7) {
  const res = await s.admin.post(`${s.base}/new`, { quarter, ...dateFields('deadline', deadline), reminderDays })
  assert.equal(res.status, 303, text(res.body).slice(0, 400))
  return Number(String(res.headers.location).split('/').pop())
}

test('opening a return: bad input refused; it lists the open actions and their leads, and emails each lead once', async () => {
  const s = await setUp()
  // A deadline in the past, no quarter: refused, nothing saved, nothing sent.
  let res = await s.admin.post(`${s.base}/new`, { quarter: 'Q2 2020/21', ...dateFields('deadline', '2020-10-31') })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /deadline must be today or in the future/)
  res = await s.admin.post(`${s.base}/new`, { quarter: ' ', ...dateFields('deadline', isoDay(30)) })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the quarter/)
  res = await s.admin.post(`${s.base}/new`, { quarter: 'Q2', 'deadline-day': '31', 'deadline-month': '2', 'deadline-year': '2099' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Deadline must be a real date/)
  assert.equal((await mail(s.p.id)).length, 0)
  assert.equal((await s.admin.get(s.base)).body.includes('No return has been opened yet'), true)
  // Only an admin opens one.
  assert.equal((await s.ann.post(`${s.base}/new`, { quarter: 'Q2 2020/21', ...dateFields('deadline', isoDay(30)) })).status, 403)

  const id = await openReturn(s)
  // A second open return for the same quarter (however it is spaced or cased) is refused.
  res = await s.admin.post(`${s.base}/new`, { quarter: 'q2  2020/21', ...dateFields('deadline', isoDay(40)) })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /already an open return for q2 2020\/21/)

  // The status page: three leads (Ann with two actions, Bob, the partner); the objective, the complete action and the
  // action without a lead are not asked about.
  const page = text((await s.admin.get(`${s.base}/${id}`)).body)
  assert.match(page, /0 of 3 leads have submitted/)
  assert.match(page, new RegExp(`${s.ann.user.email}\\s+Signed in\\s+2\\s+0\\s+Not yet`))
  assert.match(page, /Pat Partner\s+\S+\s+By link\s+1\s+0\s+Not yet/)

  const msgs = await mail(s.p.id)
  assert.deepEqual(msgs.map((m) => m.to_address).sort(), [s.ann.user.email, s.bob.user.email, s.partnerEmail].sort())
  const annMail = msgs.find((m) => m.to_address === s.ann.user.email)!
  assert.equal(annMail.template, 'plans/return-opened')
  assert.match(annMail.subject, /your actions to update for Q2 2020\/21/)
  assert.match(annMail.text_body, /- Knife arches in schools\n- Weapons sweeps\n/)
  assert.doesNotMatch(annMail.text_body, /Finished already|Reduce knife crime/)
  assert.match(annMail.text_body, new RegExp(`Sign in to answer:\\nhttp://[^/]+/returns/${id}\\n`))
  assert.equal(linkIn(annMail.text_body), undefined)
  assert.match(annMail.reason, /lead for 2 actions/)
  const partnerMail = msgs.find((m) => m.to_address === s.partnerEmail)!
  assert.match(partnerMail.text_body, /Dear Pat Partner/)
  assert.ok(linkIn(partnerMail.text_body))
  // Only the token's hash is stored.
  const [row] = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM plan_return_leads WHERE lead_email = $1', [s.partnerEmail])
  assert.notEqual(row.token_hash, linkIn(partnerMail.text_body))
  assert.match(row.token_hash, /^[0-9a-f]{64}$/)
})

test('a lead answers their own actions, saves and comes back, then submits; another lead is refused 403', async () => {
  const s = await setUp()
  const id = await openReturn(s)
  // "Your actions to update" after signing in: on the start page, and its own page.
  let res = await s.ann.get('/')
  assert.match(text(res.body), /Your actions to update .*Q2 2020\/21 return\s*, due by .*: 0 of 2 actions completed/)
  assert.doesNotMatch(text((await s.admin.get('/')).body), /Your actions to update/)
  res = await s.ann.get('/returns')
  assert.match(text(res.body), /Q2 2020\/21 return\s*, due by .*: 0 of 2 actions completed/)
  res = await s.ann.get(`/returns/${id}`)
  assert.equal(res.status, 200)
  assert.match(res.body, /govuk-task-list/)
  assert.match(text(res.body), /Knife arches in schools\s+Now On track, 50%\s+Not started/)

  // Bob may not see or answer Ann's action, nor Ann's task list be anyone else's.
  assert.equal((await s.bob.get(`/returns/${id}/actions/${s.a1.id}`)).status, 403)
  res = await s.bob.post(`/returns/${id}/actions/${s.a1.id}`, { status: 'complete', finished: 'yes' })
  assert.equal(res.status, 403)
  assert.match(text(res.body), /another lead: you may answer only for your own actions/)
  const outsider = await clientAs(t, 'viewer', s.p.id)
  assert.equal((await outsider.get(`/returns/${id}`)).status, 403)

  // Bad input: progress out of range; nothing saved.
  res = await s.ann.post(`/returns/${id}/actions/${s.a1.id}`, { status: 'on-track', progress: 140, narrative: 'x' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Progress must be a whole number from 0 to 100/)
  // Saved, not finished: in progress.
  res = await s.ann.post(`/returns/${id}/actions/${s.a1.id}`, {
    status: 'at-risk',
    progress: 60,
    narrative: 'Two schools waiting',
    finished: 'no',
  })
  assert.equal(res.status, 303)
  res = await s.ann.get(`/returns/${id}`)
  assert.match(text(res.body), /Knife arches in schools\s+At risk, 60%\s+In progress/)
  // Submitting before everything is completed is refused.
  res = await s.ann.post(`/returns/${id}/submit`)
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /2 actions are not completed/)
  // Back to it: the form shows what was saved.
  res = await s.ann.get(`/returns/${id}/actions/${s.a1.id}`)
  assert.match(res.body, /Two schools waiting/)
  await s.ann.post(`/returns/${id}/actions/${s.a1.id}`, {
    status: 'at-risk',
    progress: 60,
    narrative: 'Two schools waiting',
    finished: 'yes',
  })
  // Status left to its default: on a new status, its default progress (complete 100).
  await s.ann.post(`/returns/${id}/actions/${s.a2.id}`, { status: 'complete', narrative: 'Done in June', finished: 'yes' })
  res = await s.ann.post(`/returns/${id}/submit`)
  assert.equal(res.status, 303)
  res = await s.ann.get(`/returns/${id}`)
  assert.match(text(res.body), /You submitted your answers/)
  assert.match(text(res.body), /Weapons sweeps\s+Complete, 100%\s+Completed/)
  // After submission, no more changes.
  res = await s.ann.post(`/returns/${id}/actions/${s.a1.id}`, { status: 'off-track', finished: 'yes' })
  assert.equal(res.status, 403)
  // The plan itself is unchanged until the return closes.
  const [item] = await t.db.query<{ status: string }>('SELECT status FROM plan_items WHERE id = $1', [s.a1.id])
  assert.equal(item.status, 'on-track')
  assert.match(text((await s.admin.get(`${s.base}/${id}`)).body), /1 of 3 leads have submitted/)
})

test('an answer link: the partner answers their own action only; refused once used or expired', async () => {
  const s = await setUp()
  const id = await openReturn(s)
  const token = linkIn((await mail(s.p.id)).find((m) => m.to_address === s.partnerEmail)!.text_body)!
  const anon = new Client(t)
  let res = await anon.get(`/returns/answer/${token}`)
  assert.equal(res.status, 200)
  assert.match(text(res.body), /Night-time economy/)
  assert.doesNotMatch(text(res.body), /Knife arches/)
  // Someone else's action through the link: 403; a made-up link: 403.
  assert.equal((await anon.post(`/returns/answer/${token}/actions/${s.a1.id}`, { status: 'complete', finished: 'yes' })).status, 403)
  assert.equal((await anon.get(`/returns/answer/${'x'.repeat(43)}`)).status, 403)
  // The link opens the task list of this return only, not the signed-in pages or the plan.
  assert.equal((await anon.get(`/returns/${id}`)).status, 303) // to sign in
  res = await anon.post(`/returns/answer/${token}/actions/${s.c1.id}`, {
    status: 'off-track',
    progress: 20,
    narrative: 'Funding delayed',
    finished: 'yes',
  })
  assert.equal(res.status, 303)
  res = await anon.post(`/returns/answer/${token}/submit`)
  assert.equal(res.status, 200)
  assert.match(text(res.body), /Answers submitted/)
  // Reused after submission: a clear refusal.
  res = await anon.get(`/returns/answer/${token}`)
  assert.equal(res.status, 403)
  assert.match(text(res.body), /already been submitted, so this link can no longer be used/)
  // The audit trail names the partner.
  const [audit] = await t.db.query<{ user_name: string }>(
    `SELECT user_name FROM audit_log WHERE entity = 'plan_return_item' AND partnership_id = $1 ORDER BY id DESC LIMIT 1`,
    [s.p.id],
  )
  assert.match(audit.user_name, /Pat Partner \(through their answer link\)/)

  // Expired: a second return, its link's expiry moved into the past.
  const s2 = await setUp()
  await openReturn(s2, 'Q3 2020/21')
  const token2 = linkIn((await mail(s2.p.id)).find((m) => m.to_address === s2.partnerEmail)!.text_body)!
  const [row] = await t.db.query<{ token_expires_at: Date }>('SELECT token_expires_at FROM plan_return_leads WHERE lead_email = $1', [
    s2.partnerEmail,
  ])
  // It expires 7 days after the deadline (the end of that day).
  assert.equal(new Date(row.token_expires_at).toISOString().slice(0, 10), isoDay(30 + 8))
  await t.db.query(`UPDATE plan_return_leads SET token_expires_at = now() - interval '1 minute' WHERE lead_email = $1`, [s2.partnerEmail])
  res = await anon.get(`/returns/answer/${token2}`)
  assert.equal(res.status, 403)
  assert.match(text(res.body), /This answer link has expired/)
})

test('reminders: to one lead or all who have not submitted, and by the scheduled job once, a set number of days before', async () => {
  const s = await setUp()
  const id = await openReturn(s, 'Q2 2020/21', isoDay(5), 7)
  const before = (await mail(s.p.id)).length
  // Bob submits nothing; Ann submits.
  await s.ann.post(`/returns/${id}/actions/${s.a1.id}`, { status: 'on-track', finished: 'yes' })
  await s.ann.post(`/returns/${id}/actions/${s.a2.id}`, { status: 'on-track', finished: 'yes' })
  assert.equal((await s.ann.post(`/returns/${id}/submit`)).status, 303)
  const [bobLead] = await t.db.query<{ id: number }>('SELECT id FROM plan_return_leads WHERE return_id = $1 AND lead_email = $2', [
    id,
    s.bob.user.email,
  ])
  let res = await s.admin.post(`${s.base}/${id}/remind`, { lead: bobLead.id })
  assert.equal(res.status, 303)
  let msgs = (await mail(s.p.id)).slice(before)
  assert.deepEqual(
    msgs.map((m) => [m.to_address, m.template]),
    [[s.bob.user.email, 'plans/return-reminder']],
  )
  assert.match(msgs[0].text_body, /has not been submitted yet|have not been submitted yet/)
  res = await s.admin.post(`${s.base}/${id}/remind`, { lead: 'all' })
  assert.equal(res.status, 303)
  msgs = (await mail(s.p.id)).slice(before + 1)
  assert.deepEqual(msgs.map((m) => m.to_address).sort(), [s.bob.user.email, s.partnerEmail].sort())
  // A reminder gives the partner a new link; the old one no longer works.
  const first = linkIn((await mail(s.p.id)).find((m) => m.to_address === s.partnerEmail)!.text_body)!
  const latest = linkIn(msgs.find((m) => m.to_address === s.partnerEmail)!.text_body)!
  assert.notEqual(first, latest)
  assert.equal((await new Client(t).get(`/returns/answer/${first}`)).status, 403)
  assert.equal((await new Client(t).get(`/returns/answer/${latest}`)).status, 200)

  // The job is scheduled; run by hand: the deadline is 5 days away and the reminder 7 days before, so it is due.
  const schedules = await t.db.query<{ key: string }>('SELECT key FROM job_schedules WHERE kind = $1', [REMINDER_JOB])
  assert.equal(schedules.length, 1)
  const n = (await mail(s.p.id)).length
  await t.services.planReturns.sendDueReminders()
  msgs = (await mail(s.p.id)).slice(n)
  assert.deepEqual(msgs.map((m) => m.to_address).sort(), [s.bob.user.email, s.partnerEmail].sort())
  assert.equal(msgs[0].created_by_name, 'Safer (system)')
  // Once only.
  await t.services.planReturns.sendDueReminders()
  assert.equal((await mail(s.p.id)).length, n + 2)
  // A return whose reminder day has not come is not reminded.
  const s2 = await setUp()
  await openReturn(s2, 'Q2 2020/21', isoDay(30), 7)
  const m2 = (await mail(s2.p.id)).length
  await t.services.planReturns.sendDueReminders()
  assert.equal((await mail(s2.p.id)).length, m2)
})

test('closing: the return is frozen and its submitted answers go on the actions timelines', async () => {
  const s = await setUp()
  const id = await openReturn(s)
  await s.ann.post(`/returns/${id}/actions/${s.a1.id}`, {
    status: 'at-risk',
    progress: 60,
    narrative: 'Two schools waiting',
    finished: 'yes',
  })
  await s.ann.post(`/returns/${id}/actions/${s.a2.id}`, { status: 'complete', narrative: 'Done', finished: 'yes' })
  await s.ann.post(`/returns/${id}/submit`)
  // Bob saved but did not submit: his draft is not written.
  await s.bob.post(`/returns/${id}/actions/${s.b1.id}`, { status: 'off-track', narrative: 'draft', finished: 'no' })
  assert.equal((await s.ann.post(`${s.base}/${id}/close`)).status, 403)
  // The admin is asked first, and told what will happen to answers not submitted.
  let res = await s.admin.get(`${s.base}/${id}/close`)
  assert.match(
    text(res.body),
    /Close the Q2 2020\/21 return\?\s+1 of 3 leads have submitted.*Answers saved but not submitted are not written/,
  )
  const n = (await mail(s.p.id)).length
  res = await s.admin.post(`${s.base}/${id}/close`)
  assert.equal(res.status, 303)
  const closed = (await mail(s.p.id)).slice(n)
  assert.equal(closed.length, 3)
  assert.ok(closed.every((m) => m.template === 'plans/return-closed'))

  const items = await t.db.query<{ id: number; status: string; progress: number }>(
    'SELECT id, status, progress FROM plan_items WHERE id = ANY($1) ORDER BY id',
    [[s.a1.id, s.a2.id, s.b1.id]],
  )
  assert.deepEqual(
    items.map((i) => [i.status, i.progress]),
    [
      ['at-risk', 60],
      ['complete', 100],
      ['not-started', 0],
    ],
  )
  res = await s.admin.get(`/partnerships/${s.p.slug}/plan/items/${s.a1.id}`)
  assert.match(text(res.body), /Quarterly return\s+At risk\s+60%\s+Two schools waiting/)

  // Frozen: answering, submitting, reminding or closing again is refused with a message.
  res = await s.bob.post(`/returns/${id}/actions/${s.b1.id}`, { status: 'on-track', finished: 'yes' })
  assert.equal(res.status, 403)
  assert.match(text(res.body), /The Q2 2020\/21 return was closed: it can no longer be changed/)
  assert.equal((await s.bob.post(`/returns/${id}/submit`)).status, 403)
  assert.equal((await s.admin.post(`${s.base}/${id}/remind`, { lead: 'all' })).status, 403)
  assert.equal((await s.admin.post(`${s.base}/${id}/close`)).status, 403)
  assert.match(text((await s.admin.get(`${s.base}/${id}`)).body), /This return is closed and frozen/)
  // No longer among Bob's actions to update; a new return for the quarter may now be opened.
  assert.match(text((await s.bob.get('/returns')).body), /You have no actions to update/)
  await openReturn(s, 'Q2 2020/21')
})

test('two admins opening the same quarter at once: one return is opened, the other is told there is one (never a server error)', async () => {
  const s = await setUp()
  const open = () =>
    t.services.planReturns.open(s.p.id, s.p.name, { quarter: 'Q3 2020/21', deadline: isoDay(30) }, systemActor).then(
      () => 'opened',
      (err) => (err instanceof ValidationError ? String(err.fields.quarter) : `unexpected: ${err}`),
    )
  const results = await Promise.all([open(), open()])
  assert.deepEqual(results.filter((r) => r === 'opened').length, 1, results.join('\n'))
  assert.match(
    results.find((r) => r !== 'opened')!,
    /^There is already an open return for Q3 2020\/21/,
  )
  const [{ n }] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM plan_returns WHERE partnership_id = $1 AND quarter = 'Q3 2020/21'`,
    [s.p.id],
  )
  assert.equal(n, 1)
})
