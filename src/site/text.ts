/**
 * The limited text format of the site's statements: enough of Markdown for a statement, and nothing that can carry
 * markup. Every character of the text is escaped; only these shapes become HTML, with GOV.UK classes:
 *
 *   ## Heading, ### Smaller heading        (a line of its own)
 *   - item or * item                        (a bulleted list)
 *   1. item                                 (a numbered list)
 *   **bold**                                (within a line)
 *   [link text](https://example.org)        (https, http, mailto: and tel: addresses, and paths on this site)
 *   a blank line                            (ends a paragraph or list)
 *
 * A link to anything else (javascript:, data:, //host) is left as its text.
 */
import { escapeHtml } from '../platform/html.ts'

/** A link address the statements may use: web, mail and phone addresses, and paths within this site. */
export function safeHref(href: string): string | undefined {
  const h = href.trim()
  if (/^(https?:\/\/|mailto:|tel:)[^\s<>"]+$/i.test(h)) return h
  if (/^\/(?![/\\])[^\s<>"]*$/.test(h)) return h
  if (/^#[\w-]+$/.test(h)) return h
  return undefined
}

/** One line's text: escaped, then **bold** and [links](address). */
function inline(line: string): string {
  let out = ''
  const pattern = /\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([^*\n]+)\*\*/g
  let last = 0
  for (let m = pattern.exec(line); m; m = pattern.exec(line)) {
    out += escapeHtml(line.slice(last, m.index))
    if (m[1] !== undefined) {
      const href = safeHref(m[2])
      out += href ? `<a class="govuk-link" href="${escapeHtml(href)}">${escapeHtml(m[1])}</a>` : escapeHtml(m[1])
    } else {
      out += `<strong>${escapeHtml(m[3])}</strong>`
    }
    last = m.index + m[0].length
  }
  return out + escapeHtml(line.slice(last))
}

/** The statement's text as safe HTML. */
export function renderText(text: string): string {
  const lines = String(text ?? '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
  const html: string[] = []
  let paragraph: string[] = []
  let list: { tag: 'ul' | 'ol'; items: string[] } | undefined
  const endParagraph = () => {
    if (paragraph.length) html.push(`<p class="govuk-body">${paragraph.map(inline).join('<br>\n')}</p>`)
    paragraph = []
  }
  const endList = () => {
    if (list)
      html.push(
        `<${list.tag} class="govuk-list govuk-list--${list.tag === 'ul' ? 'bullet' : 'number'}">${list.items.map((i) => `<li>${inline(i)}</li>`).join('')}</${list.tag}>`,
      )
    list = undefined
  }
  for (const raw of lines) {
    const line = raw.trimEnd()
    const heading = /^(#{2,3})\s+(.+)$/.exec(line)
    const bullet = /^\s*[-*]\s+(.+)$/.exec(line)
    const numbered = /^\s*\d+[.)]\s+(.+)$/.exec(line)
    if (!line.trim()) {
      endParagraph()
      endList()
    } else if (heading) {
      endParagraph()
      endList()
      const level = heading[1].length
      html.push(`<h${level} class="govuk-heading-${level === 2 ? 'm' : 's'}">${inline(heading[2].replace(/\s*#+\s*$/, ''))}</h${level}>`)
    } else if (bullet || numbered) {
      endParagraph()
      const tag = bullet ? 'ul' : 'ol'
      if (list && list.tag !== tag) endList()
      list ??= { tag, items: [] }
      list.items.push((bullet ?? numbered)![1])
    } else if (list && /^\s{2,}\S/.test(raw)) {
      // An indented line continues the list item above it.
      list.items[list.items.length - 1] += ` ${line.trim()}`
    } else {
      endList()
      paragraph.push(line.trim())
    }
  }
  endParagraph()
  endList()
  return html.join('\n')
}
