/**
 * The quarterly returns API: GET /api/v1/partnerships/:partnership/returns (newest first) and .../returns/:return
 * (its leads, and its actions with each lead's answer once submitted). Members only, like the plan API: it names
 * leads and their email addresses. A session or an API token of a member.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { ReturnJson, ReturnListJson } from './schema.ts'
import type { ReturnRow } from './returns.ts'

const PartnershipParams = Type.Object({ partnership: Type.String() })
const ReturnParams = Type.Object({ partnership: Type.String(), return: Type.Integer({ minimum: 1, title: 'Return' }) })
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null)

function summary(r: ReturnRow & { leads: number; submitted: number }) {
  return {
    id: r.id,
    quarter: r.quarter,
    deadline: r.deadline,
    reminderDays: r.reminder_days,
    status: r.status,
    closedAt: iso(r.closed_at),
    agreementVersionId: r.agreement_version_id,
    leads: r.leads,
    submitted: r.submitted,
  }
}

export async function returnsApi(app: FastifyInstance, { services }: { services: Services }) {
  const returns = services.planReturns
  const p = (request: FastifyRequest) => request.partnership!

  app.get<{ Params: Static<typeof PartnershipParams> }>(
    '/api/v1/partnerships/:partnership/returns',
    {
      config: { access: { partnership: 'viewer' } },
      schema: {
        tags: ['Action plans'],
        summary:
          "The partnership's quarterly returns on its action plan, newest first, with how many leads were asked and have submitted. Members only.",
        params: PartnershipParams,
        response: { 200: ReturnListJson },
      },
    },
    async (request) => (await returns.list(p(request).id)).map(summary),
  )

  app.get<{ Params: Static<typeof ReturnParams> }>(
    '/api/v1/partnerships/:partnership/returns/:return',
    {
      config: { access: { partnership: 'viewer' } },
      schema: {
        tags: ['Action plans'],
        summary:
          "One quarterly return: its leads (how they answer, how many actions completed, submitted when, reminders) and the actions asked about, each with its lead's answer once submitted. Members only.",
        params: ReturnParams,
        response: { 200: ReturnJson },
      },
    },
    async (request) => {
      const { ret, leads } = await returns.status(p(request).id, request.params.return)
      const actions = await returns.actions(p(request).id, ret.id)
      return {
        ...summary({ ...ret, leads: leads.length, submitted: leads.filter((l) => l.submitted_at).length }),
        leadsAsked: leads.map((l) => ({
          name: l.lead_name,
          email: l.lead_email,
          answers: l.lead_user_id ? 'account' : 'link',
          actions: l.actions,
          completed: l.finished,
          submittedAt: iso(l.submitted_at),
          reminders: l.reminders,
        })),
        actions: actions.map((a) => ({
          planItemId: a.plan_item_id,
          title: a.title,
          leadEmail: a.lead_email,
          answer: a.submitted && a.status ? { status: a.status, progress: a.progress, narrative: a.narrative } : null,
        })),
      }
    },
  )
}
