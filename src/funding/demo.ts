/**
 * Funding in the demo, from the seeds' own papers (src/demo/content/README.md lists the sources):
 *   - seed 002, Herefordshire Council's scrutiny report on the CSP: "a grant of £80,000 from the office of the police
 *     and crime commissioner ... For 2016/17 £30,000 was allocated to address domestic violence, £15,000 to address
 *     antisocial behaviour and community cohesion, £20,000 to reducing reoffending and £15,000 to purchase analytical
 *     support";
 *   - seed 004, Worcestershire County Council's report to scrutiny, "PH community safety related expenditure ...
 *     projected for 2019/20": staffing £154,076; the alcohol and substance misuse contract £3,798,000 plus £106,000
 *     funded by West Mercia PCC; domestic abuse £417,000; trading standards £250,000 (the public health ring-fenced grant).
 * Entered through the funding service, as an editor would, on the partnerships the demo loader has just made.
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import type { Queryable } from '../platform/db/index.ts'

async function lineageOf(s: Services, partnershipId: number, number: number, tx: Queryable) {
  // The newest version (read with the transaction: every query inside it must use it).
  const versions = await s.agreement.listVersions(partnershipId, { includeUnpublished: true }, tx)
  const version = versions[versions.length - 1]
  const pr = version && (await s.agreement.priorities(version.id, tx)).find((x) => x.number === number)
  if (!pr) throw new Error(`The funding demo names priority ${number}, which the demo agreement does not have`)
  return pr.lineage_id
}

/** Returns the number of grants and contracts loaded. */
export async function loadFundingDemo(s: Services, actor: Actor, tx: Queryable): Promise<number> {
  let count = 0
  const pcc = await s.organisations.byName('West Mercia Police and Crime Commissioner', tx)

  const hereford = await s.partnerships.bySlug('herefordshire', tx)
  if (hereford) {
    const id = hereford.id
    const opcc = await s.funding.createFunder(
      id,
      { name: 'West Mercia Police and Crime Commissioner', kind: 'police and crime commissioner', organisationId: pcc?.id },
      actor,
      tx,
    )
    const grant = await s.funding.createGrant(
      id,
      {
        funderId: opcc.id,
        title: 'OPCC community safety grant',
        financialYear: '2016/17',
        amount: '£80,000',
        conditions:
          'Allocated against CSP priorities and projects; subject to PCC policy and budget restrictions (annual risk to this funding stream).',
        startsOn: '2016-04-01',
        endsOn: '2017-03-31',
      },
      actor,
      tx,
    )
    const allocations: [number | null, string | null, string][] = [
      [3, null, '£30,000'],
      [4, null, '£15,000'],
      [1, null, '£20,000'],
      [null, 'Analytical support', '£15,000'],
    ]
    for (const [priority, project, amount] of allocations)
      await s.funding.addAllocation(
        id,
        grant.id,
        { priorityLineage: priority ? await lineageOf(s, id, priority, tx) : undefined, project: project ?? undefined, amount },
        actor,
        tx,
      )
    await s.funding.setPublic(id, { visibility: 'public' }, actor, tx)
    count++
  }

  const worcs = await s.partnerships.bySlug('worcestershire', tx)
  if (worcs) {
    const id = worcs.id
    const wcc = await s.organisations.byName('Worcestershire County Council', tx)
    const ph = await s.funding.createFunder(
      id,
      { name: 'Public Health Ring Fenced Grant (Worcestershire County Council)', kind: 'public health grant', organisationId: wcc?.id },
      actor,
      tx,
    )
    const opcc = await s.funding.createFunder(
      id,
      { name: 'West Mercia Police and Crime Commissioner', kind: 'police and crime commissioner', organisationId: pcc?.id },
      actor,
      tx,
    )
    const grant = await s.funding.createGrant(
      id,
      {
        funderId: ph.id,
        title: 'Public health community safety spend',
        financialYear: '2019/20',
        amount: '£4,619,076',
        conditions: 'Meets the 2019/20 Local Authority regulations on the use of the Public Health Ring Fenced Grant.',
        startsOn: '2019-04-01',
        endsOn: '2020-03-31',
      },
      actor,
      tx,
    )
    const substance = await lineageOf(s, id, 4, tx)
    const domestic = await lineageOf(s, id, 3, tx)
    const harm = await lineageOf(s, id, 2, tx)
    const lines: [number | undefined, string, string][] = [
      [undefined, 'Staffing (3 FTE, strategic and operational posts)', '£154,076'],
      [substance, 'Alcohol and substance misuse contract', '£3,798,000'],
      [domestic, 'Domestic abuse contract', '£417,000'],
      [harm, 'Trading Standards (crime prevention, fraud, protecting vulnerable people)', '£250,000'],
    ]
    for (const [priorityLineage, project, amount] of lines)
      await s.funding.addAllocation(id, grant.id, { priorityLineage, project, amount }, actor, tx)
    const pccGrant = await s.funding.createGrant(
      id,
      {
        funderId: opcc.id,
        title: 'PCC contribution to the substance misuse contract',
        financialYear: '2019/20',
        amount: '£106,000',
        startsOn: '2019-04-01',
        endsOn: '2020-03-31',
      },
      actor,
      tx,
    )
    await s.funding.addAllocation(
      id,
      pccGrant.id,
      { priorityLineage: substance, project: 'Alcohol and substance misuse contract', amount: '£106,000' },
      actor,
      tx,
    )
    const misuse = await s.funding.createContract(
      id,
      { name: 'Alcohol and substance misuse contract', priorityLineage: substance, startsOn: '2019-04-01', endsOn: '2020-03-31' },
      actor,
      tx,
    )
    await s.funding.addContractLine(id, misuse.id, { financialYear: '2019/20', funderId: ph.id, amount: '£3,798,000' }, actor, tx)
    await s.funding.addContractLine(
      id,
      misuse.id,
      { financialYear: '2019/20', funderId: opcc.id, amount: '£106,000', note: 'Funded by West Mercia Police and Crime Commissioner' },
      actor,
      tx,
    )
    const da = await s.funding.createContract(
      id,
      { name: 'Domestic abuse contract', priorityLineage: domestic, startsOn: '2019-04-01', endsOn: '2020-03-31' },
      actor,
      tx,
    )
    await s.funding.addContractLine(id, da.id, { financialYear: '2019/20', funderId: ph.id, amount: '£417,000' }, actor, tx)
    await s.funding.setPublic(id, { visibility: 'public' }, actor, tx)
    count += 4
  }
  return count
}
