/**
 * The work programme's demo (loaded by src/demo/load.ts after scrutiny's demo, in its transaction, through the
 * services).
 *
 * Hampshire County Council's Policy and Resources Select Committee: the whole WORK PROGRAMME table of seed 000 (the
 * report to the meeting of 14 November 2019), every row in the seed's order with its words, and the seed's four
 * meeting columns: "Sept 2019" (the meeting of 24 September 2019 that the agenda's minutes item names), 14 November
 * 2019, 17 January 2020 and 5 March 2020. Every one of them is in the past, so each is "held" (a past meeting cannot
 * be scheduled). The programme is loaded as it stood on 14 November 2019 (the planning checks are judged on that
 * date): the crime and disorder item is the Strategy Group report already on that agenda; Local Enterprise
 * Partnerships, marked for 14 November, "is deferred to a future meeting" (the seed's words), so it shows as deferred
 * there and is not added to the published agenda. The seed gives no time or place for the other meetings, nor
 * directorates or expected lengths for the items: the demo leaves them out and says so.
 *
 * Worcestershire County Council's Overview and Scrutiny Performance Board: seed 004's seven criteria scored on three
 * candidate topics drawn from that agenda. The scores are ours (illustrative), not the Board's.
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import type { Queryable } from '../platform/db/index.ts'

/** The day the seed's report was considered: the demo's planning is judged as of then. */
export const WORK_PROGRAMME_AS_OF = '2019-11-14'
const NO_PLACE = 'Not given in the work programme report (seed 000)'

type Row = { topic: string; issue: string; reason: string; status: string; meetings: string[] }

/** Seed 000's work programme, row by row (the seed's columns: 14 Nov 2019, 17 Jan 2020, 5 March 2020, Sept 2019). */
export const HAMPSHIRE_PROGRAMME: Row[] = [
  {
    topic: 'Pre-scrutiny',
    issue: 'Revenue and Capital Budget',
    reason: 'To pre-scrutinise the budget proposals for the Policy & Resources portfolio, prior to approval by the Executive Member.',
    status:
      'Budget considered annually in January. (in recent years this committee has also received the budget setting item at the January meeting for additional context) In 2019 due to also scrutinise Transformation to 2021 savings proposals at Sept 2019 meeting.',
    meetings: ['2020-01-17'],
  },
  {
    topic: 'Overview Items',
    issue: 'Performance',
    reason:
      'To monitor how performance is managed corporately and consider the performance information to support identification of areas to focus scrutiny.',
    status:
      'Members requested to consider the performance report annually. Last received June 2018, next update expected summer 2019. Mid-year update due Jan 2020.',
    meetings: ['2020-01-17'],
  },
  {
    topic: 'Overview Items',
    issue: 'IT developments and issues (including Digital Strategy)',
    reason:
      'Monitoring contribution of IT to change programmes, major projects (e.g. rural broadband) and policy issues in relation to underpinning council services (e.g. disaster recovery plans)',
    status: 'Update has been considered annually. Last update received Jan 2019, next update due Jan 2020.',
    meetings: ['2020-01-17'],
  },
  {
    topic: 'Overview Items',
    issue: 'Budget Monitoring',
    reason: [
      '(a) Final Accounts considered at summer meeting, to see how the budget was managed for the year compared to plan.',
      '(b) Medium Term Financial Strategy – considered when appropriate to provide longer term financial context.',
      '(c) Planning for the 2019/20 budget gap',
    ].join('\n'),
    status: [
      '(a) Last considered June 2019',
      '(b) MTFS last considered June 2018.',
      "(c) 'transformation to 2019' update last received April 2018.",
    ].join('\n'),
    meetings: [],
  },
  {
    topic: 'Overview Items',
    issue: 'Local Enterprise Partnerships',
    reason: 'Requested by Chairman summer 2018',
    status:
      'Introductory presentation Nov 2018, to retain for further scrutiny. To invite chief executive and chairman of both LEPs to March 2019 meeting. Update in Nov 2019. This item is deferred to a future meeting',
    meetings: ['2019-11-14'],
  },
  {
    topic: 'Overview Items',
    issue: 'Hampshire 2050 Commission',
    reason: 'Requested by Chairman Spring 2018.',
    status: 'Update received June 2019. Retain for future update.',
    meetings: [],
  },
  {
    topic: 'Overview Items',
    issue: 'Broadband - Issues raised regarding Openreach working with rural communities to implement broadband schemes',
    reason: "When considered at its meeting in January 2019 - agreed to review in 6 months' time.",
    status: "Committee agreed to receive an update in 6 months' time.",
    meetings: [],
  },
  {
    topic: 'Crime & Disorder',
    issue:
      "Duty to review, scrutinise, and report on the decisions made, and actions taken by 'responsible authorities' under the Crime and Disorder Act.",
    reason: 'This duty passed from the Safe & Healthy People Select Committee to this committee in May 2014',
    status:
      'Introductory item on crime and disorder received at Oct 2014 meeting. Update on crime & disorder work (domestic abuse focus) received at Nov 2015 meeting. Update (with Prevent focus) Nov 2016 and short introduction from PCC. Supporting Troubled Families focus Nov 2017. Child Exploitation focus Nov 2018. Request update on work of county strategy group (annual update due Nov 2019)',
    meetings: ['2019-11-14'],
  },
  {
    topic: 'Collation of Annual Report of Select Committee activity',
    issue:
      'To support oversight of the scrutiny function, and the role of this committee to ensure scrutiny activity is having impact and being evaluated.',
    reason:
      'The constitution requires that this committee report to full Council annually providing a summary of the activity of the select committees',
    status:
      'In recent years this has been prepared by financial year. Report for 18/19 approved at June meeting, submitted to July 2019 Council',
    meetings: [],
  },
]

