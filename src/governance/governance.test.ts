import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { historyOf, systemActor } from '../platform/audit.ts'
import { slugify } from './service.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const gov = () => t.services.governance
const org = (name = unique('Organisation')) => t.services.organisations.create({ name, type: 'county council' }, systemActor)

const SUB_GROUPS = [
  'Worcestershire Forum against Domestic Abuse',
  'Worcestershire Prevent Strategy Group',
  'Worcestershire Reducing Offending Strategy Group',
  'Worcestershire Substance Misuse Oversight Group',
]
const CSPS = ['North Worcestershire Community Safety Partnership', 'South Worcestershire Community Safety Partnership']

/** Worcestershire's structure (seed 004): the Safer Communities Board, its four sub-groups and the North and South CSPs. */
async function worcestershire(partnershipId: number) {
  const wcc = await org(unique('Worcestershire County Council'))
  const scb = await gov().create(
    partnershipId,
    {
      name: 'Worcestershire Safer Communities Board',
      type: 'board',
      chairPerson: 'Director of Public Health',
      chairOrganisationId: wcc.id,
    },
    systemActor,
  )
  const below = []
  for (const name of SUB_GROUPS)
    below.push(await gov().create(partnershipId, { name, type: 'sub-group', reportsToId: scb.id }, systemActor))
  for (const name of CSPS)
    below.push(await gov().create(partnershipId, { name, type: 'community safety partnership', reportsToId: scb.id }, systemActor))
  return { wcc, scb, below }
}

const svgOf = (html: string) => html.match(/<svg[\s\S]*?<\/svg>/)?.[0] ?? ''

/** The text shown in each box of the map, by the body's slug (its wrapped lines joined again). */
function boxes(svg: string) {
  const out = new Map<string, string>()
  for (const m of svg.matchAll(/<g class="safer-map__body" data-slug="([^"]+)">([\s\S]*?)<\/g>/g)) {
    const name = [...m[2].matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((x) => x[1]).join(' ')
    out.set(m[1], name.replace(/&amp;/g, '&'))
  }
  return out
}

/** Each item of the nested list with the item it sits under (null at the top level). */
function nesting(html: string) {
  const list = html.match(/<div class="safer-governance-list">([\s\S]*?)<\/div>/)?.[1] ?? ''
  const parentOf = new Map<string, string | null>()
  const depthOf = new Map<string, number>()
  const open: (string | null)[] = []
  let ulDepth = 0
  for (const m of list.matchAll(/<(\/?)(ul|li)\b[^>]*>|<a [^>]*>([^<]*)<\/a>/g)) {
    if (m[3] !== undefined) {
      open[open.length - 1] = m[3]
      parentOf.set(m[3], open.length > 1 ? open[open.length - 2] : null)
      depthOf.set(m[3], ulDepth)
    } else if (m[2] === 'li') {
      if (m[1]) open.pop()
      else open.push(null)
    } else ulDepth += m[1] ? -1 : 1
  }
  return { parentOf, depthOf }
}

test('an editor adds a body through the form and sees it on its page and on the governance map', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const form = await c.get(`/partnerships/${p.slug}/bodies/new`)
  assert.equal(form.status, 200)
  assert.match(form.body, /name="type" type="radio" value="task and finish group"/)
  const res = await c.post(`/partnerships/${p.slug}/bodies/new`, {
    name: 'Safer Communities Board',
    type: 'board',
    chairPerson: 'Director of Public Health',
    meetingFrequency: 'Quarterly',
    statutoryBasis: 'Crime and Disorder Act 1998',
    termsOfReference: 'Strategic oversight of community safety.\nProduces the Community Safety Agreement.',
  })
  assert.equal(res.status, 303)
  assert.equal(res.headers.location, `/partnerships/${p.slug}/bodies/safer-communities-board`)
  const page = await c.get(res.headers.location)
  assert.match(text(page.body), /Safer Communities Board added/)
  assert.match(text(page.body), /Chair Director of Public Health/)
  assert.match(text(page.body), /How often it meets Quarterly/)
  assert.match(page.body, /<p class="govuk-body">Produces the Community Safety Agreement.<\/p>/)
  assert.match(page.body, new RegExp(`href="/partnerships/${p.slug}/history/body/\\d+\\?back=`))
  const map = await c.get(`/partnerships/${p.slug}/governance`)
  assert.equal(boxes(svgOf(map.body)).get('safer-communities-board'), 'Safer Communities Board')
})

