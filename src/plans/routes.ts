/**
 * Action plans' pages and API: the plan of an agreement version (its tree under the priorities, with roll-ups, the
 * development areas and their actions, what was carried over, CSV/JSON download), each item's page with its timeline
 * and progress update form, the forms to add and change items, the CSV import, the carry-over action and
 * GET /api/v1/partnerships/:partnership/plan.
 * Read: the partnership's members (plans name leads and their email addresses). Write: editors; a progress update
 * also contributors, for the items their organisation owns or they lead (checked by the service).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport } from '../platform/export.ts'
import { choice, parseForm } from '../platform/validation.ts'
import { hasRole, historyHref } from '../platform/access.ts'
import { ValidationError } from '../platform/errors.ts'
import { receiveFiles } from '../platform/uploads.ts'
import { defineTable, link, tableView } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { formatDate, formatNumber, plural } from '../platform/format.ts'
import { ItemInput, PlanJson, UpdateInput, KINDS } from './schema.ts'
import { STATUSES, STATUS_LABELS, type Status } from './rollup.ts'
import { tableHtml } from './table-html.ts'
import { formatValue } from '../scorecard/service.ts'
import { MAX_LEVEL, type Plan, type PlanItem, type PlanItemRow, type PlanService } from './service.ts'

const V = 'plans/views'
const P = { partnership: Type.String() }
const PartnershipParams = Type.Object(P)
const ItemParams = Type.Object({ ...P, item: Type.Integer({ minimum: 1, title: 'Item' }) })
const AreaParams = Type.Object({ ...P, area: Type.Integer({ minimum: 1, title: 'Development area' }) })
const PlanQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, title: 'Agreement version' })),
  format: Type.Optional(choice(['csv', 'json'] as const, 'Format')),
})
const NewItemQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, title: 'Agreement version' })),
  priority: Type.Optional(Type.Integer({ minimum: 1, title: 'Priority' })),
  parent: Type.Optional(Type.Integer({ minimum: 1, title: 'Part of' })),
})
const ApiQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, title: 'Agreement version' })) })
const VersionBody = Type.Object({ agreementVersion: Type.Integer({ minimum: 1, title: 'Agreement version' }) })

const TAG_CLASSES: Record<Status, string> = {
  'not-started': 'govuk-tag--grey',
  'on-track': 'govuk-tag--green',
  'at-risk': 'govuk-tag--yellow',
  'off-track': 'govuk-tag--red',
  complete: 'govuk-tag--blue',
  closed: 'govuk-tag--grey',
}
export const statusTag = (s: Status) => `<strong class="govuk-tag ${TAG_CLASSES[s]}">${escapeHtml(STATUS_LABELS[s])}</strong>`
const RAG_WORDS = { red: 'Red', amber: 'Amber', green: 'Green' } as const
const RAG_CLASSES = { red: 'govuk-tag--red', amber: 'govuk-tag--orange', green: 'govuk-tag--green' } as const
const percent = (n: number) => `${formatNumber(Math.round(n))}%`
const statusItems = STATUSES.map((s) => ({ value: s, text: STATUS_LABELS[s] }))
const kindItems = KINDS.map((k) => ({ value: k, text: k === 'objective' ? 'Objective' : 'Action' }))

type CsvItem = PlanItem & { parentExternalId: string | null; indicatorCodes: string[] }

/**
 * A plan's items: on the page (one table per priority) and in the download of the whole plan, which the import reads
 * back (its columns are platform/plans CSV_COLUMNS, then the rolled-up figures, which the import ignores).
 */
