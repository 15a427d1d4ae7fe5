/**
 * The demo's action plan (issue 11): Hampshire's County Agreement 2020-23 gets an action for each development area of
 * its latest assessment round ("The Partnership will ..."), made through the same one-step service a user's button
 * calls, owned by the priority's first strategic lead. The statuses and progress figures given to them afterwards
 * are illustrative, not from the papers: they show a plan part-way through, with roll-ups to read.
 */
import type { Services } from '../services.ts'
import type { Queryable } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import type { Status } from './rollup.ts'

const PATTERN: { status: Status; progress: number }[] = [
  { status: 'on-track', progress: 60 },
  { status: 'complete', progress: 100 },
  { status: 'at-risk', progress: 35 },
  { status: 'on-track', progress: 45 },
  { status: 'not-started', progress: 0 },
  { status: 'off-track', progress: 15 },
]

export async function loadPlanDemo(s: Services, tx: Queryable, partnershipId: number, actor: Actor): Promise<number> {
  const plan = await s.plans.plan(partnershipId, undefined, tx)
  if (!plan) return 0
  const latestRound = [...plan.developmentAreas].sort((a, b) => (a.assessed_on < b.assessed_on ? 1 : -1))[0]?.round_id
  const areas = plan.developmentAreas.filter((a) => a.round_id === latestRound && a.planPriority && !a.actions.length)
  let n = 0
  for (const a of areas) {
    const item = await s.plans.actionFromDevelopmentArea(partnershipId, a.id, plan.version.id, actor, tx)
    const update = PATTERN[n % PATTERN.length]
    if (update.status !== 'not-started') await s.plans.addUpdate(partnershipId, item.id, update, { role: 'admin' }, actor, tx)
    n++
  }
  return n
}
