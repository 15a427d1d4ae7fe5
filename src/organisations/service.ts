/** The directory every partnership shares: organisations (council, police, ...) and areas (GSS codes). */
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import { recordAudit, type Actor } from '../platform/audit.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { ROLE_RANK, type Role } from '../platform/auth/service.ts'
import { validate } from '../platform/validation.ts'
import { plural } from '../platform/format.ts'
import { AreaInput, OrganisationInput } from './schema.ts'

export interface OrganisationRow {
  id: number
  name: string
  type: string
  responsible_authority: boolean
  version: number
  updated_at: Date
}
export interface AreaRow {
  code: string
  name: string
  type: string
  version: number
}

export function organisationJson(o: OrganisationRow) {
  return {
    id: o.id,
    name: o.name,
    type: o.type,
    responsibleAuthority: o.responsible_authority,
    version: o.version,
    updatedAt: new Date(o.updated_at).toISOString(),
  }
}

/**
 * Who is changing an organisation: a site administrator, or someone with these roles in partnerships (by partnership id).
 */
export interface OrganisationEditor {
  siteAdmin: boolean
  roles: Map<number, Role>
}

/** Which partnerships use an organisation (their bodies, members, priority leads...), registered by the capabilities that name organisations. */
export type OrganisationUsage = (organisationId: number, q: Queryable) => Promise<number[]>

