/** How scrutiny's records read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)

export function describeScrutinyHistory(words: AuditWords, db: Queryable) {
  words.describe('committee', {
    label: 'committee',
    fields: {
      body_id: { label: 'Body', ref: 'body' },
      partnership_id: { hidden: true },
      crime_and_disorder: { label: 'Crime and disorder committee' },
      notice_working_days: { label: 'Working days of notice' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; body_id: number }>(`SELECT id, body_id FROM committees WHERE id = ANY($1::int[])`, [
        ids(xs),
      ])
      const bodies = await words.namesOf(
        'body',
        rows.map((r) => String(r.body_id)),
      )
      return new Map(rows.map((r) => [String(r.id), bodies.get(String(r.body_id)) ?? 'a committee']))
    },
  })
  words.describe('committee_partnership', {
    label: 'partnership scrutinised',
    fields: { committee_id: { label: 'Committee', ref: 'committee' }, partnership_id: { label: 'Partnership', ref: 'partnership' } },
  })
  words.describe('councillor', {
    label: 'member',
    fields: { partnership_id: { hidden: true }, division: { label: 'Ward or division' }, voting_matters: { label: 'May vote on' } },
    names: async (xs) => {
      const rows = await db.query<{ id: number; name: string }>(`SELECT id, name FROM councillors WHERE id = ANY($1::int[])`, [ids(xs)])
      return new Map(rows.map((r) => [String(r.id), r.name]))
    },
  })
  words.describe('committee_member', {
    label: 'committee membership',
    fields: { committee_id: { label: 'Committee', ref: 'committee' }, councillor_id: { label: 'Member', ref: 'councillor' } },
  })
  words.describe('meeting', {
    label: 'meeting',
    fields: {
      partnership_id: { hidden: true },
      body_id: { label: 'Body', ref: 'body' },
      meeting_date: { label: 'Date' },
      start_time: { label: 'Start time' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; date: string }>(
        `SELECT id, to_char(meeting_date, 'YYYY-MM-DD') AS date FROM meetings WHERE id = ANY($1::int[])`,
        [ids(xs)],
      )
      return new Map(rows.map((r) => [String(r.id), `meeting of ${r.date}`]))
    },
  })
  words.describe('declaration', {
    label: 'declaration of interest',
    fields: {
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      item_id: { label: 'Agenda item', ref: 'agenda_item' },
      councillor_id: { label: 'Member', ref: 'councillor' },
    },
  })
  words.describe('attendance', {
    label: 'attendance',
    fields: {
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      councillor_id: { label: 'Member', ref: 'councillor' },
      substitute_for: { label: 'Substitute for', ref: 'councillor' },
    },
  })
  words.describe('agenda_item', {
    label: 'agenda item',
    fields: {
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      exempt_paragraph: { label: 'Paragraph of Schedule 12A' },
      published_title: { label: 'Title published' },
      minute_number: { label: 'Minute number' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; title: string }>(`SELECT id, title FROM agenda_items WHERE id = ANY($1::int[])`, [ids(xs)])
      return new Map(rows.map((r) => [String(r.id), r.title]))
    },
  })
  words.describe('agenda_document', {
    label: 'agenda document',
    fields: {
      item_id: { label: 'Agenda item', ref: 'agenda_item' },
      content: { hidden: true },
      content_type: { label: 'Type of file' },
      size_bytes: { label: 'Size in bytes' },
    },
  })
  words.describe('required_organisation', {
    label: 'organisation required to attend',
    fields: { body_id: { label: 'Body', ref: 'body' }, organisation_id: { label: 'Organisation', ref: 'organisation' } },
  })
  words.describe('organisation_attendance', {
    label: 'organisation’s attendance',
    fields: {
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      organisation_id: { label: 'Organisation', ref: 'organisation' },
    },
  })
  words.describe('recommendation', {
    label: 'recommendation',
    fields: {
      partnership_id: { hidden: true },
      municipal_year: { hidden: true },
      body_id: { label: 'Committee', ref: 'body' },
      meeting_id: { label: 'Meeting', ref: 'meeting' },
      item_id: { label: 'Agenda item', ref: 'agenda_item' },
      addressee_kind: { label: 'Addressed to' },
      addressee_partnership_id: { label: 'Partnership', ref: 'partnership' },
      addressee_name: { label: 'Addressee' },
      due_date: { label: 'Response due' },
      responded_at: { label: 'Responded' },
      responded_by: { hidden: true },
      paused_from: { label: 'Paused from' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; reference: string }>(
        `SELECT id, reference FROM recommendations WHERE id = ANY($1::int[])`,
        [ids(xs)],
      )
      return new Map(rows.map((r) => [String(r.id), r.reference]))
    },
  })
  words.describe('recommendation_graph', {
    label: 'recommendation graph',
    fields: {
      partnership_id: { hidden: true },
      edges: { label: 'Moves allowed' },
      allow_pausing: { label: 'Allow pausing' },
    },
  })
  words.describe('recommendation_move', {
    label: 'recommendation moved',
    fields: {
      recommendation_id: { label: 'Recommendation', ref: 'recommendation' },
      from_state: { label: 'From' },
      to_state: { label: 'To' },
      moved_by_name: { label: 'Moved by' },
    },
  })
}
