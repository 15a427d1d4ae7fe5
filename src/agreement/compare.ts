/**
 * Comparing two versions of the Community Safety Agreement, priority by priority.
 *
 * Matching: a priority copied into a later version keeps its lineage_id, so the two are paired even
 * when it was reworded or renumbered. Priorities left unpaired (versions entered separately rather
 * than copied, or a priority deleted and re-added) are paired by similar titles: the share of the
 * shorter title's significant words that the other title also has ("normalised word overlap"), at
 * least 0.6 and at least two words in common. Words are compared by their first five letters, so
 * "engaging" meets "engage" and "communities" meets "community". The closest pairs are taken first.
 *
 * Differences: word by word (longest common subsequence), so a page can mark removed and added
 * words; texts that keep under half their words, or are too long to compare word by word, are shown
 * as the whole text removed and the whole text added.
 */

export interface ComparablePriority {
  id: number
  lineage_id: number
  number: number
  title: string
  description: string | null
  ownership_level: string | null
  ownership_statement: string | null
  /** An editorial note, apart from the text: a change to it is not a rewording. */
  note?: string | null
  leads: { id: number; name: string }[]
}

export type SegmentType = 'same' | 'added' | 'removed'
export interface Segment {
  type: SegmentType
  text: string
}

export type Change = 'Added' | 'Removed' | 'Reworded' | 'Renumbered' | 'Unchanged'

export interface ComparisonRow<P extends ComparablePriority = ComparablePriority> {
  changes: Change[]
  matchedBy: 'lineage' | 'title' | null
  similarity: number | null
  from: P | null
  to: P | null
  titleDiff: Segment[]
  descriptionDiff: Segment[]
  leadsChanged: boolean
  ownershipChanged: boolean
  noteChanged: boolean
}

export const TITLE_SIMILARITY_THRESHOLD = 0.6

const STOPWORDS = new Set(
  'a an and the of in on for to with by at from our all its it into as is are be been being their this that these those or nor but not so than then there which who whom whose will would can could should may might must including especially'.split(
    ' ',
  ),
)

/** The significant words of a title, each cut to its first five letters. */
export function titleWords(title: string): Set<string> {
  const words = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]s\b/g, '')
    .split(/[^a-z0-9]+/)
  return new Set(words.filter((w) => w && !STOPWORDS.has(w)).map((w) => w.slice(0, 5)))
}

/** Share of the shorter title's significant words found in the other title (0 to 1), with the count of words shared. */
export function titleSimilarity(a: string, b: string): { score: number; shared: number } {
  const A = titleWords(a)
  const B = titleWords(b)
  if (!A.size || !B.size) return { score: 0, shared: 0 }
  let shared = 0
  for (const w of A) if (B.has(w)) shared += 1
  return { score: shared / Math.min(A.size, B.size), shared }
}

function similarEnough(s: { score: number; shared: number }, a: string, b: string) {
  if (s.score < TITLE_SIMILARITY_THRESHOLD) return false
  // One word in common is enough only for two one-word titles ("Burglary" and "Burglaries").
  return s.shared >= 2 || (titleWords(a).size === 1 && titleWords(b).size === 1)
}

/** Pair the priorities of two versions: by lineage first, then by title similarity among those left. */
export function matchPriorities<P extends ComparablePriority>(from: P[], to: P[]) {
  const pairs: { from: P; to: P; matchedBy: 'lineage' | 'title'; similarity: number | null }[] = []
  const usedFrom = new Set<number>()
  const usedTo = new Set<number>()
  const fromByLineage = new Map<number, P>()
  for (const p of from) if (!fromByLineage.has(p.lineage_id)) fromByLineage.set(p.lineage_id, p)
  for (const t of to) {
    const f = fromByLineage.get(t.lineage_id)
    if (f && !usedFrom.has(f.id)) {
      pairs.push({ from: f, to: t, matchedBy: 'lineage', similarity: null })
      usedFrom.add(f.id)
      usedTo.add(t.id)
    }
  }
  const candidates: { f: P; t: P; score: number; shared: number }[] = []
  for (const f of from) {
    if (usedFrom.has(f.id)) continue
    for (const t of to) {
      if (usedTo.has(t.id)) continue
      const s = titleSimilarity(f.title, t.title)
      if (similarEnough(s, f.title, t.title)) candidates.push({ f, t, ...s })
    }
  }
  candidates.sort(
    (x, y) => y.score - x.score || y.shared - x.shared || Math.abs(x.f.number - x.t.number) - Math.abs(y.f.number - y.t.number),
  )
  for (const c of candidates) {
    if (usedFrom.has(c.f.id) || usedTo.has(c.t.id)) continue
    pairs.push({ from: c.f, to: c.t, matchedBy: 'title', similarity: Math.round(c.score * 100) / 100 })
    usedFrom.add(c.f.id)
    usedTo.add(c.t.id)
  }
  return { pairs, removed: from.filter((p) => !usedFrom.has(p.id)), added: to.filter((p) => !usedTo.has(p.id)) }
}

function norm(s: string | null | undefined) {
  return (s ?? '').replace(/\s+/g, ' ').trim()
}

/** The words of a text, each with the space after it, so either side can be put back together. */
function tokens(s: string): string[] {
  return s ? s.split(' ').map((w) => `${w} `) : []
}

