/**
 * The demo's action plan (issue 11): Hampshire's County Agreement 2020-23 gets an action for each development area of
 * its latest assessment round ("The Partnership will ..."), made through the same one-step service a user's button
 * calls, owned by the priority's first strategic lead. The statuses and progress figures given to them afterwards
 * are illustrative, not from the papers: they show a plan part-way through, with roll-ups to read.
 *
 * Then two quarterly returns (illustrative too): the actions get leads in turn (two demo accounts, the police partner
 * lead and the partnership manager, and three partner leads without accounts at example.org addresses); Q1 2020/21 was
 * answered by the leads with accounts and closed (its answers are on the timelines); Q2 2020/21 is open, the police
 * lead has submitted, the manager has saved one answer, the partners have not answered. Their emails are in the
 * outbox (held: the demo has no mail server). Deadlines are set from the day the demo is loaded.
 */
import type { Services } from '../services.ts'
import type { Queryable } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'
import type { Status } from './rollup.ts'
import { updateRecord } from '../platform/records.ts'

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
  await loadReturnsDemo(s, tx, partnershipId, actor)
  return n
}

const LEADS = [
  { name: 'Chris Evans', email: 'police.lead@demo.safer.test' },
  { name: 'Alex Morgan', email: 'manager@demo.safer.test' },
  { name: 'Fire and rescue partner lead', email: 'fire.lead@example.org' },
  { name: 'Probation partner lead', email: 'probation.lead@example.org' },
  { name: 'Health partner lead', email: 'health.lead@example.org' },
]
const ANSWERS: { status: Status; progress: number; narrative: string }[] = [
  { status: 'on-track', progress: 55, narrative: 'Illustrative update: work has started with partners and the first milestone is met.' },
  {
    status: 'at-risk',
    progress: 40,
    narrative: 'Illustrative update: a delay in recruiting has held this back; a plan to recover is agreed.',
  },
  {
    status: 'on-track',
    progress: 70,
    narrative: 'Illustrative update: delivered in two districts, the rest planned for the next quarter.',
  },
]

async function loadReturnsDemo(s: Services, tx: Queryable, partnershipId: number, actor: Actor) {
  const plan = await s.plans.plan(partnershipId, undefined, tx)
  const p = await s.partnerships.byId(partnershipId, tx)
  if (!plan || !p) return
  const byLead = new Map<string, number[]>()
  let i = 0
  for (const item of plan.items.filter((x) => x.kind === 'action')) {
    const lead = LEADS[i++ % LEADS.length]
    const user = await s.auth.findUserByEmail(lead.email, tx)
    await updateRecord(
      tx,
      'plan_items',
      item.id,
      undefined,
      { lead_name: lead.name, lead_email: lead.email, lead_user_id: user?.id ?? null },
      { actor, partnershipId, entity: 'plan_item' },
    )
    if (user) byLead.set(`${user.id}`, [...(byLead.get(`${user.id}`) ?? []), item.id])
  }
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
  const answerAll = async (returnId: number, userId: number, submit: boolean, only?: number) => {
    const open = await s.planReturns.openItemsOf(returnId, userId, tx)
    for (const [k, itemId] of open.slice(0, only ?? open.length).entries())
      await s.planReturns.answer(
        returnId,
        { userId },
        itemId,
        { ...ANSWERS[k % ANSWERS.length], finished: submit ? 'yes' : 'no' },
        actor,
        tx,
      )
    if (submit) await s.planReturns.submit(returnId, { userId }, actor, tx)
  }
  const q1 = await s.planReturns.open(partnershipId, p.name, { quarter: 'Q1 2020/21', deadline: day(0) }, actor, tx)
  for (const userId of byLead.keys()) await answerAll(q1.ret.id, Number(userId), true)
  await s.planReturns.close(partnershipId, p.name, q1.ret.id, actor, tx)
  const q2 = await s.planReturns.open(partnershipId, p.name, { quarter: 'Q2 2020/21', deadline: day(21) }, actor, tx)
  const [police, manager] = [...byLead.keys()].map(Number)
  if (police) await answerAll(q2.ret.id, police, true)
  if (manager) await answerAll(q2.ret.id, manager, false, 1)
}
