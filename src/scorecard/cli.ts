/**
 * `safer indicators define|import`: for analysts who script their monthly update.
 *   safer indicators define --partnership SLUG --code CODE --name "NAME" --unit count|rate|percentage|number|money
 *        [--per 1000] [--polarity lower-is-better|higher-is-better|neither] [--frequency month|quarter|financial-year]
 *        [--sensitivity public|partners|restricted] [--baseline 2017/18] [--rag none|target|statistical]
 *        [--comparator last-year|england-and-wales|peers|region] [--region E12000005]
 *   safer indicators import FILE.csv --partnership SLUG
 *   safer indicators peers --partnership SLUG [--set "CODE,CODE,..." | --computed]
 * The same checks as the web page; a bad file is reported line by line, nothing is saved, and the exit status is 2.
 */
import { parseArgs } from 'node:util'
import { fail, textTable } from '../platform/cli.ts'
import type { Actor } from '../platform/audit.ts'
import type { Services } from '../services.ts'
import { plural } from '../platform/format.ts'

export const INDICATORS_USAGE = `  safer indicators define --partnership SLUG --code CODE --name "NAME" --unit count|rate|percentage|number|money [--per 1000] [--polarity lower-is-better|higher-is-better|neither] [--frequency month|quarter|financial-year] [--sensitivity public|partners|restricted] [--baseline 2017/18] [--rag none|target|statistical] [--comparator last-year|england-and-wales|peers|region] [--region E12000005]
  safer indicators import FILE.csv --partnership SLUG
  safer indicators peers --partnership SLUG [--set "CODE,CODE,..." | --computed]`

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
      rag: { type: 'string' },
      comparator: { type: 'string' },
      region: { type: 'string' },
      set: { type: 'string' },
      computed: { type: 'boolean' },
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
      ragMethod: values.rag,
      comparator: values.comparator,
      region: values.region,
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
  if (sub === 'peers') {
    // Show the peers in use; --set replaces them with the partnership's own list (checked as on the page); --computed
    // goes back to the computed list.
    if (values.set !== undefined && values.computed) fail('Give --set or --computed, not both')
    const version = (await s.scorecard.peers.stored(p.id))?.version
    if (values.set !== undefined) await s.scorecard.peers.choose(p, values.set, version, actor)
    if (values.computed) await s.scorecard.peers.useComputed(p, version, actor)
    const g = await s.scorecard.peers.group(p)
    if (!g.rows.length)
      return `${p.name} has no peers${g.area ? ` (${g.area.name} is neither a CSP nor a district: choose them with --set)` : ' (it has no area)'}.`
    const head =
      g.chosenBy === 'partnership'
        ? `The partnership's own peers of ${g.area!.name}`
        : `The ${g.rows.length} nearest CSPs to ${g.area!.name} (computed)`
    return `${head}:\n${textTable(g.rows, [
      { header: 'Code', value: (r) => r.code },
      { header: 'CSP', value: (r) => r.name },
      { header: 'Distance', value: (r) => (r.distance === null ? '' : r.distance.toFixed(3)), align: 'right' },
    ])}`
  }
  return fail(`Usage:\n${INDICATORS_USAGE}`)
}