export function organisationService(db: Db) {
  const usages: OrganisationUsage[] = []

  /** The partnerships that use the organisation, by id (from every registered usage), sorted. */
  async function partnershipsUsing(id: number, q: Queryable = db): Promise<number[]> {
    const ids = new Set<number>()
    for (const usage of usages) for (const p of await usage(id, q)) ids.add(Number(p))
    return [...ids].sort((a, b) => a - b)
  }

  /**
   * Why this person may not change the organisation, or undefined when they may (docs/security.md, point 12). Every
   * partnership shows the same organisation, so a change shows on each of their public pages:
   *   - site administrators may change any organisation;
   *   - one no partnership uses yet: any editor or administrator of a partnership (who may add organisations);
   *   - one that one partnership uses: that partnership's editors and administrators;
   *   - one shared by several partnerships: only someone who is an administrator of every one of them.
   */
  async function whyNotChange(id: number, who: OrganisationEditor, q: Queryable = db): Promise<string | undefined> {
    if (who.siteAdmin) return undefined
    const using = await partnershipsUsing(id, q)
    const rank = (p: number) => ROLE_RANK[who.roles.get(p) as Role] ?? -1
    if (!using.length)
      return [...who.roles.values()].some((r) => ROLE_RANK[r] >= ROLE_RANK.editor) ? undefined : 'Only editors can change organisations.'
    if (using.length === 1)
      return rank(using[0]) >= ROLE_RANK.editor
        ? undefined
        : 'This organisation is used by another partnership: only its editors, or a site administrator, can change it.'
    return using.every((p) => rank(p) >= ROLE_RANK.admin)
      ? undefined
      : `This organisation is shared by ${using.length} partnerships, and a change to it shows on the pages of each. Only a site administrator, or someone who is an administrator of every one of those partnerships, can change it.`
  }

  async function checkNameFree(q: Queryable, name: string, exceptId?: number) {
    const clash = await maybeOne(q, 'SELECT id FROM organisations WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2', [
      name,
      exceptId ?? null,
    ])
    if (clash) throw new ValidationError({ name: `There is already an organisation called ${name}` })
  }

  return {
    /** Register where organisations are used (src/services.ts): a function giving the partnerships that use one. */
    addUsage(usage: OrganisationUsage) {
      usages.push(usage)
    },
    partnershipsUsing,
    whyNotChange,
    /** ForbiddenError (with the reason) unless this person may change the organisation. */
    async checkMayChange(id: number, who: OrganisationEditor, q: Queryable = db) {
      const reason = await whyNotChange(id, who, q)
      if (reason) throw new ForbiddenError(reason)
    },
    list(): Promise<OrganisationRow[]> {
      return db.query('SELECT * FROM organisations ORDER BY name')
    },
    async get(id: number): Promise<OrganisationRow> {
      const row = await maybeOne<OrganisationRow>(db, 'SELECT * FROM organisations WHERE id = $1', [id])
      if (!row) throw new NotFoundError()
      return row
    },
    async byName(name: string, q: Queryable = db): Promise<OrganisationRow | undefined> {
      return maybeOne<OrganisationRow>(q, 'SELECT * FROM organisations WHERE lower(name) = lower($1)', [name])
    },
    /** The organisation's name, or undefined when there is none with this id. */
    async name(id: number, q: Queryable = db): Promise<string | undefined> {
      return (await maybeOne<{ name: string }>(q, 'SELECT name FROM organisations WHERE id = $1', [id]))?.name
    },
    /** Names of these organisations, by id, in order of name (unknown ids are left out). */
    async names(ids: number[], q: Queryable = db): Promise<Map<number, string>> {
      const unique = [...new Set(ids)]
      if (!unique.length) return new Map()
      const rows = await q.query<{ id: number; name: string }>(
        'SELECT id, name FROM organisations WHERE id = ANY($1::int[]) ORDER BY name',
        [unique],
      )
      return new Map(rows.map((r) => [r.id, r.name]))
    },
    /** Check that every id names an organisation; throws a field error naming the field otherwise. */
    async requireAll(ids: number[], field: string, q: Queryable = db) {
      if (!ids.length) return
      const found = await q.query<{ id: number }>('SELECT id FROM organisations WHERE id = ANY($1::int[])', [ids])
      if (found.length !== new Set(ids).size)
        throw new ValidationError({ [field]: 'Select organisations from the list: one of those chosen does not exist' })
    },
    async create(input: unknown, actor: Actor, q?: Queryable): Promise<OrganisationRow> {
      const data = validate(OrganisationInput, input)
      const run = async (tx: Queryable) => {
        await checkNameFree(tx, data.name)
        return createRecord<OrganisationRow>(
          tx,
          'organisations',
          { name: data.name, type: data.type, responsible_authority: data.responsibleAuthority ?? false },
          { actor, entity: 'organisation', summary: data.name },
        )
      }
      return inTransaction(db, q, run)
    },
    /** Change an organisation, if `who` may (see whyNotChange): ForbiddenError with the reason otherwise. */
    async update(id: number, input: unknown, actor: Actor, who: OrganisationEditor): Promise<OrganisationRow> {
      const data = validate(OrganisationInput, input)
      return db.transaction(async (tx) => {
        const reason = await whyNotChange(id, who, tx)
        if (reason) throw new ForbiddenError(reason)
        await checkNameFree(tx, data.name, id)
        return updateRecord<OrganisationRow>(
          tx,
          'organisations',
          id,
          data.version,
          { name: data.name, type: data.type, responsible_authority: data.responsibleAuthority ?? false },
          { actor, entity: 'organisation', summary: data.name },
        )
      })
    },
    async remove(id: number, version: number | undefined, actor: Actor) {
      return db.transaction(async (tx) => {
        try {
          return await deleteRecord(tx, 'organisations', id, version, { actor, entity: 'organisation' })
        } catch (err: any) {
          if (err?.code === '23503')
            throw new ValidationError({
              form: "This organisation is still named as a member, lead or user's organisation. Remove those first.",
            })
          throw err
        }
      })
    },

    listAreas(type?: string): Promise<AreaRow[]> {
      return type
        ? db.query('SELECT * FROM areas WHERE type = $1 ORDER BY name', [type])
        : db.query('SELECT * FROM areas ORDER BY type, name')
    },
    async getArea(code: string): Promise<AreaRow> {
      const row = await maybeOne<AreaRow>(db, 'SELECT * FROM areas WHERE code = $1', [code])
      if (!row) throw new NotFoundError()
      return row
    },
    async hasArea(code: string, q: Queryable = db): Promise<boolean> {
      return !!(await maybeOne(q, 'SELECT 1 FROM areas WHERE code = $1', [code]))
    },
    /** Names of these areas, by code (unknown codes are left out). */
    async areaNames(codes: string[], q: Queryable = db): Promise<Map<string, string>> {
      const unique = [...new Set(codes)]
      if (!unique.length) return new Map()
      const rows = await q.query<{ code: string; name: string }>('SELECT code, name FROM areas WHERE code = ANY($1::text[])', [unique])
      return new Map(rows.map((r) => [r.code, r.name]))
    },
    /**
     * Add areas in bulk (the ONS geography's districts, CSPs, police force areas and counties); codes already there
     * keep their names. One audit entry for the lot (entity id `source.id`, "N areas added from <source.name>").
     * Returns the codes added.
     */
    async addAreas(
      areas: { code: string; name: string; type: string }[],
      source: { id: string; name: string },
      actor: Actor,
      q?: Queryable,
    ): Promise<string[]> {
      if (!areas.length) return []
      return inTransaction(db, q, async (tx) => {
        const added = await tx.query<{ code: string }>(
          `INSERT INTO areas (code, name, type, created_by, updated_by)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(code, name, type), LATERAL (SELECT $4::integer, $4::integer) w
           ON CONFLICT (code) DO NOTHING RETURNING code`,
          [areas.map((a) => a.code), areas.map((a) => a.name), areas.map((a) => a.type), actor.id],
        )
        if (added.length) {
          await recordAudit(tx, actor, {
            action: 'create',
            entity: 'area',
            entityId: source.id,
            summary: `${plural(added.length, 'area')} added from ${source.name}`,
            after: { codes: added.map((a) => a.code) },
          })
        }
        return added.map((a) => a.code)
      })
    },
    async requireArea(code: string | null | undefined, field: string, q: Queryable = db) {
      if (!code) return
      if (!(await maybeOne(q, 'SELECT 1 FROM areas WHERE code = $1', [code])))
        throw new ValidationError({ [field]: `There is no area with the code ${code}: add it under Areas first` })
    },
    async createArea(input: unknown, actor: Actor, q?: Queryable): Promise<AreaRow> {
      const data = validate(AreaInput, input)
      const run = async (tx: Queryable) => {
        if (await maybeOne(tx, 'SELECT 1 FROM areas WHERE code = $1', [data.code]))
          throw new ValidationError({ code: `There is already an area with the code ${data.code}` })
        return createRecord<AreaRow>(
          tx,
          'areas',
          { code: data.code, name: data.name, type: data.type },
          { actor, entity: 'area', summary: `${data.name} (${data.code})` },
          'code',
        )
      }
      return inTransaction(db, q, run)
    },
    async updateArea(code: string, input: unknown, actor: Actor): Promise<AreaRow> {
      const data = validate(AreaInput, { ...(input as object), code })
      return db.transaction((tx) =>
        updateRecord<AreaRow>(
          tx,
          'areas',
          code,
          data.version,
          { name: data.name, type: data.type },
          { actor, entity: 'area', summary: data.name },
          'code',
        ),
      )
    },
  }
}
export type OrganisationService = ReturnType<typeof organisationService>