test('a sub-group is added through the API, reporting to the board, with its web address name made from its name', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const board = await c.request('POST', `/api/v1/partnerships/${p.slug}/bodies`, {
    json: { name: 'Safer Communities Board', type: 'board' },
  })
  assert.equal(board.status, 201)
  const res = await c.request('POST', `/api/v1/partnerships/${p.slug}/bodies`, {
    json: {
      name: 'Forum against Domestic Abuse & Sexual Violence',
      type: 'sub-group',
      reportsToId: board.json().id,
      meetingFrequency: 'Every two months',
    },
  })
  assert.equal(res.status, 201)
  const sub = res.json()
  assert.equal(sub.slug, 'forum-against-domestic-abuse-and-sexual-violence')
  assert.deepEqual(sub.reportsTo, { id: board.json().id, slug: 'safer-communities-board', name: 'Safer Communities Board' })
  assert.deepEqual(sub.members, [])
  const list = (await c.get(`/api/v1/partnerships/${p.slug}/bodies`)).json()
  assert.deepEqual(
    list.map((b: any) => b.name),
    ['Safer Communities Board', 'Forum against Domestic Abuse & Sexual Violence'],
  )
  const one = await c.get(`/api/v1/partnerships/${p.slug}/bodies/${sub.slug}`)
  assert.equal(one.json().meetingFrequency, 'Every two months')
})

