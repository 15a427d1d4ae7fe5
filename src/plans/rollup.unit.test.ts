/**
 * The plan's roll-up against figures worked out by hand (not by the code under test):
 *
 *   Priority
 *   ├─ O1 objective, weight 2, own figures ignored (it has children)
 *   │   ├─ A1 on track, 40 %, weight 1
 *   │   ├─ A2 at risk, 10 %, weight 3
 *   │   └─ A3 closed, 0 %, weight 5      (left out: closed)
 *   └─ O2 objective, weight 1
 *       └─ A4 complete, 100 %, weight 1
 *           └─ S1 off track, 20 %, weight 1 (a sub-action beneath a "complete" action still counts)
 *
 *   O1 = (1 × 40 + 3 × 10) / (1 + 3) = 70 / 4 = 17.5 %, worst of on track / at risk = at risk
 *   A4 = S1 = 20 %, off track
 *   O2 = A4 = 20 %, off track
 *   Priority = (2 × 17.5 + 1 × 20) / 3 = 55 / 3 = 18.333... %, worst of at risk / off track = off track
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rollUp, rollUpTops, worstStatus, type RollupNode } from './rollup.ts'

const node = (id: number, parentId: number | null, status: RollupNode['status'], progress: number, weight: number): RollupNode => ({
  id,
  parentId,
  status,
  progress,
  weight,
})

test('weighted progress and worst status roll up through four levels, leaving closed items out', () => {
  const nodes = [
    node(1, null, 'on-track', 90, 2), // O1
    node(11, 1, 'on-track', 40, 1),
    node(12, 1, 'at-risk', 10, 3),
    node(13, 1, 'closed', 0, 5),
    node(2, null, 'not-started', 0, 1), // O2
    node(21, 2, 'complete', 100, 1), // A4
    node(211, 21, 'off-track', 20, 1), // S1
  ]
  const r = rollUp(nodes)
  assert.equal(r.get(1)!.progress, 17.5)
  assert.equal(r.get(1)!.status, 'at-risk')
  assert.equal(r.get(1)!.descendants, 3)
  assert.equal(r.get(21)!.progress, 20)
  assert.equal(r.get(21)!.status, 'off-track')
  assert.equal(r.get(2)!.progress, 20)
  assert.equal(r.get(2)!.status, 'off-track')
  assert.equal(r.get(2)!.descendants, 2)
  assert.equal(r.get(13)!.status, 'closed')
  const top = rollUpTops([nodes[0], nodes[4]], r)!
  assert.ok(Math.abs(top.progress - 55 / 3) < 1e-9)
  assert.equal(top.status, 'off-track')
})

test('a leaf keeps its own figures; a parent whose children are all closed keeps its own', () => {
  const r = rollUp([node(1, null, 'on-track', 60, 1), node(2, 1, 'closed', 10, 1), node(3, 1, 'closed', 0, 4)])
  assert.deepEqual(r.get(1), { progress: 60, status: 'on-track', descendants: 2 })
  assert.deepEqual(r.get(2), { progress: 10, status: 'closed', descendants: 0 })
})

test('worst status: not started beside on track is on track; complete only when everything open is complete', () => {
  assert.equal(worstStatus(['not-started', 'on-track']), 'on-track')
  assert.equal(worstStatus(['complete', 'not-started']), 'not-started')
  assert.equal(worstStatus(['complete', 'complete']), 'complete')
  assert.equal(worstStatus(['at-risk', 'off-track', 'on-track']), 'off-track')
  assert.equal(worstStatus([]), undefined)
  assert.equal(rollUpTops([node(1, null, 'closed', 0, 1)], rollUp([node(1, null, 'closed', 0, 1)])), undefined)
})

test('a cycle is reported, not looped over', () => {
  assert.throws(() => rollUp([node(1, 2, 'on-track', 0, 1), node(2, 1, 'on-track', 0, 1)]), /cycle/)
})
