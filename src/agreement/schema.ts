/**
 * The strategic assessment, the Community Safety Agreement's versions and their priorities: one
 * TypeBox schema per input (used by the API, the forms and the OpenAPI document) and the JSON shapes
 * the API answers with.
 */
import { Type, type Static } from '@sinclair/typebox'
import { choice, Nullable } from '../platform/validation.ts'

export const EVIDENCE_SOURCES = [
  'district assessments',
  'police and crime plan',
  'joint strategic needs assessment',
  'force strategic assessment',
  'fire risk assessment',
  'problem profiles',
  'counter-terrorism local profile',
  'other',
] as const

export const EVIDENCE_LABELS: Record<(typeof EVIDENCE_SOURCES)[number], string> = {
  'district assessments': 'District and borough strategic assessments',
  'police and crime plan': 'Police and crime plan',
  'joint strategic needs assessment': 'Joint strategic needs assessment',
  'force strategic assessment': 'Force strategic assessment',
  'fire risk assessment': 'Fire and rescue risk assessment',
  'problem profiles': 'Problem profiles',
  'counter-terrorism local profile': 'Counter-terrorism local profile',
  other: 'Other',
}

/** How firmly a priority is owned, from the assurance framework's ownership judgement. */
export const OWNERSHIP_LEVELS = ['strong joint', 'strong', 'shared', 'developing', 'not yet established'] as const

export const VERSION_STATUSES = ['draft', 'agreed', 'superseded'] as const
export type VersionStatus = (typeof VERSION_STATUSES)[number]

export const STATUS_ACTIONS = ['agree', 'supersede', 'publish', 'unpublish'] as const

/**
 * Who may see a strategic assessment or one of its files: anyone (public), the partnership's members (partners, the
 * default), or the members holding one of the named roles (restricted; the partnership's administrators always may).
 */
export const SENSITIVITIES = ['public', 'partners', 'restricted'] as const
export type Sensitivity = (typeof SENSITIVITIES)[number]
export const SENSITIVITY_LABELS: Record<Sensitivity, string> = {
  public: 'Public',
  partners: 'Partners only',
  restricted: 'Restricted to named roles',
}
export const RESTRICTABLE_ROLES = ['viewer', 'contributor', 'editor'] as const

const sensitivityFields = {
  sensitivity: Type.Optional(choice(SENSITIVITIES, 'Who may see it')),
  restrictedTo: Type.Optional(
    Type.Array(choice(RESTRICTABLE_ROLES, 'Roles that may see it'), {
      title: 'Roles that may see it',
      description: "For sensitivity 'restricted': the partnership roles that may see it besides its administrators",
    }),
  ),
}

/** A file's sensitivity, changed on its own. */
export const AttachmentSensitivityInput = Type.Object(
  { ...sensitivityFields, version: Type.Optional(Type.Integer({ title: 'Version' })) },
  { additionalProperties: false },
)
export type AttachmentSensitivityInput = Static<typeof AttachmentSensitivityInput>

export const LIMITS = { title: 300, description: 5000, statement: 2000, notes: 5000, summary: 10000, otherEvidence: 300 }

const date = (title: string) => Type.String({ format: 'date', title })

// ---- Strategic assessment ----

export const StrategicAssessmentInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: LIMITS.title, title: 'Title' }),
    periodStart: Type.Optional(date('Start of the period')),
    periodEnd: Type.Optional(date('End of the period')),
    dateAgreed: Type.Optional(date('Date agreed')),
    evidenceSources: Type.Optional(Type.Array(choice(EVIDENCE_SOURCES, 'Evidence sources'), { title: 'Evidence sources' })),
    otherEvidence: Type.Optional(Type.String({ maxLength: LIMITS.otherEvidence, title: 'Other evidence source' })),
    summary: Type.Optional(Type.String({ maxLength: LIMITS.summary, title: 'Summary' })),
    ...sensitivityFields,
    published: Type.Optional(
      Type.Boolean({
        title: 'Published',
        description: "Earlier form of sensitivity: true is 'public', false 'partners' (when sensitivity is not given)",
      }),
    ),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type StrategicAssessmentInput = Static<typeof StrategicAssessmentInput>

export const AttachmentJson = Type.Object({
  id: Type.Integer(),
  filename: Type.String(),
  contentType: Type.String(),
  sizeBytes: Type.Integer(),
  sensitivity: Type.String(),
  restrictedTo: Type.Array(Type.String()),
  href: Type.String(),
  uploadedAt: Type.String({ format: 'date-time' }),
})

export const StrategicAssessmentJson = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  periodStart: Nullable(Type.String({ format: 'date' })),
  periodEnd: Nullable(Type.String({ format: 'date' })),
  dateAgreed: Nullable(Type.String({ format: 'date' })),
  evidenceSources: Type.Array(Type.String()),
  otherEvidence: Nullable(Type.String()),
  summary: Nullable(Type.String()),
  sensitivity: Type.String({
    description: "'public', 'partners' (members only) or 'restricted' (the roles in restrictedTo, and administrators)",
  }),
  restrictedTo: Type.Array(Type.String()),
  published: Type.Boolean({ description: "true when sensitivity is 'public'" }),
  attachments: Type.Optional(Type.Array(AttachmentJson)),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
})

// ---- Agreement versions ----