test("the map shows each of Worcestershire's bodies in a box, with one line for each reporting line", async () => {
  const p = await makePartnership(t.services, { published: true })
  const { scb, below } = await worcestershire(p.id)
  const page = await (await clientAs(t, 'anonymous')).get(`/partnerships/${p.slug}/governance`)
  assert.equal(page.status, 200)
  const svg = svgOf(page.body)
  assert.match(svg, /^<svg class="safer-map" role="img" aria-labelledby="governance-map-title governance-map-desc"/)
  assert.match(
    svg,
    /<title id="governance-map-title">Governance map of [^<]+<\/title><desc id="governance-map-desc">A diagram of 7 bodies, with a line from each body to the body it reports to/,
  )
  const shown = boxes(svg)
  assert.equal(shown.size, 7)
  for (const b of [scb, ...below]) assert.equal(shown.get(b.slug), b.name)
  const lines = [...svg.matchAll(/<path class="safer-map__line" data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => [m[1], m[2]])
  assert.equal(lines.length, 6)
  assert.deepEqual(
    lines.map((l) => l[1]),
    Array(6).fill(scb.slug),
  )
  assert.deepEqual(lines.map((l) => l[0]).sort(), below.map((b) => b.slug).sort())
  // Drawn at its natural size, so it never grows past what fits on a printed page.
  const width = Number(svg.match(/ width="(\d+)"/)![1])
  assert.ok(width < 720, `map is ${width}px wide`)
})

test('the list beside the map nests each body under the body it reports to, for screen readers', async () => {
  const p = await makePartnership(t.services, { published: true })
  const { scb } = await worcestershire(p.id)
  const prevent = await gov().get(p.id, 'worcestershire-prevent-strategy-group')
  await gov().create(p.id, { name: 'Channel Panel', type: 'panel', reportsToId: prevent.id }, systemActor)
  const other = await gov().create(p.id, { name: 'West Mercia Crime Reduction Board', type: 'board' }, systemActor)
  const page = await (await clientAs(t, 'anonymous')).get(`/partnerships/${p.slug}/governance`)
  const { parentOf, depthOf } = nesting(page.body)
  assert.equal(parentOf.size, 9)
  assert.equal(parentOf.get(scb.name), null)
  assert.equal(parentOf.get(other.name), null)
  for (const name of [...SUB_GROUPS, ...CSPS]) assert.equal(parentOf.get(name), scb.name)
  assert.equal(parentOf.get('Channel Panel'), prevent.name)
  assert.deepEqual([depthOf.get(scb.name), depthOf.get(prevent.name), depthOf.get('Channel Panel')], [1, 2, 3])
  // Two bodies that report to no one: a forest of two trees, 7 lines in all.
  assert.equal([...svgOf(page.body).matchAll(/class="safer-map__line"/g)].length, 7)
})

test('text put into the map is escaped', async () => {
  const p = await makePartnership(t.services, { published: true })
  await gov().create(p.id, { name: `Board <script>alert("x")</script> & 'Co'`, type: 'board' }, systemActor)
  const page = await (await clientAs(t, 'anonymous')).get(`/partnerships/${p.slug}/governance`)
  assert.doesNotMatch(page.body, /<script>alert/)
  const svg = svgOf(page.body)
  assert.match(svg, /Board &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;Co&#39;/)
  const standalone = await (await clientAs(t, 'anonymous')).get(`/partnerships/${p.slug}/governance/map.svg`)
  assert.match(standalone.headers['content-type'], /image\/svg\+xml/)
  assert.match(standalone.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
})

test('a body cannot report to itself or to a body that reports to it', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const board = await gov().create(p.id, { name: 'Board', type: 'board' }, systemActor)
  const group = await gov().create(p.id, { name: 'Group', type: 'sub-group', reportsToId: board.id }, systemActor)
  const task = await gov().create(p.id, { name: 'Task group', type: 'task and finish group', reportsToId: group.id }, systemActor)

  const loop = await c.post(`/partnerships/${p.slug}/bodies/board/edit`, {
    name: 'Board',
    type: 'board',
    reportsToId: task.id,
    version: board.version,
  })
  assert.equal(loop.status, 400)
  assert.match(errorSummary(loop.body), /A body cannot report to itself or to a body that reports to it/)
  assert.match(loop.body, /href="#reportsToId"/)
  assert.equal((await gov().get(p.id, 'board')).reports_to_id, null)

  const self = await c.request('PUT', `/api/v1/partnerships/${p.slug}/bodies/group`, {
    json: { name: 'Group', type: 'sub-group', reportsToId: group.id },
  })
  assert.equal(self.status, 400)
  assert.equal(self.json().errors.reportsToId, 'A body cannot report to itself or to a body that reports to it')

  // The form offers only bodies it may report to.
  const edit = await c.get(`/partnerships/${p.slug}/bodies/board/edit`)
  assert.doesNotMatch(edit.body, new RegExp(`<option value="${task.id}"`))
  assert.doesNotMatch(edit.body, new RegExp(`<option value="${group.id}"`))

  const elsewhere = await makePartnership(t.services)
  const outsider = await gov().create(elsewhere.id, { name: 'Somewhere else', type: 'board' }, systemActor)
  const wrong = await c.request('PUT', `/api/v1/partnerships/${p.slug}/bodies/task-group`, {
    json: { name: 'Task group', type: 'task and finish group', reportsToId: outsider.id },
  })
  assert.equal(wrong.status, 400)
  assert.match(wrong.json().errors.reportsToId, /Select the body it reports to/)
  assert.equal((await gov().get(p.id, 'task-group')).reports_to_id, group.id)
})

test('an unknown organisation is refused with a message naming the field', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  await gov().create(p.id, { name: 'Board', type: 'board' }, systemActor)
  const member = await c.post(`/partnerships/${p.slug}/bodies/board/members/new`, {
    organisationId: 999999,
    person: 'Someone',
    role: 'member',
  })
  assert.equal(member.status, 400)
  assert.match(errorSummary(member.body), /Select the organisation from the list/)
  assert.match(member.body, /href="#organisationId"/)
  assert.match(member.body, /value="Someone"/)
  const body = await c.request('POST', `/api/v1/partnerships/${p.slug}/bodies`, {
    json: { name: 'Panel', type: 'panel', chairOrganisationId: 999999 },
  })
  assert.equal(body.status, 400)
  assert.equal(body.json().errors.chairOrganisationId, "Select the chair's organisation from the list")
  const nobody = await c.request('POST', `/api/v1/partnerships/${p.slug}/bodies/board/members`, { json: { role: 'member' } })
  assert.equal(nobody.status, 400)
  assert.match(nobody.json().errors.organisationId, /Select an organisation or enter a person/)
  assert.equal((await gov().members((await gov().get(p.id, 'board')).id)).length, 0)
})

test('a missing name and type, text over its limit and a duplicate web address name are refused, keeping what was typed', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const url = `/partnerships/${p.slug}/bodies/new`
  const empty = await c.post(url, { name: '', type: '', chairPerson: 'Kept value' })
  assert.equal(empty.status, 400)
  assert.match(errorSummary(empty.body), /Enter name/)
  assert.match(errorSummary(empty.body), /Select type of body/)
  assert.match(empty.body, /value="Kept value"/)
  assert.match(empty.body, /<title>Error: /)

  const long = await c.post(url, { name: 'Board', type: 'board', chairPerson: 'x'.repeat(201), termsOfReference: 'y'.repeat(20001) })
  assert.equal(long.status, 400)
  assert.match(errorSummary(long.body), /Chair must be 200 characters or fewer/)
  assert.match(errorSummary(long.body), /Terms of reference must be 20000 characters or fewer/)

  assert.equal((await c.post(url, { name: 'Prevent Board', slug: 'prevent', type: 'board' })).status, 303)
  const dup = await c.post(url, { name: 'Prevent Delivery Group', slug: 'prevent', type: 'sub-group' })
  assert.equal(dup.status, 400)
  assert.match(errorSummary(dup.body), /There is already a body with the web address name prevent in this partnership/)
  const badSlug = await c.post(url, { name: 'Another', slug: 'Not A Slug', type: 'panel' })
  assert.match(errorSummary(badSlug.body), /Web address name must use only lower-case letters/)
  const sameName = await c.post(url, { name: 'prevent board', type: 'panel' })
  assert.match(errorSummary(sameName.body), /There is already a body called prevent board in this partnership/)
  assert.equal((await gov().list(p.id)).length, 1)
})

