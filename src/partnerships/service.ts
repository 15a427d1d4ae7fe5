/** Partnerships (the workspaces) and who holds which role in each. */
import { Type } from '@sinclair/typebox'
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { recordAudit } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import type { AuthService, Role, User } from '../platform/auth/service.ts'
import { createRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'

export const PartnershipInput = Type.Object({
  slug: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 60, title: 'Web address name', errorMessage: 'Web address name must use only lower-case letters, numbers and hyphens, like north-worcestershire' }),
  name: Type.String({ minLength: 1, maxLength: 200, title: 'Name' }),
  shortName: Type.Optional(Type.String({ maxLength: 30, title: 'Short name' })),
  areaCode: Type.Optional(Type.String({ maxLength: 9, title: 'Area' })),
  published: Type.Optional(Type.Boolean({ title: 'Published' })),
  version: Type.Optional(Type.Integer()),
}, { additionalProperties: false })

export const PartnershipJson = Type.Object({
  slug: Type.String(), name: Type.String(), shortName: Type.Union([Type.String(), Type.Null()]), areaCode: Type.Union([Type.String(), Type.Null()]), published: Type.Boolean(),
})

export function partnershipJson(p: Partnership) {
  return { slug: p.slug, name: p.name, shortName: p.short_name, areaCode: p.area_code, published: p.published }
}

export function partnershipService(db: Db, deps: { auth: AuthService }) {
  return {
    bySlug(slug: string): Promise<Partnership | undefined> {
      return maybeOne<Partnership>(db, 'SELECT * FROM partnerships WHERE slug = $1', [slug])
    },
    /** Partnerships this visitor may see: published ones, plus those the user is a member of (all, for site admins). */
    async visibleTo(user?: User): Promise<(Partnership & { role: Role | null })[]> {
      if (user?.site_admin) return db.query(`SELECT p.*, 'admin' AS role FROM partnerships p ORDER BY p.name`)
      return db.query(
        `SELECT p.*, r.role FROM partnerships p LEFT JOIN partnership_roles r ON r.partnership_id = p.id AND r.user_id = $1
         WHERE p.published OR r.role IS NOT NULL ORDER BY p.name`, [user?.id ?? null])
    },
    async create(input: unknown, actor: Actor, q?: Queryable): Promise<Partnership> {
      const data = validate(PartnershipInput, input)
      const run = async (tx: Queryable) => {
        if (await maybeOne(tx, 'SELECT 1 FROM partnerships WHERE slug = $1', [data.slug])) throw new ValidationError({ slug: `The web address name ${data.slug} is already used by another partnership` })
        if (data.areaCode && !(await maybeOne(tx, 'SELECT 1 FROM areas WHERE code = $1', [data.areaCode]))) throw new ValidationError({ areaCode: 'Select an area from the list' })
        const row = await createRecord<Partnership>(tx, 'partnerships', { slug: data.slug, name: data.name, short_name: data.shortName ?? null, area_code: data.areaCode ?? null, published: data.published ?? false }, { actor, entity: 'partnership', summary: data.name })
        // The partnership's own creation belongs in its audit log too (its id was not known before the insert).
        await tx.query(`UPDATE audit_log SET partnership_id = $1 WHERE entity = 'partnership' AND entity_id = $2 AND partnership_id IS NULL`, [row.id, String(row.id)])
        return row
      }
      return inTransaction(db, q, run)
    },
    async update(p: Partnership, input: unknown, actor: Actor): Promise<Partnership> {
      const data = validate(PartnershipInput, { ...(input as object), slug: p.slug })
      return db.transaction(async (tx) => {
        if (data.areaCode && !(await maybeOne(tx, 'SELECT 1 FROM areas WHERE code = $1', [data.areaCode]))) throw new ValidationError({ areaCode: 'Select an area from the list' })
        return updateRecord<Partnership>(tx, 'partnerships', p.id, data.version, { name: data.name, short_name: data.shortName ?? null, area_code: data.areaCode ?? null, published: data.published ?? false }, { actor, entity: 'partnership', partnershipId: p.id, summary: data.name })
      })
    },
    people(partnershipId: number) {
      return db.query<{ user_id: number; name: string; email: string; organisation_name: string | null; role: Role }>(
        `SELECT u.id AS user_id, u.name, u.email, o.name AS organisation_name, r.role FROM partnership_roles r
         JOIN users u ON u.id = r.user_id LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE r.partnership_id = $1 ORDER BY u.name`, [partnershipId])
    },
    async addPerson(p: Partnership, email: string, role: Role, actor: Actor) {
      if (!email?.trim()) throw new ValidationError({ email: 'Enter the email address of the person to add' })
      const user = await deps.auth.findUserByEmail(email.trim())
      if (!user) throw new ValidationError({ email: `There is no account for ${email.trim()}. A site administrator can create one.` })
      await deps.auth.grantRole(user.id, p.id, role, actor)
      return user
    },
    async removePerson(p: Partnership, userId: number, actor: Actor) {
      await db.transaction(async (tx) => {
        const before = await maybeOne(tx, 'SELECT * FROM partnership_roles WHERE partnership_id = $1 AND user_id = $2', [p.id, userId])
        if (!before) throw new NotFoundError()
        const admins = await tx.query(`SELECT user_id FROM partnership_roles WHERE partnership_id = $1 AND role = 'admin'`, [p.id])
        if (before.role === 'admin' && admins.length === 1) throw new ValidationError({ form: 'A partnership must keep at least one administrator' })
        await tx.query('DELETE FROM partnership_roles WHERE partnership_id = $1 AND user_id = $2', [p.id, userId])
        await recordAudit(tx, actor, { action: 'delete', entity: 'partnership_role', entityId: `${p.id}:${userId}`, partnershipId: p.id, before })
      })
    },
  }
}
export type PartnershipService = ReturnType<typeof partnershipService>
