/**
 * The assurance and development framework. Each partnership has its dimensions (the headings every
 * priority is assessed under: Hampshire's six by default) and its rating scale. An assessment round
 * assesses one version of the Community Safety Agreement: for each priority x dimension a cell holds a
 * rating, findings (strengths) and development areas ("The Partnership will ..."), each development area
 * its own row so later work can turn it into actions. The matrix shows a round with the change in each
 * cell since the partnership's previous round, matching priorities across agreement versions by lineage.
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import { systemActor, type Actor } from '../platform/audit.ts'
import type { OutboxService } from '../platform/email/outbox.ts'
import type { Role } from '../platform/auth/service.ts'
import type { AgreementService, PriorityRow, VersionRow } from '../agreement/service.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import { formatDate } from '../platform/views.ts'
import { CellInput, DEFAULT_DIMENSIONS, DEFAULT_SCALE, DimensionInput, LevelInput, POINT_MAX, RoundInput } from './schema.ts'
import { plural } from '../platform/format.ts'
import {
  buildSnapshot,
  ratedCells as snapshotRatedCells,
  sameSnapshot,
  snapshotDifferences,
  type CellStatus,
  type Snapshot,
  type WorkingCell,
} from './publications.ts'

export type { CellStatus, Snapshot } from './publications.ts'

// ---------------------------------------------------------------------------------------------------
// Rows

export interface DimensionRow {
  id: number
  partnership_id: number
  name: string
  description: string | null
  position: number
  active: boolean
  version: number
  updated_at: Date
}

export interface LevelRow {
  id: number
  partnership_id: number
  value: number
  label: string
  colour: string
  description: string | null
  version: number
  updated_at: Date
}

export interface RoundRow {
  id: number
  partnership_id: number
  agreement_version_id: number
  title: string
  assessed_on: string
  published: boolean
  version: number
  updated_at: Date
  updated_by: number | null
}

export interface CellRow {
  id: number
  assessment_round_id: number
  priority_id: number
  dimension_id: number
  rating: number | null
  findings: string[]
  status: CellStatus
  carried_forward: boolean
  review_comment: string | null
  reviewed_by: number | null
  reviewed_at: Date | null
  submitted_by: number | null
  version: number
  updated_at: Date
  updated_by: number | null
}

export interface PublicationRow {
  id: number
  assessment_round_id: number
  number: number
  published_by_name: string | null
  rated_cells: number
  total_cells: number
  snapshot: Snapshot
  created_at: Date
  created_by: number | null
}

/** Which copy of a round a page shows: the latest publication (what the public sees) or the working copy. */
export type RoundView = 'published' | 'working'

export interface DevelopmentAreaRow {
  id: number
  assessment_cell_id: number
  position: number
  text: string
  version: number
}

/** A development area with where it was written: what action plans list (assurance.developmentAreas). */
export interface DevelopmentAreaListing {
  id: number
  text: string
  position: number
  priority_id: number
  dimension_id: number
  dimension: string
  round_id: number
  round_title: string
  assessed_on: string
  agreement_version_id: number
}

/**
 * What another capability (action plans) says about development areas: each area's actions with their status and
 * progress, and where an editor makes one. Registered in src/services.ts (assurance.addDevelopmentAreaActions), so
 * assurance does not depend on plans. Members only: plans name leads.
 */
export interface DevelopmentAreaActions {
  actions: { title: string; status: string; progress: number; href: string }[]
  /** Where an editor makes an action of the area in one step (a POST with the agreement version), when it can have one. */
  make?: { href: string; agreementVersion: number }
}
export type DevelopmentAreaActionsProvider = (
  partnership: { id: number; slug: string },
  areaIds: number[],
) => Promise<Map<number, DevelopmentAreaActions>>

/** The agreement capability's rows, as read through its service. */
export type AgreementVersion = VersionRow
export type Priority = PriorityRow

/** A round with the agreement version it assesses and how far it has got. */
export interface Round extends RoundRow {
  agreementVersion: AgreementVersion
  ratedCells: number
  totalCells: number
  /** How many times it has been published (0: a draft). */
  publicationCount: number
  lastPublishedAt: Date | null
  /** Cells waiting for an editor's approval, and cells returned to their contributor (members only; 0 otherwise). */
  submittedCells: number
  returnedCells: number
}

export type Change = 'improved' | 'declined' | 'unchanged' | 'new' | null

export interface MatrixCell {
  id: number | null
  priorityId: number
  priorityNumber: number
  dimensionId: number
  dimension: string
  rating: number | null
  level: LevelRow | undefined
  previousRating: number | null
  previousLevel: LevelRow | undefined
  change: Change
  findings: string[]
  developmentAreas: DevelopmentAreaRow[]
  version: number
  updatedAt: Date | null
  /** The working copy's sign-off state (a publication's cells are all 'approved'). */
  status: CellStatus
  carriedForward: boolean
  reviewComment: string | null
  submittedBy: number | null
  previousFindings: string[]
  previousDevelopmentAreas: string[]
}

export interface Matrix {
  round: Round
  /** The copy shown, and for a publication, which one. */
  view: RoundView
  publication: PublicationRow | undefined
  previousRound: Round | undefined
  scale: LevelRow[]
  columns: DimensionRow[]
  rows: { priority: Priority; cells: MatrixCell[] }[]
  /** Every cell, row by row. */
  cells: MatrixCell[]
}

/** Who is asking to edit: their role in the partnership and their organisation. */
export interface Editor {
  role?: Role
  organisationId?: number | null
}

// ---------------------------------------------------------------------------------------------------
// Colours: the text colour on each level's background is chosen for the higher WCAG contrast.

const TEXT_DARK = '#0b0c0c'
const TEXT_LIGHT = '#ffffff'

function luminance(hex: string) {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** The WCAG contrast ratio of two #rrggbb colours. */
export function contrastRatio(a: string, b: string) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p)
  return (x + 0.05) / (y + 0.05)
}

/** Dark or white text, whichever contrasts more with the background (always at least 4.5:1). */
export function textColourFor(background: string) {
  return contrastRatio(background, TEXT_DARK) >= contrastRatio(background, TEXT_LIGHT) ? TEXT_DARK : TEXT_LIGHT
}

/** A stylesheet for one partnership's scale: the pages use classes, since the CSP allows no inline styles. */
export function scaleCss(scale: LevelRow[]) {
  return scale
    .map((l) => {
      const text = textColourFor(l.colour)
      const c = `.asr-level-${l.value}`
      return (
        `${c} { background-color: ${l.colour}; color: ${text}; }\n` +
        `${c} a:not(:focus), ${c} .asr-quiet, ${c} .safer-change { color: ${text}; }\n`
      )
    })
    .join('')
}

/** A marker that shows the level's place on the scale without colour: ●●○○ is 2 of 4. */
export function marker(value: number, of: number) {
  return '●'.repeat(Math.min(value, of)) + '○'.repeat(Math.max(0, of - value))
}

function normaliseColour(c: string) {
  return ('#' + c.replace(/^#/, '')).toLowerCase()
}

// ---------------------------------------------------------------------------------------------------
// Agreement data, read only through the agreement service (deps.agreement), passing the open transaction where
// there is one (PGlite has a single connection, so a read outside the transaction would wait on it).

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p
  } catch (err) {
    if (err instanceof NotFoundError) return undefined
    throw err
  }
}

function agreementReads(service: AgreementService) {
  return {
    version: (id: number, q?: Queryable) => orUndefined(service.getVersionById(id, q)),
    versionByNumber: (partnershipId: number, number: number, includeUnpublished: boolean) =>
      orUndefined(service.getVersion(partnershipId, number, { includeUnpublished })),
    versions: (partnershipId: number, includeUnpublished: boolean) => service.listVersions(partnershipId, { includeUnpublished }),
    priorities: (versionId: number, q?: Queryable) => service.priorities(versionId, q),
    priority: (id: number, q?: Queryable) => orUndefined(service.getPriority(id, q)),
  }
}

