/** Bodies and their members: one schema each, used by the API, the forms and the OpenAPI document. */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { choice, Nullable } from '../platform/validation.ts'

export const BODY_TYPES = [
  'county strategy group',
  'community safety partnership',
  'board',
  'sub-group',
  'panel',
  'task and finish group',
  // A council workspace's bodies (issue 10): the council, its cabinet and its committees.
  'council',
  'cabinet',
  'overview and scrutiny board',
  'overview and scrutiny committee',
  'select committee',
  'scrutiny panel',
] as const
export type BodyType = (typeof BODY_TYPES)[number]

/** The types of body that are council committees (their meetings, members and agendas are in src/scrutiny). */
export const COMMITTEE_TYPES: readonly BodyType[] = [
  'council',
  'cabinet',
  'overview and scrutiny board',
  'overview and scrutiny committee',
  'select committee',
  'scrutiny panel',
]

export const MEMBER_ROLES = ['chair', 'vice-chair', 'member', 'observer', 'adviser'] as const
export type MemberRole = (typeof MEMBER_ROLES)[number]

export const LIMITS = {
  name: 200,
  slug: 60,
  chairPerson: 200,
  meetingFrequency: 100,
  statutoryBasis: 2000,
  termsOfReference: 20000,
  person: 200,
} as const

/**
 * Text that may be left out or sent as null (an empty form field is null). The limit sits on the outer
 * schema so the message reads "Chair must be 200 characters or fewer".
 */
function optionalText(title: string, maxLength: number, extra: Record<string, unknown> = {}) {
  return Type.Optional(
    Type.Union([Type.Null(), Type.String()], { title, maxLength, ...extra }) as unknown as ReturnType<typeof Type.String>,
  )
}
/** A record chosen from a list, by its id; null or absent when none is chosen. */
function optionalId(title: string, extra: Record<string, unknown> = {}) {
  return Type.Optional(
    Type.Union([Type.Null(), Type.Integer({ minimum: 1 })], { title, ...extra }) as unknown as TSchema as ReturnType<typeof Type.Integer>,
  )
}

export const BodyInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: LIMITS.name, title: 'Name' }),
    slug: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
        maxLength: LIMITS.slug,
        title: 'Web address name',
        errorMessage: `Web address name must use only lower-case letters, numbers and hyphens, like prevent-board, and be ${LIMITS.slug} characters or fewer`,
      }),
    ),
    type: choice(BODY_TYPES, 'Type of body'),
    areaCode: optionalText('Area', 9),
    chairPerson: optionalText('Chair', LIMITS.chairPerson),
    chairOrganisationId: optionalId("Chair's organisation"),
    meetingFrequency: optionalText('How often it meets', LIMITS.meetingFrequency),
    reportsToId: optionalId('Reports to'),
    statutoryBasis: optionalText('Statutory basis', LIMITS.statutoryBasis),
    termsOfReference: optionalText('Terms of reference', LIMITS.termsOfReference),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type BodyInput = Static<typeof BodyInput>

export const MemberInput = Type.Object(
  {
    organisationId: optionalId('Organisation'),
    person: optionalText('Person or post', LIMITS.person),
    role: choice(MEMBER_ROLES, 'Role'),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type MemberInput = Static<typeof MemberInput>

const OrganisationRef = Nullable(Type.Object({ id: Type.Integer(), name: Type.String() }))

export const MemberJson = Type.Object({
  id: Type.Integer(),
  organisation: OrganisationRef,
  person: Nullable(Type.String()),
  role: Type.String(),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const BodyJson = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  type: Type.String(),
  areaCode: Nullable(Type.String()),
  chair: Type.Object({ person: Nullable(Type.String()), organisation: OrganisationRef }),
  meetingFrequency: Nullable(Type.String()),
  reportsTo: Nullable(Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() })),
  statutoryBasis: Nullable(Type.String()),
  termsOfReference: Nullable(Type.String()),
  memberCount: Type.Integer(),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const BodyWithMembersJson = Type.Composite([BodyJson, Type.Object({ members: Type.Array(MemberJson) })])
