/**
 * Server-rendered pages: Nunjucks with the govuk-frontend component macros. Templates are found by
 * their path under src/ (e.g. 'agreement/views/version.njk'), so each capability keeps its own views.
 */
import path from 'node:path'
import { createRequire } from 'node:module'
import { srcDir } from './paths.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import view from '@fastify/view'
import nunjucks from 'nunjucks'
import { errorList } from './validation.ts'
import { formatDateTime } from './errors.ts'
import { financialYear, formatDate, formatNumber, monthLabel, noun, periodLabel, plural, quarterLabel, shortMonthLabel } from './format.ts'

const require = createRequire(import.meta.url)
export { srcDir }
export const govukDist = path.resolve(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist')

export { formatDate }

declare module 'fastify' {
  interface FastifyReply {
    locals?: Record<string, unknown>
  }
}

function configure(env: nunjucks.Environment) {
  env.addFilter('date', formatDate)
  env.addFilter('dateTime', (v: unknown) => (v ? formatDateTime(new Date(v as string)) : ''))
  env.addFilter('errorList', errorList)
  env.addFilter('json', (v: unknown) => JSON.stringify(v, null, 2))
  /** Split a stored date into the three parts of a GOV.UK date input. */
  env.addFilter('dateParts', (v: unknown) => {
    const [year, month, day] = String(v ?? '').split('-')
    return { day: day ?? '', month: month ?? '', year: year ?? '' }
  })
  /** Items for govukSelect/govukRadios from [{value,text}], marking the selected one. */
  env.addFilter('selectItems', (items: { value: unknown; text: string }[], selected: unknown, blank?: string) => {
    const list = items.map((i) => ({
      value: i.value,
      text: i.text,
      selected: String(i.value) === String(selected ?? ''),
      checked: String(i.value) === String(selected ?? ''),
    }))
    return blank !== undefined ? [{ value: '', text: blank }, ...list] : list
  })
  /** 12,345 (and 12.3 with one decimal place): numbers as people read them; blank for none. */
  env.addFilter('number', formatNumber)
  env.addFilter('basename', (v: unknown) =>
    String(v ?? '')
      .split(/[\\/]/)
      .pop(),
  )
  // Counts, months and periods (platform/format.ts): {{ n | plural('county') }}, {{ '2018-10' | monthLabel }}.
  env.addFilter('plural', plural)
  env.addFilter('noun', noun)
  env.addFilter('monthLabel', monthLabel)
  env.addFilter('shortMonthLabel', shortMonthLabel)
  env.addFilter('periodLabel', periodLabel)
  env.addFilter('financialYear', financialYear)
  env.addFilter('quarterLabel', quarterLabel)
  /** 'YYYY-MM' months as "Oct 2018, Nov 2018". */
  env.addFilter('monthLabels', (v: unknown) => (Array.isArray(v) ? v : []).map(shortMonthLabel).join(', '))
  env.addGlobal('now', () => new Date())
}

/** What every page shows of the installation's identity (src/site: name, council or partnership, logo, colours). */
export interface PageBrand {
  serviceName: string
}

export async function setUpViews(
  app: FastifyInstance,
  opts: { serviceName: string; demo: boolean; production: boolean; brand?: () => PageBrand },
) {
  const brand = opts.brand ?? (() => ({ serviceName: opts.serviceName }))
  await app.register(view, {
    engine: { nunjucks },
    templates: [srcDir, govukDist],
    production: opts.production,
    options: { onConfigure: configure, autoescape: true, throwOnUndefined: false },
    // Read when each page is drawn, so a change in Site settings shows on the next page.
    defaultContext: {
      get serviceName() {
        return brand().serviceName
      },
      get brand() {
        return brand()
      },
      demoMode: opts.demo,
    },
  })

  // A one-time confirmation message shown on the page after a redirect ("Priority added").
  app.decorateReply('flash', function (this: any, message: string) {
    this.setCookie('safer_flash', encodeURIComponent(message), { path: '/', httpOnly: true, sameSite: 'lax', maxAge: 60 })
  })

  // What every page needs to know about the request.
  app.addHook('preHandler', async (request, reply) => setLocals(request, reply))
}

/** Set what every page needs to know (also called by the error pages, which may run before preHandler). */
export function setLocals(request: FastifyRequest, reply: FastifyReply) {
  const flash = request.cookies?.safer_flash
  const showFlash = flash && request.method === 'GET'
  if (showFlash) reply.clearCookie('safer_flash', { path: '/' })
  reply.locals = {
    ...(reply.locals ?? {}),
    flash: showFlash ? decodeFlash(flash) : undefined,
    user: request.user,
    csrfToken: request.csrfToken,
    cspNonce: (reply as any).cspNonce?.script,
    currentPath: request.url.split('?')[0],
    partnership: request.partnership,
    role: request.role,
  }
}

/** The flash message as it was set; a cookie that is not one Safer wrote (it cannot be decoded, or holds a NUL) is ignored. */
function decodeFlash(value: string): string | undefined {
  try {
    const text = decodeURIComponent(value)
    return text.includes('\u0000') ? undefined : text
  } catch {
    return undefined
  }
}
