/** How the scorecard's peer groups read in the History view and the audit log (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'
import { plural } from '../platform/format.ts'
import type { PeerGroupService } from './peer-groups.ts'

export function describeScorecardHistory(words: AuditWords, db: Queryable, peers: PeerGroupService) {
  // A partnership's own list of peer CSPs (scorecard_peer_groups), filed under the entity 'peer group'.
  words.describe('peer group', {
    label: 'peer group',
    fields: {
      area_code: { label: 'For the area', ref: 'area' },
      codes: {
        label: 'Peers',
        words: async (v) => {
          if (!Array.isArray(v)) return null
          const names = await peers.cspNames(v.map(String))
          return `${plural(v.length, 'CSP')}: ${v.map((c) => `${names.get(String(c)) ?? c} (${c})`).join(', ')}`
        },
      },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; area_code: string }>(
        `SELECT id, area_code FROM scorecard_peer_groups WHERE id = ANY($1::int[])`,
        [xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)],
      )
      return new Map(rows.map((r) => [String(r.id), `Peers of ${r.area_code}`]))
    },
    rowName: (r) => (typeof r.area_code === 'string' ? `Peers of ${r.area_code}` : null),
  })
}
