/** How bodies and their members read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)

export function describeGovernanceHistory(words: AuditWords, db: Queryable) {
  words.describe('body', {
    label: 'body',
    fields: {
      slug: { hidden: true },
      area_code: { label: 'Area', ref: 'area' },
      chair_person: { label: 'Chair' },
      chair_organisation_id: { label: "Chair's organisation", ref: 'organisation' },
      reports_to_id: { label: 'Reports to', ref: 'body' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; name: string }>(`SELECT id, name FROM bodies WHERE id = ANY($1::int[])`, [ids(xs)])
      return new Map(rows.map((r) => [String(r.id), r.name]))
    },
  })
  words.describe('body_member', {
    label: 'member',
    fields: { body_id: { label: 'Body', ref: 'body' }, organisation_id: { label: 'Organisation', ref: 'organisation' } },
    names: async (xs) => {
      const rows = await db.query<{ id: number; person: string | null; organisation_id: number | null; body_id: number }>(
        `SELECT id, person, organisation_id, body_id FROM body_members WHERE id = ANY($1::int[])`,
        [ids(xs)],
      )
      const orgs = await words.namesOf(
        'organisation',
        rows.flatMap((r) => (r.organisation_id === null ? [] : [String(r.organisation_id)])),
      )
      const bodies = await words.namesOf(
        'body',
        rows.map((r) => String(r.body_id)),
      )
      return new Map(
        rows.map((r) => {
          const who = [r.person, r.organisation_id === null ? null : orgs.get(String(r.organisation_id))].filter(Boolean).join(', ')
          return [String(r.id), `${who || 'member'} of ${bodies.get(String(r.body_id)) ?? 'a body'}`]
        }),
      )
    },
    rowName: (r) => (typeof r.person === 'string' && r.person ? r.person : null),
  })
}
