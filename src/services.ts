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
import { siteService } from './site/service.ts'

export async function services(db: Db, config: Config) {
  const secret = config.secret ?? (await storedSecret(db))
  const organisations = organisationService(db)
  const auth = authService(db, config, { organisationName: (id, q) => organisations.name(id, q) })
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
  const partnerships = partnershipService(db, { auth, organisations })
  const governance = governanceService(db, { organisations })
  const agreement = agreementService(db, { organisations, partnerships })
  const assurance = assuranceService(db, { agreement })
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
  // The stores' tables, and coverage copied into the application database (in case a process was killed mid-import).
  await geography.setUp()
  await crime.setUp()
  return { db, analytics, secret, site, jobs, pdf, outbox, auth, partnerships, organisations, governance, agreement, assurance, geography, crime }
}
export type Services = Awaited<ReturnType<typeof services>>

/** A signing secret kept in the database, so every app server on one database shares it. */
function storedSecret(db: Db): Promise<string> {
  return settingOrStore(db, 'secret', () => crypto.randomBytes(32).toString('base64url'))
}
