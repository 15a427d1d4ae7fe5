/**
 * The built-in indicators, counted from the police.uk data for any area the geography knows: all recorded crime
 * (anti-social behaviour left out), anti-social behaviour, one per crime type, and stop and search for police force
 * areas. Their codes are stable: `police-uk-` and the crime type in lower case with hyphens.
 */
import { ALL_CRIME_TYPES } from '../crime/vocabulary.ts'
import type { Frequency } from './periods.ts'

export type Unit = 'count' | 'rate' | 'percentage' | 'number' | 'money'
export type Sensitivity = 'public' | 'partners' | 'restricted'
export type Polarity = 'higher-is-better' | 'lower-is-better' | 'neither'

export interface BuiltinIndicator {
  code: string
  name: string
  definition: string
  unit: Unit
  per: number | null
  polarity: Polarity
  frequency: Frequency
  source: string
  /** What is counted: street crimes of these types (every type but anti-social behaviour when undefined). */
  crimeTypes?: string[]
  /** Stop and search: every search, those ending in arrest, those with no further action. */
  stopSearch?: 'count' | 'arrest' | 'no-further-action'
}

export const ASB = 'Anti-social behaviour'
export const codeOfType = (type: string) =>
  `police-uk-${type
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`

const SOURCE = 'police.uk street-level crime data (Open Government Licence); ONS mid-year population estimates'

export const BUILTIN: BuiltinIndicator[] = [
  {
    code: 'police-uk-crime',
    name: 'All recorded crime',
    definition: 'Crimes recorded by the police in the area per 1,000 residents, anti-social behaviour not included.',
    unit: 'rate',
    per: 1000,
    polarity: 'lower-is-better',
    frequency: 'month',
    source: SOURCE,
  },
  ...ALL_CRIME_TYPES.map((type): BuiltinIndicator => ({
    code: type === ASB ? 'police-uk-asb' : codeOfType(type),
    name: type === ASB ? 'Anti-social behaviour' : type,
    definition: `${type === ASB ? 'Anti-social behaviour incidents' : `Recorded crimes of the type "${type}"`} in the area per 1,000 residents.`,
    unit: 'rate',
    per: 1000,
    polarity: 'lower-is-better',
    frequency: 'month',
    source: SOURCE,
    crimeTypes: [type],
  })),
  {
    code: 'police-uk-stop-and-search',
    name: 'Stop and search',
    definition: 'Stops and searches made by the force (police force areas only).',
    unit: 'count',
    per: null,
    polarity: 'neither',
    frequency: 'month',
    source: 'police.uk stop and search data',
    stopSearch: 'count',
  },
  {
    code: 'police-uk-stop-and-search-arrest',
    name: 'Stop and search ending in arrest',
    definition: 'The share of stops and searches whose outcome was an arrest (police force areas only).',
    unit: 'percentage',
    per: null,
    polarity: 'neither',
    frequency: 'month',
    source: 'police.uk stop and search data',
    stopSearch: 'arrest',
  },
  {
    code: 'police-uk-stop-and-search-nfa',
    name: 'Stop and search with no further action',
    definition: 'The share of stops and searches with no further action (police force areas only).',
    unit: 'percentage',
    per: null,
    polarity: 'neither',
    frequency: 'month',
    source: 'police.uk stop and search data',
    stopSearch: 'no-further-action',
  },
]

export const builtinByCode = new Map(BUILTIN.map((b) => [b.code, b]))
export const isBuiltinCode = (code: string) => code.startsWith('police-uk-')
