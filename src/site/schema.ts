/** The site's settings and statements: one schema each, for the forms (and their messages). */
import { Type, type Static } from '@sinclair/typebox'
import { choice } from '../platform/validation.ts'

const colour = (title: string) => Type.String({ title, maxLength: 20 })

export const SiteSettingsInput = Type.Object(
  {
    serviceName: Type.Optional(Type.String({ title: 'Name of this service', maxLength: 80 })),
    organisationName: Type.Optional(Type.String({ title: 'Council or partnership', maxLength: 200 })),
    organisationUrl: Type.Optional(
      Type.String({
        title: 'Its website',
        maxLength: 300,
        pattern: '^https?://[^\\s<>"]+$',
        errorMessage: 'Its website must be a web address starting with https://, like https://www.hants.gov.uk',
      }),
    ),
    contactEmail: Type.Optional(
      Type.String({
        title: 'Contact email address',
        maxLength: 254,
        pattern: '^[^\\s@<>"(),;:]+@[^\\s@<>"(),;:]+\\.[^\\s@<>"(),;:]+$',
        errorMessage: 'Enter the contact email address in the correct format, like name@council.gov.uk',
      }),
    ),
    headerBackground: colour('Header background colour'),
    headerText: colour('Header text colour'),
    linkColour: colour('Link colour'),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type SiteSettingsInput = Static<typeof SiteSettingsInput>

export const StatementInput = Type.Object(
  {
    body: Type.String({ title: 'Text', minLength: 1, maxLength: 50_000 }),
    compliance: Type.Optional(choice(['full', 'partial', 'none'] as const, 'Compliance status')),
    preparedOn: Type.Optional(Type.String({ format: 'date', title: 'Date the statement was prepared' })),
    reviewedOn: Type.Optional(Type.String({ format: 'date', title: 'Date it was last reviewed' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type StatementInput = Static<typeof StatementInput>
