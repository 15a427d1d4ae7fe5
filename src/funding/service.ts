/**
 * Funding: a partnership's funders, the grants they give (by financial year), each grant's allocations to the
 * agreement's priorities (by lineage) or to named projects, what is spent against each allocation, and the contracts
 * its members commission with their budget lines (co-funding included). Summaries by priority, funder and year.
 *
 * Who sees it: the partnership's members always; anyone else only when the partnership is published (the access rule)
 * and its funding is marked public (funding_settings.public, off until an editor turns it on). Otherwise 404.
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import type { OrganisationService } from '../organisations/service.ts'
import type { AgreementService } from '../agreement/service.ts'
import { plural } from '../platform/format.ts'
import {
  AllocationInput,
  ContractInput,
  ContractLineInput,
  FunderInput,
  GrantInput,
  SettingsInput,
  SpendInput,
  KIND_LABELS,
  type FunderKind,
  type GrantStatus,
} from './schema.ts'
import { financialYearError, formatPence, parseMoney, penceToDecimal, penceToPounds, toPence } from './money.ts'

export interface Viewer {
  /** A member of the partnership (sees unpublished agreement versions and funding that is not public). */
  member: boolean
}

export interface FunderRow {
  id: number
  partnership_id: number
  name: string
  kind: FunderKind
  organisation_id: number | null
  version: number
  updated_at: Date
}
export interface GrantRow {
  id: number
  partnership_id: number
  funder_id: number
  title: string
  financial_year: string
  amount: number
  conditions: string | null
  starts_on: string | null
  ends_on: string | null
  status: GrantStatus
  version: number
  updated_at: Date
}
export interface AllocationRow {
  id: number
  grant_id: number
  priority_lineage: number | null
  project: string | null
  action_id: number | null
  amount: number
  version: number
}
export interface SpendRow {
  id: number
  allocation_id: number
  spent_on: string
  amount: number
  description: string
  version: number
}
export interface ContractRow {
  id: number
  partnership_id: number
  name: string
  provider_organisation_id: number | null
  provider_name: string | null
  priority_lineage: number | null
  starts_on: string | null
  ends_on: string | null
  description: string | null
  version: number
  updated_at: Date
}
export interface ContractLineRow {
  id: number
  contract_id: number
  financial_year: string
  funder_id: number
  amount: number
  note: string | null
  version: number
}

/** Amounts in views are in pence (whole numbers), so sums are exact. */
export interface AllocationView extends AllocationRow {
  priorityName: string | null
  label: string
  pence: number
  spentPence: number
  remainingPence: number
  spend: (SpendRow & { pence: number })[]
}
export interface GrantView extends GrantRow {
  funder: string
  funderKind: FunderKind
  pence: number
  allocatedPence: number
  spentPence: number
  remainingPence: number
  unallocatedPence: number
  allocations: AllocationView[]
}
export interface ContractView extends ContractRow {
  provider: string | null
  priorityName: string | null
  totalPence: number
  lines: (ContractLineRow & { funder: string; pence: number })[]
}
export interface SummaryRow {
  key: string
  label: string
  kind?: string
  grantedPence: number
  allocatedPence: number
  spentPence: number
  remainingPence: number
  contractsPence: number
}
export interface FundingView {
  public: boolean
  settingsVersion: number | null
  funders: (FunderRow & { organisation: string | null; grants: number })[]
  grants: GrantView[]
  contracts: ContractView[]
  byPriority: SummaryRow[]
  byFunder: SummaryRow[]
  byYear: SummaryRow[]
  totals: SummaryRow
}

export const NOT_A_PRIORITY = 'Not linked to a priority'

const text = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)

/** Read an amount or throw the field's message. */
function pence(value: unknown, field = 'amount', title = 'Amount'): number {
  const r = parseMoney(value, title)
  if ('error' in r) throw new ValidationError({ [field]: r.error })
  if (r.pence <= 0) throw new ValidationError({ [field]: `${title} must be more than £0` })
  return r.pence
}

function checkYear(value: string, field = 'financialYear') {
  const err = financialYearError(value)
  if (err) throw new ValidationError({ [field]: err })
  return value.trim()
}

function checkDates(start: string | null | undefined, end: string | null | undefined) {
  if (start && end && end < start) throw new ValidationError({ endsOn: 'The end date must be the same as or after the start date' })
}

