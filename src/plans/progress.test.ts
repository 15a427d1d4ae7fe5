/**
 * Progress against priorities: the report of a closed quarterly return, per priority, from the leads' submitted
 * answers (narratives, status, progress) with the roll-up per priority and objective, what is at risk or off track;
 * figures as they stood when the return closed; the CSV/JSON of its tables; an open return is not reported yet;
 * members only. The PDF is tested with the real Chromium in test/browser/plan-progress.test.ts.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { clientAs, text, makePartnership, type TestApp, testApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { ReturnStillOpenError } from './progress.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10)

/**
 * Priority 1 (Serious violence): objective "Reduce knife crime" with Ann's two actions (answered: at risk 60% with a
 * narrative; complete 100%) and Bob's (asked, never submitted: stays on track 50%). Priority 2 (Community cohesion):
 * objective "Build trust" with Ann's action answered off track 20%.
 */
async function closedReturn(opts: { published?: boolean } = {}) {
  const p = await makePartnership(t.services, { published: opts.published ?? false })
  const v1 = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2020-23' }, systemActor)
  const pr1 = await t.services.agreement.addPriority(v1.id, { number: 1, title: 'Serious violence' }, systemActor)
  const pr2 = await t.services.agreement.addPriority(v1.id, { number: 2, title: 'Community cohesion' }, systemActor)
  const admin = await clientAs(t, 'admin', p.id)
  const ann = await clientAs(t, 'contributor', p.id)
  const bob = await clientAs(t, 'contributor', p.id)
  const add = (data: Record<string, unknown>) => t.services.plans.createItem(p.id, v1.id, data, systemActor)
  const knife = await add({ title: 'Reduce knife crime', kind: 'objective', priorityId: pr1.id })
  const arches = await add({
    title: 'Knife arches in schools',
    kind: 'action',
    parentId: knife.id,
    leadEmail: ann.user.email,
    status: 'on-track',
  })
  const sweeps = await add({ title: 'Weapons sweeps', kind: 'action', parentId: knife.id, leadEmail: ann.user.email, status: 'on-track' })
  const outreach = await add({ title: 'Youth outreach', kind: 'action', parentId: knife.id, leadEmail: bob.user.email, status: 'on-track' })
  const trust = await add({ title: 'Build trust', kind: 'objective', priorityId: pr2.id })
  const forums = await add({ title: 'Community forums', kind: 'action', parentId: trust.id, leadEmail: ann.user.email, status: 'on-track' })
  const { ret } = await t.services.planReturns.open(p.id, p.name, { quarter: 'Q2 2020/21', deadline: isoDay(30) }, systemActor)
  const answer = (itemId: number, data: Record<string, unknown>) =>
    t.services.planReturns.answer(ret.id, { userId: ann.user.id }, itemId, { finished: 'yes', ...data }, systemActor)
  await answer(arches.id, { status: 'at-risk', progress: 60, narrative: 'Two schools are still waiting for their arches.' })
  await answer(sweeps.id, { status: 'complete', narrative: 'Sweeps of every park were finished in June.' })
  await answer(forums.id, { status: 'off-track', progress: 20, narrative: 'Forums paused: no venue since the library closed.' })
  await t.services.planReturns.submit(ret.id, { userId: ann.user.id }, systemActor)
  // Bob saves an answer but never submits it: it is not part of the report.
  await t.services.planReturns.answer(
    ret.id,
    { userId: bob.user.id },
    outreach.id,
    { status: 'off-track', progress: 5, narrative: 'Unsubmitted words', finished: 'no' },
    systemActor,
  )
  return { p, v1, ret, admin, ann, bob, arches, sweeps, outreach, forums, base: `/partnerships/${p.slug}/plan/returns/${ret.id}` }
}

