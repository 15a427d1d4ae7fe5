/** Action plans: one schema per input, used by the API, the forms and the OpenAPI document. */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { choice } from '../platform/validation.ts'
import { STATUSES } from './rollup.ts'

export const KINDS = ['objective', 'action'] as const
export type Kind = (typeof KINDS)[number]

export const LIMITS = {
  title: 300,
  description: 5000,
  name: 200,
  email: 254,
  milestone: 300,
  milestones: 50,
  narrative: 5000,
  externalId: 60,
}

function optionalText(title: string, maxLength: number, extra: Record<string, unknown> = {}) {
  return Type.Optional(
    Type.Union([Type.Null(), Type.String()], { title, maxLength, ...extra }) as unknown as ReturnType<typeof Type.String>,
  )
}
function optionalId(title: string, extra: Record<string, unknown> = {}) {
  return Type.Optional(
    Type.Union([Type.Null(), Type.Integer({ minimum: 1 })], { title, ...extra }) as unknown as TSchema as ReturnType<typeof Type.Integer>,
  )
}
/** A date: plain, so that parseForm reads a GOV.UK date input's three boxes into it; left out when blank. */
const optionalDate = (title: string) =>
  Type.Optional(Type.String({ format: 'date', title, errorMessage: `${title} must be a real date, like 31 3 2021` }))

export const ItemInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: LIMITS.title, title: 'Title' }),
    kind: Type.Optional(choice(KINDS, 'Kind of item')),
    description: optionalText('Description', LIMITS.description),
    priorityId: optionalId('Priority', {
      description: "The agreement priority the item serves (not needed when it has a parent: it takes its parent's)",
    }),
    parentId: optionalId('Part of', { description: 'The objective or action it is part of (none: it sits directly under its priority)' }),
    externalId: optionalText('External id', LIMITS.externalId, {
      description: "The id in the partnership's own spreadsheet (CSV import matches on it)",
    }),
    organisationId: optionalId('Owning organisation'),
    leadName: optionalText("Lead's name", LIMITS.name),
    leadEmail: Type.Optional(
      Type.Union([Type.Null(), Type.String({ format: 'email', maxLength: LIMITS.email })], {
        title: "Lead's email address",
        errorMessage: "Lead's email address must be an email address, like name@example.org",
      }) as unknown as ReturnType<typeof Type.String>,
    ),
    startDate: optionalDate('Start date'),
    dueDate: optionalDate('Due date'),
    status: Type.Optional(choice(STATUSES, 'Status')),
    progress: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, title: 'Progress', errorMessage: 'Progress must be a whole number from 0 to 100' }),
    ),
    weight: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1000,
        title: 'Weight',
        errorMessage: 'Weight must be a number greater than 0 and at most 1000',
      }),
    ),
    milestones: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.milestone, title: 'Milestone' }), {
        maxItems: LIMITS.milestones,
        title: 'Milestones',
      }),
    ),
    developmentAreaIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { title: 'Development areas', maxItems: 100 })),
    indicatorIds: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        title: 'Scorecard indicators',
        maxItems: 100,
        description: "Ids of the partnership's scorecard indicators the item is measured by",
      }),
    ),
  },
  { additionalProperties: false },
)
export type ItemInput = Static<typeof ItemInput>

export const UpdateInput = Type.Object(
  {
    status: choice(STATUSES, 'Status'),
    progress: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, title: 'Progress', errorMessage: 'Progress must be a whole number from 0 to 100' }),
    ),
    narrative: optionalText('What has happened', LIMITS.narrative),
  },
  { additionalProperties: false },
)
export type UpdateInput = Static<typeof UpdateInput>

/** Opening a quarterly return: the quarter's name, the deadline, and how many days before it the reminder goes. */
export const ReturnInput = Type.Object(
  {
    quarter: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: '\\S',
      title: 'Quarter',
      errorMessage: 'Enter the quarter, like Q2 2020/21',
    }),
    deadline: Type.String({ format: 'date', title: 'Deadline', errorMessage: 'Deadline must be a real date, like 31 10 2020' }),
    reminderDays: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 90,
        title: 'Reminder',
        errorMessage: 'The reminder must be a whole number of days from 0 to 90 before the deadline',
      }),
    ),
  },
  { additionalProperties: false },
)
export type ReturnInput = Static<typeof ReturnInput>

