/**
 * Quarterly returns (issue 11): a partnership admin opens a return for a quarter ("Q2 2020/21") of the latest plan
 * with a deadline. It asks each lead of an open action (grouped by email address) for status, progress and a short
 * narrative per action; they save and come back, then submit. Leads with an account answer after signing in; others
 * through a link with a single-purpose token (its SHA-256 hash stored; it expires 7 days after the deadline).
 * Email goes through the outbox in the transaction of the change. Closing freezes the return and writes the submitted
 * answers to the items' timelines (plan_item_updates kind 'return'). A scheduled job reminds leads who have not
 * submitted a set number of days before the deadline.
 */
import crypto from 'node:crypto'
import type { Db, Queryable } from '../platform/db/index.ts'
import { inTransaction, maybeOne } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import { systemActor } from '../platform/audit.ts'
import { createRecord, updateRecord } from '../platform/records.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { validate } from '../platform/validation.ts'
import type { OutboxService } from '../platform/email/outbox.ts'
import type { JobService } from '../platform/jobs.ts'
import type { AuthService } from '../platform/auth/service.ts'
import { ReturnInput, AnswerInput } from './schema.ts'
import { DEFAULT_PROGRESS, STATUS_LABELS, type Status } from './rollup.ts'
import { OPEN, type PlanService, type PlanItemRow } from './service.ts'

export const REMINDER_JOB = 'plans:return-reminders'
/** How long after the deadline an answer link still works (late answers are common; the return may still be open). */
export const TOKEN_GRACE_DAYS = 7

export interface ReturnRow {
  id: number
  partnership_id: number
  agreement_version_id: number
  quarter: string
  deadline: string
  reminder_days: number
  status: 'open' | 'closed'
  closed_at: Date | null
  version: number
  created_at: Date
}

export interface ReturnLeadRow {
  id: number
  return_id: number
  lead_email: string
  lead_name: string | null
  lead_user_id: number | null
  token_hash: string | null
  token_expires_at: Date | null
  submitted_at: Date | null
  reminded_at: Date | null
  reminders: number
  auto_reminded_at: Date | null
}

export interface ReturnItemRow {
  id: number
  return_id: number
  return_lead_id: number
  plan_item_id: number
  status: Status | null
  progress: number | null
  narrative: string | null
  finished: boolean
  answered_at: Date | null
}

/** An action as its lead sees it in the return: the item, and their answer so far. */
export interface ReturnAction extends ReturnItemRow {
  title: string
  itemStatus: Status
  itemProgress: number
  due_date: string | null
  /** The GOV.UK task list status: no answer yet, saved but not finished, finished (or submitted). */
  task: 'not-started' | 'in-progress' | 'completed'
}

export interface LeadView {
  ret: ReturnRow
  lead: ReturnLeadRow
  actions: ReturnAction[]
}

/** Who is answering: a signed-in account, or the holder of an answer link. */
export type Answerer = { userId: number } | { token: string }

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex')
const today = (clock: () => Date) => clock().toISOString().slice(0, 10)
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000)

