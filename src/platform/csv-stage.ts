/**
 * Reading CSV files into DuckDB for an import, and reporting what is wrong with them in words a council officer
 * understands: "file:line: reason". Files are staged as text (every column VARCHAR, so a bad value is reported,
 * never silently dropped by a cast), with DuckDB's reject tables catching rows that are not CSV at all (wrong
 * number of fields, bad quoting, text that is not UTF-8). Rules on values are checked afterwards in SQL, and the
 * rows that break them are given their line numbers from their position in the staged table (DuckDB keeps rows in
 * file order: preserve_insertion_order is on).
 *
 * Line numbers count the header as line 1 and each record as one line, as a spreadsheet numbers its rows.
 */
import type { AnalyticsQuery } from './analytics.ts'
import { sqlString } from './analytics.ts'

export interface Problem {
  line: number
  reason: string
}

export interface StagedFile {
  path: string
  /** Records read (accepted and rejected). */
  rows: number
  /** Problems found, sorted by line (at most `limit` of them). */
  problems: Problem[]
  /** How many problems there are in all. */
  problemCount: number
}

/** Words for DuckDB's CSV reject types. */
function structuralReason(type: string, message: string, expected: number) {
  if (/invalid unicode|not utf-8/i.test(message)) return 'contains characters that are not valid UTF-8 text (save the file as UTF-8)'
  const found = /Found: (\d+)/.exec(message)?.[1]
  switch (type) {
    case 'TOO MANY COLUMNS':
      return `has ${found ? Number(found) : 'more than ' + expected} fields, expected ${expected}`
    case 'MISSING COLUMNS':
      return `has too few fields, expected ${expected}`
    case 'UNQUOTED VALUE':
      return 'has a quote mark inside a field that is not quoted'
    case 'LINE SIZE OVER MAXIMUM':
      return 'is too long to be one record (is a quote mark left open?)'
    default:
      return message.split('\n')[0]
  }
}

/** The line of the k-th accepted record (0-based), given the (sorted) lines DuckDB rejected. */
export function lineOf(k: number, rejectedLines: number[]) {
  let line = 2 + k
  for (const r of rejectedLines) if (r <= line) line++
  return line
}

/** What staging found in one file. */
export interface Staged<F = Record<string, unknown>> {
  path: string
  /** Records DuckDB accepted, and the rowid of the first of them (line numbers are reckoned from it). */
  accepted: number
  firstRowid: number
  /** The records DuckDB could not read as CSV, by line. */
  rejected: Problem[]
  /** The caller's own per-file aggregates (the `facts` SQL), computed in the same pass. */
  facts: F
}

/**
 * Stage files into temporary table `table` (columns named `columns`, all VARCHAR, plus `filename`), and count each
 * file's records in one pass, with any per-file aggregates the caller gives in `facts` (SQL select items over the
 * staged table, e.g. "arg_min(month, rowid) AS first_month").
 */
export async function stageCsv<F = Record<string, unknown>>(
  q: AnalyticsQuery,
  table: string,
  files: string[],
  columns: readonly string[],
  facts = '',
): Promise<Map<string, Staged<F>>> {
  const rejects = `${table}_rejects`
  const scans = `${table}_reject_scans`
  await q.run(`DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${rejects}; DROP TABLE IF EXISTS ${scans}`)
  const list = `[${files.map(sqlString).join(', ')}]`
  await q.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM read_csv(${list}, columns = {${columns.map((c) => `'${c}': 'VARCHAR'`).join(', ')}},
    header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', filename = true, store_rejects = true,
    rejects_table = '${rejects}', rejects_scan = '${scans}', rejects_limit = 0)`)
  const rows = await q.all<{ file_path: string; line: number; error_type: string; error_message: string }>(
    `SELECT s.file_path, e.line, e.error_type, e.error_message FROM ${rejects} e JOIN ${scans} s USING (scan_id, file_id) ORDER BY s.file_path, e.line`,
  )
  await q.run(`DROP TABLE IF EXISTS ${rejects}; DROP TABLE IF EXISTS ${scans}`)
  const counts = await q.all<{ filename: string; n: number; first_rowid: number } & F>(
    `SELECT filename, count(*) AS n, min(rowid) AS first_rowid${facts ? `, ${facts}` : ''} FROM ${table} GROUP BY filename`,
  )
  const out = new Map<string, Staged<F>>()
  for (const f of files) {
    const c = counts.find((x) => x.filename === f)
    const rejected: Problem[] = []
    for (const r of rows.filter((x) => x.file_path === f)) {
      if (!rejected.some((p) => p.line === r.line))
        rejected.push({ line: r.line, reason: structuralReason(r.error_type, r.error_message, columns.length) })
    }
    out.set(f, { path: f, accepted: c?.n ?? 0, firstRowid: c?.first_rowid ?? 0, rejected, facts: (c ?? {}) as F })
  }
  return out
}

/**
 * The problems in each staged file: the rejected records, and the rows for which `reasonSql` (an SQL expression
 * over the staged row `s`, and whatever `joinSql` joins in, giving a reason or NULL) is not NULL.
 */
export async function checkRows(
  q: AnalyticsQuery,
  table: string,
  staged: Map<string, Staged<any>>,
  reasonSql: string,
  opts: { joinSql?: string; limit?: number } = {},
): Promise<Map<string, StagedFile>> {
  const limit = opts.limit ?? 20
  const bad = await q.all<{ filename: string; rowid: number; reason: string; total: number }>(
    `SELECT filename, rowid, reason, count(*) OVER (PARTITION BY filename) AS total FROM (
       SELECT s.filename, s.rowid, ${reasonSql} AS reason FROM ${table} s ${opts.joinSql ?? ''}
     ) WHERE reason IS NOT NULL
     QUALIFY row_number() OVER (PARTITION BY filename ORDER BY rowid) <= ${limit}
     ORDER BY filename, rowid`,
  )
  const out = new Map<string, StagedFile>()
  for (const [f, st] of staged) {
    const rejected = st.rejected.slice().sort((a, b) => a.line - b.line)
    const rejectedLines = rejected.map((p) => p.line)
    const mine = bad.filter((b) => b.filename === f)
    const problems = [...rejected, ...mine.map((b) => ({ line: lineOf(b.rowid - st.firstRowid, rejectedLines), reason: b.reason }))].sort(
      (a, b) => a.line - b.line,
    )
    out.set(f, {
      path: f,
      rows: st.accepted + rejected.length,
      problems: problems.slice(0, limit),
      problemCount: rejected.length + (mine[0]?.total ?? 0),
    })
  }
  return out
}
