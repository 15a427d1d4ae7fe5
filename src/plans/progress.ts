/**
 * Progress against priorities (issue 11): the report of one closed quarterly return, in the shape of a committee's
 * "progress against the strategic priorities" paper (seed 003, paragraphs 7-42): per priority, its rolled-up status
 * and progress, what is at risk or off track, and each objective with its actions, their status, progress and the
 * lead's narrative from the return's submitted answers.
 *
 * Figures are as they stood when the return closed: each item's status and progress is its latest timeline entry
 * (plan_item_updates) made by then (the return's own entries included), so later updates do not change a report
 * already given to a committee. Items added to the plan after the return closed are left out. The tree (parents,
 * weights) is the plan's as it is now: it is not versioned.
 *
 * `progressReport(partnershipId, returnId, q?)` returns a plain structure, for the pages here and the reports issue.
 */
import type { Db, Queryable } from '../platform/db/index.ts'
import { NotFoundError } from '../platform/errors.ts'
import type { AgreementService } from '../agreement/service.ts'
import { rollUp, rollUpTops, type Status } from './rollup.ts'
import type { PlanService } from './service.ts'
import type { ReturnRow } from './returns.ts'

export interface ProgressItem {
  id: number
  parentId: number | null
  priorityNumber: number
  /** 2 directly under the priority (an objective, usually), 3 an action, 4 a sub-action. */
  level: number
  kind: 'objective' | 'action'
  title: string
  /** The objective (or other level-2 item) the item sits under; its own title at level 2. */
  objective: string
  owner: string | null
  lead: string | null
  /** The item's own figures when the return closed. */
  status: Status
  progress: number
  /** Its figures rolled up from the items beneath it (its own when it has none). */
  rolledStatus: Status
  rolledProgress: number
  /** Whether the return asked its lead about it, and the lead's submitted answer. */
  asked: boolean
  submitted: boolean
  narrative: string | null
}

export interface ProgressPriority {
  id: number
  number: number
  title: string
  /** The priority's roll-up over its items (undefined: no open items). */
  status: Status | undefined
  progress: number | undefined
  items: ProgressItem[]
  /** Actions at risk or off track (by their own status when the return closed), worst first. */
  atRisk: ProgressItem[]
  counts: { items: number; actions: number; answered: number; atRisk: number; offTrack: number; complete: number }
}

export interface ProgressReport {
  ret: { id: number; quarter: string; deadline: string; status: 'open' | 'closed'; closedAt: string | null }
  version: { id: number; number: number; title: string }
  leads: { asked: number; submitted: number }
  actions: { asked: number; answered: number }
  priorities: ProgressPriority[]
}

/** The return is still open: its report is made once it closes. */
export class ReturnStillOpenError extends Error {
  constructor(readonly quarter: string) {
    super(`The progress report of the ${quarter} return is available once the return is closed.`)
  }
}

