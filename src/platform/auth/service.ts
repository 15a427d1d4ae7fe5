/**
 * Accounts, sessions and API tokens. The roles a user holds in partnerships belong to the partnerships capability
 * (its partnership_roles table); a user's organisation to the organisations capability, which this service asks
 * through the `directory` it is given (the platform never reads another capability's tables).
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Db, Queryable } from '../db/index.ts'
import { maybeOne, inTransaction } from '../db/index.ts'
import {
  emailProblem,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  randomToken,
  sha256,
  verifyPassword,
} from './passwords.ts'
import { ValidationError, NotFoundError } from '../errors.ts'
import { createRecord, updateRecord } from '../records.ts'
import { recordAudit, systemActor, type Actor } from '../audit.ts'
import { validate } from '../validation.ts'
import type { OutboxService } from '../email/outbox.ts'

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
  password: Type.String({
    minLength: MIN_PASSWORD_LENGTH,
    maxLength: MAX_PASSWORD_LENGTH,
    title: 'Password',
    errorMessage: `Password must be ${MIN_PASSWORD_LENGTH} characters or more`,
  }),
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

/** Account details a site administrator may change. */
export const AccountEditSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, title: 'Full name', errorMessage: 'Enter their full name' }),
  email: Type.String({ maxLength: 254, title: 'Email address' }),
  version: Type.Optional(Type.Integer({ title: 'Version' })),
})
export type AccountEdit = Static<typeof AccountEditSchema>

/** How long links sent by email work. */
export const RESET_LINK_HOURS = 1
/** Most reset links sent to one account in an hour (a stranger cannot fill someone's inbox). */
export const RESETS_PER_HOUR = 3

export interface ApiTokenRow {
  id: number
  name: string
  created_at: Date
  last_used_at: Date | null
  expires_at: Date | null
}

/**
 * A password reset link (r, its token's hash in $1) that still works, joined to its account (u): unused, unexpired,
 * the account not disabled.
 */
const LIVE_RESET_LINK = `password_resets r JOIN users u ON u.id = r.user_id
  WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() AND NOT u.disabled`

/** The key the per-account sign-in limit counts failures under: the email address, hashed (it may have no account). */
const emailHash = (email: string) => sha256(email.trim().toLowerCase())

/** The moment a token chosen to expire on this date (YYYY-MM-DD) stops working: the start of the next day, London time. */
const END_OF_DAY = `(($1::date + 1)::timestamp AT TIME ZONE 'Europe/London')`

