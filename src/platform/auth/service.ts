/** Accounts, sessions, API tokens and partnership roles. */
import { Type, type Static } from '@sinclair/typebox'
import type { Db, Queryable } from '../db/index.ts'
import { maybeOne, inTransaction } from '../db/index.ts'
import { hashPassword, passwordProblem, randomToken, sha256, verifyPassword } from './passwords.ts'
import { ValidationError, NotFoundError } from '../errors.ts'
import { createRecord, updateRecord } from '../records.ts'
import { recordAudit, systemActor, type Actor } from '../audit.ts'
import { validate } from '../validation.ts'

export const ROLES = ['admin', 'editor', 'contributor', 'viewer'] as const
export type Role = (typeof ROLES)[number]
export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator', editor: 'Editor', contributor: 'Contributor (partner lead)', viewer: 'Viewer',
}
/** Higher number, more power. A role includes every lower one. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, contributor: 2, editor: 3, admin: 4 }

export interface User {
  id: number
  email: string
  name: string
  organisation_id: number | null
  organisation_name?: string | null
  site_admin: boolean
  disabled: boolean
}

export const NewUserSchema = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254, title: 'Email address' }),
  name: Type.String({ minLength: 1, maxLength: 200, title: 'Full name' }),
  password: Type.String({ minLength: 10, maxLength: 200, title: 'Password', errorMessage: 'Password must be 10 characters or more' }),
  organisationId: Type.Optional(Type.Integer({ title: 'Organisation' })),
  siteAdmin: Type.Optional(Type.Boolean({ title: 'Site administrator' })),
})
export type NewUser = Static<typeof NewUserSchema>

const USER_COLUMNS = `u.id, u.email, u.name, u.organisation_id, o.name AS organisation_name, u.site_admin, u.disabled`

export function authService(db: Db, config: { sessionDays: number }) {
  return {
    async createUser(input: NewUser, actor: Actor = systemActor, tx?: Queryable): Promise<User> {
      const data = validate(NewUserSchema, input)
      const run = async (q: Queryable) => {
        if (await maybeOne(q, 'SELECT 1 FROM users WHERE lower(email) = lower($1)', [data.email])) {
          throw new ValidationError({ email: `There is already an account for ${data.email}` })
        }
        if (data.organisationId !== undefined && !(await maybeOne(q, 'SELECT 1 FROM organisations WHERE id = $1', [data.organisationId]))) {
          throw new ValidationError({ organisationId: 'Select an organisation from the list' })
        }
        const row = await createRecord(q, 'users', {
          email: data.email.toLowerCase(), name: data.name, password_hash: await hashPassword(data.password),
          organisation_id: data.organisationId ?? null, site_admin: data.siteAdmin ?? false,
        }, { actor, entity: 'user', summary: `Account for ${data.email}` })
        return row as unknown as User
      }
      return inTransaction(db, tx, run)
    },

    async resetPassword(email: string, password: string, actor: Actor = systemActor) {
      const problem = passwordProblem(password)
      if (problem) throw new ValidationError({ password: problem })
      return db.transaction(async (tx) => {
        const user = await maybeOne<{ id: number }>(tx, 'SELECT id FROM users WHERE lower(email) = lower($1)', [email])
        if (!user) throw new ValidationError({ email: `There is no account for ${email}` })
        await updateRecord(tx, 'users', user.id, undefined, { password_hash: await hashPassword(password) }, { actor, entity: 'user', summary: 'Password reset' })
        // A new password signs out every existing session.
        await tx.query('DELETE FROM sessions WHERE user_id = $1', [user.id])
      })
    },

    /** Check an email and password. Returns the user, or undefined (never says which part was wrong). */
    async authenticate(email: string, password: string): Promise<User | undefined> {
      const row = await maybeOne<User & { password_hash: string }>(db,
        `SELECT ${USER_COLUMNS}, u.password_hash FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE lower(u.email) = lower($1)`, [email])
      if (!row || row.disabled) {
        // Spend the same time as a real check, so timing does not reveal which emails exist.
        await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')
        return undefined
      }
      if (!(await verifyPassword(password, row.password_hash))) return undefined
      const { password_hash: _, ...user } = row
      return user
    },

    async startSession(userId: number): Promise<string> {
      const token = randomToken()
      // Expired sessions are cleared as new ones start, so the table does not grow for ever.
      await db.query('DELETE FROM sessions WHERE expires_at < now()')
      await db.query(`INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(days => $3))`, [sha256(token), userId, config.sessionDays])
      await db.query('UPDATE users SET last_sign_in_at = now() WHERE id = $1', [userId])
      return token
    },

    async endSession(token: string) {
      await db.query('DELETE FROM sessions WHERE id_hash = $1', [sha256(token)])
    },

    async userForSession(token: string): Promise<User | undefined> {
      return maybeOne<User>(db,
        `SELECT ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE s.id_hash = $1 AND s.expires_at > now() AND NOT u.disabled`, [sha256(token)])
    },

    async createApiToken(userId: number, name: string, actor: Actor): Promise<string> {
      if (!name.trim()) throw new ValidationError({ name: 'Enter a name for the token, like "Scorecard script"' })
      if (name.length > 100) throw new ValidationError({ name: 'Token name must be 100 characters or fewer' })
      const token = `safer_${randomToken()}`
      await db.transaction(async (tx) => {
        const [row] = await tx.query(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id, user_id, name, created_at`, [userId, name.trim(), sha256(token)])
        await recordAudit(tx, actor, { action: 'create', entity: 'api_token', entityId: row.id, after: row })
      })
      return token
    },

    async listApiTokens(userId: number) {
      return db.query(`SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC`, [userId])
    },

    async revokeApiToken(userId: number, tokenId: number, actor: Actor) {
      await db.transaction(async (tx) => {
        const [row] = await tx.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id, name, revoked_at`, [tokenId, userId])
        if (!row) throw new NotFoundError('There is no such token')
        await recordAudit(tx, actor, { action: 'delete', entity: 'api_token', entityId: row.id, before: row })
      })
    },

    async userForApiToken(token: string): Promise<User | undefined> {
      const user = await maybeOne<User & { token_id: number }>(db,
        `SELECT ${USER_COLUMNS}, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled`, [sha256(token)])
      if (user) await db.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [user.token_id])
      return user
    },

    /** The user's role in each partnership. */
    async rolesOf(userId: number): Promise<Map<number, Role>> {
      const rows = await db.query<{ partnership_id: number; role: Role }>('SELECT partnership_id, role FROM partnership_roles WHERE user_id = $1', [userId])
      return new Map(rows.map((r) => [r.partnership_id, r.role]))
    },

    async roleIn(userId: number, partnershipId: number): Promise<Role | undefined> {
      const row = await maybeOne<{ role: Role }>(db, 'SELECT role FROM partnership_roles WHERE user_id = $1 AND partnership_id = $2', [userId, partnershipId])
      return row?.role
    },

    async grantRole(userId: number, partnershipId: number, role: Role, actor: Actor, tx?: Queryable) {
      if (!ROLES.includes(role)) throw new ValidationError({ role: 'Select a role from the list' })
      const run = async (q: Queryable) => {
        const before = await maybeOne(q, 'SELECT * FROM partnership_roles WHERE user_id = $1 AND partnership_id = $2', [userId, partnershipId])
        const [after] = await q.query(
          `INSERT INTO partnership_roles (partnership_id, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (partnership_id, user_id) DO UPDATE SET role = EXCLUDED.role RETURNING *`, [partnershipId, userId, role])
        await recordAudit(q, actor, { action: before ? 'update' : 'create', entity: 'partnership_role', entityId: `${partnershipId}:${userId}`, partnershipId, before, after })
      }
      return inTransaction(db, tx, run)
    },

    async findUserByEmail(email: string) {
      return maybeOne<User>(db, `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE lower(u.email) = lower($1)`, [email])
    },
  }
}
export type AuthService = ReturnType<typeof authService>