export function returnService(
  db: Db,
  deps: {
    plans: PlanService
    auth: AuthService
    outbox: OutboxService
    jobs: JobService
    partnerships: { byId(id: number, q?: Queryable): Promise<{ name: string; slug: string } | undefined> }
    clock?: () => Date
  },
) {
  const clock = deps.clock ?? (() => new Date())
  const inTx = <T>(tx: Queryable | undefined, fn: (q: Queryable) => Promise<T>) => inTransaction(db, tx, fn)

  async function returnRow(partnershipId: number | null, id: number, q: Queryable = db, lock = false) {
    const r = await maybeOne<ReturnRow>(
      q,
      `SELECT id, partnership_id, agreement_version_id, quarter, to_char(deadline, 'YYYY-MM-DD') AS deadline, reminder_days, status,
              closed_at, version, created_at
       FROM plan_returns WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    )
    if (!r || (partnershipId !== null && r.partnership_id !== partnershipId)) throw new NotFoundError()
    return r
  }

  const frozen = (r: ReturnRow) =>
    new ForbiddenError(`The ${r.quarter} return was closed: it can no longer be changed. Give the update in the next return.`)

  async function actionsOf(leadId: number, q: Queryable): Promise<ReturnAction[]> {
    const rows = await q.query<ReturnItemRow & { title: string; item_status: Status; item_progress: number; due_date: string | null }>(
      `SELECT ri.*, i.title, i.status AS item_status, i.progress AS item_progress, to_char(i.due_date, 'YYYY-MM-DD') AS due_date
       FROM plan_return_items ri JOIN plan_items i ON i.id = ri.plan_item_id
       WHERE ri.return_lead_id = $1 ORDER BY i.priority_id, i.position, i.id`,
      [leadId],
    )
    return rows.map(({ item_status, item_progress, ...r }) => ({
      ...r,
      itemStatus: item_status,
      itemProgress: item_progress,
      task: r.finished ? 'completed' : r.answered_at ? 'in-progress' : 'not-started',
    }))
  }

  /** The lead row an answerer may use, or a refusal: an unknown, expired or used link; an account not asked. */
  async function leadFor(
    returnId: number | null,
    who: Answerer,
    q: Queryable,
    lock = false,
  ): Promise<{ ret: ReturnRow; lead: ReturnLeadRow }> {
    let lead: ReturnLeadRow | undefined
    if ('token' in who) {
      lead = await maybeOne<ReturnLeadRow>(q, `SELECT * FROM plan_return_leads WHERE token_hash = $1 ${lock ? 'FOR UPDATE' : ''}`, [
        hashToken(who.token),
      ])
      if (!lead || (returnId !== null && lead.return_id !== returnId))
        throw new ForbiddenError(
          'This answer link is not valid. Use the link in your most recent email, or ask the partnership for a new one.',
        )
      if (lead.token_expires_at && new Date(lead.token_expires_at) < clock())
        throw new ForbiddenError('This answer link has expired. Ask the partnership for a new one if the return is still open.')
      if (lead.submitted_at)
        throw new ForbiddenError(
          'These answers have already been submitted, so this link can no longer be used. Ask the partnership if something needs correcting.',
        )
    } else {
      if (returnId === null) throw new NotFoundError()
      lead = await maybeOne<ReturnLeadRow>(
        q,
        `SELECT * FROM plan_return_leads WHERE return_id = $1 AND lead_user_id = $2 ${lock ? 'FOR UPDATE' : ''}`,
        [returnId, who.userId],
      )
      if (!lead) {
        await returnRow(null, returnId, q) // a return that does not exist: 404, not 403
        throw new ForbiddenError('You are not the lead of any action in this return.')
      }
    }
    const ret = await returnRow(null, lead.return_id, q)
    return { ret, lead }
  }

  /** A link holder has no account: the audit trail names them as the lead the link was sent to. */
  const actorFor = (who: Answerer, lead: ReturnLeadRow, actor: Actor): Actor =>
    'token' in who ? { id: null, name: `${lead.lead_name ?? lead.lead_email} (through their answer link)` } : actor

  function answerHref(lead: ReturnLeadRow, token: string | undefined) {
    return token ? `${deps.auth.baseUrl}/returns/answer/${token}` : `${deps.auth.baseUrl}/returns/${lead.return_id}`
  }

  /** A new token for a lead without an account (a reminder gets a new link too: the old one is replaced). */
  async function newToken(q: Queryable, ret: ReturnRow, lead: ReturnLeadRow) {
    if (lead.lead_user_id) return undefined
    const token = crypto.randomBytes(32).toString('base64url')
    await q.query('UPDATE plan_return_leads SET token_hash = $2, token_expires_at = $3 WHERE id = $1', [
      lead.id,
      hashToken(token),
      addDays(ret.deadline, TOKEN_GRACE_DAYS + 1),
    ])
    return token
  }

  async function email(
    q: Queryable,
    kind: 'return-opened' | 'return-reminder' | 'return-closed',
    ret: ReturnRow,
    lead: ReturnLeadRow,
    partnershipName: string,
    actor: Actor,
  ) {
    const token = kind === 'return-closed' ? undefined : await newToken(q, ret, lead)
    const actions = await actionsOf(lead.id, q)
    await deps.outbox.queue(q, {
      to: { email: lead.lead_email, name: lead.lead_name },
      template: `plans/${kind}`,
      data: {
        partnership: partnershipName,
        quarter: ret.quarter,
        deadline: ret.deadline,
        name: lead.lead_name ?? '',
        href: answerHref(lead, token),
        actions: actions.map((a) => a.title),
        withAccount: !!lead.lead_user_id,
      },
      reason: `You are getting this because you are the lead for ${actions.length === 1 ? 'an action' : `${actions.length} actions`} in ${partnershipName}'s action plan.`,
      partnershipId: ret.partnership_id,
      actor,
    })
  }

  const partnershipName = async (id: number, q: Queryable = db) => (await deps.partnerships.byId(id, q))?.name ?? 'The partnership'

  const service = {
    /** The returns of a partnership, newest first, with how many leads have submitted. */
    async list(partnershipId: number) {
      return db.query<ReturnRow & { leads: number; submitted: number }>(
        `SELECT r.id, r.partnership_id, r.agreement_version_id, r.quarter, to_char(r.deadline, 'YYYY-MM-DD') AS deadline, r.reminder_days,
                r.status, r.closed_at, r.version, r.created_at,
                (SELECT count(*)::int FROM plan_return_leads l WHERE l.return_id = r.id) AS leads,
                (SELECT count(*)::int FROM plan_return_leads l WHERE l.return_id = r.id AND l.submitted_at IS NOT NULL) AS submitted
         FROM plan_returns r WHERE r.partnership_id = $1 ORDER BY r.created_at DESC, r.id DESC`,
        [partnershipId],
      )
    },

    get: (partnershipId: number, id: number) => returnRow(partnershipId, id),

    /**
     * Open a return for a quarter of the partnership's latest plan: every open action with a lead's email address is
     * asked, each lead gets one email (with an answer link when they have no account). Refused: a deadline in the past,
     * a second open return for the quarter, a plan without open actions that have leads.
     */
    async open(partnershipId: number, partnershipName: string, input: unknown, actor: Actor, tx?: Queryable) {
      const data = validate(ReturnInput, input)
      const quarter = data.quarter.trim().replace(/\s+/g, ' ')
      if (data.deadline < today(clock)) throw new ValidationError({ deadline: 'The deadline must be today or in the future' })
      return inTx(tx, async (q) => {
        const plan = await deps.plans.plan(partnershipId, undefined, q)
        if (!plan) throw new ValidationError({ form: 'This partnership has no agreement version yet, so it has no plan to ask about' })
        const same = await maybeOne(
          q,
          `SELECT id FROM plan_returns WHERE partnership_id = $1 AND lower(quarter) = lower($2) AND status = 'open'`,
          [partnershipId, quarter],
        )
        if (same) throw new ValidationError({ quarter: `There is already an open return for ${quarter}: close it before opening another` })
        const actions = plan.items.filter((i) => i.kind === 'action' && OPEN.includes(i.status) && i.lead_email)
        if (!actions.length)
          throw new ValidationError({
            form: `The plan of version ${plan.version.number} has no open actions with a lead's email address to ask`,
          })
        const ret = await createRecord<ReturnRow>(
          q,
          'plan_returns',
          {
            partnership_id: partnershipId,
            agreement_version_id: plan.version.id,
            quarter,
            deadline: data.deadline,
            reminder_days: data.reminderDays ?? 7,
          },
          { actor, partnershipId, entity: 'plan_return', summary: `${quarter} return opened` },
        ).catch((err) => {
          // Two admins opening the same quarter at once: the second is refused by the unique index, with the same
          // message the check above gives (not a server error).
          if ((err as { code?: string })?.code === '23505')
            throw new ValidationError({ quarter: `There is already an open return for ${quarter}: close it before opening another` })
          throw err
        })
        const row = await returnRow(partnershipId, ret.id, q)
        const byEmail = new Map<string, PlanItemRow[]>()
        for (const a of actions) byEmail.set(a.lead_email!.toLowerCase(), [...(byEmail.get(a.lead_email!.toLowerCase()) ?? []), a])
        for (const [addr, items] of byEmail) {
          const userId = items.find((i) => i.lead_user_id)?.lead_user_id ?? (await deps.auth.findUserByEmail(addr, q))?.id ?? null
          const lead = await createRecord<ReturnLeadRow>(
            q,
            'plan_return_leads',
            { return_id: ret.id, lead_email: addr, lead_name: items.find((i) => i.lead_name)?.lead_name ?? null, lead_user_id: userId },
            { actor, partnershipId, entity: 'plan_return_lead' },
          )
          for (const i of items)
            await q.query(
              'INSERT INTO plan_return_items (return_id, return_lead_id, plan_item_id, created_by, updated_by) VALUES ($1, $2, $3, $4, $4)',
              [ret.id, lead.id, i.id, actor.id],
            )
          await email(q, 'return-opened', row, lead, partnershipName, actor)
        }
        return { ret: row, leads: byEmail.size, actions: actions.length }
      })
    },

    /** The admin's status page: every lead, their actions answered, submitted or not, reminders sent. */
    async status(partnershipId: number, id: number) {
      const ret = await returnRow(partnershipId, id)
      const leads = await db.query<ReturnLeadRow & { actions: number; answered: number; finished: number }>(
        `SELECT l.*, count(ri.id)::int AS actions, count(ri.answered_at)::int AS answered, count(*) FILTER (WHERE ri.finished)::int AS finished
         FROM plan_return_leads l LEFT JOIN plan_return_items ri ON ri.return_lead_id = l.id
         WHERE l.return_id = $1 GROUP BY l.id ORDER BY l.submitted_at IS NOT NULL, lower(coalesce(l.lead_name, l.lead_email))`,
        [id],
      )
      return { ret, leads }
    },

    /**
     * The actions a return asks about, each with its lead and, once the lead has submitted, their answer (answers saved
     * but not submitted are the lead's own until then, and are never shown). For the API.
     */
    async actions(partnershipId: number, id: number) {
      await returnRow(partnershipId, id)
      return db.query<{
        plan_item_id: number
        title: string
        lead_email: string
        submitted: boolean
        status: Status | null
        progress: number | null
        narrative: string | null
      }>(
        `SELECT ri.plan_item_id, i.title, l.lead_email, l.submitted_at IS NOT NULL AS submitted, ri.status, ri.progress, ri.narrative
         FROM plan_return_items ri JOIN plan_return_leads l ON l.id = ri.return_lead_id JOIN plan_items i ON i.id = ri.plan_item_id
         WHERE ri.return_id = $1 ORDER BY i.priority_id, i.position, i.id`,
        [id],
      )
    },

    /** Remind one lead (leadId) or every lead who has not submitted. Returns how many were reminded. */
    async remind(partnershipId: number, partnershipName: string, id: number, leadId: number | 'all', actor: Actor, tx?: Queryable) {
      return inTx(tx, async (q) => {
        const ret = await returnRow(partnershipId, id, q, true)
        if (ret.status === 'closed') throw frozen(ret)
        const leads = await q.query<ReturnLeadRow>(
          `SELECT * FROM plan_return_leads WHERE return_id = $1 AND submitted_at IS NULL ${leadId === 'all' ? '' : 'AND id = $2'} ORDER BY id`,
          leadId === 'all' ? [id] : [id, leadId],
        )
        if (leadId !== 'all' && !leads.length)
          throw new ValidationError({ form: 'That lead has already submitted, or is not in this return' })
        for (const lead of leads) {
          await email(q, 'return-reminder', ret, lead, partnershipName, actor)
          await updateRecord(
            q,
            'plan_return_leads',
            lead.id,
            undefined,
            { reminded_at: clock(), reminders: lead.reminders + 1 },
            {
              actor,
              partnershipId,
              entity: 'plan_return_lead',
              summary: `${ret.quarter} return: reminder to ${lead.lead_name ?? lead.lead_email}`,
            },
          )
        }
        return leads.length
      })
    },

    /**
     * Close the return: it is frozen, each submitted answer becomes its item's status and progress with a timeline
     * entry (kind 'return'), and every lead gets a note that it has closed.
     */
    async close(partnershipId: number, partnershipName: string, id: number, actor: Actor, tx?: Queryable) {
      return inTx(tx, async (q) => {
        const ret = await returnRow(partnershipId, id, q, true)
        if (ret.status === 'closed') throw frozen(ret)
        await updateRecord(
          q,
          'plan_returns',
          id,
          undefined,
          { status: 'closed', closed_at: clock() },
          {
            actor,
            partnershipId,
            entity: 'plan_return',
            summary: `${ret.quarter} return closed`,
          },
        )
        const answers = await q.query<ReturnItemRow & { title: string }>(
          `SELECT ri.*, i.title FROM plan_return_items ri JOIN plan_return_leads l ON l.id = ri.return_lead_id JOIN plan_items i ON i.id = ri.plan_item_id
           WHERE ri.return_id = $1 AND l.submitted_at IS NOT NULL AND ri.status IS NOT NULL ORDER BY ri.id`,
          [id],
        )
        for (const a of answers) {
          const item = await updateRecord<PlanItemRow>(
            q,
            'plan_items',
            a.plan_item_id,
            undefined,
            { status: a.status, progress: a.progress },
            {
              actor,
              partnershipId,
              entity: 'plan_item',
              summary: `${a.title}: ${ret.quarter} return`,
            },
          )
          await createRecord(
            q,
            'plan_item_updates',
            { plan_item_id: item.id, kind: 'return', return_id: id, status: item.status, progress: item.progress, narrative: a.narrative },
            {
              actor,
              partnershipId,
              entity: 'plan_item_update',
              summary: `${a.title}: ${STATUS_LABELS[item.status]}, ${item.progress}% (${ret.quarter} return)`,
            },
          )
        }
        const leads = await q.query<ReturnLeadRow>('SELECT * FROM plan_return_leads WHERE return_id = $1 ORDER BY id', [id])
        const closed = { ...ret, status: 'closed' as const }
        for (const lead of leads) await email(q, 'return-closed', closed, lead, partnershipName, actor)
        return { written: answers.length, leads: leads.length }
      })
    },

    /** The open returns in which this account leads actions ("Your actions to update"). */
    async yours(userId: number) {
      const rows = await db.query<ReturnRow & { lead_id: number; submitted_at: Date | null; actions: number; answered: number }>(
        `SELECT r.id, r.partnership_id, r.quarter, to_char(r.deadline, 'YYYY-MM-DD') AS deadline, r.status, l.id AS lead_id, l.submitted_at,
                (SELECT count(*)::int FROM plan_return_items ri WHERE ri.return_lead_id = l.id) AS actions,
                (SELECT count(*)::int FROM plan_return_items ri WHERE ri.return_lead_id = l.id AND ri.finished) AS answered
         FROM plan_return_leads l JOIN plan_returns r ON r.id = l.return_id
         WHERE l.lead_user_id = $1 AND r.status = 'open' ORDER BY r.deadline, r.id`,
        [userId],
      )
      const out = []
      for (const r of rows) out.push({ ...r, partnershipName: await partnershipName(r.partnership_id) })
      return out
    },

    /** The plan items a signed-in lead is asked about in a return (the demo loader answers them in its transaction). */
    async openItemsOf(returnId: number, userId: number, tx?: Queryable): Promise<number[]> {
      return inTx(tx, async (q) => {
        const { lead } = await leadFor(returnId, { userId }, q)
        return (await actionsOf(lead.id, q)).map((a) => a.plan_item_id)
      })
    },

    /** A lead's task list. Refused (403) to anyone who is not that lead, and to a used or expired link. */
    async forLead(returnId: number | null, who: Answerer): Promise<LeadView & { partnershipName: string }> {
      const { ret, lead } = await leadFor(returnId, who, db)
      return { ret, lead, actions: await actionsOf(lead.id, db), partnershipName: await partnershipName(ret.partnership_id) }
    },

    /** Save one action's answer (the lead's own only; an open return; before they submit). */
    async answer(returnId: number | null, who: Answerer, itemId: number, input: unknown, actor: Actor, tx?: Queryable) {
      const data = validate(AnswerInput, input)
      return inTx(tx, async (q) => {
        const { ret, lead } = await leadFor(returnId, who, q, true)
        if (ret.status === 'closed') throw frozen(ret)
        if (lead.submitted_at)
          throw new ForbiddenError('Your answers to this return have been submitted, so they can no longer be changed.')
        const row = await maybeOne<ReturnItemRow & { item_status: Status; item_progress: number }>(
          q,
          `SELECT ri.*, i.status AS item_status, i.progress AS item_progress FROM plan_return_items ri JOIN plan_items i ON i.id = ri.plan_item_id
           WHERE ri.return_id = $1 AND ri.plan_item_id = $2`,
          [ret.id, itemId],
        )
        if (!row) throw new NotFoundError()
        if (row.return_lead_id !== lead.id)
          throw new ForbiddenError('This action has another lead: you may answer only for your own actions.')
        const progress = data.progress ?? (data.status !== row.item_status ? DEFAULT_PROGRESS[data.status as Status] : row.item_progress)
        return updateRecord<ReturnItemRow>(
          q,
          'plan_return_items',
          row.id,
          undefined,
          {
            status: data.status,
            progress,
            narrative: data.narrative?.trim() || null,
            finished: data.finished === 'yes',
            answered_at: clock(),
          },
          {
            actor: actorFor(who, lead, actor),
            partnershipId: ret.partnership_id,
            entity: 'plan_return_item',
            summary: `${ret.quarter} return: an answer saved`,
          },
        )
      })
    },

    /** Submit the lead's answers: every action must be answered and marked finished. A link cannot be used again after. */
    async submit(returnId: number | null, who: Answerer, actor: Actor, tx?: Queryable) {
      return inTx(tx, async (q) => {
        const { ret, lead } = await leadFor(returnId, who, q, true)
        if (ret.status === 'closed') throw frozen(ret)
        if (lead.submitted_at) throw new ForbiddenError('Your answers to this return have already been submitted.')
        const actions = await actionsOf(lead.id, q)
        const left = actions.filter((a) => a.task !== 'completed')
        if (left.length)
          throw new ValidationError({
            form: `Finish the update of every action before submitting: ${left.length === 1 ? '1 action is' : `${left.length} actions are`} not completed (${left.map((a) => a.title).join('; ')})`,
          })
        await updateRecord(
          q,
          'plan_return_leads',
          lead.id,
          undefined,
          { submitted_at: clock() },
          {
            actor: actorFor(who, lead, actor),
            partnershipId: ret.partnership_id,
            entity: 'plan_return_lead',
            summary: `${ret.quarter} return submitted by ${lead.lead_name ?? lead.lead_email}`,
          },
        )
        return { ret, lead }
      })
    },

    /**
     * The scheduled reminder: each open return whose reminder day (deadline - reminder_days) has come and whose
     * deadline has not passed reminds, once, every lead who has not submitted.
     */
    async sendDueReminders() {
      const now = today(clock)
      const due = await db.query<{ id: number; partnership_id: number }>(
        `SELECT id, partnership_id FROM plan_returns WHERE status = 'open' AND deadline >= $1::date AND deadline - reminder_days <= $1::date ORDER BY id`,
        [now],
      )
      let reminded = 0
      for (const r of due) {
        reminded += await db.transaction(async (q) => {
          const ret = await returnRow(r.partnership_id, r.id, q, true)
          if (ret.status !== 'open') return 0
          const name = await partnershipName(ret.partnership_id, q)
          const leads = await q.query<ReturnLeadRow>(
            'SELECT * FROM plan_return_leads WHERE return_id = $1 AND submitted_at IS NULL AND auto_reminded_at IS NULL ORDER BY id',
            [r.id],
          )
          for (const lead of leads) {
            await email(q, 'return-reminder', ret, lead, name, systemActor)
            await updateRecord(
              q,
              'plan_return_leads',
              lead.id,
              undefined,
              { auto_reminded_at: clock(), reminded_at: clock(), reminders: lead.reminders + 1 },
              {
                actor: systemActor,
                partnershipId: ret.partnership_id,
                entity: 'plan_return_lead',
                summary: `${ret.quarter} return: reminder to ${lead.lead_name ?? lead.lead_email} (${ret.reminder_days} days before the deadline)`,
              },
            )
          }
          return leads.length
        })
      }
      return { returns: due.length, reminded }
    },

    /** Define the reminder job and schedule it daily (at start-up; the schedule is kept when unchanged). */
    async schedule() {
      deps.jobs.define({
        kind: REMINDER_JOB,
        title: () => 'Remind leads of quarterly returns due soon',
        exclusive: true,
        run: () => service.sendDueReminders(),
      })
      await deps.jobs.schedule(REMINDER_JOB, REMINDER_JOB, {}, { every: 'daily 08:00' })
    },
  }
  return service
}

export type ReturnService = ReturnType<typeof returnService>
