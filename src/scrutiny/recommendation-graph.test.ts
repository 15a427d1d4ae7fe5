/**
 * A council's own recommendation graph (issue 10: "a state from a configurable graph"): the moves it allows, used by
 * every move, the partnership's answer and the move form; refused whole when it breaks a rule; only its admins save it.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { DEFAULT_GRAPH, describeGraph, RECOMMENDATION_EDGES } from './recommendations.ts'

let t: TestApp
let csp: Partnership
const r = () => t.services.recommendations

interface Council {
  p: Partnership
  slug: string
  committee: string
  meetingId: number
}

async function makeCouncil(name: string): Promise<Council> {
  const p = await t.services.partnerships.create({ slug: unique('c'), name, kind: 'council', published: true }, systemActor)
  const body = await t.services.scrutiny.createCommittee(
    p.id,
    { name: 'Overview and scrutiny committee', type: 'overview and scrutiny committee', crimeAndDisorder: true, scrutinises: [csp.id] },
    systemActor,
  )
  const m = await t.services.scrutiny.createMeeting(
    p.id,
    { bodyId: body.id, date: '2017-01-17', startTime: '10:00', place: 'Council Chamber', status: 'held', agendaPublished: true },
    systemActor,
  )
  return { p, slug: p.slug, committee: body.slug, meetingId: m.id }
}

const make = (c: Council) =>
  r().create(
    c.p.id,
    {
      meetingId: c.meetingId,
      text: 'That the partnership reports twice a year.',
      addresseeKind: 'partnership',
      addresseePartnershipId: csp.id,
    },
    systemActor,
  )

/** A council's graph: made may go straight to closed, rejected may be taken up after all, no "partly accepted", no pausing. */
const CUSTOM = {
  made: ['accepted', 'rejected', 'closed'],
  accepted: ['in progress'],
  partlyAccepted: ['in progress'],
  rejected: ['in progress', 'closed'],
  inProgress: ['implemented'],
  implemented: ['closed'],
}

const graphRows = (councilId: number) =>
  t.db.query<{ action: string; summary: string; user_name: string | null }>(
    `SELECT action, summary, user_name FROM audit_log WHERE entity = 'recommendation_graph' AND partnership_id = $1 ORDER BY id`,
    [councilId],
  )

let custom: Council
let standard: Council

before(async () => {
  t = await testApp()
  csp = await t.services.partnerships.create({ slug: unique('csp'), name: 'Safer Herefordshire', published: true }, systemActor)
  custom = await makeCouncil('Custom Council')
  standard = await makeCouncil('Standard Council')
})

after(async () => {
  await t.close()
})

