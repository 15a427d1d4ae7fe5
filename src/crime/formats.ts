/**
 * The three police.uk file formats, known by their header row (never by the file's name): street-level crime,
 * outcomes, and stop-and-search. Each column has the name Safer stores it under.
 */
export type Kind = 'street' | 'outcomes' | 'stop-and-search'

export const KINDS: readonly Kind[] = ['street', 'outcomes', 'stop-and-search']

export const KIND_LABELS: Record<Kind, string> = {
  street: 'Street-level crime',
  outcomes: 'Outcomes',
  'stop-and-search': 'Stop and search',
}

export interface Format {
  kind: Kind
  /** The header exactly as police.uk writes it, and the column each is stored as. */
  columns: readonly [header: string, column: string][]
}

export const FORMATS: readonly Format[] = [
  {
    kind: 'street',
    columns: [
      ['Crime ID', 'crime_id'],
      ['Month', 'month'],
      ['Reported by', 'reported_by'],
      ['Falls within', 'falls_within'],
      ['Longitude', 'longitude'],
      ['Latitude', 'latitude'],
      ['Location', 'location'],
      ['LSOA code', 'lsoa_code'],
      ['LSOA name', 'lsoa_name'],
      ['Crime type', 'crime_type'],
      ['Last outcome category', 'outcome'],
      ['Context', 'context'],
    ],
  },
  {
    kind: 'outcomes',
    columns: [
      ['Crime ID', 'crime_id'],
      ['Month', 'month'],
      ['Reported by', 'reported_by'],
      ['Falls within', 'falls_within'],
      ['Longitude', 'longitude'],
      ['Latitude', 'latitude'],
      ['Location', 'location'],
      ['LSOA code', 'lsoa_code'],
      ['LSOA name', 'lsoa_name'],
      ['Outcome type', 'outcome'],
    ],
  },
  {
    kind: 'stop-and-search',
    columns: [
      ['Type', 'type'],
      ['Date', 'date'],
      ['Part of a policing operation', 'part_of_operation'],
      ['Policing operation', 'operation'],
      ['Latitude', 'latitude'],
      ['Longitude', 'longitude'],
      ['Gender', 'gender'],
      ['Age range', 'age_range'],
      ['Self-defined ethnicity', 'self_defined_ethnicity'],
      ['Officer-defined ethnicity', 'officer_defined_ethnicity'],
      ['Legislation', 'legislation'],
      ['Object of search', 'object_of_search'],
      ['Outcome', 'outcome'],
      ['Outcome linked to object of search', 'outcome_linked'],
      ['Removal of more than just outer clothing', 'removal_of_outer_clothing'],
    ],
  },
]

export function formatOf(kind: Kind): Format {
  return FORMATS.find((f) => f.kind === kind)!
}

export type HeaderCheck = { ok: true; format: Format } | { ok: false; message: string }

/**
 * Which format a header row is. Headers are compared as police.uk writes them, ignoring a byte-order mark,
 * surrounding spaces and letter case, so a file re-saved by a spreadsheet still reads.
 */
export function detectFormat(found: string[], fileLabel: string): HeaderCheck {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ')
  for (const f of FORMATS) {
    if (found.length === f.columns.length && f.columns.every(([h], i) => norm(h) === norm(found[i]))) return { ok: true, format: f }
  }
  const list = (cols: readonly string[]) => cols.map((c) => `"${c}"`).join(', ')
  const expected = FORMATS.map((f) => `${KIND_LABELS[f.kind].toLowerCase()} files: ${list(f.columns.map(([h]) => h))}`).join('; ')
  // Many columns: the first 20 are listed, with the true count (a file of 100,000 columns is named as such).
  const shown = found.length > 20 ? `${list(found.slice(0, 20))} and ${(found.length - 20).toLocaleString('en-GB')} more` : list(found)
  const what =
    found.length === 1 && found[0] === ''
      ? 'an empty first line'
      : `${found.length === 1 ? 'this column' : `these ${found.length.toLocaleString('en-GB')} columns`}: ${shown}`
  return {
    ok: false,
    message: `${fileLabel} is not a police.uk file: its first line has ${what}. Expected the header of one of the police.uk formats, ${expected}.`,
  }
}

/** The month and force slug in a police.uk file name ("2019-08-avon-and-somerset-street.csv"), if it has them. */
export function parseFileName(name: string): { month?: string; force?: string; kind?: Kind } {
  const base = name
    .split(/[\\/]/)
    .pop()!
    .replace(/\.(gz|br)$/i, '')
  const m = /^(\d{4}-\d{2})-(.+?)-(street|outcomes|stop-and-search)\.csv$/i.exec(base)
  if (m) return { month: m[1], force: m[2].toLowerCase(), kind: m[3].toLowerCase() as Kind }
  const month = /(\d{4}-(?:0[1-9]|1[0-2]))/.exec(base)?.[1]
  return { month }
}
