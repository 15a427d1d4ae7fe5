/**
 * The demo: real content from published council papers (src/demo/content/*.json, sources in its README),
 * entered through the same services as a user would, so every record is validated and audited.
 * Loads in one transaction. Refreshes (replaces the demo partnerships) when the content or this loader changes;
 * otherwise does nothing, so `safer demo` on an existing data folder starts at once.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { srcDir } from '../platform/paths.ts'
import type { Services } from '../services.ts'
import type { Queryable } from '../platform/db/index.ts'
import { getSetting, setSetting } from '../platform/settings.ts'
import type { Actor } from '../platform/audit.ts'
import type { Role } from '../platform/auth/service.ts'
import { DEMO_LOGINS } from './logins.ts'
import { loadScorecardDemo } from '../scorecard/demo.ts'
import { loadPlanDemo } from '../plans/demo.ts'
import { loadFundingDemo } from '../funding/demo.ts'
import { loadReportsDemo } from '../reports/demo.ts'
import { loadWorkProgrammeDemo } from '../scrutiny/work-programme-demo.ts'
import { loadPackDemo } from '../packs/demo.ts'
import {
  loadChannelPanelDemo,
  loadHerefordshireScrutinyDemo,
  loadScrutinyDemo,
  loadWorcestershireScrutinyDemo,
  SCRUTINY_DEMO_SLUGS,
} from '../scrutiny/demo.ts'
import { loadHampshireDecisionsDemo, loadWorcestershireDecisionsDemo } from '../scrutiny/decisions-demo.ts'

const here = path.join(srcDir, 'demo')
const FILES = ['hampshire', 'worcestershire', 'herefordshire']
const actor: Actor = { id: null, name: 'Safer demo loader' }

interface Content {
  partnership: { slug: string; name: string; shortName?: string; areaCode?: string; chair?: { person?: string; organisation?: string } }
  areas: { code: string; name: string; type: string }[]
  organisations: { name: string; type: string; responsibleAuthority?: boolean }[]
  bodies: {
    slug: string
    name: string
    type: string
    areaCode?: string | null
    reportsTo?: string | null
    meetingFrequency?: string | null
    statutoryBasis?: string | null
    termsOfReference?: string | null
    members: { organisation?: string | null; person?: string | null; role: string }[]
  }[]
  strategicAssessment: {
    title: string
    periodStart?: string
    periodEnd?: string
    dateAgreed?: string | null
    evidenceSources?: string[]
    otherEvidence?: string
    summary?: string
  } | null
  agreementVersions: {
    title: string
    periodStart?: string
    periodEnd?: string
    status: 'draft' | 'agreed' | 'superseded'
    dateAgreed?: string | null
    notes?: string
    priorities: {
      number: number
      title: string
      description?: string
      /** An editorial note, apart from the priority's text ("Priority 1 in the October 2019 draft, unchanged"). */
      note?: string
      leads: string[]
      ownership?: { level?: string; statement?: string }
      previousNumber?: number | null
    }[]
  }[]
  assessmentRounds: {
    title: string
    date: string
    agreementVersion: number
    /** Cells as the round was first published, before a later change was approved and published again (so its differences show). */
    firstPublication?: { about?: string; cells: DemoCell[] }
    cells: DemoCell[]
  }[]
}

interface DemoCell {
  priority: number
  dimension: string
  rating?: number | null
  findings: string[]
  developmentAreas: string[]
}

export function demoContent(): Content[] {
  return FILES.map((f) => JSON.parse(fs.readFileSync(path.join(here, 'content', `${f}.json`), 'utf8')))
}

function contentHash() {
  const h = crypto.createHash('sha256')
  for (const f of FILES) h.update(fs.readFileSync(path.join(here, 'content', `${f}.json`)))
  h.update(fs.readFileSync(path.join(here, 'load.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'scorecard', 'demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'plans', 'demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'funding', 'demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'reports', 'demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'scrutiny', 'demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'scrutiny', 'decisions-demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'scrutiny', 'work-programme-demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'scrutiny', 'cabinet-minutes-demo.ts')))
  h.update(fs.readFileSync(path.join(srcDir, 'packs', 'demo.ts')))
  return h.digest('hex').slice(0, 16)
}

