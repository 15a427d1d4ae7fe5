/**
 * The site's own pages: the statements every public body publishes (accessibility, privacy, cookies), the API
 * reference and service status pages for people, the logo and the brand's stylesheet, and the site settings
 * (Administration > Site settings, site administrators only).
 */
import fs from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Services } from '../services.ts'
import { handleForm, formBody } from '../platform/forms.ts'
import { receiveFiles } from '../platform/uploads.ts'
import { choice } from '../platform/validation.ts'
import { changedFields } from '../platform/audit.ts'
import { SESSION_COOKIE, CSRF_COOKIE } from '../platform/session.ts'
import { STATEMENT_KINDS, STATEMENT_NAMES, STATEMENT_TITLES, type StatementKind } from './defaults.ts'
import { MAX_LOGO_BYTES } from './logo.ts'
import { recentStatusReport } from './status.ts'
import { apiReference } from './api-reference.ts'

const V = 'site/views'
const KindParam = Type.Object({ kind: choice(STATEMENT_KINDS, 'Statement') })
const LogoParam = Type.Object({ hash: Type.String({ title: 'Logo', pattern: '^[0-9a-fA-F]{12,64}$' }) })
const adminCrumbs = [{ text: 'Administration', href: '/admin' }]
const settingsCrumbs = [...adminCrumbs, { text: 'Site settings', href: '/admin/site' }]

/** The settings' fields in the words of the settings page, for its list of changes. */
const FIELD_NAMES: Record<string, string> = {
  service_name: 'name',
  organisation_name: 'council or partnership',
  organisation_url: 'its website',
  contact_email: 'contact email address',
  header_background: 'header background colour',
  header_text: 'header text colour',
  link_colour: 'link colour',
  logo_id: 'logo',
}

/** Every cookie Safer sets: all essential (the cookies page lists them; a test compares this with what is set). */
export const COOKIES = [
  { name: SESSION_COOKIE, purpose: 'Keeps you signed in. Only set when you sign in.', expires: '7 days, or when you sign out' },
  {
    name: CSRF_COOKIE,
    purpose: 'Makes sure that forms you send come from this website, not another one (security).',
    expires: 'When you close your browser',
  },
  {
    name: 'safer_flash',
    purpose: 'Shows a confirmation, like "Priority added", on the next page after you save something.',
    expires: '1 minute',
  },
]

