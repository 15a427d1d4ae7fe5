/** How dimensions, the rating scale, rounds and their cells read in the History view (see auditWordsRegistry). */
import type { Queryable } from '../platform/db/index.ts'
import type { AuditWords } from '../platform/audit.ts'

const ids = (xs: string[]) => xs.filter((x) => /^\d{1,9}$/.test(x)).map(Number)

export function describeAssuranceHistory(words: AuditWords, db: Queryable) {
  const byId = (table: string, name: (r: any) => string) => async (xs: string[]) => {
    const rows = await db.query<any>(`SELECT * FROM ${table} WHERE id = ANY($1::int[])`, [ids(xs)])
    return new Map(rows.map((r) => [String(r.id), name(r)]))
  }
  words.describe('assurance_dimension', {
    label: 'assurance dimension',
    names: byId('assurance_dimensions', (r) => r.name),
    fields: { position: { label: 'Place in the list' } },
  })
  words.describe('rating_level', {
    label: 'rating',
    names: byId('rating_levels', (r) => r.label),
    fields: { value: { label: 'Value' }, colour: { label: 'Colour' } },
  })
  words.describe('assessment_round', {
    label: 'assessment round',
    names: byId('assessment_rounds', (r) => r.title),
    fields: { agreement_version_id: { label: 'Agreement version', ref: 'agreement_version' }, assessed_on: { label: 'Assessed on' } },
  })
  // A rating is stored as its value in the partnership's scale: it reads as that value's label ("3: Good").
  const ratingLabel = async (value: unknown, partnershipId: number | null) => {
    if (partnershipId === null) return null
    const [r] = await db.query<{ label: string }>(`SELECT label FROM rating_levels WHERE partnership_id = $1 AND value = $2`, [
      partnershipId,
      Number(value),
    ])
    return r ? `${r.label} (${value})` : null
  }
  const CELL_STATUS_WORDS: Record<string, string> = {
    submitted: 'Waiting for approval',
    returned: 'Returned to the contributor',
    approved: 'Approved',
  }
  words.describe('assessment_cell', {
    label: 'assessment',
    fields: {
      assessment_round_id: { label: 'Round', ref: 'assessment_round' },
      priority_id: { label: 'Priority', ref: 'priority' },
      dimension_id: { label: 'Dimension', ref: 'assurance_dimension' },
      rating: { label: 'Rating', words: (v, e) => ratingLabel(v, e.partnership_id) },
      // Sign-off (docs/assurance-sign-off.md): people by name, the state in words.
      status: { label: 'Sign-off', words: async (v) => CELL_STATUS_WORDS[String(v)] ?? String(v ?? '') },
      submitted_by: { label: 'Submitted by', ref: 'user' },
      reviewed_by: { label: 'Reviewed by', ref: 'user' },
      review_comment: { label: 'Comment to the contributor' },
      carried_forward: { label: 'Carried forward from the last round' },
    },
    names: async (xs) => {
      const rows = await db.query<{ id: number; priority_id: number; dimension_id: number }>(
        `SELECT id, priority_id, dimension_id FROM assessment_cells WHERE id = ANY($1::int[])`,
        [ids(xs)],
      )
      const priorities = await words.namesOf(
        'priority',
        rows.map((r) => String(r.priority_id)),
      )
      const dimensions = await words.namesOf(
        'assurance_dimension',
        rows.map((r) => String(r.dimension_id)),
      )
      return new Map(
        rows.map((r) => [
          String(r.id),
          `${priorities.get(String(r.priority_id)) ?? 'a priority'}, ${dimensions.get(String(r.dimension_id)) ?? 'a dimension'}`,
        ]),
      )
    },
    rowName: () => null,
  })
  words.describe('development_area', {
    label: 'development area',
    fields: { assessment_cell_id: { label: 'Assessment', ref: 'assessment_cell' }, position: { label: 'Place in the list' } },
    rowName: (r) => (typeof r.text === 'string' ? (r.text.length > 60 ? `${r.text.slice(0, 57)}...` : r.text) : null),
  })
}
