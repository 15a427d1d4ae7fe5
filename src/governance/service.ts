/**
 * Governance: a partnership's bodies (its board or strategy group, CSPs, sub-groups, panels, task and finish groups),
 * who sits on each, and who each reports to. Governance is public information: a published partnership's bodies
 * are public, so nothing here is hidden from non-members.
 */
import { hyphenated } from '../platform/format.ts'
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import type { OrganisationService } from '../organisations/service.ts'
import { BodyInput, MemberInput, LIMITS, type BodyType, type MemberRole } from './schema.ts'
import { flatten, forest, mapSvg, type MapOptions, type TreeNode } from './map.ts'
import { plural } from '../platform/format.ts'

export { mapSvg, forest, flatten } from './map.ts'

export interface BodyRow {
  id: number
  partnership_id: number
  slug: string
  name: string
  type: BodyType
  area_code: string | null
  chair_person: string | null
  chair_organisation_id: number | null
  meeting_frequency: string | null
  reports_to_id: number | null
  statutory_basis: string | null
  terms_of_reference: string | null
  version: number
  created_at: Date
  created_by: number | null
  updated_at: Date
  updated_by: number | null
}

/** A body as the pages and the API show it: with the names of what it refers to. */
export interface BodyView extends BodyRow {
  area_name: string | null
  chair_organisation_name: string | null
  reports_to_slug: string | null
  reports_to_name: string | null
  member_count: number
  /** The members whose role is chair ("person, organisation"; several joined by "; "), for bodies with no chair recorded on the body itself. */
  chair_members: string | null
}

export interface MemberRow {
  id: number
  body_id: number
  organisation_id: number | null
  person: string | null
  role: MemberRole
  version: number
  created_at: Date
  updated_at: Date
  created_by: number | null
  updated_by: number | null
}
export interface MemberView extends MemberRow {
  organisation_name: string | null
}

export const CYCLE_MESSAGE = 'A body cannot report to itself or to a body that reports to it'
const RESERVED_SLUGS = new Set(['new'])

/** The chair as one line of text: the chair recorded on the body, else the members whose role is chair. */
export function chairText(b: Pick<BodyView, 'chair_person' | 'chair_organisation_name' | 'chair_members'>): string | null {
  return [b.chair_person, b.chair_organisation_name].filter(Boolean).join(', ') || b.chair_members || null
}

export function memberName(m: Pick<MemberView, 'person' | 'organisation_name'>) {
  return [m.person, m.organisation_name].filter(Boolean).join(', ')
}

/** A web address name made from a body's name: "Prevent Strategy Group" -> "prevent-strategy-group". */
export function slugify(name: string): string {
  return hyphenated(name, LIMITS.slug) || 'body'
}

export function bodyJson(b: BodyView) {
  return {
    id: b.id,
    slug: b.slug,
    name: b.name,
    type: b.type,
    areaCode: b.area_code,
    chair: {
      person: b.chair_person,
      organisation: b.chair_organisation_id ? { id: b.chair_organisation_id, name: b.chair_organisation_name ?? '' } : null,
    },
    meetingFrequency: b.meeting_frequency,
    reportsTo: b.reports_to_id ? { id: b.reports_to_id, slug: b.reports_to_slug ?? '', name: b.reports_to_name ?? '' } : null,
    statutoryBasis: b.statutory_basis,
    termsOfReference: b.terms_of_reference,
    memberCount: b.member_count,
    version: b.version,
    updatedAt: new Date(b.updated_at).toISOString(),
  }
}

export function memberJson(m: MemberView) {
  return {
    id: m.id,
    organisation: m.organisation_id ? { id: m.organisation_id, name: m.organisation_name ?? '' } : null,
    person: m.person,
    role: m.role,
    version: m.version,
    updatedAt: new Date(m.updated_at).toISOString(),
  }
}

// Names of areas and organisations come from the organisations capability (withNames), not from its tables.
const BODY_SELECT = `
  SELECT b.*, r.slug AS reports_to_slug, r.name AS reports_to_name,
    (SELECT count(*) FROM body_members m WHERE m.body_id = b.id)::int AS member_count
  FROM bodies b
  LEFT JOIN bodies r ON r.id = b.reports_to_id`