export async function siteRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const site = services.site

  // ---- The statements ----

  for (const kind of STATEMENT_KINDS) {
    app.get(`/${kind}`, { config: { access: 'public' } }, async (request, reply) => {
      const statement = await site.statement(kind)
      return reply.view(`${V}/statement.njk`, {
        title: statement.title,
        statement,
        cookies: kind === 'cookies' ? COOKIES : undefined,
        canEdit: !!request.user?.site_admin,
      })
    })
  }

  // ---- The API reference and the service status, for people ----

  app.get('/api', { config: { access: 'public' } }, async (_request, reply) => {
    // The generated OpenAPI document, read loosely by apiReference.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc = app.swagger() as unknown as Record<string, any>
    return reply.view(`${V}/api.njk`, {
      title: 'API reference',
      info: doc.info,
      groups: apiReference(doc, app.accessRules),
    })
  })

  app.get('/status', { config: { access: 'public' } }, async (_request, reply) => {
    const report = await recentStatusReport(services)
    return reply.code(report.status === 'unavailable' ? 503 : 200).view(`${V}/status.njk`, { title: 'Service status', report })
  })

  app.get('/health', { config: { access: 'public' } }, async (_request, reply) => {
    const report = await recentStatusReport(services)
    return reply.code(report.status === 'unavailable' ? 503 : 200).send(report)
  })

  // ---- The brand: logo and colours ----

  // The address names the file's hash, so a new logo has a new address and each can be kept by browsers for long.
  app.get<{ Params: Static<typeof LogoParam> }>(
    '/site/logo/:hash',
    { config: { access: 'public' }, schema: { params: LogoParam } },
    async (request, reply) => {
      const logo = await site.logo()
      if (!logo || !logo.sha256.startsWith(request.params.hash.toLowerCase()))
        return reply.code(404).type('text/plain').send('There is no such logo: the logo may have been changed')
      return (
        reply
          .header('content-type', logo.contentType)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('etag', `"${logo.sha256}"`)
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', 'inline; filename="logo"')
          // Even if a checked SVG is opened on its own, it may run nothing and load nothing.
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
          .send(logo.content)
      )
    },
  )

  app.get('/site/brand.css', { config: { access: 'public' } }, async (_request, reply) => {
    const b = await site.fresh()
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=60')
    return reply.view(`${V}/brand.css.njk`, { b })
  })

  // ---- Site settings (site administrators) ----

  const settingsContext = async () => {
    const s = await site.settings()
    const history = await site.settingsHistory()
    return {
      title: 'Site settings',
      breadcrumbs: adminCrumbs,
      settings: s,
      values: s.values,
      maxLogoKb: MAX_LOGO_BYTES / 1024,
      statements: STATEMENT_KINDS.map((k) => ({ kind: k, title: STATEMENT_TITLES[k], name: STATEMENT_NAMES[k] })),
      history: history
        .slice(0, 20)
        .map((h) => ({ ...h, changes: changedFields(h).map((c) => FIELD_NAMES[c.field] ?? c.field.replace(/_/g, ' ')) })),
    }
  }

  app.get('/admin/site', { config: { access: 'site-admin' } }, async (_request, reply) =>
    reply.view(`${V}/settings.njk`, await settingsContext()),
  )

  app.post('/admin/site', { config: { access: 'site-admin' } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/settings.njk`,
      context: async () => ({ ...(await settingsContext()), values: undefined }),
      run: async () => {
        await site.updateSettings(formBody(request), request.actor)
        return { redirect: '/admin/site', flash: 'Site settings saved' }
      },
    }),
  )

  app.post('/admin/site/logo', { config: { access: 'site-admin', uploads: true } }, async (request, reply) =>
    handleForm(request, reply, {
      template: `${V}/settings.njk`,
      context: settingsContext,
      run: async () => {
        const upload = await receiveFiles(request, {
          field: 'logo',
          accept: ['png', 'svg'],
          maxFiles: 1,
          maxFileBytes: MAX_LOGO_BYTES,
          required: 'Select a logo to upload',
        })
        const [file] = upload.files
        await site.setLogo({ data: fs.readFileSync(file.path), filename: file.filename, type: file.type as 'png' | 'svg' }, request.actor)
        return { redirect: '/admin/site', flash: `Logo ${file.filename} uploaded` }
      },
    }),
  )

  app.post('/admin/site/logo/remove', { config: { access: 'site-admin' } }, async (request, reply) => {
    await site.removeLogo(request.actor)
    reply.flash('Logo removed')
    return reply.redirect('/admin/site', 303)
  })

  const statementContext = async (kind: StatementKind) => {
    const statement = await site.statement(kind)
    const history = await site.statementHistory(kind)
    return {
      title: `Change ${STATEMENT_NAMES[kind]}`,
      breadcrumbs: settingsCrumbs,
      statement,
      history,
      values: {
        body: statement.body,
        compliance: statement.compliance,
        preparedOn: statement.preparedOn ?? '',
        reviewedOn: statement.reviewedOn ?? '',
        version: statement.version,
      },
    }
  }

  app.get<{ Params: Static<typeof KindParam> }>(
    '/admin/site/statements/:kind',
    { config: { access: 'site-admin' }, schema: { params: KindParam } },
    async (request, reply) => reply.view(`${V}/statement-form.njk`, await statementContext(request.params.kind as StatementKind)),
  )

  app.post<{ Params: Static<typeof KindParam> }>(
    '/admin/site/statements/:kind',
    { config: { access: 'site-admin' }, schema: { params: KindParam } },
    async (request, reply) => {
      const kind = request.params.kind as StatementKind
      return handleForm(request, reply, {
        template: `${V}/statement-form.njk`,
        context: async () => ({ ...(await statementContext(kind)), values: undefined }),
        run: async () => {
          await site.saveStatement(kind, formBody(request), request.actor)
          return { redirect: `/${kind}`, flash: `${STATEMENT_TITLES[kind]} saved` }
        },
      })
    },
  )
}
