/** Funding: one schema per input (the API, the forms and the OpenAPI document), and the API's answer. */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { choice, Nullable } from '../platform/validation.ts'

export const FUNDER_KINDS = ['police and crime commissioner', 'Home Office', 'public health grant', 'council', 'other'] as const
export type FunderKind = (typeof FUNDER_KINDS)[number]
export const KIND_LABELS: Record<FunderKind, string> = {
  'police and crime commissioner': 'Police and crime commissioner',
  'Home Office': 'Home Office',
  'public health grant': 'Public health grant',
  council: 'Council',
  other: 'Other',
}

export const GRANT_STATUSES = ['open', 'closed'] as const
export type GrantStatus = (typeof GRANT_STATUSES)[number]

export const LIMITS = { name: 200, title: 200, conditions: 5000, project: 200, description: 1000, note: 500 } as const

/** Text that may be left out or sent as null (an empty form field is null); the limit on the outer schema. */
function optionalText(title: string, maxLength: number) {
  return Type.Optional(Type.Union([Type.Null(), Type.String()], { title, maxLength }) as unknown as ReturnType<typeof Type.String>)
}
/** A record chosen from a list, by its id; null or absent when none is chosen. */
function optionalId(title: string) {
  return Type.Optional(
    Type.Union([Type.Null(), Type.Integer({ minimum: 1 })], { title }) as unknown as TSchema as ReturnType<typeof Type.Integer>,
  )
}
const date = (title: string) => Type.Optional(Type.String({ format: 'date', title }))

/**
 * An amount of money: a number, or text as officers type it ("£3,798,000"), read by money.ts's parseMoney in the
 * service, which gives the precise message (negative, not a number, too many decimals).
 */
export function money(title: string) {
  return Type.Union([Type.Number(), Type.String({ maxLength: 40 })], {
    title,
    errorMessage: `Enter ${title.toLowerCase()} in pounds, like £15,000 or 15000.50`,
  }) as unknown as ReturnType<typeof Type.String>
}

const financialYear = Type.String({
  title: 'Financial year',
  maxLength: 7,
  errorMessage: 'Enter the financial year like 2016/17',
})

export const VISIBILITIES = ['public', 'members'] as const
export const SettingsInput = Type.Object(
  { visibility: choice(VISIBILITIES, 'Who can see the funding'), version: Type.Optional(Type.Integer({ title: 'Version' })) },
  { additionalProperties: false },
)

export const FunderInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: LIMITS.name, title: 'Name' }),
    kind: choice(FUNDER_KINDS, 'Kind of funder'),
    organisationId: optionalId('Organisation'),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type FunderInput = Static<typeof FunderInput>

export const GrantInput = Type.Object(
  {
    funderId: Type.Integer({ minimum: 1, title: 'Funder', errorMessage: 'Select the funder from the list' }),
    title: Type.String({ minLength: 1, maxLength: LIMITS.title, title: 'Title' }),
    financialYear,
    amount: money('Amount'),
    conditions: optionalText('Conditions', LIMITS.conditions),
    startsOn: date('Start date'),
    endsOn: date('End date'),
    status: Type.Optional(choice(GRANT_STATUSES, 'Status')),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type GrantInput = Static<typeof GrantInput>

export const AllocationInput = Type.Object(
  {
    priorityLineage: optionalId('Priority'),
    project: optionalText('Project', LIMITS.project),
    actionId: optionalId('Action'),
    amount: money('Amount'),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type AllocationInput = Static<typeof AllocationInput>

export const SpendInput = Type.Object(
  {
    allocationId: Type.Integer({ minimum: 1, title: 'Allocation', errorMessage: 'Select what the money was spent on from the list' }),
    spentOn: Type.String({ format: 'date', title: 'Date spent' }),
    amount: money('Amount'),
    description: Type.String({ minLength: 1, maxLength: LIMITS.description, title: 'Description' }),
  },
  { additionalProperties: false },
)
export type SpendInput = Static<typeof SpendInput>

export const ContractInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: LIMITS.name, title: 'Name' }),
    providerOrganisationId: optionalId('Provider'),
    providerName: optionalText('Provider (if not in the list)', LIMITS.name),
    priorityLineage: optionalId('Priority'),
    startsOn: date('Start date'),
    endsOn: date('End date'),
    description: optionalText('Description', LIMITS.description),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type ContractInput = Static<typeof ContractInput>

export const ContractLineInput = Type.Object(
  {
    financialYear,
    funderId: Type.Integer({ minimum: 1, title: 'Funder', errorMessage: 'Select the funder from the list' }),
    amount: money('Amount'),
    note: optionalText('Note', LIMITS.note),
  },
  { additionalProperties: false },
)
export type ContractLineInput = Static<typeof ContractLineInput>

// ---- The API's answer ----

const Money = Type.Number({ description: 'Pounds, to the penny' })
const PriorityRef = Nullable(Type.Object({ lineageId: Type.Integer(), name: Type.String() }))

export const FundingJson = Type.Object({
  partnership: Type.String(),
  public: Type.Boolean(),
  funders: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), kind: Type.String() })),
  grants: Type.Array(
    Type.Object({
      id: Type.Integer(),
      funderId: Type.Integer(),
      funder: Type.String(),
      title: Type.String(),
      financialYear: Type.String(),
      amount: Money,
      allocated: Money,
      spent: Money,
      remaining: Money,
      unallocated: Money,
      conditions: Nullable(Type.String()),
      startsOn: Nullable(Type.String({ format: 'date' })),
      endsOn: Nullable(Type.String({ format: 'date' })),
      status: Type.String(),
      allocations: Type.Array(
        Type.Object({
          id: Type.Integer(),
          priority: PriorityRef,
          project: Nullable(Type.String()),
          actionId: Nullable(Type.Integer()),
          amount: Money,
          spent: Money,
          remaining: Money,
        }),
      ),
    }),
  ),
  contracts: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      provider: Nullable(Type.String()),
      priority: PriorityRef,
      startsOn: Nullable(Type.String({ format: 'date' })),
      endsOn: Nullable(Type.String({ format: 'date' })),
      total: Money,
      funding: Type.Array(Type.Object({ financialYear: Type.String(), funderId: Type.Integer(), funder: Type.String(), amount: Money })),
    }),
  ),
  summaries: Type.Object({
    byPriority: Type.Array(Type.Object({ priority: Type.String(), allocated: Money, spent: Money, remaining: Money, contracts: Money })),
    byFunder: Type.Array(
      Type.Object({ funder: Type.String(), kind: Type.String(), granted: Money, allocated: Money, spent: Money, contracts: Money }),
    ),
    byYear: Type.Array(Type.Object({ financialYear: Type.String(), granted: Money, allocated: Money, spent: Money, contracts: Money })),
  }),
})
