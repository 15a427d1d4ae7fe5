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
export const AreasQuery = Type.Object({ type: Type.Optional(choice(AREA_TYPES, 'Type of area')), format: ExportFormat })
export const ApiAreasQuery = Type.Object({ type: Type.Optional(choice(AREA_TYPES, 'Type of area')) })
export const ApiAreaParam = Type.Object({ code: Type.String({ maxLength: 60 }) })
