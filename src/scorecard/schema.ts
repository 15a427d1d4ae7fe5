/** The scorecard's inputs and JSON answers: one schema each, used by the forms, the API and OpenAPI. */
import { Type, type Static } from '@sinclair/typebox'
import { choice, Nullable } from '../platform/validation.ts'
import { ROLES } from '../platform/auth/service.ts'
import { VIEWS } from './periods.ts'

export const UNITS = ['count', 'rate', 'percentage', 'number', 'money'] as const
export const POLARITIES = ['lower-is-better', 'higher-is-better', 'neither'] as const
export const FREQUENCY_CHOICES = ['month', 'quarter', 'financial-year'] as const
export const SENSITIVITIES = ['public', 'partners', 'restricted'] as const
export const RAG_METHODS = ['none', 'target', 'statistical'] as const
export const COMPARATORS = ['last-year', 'england-and-wales', 'peers', 'region'] as const

export const IndicatorInput = Type.Object(
  {
    code: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,59}$',
      title: 'Code',
      errorMessage: 'Enter a code of lower-case letters, digits and hyphens, such as hate-crimes',
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, title: 'Name' })),
    definition: Type.Optional(Type.String({ maxLength: 2000, title: 'Definition' })),
    unit: Type.Optional(choice(UNITS, 'Unit')),
    per: Type.Optional(
      Type.Union([Type.Literal(1000), Type.Literal(10000), Type.Literal(100000)], {
        title: 'Rate per',
        errorMessage: 'Select per 1,000, per 10,000 or per 100,000',
      }),
    ),
    polarity: Type.Optional(choice(POLARITIES, 'Polarity')),
    frequency: Type.Optional(choice(FREQUENCY_CHOICES, 'Frequency')),
    source: Type.Optional(Type.String({ maxLength: 500, title: 'Source' })),
    ownerOrganisationId: Type.Optional(Type.Integer({ minimum: 1, title: 'Owning organisation' })),
    caveats: Type.Optional(Type.String({ maxLength: 2000, title: 'Caveats' })),
    sensitivity: Type.Optional(choice(SENSITIVITIES, 'Sensitivity')),
    restrictedRoles: Type.Optional(Type.Array(choice(ROLES, 'Role'), { title: 'Roles that may see it' })),
    suppressionThreshold: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, title: 'Suppression threshold', errorMessage: 'Enter a whole number from 1 to 100' }),
    ),
    priorities: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { title: 'Priorities it measures' })),
    ragMethod: Type.Optional(choice(RAG_METHODS, 'RAG rating')),
    target: Type.Optional(Type.Number({ title: 'Target', errorMessage: 'Enter the target as a number' })),
    tolerance: Type.Optional(
      Type.Number({ minimum: 0, title: 'Tolerance', errorMessage: 'Enter the tolerance as a percentage, such as 5' }),
    ),
    comparator: Type.Optional(choice(COMPARATORS, 'Compared with')),
    region: Type.Optional(
      Type.Union([Type.String({ maxLength: 20 }), Type.Null()], {
        title: 'Region',
        errorMessage: 'Select the region, such as West Midlands (E12000005)',
      }),
    ),
    baseline: Type.Optional(
      Type.Union([Type.String({ maxLength: 20 }), Type.Null()], {
        title: 'Baseline year',
        errorMessage: 'Enter the baseline as a financial year, such as 2017/18',
      }),
    ),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type IndicatorInput = Static<typeof IndicatorInput>

const Figure = (title: string) =>
  Type.Optional(
    Type.Union([Type.Number(), Type.String({ maxLength: 40 }), Type.Null()], {
      title,
      errorMessage: `Enter the ${title.toLowerCase()} as a number`,
    }),
  )

export const ValueInput = Type.Object(
  {
    area: Type.String({ minLength: 1, maxLength: 40, title: 'Area', errorMessage: 'Enter the area’s GSS code, such as E06000019' }),
    period: Type.String({
      minLength: 1,
      maxLength: 20,
      title: 'Period',
      errorMessage: 'Enter the period, such as 2019-01, 2019/20 Q1 or 2019/20',
    }),
    numerator: Figure('Numerator'),
    denominator: Figure('Denominator'),
    value: Figure('Value'),
  },
  { additionalProperties: false },
)
export type ValueInput = Static<typeof ValueInput>

export const IndicatorJson = Type.Object({
  code: Type.String(),
  name: Type.String(),
  unit: Type.String(),
  per: Nullable(Type.Integer()),
  polarity: Type.String(),
  frequency: Type.String(),
  sensitivity: Type.String(),
  builtin: Type.Boolean(),
  baseline: Nullable(Type.String()),
  priorities: Type.Array(Type.Object({ number: Type.Integer(), title: Type.String() })),
})

const ComparisonJson = Type.Object({
  period: Type.String(),
  value: Nullable(Type.Number()),
  ratio: Nullable(Type.Number()),
  p_value: Nullable(Type.Number()),
})

export const TrendJson = Type.Object({
  direction: Nullable(choice(['increasing', 'decreasing', 'no significant change'] as const, 'Direction')),
  p_value: Nullable(Type.Number()),
  method: Nullable(Type.String()),
  periods: Type.Array(Type.String()),
  judgement: Nullable(choice(['better', 'worse', 'neither'] as const, 'Judgement')),
  text: Type.String(),
})

const Interval = Nullable(Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }))
export const ValueJson = Type.Object({
  area: Type.String(),
  period: Type.String(),
  numerator: Nullable(Type.Number()),
  denominator: Nullable(Type.Number()),
  value: Nullable(Type.Number()),
  ci95: Interval,
  ci998: Interval,
  suppressed: Type.Boolean(),
  change: Nullable(ComparisonJson),
  baseline: Nullable(ComparisonJson),
})

export const ValuesQuery = Type.Object({
  area: Type.Optional(Type.String({ maxLength: 40, title: 'Area' })),
  view: Type.Optional(choice(VIEWS, 'Period view')),
  from: Type.Optional(Type.String({ maxLength: 20, title: 'From period' })),
  to: Type.Optional(Type.String({ maxLength: 20, title: 'To period' })),
  format: Type.Optional(choice(['csv', 'json'] as const, 'Format')),
})
