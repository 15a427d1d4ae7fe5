/** How partnerships and their people's roles read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'
import { ROLE_LABELS, type Role } from '../platform/auth/service.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)

export function describePartnershipHistory(words: AuditWords, db: Queryable) {
  words.describe('partnership', {
    label: 'partnership',
    fields: { area_code: { label: 'Area', ref: 'area' }, short_name: { label: 'Short name' } },
    names: async (xs) => {
      const rows = await db.query<{ id: number; name: string }>(`SELECT id, name FROM partnerships WHERE id = ANY($1::int[])`, [ids(xs)])
      return new Map(rows.map((r) => [String(r.id), r.name]))
    },
  })
  // A role is filed as '<partnership id>:<user id>'; it reads as the person's name. Who holds which role is for the
  // partnership's administrators only (it lists people's accounts), so only they read its history.
  words.describe('partnership_role', {
    label: 'role',
    readableBy: 'admin',
    fields: {
      user_id: { label: 'Person', ref: 'user' },
      role: { label: 'Role', words: (v) => ROLE_LABELS[v as Role] ?? String(v) },
    },
    names: async (xs) => {
      const byUser = new Map(xs.map((x) => [x, x.split(':')[1] ?? '']))
      const people = await words.namesOf('user', [...new Set(byUser.values())].filter(Boolean))
      return new Map([...byUser].flatMap(([key, user]) => (people.has(user) ? [[key, people.get(user)!]] : [])))
    },
  })
}