export const planTable = defineTable<CsvItem>([
  { key: 'external_id', value: (i) => i.external_id },
  { key: 'parent_external_id', value: (i) => i.parentExternalId },
  { key: 'priority', value: (i) => i.priorityNumber },
  { key: 'kind', value: (i) => i.kind },
  {
    key: 'title',
    header: 'Item',
    value: (i) => i.title,
    html: (i, page) =>
      `<span class="safer-plan-level safer-plan-level--${i.level}">${i.level > 2 ? '<span aria-hidden="true">↳ </span>' : ''}${link(`${page.base}/plan/items/${i.id}`, i.title)}` +
      `<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">${escapeHtml(i.kind === 'objective' ? 'Objective' : 'Action')}, level ${i.level}${i.carried_from_id ? ', carried over' : ''}</span></span>`,
  },
  { key: 'description', value: (i) => i.description },
  { key: 'owner', header: 'Owner', value: (i) => i.organisationName, empty: '–' },
  { key: 'lead_name', header: 'Lead', value: (i) => i.lead_name, empty: '–' },
  { key: 'lead_email', value: (i) => i.lead_email },
  { key: 'start_date', value: (i) => i.start_date },
  { key: 'due_date', header: 'Due', value: (i) => i.due_date, text: (i) => formatDate(i.due_date), empty: '–' },
  {
    key: 'status',
    header: 'Status',
    value: (i) => i.status,
    html: (i) =>
      statusTag(i.rolled.status) +
      (i.childCount && i.rolled.status !== i.status
        ? `<span class="govuk-body-s govuk-!-display-block">Worst beneath; its own: ${escapeHtml(STATUS_LABELS[i.status])}</span>`
        : ''),
  },
  {
    key: 'progress',
    header: 'Progress',
    numeric: true,
    value: (i) => i.progress,
    text: (i) => percent(i.rolled.progress),
  },
  { key: 'weight', value: (i) => i.weight },
  { key: 'milestones', value: (i) => i.milestones.join(' | ') },
  { key: 'indicators', value: (i) => i.indicatorCodes.join('; ') },
  { key: 'development_area_ids', value: (i) => i.developmentAreaIds.join(' ') },
  { key: 'rolled_up_progress', value: (i) => Math.round(i.rolled.progress * 10) / 10 },
  { key: 'rolled_up_status', value: (i) => i.rolled.status },
])

/** An item's timeline, on its page. */
type TimelineRow = Awaited<ReturnType<PlanService['item']>>['timeline'][number]
const KIND_WORDS: Record<TimelineRow['kind'], string> = {
  update: 'Update',
  created: 'Added',
  imported: 'Imported',
  'carried-over': 'Carried over',
  return: 'Quarterly return',
}
export const timelineTable = defineTable<TimelineRow>([
  { key: 'when', header: 'When', value: (t) => new Date(t.created_at).toISOString(), text: (t) => formatWhen(t.created_at) },
  { key: 'who', header: 'Who', value: (t) => t.who },
  { key: 'kind', header: 'What', value: (t) => t.kind, text: (t) => KIND_WORDS[t.kind] },
  { key: 'status', header: 'Status', value: (t) => t.status, html: (t) => statusTag(t.status) },
  { key: 'progress', header: 'Progress', numeric: true, value: (t) => t.progress, text: (t) => percent(t.progress) },
  { key: 'narrative', header: 'Narrative', value: (t) => t.narrative, empty: '–' },
])

function formatWhen(d: Date | string) {
  return new Date(d).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  })
}

function dateParts(name: string, v: string | null) {
  const [year, month, day] = (v ?? '').split('-')
  return {
    [`${name}-day`]: day ? String(Number(day)) : '',
    [`${name}-month`]: month ? String(Number(month)) : '',
    [`${name}-year`]: year ?? '',
  }
}

function itemFormValues(i: PlanItemRow) {
  return {
    title: i.title,
    kind: i.kind,
    description: i.description,
    priorityId: i.priority_id,
    parentId: i.parent_id,
    externalId: i.external_id,
    organisationId: i.organisation_id,
    leadName: i.lead_name,
    leadEmail: i.lead_email,
    ...dateParts('startDate', i.start_date),
    ...dateParts('dueDate', i.due_date),
    status: i.status,
    progress: i.progress,
    weight: i.weight,
    milestones: i.milestones.join('\n'),
    indicatorIds: (i as Partial<PlanItem>).indicatorIds ?? [],
    version: i.version,
  }
}

/** A submitted item form: milestones one per line; the indicators' checkboxes (none ticked: none linked). */
function itemBody(body: Record<string, unknown>) {
  const m = body.milestones
  const { indicatorsShown, indicatorIds, ...rest } = body
  const ticked = ([] as unknown[]).concat(indicatorIds ?? []).filter((x) => x !== '')
  return {
    ...rest,
    ...(indicatorsShown || indicatorIds !== undefined
      ? { indicatorIds: ticked.map((x) => (/^\d+$/.test(String(x)) ? Number(x) : x)) }
      : {}),
    milestones:
      typeof m === 'string'
        ? m
            .split(/\r?\n/)
            .map((x) => x.trim())
            .filter(Boolean)
        : m,
  }
}

