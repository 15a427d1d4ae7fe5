/**
 * Action plans through the pages and the API: the tree and its limits, roll-ups shown on the page, the timeline,
 * development areas made into actions, the CSV import (every problem with its line, nothing saved in part; a
 * re-import updates) and the carry-over to a new agreement version. Expected figures are worked out here by hand.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { clientAs, errorSummary, text, unique, makePartnership, type TestApp, testApp } from '../../test/helpers.ts'
import { postFiles } from '../../test/upload-helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

/** A partnership with an agreement version of two priorities, two organisations and an editor. */
async function setUp() {
  const p = await makePartnership(t.services)
  const police = await t.services.organisations.create({ name: unique('Constabulary'), type: 'police force' }, systemActor)
  const council = await t.services.organisations.create({ name: unique('County Council'), type: 'county council' }, systemActor)
  const v1 = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2020-23' }, systemActor)
  const knife = await t.services.agreement.addPriority(v1.id, { number: 1, title: 'Serious violence', leadIds: [police.id] }, systemActor)
  const cohesion = await t.services.agreement.addPriority(
    v1.id,
    { number: 2, title: 'Community cohesion', leadIds: [council.id] },
    systemActor,
  )
  const editor = await clientAs(t, 'editor', p.id)
  return { p, police, council, v1, knife, cohesion, editor, base: `/partnerships/${p.slug}` }
}

async function items(partnershipId: number) {
  return t.db.query<{ id: number; title: string; status: string; progress: number; external_id: string; parent_id: number | null }>(
    'SELECT * FROM plan_items WHERE partnership_id = $1 ORDER BY id',
    [partnershipId],
  )
}

test('items make a tree of at most four levels; parents show weighted progress and the worst status beneath them', async () => {
  const { p, police, knife, editor, base } = await setUp()
  const add = (form: Record<string, unknown>) => editor.post(`${base}/plan/items/new`, { agreementVersion: 1, ...form })
  let res = await add({
    title: 'Reduce knife crime',
    priorityId: knife.id,
    organisationId: police.id,
    status: 'on-track',
    progress: 90,
    weight: 1,
  })
  assert.equal(res.status, 303)
  const objective = (await items(p.id))[0]
  res = await add({ title: 'Knife arches in schools', parentId: objective.id, status: 'on-track', progress: 40, weight: 1 })
  assert.equal(res.status, 303)
  res = await add({ title: 'Weapons sweeps', parentId: objective.id, status: 'at-risk', progress: 10, weight: 3 })
  assert.equal(res.status, 303)
  const sweeps = (await items(p.id))[2]
  res = await add({ title: 'Sweep of parks', parentId: sweeps.id, status: 'at-risk', progress: 10 })
  assert.equal(res.status, 303)
  const parks = (await items(p.id))[3]
  // A fifth level is refused, and nothing is saved.
  res = await add({ title: 'Too deep', parentId: parks.id })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /at most 4 levels/)
  // Due before start, progress outside 0-100: refused with the GOV.UK messages.
  res = await add({
    title: 'Dates the wrong way round',
    priorityId: knife.id,
    'startDate-day': '1',
    'startDate-month': '6',
    'startDate-year': '2021',
    'dueDate-day': '1',
    'dueDate-month': '5',
    'dueDate-year': '2021',
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /due date must be the same as or after the start date/)
  res = await add({ title: 'Too far', priorityId: knife.id, progress: 101 })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Progress must be a whole number from 0 to 100/)
  assert.equal((await items(p.id)).length, 4)

  // Objective: (1 × 40 + 3 × 10) / 4 = 17.5, shown as 18%; worst of on track and at risk: at risk.
  type ApiItem = { title: string; level: number; rolledUp: unknown }
  const api = (await editor.get(`/api/v1/partnerships/${p.slug}/plan`)).json<{ priorities: { items: ApiItem[]; rolledUp: unknown }[] }>()
  const [first] = api.priorities
  const obj = first.items.find((i) => i.title === 'Reduce knife crime')!
  assert.deepEqual(obj.rolledUp, { progress: 17.5, status: 'at-risk' })
  assert.equal(first.items.find((i) => i.title === 'Sweep of parks')!.level, 4)
  assert.deepEqual(first.rolledUp, { progress: 17.5, status: 'at-risk' })
  const page = text((await editor.get(`${base}/plan`)).body)
  assert.match(page, /Priority 1: Serious violence At risk 18% complete/)
  assert.match(page, /Reduce knife crime Objective, level 2 .* At risk Worst beneath; its own: On track 18%/)
  const objectivePage = text((await editor.get(`${base}/plan/items/${objective.id}`)).body)
  assert.match(objectivePage, /Status On track Progress 90% Beneath it At risk 18%, weighted across 3 items Kind Objective, level 2 of 4/)
})

