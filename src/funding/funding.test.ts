/**
 * Funding: grants, allocations, spend and contracts through the pages and the API, their sums checked against the
 * seeds' figures added by hand (seed 002: Herefordshire's £80,000 PCC grant; seed 004: Worcestershire's public health
 * spend and co-funded substance misuse contract), bad input, and who may see and change what.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makePartnership, errorSummary, text, type TestApp } from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

const HEREFORDSHIRE_PRIORITIES = [
  'Reduce re-offending/bring offenders to account (adults and youths)',
  'Address the harm caused by alcohol and drugs',
  'Address domestic violence and abuse',
  'Promote community cohesion and reduce anti-social behaviour',
  'Address the harm from sexual exploitation',
]

/** A partnership with an agreement of Herefordshire's five priorities; their lineages by number. */
async function partnership(opts: { published?: boolean; public?: boolean } = {}) {
  const p = await makePartnership(t.services, { published: opts.published ?? true })
  const v = await t.services.agreement.createVersion(p.id, { title: 'Community safety strategy', published: true }, systemActor)
  const lineage = new Map<number, number>()
  for (const [i, title] of HEREFORDSHIRE_PRIORITIES.entries()) {
    const pr = await t.services.agreement.addPriority(v.id, { number: i + 1, title, leadIds: [] }, systemActor)
    lineage.set(i + 1, pr.lineage_id)
  }
  if (opts.public) await t.services.funding.setPublic(p.id, { visibility: 'public' }, systemActor)
  return { p, lineage, base: `/partnerships/${p.slug}/funding` }
}

const counts = async (partnershipId: number) => {
  const [r] = await t.db.query<{ grants: number; allocations: number; spend: number }>(
    `SELECT (SELECT count(*) FROM grants WHERE partnership_id = $1)::int AS grants,
            (SELECT count(*) FROM grant_allocations a JOIN grants g ON g.id = a.grant_id WHERE g.partnership_id = $1)::int AS allocations,
            (SELECT count(*) FROM spend_entries s JOIN grant_allocations a ON a.id = s.allocation_id JOIN grants g ON g.id = a.grant_id WHERE g.partnership_id = $1)::int AS spend`,
    [partnershipId],
  )
  return r
}

