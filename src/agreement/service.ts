/**
 * Strategic assessment -> Community Safety Agreement (versioned) -> priorities.
 *
 * The agreement is "a live document": each change of substance is a new version, which starts as a
 * copy of the last (its priorities keep their lineage, so two versions can be compared priority by
 * priority). A version is drafted, agreed (the previously agreed one becomes superseded) and published
 * separately; agreed and superseded versions are read-only apart from their status and publication.
 *
 * Every write goes through createRecord / updateRecord / deleteRecord inside one transaction, so it is
 * versioned (optimistic locking) and audited. Functions that write take an optional `tx`, so a caller
 * (the demo loader, another service) can make several changes in one transaction.
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { recordAudit } from '../platform/audit.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import { FILE_TYPES, cleanFilename, fileTypeOf, type FileKind } from '../platform/uploads.ts'
import type { OrganisationService } from '../organisations/service.ts'
import type { PartnershipService } from '../partnerships/service.ts'
import type { Role } from '../platform/auth/service.ts'
import {
  AttachmentSensitivityInput,
  PriorityCreateInput,
  type Sensitivity,
  PriorityInput,
  StatusInput,
  StrategicAssessmentInput,
  VersionCreateInput,
  VersionInput,
  type VersionStatus,
} from './schema.ts'
import { comparePriorities, type ComparablePriority } from './compare.ts'
import { plural, yearSpanLabel } from '../platform/format.ts'

export interface StrategicAssessmentRow {
  id: number
  partnership_id: number
  title: string
  period_start: string | null
  period_end: string | null
  date_agreed: string | null
  evidence_sources: string[]
  other_evidence: string | null
  summary: string | null
  sensitivity: Sensitivity
  restricted_to: string[]
  version: number
  created_at: Date
  updated_at: Date
  updated_by: number | null
  attachment_count?: number
}

export interface AttachmentRow {
  id: number
  strategic_assessment_id: number
  filename: string
  content_type: string
  size_bytes: number
  sensitivity: Sensitivity
  restricted_to: string[]
  version: number
  created_at: Date
  created_by: number | null
}

export interface VersionRow {
  id: number
  partnership_id: number
  number: number
  title: string
  period_start: string | null
  period_end: string | null
  status: VersionStatus
  date_agreed: string | null
  published: boolean
  based_on_id: number | null
  /** The number of the version this one was copied from. */
  based_on_number: number | null
  strategic_assessment_id: number | null
  notes: string | null
  priority_count: number
  version: number
  created_at: Date
  updated_at: Date
  updated_by: number | null
}

export interface Lead {
  id: number
  name: string
}

/** A priority as stored: what the comparison reads, plus where it belongs and its version for locking. */
export interface PriorityRow extends ComparablePriority {
  agreement_version_id: number
  leads: Lead[]
  version: number
  updated_at: Date
}

/** What another capability runs when a version is created (see onVersionCreated). */
export type VersionCreatedHook = (tx: Queryable, version: VersionRow, from: VersionRow | undefined, actor: Actor) => Promise<void>

export interface Visibility {
  includeUnpublished: boolean
  /** The visitor's role in the partnership, for records restricted to named roles. */
  role?: Role
}

/**
 * May this visitor see a record of this sensitivity? Public: anyone; partners: members; restricted: members with one
 * of the named roles, and the partnership's administrators (site administrators count as administrators).
 */
export function maySee(row: { sensitivity: Sensitivity; restricted_to: string[] }, opts: Visibility) {
  if (row.sensitivity === 'public') return true
  if (!opts.includeUnpublished) return false
  if (row.sensitivity === 'partners') return true
  return opts.role === 'admin' || (opts.role !== undefined && row.restricted_to.includes(opts.role))
}

/**
 * What a capability built on the agreement adds to the print view of one version (assurance: the assessments of a
 * round). Registered with `agreement.addPrintSection` (src/services.ts); the agreement owns the page.
 */
export interface PrintSection {
  load(partnership: { id: number; slug: string }, version: VersionRow, opts: Visibility & { roundId?: number }): Promise<PrintSectionView>
}
export interface PrintSectionView {
  /** A template exporting the macros controls(data) (shown on screen only), intro(data) and priority(data, priority). */
  template: string
  /** Stylesheets the section needs on the page. */
  stylesheets: string[]
  data: unknown
  /**
   * What the section adds to the PDF of the print view: the running header's right-hand text on every page (assurance:
   * the round and its date) and a part of the file name (e.g. 'round-autumn-2020').
   */
  pdf?: { header: string; fileName: string }
}

/** Uploads the strategic assessment accepts: what partnerships share their evidence in (checked from their content). */
export const ATTACHMENT_TYPES: FileKind[] = ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'csv']
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

/** A PostgreSQL array literal for a text[] column (the record helpers send objects as JSON). */
function textArray(values: string[]) {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}

