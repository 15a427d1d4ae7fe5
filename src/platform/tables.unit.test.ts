import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defineTable, exportColumns, link, tableView } from './tables.ts'
import { toCsv } from './export.ts'

interface Row {
  code: string
  name: string
  count: number | null
  open: boolean
  agreed: string | null
}
const rows: Row[] = [
  { code: 'E06000019', name: 'Herefordshire <County>', count: 12345, open: true, agreed: '2026-12-02' },
  { code: 'W06000001', name: "Ynys Môn's", count: null, open: false, agreed: null },
]
const table = defineTable<Row>(
  [
    { key: 'code', header: 'Code', value: (r) => r.code },
    { key: 'name', header: 'Area', value: (r) => r.name, html: (r, page) => link(`${page.base}/${r.code}`, r.name) },
    { key: 'count', header: 'Records', value: (r) => r.count, numeric: true, empty: 'Not loaded' },
    { key: 'open', header: 'Open', value: (r) => r.open },
    { key: 'agreed', header: 'Agreed', value: (r) => r.agreed, empty: 'Not given' },
    { key: 'internal_id', value: (r) => r.code.toLowerCase() },
    {
      key: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      pageOnly: true,
      value: () => null,
      html: (r) => link(`/x/${r.code}/edit`, 'Change', r.name),
    },
  ],
  { pageOrder: ['name'] },
)

test('the page shows the columns with headings, in the page order, each naming its download column', () => {
  const view = tableView(table, rows, { caption: '2 areas', captionClasses: 'govuk-table__caption--m', page: { base: '/areas' } })
  assert.equal(view.caption, '2 areas')
  assert.deepEqual(view.head, [
    { text: 'Area', attributes: { 'data-export-key': 'name' } },
    { text: 'Code', attributes: { 'data-export-key': 'code' } },
    { text: 'Records', format: 'numeric', attributes: { 'data-export-key': 'count' } },
    { text: 'Open', attributes: { 'data-export-key': 'open' } },
    { text: 'Agreed', attributes: { 'data-export-key': 'agreed' } },
    { html: '<span class="govuk-visually-hidden">Actions</span>', attributes: {} },
  ])
  assert.deepEqual(view.rows[0], [
    { html: '<a class="govuk-link" href="/areas/E06000019">Herefordshire &lt;County&gt;</a>' },
    { text: 'E06000019' },
    { text: '12,345', format: 'numeric' },
    { text: 'Yes' },
    { text: '2 December 2026' },
    {
      html: '<a class="govuk-link" href="/x/E06000019/edit">Change<span class="govuk-visually-hidden"> Herefordshire &lt;County&gt;</span></a>',
    },
  ])
  assert.deepEqual(view.rows[1].slice(2, 5), [{ text: 'Not loaded', format: 'numeric' }, { text: 'No' }, { text: 'Not given' }])
})

test('columns can be left off the page for one request, and the download never has the page-only ones', () => {
  const view = tableView(table, rows, { omit: ['actions', 'open'] })
  assert.deepEqual(
    view.head.map((h) => h.text),
    ['Area', 'Code', 'Records', 'Agreed'],
  )
  assert.deepEqual(
    exportColumns(table).map((c) => c.header),
    ['code', 'name', 'count', 'open', 'agreed', 'internal_id'],
  )
  assert.equal(
    toCsv(rows, table),
    "code,name,count,open,agreed,internal_id\r\nE06000019,Herefordshire <County>,12345,true,2026-12-02,e06000019\r\nW06000001,Ynys Môn's,,false,,w06000001\r\n",
  )
})

test('a table whose first cell heads each row says so, and a definition with a repeated or unknown key is refused', () => {
  assert.equal(
    tableView(defineTable<Row>([{ key: 'code', header: 'Code', value: (r) => r.code }], { firstCellIsHeader: true }), rows)
      .firstCellIsHeader,
    true,
  )
  assert.throws(
    () =>
      defineTable<Row>([
        { key: 'code', header: 'Code', value: (r) => r.code },
        { key: 'code', value: (r) => r.name },
      ]),
    /"code" is declared twice/,
  )
  assert.throws(() => defineTable<Row>([{ key: 'code', value: (r) => r.code }], { pageOrder: ['name'] }), /pageOrder names "name"/)
  assert.throws(() => defineTable<Row>([{ key: 'x', pageOnly: true, value: () => null }]), /"x" is page-only but has no header/)
})