export function planJson(plan: Plan) {
  return {
    agreementVersion: { id: plan.version.id, number: plan.version.number, title: plan.version.title },
    priorities: plan.priorities.map((p) => ({
      id: p.priority.id,
      number: p.priority.number,
      title: p.priority.title,
      rolledUp: p.rolled ? { progress: Math.round(p.rolled.progress * 10) / 10, status: p.rolled.status } : null,
      items: p.items.map((i) => ({
        id: i.id,
        externalId: i.external_id,
        parentId: i.parent_id,
        priorityId: i.priority_id,
        level: i.level,
        kind: i.kind,
        title: i.title,
        description: i.description,
        organisation: i.organisation_id ? { id: i.organisation_id, name: i.organisationName ?? '' } : null,
        lead: i.lead_name || i.lead_email || i.lead_user_id ? { userId: i.lead_user_id, name: i.lead_name, email: i.lead_email } : null,
        startDate: i.start_date,
        dueDate: i.due_date,
        status: i.status,
        progress: i.progress,
        weight: i.weight,
        rolledUp: { progress: Math.round(i.rolled.progress * 10) / 10, status: i.rolled.status },
        milestones: i.milestones,
        developmentAreaIds: i.developmentAreaIds,
        indicatorIds: i.indicatorIds,
        carriedFromId: i.carried_from_id,
        version: i.version,
        updatedAt: new Date(i.updated_at).toISOString(),
      })),
    })),
  }
}

