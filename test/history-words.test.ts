/**
 * History and the audit log in words: names instead of ids, each field before and after; the audit log paged and
 * filtered by who, what and when; security 8 (role history for admins only) and 9 (a custom area's history link).
 * Expected names and labels are read here from the rows the test made, never from the code under test.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, makeUser, text, unique, type TestApp } from './helpers.ts'
import { recordAudit, systemActor } from '../src/platform/audit.ts'
import { createRecord } from '../src/platform/records.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

/** A partnership with an agreement version of one priority (its default dimensions and rating scale come with it). */
async function assessed() {
  const p = await makePartnership(t.services, { published: true })
  const [v] = await t.db.query<{ id: number }>(
    `INSERT INTO agreement_versions (partnership_id, number, title, period_start, period_end, published) VALUES ($1, 1, 'Agreement 2020-23', '2020-04-01', '2023-03-31', true) RETURNING id`,
    [p.id],
  )
  const [priority] = await t.db.query<{ id: number; title: string }>(
    `INSERT INTO priorities (agreement_version_id, lineage_id, number, title) VALUES ($1, nextval('priority_lineage_seq'), 1, 'County lines and serious organised crime') RETURNING id, title`,
    [v.id],
  )
  const [dimension] = await t.db.query<{ id: number; name: string }>(
    `SELECT id, name FROM assurance_dimensions WHERE partnership_id = $1 ORDER BY position LIMIT 1`,
    [p.id],
  )
  const label = async (value: number) =>
    (await t.db.query<{ label: string }>(`SELECT label FROM rating_levels WHERE partnership_id = $1 AND value = $2`, [p.id, value]))[0]
      .label
  return { p, versionId: v.id, priority, dimension, label }
}

/** The rows of the History view's "what changed" tables, as "Field | Before | After". */
function changeRows(html: string): string[] {
  return [
    ...html.matchAll(
      /<tr class="govuk-table__row"><th scope="row"[^>]*>([\s\S]*?)<\/th><td[^>]*>([\s\S]*?)<\/td><td[^>]*>([\s\S]*?)<\/td><\/tr>/g,
    ),
  ].map((m) => [m[1], m[2], m[3]].map((x) => text(x)).join(' | '))
}

test("history of an assessment names the priority's title, the dimension's name and the rating's label, before and after", async () => {
  const { p, versionId, priority, dimension, label } = await assessed()
  const editor = await clientAs(t, 'editor', p.id)
  const base = `/partnerships/${p.slug}/assurance`
  const created = await editor.post(`${base}/rounds/new`, {
    title: 'Autumn 2019',
    'assessedOn-day': '1',
    'assessedOn-month': '10',
    'assessedOn-year': '2019',
    agreementVersionId: versionId,
  })
  assert.equal(created.status, 303)
  const roundUrl = created.headers.location as string
  const cellUrl = `${roundUrl}/cells/${priority.id}/${dimension.id}`
  assert.equal((await editor.post(`${cellUrl}/edit`, { rating: '2', findings: 'One', developmentAreas: '', version: '0' })).status, 303)
  assert.equal((await editor.post(`${cellUrl}/edit`, { rating: '3', findings: 'One', developmentAreas: '', version: '1' })).status, 303)
  const [cell] = await t.db.query<{ id: number }>(`SELECT id FROM assessment_cells WHERE priority_id = $1 AND dimension_id = $2`, [
    priority.id,
    dimension.id,
  ])
  const viewer = await clientAs(t, 'viewer', p.id)
  const page = await viewer.get(`/partnerships/${p.slug}/history/assessment_cell/${cell.id}?back=${encodeURIComponent(cellUrl)}`)
  assert.equal(page.status, 200)
  const rows = changeRows(page.body)
  assert.ok(rows.includes(`Rating | ${await label(2)} (2) | ${await label(3)} (3)`), rows.join('\n'))
  assert.ok(rows.includes(`Priority | – | Priority 1: ${priority.title}`), rows.join('\n'))
  assert.ok(rows.includes(`Dimension | – | ${dimension.name}`), rows.join('\n'))
  assert.ok(rows.includes(`Round | – | Autumn 2019`), rows.join('\n'))
  // The record is named in the title; no raw ids are shown as values.
  assert.match(text(page.body), new RegExp(`History of assessment "Priority 1: ${priority.title}, ${dimension.name}"`))
  assert.ok(!rows.some((r) => new RegExp(`\\| ${priority.id} \\||\\| ${dimension.id}$`).test(r)), rows.join('\n'))
})