export function fundingService(db: Db, deps: { organisations: OrganisationService; agreement: AgreementService }) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  async function settingsOf(partnershipId: number, q: Queryable = db) {
    return maybeOne<{ id: number; public: boolean; version: number }>(
      q,
      'SELECT id, public, version FROM funding_settings WHERE partnership_id = $1',
      [partnershipId],
    )
  }

  /** 404 for anyone who is not a member when the partnership's funding is not public. */
  async function checkVisible(partnershipId: number, viewer: Viewer, q: Queryable = db) {
    if (viewer.member) return
    if (!(await settingsOf(partnershipId, q))?.public) throw new NotFoundError()
  }

  /**
   * The name of each priority lineage of the partnership's agreement, from the newest version the viewer may see that
   * has it ("Priority 3: Address domestic violence and abuse").
   */
  async function priorityNames(partnershipId: number, includeUnpublished: boolean, q: Queryable = db): Promise<Map<number, string>> {
    const names = new Map<number, string>()
    for (const v of await deps.agreement.listVersions(partnershipId, { includeUnpublished }, q))
      for (const pr of await deps.agreement.priorities(v.id, q)) names.set(pr.lineage_id, `Priority ${pr.number}: ${pr.title}`)
    return names
  }

  /** The priorities an allocation or contract may name: those of the latest agreement version (members' view). */
  async function priorityChoices(partnershipId: number, q: Queryable = db): Promise<{ value: number; text: string }[]> {
    const version = await deps.agreement.latestVersion(partnershipId, { includeUnpublished: true })
    if (!version) return []
    return (await deps.agreement.priorities(version.id, q)).map((pr) => ({
      value: pr.lineage_id,
      text: `Priority ${pr.number}: ${pr.title}`,
    }))
  }

  async function checkLineage(q: Queryable, partnershipId: number, lineage: number | null | undefined) {
    if (lineage === null || lineage === undefined) return
    if (!(await priorityNames(partnershipId, true, q)).has(lineage))
      throw new ValidationError({ priorityLineage: "Select the priority from the list of the partnership's agreement" })
  }

  async function funderOf(q: Queryable, partnershipId: number, funderId: number, field = 'funderId') {
    const f = await maybeOne<FunderRow>(q, 'SELECT * FROM funders WHERE id = $1 AND partnership_id = $2', [funderId, partnershipId])
    if (!f) throw new ValidationError({ [field]: 'Select the funder from the list' })
    return f
  }

  /** A grant of this partnership, locked for a change (so two allocations at once cannot together pass its amount). */
  async function lockedGrant(q: Queryable, partnershipId: number, grantId: number) {
    const g = await maybeOne<GrantRow>(q, 'SELECT * FROM grants WHERE id = $1 AND partnership_id = $2 FOR UPDATE', [grantId, partnershipId])
    if (!g) throw new NotFoundError()
    return g
  }

  async function allocatedPence(q: Queryable, grantId: number, exceptId?: number) {
    const [r] = await q.query<{ total: number }>(
      'SELECT coalesce(sum(amount), 0) AS total FROM grant_allocations WHERE grant_id = $1 AND id IS DISTINCT FROM $2',
      [grantId, exceptId ?? null],
    )
    return toPence(r.total)
  }

  async function grantSummary(q: Queryable, g: GrantRow) {
    const f = await maybeOne<{ name: string }>(q, 'SELECT name FROM funders WHERE id = $1', [g.funder_id])
    return `${g.title} (${f?.name ?? 'funder'}, ${g.financial_year})`
  }

  async function allocationLabel(
    q: Queryable,
    partnershipId: number,
    a: Pick<AllocationRow, 'priority_lineage' | 'project' | 'action_id'>,
  ) {
    const names = a.priority_lineage !== null ? await priorityNames(partnershipId, true, q) : new Map<number, string>()
    return labelOf(a, a.priority_lineage !== null ? (names.get(a.priority_lineage) ?? null) : null)
  }

  async function allocationValues(q: Queryable, partnershipId: number, data: AllocationInput) {
    const project = text(data.project)
    if (!data.priorityLineage && !project && !data.actionId)
      throw new ValidationError({ priorityLineage: 'Select a priority or enter a project (or both)' })
    await checkLineage(q, partnershipId, data.priorityLineage)
    return { priority_lineage: data.priorityLineage ?? null, project, action_id: data.actionId ?? null, pence: pence(data.amount) }
  }

  function overAllocated(grant: GrantRow, others: number, adding: number) {
    const amount = toPence(grant.amount)
    if (others + adding <= amount) return
    const left = Math.max(0, amount - others)
    throw new ValidationError({
      amount: `The allocations would add up to ${formatPence(others + adding)}, more than the grant of ${formatPence(amount)}: ${formatPence(left)} is left to allocate`,
    })
  }

  function closedGrant(grant: GrantRow, field: string, what: string): void {
    if (grant.status === 'closed')
      throw new ValidationError({ [field]: `${grant.title} is closed: you cannot ${what}. Reopen the grant first if this is right.` })
  }

  async function load(partnershipId: number, viewer: Viewer, q: Queryable = db): Promise<FundingView> {
    const settings = await settingsOf(partnershipId, q)
    const names = await priorityNames(partnershipId, viewer.member, q)
    const funders = await q.query<FunderRow>('SELECT * FROM funders WHERE partnership_id = $1 ORDER BY lower(name), id', [partnershipId])
    const grants = await q.query<GrantRow>('SELECT * FROM grants WHERE partnership_id = $1 ORDER BY financial_year, lower(title), id', [
      partnershipId,
    ])
    const allocations = await q.query<AllocationRow>(
      'SELECT a.* FROM grant_allocations a JOIN grants g ON g.id = a.grant_id WHERE g.partnership_id = $1 ORDER BY a.id',
      [partnershipId],
    )
    const spend = await q.query<SpendRow>(
      `SELECT s.* FROM spend_entries s JOIN grant_allocations a ON a.id = s.allocation_id JOIN grants g ON g.id = a.grant_id
       WHERE g.partnership_id = $1 ORDER BY s.spent_on, s.id`,
      [partnershipId],
    )
    const contracts = await q.query<ContractRow>('SELECT * FROM contracts WHERE partnership_id = $1 ORDER BY lower(name), id', [
      partnershipId,
    ])
    const lines = await q.query<ContractLineRow>(
      `SELECT l.* FROM contract_funding l JOIN contracts c ON c.id = l.contract_id WHERE c.partnership_id = $1 ORDER BY l.financial_year, l.id`,
      [partnershipId],
    )
    const orgs = await deps.organisations.names(
      [...funders.map((f) => f.organisation_id), ...contracts.map((c) => c.provider_organisation_id)].filter(
        (x): x is number => x !== null,
      ),
      q,
    )
    const funderById = new Map(funders.map((f) => [f.id, f]))
    const priorityName = (lineage: number | null) => (lineage === null ? null : (names.get(lineage) ?? 'A priority not yet published'))

    const grantViews: GrantView[] = grants.map((g) => {
      const allocs: AllocationView[] = allocations
        .filter((a) => a.grant_id === g.id)
        .map((a) => {
          const entries = spend.filter((s) => s.allocation_id === a.id).map((s) => ({ ...s, pence: toPence(s.amount) }))
          const p = toPence(a.amount)
          const spent = entries.reduce((n, s) => n + s.pence, 0)
          const pn = priorityName(a.priority_lineage)
          return { ...a, priorityName: pn, label: labelOf(a, pn), pence: p, spentPence: spent, remainingPence: p - spent, spend: entries }
        })
      const p = toPence(g.amount)
      const allocated = allocs.reduce((n, a) => n + a.pence, 0)
      const spent = allocs.reduce((n, a) => n + a.spentPence, 0)
      const f = funderById.get(g.funder_id)!
      return {
        ...g,
        funder: f.name,
        funderKind: f.kind,
        pence: p,
        allocatedPence: allocated,
        spentPence: spent,
        remainingPence: p - spent,
        unallocatedPence: p - allocated,
        allocations: allocs,
      }
    })
    const contractViews: ContractView[] = contracts.map((c) => {
      const ls = lines
        .filter((l) => l.contract_id === c.id)
        .map((l) => ({ ...l, funder: funderById.get(l.funder_id)?.name ?? '', pence: toPence(l.amount) }))
      return {
        ...c,
        provider: (c.provider_organisation_id !== null ? orgs.get(c.provider_organisation_id) : null) ?? c.provider_name,
        priorityName: priorityName(c.priority_lineage),
        totalPence: ls.reduce((n, l) => n + l.pence, 0),
        lines: ls,
      }
    })
    return {
      public: settings?.public ?? false,
      settingsVersion: settings?.version ?? null,
      funders: funders.map((f) => ({
        ...f,
        organisation: f.organisation_id !== null ? (orgs.get(f.organisation_id) ?? null) : null,
        grants: grants.filter((g) => g.funder_id === f.id).length,
      })),
      grants: grantViews,
      contracts: contractViews,
      ...summaries(grantViews, contractViews, funders),
    }
  }

  return {
    /** The partnerships whose funders or contracts name the organisation (organisations' usage: who may change it). */
    async partnershipsUsingOrganisation(organisationId: number, q: Queryable = db): Promise<number[]> {
      const rows = await q.query<{ partnership_id: number }>(
        `SELECT partnership_id FROM funders WHERE organisation_id = $1 UNION SELECT partnership_id FROM contracts WHERE provider_organisation_id = $1`,
        [organisationId],
      )
      return rows.map((r) => r.partnership_id)
    },

    /** Everything on the funding page: funders, grants with allocations and spend, contracts, and the summaries. */
    async view(partnershipId: number, viewer: Viewer, q: Queryable = db): Promise<FundingView> {
      await checkVisible(partnershipId, viewer, q)
      return load(partnershipId, viewer, q)
    },

    async grant(partnershipId: number, grantId: number, viewer: Viewer): Promise<GrantView> {
      await checkVisible(partnershipId, viewer)
      const g = (await load(partnershipId, viewer)).grants.find((x) => x.id === grantId)
      if (!g) throw new NotFoundError()
      return g
    },

    async contract(partnershipId: number, contractId: number, viewer: Viewer): Promise<ContractView> {
      await checkVisible(partnershipId, viewer)
      const c = (await load(partnershipId, viewer)).contracts.find((x) => x.id === contractId)
      if (!c) throw new NotFoundError()
      return c
    },

    priorityChoices,

    async funderChoices(partnershipId: number) {
      const rows = await db.query<FunderRow>('SELECT * FROM funders WHERE partnership_id = $1 ORDER BY lower(name), id', [partnershipId])
      return rows.map((f) => ({ value: f.id, text: `${f.name} (${KIND_LABELS[f.kind]})` }))
    },

    async isPublic(partnershipId: number, q: Queryable = db) {
      return (await settingsOf(partnershipId, q))?.public ?? false
    },

    /** Show the funding of a published partnership to the public, or to its members only. */
    async setPublic(partnershipId: number, input: unknown, actor: Actor, q?: Queryable) {
      const data = validate(SettingsInput, input)
      return inTx(q, async (tx) => {
        const current = await settingsOf(partnershipId, tx)
        const isPublic = data.visibility === 'public'
        const ctx = {
          actor,
          partnershipId,
          entity: 'funding_settings',
          summary: isPublic ? 'Funding shown to the public' : 'Funding shown to members only',
        }
        if (!current) await createRecord(tx, 'funding_settings', { partnership_id: partnershipId, public: isPublic }, ctx)
        else await updateRecord(tx, 'funding_settings', current.id, data.version, { public: isPublic }, ctx)
        return isPublic
      })
    },

    // ---- Funders ----

    async createFunder(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<FunderRow> {
      const data = validate(FunderInput, input)
      return inTx(q, async (tx) => {
        const name = data.name.trim()
        if (await maybeOne(tx, 'SELECT 1 FROM funders WHERE partnership_id = $1 AND lower(name) = lower($2)', [partnershipId, name]))
          throw new ValidationError({ name: `There is already a funder called ${name} in this partnership` })
        if (data.organisationId && (await deps.organisations.name(data.organisationId, tx)) === undefined)
          throw new ValidationError({ organisationId: 'Select the organisation from the list' })
        return createRecord<FunderRow>(
          tx,
          'funders',
          { partnership_id: partnershipId, name, kind: data.kind, organisation_id: data.organisationId ?? null },
          { actor, partnershipId, entity: 'funder', summary: name },
        )
      })
    },

    // ---- Grants ----

    async createGrant(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<GrantRow> {
      const data = validate(GrantInput, input)
      return inTx(q, async (tx) => {
        const values = await grantValues(tx, partnershipId, data)
        return createRecord<GrantRow>(
          tx,
          'grants',
          { partnership_id: partnershipId, ...values, status: data.status ?? 'open' },
          { actor, partnershipId, entity: 'grant', summary: `${values.title} (${values.financial_year})` },
        )
      })
    },

    /** Change a grant (and open or close it). Its amount may not fall below what is already allocated. */
    async updateGrant(partnershipId: number, grantId: number, input: unknown, actor: Actor, q?: Queryable): Promise<GrantRow> {
      const data = validate(GrantInput, input)
      return inTx(q, async (tx) => {
        const current = await lockedGrant(tx, partnershipId, grantId)
        const values = await grantValues(tx, partnershipId, data)
        const allocated = await allocatedPence(tx, grantId)
        if (toPence(values.amount) < allocated)
          throw new ValidationError({
            amount: `The grant cannot be less than the ${formatPence(allocated)} already allocated from it: reduce or remove allocations first`,
          })
        return updateRecord<GrantRow>(
          tx,
          'grants',
          current.id,
          data.version,
          { ...values, status: data.status ?? current.status },
          { actor, partnershipId, entity: 'grant', summary: `${values.title} (${values.financial_year})` },
        )
      })
    },

    /** Delete a grant that has nothing allocated from it. */
    async removeGrant(partnershipId: number, grantId: number, version: number | undefined, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const g = await lockedGrant(tx, partnershipId, grantId)
        if (await maybeOne(tx, 'SELECT 1 FROM grant_allocations WHERE grant_id = $1', [grantId]))
          throw new ValidationError({ form: `You cannot delete ${g.title} while money is allocated from it: remove its allocations first` })
        return deleteRecord(tx, 'grants', grantId, version, { actor, partnershipId, entity: 'grant', summary: await grantSummary(tx, g) })
      })
    },

    // ---- Allocations ----

    /** Allocate part of a grant. Refused when the grant is closed or the allocations would add up to more than it. */
    async addAllocation(partnershipId: number, grantId: number, input: unknown, actor: Actor, q?: Queryable): Promise<AllocationRow> {
      const data = validate(AllocationInput, input)
      return inTx(q, async (tx) => {
        const grant = await lockedGrant(tx, partnershipId, grantId)
        closedGrant(grant, 'amount', 'allocate money from it')
        const { pence: p, ...values } = await allocationValues(tx, partnershipId, data)
        overAllocated(grant, await allocatedPence(tx, grantId), p)
        return createRecord<AllocationRow>(
          tx,
          'grant_allocations',
          { grant_id: grantId, ...values, amount: penceToDecimal(p) },
          {
            actor,
            partnershipId,
            entity: 'grant_allocation',
            summary: `${formatPence(p)} of ${await grantSummary(tx, grant)} to ${await allocationLabel(tx, partnershipId, values)}`,
          },
        )
      })
    },

    async updateAllocation(
      partnershipId: number,
      grantId: number,
      allocationId: number,
      input: unknown,
      actor: Actor,
      q?: Queryable,
    ): Promise<AllocationRow> {
      const data = validate(AllocationInput, input)
      return inTx(q, async (tx) => {
        const grant = await lockedGrant(tx, partnershipId, grantId)
        closedGrant(grant, 'amount', 'change its allocations')
        if (!(await maybeOne(tx, 'SELECT 1 FROM grant_allocations WHERE id = $1 AND grant_id = $2', [allocationId, grantId])))
          throw new NotFoundError()
        const { pence: p, ...values } = await allocationValues(tx, partnershipId, data)
        overAllocated(grant, await allocatedPence(tx, grantId, allocationId), p)
        const [spent] = await tx.query<{ total: number }>(
          'SELECT coalesce(sum(amount), 0) AS total FROM spend_entries WHERE allocation_id = $1',
          [allocationId],
        )
        if (p < toPence(spent.total))
          throw new ValidationError({
            amount: `The allocation cannot be less than the ${formatPence(toPence(spent.total))} already spent from it`,
          })
        return updateRecord<AllocationRow>(
          tx,
          'grant_allocations',
          allocationId,
          data.version,
          { ...values, amount: penceToDecimal(p) },
          {
            actor,
            partnershipId,
            entity: 'grant_allocation',
            summary: `${formatPence(p)} of ${await grantSummary(tx, grant)} to ${await allocationLabel(tx, partnershipId, values)}`,
          },
        )
      })
    },

    /** Remove an allocation with no spend against it. */
    async removeAllocation(
      partnershipId: number,
      grantId: number,
      allocationId: number,
      version: number | undefined,
      actor: Actor,
      q?: Queryable,
    ) {
      return inTx(q, async (tx) => {
        const grant = await lockedGrant(tx, partnershipId, grantId)
        closedGrant(grant, 'form', 'change its allocations')
        const a = await maybeOne<AllocationRow>(tx, 'SELECT * FROM grant_allocations WHERE id = $1 AND grant_id = $2', [
          allocationId,
          grantId,
        ])
        if (!a) throw new NotFoundError()
        if (await maybeOne(tx, 'SELECT 1 FROM spend_entries WHERE allocation_id = $1', [allocationId]))
          throw new ValidationError({
            form: 'You cannot remove an allocation that has spending recorded against it: remove the spending first',
          })
        return deleteRecord(tx, 'grant_allocations', allocationId, version, {
          actor,
          partnershipId,
          entity: 'grant_allocation',
          summary: `${formatPence(toPence(a.amount))} of ${await grantSummary(tx, grant)} to ${await allocationLabel(tx, partnershipId, a)}`,
        })
      })
    },

    // ---- Spend ----

    /**
     * Record spending against an allocation. Refused when the grant is closed, when the date is outside the grant's
     * period, and when it would spend more than is left of the allocation.
     */
    async addSpend(partnershipId: number, grantId: number, input: unknown, actor: Actor, q?: Queryable): Promise<SpendRow> {
      const data = validate(SpendInput, input)
      return inTx(q, async (tx) => {
        const grant = await lockedGrant(tx, partnershipId, grantId)
        closedGrant(grant, 'amount', 'record spending against it')
        const a = await maybeOne<AllocationRow>(tx, 'SELECT * FROM grant_allocations WHERE id = $1 AND grant_id = $2', [
          data.allocationId,
          grantId,
        ])
        if (!a) throw new ValidationError({ allocationId: 'Select what the money was spent on from the list of this grant’s allocations' })
        const p = pence(data.amount)
        if (grant.starts_on && data.spentOn < grant.starts_on)
          throw new ValidationError({ spentOn: `The date must be on or after the grant starts (${grant.starts_on})` })
        if (grant.ends_on && data.spentOn > grant.ends_on)
          throw new ValidationError({ spentOn: `The date must be on or before the grant ends (${grant.ends_on})` })
        const [spent] = await tx.query<{ total: number }>(
          'SELECT coalesce(sum(amount), 0) AS total FROM spend_entries WHERE allocation_id = $1',
          [a.id],
        )
        const left = toPence(a.amount) - toPence(spent.total)
        if (p > left)
          throw new ValidationError({
            amount: `That is more than is left of this allocation: ${formatPence(left)} of ${formatPence(toPence(a.amount))} is left`,
          })
        const description = data.description.trim()
        return createRecord<SpendRow>(
          tx,
          'spend_entries',
          { allocation_id: a.id, spent_on: data.spentOn, amount: penceToDecimal(p), description },
          { actor, partnershipId, entity: 'spend_entry', summary: `${formatPence(p)} spent on ${data.spentOn}: ${description}` },
        )
      })
    },

    async removeSpend(partnershipId: number, grantId: number, spendId: number, version: number | undefined, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const grant = await lockedGrant(tx, partnershipId, grantId)
        closedGrant(grant, 'form', 'change its spending')
        const s = await maybeOne<SpendRow>(
          tx,
          'SELECT s.* FROM spend_entries s JOIN grant_allocations a ON a.id = s.allocation_id WHERE s.id = $1 AND a.grant_id = $2',
          [spendId, grantId],
        )
        if (!s) throw new NotFoundError()
        return deleteRecord(tx, 'spend_entries', spendId, version, {
          actor,
          partnershipId,
          entity: 'spend_entry',
          summary: `${formatPence(toPence(s.amount))} spent on ${s.spent_on}: ${s.description}`,
        })
      })
    },

    // ---- Contracts ----

    async createContract(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<ContractRow> {
      const data = validate(ContractInput, input)
      return inTx(q, async (tx) => {
        const values = await contractValues(tx, partnershipId, data)
        return createRecord<ContractRow>(
          tx,
          'contracts',
          { partnership_id: partnershipId, ...values },
          {
            actor,
            partnershipId,
            entity: 'contract',
            summary: values.name,
          },
        )
      })
    },

    async updateContract(partnershipId: number, contractId: number, input: unknown, actor: Actor, q?: Queryable): Promise<ContractRow> {
      const data = validate(ContractInput, input)
      return inTx(q, async (tx) => {
        await contractOf(tx, partnershipId, contractId)
        const values = await contractValues(tx, partnershipId, data)
        return updateRecord<ContractRow>(tx, 'contracts', contractId, data.version, values, {
          actor,
          partnershipId,
          entity: 'contract',
          summary: values.name,
        })
      })
    },

    /** Delete a contract and its budget lines. */
    async removeContract(partnershipId: number, contractId: number, version: number | undefined, actor: Actor, q?: Queryable) {
      return inTx(q, async (tx) => {
        const c = await contractOf(tx, partnershipId, contractId)
        const lines = await tx.query<ContractLineRow>('SELECT * FROM contract_funding WHERE contract_id = $1 ORDER BY id', [contractId])
        for (const l of lines)
          await deleteRecord(tx, 'contract_funding', l.id, undefined, {
            actor,
            partnershipId,
            entity: 'contract_funding',
            summary: `${formatPence(toPence(l.amount))} in ${l.financial_year} for ${c.name}: removed with the contract`,
          })
        return deleteRecord(tx, 'contracts', contractId, version, { actor, partnershipId, entity: 'contract', summary: c.name })
      })
    },

    /** A budget line of a contract: one financial year and funder (the main budget, or co-funding). */
    async addContractLine(
      partnershipId: number,
      contractId: number,
      input: unknown,
      actor: Actor,
      q?: Queryable,
    ): Promise<ContractLineRow> {
      const data = validate(ContractLineInput, input)
      return inTx(q, async (tx) => {
        const c = await contractOf(tx, partnershipId, contractId)
        const year = checkYear(data.financialYear)
        const funder = await funderOf(tx, partnershipId, data.funderId)
        const p = pence(data.amount)
        if (
          await maybeOne(tx, 'SELECT 1 FROM contract_funding WHERE contract_id = $1 AND financial_year = $2 AND funder_id = $3', [
            contractId,
            year,
            funder.id,
          ])
        )
          throw new ValidationError({
            funderId: `${c.name} already has a line from ${funder.name} in ${year}: remove it first to change it`,
          })
        return createRecord<ContractLineRow>(
          tx,
          'contract_funding',
          { contract_id: contractId, financial_year: year, funder_id: funder.id, amount: penceToDecimal(p), note: text(data.note) },
          { actor, partnershipId, entity: 'contract_funding', summary: `${formatPence(p)} from ${funder.name} in ${year} for ${c.name}` },
        )
      })
    },

    async removeContractLine(
      partnershipId: number,
      contractId: number,
      lineId: number,
      version: number | undefined,
      actor: Actor,
      q?: Queryable,
    ) {
      return inTx(q, async (tx) => {
        const c = await contractOf(tx, partnershipId, contractId)
        const l = await maybeOne<ContractLineRow>(tx, 'SELECT * FROM contract_funding WHERE id = $1 AND contract_id = $2', [
          lineId,
          contractId,
        ])
        if (!l) throw new NotFoundError()
        return deleteRecord(tx, 'contract_funding', lineId, version, {
          actor,
          partnershipId,
          entity: 'contract_funding',
          summary: `${formatPence(toPence(l.amount))} in ${l.financial_year} for ${c.name}`,
        })
      })
    },

    /** The partnership overview's box (none for visitors when the funding is not public). */
    async overview(partnership: { id: number; slug: string }, opts: { includeUnpublished: boolean }) {
      const href = `/partnerships/${partnership.slug}/funding`
      if (!opts.includeUnpublished && !(await settingsOf(partnership.id))?.public) return undefined
      const v = await load(partnership.id, { member: opts.includeUnpublished })
      if (!v.grants.length && !v.contracts.length) return { heading: 'Funding', href, lines: ['No grants or contracts recorded yet'] }
      const lines = []
      if (v.grants.length)
        lines.push(`${plural(v.grants.length, 'grant')}: ${formatPence(v.totals.grantedPence)}, ${formatPence(v.totals.spentPence)} spent`)
      if (v.contracts.length) lines.push(`${plural(v.contracts.length, 'commissioned contract')}: ${formatPence(v.totals.contractsPence)}`)
      return { heading: 'Funding', href, lines }
    },
  }

  async function grantValues(q: Queryable, partnershipId: number, data: GrantInput) {
    const year = checkYear(data.financialYear)
    await funderOf(q, partnershipId, data.funderId)
    const p = pence(data.amount)
    checkDates(data.startsOn, data.endsOn)
    return {
      funder_id: data.funderId,
      title: data.title.trim(),
      financial_year: year,
      amount: penceToDecimal(p),
      conditions: text(data.conditions),
      starts_on: data.startsOn ?? null,
      ends_on: data.endsOn ?? null,
    }
  }

  async function contractOf(q: Queryable, partnershipId: number, contractId: number) {
    const c = await maybeOne<ContractRow>(q, 'SELECT * FROM contracts WHERE id = $1 AND partnership_id = $2 FOR UPDATE', [
      contractId,
      partnershipId,
    ])
    if (!c) throw new NotFoundError()
    return c
  }

  async function contractValues(q: Queryable, partnershipId: number, data: ContractInput) {
    checkDates(data.startsOn, data.endsOn)
    if (data.providerOrganisationId && (await deps.organisations.name(data.providerOrganisationId, q)) === undefined)
      throw new ValidationError({ providerOrganisationId: 'Select the provider from the list' })
    const providerName = text(data.providerName)
    if (data.providerOrganisationId && providerName)
      throw new ValidationError({ providerName: 'Either select the provider from the list or type its name, not both' })
    await checkLineage(q, partnershipId, data.priorityLineage)
    return {
      name: data.name.trim(),
      provider_organisation_id: data.providerOrganisationId ?? null,
      provider_name: providerName,
      priority_lineage: data.priorityLineage ?? null,
      starts_on: data.startsOn ?? null,
      ends_on: data.endsOn ?? null,
      description: text(data.description),
    }
  }
}
export type FundingService = ReturnType<typeof fundingService>