/** A lead's answer for one action in a return; finished=yes marks it completed in their task list. */
export const AnswerInput = Type.Object(
  {
    status: choice(STATUSES, 'Status'),
    progress: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, title: 'Progress', errorMessage: 'Progress must be a whole number from 0 to 100' }),
    ),
    narrative: optionalText('What has happened', 1000),
    finished: Type.Optional(choice(['yes', 'no'] as const, 'Have you finished this update')),
  },
  { additionalProperties: false },
)
export type AnswerInput = Static<typeof AnswerInput>

const Nullable = <T extends TSchema>(t: T, opts: { description?: string } = {}) => Type.Union([t, Type.Null()], opts)

export const PlanItemJson = Type.Object({
  id: Type.Integer(),
  externalId: Nullable(Type.String()),
  parentId: Nullable(Type.Integer()),
  priorityId: Type.Integer(),
  level: Type.Integer({ description: '2 for an item directly under its priority (level 1), up to 4' }),
  kind: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  organisation: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  lead: Nullable(Type.Object({ userId: Nullable(Type.Integer()), name: Nullable(Type.String()), email: Nullable(Type.String()) })),
  startDate: Nullable(Type.String({ format: 'date' })),
  dueDate: Nullable(Type.String({ format: 'date' })),
  status: Type.String(),
  progress: Type.Integer(),
  weight: Type.Number(),
  rolledUp: Type.Object(
    { progress: Type.Number(), status: Type.String() },
    { description: 'Weighted progress and worst status of the item and what lies beneath it' },
  ),
  milestones: Type.Array(Type.String()),
  developmentAreaIds: Type.Array(Type.Integer()),
  indicatorIds: Type.Array(Type.Integer()),
  carriedFromId: Nullable(Type.Integer()),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const PlanJson = Type.Object({
  agreementVersion: Nullable(Type.Object({ id: Type.Integer(), number: Type.Integer(), title: Type.String() }), {
    description: 'null when the partnership has no agreement version yet (and so no plan)',
  }),
  priorities: Type.Array(
    Type.Object({
      id: Type.Integer(),
      number: Type.Integer(),
      title: Type.String(),
      rolledUp: Nullable(Type.Object({ progress: Type.Number(), status: Type.String() })),
      items: Type.Array(PlanItemJson),
    }),
  ),
})

const ReturnSummaryFields = {
  id: Type.Integer(),
  quarter: Type.String({ description: 'As the admin named it, like "Q2 2020/21"' }),
  deadline: Type.String({ format: 'date' }),
  reminderDays: Type.Integer({ description: 'The reminder goes this many days before the deadline to leads who have not submitted' }),
  status: Type.String({ description: 'open or closed (closed: frozen, its submitted answers written to the actions)' }),
  closedAt: Nullable(Type.String({ format: 'date-time' })),
  agreementVersionId: Type.Integer({ description: 'The agreement version whose plan the return asks about' }),
  leads: Type.Integer({ description: 'Leads asked' }),
  submitted: Type.Integer({ description: 'Leads who have submitted' }),
}
export const ReturnSummaryJson = Type.Object(ReturnSummaryFields)
export const ReturnListJson = Type.Array(ReturnSummaryJson)
export const ReturnJson = Type.Object({
  ...ReturnSummaryFields,
  leadsAsked: Type.Array(
    Type.Object({
      name: Nullable(Type.String()),
      email: Type.String(),
      answers: Type.String({ description: 'account (signs in) or link (answers through an emailed link)' }),
      actions: Type.Integer(),
      completed: Type.Integer(),
      submittedAt: Nullable(Type.String({ format: 'date-time' })),
      reminders: Type.Integer(),
    }),
  ),
  actions: Type.Array(
    Type.Object({
      planItemId: Type.Integer(),
      title: Type.String(),
      leadEmail: Type.String(),
      answer: Nullable(Type.Object({ status: Type.String(), progress: Nullable(Type.Integer()), narrative: Nullable(Type.String()) }), {
        description: "The lead's answer once they have submitted it (null before: saved answers are not shown)",
      }),
    }),
  ),
})