const versionFields = {
  title: Type.String({ minLength: 1, maxLength: LIMITS.title, title: 'Title' }),
  periodStart: Type.Optional(date('Start of the period')),
  periodEnd: Type.Optional(date('End of the period')),
  dateAgreed: Type.Optional(date('Date agreed')),
  strategicAssessmentId: Type.Optional(Nullable(Type.Integer({ title: 'Strategic assessment' }))),
  notes: Type.Optional(Type.String({ maxLength: LIMITS.notes, title: 'Notes' })),
  version: Type.Optional(Type.Integer({ title: 'Version' })),
}

/** A new version or a change to a draft one (pages and API). */
export const VersionInput = Type.Object(
  {
    ...versionFields,
    copyFrom: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 0,
          title: 'Start from',
          description:
            'Number of the version whose priorities, leads and ownership judgements the new version starts with; leave out (or 0) to start with no priorities',
        }),
      ),
    ),
  },
  { additionalProperties: false },
)
export type VersionInput = Static<typeof VersionInput>

/**
 * What createVersion accepts from code (the demo loader): a version as it stands, status and
 * publication included. Pages and the API use VersionInput: status changes need an administrator.
 */
export const VersionCreateInput = Type.Object(
  {
    ...VersionInput.properties,
    status: Type.Optional(choice(VERSION_STATUSES, 'Status')),
    published: Type.Optional(Type.Boolean({ title: 'Published' })),
  },
  { additionalProperties: false },
)
export type VersionCreateInput = Static<typeof VersionCreateInput>

export const StatusInput = Type.Object(
  {
    action: choice(STATUS_ACTIONS, 'What to do'),
    dateAgreed: Type.Optional(date('Date agreed')),
    version: Type.Optional(Type.Integer({ title: 'Version' })),
  },
  { additionalProperties: false },
)
export type StatusInput = Static<typeof StatusInput>

// ---- Priorities ----

const priorityFields = {
  number: Type.Integer({ minimum: 1, maximum: 99, title: 'Priority number' }),
  title: Type.String({ minLength: 1, maxLength: LIMITS.title, title: 'Title' }),
  description: Type.Optional(Type.String({ maxLength: LIMITS.description, title: 'Description' })),
  leadIds: Type.Optional(Type.Array(Type.Integer({ title: 'Strategic lead organisations' }), { title: 'Strategic lead organisations' })),
  ownershipLevel: Type.Optional(Nullable(choice(OWNERSHIP_LEVELS, 'Ownership level'))),
  ownershipStatement: Type.Optional(Type.String({ maxLength: LIMITS.statement, title: 'Ownership statement' })),
  note: Type.Optional(
    Type.String({
      maxLength: LIMITS.statement,
      title: 'Editorial note',
      description: 'A note about the priority, not part of its text (e.g. "Priority 1 in the October 2019 draft, unchanged")',
    }),
  ),
  version: Type.Optional(Type.Integer({ title: 'Version' })),
}

export const PriorityInput = Type.Object(priorityFields, { additionalProperties: false })
export type PriorityInput = Static<typeof PriorityInput>

/** addPriority from code may also tie the priority to an earlier one (same lineage), e.g. 2019's priority 2 and 2020's priority 3. */
export const PriorityCreateInput = Type.Object(
  {
    ...priorityFields,
    lineageId: Type.Optional(Type.Integer({ minimum: 1, title: 'Lineage' })),
  },
  { additionalProperties: false },
)
export type PriorityCreateInput = Static<typeof PriorityCreateInput>

export const LeadJson = Type.Object({ id: Type.Integer(), name: Type.String() })

export const PriorityJson = Type.Object({
  id: Type.Integer(),
  lineageId: Type.Integer(),
  number: Type.Integer(),
  title: Type.String(),
  description: Nullable(Type.String()),
  ownershipLevel: Nullable(Type.String()),
  ownershipStatement: Nullable(Type.String()),
  note: Nullable(Type.String()),
  leads: Type.Array(LeadJson),
  version: Type.Integer(),
})

export const VersionJson = Type.Object({
  id: Type.Integer(),
  number: Type.Integer(),
  title: Type.String(),
  periodStart: Nullable(Type.String({ format: 'date' })),
  periodEnd: Nullable(Type.String({ format: 'date' })),
  status: Type.String(),
  dateAgreed: Nullable(Type.String({ format: 'date' })),
  published: Type.Boolean(),
  basedOnNumber: Nullable(Type.Integer()),
  strategicAssessmentId: Nullable(Type.Integer()),
  notes: Nullable(Type.String()),
  priorityCount: Type.Integer(),
  priorities: Type.Optional(Type.Array(PriorityJson)),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
})

const Segment = Type.Object({ type: Type.String({ description: "'same', 'added' or 'removed'" }), text: Type.String() })

export const CompareJson = Type.Object({
  from: VersionJson,
  to: VersionJson,
  counts: Type.Object({
    added: Type.Integer(),
    removed: Type.Integer(),
    reworded: Type.Integer(),
    renumbered: Type.Integer(),
    unchanged: Type.Integer(),
  }),
  rows: Type.Array(
    Type.Object({
      changes: Type.Array(Type.String({ description: 'Added, Removed, Reworded, Renumbered or Unchanged' })),
      matchedBy: Nullable(Type.String({ description: "'lineage' (copied from one version to the other) or 'title' (similar titles)" })),
      similarity: Nullable(Type.Number()),
      from: Nullable(PriorityJson),
      to: Nullable(PriorityJson),
      titleDiff: Type.Array(Segment),
      descriptionDiff: Type.Array(Segment),
      leadsChanged: Type.Boolean(),
      ownershipChanged: Type.Boolean(),
      noteChanged: Type.Boolean({ description: 'The editorial note changed (not counted as rewording)' }),
    }),
  ),
})