export function linesToPoints(text: unknown): string[] {
  if (Array.isArray(text)) return text.flatMap(linesToPoints)
  if (typeof text !== 'string') return []
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/^\s*(?:[•·*–-]|\d+[.)])\s+/, '').trim())
    .filter(Boolean)
}

function checkPointLengths(list: unknown, field: string, noun: string) {
  if (!Array.isArray(list)) return
  const i = list.findIndex((p) => typeof p === 'string' && p.length > POINT_MAX)
  if (i >= 0) {
    throw new ValidationError({
      [field]: `${noun} ${i + 1} is ${(list[i] as string).length.toLocaleString('en-GB')} characters: each ${noun.toLowerCase()} must be ${POINT_MAX.toLocaleString('en-GB')} characters or fewer. Split it into shorter points.`,
    })
  }
}

function byOrder(a: { position: number; id: number }, b: { position: number; id: number }) {
  return a.position - b.position || a.id - b.id
}

/** What assurance needs besides the agreement: to email a contributor whose cell is returned (optional). */
export interface AssuranceDeps {
  agreement: AgreementService
  auth?: { usersByIds(ids: number[]): Promise<Map<number, { email: string; name: string }>> }
  outbox?: Pick<OutboxService, 'queue'>
}

export function assuranceService(db: Db, deps: AssuranceDeps) {
  const ag = agreementReads(deps.agreement)
  let areaActions: DevelopmentAreaActionsProvider | undefined

  async function dimensions(partnershipId: number, q: Queryable = db): Promise<DimensionRow[]> {
    return q.query<DimensionRow>('SELECT * FROM assurance_dimensions WHERE partnership_id = $1 ORDER BY position, id', [partnershipId])
  }

  async function scale(partnershipId: number, q: Queryable = db): Promise<LevelRow[]> {
    return q.query<LevelRow>('SELECT * FROM rating_levels WHERE partnership_id = $1 ORDER BY value', [partnershipId])
  }

  /**
   * The partnership's rounds this visitor may see, newest first. Non-members see a round only when it has been
   * published and so is the agreement version it assesses, and its counts are those of its latest publication.
   */
  async function listRounds(partnershipId: number, opts: { includeUnpublished: boolean }, q: Queryable = db): Promise<Round[]> {
    const versions = new Map(
      (await deps.agreement.listVersions(partnershipId, { includeUnpublished: opts.includeUnpublished }, q))
        .filter((v) => opts.includeUnpublished || v.published)
        .map((v) => [v.id, v]),
    )
    const rows = await q.query<
      RoundRow & {
        rated_cells: number
        submitted_cells: number
        returned_cells: number
        publication_count: number | null
        last_published_at: Date | null
        published_rated: number | null
        published_total: number | null
      }
    >(
      `SELECT r.*,
         (SELECT count(*) FROM assessment_cells c WHERE c.assessment_round_id = r.id AND c.rating IS NOT NULL) AS rated_cells,
         (SELECT count(*) FROM assessment_cells c WHERE c.assessment_round_id = r.id AND c.status = 'submitted') AS submitted_cells,
         (SELECT count(*) FROM assessment_cells c WHERE c.assessment_round_id = r.id AND c.status = 'returned') AS returned_cells,
         lp.number AS publication_count, lp.created_at AS last_published_at, lp.rated_cells AS published_rated, lp.total_cells AS published_total
       FROM assessment_rounds r
       LEFT JOIN LATERAL (SELECT x.number, x.created_at, x.rated_cells, x.total_cells FROM assessment_publications x
                          WHERE x.assessment_round_id = r.id ORDER BY x.number DESC LIMIT 1) lp ON true
       WHERE r.partnership_id = $1 AND (r.published OR $2) ORDER BY r.assessed_on DESC, r.id DESC`,
      [partnershipId, opts.includeUnpublished],
    )
    const visible = rows.filter((r) => versions.has(r.agreement_version_id))
    const activeDimensions = (await dimensions(partnershipId, q)).filter((d) => d.active).length
    const priorityCounts = new Map<number, number>()
    for (const r of visible) {
      if (!priorityCounts.has(r.agreement_version_id))
        priorityCounts.set(r.agreement_version_id, (await ag.priorities(r.agreement_version_id, q)).length)
    }
    return visible.map(
      ({ rated_cells, submitted_cells, returned_cells, publication_count, last_published_at, published_rated, published_total, ...r }) => ({
        ...r,
        agreementVersion: versions.get(r.agreement_version_id)!,
        ratedCells: opts.includeUnpublished ? Number(rated_cells) : Number(published_rated ?? 0),
        totalCells: opts.includeUnpublished ? priorityCounts.get(r.agreement_version_id)! * activeDimensions : Number(published_total ?? 0),
        publicationCount: Number(publication_count ?? 0),
        lastPublishedAt: last_published_at,
        submittedCells: opts.includeUnpublished ? Number(submitted_cells) : 0,
        returnedCells: opts.includeUnpublished ? Number(returned_cells) : 0,
      }),
    )
  }

  async function publications(roundId: number, q: Queryable = db): Promise<PublicationRow[]> {
    return q.query<PublicationRow>('SELECT * FROM assessment_publications WHERE assessment_round_id = $1 ORDER BY number', [roundId])
  }

  async function latestPublication(roundId: number, q: Queryable = db): Promise<PublicationRow | undefined> {
    return maybeOne<PublicationRow>(
      q,
      'SELECT * FROM assessment_publications WHERE assessment_round_id = $1 ORDER BY number DESC LIMIT 1',
      [roundId],
    )
  }

  async function getRound(partnershipId: number, roundId: number, opts: { includeUnpublished: boolean }): Promise<Round> {
    const round = (await listRounds(partnershipId, opts)).find((r) => r.id === roundId)
    if (!round) throw new NotFoundError()
    return round
  }

  async function roundRow(roundId: number, q: Queryable = db): Promise<RoundRow> {
    const row = await maybeOne<RoundRow>(q, 'SELECT * FROM assessment_rounds WHERE id = $1', [roundId])
    if (!row) throw new NotFoundError()
    return row
  }

  async function checkVersion(partnershipId: number, versionId: number, tx: Queryable) {
    const v = await ag.version(versionId, tx)
    if (!v || v.partnership_id !== partnershipId) {
      throw new ValidationError({
        agreementVersionId:
          'Select an agreement version of this partnership: the one chosen belongs to another partnership or does not exist',
      })
    }
    return v
  }

  function roundData(input: unknown) {
    const raw = { ...(input as Record<string, unknown>) }
    if (typeof raw.title === 'string') raw.title = raw.title.trim()
    return validate(RoundInput, raw)
  }

  /** A round's content: its priorities, dimensions, scale and cells, from the working copy or from a publication. */
  interface Content {
    priorities: Priority[]
    columns: DimensionRow[]
    scale: LevelRow[]
    cells: Map<string, WorkingCell & { version: number; updatedAt: Date | null; reviewComment: string | null; submittedBy: number | null }>
  }

  async function workingContent(round: RoundRow, q: Queryable = db): Promise<Content> {
    const priorities = await ag.priorities(round.agreement_version_id, q)
    const allDimensions = await dimensions(round.partnership_id, q)
    const levels = await scale(round.partnership_id, q)
    const cells = await q.query<CellRow>('SELECT * FROM assessment_cells WHERE assessment_round_id = $1', [round.id])
    const areas = await q.query<DevelopmentAreaRow>(
      'SELECT d.* FROM development_areas d JOIN assessment_cells c ON c.id = d.assessment_cell_id WHERE c.assessment_round_id = $1 ORDER BY d.position, d.id',
      [round.id],
    )
    const used = new Set(cells.map((c) => c.dimension_id))
    const areasOf = new Map<number, DevelopmentAreaRow[]>()
    for (const x of areas) areasOf.set(x.assessment_cell_id, [...(areasOf.get(x.assessment_cell_id) ?? []), x])
    return {
      priorities,
      columns: allDimensions.filter((d) => d.active || used.has(d.id)),
      scale: levels,
      cells: new Map(
        cells.map((c) => [
          `${c.priority_id}:${c.dimension_id}`,
          {
            dimensionId: c.dimension_id,
            id: c.id,
            rating: c.rating,
            findings: c.findings,
            developmentAreas: areasOf.get(c.id) ?? [],
            carriedForward: c.carried_forward,
            status: c.status,
            version: c.version,
            updatedAt: c.updated_at,
            reviewComment: c.review_comment,
            submittedBy: c.submitted_by,
          },
        ]),
      ),
    }
  }

  /** A publication's content, shaped like the working copy's (ids of levels and versions are not kept: 0). */
  function publishedContent(s: Snapshot, agreementVersionId: number, partnershipId: number): Content {
    const cells: Content['cells'] = new Map()
    for (const r of s.rows)
      for (const c of r.cells)
        cells.set(`${r.priority.id}:${c.dimensionId}`, {
          ...c,
          developmentAreas: c.developmentAreas.map((x) => ({ ...x, assessment_cell_id: c.id ?? 0, version: 0 })),
          status: 'approved',
          version: 0,
          updatedAt: null,
          reviewComment: null,
          submittedBy: null,
        })
    return {
      priorities: s.rows.map((r) => ({
        ...r.priority,
        agreement_version_id: agreementVersionId,
        ownership_level: null,
        ownership_statement: null,
        version: 0,
        updated_at: new Date(0),
      })) as Priority[],
      columns: s.columns.map((d) => ({ ...d, partnership_id: partnershipId, version: 0, updated_at: new Date(0) })),
      scale: s.scale.map((l) => ({ ...l, id: 0, partnership_id: partnershipId, version: 0, updated_at: new Date(0) })),
      cells,
    }
  }

  /** The working copy as a snapshot would hold it (for the differences not yet published). */
  function snapshotOf(c: Content): Snapshot {
    return buildSnapshot(
      {
        scale: c.scale,
        columns: c.columns,
        priorities: c.priorities,
        cells: new Map([...c.cells].map(([k, v]) => [k, { ...v, status: 'approved' as const }])),
      },
      undefined,
    )
  }

  /**
   * A round as a matrix. Non-members always get its latest publication (or a given one); members get the working copy
   * unless they ask for a publication. The previous round is the latest one before it (by date, then by when it was
   * added) that the visitor may see, in the same copy: for a publication, the previous round's latest publication.
   */
  async function matrix(
    roundId: number,
    opts: { includeUnpublished?: boolean; view?: RoundView; publication?: number } = {},
    q: Queryable = db,
  ): Promise<Matrix> {
    const includeUnpublished = opts.includeUnpublished ?? false
    const view: RoundView = !includeUnpublished || opts.publication !== undefined ? 'published' : (opts.view ?? 'working')
    const row = await roundRow(roundId, q)
    const rounds = await listRounds(row.partnership_id, { includeUnpublished: true }, q)
    const round = rounds.find((r) => r.id === roundId)
    if (!round) throw new NotFoundError()
    let content: Content
    let publication: PublicationRow | undefined
    if (view === 'published') {
      publication =
        opts.publication !== undefined
          ? await maybeOne<PublicationRow>(q, 'SELECT * FROM assessment_publications WHERE assessment_round_id = $1 AND number = $2', [
              roundId,
              opts.publication,
            ])
          : await latestPublication(roundId, q)
      if (!publication) throw new NotFoundError()
      content = publishedContent(publication.snapshot, round.agreement_version_id, round.partnership_id)
    } else content = await workingContent(round, q)

    const eligible = rounds.filter(
      (r) => (view === 'working' ? includeUnpublished || r.published : r.published) && (includeUnpublished || r.agreementVersion.published),
    )
    const previousRound = eligible.find(
      (r) => r.assessed_on < round.assessed_on || (r.assessed_on === round.assessed_on && r.id < round.id),
    )

    // The previous round's cells, by priority lineage and dimension.
    const previousAt = new Map<string, { rating: number | null; findings: string[]; developmentAreas: string[] }>()
    if (previousRound) {
      let prev: Content | undefined
      if (view === 'published') {
        const p = await latestPublication(previousRound.id, q)
        if (p) prev = publishedContent(p.snapshot, previousRound.agreement_version_id, previousRound.partnership_id)
      } else prev = await workingContent(previousRound, q)
      if (prev) {
        const lineageOf = new Map(prev.priorities.map((p) => [p.id, p.lineage_id]))
        for (const [key, c] of prev.cells) {
          const lineage = lineageOf.get(Number(key.split(':')[0]))
          if (lineage !== undefined)
            previousAt.set(`${lineage}:${c.dimensionId}`, {
              rating: c.rating,
              findings: c.findings,
              developmentAreas: c.developmentAreas.map((x) => x.text),
            })
        }
      }
    }

    const levelOf = new Map(content.scale.map((l) => [l.value, l]))
    const rows = content.priorities.map((priority) => ({
      priority,
      cells: content.columns.map((d): MatrixCell => {
        const c = content.cells.get(`${priority.id}:${d.id}`)
        const rating = c?.rating ?? null
        const prev = previousAt.get(`${priority.lineage_id}:${d.id}`)
        const previousRating = prev?.rating ?? null
        let change: Change = null
        if (rating !== null && previousRound) {
          change =
            previousRating === null ? 'new' : rating > previousRating ? 'improved' : rating < previousRating ? 'declined' : 'unchanged'
        }
        return {
          id: c?.id ?? null,
          priorityId: priority.id,
          priorityNumber: priority.number,
          dimensionId: d.id,
          dimension: d.name,
          rating,
          level: rating === null ? undefined : levelOf.get(rating),
          previousRating,
          previousLevel: previousRating === null ? undefined : levelOf.get(previousRating),
          change,
          findings: c?.findings ?? [],
          developmentAreas: (c?.developmentAreas ?? []) as DevelopmentAreaRow[],
          version: c?.version ?? 0,
          updatedAt: c?.updatedAt ?? null,
          status: c?.status ?? 'approved',
          carriedForward: c?.carriedForward ?? false,
          reviewComment: c?.reviewComment ?? null,
          submittedBy: c?.submittedBy ?? null,
          previousFindings: prev?.findings ?? [],
          previousDevelopmentAreas: prev?.developmentAreas ?? [],
        }
      }),
    }))
    const totalCells = content.priorities.length * content.columns.length
    const ratedCells = rows.reduce((n, r) => n + r.cells.filter((c) => c.rating !== null).length, 0)
    return {
      round: { ...round, totalCells, ratedCells },
      view,
      publication,
      previousRound,
      scale: content.scale,
      columns: content.columns,
      rows,
      cells: rows.flatMap((r) => r.cells),
    }
  }

  /** Record a publication of a round (publishRound; snapshotLegacyRounds): its snapshot, and the counts the list of rounds shows. */
  async function createPublication(
    tx: Queryable,
    round: RoundRow,
    number: number,
    working: Content,
    snapshot: Snapshot,
    actor: Actor,
    publishedBy: string,
  ) {
    return createRecord<PublicationRow>(
      tx,
      'assessment_publications',
      {
        assessment_round_id: round.id,
        number,
        published_by_name: publishedBy,
        rated_cells: snapshotRatedCells(snapshot),
        total_cells: working.priorities.length * working.columns.length,
        snapshot,
      },
      { actor, partnershipId: round.partnership_id, entity: 'assessment_publication', summary: `${round.title}: publication ${number}` },
    )
  }

  /** Copy a round's cells into a new round (see createRound), each marked carried forward. */
  async function copyCells(tx: Queryable, source: RoundRow, target: RoundRow, actor: Actor) {
    const [from, to, dims, cells] = await Promise.all([
      ag.priorities(source.agreement_version_id, tx),
      ag.priorities(target.agreement_version_id, tx),
      dimensions(target.partnership_id, tx),
      tx.query<CellRow>('SELECT * FROM assessment_cells WHERE assessment_round_id = $1 ORDER BY id', [source.id]),
    ])
    const lineageOf = new Map(from.map((p) => [p.id, p.lineage_id]))
    const targetOf = new Map(to.map((p) => [p.lineage_id, p]))
    const active = new Map(dims.filter((d) => d.active).map((d) => [d.id, d]))
    for (const c of cells) {
      const p = targetOf.get(lineageOf.get(c.priority_id) ?? -1)
      const d = active.get(c.dimension_id)
      if (!p || !d) continue
      const areas = await tx.query<DevelopmentAreaRow>(
        'SELECT * FROM development_areas WHERE assessment_cell_id = $1 ORDER BY position, id',
        [c.id],
      )
      if (c.rating === null && !c.findings.length && !areas.length) continue
      const where = `Priority ${p.number}, ${d.name} (${target.title})`
      const cell = await createRecord<CellRow>(
        tx,
        'assessment_cells',
        {
          assessment_round_id: target.id,
          priority_id: p.id,
          dimension_id: d.id,
          rating: c.rating,
          findings: c.findings,
          status: 'approved',
          carried_forward: true,
        },
        {
          actor,
          partnershipId: target.partnership_id,
          entity: 'assessment_cell',
          summary: `${where}: carried forward from ${source.title}`,
        },
      )
      await replaceDevelopmentAreas(
        tx,
        cell.id,
        areas.map((x) => x.text),
        { actor, partnershipId: target.partnership_id, where },
      )
    }
  }

  /**
   * Change the sign-off of a cell of the working copy (approve, return, confirm), in the caller's transaction: the cell
   * is locked, `change` checks it (throwing a ValidationError) and says what to set and, for its history, what was done.
   */
  async function signOffCell(
    tx: Queryable,
    cell: { roundId: number; priorityId: number; dimensionId: number; version: number | undefined },
    actor: Actor,
    change: (c: CellRow) => { set: Partial<CellRow>; done: string },
  ) {
    const c = await maybeOne<CellRow>(
      tx,
      'SELECT * FROM assessment_cells WHERE assessment_round_id = $1 AND priority_id = $2 AND dimension_id = $3 FOR UPDATE',
      [cell.roundId, cell.priorityId, cell.dimensionId],
    )
    if (!c) throw new NotFoundError()
    const round = await roundRow(c.assessment_round_id, tx)
    const priority = await ag.priority(c.priority_id, tx)
    const dimension = await maybeOne<DimensionRow>(tx, 'SELECT * FROM assurance_dimensions WHERE id = $1', [c.dimension_id])
    const where = `Priority ${priority?.number}, ${dimension?.name} (${round.title})`
    const { set, done } = change(c)
    const updated = await updateRecord<CellRow>(tx, 'assessment_cells', c.id, cell.version, set, {
      actor,
      partnershipId: round.partnership_id,
      entity: 'assessment_cell',
      summary: `${where}: ${done}`,
    })
    return { before: c, updated, round, priority, dimension }
  }

  /** Replace a cell's development areas with `texts`, keeping the id of each one kept or reworded in place. */
  async function replaceDevelopmentAreas(
    tx: Queryable,
    cellId: number,
    texts: string[],
    ctx: { actor: Actor; partnershipId: number; where: string },
  ) {
    const existing = await tx.query<DevelopmentAreaRow>(
      'SELECT * FROM development_areas WHERE assessment_cell_id = $1 ORDER BY position, id',
      [cellId],
    )
    const assigned: (DevelopmentAreaRow | undefined)[] = texts.map(() => undefined)
    const taken = new Set<number>()
    // Same wording: the same development area, wherever it has moved to.
    texts.forEach((t, i) => {
      const same = existing.find((e) => !taken.has(e.id) && e.text === t)
      if (same) {
        assigned[i] = same
        taken.add(same.id)
      }
    })
    // New wording: the old ones left over, reworded, in order (so editing a point keeps its id).
    const leftover = existing.filter((e) => !taken.has(e.id))
    texts.forEach((_t, i) => {
      if (assigned[i] || !leftover.length) return
      const old = leftover.shift()!
      assigned[i] = old
      taken.add(old.id)
    })
    const write = { actor: ctx.actor, partnershipId: ctx.partnershipId, entity: 'development_area' }
    for (const e of existing) {
      if (!taken.has(e.id))
        await deleteRecord(tx, 'development_areas', e.id, undefined, { ...write, summary: `${ctx.where}: development area removed` })
    }
    const out: DevelopmentAreaRow[] = []
    for (const [i, text] of texts.entries()) {
      const position = i + 1
      const e = assigned[i]
      if (!e)
        out.push(
          await createRecord<DevelopmentAreaRow>(
            tx,
            'development_areas',
            { assessment_cell_id: cellId, position, text },
            { ...write, summary: `${ctx.where}: development area added` },
          ),
        )
      else if (e.position !== position || e.text !== text)
        out.push(
          await updateRecord<DevelopmentAreaRow>(
            tx,
            'development_areas',
            e.id,
            undefined,
            { position, text },
            { ...write, summary: `${ctx.where}: development area ${e.text !== text ? 'changed' : 'moved'}` },
          ),
        )
      else out.push(e)
    }
    return out
  }

  async function assertOwnDimension(partnershipId: number, id: number, q: Queryable = db) {
    const d = await maybeOne<DimensionRow>(q, 'SELECT * FROM assurance_dimensions WHERE id = $1 AND partnership_id = $2', [
      id,
      partnershipId,
    ])
    if (!d) throw new NotFoundError()
    return d
  }

  async function assertOwnLevel(partnershipId: number, id: number, q: Queryable = db) {
    const l = await maybeOne<LevelRow>(q, 'SELECT * FROM rating_levels WHERE id = $1 AND partnership_id = $2', [id, partnershipId])
    if (!l) throw new NotFoundError()
    return l
  }

  /** May this person change this priority's cells? Editors and administrators: any. Contributors: their organisation's priorities. */
  const mayEditPriority = (who: Editor, p: Priority | undefined) =>
    who.role === 'admin' ||
    who.role === 'editor' ||
    (who.role === 'contributor' && !!who.organisationId && !!p?.leads.some((l) => l.id === who.organisationId))

  /** The same, by the priority's id (read only for a contributor). */
  async function mayEditCell(who: Editor, priorityId: number): Promise<boolean> {
    if (who.role === 'admin' || who.role === 'editor') return true
    if (who.role !== 'contributor' || !who.organisationId) return false
    return mayEditPriority(who, await ag.priority(priorityId))
  }

  async function checkDimensionName(q: Queryable, partnershipId: number, name: string, exceptId?: number) {
    if (
      await maybeOne(
        q,
        'SELECT 1 FROM assurance_dimensions WHERE partnership_id = $1 AND lower(name) = lower($2) AND id IS DISTINCT FROM $3',
        [partnershipId, name, exceptId ?? null],
      )
    ) {
      throw new ValidationError({ name: `There is already a dimension called ${name}` })
    }
  }

  return {
    /** Register what shows each development area's actions (action plans; one provider). */
    addDevelopmentAreaActions(fn: DevelopmentAreaActionsProvider) {
      areaActions = fn
    },

    /** Each area's actions, from the registered provider; undefined when there is none (or no area). */
    async developmentAreaActions(partnership: { id: number; slug: string }, areaIds: number[]) {
      return areaActions && areaIds.length ? areaActions(partnership, areaIds) : undefined
    },

    /**
     * Every development area of the partnership's rounds (working copies), with the round, priority and dimension it
     * belongs to, oldest round first: what action plans turn into actions (src/plans). One area, one row.
     */
    async developmentAreas(partnershipId: number, q: Queryable = db): Promise<DevelopmentAreaListing[]> {
      return q.query<DevelopmentAreaListing>(
        `SELECT d.id, d.text, d.position, c.priority_id, c.dimension_id, dim.name AS dimension, r.id AS round_id, r.title AS round_title,
           r.assessed_on, r.agreement_version_id
         FROM development_areas d JOIN assessment_cells c ON c.id = d.assessment_cell_id
         JOIN assessment_rounds r ON r.id = c.assessment_round_id JOIN assurance_dimensions dim ON dim.id = c.dimension_id
         WHERE r.partnership_id = $1 ORDER BY r.assessed_on, r.id, c.priority_id, dim.position, d.position, d.id`,
        [partnershipId],
      )
    },

    /** A new partnership's framework: Hampshire's six dimensions and the four-level scale. */
    async setUpDefaults(partnershipId: number, actor: Actor, tx: Queryable) {
      const ctx = { actor, partnershipId }
      if (!(await dimensions(partnershipId, tx)).length) {
        for (const [i, name] of DEFAULT_DIMENSIONS.entries()) {
          await createRecord(
            tx,
            'assurance_dimensions',
            { partnership_id: partnershipId, name, position: i + 1 },
            { ...ctx, entity: 'assurance_dimension', summary: name },
          )
        }
      }
      if (!(await scale(partnershipId, tx)).length) {
        for (const l of DEFAULT_SCALE) {
          await createRecord(
            tx,
            'rating_levels',
            { partnership_id: partnershipId, value: l.value, label: l.label, colour: l.colour, description: l.description },
            { ...ctx, entity: 'rating_level', summary: `${l.value} ${l.label}` },
          )
        }
      }
    },

    /**
     * The Assurance box on the partnership's overview page: the latest published round, for everyone (what the
     * committee has seen); members are also told of a newer draft round or of changes not yet published.
     */
    async overview(
      partnership: { id: number; slug: string },
      opts: { includeUnpublished: boolean },
    ): Promise<{ heading: string; href: string; lines: string[] } | undefined> {
      const partnershipId = partnership.id
      const href = `/partnerships/${partnership.slug}/assurance`
      const all = await listRounds(partnershipId, opts)
      const published = all.filter((r) => r.published && r.publicationCount > 0)
      const lines: string[] = []
      const latest = published[0]
      if (!latest) lines.push(all.length ? 'No assessment round published yet' : 'No assessment rounds yet')
      else {
        const m = await matrix(latest.id, { includeUnpublished: false, view: 'published' })
        const label = new Map(m.scale.map((l) => [l.value, l.label]))
        const counts = new Map<number, number>()
        for (const c of m.cells) if (c.rating !== null) counts.set(c.rating, (counts.get(c.rating) ?? 0) + 1)
        lines.push(plural(published.length, 'published assessment round'))
        lines.push(`Latest: ${latest.title}, ${formatDate(latest.assessed_on)}`)
        lines.push(`${m.round.ratedCells} of ${m.round.totalCells} ratings recorded`)
        if (counts.size)
          lines.push(
            [...counts]
              .sort((x, y) => y[0] - x[0])
              .map(([rating, n]) => `${label.get(rating) ?? rating}: ${n}`)
              .join(', '),
          )
      }
      if (opts.includeUnpublished) {
        const draft = all.find((r) => !r.published && (!latest || r.assessed_on >= latest.assessed_on))
        if (draft) lines.push(`Draft, not yet published: ${draft.title}`)
        const waiting = all.reduce((n, r) => n + r.submittedCells, 0)
        if (waiting) lines.push(`${plural(waiting, 'cell')} waiting for approval`)
      }
      return { heading: 'Assurance', href, lines }
    },

    dimensions: (partnershipId: number, q?: Queryable) => dimensions(partnershipId, q),
    scale: (partnershipId: number) => scale(partnershipId),
    scaleCss: async (partnershipId: number) => scaleCss(await scale(partnershipId)),
    listRounds: (partnershipId: number, opts: { includeUnpublished: boolean }) => listRounds(partnershipId, opts),
    getRound,
    matrix: (roundId: number, opts: { includeUnpublished?: boolean; view?: RoundView; publication?: number } = {}) => matrix(roundId, opts),
    publications: (roundId: number) => publications(roundId),

    /** Agreement versions a round may assess (all of the partnership's, for its editors). */
    agreementVersions: (partnershipId: number, opts: { includeUnpublished: boolean }) =>
      ag.versions(partnershipId, opts.includeUnpublished),

    /**
     * A new round, a draft until it is published. With copyFrom (a round id of this partnership), it starts as a copy
     * of that round: each rating, its findings and development areas carried forward to the same priority (matched by
     * lineage across agreement versions) and dimension, marked carried forward until someone confirms or changes it.
     */
    async createRound(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<RoundRow> {
      const data = roundData(input)
      const run = async (tx: Queryable) => {
        await checkVersion(partnershipId, data.agreementVersionId, tx)
        let source: RoundRow | undefined
        if (data.copyFrom) {
          source = await maybeOne<RoundRow>(tx, 'SELECT * FROM assessment_rounds WHERE id = $1 AND partnership_id = $2', [
            data.copyFrom,
            partnershipId,
          ])
          if (!source)
            throw new ValidationError({ copyFrom: "Choose one of this partnership's rounds to start from, or start with an empty round" })
        }
        const round = await createRecord<RoundRow>(
          tx,
          'assessment_rounds',
          {
            partnership_id: partnershipId,
            agreement_version_id: data.agreementVersionId,
            title: data.title,
            assessed_on: data.assessedOn,
            published: false,
          },
          {
            actor,
            partnershipId,
            entity: 'assessment_round',
            summary: source ? `${data.title} (started as a copy of ${source.title})` : data.title,
          },
        )
        if (source) await copyCells(tx, source, round, actor)
        return round
      }
      return inTransaction(db, q, run)
    },

    async updateRound(partnershipId: number, roundId: number, input: unknown, actor: Actor): Promise<RoundRow> {
      const data = roundData(input)
      if (data.copyFrom) throw new ValidationError({ copyFrom: 'A round can start as a copy only when it is added' })
      return db.transaction(async (tx) => {
        const before = await roundRow(roundId, tx)
        if (before.partnership_id !== partnershipId) throw new NotFoundError()
        await checkVersion(partnershipId, data.agreementVersionId, tx)
        if (
          data.agreementVersionId !== before.agreement_version_id &&
          (await maybeOne(tx, 'SELECT 1 FROM assessment_cells WHERE assessment_round_id = $1', [roundId]))
        ) {
          throw new ValidationError({
            agreementVersionId:
              'This round already has assessments of the priorities of its agreement version, so the version cannot change. Add a new round for the other version instead.',
          })
        }
        return updateRecord<RoundRow>(
          tx,
          'assessment_rounds',
          roundId,
          data.version,
          { agreement_version_id: data.agreementVersionId, title: data.title, assessed_on: data.assessedOn },
          { actor, partnershipId, entity: 'assessment_round', summary: data.title },
        )
      })
    },

    /**
     * Publish a round as a whole: a new publication (a frozen snapshot of every approved cell; cells waiting for
     * approval or returned stay as the last publication had them). Refused when nothing has changed since the last.
     */
    async publishRound(partnershipId: number, roundId: number, actor: Actor, q?: Queryable): Promise<PublicationRow> {
      return inTransaction(db, q, async (tx) => {
        const round = await maybeOne<RoundRow>(tx, 'SELECT * FROM assessment_rounds WHERE id = $1 AND partnership_id = $2 FOR UPDATE', [
          roundId,
          partnershipId,
        ])
        if (!round) throw new NotFoundError()
        const last = await latestPublication(roundId, tx)
        const working = await workingContent(round, tx)
        const snapshot = buildSnapshot(working, last?.snapshot)
        if (last && sameSnapshot(last.snapshot, snapshot))
          throw new ValidationError({
            form: `Nothing approved has changed since publication ${last.number} (${formatDate(last.created_at)}), so there is nothing new to publish. Approve the cells waiting for approval first.`,
          })
        const publication = await createPublication(tx, round, (last?.number ?? 0) + 1, working, snapshot, actor, actor.name)
        if (!round.published)
          await updateRecord(
            tx,
            'assessment_rounds',
            roundId,
            undefined,
            { published: true },
            { actor, partnershipId, entity: 'assessment_round', summary: `${round.title} published` },
          )
        return publication
      })
    },

    /** The differences cell by cell from one publication to the next (or, with no next, to the working copy). */
    async differences(roundId: number, fromNumber: number, toNumber: number | 'working') {
      const pubs = await publications(roundId)
      const from = pubs.find((x) => x.number === fromNumber)
      if (!from) throw new NotFoundError()
      let to: Snapshot
      if (toNumber === 'working') to = snapshotOf(await workingContent(await roundRow(roundId)))
      else {
        const x = pubs.find((p) => p.number === toNumber)
        if (!x) throw new NotFoundError()
        to = x.snapshot
      }
      return snapshotDifferences(from.snapshot, to)
    },

    /**
     * Rounds marked published before publications existed get their first publication from their cells as they stand
     * (run at start-up; does nothing once each published round has one).
     */
    async snapshotLegacyRounds() {
      const legacy = await db.query<RoundRow>(
        'SELECT r.* FROM assessment_rounds r WHERE r.published AND NOT EXISTS (SELECT 1 FROM assessment_publications x WHERE x.assessment_round_id = r.id) ORDER BY r.id',
      )
      for (const r of legacy) {
        await db.transaction(async (tx) => {
          const working = await workingContent(r, tx)
          await createPublication(tx, r, 1, working, snapshotOf(working), systemActor, 'Published before sign-off was introduced')
        })
      }
      return legacy.length
    },

    /** An editor approves a cell a contributor submitted: it will be in the round's next publication. */
    async approveCell(roundId: number, priorityId: number, dimensionId: number, version: number | undefined, actor: Actor) {
      return db.transaction(async (tx) => {
        const { updated } = await signOffCell(tx, { roundId, priorityId, dimensionId, version }, actor, (c) => {
          if (c.status === 'approved') throw new ValidationError({ form: 'This cell is already approved' })
          return { set: { status: 'approved', review_comment: null, reviewed_by: actor.id, reviewed_at: new Date() }, done: 'approved' }
        })
        return updated
      })
    },

    /**
     * An editor returns a submitted cell to its contributor with a comment saying what is asked. The contributor sees it
     * on the cell and in their list of returned cells, and is sent it by email when the cell has a known submitter.
     */
    async returnCell(
      roundId: number,
      priorityId: number,
      dimensionId: number,
      input: { comment?: unknown; version?: number },
      actor: Actor,
      opts: { cellHref?: string; partnershipName?: string } = {},
    ) {
      const comment = typeof input.comment === 'string' ? input.comment.trim() : ''
      if (!comment) throw new ValidationError({ comment: 'Enter a comment saying what the contributor needs to change' })
      if (comment.length > POINT_MAX)
        throw new ValidationError({ comment: `The comment must be ${POINT_MAX.toLocaleString('en-GB')} characters or fewer` })
      // The contributor to tell, read before the transaction (the accounts are the platform's).
      const [submitter] = await db.query<{ submitted_by: number | null }>(
        'SELECT submitted_by FROM assessment_cells WHERE assessment_round_id = $1 AND priority_id = $2 AND dimension_id = $3',
        [roundId, priorityId, dimensionId],
      )
      const to =
        submitter?.submitted_by && deps.auth
          ? (await deps.auth.usersByIds([submitter.submitted_by])).get(submitter.submitted_by)
          : undefined
      return db.transaction(async (tx) => {
        const ids = { roundId, priorityId, dimensionId, version: input.version }
        const { before, updated, round, priority, dimension } = await signOffCell(tx, ids, actor, (c) => {
          if (c.status !== 'submitted')
            throw new ValidationError({ comment: 'Only a cell waiting for approval can be returned: this one is not waiting' })
          return {
            set: { status: 'returned', review_comment: comment, reviewed_by: actor.id, reviewed_at: new Date() },
            done: 'returned with a comment',
          }
        })
        if (to && deps.outbox && before.submitted_by === submitter?.submitted_by)
          await deps.outbox.queue(tx, {
            to: { email: to.email, name: to.name },
            template: 'assurance/returned',
            data: {
              round: round.title,
              priority: priority ? `Priority ${priority.number}: ${priority.title}` : '',
              dimension: dimension?.name ?? '',
              comment,
              reviewer: actor.name,
              href: opts.cellHref ?? '',
              partnership: opts.partnershipName ?? '',
            },
            reason: `You are getting this because you submitted this part of the assessment${opts.partnershipName ? ` for ${opts.partnershipName}` : ''}.`,
            partnershipId: round.partnership_id,
            actor,
          })
        return updated
      })
    },

    /** Confirm a cell carried forward from the previous round as still right (a contributor's confirmation is submitted for approval). */
    async confirmCell(roundId: number, priorityId: number, dimensionId: number, version: number | undefined, who: Editor, actor: Actor) {
      return db.transaction(async (tx) => {
        const contributor = who.role === 'contributor'
        const { updated } = await signOffCell(tx, { roundId, priorityId, dimensionId, version }, actor, (c) => {
          if (!c.carried_forward) throw new ValidationError({ form: 'This cell is not carried forward: there is nothing to confirm' })
          return {
            set: {
              carried_forward: false,
              status: contributor ? 'submitted' : 'approved',
              submitted_by: contributor ? actor.id : c.submitted_by,
            },
            done: 'carried-forward assessment confirmed',
          }
        })
        return updated
      })
    },

    /**
     * Cells waiting for sign-off in the partnership: those submitted and those returned, newest round first. A
     * contributor gets only the cells of priorities their organisation leads.
     */
    async signOffCells(partnershipId: number, who: Editor) {
      const rows = await db.query<
        CellRow & { round_title: string; assessed_on: string; dimension_name: string; dimension_position: number }
      >(
        `SELECT c.*, r.title AS round_title, r.assessed_on, d.name AS dimension_name, d.position AS dimension_position
         FROM assessment_cells c JOIN assessment_rounds r ON r.id = c.assessment_round_id JOIN assurance_dimensions d ON d.id = c.dimension_id
         WHERE r.partnership_id = $1 AND c.status <> 'approved' ORDER BY r.assessed_on DESC, r.id DESC, c.priority_id, d.position`,
        [partnershipId],
      )
      const out = []
      // Each priority read once, however many of its cells are waiting.
      const priorities = new Map<number, Priority | undefined>()
      for (const r of rows) {
        if (!priorities.has(r.priority_id)) priorities.set(r.priority_id, await ag.priority(r.priority_id))
        const priority = priorities.get(r.priority_id)
        if (!priority || !mayEditPriority(who, priority)) continue
        out.push({
          roundId: r.assessment_round_id,
          roundTitle: r.round_title,
          priorityId: r.priority_id,
          priorityNumber: priority.number,
          priorityTitle: priority.title,
          dimensionId: r.dimension_id,
          dimension: r.dimension_name,
          status: r.status,
          comment: r.review_comment,
          updatedAt: r.updated_at,
          version: r.version,
        })
      }
      return out
    },

    /**
     * One priority across every round this visitor may see (matched by lineage across agreement versions): its rating on
     * each dimension in each round, oldest first. Those who do not edit see published rounds only, as published.
     */
    async priorityAcrossRounds(partnershipId: number, lineageId: number, opts: { includeUnpublished: boolean; editing: boolean }) {
      const visible = (await listRounds(partnershipId, { includeUnpublished: opts.includeUnpublished }))
        .filter((r) => opts.editing || r.published)
        .reverse()
      const versions = (await deps.agreement.listVersions(partnershipId, { includeUnpublished: opts.includeUnpublished })).filter(
        (v) => opts.includeUnpublished || v.published,
      )
      let title: Priority | undefined
      for (const v of [...versions].reverse()) {
        title = (await ag.priorities(v.id)).find((p) => p.lineage_id === lineageId)
        if (title) break
      }
      if (!title) throw new NotFoundError()
      const columns = new Map<number, string>()
      const rounds = []
      for (const r of visible) {
        const view: RoundView = opts.editing || !r.published ? 'working' : 'published'
        const m = await matrix(r.id, { includeUnpublished: opts.includeUnpublished, view })
        const row = m.rows.find((x) => x.priority.lineage_id === lineageId)
        if (!row) continue
        for (const d of m.columns) if (!columns.has(d.id)) columns.set(d.id, d.name)
        rounds.push({ round: r, view, priority: row.priority, cells: row.cells, scale: m.scale, previousRound: m.previousRound })
      }
      const order = (await dimensions(partnershipId)).map((d) => d.id)
      const dims = [...columns].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([id, name]) => ({ id, name }))
      return { priority: title, rounds, dimensions: dims }
    },

    mayEditCell,
    /** Throws ForbiddenError (403) unless the person may change this priority's cells. */
    async assertMayEditCell(who: Editor, priorityId: number) {
      if (!(await mayEditCell(who, priorityId))) {
        throw new ForbiddenError(
          who.role === 'contributor'
            ? 'You can change the assessment only of priorities your organisation leads. Ask an editor of the partnership to change this one.'
            : 'You do not have permission to change assessments in this partnership',
        )
      }
    },
    /** Priorities (ids) of this round's agreement version that the person may change. */
    async editablePriorities(who: Editor, round: RoundRow): Promise<Set<number>> {
      if (!who.role || who.role === 'viewer') return new Set()
      const ps = await ag.priorities(round.agreement_version_id)
      if (who.role === 'admin' || who.role === 'editor') return new Set(ps.map((p) => p.id))
      return new Set(ps.filter((p) => who.organisationId && p.leads.some((l) => l.id === who.organisationId)).map((p) => p.id))
    },

    /**
     * Record one cell of a round: its rating, findings and development areas, in one transaction. Send the
     * version you read (0 for a cell not yet recorded): a stale one is refused with "This was changed by X at T".
     * A contributor's change is submitted for an editor's approval; an editor's (or the code's: `who` left out) is
     * approved. Either way the cell is no longer marked carried forward.
     */
    async recordCell(roundId: number, priorityId: number, dimensionId: number, input: unknown, actor: Actor, q?: Queryable, who?: Editor) {
      const raw = { ...(input as Record<string, unknown>) }
      for (const k of ['findings', 'developmentAreas'])
        if (Array.isArray(raw[k])) raw[k] = (raw[k] as unknown[]).map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '')
      checkPointLengths(raw.findings, 'findings', 'Finding')
      checkPointLengths(raw.developmentAreas, 'developmentAreas', 'Development area')
      const data = validate(CellInput, raw)
      const run = async (tx: Queryable) => {
        const round = await roundRow(roundId, tx)
        const partnershipId = round.partnership_id
        const priority = await ag.priority(priorityId, tx)
        if (!priority || priority.agreement_version_id !== round.agreement_version_id) {
          throw new ValidationError({
            priority: 'Priority: choose a priority of the agreement version this round assesses; the one given is not in it',
          })
        }
        const dimension = await maybeOne<DimensionRow>(tx, 'SELECT * FROM assurance_dimensions WHERE id = $1 AND partnership_id = $2', [
          dimensionId,
          partnershipId,
        ])
        if (!dimension)
          throw new ValidationError({
            dimension: "Dimension: choose one of this partnership's assurance dimensions; the one given does not exist",
          })
        const existing = await maybeOne<CellRow>(
          tx,
          'SELECT * FROM assessment_cells WHERE assessment_round_id = $1 AND priority_id = $2 AND dimension_id = $3 FOR UPDATE',
          [roundId, priorityId, dimensionId],
        )
        if (!existing && !dimension.active)
          throw new ValidationError({
            dimension: `Dimension: ${dimension.name} is no longer in use, so it cannot be assessed in a new cell`,
          })
        const rating = data.rating ?? null
        if (rating !== null) {
          const levels = await scale(partnershipId, tx)
          if (!levels.some((l) => l.value === rating)) {
            throw new ValidationError({
              rating: `Rating must be one of the levels on the scale (${levels.map((l) => `${l.value} ${l.label}`).join(', ')}); ${rating} is not on it`,
            })
          }
        }
        const where = `Priority ${priority.number}, ${dimension.name} (${round.title})`
        const ctx = { actor, partnershipId, entity: 'assessment_cell', summary: where }
        let cell: CellRow
        const contributor = who?.role === 'contributor'
        const signOff = contributor
          ? { status: 'submitted', submitted_by: actor.id }
          : { status: 'approved', review_comment: null, reviewed_by: actor.id, reviewed_at: new Date() }
        if (existing) {
          cell = await updateRecord<CellRow>(
            tx,
            'assessment_cells',
            existing.id,
            data.version,
            { rating, findings: data.findings, carried_forward: false, ...signOff },
            ctx,
          )
        } else {
          if (data.version !== undefined && data.version !== 0) throw new ConflictError('another user', new Date())
          cell = await createRecord<CellRow>(
            tx,
            'assessment_cells',
            {
              assessment_round_id: roundId,
              priority_id: priorityId,
              dimension_id: dimensionId,
              rating,
              findings: data.findings,
              ...signOff,
            },
            ctx,
          )
        }
        const developmentAreas = await replaceDevelopmentAreas(tx, cell.id, data.developmentAreas, { actor, partnershipId, where })
        return { cell, developmentAreas }
      }
      try {
        return await inTransaction(db, q, run)
      } catch (err: any) {
        // Two people recording the same new cell at once: the second is told, as for any other clash.
        if (err?.code === '23505') throw new ConflictError('another user', new Date())
        throw err
      }
    },

    /** The assessments of one round of an agreement version (the latest, unless one is asked for), for its print view. */
    async printAssessments(partnershipId: number, versionId: number, opts: { includeUnpublished: boolean; roundId?: number }) {
      const rounds = (await listRounds(partnershipId, opts)).filter((r) => r.agreement_version_id === versionId)
      // What a committee gets: the latest published round, as published; members may choose a draft round (its working copy).
      const round = opts.roundId !== undefined ? rounds.find((r) => r.id === opts.roundId) : rounds.find((r) => r.published)
      if (opts.roundId !== undefined && !round) throw new NotFoundError()
      const m = round
        ? await matrix(round.id, { includeUnpublished: opts.includeUnpublished, view: round.published ? 'published' : 'working' })
        : undefined
      return { rounds, round, matrix: m, scale: await scale(partnershipId) }
    },

    // ---- Settings: dimensions ----
    async createDimension(partnershipId: number, input: unknown, actor: Actor): Promise<DimensionRow> {
      const data = validate(DimensionInput, trimmed(input, ['name', 'description']))
      return db.transaction(async (tx) => {
        await checkDimensionName(tx, partnershipId, data.name)
        const [{ next }] = await tx.query<{ next: number }>(
          'SELECT COALESCE(max(position), 0) + 1 AS next FROM assurance_dimensions WHERE partnership_id = $1',
          [partnershipId],
        )
        return createRecord<DimensionRow>(
          tx,
          'assurance_dimensions',
          {
            partnership_id: partnershipId,
            name: data.name,
            description: data.description || null,
            position: Number(next),
            active: data.active ?? true,
          },
          { actor, partnershipId, entity: 'assurance_dimension', summary: data.name },
        )
      })
    },
    async updateDimension(partnershipId: number, id: number, input: unknown, actor: Actor): Promise<DimensionRow> {
      const data = validate(DimensionInput, trimmed(input, ['name', 'description']))
      return db.transaction(async (tx) => {
        const before = await assertOwnDimension(partnershipId, id, tx)
        await checkDimensionName(tx, partnershipId, data.name, id)
        const active = data.active ?? true
        if (!active && before.active) {
          const [{ n }] = await tx.query<{ n: number }>(
            'SELECT count(*) AS n FROM assurance_dimensions WHERE partnership_id = $1 AND active AND id <> $2',
            [partnershipId, id],
          )
          if (Number(n) === 0) throw new ValidationError({ active: 'Keep at least one dimension in use' })
        }
        return updateRecord<DimensionRow>(
          tx,
          'assurance_dimensions',
          id,
          data.version,
          { name: data.name, description: data.description || null, active },
          { actor, partnershipId, entity: 'assurance_dimension', summary: data.name },
        )
      })
    },
    /** Move a dimension one place up or down the order (swapping with its neighbour). */
    async moveDimension(partnershipId: number, id: number, direction: 'up' | 'down', actor: Actor) {
      return db.transaction(async (tx) => {
        const all = (await dimensions(partnershipId, tx)).sort(byOrder)
        const i = all.findIndex((d) => d.id === id)
        if (i < 0) throw new NotFoundError()
        const j = direction === 'up' ? i - 1 : i + 1
        if (j < 0 || j >= all.length) return all[i]
        // Renumber 1..n with the two swapped, so equal or missing positions sort out too.
        const order = [...all]
        ;[order[i], order[j]] = [order[j], order[i]]
        for (const [k, d] of order.entries()) {
          if (d.position !== k + 1)
            await updateRecord(
              tx,
              'assurance_dimensions',
              d.id,
              undefined,
              { position: k + 1 },
              { actor, partnershipId, entity: 'assurance_dimension', summary: `${d.name} moved to place ${k + 1}` },
            )
        }
        return order[j]
      })
    },

    // ---- Settings: the rating scale ----
    async createLevel(partnershipId: number, input: unknown, actor: Actor): Promise<LevelRow> {
      const data = validate(LevelInput, trimmed(input, ['label', 'colour', 'description']))
      return db.transaction(async (tx) => {
        const levels = await scale(partnershipId, tx)
        if (levels.length >= 10) throw new ValidationError({ label: 'A scale can have at most 10 levels' })
        if (levels.some((l) => l.label.toLowerCase() === data.label.toLowerCase()))
          throw new ValidationError({ label: `There is already a level called ${data.label}` })
        const value = (levels.at(-1)?.value ?? 0) + 1
        return createRecord<LevelRow>(
          tx,
          'rating_levels',
          {
            partnership_id: partnershipId,
            value,
            label: data.label,
            colour: normaliseColour(data.colour),
            description: data.description || null,
          },
          { actor, partnershipId, entity: 'rating_level', summary: `${value} ${data.label}` },
        )
      })
    },
    async updateLevel(partnershipId: number, id: number, input: unknown, actor: Actor): Promise<LevelRow> {
      const data = validate(LevelInput, trimmed(input, ['label', 'colour', 'description']))
      return db.transaction(async (tx) => {
        await assertOwnLevel(partnershipId, id, tx)
        const levels = await scale(partnershipId, tx)
        if (levels.some((l) => l.id !== id && l.label.toLowerCase() === data.label.toLowerCase()))
          throw new ValidationError({ label: `There is already a level called ${data.label}` })
        return updateRecord<LevelRow>(
          tx,
          'rating_levels',
          id,
          data.version,
          { label: data.label, colour: normaliseColour(data.colour), description: data.description || null },
          { actor, partnershipId, entity: 'rating_level', summary: data.label },
        )
      })
    },
    /** Remove the top level of the scale, if no assessment uses it. */
    async removeLevel(partnershipId: number, id: number, version: number | undefined, actor: Actor) {
      return db.transaction(async (tx) => {
        const level = await assertOwnLevel(partnershipId, id, tx)
        const levels = await scale(partnershipId, tx)
        if (levels.at(-1)?.id !== id)
          throw new ValidationError({ form: 'Only the top level of the scale can be removed, so the levels stay numbered 1, 2, 3 ...' })
        if (levels.length <= 2) throw new ValidationError({ form: 'A scale needs at least two levels' })
        const used = await maybeOne(
          tx,
          'SELECT 1 FROM assessment_cells c JOIN assessment_rounds r ON r.id = c.assessment_round_id WHERE r.partnership_id = $1 AND c.rating = $2',
          [partnershipId, level.value],
        )
        if (used)
          throw new ValidationError({ form: `${level.label} is used in assessments, so it cannot be removed. Change its label instead.` })
        return deleteRecord(tx, 'rating_levels', id, version, { actor, partnershipId, entity: 'rating_level', summary: level.label })
      })
    },
  }
}

