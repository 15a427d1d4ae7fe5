/**
 * The plan page's tables drawn in plain code (table-html.ts) are govukTable's markup: the same tags, classes,
 * attributes and escaping, compared with the macro itself on a table with every feature tableView produces.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import nunjucks from 'nunjucks'
import { govukDist } from '../platform/views.ts'
import { defineTable, tableView } from '../platform/tables.ts'
import { tableHtml } from './table-html.ts'

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(govukDist), { autoescape: true })
const viaMacro = (params: unknown) =>
  env.renderString('{% from "govuk/components/table/macro.njk" import govukTable %}{{ govukTable(params) }}', { params })
// govukTable's template indents and breaks lines; the markup is what matters.
const squash = (html: string) => html.replace(/\s+/g, ' ').replace(/> </g, '><').replace(/ >/g, '>').trim()

type Row = { name: string; count: number; note: string | null; href: string }
const table = defineTable<Row>([
  { key: 'name', header: 'Name <of item>', value: (r) => r.name, html: (r) => `<a class="govuk-link" href="${r.href}">${r.name}</a>` },
  { key: 'count', header: 'Count', numeric: true, value: (r) => r.count },
  { key: 'note', header: 'Note', value: (r) => r.note, empty: '–', classes: 'safer-no-print' },
  { key: 'hidden', header: 'Actions', hiddenHeader: true, pageOnly: true, value: () => null, text: () => 'Tom & "Jerry" <x>' },
  { key: 'download_only', value: () => 'x' },
])
const rows: Row[] = [
  { name: 'Knife arches', count: 1200, note: "O'Brien's note", href: '/a?b=1&c=2' },
  { name: 'Sweeps', count: 3, note: null, href: '/b' },
]

for (const opts of [
  { caption: 'Items & more', captionClasses: 'govuk-visually-hidden' },
  { caption: undefined, classes: 'safer-x' },
]) {
  test(`tableHtml draws what govukTable draws (${opts.caption ?? 'no caption'})`, () => {
    const params = tableView(table, rows, opts)
    assert.equal(squash(tableHtml(params)), squash(viaMacro(params)))
    assert.equal(squash(tableHtml({ ...params, firstCellIsHeader: true })), squash(viaMacro({ ...params, firstCellIsHeader: true })))
  })
}