/** null for empty strings and missing values, so optional fields validate. */
function opt<T>(v: T | null | undefined): T | undefined {
  return v === null || v === undefined || (v as unknown) === '' ? undefined : v
}

export async function loadDemo(s: Services, opts: { force?: boolean } = {}): Promise<{ loaded: boolean; summary: string }> {
  const hash = contentHash()
  const stored = await getSetting(s.db, 'demo_hash')
  if (!opts.force && stored === hash) return { loaded: false, summary: '' }
  const contents = demoContent()
  const counts = { partnerships: 0, bodies: 0, priorities: 0, cells: 0, actions: 0 }

  await s.db.transaction(async (tx) => {
    // Refresh: the demo partnerships are replaced whole (their bodies, agreements and rounds go with them).
    await s.partnerships.removeBySlugs([...contents.map((c) => c.partnership.slug), ...SCRUTINY_DEMO_SLUGS], actor, tx)

    const orgIds = new Map<string, number>()
    for (const c of contents) {
      for (const a of c.areas) {
        if (!(await s.organisations.hasArea(a.code, tx))) await s.organisations.createArea(a, actor, tx)
      }
      for (const o of c.organisations) {
        const found = await s.organisations.byName(o.name, tx)
        orgIds.set(
          o.name,
          found
            ? found.id
            : (
                await s.organisations.create(
                  { name: o.name, type: o.type, responsibleAuthority: o.responsibleAuthority ?? false },
                  actor,
                  tx,
                )
              ).id,
        )
      }
    }
    const org = (name: string | null | undefined) => {
      if (!name) return undefined
      const id = orgIds.get(name)
      if (!id) throw new Error(`Demo content names an organisation it does not list: ${name}`)
      return id
    }

    const partnershipIds = new Map<string, number>()
    for (const c of contents) {
      const p = await s.partnerships.create(
        {
          slug: c.partnership.slug,
          name: c.partnership.name,
          shortName: opt(c.partnership.shortName),
          areaCode: opt(c.partnership.areaCode),
          published: true,
        },
        actor,
        tx,
      )
      partnershipIds.set(p.slug, p.id)
      counts.partnerships++
      await loadGovernance(s, tx, p.id, c, org)
      counts.bodies += c.bodies.length
      const versionIds = await loadAgreement(s, tx, p.id, c, org)
      counts.priorities += c.agreementVersions.reduce((n, v) => n + v.priorities.length, 0)
      counts.cells += await loadAssessments(s, tx, p.id, c, versionIds)
    }
    // Hampshire County Council's council workspace: its select committee and the meeting of seed 000.
    partnershipIds.set('hampshire-county-council', await loadScrutinyDemo(s, tx, actor, partnershipIds))
    // Herefordshire Council's general overview and scrutiny committee of seed 002, with illustrative recommendations to HCSP.
    partnershipIds.set('herefordshire-council', await loadHerefordshireScrutinyDemo(s, tx, actor, partnershipIds))
    // Worcestershire County Council's Overview and Scrutiny Performance Board and its panels (seed 004).
    const worcestershire = await loadWorcestershireScrutinyDemo(s, tx, actor, partnershipIds)
    partnershipIds.set('worcestershire-county-council', worcestershire.councilId)
    // Decision records and call-in (Hampshire's Cabinet, seed 001); Worcestershire's forward plan and panels' feedback (seed 004).
    await loadHampshireDecisionsDemo(s, tx, actor, partnershipIds.get('hampshire-county-council')!)
    await loadWorcestershireDecisionsDemo(s, tx, actor, worcestershire.councilId)
    await loadWorkProgrammeDemo(s, tx, actor) // Seed 000's work programme table (Hampshire) and seed 004's criteria scored (Worcestershire).
    // What Hampshire's and Worcestershire's agenda packs print on their notice of meeting (seeds 000 and 004).
    await loadPackDemo(s, tx, actor, partnershipIds)
    // Hampshire's Channel Panel with the agencies required to attend, and illustrative meetings with their attendance.
    await loadChannelPanelDemo(s, tx, actor, partnershipIds)
    await loadUsers(s, tx, partnershipIds, orgIds)
    // Hampshire's action plan: an action for each development area of its latest assessment round.
    counts.actions = await loadPlanDemo(s, tx, partnershipIds.get('hampshire')!, actor)
    await setSetting(tx, 'demo_hash', hash)
  })
  // The scorecard's indicators and figures from the seeds, on the partnerships just loaded.
  const figures = await loadScorecardDemo(s, actor)
  // Grants, allocations and contracts from the seeds (Herefordshire 2016/17, Worcestershire 2019/20), in one transaction.
  const funded = await s.db.transaction((tx) => loadFundingDemo(s, actor, tx))
  // Reports for the seeds' agenda items, drafted from the data just loaded (outside a transaction: they read every service).
  const reported = await loadReportsDemo(s, actor)
  return {
    loaded: true,
    summary: `${counts.partnerships} partnerships, ${counts.bodies} bodies, ${counts.priorities} priorities, ${counts.cells} assessment cells, ${counts.actions} plan actions, ${figures} scorecard figures, ${funded} grants and contracts, ${reported} reports`,
  }
}

