import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

// The draft County Agreement of October 2019 (seed 000): six priorities.
const PRIORITIES_2019 = [
  "The threat of serious organised crime, especially related to the exploitation of children, including 'county lines' gangs",
  'The interconnectedness and impact of mental ill-health, substance misuse, domestic abuse and adverse childhood experiences',
  'The continuing threat of radical extremism',
  'The changing demographics of our communities and the importance of promoting inclusion and community cohesion',
  'The risks facing the capacity of voluntary support services for vulnerable people',
  'The importance of engaging all children in positive activities and building aspiration',
]
// Autumn 2020 (seed 003): seven priorities, serious violence added as priority 2.
const PRIORITIES_2020 = [
  "The threat of serious organised crime, especially related to the exploitation of children, including 'county lines' gangs",
  'The increase in serious violence including knife crime affecting young people',
  'The interconnected impacts of mental ill-health, substance misuse, domestic abuse and adverse childhood experiences',
  'The threat of radical extremism',
  'Ensuring inclusion and cohesion in a changing society',
  'The capacity challenges of voluntary support for vulnerable people',
  'Creating opportunities for all children to engage in positive activities and to build aspiration',
]

async function hampshire() {
  const p = await makePartnership(t.services, { published: true })
  const council = await t.services.organisations.create({ name: unique('Hampshire County Council'), type: 'county council' }, systemActor)
  const police = await t.services.organisations.create({ name: unique('Hampshire Constabulary'), type: 'police force' }, systemActor)
  const a = t.services.agreement
  const v1 = await a.createVersion(
    p.id,
    {
      title: 'County Agreement for Community Safety (draft, October 2019)',
      periodStart: '2020-04-01',
      periodEnd: '2023-03-31',
      published: true,
    },
    systemActor,
  )
  for (const [i, title] of PRIORITIES_2019.entries()) {
    await a.addPriority(
      v1.id,
      { number: i + 1, title, leadIds: [council.id, police.id], ownershipLevel: i === 3 ? 'developing' : 'strong joint' },
      systemActor,
    )
  }
  await a.setStatus(v1.id, { action: 'agree' }, systemActor)
  return { p, council, police, v1, base: `/partnerships/${p.slug}` }
}

/** Version 2 made the way a partnership manager would: a copy of version 1, renumbered, reworded, and serious violence added as priority 2. */
async function copiedAndEdited(pid: number, police: number) {
  const a = t.services.agreement
  const v2 = await a.createVersion(
    pid,
    { title: 'County Agreement for Community Safety 2020-23', copyFrom: 1, published: true },
    systemActor,
  )
  const copied = await a.priorities(v2.id)
  // Renumber from the bottom up, so no two share a number on the way.
  for (const pr of [...copied].reverse()) {
    if (pr.number === 1) continue
    await a.updatePriority(
      pr.id,
      {
        number: pr.number + 1,
        title: PRIORITIES_2020[pr.number],
        leadIds: pr.leads.map((l) => l.id),
        ownershipLevel: pr.ownership_level as any,
        version: pr.version,
      },
      systemActor,
    )
  }
  await a.addPriority(v2.id, { number: 2, title: PRIORITIES_2020[1], leadIds: [police], ownershipLevel: 'strong joint' }, systemActor)
  return v2
}

function byTitle(rows: Awaited<ReturnType<typeof t.services.agreement.compare>>['rows']) {
  return Object.fromEntries(rows.map((r) => [(r.to ?? r.from)!.title, r]))
}

