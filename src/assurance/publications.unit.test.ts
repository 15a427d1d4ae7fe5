import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildSnapshot, canonical, sameSnapshot, snapshotDifferences, type Snapshot, type WorkingCell } from './publications.ts'

const scale = [
  { value: 1, label: 'Not yet in place', colour: '#eff3ff', description: null },
  { value: 2, label: 'Developing', colour: '#bdd7e7', description: null },
  { value: 3, label: 'Established', colour: '#6baed6', description: null },
]
const columns = [
  { id: 10, name: 'County co-ordination', description: null, position: 1, active: true },
  { id: 11, name: 'Local links', description: null, position: 2, active: true },
]
const priorities = [{ id: 1, lineage_id: 7, number: 1, title: 'County lines', description: null, leads: [] }]

function working(cells: Record<string, Partial<WorkingCell>>) {
  return {
    scale,
    columns,
    priorities,
    cells: new Map(
      Object.entries(cells).map(([k, c]) => [
        k,
        {
          dimensionId: Number(k.split(':')[1]),
          id: 1,
          rating: null,
          findings: [],
          developmentAreas: [],
          carriedForward: false,
          status: 'approved' as const,
          ...c,
        },
      ]),
    ),
  }
}

test('a publication takes approved cells as they stand and the others as last published, or leaves them out', () => {
  const first = buildSnapshot(
    working({ '1:10': { rating: 2, findings: ['Meetings held.'] }, '1:11': { rating: 1, status: 'submitted' } }),
    undefined,
  )
  assert.deepEqual(
    first.rows[0].cells.map((c) => [c.dimensionId, c.rating]),
    [[10, 2]],
    'a submitted cell never published is left out',
  )
  const second = buildSnapshot(
    working({ '1:10': { rating: 3, findings: ['Changed, not approved.'], status: 'returned' }, '1:11': { rating: 1 } }),
    first,
  )
  assert.deepEqual(
    second.rows[0].cells.map((c) => [c.dimensionId, c.rating, c.findings]),
    [
      [10, 2, ['Meetings held.']],
      [11, 1, []],
    ],
  )
})

test('the differences between two publications, cell by cell: rating before and after, points added and taken out', () => {
  const a: Snapshot = buildSnapshot(
    working({
      '1:10': { rating: 2, findings: ['Meetings held.', 'Old point.'], developmentAreas: [{ id: 1, position: 1, text: 'Map networks.' }] },
    }),
    undefined,
  )
  const b: Snapshot = buildSnapshot(
    working({
      '1:10': { rating: 3, findings: ['Meetings held.', 'New point.'], developmentAreas: [{ id: 1, position: 1, text: 'Map networks.' }] },
      '1:11': { rating: 1 },
    }),
    undefined,
  )
  const d = snapshotDifferences(a, b)
  assert.equal(d.length, 2)
  assert.deepEqual(
    { ...d[0] },
    {
      priorityId: 1,
      priorityNumber: 1,
      priorityTitle: 'County lines',
      dimensionId: 10,
      dimension: 'County co-ordination',
      ratingBefore: 2,
      ratingAfter: 3,
      labelBefore: 'Developing',
      labelAfter: 'Established',
      ratingChanged: true,
      findingsAdded: ['New point.'],
      findingsRemoved: ['Old point.'],
      developmentAreasAdded: [],
      developmentAreasRemoved: [],
      carriedForwardBefore: false,
      carriedForwardAfter: false,
    },
  )
  assert.equal(d[1].dimension, 'Local links')
  assert.equal(d[1].labelBefore, null)
  assert.equal(d[1].labelAfter, 'Not yet in place')
  assert.deepEqual(snapshotDifferences(b, b), [])
})

test('a snapshot read back with its keys in another order is the same snapshot', () => {
  const s = buildSnapshot(working({ '1:10': { rating: 2 } }), undefined)
  const reordered = JSON.parse(JSON.stringify(s), (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
  )
  assert.notEqual(JSON.stringify(reordered), JSON.stringify(s))
  assert.equal(canonical(reordered), canonical(s))
  assert.ok(sameSnapshot(reordered, s))
  assert.ok(!sameSnapshot(s, buildSnapshot(working({ '1:10': { rating: 3 } }), undefined)))
})
