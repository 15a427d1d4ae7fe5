/** How organisations and areas read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'

export function describeOrganisationHistory(words: AuditWords, db: Queryable) {
  words.describe('organisation', {
    label: 'organisation',
    fields: { responsible_authority: { label: 'Responsible authority' } },
    names: async (xs) => {
      const rows = await db.query<{ id: number; name: string }>(`SELECT id, name FROM organisations WHERE id = ANY($1::int[])`, [
        xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number),
      ])
      return new Map(rows.map((r) => [String(r.id), r.name]))
    },
  })
  words.describe('area', {
    label: 'area',
    fields: { code: { label: 'GSS code' } },
    names: async (codes) => {
      const rows = await db.query<{ code: string; name: string }>(`SELECT code, name FROM areas WHERE code = ANY($1::text[])`, [codes])
      return new Map(rows.map((r) => [r.code, `${r.name} (${r.code})`]))
    },
  })
}
