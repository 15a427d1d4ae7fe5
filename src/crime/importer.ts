/**
 * The police.uk importer. Files are read by DuckDB's own CSV reader, many at a time, into a staging table; checked
 * there with set-based SQL; and each good file replaces its force-month in one transaction. A file with any bad
 * row is refused whole, naming file:line:reason for its first 20 problems, and what was loaded before for that
 * force-month stays. Other files in the same run go on.
 *
 * Rules (the faults real police.uk data has):
 *   - the kind of a file comes from its header, never its name; a header that is none of the formats is refused
 *   - ASB rows have no Crime ID: each is kept and counted
 *   - a Crime ID repeated within a force-month is kept once (its first row) and counted as a duplicate
 *   - "No Location" rows (no coordinates, no LSOA) are kept and counted; area breakdowns show them as no location
 *   - a row whose LSOA lies outside the force's area is kept with its LSOA (it counts for the LSOA's area)
 *   - outcome labels are normalised through the lookup in vocabulary.ts; unknown ones are kept and flagged
 *   - crime types are checked against police.uk's list for the month; unknown ones are kept and flagged
 *   - rows with no crime type (or, in stop-and-search, no type) cannot be counted: they are rejected and counted
 *   - CRLF or LF line endings, a byte-order mark and quoted fields are all read as police.uk means them
 * Line numbers count the header as line 1 and each record as one line, as a spreadsheet numbers its rows.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Analytics, AnalyticsQuery } from '../platform/analytics.ts'
import { sqlString, transactionOn } from '../platform/analytics.ts'
import { stageCsv, checkRows, type Staged } from '../platform/csv-stage.ts'
import { detectFormat, formatOf, parseFileName, type Kind } from './formats.ts'
import { findForce, forceBySlug, FORCES } from './forces.ts'
import { crimeTypesFor, outcomeKeySql, outcomeLookup } from './vocabulary.ts'
import { readHeader, SourceError, type Materialised, type Source } from '../platform/sources.ts'
import { listPartitions, TABLE_OF, areaCountsSql, forcePfaValues, type Partition } from './store.ts'

export const MAX_PROBLEMS_LISTED = 20

export interface FileResult {
  source: string
  kind?: Kind
  force?: string
  month?: string
  /** held: it would replace a force-month loaded from a different file, and the import was asked to wait for confirmation. */
  status: 'imported' | 'unchanged' | 'refused' | 'skipped' | 'held'
  /** One sentence: why it was refused or skipped, or what it replaced. */
  message?: string
  /** The first problems, each "file:line: reason". */
  problems?: string[]
  /** How many more problems there were beyond those listed. */
  moreProblems?: number
  rowsRead?: number
  rowsKept?: number
  rowsRejected?: number
  duplicates?: number
  noLocation?: number
  unknownTypes?: number
  unknownTypeNames?: string[]
  unknownOutcomes?: number
  unknownOutcomeNames?: string[]
  sha256?: string
  replaced?: boolean
  /** When it replaced (or, held, would replace) a force-month: the records loaded before, from the file it named. */
  rowsBefore?: number
  sourceBefore?: string
}

export interface ImportProgress {
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
  rowsKept: number
  current?: string
}

export interface ImportOptions {
  /** Who is importing, as recorded against each force-month. */
  actor: string
  importId?: number | null
  /** Import files even when the same file (same sha256) is already loaded for their force-month. */
  replace?: boolean
  /**
   * Save nothing over a force-month already loaded from a different file: such a file is checked and counted, then
   * reported as 'held' with the records before and after, for the person to confirm (the Import page). Other files go on.
   */
  holdReplacements?: boolean
  onProgress?: (p: ImportProgress) => void
  onFile?: (r: FileResult) => void
  /** Called inside the transaction, just before COMMIT (fault injection in tests). */
  beforeCommit?: () => Promise<void>
  /** Stage files in batches of about this many bytes (default 128 MB): memory stays bounded whatever the run. */
  batchBytes?: number
  /** SQL giving (area_code, lsoa_code) for every ONS area: the geography's, so area counts can be kept. */
  areaMembershipSql?: string
}

/** What staging gathers about each file besides its records. */
interface FileFacts {
  first_month: string | null
  forces: string[] | null
}

interface Prepared {
  source: Source
  file: Materialised
  /** Known once the file has been hashed (while DuckDB reads it). */
  sha256?: string
  kind: Kind
  nameMonth?: string
  nameForce?: string
}

