/**
 * `safer import police-uk PATH... [--replace]`: police.uk CSV files, folders of them (searched recursively) or
 * police.uk archive zips. A progress bar while it runs (a line per file when the output is not a terminal), a
 * summary table at the end, and exit status 1 if any file was refused. A file for a force-month already loaded from
 * a different file replaces it (whoever runs the command has the files in hand and means to load them), and the
 * summary lists each force-month replaced with its records before and after (docs/security.md, point 13).
 */
import path from 'node:path'
import cliProgress from 'cli-progress'
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import { textTable } from '../platform/cli.ts'
import { plural } from '../platform/format.ts'
import type { FileResult } from './importer.ts'

const n = (v: number | undefined) => (v === undefined ? '' : v.toLocaleString('en-GB'))

/** A file as the person typed it: relative to where the command runs, shortened from the left when long. */
function shortName(label: string) {
  const cwd = process.cwd() + path.sep
  const rel = label.startsWith(cwd) ? label.slice(cwd.length) : label
  return rel.length > 60 ? `…${rel.slice(-59)}` : rel
}

export function summary(results: FileResult[]): string {
  const out = [
    textTable(results, [
      { header: 'File', value: (r) => shortName(r.source) },
      { header: 'Kind', value: (r) => r.kind ?? '' },
      { header: 'Force', value: (r) => r.force ?? '' },
      { header: 'Month', value: (r) => r.month ?? '' },
      { header: 'Kept', value: (r) => n(r.rowsKept), align: 'right' },
      { header: 'Duplicates', value: (r) => n(r.duplicates), align: 'right' },
      { header: 'No location', value: (r) => n(r.noLocation), align: 'right' },
      { header: 'Rejected', value: (r) => n(r.rowsRejected), align: 'right' },
      { header: 'Result', value: (r) => (r.status === 'imported' ? (r.replaced ? 'replaced' : 'imported') : r.status) },
    ]),
  ]
  const flagged = results.filter((r) => r.status === 'imported' && (r.unknownTypes || r.unknownOutcomes))
  for (const r of flagged) {
    if (r.unknownTypes)
      out.push(
        `Note: ${shortName(r.source)} has ${n(r.unknownTypes)} record(s) with crime types police.uk did not use in ${r.month} (${r.unknownTypeNames?.join(', ')}); they were kept and flagged.`,
      )
    if (r.unknownOutcomes)
      out.push(
        `Note: ${shortName(r.source)} has ${n(r.unknownOutcomes)} record(s) with outcomes Safer does not know (${r.unknownOutcomeNames?.join(', ')}); they were kept as given and flagged.`,
      )
  }
  // What was replaced, force-month by force-month: the records before (and the file they came from) and after.
  const replaced = results.filter((r) => r.status === 'imported' && r.replaced)
  if (replaced.length) {
    out.push('', `Replaced ${replaced.length === 1 ? 'a force-month' : `${replaced.length} force-months`} already loaded:`)
    for (const r of replaced)
      out.push(
        `  ${r.kind} ${r.force} ${r.month}: ${n(r.rowsBefore)} records${r.sourceBefore ? ` from ${r.sourceBefore}` : ''}, now ${n(r.rowsKept)} from ${shortName(r.source)}`,
      )
  }
  for (const r of results.filter((x) => x.status === 'refused' || x.status === 'skipped')) {
    out.push('', `${r.status === 'refused' ? 'Refused' : 'Skipped'}: ${r.message}`)
    for (const p of r.problems ?? []) out.push(`  ${p}`)
    if (r.moreProblems) out.push(`  … and ${n(r.moreProblems)} more ${r.moreProblems === 1 ? 'problem' : 'problems'}`)
  }
  const imported = results.filter((r) => r.status === 'imported')
  const count = (s: FileResult['status']) => results.filter((r) => r.status === s).length
  out.push(
    '',
    `${plural(results.length, 'file')}: ${imported.length} imported (${plural(
      imported.reduce((t, r) => t + (r.rowsKept ?? 0), 0),
      'record',
    )} kept), ${count('unchanged')} unchanged, ${count('skipped')} skipped, ${count('refused')} refused.`,
  )
  return out.join('\n')
}

export async function importPoliceUkCommand(s: Services, paths: string[], opts: { replace: boolean }, actor: Actor): Promise<number> {
  const tty = process.stderr.isTTY
  const bar = tty
    ? new cliProgress.SingleBar({
        format: 'Importing |{bar}| {percentage}% | {files} files | {rows} records | {current}',
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      })
    : undefined
  let started = false
  // Test hook: stop just before the transaction commits, so a test can kill the process there.
  const pause =
    process.env.SAFER_TEST_PAUSE_BEFORE_COMMIT === '1'
      ? async () => {
          process.stderr.write('SAFER_TEST_PAUSED_BEFORE_COMMIT\n')
          await new Promise(() => {})
        }
      : undefined
  try {
    const { results } = await s.crime.importPaths(paths, actor, 'command line', {
      replace: opts.replace,
      beforeCommit: pause,
      onProgress: (p) => {
        if (!bar) return
        const payload = { files: `${p.filesDone}/${p.filesTotal}`, rows: n(p.rowsKept), current: shortName(p.current ?? '').slice(-40) }
        if (!started) {
          bar.start(Math.max(p.bytesTotal, 1), 0, payload)
          started = true
        }
        bar.update(Math.min(p.bytesDone, p.bytesTotal), payload)
      },
      onFile: (r) => {
        if (!tty)
          process.stderr.write(
            `${r.status.padEnd(9)} ${r.source}${r.rowsKept !== undefined && r.status === 'imported' ? ` (${n(r.rowsKept)} records)` : ''}\n`,
          )
      },
    })
    bar?.stop()
    console.log(summary(results))
    return results.some((r) => r.status === 'refused') ? 1 : 0
  } catch (err) {
    // Refused paths and a running import are reported by the command's error handler (src/platform/cli.ts): exit 2.
    bar?.stop()
    throw err
  }
}