async function loadGovernance(
  s: Services,
  tx: Queryable,
  partnershipId: number,
  c: Content,
  org: (n?: string | null) => number | undefined,
) {
  const bodyIds = new Map<string, number>()
  for (const [i, b] of c.bodies.entries()) {
    const top = i === 0
    const body = await s.governance.create(
      partnershipId,
      {
        name: b.name,
        slug: b.slug,
        type: b.type,
        areaCode: opt(b.areaCode),
        meetingFrequency: opt(b.meetingFrequency),
        statutoryBasis: opt(b.statutoryBasis),
        termsOfReference: opt(b.termsOfReference),
        reportsToId: b.reportsTo ? bodyIds.get(b.reportsTo) : undefined,
        chairPerson: top ? opt(c.partnership.chair?.person) : undefined,
        chairOrganisationId: top ? org(c.partnership.chair?.organisation) : undefined,
      },
      actor,
      tx,
    )
    bodyIds.set(b.slug, body.id)
    for (const m of b.members) {
      await s.governance.addMember(body.id, { organisationId: org(m.organisation), person: opt(m.person), role: m.role }, actor, tx)
    }
  }
}

async function loadAgreement(
  s: Services,
  tx: Queryable,
  partnershipId: number,
  c: Content,
  org: (n?: string | null) => number | undefined,
) {
  let assessmentId: number | undefined
  if (c.strategicAssessment && c.strategicAssessment.title) {
    const a = c.strategicAssessment
    assessmentId = (
      await s.agreement.createStrategicAssessment(
        partnershipId,
        {
          title: a.title,
          periodStart: opt(a.periodStart),
          periodEnd: opt(a.periodEnd),
          dateAgreed: opt(a.dateAgreed),
          evidenceSources: a.evidenceSources ?? [],
          otherEvidence: opt(a.otherEvidence),
          summary: opt(a.summary),
          sensitivity: 'public',
        },
        actor,
        tx,
      )
    ).id
  }
  const versionIds: number[] = []
  let previous: { number: number; lineage_id: number }[] = []
  for (const v of c.agreementVersions) {
    const version = await s.agreement.createVersion(
      partnershipId,
      {
        title: v.title,
        periodStart: opt(v.periodStart),
        periodEnd: opt(v.periodEnd),
        notes: opt(v.notes),
        published: true,
        strategicAssessmentId: assessmentId,
      },
      actor,
      tx,
    )
    for (const p of v.priorities) {
      const lineageId = p.previousNumber ? previous.find((x) => x.number === p.previousNumber)?.lineage_id : undefined
      await s.agreement.addPriority(
        version.id,
        {
          number: p.number,
          title: p.title,
          description: opt(p.description),
          note: opt(p.note),
          leadIds: p.leads.map((l) => org(l)!),
          ownershipLevel: opt(p.ownership?.level),
          ownershipStatement: opt(p.ownership?.statement),
          lineageId,
        },
        actor,
        tx,
      )
    }
    if (v.status !== 'draft') await s.agreement.setStatus(version.id, { action: 'agree', dateAgreed: opt(v.dateAgreed) }, actor, tx)
    previous = (await s.agreement.priorities(version.id, tx)).map((p) => ({ number: p.number, lineage_id: p.lineage_id }))
    versionIds.push(version.id)
  }
  return versionIds
}

