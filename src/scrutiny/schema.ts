/** Scrutiny: the schemas of its forms, the API and the OpenAPI document. */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { choice, Nullable } from '../platform/validation.ts'

export const MEETING_STATUSES = ['scheduled', 'confirmed', 'cancelled', 'held'] as const
export type MeetingStatus = (typeof MEETING_STATUSES)[number]
export const COMMITTEE_ROLES = ['chairman', 'vice-chairman', 'member', 'substitute'] as const
export type CommitteeRole = (typeof COMMITTEE_ROLES)[number]
export const MEMBER_KINDS = ['councillor', 'co-opted'] as const
export const STANDARD_ITEMS = ['apologies', 'declarations', 'minutes', 'participation', 'announcements'] as const
export type StandardItem = (typeof STANDARD_ITEMS)[number]

/**
 * Local Government Act 1972, Schedule 12A, Part 1 (England): the descriptions of exempt information, by paragraph.
 * (Paragraphs 7A to 7C apply in Wales only and are not offered yet.)
 */
export const SCHEDULE_12A: Record<number, string> = {
  1: 'Information relating to any individual',
  2: 'Information which is likely to reveal the identity of an individual',
  3: 'Information relating to the financial or business affairs of any particular person (including the authority holding that information)',
  4: 'Information relating to any consultations or negotiations, or contemplated consultations or negotiations, in connection with any labour relations matter arising between the authority or a Minister of the Crown and employees of, or office holders under, the authority',
  5: 'Information in respect of which a claim to legal professional privilege could be maintained in legal proceedings',
  6: 'Information which reveals that the authority proposes to give under any enactment a notice under or by virtue of which requirements are imposed on a person, or to make an order or direction under any enactment',
  7: 'Information relating to any action taken or to be taken in connection with the prevention, investigation or prosecution of crime',
}

function optionalText(title: string, maxLength: number) {
  return Type.Optional(Type.Union([Type.Null(), Type.String()], { title, maxLength }) as unknown as ReturnType<typeof Type.String>)
}
function optionalInt(title: string, extra: Record<string, unknown> = {}) {
  return Type.Optional(
    Type.Union([Type.Null(), Type.Integer(extra)], { title, ...extra }) as unknown as TSchema as ReturnType<typeof Type.Integer>,
  )
}
const DATE = Type.String({
  format: 'date',
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  title: 'Date',
  errorMessage: 'Enter the date of the meeting, like 2019-11-14',
})
const TIME = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
  title: 'Start time',
  errorMessage: 'Enter the start time in 24-hour form, like 10:00 or 14:30',
})

export const MeetingInput = Type.Object(
  {
    bodyId: Type.Integer({ minimum: 1, title: 'Committee or body', errorMessage: 'Select the committee or body that meets' }),
    date: DATE,
    startTime: TIME,
    place: Type.String({ minLength: 1, maxLength: 500, title: 'Place', errorMessage: 'Enter where the meeting is held' }),
    status: choice(MEETING_STATUSES, 'Status'),
    agendaPublished: Type.Optional(Type.Boolean({ title: 'Agenda published' })),
    decisionsPublished: Type.Optional(Type.Boolean({ title: 'Decisions published' })),
    minutesPublished: Type.Optional(Type.Boolean({ title: 'Minutes published' })),
    /** Start the agenda with the committee's standard items (new meetings only; default yes). */
    standardItems: Type.Optional(Type.Boolean({ title: 'Standard items' })),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type MeetingInput = Static<typeof MeetingInput>

export const ItemInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 500, title: 'Title', errorMessage: 'Enter the title of the item' }),
    purpose: optionalText('Purpose', 5000),
    presenter: optionalText('Presented by', 300),
    forDecision: Type.Optional(Type.Boolean({ title: 'For decision' })),
    exempt: Type.Optional(Type.Boolean({ title: 'Exempt' })),
    exemptParagraph: optionalInt('Paragraph of Schedule 12A', { minimum: 1, maximum: 7 }),
    publishedTitle: optionalText('Title to publish', 300),
    decision: optionalText('Decision or recommendation', 10000),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type ItemInput = Static<typeof ItemInput>

export const CommitteeInput = Type.Object(
  {
    remit: optionalText('Remit', 20000),
    crimeAndDisorder: Type.Optional(Type.Boolean({ title: 'Crime and disorder committee' })),
    supportOfficers: optionalText('Support officers', 2000),
    standingInvitees: optionalText('Standing invitees', 2000),
    declarationsWording: optionalText('Declarations of interest wording', 5000),
    participationTitle: optionalText('Public participation item title', 200),
    participationWording: optionalText('Public participation wording', 2000),
    noticeWorkingDays: optionalInt('Working days of notice', { minimum: 0, maximum: 10 }),
    noticeTime: Type.Optional(
      Type.String({
        pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
        title: 'Notice time',
        errorMessage: 'Enter the time notice must be given by, like 09:00',
      }),
    ),
    scrutinises: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { title: 'Partnerships it scrutinises' })),
    /** Left out: unchanged. */
    requiredOrganisations: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { title: 'Organisations required to attend' })),
    firstMinuteNumber: optionalInt('First minute number', {
      minimum: 1,
      maximum: 1000000,
      errorMessage: 'Enter the number of the first minute as a whole number, like 143',
    }),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type CommitteeInput = Static<typeof CommitteeInput>

export const NewCommitteeInput = Type.Composite([
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200, title: 'Name', errorMessage: 'Enter the name of the committee' }),
    type: Type.String({ minLength: 1, title: 'Type of committee', errorMessage: 'Select the type of committee' }),
  }),
  CommitteeInput,
])

