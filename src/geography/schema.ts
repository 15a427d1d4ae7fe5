/** Geography: the schemas of its pages' and API's parameters, queries and answers (also the OpenAPI document). */
import { Type } from '@sinclair/typebox'
import { choice } from '../platform/validation.ts'
import { ExportFormat } from '../platform/export.ts'

export const PartnershipParam = Type.Object({ partnership: Type.String() })
export const CustomParams = Type.Object({ partnership: Type.String(), id: Type.Integer({ title: 'Custom area' }) })
export const AREA_TYPES = ['district', 'community safety partnership', 'county', 'police force area'] as const

export const CustomAreaJson = Type.Object({
  id: Type.Integer(),
  code: Type.String({ description: 'Use as area= in the crime counts API' }),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  lsoaCodes: Type.Array(Type.String()),
  version: Type.Integer(),
})
export const CustomAreaApiInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120, title: 'Name' }),
    description: Type.Optional(Type.String({ maxLength: 2000, title: 'Description' })),
    lsoaCodes: Type.Array(Type.String({ maxLength: 9 }), { minItems: 1, maxItems: 5000, title: 'LSOA codes' }),
    version: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
)
const SearchText = Type.String({
  maxLength: 1000,
  title: 'Search',
  errorMessage: 'The search must be 100 characters or fewer: enter a place or area name, an LSOA or a postcode district, like SO23',
})
export const AreasQuery = Type.Object({
  type: Type.Optional(choice(AREA_TYPES, 'Type of area')),
  q: Type.Optional(SearchText),
  format: ExportFormat,
})
export const ApiSearchQuery = Type.Object({ q: SearchText })
export const ApiAreasQuery = Type.Object({ type: Type.Optional(choice(AREA_TYPES, 'Type of area')) })
export const ApiAreaParam = Type.Object({ code: Type.String({ maxLength: 60 }) })
