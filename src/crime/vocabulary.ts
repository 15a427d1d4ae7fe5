/**
 * police.uk's vocabulary: the crime types published in each period, and the outcome labels, whose spelling has
 * varied between years ("Offender given a penalty notice" / "Offender given penalty notice").
 *
 * Crime types (police.uk "crime categories"): six from December 2010; eleven from September 2011 (criminal damage
 * and arson, drugs, other theft, shoplifting, public disorder and weapons added); fourteen from May 2013, when
 * "Violent crime" became "Violence and sexual offences", "Public disorder and weapons" was split into "Public order"
 * and "Possession of weapons", and "Bicycle theft" and "Theft from the person" were added. A row whose type is not
 * in the list for its month is kept and flagged (type_known = false), so nothing is silently lost.
 */

export const CRIME_TYPE_PERIODS: readonly { from: string; to: string | null; types: readonly string[] }[] = [
  {
    from: '2010-12',
    to: '2011-08',
    types: ['Anti-social behaviour', 'Burglary', 'Other crime', 'Robbery', 'Vehicle crime', 'Violent crime'],
  },
  {
    from: '2011-09',
    to: '2013-04',
    types: [
      'Anti-social behaviour',
      'Burglary',
      'Criminal damage and arson',
      'Drugs',
      'Other crime',
      'Other theft',
      'Public disorder and weapons',
      'Robbery',
      'Shoplifting',
      'Vehicle crime',
      'Violent crime',
    ],
  },
  {
    from: '2013-05',
    to: null,
    types: [
      'Anti-social behaviour',
      'Bicycle theft',
      'Burglary',
      'Criminal damage and arson',
      'Drugs',
      'Other crime',
      'Other theft',
      'Possession of weapons',
      'Public order',
      'Robbery',
      'Shoplifting',
      'Theft from the person',
      'Vehicle crime',
      'Violence and sexual offences',
    ],
  },
]

/** The crime types police.uk published for a month ('YYYY-MM'). */
export function crimeTypesFor(month: string): readonly string[] {
  const period = CRIME_TYPE_PERIODS.find((p) => month >= p.from && (p.to === null || month <= p.to))
  return period?.types ?? []
}

/** Every crime type ever published, current ones first. */
export const ALL_CRIME_TYPES = [
  ...new Set(
    CRIME_TYPE_PERIODS.slice()
      .reverse()
      .flatMap((p) => p.types),
  ),
]

/**
 * Outcome labels: the label Safer stores (police.uk's current spelling) and the other spellings seen in
 * police.uk files and its API over the years. Matching ignores case, punctuation and spacing.
 */
export const OUTCOMES: readonly { label: string; variants?: readonly string[] }[] = [
  { label: 'Action to be taken by another organisation' },
  { label: 'Awaiting court outcome', variants: ['Awaiting court result'] },
  { label: 'Court case unable to proceed' },
  { label: 'Court result unavailable' },
  { label: 'Defendant found not guilty' },
  { label: 'Defendant sent to Crown Court' },
  { label: 'Formal action is not in the public interest', variants: ['Formal action not in the public interest'] },
  { label: 'Further action is not in the public interest', variants: ['Further action not in the public interest'] },
  { label: 'Further investigation is not in the public interest', variants: ['Further investigation not in the public interest'] },
  {
    label: 'Investigation complete; no suspect identified',
    variants: ['No further action', 'Investigation complete - no suspect identified'],
  },
  { label: 'Local resolution' },
  { label: 'Offender deprived of property' },
  { label: 'Offender fined' },
  { label: 'Offender given a caution', variants: ['Offender cautioned'] },
  { label: 'Offender given a drugs possession warning', variants: ['Offender given drugs possession warning'] },
  { label: 'Offender given absolute discharge' },
  { label: 'Offender given community sentence' },
  { label: 'Offender given conditional discharge' },
  { label: 'Offender given penalty notice', variants: ['Offender given a penalty notice'] },
  { label: 'Offender given suspended prison sentence' },
  { label: 'Offender ordered to pay compensation' },
  { label: 'Offender otherwise dealt with' },
  { label: 'Offender sent to prison' },
  { label: 'Status update unavailable' },
  { label: 'Suspect charged' },
  { label: 'Suspect charged as part of another case' },
  { label: 'Unable to prosecute suspect' },
  { label: 'Under investigation' },
]

/** The key outcome labels are matched on; the same rule is written in SQL in outcomeKeySql. */
export function outcomeKey(label: string) {
  return label
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
}

/** SQL for outcomeKey over a column (DuckDB). */
export function outcomeKeySql(column: string) {
  return `trim(regexp_replace(replace(lower(${column}), '&', ' and '), '[^a-z0-9]+', ' ', 'g'))`
}

/** [key, label] for every spelling, for the lookup table the importer joins on. */
export function outcomeLookup(): [string, string][] {
  const byKey = new Map<string, string>()
  for (const o of OUTCOMES) for (const v of [o.label, ...(o.variants ?? [])]) byKey.set(outcomeKey(v), o.label)
  return [...byKey]
}

export function normaliseOutcome(label: string): { label: string; known: boolean } {
  const found = outcomeLookup().find(([k]) => k === outcomeKey(label))
  return found ? { label: found[1], known: true } : { label, known: false }
}