function merge(segments: Segment[]): Segment[] {
  const out: Segment[] = []
  for (const s of segments) {
    if (!s.text) continue
    const last = out[out.length - 1]
    if (last && last.type === s.type) last.text += s.text
    else out.push({ ...s })
  }
  return out
}

const MAX_CELLS = 4_000_000
const WHOLE_TEXT_BELOW = 0.5

/** Word-level differences from a to b: segments that are the same, removed (only in a) or added (only in b). */
export function wordDiff(a: string | null | undefined, b: string | null | undefined): Segment[] {
  const x = tokens(norm(a))
  const y = tokens(norm(b))
  if (!x.length && !y.length) return []
  if (x.length * y.length > MAX_CELLS) {
    return norm(a) === norm(b)
      ? [{ type: 'same', text: norm(a) }]
      : merge([
          { type: 'removed', text: norm(a) },
          { type: 'added', text: norm(b) },
        ])
  }
  // Longest common subsequence over the words, compared as written.
  const n = x.length,
    m = y.length
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i][j] = x[i] === y[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1])
    }
  }
  const out: Segment[] = []
  let i = 0,
    j = 0
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ type: 'same', text: x[i] })
      i++
      j++
    } else if (table[i + 1][j] >= table[i][j + 1]) {
      out.push({ type: 'removed', text: x[i] })
      i++
    } else {
      out.push({ type: 'added', text: y[j] })
      j++
    }
  }
  while (i < n) out.push({ type: 'removed', text: x[i++] })
  while (j < m) out.push({ type: 'added', text: y[j++] })
  // Texts rewritten from scratch share only small words ("the", "of"): marking those would be noise,
  // so show the whole text as replaced when under half the words of the longer one are kept.
  if (table[0][0] < WHOLE_TEXT_BELOW * Math.max(n, m))
    return merge([
      { type: 'removed', text: norm(a) },
      { type: 'added', text: norm(b) },
    ])
  const segs = merge(reorder(merge(out)))
  const last = segs[segs.length - 1]
  last.text = last.text.trimEnd()
  return segs.filter((x) => x.text)
}

/** Within a run of changes, put the removed words before the added ones: "old words" then "new words". */
function reorder(segs: Segment[]): Segment[] {
  const out: Segment[] = []
  let run: Segment[] = []
  const flush = () => {
    out.push(...run.filter((s) => s.type === 'removed'), ...run.filter((s) => s.type === 'added'))
    run = []
  }
  for (const s of segs) {
    if (s.type === 'same') {
      flush()
      out.push(s)
    } else run.push(s)
  }
  flush()
  return out
}

function leadKey(p: ComparablePriority) {
  return p.leads
    .map((l) => l.id)
    .sort((a, b) => a - b)
    .join(',')
}

/** The rows of a comparison, in the order of the later version, with removed priorities where they used to be. */
export function comparePriorities<P extends ComparablePriority>(
  from: P[],
  to: P[],
): { rows: ComparisonRow<P>[]; counts: Record<'added' | 'removed' | 'reworded' | 'renumbered' | 'unchanged', number> } {
  const { pairs, removed, added } = matchPriorities(from, to)
  const rows: (ComparisonRow<P> & { sortKey: number })[] = []
  for (const p of pairs) {
    // Reworded: the priority's text (title and description) changed. Its editorial note is not its text.
    const reworded = norm(p.from.title) !== norm(p.to.title) || norm(p.from.description) !== norm(p.to.description)
    const renumbered = p.from.number !== p.to.number
    const changes: Change[] = []
    if (reworded) changes.push('Reworded')
    if (renumbered) changes.push('Renumbered')
    if (!changes.length) changes.push('Unchanged')
    rows.push({
      changes,
      matchedBy: p.matchedBy,
      similarity: p.similarity,
      from: p.from,
      to: p.to,
      titleDiff: wordDiff(p.from.title, p.to.title),
      descriptionDiff: wordDiff(p.from.description, p.to.description),
      leadsChanged: leadKey(p.from) !== leadKey(p.to),
      ownershipChanged:
        norm(p.from.ownership_level) !== norm(p.to.ownership_level) || norm(p.from.ownership_statement) !== norm(p.to.ownership_statement),
      noteChanged: norm(p.from.note) !== norm(p.to.note),
      sortKey: p.to.number,
    })
  }
  for (const t of added) {
    rows.push({
      changes: ['Added'],
      matchedBy: null,
      similarity: null,
      from: null,
      to: t,
      titleDiff: wordDiff('', t.title),
      descriptionDiff: wordDiff('', t.description),
      leadsChanged: false,
      ownershipChanged: false,
      noteChanged: false,
      sortKey: t.number,
    })
  }
  for (const f of removed) {
    rows.push({
      changes: ['Removed'],
      matchedBy: null,
      similarity: null,
      from: f,
      to: null,
      titleDiff: wordDiff(f.title, ''),
      descriptionDiff: wordDiff(f.description, ''),
      leadsChanged: false,
      ownershipChanged: false,
      noteChanged: false,
      sortKey: f.number - 0.5,
    })
  }
  rows.sort((a, b) => a.sortKey - b.sortKey || (a.from?.number ?? 0) - (b.from?.number ?? 0))
  const counts = { added: 0, removed: 0, reworded: 0, renumbered: 0, unchanged: 0 }
  for (const r of rows) for (const c of r.changes) counts[c.toLowerCase() as keyof typeof counts] += 1
  return { rows: rows.map(({ sortKey: _s, ...r }) => r), counts }
}