test("Herefordshire's £80,000 PCC grant, entered through the forms as an officer types it, is allocated in full (seed 002)", async () => {
  const { p, lineage, base } = await partnership()
  const editor = await clientAs(t, 'editor', p.id)
  let res = await editor.post(`${base}/funders/new`, {
    name: 'West Mercia Police and Crime Commissioner',
    kind: 'police and crime commissioner',
  })
  assert.equal(res.status, 303, errorSummary(res.body))
  const [funder] = await t.db.query<{ id: number }>('SELECT id FROM funders WHERE partnership_id = $1', [p.id])
  res = await editor.post(`${base}/grants/new`, {
    funderId: funder.id,
    title: 'OPCC community safety grant',
    financialYear: '2016/17',
    amount: '£80,000',
    'startsOn-day': '1',
    'startsOn-month': '4',
    'startsOn-year': '2016',
    'endsOn-day': '31',
    'endsOn-month': '3',
    'endsOn-year': '2017',
  })
  assert.equal(res.status, 303, errorSummary(res.body))
  const grantHref = res.headers.location as string
  for (const [priorityLineage, project, amount] of [
    [lineage.get(3), '', '£30,000'],
    [lineage.get(4), '', '15,000'],
    [lineage.get(1), '', '£20,000.00'],
    ['', 'Analytical support', '£15,000'],
  ]) {
    res = await editor.post(`${grantHref}/allocations/new`, { priorityLineage, project, amount })
    assert.equal(res.status, 303, errorSummary(res.body))
  }
  const page = text((await editor.get(grantHref)).body)
  // 30,000 + 15,000 + 20,000 + 15,000 = 80,000: nothing left to allocate.
  assert.match(page, /Allocated £80,000 \(£0 not yet allocated\)/)
  assert.match(page, /Analytical support £15,000/)

  // One pound more is refused, with what is left, and nothing is saved.
  const before = await counts(p.id)
  res = await editor.post(`${grantHref}/allocations/new`, { priorityLineage: lineage.get(2), amount: '£1' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /add up to £80,001, more than the grant of £80,000: £0 is left to allocate/)
  assert.deepEqual(await counts(p.id), before)

  // The summary by priority, on the page and in its download.
  const csv = await editor.get(`${base}?table=by-priority&format=csv`)
  assert.equal(csv.status, 200)
  const rows = csv.body.trim().split('\n')
  assert.equal(rows[0].trim(), 'priority,allocated,spent,remaining,contracts')
  assert.ok(
    rows.some((r) => r.startsWith('Priority 3: Address domestic violence and abuse,30000,0,30000,0')),
    csv.body,
  )
  assert.ok(
    rows.some((r) => r.startsWith('Not linked to a priority,15000,0,15000,0')),
    csv.body,
  )
  const funding = await editor.get(base)
  assert.equal(funding.status, 200)
  assert.match(funding.body, /<svg[^>]*role="img"/)
  assert.match(text(funding.body), /Grants: £80,000 ?, of which £0 spent/)
})

test("Worcestershire's substance misuse contract is £3,798,000 plus £106,000 from the PCC (seed 004), and the API adds the grant's lines", async () => {
  const { p, lineage } = await partnership({ public: true })
  const f = t.services.funding
  const ph = await f.createFunder(p.id, { name: 'Public Health Ring Fenced Grant', kind: 'public health grant' }, systemActor)
  const pcc = await f.createFunder(p.id, { name: 'West Mercia PCC', kind: 'police and crime commissioner' }, systemActor)
  const grant = await f.createGrant(
    p.id,
    { funderId: ph.id, title: 'Public health community safety spend', financialYear: '2019/20', amount: '4,619,076' },
    systemActor,
  )
  for (const [project, amount] of [
    ['Staffing', '£154,076'],
    ['Alcohol and substance misuse contract', '£3,798,000'],
    ['Domestic abuse contract', '£417,000'],
    ['Trading Standards', '£250,000'],
  ])
    await f.addAllocation(p.id, grant.id, { project, amount }, systemActor)
  const contract = await f.createContract(
    p.id,
    { name: 'Alcohol and substance misuse contract', priorityLineage: lineage.get(2) },
    systemActor,
  )
  await f.addContractLine(p.id, contract.id, { financialYear: '2019/20', funderId: ph.id, amount: '£3,798,000' }, systemActor)
  await f.addContractLine(p.id, contract.id, { financialYear: '2019/20', funderId: pcc.id, amount: 106000 }, systemActor)

  const anonymous = await clientAs(t, 'anonymous')
  const api = await anonymous.get(`/api/v1/partnerships/${p.slug}/funding`)
  assert.equal(api.status, 200)
  const body = api.json()
  const g = body.grants[0]
  // 154,076 + 3,798,000 + 417,000 + 250,000 = 4,619,076
  assert.equal(g.allocated, 4619076)
  assert.equal(g.unallocated, 0)
  // 3,798,000 + 106,000 = 3,904,000
  assert.equal(body.contracts[0].total, 3904000)
  const byFunder = Object.fromEntries(body.summaries.byFunder.map((r: { funder: string; contracts: number }) => [r.funder, r.contracts]))
  assert.deepEqual(byFunder, { 'Public Health Ring Fenced Grant': 3798000, 'West Mercia PCC': 106000 })
  const year = body.summaries.byYear.find((r: { financialYear: string }) => r.financialYear === '2019/20')
  assert.equal(year.granted, 4619076)
  assert.equal(year.contracts, 3904000)

  const page = text((await anonymous.get(`/partnerships/${p.slug}/funding/contracts/${contract.id}`)).body)
  assert.match(page, /Total of its budget lines £3,904,000/)
})

test('spending is tracked against an allocation and the balance falls; a closed grant takes no more', async () => {
  const { p, lineage, base } = await partnership()
  const f = t.services.funding
  const funder = await f.createFunder(p.id, { name: 'Home Office', kind: 'Home Office' }, systemActor)
  const grant = await f.createGrant(
    p.id,
    {
      funderId: funder.id,
      title: 'Serious violence fund',
      financialYear: '2020/21',
      amount: '10000',
      startsOn: '2020-04-01',
      endsOn: '2021-03-31',
    },
    systemActor,
  )
  const a = await f.addAllocation(p.id, grant.id, { priorityLineage: lineage.get(3), amount: '£6,000' }, systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  const href = `${base}/grants/${grant.id}`
  const spend = (amount: string, day = '14', extra: Record<string, string> = {}) =>
    editor.post(`${href}/spend/new`, {
      allocationId: String(a.id),
      'spentOn-day': day,
      'spentOn-month': '9',
      'spentOn-year': '2020',
      amount,
      description: 'Refuge places',
      ...extra,
    })
  let res = await spend('£2,500.50')
  assert.equal(res.status, 303, errorSummary(res.body))
  res = await spend('1,000')
  assert.equal(res.status, 303, errorSummary(res.body))
  const view = await f.grant(p.id, grant.id, { member: true })
  // 2,500.50 + 1,000 = 3,500.50 spent; 10,000 - 3,500.50 = 6,499.50 left of the grant; 6,000 - 3,500.50 = 2,499.50 of the allocation.
  assert.equal(view.spentPence, 350050)
  assert.equal(view.remainingPence, 649950)
  assert.equal(view.allocations[0].remainingPence, 249950)

  const before = await counts(p.id)
  res = await spend('£2,499.51')
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /more than is left of this allocation: £2,499.50 of £6,000 is left/)
  res = await spend('£10', '14', { 'spentOn-year': '2022' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /on or before the grant ends/)

  // Closed: spending and allocations are refused with a message, nothing saved.
  await f.updateGrant(
    p.id,
    grant.id,
    {
      funderId: funder.id,
      title: 'Serious violence fund',
      financialYear: '2020/21',
      amount: '10000',
      startsOn: '2020-04-01',
      endsOn: '2021-03-31',
      status: 'closed',
    },
    systemActor,
  )
  res = await spend('£10')
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Serious violence fund is closed: you cannot record spending against it/)
  res = await editor.post(`${href}/allocations/new`, { project: 'Late idea', amount: '£10' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /is closed: you cannot allocate money from it/)
  assert.deepEqual(await counts(p.id), before)
})

test('bad input: end before start, negative and non-numeric amounts, a wrong financial year; each explained, nothing saved', async () => {
  const { p, base } = await partnership()
  const funder = await t.services.funding.createFunder(p.id, { name: 'Council', kind: 'council' }, systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  const grant = (over: Record<string, string>) =>
    editor.post(`${base}/grants/new`, { funderId: String(funder.id), title: 'Grant', financialYear: '2016/17', amount: '1000', ...over })
  const cases: [Record<string, string>, RegExp][] = [
    [{ amount: '-£500' }, /Amount cannot be negative/],
    [{ amount: 'eighty thousand' }, /Amount must be an amount in pounds, like £15,000 or 15000.50/],
    [{ amount: '0' }, /Amount must be more than £0/],
    [{ amount: '' }, /Enter amount in pounds/],
    [{ financialYear: '2016/18' }, /Financial year must be two years in a row, like 2016\/17/],
    [{ financialYear: '2016-2017' }, /Enter the financial year like 2016\/17/],
    [{ financialYear: '2016-17' }, /Financial year must be written like 2016\/17/],
    [{ funderId: '' }, /Select the funder from the list/],
    [
      {
        'startsOn-day': '1',
        'startsOn-month': '4',
        'startsOn-year': '2017',
        'endsOn-day': '31',
        'endsOn-month': '3',
        'endsOn-year': '2017',
      },
      /The end date must be the same as or after the start date/,
    ],
    [{ 'startsOn-day': '31', 'startsOn-month': '2', 'startsOn-year': '2017' }, /Start date must be a real date/],
  ]
  for (const [over, message] of cases) {
    const res = await grant(over)
    assert.equal(res.status, 400, JSON.stringify(over))
    assert.match(errorSummary(res.body), message, JSON.stringify(over))
    // The form keeps what was typed.
    if (over.amount) assert.match(res.body, new RegExp(`value="${over.amount.replace(/[$£]/g, '.')}"`))
  }
  assert.equal((await counts(p.id)).grants, 0)

  // An allocation needs a priority or a project; a contract's end is after its start.
  const g = await t.services.funding.createGrant(
    p.id,
    { funderId: funder.id, title: 'Grant', financialYear: '2016/17', amount: 1000 },
    systemActor,
  )
  let res = await editor.post(`${base}/grants/${g.id}/allocations/new`, { amount: '100' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Select a priority or enter a project/)
  res = await editor.post(`${base}/contracts/new`, {
    name: 'Contract',
    'startsOn-day': '1',
    'startsOn-month': '4',
    'startsOn-year': '2020',
    'endsOn-day': '1',
    'endsOn-month': '4',
    'endsOn-year': '2019',
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /The end date must be the same as or after the start date/)
  // Through the API's service the same rules hold.
  await assert.rejects(
    t.services.funding.addAllocation(p.id, g.id, { project: 'x', amount: -5 }, systemActor),
    (err: { fields?: Record<string, string> }) => err.fields?.amount === 'Amount cannot be negative',
  )
})

test('who sees funding: members always; the public only when the partnership is published and its funding public', async () => {
  const { p, base } = await partnership({ published: true })
  const funder = await t.services.funding.createFunder(p.id, { name: 'PCC', kind: 'police and crime commissioner' }, systemActor)
  const g = await t.services.funding.createGrant(
    p.id,
    { funderId: funder.id, title: 'Grant', financialYear: '2016/17', amount: 1000 },
    systemActor,
  )
  const anonymous = await clientAs(t, 'anonymous')
  const viewer = await clientAs(t, 'viewer', p.id)
  const outsider = await clientAs(t, 'outsider')
  for (const url of [base, `${base}/grants/${g.id}`, `${base}/print`, `/api/v1/partnerships/${p.slug}/funding`]) {
    assert.equal((await anonymous.get(url)).status, 404, url)
    assert.equal((await outsider.get(url)).status, 404, url)
    assert.equal((await viewer.get(url)).status, 200, url)
  }
  // A viewer reads but may not change anything; an editor makes it public.
  assert.equal((await viewer.post(`${base}/settings`, { visibility: 'public' })).status, 403)
  assert.doesNotMatch((await viewer.get(base)).body, /Add a grant/)
  const editor = await clientAs(t, 'editor', p.id)
  const res = await editor.post(`${base}/settings`, { visibility: 'public' })
  assert.equal(res.status, 303)
  for (const url of [base, `${base}/grants/${g.id}`, `/api/v1/partnerships/${p.slug}/funding`])
    assert.equal((await anonymous.get(url)).status, 200, url)
  // An empty choice is a message, not a change.
  const empty = await editor.post(`${base}/settings`, {})
  assert.equal(empty.status, 400)
  assert.match(errorSummary(empty.body), /Select who can see the funding/)

  // Unpublished partnership: the public sees nothing even with its funding public.
  const hidden = await partnership({ published: false, public: true })
  assert.equal((await anonymous.get(hidden.base)).status, 404)
  // Another partnership's grant is not found through this one.
  assert.equal((await editor.get(`${hidden.base}/grants/${g.id}`)).status, 404)
})

test('the print view draws the summaries and the allocations', async () => {
  const { p, lineage, base } = await partnership({ public: true })
  const funder = await t.services.funding.createFunder(p.id, { name: 'PCC', kind: 'police and crime commissioner' }, systemActor)
  const g = await t.services.funding.createGrant(
    p.id,
    { funderId: funder.id, title: 'OPCC grant', financialYear: '2016/17', amount: 80000 },
    systemActor,
  )
  await t.services.funding.addAllocation(p.id, g.id, { priorityLineage: lineage.get(3), amount: 30000 }, systemActor)
  const res = await (await clientAs(t, 'anonymous')).get(`${base}/print`)
  assert.equal(res.status, 200)
  const page = text(res.body)
  assert.match(page, /Priority 3: Address domestic violence and abuse £30,000/)
  assert.match(page, /Download as PDF/)
  // Each summary's chart, drawn wide and narrow (one of the two is shown).
  assert.equal((res.body.match(/<svg[^>]*role="img"/g) ?? []).length, 6)
})

/** A grant of £10,000 with £6,000 allocated to a priority and £2,000 spent from it. */
async function grantWithSpend() {
  const { p, lineage, base } = await partnership()
  const f = t.services.funding
  const funder = await f.createFunder(p.id, { name: 'Council', kind: 'council' }, systemActor)
  const grant = await f.createGrant(
    p.id,
    { funderId: funder.id, title: 'Community grant', financialYear: '2020/21', amount: 10000 },
    systemActor,
  )
  const a = await f.addAllocation(p.id, grant.id, { priorityLineage: lineage.get(3), amount: 6000 }, systemActor)
  const s = await f.addSpend(
    p.id,
    grant.id,
    { allocationId: a.id, spentOn: '2020-06-01', amount: 2000, description: 'Training' },
    systemActor,
  )
  return { p, lineage, base, funder, grant, a, s, href: `${base}/grants/${grant.id}` }
}

test('an allocation can be changed, but not past the grant nor below what is spent from it', async () => {
  const { p, lineage, grant, a, href } = await grantWithSpend()
  const editor = await clientAs(t, 'editor', p.id)
  const form = await editor.get(`${href}/allocations/${a.id}/edit`)
  assert.match(form.body, /value="6,000"/)
  let res = await editor.post(`${href}/allocations/${a.id}/edit`, {
    priorityLineage: lineage.get(3),
    amount: '£10,000.01',
    version: a.version,
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /add up to £10,000.01, more than the grant of £10,000: £10,000 is left to allocate/)
  res = await editor.post(`${href}/allocations/${a.id}/edit`, { priorityLineage: lineage.get(3), amount: '1,999.99', version: a.version })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /cannot be less than the £2,000 already spent from it/)
  res = await editor.post(`${href}/allocations/${a.id}/edit`, { priorityLineage: lineage.get(3), amount: '£7,500', version: a.version })
  assert.equal(res.status, 303, errorSummary(res.body))
  const g = await t.services.funding.grant(p.id, grant.id, { member: true })
  // 10,000 - 7,500 = 2,500 not allocated; 7,500 - 2,000 = 5,500 left of the allocation.
  assert.equal(g.unallocatedPence, 250000)
  assert.equal(g.allocations[0].remainingPence, 550000)
})

test('an allocation with spending cannot be removed; once its spending is removed, it can', async () => {
  const { p, a, s, href } = await grantWithSpend()
  const editor = await clientAs(t, 'editor', p.id)
  let res = await editor.post(`${href}/allocations/${a.id}/remove`, { version: a.version })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /has spending recorded against it: remove the spending first/)
  res = await editor.post(`${href}/spend/${s.id}/remove`, { version: s.version })
  assert.equal(res.status, 303)
  res = await editor.post(`${href}/allocations/${a.id}/remove`, { version: a.version })
  assert.equal(res.status, 303)
  assert.deepEqual(await counts(p.id), { grants: 1, allocations: 0, spend: 0 })
})

test('deleting a contract whose version is stale changes nothing: its budget lines stay', async () => {
  const { p, base } = await partnership()
  const f = t.services.funding
  const funder = await f.createFunder(p.id, { name: 'PCC', kind: 'police and crime commissioner' }, systemActor)
  const c = await f.createContract(p.id, { name: 'Substance misuse contract', providerName: 'A provider' }, systemActor)
  await f.addContractLine(p.id, c.id, { financialYear: '2019/20', funderId: funder.id, amount: 106000 }, systemActor)
  await f.updateContract(p.id, c.id, { name: 'Alcohol and substance misuse contract', version: c.version }, systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  const res = await editor.post(`${base}/contracts/${c.id}/delete`, { version: c.version })
  assert.equal(res.status, 409)
  const lines = await t.db.query('SELECT 1 FROM contract_funding WHERE contract_id = $1', [c.id])
  assert.equal(lines.length, 1)
  assert.equal((await editor.post(`${base}/contracts/${c.id}/delete`, { version: c.version + 1 })).status, 303)
  assert.equal((await t.db.query('SELECT 1 FROM contract_funding WHERE contract_id = $1', [c.id])).length, 0)
})

test('a contract line repeats no funder in the same year, and names a funder of this partnership', async () => {
  const { p, base } = await partnership()
  const other = await partnership()
  const f = t.services.funding
  const funder = await f.createFunder(p.id, { name: 'PCC', kind: 'police and crime commissioner' }, systemActor)
  const theirs = await f.createFunder(other.p.id, { name: 'Their council', kind: 'council' }, systemActor)
  const c = await f.createContract(p.id, { name: 'Contract' }, systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  const line = (funderId: number) =>
    editor.post(`${base}/contracts/${c.id}/lines/new`, { financialYear: '2019/20', funderId, amount: '£1,000' })
  assert.equal((await line(funder.id)).status, 303)
  let res = await line(funder.id)
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Contract already has a line from PCC in 2019\/20/)
  res = await line(theirs.id)
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Select the funder from the list/)
})

test("the partnership's overview has a Funding box for members, and for the public only when funding is public", async () => {
  const { p } = await partnership()
  const funder = await t.services.funding.createFunder(p.id, { name: 'PCC', kind: 'police and crime commissioner' }, systemActor)
  await t.services.funding.createGrant(
    p.id,
    { funderId: funder.id, title: 'Grant', financialYear: '2016/17', amount: '80,000' },
    systemActor,
  )
  const viewer = await clientAs(t, 'viewer', p.id)
  const anonymous = await clientAs(t, 'anonymous')
  assert.match(text((await viewer.get(`/partnerships/${p.slug}`)).body), /Funding 1 grant: £80,000, £0 spent/)
  assert.doesNotMatch(text((await anonymous.get(`/partnerships/${p.slug}`)).body), /Funding 1 grant/)
  await t.services.funding.setPublic(p.id, { visibility: 'public' }, systemActor)
  assert.match(text((await anonymous.get(`/partnerships/${p.slug}`)).body), /Funding 1 grant: £80,000, £0 spent/)
})
