/** How action plan items and their updates read in the History view (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)

export function describePlanHistory(words: AuditWords, db: Queryable) {
  words.describe('plan_item', {
    label: 'plan item',
    fields: {
      agreement_version_id: { label: 'Agreement version', ref: 'agreement_version' },
      priority_id: { label: 'Priority', ref: 'priority' },
      parent_id: { label: 'Part of', ref: 'plan_item' },
      carried_from_id: { label: 'Carried over from', ref: 'plan_item' },
      organisation_id: { label: 'Owning organisation', ref: 'organisation' },
      lead_user_id: { label: 'Lead (account)', ref: 'user' },
      lead_name: { label: "Lead's name" },
      lead_email: { label: "Lead's email address" },
      external_id: { label: 'External id' },
      start_date: { label: 'Start date' },
      due_date: { label: 'Due date' },
      position: { hidden: true },
      partnership_id: { hidden: true },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; title: string }>('SELECT id, title FROM plan_items WHERE id = ANY($1::int[])', [ids(xs)])
      return new Map(rows.map((r) => [String(r.id), r.title]))
    },
    rowName: (r) => (r.title ? String(r.title) : null),
  })
  words.describe('plan_item_update', {
    label: 'plan item update',
    fields: { plan_item_id: { label: 'Item', ref: 'plan_item' }, return_id: { label: 'Quarterly return', ref: 'plan_return' } },
  })
  words.describe('plan_return', {
    label: 'quarterly return',
    fields: {
      agreement_version_id: { label: 'Agreement version', ref: 'agreement_version' },
      reminder_days: { label: 'Reminder, days before the deadline' },
      closed_at: { label: 'Closed' },
      partnership_id: { hidden: true },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; quarter: string }>('SELECT id, quarter FROM plan_returns WHERE id = ANY($1::int[])', [
        ids(xs),
      ])
      return new Map(rows.map((r) => [String(r.id), `${r.quarter} return`]))
    },
    rowName: (r) => (r.quarter ? `${String(r.quarter)} return` : null),
  })
  words.describe('plan_return_lead', {
    label: 'lead asked in a quarterly return',
    fields: {
      return_id: { label: 'Return', ref: 'plan_return' },
      lead_user_id: { label: 'Lead (account)', ref: 'user' },
      lead_name: { label: "Lead's name" },
      lead_email: { label: "Lead's email address" },
      token_hash: { hidden: true },
      token_expires_at: { label: 'Answer link expires' },
      submitted_at: { label: 'Submitted' },
      reminded_at: { label: 'Last reminded' },
      auto_reminded_at: { label: 'Reminded by the schedule' },
    },
    rowName: (r) => (r.lead_name ? String(r.lead_name) : r.lead_email ? String(r.lead_email) : null),
  })
  words.describe('plan_return_item', {
    label: 'answer in a quarterly return',
    fields: {
      return_id: { label: 'Return', ref: 'plan_return' },
      return_lead_id: { hidden: true },
      plan_item_id: { label: 'Action', ref: 'plan_item' },
      answered_at: { label: 'Answered' },
    },
  })
}