export const CouncillorInput = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      title: 'Name',
      errorMessage: 'Enter the member’s name, like Councillor Jan Warwick',
    }),
    kind: choice(MEMBER_KINDS, 'Kind of member'),
    party: optionalText('Party', 200),
    division: optionalText('Ward or division', 200),
    represents: optionalText('Represents', 300),
    votingMatters: optionalText('Matters they may vote on', 500),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type CouncillorInput = Static<typeof CouncillorInput>

export const MembershipInput = Type.Object(
  {
    councillorId: Type.Integer({ minimum: 1, title: 'Member', errorMessage: 'Select the member to add' }),
    role: choice(COMMITTEE_ROLES, 'Role'),
  },
  { additionalProperties: false },
)

export const INTEREST_KINDS = ['disclosable pecuniary', 'other registrable', 'non-registrable'] as const
export const DeclarationInput = Type.Object(
  {
    councillorId: Type.Integer({ minimum: 1, title: 'Member', errorMessage: 'Select the member making the declaration' }),
    itemId: optionalInt('Agenda item', { minimum: 1 }),
    kind: choice(INTEREST_KINDS, 'Kind of interest'),
    nature: Type.String({
      minLength: 1,
      maxLength: 2000,
      title: 'Nature of the interest',
      errorMessage: 'Enter the nature of the interest, like "Owns a business in the area"',
    }),
  },
  { additionalProperties: false },
)

export const ATTENDANCE = ['present', 'apologies', 'absent', 'substitute'] as const
export const AttendanceInput = Type.Object(
  {
    attendeeId: Type.Integer({ minimum: 1, title: 'Member', errorMessage: 'Select the member whose attendance to record' }),
    attendance: choice(ATTENDANCE, 'Attendance'),
    substituteFor: optionalInt('Substitute for', { minimum: 1 }),
  },
  { additionalProperties: false },
)

export const ORGANISATION_ATTENDANCE = ['present', 'apologies', 'absent'] as const
export const OrganisationAttendanceInput = Type.Object(
  {
    organisationId: Type.Integer({ minimum: 1, title: 'Organisation', errorMessage: 'Select the organisation' }),
    representative: optionalText('Representative', 300),
    attendance: choice(ORGANISATION_ATTENDANCE, 'Attendance'),
  },
  { additionalProperties: false },
)

/** One item's minutes on the minutes form (the form's fields are minutes-<id> and resolution-<id>). */
export const MinuteInput = Type.Object({
  itemId: Type.Integer({ minimum: 1 }),
  minutes: optionalText('Minutes', 50000),
  resolution: optionalText('Resolved', 20000),
})
export const MinutesInput = Type.Object(
  {
    items: Type.Array(MinuteInput, { maxItems: 500 }),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)

// ---- The public API ----

/** ?council=<slug> of the public API's scrutiny routes. */
export const CouncilQuery = Type.Object({
  council: Type.String({
    minLength: 1,
    maxLength: 100,
    title: 'Council',
    errorMessage: 'council must be a council’s address, like hampshire-county-council',
  }),
})

export const CommitteeJson = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  type: Type.String(),
  url: Type.String(),
  remit: Nullable(Type.String()),
  crimeAndDisorder: Type.Boolean({ description: 'The council’s crime and disorder committee' }),
  chairman: Nullable(Type.String()),
  viceChairman: Nullable(Type.String()),
  membersCount: Type.Integer({ description: 'Members and co-opted members, not substitutes' }),
  scrutinises: Type.Array(Type.Object({ slug: Type.String(), name: Type.String() }), {
    description: 'Published partnerships the committee scrutinises',
  }),
})

export const MemberJson = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  url: Type.String(),
  kind: Type.String({ description: 'councillor or co-opted' }),
  party: Nullable(Type.String()),
  division: Nullable(Type.String({ description: 'Ward or division' })),
  represents: Nullable(Type.String({ description: 'Co-opted members: whom they represent' })),
  votingMatters: Nullable(Type.String({ description: 'Co-opted members: the matters they may vote on; councillors: null (all)' })),
  committees: Type.Array(Type.Object({ slug: Type.String(), name: Type.String(), role: Type.String() })),
})

export const MeetingsQuery = Type.Object({
  from: Type.Optional(
    Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', title: 'From', errorMessage: 'from must be a date like 2019-11-01' }),
  ),
  to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', title: 'To', errorMessage: 'to must be a date like 2019-11-30' })),
})

export const AgendaItemJson = Type.Object({
  number: Type.Integer(),
  title: Type.String({ description: 'For an exempt item, "Exempt: " and the title the council publishes' }),
  standard: Nullable(Type.String()),
  purpose: Nullable(Type.String()),
  presenter: Nullable(Type.String()),
  forDecision: Type.Boolean(),
  exempt: Type.Boolean(),
  exemptParagraph: Nullable(Type.Integer({ description: 'Local Government Act 1972, Schedule 12A, paragraph' })),
  decision: Nullable(Type.String()),
})

export const MeetingJson = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  council: Type.Object({ slug: Type.String(), name: Type.String() }),
  body: Type.Object({ slug: Type.String(), name: Type.String(), type: Type.String() }),
  date: Type.String({ format: 'date' }),
  startTime: Type.String({ description: 'Local time in England and Wales, HH:MM' }),
  start: Type.String({ format: 'date-time' }),
  place: Type.String(),
  status: Type.String(),
  agendaPublished: Type.Boolean(),
  decisionsPublished: Type.Boolean(),
  minutesPublished: Type.Boolean(),
  pack: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
    description: "The address of the meeting's public agenda pack (PDF) once its agenda is published; null before",
  }),
  agenda: Type.Array(AgendaItemJson, { description: 'Empty until the agenda is published' }),
})
