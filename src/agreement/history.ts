/** How agreement versions, priorities, strategic assessments and attachments read in the History view (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'
import type { Role } from '../platform/auth/service.ts'
import { maySee } from './service.ts'
import type { Sensitivity } from './schema.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)
const priorityName = (r: Record<string, unknown>) => (r.title ? `Priority ${r.number ?? '?'}: ${r.title}` : null)

export function describeAgreementHistory(words: AuditWords, db: Queryable) {
  const byId = (table: string, name: (r: any) => string) => async (xs: string[]) => {
    const rows = await db.query<any>(`SELECT * FROM ${table} WHERE id = ANY($1::int[])`, [ids(xs)])
    return new Map(rows.map((r) => [String(r.id), name(r)]))
  }
  // A restricted assessment or file keeps its history as hidden as itself (a record that is gone: its members may read).
  const readable = async (table: string, id: string, role: Role) => {
    if (!/^\d{1,9}$/.test(id)) return false
    const [row] = await db.query<{ sensitivity: Sensitivity; restricted_to: string[] }>(
      `SELECT sensitivity, restricted_to FROM ${table} WHERE id = $1`,
      [Number(id)],
    )
    return !row || maySee(row, { includeUnpublished: true, role })
  }
  words.describe('agreement_version', {
    label: 'agreement version',
    fields: {
      based_on_id: { label: 'Based on', ref: 'agreement_version' },
      strategic_assessment_id: { label: 'Strategic assessment', ref: 'strategic_assessment' },
      date_agreed: { label: 'Date agreed' },
      period_start: { label: 'Period starts' },
      period_end: { label: 'Period ends' },
    },
    names: byId('agreement_versions', (r) => `Version ${r.number}: ${r.title}`),
    rowName: (r) => (r.title ? `Version ${r.number}: ${r.title}` : null),
  })
  words.describe('priority', {
    label: 'priority',
    fields: {
      agreement_version_id: { label: 'Agreement version', ref: 'agreement_version' },
      lineage_id: { hidden: true },
      ownership_level: { label: 'Ownership level' },
      ownership_statement: { label: 'Ownership statement' },
    },
    names: byId('priorities', (r) => priorityName(r)!),
    rowName: priorityName,
  })
  words.describe('strategic_assessment', {
    label: 'strategic assessment',
    fields: {
      date_agreed: { label: 'Date agreed' },
      period_start: { label: 'Period starts' },
      period_end: { label: 'Period ends' },
      evidence_sources: { label: 'Evidence sources' },
    },
    names: byId('strategic_assessments', (r) => r.title),
    mayRead: (id, role) => readable('strategic_assessments', id, role),
  })
  words.describe('attachment', {
    label: 'attachment',
    fields: {
      strategic_assessment_id: { label: 'Strategic assessment', ref: 'strategic_assessment' },
      content: { hidden: true },
      content_type: { label: 'Type of file' },
      size_bytes: { label: 'Size (bytes)' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; filename: string }>(
        `SELECT id, filename FROM strategic_assessment_attachments WHERE id = ANY($1::int[])`,
        [ids(xs)],
      )
      return new Map(rows.map((r) => [String(r.id), r.filename]))
    },
    mayRead: (id, role) => readable('strategic_assessment_attachments', id, role),
  })
}
