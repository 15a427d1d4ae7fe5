/**
 * The assurance matrix (a round's page) and a cell's page show members each development area's action in the action
 * plan and how it is going, or "No action yet" with "Make an action" for editors (plans' hook registered in
 * src/services.ts: assurance does not depend on plans). The public sees no actions.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { clientAs, text, makePartnership, type TestApp, testApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

test('the matrix page shows each development area with its action and how it is going, or "No action yet" and a button for editors', async () => {
  const p = await makePartnership(t.services, { published: true })
  const v = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2020-23', published: true }, systemActor)
  const pr = await t.services.agreement.addPriority(v.id, { number: 1, title: 'Serious violence' }, systemActor)
  const [dim] = await t.services.assurance.dimensions(p.id)
  const round = await t.services.assurance.createRound(
    p.id,
    { title: 'Autumn 2020 assessment', assessedOn: '2020-10-15', agreementVersionId: v.id },
    systemActor,
  )
  await t.services.assurance.recordCell(
    round.id,
    pr.id,
    dim.id,
    { rating: 2, findings: ['Partners meet monthly.'], developmentAreas: ['The Partnership will map knife crime hotspots'] },
    systemActor,
  )
  const roundUrl = `/partnerships/${p.slug}/assurance/rounds/${round.id}`
  const cellUrl = `${roundUrl}/cells/${pr.id}/${dim.id}`
  const editor = await clientAs(t, 'editor', p.id)
  const viewer = await clientAs(t, 'viewer', p.id)

  let page = await editor.get(roundUrl)
  assert.equal(page.status, 200)
  assert.match(
    text(page.body),
    /Development areas and their actions .*The Partnership will map knife crime hotspots\s+Priority 1, .*No action yet\s+Make an action/,
  )
  const form = /<form method="post" action="([^"]+\/plan\/development-areas\/(\d+)\/action)"/.exec(page.body)
  assert.ok(form, 'the editor has a Make an action button')
  // A viewer sees the area without an action, but no button.
  page = await viewer.get(roundUrl)
  assert.match(text(page.body), /map knife crime hotspots.*No action yet/)
  assert.doesNotMatch(page.body, /development-areas\/\d+\/action/)

  // The editor makes the action from the matrix page; the page then links to it with its status and progress.
  const res = await editor.post(form[1], { agreementVersion: 1 })
  assert.equal(res.status, 303)
  const itemId = Number(String(res.headers.location).split('/').pop())
  await t.services.plans.addUpdate(p.id, itemId, { status: 'on-track', progress: 35 }, { role: 'editor' }, systemActor)
  page = await viewer.get(roundUrl)
  assert.match(
    text(page.body),
    /map knife crime hotspots\s+Priority 1, .*Action: The Partnership will map knife crime hotspots — On track, 35%/,
  )
  assert.match(page.body, new RegExp(`href="/partnerships/${p.slug}/plan/items/${itemId}"`))
  assert.doesNotMatch(text(page.body), /No action yet/)
  // The cell's page says the same.
  assert.match(text((await viewer.get(cellUrl)).body), /Action: The Partnership will map knife crime hotspots — On track, 35%/)

  // The public sees the published round without the plan's actions (plans are for members).
  await t.services.assurance.publishRound(p.id, round.id, systemActor)
  const anonymous = await clientAs(t, 'anonymous')
  for (const url of [roundUrl, cellUrl]) {
    const r = await anonymous.get(url)
    assert.equal(r.status, 200, url)
    assert.doesNotMatch(r.body, /Development areas and their actions|No action yet|Action: /, url)
  }
  assert.match(text((await anonymous.get(cellUrl)).body), /map knife crime hotspots/)
})
