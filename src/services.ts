/**
 * Every service, built from the database and returned as a plain object (no container).
 * A capability talks to another through its service, never its tables.
 */
import crypto from 'node:crypto'
import type { Db } from './platform/db/index.ts'
import { settingOrStore } from './platform/settings.ts'
import type { Config } from './config.ts'
import { authService } from './platform/auth/service.ts'
import { partnershipService } from './partnerships/service.ts'
import { organisationService } from './organisations/service.ts'
import { governanceService } from './governance/service.ts'
import { agreementService } from './agreement/service.ts'
import { assuranceService } from './assurance/service.ts'
import { assurancePrintSection } from './assurance/print.ts'
import { openAnalytics } from './platform/analytics.ts'
import { jobService } from './platform/jobs.ts'
import { pdfService } from './platform/pdf.ts'
import { outboxService } from './platform/email/outbox.ts'
import { geographyService } from './geography/service.ts'
import { crimeService } from './crime/service.ts'
import { archiveLimits } from './platform/sources.ts'
import { scorecardService } from './scorecard/service.ts'
import { stalePreviews } from './scorecard/cleanup.ts'
import { auditWordsRegistry } from './platform/audit.ts'
import { describePlatformHistory } from './platform/history-words.ts'
import { describePartnershipHistory } from './partnerships/history.ts'
import { describeOrganisationHistory } from './organisations/history.ts'
import { describeGovernanceHistory } from './governance/history.ts'
import { describeAgreementHistory } from './agreement/history.ts'
import { describeAssuranceHistory } from './assurance/history.ts'
import { describeGeographyHistory } from './geography/history.ts'
import { describeScorecardHistory } from './scorecard/history.ts'
import { siteService } from './site/service.ts'
import { planService } from './plans/service.ts'
import { describePlanHistory } from './plans/history.ts'
import { returnService } from './plans/returns.ts'
import { progressService } from './plans/progress.ts'
import { developmentAreaActions } from './plans/area-actions.ts'
import { fundingService } from './funding/service.ts'
import { describeFundingHistory } from './funding/history.ts'
import { scrutinyService } from './scrutiny/service.ts'
import { describeScrutinyHistory } from './scrutiny/history.ts'
import { recommendationService } from './scrutiny/recommendations.ts'
import { decisionService } from './scrutiny/decisions.ts'
import { forwardPlanService } from './scrutiny/forward-plan.ts'
import { describeDecisionHistory } from './scrutiny/decision-history.ts'
import { describeWorkProgrammeHistory, workProgrammeService } from './scrutiny/work-programme.ts'
import { proceedingsService } from './scrutiny/proceedings.ts'
import { packsService } from './packs/service.ts'
import { reportService } from './reports/service.ts'

