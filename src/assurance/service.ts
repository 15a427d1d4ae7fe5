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
import type { Actor } from '../platform/audit.ts'
import type { Role } from '../platform/auth/service.ts'
import type { AgreementService, PriorityRow, VersionRow } from '../agreement/service.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import { formatDate } from '../platform/views.ts'
import { CellInput, DEFAULT_DIMENSIONS, DEFAULT_SCALE, DimensionInput, LevelInput, POINT_MAX, RoundInput } from './schema.ts'
import { plural } from '../platform/format.ts'

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
  version: number
  updated_at: Date
  updated_by: number | null
}

export interface DevelopmentAreaRow {
  id: number
  assessment_cell_id: number
  position: number
  text: string
  version: number
}

/** The agreement capability's rows, as read through its service. */
export type AgreementVersion = VersionRow
export type Priority = PriorityRow

/** A round with the agreement version it assesses and how far it has got. */
export interface Round extends RoundRow {
  agreementVersion: AgreementVersion
  ratedCells: number
  totalCells: number
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
}

export interface Matrix {
  round: Round
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

export function assuranceService(db: Db, deps: { agreement: AgreementService }) {
  const ag = agreementReads(deps.agreement)

  async function dimensions(partnershipId: number, q: Queryable = db): Promise<DimensionRow[]> {
    return q.query<DimensionRow>('SELECT * FROM assurance_dimensions WHERE partnership_id = $1 ORDER BY position, id', [partnershipId])
  }

  async function scale(partnershipId: number, q: Queryable = db): Promise<LevelRow[]> {
    return q.query<LevelRow>('SELECT * FROM rating_levels WHERE partnership_id = $1 ORDER BY value', [partnershipId])
  }

  /** Agreement versions this visitor may see, by id. */
  async function visibleVersions(partnershipId: number, includeUnpublished: boolean) {
    return new Map(
      (await ag.versions(partnershipId, includeUnpublished)).filter((v) => includeUnpublished || v.published).map((v) => [v.id, v]),
    )
  }

  /**
   * The partnership's rounds this visitor may see, newest first. Non-members see a round only when it is
   * published and so is the agreement version it assesses.
   */
  async function listRounds(partnershipId: number, opts: { includeUnpublished: boolean }): Promise<Round[]> {
    const versions = await visibleVersions(partnershipId, opts.includeUnpublished)
    const rows = await db.query<RoundRow & { rated_cells: number }>(
      `SELECT r.*, (SELECT count(*) FROM assessment_cells c WHERE c.assessment_round_id = r.id AND c.rating IS NOT NULL) AS rated_cells
       FROM assessment_rounds r WHERE r.partnership_id = $1 AND (r.published OR $2) ORDER BY r.assessed_on DESC, r.id DESC`,
      [partnershipId, opts.includeUnpublished],
    )
    const visible = rows.filter((r) => versions.has(r.agreement_version_id))
    const activeDimensions = (await dimensions(partnershipId)).filter((d) => d.active).length
    const priorityCounts = new Map<number, number>()
    for (const r of visible) {
      if (!priorityCounts.has(r.agreement_version_id))
        priorityCounts.set(r.agreement_version_id, (await ag.priorities(r.agreement_version_id)).length)
    }
    return visible.map(({ rated_cells, ...r }) => ({
      ...r,
      agreementVersion: versions.get(r.agreement_version_id)!,
      ratedCells: Number(rated_cells),
      totalCells: priorityCounts.get(r.agreement_version_id)! * activeDimensions,
    }))
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

  async function matrix(roundId: number, opts: { includeUnpublished?: boolean } = {}): Promise<Matrix> {
    const includeUnpublished = opts.includeUnpublished ?? false
    const row = await roundRow(roundId)
    const rounds = await listRounds(row.partnership_id, { includeUnpublished: true })
    const round = rounds.find((r) => r.id === roundId)
    if (!round) throw new NotFoundError()
    // The previous round: the latest one before this (by date, then by when it was added) that this visitor may see.
    const visible = includeUnpublished ? rounds : rounds.filter((r) => r.published && r.agreementVersion.published)
    const previousRound = visible.find((r) => r.assessed_on < round.assessed_on || (r.assessed_on === round.assessed_on && r.id < round.id))

    const [priorities, allDimensions, levels, cells, areas] = await Promise.all([
      ag.priorities(round.agreement_version_id),
      dimensions(round.partnership_id),
      scale(round.partnership_id),
      db.query<CellRow>('SELECT * FROM assessment_cells WHERE assessment_round_id = $1', [roundId]),
      db.query<DevelopmentAreaRow>(
        'SELECT d.* FROM development_areas d JOIN assessment_cells c ON c.id = d.assessment_cell_id WHERE c.assessment_round_id = $1 ORDER BY d.position, d.id',
        [roundId],
      ),
    ])
    const used = new Set(cells.map((c) => c.dimension_id))
    const columns = allDimensions.filter((d) => d.active || used.has(d.id))
    const levelOf = new Map(levels.map((l) => [l.value, l]))
    const cellAt = new Map(cells.map((c) => [`${c.priority_id}:${c.dimension_id}`, c]))
    const areasOf = new Map<number, DevelopmentAreaRow[]>()
    for (const a of areas) areasOf.set(a.assessment_cell_id, [...(areasOf.get(a.assessment_cell_id) ?? []), a])

    // Ratings of the previous round, by priority lineage and dimension.
    const previousAt = new Map<string, number | null>()
    if (previousRound) {
      const [prevPriorities, prevCells] = await Promise.all([
        ag.priorities(previousRound.agreement_version_id),
        db.query<CellRow>('SELECT priority_id, dimension_id, rating FROM assessment_cells WHERE assessment_round_id = $1', [
          previousRound.id,
        ]),
      ])
      const lineageOf = new Map(prevPriorities.map((p) => [p.id, p.lineage_id]))
      for (const c of prevCells) {
        const lineage = lineageOf.get(c.priority_id)
        if (lineage !== undefined) previousAt.set(`${lineage}:${c.dimension_id}`, c.rating)
      }
    }

    const rows = priorities.map((priority) => ({
      priority,
      cells: columns.map((d): MatrixCell => {
        const c = cellAt.get(`${priority.id}:${d.id}`)
        const rating = c?.rating ?? null
        const previousRating = previousAt.get(`${priority.lineage_id}:${d.id}`) ?? null
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
          developmentAreas: c ? (areasOf.get(c.id) ?? []) : [],
          version: c?.version ?? 0,
          updatedAt: c?.updated_at ?? null,
        }
      }),
    }))
    const totalCells = priorities.length * columns.length
    return { round: { ...round, totalCells }, previousRound, scale: levels, columns, rows, cells: rows.flatMap((r) => r.cells) }
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
  async function mayEditCell(who: Editor, priorityId: number): Promise<boolean> {
    if (who.role === 'admin' || who.role === 'editor') return true
    if (who.role !== 'contributor' || !who.organisationId) return false
    const p = await ag.priority(priorityId)
    return !!p?.leads.some((l) => l.id === who.organisationId)
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

    /** The Assurance box on the partnership's overview page. */
    async overview(
      partnership: { id: number; slug: string },
      opts: { includeUnpublished: boolean },
    ): Promise<{ heading: string; href: string; lines: string[] } | undefined> {
      const partnershipId = partnership.id
      const href = `/partnerships/${partnership.slug}/assurance`
      const rounds = await listRounds(partnershipId, opts)
      if (!rounds.length) return { heading: 'Assurance', href, lines: ['No assessment rounds yet'] }
      const latest = rounds[0]
      const [cells, levels] = await Promise.all([
        db.query<{ rating: number; n: number }>(
          'SELECT rating, count(*) AS n FROM assessment_cells WHERE assessment_round_id = $1 AND rating IS NOT NULL GROUP BY rating ORDER BY rating DESC',
          [latest.id],
        ),
        scale(partnershipId),
      ])
      const label = new Map(levels.map((l) => [l.value, l.label]))
      const lines = [
        plural(rounds.length, 'assessment round'),
        `Latest: ${latest.title}, ${formatDate(latest.assessed_on)}`,
        `${latest.ratedCells} of ${latest.totalCells} ratings recorded`,
      ]
      if (cells.length) lines.push(cells.map((c) => `${label.get(c.rating) ?? c.rating}: ${c.n}`).join(', '))
      return { heading: 'Assurance', href, lines }
    },

    dimensions: (partnershipId: number, q?: Queryable) => dimensions(partnershipId, q),
    scale: (partnershipId: number) => scale(partnershipId),
    scaleCss: async (partnershipId: number) => scaleCss(await scale(partnershipId)),
    listRounds,
    getRound,
    matrix,

    /** Agreement versions a round may assess (all of the partnership's, for its editors). */
    agreementVersions: (partnershipId: number, opts: { includeUnpublished: boolean }) =>
      ag.versions(partnershipId, opts.includeUnpublished),

    async createRound(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<RoundRow> {
      const data = roundData(input)
      const run = async (tx: Queryable) => {
        await checkVersion(partnershipId, data.agreementVersionId, tx)
        return createRecord<RoundRow>(
          tx,
          'assessment_rounds',
          {
            partnership_id: partnershipId,
            agreement_version_id: data.agreementVersionId,
            title: data.title,
            assessed_on: data.assessedOn,
            published: data.published ?? false,
          },
          { actor, partnershipId, entity: 'assessment_round', summary: data.title },
        )
      }
      return inTransaction(db, q, run)
    },

    async updateRound(partnershipId: number, roundId: number, input: unknown, actor: Actor): Promise<RoundRow> {
      const data = roundData(input)
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
          {
            agreement_version_id: data.agreementVersionId,
            title: data.title,
            assessed_on: data.assessedOn,
            published: data.published ?? false,
          },
          { actor, partnershipId, entity: 'assessment_round', summary: data.title },
        )
      })
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
     */
    async recordCell(roundId: number, priorityId: number, dimensionId: number, input: unknown, actor: Actor, q?: Queryable) {
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
        if (existing) {
          cell = await updateRecord<CellRow>(tx, 'assessment_cells', existing.id, data.version, { rating, findings: data.findings }, ctx)
        } else {
          if (data.version !== undefined && data.version !== 0) throw new ConflictError('another user', new Date())
          cell = await createRecord<CellRow>(
            tx,
            'assessment_cells',
            { assessment_round_id: roundId, priority_id: priorityId, dimension_id: dimensionId, rating, findings: data.findings },
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
      const round = opts.roundId !== undefined ? rounds.find((r) => r.id === opts.roundId) : rounds[0]
      if (opts.roundId !== undefined && !round) throw new NotFoundError()
      const m = round ? await matrix(round.id, opts) : undefined
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
    change: c.change,
    findings: c.findings,
    developmentAreas: c.developmentAreas.map((a) => ({ id: a.id, position: a.position, text: a.text })),
    version: c.version,
  }
}

export function matrixJson(m: Matrix) {
  return {
    round: roundJson(m.round),
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
