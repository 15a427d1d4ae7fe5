/**
 * Accounts, sessions and API tokens. The roles a user holds in partnerships belong to the partnerships capability
 * (its partnership_roles table); a user's organisation to the organisations capability, which this service asks
 * through the `directory` it is given (the platform never reads another capability's tables).
 */
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
  admin: 'Administrator',
  editor: 'Editor',
  contributor: 'Contributor (partner lead)',
  viewer: 'Viewer',
}
/** Higher number, more power. A role includes every lower one. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, contributor: 2, editor: 3, admin: 4 }

export interface User {
  id: number
  email: string
  name: string
  organisation_id: number | null
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

const USER_COLUMNS = `u.id, u.email, u.name, u.organisation_id, u.site_admin, u.disabled`

/** What the accounts need to know about organisations (given by the organisations capability). */
export interface Directory {
  /** The organisation's name, or undefined when there is no such organisation. */
  organisationName(id: number, q?: Queryable): Promise<string | undefined>
}

export function authService(db: Db, config: { sessionDays: number }, directory: Directory) {
  return {
    async createUser(input: NewUser, actor: Actor = systemActor, tx?: Queryable): Promise<User> {
      const data = validate(NewUserSchema, input)
      const run = async (q: Queryable) => {
        if (await maybeOne(q, 'SELECT 1 FROM users WHERE lower(email) = lower($1)', [data.email])) {
          throw new ValidationError({ email: `There is already an account for ${data.email}` })
        }
        if (data.organisationId !== undefined && (await directory.organisationName(data.organisationId, q)) === undefined) {
          throw new ValidationError({ organisationId: 'Select an organisation from the list' })
        }
        const row = await createRecord(
          q,
          'users',
          {
            email: data.email.toLowerCase(),
            name: data.name,
            password_hash: await hashPassword(data.password),
            organisation_id: data.organisationId ?? null,
            site_admin: data.siteAdmin ?? false,
          },
          { actor, entity: 'user', summary: `Account for ${data.email}` },
        )
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
        await updateRecord(
          tx,
          'users',
          user.id,
          undefined,
          { password_hash: await hashPassword(password) },
          { actor, entity: 'user', summary: 'Password reset' },
        )
        // A new password signs out every existing session.
        await tx.query('DELETE FROM sessions WHERE user_id = $1', [user.id])
      })
    },

    /** Check an email and password. Returns the user, or undefined (never says which part was wrong). */
    async authenticate(email: string, password: string): Promise<User | undefined> {
      const row = await maybeOne<User & { password_hash: string }>(
        db,
        `SELECT ${USER_COLUMNS}, u.password_hash FROM users u WHERE lower(u.email) = lower($1)`,
        [email],
      )
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
      await db.query(`INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(days => $3))`, [
        sha256(token),
        userId,
        config.sessionDays,
      ])
      await db.query('UPDATE users SET last_sign_in_at = now() WHERE id = $1', [userId])
      return token
    },

    async endSession(token: string) {
      await db.query('DELETE FROM sessions WHERE id_hash = $1', [sha256(token)])
    },

    async userForSession(token: string): Promise<User | undefined> {
      return maybeOne<User>(
        db,
        `SELECT ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
        [sha256(token)],
      )
    },

    async createApiToken(userId: number, name: string, actor: Actor): Promise<string> {
      if (!name.trim()) throw new ValidationError({ name: 'Enter a name for the token, like "Scorecard script"' })
      if (name.length > 100) throw new ValidationError({ name: 'Token name must be 100 characters or fewer' })
      const token = `safer_${randomToken()}`
      await db.transaction(async (tx) => {
        const [row] = await tx.query(
          `INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id, user_id, name, created_at`,
          [userId, name.trim(), sha256(token)],
        )
        await recordAudit(tx, actor, { action: 'create', entity: 'api_token', entityId: row.id, after: row })
      })
      return token
    },

    async listApiTokens(userId: number) {
      return db.query(
        `SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC`,
        [userId],
      )
    },

    async revokeApiToken(userId: number, tokenId: number, actor: Actor) {
      await db.transaction(async (tx) => {
        const [row] = await tx.query(
          `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id, name, revoked_at`,
          [tokenId, userId],
        )
        if (!row) throw new NotFoundError('There is no such token')
        await recordAudit(tx, actor, { action: 'delete', entity: 'api_token', entityId: row.id, before: row })
      })
    },

    async userForApiToken(token: string): Promise<User | undefined> {
      const user = await maybeOne<User & { token_id: number }>(
        db,
        `SELECT ${USER_COLUMNS}, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled`,
        [sha256(token)],
      )
      if (user) await db.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [user.token_id])
      return user
    },

    async findUserByEmail(email: string, q: Queryable = db) {
      return maybeOne<User>(q, `SELECT ${USER_COLUMNS} FROM users u WHERE lower(u.email) = lower($1)`, [email])
    },

    /** The user's organisation's name (for their account page). */
    async organisationName(user: User): Promise<string | undefined> {
      return user.organisation_id === null ? undefined : directory.organisationName(user.organisation_id)
    },

    /** Accounts with these ids, by id (for lists that show who holds a role). */
    async usersByIds(ids: number[]): Promise<Map<number, User>> {
      if (!ids.length) return new Map()
      const rows = await db.query<User>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ANY($1::int[])`, [ids])
      return new Map(rows.map((u) => [u.id, u]))
    },

    /** Every account, by name, with when each last signed in (site administration). */
    listUsers() {
      return db.query<User & { last_sign_in_at: Date | null }>(`SELECT ${USER_COLUMNS}, u.last_sign_in_at FROM users u ORDER BY u.name`)
    },
  }
}
export type AuthService = ReturnType<typeof authService>