export function progressService(db: Db, deps: { plans: PlanService; agreement: AgreementService }) {
  return {
    /**
     * The report of a closed return of the partnership (404 for another partnership's or an unknown return; an open
     * return throws ReturnStillOpenError).
     */
    async progressReport(partnershipId: number, returnId: number, q: Queryable = db): Promise<ProgressReport> {
      const [ret] = await q.query<ReturnRow>(
        `SELECT id, partnership_id, agreement_version_id, quarter, to_char(deadline, 'YYYY-MM-DD') AS deadline, status, closed_at
         FROM plan_returns WHERE id = $1 AND partnership_id = $2`,
        [returnId, partnershipId],
      )
      if (!ret) throw new NotFoundError()
      if (ret.status !== 'closed') throw new ReturnStillOpenError(ret.quarter)
      const version = await deps.agreement.getVersionById(ret.agreement_version_id, q)
      const plan = await deps.plans.plan(partnershipId, version.number, q)
      const items = plan?.items ?? []
      // Each item's figures when the return closed: its latest timeline entry made by then.
      const asAt = new Map(
        (
          await q.query<{ plan_item_id: number; status: Status; progress: number }>(
            `SELECT DISTINCT ON (u.plan_item_id) u.plan_item_id, u.status, u.progress
             FROM plan_item_updates u JOIN plan_items i ON i.id = u.plan_item_id
             WHERE i.agreement_version_id = $1 AND (u.created_at <= $2 OR u.return_id = $3)
             ORDER BY u.plan_item_id, u.id DESC`,
            [version.id, ret.closed_at, ret.id],
          )
        ).map((r) => [r.plan_item_id, r]),
      )
      const answers = new Map(
        (
          await q.query<{
            plan_item_id: number
            submitted: boolean
            narrative: string | null
            lead_name: string | null
            lead_email: string
          }>(
            `SELECT ri.plan_item_id, l.submitted_at IS NOT NULL AS submitted, ri.narrative, l.lead_name, l.lead_email
             FROM plan_return_items ri JOIN plan_return_leads l ON l.id = ri.return_lead_id WHERE ri.return_id = $1`,
            [ret.id],
          )
        ).map((r) => [r.plan_item_id, r]),
      )
      const [leads] = await q.query<{ asked: number; submitted: number }>(
        `SELECT count(*)::int AS asked, count(submitted_at)::int AS submitted FROM plan_return_leads WHERE return_id = $1`,
        [ret.id],
      )
      // Items made after the close (and anything beneath them) are left out.
      const kept = items.filter((i) => asAt.has(i.id))
      const keptIds = new Set(kept.map((i) => i.id))
      const inTree = kept.filter((i) => {
        for (let at = i.parent_id; at; at = items.find((x) => x.id === at)?.parent_id ?? null) if (!keptIds.has(at)) return false
        return true
      })
      const figures = (i: (typeof items)[number]) => asAt.get(i.id)!
      const nodes = inTree.map((i) => ({
        id: i.id,
        parentId: i.parent_id,
        status: figures(i).status,
        progress: figures(i).progress,
        weight: i.weight,
      }))
      const rolled = rollUp(nodes)
      const byId = new Map(inTree.map((i) => [i.id, i]))
      const objectiveOf = (i: (typeof items)[number]): string => {
        let at = i
        while (at.parent_id && byId.has(at.parent_id)) at = byId.get(at.parent_id)!
        return at.title
      }
      const SEVERE: Partial<Record<Status, number>> = { 'off-track': 0, 'at-risk': 1 }
      const priorities: ProgressPriority[] = (plan?.priorities ?? []).map((pp) => {
        const mine = inTree.filter((i) => i.priority_id === pp.priority.id)
        const out: ProgressItem[] = mine.map((i) => {
          const a = answers.get(i.id)
          const f = figures(i)
          const r = rolled.get(i.id)!
          return {
            id: i.id,
            parentId: i.parent_id,
            priorityNumber: pp.priority.number,
            level: i.level,
            kind: i.kind,
            title: i.title,
            objective: objectiveOf(i),
            owner: i.organisationName,
            lead: a?.lead_name ?? i.lead_name ?? a?.lead_email ?? i.lead_email ?? null,
            status: f.status,
            progress: f.progress,
            rolledStatus: r.status,
            rolledProgress: Math.round(r.progress * 10) / 10,
            asked: !!a,
            submitted: !!a?.submitted,
            narrative: a?.submitted ? a.narrative : null,
          }
        })
        const tops = nodes.filter((n) => mine.some((i) => i.id === n.id && !(i.parent_id && byId.has(i.parent_id))))
        const total = rollUpTops(tops, rolled)
        const actions = out.filter((i) => i.kind === 'action')
        const atRisk = actions
          .filter((i) => i.status === 'at-risk' || i.status === 'off-track')
          .sort((a, b) => (SEVERE[a.status] ?? 9) - (SEVERE[b.status] ?? 9))
        return {
          id: pp.priority.id,
          number: pp.priority.number,
          title: pp.priority.title,
          status: total?.status,
          progress: total ? Math.round(total.progress * 10) / 10 : undefined,
          items: out,
          atRisk,
          counts: {
            items: out.length,
            actions: actions.length,
            answered: out.filter((i) => i.submitted).length,
            atRisk: actions.filter((i) => i.status === 'at-risk').length,
            offTrack: actions.filter((i) => i.status === 'off-track').length,
            complete: actions.filter((i) => i.status === 'complete').length,
          },
        }
      })
      return {
        ret: {
          id: ret.id,
          quarter: ret.quarter,
          deadline: ret.deadline,
          status: ret.status,
          closedAt: ret.closed_at ? new Date(ret.closed_at).toISOString() : null,
        },
        version: { id: version.id, number: version.number, title: version.title },
        leads: { asked: leads.asked, submitted: leads.submitted },
        actions: { asked: answers.size, answered: [...answers.values()].filter((a) => a.submitted).length },
        priorities,
      }
    },
  }
}

export type ProgressService = ReturnType<typeof progressService>
