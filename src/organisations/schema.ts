/** Organisations and areas: one schema each, used by the API, the forms and the OpenAPI document. */
import { Type, type Static } from '@sinclair/typebox'
import { choice } from '../platform/validation.ts'

export const ORGANISATION_TYPES = [
  'county council',
  'district council',
  'unitary',
  'police force',
  'police and crime commissioner',
  'fire and rescue',
  'probation',
  'prison',
  'health commissioner',
  'public health',
  'youth offending',
  'voluntary sector',
  'other',
] as const

export const AREA_TYPES = ['county', 'district', 'community safety partnership', 'police force area'] as const

export const OrganisationInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, title: 'Name' }),
    type: choice(ORGANISATION_TYPES, 'Type of organisation'),
    responsibleAuthority: Type.Optional(Type.Boolean({ title: 'Responsible authority' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type OrganisationInput = Static<typeof OrganisationInput>

export const Organisation = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String(),
  responsibleAuthority: Type.Boolean(),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const AreaInput = Type.Object(
  {
    code: Type.String({
      pattern: '^[EWSNK]\\d{8}$',
      title: 'GSS code',
      errorMessage: 'Enter the GSS code as a letter and 8 digits, like E10000014',
    }),
    name: Type.String({ minLength: 1, maxLength: 200, title: 'Name' }),
    type: choice(AREA_TYPES, 'Type of area'),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type AreaInput = Static<typeof AreaInput>

export const Area = Type.Object({
  code: Type.String(),
  name: Type.String(),
  type: Type.String(),
  version: Type.Integer(),
})