test("history names a body's chair organisation and area; a deleted record's name comes from the audit log", async () => {
  const p = await makePartnership(t.services, { published: true })
  const orgName = unique('Westshire Police')
  const org = await t.services.organisations.create({ name: orgName, type: 'police force' }, systemActor)
  const other = unique('Eastshire Council')
  const org2 = await t.services.organisations.create({ name: other, type: 'county council' }, systemActor)
  await t.db.transaction(async (tx) => {
    const body = await createRecord(
      tx,
      'bodies',
      { partnership_id: p.id, slug: 'board', name: 'Safer Board', type: 'board', chair_organisation_id: org.id },
      { actor: systemActor, partnershipId: p.id, entity: 'body', summary: 'Safer Board' },
    )
    await recordAudit(tx, systemActor, {
      action: 'update',
      entity: 'body',
      entityId: body.id,
      partnershipId: p.id,
      before: body,
      after: { ...body, chair_organisation_id: org2.id },
    })
  })
  // Organisation 2 is then removed: its name still reads, from the audit log's copy of its row.
  const [b] = await t.db.query<{ id: number }>(`SELECT id FROM bodies WHERE partnership_id = $1`, [p.id])
  await t.db.query(`UPDATE bodies SET chair_organisation_id = NULL WHERE id = $1`, [b.id])
  await t.services.organisations.remove(org2.id, undefined, systemActor)
  const admin = await clientAs(t, 'admin', p.id)
  const page = await admin.get(`/partnerships/${p.slug}/history/body/${b.id}`)
  assert.equal(page.status, 200)
  assert.ok(changeRows(page.body).includes(`Chair's organisation | ${orgName} | ${other}`), changeRows(page.body).join('\n'))
  // A change's own note (its summary) is said once, in the heading of its entry.
  await recordAudit(t.db, systemActor, {
    action: 'update',
    entity: 'body',
    entityId: b.id,
    partnershipId: p.id,
    summary: 'Chair changed at the AGM',
  })
  const again = text((await admin.get(`/partnerships/${p.slug}/history/body/${b.id}`)).body)
  assert.equal(again.split('Chair changed at the AGM').length - 1, 1, again)
})

test('the audit log shows changes in words: the record by name and each field before and after', async () => {
  const p = await makePartnership(t.services, { published: true })
  const person = await makeUser(t.services, { name: 'Priya Example' })
  await t.services.partnerships.grantRole(person.id, p.id, 'viewer', systemActor)
  await t.services.partnerships.grantRole(person.id, p.id, 'editor', systemActor)
  const admin = await clientAs(t, 'admin', p.id)
  const page = await admin.get(`/partnerships/${p.slug}/audit?what=partnership_role&action=update`)
  assert.equal(page.status, 200)
  const body = text(page.body)
  assert.match(body, /Changed role "Priya Example"/)
  assert.match(body, /Role: Viewer → Editor/)
  assert.doesNotMatch(body, new RegExp(`${p.id}:${person.id}`))
  // The download has the words too, and the raw rows for programs.
  const csv = await admin.get(`/partnerships/${p.slug}/audit?what=partnership_role&action=update&format=csv`)
  assert.equal(csv.status, 200)
  const lines = csv.body.trim().split('\r\n')
  assert.equal(lines.length, 2)
  assert.match(lines[1], /Priya Example/)
  assert.match(lines[1], /Role: Viewer -> Editor/)
})