test('a body with the same web address name as another gets a number when its name makes it', async () => {
  const p = await makePartnership(t.services)
  const a = await gov().create(p.id, { name: 'Hate Crime Forum', type: 'panel' }, systemActor)
  const b = await gov().create(p.id, { name: 'Hate-Crime Forum!', type: 'panel' }, systemActor)
  const n = await gov().create(p.id, { name: 'New', type: 'panel' }, systemActor)
  assert.deepEqual([a.slug, b.slug, n.slug], ['hate-crime-forum', 'hate-crime-forum-2', 'new-2'])
  assert.equal(slugify("Children's Safeguarding Board – Café"), 'childrens-safeguarding-board-cafe')
})

test('the second of two people saving the same body is refused with who changed it and when, and nothing is overwritten', async () => {
  const p = await makePartnership(t.services)
  const a = await clientAs(t, 'editor', p.id)
  const b = await clientAs(t, 'editor', p.id)
  const body = await gov().create(p.id, { name: 'Reducing Offending Group', type: 'sub-group' }, systemActor)
  const url = `/partnerships/${p.slug}/bodies/${body.slug}/edit`
  const first = await a.post(url, { name: 'Reducing Offending Strategy Group', type: 'sub-group', version: body.version })
  assert.equal(first.status, 303)
  const second = await b.post(url, { name: 'Reducing Reoffending Group', type: 'sub-group', version: body.version })
  assert.equal(second.status, 409)
  assert.match(errorSummary(second.body), new RegExp(`This was changed by ${(a as any).user.name} at`))
  assert.match(second.body, /value="Reducing Reoffending Group"/)
  const api = await b.request('PUT', `/api/v1/partnerships/${p.slug}/bodies/${body.slug}`, {
    json: { name: 'Reducing Reoffending Group', type: 'sub-group', version: body.version },
  })
  assert.equal(api.status, 409)
  assert.equal(api.json().changedBy, (a as any).user.name)
  const stored = await gov().get(p.id, body.slug)
  assert.equal(stored.name, 'Reducing Offending Strategy Group')
  assert.equal(stored.version, 2)

  const member = await gov().addMember(body.id, { person: 'Probation lead', role: 'member' }, systemActor)
  const mUrl = `/partnerships/${p.slug}/bodies/${body.slug}/members/${member.id}/edit`
  assert.equal((await a.post(mUrl, { person: 'Head of Probation', role: 'vice-chair', version: member.version })).status, 303)
  const stale = await b.post(mUrl, { person: 'Probation manager', role: 'member', version: member.version })
  assert.equal(stale.status, 409)
  assert.equal((await gov().getMember(body.id, member.id)).person, 'Head of Probation')
})

