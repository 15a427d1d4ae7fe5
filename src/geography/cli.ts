/**
 * `safer import geography DIR...`: the ONS lookups, populations, deprivation, rural-urban class and boundaries
 * (the formats in opendata/geography and opendata/boundaries). One transaction: any bad file and nothing lands.
 */
import cliProgress from 'cli-progress'
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import { textTable } from '../platform/cli.ts'
import { plural } from '../platform/format.ts'

export async function importGeographyCommand(s: Services, paths: string[], actor: Actor): Promise<number> {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({
        format: 'Loading geography |{bar}| {value}/{total} files | {current}',
        hideCursor: true,
        clearOnComplete: true,
      })
    : undefined
  let started = false
  try {
    const result = await s.geography.importPaths(paths, actor, 'command line', (done, total, current) => {
      if (!bar) return
      if (!started) {
        bar.start(total, 0, { current: '' })
        started = true
      }
      bar.update(done, { current: current.split('/').pop() })
    })
    bar?.stop()
    console.log(
      textTable(result.files, [
        { header: 'File', value: (f) => f.source.split('/').pop()! },
        { header: 'What', value: (f) => f.title ?? '' },
        { header: 'Rows', value: (f) => f.rows?.toLocaleString('en-GB') ?? '', align: 'right' },
        { header: 'Result', value: (f) => f.status },
      ]),
    )
    for (const f of result.files.filter((x) => x.status === 'refused' || x.status === 'skipped' || x.status === 'not used')) {
      console.log(`\n${f.message}`)
      for (const p of f.problems ?? []) console.log(`  ${p}`)
      if (f.moreProblems) console.log(`  … and ${f.moreProblems.toLocaleString('en-GB')} more problem(s)`)
    }
    if (!result.ok) {
      console.log('\nNothing was loaded: a geography import lands whole or not at all. Correct the files above and run it again.')
      return 1
    }
    console.log(`\nGeography loaded: ${plural(result.lsoas, 'LSOA')}; ${result.areas.map((a) => plural(a.count, a.type)).join(', ')}.`)
    return 0
  } catch (err) {
    // Reported by the command's error handler (src/platform/cli.ts): a refused path exits 2.
    bar?.stop()
    throw err
  }
}
