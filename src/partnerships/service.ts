/**
 * Partnerships (the workspaces) and who holds which role in each.
 *
 * Partnerships know nothing of the capabilities built on them. Those register, when the services are built
 * (src/services.ts), what happens when a partnership is created (`onCreate`: e.g. assurance's default dimensions and
 * rating scale) and the panels they add to its overview page (`addOverviewPanel`).
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne, inTransaction } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { assignAuditToPartnership, recordAudit } from '../platform/audit.ts'
import type { Partnership } from '../platform/access.ts'
import { ROLES, ROLE_LABELS, type AuthService, type Role, type User } from '../platform/auth/service.ts'
import { emailProblem, randomToken, sha256 } from '../platform/auth/passwords.ts'
import type { OutboxService } from '../platform/email/outbox.ts'
import { createRecord, deleteRecord, updateRecord } from '../platform/records.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import type { OrganisationService } from '../organisations/service.ts'
import { PartnershipInput, PartnershipJson } from './schema.ts'

export { PartnershipInput, PartnershipJson }

export function partnershipJson(p: Partnership) {
  return {
    slug: p.slug,
    name: p.name,
    shortName: p.short_name,
    areaCode: p.area_code,
    published: p.published,
    kind: p.kind ?? 'partnership',
  }
}

/** Run inside the transaction that creates a partnership, after its row is written. */
export type OnCreate = (tx: Queryable, partnership: Partnership, actor: Actor) => Promise<void>

/** One box on a partnership's overview page. */
export interface OverviewPanel {
  /** Lower comes first (governance 10, agreement 20, assurance 30). */
  order: number
  /** The box's heading, its link and its lines; undefined for no box. */
  load(
    partnership: Partnership,
    opts: { includeUnpublished: boolean },
  ): Promise<{ heading: string; href: string; lines: string[] } | undefined>
  /** Links for the partnership's administrators under "Manage" (path below /partnerships/<slug>/). */
  manage?: { text: string; path: string }[]
}

/** How long an invitation link works. */
export const INVITATION_DAYS = 7

export interface Invitation {
  id: number
  partnership_id: number
  email: string
  role: Role
  expires_at: Date
  status: 'pending' | 'accepted' | 'withdrawn'
  sent_count: number
  last_sent_at: Date
  created_at: Date
  created_by: number | null
  version: number
}

