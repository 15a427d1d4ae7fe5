/**
 * Funding: the funding page (summaries by priority, funder and year with charts, grants, contracts, funders, every
 * table downloadable), each grant's and contract's page, the print view and its PDF, the forms, and the JSON API.
 * Read: members always; anyone else when the partnership is published and its funding is public (else 404).
 * Write: the partnership's editors and administrators.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody, formVersion } from '../platform/forms.ts'
import { sendExport } from '../platform/export.ts'
import { choice, parseForm } from '../platform/validation.ts'
import { hasRole, historyHref, isMember } from '../platform/access.ts'
import { tableView } from '../platform/tables.ts'
import { sendPdf, fileNamePart } from '../platform/pdf.ts'
import { plural } from '../platform/format.ts'
import {
  AllocationInput,
  ContractInput,
  ContractLineInput,
  FUNDER_KINDS,
  FunderInput,
  FundingJson,
  GrantInput,
  KIND_LABELS,
  SettingsInput,
  SpendInput,
} from './schema.ts'
import { fundingJson, type AllocationView, type ContractView, type GrantView } from './service.ts'
import { NotFoundError } from '../platform/errors.ts'
import {
  DOWNLOADS,
  allocationsTable,
  byFunderTable,
  byPriorityTable,
  byYearTable,
  contractLinesTable,
  contractsTable,
  download,
  fundersTable,
  grantsTable,
  spendLines,
  spendTable,
  summaryCharts,
  type Download,
} from './present.ts'
import { formatPence } from './money.ts'

const V = 'funding/views'
const PartnershipParams = Type.Object({ partnership: Type.String() })
const GrantParams = Type.Object({ partnership: Type.String(), grant: Type.Integer() })
const AllocationParams = Type.Object({ partnership: Type.String(), grant: Type.Integer(), allocation: Type.Integer() })
const SpendParams = Type.Object({ partnership: Type.String(), grant: Type.Integer(), spend: Type.Integer() })
const ContractParams = Type.Object({ partnership: Type.String(), contract: Type.Integer() })
const LineParams = Type.Object({ partnership: Type.String(), contract: Type.Integer(), line: Type.Integer() })
const FundingQuery = Type.Object({
  table: Type.Optional(choice(DOWNLOADS, 'Table')),
  format: Type.Optional(choice(['csv', 'json'] as const, 'Format')),
})
const GrantQuery = Type.Object({
  table: Type.Optional(choice(['allocations', 'spend'] as const, 'Table')),
  format: Type.Optional(choice(['csv', 'json'] as const, 'Format')),
})
const ContractQuery = Type.Object({ format: Type.Optional(choice(['csv', 'json'] as const, 'Format')) })
const PrintQuery = Type.Object({ format: Type.Optional(choice(['pdf'] as const, 'Format')) })

/** "2019-05-01" as the GOV.UK date input's three boxes. */
function dateParts(name: string, value: string | null) {
  if (!value) return {}
  const [y, m, d] = value.split('-')
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y }
}
const poundsText = (pence: number) => formatPence(pence).replace(/^£/, '')