test('every change to a body and its members is in the audit trail with before and after values', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const probation = await org(unique('National Probation Service'))
  const body = await gov().create(p.id, { name: 'Substance Misuse Group', type: 'sub-group' }, systemActor)
  await c.post(`/partnerships/${p.slug}/bodies/${body.slug}/edit`, {
    name: 'Substance Misuse Oversight Group',
    type: 'sub-group',
    meetingFrequency: 'Quarterly',
    version: body.version,
  })
  const history = await historyOf(t.db, 'body', body.id)
  assert.equal(history[0].action, 'update')
  assert.equal(history[0].user_name, (c as any).user.name)
  assert.equal(history[0].partnership_id, p.id)
  assert.equal(history[0].before?.name, 'Substance Misuse Group')
  assert.equal(history[0].after?.name, 'Substance Misuse Oversight Group')
  assert.equal(history[0].after?.meeting_frequency, 'Quarterly')
  assert.equal(history[1].action, 'create')

  await c.post(`/partnerships/${p.slug}/bodies/${body.slug}/members/new`, {
    organisationId: probation.id,
    person: 'Head of Service',
    role: 'member',
  })
  const [member] = await gov().members(body.id)
  const memberHistory = await historyOf(t.db, 'body_member', member.id)
  assert.equal(memberHistory[0].action, 'create')
  assert.equal(memberHistory[0].after?.organisation_id, probation.id)
  assert.equal(memberHistory[0].partnership_id, p.id)

  const page = await c.get(`/partnerships/${p.slug}/history/body/${body.id}?back=/partnerships/${p.slug}/bodies/${body.slug}`)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /Substance Misuse Oversight Group/)
})

test('members are added, changed and removed through the forms, and a chair member is shown as the chair', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const wcc = await org(unique('Worcestershire County Council'))
  const body = await gov().create(p.id, { name: 'Prevent Strategy Group', type: 'sub-group' }, systemActor)
  const base = `/partnerships/${p.slug}/bodies/${body.slug}`
  assert.equal((await c.get(`${base}/members/new`)).status, 200)
  const added = await c.post(`${base}/members/new`, { organisationId: wcc.id, person: 'Public Health', role: 'chair' })
  assert.equal(added.status, 303)
  let page = await c.get(base)
  assert.match(text(page.body), new RegExp(`Chair Public Health, ${wcc.name}`))
  assert.match(text(page.body), new RegExp(`${wcc.name} Public Health Chair`))
  const map = await c.get(`/partnerships/${p.slug}/governance`)
  assert.match(text(map.body), new RegExp(`Prevent Strategy Group Sub-group – Public Health, ${wcc.name} 1`))

  const [m] = await gov().members(body.id)
  assert.equal((await c.get(`${base}/members/${m.id}/edit`)).status, 200)
  assert.equal(
    (
      await c.post(`${base}/members/${m.id}/edit`, {
        organisationId: wcc.id,
        person: 'Public Health',
        role: 'vice-chair',
        version: m.version,
      })
    ).status,
    303,
  )
  assert.equal((await gov().getMember(body.id, m.id)).role, 'vice-chair')
  page = await c.get(base)
  assert.match(text(page.body), /Chair Not recorded/)

  const removed = await c.post(`${base}/members/${m.id}/remove`, { version: m.version + 1 })
  assert.equal(removed.status, 303)
  assert.equal((await gov().members(body.id)).length, 0)
  assert.equal((await historyOf(t.db, 'body_member', m.id))[0].action, 'delete')
  page = await c.get(base)
  assert.match(text(page.body), /No members have been recorded for this body yet/)
})

test('the members API lists, adds, changes and removes members', async () => {
  const p = await makePartnership(t.services, { published: true })
  const c = await clientAs(t, 'editor', p.id)
  const police = await org(unique('West Mercia Police'))
  await gov().create(p.id, { name: 'Community Safety Partnership', type: 'community safety partnership' }, systemActor)
  const url = `/api/v1/partnerships/${p.slug}/bodies/community-safety-partnership/members`
  const created = await c.request('POST', url, { json: { organisationId: police.id, role: 'member' } })
  assert.equal(created.status, 201)
  assert.deepEqual(created.json().organisation, { id: police.id, name: police.name })
  const id = created.json().id
  const changed = await c.request('PUT', `${url}/${id}`, {
    json: { organisationId: police.id, person: 'Superintendent', role: 'adviser', version: 1 },
  })
  assert.equal(changed.status, 200)
  assert.equal(changed.json().role, 'adviser')
  const listed = await (await clientAs(t, 'anonymous')).get(url)
  assert.deepEqual(
    listed.json().map((m: any) => m.person),
    ['Superintendent'],
  )
  assert.equal((await c.request('DELETE', `${url}/${id}`)).status, 204)
  assert.deepEqual((await c.get(url)).json(), [])
})