test('the audit log is paged, 50 at a time, and filtered by who, what and when; the download keeps the filter', async () => {
  const p = await makePartnership(t.services, { published: true })
  const alice = await makeUser(t.services, { name: 'Alice Auditlog' })
  const bob = await makeUser(t.services, { name: 'Bob Auditlog' })
  await t.db.transaction(async (tx) => {
    for (let i = 0; i < 120; i++)
      await recordAudit(
        tx,
        { id: alice.id, name: alice.name },
        { action: 'update', entity: 'body', entityId: 9000 + i, partnershipId: p.id, summary: `Alice ${i}` },
      )
    for (let i = 0; i < 3; i++)
      await recordAudit(
        tx,
        { id: bob.id, name: bob.name },
        { action: 'create', entity: 'priority', entityId: 9500 + i, partnershipId: p.id, summary: `Bob ${i}` },
      )
  })
  // Bob's changes were made in March 2019.
  await t.db.query(`UPDATE audit_log SET at = '2019-03-15T10:00:00Z' WHERE user_id = $1 AND partnership_id = $2`, [bob.id, p.id])
  const admin = await clientAs(t, 'admin', p.id)
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE partnership_id = $1`, [p.id])
  const url = `/partnerships/${p.slug}/audit`
  const count = (html: string) => Math.max(0, (html.match(/<tr class="govuk-table__row">/g) ?? []).length - 1)

  const first = await admin.get(url)
  assert.equal(count(first.body), 50)
  assert.match(text(first.body), new RegExp(`Showing 1 to 50 of ${n} changes`))
  const last = Math.ceil(n / 50)
  const lastPage = await admin.get(`${url}?page=${last}`)
  assert.equal(count(lastPage.body), n - (last - 1) * 50)
  assert.match(lastPage.body, /govuk-pagination/)

  const byBob = await admin.get(`${url}?who=${bob.id}`)
  assert.equal(count(byBob.body), 3)
  assert.doesNotMatch(byBob.body, /Alice \d/)
  const priorities = await admin.get(`${url}?what=priority`)
  assert.equal(count(priorities.body), 3)
  const march = await admin.get(`${url}?from=2019-03-01&to=2019-03-31`)
  assert.equal(count(march.body), 3)
  assert.equal(count((await admin.get(`${url}?from=2019-03-16&to=2019-03-31`)).body), 0)
  assert.match(text((await admin.get(`${url}?from=2019-03-16&to=2019-03-31`)).body), /No changes match/)
  // The "who" choices name the people, not their ids.
  assert.match(first.body, new RegExp(`<option value="${bob.id}">Bob Auditlog</option>`))

  const csv = await admin.get(`${url}?who=${alice.id}&format=csv`)
  assert.equal(csv.body.trim().split('\r\n').length, 1 + 120)
  const json = (await admin.get(`${url}?what=priority&format=json`)).json()
  assert.equal(json.length, 3)
  assert.ok(json.every((r: any) => r.user === 'Bob Auditlog'))
})

test('the audit log refuses a filter it cannot read with a plain message (400), not an error', async () => {
  const p = await makePartnership(t.services, { published: true })
  const admin = await clientAs(t, 'admin', p.id)
  const url = `/partnerships/${p.slug}/audit`
  const notDate = await admin.get(`${url}?from=2019-02-30`)
  assert.equal(notDate.status, 400)
  assert.match(text(notDate.body), /The "from" date must be a real date, like 2019-03-31/)
  const backwards = await admin.get(`${url}?from=2019-03-02&to=2019-03-01`)
  assert.equal(backwards.status, 400)
  assert.match(text(backwards.body), /"to" date must be the same as or after the "from" date/)
  const who = await admin.get(`${url}?who=99999999999999999999`)
  assert.equal(who.status, 400)
  assert.match(text(who.body), /Choose who made the changes from the list/)
  assert.equal((await admin.get(`${url}?page=1e309`)).status, 400)
  assert.equal((await admin.get(`${url}?what=${encodeURIComponent('body\u0000')}`)).status, 400)
})

test('security 8: only the partnership admins may read the history of role changes (page and audit log)', async () => {
  const p = await makePartnership(t.services, { published: true })
  const person = await makeUser(t.services, { name: 'Rolf Rolechange' })
  await t.services.partnerships.grantRole(person.id, p.id, 'viewer', systemActor)
  await t.services.partnerships.grantRole(person.id, p.id, 'contributor', systemActor)
  const url = `/partnerships/${p.slug}/history/partnership_role/${p.id}:${person.id}`
  for (const role of ['viewer', 'contributor', 'editor'] as const) {
    const c = await clientAs(t, role, p.id)
    const res = await c.get(url)
    assert.equal(res.status, 403, role)
    assert.doesNotMatch(res.body, /Rolf Rolechange|Contributor \(partner lead\)/, role)
    assert.equal((await c.get(`/partnerships/${p.slug}/audit?format=json`)).status, 403, role)
    assert.equal((await c.get(`/partnerships/${p.slug}/audit?what=partnership_role`)).status, 403, role)
  }
  const admin = await clientAs(t, 'admin', p.id)
  const page = await admin.get(url)
  assert.equal(page.status, 200)
  assert.ok(changeRows(page.body).includes('Role | Viewer | Contributor (partner lead)'), changeRows(page.body).join('\n'))
  assert.match(text(page.body), /History of role "Rolf Rolechange"/)
})

test('security 9: the history link of a custom area (entity "custom area") opens its history', async () => {
  const p = await makePartnership(t.services, { published: true })
  const area = await t.db.transaction((tx) =>
    createRecord<{ id: number }>(
      tx,
      'custom_areas',
      { partnership_id: p.id, name: 'Winchester centre', description: null, lsoa_codes: ['E01023251', 'E01023252'] },
      { actor: systemActor, partnershipId: p.id, entity: 'custom area', summary: 'Winchester centre' },
    ),
  )
  const editor = await clientAs(t, 'editor', p.id)
  const form = await editor.get(`/partnerships/${p.slug}/custom-areas/${area.id}/edit`)
  assert.equal(form.status, 200)
  const href = /href="([^"]*\/history\/[^"]*)"/.exec(form.body)?.[1]?.replace(/&amp;/g, '&')
  assert.ok(href, 'the form links to the History view')
  const page = await editor.get(href)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /History of custom area "Winchester centre"/)
  assert.ok(changeRows(page.body).includes('LSOAs | – | 2 LSOAs: E01023251, E01023252'), changeRows(page.body).join('\n'))
})

test('the audit log reads "from" and "to" as days in UK time (a change at 23:30 UTC on 31 March 2019 was on 1 April, BST)', async () => {
  const p = await makePartnership(t.services, { published: true })
  await recordAudit(t.db, systemActor, { action: 'update', entity: 'body', entityId: 77, partnershipId: p.id, summary: 'Late change' })
  await t.db.query(`UPDATE audit_log SET at = '2019-03-31T23:30:00Z' WHERE partnership_id = $1 AND summary = 'Late change'`, [p.id])
  const admin = await clientAs(t, 'admin', p.id)
  const url = `/partnerships/${p.slug}/audit`
  assert.doesNotMatch(text((await admin.get(`${url}?from=2019-03-31&to=2019-03-31`)).body), /Late change/)
  const april = text((await admin.get(`${url}?from=2019-04-01&to=2019-04-01`)).body)
  assert.match(april, /Late change/)
  assert.match(april, /1 April 2019 at 00:30/)
})
