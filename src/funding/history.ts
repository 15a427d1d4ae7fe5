/** How funding records read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'
import { formatPence, toPence } from './money.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)
const money = { label: 'Amount', words: (v: unknown) => (v === null || v === undefined ? null : formatPence(toPence(v as number))) }

export function describeFundingHistory(words: AuditWords, db: Queryable) {
  const byName = (sql: string) => async (xs: string[]) => {
    const rows = await db.query<{ id: number; name: string }>(sql, [ids(xs)])
    return new Map(rows.map((r) => [String(r.id), r.name]))
  }
  words.describe('funding_settings', {
    label: 'funding settings',
    fields: { partnership_id: { hidden: true }, public: { label: 'Shown to the public' } },
  })
  words.describe('funder', {
    label: 'funder',
    fields: { partnership_id: { hidden: true }, organisation_id: { label: 'Organisation', ref: 'organisation' } },
    names: byName('SELECT id, name FROM funders WHERE id = ANY($1::int[])'),
  })
  words.describe('grant', {
    label: 'grant',
    fields: {
      partnership_id: { hidden: true },
      funder_id: { label: 'Funder', ref: 'funder' },
      financial_year: { label: 'Financial year' },
      amount: money,
      starts_on: { label: 'Start date' },
      ends_on: { label: 'End date' },
    },
    names: byName(`SELECT id, title || ' (' || financial_year || ')' AS name FROM grants WHERE id = ANY($1::int[])`),
  })
  words.describe('grant_allocation', {
    label: 'allocation',
    fields: {
      grant_id: { label: 'Grant', ref: 'grant' },
      priority_lineage: { label: 'Priority (lineage)' },
      action_id: { label: 'Action' },
      amount: money,
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; amount: number; project: string | null; title: string }>(
        `SELECT a.id, a.amount, a.project, g.title FROM grant_allocations a JOIN grants g ON g.id = a.grant_id WHERE a.id = ANY($1::int[])`,
        [ids(xs)],
      )
      return new Map(
        rows.map((r) => [String(r.id), `${formatPence(toPence(r.amount))} of ${r.title}${r.project ? ` to ${r.project}` : ''}`]),
      )
    },
  })
  words.describe('spend_entry', {
    label: 'spending',
    fields: { allocation_id: { label: 'Allocation', ref: 'grant_allocation' }, spent_on: { label: 'Date spent' }, amount: money },
    names: byName('SELECT id, description AS name FROM spend_entries WHERE id = ANY($1::int[])'),
  })
  words.describe('contract', {
    label: 'contract',
    fields: {
      partnership_id: { hidden: true },
      provider_organisation_id: { label: 'Provider', ref: 'organisation' },
      provider_name: { label: 'Provider (typed)' },
      priority_lineage: { label: 'Priority (lineage)' },
      starts_on: { label: 'Start date' },
      ends_on: { label: 'End date' },
    },
    names: byName('SELECT id, name FROM contracts WHERE id = ANY($1::int[])'),
  })
  words.describe('contract_funding', {
    label: 'contract budget line',
    fields: {
      contract_id: { label: 'Contract', ref: 'contract' },
      funder_id: { label: 'Funder', ref: 'funder' },
      financial_year: { label: 'Financial year' },
      amount: money,
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; amount: number; financial_year: string; name: string }>(
        `SELECT l.id, l.amount, l.financial_year, c.name FROM contract_funding l JOIN contracts c ON c.id = l.contract_id WHERE l.id = ANY($1::int[])`,
        [ids(xs)],
      )
      return new Map(rows.map((r) => [String(r.id), `${formatPence(toPence(r.amount))} in ${r.financial_year} for ${r.name}`]))
    },
  })
}