test("a progress update goes on the item's timeline; a contributor may update only their own organisation's items", async () => {
  const { p, police, council, v1, knife, editor, base } = await setUp()
  const item = await t.services.plans.createItem(
    p.id,
    v1.id,
    { title: 'Knife amnesty', priorityId: knife.id, organisationId: police.id },
    systemActor,
  )
  let res = await editor.post(`${base}/plan/items/${item.id}/updates`, { status: 'on-track', narrative: '120 knives handed in' })
  assert.equal(res.status, 303)
  res = await editor.post(`${base}/plan/items/${item.id}/updates`, { status: 'on-track', progress: 101 })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Progress must be a whole number from 0 to 100/)
  const page = text((await editor.get(`${base}/plan/items/${item.id}`)).body)
  // On track with no figure given: its default, 50%.
  assert.match(page, /Test editor Update On track 50% 120 knives handed in/)
  assert.match(page, /Safer Added Not started 0%/)
  const other = await clientAs(t, 'contributor', p.id, { organisationId: council.id })
  assert.equal((await other.post(`${base}/plan/items/${item.id}/updates`, { status: 'complete' })).status, 403)
  const own = await clientAs(t, 'contributor', p.id, { organisationId: police.id })
  assert.equal((await own.post(`${base}/plan/items/${item.id}/updates`, { status: 'complete' })).status, 303)
  const [row] = await items(p.id)
  assert.equal(row.status, 'complete')
  assert.equal(row.progress, 100)
  const audit = await t.db.query(`SELECT * FROM audit_log WHERE entity = 'plan_item_update' AND partnership_id = $1`, [p.id])
  assert.equal(audit.length, 3)
})

test('a development area becomes an action in one step, and the plan shows which areas have actions and how they are going', async () => {
  const { p, v1, knife, editor, base } = await setUp()
  const round = await t.services.assurance.createRound(
    p.id,
    { title: 'Spring 2021 review', assessedOn: '2021-04-01', agreementVersionId: v1.id },
    systemActor,
  )
  const [dimension] = await t.services.assurance.dimensions(p.id)
  const { developmentAreas } = await t.services.assurance.recordCell(
    round.id,
    knife.id,
    dimension.id,
    {
      rating: 2,
      findings: [],
      developmentAreas: ['The Partnership will map knife crime hot spots', 'The Partnership will train school staff'],
    },
    systemActor,
  )
  let page = text((await editor.get(`${base}/plan`)).body)
  assert.match(page, /Without an action \(2\)/)
  const res = await editor.post(`${base}/plan/development-areas/${developmentAreas[0].id}/action`, { agreementVersion: 1 })
  assert.equal(res.status, 303)
  const again = await editor.post(`${base}/plan/development-areas/${developmentAreas[0].id}/action`, { agreementVersion: 1 })
  assert.equal(again.status, 400)
  const [action] = await items(p.id)
  assert.equal(action.title, 'The Partnership will map knife crime hot spots')
  await t.services.plans.addUpdate(p.id, action.id, { status: 'at-risk', progress: 30 }, { role: 'editor' }, systemActor)
  page = text((await editor.get(`${base}/plan`)).body)
  assert.match(page, /Without an action \(1\) The Partnership will train school staff/)
  assert.match(
    page,
    /With an action \(1\) The Partnership will map knife crime hot spots Spring 2021 review, priority 1, .* At risk The Partnership will map knife crime hot spots 30%/,
  )
})

const HEADER = 'external_id,parent_external_id,priority,kind,title,owner,lead_name,lead_email,start_date,due_date,status,progress,weight'