const MEMBER_SELECT = `SELECT m.* FROM body_members m`
// Then, in withOrganisationNames, by organisation name (nulls last): the sort there is stable.
const MEMBER_ORDER = `ORDER BY CASE m.role WHEN 'chair' THEN 0 WHEN 'vice-chair' THEN 1 WHEN 'member' THEN 2 WHEN 'adviser' THEN 3 ELSE 4 END, m.person NULLS LAST, m.id`
const ROLE_ORDER: Record<string, number> = { chair: 0, 'vice-chair': 1, member: 2, adviser: 3 }

const text = (s: string | null | undefined) => (typeof s === 'string' && s.trim() ? s.trim().replace(/\r\n/g, '\n') : null)

export function governanceService(db: Db, deps: { organisations: OrganisationService }) {
  const inTx = <T>(q: Queryable | undefined, run: (tx: Queryable) => Promise<T>) => inTransaction(db, q, run)

  /** Bodies with the names of their area, chair's organisation and chair members (from the organisations service). */
  async function withNames(q: Queryable, rows: BodyView[]): Promise<BodyView[]> {
    if (!rows.length) return rows
    const chairs = await q.query<{ body_id: number; person: string | null; organisation_id: number | null }>(
      `SELECT body_id, person, organisation_id FROM body_members WHERE body_id = ANY($1::int[]) AND role = 'chair' ORDER BY id`,
      [rows.map((b) => b.id)],
    )
    const ids = [...rows.map((b) => b.chair_organisation_id), ...chairs.map((c) => c.organisation_id)].filter(
      (id): id is number => id !== null,
    )
    const [orgs, areas] = await Promise.all([
      deps.organisations.names(ids, q),
      deps.organisations.areaNames(
        rows.flatMap((b) => (b.area_code ? [b.area_code] : [])),
        q,
      ),
    ])
    return rows.map((b) => {
      const members = chairs
        .filter((c) => c.body_id === b.id)
        .map((c) => [c.person, c.organisation_id !== null ? orgs.get(c.organisation_id) : null].filter(Boolean).join(', '))
      return {
        ...b,
        area_name: (b.area_code && areas.get(b.area_code)) || null,
        chair_organisation_name: (b.chair_organisation_id !== null && orgs.get(b.chair_organisation_id)) || null,
        chair_members: members.length ? members.join('; ') : null,
      }
    })
  }
  /** Members with their organisation's name; a list in order of role, then organisation name (none last). */
  async function withOrganisationNames(q: Queryable, rows: MemberView[]): Promise<MemberView[]> {
    const orgs = await deps.organisations.names(
      rows.flatMap((m) => (m.organisation_id !== null ? [m.organisation_id] : [])),
      q,
    )
    const rank = new Map([...orgs.keys()].map((id, i) => [id, i]))
    const named = rows.map((m) => ({ ...m, organisation_name: (m.organisation_id !== null && orgs.get(m.organisation_id)) || null }))
    return named.sort(
      (a, b) =>
        (ROLE_ORDER[a.role] ?? 4) - (ROLE_ORDER[b.role] ?? 4) ||
        (a.organisation_id === null ? Infinity : (rank.get(a.organisation_id) ?? Infinity)) -
          (b.organisation_id === null ? Infinity : (rank.get(b.organisation_id) ?? Infinity)) ||
        0,
    )
  }
  async function oneMember(q: Queryable, sql: string, params: unknown[]): Promise<MemberView | undefined> {
    const row = await maybeOne<MemberView>(q, sql, params)
    return row && (await withOrganisationNames(q, [row]))[0]
  }

  async function find(q: Queryable, partnershipId: number, slug: string): Promise<BodyView | undefined> {
    const row = await maybeOne<BodyView>(q, `${BODY_SELECT} WHERE b.partnership_id = $1 AND b.slug = $2`, [partnershipId, slug])
    return row && (await withNames(q, [row]))[0]
  }
  async function byId(q: Queryable, id: number): Promise<BodyView | undefined> {
    const row = await maybeOne<BodyView>(q, `${BODY_SELECT} WHERE b.id = $1`, [id])
    return row && (await withNames(q, [row]))[0]
  }

  async function checkName(q: Queryable, partnershipId: number, name: string, exceptId?: number) {
    const clash = await maybeOne(
      q,
      'SELECT 1 FROM bodies WHERE partnership_id = $1 AND lower(name) = lower($2) AND id IS DISTINCT FROM $3',
      [partnershipId, name, exceptId ?? null],
    )
    if (clash) throw new ValidationError({ name: `There is already a body called ${name} in this partnership` })
  }

  async function slugTaken(q: Queryable, partnershipId: number, slug: string, exceptId?: number) {
    return !!(await maybeOne(q, 'SELECT 1 FROM bodies WHERE partnership_id = $1 AND slug = $2 AND id IS DISTINCT FROM $3', [
      partnershipId,
      slug,
      exceptId ?? null,
    ]))
  }

  /** The slug asked for (refused if taken), or one made from the name (numbered if taken). */
  async function chooseSlug(q: Queryable, partnershipId: number, asked: string | undefined, name: string, exceptId?: number) {
    if (asked) {
      if (RESERVED_SLUGS.has(asked)) throw new ValidationError({ slug: `Web address name cannot be "${asked}": choose another` })
      if (await slugTaken(q, partnershipId, asked, exceptId))
        throw new ValidationError({ slug: `There is already a body with the web address name ${asked} in this partnership` })
      return asked
    }
    const base = slugify(name)
    for (let n = 1; ; n++) {
      const suffix = n === 1 ? '' : `-${n}`
      const candidate = base.slice(0, LIMITS.slug - suffix.length).replace(/-+$/, '') + suffix
      if (!RESERVED_SLUGS.has(candidate) && !(await slugTaken(q, partnershipId, candidate, exceptId))) return candidate
    }
  }

  async function checkOrganisation(q: Queryable, id: number | null | undefined, field: string, message: string) {
    if (id === null || id === undefined) return
    if ((await deps.organisations.name(id, q)) === undefined) throw new ValidationError({ [field]: message })
  }

  /** Check the body it is to report to is in the same partnership, and that the change makes no loop. */
  async function checkReportsTo(q: Queryable, partnershipId: number, reportsToId: number | null | undefined, selfId?: number) {
    if (reportsToId === null || reportsToId === undefined) return
    if (reportsToId === selfId) throw new ValidationError({ reportsToId: CYCLE_MESSAGE })
    // Lock the partnership's bodies so two changes made at once cannot together make a loop.
    const rows = await q.query<{ id: number; reports_to_id: number | null }>(
      'SELECT id, reports_to_id FROM bodies WHERE partnership_id = $1 ORDER BY id FOR UPDATE',
      [partnershipId],
    )
    const parentOf = new Map(rows.map((r) => [r.id, r.reports_to_id]))
    if (!parentOf.has(reportsToId))
      throw new ValidationError({ reportsToId: "Select the body it reports to from the list of this partnership's bodies" })
    if (selfId === undefined) return
    const seen = new Set<number>()
    for (let at: number | null | undefined = reportsToId; at !== null && at !== undefined && !seen.has(at); at = parentOf.get(at)) {
      if (at === selfId) throw new ValidationError({ reportsToId: CYCLE_MESSAGE })
      seen.add(at)
    }
  }

  async function bodyValues(q: Queryable, partnershipId: number, data: BodyInput, selfId?: number) {
    const areaCode = text(data.areaCode)
    await deps.organisations.requireArea(areaCode, 'areaCode', q)
    await checkOrganisation(q, data.chairOrganisationId, 'chairOrganisationId', "Select the chair's organisation from the list")
    await checkReportsTo(q, partnershipId, data.reportsToId, selfId)
    return {
      name: data.name.trim(),
      type: data.type,
      area_code: areaCode,
      chair_person: text(data.chairPerson),
      chair_organisation_id: data.chairOrganisationId ?? null,
      meeting_frequency: text(data.meetingFrequency),
      reports_to_id: data.reportsToId ?? null,
      statutory_basis: text(data.statutoryBasis),
      terms_of_reference: text(data.termsOfReference),
    }
  }

  /** A unique index caught a clash the checks above missed (two saves at once): say which field. */
  function clash(err: any): never {
    if (err?.code === '23505') {
      if (String(err.constraint ?? err.message).includes('name'))
        throw new ValidationError({ name: 'There is already a body with this name in this partnership' })
      throw new ValidationError({ slug: 'There is already a body with this web address name in this partnership' })
    }
    throw err
  }

  async function bodyOf(q: Queryable, bodyId: number) {
    const body = await maybeOne<{ id: number; partnership_id: number; name: string }>(
      q,
      'SELECT id, partnership_id, name FROM bodies WHERE id = $1',
      [bodyId],
    )
    if (!body) throw new NotFoundError()
    return body
  }

  async function memberValues(q: Queryable, data: MemberInput) {
    const person = text(data.person)
    if (!data.organisationId && !person)
      throw new ValidationError({ organisationId: 'Select an organisation or enter a person or post (or both)' })
    await checkOrganisation(q, data.organisationId, 'organisationId', 'Select the organisation from the list')
    return { organisation_id: data.organisationId ?? null, person, role: data.role }
  }

  async function memberSummary(
    q: Queryable,
    values: { organisation_id: number | null; person: string | null; role: string },
    bodyName: string,
  ) {
    const org = values.organisation_id ? await deps.organisations.name(values.organisation_id, q) : null
    return `${[values.person, org].filter(Boolean).join(', ')} (${values.role}) on ${bodyName}`
  }

  async function listBodies(partnershipId: number, q: Queryable = db): Promise<(BodyView & { depth: number })[]> {
    const rows = await withNames(q, await q.query<BodyView>(`${BODY_SELECT} WHERE b.partnership_id = $1`, [partnershipId]))
    return flatten(forest(rows))
  }

  return {
    /** The partnerships whose bodies have the organisation as chair or member (organisations' usage: who may change it). */
    async partnershipsUsingOrganisation(organisationId: number, q: Queryable = db): Promise<number[]> {
      const rows = await q.query<{ partnership_id: number }>(
        `SELECT partnership_id FROM bodies WHERE chair_organisation_id = $1
         UNION SELECT b.partnership_id FROM body_members m JOIN bodies b ON b.id = m.body_id WHERE m.organisation_id = $1`,
        [organisationId],
      )
      return rows.map((r) => r.partnership_id)
    },

    /** Bodies by id, in any partnership (scrutiny's meetings across councils name their bodies). */
    async byIds(
      ids: number[],
      q: Queryable = db,
    ): Promise<Map<number, { id: number; partnership_id: number; slug: string; name: string; type: BodyType }>> {
      if (!ids.length) return new Map()
      const rows = await q.query<{ id: number; partnership_id: number; slug: string; name: string; type: BodyType }>(
        'SELECT id, partnership_id, slug, name, type FROM bodies WHERE id = ANY($1::int[])',
        [[...new Set(ids)]],
      )
      return new Map(rows.map((r) => [r.id, r]))
    },

    /** The partnership's bodies in reporting order (each senior body followed by those reporting to it), each with its depth. */
    list: listBodies,

    /** One body by its web address name; NotFoundError if the partnership has no such body. */
    async get(partnershipId: number, bodySlug: string, q: Queryable = db): Promise<BodyView> {
      const b = await find(q, partnershipId, bodySlug)
      if (!b) throw new NotFoundError()
      return b
    },

    /** One body by its web address name, or undefined. */
    find(partnershipId: number, bodySlug: string, q: Queryable = db) {
      return find(q, partnershipId, bodySlug)
    },

    /** The bodies reporting directly to this one. */
    reportingTo(bodyId: number, q: Queryable = db): Promise<{ id: number; slug: string; name: string; type: BodyType }[]> {
      return q.query(`SELECT id, slug, name, type FROM bodies WHERE reports_to_id = $1 ORDER BY name`, [bodyId])
    },

    /** The bodies a body may report to: any other of the partnership's bodies except those that report to it, directly or not. */
    async possibleParents(partnershipId: number, selfId?: number, q: Queryable = db) {
      const all = await listBodies(partnershipId, q)
      if (selfId === undefined) return all
      const excluded = new Set<number>([selfId])
      let grew = true
      while (grew) {
        grew = false
        for (const b of all)
          if (b.reports_to_id !== null && excluded.has(b.reports_to_id) && !excluded.has(b.id)) {
            excluded.add(b.id)
            grew = true
          }
      }
      return all.filter((b) => !excluded.has(b.id))
    },

    async create(partnershipId: number, input: unknown, actor: Actor, q?: Queryable): Promise<BodyView> {
      const data = validate(BodyInput, input)
      return inTx(q, async (tx) => {
        await checkName(tx, partnershipId, data.name.trim())
        const slug = await chooseSlug(tx, partnershipId, data.slug, data.name)
        const values = await bodyValues(tx, partnershipId, data)
        const row = await createRecord<BodyRow>(
          tx,
          'bodies',
          { partnership_id: partnershipId, slug, ...values },
          { actor, partnershipId, entity: 'body', summary: values.name },
        ).catch(clash)
        return (await byId(tx, row.id))!
      })
    },

    /** Change a body (send the version read: a stale one is refused with ConflictError). Leaving out the slug keeps the current one. */
    async update(partnershipId: number, bodySlug: string, input: unknown, actor: Actor, q?: Queryable): Promise<BodyView> {
      const data = validate(BodyInput, input)
      return inTx(q, async (tx) => {
        const current = await find(tx, partnershipId, bodySlug)
        if (!current) throw new NotFoundError()
        await checkName(tx, partnershipId, data.name.trim(), current.id)
        const slug =
          data.slug && data.slug !== current.slug ? await chooseSlug(tx, partnershipId, data.slug, data.name, current.id) : current.slug
        const values = await bodyValues(tx, partnershipId, data, current.id)
        await updateRecord<BodyRow>(
          tx,
          'bodies',
          current.id,
          data.version,
          { slug, ...values },
          { actor, partnershipId, entity: 'body', summary: values.name },
        ).catch(clash)
        return (await byId(tx, current.id))!
      })
    },

    /** Delete a body and its members. Refused while other bodies report to it. */
    async remove(partnershipId: number, bodySlug: string, version: number | undefined, actor: Actor, q?: Queryable): Promise<BodyRow> {
      return inTx(q, async (tx) => {
        const body = await find(tx, partnershipId, bodySlug)
        if (!body) throw new NotFoundError()
        const reporting = await tx.query<{ name: string }>('SELECT name FROM bodies WHERE reports_to_id = $1 ORDER BY name', [body.id])
        if (reporting.length) {
          const names = reporting.map((r) => r.name)
          const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
          throw new ValidationError({
            form: `You cannot delete ${body.name} because ${list} ${names.length === 1 ? 'reports' : 'report'} to it. Change who ${names.length === 1 ? 'it reports' : 'they report'} to, or delete ${names.length === 1 ? 'it' : 'them'}, first.`,
          })
        }
        // Its members go first, each in the audit trail, then the body itself (at the version the user saw).
        const members = await tx.query<MemberRow>('SELECT * FROM body_members WHERE body_id = $1 ORDER BY id', [body.id])
        for (const m of members) {
          await deleteRecord(tx, 'body_members', m.id, undefined, {
            actor,
            partnershipId,
            entity: 'body_member',
            summary: `${await memberSummary(tx, m, body.name)}: removed with the body`,
          })
        }
        const removed = (await deleteRecord(tx, 'bodies', body.id, version, {
          actor,
          partnershipId,
          entity: 'body',
          summary: body.name,
        })) as BodyRow
        return removed
      })
    },

    /** A body's members: chair first, then vice-chair, members, advisers and observers. */
    async members(bodyId: number, q: Queryable = db): Promise<MemberView[]> {
      return withOrganisationNames(q, await q.query<MemberView>(`${MEMBER_SELECT} WHERE m.body_id = $1 ${MEMBER_ORDER}`, [bodyId]))
    },

    async getMember(bodyId: number, memberId: number, q: Queryable = db): Promise<MemberView> {
      const m = await oneMember(q, `${MEMBER_SELECT} WHERE m.body_id = $1 AND m.id = $2`, [bodyId, memberId])
      if (!m) throw new NotFoundError()
      return m
    },

    async addMember(bodyId: number, input: unknown, actor: Actor, q?: Queryable): Promise<MemberView> {
      const data = validate(MemberInput, input)
      return inTx(q, async (tx) => {
        const body = await bodyOf(tx, bodyId)
        const values = await memberValues(tx, data)
        const row = await createRecord<MemberRow>(
          tx,
          'body_members',
          { body_id: body.id, ...values },
          { actor, partnershipId: body.partnership_id, entity: 'body_member', summary: await memberSummary(tx, values, body.name) },
        )
        return (await oneMember(tx, `${MEMBER_SELECT} WHERE m.id = $1`, [row.id]))!
      })
    },

    async updateMember(bodyId: number, memberId: number, input: unknown, actor: Actor, q?: Queryable): Promise<MemberView> {
      const data = validate(MemberInput, input)
      return inTx(q, async (tx) => {
        const body = await bodyOf(tx, bodyId)
        if (!(await maybeOne(tx, 'SELECT 1 FROM body_members WHERE id = $1 AND body_id = $2', [memberId, bodyId])))
          throw new NotFoundError()
        const values = await memberValues(tx, data)
        await updateRecord<MemberRow>(tx, 'body_members', memberId, data.version, values, {
          actor,
          partnershipId: body.partnership_id,
          entity: 'body_member',
          summary: await memberSummary(tx, values, body.name),
        })
        return (await oneMember(tx, `${MEMBER_SELECT} WHERE m.id = $1`, [memberId]))!
      })
    },

    async removeMember(bodyId: number, memberId: number, version: number | undefined, actor: Actor, q?: Queryable): Promise<MemberRow> {
      return inTx(q, async (tx) => {
        const body = await bodyOf(tx, bodyId)
        const m = await maybeOne<MemberRow>(tx, 'SELECT * FROM body_members WHERE id = $1 AND body_id = $2', [memberId, bodyId])
        if (!m) throw new NotFoundError()
        return (await deleteRecord(tx, 'body_members', memberId, version, {
          actor,
          partnershipId: body.partnership_id,
          entity: 'body_member',
          summary: await memberSummary(tx, m, body.name),
        })) as MemberRow
      })
    },

    /** The partnership's bodies as a forest (for the nested list) and as the SVG map, wide and narrow (for a phone). */
    async map(
      partnershipId: number,
      opts: MapOptions = {},
      q: Queryable = db,
    ): Promise<{ bodies: (BodyView & { depth: number })[]; tree: TreeNode<BodyView>[]; svg: string; svgNarrow: string }> {
      const bodies = await listBodies(partnershipId, q)
      const narrow = { ...opts, layout: 'narrow' as const, idPrefix: `${opts.idPrefix ?? 'governance-map'}-narrow` }
      return { bodies, tree: forest(bodies), svg: mapSvg(bodies, opts), svgNarrow: mapSvg(bodies, narrow) }
    },

    /** The governance section of the partnership's overview page. */
    async overview(
      partnership: { id: number; slug: string },
      _opts: { includeUnpublished: boolean },
    ): Promise<{ heading: string; href: string; lines: string[] }> {
      const bodies = await listBodies(partnership.id)
      const href = `/partnerships/${partnership.slug}/governance`
      if (!bodies.length) return { heading: 'Governance', href, lines: ['No bodies recorded yet'] }
      const lines = [plural(bodies.length, 'body')]
      const roots = bodies.filter((b) => b.depth === 0)
      if (roots.length === 1) {
        const chair = chairText(roots[0])
        if (chair) lines.push(`Chair: ${chair}`)
      }
      const counts = new Map<string, number>()
      for (const b of bodies) if (b.depth > 0) counts.set(b.type, (counts.get(b.type) ?? 0) + 1)
      if (counts.size) {
        const parts = [...counts].map(([type, n]) => plural(n, type))
        lines.push(`${roots.length === 1 ? `Reporting to ${roots[0].name}` : 'Reporting lines'}: ${parts.join(', ')}`)
      }
      return { heading: 'Governance', href, lines }
    },
  }
}
export type GovernanceService = ReturnType<typeof governanceService>
