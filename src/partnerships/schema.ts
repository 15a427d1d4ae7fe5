/** Partnerships: the schemas of their forms, the API and the OpenAPI document. */
import { Type, type Static } from '@sinclair/typebox'

export const PartnershipInput = Type.Object(
  {
    slug: Type.String({
      pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
      maxLength: 60,
      title: 'Web address name',
      errorMessage: 'Web address name must use only lower-case letters, numbers and hyphens, like north-worcestershire',
    }),
    name: Type.String({ minLength: 1, maxLength: 200, title: 'Name' }),
    shortName: Type.Optional(Type.String({ maxLength: 30, title: 'Short name' })),
    areaCode: Type.Optional(Type.String({ maxLength: 9, title: 'Area' })),
    published: Type.Optional(Type.Boolean({ title: 'Published' })),
    kind: Type.Optional(
      Type.Union([Type.Literal('partnership'), Type.Literal('council')], {
        title: 'Kind of workspace',
        errorMessage: 'Select whether this is a partnership or a council',
      }),
    ),
    version: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
)
export type PartnershipInput = Static<typeof PartnershipInput>

export const PartnershipJson = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  shortName: Type.Union([Type.String(), Type.Null()]),
  areaCode: Type.Union([Type.String(), Type.Null()]),
  published: Type.Boolean(),
  kind: Type.Union([Type.Literal('partnership'), Type.Literal('council')]),
})

/** ?format=csv|json and nothing else (the list and the audit log). */
export const FormatOnlyQuery = Type.Object({ format: Type.Optional(Type.String()) })

export const PartnershipParams = Type.Object({ partnership: Type.String() })
export const PersonParams = Type.Object({ partnership: Type.String(), userId: Type.Integer() })
export const InvitationParams = Type.Object({ partnership: Type.String(), invitation: Type.Integer({ minimum: 1, maximum: 2147483647 }) })
/** An emailed link's token (random, base64url). */
export const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) })
export const HistoryParams = Type.Object({
  partnership: Type.String(),
  // Entity types are lower-case words joined by underscores or spaces ('priority', 'custom area').
  entity: Type.String({ pattern: '^[a-z_ ]+$', maxLength: 40, title: 'Kind of record', errorMessage: 'This is not a kind of record' }),
  id: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9:_-]+$', title: 'Record', errorMessage: 'This is not a record' }),
})
export const HistoryQuery = Type.Object({ back: Type.Optional(Type.String({ maxLength: 500 })) })

export { AuditQuery } from '../platform/audit.ts'

/** Adding a person: the form's fields (the service checks them and gives the messages). */
export const AddPersonInput = Type.Object({
  email: Type.Optional(Type.String({ title: 'Email address' })),
  role: Type.Optional(Type.String({ title: 'Role' })),
})
export type AddPersonInput = Static<typeof AddPersonInput>