export async function services(db: Db, config: Config) {
  const secret = config.secret ?? (await storedSecret(db))
  const organisations = organisationService(db)
  // Background and scheduled work; jobs this machine was running when its process died are marked interrupted.
  const jobs = jobService(db)
  await jobs.markInterrupted()
  // Print views to PDF in headless Chromium, as jobs; the browser is closed when idle.
  const pdf = pdfService({ chromiumPath: config.chromiumPath, idleMs: config.pdfIdleSeconds * 1000, jobs })
  // Email: written to the outbox in the transaction of the change that causes it, sent by the 'email:send' job
  // (held in the outbox, readable by site administrators, when no SMTP_URL is set).
  // The installation's own name, council or partnership, logo and colours (site administrators set them).
  const site = siteService(db, { serviceName: config.serviceName })
  await site.refresh()
  const outbox = outboxService(db, {
    jobs,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    serviceName: config.serviceName,
    brand: () => site.brand(),
  })
  jobs.define(outbox.job)
  await outbox.resume()
  // Accounts: invitations and password resets are emailed through the outbox.
  const auth = authService(db, config, { organisationName: (id, q) => organisations.name(id, q) }, { outbox })
  const partnerships = partnershipService(db, { auth, organisations, outbox, serviceName: config.serviceName })
  const governance = governanceService(db, { organisations })
  const agreement = agreementService(db, { organisations, partnerships })
  // Who may change a shared organisation depends on the partnerships that use it (docs/security.md, point 12).
  organisations.addUsage((id, q) => governance.partnershipsUsingOrganisation(id, q))
  organisations.addUsage((id, q) => agreement.partnershipsUsingOrganisation(id, q))
  const assurance = assuranceService(db, { agreement, auth, outbox })
  // Rounds published before sign-off existed get their first publication (once).
  await assurance.snapshotLegacyRounds()
  // What the capabilities built on partnerships add to them: partnerships itself names none of them.
  partnerships.onCreate((tx, p, actor) => assurance.setUpDefaults(p.id, actor, tx))
  partnerships.addOverviewPanel({ order: 10, load: (p, opts) => governance.overview(p, opts) })
  partnerships.addOverviewPanel({ order: 20, load: (p, opts) => agreement.overview(p, opts) })
  agreement.addPrintSection(assurancePrintSection(assurance))
  partnerships.addOverviewPanel({
    order: 30,
    load: (p, opts) => assurance.overview(p, opts),
    manage: [{ text: 'Assurance dimensions and rating scale', path: 'assurance/settings' }],
  })
  // The analytics store (DuckDB) holds open crime data and the ONS geography; it lives in the data folder in both modes.
  const analytics = await openAnalytics({ dataDir: config.dataDir, memoryLimit: config.duckdbMemory, threads: config.duckdbThreads })
  // Each defines its import job (police.uk, ONS geography) on jobs.
  const geography = geographyService(db, analytics, { jobs, organisations, archive: archiveLimits(config) })
  const crime = crimeService(db, analytics, {
    geography,
    jobs,
    unpack: { archive: archiveLimits(config), marginBytes: config.diskMarginMb * 1024 * 1024 },
  })
  // How each kind of record reads in the History view and the audit log: each capability describes its own.
  const auditWords = auditWordsRegistry(db)
  describePlatformHistory(auditWords, auth)
  describePartnershipHistory(auditWords, db)
  describeOrganisationHistory(auditWords, db)
  describeGovernanceHistory(auditWords, db)
  describeAgreementHistory(auditWords, db)
  describeAssuranceHistory(auditWords, db)
  describeGeographyHistory(auditWords, db)
  describePlanHistory(auditWords, db)
  // The stores' tables, and coverage copied into the application database (in case a process was killed mid-import).
  await geography.setUp()
  await crime.setUp()
  // The performance scorecard: local figures in the database, police.uk ones counted through the crime service.
  const scorecard = scorecardService(db, analytics, { geography, crime, agreement, organisations })
  partnerships.addOverviewPanel({ order: 40, load: (p, opts) => scorecard.overview(p, opts) })
  describeScorecardHistory(auditWords, db, scorecard.peers)
  // Action plans: each agreement version's plan; a new version starts with the open items of the one it copies.
  const plans = planService(db, analytics, { agreement, assurance, organisations, auth, scorecard })
  agreement.onVersionCreated((tx, version, from, actor) => plans.onVersionCreated(tx, version, from, actor))
  partnerships.addOverviewPanel({ order: 35, load: (p, opts) => plans.overview(p, opts) })
  // The assurance pages show each development area's actions (assurance does not depend on plans).
  assurance.addDevelopmentAreaActions(developmentAreaActions(plans))
  // Quarterly returns on the plans: emails through the outbox, a daily job reminding leads before the deadline.
  const planReturns = returnService(db, { plans, auth, outbox, jobs, partnerships })
  await planReturns.schedule()
  // Progress against priorities: the report of each closed return (for its pages and the reports issue).
  const planProgress = progressService(db, { plans, agreement })
  // Upload previews nobody saved are deleted after 24 hours, by a job scheduled daily.
  const scorecardPreviews = stalePreviews(db, jobs)
  await scorecardPreviews.schedule()
  // Funding: grants, allocations to the agreement's priorities, spend and commissioned contracts.
  const funding = fundingService(db, { organisations, agreement })
  organisations.addUsage((id, q) => funding.partnershipsUsingOrganisation(id, q))
  partnerships.addOverviewPanel({ order: 50, load: (p, opts) => funding.overview(p, opts) })
  describeFundingHistory(auditWords, db)
  // Scrutiny: a council workspace's committees and meetings; a partnership's box names the committees scrutinising it.
  const scrutiny = scrutinyService(db, { governance, partnerships, organisations })
  partnerships.addOverviewPanel({ order: 5, load: (p, opts) => scrutiny.overview(p, opts) })
  const recommendations = recommendationService(db, { governance, partnerships, scrutiny })
  partnerships.addOverviewPanel({ order: 6, load: (p, opts) => recommendations.overview(p, opts) })
  const decisions = decisionService(db, { governance, partnerships, scrutiny })
  const forwardPlan = forwardPlanService(db, { governance, partnerships })
  partnerships.addOverviewPanel({ order: 7, load: (p, opts) => decisions.overview(p, opts) })
  partnerships.addOverviewPanel({ order: 8, load: (p, opts) => forwardPlan.overview(p, opts) })
  // Minutes, documents on agenda items, organisations' attendance, the feeds' publications and the committees API.
  const proceedings = proceedingsService(db, { scrutiny, governance, partnerships, organisations })
  organisations.addUsage((id, q) => proceedings.partnershipsUsingOrganisation(id, q))
  describeScrutinyHistory(auditWords, db)
  describeDecisionHistory(auditWords, db)
  // Committees' work programmes: items planned for meetings become agenda items (through scrutiny's service).
  const workProgramme = workProgrammeService(db, { governance, scrutiny })
  describeWorkProgrammeHistory(auditWords, db)
  // Scrutiny's marks on the forward plan become work programme suggestions, in the mark's transaction: "refer to panel"
  // to the panel chosen, "to consider" to the council's first overview and scrutiny board or committee (else its first
  // scrutiny body) by name. A council with no scrutiny body has nobody to suggest to, so the mark is kept alone.
  forwardPlan.onMarked(async (q, entry, mark, actor) => {
    const bodies = await forwardPlan.panels(entry.partnership_id, q)
    const board = [...bodies].sort(
      (a, b) => Number(a.type === 'scrutiny panel') - Number(b.type === 'scrutiny panel') || a.name.localeCompare(b.name),
    )[0]
    const bodyId = mark.panel_body_id ?? board?.id
    if (!bodyId) return
    const detail = [
      `From the forward plan: ${entry.maker_name} expects to decide this on ${entry.decision_date}${entry.key_decision ? ' (a key decision)' : ''}.`,
      mark.note,
    ]
    await workProgramme.addSuggestion(
      q,
      entry.partnership_id,
      bodyId,
      { title: entry.title, detail: detail.filter(Boolean).join('\n\n'), source: 'forward plan', suggestedBy: actor.name },
      actor,
    )
  })
  // The Public Document Pack: a meeting's notice, agenda and papers as one PDF (the reports capability adds its reports
  // with packs.addItemSource); made packs are kept under the data folder.
  const packs = packsService(db, { scrutiny, proceedings, pdf, jobs, dataDir: config.dataDir })
  partnerships.addOverviewPanel({
    order: 9,
    load: async () => undefined,
    manage: [{ text: 'Agenda pack settings', path: 'pack-settings' }],
  })
  // Reports: council reports and the annual community safety report, drawn from the services above.
  const reports = reportService(db, {
    partnerships,
    governance,
    agreement,
    assurance,
    scorecard,
    planReturns,
    planProgress,
    funding,
    scrutiny,
    recommendations,
  })
  // The reports' published papers go into the pack of the meeting whose agenda item they are linked to.
  packs.addItemSource((councilId, items, opts) => reports.packParts(councilId, items, opts))
  return {
    db,
    analytics,
    secret,
    site,
    auditWords,
    jobs,
    pdf,
    outbox,
    auth,
    partnerships,
    organisations,
    governance,
    agreement,
    assurance,
    geography,
    crime,
    scorecard,
    plans,
    planReturns,
    planProgress,
    funding,
    scorecardPreviews,
    scrutiny,
    recommendations,
    decisions,
    forwardPlan,
    workProgramme,
    proceedings,
    packs,
    reports,
  }
}
export type Services = Awaited<ReturnType<typeof services>>

/** A signing secret kept in the database, so every app server on one database shares it. */
function storedSecret(db: Db): Promise<string> {
  return settingOrStore(db, 'secret', () => crypto.randomBytes(32).toString('base64url'))
}
