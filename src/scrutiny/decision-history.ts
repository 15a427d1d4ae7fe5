/** How decision records, call-ins, the forward plan and panels' monitoring feedback read in the History view. */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)

export function describeDecisionHistory(words: AuditWords, db: Queryable) {
  words.describe('decision', {
    label: 'decision record',
    fields: {
      partnership_id: { hidden: true },
      body_id: { label: 'Decision maker', ref: 'body' },
      maker_name: { label: 'Decision maker' },
      decision_date: { label: 'Date' },
      report_from: { label: 'Report from' },
      alternatives: { label: 'Other options considered and rejected' },
      conflicts: { label: 'Conflicts of interest' },
      dispensation: { label: 'Dispensation granted' },
      urgency: { label: 'Reason for urgency' },
      call_in_waived: { label: 'Call-in waived' },
      chair_agreement: { label: 'Chairman’s agreement' },
      approved_by: { label: 'Approved by' },
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      item_id: { label: 'Agenda item', ref: 'agenda_item' },
      exempt_paragraph: { label: 'Paragraph of Schedule 12A' },
      published_title: { label: 'Title published' },
      published_on: { label: 'Published on' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; title: string }>(`SELECT id, title FROM decisions WHERE id = ANY($1::int[])`, [ids(xs)])
      return new Map(rows.map((r) => [String(r.id), r.title]))
    },
  })
  words.describe('call_in', {
    label: 'call-in',
    fields: {
      decision_id: { label: 'Decision', ref: 'decision' },
      requested_on: { label: 'Requested on' },
      member_ids: { hidden: true },
      member_names: { label: 'Members asking' },
      committee_body_id: { label: 'Scheduled to', ref: 'body' },
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      item_id: { label: 'Agenda item', ref: 'agenda_item' },
    },
  })
  words.describe('call_in_rules', {
    label: 'call-in rules',
    fields: {
      partnership_id: { hidden: true },
      working_days: { label: 'Working days after publication' },
      min_members: { label: 'Members who must ask' },
    },
  })
  words.describe('forward_plan_entry', {
    label: 'forward plan entry',
    fields: {
      partnership_id: { hidden: true },
      maker_name: { label: 'Decision maker' },
      decision_date: { label: 'Expected date of decision' },
      key_decision: { label: 'Key decision' },
      private_paragraph: { label: 'Paragraph of Schedule 12A' },
      private_reason: { label: 'Why private' },
      published_on: { label: 'Published on' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; title: string }>(`SELECT id, title FROM forward_plan_entries WHERE id = ANY($1::int[])`, [
        ids(xs),
      ])
      return new Map(rows.map((r) => [String(r.id), r.title]))
    },
  })
  words.describe('forward_plan_mark', {
    label: 'forward plan mark',
    fields: {
      entry_id: { label: 'Entry', ref: 'forward_plan_entry' },
      panel_body_id: { label: 'Panel', ref: 'body' },
      marked_by_name: { label: 'Marked by' },
    },
  })
  words.describe('panel_feedback', {
    label: 'panel’s monitoring feedback',
    fields: {
      partnership_id: { hidden: true },
      body_id: { label: 'Panel', ref: 'body' },
      concerns: { label: 'Areas of concern' },
      suggestions: { label: 'Suggestions for further scrutiny' },
      performance: { label: 'Performance against budget' },
    },
  })
}