export function authService(
  db: Db,
  config: { sessionDays: number; baseUrl: string; serviceName: string },
  directory: Directory,
  deps: { outbox?: OutboxService } = {},
) {
  const { baseUrl, serviceName } = config

  /** Replace the password; end sessions (all, or all but one) and, for a reset, revoke the API tokens. */
  async function setPassword(
    tx: Queryable,
    userId: number,
    password: string,
    actor: Actor,
    opts: { summary: string; keepSessionHash?: string; revokeTokens: boolean },
  ) {
    await updateRecord(
      tx,
      'users',
      userId,
      undefined,
      { password_hash: await hashPassword(password) },
      {
        actor,
        entity: 'user',
        summary: opts.summary,
      },
    )
    await tx.query('DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2', [userId, opts.keepSessionHash ?? null])
    if (opts.revokeTokens) await revokeAllTokens(tx, userId, actor)
  }

  async function revokeAllTokens(tx: Queryable, userId: number, actor: Actor) {
    const rows = await tx.query<{ id: number; name: string }>(
      `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id, name, revoked_at`,
      [userId],
    )
    for (const row of rows) await recordAudit(tx, actor, { action: 'delete', entity: 'api_token', entityId: row.id, before: row })
    return rows.length
  }

  async function checkEmail(q: Queryable, email: string, exceptId?: number) {
    const problem = emailProblem(email)
    if (problem) throw new ValidationError({ email: problem })
    if (
      await maybeOne(q, 'SELECT 1 FROM users WHERE lower(email) = lower($1) AND id IS DISTINCT FROM $2', [email.trim(), exceptId ?? null])
    ) {
      throw new ValidationError({ email: `There is already an account for ${email.trim()}` })
    }
  }

  const service = {
    /** The address links in emails start with (SAFER_BASE_URL), never taken from a request's Host header. */
    baseUrl,

    async createUser(input: NewUser, actor: Actor = systemActor, tx?: Queryable): Promise<User> {
      const data = validate(NewUserSchema, input)
      const run = async (q: Queryable) => {
        await checkEmail(q, data.email)
        const problem = passwordProblem(data.password, { email: data.email })
        if (problem) throw new ValidationError({ password: problem })
        if (data.organisationId !== undefined && (await directory.organisationName(data.organisationId, q)) === undefined) {
          throw new ValidationError({ organisationId: 'Select an organisation from the list' })
        }
        const row = await createRecord(
          q,
          'users',
          {
            email: data.email.trim().toLowerCase(),
            name: data.name.trim(),
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

    async getUser(id: number, q: Queryable = db): Promise<User & { version: number; last_sign_in_at: Date | null }> {
      const user = await maybeOne<User & { version: number; last_sign_in_at: Date | null }>(
        q,
        `SELECT ${USER_COLUMNS}, u.version, u.last_sign_in_at FROM users u WHERE u.id = $1`,
        [id],
      )
      if (!user) throw new NotFoundError('There is no such account')
      return user
    },

    /** A site administrator changes an account's name and email address. */
    async updateUser(id: number, input: unknown, actor: Actor): Promise<User> {
      const data = validate(AccountEditSchema, input)
      return db.transaction(async (tx) => {
        await checkEmail(tx, data.email, id)
        const row = await updateRecord(
          tx,
          'users',
          id,
          data.version,
          { name: data.name.trim(), email: data.email.trim().toLowerCase() },
          { actor, entity: 'user', summary: `Account details of ${data.email.trim()}` },
        )
        return row as unknown as User
      })
    },

    /**
     * Disable (or re-enable) an account. Disabling ends its sessions and revokes its API tokens at once (every request
     * also checks the flag); re-enabling brings neither back.
     */
    async setDisabled(id: number, disabled: boolean, actor: Actor, version?: number): Promise<User> {
      if (disabled && actor.id === id) throw new ValidationError({ form: 'You cannot disable your own account' })
      return db.transaction(async (tx) => {
        const user = await service.getUser(id, tx)
        const row = await updateRecord(
          tx,
          'users',
          id,
          version,
          { disabled },
          {
            actor,
            entity: 'user',
            summary: `${disabled ? 'Disabled' : 'Re-enabled'} ${user.email}`,
          },
        )
        if (disabled) {
          await tx.query('DELETE FROM sessions WHERE user_id = $1', [id])
          await revokeAllTokens(tx, id, actor)
        }
        return row as unknown as User
      })
    },

    /** Set a new password by email address (the command line). Ends every session and revokes the API tokens. */
    async resetPassword(email: string, password: string, actor: Actor = systemActor) {
      const problem = passwordProblem(password, { email })
      if (problem) throw new ValidationError({ password: problem })
      return db.transaction(async (tx) => {
        const user = await maybeOne<{ id: number }>(tx, 'SELECT id FROM users WHERE lower(email) = lower($1)', [email])
        if (!user) throw new ValidationError({ email: `There is no account for ${email}` })
        await setPassword(tx, user.id, password, actor, { summary: 'Password reset', revokeTokens: true })
      })
    },

    /**
     * The signed-in user changes their own password, giving the current one. Their other sessions end; this one
     * (`sessionToken`) and their API tokens carry on.
     */
    async changePassword(user: User, current: string, password: string, sessionToken: string | undefined, actor: Actor) {
      const errors: Record<string, string> = {}
      if (!current) errors.currentPassword = 'Enter your current password'
      const problem = passwordProblem(password, { email: user.email })
      if (problem) errors.password = problem
      if (Object.keys(errors).length) throw new ValidationError(errors)
      const row = await maybeOne<{ password_hash: string }>(db, 'SELECT password_hash FROM users WHERE id = $1', [user.id])
      if (!row || !(await verifyPassword(current, row.password_hash)))
        throw new ValidationError({ currentPassword: 'Your current password is not right' })
      if (current === password) throw new ValidationError({ password: 'Your new password must be different from your current one' })
      await db.transaction((tx) =>
        setPassword(tx, user.id, password, actor, {
          summary: 'Password changed by its owner',
          keepSessionHash: sessionToken ? sha256(sessionToken) : undefined,
          revokeTokens: false,
        }),
      )
    },

    /**
     * "Forgot your password": email a link that works once, for an hour, if the address has an account that is not
     * disabled. Says nothing either way (the page gives the same answer). Returns whether a message was queued (tests).
     */
    async requestPasswordReset(email: string, actor: Actor): Promise<boolean> {
      if (!deps.outbox) throw new Error('Password reset needs the outbox')
      const outbox = deps.outbox
      return db.transaction(async (tx) => {
        const user = await maybeOne<User>(tx, `SELECT ${USER_COLUMNS} FROM users u WHERE lower(u.email) = lower($1) FOR UPDATE`, [
          email.trim(),
        ])
        if (!user || user.disabled) return false
        const recent = await maybeOne<{ n: number }>(
          tx,
          `SELECT count(*)::int AS n FROM password_resets WHERE user_id = $1 AND created_at > now() - interval '1 hour'`,
          [user.id],
        )
        if ((recent?.n ?? 0) >= RESETS_PER_HOUR) return false
        const token = randomToken()
        const [row] = await tx.query<{ id: number; expires_at: Date }>(
          `INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))
           RETURNING id, expires_at`,
          [user.id, sha256(token), RESET_LINK_HOURS],
        )
        await outbox.queue(tx, {
          to: { email: user.email, name: user.name },
          template: 'platform/auth/password-reset',
          data: { name: user.name, link: `${baseUrl}/reset-password/${token}`, hours: RESET_LINK_HOURS },
          reason: `You are getting this because someone asked to reset the password of the ${serviceName} account for ${user.email}. If it was not you, ignore this email: your password has not changed.`,
          actor,
        })
        await recordAudit(tx, actor, {
          action: 'create',
          entity: 'password_reset',
          entityId: row.id,
          summary: `Password reset link sent to ${user.email}`,
          after: { user_id: user.id, expires_at: row.expires_at },
        })
        return true
      })
    },

    /** The account a reset link is for, while it is unused and unexpired; undefined otherwise. */
    async resetLinkUser(token: string): Promise<User | undefined> {
      return maybeOne<User>(db, `SELECT ${USER_COLUMNS} FROM ${LIVE_RESET_LINK}`, [sha256(token)])
    },

    /**
     * Set a new password with a reset link. The link is used up (and every other link for the account), every session
     * ends and every API token is revoked. Throws NotFoundError when the link no longer works.
     */
    async resetWithLink(token: string, password: string, actor: Actor): Promise<User> {
      return db.transaction(async (tx) => {
        const user = await maybeOne<User>(tx, `SELECT ${USER_COLUMNS} FROM ${LIVE_RESET_LINK} FOR UPDATE OF r`, [sha256(token)])
        if (!user) throw new NotFoundError('This link has expired or has already been used')
        const problem = passwordProblem(password, { email: user.email })
        if (problem) throw new ValidationError({ password: problem })
        await tx.query('UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL', [user.id])
        const who = actor.id === null ? { id: user.id, name: user.name } : actor
        await setPassword(tx, user.id, password, who, { summary: 'Password reset with an emailed link', revokeTokens: true })
        return user
      })
    },

    /** Check an email and password. Returns the user, or undefined (never says which part was wrong). */
    async authenticate(email: string, password: string, q: Queryable = db): Promise<User | undefined> {
      const row = await maybeOne<User & { password_hash: string }>(
        q,
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

    /**
     * The per-account sign-in limit: failed attempts for this email address (whether or not it has an account, so the
     * limit says nothing about which addresses exist) in the last `windowMs`.
     */
    async signInFailures(email: string, windowMs: number): Promise<number> {
      const row = await maybeOne<{ n: number }>(
        db,
        `SELECT count(*)::int AS n FROM sign_in_failures WHERE email_hash = $1 AND at > now() - make_interval(secs => $2)`,
        [emailHash(email), windowMs / 1000],
      )
      return row?.n ?? 0
    },
    async recordSignInFailure(email: string, windowMs: number) {
      // Old failures are cleared as new ones come, so the table does not grow for ever.
      await db.query(`DELETE FROM sign_in_failures WHERE at < now() - make_interval(secs => $1)`, [windowMs / 1000])
      await db.query('INSERT INTO sign_in_failures (email_hash) VALUES ($1)', [emailHash(email)])
    },
    async clearSignInFailures(email: string) {
      await db.query('DELETE FROM sign_in_failures WHERE email_hash = $1', [emailHash(email)])
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

    /**
     * A new API token for the user; `expiresOn` (YYYY-MM-DD, today or later) is the last day it works. Returns the token
     * (shown once, stored only as a hash) and its id.
     */
    async createApiToken(userId: number, name: string, actor: Actor, expiresOn?: string): Promise<string> {
      const errors = apiTokenProblems(name, expiresOn)
      if (Object.keys(errors).length) throw new ValidationError(errors)
      const token = `safer_${randomToken()}`
      await db.transaction(async (tx) => {
        const [row] = await tx.query(
          `INSERT INTO api_tokens (user_id, name, token_hash, expires_at)
           VALUES ($2, $3, $4, CASE WHEN $1::text IS NULL THEN NULL ELSE ${END_OF_DAY} END)
           RETURNING id, user_id, name, created_at, expires_at`,
          [expiresOn ?? null, userId, name.trim(), sha256(token)],
        )
        await recordAudit(tx, actor, { action: 'create', entity: 'api_token', entityId: row.id, after: row })
      })
      return token
    },

    async listApiTokens(userId: number): Promise<(ApiTokenRow & { expired: boolean })[]> {
      return db.query(
        `SELECT id, name, created_at, last_used_at, expires_at, (expires_at IS NOT NULL AND expires_at <= now()) AS expired
         FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`,
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

    /** The user a token belongs to, if it is not revoked, not expired, and its account is not disabled. */
    async userForApiToken(token: string): Promise<User | undefined> {
      const user = await maybeOne<User & { token_id: number }>(
        db,
        `SELECT ${USER_COLUMNS}, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND NOT u.disabled`,
        [sha256(token)],
      )
      if (user) await db.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [user.token_id])
      if (user) delete (user as Partial<typeof user>).token_id
      return user
    },

    async findUserByEmail(email: string, q: Queryable = db) {
      return maybeOne<User>(q, `SELECT ${USER_COLUMNS} FROM users u WHERE lower(u.email) = lower($1)`, [email.trim()])
    },

    /** The user's organisation's name (for their account page). */
    async organisationName(user: User): Promise<string | undefined> {
      return user.organisation_id === null ? undefined : directory.organisationName(user.organisation_id)
    },

    /** Accounts with these ids, by id (for lists that show who holds a role). */
    async usersByIds(ids: number[], q: Queryable = db): Promise<Map<number, User>> {
      if (!ids.length) return new Map()
      const rows = await q.query<User>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ANY($1::int[])`, [ids])
      return new Map(rows.map((u) => [u.id, u]))
    },

    /** Every account, by name, with when each last signed in (site administration). */
    listUsers() {
      return db.query<User & { last_sign_in_at: Date | null }>(
        `SELECT ${USER_COLUMNS}, u.last_sign_in_at FROM users u ORDER BY u.name, u.id`,
      )
    },
  }
  return service
}
export type AuthService = ReturnType<typeof authService>

/** What is wrong with a new API token's name and expiry date (YYYY-MM-DD), by field; empty when nothing. */
export function apiTokenProblems(name: string, expiresOn?: string): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!name.trim()) errors.name = 'Enter a name for the token, like "Scorecard script"'
  else if (name.length > 100) errors.name = 'Token name must be 100 characters or fewer'
  if (expiresOn !== undefined) {
    const problem = expiryProblem(expiresOn)
    if (problem) errors.expiresOn = problem
  }
  return errors
}

/** Why a token's expiry date (YYYY-MM-DD) will not do, or undefined. Today (London) or later, within five years. */
export function expiryProblem(date: string, now = new Date()): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined
  if (!m || !d || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3]))
    return 'Enter a real date for when the token expires, like 31 3 2027'
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(now)
  if (date < today) return 'The expiry date must be today or in the future'
  const limit = new Date(now)
  limit.setUTCFullYear(limit.getUTCFullYear() + 5)
  if (d > limit) return 'The expiry date must be within 5 years'
  return undefined
}
