/** The assurance framework's inputs and JSON answers: one schema each, used by the API, the forms and OpenAPI. */
import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from '../platform/validation.ts'

export const POINT_MAX = 2000

/** The default headings, in the order Hampshire's County Agreement uses them (seed 000). */
export const DEFAULT_DIMENSIONS = [
  'County co-ordination',
  'Driving front-line delivery',
  'Understanding of risk and vulnerability',
  'Reporting and recording',
  'Alignment of resources',
  'Local links',
] as const

/**
 * The default four-level scale. The colours are one blue hue from light to dark (ColorBrewer "Blues"),
 * so the levels keep their order in greyscale print and for every kind of colour blindness; the text colour
 * on each is chosen for WCAG AA contrast, and the label is always shown with the colour.
 */
export const DEFAULT_SCALE = [
  { value: 1, label: 'Not yet in place', colour: '#eff3ff', description: 'Arrangements are not yet in place for this priority.' },
  { value: 2, label: 'Developing', colour: '#bdd7e7', description: 'Arrangements are being developed and are not yet consistent.' },
  { value: 3, label: 'Established', colour: '#6baed6', description: 'Arrangements are in place and working.' },
  { value: 4, label: 'Strong', colour: '#2171b5', description: 'Arrangements are in place, working well and tested.' },
] as const

const Version = Type.Optional(Type.Integer({ title: 'Version' }))

export const RoundInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200, title: 'Title' }),
    assessedOn: Type.String({ format: 'date', title: 'Date of assessment' }),
    agreementVersionId: Type.Integer({
      minimum: 1,
      title: 'Agreement version',
      errorMessage: 'Select the agreement version this round assesses',
    }),
    copyFrom: Type.Optional(
      Type.Integer({
        minimum: 0,
        title: 'Start from',
        description:
          'The id of a round whose ratings, findings and development areas the new round starts with, each marked carried forward (0 or left out: an empty round). Only when adding a round.',
      }),
    ),
    version: Version,
  },
  { additionalProperties: false },
)
export type RoundInput = Static<typeof RoundInput>

const Point = (title: string) => Type.String({ minLength: 1, maxLength: POINT_MAX, title })

export const CellInput = Type.Object(
  {
    rating: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        title: 'Rating',
        errorMessage: 'Select a rating from the scale, or "Not rated yet"',
      }),
    ),
    findings: Type.Array(Point('Finding'), { title: 'Findings', maxItems: 100 }),
    developmentAreas: Type.Array(Point('Development area'), { title: 'Development areas', maxItems: 100 }),
    version: Type.Optional(
      Type.Integer({
        minimum: 0,
        title: 'Version',
        description: 'The version you read (0 for a cell not yet recorded). A stale version is refused with 409.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type CellInput = Static<typeof CellInput>

export const DimensionInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, title: 'Name' }),
    description: Type.Optional(Type.String({ maxLength: 1000, title: 'Description' })),
    active: Type.Optional(Type.Boolean({ title: 'In use' })),
    version: Version,
  },
  { additionalProperties: false },
)
export type DimensionInput = Static<typeof DimensionInput>

export const LevelInput = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 60, title: 'Label' }),
    colour: Type.String({
      pattern: '^#?[0-9a-fA-F]{6}$',
      title: 'Colour',
      errorMessage: 'Enter the colour as a hex code of 6 characters, like #6baed6',
    }),
    description: Type.Optional(Type.String({ maxLength: 500, title: 'Description' })),
    version: Version,
  },
  { additionalProperties: false },
)
export type LevelInput = Static<typeof LevelInput>

// ---- JSON answers ----

export const DimensionJson = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  position: Type.Integer(),
  active: Type.Boolean(),
  version: Type.Integer(),
})

export const LevelJson = Type.Object({
  id: Type.Integer(),
  value: Type.Integer(),
  label: Type.String(),
  colour: Type.String(),
  textColour: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
})

export const PublicationJson = Type.Object({
  number: Type.Integer(),
  publishedAt: Type.String({ format: 'date-time' }),
  ratedCells: Type.Integer(),
  totalCells: Type.Integer(),
})

export const RoundJson = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  assessedOn: Type.String(),
  published: Type.Boolean({ description: 'Published at least once (the public sees its latest publication)' }),
  publications: Type.Integer(),
  version: Type.Integer(),
  agreementVersion: Type.Object({ id: Type.Integer(), number: Type.Integer(), title: Type.String() }),
  ratedCells: Type.Integer(),
  totalCells: Type.Integer(),
})

export const CellJson = Type.Object({
  id: Nullable(Type.Integer()),
  priorityId: Type.Integer(),
  priorityNumber: Type.Integer(),
  dimensionId: Type.Integer(),
  dimension: Type.String(),
  rating: Nullable(Type.Integer()),
  label: Nullable(Type.String()),
  colour: Nullable(Type.String()),
  previousRating: Nullable(Type.Integer()),
  carriedForward: Type.Boolean(),
  status: Type.Union([Type.Literal('submitted'), Type.Literal('returned'), Type.Literal('approved')], {
    description: 'Sign-off: submitted by a contributor and waiting for approval, returned to them with a comment, or approved',
  }),
  change: Type.Union([Type.Literal('improved'), Type.Literal('declined'), Type.Literal('unchanged'), Type.Literal('new'), Type.Null()]),
  findings: Type.Array(Type.String()),
  developmentAreas: Type.Array(Type.Object({ id: Type.Integer(), position: Type.Integer(), text: Type.String() })),
  version: Type.Integer({ description: '0 for a cell not yet recorded' }),
})

export const MatrixJson = Type.Object({
  round: RoundJson,
  view: Type.Union([Type.Literal('published'), Type.Literal('working')], {
    description: 'published: the latest publication (what the public sees); working: the working copy (members only)',
  }),
  publication: Nullable(Type.Integer({ description: 'The publication shown (its number), for view=published' })),
  previousRound: Type.Union([Type.Object({ id: Type.Integer(), title: Type.String(), assessedOn: Type.String() }), Type.Null()]),
  scale: Type.Array(LevelJson),
  columns: Type.Array(DimensionJson),
  rows: Type.Array(
    Type.Object({
      priority: Type.Object({
        id: Type.Integer(),
        lineageId: Type.Integer(),
        number: Type.Integer(),
        title: Type.String(),
        leads: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })),
      }),
      cells: Type.Array(CellJson),
    }),
  ),
})