test('an open return has no report yet: the page says it is available once closed (409), the service refuses', async () => {
  const s = await closedReturn()
  const res = await s.admin.get(`${s.base}/progress`)
  assert.equal(res.status, 409)
  assert.match(text(res.body), /progress report of the Q2 2020\/21 return is available once the return is closed/)
  assert.equal((await s.admin.get(`${s.base}/progress/print`)).status, 409)
  assert.equal((await s.admin.get(`${s.base}/progress?format=csv`)).status, 409)
  await assert.rejects(t.services.planProgress.progressReport(s.p.id, s.ret.id), ReturnStillOpenError)
  // Neither the returns list nor the status page links to a report yet.
  assert.doesNotMatch((await s.admin.get(s.base)).body, /\/progress"/)
  assert.match(text((await s.admin.get(`/partnerships/${s.p.slug}/plan/returns`)).body), /Once closed/)
})

test("a closed return's report: per priority, the actions with the leads' submitted narratives, the roll-ups, what is at risk", async () => {
  const s = await closedReturn()
  await t.services.planReturns.close(s.p.id, s.p.name, s.ret.id, systemActor)
  // A later update does not change the report: figures are as they stood at the close.
  await t.services.plans.addUpdate(s.p.id, s.arches.id, { status: 'complete', narrative: 'Later news' }, { role: 'editor' }, systemActor)

  const r = await t.services.planProgress.progressReport(s.p.id, s.ret.id)
  assert.equal(r.ret.quarter, 'Q2 2020/21')
  assert.deepEqual(r.leads, { asked: 2, submitted: 1 })
  assert.deepEqual(r.actions, { asked: 4, answered: 3 })
  const [p1, p2] = r.priorities
  // Priority 1: at risk 60, complete 100, on track 50 (Bob's unsubmitted answer not written): mean 70, worst at risk.
  assert.equal(p1.title, 'Serious violence')
  assert.equal(p1.status, 'at-risk')
  assert.equal(p1.progress, 70)
  const arches = p1.items.find((i) => i.id === s.arches.id)!
  assert.equal(arches.status, 'at-risk')
  assert.equal(arches.progress, 60)
  assert.equal(arches.narrative, 'Two schools are still waiting for their arches.')
  assert.equal(arches.objective, 'Reduce knife crime')
  const outreach = p1.items.find((i) => i.id === s.outreach.id)!
  assert.equal(outreach.status, 'on-track')
  assert.equal(outreach.submitted, false)
  assert.equal(outreach.narrative, null)
  assert.deepEqual(
    p1.atRisk.map((i) => i.title),
    ['Knife arches in schools'],
  )
  assert.deepEqual(p1.counts, { items: 4, actions: 3, answered: 2, atRisk: 1, offTrack: 0, complete: 1 })
  assert.equal(p2.status, 'off-track')
  assert.equal(p2.progress, 20)

  // The page: headings per priority, the narratives, what is at risk or off track, nothing unsubmitted.
  const res = await s.admin.get(`${s.base}/progress`)
  assert.equal(res.status, 200)
  const page = text(res.body)
  assert.match(page, /Progress against priorities: Q2 2020\/21/)
  assert.match(page, /1 of 2 leads submitted their answers, for 3 of the 4 actions asked about/)
  assert.match(page, /Priority 1 – Serious violence\s+At risk\s+70% complete, weighted across 4 items/)
  assert.match(
    page,
    /At risk or off track \(1\): Knife arches in schools\s*: at risk, 60%\. Two schools are still waiting for their arches\./,
  )
  assert.match(page, /Reduce knife crime\s+At risk 70%/)
  assert.match(page, /Weapons sweeps .*Complete\s+100%\s+Sweeps of every park were finished in June\./)
  assert.match(page, /Youth outreach .*On track\s+50%\s+No answer submitted in this return/)
  assert.match(page, /Priority 2 – Community cohesion\s+Off track\s+20% complete/)
  assert.match(page, /Forums paused: no venue since the library closed\./)
  assert.doesNotMatch(page, /Unsubmitted words|Later news/)
  // Linked from the return's status page and the returns list.
  assert.match((await s.admin.get(s.base)).body, new RegExp(`href="${s.base}/progress"`))
  assert.match((await s.admin.get(`/partnerships/${s.p.slug}/plan/returns`)).body, new RegExp(`href="${s.base}/progress"`))

  // The print view links to its PDF.
  const print = await s.admin.get(`${s.base}/progress/print`)
  assert.equal(print.status, 200)
  assert.match(print.body, /progress\/print\?format=pdf/)
  assert.match(text(print.body), /Priority 2 – Community cohesion/)

  // CSV and JSON of its tables.
  const csv = await s.admin.get(`${s.base}/progress?format=csv&table=items`)
  assert.equal(csv.status, 200)
  assert.match(String(csv.headers['content-type']), /text\/csv/)
  const lines = csv.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
  assert.equal(
    lines[0],
    'priority,objective,id,level,kind,title,owner,lead,status,progress,rolled_up_status,rolled_up_progress,asked,answer_submitted,narrative',
  )
  assert.equal(lines.length, 1 + 6)
  assert.ok(lines.some((l) => l.includes('Knife arches in schools') && l.includes('at-risk,60') && l.includes('Two schools')))
  const json = JSON.parse((await s.admin.get(`${s.base}/progress?format=json&table=priorities`)).body)
  assert.deepEqual(
    json.map((x: { number: number; status: string; progress: number; at_risk: number; off_track: number }) => [
      x.number,
      x.status,
      x.progress,
      x.at_risk,
      x.off_track,
    ]),
    [
      [1, 'at-risk', 70, 1, 0],
      [2, 'off-track', 20, 0, 1],
    ],
  )
})

test('the report is for members only: an outsider is refused, another partnership gets 404', async () => {
  const s = await closedReturn()
  await t.services.planReturns.close(s.p.id, s.p.name, s.ret.id, systemActor)
  const viewer = await clientAs(t, 'viewer', s.p.id)
  assert.equal((await viewer.get(`${s.base}/progress`)).status, 200)
  const outsider = await clientAs(t, 'outsider')
  for (const path of [`${s.base}/progress`, `${s.base}/progress/print`, `${s.base}/progress?format=csv`])
    assert.ok([403, 404].includes((await outsider.get(path)).status), path)
  const anonymous = await clientAs(t, 'anonymous')
  assert.notEqual((await anonymous.get(`${s.base}/progress`)).status, 200)
  const other = await makePartnership(t.services)
  const otherViewer = await clientAs(t, 'viewer', other.id)
  assert.equal((await otherViewer.get(`/partnerships/${other.slug}/plan/returns/${s.ret.id}/progress`)).status, 404)
})

test('the returns API: a member lists the returns and reads one, with answers once submitted; an outsider gets 403', async () => {
  // Published, so the partnership's public pages are seen by anyone: the returns are still for members only.
  const s = await closedReturn({ published: true })
  const viewer = await clientAs(t, 'viewer', s.p.id)
  const token = await t.services.auth.createApiToken(viewer.user.id, 'Returns script', systemActor)
  const api = (url: string, bearer = token) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } })
  const list = await api(`/api/v1/partnerships/${s.p.slug}/returns`)
  assert.equal(list.statusCode, 200)
  assert.deepEqual(
    list.json().map((r: Record<string, unknown>) => [r.id, r.quarter, r.status, r.leads, r.submitted]),
    [[s.ret.id, 'Q2 2020/21', 'open', 2, 1]],
  )
  const one = (await api(`/api/v1/partnerships/${s.p.slug}/returns/${s.ret.id}`)).json()
  assert.equal(one.quarter, 'Q2 2020/21')
  assert.deepEqual(
    one.leadsAsked.map((l: { email: string; answers: string; actions: number; completed: number; submittedAt: string | null }) => [
      l.email,
      l.answers,
      l.actions,
      l.completed,
      l.submittedAt !== null,
    ]),
    [
      [s.ann.user.email, 'account', 3, 3, true],
      [s.bob.user.email, 'account', 1, 0, false],
    ].sort((a, b) => Number(a[4]) - Number(b[4])),
  )
  const byTitle = Object.fromEntries(one.actions.map((a: { title: string; answer: unknown }) => [a.title, a.answer]))
  assert.deepEqual(byTitle['Knife arches in schools'], {
    status: 'at-risk',
    progress: 60,
    narrative: 'Two schools are still waiting for their arches.',
  })
  // Bob saved but did not submit: his answer is not shown.
  assert.equal(byTitle['Youth outreach'], null)
  // In the OpenAPI document.
  const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
  assert.ok(doc.paths['/api/v1/partnerships/{partnership}/returns'])
  assert.ok(doc.paths['/api/v1/partnerships/{partnership}/returns/{return}'])
  // Outsiders: a token of someone who is not a member is refused; another partnership's return is 404.
  const outsider = await clientAs(t, 'outsider')
  const outsiderToken = await t.services.auth.createApiToken(outsider.user.id, 'Not a member', systemActor)
  assert.equal((await api(`/api/v1/partnerships/${s.p.slug}/returns`, outsiderToken)).statusCode, 403)
  assert.equal((await api(`/api/v1/partnerships/${s.p.slug}/returns/${s.ret.id}`, outsiderToken)).statusCode, 403)
  const other = await makePartnership(t.services)
  const otherViewer = await clientAs(t, 'viewer', other.id)
  const otherToken = await t.services.auth.createApiToken(otherViewer.user.id, 'Other', systemActor)
  assert.equal((await api(`/api/v1/partnerships/${other.slug}/returns/${s.ret.id}`, otherToken)).statusCode, 404)
})
