/**
 * The outbox: every email Safer sends. A capability writes a message in the same transaction as the change that causes
 * it, so that the message exists if and only if the change is committed:
 *
 *   await db.transaction(async (tx) => {
 *     const action = await createRecord(tx, ...)
 *     await outbox.queue(tx, { to: { email: lead.email, name: lead.name }, template: 'actions/assigned', data: { action },
 *       reason: `You are getting this because you are the lead for ${action.title} in ${p.name}'s action plan.`,
 *       partnershipId: p.id, actor: request.actor })
 *   })
 *
 * The message is rendered there and then (subject, plain text, HTML; see render.ts) and stored, so what a site
 * administrator reads in the outbox is what is sent. The same transaction queues an 'email:send' job, which the web
 * server's worker runs within seconds: it claims due messages one at a time (FOR UPDATE SKIP LOCKED, so several app
 * servers never send one twice) and hands each to the mail server in SMTP_URL through nodemailer.
 *
 * A refusal for now (4xx, or the server cannot be reached) is tried again after 1, 5, 30 minutes and 2 hours, then the
 * message fails; a permanent refusal (5xx) fails it at once. A failed message keeps the server's answer and can be sent
 * again from Administration > Outbox. Without SMTP_URL every message is held there, readable, and nothing is sent.
 */
import { withoutControlCharacters } from '../format.ts'
import crypto from 'node:crypto'
import type { Transporter } from 'nodemailer'
import type { Db, Queryable } from '../db/index.ts'
import { maybeOne } from '../db/index.ts'
import type { Actor } from '../audit.ts'
import { recordAudit } from '../audit.ts'
import { NotFoundError, ValidationError } from '../errors.ts'
import type { JobContext, JobKind, JobService } from '../jobs.ts'
import { mailboxAddress } from '../../config.ts'
import { renderEmail, type RenderedEmail } from './render.ts'

export const OUTBOX_STATUSES = ['held', 'queued', 'sending', 'sent', 'failed'] as const
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number]

/** The job kind that sends due messages. */
export const SEND_EMAIL = 'email:send'

export interface OutboxMessage {
  id: number
  status: OutboxStatus
  to_address: string
  to_name: string | null
  from_address: string
  subject: string
  text_body: string
  html_body: string
  reason: string
  template: string
  data: Record<string, unknown>
  message_id: string
  partnership_id: number | null
  attempts: number
  next_attempt_at: Date | null
  last_answer: string | null
  created_by: number | null
  created_by_name: string
  created_at: Date
  updated_at: Date
  sent_at: Date | null
}

/** What a capability passes to `queue`. */
export interface NewEmail {
  /** The person: an address, or their address and name. */
  to: string | { email: string; name?: string | null }
  /** '<capability>/<name>': src/<capability>/email/<name>.subject.njk, .txt.njk and .html.njk. */
  template: string
  /** What the template prints. */
  data?: Record<string, unknown>
  /** Why this person gets it, as a sentence for the footer: "You are getting this because you are ...". Required. */
  reason: string
  partnershipId?: number | null
  /** Who or what caused it (request.actor, or systemActor for a schedule). */
  actor: Actor
}

export interface EmailBrand {
  serviceName: string
  organisationName: string
  organisationSet: boolean
  headerBackground: string
  headerText: string
}

export interface OutboxOptions {
  jobs: JobService
  smtpUrl?: string
  mailFrom?: string
  serviceName: string
  /** The installation's current name, council or partnership and header colours (src/site), for each message's layout. */
  brand?: () => EmailBrand
  clock?: () => Date
  /** Minutes to wait after failed attempt 1, 2, ...; the message fails after one more attempt than there are waits. */
  retryMinutes?: number[]
  /** How long one sender may hold a message it claimed before another may take it (its process died). */
  leaseMs?: number
}

/** Waits after attempts 1 to 4: 1 minute, 5, 30, 2 hours; the fifth failed attempt fails the message. */
export const RETRY_MINUTES = [1, 5, 30, 120]

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/

