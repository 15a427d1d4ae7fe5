/** How a partnership's custom areas read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'

export function describeGeographyHistory(words: AuditWords, db: Queryable) {
  words.describe('custom area', {
    label: 'custom area',
    fields: { lsoa_codes: { label: 'LSOAs' } },
    names: async (xs) => {
      const rows = await db.query<{ id: number; name: string }>(`SELECT id, name FROM custom_areas WHERE id = ANY($1::int[])`, [
        xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number),
      ])
      return new Map(rows.map((r) => [String(r.id), r.name]))
    },
  })
}