/** How an allocation reads: its project under its priority, or whichever it has. */
export function labelOf(a: Pick<AllocationRow, 'project' | 'action_id'>, priorityName: string | null): string {
  const parts = [a.project, priorityName].filter(Boolean)
  if (parts.length === 2) return `${parts[0]} (${parts[1]})`
  return parts[0] ?? (a.action_id !== null ? `Action ${a.action_id}` : 'Unnamed allocation')
}

/**
 * The summaries. Each column is its own measure and they are never added across: "granted" is what the grants give,
 * "allocated" and "spent" come from the grants' allocations and spend entries, and "contracts" is the commissioned
 * contracts' budget lines (which may be paid from the same grants, so they are shown beside them, not added to them).
 */
export function summaries(
  grants: GrantView[],
  contracts: ContractView[],
  funders: Pick<FunderRow, 'id' | 'name' | 'kind'>[],
): Pick<FundingView, 'byPriority' | 'byFunder' | 'byYear' | 'totals'> {
  const blank = (key: string, label: string, kind?: string): SummaryRow => ({
    key,
    label,
    kind,
    grantedPence: 0,
    allocatedPence: 0,
    spentPence: 0,
    remainingPence: 0,
    contractsPence: 0,
  })
  const byPriority = new Map<string, SummaryRow>()
  const byFunder = new Map<string, SummaryRow>()
  const byYear = new Map<string, SummaryRow>()
  const totals = blank('total', 'Total')
  const row = (m: Map<string, SummaryRow>, key: string, label: string, kind?: string) => {
    if (!m.has(key)) m.set(key, blank(key, label, kind))
    return m.get(key)!
  }
  for (const f of funders) row(byFunder, String(f.id), f.name, f.kind)
  for (const g of grants) {
    for (const r of [row(byFunder, String(g.funder_id), g.funder, g.funderKind), row(byYear, g.financial_year, g.financial_year), totals]) {
      r.grantedPence += g.pence
      r.allocatedPence += g.allocatedPence
      r.spentPence += g.spentPence
    }
    for (const a of g.allocations) {
      const r =
        a.priority_lineage !== null ? row(byPriority, String(a.priority_lineage), a.priorityName!) : row(byPriority, '', NOT_A_PRIORITY)
      r.allocatedPence += a.pence
      r.spentPence += a.spentPence
    }
  }
  for (const c of contracts) {
    const pr =
      c.priority_lineage !== null ? row(byPriority, String(c.priority_lineage), c.priorityName!) : row(byPriority, '', NOT_A_PRIORITY)
    for (const l of c.lines) {
      pr.contractsPence += l.pence
      row(byFunder, String(l.funder_id), l.funder).contractsPence += l.pence
      row(byYear, l.financial_year, l.financial_year).contractsPence += l.pence
      totals.contractsPence += l.pence
    }
  }
  const finish = (rs: SummaryRow[]) => rs.map((r) => ({ ...r, remainingPence: r.grantedPence - r.spentPence }))
  // By priority, "remaining" is allocated less spent; by funder and year (and in total), granted less spent.
  const priorityRows = [...byPriority.values()]
    .map((r) => ({ ...r, remainingPence: r.allocatedPence - r.spentPence }))
    .sort((a, b) => (a.key === '' ? 1 : b.key === '' ? -1 : a.label.localeCompare(b.label, 'en-GB', { numeric: true })))
  return {
    byPriority: priorityRows,
    byFunder: finish([...byFunder.values()]).sort((a, b) => a.label.localeCompare(b.label, 'en-GB')),
    byYear: finish([...byYear.values()]).sort((a, b) => a.key.localeCompare(b.key)),
    totals: { ...totals, remainingPence: totals.grantedPence - totals.spentPence },
  }
}

