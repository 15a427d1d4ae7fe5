/**
 * `safer import police-uk PATH... [--replace]`: police.uk CSV files, folders of them (searched recursively) or
 * police.uk archive zips. A progress bar while it runs (a line per file when the output is not a terminal), a
 * summary table at the end, and exit status 1 if any file was refused.
 */
import path from 'node:path'
import cliProgress from 'cli-progress'
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import { SourceError } from '../platform/sources.ts'
import { ValidationError } from '../platform/errors.ts'
import type { FileResult } from './importer.ts'

const n = (v: number | undefined) => (v === undefined ? '' : v.toLocaleString('en-GB'))

/** Plain-text columns, padded, for a terminal or a log. */
export function textTable(headers: string[], rows: string[][], right: number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** A file as the person typed it: relative to where the command runs, shortened from the left when long. */
function shortName(label: string) {
  const cwd = process.cwd() + path.sep
  const rel = label.startsWith(cwd) ? label.slice(cwd.length) : label
  return rel.length > 60 ? `…${rel.slice(-59)}` : rel
}

export function summary(results: FileResult[]): string {
  const rows = results.map((r) => [
    shortName(r.source), r.kind ?? '', r.force ?? '', r.month ?? '', n(r.rowsKept), n(r.duplicates), n(r.noLocation), n(r.rowsRejected),
    r.status === 'imported' ? (r.replaced ? 'replaced' : 'imported') : r.status,
  ])
  const out = [textTable(['File', 'Kind', 'Force', 'Month', 'Kept', 'Duplicates', 'No location', 'Rejected', 'Result'], rows, [4, 5, 6, 7])]
  const flagged = results.filter((r) => r.status === 'imported' && (r.unknownTypes || r.unknownOutcomes))
  for (const r of flagged) {
    if (r.unknownTypes) out.push(`Note: ${shortName(r.source)} has ${n(r.unknownTypes)} record(s) with crime types police.uk did not use in ${r.month} (${r.unknownTypeNames?.join(', ')}); they were kept and flagged.`)
    if (r.unknownOutcomes) out.push(`Note: ${shortName(r.source)} has ${n(r.unknownOutcomes)} record(s) with outcomes Safer does not know (${r.unknownOutcomeNames?.join(', ')}); they were kept as given and flagged.`)
  }
  for (const r of results.filter((x) => x.status === 'refused' || x.status === 'skipped')) {
    out.push('', `${r.status === 'refused' ? 'Refused' : 'Skipped'}: ${r.message}`)
    for (const p of r.problems ?? []) out.push(`  ${p}`)
    if (r.moreProblems) out.push(`  … and ${n(r.moreProblems)} more problem(s)`)
  }
  const imported = results.filter((r) => r.status === 'imported')
  const count = (s: FileResult['status']) => results.filter((r) => r.status === s).length
  out.push('', `${results.length} file(s): ${imported.length} imported (${n(imported.reduce((t, r) => t + (r.rowsKept ?? 0), 0))} records kept), ${count('unchanged')} unchanged, ${count('skipped')} skipped, ${count('refused')} refused.`)
  return out.join('\n')
}

export async function importPoliceUkCommand(s: Services, paths: string[], opts: { replace: boolean }, actor: Actor): Promise<number> {
  const tty = process.stderr.isTTY
  const bar = tty ? new cliProgress.SingleBar({
    format: 'Importing |{bar}| {percentage}% | {files} files | {rows} records | {current}',
    barCompleteChar: '█', barIncompleteChar: '░', hideCursor: true, clearOnComplete: true, etaBuffer: 50,
  }) : undefined
  let started = false
  // Test hook: stop just before the transaction commits, so a test can kill the process there.
  const pause = process.env.SAFER_TEST_PAUSE_BEFORE_COMMIT === '1'
    ? async () => { process.stderr.write('SAFER_TEST_PAUSED_BEFORE_COMMIT\n'); await new Promise(() => {}) }
    : undefined
  try {
    const { results } = await s.crime.importPaths(paths, actor, 'command line', {
      replace: opts.replace,
      beforeCommit: pause,
      onProgress: (p) => {
        if (!bar) return
        const payload = { files: `${p.filesDone}/${p.filesTotal}`, rows: n(p.rowsKept), current: shortName(p.current ?? '').slice(-40) }
        if (!started) { bar.start(Math.max(p.bytesTotal, 1), 0, payload); started = true }
        bar.update(Math.min(p.bytesDone, p.bytesTotal), payload)
      },
      onFile: (r) => {
        if (!tty) process.stderr.write(`${r.status.padEnd(9)} ${r.source}${r.rowsKept !== undefined && r.status === 'imported' ? ` (${n(r.rowsKept)} records)` : ''}\n`)
      },
    })
    bar?.stop()
    console.log(summary(results))
    return results.some((r) => r.status === 'refused') ? 1 : 0
  } catch (err) {
    bar?.stop()
    if (err instanceof SourceError) {
      console.error(err.message)
      return 2
    }
    if (err instanceof ValidationError) {
      console.error(Object.values(err.fields).join('\n'))
      return 2
    }
    throw err
  }
}