export function outboxService(db: Db, opts: OutboxOptions) {
  const clock = opts.clock ?? (() => new Date())
  const retryMinutes = opts.retryMinutes ?? RETRY_MINUTES
  const maxAttempts = retryMinutes.length + 1
  const leaseMs = opts.leaseMs ?? 15 * 60_000
  const configured = !!opts.smtpUrl
  // Held messages (no mail server) still show who they would come from.
  const from = opts.mailFrom ?? `"${opts.serviceName.replace(/["\\]/g, '')}" <no-reply@localhost>`
  const fromDomain = (mailboxAddress(from) ?? 'no-reply@localhost').split('@')[1]
  // One 'email:send' job per transaction is enough: it sends every message that is due when it runs.
  const jobQueuedIn = new WeakSet<Queryable>()

  async function ensureJob(runAfter: Date, tx?: Queryable, actor?: Actor) {
    if (!configured) return
    if (tx && tx !== db) {
      if (jobQueuedIn.has(tx)) return
      jobQueuedIn.add(tx)
      await opts.jobs.enqueue(SEND_EMAIL, {}, { source: 'web', runAfter, actor }, tx)
      return
    }
    // Every run of the job ends by making sure of a run for the next message due, so a queued run at or before that
    // moment is enough (it will do the same when it ends).
    const queued = await opts.jobs.list({ kind: SEND_EMAIL, status: 'queued', limit: 1000 })
    if (queued.some((j) => new Date(j.run_after).getTime() <= runAfter.getTime())) return
    await opts.jobs.enqueue(SEND_EMAIL, {}, { source: 'schedule', runAfter })
  }

  /** A run for the earliest message still waiting (queued, or claimed by a sender whose lease has run out). */
  async function ensureNext() {
    const next = await maybeOne<{ at: Date }>(db, `SELECT min(next_attempt_at) AS at FROM outbox WHERE status IN ('queued', 'sending')`)
    if (next?.at) await ensureJob(new Date(next.at))
  }

  /** Claim one due message for this sender, or nothing. */
  function claim(): Promise<OutboxMessage | undefined> {
    const now = clock()
    return maybeOne<OutboxMessage>(
      db,
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = $2, updated_at = now()
       WHERE id = (SELECT id FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1
                   ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, new Date(now.getTime() + leaseMs)],
    )
  }

  async function transport(): Promise<Transporter> {
    // Loaded when there is something to send: it takes about 0.2 s, which a server without email need not spend at start.
    const { default: nodemailer } = await import('nodemailer')
    // One connection for a whole run (a batch of reminders is not a connection and TLS handshake per message); a
    // stalled server is given up on well within the claim's lease, so no other sender takes the message meanwhile.
    return nodemailer.createTransport({
      url: opts.smtpUrl,
      pool: true,
      maxConnections: 1,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    } as any)
  }

  type Outcome = 'sent' | 'retrying' | 'failed'
  async function deliver(mailer: Transporter, m: OutboxMessage): Promise<Outcome> {
    const mine = `id = $1 AND status = 'sending' AND attempts = $2`
    try {
      const info = await mailer.sendMail({
        from: m.from_address,
        to: m.to_name ? { name: m.to_name, address: m.to_address } : m.to_address,
        subject: m.subject,
        text: m.text_body,
        html: m.html_body,
        messageId: m.message_id,
        headers: { 'Auto-Submitted': 'auto-generated' },
      })
      await db.query(
        `UPDATE outbox SET status = 'sent', sent_at = $3, next_attempt_at = NULL, last_answer = $4, updated_at = now() WHERE ${mine}`,
        [m.id, m.attempts, clock(), info.response ?? 'Accepted'],
      )
      return 'sent'
    } catch (err) {
      const { answer, permanent } = serverAnswer(err)
      if (permanent || m.attempts >= maxAttempts) {
        await db.query(`UPDATE outbox SET status = 'failed', next_attempt_at = NULL, last_answer = $3, updated_at = now() WHERE ${mine}`, [
          m.id,
          m.attempts,
          answer,
        ])
        return 'failed'
      }
      const wait = retryMinutes[Math.min(m.attempts, retryMinutes.length) - 1] * 60_000
      await db.query(`UPDATE outbox SET status = 'queued', next_attempt_at = $3, last_answer = $4, updated_at = now() WHERE ${mine}`, [
        m.id,
        m.attempts,
        new Date(clock().getTime() + wait),
        answer,
      ])
      return 'retrying'
    }
  }

  /** The job: send every due message, one at a time, then make sure a run is queued for the next one due. */
  async function sendDue(ctx?: JobContext<unknown>) {
    const counts = { sent: 0, retrying: 0, failed: 0 }
    if (!configured) return { ...counts, message: 'No mail server is configured (SMTP_URL): nothing was sent.' }
    const mailer = await transport()
    try {
      for (let m = await claim(); m; m = await claim()) {
        counts[await deliver(mailer, m)]++
        ctx?.progress({
          done: counts.sent + counts.retrying + counts.failed,
          unit: 'messages',
          message: `${counts.sent} sent, ${counts.retrying} to try again, ${counts.failed} failed`,
        })
      }
    } finally {
      mailer.close()
      await ensureNext()
    }
    return counts
  }

  const service = {
    /** Whether a mail server is configured; without one, messages are held in the outbox. */
    configured,
    /** The mail server, as it may be shown (no user name or password), e.g. "smtp://mail.example.org:587". */
    mailServer: opts.smtpUrl ? describeServer(opts.smtpUrl) : undefined,
    from,

    /** The 'email:send' job kind; services.ts defines it (`jobs.define(outbox.job)`). */
    job: {
      kind: SEND_EMAIL,
      title: () => 'Send email',
      run: (ctx) => sendDue(ctx),
    } satisfies JobKind<unknown, unknown>,

    /** Render a template without storing anything (for a preview, or a test of a template). */
    render(template: string, data: Record<string, unknown>, reason: string): RenderedEmail {
      const b = opts.brand?.()
      return renderEmail(template, data, {
        reason,
        serviceName: b?.serviceName ?? opts.serviceName,
        organisationName: b?.organisationSet ? b.organisationName : undefined,
        headerBackground: b?.headerBackground,
        headerText: b?.headerText,
      })
    },

    /**
     * Write a message in the caller's transaction (`tx`): it is sent only if that transaction commits. Renders it now,
     * so a mistake in the template or its data fails the change, not a background job. Returns the stored message.
     */
    async queue(tx: Queryable, email: NewEmail): Promise<OutboxMessage> {
      const to = typeof email.to === 'string' ? { email: email.to, name: null } : { email: email.to.email, name: email.to.name ?? null }
      const address = String(to.email ?? '').trim()
      if (!ADDRESS.test(address))
        throw new ValidationError({ to: `Enter an email address in the correct format, like name@example.org (found "${address}")` })
      const reason = String(email.reason ?? '').trim()
      if (!reason)
        throw new Error(
          `An email needs a reason, the sentence in its footer that says why the person gets it (template "${email.template}")`,
        )
      const body = service.render(email.template, email.data ?? {}, reason)
      const now = clock()
      const [row] = await tx.query<OutboxMessage>(
        `INSERT INTO outbox (status, to_address, to_name, from_address, subject, text_body, html_body, reason, template, data, message_id,
           partnership_id, next_attempt_at, last_answer, created_by, created_by_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16) RETURNING *`,
        [
          configured ? 'queued' : 'held',
          address,
          (to.name ? withoutControlCharacters(to.name, ' ').trim() : '') || null,
          from,
          body.subject,
          body.text,
          body.html,
          reason,
          email.template,
          JSON.stringify(email.data ?? {}),
          `<${crypto.randomUUID()}@${fromDomain}>`,
          email.partnershipId ?? null,
          configured ? now : null,
          null,
          email.actor.id,
          email.actor.name,
        ],
      )
      await ensureJob(now, tx, email.actor)
      return row
    },

    async get(id: number | string): Promise<OutboxMessage> {
      if (!/^\d+$/.test(String(id))) throw new NotFoundError()
      const row = await maybeOne<OutboxMessage>(db, `SELECT * FROM outbox WHERE id = $1`, [id])
      if (!row) throw new NotFoundError()
      return row
    },

    /** Messages, newest first; by status. */
    list(filter: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxMessage[]> {
      return db.query(`SELECT * FROM outbox WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC, id DESC LIMIT $2`, [
        filter.status ?? null,
        filter.limit ?? 200,
      ])
    },

    /** How many messages are in each status. */
    async counts(): Promise<Record<OutboxStatus, number>> {
      const rows = await db.query<{ status: OutboxStatus; n: number }>(`SELECT status, count(*)::int AS n FROM outbox GROUP BY status`)
      return Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, rows.find((r) => r.status === s)?.n ?? 0])) as Record<OutboxStatus, number>
    },

    /** Whether "Send again" applies: a failed message, or a held one once a mail server is configured. */
    canSendAgain(m: OutboxMessage) {
      return configured && (m.status === 'failed' || m.status === 'held')
    },

    /** Queue a failed (or held) message again, with a fresh set of attempts. Audited. */
    async sendAgain(id: number | string, actor: Actor): Promise<OutboxMessage> {
      const m = await service.get(id)
      if (!service.canSendAgain(m)) {
        throw new ValidationError({
          message: configured
            ? `Only a message that failed can be sent again; this one is ${m.status}.`
            : 'No mail server is configured (SMTP_URL), so nothing can be sent. Set SMTP_URL and MAIL_FROM, then restart Safer.',
        })
      }
      return db.transaction(async (tx) => {
        const [row] = await tx.query<OutboxMessage>(
          `UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $2, updated_at = now() WHERE id = $1 AND status = $3 RETURNING *`,
          [m.id, clock(), m.status],
        )
        if (!row)
          throw new ValidationError({ message: 'This message changed while you were looking at it. Reload the page and try again.' })
        await recordAudit(tx, actor, {
          action: 'update',
          entity: 'email',
          entityId: m.id,
          partnershipId: m.partnership_id,
          summary: `Email "${m.subject}" to ${m.to_address} sent again`,
          before: { status: m.status, attempts: m.attempts },
          after: { status: 'queued', attempts: 0 },
        })
        await ensureJob(clock(), tx, actor)
        return row
      })
    },

    /** Queue the test message to an address (a site administrator's check that email works). Audited. */
    async sendTest(address: string, actor: Actor): Promise<OutboxMessage> {
      return db.transaction(async (tx) => {
        const m = await service.queue(tx, {
          to: { email: address, name: actor.name },
          template: 'platform/test-message',
          actor,
          data: {
            name: actor.name,
            requestedAt: clock().toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/London' }),
          },
          reason: `You are getting this because ${actor.name} asked ${opts.serviceName} to send a test message to ${address} from its Outbox page.`,
        })
        await recordAudit(tx, actor, { action: 'create', entity: 'email', entityId: m.id, summary: `Test email to ${address}` })
        return m
      })
    },

    /** At start-up: a run for messages left waiting (the process stopped while they were queued or being sent). */
    async resume() {
      if (configured) await ensureNext()
    },

    /** Send every due message now, in this process (what the job does; for commands and tests). */
    sendDue: () => sendDue(),
  }
  return service
}
export type OutboxService = ReturnType<typeof outboxService>

/** The server's answer to keep with the message, and whether trying again could help. */
export function serverAnswer(err: unknown): { answer: string; permanent: boolean } {
  const e = err as { responseCode?: number; response?: string; message?: string; code?: string }
  const code = typeof e?.responseCode === 'number' ? e.responseCode : undefined
  if (code !== undefined && e.response) {
    // RFC 5321: 5yz is a permanent refusal, 4yz a temporary one. 503 (commands out of order) is the session, not the message.
    return { answer: e.response.trim(), permanent: code >= 500 && code < 600 && code !== 503 }
  }
  const reach =
    (!!e?.code && ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'].includes(e.code)) ||
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timed? ?out/i.test(e?.message ?? '')
  return { answer: reach ? `Could not reach the mail server: ${e?.message}` : String(e?.message ?? err), permanent: false }
}

/** smtp://user:secret@host:587 -> smtp://host:587 */
export function describeServer(smtpUrl: string) {
  const u = new URL(smtpUrl)
  return `${u.protocol}//${u.host}`
}