/** The API's answer. */
export function fundingJson(slug: string, v: FundingView) {
  const pounds = penceToPounds
  const priority = (lineage: number | null, name: string | null) => (lineage === null ? null : { lineageId: lineage, name: name ?? '' })
  const summary = (r: SummaryRow) => ({
    allocated: pounds(r.allocatedPence),
    spent: pounds(r.spentPence),
    contracts: pounds(r.contractsPence),
  })
  return {
    partnership: slug,
    public: v.public,
    funders: v.funders.map((f) => ({ id: f.id, name: f.name, kind: f.kind })),
    grants: v.grants.map((g) => ({
      id: g.id,
      funderId: g.funder_id,
      funder: g.funder,
      title: g.title,
      financialYear: g.financial_year,
      amount: pounds(g.pence),
      allocated: pounds(g.allocatedPence),
      spent: pounds(g.spentPence),
      remaining: pounds(g.remainingPence),
      unallocated: pounds(g.unallocatedPence),
      conditions: g.conditions,
      startsOn: g.starts_on,
      endsOn: g.ends_on,
      status: g.status,
      allocations: g.allocations.map((a) => ({
        id: a.id,
        priority: priority(a.priority_lineage, a.priorityName),
        project: a.project,
        actionId: a.action_id,
        amount: pounds(a.pence),
        spent: pounds(a.spentPence),
        remaining: pounds(a.remainingPence),
      })),
    })),
    contracts: v.contracts.map((c) => ({
      id: c.id,
      name: c.name,
      provider: c.provider,
      priority: priority(c.priority_lineage, c.priorityName),
      startsOn: c.starts_on,
      endsOn: c.ends_on,
      total: pounds(c.totalPence),
      funding: c.lines.map((l) => ({ financialYear: l.financial_year, funderId: l.funder_id, funder: l.funder, amount: pounds(l.pence) })),
    })),
    summaries: {
      byPriority: v.byPriority.map((r) => ({ priority: r.label, ...summary(r), remaining: pounds(r.remainingPence) })),
      byFunder: v.byFunder.map((r) => ({ funder: r.label, kind: r.kind ?? '', granted: pounds(r.grantedPence), ...summary(r) })),
      byYear: v.byYear.map((r) => ({ financialYear: r.label, granted: pounds(r.grantedPence), ...summary(r) })),
    },
  }
}