function trimmed(input: unknown, fields: string[]) {
  const raw = { ...(input as Record<string, unknown>) }
  for (const f of fields) if (typeof raw[f] === 'string') raw[f] = (raw[f] as string).trim()
  for (const f of fields) if (raw[f] === '' && f !== fields[0]) delete raw[f]
  return raw
}

export type AssuranceService = ReturnType<typeof assuranceService>

// ---- JSON shapes for the API and ?format=json ----

export function dimensionJson(d: DimensionRow) {
  return { id: d.id, name: d.name, description: d.description, position: d.position, active: d.active, version: d.version }
}

export function levelJson(l: LevelRow) {
  return {
    id: l.id,
    value: l.value,
    label: l.label,
    colour: l.colour,
    textColour: textColourFor(l.colour),
    description: l.description,
    version: l.version,
  }
}

export function roundJson(r: Round) {
  return {
    id: r.id,
    title: r.title,
    assessedOn: r.assessed_on,
    published: r.published,
    publications: r.publicationCount,
    version: r.version,
    agreementVersion: { id: r.agreementVersion.id, number: r.agreementVersion.number, title: r.agreementVersion.title },
    ratedCells: r.ratedCells,
    totalCells: r.totalCells,
  }
}

export function cellJson(c: MatrixCell) {
  return {
    id: c.id,
    priorityId: c.priorityId,
    priorityNumber: c.priorityNumber,
    dimensionId: c.dimensionId,
    dimension: c.dimension,
    rating: c.rating,
    label: c.level?.label ?? null,
    colour: c.level?.colour ?? null,
    previousRating: c.previousRating,
    carriedForward: c.carriedForward,
    status: c.status,
    change: c.change,
    findings: c.findings,
    developmentAreas: c.developmentAreas.map((a) => ({ id: a.id, position: a.position, text: a.text })),
    version: c.version,
  }
}

export function matrixJson(m: Matrix) {
  return {
    round: roundJson(m.round),
    view: m.view,
    publication: m.publication?.number ?? null,
    previousRound: m.previousRound
      ? { id: m.previousRound.id, title: m.previousRound.title, assessedOn: m.previousRound.assessed_on }
      : null,
    scale: m.scale.map(levelJson),
    columns: m.columns.map(dimensionJson),
    rows: m.rows.map((r) => ({
      priority: {
        id: r.priority.id,
        lineageId: r.priority.lineage_id,
        number: r.priority.number,
        title: r.priority.title,
        leads: r.priority.leads,
      },
      cells: r.cells.map(cellJson),
    })),
  }
}
