/**
 * A table as govukTable draws it, made as one string in plain code: the plan page draws 420 rows, and through the
 * govukTable macro (a Nunjucks loop with a set block per cell) that was most of its time. Same markup, same classes,
 * same escaping (text escaped, html as given); only what tableView produces is supported (no colspan, rowspan or
 * cell attributes).
 */
import { escapeHtml } from '../platform/html.ts'
import type { GovukTableParams } from '../platform/tables.ts'

const attrs = (a: Record<string, string> | undefined) =>
  a
    ? Object.entries(a)
        .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
        .join('')
    : ''
const cls = (base: string, format: string | undefined, classes: string | undefined) =>
  `${base}${format ? ` ${base}--${format}` : ''}${classes ? ` ${classes}` : ''}`
const content = (c: { text?: string; html?: string }) => (c.html ? c.html : escapeHtml(c.text ?? ''))

export function tableHtml(t: GovukTableParams): string {
  const out: string[] = [`<table class="govuk-table${t.classes ? ` ${t.classes}` : ''}">`]
  if (t.caption)
    out.push(`<caption class="govuk-table__caption${t.captionClasses ? ` ${t.captionClasses}` : ''}">${escapeHtml(t.caption)}</caption>`)
  out.push('<thead class="govuk-table__head"><tr class="govuk-table__row">')
  for (const h of t.head)
    out.push(`<th scope="col" class="${cls('govuk-table__header', h.format, h.classes)}"${attrs(h.attributes)}>${content(h)}</th>`)
  out.push('</tr></thead><tbody class="govuk-table__body">')
  for (const row of t.rows) {
    out.push('<tr class="govuk-table__row">')
    row.forEach((c, i) => {
      if (i === 0 && t.firstCellIsHeader)
        out.push(`<th scope="row" class="govuk-table__header${c.classes ? ` ${c.classes}` : ''}">${content(c)}</th>`)
      else out.push(`<td class="${cls('govuk-table__cell', c.format, c.classes)}">${content(c)}</td>`)
    })
    out.push('</tr>')
  }
  out.push('</tbody></table>')
  return out.join('')
}
