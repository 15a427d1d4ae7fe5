/**
 * The installation's own identity: its name, the council or partnership it belongs to, its logo and colours
 * (the "brand" every page, page title and email shows), and its statements (accessibility, privacy, cookies).
 * Edited by site administrators; every change is versioned and audited. The brand is kept in memory and re-read
 * from the database at most every few seconds, so every app server on one database shows the same within seconds.
 */
import crypto from 'node:crypto'
import type { Db, Queryable } from '../platform/db/index.ts'
import { maybeOne } from '../platform/db/index.ts'
import { createRecord, updateRecord } from '../platform/records.ts'
import { recordAudit, historyOf, type Actor, type AuditEntry } from '../platform/audit.ts'
import { ValidationError } from '../platform/errors.ts'
import { parseForm } from '../platform/validation.ts'
import { colourProblems, parseColour } from './colour.ts'
import { checkPng, checkSvg } from './logo.ts'
import { renderText } from './text.ts'
import { COMPLIANCE, defaultStatement, STATEMENT_TITLES, type Compliance, type StatementKind } from './defaults.ts'
import { SiteSettingsInput, StatementInput } from './schema.ts'

export interface Brand {
  serviceName: string
  /** The council or partnership the installation belongs to (the service's name when none is set). */
  organisationName: string
  /** True when a site administrator has named the council or partnership. */
  organisationSet: boolean
  organisationUrl: string | null
  contactEmail: string | null
  headerBackground: string
  headerText: string
  linkColour: string
  logo: { url: string; contentType: string; width: number | null; height: number | null } | null
  version: number
}

interface SettingsRow {
  id: number
  service_name: string | null
  organisation_name: string | null
  organisation_url: string | null
  contact_email: string | null
  header_background: string
  header_text: string
  link_colour: string
  logo_id: number | null
  version: number
  updated_at: Date
  logo_sha256: string | null
  logo_content_type: string | null
  logo_width: number | null
  logo_height: number | null
}

interface StatementRow {
  kind: StatementKind
  body: string
  compliance: Compliance | null
  prepared_on: string | null
  reviewed_on: string | null
  version: number
  created_at: Date
  updated_at: Date
}

export interface Statement {
  kind: StatementKind
  title: string
  /** The text (the default, filled in with the installation's names, until one is saved). */
  body: string
  html: string
  compliance: Compliance | null
  complianceLabel: string | null
  preparedOn: string | null
  reviewedOn: string | null
  /** 0 for the default text (not saved yet). */
  version: number
  saved: boolean
}

const ENTITY = 'site settings'
const STATEMENT_ENTITY = 'site statement'
const REFRESH_MS = 5000