export async function fundingRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const funding = services.funding
  const p = (request: FastifyRequest) => request.partnership!
  const base = (request: FastifyRequest) => `/partnerships/${p(request).slug}`
  const viewer = (request: FastifyRequest) => ({ member: isMember(request) })
  const crumbs = (request: FastifyRequest) => [
    { text: 'Partnerships', href: '/partnerships' },
    { text: p(request).short_name ?? p(request).name, href: base(request) },
    { text: 'Funding', href: `${base(request)}/funding` },
  ]
  const fundingHref = (request: FastifyRequest) => `${base(request)}/funding`

  // ---- The funding page ----

  const summaryTables = (v: Awaited<ReturnType<typeof funding.view>>, page: Record<string, unknown>) => ({
    byPriority: tableView(byPriorityTable, v.byPriority, { caption: 'By priority', captionClasses: 'govuk-table__caption--m', page }),
    byFunder: tableView(byFunderTable, v.byFunder, { caption: 'By funder', captionClasses: 'govuk-table__caption--m', page }),
    byYear: tableView(byYearTable, v.byYear, { caption: 'By financial year', captionClasses: 'govuk-table__caption--m', page }),
    grants: tableView(grantsTable, v.grants, {
      caption: plural(v.grants.length, 'grant'),
      captionClasses: 'govuk-table__caption--m',
      page,
    }),
    contracts: tableView(contractsTable, v.contracts, {
      caption: plural(v.contracts.length, 'commissioned contract'),
      captionClasses: 'govuk-table__caption--m',
      page,
    }),
    funders: tableView(fundersTable, v.funders, {
      caption: plural(v.funders.length, 'funder'),
      captionClasses: 'govuk-table__caption--m',
      page,
    }),
  })

  const fundingContext = async (request: FastifyRequest) => {
    const v = await funding.view(p(request).id, viewer(request))
    return {
      title: 'Funding',
      base: base(request),
      here: fundingHref(request),
      canEdit: hasRole(request, 'editor'),
      funding: v,
      totals: {
        granted: formatPence(v.totals.grantedPence),
        spent: formatPence(v.totals.spentPence),
        contracts: formatPence(v.totals.contractsPence),
      },
      tables: summaryTables(v, { base: base(request) }),
      charts: await summaryCharts(v),
      values: { visibility: v.public ? 'public' : 'members', version: v.settingsVersion },
      breadcrumbs: crumbs(request).slice(0, 2),
    }
  }

  app.get<{ Querystring: Static<typeof FundingQuery> }>(
    '/partnerships/:partnership/funding',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: FundingQuery } },
    async (request, reply) => {
      if (request.query.format) {
        const v = await funding.view(p(request).id, viewer(request))
        const name = (request.query.table ?? 'grants') as Download
        const { rows, table } = download(v, name)
        if (sendExport(reply, request.query.format, `funding-${p(request).slug}-${name}`, rows, table)) return reply
      }
      return reply.view(`${V}/funding.njk`, await fundingContext(request))
    },
  )

  app.post(
    '/partnerships/:partnership/funding/settings',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/funding.njk`,
        context: () => fundingContext(request),
        run: async () => {
          const shown = await funding.setPublic(p(request).id, parseForm(SettingsInput, formBody(request)), request.actor)
          return {
            redirect: fundingHref(request),
            flash: shown ? 'Funding is shown to the public while the partnership is published' : 'Funding is shown to members only',
          }
        },
      }),
  )

  app.get<{ Querystring: Static<typeof PrintQuery> }>(
    '/partnerships/:partnership/funding/print',
    { config: { access: { partnership: 'public' } }, schema: { params: PartnershipParams, querystring: PrintQuery } },
    async (request, reply) => {
      const v = await funding.view(p(request).id, viewer(request))
      if (request.query.format === 'pdf')
        return sendPdf(request, reply, services.pdf, {
          path: `${fundingHref(request)}/print`,
          title: `${p(request).name}: funding`,
          author: p(request).name,
          subject: 'Funding: grants, allocations, spend and commissioned contracts',
          filename: `${fileNamePart(p(request).slug)}-funding.pdf`,
          header: { left: p(request).name, right: 'Funding' },
          footer: `${p(request).name}: funding`,
        })
      return reply.view(`${V}/print.njk`, {
        title: `${p(request).name}: funding`,
        funding: v,
        totals: {
          granted: formatPence(v.totals.grantedPence),
          spent: formatPence(v.totals.spentPence),
          contracts: formatPence(v.totals.contractsPence),
        },
        tables: summaryTables(v, { base: base(request) }),
        charts: await summaryCharts(v),
        grantAllocations: v.grants.map((g) => ({
          grant: g,
          amount: formatPence(g.pence),
          table: tableView(allocationsTable, g.allocations, {
            caption: `${g.title} (${g.funder}, ${g.financial_year}): ${formatPence(g.pence)}`,
            captionClasses: 'govuk-table__caption--s',
            omit: ['actions'],
          }),
        })),
        breadcrumbs: crumbs(request),
      })
    },
  )

  // ---- Generic form pages ----

  type Field = {
    type: 'text' | 'money' | 'textarea' | 'select' | 'radios' | 'date'
    name: string
    label: string
    hint?: string
    items?: { value: unknown; text: string }[]
    blank?: string
    width?: string
  }
  const formContext = (
    request: FastifyRequest,
    opts: { title: string; caption?: string; action: string; cancel: string; fields: Field[]; intro?: string; history?: string },
  ) => ({
    ...opts,
    base: base(request),
    breadcrumbs: crumbs(request),
  })

  // ---- Funders ----

  const kindItems = FUNDER_KINDS.map((k) => ({ value: k, text: KIND_LABELS[k] }))
  const funderForm = async (request: FastifyRequest) =>
    formContext(request, {
      title: 'Add a funder',
      action: `${fundingHref(request)}/funders/new`,
      cancel: fundingHref(request),
      intro:
        'Who gives the partnership money: the police and crime commissioner, the Home Office, the public health grant, a council or another body.',
      fields: [
        { type: 'text', name: 'name', label: 'Name', hint: 'Like West Mercia Police and Crime Commissioner' },
        { type: 'radios', name: 'kind', label: 'Kind of funder', items: kindItems },
        {
          type: 'select',
          name: 'organisationId',
          label: 'Organisation (optional)',
          hint: 'The organisation in the directory, if it is there',
          items: (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name })),
          blank: 'None',
        },
      ],
    })

  app.get(
    '/partnerships/:partnership/funding/funders/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/form.njk`, { ...(await funderForm(request)), values: {} }),
  )
  app.post(
    '/partnerships/:partnership/funding/funders/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => funderForm(request),
        run: async () => {
          const f = await funding.createFunder(p(request).id, parseForm(FunderInput, formBody(request)), request.actor)
          return { redirect: `${fundingHref(request)}#funders`, flash: `${f.name} added` }
        },
      }),
  )

  // ---- Grants ----

  const grantFields = async (request: FastifyRequest, editing: boolean): Promise<Field[]> => [
    { type: 'select', name: 'funderId', label: 'Funder', items: await funding.funderChoices(p(request).id), blank: 'Choose a funder' },
    { type: 'text', name: 'title', label: 'Title', hint: 'Like Community safety grant 2016/17' },
    { type: 'text', name: 'financialYear', label: 'Financial year', hint: 'Like 2016/17', width: 'govuk-input--width-5' },
    { type: 'money', name: 'amount', label: 'Amount', hint: 'In pounds, like 80,000', width: 'govuk-input--width-10' },
    {
      type: 'textarea',
      name: 'conditions',
      label: 'Conditions (optional)',
      hint: 'What the funder asks in return: reporting, match funding, what it may not pay for',
    },
    { type: 'date', name: 'startsOn', label: 'Start date (optional)', hint: 'For example, 1 4 2016' },
    { type: 'date', name: 'endsOn', label: 'End date (optional)', hint: 'For example, 31 3 2017' },
    ...(editing
      ? [
          {
            type: 'radios' as const,
            name: 'status',
            label: 'Status',
            hint: 'A closed grant is frozen: nothing more can be allocated from it or spent against it',
            items: [
              { value: 'open', text: 'Open' },
              { value: 'closed', text: 'Closed' },
            ],
          },
        ]
      : []),
  ]
  const newGrantForm = async (request: FastifyRequest) =>
    formContext(request, {
      title: 'Add a grant',
      action: `${fundingHref(request)}/grants/new`,
      cancel: fundingHref(request),
      intro: (await funding.funderChoices(p(request).id)).length
        ? undefined
        : 'Add the funder first: the grant form lists the partnership’s funders.',
      fields: await grantFields(request, false),
    })
  app.get(
    '/partnerships/:partnership/funding/grants/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/form.njk`, { ...(await newGrantForm(request)), values: {} }),
  )
  app.post(
    '/partnerships/:partnership/funding/grants/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => newGrantForm(request),
        run: async () => {
          const g = await funding.createGrant(p(request).id, parseForm(GrantInput, formBody(request)), request.actor)
          return { redirect: `${fundingHref(request)}/grants/${g.id}`, flash: `${g.title} added` }
        },
      }),
  )

  const grantOf = (request: FastifyRequest) => funding.grant(p(request).id, (request.params as { grant: number }).grant, viewer(request))
  const grantHref = (request: FastifyRequest, g: { id: number }) => `${fundingHref(request)}/grants/${g.id}`
  const grantContext = (request: FastifyRequest, g: GrantView) => {
    const page = { grantHref: grantHref(request, g), csrfToken: request.csrfToken }
    const editor = hasRole(request, 'editor') && g.status === 'open'
    return {
      title: g.title,
      base: base(request),
      grant: g,
      amounts: {
        amount: formatPence(g.pence),
        allocated: formatPence(g.allocatedPence),
        unallocated: formatPence(g.unallocatedPence),
        spent: formatPence(g.spentPence),
        remaining: formatPence(g.remainingPence),
      },
      canEdit: hasRole(request, 'editor'),
      here: grantHref(request, g),
      allocations: tableView(allocationsTable, g.allocations, {
        caption: 'Allocations',
        captionClasses: 'govuk-table__caption--m',
        omit: editor ? [] : ['actions'],
        page,
      }),
      spend: tableView(spendTable, spendLines(g), {
        caption: 'Spending',
        captionClasses: 'govuk-table__caption--m',
        omit: editor ? [] : ['actions'],
        page,
      }),
      historyHref: historyHref(request, 'grant', g.id, grantHref(request, g)),
      breadcrumbs: crumbs(request),
    }
  }

  app.get<{ Querystring: Static<typeof GrantQuery> }>(
    '/partnerships/:partnership/funding/grants/:grant',
    { config: { access: { partnership: 'public' } }, schema: { params: GrantParams, querystring: GrantQuery } },
    async (request, reply) => {
      const g = await grantOf(request)
      const name = `funding-${p(request).slug}-grant-${g.id}-${request.query.table ?? 'allocations'}`
      if (
        request.query.table === 'spend'
          ? sendExport(reply, request.query.format, name, spendLines(g), spendTable)
          : sendExport(reply, request.query.format, name, g.allocations, allocationsTable)
      )
        return reply
      return reply.view(`${V}/grant.njk`, grantContext(request, g))
    },
  )

  const editGrantForm = async (request: FastifyRequest, g: GrantView) =>
    formContext(request, {
      title: `Change ${g.title}`,
      action: `${grantHref(request, g)}/edit`,
      cancel: grantHref(request, g),
      fields: await grantFields(request, true),
      history: historyHref(request, 'grant', g.id, grantHref(request, g)),
    })
  app.get(
    '/partnerships/:partnership/funding/grants/:grant/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: GrantParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return reply.view(`${V}/form.njk`, {
        ...(await editGrantForm(request, g)),
        values: {
          funderId: g.funder_id,
          title: g.title,
          financialYear: g.financial_year,
          amount: poundsText(g.pence),
          conditions: g.conditions,
          status: g.status,
          version: g.version,
          ...dateParts('startsOn', g.starts_on),
          ...dateParts('endsOn', g.ends_on),
        },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/grants/:grant/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: GrantParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => editGrantForm(request, g),
        run: async () => {
          const changed = await funding.updateGrant(p(request).id, g.id, parseForm(GrantInput, formBody(request)), request.actor)
          return { redirect: grantHref(request, g), flash: `${changed.title} updated` }
        },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/grants/:grant/delete',
    { config: { access: { partnership: 'editor' } }, schema: { params: GrantParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return handleForm(request, reply, {
        template: `${V}/grant.njk`,
        context: async () => grantContext(request, g),
        run: async () => {
          await funding.removeGrant(p(request).id, g.id, formVersion(request), request.actor)
          return { redirect: fundingHref(request), flash: `${g.title} deleted` }
        },
      })
    },
  )

  // ---- Allocations and spend ----

  const allocationForm = async (request: FastifyRequest, g: GrantView) =>
    formContext(request, {
      title: 'Allocate money from this grant',
      caption: `${g.title}: ${formatPence(g.unallocatedPence)} of ${formatPence(g.pence)} left to allocate`,
      action: `${grantHref(request, g)}/allocations/new`,
      cancel: grantHref(request, g),
      intro: 'Allocate to a priority of the partnership’s agreement, to a named project, or to a project under a priority.',
      fields: [
        {
          type: 'select',
          name: 'priorityLineage',
          label: 'Priority',
          items: await funding.priorityChoices(p(request).id),
          blank: 'No priority',
        },
        { type: 'text', name: 'project', label: 'Project (optional)', hint: 'Like Analytical support' },
        { type: 'money', name: 'amount', label: 'Amount', hint: 'In pounds, like 30,000', width: 'govuk-input--width-10' },
      ],
    })
  app.get(
    '/partnerships/:partnership/funding/grants/:grant/allocations/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: GrantParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return reply.view(`${V}/form.njk`, { ...(await allocationForm(request, g)), values: {} })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/grants/:grant/allocations/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: GrantParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => allocationForm(request, g),
        run: async () => {
          const a = await funding.addAllocation(p(request).id, g.id, parseForm(AllocationInput, formBody(request)), request.actor)
          return { redirect: grantHref(request, g), flash: `${formatPence(Math.round(a.amount * 100))} allocated` }
        },
      })
    },
  )
  const allocationOf = (request: FastifyRequest, g: GrantView) => {
    const a = g.allocations.find((x) => x.id === (request.params as { allocation: number }).allocation)
    if (!a) throw new NotFoundError()
    return a
  }
  const editAllocationForm = async (request: FastifyRequest, g: GrantView, a: AllocationView) => ({
    ...(await allocationForm(request, g)),
    title: 'Change an allocation',
    action: `${grantHref(request, g)}/allocations/${a.id}/edit`,
    history: historyHref(request, 'grant_allocation', a.id, grantHref(request, g)),
  })
  app.get(
    '/partnerships/:partnership/funding/grants/:grant/allocations/:allocation/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: AllocationParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      const a = allocationOf(request, g)
      return reply.view(`${V}/form.njk`, {
        ...(await editAllocationForm(request, g, a)),
        values: { priorityLineage: a.priority_lineage, project: a.project, amount: poundsText(a.pence), version: a.version },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/grants/:grant/allocations/:allocation/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: AllocationParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      const a = allocationOf(request, g)
      return handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => editAllocationForm(request, g, a),
        run: async () => {
          const changed = await funding.updateAllocation(
            p(request).id,
            g.id,
            a.id,
            parseForm(AllocationInput, formBody(request)),
            request.actor,
          )
          return { redirect: grantHref(request, g), flash: `Allocation changed to ${formatPence(Math.round(changed.amount * 100))}` }
        },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/grants/:grant/allocations/:allocation/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: AllocationParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return handleForm(request, reply, {
        template: `${V}/grant.njk`,
        context: async () => grantContext(request, g),
        run: async () => {
          await funding.removeAllocation(
            p(request).id,
            g.id,
            (request.params as { allocation: number }).allocation,
            formVersion(request),
            request.actor,
          )
          return { redirect: grantHref(request, g), flash: 'Allocation removed' }
        },
      })
    },
  )

  const spendForm = async (request: FastifyRequest, g: GrantView) =>
    formContext(request, {
      title: 'Record spending',
      caption: `${g.title}: ${formatPence(g.remainingPence)} left to spend`,
      action: `${grantHref(request, g)}/spend/new`,
      cancel: grantHref(request, g),
      intro: g.allocations.length ? undefined : 'Allocate money from this grant first: spending is recorded against an allocation.',
      fields: [
        {
          type: 'select',
          name: 'allocationId',
          label: 'Spent on',
          items: g.allocations.map((a) => ({ value: a.id, text: `${a.label} (${formatPence(a.remainingPence)} left)` })),
          blank: 'Choose an allocation',
        },
        { type: 'date', name: 'spentOn', label: 'Date spent', hint: 'For example, 14 9 2016' },
        { type: 'money', name: 'amount', label: 'Amount', hint: 'In pounds, like 2,500', width: 'govuk-input--width-10' },
        { type: 'text', name: 'description', label: 'Description', hint: 'Like Refuge places, September' },
      ],
    })
  app.get(
    '/partnerships/:partnership/funding/grants/:grant/spend/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: GrantParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return reply.view(`${V}/form.njk`, { ...(await spendForm(request, g)), values: {} })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/grants/:grant/spend/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: GrantParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => spendForm(request, g),
        run: async () => {
          const s = await funding.addSpend(p(request).id, g.id, parseForm(SpendInput, formBody(request)), request.actor)
          return { redirect: grantHref(request, g), flash: `${formatPence(Math.round(s.amount * 100))} spending recorded` }
        },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/grants/:grant/spend/:spend/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: SpendParams } },
    async (request, reply) => {
      const g = await grantOf(request)
      return handleForm(request, reply, {
        template: `${V}/grant.njk`,
        context: async () => grantContext(request, g),
        run: async () => {
          await funding.removeSpend(p(request).id, g.id, (request.params as { spend: number }).spend, formVersion(request), request.actor)
          return { redirect: grantHref(request, g), flash: 'Spending removed' }
        },
      })
    },
  )

  // ---- Contracts ----

  const contractFields = async (request: FastifyRequest): Promise<Field[]> => [
    { type: 'text', name: 'name', label: 'Name', hint: 'Like Alcohol and substance misuse contract' },
    {
      type: 'select',
      name: 'providerOrganisationId',
      label: 'Provider',
      hint: 'The organisation in the directory; if it is not there, type its name below',
      items: (await services.organisations.list()).map((o) => ({ value: o.id, text: o.name })),
      blank: 'Not in the list, or not known',
    },
    { type: 'text', name: 'providerName', label: 'Provider (if not in the list)' },
    {
      type: 'select',
      name: 'priorityLineage',
      label: 'Priority it serves',
      items: await funding.priorityChoices(p(request).id),
      blank: 'No priority',
    },
    { type: 'date', name: 'startsOn', label: 'Start date (optional)', hint: 'For example, 1 4 2019' },
    { type: 'date', name: 'endsOn', label: 'End date (optional)', hint: 'For example, 31 3 2022' },
    { type: 'textarea', name: 'description', label: 'Description (optional)' },
  ]
  const newContractForm = async (request: FastifyRequest) =>
    formContext(request, {
      title: 'Add a commissioned contract',
      action: `${fundingHref(request)}/contracts/new`,
      cancel: fundingHref(request),
      intro: 'Add its budget for each year, and any co-funding, on the contract’s page once it is saved.',
      fields: await contractFields(request),
    })
  app.get(
    '/partnerships/:partnership/funding/contracts/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) => reply.view(`${V}/form.njk`, { ...(await newContractForm(request)), values: {} }),
  )
  app.post(
    '/partnerships/:partnership/funding/contracts/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: PartnershipParams } },
    async (request, reply) =>
      handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => newContractForm(request),
        run: async () => {
          const c = await funding.createContract(p(request).id, parseForm(ContractInput, formBody(request)), request.actor)
          return { redirect: `${fundingHref(request)}/contracts/${c.id}`, flash: `${c.name} added` }
        },
      }),
  )

  const contractOf = (request: FastifyRequest) =>
    funding.contract(p(request).id, (request.params as { contract: number }).contract, viewer(request))
  const contractHref = (request: FastifyRequest, c: { id: number }) => `${fundingHref(request)}/contracts/${c.id}`
  const contractContext = (request: FastifyRequest, c: ContractView) => ({
    title: c.name,
    base: base(request),
    contract: c,
    total: formatPence(c.totalPence),
    canEdit: hasRole(request, 'editor'),
    here: contractHref(request, c),
    lines: tableView(contractLinesTable, c.lines, {
      caption: 'Budget and co-funding',
      captionClasses: 'govuk-table__caption--m',
      omit: hasRole(request, 'editor') ? [] : ['actions'],
      page: { contractHref: contractHref(request, c), csrfToken: request.csrfToken },
    }),
    historyHref: historyHref(request, 'contract', c.id, contractHref(request, c)),
    breadcrumbs: crumbs(request),
  })
  app.get<{ Querystring: Static<typeof ContractQuery> }>(
    '/partnerships/:partnership/funding/contracts/:contract',
    { config: { access: { partnership: 'public' } }, schema: { params: ContractParams, querystring: ContractQuery } },
    async (request, reply) => {
      const c = await contractOf(request)
      if (sendExport(reply, request.query.format, `funding-${p(request).slug}-contract-${c.id}`, c.lines, contractLinesTable)) return reply
      return reply.view(`${V}/contract.njk`, contractContext(request, c))
    },
  )
  const editContractForm = async (request: FastifyRequest, c: ContractView) =>
    formContext(request, {
      title: `Change ${c.name}`,
      action: `${contractHref(request, c)}/edit`,
      cancel: contractHref(request, c),
      fields: await contractFields(request),
      history: historyHref(request, 'contract', c.id, contractHref(request, c)),
    })
  app.get(
    '/partnerships/:partnership/funding/contracts/:contract/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ContractParams } },
    async (request, reply) => {
      const c = await contractOf(request)
      return reply.view(`${V}/form.njk`, {
        ...(await editContractForm(request, c)),
        values: {
          name: c.name,
          providerOrganisationId: c.provider_organisation_id,
          providerName: c.provider_name,
          priorityLineage: c.priority_lineage,
          description: c.description,
          version: c.version,
          ...dateParts('startsOn', c.starts_on),
          ...dateParts('endsOn', c.ends_on),
        },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/contracts/:contract/edit',
    { config: { access: { partnership: 'editor' } }, schema: { params: ContractParams } },
    async (request, reply) => {
      const c = await contractOf(request)
      return handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => editContractForm(request, c),
        run: async () => {
          const changed = await funding.updateContract(p(request).id, c.id, parseForm(ContractInput, formBody(request)), request.actor)
          return { redirect: contractHref(request, c), flash: `${changed.name} updated` }
        },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/contracts/:contract/delete',
    { config: { access: { partnership: 'editor' } }, schema: { params: ContractParams } },
    async (request, reply) => {
      const c = await contractOf(request)
      return handleForm(request, reply, {
        template: `${V}/contract.njk`,
        context: async () => contractContext(request, c),
        run: async () => {
          await funding.removeContract(p(request).id, c.id, formVersion(request), request.actor)
          return { redirect: `${fundingHref(request)}#contracts`, flash: `${c.name} deleted` }
        },
      })
    },
  )

  const lineForm = async (request: FastifyRequest, c: ContractView) =>
    formContext(request, {
      title: 'Add a budget line',
      caption: c.name,
      action: `${contractHref(request, c)}/lines/new`,
      cancel: contractHref(request, c),
      intro:
        'One line for each financial year and funder: the contract’s own budget, and co-funding from another funder as a line of its own.',
      fields: [
        { type: 'text', name: 'financialYear', label: 'Financial year', hint: 'Like 2019/20', width: 'govuk-input--width-5' },
        { type: 'select', name: 'funderId', label: 'Funder', items: await funding.funderChoices(p(request).id), blank: 'Choose a funder' },
        { type: 'money', name: 'amount', label: 'Amount', hint: 'In pounds, like 3,798,000', width: 'govuk-input--width-10' },
        { type: 'text', name: 'note', label: 'Note (optional)' },
      ],
    })
  app.get(
    '/partnerships/:partnership/funding/contracts/:contract/lines/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: ContractParams } },
    async (request, reply) => {
      const c = await contractOf(request)
      return reply.view(`${V}/form.njk`, { ...(await lineForm(request, c)), values: {} })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/contracts/:contract/lines/new',
    { config: { access: { partnership: 'editor' } }, schema: { params: ContractParams } },
    async (request, reply) => {
      const c = await contractOf(request)
      return handleForm(request, reply, {
        template: `${V}/form.njk`,
        context: () => lineForm(request, c),
        run: async () => {
          await funding.addContractLine(p(request).id, c.id, parseForm(ContractLineInput, formBody(request)), request.actor)
          return { redirect: contractHref(request, c), flash: 'Budget line added' }
        },
      })
    },
  )
  app.post(
    '/partnerships/:partnership/funding/contracts/:contract/lines/:line/remove',
    { config: { access: { partnership: 'editor' } }, schema: { params: LineParams } },
    async (request, reply) => {
      const c = await contractOf(request)
      return handleForm(request, reply, {
        template: `${V}/contract.njk`,
        context: async () => contractContext(request, c),
        run: async () => {
          await funding.removeContractLine(
            p(request).id,
            c.id,
            (request.params as { line: number }).line,
            formVersion(request),
            request.actor,
          )
          return { redirect: contractHref(request, c), flash: 'Budget line removed' }
        },
      })
    },
  )

  // ---- JSON API ----

  app.get(
    '/api/v1/partnerships/:partnership/funding',
    {
      config: { access: { partnership: 'public' } },
      schema: {
        tags: ['Funding'],
        summary:
          "The partnership's funding: funders, grants with their allocations (to priorities by lineage, or projects), spend and balances, commissioned contracts with their budget lines, and the summaries by priority, funder and year. Amounts in pounds. Public when the partnership is published and its funding is public; otherwise members only (404 for others).",
        security: [],
        params: PartnershipParams,
        response: { 200: FundingJson },
      },
    },
    async (request) => fundingJson(p(request).slug, await funding.view(p(request).id, viewer(request))),
  )
}