test('a body that others report to cannot be deleted; one that none report to is deleted with its members', async () => {
  const p = await makePartnership(t.services)
  const c = await clientAs(t, 'editor', p.id)
  const { scb, below } = await worcestershire(p.id)
  const refused = await c.post(`/partnerships/${p.slug}/bodies/${scb.slug}/delete`, { version: scb.version })
  assert.equal(refused.status, 400)
  assert.match(errorSummary(refused.body), /You cannot delete Worcestershire Safer Communities Board because .* report to it/)
  assert.ok(await gov().find(p.id, scb.slug))
  const api = await c.request('DELETE', `/api/v1/partnerships/${p.slug}/bodies/${scb.slug}`)
  assert.equal(api.status, 400)

  const doomed = below[0]
  const member = await gov().addMember(doomed.id, { person: 'Chair of the forum', role: 'chair' }, systemActor)
  const res = await c.post(`/partnerships/${p.slug}/bodies/${doomed.slug}/delete`, { version: doomed.version })
  assert.equal(res.status, 303)
  assert.equal(res.headers.location, `/partnerships/${p.slug}/governance`)
  assert.equal(await gov().find(p.id, doomed.slug), undefined)
  assert.equal((await historyOf(t.db, 'body', doomed.id))[0].action, 'delete')
  assert.equal((await historyOf(t.db, 'body_member', member.id))[0].action, 'delete')
  assert.equal((await c.request('DELETE', `/api/v1/partnerships/${p.slug}/bodies/${below[1].slug}`)).status, 204)
  assert.equal((await gov().list(p.id)).length, 5)
})

