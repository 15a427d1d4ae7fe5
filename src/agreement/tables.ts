/**
 * The agreement's tables, each declared once for its page and its CSV/JSON download (platform/tables.ts): the
 * strategic assessments, the versions of the agreement, and a version's priorities (a download only: the page
 * shows each priority as a card).
 */
import { defineTable, link } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { yearSpanLabel } from '../platform/format.ts'
import { STATUS_LABELS, type PriorityRow, type StrategicAssessmentRow, type VersionRow } from './service.ts'
import type { ComparisonRow, Segment } from './compare.ts'
import { SENSITIVITY_LABELS } from './schema.ts'

export const STATUS_TAGS: Record<string, string> = { draft: 'govuk-tag--grey', agreed: 'govuk-tag--green', superseded: 'govuk-tag--orange' }
const NOT_PUBLISHED = '<strong class="govuk-tag govuk-tag--grey">Not published</strong>'

/** The strategic assessments; `page.base` is the partnership's address. */
export const assessmentsTable = defineTable<StrategicAssessmentRow>(
  [
    { key: 'id', value: (r) => r.id },
    {
      key: 'title',
      header: 'Title',
      value: (r) => r.title,
      html: (r, page) => link(`${page.base}/assessments/strategic/${r.id}`, r.title),
    },
    { key: 'period_start', value: (r) => r.period_start },
    { key: 'period_end', value: (r) => r.period_end },
    { key: 'date_agreed', header: 'Date agreed', value: (r) => r.date_agreed, empty: 'Not given' },
    { key: 'evidence_sources', value: (r) => r.evidence_sources },
    { key: 'other_evidence', value: (r) => r.other_evidence },
    {
      key: 'sensitivity',
      header: 'Who may see it',
      value: (r) => r.sensitivity,
      text: (r) =>
        SENSITIVITY_LABELS[r.sensitivity] + (r.sensitivity === 'restricted' ? ` (${['admin', ...r.restricted_to].join(', ')})` : ''),
    },
    { key: 'attachments', header: 'Files', value: (r) => r.attachment_count, numeric: true },
    // The page reads the period from its dates, which the download has.
    {
      key: 'period',
      header: 'Period',
      pageOnly: true,
      value: () => null,
      text: (r) => yearSpanLabel(r.period_start, r.period_end),
      empty: 'Not given',
    },
  ],
  { pageOrder: ['title', 'period', 'date_agreed', 'attachments', 'sensitivity'] },
)

/** The versions of the agreement; `page.base` is the partnership's address. */
export const versionsTable = defineTable<VersionRow>(
  [
    { key: 'number', header: 'Version', value: (v) => v.number, numeric: true },
    {
      key: 'title',
      header: 'Title',
      value: (v) => v.title,
      html: (v, page) => link(`${page.base}/agreement/versions/${v.number}`, v.title),
    },
    { key: 'period_start', value: (v) => v.period_start },
    { key: 'period_end', value: (v) => v.period_end },
    {
      key: 'status',
      header: 'Status',
      value: (v) => v.status,
      html: (v) =>
        `<strong class="govuk-tag ${STATUS_TAGS[v.status]}">${escapeHtml(STATUS_LABELS[v.status])}</strong>${v.published ? '' : ` ${NOT_PUBLISHED}`}`,
    },
    { key: 'date_agreed', header: 'Date agreed', value: (v) => v.date_agreed, empty: 'Not given' },
    { key: 'published', value: (v) => v.published },
    { key: 'based_on_version', value: (v) => v.based_on_number },
    { key: 'priorities', header: 'Priorities', value: (v) => v.priority_count, numeric: true },
    { key: 'notes', value: (v) => v.notes },
    // The page reads the period from its dates, which the download has.
    {
      key: 'period',
      header: 'Period',
      pageOnly: true,
      value: () => null,
      text: (v) => yearSpanLabel(v.period_start, v.period_end),
      empty: 'Not given',
    },
  ],
  { pageOrder: ['number', 'title', 'period'] },
)

/** A version's priorities: a download only (the version page shows each priority as a card). */
export const prioritiesTable = defineTable<PriorityRow>([
  { key: 'number', value: (p) => p.number },
  { key: 'title', value: (p) => p.title },
  { key: 'description', value: (p) => p.description },
  { key: 'strategic_leads', value: (p) => p.leads.map((l) => l.name) },
  { key: 'ownership_level', value: (p) => p.ownership_level },
  { key: 'ownership_statement', value: (p) => p.ownership_statement },
  { key: 'lineage_id', value: (p) => p.lineage_id },
  { key: 'note', value: (p) => p.note ?? null },
])

