/** Open crime data: the schemas of the API's and pages' queries and answers (also the OpenAPI document). */
import { Type, type TProperties } from '@sinclair/typebox'
import { choice } from '../platform/validation.ts'
import { ExportFormat } from '../platform/export.ts'
import { STREET_GROUPS, STOP_SEARCH_GROUPS } from './queries.ts'
import { KINDS } from './formats.ts'

export const MONTH = '^\\d{4}-(0[1-9]|1[0-2])$'
export const Month = (title: string) =>
  Type.String({ pattern: MONTH, title, errorMessage: `${title} must be a month written YYYY-MM, like 2019-08` })
export const AreaParam = Type.Object({ code: Type.String({ minLength: 1, maxLength: 60, title: 'Area' }) })
export const IdParam = Type.Object({ id: Type.Integer({ title: 'Import' }) })

export const areaDescription =
  'A GSS code (district E06/E07/E08/E09/W06, community safety partnership E22/W22, county E10, police force area E23/W15), an LSOA code (E01/W01), a custom area (custom-12), or a police force by its police.uk name (avon-and-somerset) for everything it reported'
/** The query of a counts route: which area, which months, grouped how, as JSON or CSV (and the route's own filters). */
export function countsQuery<E extends TProperties = Record<never, never>>(area: string, groups: readonly string[], extra: E = {} as E) {
  return Type.Object({
    area: Type.String({ minLength: 1, maxLength: 60, title: 'Area', description: area }),
    from: Type.Optional(Month('From')),
    to: Type.Optional(Month('To')),
    group: Type.Optional(
      Type.String({ maxLength: 200, title: 'Group', description: `Comma-separated, any of: ${groups.join(', ')} (default month)` }),
    ),
    ...extra,
    format: ExportFormat,
  })
}
export const OUTCOME_GROUPS = ['month', 'outcome', 'lsoa'] as const
export const CountsQuery = countsQuery(areaDescription, STREET_GROUPS, {
  type: Type.Optional(
    Type.String({ maxLength: 1000, title: 'Crime type', description: 'Only these crime types (comma-separated), e.g. Burglary,Robbery' }),
  ),
})
export const StopSearchQuery = countsQuery(
  'A police force area code (E23/W15) or a police force (city-of-london). Stop-and-search records have coordinates but no LSOA, so they are counted by force.',
  STOP_SEARCH_GROUPS,
)
export const OutcomesQuery = countsQuery(areaDescription, OUTCOME_GROUPS)
export const Row = Type.Object(
  { count: Type.Integer() },
  { additionalProperties: true, description: 'One row per combination of the groups asked for, with its count' },
)
export const CoverageSchema = Type.Object({
  kind: Type.String(),
  forces: Type.Array(
    Type.Object({ force: Type.String(), name: Type.String(), loaded: Type.Integer(), missing: Type.Array(Type.String()) }),
  ),
  months: Type.Array(
    Type.Object({
      month: Type.String(),
      status: Type.String({ description: 'loaded, partial (some of the forces the area needs) or missing' }),
      missing: Type.Array(Type.String()),
    }),
  ),
  gaps: Type.Array(Type.String({ description: 'Months not loaded for every force the area needs: gaps, never zeros' })),
  complete: Type.Boolean(),
  noLocation: Type.Integer({ description: 'Records these forces reported with no location in the period' }),
})
export const CountsResponse = Type.Object({
  area: Type.Object({ code: Type.String(), name: Type.String(), type: Type.String() }),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  group: Type.Array(Type.String()),
  rows: Type.Array(Row),
  coverage: Type.Union([CoverageSchema, Type.Null()]),
})

/** What every counts route's query has (each adds its own filters): Static<typeof CountsQuery> and the others fit it. */
export interface CommonCountsQuery {
  area: string
  from?: string
  to?: string
  group?: string
  format?: string
}

export const CoverageQuery = Type.Object({ kind: Type.Optional(choice(KINDS, 'Kind')), format: ExportFormat })
export const SearchQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 100, title: 'Area' })) })
export const AreaQuery = Type.Object({
  from: Type.Optional(Month('From')),
  to: Type.Optional(Month('To')),
  type: Type.Optional(Type.String({ maxLength: 100, title: 'Crime type' })),
  format: ExportFormat,
  table: Type.Optional(choice(['months', 'types', 'lsoas', 'detail'] as const, 'Table')),
})
