/**
 * Email bodies from Nunjucks templates. A template named '<capability>/<name>' is three files in that capability's
 * folder: src/<capability>/email/<name>.subject.njk, <name>.txt.njk and <name>.html.njk (so 'platform/test-message' is
 * src/platform/email/test-message.*). Each body is wrapped in the shared layout (layout.txt.njk, layout.html.njk here),
 * whose footer says why the person got the message (`reason`, required) and the service's name.
 *
 * The HTML is escaped by default ({{ name }} of "<b>" prints &lt;b&gt;); the plain text is not (it is not HTML). A
 * variable a template prints but the data lacks is an error, so a message never goes out saying "undefined".
 */
import fs from 'node:fs'
import path from 'node:path'
import nunjucks from 'nunjucks'
import { srcDir } from '../paths.ts'
import { formatDate } from '../views.ts'
import { formatNumber } from '../format.ts'

export interface RenderedEmail {
  subject: string
  text: string
  html: string
}

/** '<capability>/<name>', or '<capability>/<part>/<name>' for a part's own folder ('platform/auth/invitation'). */
export const TEMPLATE_NAME = /^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*)?\/[a-z][a-z0-9-]*$/

function environment(autoescape: boolean) {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(srcDir), {
    autoescape,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  })
  env.addFilter('date', formatDate)
  env.addFilter('number', formatNumber)
  return env
}
const html = environment(true)
const text = environment(false)

/** The files of a template, relative to src/. */
export function templateFiles(name: string) {
  if (!TEMPLATE_NAME.test(name))
    throw new Error(`"${name}" is not an email template name: use "<capability>/<name>", e.g. "platform/test-message"`)
  const parts = name.split('/')
  const file = parts.pop()
  const base = `${parts.join('/')}/email/${file}`
  return { subject: `${base}.subject.njk`, text: `${base}.txt.njk`, html: `${base}.html.njk` }
}

/** Render a template with its data, inside the layout. Throws (with the template's name) when a file is missing. */
export function renderEmail(
  name: string,
  data: Record<string, unknown>,
  footer: { reason: string; serviceName: string; organisationName?: string; headerBackground?: string; headerText?: string },
): RenderedEmail {
  const files = templateFiles(name)
  for (const f of Object.values(files)) {
    if (!fs.existsSync(path.join(srcDir, f))) throw new Error(`The email template "${name}" has no file src/${f}`)
  }
  const context = { ...data, serviceName: footer.serviceName }
  const render = (env: nunjucks.Environment, file: string, ctx: object) => {
    try {
      return env.render(file, ctx)
    } catch (err) {
      throw new Error(`The email template "${name}" could not be made: ${explain(err as Error, file)}`, { cause: err })
    }
  }
  const subject = render(text, files.subject, context).replace(/\s+/g, ' ').trim()
  if (!subject) throw new Error(`The email template "${name}" gave an empty subject`)
  const layout = {
    subject,
    reason: footer.reason,
    serviceName: footer.serviceName,
    organisationName: footer.organisationName,
    // Colours come only from Site settings, checked as #rrggbb there; anything else falls back to the defaults.
    headerBackground: /^#[0-9a-f]{6}$/i.test(footer.headerBackground ?? '') ? footer.headerBackground : '#1f3a5f',
    headerText: /^#[0-9a-f]{6}$/i.test(footer.headerText ?? '') ? footer.headerText : '#ffffff',
  }
  return {
    subject,
    text:
      render(text, 'platform/email/layout.txt.njk', { ...layout, body: render(text, files.text, context).trim() })
        .replace(/\n{3,}/g, '\n\n')
        .trim() + '\n',
    html: render(html, 'platform/email/layout.html.njk', {
      ...layout,
      body: new nunjucks.runtime.SafeString(render(html, files.html, context).trim()),
    }),
  }
}

/** Nunjucks says "attempted to output null or undefined value" at a line and column: name what was printed. */
function explain(err: Error, file: string) {
  const at = /\[Line (\d+), Column (\d+)\]/.exec(err.message)
  const what = /attempted to output null or undefined value/.test(err.message)
    ? 'it prints a value its data does not have'
    : err.message.split('\n').pop()?.trim()
  if (!at) return `${what} (src/${file})`
  const line = fs.readFileSync(path.join(srcDir, file), 'utf8').split('\n')[Number(at[1]) - 1] ?? ''
  const printed = /\{\{-?\s*(.+?)\s*-?\}\}/.exec(line.slice(Math.max(0, Number(at[2]) - 3)))?.[1]
  return `${what}${printed ? ` ({{ ${printed} }})` : ''} at src/${file} line ${at[1]}`
}
