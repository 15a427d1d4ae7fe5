/**
 * CSV and JSON export of any table a page shows: `?format=csv` or `?format=json` on its list route. The columns come
 * from the table's one definition (platform/tables.ts), the same that draws the table on the page.
 */
import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import { choice } from './validation.ts'
import { exportColumns, type Table } from './tables.ts'

/** The `format` query parameter of a page or API route whose table downloads as CSV or JSON. */
export const ExportFormat = Type.Optional(choice(['csv', 'json'] as const, 'Format'))
/** The query of such a route that takes nothing else. */
export const FormatQuery = Type.Object({ format: ExportFormat })

interface Column<T> {
  header: string
  value: (row: T) => unknown
}

/** What a spreadsheet may read as the start of a formula (see cell). */
const FORMULA = /^(?:[=+\-@\t\r\n]|[\s\u00a0\u3000]+[=+\-@])/

function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join('; ') : typeof v === 'object' ? JSON.stringify(v) : String(v)
  // Spreadsheet formula injection: text a spreadsheet could read as a formula is written with a ' in front, so it is read
  // as text: text starting with = + - @, with a tab or a line break, or with spaces or line breaks and then = + - @
  // (spreadsheets skip those before a formula). Numbers are numbers (-5 stays -5).
  if (typeof v !== 'number' && FORMULA.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The rows as CSV text (a header line, then a line a row), with the table's download columns. */
export function toCsv<T>(rows: T[], table: Table<T>): string {
  return csvLines(rows, exportColumns(table))
}

function csvLines<T>(rows: T[], columns: Column<T>[]): string {
  const lines = [columns.map((c) => cell(c.header)).join(',')]
  for (const r of rows) lines.push(columns.map((c) => cell(c.value(r))).join(','))
  return lines.join('\r\n') + '\r\n'
}

/**
 * The same for a table too long to hold in memory (the audit log): rows arrive page by page and are
 * streamed to the download as they come.
 */
export function streamExport<T>(
  reply: FastifyReply,
  format: unknown,
  filename: string,
  table: Table<T>,
  pages: () => AsyncIterable<T[]>,
): boolean {
  if (format !== 'csv' && format !== 'json') return false
  const columns = exportColumns(table)
  async function* body() {
    if (format === 'csv') {
      yield '\uFEFF' + csvLines([], columns)
      for await (const rows of pages()) if (rows.length) yield csvLines(rows, columns).split('\r\n').slice(1).join('\r\n')
      return
    }
    yield '['
    let first = true
    for await (const rows of pages()) {
      for (const r of rows) {
        yield (first ? '' : ',') + JSON.stringify(Object.fromEntries(columns.map((c) => [c.header, c.value(r) ?? null])))
        first = false
      }
    }
    yield ']'
  }
  reply
    .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}.${format}"`)
    .send(Readable.from(body()))
  return true
}

/** If the request asked for CSV or JSON, send the table that way and return true. */
export function sendExport<T>(reply: FastifyReply, format: unknown, filename: string, rows: T[], table: Table<T>): boolean {
  const columns = exportColumns(table)
  if (format === 'csv') {
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}.csv"`)
      .send('\uFEFF' + csvLines(rows, columns))
    return true
  }
  if (format === 'json') {
    const out = rows.map((r) => Object.fromEntries(columns.map((c) => [c.header, c.value(r) ?? null])))
    reply.header('content-disposition', `attachment; filename="${filename}.json"`).send(out)
    return true
  }
  return false
}