/** Three candidate topics from seed 004's agenda, scored (illustratively) against its seven criteria. */
export const WORCESTERSHIRE_CANDIDATES = [
  {
    title: 'Prevent and the Channel Panel',
    detail:
      'Illustrative candidate from the Annual Community Safety Report (seed 004, item 5): the Channel Panel’s processes after the Parsons Green inquiry and the "Dovetail" changes. The scores are illustrative, not the Board’s.',
    source: 'officer' as const,
    scores: { priority: 2, local: 1, practicable: 2, improvement: 1, performance: 0, operation: 1, legislation: 2 },
  },
  {
    title: 'How the council applies the Statutory Guidance on Overview and Scrutiny',
    detail:
      'Illustrative candidate from item 9 (seed 004): whether any areas of the County Council’s approach should be reviewed. The scores are illustrative, not the Board’s.',
    source: 'member' as const,
    scores: { priority: 1, local: 0, practicable: 2, improvement: 0, performance: 0, operation: 2, legislation: 2 },
  },
  {
    title: 'Areas of concern from the panels’ quarterly performance and budget monitoring',
    detail:
      'Illustrative candidate from item 6 (seed 004): the Quarter 4 2018/19 performance and year-end budget monitoring reported by the Panel Chairmen. The scores are illustrative, not the Board’s.',
    source: 'member' as const,
    scores: { priority: 2, local: 2, practicable: 1, improvement: 2, performance: 1, operation: 1, legislation: 0 },
  },
]

async function bodyNamed(s: Services, tx: Queryable, councilSlug: string, name: string) {
  const council = await s.partnerships.bySlug(councilSlug, tx)
  if (!council) throw new Error(`The demo needs ${councilSlug}: load scrutiny's demo first`)
  const body = (await s.governance.list(council.id, tx)).find((b) => b.name === name)
  if (!body) throw new Error(`The demo needs ${name} of ${councilSlug}`)
  return { council, body }
}

export async function loadWorkProgrammeDemo(s: Services, tx: Queryable, actor: Actor) {
  const asOf = { today: WORK_PROGRAMME_AS_OF }
  // ---- Hampshire ----
  const { council, body } = await bodyNamed(s, tx, 'hampshire-county-council', 'Policy and Resources Select Committee')
  const existing = await s.scrutiny.meetings(council.id, {}, tx)
  const meetingOn = new Map(existing.filter((m) => m.body_id === body.id).map((m) => [m.date, m]))
  for (const date of ['2019-09-24', '2020-01-17', '2020-03-05'])
    if (!meetingOn.has(date))
      meetingOn.set(
        date,
        await s.scrutiny.createMeeting(
          council.id,
          { bodyId: body.id, date, startTime: '10:00', place: NO_PLACE, status: 'held' },
          actor,
          tx,
        ),
      )
  await s.workProgramme.saveSettings(council.id, body.slug, { callInLimit: 4, startsOn: '2019-09-01' }, actor, tx)
  const november = meetingOn.get('2019-11-14')!
  const { agenda } = await s.scrutiny.meeting(council.id, november.id, { member: true }, tx)
  const strategyGroup = agenda.find((i) => i.title === 'Hampshire Community Safety Strategy Group')
  for (const row of HAMPSHIRE_PROGRAMME) {
    const crime = row.topic === 'Crime & Disorder'
    const deferred = row.issue === 'Local Enterprise Partnerships'
    const planNow = crime || deferred ? [] : row.meetings.map((d) => meetingOn.get(d)!.id)
    const item = await s.workProgramme.createItem(
      council.id,
      body.slug,
      {
        topic: row.topic,
        issue: row.issue,
        reason: row.reason,
        statusOutcomes: row.status,
        agreed: true,
        cdReview: crime,
        meetings: planNow,
      },
      actor,
      tx,
      asOf,
    )
    // The crime and disorder review is the Strategy Group's report already on the agenda of 14 November 2019.
    if (crime && strategyGroup) await s.workProgramme.planExisting(council.id, item.id, strategyGroup.id, actor, tx)
    if (deferred) {
      const planned = await s.workProgramme.updateItem(
        council.id,
        item.id,
        {
          topic: row.topic,
          issue: row.issue,
          reason: row.reason,
          statusOutcomes: row.status,
          agreed: true,
          meetings: [november.id],
          version: item.version,
        },
        actor,
        tx,
        asOf,
      )
      const { plans } = await s.workProgramme.item(council.id, planned.id, { member: true }, tx)
      await s.workProgramme.defer(council.id, plans[0].id, actor, tx, asOf)
    }
  }

  // ---- Worcestershire ----
  const w = await bodyNamed(s, tx, 'worcestershire-county-council', 'Overview and Scrutiny Performance Board')
  for (const c of WORCESTERSHIRE_CANDIDATES) {
    const made = await s.workProgramme.addSuggestion(
      tx,
      w.council.id,
      w.body.id,
      { title: c.title, detail: c.detail, source: c.source },
      actor,
    )
    await s.workProgramme.score(w.council.id, made.id, { ...c.scores, version: made.version }, actor, tx)
  }
  return { hampshire: council.id, items: HAMPSHIRE_PROGRAMME.length, candidates: WORCESTERSHIRE_CANDIDATES.length }
}