export async function planRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const plans = services.plans
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const crumbs = (request: FastifyRequest, more: { text: string; href: string }[] = []) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    { text: 'Action plan', href: `${base(request)}/plan` },
    ...more,
  ]
  const who = (request: FastifyRequest) => ({
    role: request.role,
    userId: request.user?.id ?? null,
    organisationId: request.user?.organisation_id ?? null,
  })
  /** The indicators ticked: as submitted (a form shown again), else the item's. */
  const checkedIndicators = (request: FastifyRequest, item?: PlanItemRow): number[] => {
    const body = request.method === 'POST' ? (formBody(request) as Record<string, unknown>) : undefined
    if (body?.indicatorsShown) return ([] as unknown[]).concat(body.indicatorIds ?? []).map(Number)
    return (item as Partial<PlanItem> | undefined)?.indicatorIds ?? []
  }
  const planHref = (request: FastifyRequest, number: number) => `${base(request)}/plan?version=${number}`

  // ---- The plan ----

  app.get<{ Params: Static<typeof PartnershipParams>; Querystring: Static<typeof PlanQuery> }>(
    '/partnerships/:partnership/plan',
    { config: { access: { partnership: 'viewer' } }, schema: { params: PartnershipParams, querystring: PlanQuery } },
    async (request, reply) => {
      const plan = await plans.plan(p(request).id, request.query.version)
      const rowsOf = plan ? plans.csvRows(plan) : []
      if (plan && sendExport(reply, request.query.format, `plan-${p(request).slug}-version-${plan.version.number}`, rowsOf, planTable))
        return reply
      const canEdit = hasRole(request, 'editor')
      const page = { base: base(request) }
      const areas = plan?.developmentAreas ?? []
      return reply.view(`${V}/plan.njk`, {
        title: 'Action plan',
        base: base(request),
        breadcrumbs: crumbs(request).slice(0, 2),
        plan,
        canEdit,
        canAdmin: hasRole(request, 'admin'),
        exportHref: plan ? planHref(request, plan.version.number) : undefined,
        versionItems: (plan?.versions ?? []).map((v) => ({ value: v.number, text: `Version ${v.number}: ${v.title} (${v.status})` })),
        priorities: (plan?.priorities ?? []).map((pp) => ({
          ...pp,
          rolledText: pp.rolled ? `${percent(pp.rolled.progress)}` : undefined,
          rolledTag: pp.rolled ? statusTag(pp.rolled.status) : undefined,
          // Drawn here as one string (table-html.ts), not through govukTable: the same markup, far faster for 400 rows.
          tableHtml: pp.items.length
            ? tableHtml(
                tableView(
                  planTable,
                  rowsOf.filter((r) => r.priority_id === pp.priority.id),
                  {
                    caption: `Priority ${pp.priority.number}: ${plural(pp.items.length, 'item')}`,
                    captionClasses: 'govuk-visually-hidden',
                    page,
                  },
                ),
              )
            : undefined,
        })),
        areasWithout: areas.filter((a) => !a.actions.length),
        areasWith: areas
          .filter((a) => a.actions.length)
          .map((a) => ({
            ...a,
            actionLinks: a.actions.map((x) => ({
              href: `${base(request)}/plan/items/${x.id}`,
              title: x.title,
              tag: statusTag(x.rolled.status),
              progress: percent(x.rolled.progress),
            })),
          })),
        maxLevel: MAX_LEVEL,
      })
    },
  )

  app.get<{ Params: Static<typeof PartnershipParams>; Querystring: Static<typeof ApiQuery> }>(
    '/api/v1/partnerships/:partnership/plan',
    {
      config: { access: { partnership: 'viewer' } },
      schema: {
        tags: ['Action plans'],
        summary:
          "The action plan of the partnership's latest agreement version (or ?version=N): its priorities, each with its items in tree order and their rolled-up progress and status. Members only.",
        params: PartnershipParams,
        querystring: ApiQuery,
        response: { 200: PlanJson },
      },
    },
    async (request) => {
      const plan = await plans.plan(p(request).id, request.query.version)
      // No agreement version yet: an empty plan, not an error (the partnership exists; its plan is still to come).
      if (!plan) return { agreementVersion: null, priorities: [] }
      return planJson(plan)
    },
  )

  // ---- Items ----

  const formContext = async (request: FastifyRequest, opts: { versionNumber?: number; item?: PlanItemRow }) => {
    const plan = await plans.plan(p(request).id, opts.versionNumber)
    if (!plan) throw new ValidationError({ form: 'This partnership has no agreement version yet: add one before making its action plan' })
    const parents = await plans.possibleParents(plan.version.id, opts.item?.id)
    return {
      base: base(request),
      plan,
      breadcrumbs: crumbs(request),
      isNew: !opts.item,
      item: opts.item,
      statusItems,
      kindItems,
      priorityItems: plan.priorities.map((pp) => ({ value: pp.priority.id, text: `Priority ${pp.priority.number}: ${pp.priority.title}` })),
      parentItems: parents.map((i) => ({ value: i.id, text: `${'– '.repeat(i.level - 2)}${i.title} (priority ${i.priorityNumber})` })),
      organisationItems: (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name })),
      indicatorItems: (await services.scorecard.indicators(p(request).id, { role: request.role }))
        .filter((i) => i.id !== null)
        .map((i) => ({
          value: i.id,
          text: i.name,
          hint: { text: i.code },
          checked: checkedIndicators(request, opts.item).includes(i.id!),
        })),
    }
  }

  app.get<{ Params: Static<typeof PartnershipParams>; Querystring: Static<typeof NewItemQuery> }>(
    '/partnerships/:partnership/plan/items/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams, querystring: NewItemQuery } },
    async (request, reply) => {
      const ctx = await formContext(request, { versionNumber: request.query.version })
      return reply.view(`${V}/item-form.njk`, {
        ...ctx,
        title: 'Add an item to the action plan',
        action: `${base(request)}/plan/items/new`,
        values: {
          priorityId: request.query.priority,
          parentId: request.query.parent,
          status: 'not-started',
          weight: 1,
          agreementVersion: ctx.plan.version.number,
        },
      })
    },
  )

  app.post<{ Params: Static<typeof PartnershipParams> }>(
    '/partnerships/:partnership/plan/items/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      const body = formBody(request)
      const number = Number(body.agreementVersion) || undefined
      return handleForm(request, reply, {
        template: `${V}/item-form.njk`,
        context: async () => ({
          ...(await formContext(request, { versionNumber: number }).catch(() => formContext(request, {}))),
          title: 'Add an item to the action plan',
          action: `${base(request)}/plan/items/new`,
        }),
        run: async () => {
          const data = parseForm(ItemInput, itemBody(body))
          const plan = await plans.plan(p(request).id, number)
          if (!plan)
            throw new ValidationError({ form: 'This partnership has no agreement version yet: add one before making its action plan' })
          const item = await plans.createItem(p(request).id, plan.version.id, data, request.actor)
          return {
            redirect: `${base(request)}/plan/items/${item.id}`,
            flash: `${item.title} added to the plan of version ${plan.version.number}`,
          }
        },
      })
    },
  )

  app.get<{ Params: Static<typeof ItemParams> }>(
    '/partnerships/:partnership/plan/items/:item',
    { config: { access: { partnership: 'viewer' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const view = await plans.item(p(request).id, request.params.item)
      return reply.view(`${V}/item.njk`, await itemPage(request, view, {}, {}))
    },
  )

  /**
   * The item's linked indicators with their latest figure and RAG, as the scorecard service gives them to this viewer
   * (an indicator the viewer may not see is left out).
   */
  const linkedIndicators = async (request: FastifyRequest, ids: number[]) => {
    if (!ids.length) return []
    const sc = await services.scorecard.scorecard(p(request), { role: request.role })
    return ids.flatMap((id) => {
      const row = sc.rows.find((r) => r.indicator.id === id)
      if (!row) return []
      const latest = row.latest
      return [
        {
          name: row.indicator.name,
          href: `${base(request)}/scorecard/indicators/${encodeURIComponent(row.indicator.code)}`,
          value: latest && latest.value !== null ? formatValue(row.indicator, latest.value) : undefined,
          period: latest?.periodLabel,
          rag: row.rag
            ? {
                text: RAG_WORDS[row.rag.status],
                classes: RAG_CLASSES[row.rag.status],
                reason: row.rag.reason.replace(/^(Red|Amber|Green): /, ''),
              }
            : undefined,
        },
      ]
    })
  }

  const itemPage = async (
    request: FastifyRequest,
    view: Awaited<ReturnType<PlanService['item']>>,
    values: Record<string, unknown>,
    errors: Record<string, string>,
  ) => {
    const here = `${base(request)}/plan/items/${view.item.id}`
    return {
      indicators: await linkedIndicators(request, view.item.indicatorIds),
      title: view.item.title,
      base: base(request),
      here,
      breadcrumbs: crumbs(request, [{ text: `Version ${view.version.number}`, href: planHref(request, view.version.number) }]),
      ...view,
      statusTagHtml: statusTag(view.item.status),
      rolledTagHtml: statusTag(view.item.rolled.status),
      rolledProgress: percent(view.item.rolled.progress),
      statusLabel: STATUS_LABELS[view.item.status],
      canEdit: hasRole(request, 'editor'),
      canUpdate: plans.mayUpdate(who(request), view.item),
      historyHref: historyHref(request, 'plan_item', view.item.id, here),
      timelineTable: tableView(timelineTable, view.timeline, { caption: 'Timeline', captionClasses: 'govuk-table__caption--m' }),
      childLinks: view.children.map((c) => ({
        href: `${base(request)}/plan/items/${c.id}`,
        title: c.title,
        tag: statusTag(c.rolled.status),
        progress: percent(c.rolled.progress),
      })),
      statusItems,
      values: { status: view.item.status, ...values },
      errors: Object.keys(errors).length ? errors : undefined,
    }
  }

  app.post<{ Params: Static<typeof ItemParams> }>(
    '/partnerships/:partnership/plan/items/:item/updates',
    { config: { access: { partnership: 'contributor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const here = `${base(request)}/plan/items/${request.params.item}`
      try {
        const data = parseForm(UpdateInput, formBody(request))
        await plans.addUpdate(p(request).id, request.params.item, data, who(request), request.actor)
        reply.flash('Update saved')
        return reply.redirect(here, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        const view = await plans.item(p(request).id, request.params.item)
        return reply.code(400).view(`${V}/item.njk`, await itemPage(request, view, formBody(request), err.fields))
      }
    },
  )

  app.get<{ Params: Static<typeof ItemParams> }>(
    '/partnerships/:partnership/plan/items/:item/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const view = await plans.item(p(request).id, request.params.item)
      return reply.view(`${V}/item-form.njk`, {
        ...(await formContext(request, { versionNumber: view.version.number, item: view.item })),
        title: `Change ${view.item.title}`,
        action: `${base(request)}/plan/items/${view.item.id}/edit`,
        values: { ...itemFormValues(view.item), agreementVersion: view.version.number },
      })
    },
  )

  app.post<{ Params: Static<typeof ItemParams> }>(
    '/partnerships/:partnership/plan/items/:item/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ItemParams } },
    async (request, reply) => {
      const view = await plans.item(p(request).id, request.params.item)
      return handleForm(request, reply, {
        template: `${V}/item-form.njk`,
        context: async () => ({
          ...(await formContext(request, { versionNumber: view.version.number, item: view.item })),
          title: `Change ${view.item.title}`,
          action: `${base(request)}/plan/items/${view.item.id}/edit`,
        }),
        run: async () => {
          const data = parseForm(ItemInput, itemBody(formBody(request)))
          const item = await plans.updateItem(p(request).id, view.item.id, data, formVersion(request), request.actor)
          return { redirect: `${base(request)}/plan/items/${item.id}`, flash: `${item.title} saved` }
        },
      })
    },
  )

  // ---- Development areas, carry-over ----

  app.post<{ Params: Static<typeof AreaParams> }>(
    '/partnerships/:partnership/plan/development-areas/:area/action',
    { config: { access: { partnership: 'editor' } }, schema: { params: AreaParams } },
    async (request, reply) => {
      const number = Number(formBody(request).agreementVersion) || undefined
      try {
        const plan = await plans.plan(p(request).id, number)
        if (!plan) throw new ValidationError({ form: 'This partnership has no agreement version yet, so it has no plan' })
        const item = await plans.actionFromDevelopmentArea(p(request).id, request.params.area, plan.version.id, request.actor)
        reply.flash(`Action made from the development area: ${item.title}`)
        return reply.redirect(`${base(request)}/plan/items/${item.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return reply.code(400).view(`${V}/problem.njk`, {
          title: 'The action could not be made',
          breadcrumbs: crumbs(request),
          errors: err.fields,
          back: `${base(request)}/plan${number ? `?version=${number}` : ''}`,
        })
      }
    },
  )

  app.post<{ Params: Static<typeof PartnershipParams> }>(
    '/partnerships/:partnership/plan/carry-over',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => {
      try {
        const { agreementVersion } = parseForm(VersionBody, formBody(request))
        const plan = await plans.plan(p(request).id, agreementVersion).catch(() => undefined)
        if (!plan) throw new ValidationError({ agreementVersion: 'Choose a version of the agreement' })
        const r = await plans.carryOver(p(request).id, plan.version.id, request.actor)
        reply.flash(
          `${plural(r.carried, 'open item')} carried over from the plan of version ${r.from.number}` +
            (r.leftBehind.length
              ? `; ${plural(r.leftBehind.length, 'open item')} left behind, as their priority does not continue into this version`
              : ''),
        )
        return reply.redirect(planHref(request, plan.version.number), 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return reply.code(400).view(`${V}/problem.njk`, {
          title: 'Nothing was carried over',
          breadcrumbs: crumbs(request),
          errors: err.fields,
          back: `${base(request)}/plan`,
        })
      }
    },
  )

  // ---- CSV import ----

  const importContext = async (request: FastifyRequest, number?: number) => {
    const plan = await plans.plan(p(request).id, number).catch(() => plans.plan(p(request).id))
    return {
      title: 'Import the action plan from a CSV file',
      base: base(request),
      plan,
      breadcrumbs: crumbs(request),
      values: {},
    }
  }

  app.get<{ Params: Static<typeof PartnershipParams>; Querystring: Static<typeof PlanQuery> }>(
    '/partnerships/:partnership/plan/import',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams, querystring: PlanQuery } },
    async (request, reply) => reply.view(`${V}/import.njk`, await importContext(request, request.query.version)),
  )

  app.post<{ Params: Static<typeof PartnershipParams>; Querystring: Static<typeof PlanQuery> }>(
    '/partnerships/:partnership/plan/import',
    { config: { access: { partnership: 'editor' }, uploads: true }, schema: { params: PartnershipParams, querystring: PlanQuery } },
    async (request, reply) => {
      const ctx = await importContext(request, request.query.version)
      try {
        // The form is read first: receiveFiles checks its CSRF token before anything else is said or written.
        const upload = await receiveFiles(request, {
          field: 'file',
          accept: ['csv'],
          maxFiles: 1,
          maxFileBytes: 5 * 1024 * 1024,
          required: 'Select a CSV file of the action plan',
        })
        if (!ctx.plan)
          throw new ValidationError({ file: 'This partnership has no agreement version yet: add one before importing its action plan' })
        const [file] = upload.files
        const result = await plans.importCsv(p(request).id, ctx.plan.version.id, file.path, file.filename, request.actor)
        if (result.problems.length)
          return reply.code(400).view(`${V}/import.njk`, {
            ...ctx,
            problems: result.problems,
            filename: file.filename,
            errors: {
              file: `${file.filename} has ${plural(result.problems.length, 'problem')}: nothing has been saved. Correct the file and import it again.`,
            },
          })
        reply.flash(
          `${file.filename} imported into the plan of version ${ctx.plan.version.number}: ${plural(result.created, 'item')} added, ${result.updated} changed, ${result.unchanged} unchanged`,
        )
        return reply.redirect(planHref(request, ctx.plan.version.number), 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return reply.code(400).view(`${V}/import.njk`, { ...ctx, errors: err.fields })
      }
    },
  )
}