export function partnershipService(
  db: Db,
  deps: { auth: AuthService; organisations: OrganisationService; outbox: OutboxService; serviceName?: string },
) {
  const onCreate: OnCreate[] = []
  const panels: OverviewPanel[] = []

  async function checkArea(q: Queryable, code: string | undefined) {
    if (code && !(await deps.organisations.hasArea(code, q))) throw new ValidationError({ areaCode: 'Select an area from the list' })
  }

  const service = {
    /** Register what happens when a partnership is created (in the same transaction). */
    onCreate(fn: OnCreate) {
      onCreate.push(fn)
    },
    /** Register a box on the partnership overview page. */
    addOverviewPanel(panel: OverviewPanel) {
      panels.push(panel)
      panels.sort((a, b) => a.order - b.order)
    },
    /** The overview page's boxes (those that have something to show), in order, and the administrators' links. */
    async overview(p: Partnership, opts: { includeUnpublished: boolean }) {
      const boxes = await Promise.all(panels.map((panel) => panel.load(p, opts)))
      return { panels: boxes.filter((b) => b !== undefined), manage: panels.flatMap((panel) => panel.manage ?? []) }
    },

    bySlug(slug: string, q: Queryable = db): Promise<Partnership | undefined> {
      return maybeOne<Partnership>(q, 'SELECT * FROM partnerships WHERE slug = $1', [slug])
    },
    byId(id: number, q: Queryable = db): Promise<Partnership | undefined> {
      return maybeOne<Partnership>(q, 'SELECT * FROM partnerships WHERE id = $1', [id])
    },
    /**
     * Lock the partnership's row until the transaction ends, so that changes to its records that must not run at
     * once (numbering a new agreement version) take turns. NotFoundError if there is no such partnership.
     */
    async lock(id: number, tx: Queryable) {
      if (!(await tx.query('SELECT id FROM partnerships WHERE id = $1 FOR UPDATE', [id])).length) throw new NotFoundError()
    },
    /** Partnerships this visitor may see: published ones, plus those the user is a member of (all, for site admins). */
    async visibleTo(user?: User): Promise<(Partnership & { role: Role | null })[]> {
      if (user?.site_admin) return db.query(`SELECT p.*, 'admin' AS role FROM partnerships p ORDER BY p.name`)
      return db.query(
        `SELECT p.*, r.role FROM partnerships p LEFT JOIN partnership_roles r ON r.partnership_id = p.id AND r.user_id = $1
         WHERE p.published OR r.role IS NOT NULL ORDER BY p.name`,
        [user?.id ?? null],
      )
    },
    /**
     * Create a partnership, and everything the capabilities registered with onCreate, in one transaction.
     * The one way to create a partnership: the web page, the demo loader and the tests all come here.
     */
    async create(input: unknown, actor: Actor, q?: Queryable): Promise<Partnership> {
      const data = validate(PartnershipInput, input)
      const run = async (tx: Queryable) => {
        if (await maybeOne(tx, 'SELECT 1 FROM partnerships WHERE slug = $1', [data.slug]))
          throw new ValidationError({ slug: `The web address name ${data.slug} is already used by another partnership` })
        await checkArea(tx, data.areaCode)
        const row = await createRecord<Partnership>(
          tx,
          'partnerships',
          {
            slug: data.slug,
            name: data.name,
            short_name: data.shortName ?? null,
            area_code: data.areaCode ?? null,
            published: data.published ?? false,
            kind: data.kind ?? 'partnership',
          },
          { actor, entity: 'partnership', summary: data.name },
        )
        // The partnership's own creation belongs in its audit log too (its id was not known before the insert).
        await assignAuditToPartnership(tx, 'partnership', row.id, row.id)
        for (const fn of onCreate) await fn(tx, row, actor)
        return row
      }
      return inTransaction(db, q, run)
    },
    async update(p: Partnership, input: unknown, actor: Actor): Promise<Partnership> {
      const data = validate(PartnershipInput, { ...(input as object), slug: p.slug })
      return db.transaction(async (tx) => {
        await checkArea(tx, data.areaCode)
        return updateRecord<Partnership>(
          tx,
          'partnerships',
          p.id,
          data.version,
          {
            name: data.name,
            short_name: data.shortName ?? null,
            area_code: data.areaCode ?? null,
            published: data.published ?? false,
            kind: data.kind ?? p.kind,
          },
          { actor, entity: 'partnership', partnershipId: p.id, summary: data.name },
        )
      })
    },
    /** Delete partnerships by web address name, with everything in them (audited). Returns how many there were. */
    async removeBySlugs(slugs: string[], actor: Actor, q?: Queryable): Promise<number> {
      return inTransaction(db, q, async (tx) => {
        const found = await tx.query<Partnership>('SELECT * FROM partnerships WHERE slug = ANY($1::text[]) ORDER BY id', [slugs])
        for (const p of found) await deleteRecord(tx, 'partnerships', p.id, undefined, { actor, entity: 'partnership', summary: p.name })
        return found.length
      })
    },

    // ---- People and roles ----

    /** The user's role in each partnership. */
    async rolesOf(userId: number): Promise<Map<number, Role>> {
      const rows = await db.query<{ partnership_id: number; role: Role }>(
        'SELECT partnership_id, role FROM partnership_roles WHERE user_id = $1',
        [userId],
      )
      return new Map(rows.map((r) => [r.partnership_id, r.role]))
    },
    async roleIn(userId: number, partnershipId: number): Promise<Role | undefined> {
      const row = await maybeOne<{ role: Role }>(db, 'SELECT role FROM partnership_roles WHERE user_id = $1 AND partnership_id = $2', [
        userId,
        partnershipId,
      ])
      return row?.role
    },
    /**
     * Give someone a role in the partnership (or change theirs). A partnership always keeps at least one
     * administrator: changing the last one's role is refused.
     */
    async grantRole(userId: number, partnershipId: number, role: Role, actor: Actor, tx?: Queryable) {
      if (!ROLES.includes(role)) throw new ValidationError({ role: 'Select a role from the list' })
      const run = async (q: Queryable) => {
        // Role changes in one partnership take turns, so two at once cannot both remove "the other" administrator.
        await service.lock(partnershipId, q)
        const before = await maybeOne<{ role: Role }>(q, 'SELECT * FROM partnership_roles WHERE user_id = $1 AND partnership_id = $2', [
          userId,
          partnershipId,
        ])
        if (before?.role === 'admin' && role !== 'admin') await keepAnAdmin(q, partnershipId, userId)
        const [after] = await q.query(
          `INSERT INTO partnership_roles (partnership_id, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (partnership_id, user_id) DO UPDATE SET role = EXCLUDED.role RETURNING *`,
          [partnershipId, userId, role],
        )
        await recordAudit(q, actor, {
          action: before ? 'update' : 'create',
          entity: 'partnership_role',
          entityId: `${partnershipId}:${userId}`,
          partnershipId,
          before,
          after,
        })
      }
      return inTransaction(db, tx, run)
    },
    /** Everyone with a role in the partnership, by name, with their organisation. */
    async people(
      partnershipId: number,
    ): Promise<{ user_id: number; name: string; email: string; organisation_name: string | null; role: Role }[]> {
      const roles = await db.query<{ user_id: number; role: Role }>(
        'SELECT user_id, role FROM partnership_roles WHERE partnership_id = $1',
        [partnershipId],
      )
      const users = await deps.auth.usersByIds(roles.map((r) => r.user_id))
      const orgs = await deps.organisations.names(
        [...users.values()].flatMap((u) => (u.organisation_id === null ? [] : [u.organisation_id])),
      )
      return roles
        .flatMap((r) => {
          const u = users.get(r.user_id)
          return u
            ? [
                {
                  user_id: u.id,
                  name: u.name,
                  email: u.email,
                  organisation_name: (u.organisation_id !== null && orgs.get(u.organisation_id)) || null,
                  role: r.role,
                },
              ]
            : []
        })
        .sort((a, b) => a.name.localeCompare(b.name, 'en-GB') || a.user_id - b.user_id)
    },
    async addPerson(p: Partnership, email: string | undefined, role: Role, actor: Actor) {
      if (!email?.trim()) throw new ValidationError({ email: 'Enter the email address of the person to add' })
      const user = await deps.auth.findUserByEmail(email.trim())
      if (!user) throw new ValidationError({ email: `There is no account for ${email.trim()}. A site administrator can create one.` })
      await service.grantRole(user.id, p.id, role, actor)
      return user
    },
    async removePerson(p: Partnership, userId: number, actor: Actor) {
      await db.transaction(async (tx) => {
        await service.lock(p.id, tx)
        const before = await maybeOne(tx, 'SELECT * FROM partnership_roles WHERE partnership_id = $1 AND user_id = $2', [p.id, userId])
        if (!before) throw new NotFoundError()
        if (before.role === 'admin') await keepAnAdmin(tx, p.id, userId)
        await tx.query('DELETE FROM partnership_roles WHERE partnership_id = $1 AND user_id = $2', [p.id, userId])
        await recordAudit(tx, actor, {
          action: 'delete',
          entity: 'partnership_role',
          entityId: `${p.id}:${userId}`,
          partnershipId: p.id,
          before,
        })
      })
    },

    // ---- Invitations ----

    /**
     * Invite someone by email to join the partnership with a role. They get a link that works for 7 days, once
     * (platform/auth/email/invitation). Accepting creates their account, or gives an existing account the role.
     */
    async invite(p: Partnership, input: { email?: unknown; role?: unknown }, actor: Actor): Promise<Invitation> {
      const email = String(input.email ?? '').trim()
      const role = String(input.role ?? '') as Role
      const errors: Record<string, string> = {}
      const problem = emailProblem(email)
      if (problem) errors.email = problem === 'Enter an email address' ? 'Enter the email address of the person to invite' : problem
      if (!ROLES.includes(role)) errors.role = 'Select the role they will have'
      if (Object.keys(errors).length) throw new ValidationError(errors)
      return db.transaction(async (tx) => {
        const existing = await deps.auth.findUserByEmail(email, tx)
        if (
          existing &&
          (await maybeOne(tx, 'SELECT 1 FROM partnership_roles WHERE partnership_id = $1 AND user_id = $2', [p.id, existing.id]))
        )
          throw new ValidationError({
            email: `${existing.name} (${existing.email}) is already in this partnership. Change their role in the list of people.`,
          })
        if (
          await maybeOne(tx, `SELECT 1 FROM invitations WHERE partnership_id = $1 AND lower(email) = lower($2) AND status = 'pending'`, [
            p.id,
            email,
          ])
        )
          throw new ValidationError({ email: `${email} has already been invited. Resend the invitation from the list of invitations.` })
        const token = randomToken()
        const invitation = await createRecord<Invitation>(
          tx,
          'invitations',
          {
            partnership_id: p.id,
            email: email.toLowerCase(),
            role,
            token_hash: sha256(token),
            expires_at: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
          },
          { actor, partnershipId: p.id, entity: 'invitation', summary: `Invited ${email} as ${ROLE_LABELS[role].toLowerCase()}` },
        )
        await sendInvitation(tx, p, invitation, token, actor, !!existing)
        return invitation
      })
    },

    /** Invitations not yet accepted or withdrawn (expired ones too, which can be resent), newest first. */
    async invitations(partnershipId: number): Promise<(Invitation & { expired: boolean })[]> {
      return db.query(
        `SELECT id, partnership_id, email, role, expires_at, status, sent_count, last_sent_at, created_at, created_by, version,
                expires_at <= now() AS expired
         FROM invitations WHERE partnership_id = $1 AND status = 'pending' ORDER BY created_at DESC, id DESC`,
        [partnershipId],
      )
    },

    /** Send the invitation again with a new link (the old link stops working), valid for another 7 days. */
    async resendInvitation(p: Partnership, id: number, actor: Actor): Promise<Invitation> {
      return db.transaction(async (tx) => {
        const before = await pendingInvitation(tx, p.id, id)
        const token = randomToken()
        const invitation = await updateRecord<Invitation>(
          tx,
          'invitations',
          id,
          undefined,
          {
            token_hash: sha256(token),
            expires_at: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
            sent_count: before.sent_count + 1,
            last_sent_at: new Date(),
          },
          { actor, partnershipId: p.id, entity: 'invitation', summary: `Invitation to ${before.email} sent again` },
        )
        await sendInvitation(tx, p, invitation, token, actor, !!(await deps.auth.findUserByEmail(before.email, tx)))
        return invitation
      })
    },

    /** Withdraw an invitation: its link stops working. */
    async withdrawInvitation(p: Partnership, id: number, actor: Actor): Promise<Invitation> {
      return db.transaction(async (tx) => {
        const before = await pendingInvitation(tx, p.id, id)
        return updateRecord<Invitation>(
          tx,
          'invitations',
          id,
          undefined,
          { status: 'withdrawn' },
          {
            actor,
            partnershipId: p.id,
            entity: 'invitation',
            summary: `Invitation to ${before.email} withdrawn`,
          },
        )
      })
    },

    /** The invitation a link is for, while it is pending and unexpired, with its partnership and whether the email has an account. */
    async invitationByToken(token: string) {
      const invitation = await invitationWithToken(db, token)
      if (!invitation) return undefined
      const partnership = (await service.byId(invitation.partnership_id))!
      const account = await deps.auth.findUserByEmail(invitation.email)
      return { invitation, partnership, account }
    },

    /**
     * Accept an invitation: create the account (name and password) or, when the email address has one, check its
     * password; then give it the role. The link is used up. Returns the account, to sign in.
     */
    async acceptInvitation(token: string, input: { name?: string; password?: string }): Promise<{ user: User; partnership: Partnership }> {
      return db.transaction(async (tx) => {
        const invitation = await invitationWithToken(tx, token, { lock: true })
        if (!invitation) throw new NotFoundError('This invitation has expired, was withdrawn or has already been used')
        const partnership = (await service.byId(invitation.partnership_id, tx))!
        const password = input.password ?? ''
        let user = await deps.auth.findUserByEmail(invitation.email, tx)
        if (user) {
          if (!password) throw new ValidationError({ password: 'Enter your password' })
          if (!(await deps.auth.authenticate(invitation.email, password, tx)))
            throw new ValidationError({
              password: user.disabled
                ? 'This account is disabled. Ask a site administrator to enable it.'
                : 'The password is not right. If you have forgotten it, reset your password first, then use this link again.',
            })
        } else {
          const name = (input.name ?? '').trim()
          const errors: Record<string, string> = {}
          if (!name) errors.name = 'Enter your full name'
          else if (name.length > 200) errors.name = 'Full name must be 200 characters or fewer'
          if (!password) errors.password = 'Enter a password'
          if (Object.keys(errors).length) throw new ValidationError(errors)
          user = await deps.auth.createUser(
            { email: invitation.email, name, password },
            { id: null, name: `${name} (accepting an invitation to ${partnership.name})` },
            tx,
          )
        }
        const actor = { id: user.id, name: user.name }
        await service.grantRole(user.id, partnership.id, invitation.role, actor, tx)
        await updateRecord(
          tx,
          'invitations',
          invitation.id,
          undefined,
          { status: 'accepted', accepted_at: new Date(), accepted_by: user.id },
          {
            actor,
            partnershipId: partnership.id,
            entity: 'invitation',
            summary: `Invitation to ${invitation.email} accepted`,
          },
        )
        return { user, partnership }
      })
    },
  }

  /** A partnership keeps at least one administrator: refuse a change that would leave it none (the caller holds the lock). */
  async function keepAnAdmin(q: Queryable, partnershipId: number, leavingUserId: number) {
    const others = await q.query<{ user_id: number }>(
      `SELECT user_id FROM partnership_roles WHERE partnership_id = $1 AND role = 'admin' AND user_id <> $2`,
      [partnershipId, leavingUserId],
    )
    // An administrator whose account is disabled cannot sign in, so does not count.
    const accounts = await deps.auth.usersByIds(
      others.map((o) => o.user_id),
      q,
    )
    if (![...accounts.values()].some((u) => !u.disabled))
      throw new ValidationError({
        role: 'A partnership must keep at least one administrator. Make someone else an administrator first.',
      })
  }

  /** The invitation a link's token is for, while it is pending and unexpired (locked, for accepting it). */
  function invitationWithToken(q: Queryable, token: string, opts: { lock?: boolean } = {}) {
    return maybeOne<Invitation>(
      q,
      `SELECT * FROM invitations WHERE token_hash = $1 AND status = 'pending' AND expires_at > now()${opts.lock ? ' FOR UPDATE' : ''}`,
      [sha256(token)],
    )
  }

  async function pendingInvitation(tx: Queryable, partnershipId: number, id: number) {
    const row = await maybeOne<Invitation>(
      tx,
      `SELECT * FROM invitations WHERE id = $1 AND partnership_id = $2 AND status = 'pending' FOR UPDATE`,
      [id, partnershipId],
    )
    if (!row) throw new NotFoundError('There is no such invitation waiting')
    return row
  }

  async function sendInvitation(tx: Queryable, p: Partnership, invitation: Invitation, token: string, actor: Actor, hasAccount: boolean) {
    await deps.outbox.queue(tx, {
      to: invitation.email,
      template: 'platform/auth/invitation',
      data: {
        partnership: p.name,
        inviter: actor.name,
        role: ROLE_LABELS[invitation.role].toLowerCase(),
        link: `${deps.auth.baseUrl}/invitations/${token}`,
        days: INVITATION_DAYS,
        hasAccount,
      },
      reason: `You are getting this because ${actor.name}, an administrator of ${p.name} on ${deps.serviceName ?? 'Safer'}, invited ${invitation.email} to join it. If you were not expecting it, ignore this email.`,
      partnershipId: p.id,
      actor,
    })
  }
  return service
}
export type PartnershipService = ReturnType<typeof partnershipService>