const MONTH_RE = `'^\\d{4}-(0[1-9]|1[0-2])$'`
const num = (col: string, label: string, min: number, max: number) => `
  WHEN s.${col} IS NOT NULL AND TRY_CAST(s.${col} AS DOUBLE) IS NULL THEN '${label} "' || s.${col} || '" is not a number'
  WHEN s.${col} IS NOT NULL AND NOT (TRY_CAST(s.${col} AS DOUBLE) BETWEEN ${min} AND ${max}) THEN '${label} ' || s.${col} || ' is not between ${min} and ${max}'`

/** Why a staged row is bad, or NULL. f is the batch_files row (file_month). */
function rowProblemSql(kind: Kind) {
  if (kind === 'stop-and-search') {
    return `CASE
      WHEN s.date IS NULL THEN 'Date is empty'
      WHEN TRY_CAST(s.date AS TIMESTAMPTZ) IS NULL THEN 'Date "' || s.date || '" is not a date and time like 2019-08-01T00:46:59+00:00'
      WHEN strftime(TRY_CAST(s.date AS TIMESTAMPTZ) AT TIME ZONE 'UTC', '%Y-%m') <> f.file_month AND left(s.date, 7) <> f.file_month THEN 'Date ' || s.date || ' is not in the month of the file (' || f.file_month || ')'
      ${num('longitude', 'Longitude', -180, 180)}
      ${num('latitude', 'Latitude', -90, 90)}
      ELSE NULL END`
  }
  return `CASE
    WHEN s.month IS NULL THEN 'Month is empty'
    WHEN NOT regexp_matches(s.month, ${MONTH_RE}) THEN 'Month "' || s.month || '" is not a month written YYYY-MM'
    WHEN s.month <> f.file_month THEN 'Month ' || s.month || ' is not the month of the file (' || f.file_month || ')'
    WHEN s.reported_by IS NULL THEN 'Reported by is empty'
    ${num('longitude', 'Longitude', -180, 180)}
    ${num('latitude', 'Latitude', -90, 90)}
    ELSE NULL END`
}