export const CHANGE_TAGS: Record<string, string> = {
  Added: 'govuk-tag--green',
  Removed: 'govuk-tag--red',
  Reworded: 'govuk-tag--yellow',
  Renumbered: 'govuk-tag--blue',
  Unchanged: 'govuk-tag--grey',
}

/** One side of a word diff: text taken out is struck through on the earlier side, text put in underlined on the later. */
function diffSide(segments: Segment[], side: 'from' | 'to'): string {
  return segments
    .map((s) => {
      if (s.type === 'same') return escapeHtml(s.text)
      if (s.type === 'removed' && side === 'from')
        return `<del class="safer-diff--removed"><span class="govuk-visually-hidden">[removed: </span>${escapeHtml(s.text)}<span class="govuk-visually-hidden">]</span></del>`
      if (s.type === 'added' && side === 'to')
        return `<ins class="safer-diff--added"><span class="govuk-visually-hidden">[added: </span>${escapeHtml(s.text)}<span class="govuk-visually-hidden">]</span></ins>`
      return ''
    })
    .join('')
}

/** A priority as one side of the comparison shows it: its number and title, its description, and what changed. */
function comparisonSide(r: ComparisonRow<PriorityRow>, side: 'from' | 'to', otherNumber: number): string {
  const x = r[side]
  if (!x) return `<span class="govuk-body-s">Not in version ${otherNumber}</span>`
  const leads = x.leads.map((l) => l.name).join(', ') || 'none'
  const ownership = `${escapeHtml(x.ownership_level || 'not judged')}${x.ownership_statement ? `. ${escapeHtml(x.ownership_statement)}` : ''}`
  const changed =
    r.leadsChanged || r.ownershipChanged || r.noteChanged
      ? `<p class="govuk-body-s govuk-!-margin-bottom-0">` +
        (r.noteChanged ? `${side === 'to' ? '<strong>Note changed:</strong>' : 'Note:'} ${escapeHtml(x.note || 'none')}<br>` : '') +
        (r.leadsChanged
          ? `${side === 'to' ? '<strong>Strategic leads changed:</strong>' : 'Strategic leads:'} ${escapeHtml(leads)}<br>`
          : '') +
        (r.ownershipChanged ? `${side === 'to' ? '<strong>Ownership changed:</strong>' : 'Ownership:'} ${ownership}` : '') +
        '</p>'
      : ''
  return (
    `<p class="govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1">Priority ${x.number}: ${diffSide(r.titleDiff, side)}</p>` +
    (x.description ? `<p class="govuk-body-s">${diffSide(r.descriptionDiff, side)}</p>` : '') +
    changed
  )
}

/**
 * Two versions' priorities side by side: the page shows each side with its words struck through and underlined;
 * the download has the numbers and titles of each side.
 */
export function comparisonTable(from: number, to: number) {
  return defineTable<ComparisonRow<PriorityRow>>(
    [
      {
        key: 'change',
        header: 'Change',
        value: (r) => r.changes,
        classes: 'govuk-!-width-one-quarter',
        html: (r) =>
          r.changes
            .map((ch) => `<strong class="govuk-tag ${CHANGE_TAGS[ch]} govuk-!-margin-bottom-1">${escapeHtml(ch)}</strong> `)
            .join('') +
          (r.from && r.to && r.from.number !== r.to.number
            ? `<span class="govuk-body-s govuk-!-display-block">Priority ${r.from.number} is now priority ${r.to.number}</span>`
            : '') +
          (r.matchedBy === 'title' ? '<span class="govuk-body-s govuk-!-display-block">Matched by similar title</span>' : ''),
      },
      { key: 'matched_by', value: (r) => r.matchedBy },
      { key: `version_${from}_number`, value: (r) => r.from?.number },
      {
        key: `version_${from}_title`,
        header: `Version ${from}`,
        value: (r) => r.from?.title,
        html: (r) => comparisonSide(r, 'from', from),
      },
      { key: `version_${to}_number`, value: (r) => r.to?.number },
      { key: `version_${to}_title`, header: `Version ${to}`, value: (r) => r.to?.title, html: (r) => comparisonSide(r, 'to', to) },
      { key: 'leads_changed', value: (r) => r.leadsChanged },
      { key: 'ownership_changed', value: (r) => r.ownershipChanged },
    ],
    { firstCellIsHeader: true },
  )
}
