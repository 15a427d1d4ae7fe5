/**
 * What the assurance pages show of each development area's actions (assurance.addDevelopmentAreaActions, registered in
 * src/services.ts): the actions in the partnership's latest plan linked to the area, with their rolled-up status and
 * progress, or, for an area without one whose priority continues into that plan, where an editor makes one in one
 * step (the plan's existing route).
 */
import type { DevelopmentAreaActions } from '../assurance/service.ts'
import { STATUS_LABELS } from './rollup.ts'
import type { PlanService } from './service.ts'

export function developmentAreaActions(plans: PlanService) {
  return async (partnership: { id: number; slug: string }, areaIds: number[]): Promise<Map<number, DevelopmentAreaActions>> => {
    const out = new Map<number, DevelopmentAreaActions>()
    const plan = await plans.plan(partnership.id)
    if (!plan) return out
    const wanted = new Set(areaIds)
    const base = `/partnerships/${partnership.slug}/plan`
    for (const a of plan.developmentAreas) {
      if (!wanted.has(a.id)) continue
      out.set(a.id, {
        actions: a.actions.map((x) => ({
          title: x.title,
          status: STATUS_LABELS[x.rolled.status],
          progress: Math.round(x.rolled.progress),
          href: `${base}/items/${x.id}`,
        })),
        make:
          !a.actions.length && a.planPriority
            ? { href: `${base}/development-areas/${a.id}/action`, agreementVersion: plan.version.number }
            : undefined,
      })
    }
    return out
  }
}