function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  return Buffer.alloc(0)
}

function checkPeriod(start: string | null | undefined, end: string | null | undefined) {
  if (start && end && end <= start) throw new ValidationError({ periodEnd: 'The end of the period must be after its start' })
}

export const STATUS_LABELS: Record<VersionStatus, string> = { draft: 'Draft', agreed: 'Agreed', superseded: 'Superseded' }

// ---- JSON for the API ----

const iso = (d: Date | string) => new Date(d).toISOString()

export function priorityJson(p: PriorityRow) {
  return {
    id: p.id,
    lineageId: p.lineage_id,
    number: p.number,
    title: p.title,
    description: p.description,
    ownershipLevel: p.ownership_level,
    ownershipStatement: p.ownership_statement,
    note: p.note ?? null,
    leads: p.leads,
    version: p.version,
  }
}

export function versionJson(v: VersionRow, priorities?: PriorityRow[]) {
  return {
    id: v.id,
    number: v.number,
    title: v.title,
    periodStart: v.period_start,
    periodEnd: v.period_end,
    status: v.status,
    dateAgreed: v.date_agreed,
    published: v.published,
    basedOnNumber: v.based_on_number,
    strategicAssessmentId: v.strategic_assessment_id,
    notes: v.notes,
    priorityCount: v.priority_count,
    ...(priorities ? { priorities: priorities.map(priorityJson) } : {}),
    version: v.version,
    updatedAt: iso(v.updated_at),
  }
}

export function assessmentJson(a: StrategicAssessmentRow, attachments?: AttachmentRow[], slug?: string) {
  return {
    id: a.id,
    title: a.title,
    periodStart: a.period_start,
    periodEnd: a.period_end,
    dateAgreed: a.date_agreed,
    evidenceSources: a.evidence_sources ?? [],
    otherEvidence: a.other_evidence,
    summary: a.summary,
    sensitivity: a.sensitivity,
    restrictedTo: a.restricted_to ?? [],
    published: a.sensitivity === 'public',
    ...(attachments
      ? {
          attachments: attachments.map((f) => ({
            id: f.id,
            filename: f.filename,
            contentType: f.content_type,
            sizeBytes: f.size_bytes,
            sensitivity: f.sensitivity,
            restrictedTo: f.restricted_to ?? [],
            uploadedAt: iso(f.created_at),
            href: `/partnerships/${slug}/assessments/strategic/${a.id}/attachments/${f.id}`,
          })),
        }
      : {}),
    version: a.version,
    updatedAt: iso(a.updated_at),
  }
}

const VERSION_SELECT = `SELECT v.*, b.number AS based_on_number,
  (SELECT count(*) FROM priorities p WHERE p.agreement_version_id = v.id)::int AS priority_count
  FROM agreement_versions v LEFT JOIN agreement_versions b ON b.id = v.based_on_id`

