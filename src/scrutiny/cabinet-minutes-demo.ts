/**
 * The minutes of Hampshire County Council's Cabinet of 15 October 2019 (seed 001, "Public Document Pack Agenda Item 3"),
 * numbered 143 to 150 as the council numbered them: the Cabinet's members (all present), the personal interests
 * declared on the Medium Term Financial Strategy item, and each item's minute in the paper's words (the longer minute
 * of item 148 shortened where marked "..."). Loaded by decisions-demo.ts once the meeting and its agenda exist.
 *
 * Councillor House also declared an interest, but he attended "with the agreement of the Chairman", not as a member
 * of Cabinet; Safer takes declarations from a committee's members only, so his is noted in the minute instead.
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import type { Queryable } from '../platform/db/index.ts'

const MEMBERS = [
  'Councillor Keith Mans',
  'Councillor Rob Humby',
  'Councillor Andrew Joy',
  'Councillor Roz Chadd',
  'Councillor Stephen Reid',
  'Councillor Liz Fairhurst',
  'Councillor Patricia Stallard',
  'Councillor Judith Grajewski',
  'Councillor Seán Woodward',
  'Councillor Edward Heron',
]

/** Personal interests on item 148 (membership, or a close relative's, of a district or borough council). */
const INTERESTS: [string, 'other registrable' | 'non-registrable', string][] = [
  ['Councillor Judith Grajewski', 'other registrable', 'Member of Eastleigh Borough Council'],
  ['Councillor Edward Heron', 'other registrable', 'Member of New Forest District Council'],
  ['Councillor Rob Humby', 'other registrable', 'Member of Winchester City Council'],
  ['Councillor Seán Woodward', 'other registrable', 'Member of Fareham Borough Council'],
  ['Councillor Roz Chadd', 'non-registrable', 'Father a Member of Rushmoor Borough Council'],
  ['Councillor Stephen Reid', 'non-registrable', 'Wife a Member of Basingstoke and Deane Borough Council'],
]

/** Minutes 143 to 150, in agenda order: the five standard items, then the three reports. */
const MINUTES: { minutes: string; resolution?: string }[] = [
  { minutes: 'All Members of Cabinet were present and no apologies were noted.' },
  {
    minutes:
      "Members were mindful that where they believed they had a Disclosable Pecuniary Interest in any matter considered at the meeting they must declare that interest at the time of the relevant debate and, having regard to the circumstances described in Part 3, Paragraph 1.5 of the County Council's Members' Code of Conduct, leave the meeting while the matter was discussed, save for exercising any right to speak in accordance with Paragraph 1.6 of the Code.\n\nThe following Councillors declared a personal interest in relation to the Medium Term Financial Strategy item in respect of their membership of another public body, namely a District or Borough Council within the area of the County Council: Councillor Grajewski (Member of Eastleigh Borough Council), Councillor Heron (Member of New Forest District Council), Councillor House (Member of Eastleigh Borough Council), Councillor Humby (Member of Winchester City Council), Councillor Woodward (Member of Fareham Borough Council).\n\nThe following Councillors declared a personal interest in relation to the Medium Term Financial Strategy item in respect of the membership of a close family relative of another public body: Councillor Chadd (father a Member of Rushmoor Borough Council), Councillor Reid (wife a Member of Basingstoke and Deane Borough Council).",
  },
  { minutes: 'The minutes of the last meeting were reviewed and agreed.' },
  { minutes: 'It was confirmed that no requests to make a deputation had been received.' },
  {
    minutes:
      'The Chairman of Cabinet highlighted a number of meetings relating to Brexit preparation and reported his increased confidence in the arrangements for freight traffic to pass through Portsmouth in the event of a no-deal exit from the European Union. He also noted that the local resilience forum, led by the Chief Fire Officer, was operating successfully.',
  },
  {
    minutes:
      "Cabinet received a report of the Director of Corporate Resources regarding the Medium Term Financial Strategy and Transformation to 2021 Savings Proposals.\n\nThe report was introduced and it was explained that this report related to the overall financial strategy to 2021/22 and that the process of budget setting for 2020/21 would be via separate reports to Cabinet in December 2019 and February 2020. ...\n\nWith the agreement of the Chairman, Councillor House addressed Cabinet, making a number of points about the impact of national fiscal policy and of Brexit on local funding pressures. ... With the agreement of the Chairman, Councillor Glen addressed Cabinet in relation to the proposed spend on a safe route to access Robert Mays school, calling for more consideration to be given to the final solution.\n\nAn additional recommendation was proposed that: Cabinet re-affirms the County Council's offer to work collaboratively with our council partners, through Project Integra or other mechanisms, to boost recycling performance and improve waste collection and management arrangements and ensure that waste and recycling in Hampshire are environmentally and economically sustainable for all partners for the future, whilst also delivering the necessary financial savings for the County Council by 1st April 2021.",
    resolution:
      'With the additional recommendation above and the amendments to the recommendations at paragraph 8 and 13 detailed in the addendum to the report, the recommendations in the report were agreed. A decision record is attached to these minutes.',
  },
  {
    minutes:
      "Cabinet considered a report of the Director of Adults' Health and Care regarding progress against the Department Vision and 5 Year Strategy.\n\nThe background and context of the strategy were introduced and it was confirmed that the department was working well with partners and at the forefront of innovation in the sector. Recognition was given to all those who were working towards achieving the targets set out in the strategy.\n\nCabinet welcomed the report and the positive progress against the strategy, recognising that demand remained high, but that the department was travelling in the right direction.",
    resolution: 'The recommendations in the report were proposed and agreed. A decision record is attached to these minutes.',
  },
  {
    minutes:
      'Cabinet considered a report of the Director of Public Health, presenting his annual report.\n\nThis annual report was centred around the theme of violence, with four areas of specific focus. With reference to the report, the actions being taken by the department to prevent violence were highlighted. The success of partnership working was also highlighted, specifically in the contribution of the Deputy Chief Constable.',
    resolution:
      'Cabinet welcomed the report and the recommendations within it were proposed and agreed. A decision record is attached to these minutes.',
  },
]

