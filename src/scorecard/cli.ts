/**
 * `safer indicators define|import`: for analysts who script their monthly update.
 *   safer indicators define --partnership SLUG --code CODE --name "NAME" --unit count|rate|percentage|number|money
 *        [--per 1000] [--polarity lower-is-better|higher-is-better|neither] [--frequency month|quarter|financial-year]
 *        [--sensitivity public|partners|restricted] [--baseline 2017/18]
 *   safer indicators import FILE.csv --partnership SLUG
 * The same checks as the web page; a bad file is reported line by line, nothing is saved, and the exit status is 2.
 */
import { parseArgs } from 'node:util'
import { fail } from '../platform/cli.ts'
import type { Actor } from '../platform/audit.ts'
import type { Services } from '../services.ts'
import { plural } from '../platform/format.ts'

export const INDICATORS_USAGE = `  safer indicators define --partnership SLUG --code CODE --name "NAME" --unit count|rate|percentage|number|money [--per 1000] [--polarity lower-is-better|higher-is-better|neither] [--frequency month|quarter|financial-year] [--sensitivity public|partners|restricted] [--baseline 2017/18]
  safer indicators import FILE.csv --partnership SLUG`

/** Run one `safer indicators` command; returns what to print. Bad input throws a CommandError (exit 2). */
export async function indicatorsCommand(s: Services, argv: string[], actor: Actor): Promise<string> {
  const [sub, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: true,
    options: {
      partnership: { type: 'string' },
      code: { type: 'string' },
      name: { type: 'string' },
      unit: { type: 'string' },
      per: { type: 'string' },
      polarity: { type: 'string' },
      frequency: { type: 'string' },
      sensitivity: { type: 'string' },
      baseline: { type: 'string' },
    },
  })
  if (!values.partnership) fail('Give the partnership with --partnership SLUG')
  const p = await s.partnerships.bySlug(values.partnership)
  if (!p) fail(`There is no partnership with the web address name "${values.partnership}"`)
  if (sub === 'define') {
    const input: Record<string, unknown> = {
      code: values.code,
      name: values.name,
      unit: values.unit,
      polarity: values.polarity,
      frequency: values.frequency,
      sensitivity: values.sensitivity,
      baseline: values.baseline,
    }
    if (values.per !== undefined) input.per = Number(values.per.replace(/,/g, ''))
    for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k]
    const ind = await s.scorecard.defineIndicator(p.id, input, actor)
    return `Indicator ${ind.code} (${ind.name}) defined for ${p.name}${ind.baseline ? `, compared with the baseline year ${ind.baseline}` : ''}.`
  }
  if (sub === 'import') {
    if (positionals.length !== 1) fail('Give one CSV file to import, e.g. safer indicators import figures.csv --partnership SLUG')
    const { check } = await s.scorecard.importFile(p.id, positionals[0], actor)
    if (check.problems.length) fail(`${check.problems.join('\n')}\n${plural(check.problems.length, 'problem')}: nothing was saved.`)
    return `${plural(check.rows.length, 'value')} saved for ${p.name}.`
  }
  return fail(`Usage:\n${INDICATORS_USAGE}`)
}