test('a plan CSV with problems lists each with its line and saves nothing; a clean one lands whole, and a re-import updates it', async () => {
  const { p, police, editor, base } = await setUp()
  const bad = [
    HEADER,
    `O1,,1,objective,Reduce knife crime,${police.name},,,2021-04-01,2022-03-31,on track,50,1`,
    `A1,O1,,action,Knife arches,Unknown Agency,,,2021-04-01,2022-03-31,,,`,
    `A2,O1,,action,Bad dates,,,,2021-13-01,31/03/2021,,,`,
    `A3,O1,,action,Due first,,,,2021-06-01,2021-05-01,,,`,
    `A1,O1,,action,Repeated id,,,,,,,,`,
    `A4,O1,,action,Too much,,,,,,on track,150,`,
    `C1,C2,,action,Cycle one,,,,,,,,`,
    `C2,C1,,action,Cycle two,,,,,,,,`,
    `L3,A5,,action,Level 4,,,,,,,,`,
    `A5,O1,,action,Level 3,,,,,,,,`,
    `L4,L3,,action,Level 5,,,,,,,,`,
  ].join('\n')
  let res = await postFiles(t, editor, `${base}/plan/import?version=1`, 'file', [{ filename: 'plan.csv', data: Buffer.from(bad) }])
  assert.equal(res.status, 400)
  const problems = [...res.body.matchAll(/<li>(plan\.csv:[^<]*)<\/li>/g)].map((m) => m[1].replace(/&quot;/g, '"').replace(/&#39;/g, "'"))
  const lines = problems.map((x) => Number(/:(\d+):/.exec(x)![1]))
  assert.deepEqual(lines, [3, 4, 5, 6, 7, 8, 9, 12])
  assert.match(problems[0], /plan\.csv:3: owner: .*"Unknown Agency", which is not one/)
  assert.match(problems[1], /plan\.csv:4: start_date: expected a date/)
  assert.match(problems[2], /plan\.csv:5: due_date: the due date 2021-05-01 is before the start date 2021-06-01/)
  assert.match(problems[3], /plan\.csv:6: external_id: "A1" is also the id of line 3/)
  assert.match(problems[4], /plan\.csv:7: progress: expected a whole number from 0 to 100, found "150"/)
  assert.match(problems[5], /plan\.csv:8: parent_external_id: the items form a cycle/)
  assert.match(problems[7], /plan\.csv:12: parent_external_id: the item would be at level 5/)
  assert.equal((await items(p.id)).length, 0)

  const good = [
    HEADER,
    `O1,,1,objective,Reduce knife crime,${police.name},Pat Lead,pat@example.org,2021-04-01,2022-03-31,on track,50,2`,
    `A1,O1,,action,Knife arches,${police.name},,,01/04/2021,31/03/2022,at risk,,1`,
    `O2,,2,objective,Cohesion events,,,,,,not started,,1`,
  ].join('\n')
  res = await postFiles(t, editor, `${base}/plan/import?version=1`, 'file', [{ filename: 'plan.csv', data: Buffer.from(good) }])
  assert.equal(res.status, 303)
  let rows = await items(p.id)
  assert.deepEqual(
    rows.map((r) => [r.external_id, r.title, r.status, r.progress]),
    [
      ['O1', 'Reduce knife crime', 'on-track', 50],
      ['A1', 'Knife arches', 'at-risk', 50],
      ['O2', 'Cohesion events', 'not-started', 0],
    ],
  )
  assert.equal(rows[1].parent_id, rows[0].id)

  // The download is the import's format: re-imported after a change, it updates and adds nothing twice.
  const csv = (await editor.get(`${base}/plan?version=1&format=csv`)).body
  assert.match(
    csv.split('\n')[0],
    /^\uFEFF?external_id,parent_external_id,priority,kind,title,description,owner,lead_name,lead_email,start_date,due_date,status,progress/,
  )
  const changed = csv.replace('Knife arches', 'Knife arches at stations').replace(/at-risk,50/, 'complete,100')
  res = await postFiles(t, editor, `${base}/plan/import?version=1`, 'file', [{ filename: 'again.csv', data: Buffer.from(changed) }])
  assert.equal(res.status, 303)
  rows = await items(p.id)
  assert.equal(rows.length, 3)
  assert.equal(rows[1].title, 'Knife arches at stations')
  assert.equal(rows[1].status, 'complete')
  const timeline = text((await editor.get(`${base}/plan/items/${rows[1].id}`)).body)
  assert.match(timeline, /Test editor Imported Complete 100% Imported from again\.csv/)
})

test('a new agreement version copied from the last starts with its open items under the continuing priorities, and says so', async () => {
  const { p, v1, knife, cohesion, editor, base } = await setUp()
  const s = t.services.plans
  const objective = await s.createItem(p.id, v1.id, { title: 'Reduce knife crime', priorityId: knife.id }, systemActor)
  await s.createItem(p.id, v1.id, { title: 'Knife arches', parentId: objective.id, status: 'complete' }, systemActor)
  await s.createItem(p.id, v1.id, { title: 'Weapons sweeps', parentId: objective.id, status: 'at-risk', progress: 20 }, systemActor)
  await s.createItem(p.id, v1.id, { title: 'Cohesion events', priorityId: cohesion.id, status: 'closed' }, systemActor)
  const v2 = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2023-26', copyFrom: 1 }, systemActor)
  const carried = await t.db.query<{ title: string; status: string; progress: number; priority_id: number; carried_from_id: number }>(
    'SELECT * FROM plan_items WHERE agreement_version_id = $1 ORDER BY id',
    [v2.id],
  )
  // The open sweep comes with the objective above it; the complete and closed items stay behind.
  assert.deepEqual(
    carried.map((c) => [c.title, c.status, c.progress]),
    [
      ['Reduce knife crime', 'not-started', 0],
      ['Weapons sweeps', 'at-risk', 20],
    ],
  )
  const v2Knife = (await t.services.agreement.priorities(v2.id)).find((x) => x.number === 1)!
  assert.ok(carried.every((c) => c.priority_id === v2Knife.id && c.carried_from_id))
  const page = text((await editor.get(`${base}/plan?version=2`)).body)
  assert.match(
    page,
    /Carried over 2 items came from the plan of an earlier version because they were still open: Reduce knife crime \(from version 1\) Weapons sweeps \(from version 1\)/,
  )
  // Carrying over again copies nothing twice.
  const res = await editor.post(`${base}/plan/carry-over`, { agreementVersion: 2 })
  assert.equal(res.status, 303)
  assert.equal((await t.db.query('SELECT 1 FROM plan_items WHERE agreement_version_id = $1', [v2.id])).length, 2)
  assert.equal((await s.actionsFor(p.id)).filter((a) => a.title === 'Weapons sweeps').length, 2)
})