test('a council’s own graph allows a move the default refuses and refuses one it allows, naming its own ways on; another council keeps the default', async () => {
  const admin = await clientAs(t, 'admin', custom.p.id)
  const saved = await admin.post(`/partnerships/${custom.slug}/recommendations/graph`, CUSTOM)
  assert.equal(saved.status, 303)
  const g = await r().graph(custom.p.id)
  assert.equal(g.custom, true)
  assert.equal(g.allowPausing, false)
  assert.deepEqual(g.edges.made, ['accepted', 'rejected', 'closed'])
  assert.deepEqual(await r().graph(standard.p.id), DEFAULT_GRAPH)

  // Made straight to closed: this council allows it, the default does not.
  const a = await make(custom)
  const closed = await r().move(custom.p.id, a.id, { to: 'closed', note: 'Superseded' }, systemActor)
  assert.equal(closed.state, 'closed')
  const b = await make(standard)
  await assert.rejects(
    () => r().move(standard.p.id, b.id, { to: 'closed' }, systemActor),
    (err: { fields?: Record<string, string> }) => {
      assert.equal(
        err.fields!.to,
        `${b.reference} is made, so it cannot be moved to closed. It can be moved to: accepted, partly accepted, rejected, paused.`,
      )
      return true
    },
  )
  // Partly accepted and paused: the default allows them, this council does not; the message lists its own ways on.
  const c = await make(custom)
  for (const to of ['partly accepted', 'paused'])
    await assert.rejects(
      () => r().move(custom.p.id, c.id, { to }, systemActor),
      (err: { fields?: Record<string, string> }) => {
        assert.equal(
          err.fields!.to,
          `${c.reference} is made, so it cannot be moved to ${to}. It can be moved to: accepted, rejected, closed.`,
        )
        return true
      },
    )
  assert.equal((await r().get(custom.p.id, c.id)).moves.length, 1)
  assert.equal((await r().move(standard.p.id, b.id, { to: 'partly accepted' }, systemActor)).state, 'partly accepted')
  // Rejected, then taken up after all: this council's edge.
  await r().move(custom.p.id, c.id, { to: 'rejected' }, systemActor)
  assert.equal((await r().move(custom.p.id, c.id, { to: 'in progress' }, systemActor)).state, 'in progress')
  const d = await make(standard)
  await r().move(standard.p.id, d.id, { to: 'rejected' }, systemActor)
  await assert.rejects(() => r().move(standard.p.id, d.id, { to: 'in progress' }, systemActor), /Validation|cannot be moved/)

  // The move form offers only the council's edges.
  const editor = await clientAs(t, 'editor', custom.p.id)
  const e = await make(custom)
  const page = (await editor.get(`/partnerships/${custom.slug}/recommendations/${e.id}`)).body
  const options = [...page.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1])
  assert.deepEqual(options, ['accepted', 'rejected', 'closed'])
  assert.ok(page.includes(`href="/partnerships/${custom.slug}/recommendations/graph"`))
  const standardEditor = await clientAs(t, 'editor', standard.p.id)
  const f = await make(standard)
  const standardPage = (await standardEditor.get(`/partnerships/${standard.slug}/recommendations/${f.id}`)).body
  assert.deepEqual(
    [...standardPage.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]),
    ['accepted', 'partly accepted', 'rejected', 'paused'],
  )
  // Through the form: refused with the council's ways on, nothing saved.
  const refused = await editor.post(`/partnerships/${custom.slug}/recommendations/${e.id}/move`, { to: 'partly accepted' })
  assert.equal(refused.status, 400)
  assert.match(errorSummary(refused.body), /It can be moved to: accepted, rejected, closed\./)
  assert.equal((await r().get(custom.p.id, e.id)).recommendation.state, 'made')

  // The partnership's answer: only the council's decisions are offered, and "partly accepted" is refused.
  const cspAdmin = await clientAs(t, 'admin', csp.id)
  const answerPage = (await cspAdmin.get(`/partnerships/${csp.slug}/scrutiny-recommendations/${e.id}`)).body
  const decisions = [...answerPage.matchAll(/name="decision" type="radio" value="([^"]*)"/g)].map((m) => m[1])
  assert.deepEqual(decisions, ['', 'accepted', 'rejected'])
  const partly = await cspAdmin.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${e.id}/response`, {
    response: 'We accept part of it.',
    decision: 'partly accepted',
  })
  assert.equal(partly.status, 400)
  assert.match(errorSummary(partly.body), /the council does not let it be partly accepted\. It can be accepted or rejected\./)
  const after = await r().get(custom.p.id, e.id)
  assert.equal(after.recommendation.response, null)
  assert.equal(after.recommendation.state, 'made')
  const answered = await cspAdmin.post(`/partnerships/${csp.slug}/scrutiny-recommendations/${e.id}/response`, {
    response: 'We accept it.',
    decision: 'accepted',
  })
  assert.equal(answered.status, 303)
  assert.equal((await r().get(custom.p.id, e.id)).recommendation.state, 'accepted')
})

test('the graph as text: on the graph page for the council’s people and on the public tracker; the link to change it for admins only', async () => {
  const lines = describeGraph(await r().graph(custom.p.id))
  assert.equal(lines[0], 'From made: accepted, rejected, closed')
  assert.equal(describeGraph(DEFAULT_GRAPH)[0], 'From made: accepted, partly accepted, rejected')
  const viewer = await clientAs(t, 'viewer', custom.p.id)
  const page = await viewer.get(`/partnerships/${custom.slug}/recommendations/graph`)
  assert.equal(page.status, 200)
  assert.ok(text(page.body).includes('From made: accepted, rejected, closed'))
  assert.ok(text(page.body).includes('Recommendations cannot be paused.'))
  assert.ok(!page.body.includes('Save the graph'))
  const anon = await clientAs(t, 'anonymous')
  const tracker = text((await anon.get(`/partnerships/${custom.slug}/committees/${custom.committee}/recommendations`)).body)
  assert.ok(tracker.includes('From rejected: in progress, closed'))
  assert.ok(!tracker.includes('Change how recommendations move'))
  const standardTracker = text((await anon.get(`/partnerships/${standard.slug}/committees/${standard.committee}/recommendations`)).body)
  assert.ok(standardTracker.includes('From made: accepted, partly accepted, rejected'))
  const admin = await clientAs(t, 'admin', custom.p.id)
  const adminTracker = (await admin.get(`/partnerships/${custom.slug}/committees/${custom.committee}/recommendations`)).body
  assert.ok(adminTracker.includes(`href="/partnerships/${custom.slug}/recommendations/graph"`))
  const form = (await admin.get(`/partnerships/${custom.slug}/recommendations/graph`)).body
  assert.ok(form.includes('Save the graph'))
  assert.ok(form.includes('Restore the default'))
  // The saved moves are ticked: made → closed is, made → partly accepted is not.
  assert.match(form, /name="made" type="checkbox" value="closed" checked/)
  assert.doesNotMatch(form, /name="made" type="checkbox" value="partly accepted" checked/)
})

test('each invalid graph is refused with its message and nothing is saved: the previous graph stays', async () => {
  const council = await makeCouncil('Strict Council')
  const admin = await clientAs(t, 'admin', council.p.id)
  const good = { ...CUSTOM, allowPausing: 'true' }
  assert.equal((await admin.post(`/partnerships/${council.slug}/recommendations/graph`, good)).status, 303)
  const before = await r().graph(council.p.id)
  const audited = (await graphRows(council.p.id)).length
  const bad: [Record<string, unknown>, string, RegExp][] = [
    [{ accepted: ['in progress'] }, 'made', /Choose at least one state a made recommendation can move to/],
    [{ ...CUSTOM, rejected: [] }, 'rejected', /From rejected there is no way to closed/],
    [{ ...CUSTOM, closed: ['made'] }, 'closed', /Closed is the end: a closed recommendation cannot move on/],
    [
      { ...CUSTOM, accepted: ['accepted', 'in progress'] },
      'accepted',
      /From accepted: a recommendation cannot move to the state it is already in/,
    ],
    [{ ...CUSTOM, made: ['approved'] }, 'made', /From made: “approved” is not a state\. The states are: made, accepted, partly accepted/],
    [{ ...CUSTOM, made: ['accepted', 'paused'] }, 'made', /pausing is not a move to tick here; use “Allow pausing”/],
    // A loop that never reaches closed.
    [
      { ...CUSTOM, made: ['accepted'], accepted: ['in progress'], inProgress: ['accepted'] },
      'inProgress',
      /From in progress there is no way to closed/,
    ],
  ]
  for (const [input, field, message] of bad) {
    await assert.rejects(
      () => r().saveGraph(council.p.id, input, systemActor),
      (err: { fields?: Record<string, string> }) => {
        assert.match(err.fields?.[field] ?? '', message, JSON.stringify(input))
        return true
      },
    )
    const res = await admin.post(`/partnerships/${council.slug}/recommendations/graph`, { ...input, version: before.version })
    assert.equal(res.status, 400, JSON.stringify(input))
    assert.match(errorSummary(res.body), message)
    assert.deepEqual(await r().graph(council.p.id), before)
  }
  assert.equal((await graphRows(council.p.id)).length, audited)
  // The form keeps what was ticked when it is refused.
  const refused = await admin.post(`/partnerships/${council.slug}/recommendations/graph`, {
    ...CUSTOM,
    rejected: [],
    implemented: ['closed', 'made'],
  })
  assert.match(refused.body, /name="implemented" type="checkbox" value="made" checked/)
})

test('a state recommendations are in may be left unreachable, but not without a way on (naming how many)', async () => {
  const council = await makeCouncil('Careful Council')
  const a = await make(council)
  const b = await make(council)
  await r().move(council.p.id, a.id, { to: 'partly accepted' }, systemActor)
  await r().move(council.p.id, b.id, { to: 'partly accepted' }, systemActor)
  await r().move(council.p.id, b.id, { to: 'paused' }, systemActor)
  const noPartly = {
    made: ['accepted', 'rejected'],
    accepted: ['in progress'],
    rejected: ['closed'],
    inProgress: ['implemented'],
    implemented: ['closed'],
  }
  await assert.rejects(
    () => r().saveGraph(council.p.id, noPartly, systemActor),
    (err: { fields?: Record<string, string> }) => {
      assert.equal(
        err.fields!.partlyAccepted,
        '2 recommendations are partly accepted (or paused there), and partly accepted would have no way on: choose where they can move to',
      )
      return true
    },
  )
  assert.equal((await r().graph(council.p.id)).custom, false)
  // Unreachable from made, but with a way on: saved; the two keep their state and can still move on.
  await r().saveGraph(council.p.id, { ...noPartly, partlyAccepted: ['in progress'], allowPausing: true }, systemActor)
  assert.deepEqual((await r().get(council.p.id, a.id)).next, ['in progress', 'paused'])
  assert.deepEqual((await r().get(council.p.id, b.id)).next, ['partly accepted'])
  assert.equal((await r().move(council.p.id, a.id, { to: 'in progress' }, systemActor)).state, 'in progress')
})

test('only the council’s admins save or restore it; saving and restoring are audited; restoring brings back the default', async () => {
  const council = await makeCouncil('Audited Council')
  const editor = await clientAs(t, 'editor', council.p.id)
  assert.equal((await editor.post(`/partnerships/${council.slug}/recommendations/graph`, CUSTOM)).status, 403)
  assert.equal((await editor.post(`/partnerships/${council.slug}/recommendations/graph/default`)).status, 403)
  assert.equal((await editor.get(`/partnerships/${council.slug}/recommendations/graph`)).status, 200)
  assert.equal((await r().graph(council.p.id)).custom, false)
  // Another council's admin cannot change it either.
  const otherAdmin = await clientAs(t, 'admin', standard.p.id)
  assert.equal((await otherAdmin.post(`/partnerships/${council.slug}/recommendations/graph`, CUSTOM)).status, 403)
  assert.deepEqual(await graphRows(council.p.id), [])

  const admin = await clientAs(t, 'admin', council.p.id)
  assert.equal((await admin.post(`/partnerships/${council.slug}/recommendations/graph`, CUSTOM)).status, 303)
  const v1 = await r().graph(council.p.id)
  assert.equal(
    (
      await admin.post(`/partnerships/${council.slug}/recommendations/graph`, {
        ...CUSTOM,
        made: ['accepted', 'rejected'],
        version: v1.version,
      })
    ).status,
    303,
  )
  assert.deepEqual((await r().graph(council.p.id)).edges.made, ['accepted', 'rejected'])
  // Saved from a page opened before someone else's save: refused, nothing saved.
  const stale = await admin.post(`/partnerships/${council.slug}/recommendations/graph`, { ...CUSTOM, version: v1.version })
  assert.equal(stale.status, 409)
  assert.deepEqual((await r().graph(council.p.id)).edges.made, ['accepted', 'rejected'])

  const rec = await make(council)
  await assert.rejects(() => r().move(council.p.id, rec.id, { to: 'partly accepted' }, systemActor), /Validation|cannot be moved/)
  const restored = await admin.post(`/partnerships/${council.slug}/recommendations/graph/default`)
  assert.equal(restored.status, 303)
  const g = await r().graph(council.p.id)
  assert.equal(g.custom, false)
  assert.deepEqual(g.edges, RECOMMENDATION_EDGES)
  assert.equal((await r().move(council.p.id, rec.id, { to: 'partly accepted' }, systemActor)).state, 'partly accepted')
  const page = (await admin.get(`/partnerships/${council.slug}/recommendations/graph`)).body
  assert.ok(text(page).includes('This council uses the default graph'))
  assert.ok(!page.includes('Restore the default'))

  const rows = await graphRows(council.p.id)
  assert.deepEqual(
    rows.map((x) => [x.action, x.summary]),
    [
      ['create', 'Recommendation graph'],
      ['update', 'Recommendation graph'],
      ['delete', 'Recommendation graph: back to the default'],
    ],
  )
  assert.ok(rows.every((x) => x.user_name === admin.user.name))
})