export async function loadCabinetMinutesDemo(
  s: Services,
  tx: Queryable,
  actor: Actor,
  councilId: number,
  cabinetSlug: string,
  meetingId: number,
) {
  // The Cabinet's first minute number is 143 (set where decisions-demo.ts makes the Cabinet): its earlier meetings
  // of the municipal year are not in the demo.
  const ids = new Map<string, number>()
  for (const [i, name] of MEMBERS.entries()) {
    const m = await s.scrutiny.addCouncillor(councilId, { name, kind: 'councillor', party: 'Conservative' }, actor, tx)
    ids.set(name, m.id)
    await s.scrutiny.addMembership(councilId, cabinetSlug, { councillorId: m.id, role: i === 0 ? 'chairman' : 'member' }, actor, tx)
    await s.scrutiny.recordAttendance(councilId, meetingId, { attendeeId: m.id, attendance: 'present' }, actor, tx)
  }
  const { agenda, meeting } = await s.scrutiny.meeting(councilId, meetingId, { member: true }, tx)
  if (agenda.length !== MINUTES.length)
    throw new Error(`The Cabinet's agenda of 15 October 2019 has ${agenda.length} items, not ${MINUTES.length}`)
  const mtfs = agenda[5]
  for (const [name, kind, nature] of INTERESTS)
    await s.scrutiny.declare(councilId, meetingId, { councillorId: ids.get(name)!, itemId: mtfs.id, kind, nature }, actor, tx)
  await s.proceedings.saveMinutes(councilId, meetingId, { items: agenda.map((item, i) => ({ itemId: item.id, ...MINUTES[i] })) }, actor, tx)
  await s.scrutiny.updateMeeting(
    councilId,
    meetingId,
    {
      bodyId: meeting.body_id,
      date: meeting.date,
      startTime: meeting.start_time,
      place: meeting.place,
      status: meeting.status,
      agendaPublished: meeting.agenda_published,
      decisionsPublished: meeting.decisions_published,
      minutesPublished: true,
      version: meeting.version,
    },
    actor,
    tx,
  )
}
