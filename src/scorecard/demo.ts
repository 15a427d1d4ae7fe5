/**
 * The scorecard's demo figures, from the seeds' own papers (src/demo/content/README.md lists the sources):
 *   - seed 004, Worcestershire Safer Communities Board's annual report 2018/19: hate crimes 758 -> 587, hate incidents
 *     89 -> 37, crimes with a domestic abuse marker 6,142 -> 7,055, Channel referrals 24 -> 16, alcohol-tagged arrests
 *     3,655 -> 2,593 and arrests for possession of drugs 755 -> 602 (2017/18 -> 2018/19);
 *   - seed 002, Herefordshire: 45 recorded crimes per 1,000 people in 2013/14 against 66 for England and Wales;
 * and police.uk indicators for the seeds' areas, each linked to the priority it measures.
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'

interface DemoIndicator {
  input: Record<string, unknown>
  /** The number of the priority (in the latest agreement version) it measures. */
  priority?: number
  values?: [area: string, period: string, value: number][]
}

const FY = {
  unit: 'count',
  frequency: 'financial-year',
  sensitivity: 'public',
  source: 'Worcestershire Safer Communities Board annual report 2018/19',
}

const DEMO: Record<string, DemoIndicator[]> = {
  worcestershire: [
    {
      input: {
        ...FY,
        code: 'hate-crimes',
        name: 'Hate crimes',
        polarity: 'neither',
        ragMethod: 'statistical',
        caveats: 'West Mercia Police remain concerned that the reduction is indicative of under-reporting.',
      },
      priority: 2,
      values: [
        ['E10000034', '2017/18', 758],
        ['E10000034', '2018/19', 587],
      ],
    },
    {
      input: {
        ...FY,
        code: 'hate-incidents',
        name: 'Hate incidents',
        polarity: 'neither',
        caveats: 'As for hate crimes: the fall may reflect under-reporting.',
      },
      priority: 2,
      values: [
        ['E10000034', '2017/18', 89],
        ['E10000034', '2018/19', 37],
      ],
    },
    {
      input: {
        ...FY,
        code: 'domestic-abuse-crimes',
        name: 'Crimes with a domestic abuse marker',
        polarity: 'lower-is-better',
        ragMethod: 'statistical',
        caveats: 'Changes in recording practice make longitudinal comparisons difficult; a rise may reflect more reporting.',
      },
      priority: 3,
      values: [
        ['E10000034', '2017/18', 6142],
        ['E10000034', '2018/19', 7055],
      ],
    },
    {
      input: { ...FY, code: 'channel-referrals', name: 'Channel referrals', polarity: 'neither', owner: 'Worcestershire County Council' },
      priority: 2,
      values: [
        ['E10000034', '2017/18', 24],
        ['E10000034', '2018/19', 16],
      ],
    },
    {
      input: {
        ...FY,
        code: 'alcohol-arrests',
        name: 'Arrests for offences where alcohol was tagged',
        polarity: 'lower-is-better',
        ragMethod: 'statistical',
        caveats:
          'Eleven months, February to March, in each year. There may be no causal relationship between diversionary intervention and these figures.',
      },
      priority: 4,
      values: [
        ['E10000034', '2017/18', 3655],
        ['E10000034', '2018/19', 2593],
      ],
    },
    {
      input: {
        ...FY,
        code: 'drug-possession-arrests',
        name: 'Arrests for possession of a controlled drug',
        polarity: 'neither',
        caveats: 'Eleven months, February to March, in each year.',
      },
      priority: 4,
      values: [
        ['E10000034', '2017/18', 755],
        ['E10000034', '2018/19', 602],
      ],
    },
    { input: { code: 'police-uk-violence-and-sexual-offences' }, priority: 2 },
    { input: { code: 'police-uk-crime' } },
  ],
  herefordshire: [
    {
      input: {
        code: 'recorded-crime-rate',
        name: 'Recorded crime per 1,000 people',
        unit: 'rate',
        per: 1000,
        polarity: 'lower-is-better',
        frequency: 'financial-year',
        source: 'Herefordshire Council, Community Safety Partnership report (from ONS recorded crime)',
        caveats: 'Rates as published, without the counts behind them, so no interval can be given.',
      },
      values: [
        ['E22000326', '2013/14', 45],
        ['K04000001', '2013/14', 66],
      ],
    },
    { input: { code: 'police-uk-asb' }, priority: 4 },
    { input: { code: 'police-uk-drugs' }, priority: 2 },
    { input: { code: 'police-uk-crime' } },
  ],
}

/** Put the demo's indicators and figures on the demo partnerships (run after the demo content is loaded). */
export async function loadScorecardDemo(s: Services, actor: Actor): Promise<number> {
  let n = 0
  for (const [slug, list] of Object.entries(DEMO)) {
    const p = await s.partnerships.bySlug(slug)
    if (!p) continue
    const version = await s.agreement.latestVersion(p.id, { includeUnpublished: true })
    const priorities = version ? await s.agreement.priorities(version.id) : []
    const rows: string[][] = []
    for (const d of list) {
      const { owner, ...input } = d.input as Record<string, unknown> & { owner?: string }
      const lineage = priorities.find((pr) => pr.number === d.priority)?.lineage_id
      const org = owner ? await s.organisations.byName(owner) : undefined
      await s.scorecard.defineIndicator(
        p.id,
        { ...input, ...(lineage ? { priorities: [lineage] } : {}), ...(org ? { ownerOrganisationId: org.id } : {}) },
        actor,
      )
      for (const [area, period, value] of d.values ?? []) rows.push([String(input.code), area, period, '', '', String(value)])
    }
    if (rows.length) {
      const r = await s.scorecard.importRows(p.id, `${slug}-demo.csv`, rows, actor)
      if (r.check.problems.length) throw new Error(`The scorecard demo figures are refused: ${r.check.problems.join('; ')}`)
      n += rows.length
    }
  }
  return n
}