test('viewers and contributors may read governance but not change it (403)', async () => {
  const p = await makePartnership(t.services)
  const board = await gov().create(p.id, { name: 'Board', type: 'board' }, systemActor)
  const member = await gov().addMember(board.id, { person: 'Chair', role: 'chair' }, systemActor)
  for (const role of ['viewer', 'contributor'] as const) {
    const c = await clientAs(t, role, p.id)
    assert.equal((await c.get(`/partnerships/${p.slug}/governance`)).status, 200)
    assert.equal((await c.get(`/partnerships/${p.slug}/bodies/board`)).status, 200)
    assert.equal((await c.get(`/partnerships/${p.slug}/bodies/new`)).status, 403)
    assert.equal((await c.post(`/partnerships/${p.slug}/bodies/new`, { name: 'Panel', type: 'panel' })).status, 403)
    assert.equal((await c.post(`/partnerships/${p.slug}/bodies/board/edit`, { name: 'Changed', type: 'board' })).status, 403)
    assert.equal((await c.post(`/partnerships/${p.slug}/bodies/board/delete`, {})).status, 403)
    assert.equal((await c.post(`/partnerships/${p.slug}/bodies/board/members/new`, { person: 'X', role: 'member' })).status, 403)
    assert.equal((await c.post(`/partnerships/${p.slug}/bodies/board/members/${member.id}/remove`, {})).status, 403)
    assert.equal((await c.request('POST', `/api/v1/partnerships/${p.slug}/bodies`, { json: { name: 'Panel', type: 'panel' } })).status, 403)
    assert.equal(
      (await c.request('PUT', `/api/v1/partnerships/${p.slug}/bodies/board`, { json: { name: 'Changed', type: 'board' } })).status,
      403,
    )
    assert.equal((await c.request('DELETE', `/api/v1/partnerships/${p.slug}/bodies/board/members/${member.id}`)).status, 403)
  }
  const page = await (await clientAs(t, 'viewer', p.id)).get(`/partnerships/${p.slug}/bodies/board`)
  assert.doesNotMatch(page.body, /Add a member|\/edit"|Delete Board/)
  const stored = await gov().get(p.id, 'board')
  assert.equal(stored.name, 'Board')
  assert.equal((await gov().list(p.id)).length, 1)
})

test("anonymous visitors read a published partnership's governance but cannot change it (401); an unpublished one is not found (404)", async () => {
  const anon = await clientAs(t, 'anonymous')
  const published = await makePartnership(t.services, { published: true })
  await gov().create(published.id, { name: 'Board', type: 'board' }, systemActor)
  assert.equal((await anon.get(`/partnerships/${published.slug}/governance`)).status, 200)
  const page = await anon.get(`/partnerships/${published.slug}/bodies/board`)
  assert.equal(page.status, 200)
  assert.doesNotMatch(page.body, /History of this body/)
  assert.equal((await anon.get(`/api/v1/partnerships/${published.slug}/bodies`)).status, 200)
  assert.equal((await anon.get(`/api/v1/partnerships/${published.slug}/bodies/board`)).status, 200)
  assert.equal(
    (await anon.request('POST', `/api/v1/partnerships/${published.slug}/bodies`, { json: { name: 'Panel', type: 'panel' } })).status,
    401,
  )
  assert.equal((await anon.request('DELETE', `/api/v1/partnerships/${published.slug}/bodies/board`)).status, 401)
  assert.equal((await anon.post(`/partnerships/${published.slug}/bodies/new`, { name: 'Panel', type: 'panel' })).status, 401)

  const hidden = await makePartnership(t.services, { published: false })
  await gov().create(hidden.id, { name: 'Board', type: 'board' }, systemActor)
  assert.equal((await anon.get(`/partnerships/${hidden.slug}/governance`)).status, 404)
  assert.equal((await anon.get(`/partnerships/${hidden.slug}/bodies/board`)).status, 404)
  assert.equal((await anon.get(`/partnerships/${hidden.slug}/governance/map.svg`)).status, 404)
  assert.equal((await anon.get(`/api/v1/partnerships/${hidden.slug}/bodies`)).status, 404)
  assert.equal(
    (await anon.request('POST', `/api/v1/partnerships/${hidden.slug}/bodies`, { json: { name: 'Panel', type: 'panel' } })).status,
    404,
  )
  assert.equal((await (await clientAs(t, 'outsider')).get(`/partnerships/${hidden.slug}/governance`)).status, 404)
  assert.equal((await anon.get(`/partnerships/${published.slug}/bodies/no-such-body`)).status, 404)
})

test('the bodies table exports as CSV and JSON', async () => {
  const p = await makePartnership(t.services, { published: true })
  const { scb } = await worcestershire(p.id)
  const anon = await clientAs(t, 'anonymous')
  const csv = await anon.get(`/partnerships/${p.slug}/governance?format=csv`)
  assert.match(csv.headers['content-type'], /text\/csv/)
  assert.match(csv.headers['content-disposition'], new RegExp(`governance-${p.slug}.csv`))
  const rows = csv.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
  assert.equal(
    rows[0],
    'slug,name,type,reports_to,reports_to_name,area_code,chair,meeting_frequency,members,statutory_basis,terms_of_reference,updated_at',
  )
  assert.equal(rows.length, 8)
  assert.match(rows[1], new RegExp(`^${scb.slug},Worcestershire Safer Communities Board,board,,,,"Director of Public Health, `))
  assert.ok(
    rows.some((r) =>
      r.startsWith(
        `worcestershire-prevent-strategy-group,Worcestershire Prevent Strategy Group,sub-group,${scb.slug},Worcestershire Safer Communities Board,`,
      ),
    ),
  )
  const json = (await anon.get(`/partnerships/${p.slug}/governance?format=json`)).json()
  assert.equal(json.length, 7)
  assert.equal(json[0].name, 'Worcestershire Safer Communities Board')
  assert.match((await anon.get(`/partnerships/${p.slug}/governance`)).body, /\?format=csv/)
})

test("the partnership's overview page summarises its governance, and says what to do when there is none", async () => {
  const p = await makePartnership(t.services, { published: true })
  const empty = await (await clientAs(t, 'editor', p.id)).get(`/partnerships/${p.slug}/governance`)
  assert.match(text(empty.body), /No bodies have been recorded for this partnership yet/)
  assert.match(empty.body, new RegExp(`href="/partnerships/${p.slug}/bodies/new"`))
  assert.deepEqual((await gov().overview(p, { includeUnpublished: false })).lines, ['No bodies recorded yet'])
  await worcestershire(p.id)
  const page = await (await clientAs(t, 'anonymous')).get(`/partnerships/${p.slug}`)
  assert.match(page.body, new RegExp(`href="/partnerships/${p.slug}/governance">Governance</a>`))
  assert.match(
    text(page.body),
    /7 bodies Chair: Director of Public Health, Worcestershire County Council[^ ]* Reporting to Worcestershire Safer Communities Board: 2 community safety partnerships, 4 sub-groups/,
  )
})
