/** What the assurance pages (and its part of the agreement's print view) show of a rating: markers, colours, change. */
import { contrastRatio, marker, textColourFor, type Matrix, type MatrixCell } from './service.ts'
import type { CellDifference } from './publications.ts'

const CHANGE = {
  improved: { symbol: '▲', text: 'Improved' },
  declined: { symbol: '▼', text: 'Declined' },
  unchanged: { symbol: '–', text: 'Unchanged' },
  new: { symbol: '+', text: 'New' },
} as const

/** What a page shows of one cell: the rating's marker and the change since the previous round, in words. */
export function cellView(c: MatrixCell, m: Pick<Matrix, 'scale' | 'previousRound'>) {
  const of = m.scale.length
  const change = c.change ? CHANGE[c.change] : undefined
  let changeDetail = ''
  if (c.change && m.previousRound) {
    changeDetail =
      c.change === 'new'
        ? `not rated in ${m.previousRound.title}`
        : `since ${m.previousRound.title}${c.previousLevel && c.change !== 'unchanged' ? `, when it was ${c.previousLevel.label}` : ''}`
  }
  // A rating given last round and not this one is shown, not hidden.
  const wasText = c.rating === null && c.previousLevel ? `was ${c.previousLevel.label}; not rated now` : ''
  return {
    ...c,
    marker: c.level ? marker(c.level.value, of) : '',
    changeSymbol: change?.symbol,
    changeText: change?.text,
    changeDetail,
    wasText,
    statusText: c.status === 'submitted' ? 'Waiting for approval' : c.status === 'returned' ? 'Returned to contributor' : '',
  }
}

/** A difference between two publications, in words: "Developing to Established", "3 findings added". */
export function differenceView(d: CellDifference) {
  const rating = d.ratingChanged
    ? `${d.labelBefore ?? 'Not rated'} to ${d.labelAfter ?? 'not rated'}`
    : `${d.labelAfter ?? 'Not rated'} (unchanged)`
  return { ...d, ratingText: rating }
}

export function matrixView(m: Matrix) {
  return { ...m, rows: m.rows.map((r) => ({ ...r, cells: r.cells.map((c) => cellView(c, m)) })) }
}

export function scaleView(scale: Matrix['scale']) {
  return scale.map((l) => ({
    ...l,
    marker: marker(l.value, scale.length),
    textColour: textColourFor(l.colour),
    contrast: contrastRatio(l.colour, textColourFor(l.colour)).toFixed(1),
  }))
}