export async function importPoliceUk(analytics: Analytics, sources: Source[], opts: ImportOptions): Promise<FileResult[]> {
  const results: FileResult[] = []
  // What is loaded, by kind|force|month: the unchanged check and messages read it; each save in this run updates it.
  const existing = new Map<
    string,
    Pick<Partition, 'sha256' | 'rows_kept' | 'rows_rejected' | 'duplicates' | 'no_location' | 'imported_at' | 'source_file'>
  >((await listPartitions(analytics)).map((p) => [`${p.kind}|${p.force}|${p.month}`, p]))
  const claimed = new Map<string, string>() // kind|force|month -> source label, within this run
  const seen = new Map<string, string>() // sha256 -> source label, within this run
  const progress: ImportProgress = {
    filesDone: 0,
    filesTotal: sources.length,
    bytesDone: 0,
    bytesTotal: sources.reduce((n, s) => n + s.size, 0),
    rowsKept: 0,
  }
  const tmpDir = path.join(analytics.tmpDir, `import-${process.pid}-${Date.now()}`)
  const batchBytes = opts.batchBytes ?? 128 * 1024 * 1024
  const report = () => opts.onProgress?.({ ...progress })
  // Progress is the size of the files done (a compressed file counts its compressed size), and half of the file being
  // unpacked: each file's work is mostly in its batch, which ends with all of its files done at once.
  const sizeOf = new Map(sources.map((s) => [s.label, s.size]))
  let doneBytes = 0
  const finish = (r: FileResult) => {
    results.push(r)
    doneBytes += sizeOf.get(r.source) ?? 0
    progress.bytesDone = Math.max(progress.bytesDone, doneBytes)
    progress.filesDone++
    if (r.status === 'imported') progress.rowsKept += r.rowsKept ?? 0
    opts.onFile?.(r)
    report()
  }

  const pending: Record<Kind, Prepared[]> = { street: [], outcomes: [], 'stop-and-search': [] }
  const pendingBytes: Record<Kind, number> = { street: 0, outcomes: 0, 'stop-and-search': 0 }

  try {
    await analytics.withConnection(async (q) => {
      for (const source of sources) {
        progress.current = source.label
        report()
        let file: Materialised
        let read = 0
        try {
          file = await source.materialise(tmpDir, (n) => {
            read += n
            progress.bytesDone = Math.max(progress.bytesDone, Math.min(progress.bytesTotal, doneBytes + Math.min(source.size, read) / 2))
            report()
          })
        } catch (err) {
          finish({
            source: source.label,
            status: 'refused',
            message: err instanceof SourceError ? err.message : `${source.label} could not be read: ${(err as Error).message}`,
          })
          continue
        }
        const header = detectFormat(await readHeader(file.path), source.label)
        if (!header.ok) {
          const sha256 = await file.sha256.catch(() => undefined)
          file.cleanup()
          finish({ source: source.label, status: 'refused', sha256, message: header.message })
          continue
        }
        const kind = header.format.kind
        const named = parseFileName(source.name)
        pending[kind].push({ source, file, kind, nameMonth: named.month, nameForce: named.force })
        pendingBytes[kind] += file.bytes
        if (pendingBytes[kind] >= batchBytes) {
          await runBatch(q, kind, pending[kind].splice(0))
          pendingBytes[kind] = 0
        }
      }
      for (const kind of Object.keys(pending) as Kind[]) if (pending[kind].length) await runBatch(q, kind, pending[kind].splice(0))
    })
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true })
  }
  return results

  /** Why a file is not text, when it holds a NUL (zero) byte; undefined for a text file. */
  function notText(p: Prepared): string | undefined {
    const at = p.file.firstNul()
    if (at === undefined) return undefined
    return `${p.source.label} is not a text file: it has a zero (NUL) byte at byte ${(at + 1).toLocaleString('en-GB')}, and police.uk CSV files hold only text (was it saved as UTF-16, or is it another kind of file?).`
  }

  /** Stage, check and save one batch of files of one kind. If DuckDB cannot read the batch at all, each file is tried alone. */
  async function runBatch(q: AnalyticsQuery, kind: Kind, batch: Prepared[]) {
    let staged: Map<string, Staged<FileFacts>>
    try {
      // DuckDB reads the files (on its own threads) while they are hashed here. Each file's first month and the
      // forces its rows name are gathered in the same pass.
      const facts = `arg_min(${kind === 'stop-and-search' ? 'left(date, 7)' : 'month'}, rowid) AS first_month,
        ${kind === 'stop-and-search' ? 'NULL::VARCHAR[]' : 'list(DISTINCT reported_by) FILTER (WHERE reported_by IS NOT NULL)'} AS forces`
      ;[staged] = await Promise.all([
        stageCsv<FileFacts>(
          q,
          'stage',
          batch.map((p) => p.file.path),
          formatOf(kind).columns.map(([, c]) => c),
          facts,
        ),
        ...batch.map((p) =>
          p.file.sha256.then((sha) => {
            p.sha256 = sha
          }),
        ),
      ])
    } catch (err) {
      if (batch.length === 1) {
        const one = batch[0]
        one.sha256 ??= await one.file.sha256.catch(() => undefined)
        one.file.cleanup()
        finish({
          source: one.source.label,
          kind,
          status: 'refused',
          sha256: one.sha256,
          message: notText(one) ?? `${one.source.label} could not be read: ${(err as Error).message.split('\n')[0]}`,
        })
        return
      }
      for (const one of batch) await runBatch(q, kind, [one])
      return
    }
    try {
      await checkAndSave(q, kind, batch, staged)
    } finally {
      for (const p of batch) p.file.cleanup()
      await q.run(
        `DROP TABLE IF EXISTS stage; DROP TABLE IF EXISTS prepared; DROP TABLE IF EXISTS outcome_map; DROP TABLE IF EXISTS batch_files`,
      )
    }
  }

  async function checkAndSave(q: AnalyticsQuery, kind: Kind, batch: Prepared[], staged: Map<string, Staged<FileFacts>>) {
    const label = (p: Prepared) => p.source.label
    // Each file's month (from its name, else its first row) and force (from its rows, else its name).
    const files: { path: string; p: Prepared; fileMonth: string | null; force: string | null; refusal?: string }[] = []
    for (const p of batch) {
      const s = staged.get(p.file.path)!.facts
      const fileMonth = p.nameMonth ?? (s?.first_month && /^\d{4}-\d{2}$/.test(s.first_month) ? s.first_month : null)
      let force: string | null = null
      let refusal: string | undefined
      if (kind === 'stop-and-search') {
        force = p.nameForce && forceBySlug(p.nameForce) ? p.nameForce : null
        if (!force)
          refusal = `${label(p)}: stop-and-search files do not say which force they are from, so the file must keep police.uk's name, YYYY-MM-<force>-stop-and-search.csv (for example 2019-08-city-of-london-stop-and-search.csv)${p.nameForce ? `; "${p.nameForce}" is not a police.uk force` : ''}.`
      } else {
        const names = s?.forces ?? []
        const found = names.map((n) => ({ n, f: findForce(n) }))
        const unknown = found.filter((x) => !x.f).map((x) => x.n)
        const slugs = [...new Set(found.filter((x) => x.f).map((x) => x.f!.slug))]
        if (unknown.length)
          refusal = `${label(p)}: "Reported by" names ${unknown.map((u) => `"${u}"`).join(', ')}, which ${unknown.length === 1 ? 'is not a police force' : 'are not police forces'} that publishes on police.uk.`
        else if (slugs.length > 1)
          refusal = `${label(p)} holds rows reported by ${slugs.length} forces (${found.map((x) => x.n).join(', ')}); police.uk files hold one force each.`
        else force = slugs[0] ?? (p.nameForce && forceBySlug(p.nameForce) ? p.nameForce : null)
        if (!force && !refusal) refusal = `${label(p)} has no rows, and its name does not say which force it is from.`
      }
      if (!fileMonth && !refusal) refusal = `${label(p)} has no rows, and its name does not say which month it is for.`
      files.push({ path: p.file.path, p, fileMonth, force, refusal })
    }

    await q.run(
      `CREATE OR REPLACE TEMP TABLE batch_files AS
      SELECT unnest(?::VARCHAR[]) AS filename, unnest(?::VARCHAR[]) AS file_month, unnest(?::VARCHAR[]) AS force,
        CAST(NULLIF(unnest(?::VARCHAR[]), '') AS DATE) AS month, false AS import`,
      [
        files.map((f) => f.path),
        files.map((f) => f.fileMonth ?? ''),
        files.map((f) => f.force ?? ''),
        files.map((f) => (f.fileMonth ? `${f.fileMonth}-01` : '')),
      ],
    )

    // Row by row: a bad month, date or coordinate refuses the file. The first 20 per file are listed.
    const checked = await checkRows(q, 'stage', staged, rowProblemSql(kind), {
      joinSql: 'JOIN batch_files f USING (filename)',
      limit: MAX_PROBLEMS_LISTED,
    })

    // Decide each file.
    const toImport: typeof files = []
    for (const f of files) {
      const c = checked.get(f.path)!
      const count = c.problemCount
      const base = { source: label(f.p), kind, sha256: f.p.sha256, rowsRead: c.rows }
      const loaded = f.force && f.fileMonth && existing.has(`${kind}|${f.force}|${f.fileMonth}`)
      const unchanged = `Nothing from it was saved${loaded ? ', and the data already loaded for this force and month is unchanged' : ''}.`
      // Bytes that are not text (a NUL: binary, or UTF-16), or a header with no records after it, would "load" a
      // force-month of nothing over what is there: refused, whatever else is wrong with the file.
      const binary = notText(f.p)
      if (binary || !c.rows) {
        finish({
          ...base,
          force: f.force ?? undefined,
          month: f.fileMonth ?? undefined,
          status: 'refused',
          message: binary
            ? `${binary} ${unchanged}`
            : `${label(f.p)} has the police.uk header but no records after it, so there is nothing to import. ${unchanged}`,
        })
        continue
      }
      if (count) {
        const shown = c.problems
        finish({
          ...base,
          force: f.force ?? undefined,
          month: f.fileMonth ?? undefined,
          status: 'refused',
          message: `${label(f.p)} was not imported: ${count === 1 ? 'one line has a problem' : `${count} lines have problems`}. Nothing from it was saved${f.force && f.fileMonth && existing.has(`${kind}|${f.force}|${f.fileMonth}`) ? ', and the data already loaded for this force and month is unchanged' : ''}.`,
          problems: shown.map((x) => `${label(f.p)}:${x.line}: ${x.reason}`),
          moreProblems: Math.max(0, count - shown.length),
        })
        continue
      }
      const same = seen.get(f.p.sha256!)
      if (same) {
        finish({
          ...base,
          force: f.force ?? undefined,
          month: f.fileMonth ?? undefined,
          status: 'skipped',
          message: `${label(f.p)} is the same file as ${same}, already in this import.`,
        })
        continue
      }
      seen.set(f.p.sha256!, label(f.p))
      if (f.refusal) {
        finish({ ...base, status: 'refused', message: f.refusal })
        continue
      }
      const key = `${kind}|${f.force}|${f.fileMonth}`
      const other = claimed.get(key)
      if (other) {
        finish({
          ...base,
          force: f.force!,
          month: f.fileMonth!,
          status: 'refused',
          message: `${label(f.p)} is for the same force and month (${f.force}, ${f.fileMonth}) as ${other}, earlier in this import. Give one file per force, month and kind.`,
        })
        continue
      }
      claimed.set(key, label(f.p))
      const before = existing.get(key)
      if (before && before.sha256 === f.p.sha256 && !opts.replace) {
        finish({
          ...base,
          force: f.force!,
          month: f.fileMonth!,
          status: 'unchanged',
          rowsKept: before.rows_kept,
          duplicates: before.duplicates,
          noLocation: before.no_location,
          rowsRejected: before.rows_rejected,
          message: `The same file was already imported for ${f.force}, ${f.fileMonth} (on ${before.imported_at.slice(0, 10)}); nothing to change.`,
        })
        continue
      }
      toImport.push(f)
    }
    if (!toImport.length) return

    await q.run(`UPDATE batch_files SET import = true WHERE filename IN (${toImport.map((f) => sqlString(f.path)).join(', ')})`)
    await prepare(
      q,
      kind,
      toImport.map((f) => f.fileMonth!),
    )
    const facts = await q.all<{
      filename: string
      kept: number
      no_location: number
      unknown_types: number
      type_names: string[] | null
      unknown_outcomes: number
      outcome_names: string[] | null
    }>(
      `SELECT filename, count(*) AS kept,
        ${kind === 'stop-and-search' ? '0' : 'count(*) FILTER (WHERE lsoa_code IS NULL)'} AS no_location,
        ${kind === 'street' ? 'count(*) FILTER (WHERE NOT type_known)' : '0'} AS unknown_types,
        ${kind === 'street' ? 'list(DISTINCT crime_type) FILTER (WHERE NOT type_known)' : 'NULL::VARCHAR[]'} AS type_names,
        ${kind === 'stop-and-search' ? '0' : 'count(*) FILTER (WHERE NOT outcome_known)'} AS unknown_outcomes,
        ${kind === 'stop-and-search' ? 'NULL::VARCHAR[]' : 'list(DISTINCT outcome) FILTER (WHERE NOT outcome_known)'} AS outcome_names
       FROM prepared GROUP BY filename`,
    )
    const rejectedRows = await q.all<{ filename: string; n: number }>(
      `SELECT filename, count(*) AS n FROM stage WHERE ${kind === 'stop-and-search' ? 'type' : kind === 'street' ? 'crime_type' : 'outcome'} IS NULL GROUP BY filename`,
    )
    const factOf = new Map(facts.map((x) => [x.filename, x]))
    const rejectedOf = new Map(rejectedRows.map((x) => [x.filename, x.n]))

    // Files that would replace a force-month loaded from a different file wait for confirmation: counted, not saved.
    const basename = (s: string) => s.split(/[\\/]/).pop()
    if (opts.holdReplacements) {
      const held = toImport.filter((f) => existing.has(`${kind}|${f.force}|${f.fileMonth}`))
      if (held.length) {
        const names = held.map((f) => sqlString(f.path)).join(', ')
        await q.run(`UPDATE batch_files SET import = false WHERE filename IN (${names})`)
        await q.run(`DELETE FROM prepared WHERE filename IN (${names})`)
        for (const f of held) {
          const before = existing.get(`${kind}|${f.force}|${f.fileMonth}`)!
          const after = factOf.get(f.path)?.kept ?? 0
          finish({
            source: label(f.p),
            kind,
            force: f.force!,
            month: f.fileMonth!,
            status: 'held',
            sha256: f.p.sha256,
            rowsRead: staged.get(f.path)!.accepted,
            rowsKept: after,
            rowsBefore: before.rows_kept,
            sourceBefore: basename(before.source_file),
            message: `${f.force}, ${f.fileMonth} is already loaded from ${basename(before.source_file)} (${before.rows_kept.toLocaleString('en-GB')} records). ${label(f.p)} would replace it with ${after.toLocaleString('en-GB')} records. Nothing has changed yet: confirm to replace it.`,
          })
        }
        toImport.splice(0, toImport.length, ...toImport.filter((f) => !held.includes(f)))
        if (!toImport.length) return
      }
    }

    const saved: FileResult[] = []
    const importedAt = new Date().toISOString()
    await transactionOn(q, async () => {
      const table = TABLE_OF[kind]
      const cols = (
        await q.all<{ column_name: string }>(
          `SELECT column_name FROM duckdb_columns() WHERE schema_name = 'crime' AND table_name = ? ORDER BY column_index`,
          [table.split('.')[1]],
        )
      ).map((c) => c.column_name)
      await q.run(`DELETE FROM ${table} t USING batch_files b WHERE b.import AND t.force = b.force AND t.month = b.month`)
      await q.run(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM prepared`)
      if (kind === 'street') {
        await q.run(`DELETE FROM crime.street_counts t USING batch_files b WHERE b.import AND t.force = b.force AND t.month = b.month`)
        await q.run(
          `INSERT INTO crime.street_counts SELECT force, month, lsoa_code, crime_type, outcome, count(*) FROM prepared GROUP BY ALL`,
        )
        await q.run(`DELETE FROM crime.area_counts t USING batch_files b WHERE b.import AND t.force = b.force AND t.month = b.month`)
        if (opts.areaMembershipSql)
          await q.run(`INSERT INTO crime.area_counts ${areaCountsSql('prepared', opts.areaMembershipSql, 'rows', forcePfaValues(FORCES))}`)
      }
      for (const f of toImport) {
        const x = factOf.get(f.path)
        const read = staged.get(f.path)!.accepted
        const rowsRejected = rejectedOf.get(f.path) ?? 0
        const kept = x?.kept ?? 0
        const duplicates = read - rowsRejected - kept
        const r: FileResult = {
          source: label(f.p),
          kind,
          force: f.force!,
          month: f.fileMonth!,
          status: 'imported',
          sha256: f.p.sha256,
          rowsRead: read,
          rowsKept: kept,
          rowsRejected,
          duplicates,
          noLocation: x?.no_location ?? 0,
          unknownTypes: x?.unknown_types ?? 0,
          unknownTypeNames: x?.type_names ?? [],
          unknownOutcomes: x?.unknown_outcomes ?? 0,
          unknownOutcomeNames: x?.outcome_names ?? [],
          replaced: existing.has(`${kind}|${f.force}|${f.fileMonth}`),
          ...(existing.has(`${kind}|${f.force}|${f.fileMonth}`)
            ? {
                rowsBefore: existing.get(`${kind}|${f.force}|${f.fileMonth}`)!.rows_kept,
                sourceBefore: basename(existing.get(`${kind}|${f.force}|${f.fileMonth}`)!.source_file),
              }
            : {}),
        }
        saved.push(r)
      }
      // What is loaded, in the same transaction as the data itself.
      const col = <K extends keyof FileResult>(k: K) => saved.map((r) => r[k])
      await q.run(
        `DELETE FROM crime.partitions p USING batch_files b WHERE b.import AND p.kind = ? AND p.force = b.force AND p.month = b.month`,
        [kind],
      )
      await q.run(
        `INSERT INTO crime.partitions SELECT ?, unnest(?::VARCHAR[]), CAST(unnest(?::VARCHAR[]) || '-01' AS DATE),
          unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::INTEGER[]),
          unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), CAST(? AS TIMESTAMPTZ), ?, ?`,
        [
          kind,
          col('force') as string[],
          col('month') as string[],
          col('rowsKept').map(String),
          col('rowsRejected').map(String),
          col('duplicates').map(String),
          col('noLocation').map(String),
          col('unknownTypes').map(String),
          col('unknownOutcomes').map(String),
          col('source') as string[],
          col('sha256') as string[],
          importedAt,
          opts.actor,
          opts.importId ?? null,
        ],
      )
      if (opts.beforeCommit) await opts.beforeCommit()
    })
    for (const r of saved) {
      existing.set(`${kind}|${r.force}|${r.month}`, {
        sha256: r.sha256!,
        rows_kept: r.rowsKept!,
        rows_rejected: r.rowsRejected!,
        duplicates: r.duplicates!,
        no_location: r.noLocation!,
        imported_at: importedAt,
        source_file: r.source,
      })
      finish(r)
    }
  }

  /** The rows to keep, in their stored shape, in the temporary table `prepared`. */
  async function prepare(q: AnalyticsQuery, kind: Kind, months: string[]) {
    // Outcome labels are normalised once per distinct label (a few dozen), not once per row.
    const outcomeCol = kind === 'stop-and-search' ? null : 'outcome'
    await q.run(`CREATE OR REPLACE TEMP TABLE outcome_lookup (key VARCHAR, label VARCHAR)`)
    await q.run(`INSERT INTO outcome_lookup SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])`, [
      outcomeLookup().map((o) => o[0]),
      outcomeLookup().map((o) => o[1]),
    ])
    if (outcomeCol) {
      await q.run(`CREATE OR REPLACE TEMP TABLE outcome_map AS
        SELECT d.published, l.label FROM (SELECT DISTINCT ${outcomeCol} AS published FROM stage WHERE ${outcomeCol} IS NOT NULL) d
        LEFT JOIN outcome_lookup l ON l.key = ${outcomeKeySql('d.published')}`)
    }
    if (kind === 'street') {
      const pairs = [...new Set(months)].flatMap((m) => crimeTypesFor(m).map((t) => [m, t]))
      await q.run(`CREATE OR REPLACE TEMP TABLE known_types (month VARCHAR, type VARCHAR)`)
      if (pairs.length)
        await q.run(`INSERT INTO known_types SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])`, [
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
        ])
      await q.run(`CREATE OR REPLACE TEMP TABLE prepared AS
        SELECT s.filename, f.force, f.month, s.crime_id, s.falls_within,
          CAST(s.longitude AS DOUBLE) AS longitude, CAST(s.latitude AS DOUBLE) AS latitude, s.location, s.lsoa_code,
          s.crime_type, coalesce(o.label, s.outcome) AS outcome,
          CASE WHEN o.label IS DISTINCT FROM s.outcome THEN s.outcome END AS outcome_published, s.context,
          k.type IS NOT NULL AS type_known, (s.outcome IS NULL OR o.label IS NOT NULL) AS outcome_known
        FROM stage s
        JOIN batch_files f ON f.filename = s.filename AND f.import
        LEFT JOIN outcome_map o ON o.published = s.outcome
        LEFT JOIN known_types k ON k.month = s.month AND k.type = s.crime_type
        WHERE s.crime_type IS NOT NULL
          AND (s.crime_id IS NULL OR s.rowid IN (SELECT min(rowid) FROM stage WHERE crime_id IS NOT NULL AND crime_type IS NOT NULL GROUP BY filename, crime_id))`)
    } else if (kind === 'outcomes') {
      await q.run(`CREATE OR REPLACE TEMP TABLE prepared AS
        SELECT s.filename, f.force, f.month, s.crime_id, s.falls_within,
          CAST(s.longitude AS DOUBLE) AS longitude, CAST(s.latitude AS DOUBLE) AS latitude, s.location, s.lsoa_code,
          coalesce(o.label, s.outcome) AS outcome, CASE WHEN o.label IS DISTINCT FROM s.outcome THEN s.outcome END AS outcome_published,
          o.label IS NOT NULL AS outcome_known
        FROM stage s
        JOIN batch_files f ON f.filename = s.filename AND f.import
        LEFT JOIN outcome_map o ON o.published = s.outcome
        WHERE s.outcome IS NOT NULL
          AND (s.crime_id IS NULL OR s.rowid IN (SELECT min(rowid) FROM stage WHERE crime_id IS NOT NULL AND outcome IS NOT NULL GROUP BY filename, crime_id, outcome))`)
    } else {
      await q.run(`CREATE OR REPLACE TEMP TABLE prepared AS
        SELECT s.filename, f.force, f.month, s.type, CAST(s.date AS TIMESTAMPTZ) AS date,
          TRY_CAST(s.part_of_operation AS BOOLEAN) AS part_of_operation, s.operation,
          CAST(s.latitude AS DOUBLE) AS latitude, CAST(s.longitude AS DOUBLE) AS longitude, s.gender, s.age_range,
          s.self_defined_ethnicity, s.officer_defined_ethnicity, s.legislation, s.object_of_search, s.outcome,
          TRY_CAST(s.outcome_linked AS BOOLEAN) AS outcome_linked, TRY_CAST(s.removal_of_outer_clothing AS BOOLEAN) AS removal_of_outer_clothing
        FROM stage s
        JOIN batch_files f ON f.filename = s.filename AND f.import
        WHERE s.type IS NOT NULL`)
    }
  }
}
