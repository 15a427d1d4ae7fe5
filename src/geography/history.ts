/** How a partnership's custom areas read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'
import { plural } from '../platform/format.ts'

export function describeGeographyHistory(words: AuditWords, db: Queryable) {
  words.describe('custom area', {
    label: 'custom area',
    fields: {
      // Up to 5,000 codes: the count, and the first ten.
      lsoa_codes: {
        label: 'LSOAs',
        words: (v) =>
          Array.isArray(v)
            ? `${plural(v.length, 'LSOA')}: ${v.slice(0, 10).join(', ')}${v.length > 10 ? ` and ${v.length - 10} more` : ''}`
            : null,
      },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; name: string }>(`SELECT id, name FROM custom_areas WHERE id = ANY($1::int[])`, [
        xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number),
      ])
      return new Map(rows.map((r) => [String(r.id), r.name]))
    },
  })
}