test('the October 2019 draft (6 priorities) against its 2020 copy (7): serious violence added as priority 2, the others renumbered, by lineage', async () => {
  const { p, police, base } = await hampshire()
  await copiedAndEdited(p.id, police.id)
  const r = await t.services.agreement.compare(p.id, 1, 2, { includeUnpublished: false })
  assert.equal(r.rows.length, 7)
  const rows = byTitle(r.rows)

  const added = rows['The increase in serious violence including knife crime affecting young people']
  assert.deepEqual(added.changes, ['Added'])
  assert.equal(added.to!.number, 2)
  assert.equal(added.from, null)

  assert.deepEqual(rows[PRIORITIES_2020[0]].changes, ['Unchanged'])
  const moved: [string, number, number][] = [
    ['The interconnected impacts of mental ill-health, substance misuse, domestic abuse and adverse childhood experiences', 2, 3],
    ['The threat of radical extremism', 3, 4],
    ['Ensuring inclusion and cohesion in a changing society', 4, 5],
    ['The capacity challenges of voluntary support for vulnerable people', 5, 6],
    ['Creating opportunities for all children to engage in positive activities and to build aspiration', 6, 7],
  ]
  for (const [title, from, to] of moved) {
    const row = rows[title]
    assert.ok(row.changes.includes('Renumbered'), title)
    assert.ok(row.changes.includes('Reworded'), title)
    assert.equal(row.matchedBy, 'lineage')
    assert.equal(row.from!.number, from)
    assert.equal(row.to!.number, to)
    assert.equal(row.from!.title, PRIORITIES_2019[from - 1])
  }
  assert.deepEqual(r.counts, { added: 1, removed: 0, reworded: 5, renumbered: 5, unchanged: 1 })
  // Rows follow the later version's order.
  assert.deepEqual(
    r.rows.map((x) => x.to?.number),
    [1, 2, 3, 4, 5, 6, 7],
  )

  // The page: a GOV.UK table with tags in words and the changed words marked for everyone.
  const page = await (await clientAs(t, 'anonymous')).get(`${base}/agreement/compare?from=1&to=2`)
  assert.equal(page.status, 200)
  assert.match(page.body, /<table class="govuk-table/)
  const words = text(page.body)
  assert.match(
    words,
    /Added Not in version 1 Priority 2: \[added: The increase in serious violence including knife crime affecting young people \]/,
  )
  assert.match(words, /Reworded Renumbered Priority 3 is now priority 4/)
  assert.match(words, /Priority 3: The \[removed: continuing \] threat of radical extremism Priority 4: The threat of radical extremism/)
  assert.match(words, /1 added/)
  assert.match(words, /5 renumbered/)
  assert.match(
    page.body,
    /<del class="safer-diff--removed"><span class="govuk-visually-hidden">\[removed: <\/span>continuing <span class="govuk-visually-hidden">\]<\/span><\/del>/,
  )
  assert.match(page.body, /<strong class="govuk-tag govuk-tag--green[^"]*">Added<\/strong>/)
})

test('two versions entered separately (not copied) are matched by similar titles', async () => {
  const { p, council, police } = await hampshire()
  const a = t.services.agreement
  const v2 = await a.createVersion(p.id, { title: 'Entered from the 2020 papers', published: true }, systemActor)
  for (const [i, title] of PRIORITIES_2020.entries())
    await a.addPriority(v2.id, { number: i + 1, title, leadIds: [council.id, police.id] }, systemActor)
  const r = await a.compare(p.id, 1, 2, { includeUnpublished: false })
  const rows = byTitle(r.rows)
  assert.deepEqual(rows[PRIORITIES_2020[1]].changes, ['Added'])
  assert.equal(rows[PRIORITIES_2020[1]].to!.number, 2)
  for (let n = 3; n <= 7; n++) {
    const row = rows[PRIORITIES_2020[n - 1]]
    assert.equal(row.matchedBy, 'title', PRIORITIES_2020[n - 1])
    assert.equal(row.from!.title, PRIORITIES_2019[n - 2])
    assert.equal(row.to!.number, n)
    assert.ok(row.changes.includes('Renumbered'))
  }
  assert.equal(r.counts.removed, 0)
  assert.equal(r.counts.added, 1)
  // The ownership judgements were not entered in version 2: the comparison says so.
  assert.equal(rows[PRIORITIES_2020[0]].ownershipChanged, true)
})

test('a removed priority is shown where it used to be; leads that changed are flagged', async () => {
  const { p, police } = await hampshire()
  const a = t.services.agreement
  const v2 = await a.createVersion(p.id, { title: 'Shorter', copyFrom: 1 }, systemActor)
  const ps = await a.priorities(v2.id)
  await a.removePriority(ps[2].id, undefined, systemActor)
  await a.updatePriority(ps[0].id, { number: 1, title: ps[0].title, leadIds: [police.id], ownershipLevel: 'strong joint' }, systemActor)
  const r = await a.compare(p.id, 1, 2, { includeUnpublished: true })
  assert.deepEqual(
    r.rows.map((x) => x.changes.join('+')),
    ['Unchanged', 'Unchanged', 'Removed', 'Unchanged', 'Unchanged', 'Unchanged'],
  )
  assert.equal(r.rows[2].from!.title, 'The continuing threat of radical extremism')
  assert.equal(r.rows[0].leadsChanged, true)
  assert.equal(r.rows[1].leadsChanged, false)
})

test('the compare page picks sensible versions, refuses the same version twice, and exports as CSV and JSON', async () => {
  const { p, police, base } = await hampshire()
  const c = await clientAs(t, 'anonymous')
  const one = await c.get(`${base}/agreement/compare`)
  assert.match(text(one.body), /There is only one version of the agreement published yet, so there is nothing to compare/)
  await copiedAndEdited(p.id, police.id)
  const dflt = await c.get(`${base}/agreement/compare`)
  assert.match(text(dflt.body), /Version 1 to version 2/)
  const same = await c.get(`${base}/agreement/compare?from=2&to=2`)
  assert.equal(same.status, 400)
  assert.match(errorSummary(same.body), /Choose two different versions to compare/)
  assert.equal((await c.get(`${base}/agreement/compare?from=1&to=9`)).status, 404)
  const csv = await c.get(`${base}/agreement/compare?from=1&to=2&format=csv`)
  assert.match(
    csv.body,
    /^\uFEFFchange,matched_by,version_1_number,version_1_title,version_2_number,version_2_title,leads_changed,ownership_changed\r\n/,
  )
  assert.match(csv.body, /\r\nAdded,,,,2,The increase in serious violence including knife crime affecting young people,false,false\r\n/)
  const json = (await c.get(`${base}/agreement/compare?from=1&to=2&format=json`)).json()
  assert.equal(json.length, 7)
  const api = await c.get(`/api/v1/partnerships/${p.slug}/agreement/compare?from=1&to=2`)
  assert.equal(api.status, 200)
  assert.equal(api.json().counts.added, 1)
  assert.equal(api.json().rows[1].to.title, PRIORITIES_2020[1])
  assert.deepEqual(api.json().rows[1].changes, ['Added'])
})
