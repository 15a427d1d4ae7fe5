/**
 * Every service, built from the database and returned as a plain object (no container).
 * A capability talks to another through its service, never its tables.
 */
import crypto from 'node:crypto'
import type { Db } from './platform/db/index.ts'
import { maybeOne } from './platform/db/index.ts'
import type { Config } from './config.ts'
import { authService } from './platform/auth/service.ts'
import { partnershipService } from './partnerships/service.ts'
import { organisationService } from './organisations/service.ts'
import { governanceService } from './governance/service.ts'
import { agreementService } from './agreement/service.ts'
import { assuranceService } from './assurance/service.ts'
import { openAnalytics } from './platform/analytics.ts'
import { importService } from './platform/imports.ts'
import { jobService } from './platform/jobs.ts'
import { outboxService } from './platform/email/outbox.ts'
import { geographyService } from './geography/service.ts'
import { crimeService } from './crime/service.ts'

export async function services(db: Db, config: Config) {
  const secret = config.secret ?? (await storedSecret(db))
  const auth = authService(db, config)
  // Background and scheduled work; jobs this machine was running when its process died are marked interrupted.
  const jobs = jobService(db)
  await jobs.markInterrupted()
  // Email: written to the outbox in the transaction of the change that causes it, sent by the 'email:send' job
  // (held in the outbox, readable by site administrators, when no SMTP_URL is set).
  const outbox = outboxService(db, { jobs, smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, serviceName: config.serviceName })
  jobs.define(outbox.job)
  await outbox.resume()
  const organisations = organisationService(db)
  const partnerships = partnershipService(db, { auth })
  const governance = governanceService(db, { organisations })
  const agreement = agreementService(db, { organisations })
  const assurance = assuranceService(db, { agreement })
  // The analytics store (DuckDB) holds open crime data and the ONS geography; it lives in the data folder in both modes.
  const analytics = await openAnalytics({ dataDir: config.dataDir, memoryLimit: config.duckdbMemory, threads: config.duckdbThreads })
  const imports = importService(db)
  const geography = geographyService(db, analytics, { imports })
  const crime = crimeService(db, analytics, { geography, imports })
  // The stores' tables, and coverage copied into the application database (in case a process was killed mid-import).
  await geography.setUp()
  await crime.setUp()
  return { db, analytics, secret, jobs, outbox, auth, partnerships, organisations, governance, agreement, assurance, imports, geography, crime }
}
export type Services = Awaited<ReturnType<typeof services>>

/** A signing secret kept in the database, so every app server on one database shares it. */
async function storedSecret(db: Db): Promise<string> {
  const found = await maybeOne<{ value: string }>(db, `SELECT value FROM app_settings WHERE key = 'secret'`)
  if (found) return found.value
  await db.query(`INSERT INTO app_settings (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING`, [crypto.randomBytes(32).toString('base64url')])
  return (await maybeOne<{ value: string }>(db, `SELECT value FROM app_settings WHERE key = 'secret'`))!.value
}