export function agreementService(db: Db, deps: { organisations: OrganisationService; partnerships: PartnershipService }) {
  /** Run fn in the caller's transaction, or in a new one. */
  const inTx = <T>(tx: Queryable | undefined, fn: (q: Queryable) => Promise<T>) => inTransaction(db, tx, fn)
  const versionCreatedHooks: VersionCreatedHook[] = []

  // ---- Strategic assessments ----

  async function getStrategicAssessment(
    partnershipId: number,
    id: number,
    opts: Visibility,
    q: Queryable = db,
  ): Promise<StrategicAssessmentRow> {
    const row = await maybeOne<StrategicAssessmentRow>(q, 'SELECT * FROM strategic_assessments WHERE id = $1 AND partnership_id = $2', [
      id,
      partnershipId,
    ])
    if (!row || !maySee(row, opts)) throw new NotFoundError()
    return row
  }

  function sensitivityValues(data: { sensitivity?: string; restrictedTo?: string[]; published?: boolean }) {
    const sensitivity = (data.sensitivity ?? (data.published ? 'public' : 'partners')) as Sensitivity
    return { sensitivity, restricted_to: textArray(sensitivity === 'restricted' ? [...new Set(data.restrictedTo ?? [])] : []) }
  }

  function assessmentValues(data: StrategicAssessmentInput) {
    checkPeriod(data.periodStart, data.periodEnd)
    const sources = [...new Set(data.evidenceSources ?? [])]
    const other = data.otherEvidence?.trim() || null
    if (sources.includes('other') && !other) throw new ValidationError({ otherEvidence: 'Enter the other evidence source' })
    return {
      title: data.title,
      period_start: data.periodStart ?? null,
      period_end: data.periodEnd ?? null,
      date_agreed: data.dateAgreed ?? null,
      evidence_sources: textArray(sources),
      other_evidence: sources.includes('other') ? other : null,
      summary: data.summary ?? null,
      ...sensitivityValues(data),
    }
  }

  // ---- Versions ----

  async function getVersionById(id: number, q: Queryable = db): Promise<VersionRow> {
    const row = await maybeOne<VersionRow>(q, `${VERSION_SELECT} WHERE v.id = $1`, [id])
    if (!row) throw new NotFoundError()
    return row
  }

  async function getVersion(partnershipId: number, number: number, opts: Visibility, q: Queryable = db): Promise<VersionRow> {
    const row = await maybeOne<VersionRow>(q, `${VERSION_SELECT} WHERE v.partnership_id = $1 AND v.number = $2`, [partnershipId, number])
    if (!row || (!row.published && !opts.includeUnpublished)) throw new NotFoundError()
    return row
  }

  function listVersions(partnershipId: number, opts: Visibility, q: Queryable = db): Promise<VersionRow[]> {
    return q.query<VersionRow>(`${VERSION_SELECT} WHERE v.partnership_id = $1 AND (v.published OR $2) ORDER BY v.number`, [
      partnershipId,
      opts.includeUnpublished,
    ])
  }

  /** The version row locked for a change, refused if it is no longer a draft. */
  async function editableVersion(tx: Queryable, versionId: number, what = 'it') {
    const [v] = await tx.query<VersionRow>('SELECT * FROM agreement_versions WHERE id = $1 FOR UPDATE', [versionId])
    if (!v) throw new NotFoundError()
    if (v.status !== 'draft') {
      throw new ValidationError({
        form: `Version ${v.number} has been ${v.status}, so ${what} can no longer be changed. Start a new version to make changes.`,
      })
    }
    return v
  }

  async function checkAssessment(tx: Queryable, partnershipId: number, id: number | null | undefined) {
    if (id === null || id === undefined) return
    if (!(await maybeOne(tx, 'SELECT 1 FROM strategic_assessments WHERE id = $1 AND partnership_id = $2', [id, partnershipId]))) {
      throw new ValidationError({ strategicAssessmentId: "Select one of this partnership's strategic assessments from the list" })
    }
  }

  async function supersedeOthers(tx: Queryable, partnershipId: number, exceptId: number, number: number, actor: Actor) {
    const others = await tx.query<VersionRow>(
      `SELECT * FROM agreement_versions WHERE partnership_id = $1 AND status = 'agreed' AND id <> $2 ORDER BY number FOR UPDATE`,
      [partnershipId, exceptId],
    )
    for (const o of others) {
      await updateRecord(
        tx,
        'agreement_versions',
        o.id,
        undefined,
        { status: 'superseded' },
        { actor, partnershipId, entity: 'agreement_version', summary: `Version ${o.number} superseded by version ${number}` },
      )
    }
  }

  // ---- Priorities ----

  async function leadsOf(q: Queryable, ids: number[]): Promise<Map<number, Lead[]>> {
    const map = new Map<number, Lead[]>()
    if (!ids.length) return map
    const rows = await q.query<{ priority_id: number; organisation_id: number }>(
      'SELECT priority_id, organisation_id FROM priority_leads WHERE priority_id = ANY($1::int[])',
      [ids],
    )
    // Each priority's leads in order of name (the organisations' names come from their service, ordered by name).
    const names = await deps.organisations.names(
      rows.map((r) => r.organisation_id),
      q,
    )
    for (const [id, name] of names) {
      for (const r of rows) {
        if (r.organisation_id !== id) continue
        if (!map.has(r.priority_id)) map.set(r.priority_id, [])
        map.get(r.priority_id)!.push({ id, name })
      }
    }
    return map
  }

  async function prioritiesOf(versionId: number, q: Queryable = db): Promise<PriorityRow[]> {
    const rows = await q.query<PriorityRow>('SELECT * FROM priorities WHERE agreement_version_id = $1 ORDER BY number', [versionId])
    const leads = await leadsOf(
      q,
      rows.map((r) => r.id),
    )
    return rows.map((r) => ({ ...r, leads: leads.get(r.id) ?? [] }))
  }

  async function getPriority(priorityId: number, q: Queryable = db): Promise<PriorityRow> {
    const row = await maybeOne<PriorityRow>(q, 'SELECT * FROM priorities WHERE id = $1', [priorityId])
    if (!row) throw new NotFoundError()
    return { ...row, leads: (await leadsOf(q, [row.id])).get(row.id) ?? [] }
  }

  async function checkLeads(tx: Queryable, ids: number[]) {
    try {
      await deps.organisations.requireAll(ids, 'leadIds', tx)
    } catch (err) {
      if (err instanceof ValidationError)
        throw new ValidationError({ leadIds: 'Select the strategic lead organisations from the list: one of those chosen does not exist' })
      throw err
    }
  }

  async function checkNumberFree(tx: Queryable, versionId: number, number: number, exceptId?: number) {
    if (
      await maybeOne(tx, 'SELECT 1 FROM priorities WHERE agreement_version_id = $1 AND number = $2 AND id IS DISTINCT FROM $3', [
        versionId,
        number,
        exceptId ?? null,
      ])
    ) {
      throw new ValidationError({ number: `Priority ${number} already exists in this version: choose another number` })
    }
  }

  async function setLeads(tx: Queryable, priorityId: number, ids: number[]) {
    await tx.query('DELETE FROM priority_leads WHERE priority_id = $1', [priorityId])
    const unique = [...new Set(ids)]
    if (unique.length)
      await tx.query('INSERT INTO priority_leads (priority_id, organisation_id) SELECT $1, unnest($2::int[])', [priorityId, unique])
  }

  function leadNames(leads: Lead[]) {
    return leads.map((l) => l.name).join('; ')
  }

  /** Insert one priority (and its leads) into a version; the caller has checked the version may change. */
  async function insertPriority(
    tx: Queryable,
    version: { id: number; number: number; partnership_id: number },
    p: {
      number: number
      title: string
      description?: string | null
      leadIds: number[]
      ownershipLevel?: string | null
      ownershipStatement?: string | null
      note?: string | null
      lineageId?: number | null
    },
    actor: Actor,
  ) {
    const [{ lineage }] = p.lineageId
      ? [{ lineage: p.lineageId }]
      : await tx.query<{ lineage: number }>(`SELECT nextval('priority_lineage_seq')::int AS lineage`)
    const leadIds = [...new Set(p.leadIds)]
    const names = [...(await deps.organisations.names(leadIds, tx)).values()]
    let row: PriorityRow
    try {
      row = await createRecord<PriorityRow>(
        tx,
        'priorities',
        {
          agreement_version_id: version.id,
          lineage_id: lineage,
          number: p.number,
          title: p.title,
          description: p.description ?? null,
          ownership_level: p.ownershipLevel ?? null,
          ownership_statement: p.ownershipStatement ?? null,
          note: p.note || null,
        },
        {
          actor,
          partnershipId: version.partnership_id,
          entity: 'priority',
          summary: `Priority ${p.number} of version ${version.number}: ${p.title}${names.length ? `. Strategic leads: ${names.join('; ')}` : ''}`,
        },
      )
    } catch (err: any) {
      if (err?.code === '23505')
        throw new ValidationError({ number: `Priority ${p.number} already exists in this version: choose another number` })
      throw err
    }
    await setLeads(tx, row.id, leadIds)
    return row
  }

  const printSections: PrintSection[] = []

  const service = {
    /** The partnerships whose priorities have the organisation as a lead (organisations' usage: who may change it). */
    async partnershipsUsingOrganisation(organisationId: number, q: Queryable = db): Promise<number[]> {
      const rows = await q.query<{ partnership_id: number }>(
        `SELECT DISTINCT v.partnership_id FROM priority_leads l JOIN priorities p ON p.id = l.priority_id
         JOIN agreement_versions v ON v.id = p.agreement_version_id WHERE l.organisation_id = $1`,
        [organisationId],
      )
      return rows.map((r) => r.partnership_id)
    },

    /** Register a section of the print view (see PrintSection). */
    /**
     * Run `hook` in the transaction that creates each new version, after its priorities are copied (`from`: the
     * version it was copied from, if any). Action plans carry their open actions over this way (src/services.ts).
     */
    onVersionCreated(hook: VersionCreatedHook) {
      versionCreatedHooks.push(hook)
    },

    addPrintSection(section: PrintSection) {
      printSections.push(section)
    },
    /** The print view of one version: its priorities, and what each registered section adds. */
    async printView(partnership: { id: number; slug: string }, number: number, opts: Visibility & { roundId?: number }) {
      const version = await getVersion(partnership.id, number, opts)
      const [priorities, sections] = await Promise.all([
        prioritiesOf(version.id),
        Promise.all(printSections.map((s) => s.load(partnership, version, opts))),
      ])
      // The strategic assessment it is based on, named only to those who may see it.
      const assessment = version.strategic_assessment_id
        ? await getStrategicAssessment(partnership.id, version.strategic_assessment_id, opts).catch((err) => {
            if (err instanceof NotFoundError) return undefined
            throw err
          })
        : undefined
      return { version, priorities, sections, assessment }
    },

    // ---- Strategic assessments ----

    /** The assessments this visitor may see, each with the number of its files they may see. */
    async listStrategicAssessments(partnershipId: number, opts: Visibility): Promise<StrategicAssessmentRow[]> {
      const rows = await db.query<StrategicAssessmentRow>(
        `SELECT a.* FROM strategic_assessments a WHERE a.partnership_id = $1 ORDER BY a.period_start DESC NULLS LAST, a.id DESC`,
        [partnershipId],
      )
      const files = await db.query<{ strategic_assessment_id: number; sensitivity: Sensitivity; restricted_to: string[] }>(
        `SELECT f.strategic_assessment_id, f.sensitivity, f.restricted_to FROM strategic_assessment_attachments f
         JOIN strategic_assessments a ON a.id = f.strategic_assessment_id WHERE a.partnership_id = $1`,
        [partnershipId],
      )
      return rows
        .filter((r) => maySee(r, opts))
        .map((r) => ({ ...r, attachment_count: files.filter((f) => f.strategic_assessment_id === r.id && maySee(f, opts)).length }))
    },

    getStrategicAssessment,

    async createStrategicAssessment(partnershipId: number, input: unknown, actor: Actor, tx?: Queryable): Promise<StrategicAssessmentRow> {
      const data = validate(StrategicAssessmentInput, input)
      const values = assessmentValues(data)
      return inTx(tx, (q) =>
        createRecord<StrategicAssessmentRow>(
          q,
          'strategic_assessments',
          { partnership_id: partnershipId, ...values },
          { actor, partnershipId, entity: 'strategic_assessment', summary: data.title },
        ),
      )
    },

    async updateStrategicAssessment(
      partnershipId: number,
      id: number,
      input: unknown,
      actor: Actor,
      tx?: Queryable,
    ): Promise<StrategicAssessmentRow> {
      const data = validate(StrategicAssessmentInput, input)
      const values = assessmentValues(data)
      return inTx(tx, async (q) => {
        await getStrategicAssessment(partnershipId, id, { includeUnpublished: true, role: 'admin' }, q)
        return updateRecord<StrategicAssessmentRow>(q, 'strategic_assessments', id, data.version, values, {
          actor,
          partnershipId,
          entity: 'strategic_assessment',
          summary: data.title,
        })
      })
    },

    /** The files attached to an assessment (without their content) that this visitor may see (all, without `opts`). */
    async attachments(assessmentId: number, q: Queryable = db, opts?: Visibility): Promise<AttachmentRow[]> {
      const rows = await q.query<AttachmentRow>(
        `SELECT id, strategic_assessment_id, filename, content_type, size_bytes, sensitivity, restricted_to, version, created_at, created_by
         FROM strategic_assessment_attachments WHERE strategic_assessment_id = $1 ORDER BY created_at, id`,
        [assessmentId],
      )
      return opts ? rows.filter((f) => maySee(f, opts)) : rows
    },

    /** Change who may see a file: public only when marked public. */
    async setAttachmentSensitivity(partnershipId: number, assessmentId: number, attachmentId: number, input: unknown, actor: Actor) {
      const data = validate(AttachmentSensitivityInput, input)
      return db.transaction(async (q) => {
        const a = await getStrategicAssessment(partnershipId, assessmentId, { includeUnpublished: true, role: 'admin' }, q)
        const [f] = await q.query<AttachmentRow>(
          'SELECT id, filename FROM strategic_assessment_attachments WHERE id = $1 AND strategic_assessment_id = $2',
          [attachmentId, a.id],
        )
        if (!f) throw new NotFoundError()
        const values = sensitivityValues({ sensitivity: data.sensitivity ?? 'partners', restrictedTo: data.restrictedTo })
        await updateRecord(q, 'strategic_assessment_attachments', f.id, data.version, values, {
          actor,
          partnershipId,
          entity: 'attachment',
          summary: `${f.filename}: ${values.sensitivity === 'restricted' ? `restricted to ${['admin', ...(data.restrictedTo ?? [])].join(', ')}` : values.sensitivity}`,
        })
        return f
      })
    },

    /**
     * Attach a file: PDF, Word, Excel or CSV, up to 10 MB. `truncated` is set by the upload when the
     * file was longer than the limit. The type is taken from the file name and checked against the
     * content, never from what the browser says.
     */
    async addAttachment(
      partnershipId: number,
      assessmentId: number,
      file: { filename?: string; data?: Buffer | Uint8Array; truncated?: boolean } | undefined,
      actor: Actor,
      tx?: Queryable,
      sensitivity: { sensitivity?: string; restrictedTo?: string[] } = {},
    ): Promise<AttachmentRow> {
      const who = validate(AttachmentSensitivityInput, sensitivity)
      const filename = cleanFilename(file?.filename ?? '')
      if (!file || !filename) throw new ValidationError({ file: 'Select a file to upload' })
      const data = toBuffer(file.data)
      if (file.truncated || data.length > MAX_ATTACHMENT_BYTES)
        throw new ValidationError({ file: 'The selected file must be smaller than 10 MB' })
      if (!data.length) throw new ValidationError({ file: 'The selected file is empty' })
      const checked = fileTypeOf(filename, data, ATTACHMENT_TYPES, 'The selected file')
      if ('message' in checked) throw new ValidationError({ file: checked.message })
      const type = FILE_TYPES[checked.kind]
      return inTx(tx, async (q) => {
        const a = await getStrategicAssessment(partnershipId, assessmentId, { includeUnpublished: true, role: 'admin' }, q)
        // The content is written after the audited insert, so the audit trail holds the file's details, not its bytes.
        const row = await createRecord<AttachmentRow>(
          q,
          'strategic_assessment_attachments',
          {
            strategic_assessment_id: a.id,
            filename,
            content_type: type.contentType,
            size_bytes: data.length,
            ...sensitivityValues({ sensitivity: who.sensitivity ?? 'partners', restrictedTo: who.restrictedTo }),
          },
          { actor, partnershipId, entity: 'attachment', summary: `${filename} attached to ${a.title}` },
        )
        await q.query('UPDATE strategic_assessment_attachments SET content = $1 WHERE id = $2', [data, row.id])
        const { content: _c, ...meta } = row as AttachmentRow & { content?: unknown }
        return meta
      })
    },

    /** One attached file with its content; follows the assessment's visibility. */
    async getAttachment(
      partnershipId: number,
      assessmentId: number,
      attachmentId: number,
      opts: Visibility,
    ): Promise<AttachmentRow & { content: Buffer }> {
      await getStrategicAssessment(partnershipId, assessmentId, opts)
      const row = await maybeOne<AttachmentRow & { content: unknown }>(
        db,
        'SELECT * FROM strategic_assessment_attachments WHERE id = $1 AND strategic_assessment_id = $2',
        [attachmentId, assessmentId],
      )
      if (!row || !maySee(row, opts)) throw new NotFoundError()
      return { ...row, content: toBuffer(row.content) }
    },

    async removeAttachment(
      partnershipId: number,
      assessmentId: number,
      attachmentId: number,
      expectedVersion: number | undefined,
      actor: Actor,
      tx?: Queryable,
    ) {
      return inTx(tx, async (q) => {
        const a = await getStrategicAssessment(partnershipId, assessmentId, { includeUnpublished: true, role: 'admin' }, q)
        const [f] = await q.query<AttachmentRow>(
          'SELECT id, filename FROM strategic_assessment_attachments WHERE id = $1 AND strategic_assessment_id = $2',
          [attachmentId, a.id],
        )
        if (!f) throw new NotFoundError()
        // Keep the file's bytes out of the audit trail's "before".
        await q.query(`UPDATE strategic_assessment_attachments SET content = ''::bytea WHERE id = $1`, [f.id])
        await deleteRecord(q, 'strategic_assessment_attachments', f.id, expectedVersion, {
          actor,
          partnershipId,
          entity: 'attachment',
          summary: `${f.filename} removed from ${a.title}`,
        })
        return f
      })
    },

    // ---- Versions ----

    listVersions,
    getVersion,
    getVersionById,

    /** The newest agreed version, else the newest of any status this visitor may see. */
    async latestVersion(partnershipId: number, opts: Visibility): Promise<VersionRow | undefined> {
      const rows = await listVersions(partnershipId, opts)
      const agreed = rows.filter((v) => v.status === 'agreed')
      return agreed[agreed.length - 1] ?? rows[rows.length - 1]
    },

    /**
     * A new version, numbered after the last. With copyFrom (a version number), it starts as a copy
     * of that version's priorities, leads and ownership judgements, each keeping its lineage. From
     * code, status and published may be given (e.g. the demo loader's superseded 2019 draft); an
     * agreed one supersedes the previously agreed version.
     */
    async createVersion(partnershipId: number, input: unknown, actor: Actor, tx?: Queryable): Promise<VersionRow> {
      const data = validate(VersionCreateInput, input)
      checkPeriod(data.periodStart, data.periodEnd)
      return inTx(tx, async (q) => {
        // One new version at a time per partnership, so two never take the same number.
        await deps.partnerships.lock(partnershipId, q)
        await checkAssessment(q, partnershipId, data.strategicAssessmentId)
        let source: VersionRow | undefined
        if (data.copyFrom) {
          source = await maybeOne<VersionRow>(q, 'SELECT * FROM agreement_versions WHERE partnership_id = $1 AND number = $2', [
            partnershipId,
            data.copyFrom,
          ])
          if (!source)
            throw new ValidationError({ copyFrom: `There is no version ${data.copyFrom} to start from: choose one from the list` })
        }
        const [{ next }] = await q.query<{ next: number }>(
          'SELECT (coalesce(max(number), 0) + 1)::int AS next FROM agreement_versions WHERE partnership_id = $1',
          [partnershipId],
        )
        const status = data.status ?? 'draft'
        const row = await createRecord<VersionRow>(
          q,
          'agreement_versions',
          {
            partnership_id: partnershipId,
            number: next,
            title: data.title,
            period_start: data.periodStart ?? null,
            period_end: data.periodEnd ?? null,
            status,
            date_agreed: data.dateAgreed ?? null,
            published: data.published ?? false,
            based_on_id: source?.id ?? null,
            strategic_assessment_id: data.strategicAssessmentId ?? null,
            notes: data.notes ?? null,
          },
          {
            actor,
            partnershipId,
            entity: 'agreement_version',
            summary: `Version ${next}: ${data.title}${source ? ` (copied from version ${source.number})` : ''}`,
          },
        )
        if (status === 'agreed') await supersedeOthers(q, partnershipId, row.id, next, actor)
        if (source) {
          for (const sp of await prioritiesOf(source.id, q)) {
            await insertPriority(
              q,
              row,
              {
                number: sp.number,
                title: sp.title,
                description: sp.description,
                leadIds: sp.leads.map((l) => l.id),
                ownershipLevel: sp.ownership_level,
                ownershipStatement: sp.ownership_statement,
                note: sp.note,
                lineageId: sp.lineage_id,
              },
              actor,
            )
          }
        }
        const created = await getVersionById(row.id, q)
        for (const hook of versionCreatedHooks) await hook(q, created, source, actor)
        return created
      })
    },

    /** Change a draft version's title, period, notes, date agreed or strategic assessment. */
    async updateVersion(versionId: number, input: unknown, actor: Actor, tx?: Queryable): Promise<VersionRow> {
      const data = validate(VersionInput, input)
      checkPeriod(data.periodStart, data.periodEnd)
      return inTx(tx, async (q) => {
        const v = await editableVersion(q, versionId)
        await checkAssessment(q, v.partnership_id, data.strategicAssessmentId)
        await updateRecord(
          q,
          'agreement_versions',
          v.id,
          data.version,
          {
            title: data.title,
            period_start: data.periodStart ?? null,
            period_end: data.periodEnd ?? null,
            date_agreed: data.dateAgreed ?? null,
            strategic_assessment_id: data.strategicAssessmentId ?? null,
            notes: data.notes ?? null,
          },
          { actor, partnershipId: v.partnership_id, entity: 'agreement_version', summary: `Version ${v.number}: ${data.title}` },
        )
        return getVersionById(v.id, q)
      })
    },

    /**
     * agree: a draft becomes the agreed version and the previously agreed one is superseded (one transaction);
     * supersede: the agreed version is withdrawn without a successor; publish / unpublish: who may read it.
     */
    async setStatus(versionId: number, input: unknown, actor: Actor, tx?: Queryable): Promise<VersionRow> {
      const data = validate(StatusInput, input)
      return inTx(tx, async (q) => {
        const [v] = await q.query<VersionRow>('SELECT * FROM agreement_versions WHERE id = $1 FOR UPDATE', [versionId])
        if (!v) throw new NotFoundError()
        const ctx = { actor, partnershipId: v.partnership_id, entity: 'agreement_version' }
        if (data.action === 'agree') {
          if (v.status !== 'draft')
            throw new ValidationError({ action: `Version ${v.number} has already been ${v.status}: only a draft version can be agreed` })
          const [{ n }] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM priorities WHERE agreement_version_id = $1', [v.id])
          if (!n) throw new ValidationError({ action: `Add at least one priority to version ${v.number} before marking it agreed` })
          await updateRecord(
            q,
            'agreement_versions',
            v.id,
            data.version,
            { status: 'agreed', date_agreed: data.dateAgreed ?? v.date_agreed },
            { ...ctx, summary: `Version ${v.number} agreed` },
          )
          await supersedeOthers(q, v.partnership_id, v.id, v.number, actor)
        } else if (data.action === 'supersede') {
          if (v.status !== 'agreed')
            throw new ValidationError({ action: `Version ${v.number} is ${v.status}: only the agreed version can be marked superseded` })
          await updateRecord(
            q,
            'agreement_versions',
            v.id,
            data.version,
            { status: 'superseded' },
            { ...ctx, summary: `Version ${v.number} superseded` },
          )
        } else {
          const published = data.action === 'publish'
          await updateRecord(
            q,
            'agreement_versions',
            v.id,
            data.version,
            { published },
            { ...ctx, summary: `Version ${v.number} ${published ? 'published' : 'unpublished'}` },
          )
        }
        return getVersionById(v.id, q)
      })
    },

    // ---- Priorities ----

    /** A version's priorities in order, each with its strategic lead organisations. */
    priorities: prioritiesOf,
    getPriority,

    async addPriority(versionId: number, input: unknown, actor: Actor, tx?: Queryable): Promise<PriorityRow> {
      const data = validate(PriorityCreateInput, input)
      return inTx(tx, async (q) => {
        const v = await editableVersion(q, versionId, 'its priorities')
        await checkNumberFree(q, v.id, data.number)
        await checkLeads(q, data.leadIds ?? [])
        if (
          data.lineageId &&
          (await maybeOne(q, 'SELECT 1 FROM priorities WHERE agreement_version_id = $1 AND lineage_id = $2', [v.id, data.lineageId]))
        ) {
          throw new ValidationError({ lineageId: 'Another priority in this version already continues that priority' })
        }
        const row = await insertPriority(q, v, { ...data, leadIds: data.leadIds ?? [] }, actor)
        return getPriority(row.id, q)
      })
    },

    async updatePriority(priorityId: number, input: unknown, actor: Actor, tx?: Queryable): Promise<PriorityRow> {
      const data = validate(PriorityInput, input)
      return inTx(tx, async (q) => {
        const before = await getPriority(priorityId, q)
        const v = await editableVersion(q, before.agreement_version_id, 'its priorities')
        await checkNumberFree(q, v.id, data.number, before.id)
        const leadIds = [...new Set(data.leadIds ?? [])]
        await checkLeads(q, leadIds)
        try {
          await updateRecord(
            q,
            'priorities',
            before.id,
            data.version,
            {
              number: data.number,
              title: data.title,
              description: data.description ?? null,
              ownership_level: data.ownershipLevel ?? null,
              ownership_statement: data.ownershipStatement ?? null,
              note: data.note || null,
            },
            {
              actor,
              partnershipId: v.partnership_id,
              entity: 'priority',
              summary: `Priority ${data.number} of version ${v.number}: ${data.title}`,
            },
          )
        } catch (err: any) {
          if (err?.code === '23505')
            throw new ValidationError({ number: `Priority ${data.number} already exists in this version: choose another number` })
          throw err
        }
        const same =
          before.leads
            .map((l) => l.id)
            .sort()
            .join(',') === [...leadIds].sort().join(',')
        if (!same) {
          await setLeads(q, before.id, leadIds)
          const after = await getPriority(before.id, q)
          await recordAudit(q, actor, {
            action: 'update',
            entity: 'priority',
            entityId: before.id,
            partnershipId: v.partnership_id,
            summary: `Strategic leads of priority ${data.number}`,
            before: { leads: leadNames(before.leads) || null },
            after: { leads: leadNames(after.leads) || null },
          })
        }
        return getPriority(before.id, q)
      })
    },

    async removePriority(priorityId: number, expectedVersion: number | undefined, actor: Actor, tx?: Queryable): Promise<PriorityRow> {
      return inTx(tx, async (q) => {
        const p = await getPriority(priorityId, q)
        const v = await editableVersion(q, p.agreement_version_id, 'its priorities')
        try {
          await deleteRecord(q, 'priorities', p.id, expectedVersion, {
            actor,
            partnershipId: v.partnership_id,
            entity: 'priority',
            summary: `Priority ${p.number} of version ${v.number} removed: ${p.title}${p.leads.length ? ` (leads: ${leadNames(p.leads)})` : ''}`,
          })
        } catch (err: any) {
          if (err?.code === '23503')
            throw new ValidationError({
              form: `Priority ${p.number} has assessments or actions recorded against it, so it cannot be removed. Remove those first.`,
            })
          throw err
        }
        return p
      })
    },

    /** Two versions side by side: priorities added, removed, reworded, renumbered or unchanged. */
    async compare(partnershipId: number, fromNumber: number, toNumber: number, opts: Visibility) {
      const from = await getVersion(partnershipId, fromNumber, opts)
      const to = await getVersion(partnershipId, toNumber, opts)
      const result = comparePriorities(await prioritiesOf(from.id), await prioritiesOf(to.id))
      return { from, to, ...result }
    },

    /** The agreement's box on the partnership's overview page. */
    async overview(
      partnership: { id: number; slug: string },
      opts: Visibility,
    ): Promise<{ heading: string; href: string; lines: string[] } | undefined> {
      const partnershipId = partnership.id
      const slug = partnership.slug
      const versions = await listVersions(partnershipId, opts)
      const latest = await service.latestVersion(partnershipId, opts)
      const lines: string[] = []
      if (!latest) {
        lines.push(opts.includeUnpublished ? 'No versions yet: start the first one' : 'Not published yet')
      } else {
        const period = yearSpanLabel(latest.period_start, latest.period_end)
        lines.push(latest.title)
        lines.push(`Version ${latest.number}, ${STATUS_LABELS[latest.status].toLowerCase()}${period ? `, ${period}` : ''}`)
        lines.push(plural(latest.priority_count, 'priority'))
        if (versions.length > 1) lines.push(plural(versions.length, 'version'))
      }
      return { heading: 'Community Safety Agreement', href: `/partnerships/${slug}/agreement`, lines }
    },
  }
  return service
}
export type AgreementService = ReturnType<typeof agreementService>