export function siteService(db: Db, opts: { serviceName: string }) {
  let cached: Brand | undefined
  let readAt = 0

  async function readRow(q: Queryable = db): Promise<SettingsRow> {
    const row = await maybeOne<SettingsRow>(
      q,
      `SELECT s.*, l.sha256 AS logo_sha256, l.content_type AS logo_content_type, l.width AS logo_width, l.height AS logo_height
         FROM site_settings s LEFT JOIN site_logos l ON l.id = s.logo_id WHERE s.id = 1`,
    )
    if (!row) throw new Error('The site settings row is missing: the database was not migrated')
    return row
  }

  function brandOf(row: SettingsRow): Brand {
    const serviceName = row.service_name || opts.serviceName
    return {
      serviceName,
      organisationName: row.organisation_name || serviceName,
      organisationSet: !!row.organisation_name,
      organisationUrl: row.organisation_url,
      contactEmail: row.contact_email,
      headerBackground: row.header_background,
      headerText: row.header_text,
      linkColour: row.link_colour,
      logo: row.logo_sha256
        ? {
            url: `/site/logo/${row.logo_sha256.slice(0, 16)}`,
            contentType: row.logo_content_type!,
            width: row.logo_width,
            height: row.logo_height,
          }
        : null,
      version: row.version,
    }
  }

  async function refresh(): Promise<Brand> {
    cached = brandOf(await readRow())
    readAt = Date.now()
    return cached
  }

  const names = (b: Brand) => ({ service: b.serviceName, organisation: b.organisationName, contactEmail: b.contactEmail })

  function statementOf(kind: StatementKind, row: StatementRow | undefined, b: Brand): Statement {
    const body = row?.body ?? defaultStatement(kind, names(b))
    const compliance = kind === 'accessibility' ? (row ? row.compliance : 'partial') : null
    return {
      kind,
      title: STATEMENT_TITLES[kind],
      body,
      html: renderText(body),
      compliance,
      complianceLabel: compliance ? COMPLIANCE[compliance] : null,
      preparedOn: row?.prepared_on ?? null,
      reviewedOn: row?.reviewed_on ?? null,
      version: row?.version ?? 0,
      saved: !!row,
    }
  }

  const service = {
    /** The brand as last read (read it with `fresh()` first when it may be stale). */
    brand(): Brand {
      if (!cached) throw new Error('site.refresh() must run before the brand is read')
      return cached
    },
    refresh,
    /** The brand, re-read when it is older than a few seconds (every request calls this). */
    async fresh(): Promise<Brand> {
      if (!cached || Date.now() - readAt > REFRESH_MS) return refresh()
      return cached
    },

    /** The settings as the form shows them: what is stored (blank where the default applies). */
    async settings() {
      const row = await readRow()
      return {
        values: {
          serviceName: row.service_name ?? '',
          organisationName: row.organisation_name ?? '',
          organisationUrl: row.organisation_url ?? '',
          contactEmail: row.contact_email ?? '',
          headerBackground: row.header_background,
          headerText: row.header_text,
          linkColour: row.link_colour,
          version: row.version,
        },
        brand: brandOf(row),
        defaultServiceName: opts.serviceName,
      }
    },

    /** Change the name, the council or partnership, and the colours; colours must pass WCAG AA contrast. */
    async updateSettings(body: Record<string, unknown>, actor: Actor, tx?: Queryable): Promise<Brand> {
      let input: SiteSettingsInput
      const problems: Record<string, string> = {}
      try {
        input = parseForm(SiteSettingsInput, body)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        Object.assign(problems, err.fields)
        input = body as SiteSettingsInput
      }
      for (const [k, v] of Object.entries(colourProblems(input))) problems[k] ??= v
      if (Object.keys(problems).length) throw new ValidationError(problems)
      const run = async (q: Queryable) => {
        await updateRecord(
          q,
          'site_settings',
          1,
          input.version,
          {
            service_name: input.serviceName ?? null,
            organisation_name: input.organisationName ?? null,
            organisation_url: input.organisationUrl ?? null,
            contact_email: input.contactEmail ?? null,
            header_background: parseColour(input.headerBackground),
            header_text: parseColour(input.headerText),
            link_colour: parseColour(input.linkColour),
          },
          { actor, entity: ENTITY, summary: 'Changed the site settings' },
        )
      }
      if (tx) await run(tx)
      else await db.transaction(run)
      return refresh()
    },

    /**
     * Check and keep a logo (PNG or SVG, as receiveFiles typed it): an SVG that could run script or load anything is
     * refused with the reason. `field` is the form field messages are reported on.
     */
    async setLogo(file: { data: Buffer; filename: string; type: 'png' | 'svg' }, actor: Actor, field = 'logo'): Promise<Brand> {
      const checked = file.type === 'svg' ? checkSvg(file.data) : checkPng(file.data)
      if (!checked.ok) throw new ValidationError({ [field]: checked.message })
      const sha256 = crypto.createHash('sha256').update(checked.content).digest('hex')
      await db.transaction(async (tx) => {
        const [logo] = await tx.query<{ id: number }>(
          `INSERT INTO site_logos (content, content_type, filename, bytes, sha256, width, height, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [checked.content, checked.contentType, file.filename, checked.content.length, sha256, checked.width, checked.height, actor.id],
        )
        // The file itself is not copied into the audit log: its name, type, size and hash are.
        await recordAudit(tx, actor, {
          action: 'create',
          entity: 'site logo',
          entityId: logo.id,
          summary: `Uploaded the logo ${file.filename}`,
          after: { filename: file.filename, content_type: checked.contentType, bytes: checked.content.length, sha256 },
        })
        await updateRecord(
          tx,
          'site_settings',
          1,
          undefined,
          { logo_id: logo.id },
          { actor, entity: ENTITY, summary: `Logo set to ${file.filename}` },
        )
      })
      return refresh()
    },

    async removeLogo(actor: Actor): Promise<Brand> {
      await db.transaction(async (tx) => {
        await updateRecord(tx, 'site_settings', 1, undefined, { logo_id: null }, { actor, entity: ENTITY, summary: 'Removed the logo' })
      })
      return refresh()
    },

    /** The logo being shown, or undefined. */
    async logo(): Promise<{ content: Buffer; contentType: string; sha256: string } | undefined> {
      return maybeOne(
        db,
        `SELECT l.content, l.content_type AS "contentType", l.sha256 FROM site_settings s JOIN site_logos l ON l.id = s.logo_id WHERE s.id = 1`,
      )
    },

    async statement(kind: StatementKind): Promise<Statement> {
      const row = await maybeOne<StatementRow>(
        db,
        `SELECT kind, body, compliance, to_char(prepared_on, 'YYYY-MM-DD') AS prepared_on, to_char(reviewed_on, 'YYYY-MM-DD') AS reviewed_on,
                version, created_at, updated_at FROM site_statements WHERE kind = $1`,
        [kind],
      )
      return statementOf(kind, row, await service.fresh())
    },

    /** Save a statement's text (and, for the accessibility statement, its compliance status and dates): audited. */
    async saveStatement(kind: StatementKind, body: Record<string, unknown>, actor: Actor): Promise<Statement> {
      const input = parseForm(StatementInput, body)
      if (kind === 'accessibility') {
        const missing: Record<string, string> = {}
        if (!input.compliance) missing.compliance = 'Select whether the website is fully, partially or not compliant'
        if (!input.preparedOn) missing.preparedOn = 'Enter the date the statement was prepared'
        if (!input.reviewedOn) missing.reviewedOn = 'Enter the date it was last reviewed'
        if (input.preparedOn && input.reviewedOn && input.reviewedOn < input.preparedOn)
          missing.reviewedOn = 'The date it was last reviewed must be the same as or after the date it was prepared'
        if (Object.keys(missing).length) throw new ValidationError(missing)
      }
      const values = {
        body: input.body,
        compliance: kind === 'accessibility' ? input.compliance : null,
        prepared_on: kind === 'accessibility' ? input.preparedOn : null,
        reviewed_on: kind === 'accessibility' ? input.reviewedOn : null,
      }
      const ctx = { actor, entity: STATEMENT_ENTITY, summary: `Changed the ${STATEMENT_TITLES[kind].toLowerCase()}` }
      await db.transaction(async (tx) => {
        const existing = await maybeOne<{ version: number }>(tx, 'SELECT version FROM site_statements WHERE kind = $1 FOR UPDATE', [kind])
        if (!existing) {
          if (input.version) throw new ValidationError({ form: 'This statement was removed while you were editing it. Reload the page.' })
          await createRecord(
            tx,
            'site_statements',
            { kind, ...values },
            { ...ctx, summary: `Wrote the ${STATEMENT_TITLES[kind].toLowerCase()}` },
            'kind',
          )
        } else {
          await updateRecord(tx, 'site_statements', kind, input.version ?? -1, values, ctx, 'kind')
        }
      })
      return service.statement(kind)
    },

    /** Every saved version of a statement, newest first (from the audit log). */
    statementHistory(kind: StatementKind): Promise<AuditEntry[]> {
      return historyOf(db, STATEMENT_ENTITY, kind)
    },
    /** Every change to the settings and logo, newest first. */
    async settingsHistory(): Promise<AuditEntry[]> {
      return historyOf(db, ENTITY, 1)
    },
  }
  return service
}
export type SiteService = ReturnType<typeof siteService>