/**
 * Each round is recorded, then published as a whole, so the demo shows it to everyone. A round with a
 * `firstPublication` is first published with those cells as they were, then changed and published again, so its
 * publications have differences to show.
 */
async function loadAssessments(s: Services, tx: Queryable, partnershipId: number, c: Content, versionIds: number[]) {
  let cells = 0
  const dimensions = await s.assurance.dimensions(partnershipId, tx)
  for (const r of c.assessmentRounds) {
    const versionId = versionIds[r.agreementVersion]
    const round = await s.assurance.createRound(
      partnershipId,
      { title: r.title, assessedOn: r.date, agreementVersionId: versionId },
      actor,
      tx,
    )
    const priorities = await s.agreement.priorities(versionId, tx)
    const record = async (cell: DemoCell) => {
      const priority = priorities.find((p) => p.number === cell.priority)
      const dimension = dimensions.find((d) => d.name === cell.dimension)
      if (!priority || !dimension)
        throw new Error(`Demo round "${r.title}" names priority ${cell.priority} / dimension "${cell.dimension}", which do not exist`)
      await s.assurance.recordCell(
        round.id,
        priority.id,
        dimension.id,
        { rating: cell.rating ?? null, findings: cell.findings, developmentAreas: cell.developmentAreas },
        actor,
        tx,
      )
    }
    const first = r.firstPublication?.cells ?? []
    const isFirst = (x: DemoCell) => first.some((f) => f.priority === x.priority && f.dimension === x.dimension)
    for (const cell of r.cells) {
      await record(first.find((f) => f.priority === cell.priority && f.dimension === cell.dimension) ?? cell)
      cells++
    }
    await s.assurance.publishRound(partnershipId, round.id, actor, tx)
    if (first.length) {
      for (const cell of r.cells.filter(isFirst)) await record(cell)
      await s.assurance.publishRound(partnershipId, round.id, actor, tx)
    }
  }
  return cells
}

async function loadUsers(s: Services, tx: Queryable, partnershipIds: Map<string, number>, orgIds: Map<string, number>) {
  for (const a of DEMO_LOGINS.accounts) {
    let user = await s.auth.findUserByEmail(a.email, tx)
    if (!user) {
      user = await s.auth.createUser(
        {
          email: a.email,
          name: a.name,
          password: DEMO_LOGINS.password,
          siteAdmin: a.siteAdmin,
          organisationId: a.organisation ? orgIds.get(a.organisation) : undefined,
        },
        actor,
        tx,
      )
    }
    if (a.role) {
      await s.partnerships.grantRole(user.id, partnershipIds.get('hampshire')!, a.role as Role, actor, tx)
      // The partnership manager also looks after the other demo partnerships.
      if (a.role === 'admin')
        for (const slug of [
          'worcestershire',
          'herefordshire',
          'hampshire-county-council',
          'herefordshire-council',
          'worcestershire-county-council',
        ])
          await s.partnerships.grantRole(user.id, partnershipIds.get(slug)!, 'admin', actor, tx)
    }
  }
}
