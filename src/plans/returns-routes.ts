/**
 * Quarterly returns' pages. A partnership admin lists, opens, watches, reminds and closes returns
 * (/partnerships/:partnership/plan/returns...). A lead with an account sees "Your actions to update" (/returns) and
 * answers after signing in (/returns/:return...); the service refuses (403) anyone not asked about the action. A lead
 * without an account answers through the link in their email (/returns/answer/:token...), for their own actions only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { formBody } from '../platform/forms.ts'
import { parseForm } from '../platform/validation.ts'
import { ForbiddenError, ValidationError } from '../platform/errors.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { formatDate, plural } from '../platform/format.ts'
import { AnswerInput, ReturnInput } from './schema.ts'
import { STATUSES, STATUS_LABELS } from './rollup.ts'
import type { Answerer, LeadView, ReturnLeadRow, ReturnRow } from './returns.ts'

const V = 'plans/views'
const P = { partnership: Type.String() }
const PartnershipParams = Type.Object(P)
const ReturnParams = Type.Object({ ...P, return: Type.Integer({ minimum: 1, title: 'Return' }) })
const LeadReturnParams = Type.Object({ return: Type.Integer({ minimum: 1, title: 'Return' }) })
const LeadActionParams = Type.Object({
  return: Type.Integer({ minimum: 1, title: 'Return' }),
  item: Type.Integer({ minimum: 1, title: 'Action' }),
})
const TokenParams = Type.Object({ token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) })
const TokenActionParams = Type.Object({
  token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
  item: Type.Integer({ minimum: 1, title: 'Action' }),
})

const statusItems = STATUSES.map((s) => ({ value: s, text: STATUS_LABELS[s] }))

type ListedReturn = ReturnRow & { leads: number; submitted: number }
export const returnsTable = defineTable<ListedReturn & { href: string }>([
  { key: 'quarter', header: 'Quarter', value: (r) => r.quarter, html: (r) => link(r.href, r.quarter) },
  { key: 'deadline', header: 'Deadline', value: (r) => r.deadline, text: (r) => formatDate(r.deadline) },
  { key: 'status', header: 'Status', value: (r) => r.status, text: (r) => (r.status === 'open' ? 'Open' : 'Closed') },
  { key: 'leads', header: 'Leads asked', numeric: true, value: (r) => r.leads },
  { key: 'submitted', header: 'Submitted', numeric: true, value: (r) => r.submitted },
  {
    key: 'progress',
    header: 'Report',
    pageOnly: true,
    value: () => null,
    html: (r) => (r.status === 'closed' ? link(`${r.href}/progress`, 'Progress against priorities', r.quarter) : ''),
    empty: 'Once closed',
  },
])

type StatusLead = ReturnLeadRow & { actions: number; answered: number; finished: number; remindHtml: string }
export const leadsTable = defineTable<StatusLead>([
  { key: 'lead', header: 'Lead', value: (l) => l.lead_name ?? l.lead_email },
  { key: 'email', header: 'Email address', value: (l) => l.lead_email },
  {
    key: 'account',
    header: 'Answers',
    value: (l) => (l.lead_user_id ? 'account' : 'link'),
    text: (l) => (l.lead_user_id ? 'Signed in' : 'By link'),
  },
  { key: 'actions', header: 'Actions', numeric: true, value: (l) => l.actions },
  { key: 'completed', header: 'Completed', numeric: true, value: (l) => l.finished },
  {
    key: 'submitted',
    header: 'Submitted',
    value: (l) => (l.submitted_at ? new Date(l.submitted_at).toISOString() : null),
    html: (l) =>
      l.submitted_at
        ? `<strong class="govuk-tag govuk-tag--green">Submitted</strong> <span class="govuk-body-s">${escapeHtml(formatDate(l.submitted_at))}</span>`
        : '<strong class="govuk-tag govuk-tag--grey">Not yet</strong>',
  },
  { key: 'reminders', header: 'Reminders', numeric: true, value: (l) => l.reminders },
  { key: 'remind', header: '', value: () => null, html: (l) => l.remindHtml, empty: '' },
])

const TASK_WORDS = { 'not-started': 'Not started', 'in-progress': 'In progress', completed: 'Completed' } as const

export async function returnRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const returns = services.planReturns
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    { text: 'Action plan', href: `${base(request)}/plan` },
    { text: 'Quarterly returns', href: `${base(request)}/plan/returns` },
    ...more,
  ]

  // ---- The partnership admin's pages ----

  app.get<{ Params: Static<typeof PartnershipParams> }>(
    '/partnerships/:partnership/plan/returns',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      const list = await returns.list(p(request).id)
      return reply.view(`${V}/returns.njk`, {
        title: 'Quarterly returns',
        base: base(request),
        breadcrumbs: crumbs(request).slice(0, 3),
        returnsTable: tableView(
          returnsTable,
          list.map((r) => ({ ...r, href: `${base(request)}/plan/returns/${r.id}` })),
          { caption: 'Returns, newest first', captionClasses: 'govuk-visually-hidden' },
        ),
      })
    },
  )

  const newContext = async (request: FastifyRequest) => ({
    title: 'Open a quarterly return',
    base: base(request),
    breadcrumbs: crumbs(request),
    plan: await services.plans.plan(p(request).id),
  })

  app.get<{ Params: Static<typeof PartnershipParams> }>(
    '/partnerships/:partnership/plan/returns/new',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/return-new.njk`, { ...(await newContext(request)), values: { reminderDays: 7 } }),
  )

  app.post<{ Params: Static<typeof PartnershipParams> }>(
    '/partnerships/:partnership/plan/returns/new',
    { config: { access: { partnership: 'admin' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      const body = formBody(request)
      try {
        const data = parseForm(ReturnInput, body)
        const r = await returns.open(p(request).id, p(request).name, data, request.actor)
        reply.flash(`${r.ret.quarter} return opened: ${plural(r.leads, 'lead')} emailed about ${plural(r.actions, 'action')}`)
        return reply.redirect(`${base(request)}/plan/returns/${r.ret.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return reply.code(400).view(`${V}/return-new.njk`, { ...(await newContext(request)), values: body, errors: err.fields })
      }
    },
  )

  app.get<{ Params: Static<typeof ReturnParams> }>(
    '/partnerships/:partnership/plan/returns/:return',
    { config: { access: { partnership: 'admin' } }, schema: { params: ReturnParams } },
    async (request, reply) => {
      const { ret, leads } = await returns.status(p(request).id, request.params.return)
      const here = `${base(request)}/plan/returns/${ret.id}`
      const open = ret.status === 'open'
      return reply.view(`${V}/return-status.njk`, {
        title: `${ret.quarter} return`,
        base: base(request),
        here,
        breadcrumbs: crumbs(request),
        ret,
        leadCount: leads.length,
        submitted: leads.filter((l) => l.submitted_at).length,
        leadsTable: tableView(
          leadsTable,
          leads.map((l) => ({
            ...l,
            remindHtml:
              open && !l.submitted_at
                ? `<form method="post" action="${here}/remind" novalidate class="safer-no-print"><input type="hidden" name="_csrf" value="${escapeHtml(request.csrfToken)}"><input type="hidden" name="lead" value="${l.id}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Remind<span class="govuk-visually-hidden"> ${escapeHtml(l.lead_name ?? l.lead_email)}</span></button></form>`
                : '',
          })),
          { caption: 'Who has responded', captionClasses: 'govuk-table__caption--m' },
        ),
      })
    },
  )

  const problem = (request: FastifyRequest, reply: FastifyReply, title: string, errors: Record<string, string>, back: string) =>
    reply.code(400).view(`${V}/problem.njk`, { title, breadcrumbs: crumbs(request), errors, back })

  app.post<{ Params: Static<typeof ReturnParams> }>(
    '/partnerships/:partnership/plan/returns/:return/remind',
    { config: { access: { partnership: 'admin' } }, schema: { params: ReturnParams } },
    async (request, reply) => {
      const here = `${base(request)}/plan/returns/${request.params.return}`
      const raw = String(formBody(request).lead ?? '')
      const lead = raw === 'all' ? 'all' : /^\d{1,9}$/.test(raw) ? Number(raw) : undefined
      try {
        if (lead === undefined) throw new ValidationError({ form: 'Choose whom to remind' })
        const n = await returns.remind(p(request).id, p(request).name, request.params.return, lead, request.actor)
        reply.flash(n ? `Reminder sent to ${plural(n, 'lead')}` : 'Every lead has submitted: nobody to remind')
        return reply.redirect(here, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return problem(request, reply, 'No reminder was sent', err.fields, here)
      }
    },
  )

  app.get<{ Params: Static<typeof ReturnParams> }>(
    '/partnerships/:partnership/plan/returns/:return/close',
    { config: { access: { partnership: 'admin' } }, schema: { params: ReturnParams } },
    async (request, reply) => {
      const { ret, leads } = await returns.status(p(request).id, request.params.return)
      const here = `${base(request)}/plan/returns/${ret.id}`
      // Already closed: back to its page, which says so.
      if (ret.status === 'closed') return reply.redirect(here, 303)
      return reply.view(`${V}/return-close.njk`, {
        title: `Close the ${ret.quarter} return?`,
        here,
        breadcrumbs: crumbs(request, [{ text: `${ret.quarter} return`, href: here }]),
        leadCount: leads.length,
        submitted: leads.filter((l) => l.submitted_at).length,
      })
    },
  )

  app.post<{ Params: Static<typeof ReturnParams> }>(
    '/partnerships/:partnership/plan/returns/:return/close',
    { config: { access: { partnership: 'admin' } }, schema: { params: ReturnParams } },
    async (request, reply) => {
      const r = await returns.close(p(request).id, p(request).name, request.params.return, request.actor)
      reply.flash(`Return closed: ${plural(r.written, 'answer')} written to the actions' timelines, ${plural(r.leads, 'lead')} told`)
      return reply.redirect(`${base(request)}/plan/returns/${request.params.return}`, 303)
    },
  )

  // ---- The lead's pages: signed in, or through the answer link ----

  app.get('/returns', { config: { access: 'signed-in' } }, async (request, reply) => {
    const list = await returns.yours(request.user!.id)
    return reply.view(`${V}/your-returns.njk`, { title: 'Your actions to update', returns: list })
  })

  const taskPage = (view: LeadView & { partnershipName: string }, here: string) => {
    const open = view.ret.status === 'open' && !view.lead.submitted_at
    return {
      title: 'Your actions to update',
      view,
      here,
      completed: view.actions.filter((a) => a.task === 'completed').length,
      canSubmit: open,
      tasks: view.actions.map((a) => ({
        title: { text: a.title },
        href: open ? `${here}/actions/${a.plan_item_id}` : undefined,
        hint: { text: a.status ? `${STATUS_LABELS[a.status]}, ${a.progress}%` : `Now ${STATUS_LABELS[a.itemStatus]}, ${a.itemProgress}%` },
        status:
          a.task === 'completed'
            ? { text: TASK_WORDS[a.task] }
            : { tag: { text: TASK_WORDS[a.task], classes: a.task === 'not-started' ? 'govuk-tag--blue' : 'govuk-tag--light-blue' } },
      })),
    }
  }

  const answerPage = (
    view: LeadView,
    itemId: number,
    here: string,
    back: string,
    values: Record<string, unknown>,
    errors?: Record<string, string>,
  ) => {
    const action = view.actions.find((a) => a.plan_item_id === itemId)
    return {
      title: action?.title ?? 'Action',
      view,
      action,
      here,
      back,
      statusItems,
      statusLabel: action ? STATUS_LABELS[action.itemStatus] : '',
      values: action
        ? {
            status: action.status ?? action.itemStatus,
            progress: action.progress ?? '',
            narrative: action.narrative ?? '',
            finished: action.finished ? 'yes' : action.answered_at ? 'no' : '',
            ...values,
          }
        : values,
      errors,
    }
  }

  /** The task list, one answer's form, saving it and submitting: the same for a signed-in lead and a link holder. */
  const leadPages = (
    who: (request: FastifyRequest) => Answerer,
    returnId: (request: FastifyRequest) => number | null,
    here: (request: FastifyRequest) => string,
  ) => ({
    list: async (request: FastifyRequest, reply: FastifyReply) =>
      reply.view(`${V}/task-list.njk`, taskPage(await returns.forLead(returnId(request), who(request)), here(request))),
    form: async (request: FastifyRequest<{ Params: { item: number } }>, reply: FastifyReply) => {
      const view = await returns.forLead(returnId(request), who(request))
      if (!view.actions.some((a) => a.plan_item_id === request.params.item))
        throw new ForbiddenError('This action is not one of yours in this return: you may answer only for your own actions.')
      return reply.view(
        `${V}/answer.njk`,
        answerPage(view, request.params.item, `${here(request)}/actions/${request.params.item}`, here(request), {}),
      )
    },
    save: async (request: FastifyRequest<{ Params: { item: number } }>, reply: FastifyReply) => {
      const body = formBody(request)
      try {
        const data = parseForm(AnswerInput, body)
        await returns.answer(returnId(request), who(request), request.params.item, data, request.actor)
        reply.flash('Your answer has been saved')
        return reply.redirect(here(request), 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        const view = await returns.forLead(returnId(request), who(request))
        return reply
          .code(400)
          .view(
            `${V}/answer.njk`,
            answerPage(view, request.params.item, `${here(request)}/actions/${request.params.item}`, here(request), body, err.fields),
          )
      }
    },
    submit: async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const r = await returns.submit(returnId(request), who(request), request.actor)
        // A link cannot be used after submission: a link holder is shown a plain thank-you instead of the task list.
        if ('token' in who(request)) return reply.view(`${V}/submitted.njk`, { title: 'Answers submitted', quarter: r.ret.quarter })
        reply.flash(`Your answers to the ${r.ret.quarter} return have been submitted. Thank you.`)
        return reply.redirect(here(request), 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        const view = await returns.forLead(returnId(request), who(request))
        return reply.code(400).view(`${V}/task-list.njk`, { ...taskPage(view, here(request)), errors: err.fields })
      }
    },
  })

  const signedIn = leadPages(
    (request) => ({ userId: request.user!.id }),
    (request) => (request.params as { return: number }).return,
    (request) => `/returns/${(request.params as { return: number }).return}`,
  )
  app.get<{ Params: Static<typeof LeadReturnParams> }>(
    '/returns/:return',
    { config: { access: 'signed-in' }, schema: { params: LeadReturnParams } },
    signedIn.list,
  )
  app.get<{ Params: Static<typeof LeadActionParams> }>(
    '/returns/:return/actions/:item',
    { config: { access: 'signed-in' }, schema: { params: LeadActionParams } },
    signedIn.form,
  )
  app.post<{ Params: Static<typeof LeadActionParams> }>(
    '/returns/:return/actions/:item',
    { config: { access: 'signed-in' }, schema: { params: LeadActionParams } },
    signedIn.save,
  )
  app.post<{ Params: Static<typeof LeadReturnParams> }>(
    '/returns/:return/submit',
    { config: { access: 'signed-in' }, schema: { params: LeadReturnParams } },
    signedIn.submit,
  )

  const byLink = leadPages(
    (request) => ({ token: (request.params as { token: string }).token }),
    () => null,
    (request) => `/returns/answer/${(request.params as { token: string }).token}`,
  )
  app.get<{ Params: Static<typeof TokenParams> }>(
    '/returns/answer/:token',
    { config: { access: 'public' }, schema: { params: TokenParams } },
    byLink.list,
  )
  app.get<{ Params: Static<typeof TokenActionParams> }>(
    '/returns/answer/:token/actions/:item',
    { config: { access: 'public' }, schema: { params: TokenActionParams } },
    byLink.form,
  )
  app.post<{ Params: Static<typeof TokenActionParams> }>(
    '/returns/answer/:token/actions/:item',
    { config: { access: 'public' }, schema: { params: TokenActionParams } },
    byLink.save,
  )
  app.post<{ Params: Static<typeof TokenParams> }>(
    '/returns/answer/:token/submit',
    { config: { access: 'public' }, schema: { params: TokenParams } },
    byLink.submit,
  )
}
