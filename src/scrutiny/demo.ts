/**
 * Scrutiny's demo, from seed 000 (src/demo/content/README.md lists the sources): Hampshire County Council's council
 * workspace, its Policy and Resources Select Committee (which reviews the Hampshire Community Safety Strategy Group),
 * and the committee's meeting of 14 November 2019 at 10.00am in the Wellington Room, with its agenda as published.
 * Loaded by src/demo/load.ts, in its transaction, through the services.
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import type { Queryable } from '../platform/db/index.ts'

export const SCRUTINY_DEMO_SLUGS = ['hampshire-county-council', 'herefordshire-council', 'worcestershire-county-council']

const DECLARATIONS =
  "All Members who believe they have a Disclosable Pecuniary Interest in any matter to be considered at the meeting must declare that interest and, having regard to the circumstances described in Part 3 Paragraph 1.5 of the County Council's Members' Code of Conduct, leave the meeting while the matter is discussed, save for exercising any right to speak in accordance with Paragraph 1.6 of the Code. Furthermore all Members with a Non-Pecuniary interest in a matter being considered at the meeting should consider whether such interest should be declared, and having regard to Part 5, Paragraph 2 of the Code, consider whether it is appropriate to leave the meeting while the matter is discussed, save for exercising any right to speak in accordance with the Code."

/** Returns the council workspace's id. `partnershipIds`: the demo partnerships by slug (Hampshire's is scrutinised). */
export async function loadScrutinyDemo(s: Services, tx: Queryable, actor: Actor, partnershipIds: Map<string, number>) {
  const council = await s.partnerships.create(
    { slug: 'hampshire-county-council', name: 'Hampshire County Council', shortName: 'HCC', kind: 'council', published: true },
    actor,
    tx,
  )
  const hampshire = partnershipIds.get('hampshire')
  const committee = await s.scrutiny.createCommittee(
    council.id,
    {
      name: 'Policy and Resources Select Committee',
      type: 'select committee',
      // The committee receives the Strategy Group's report (seed 000, item 6): it is the council's crime and disorder committee here.
      crimeAndDisorder: true,
      supportOfficers: 'Members Services, members.services@hants.gov.uk',
      declarationsWording: DECLARATIONS,
      participationTitle: 'Deputations',
      participationWording: 'To receive any deputations notified under Standing Order 12.',
      scrutinises: hampshire ? [hampshire] : [],
    },
    actor,
    tx,
  )
  const meeting = await s.scrutiny.createMeeting(
    council.id,
    {
      bodyId: committee.id,
      date: '2019-11-14',
      startTime: '10:00',
      place: 'Wellington Room, Elizabeth II Court South, The Castle, Winchester',
      status: 'held',
      agendaPublished: true,
    },
    actor,
    tx,
  )
  // The agenda's own words for the minutes item (the previous meeting, of 24 September 2019, is not in the demo).
  const { agenda } = await s.scrutiny.meeting(council.id, meeting.id, { member: true }, tx)
  const minutes = agenda.find((i) => i.standard === 'minutes')!
  await s.scrutiny.updateItem(
    council.id,
    meeting.id,
    minutes.id,
    {
      title: minutes.title,
      purpose: 'To confirm the minutes of the previous meeting held on 24 September 2019.',
      version: minutes.version,
    },
    actor,
    tx,
  )
  await s.scrutiny.addItem(
    council.id,
    meeting.id,
    {
      title: 'Hampshire Community Safety Strategy Group',
      purpose:
        "To consider a report from the Director of Adults', Health and Care on the Hampshire Community Safety Strategy Group and to receive a joint presentation on Serious Violence from the Director of Public Health and Hampshire Constabulary.",
      presenter: "Director of Adults' Health and Care",
      forDecision: false,
    },
    actor,
    tx,
  )
  await s.scrutiny.addItem(
    council.id,
    meeting.id,
    {
      title: 'Work Programme',
      purpose:
        "To consider a report of the Director of Transformation and Governance – Corporate Services on the Committee's forthcoming work programme.",
      presenter: 'Director of Transformation and Governance – Corporate Services',
      forDecision: false,
    },
    actor,
    tx,
  )
  // Not in the published agenda: one exempt item, so that its absence from every public view can be seen.
  await s.scrutiny.addItem(
    council.id,
    meeting.id,
    {
      title: 'Illustrative exempt item: CCTV maintenance contract (demo only, not in the published agenda)',
      purpose: 'Illustrative only. The bids received and the prices offered: only members of the workspace see this.',
      exempt: true,
      exemptParagraph: 3,
      publishedTitle: 'Contract award (illustrative, demo only)',
      forDecision: true,
    },
    actor,
    tx,
  )
  return council.id
}

/**
 * Herefordshire Council's general overview and scrutiny committee of 17 January 2017 (seed 002), which reviewed
 * Herefordshire Community Safety Partnership. The paper asks the committee to "identify any further actions it may wish
 * to recommend to the partnership"; it records none made and no answers, so the recommendations and the partnership's
 * responses below are illustrative (and marked so on every page and in the API). The paper gives no time or place.
 */
export async function loadHerefordshireScrutinyDemo(s: Services, tx: Queryable, actor: Actor, partnershipIds: Map<string, number>) {
  const council = await s.partnerships.create(
    { slug: 'herefordshire-council', name: 'Herefordshire Council', kind: 'council', published: true },
    actor,
    tx,
  )
  const csp = partnershipIds.get('herefordshire')
  const committee = await s.scrutiny.createCommittee(
    council.id,
    {
      name: 'General overview and scrutiny committee',
      type: 'overview and scrutiny committee',
      crimeAndDisorder: true,
      remit:
        'Has the power under section 19 of the Police and Justice Act 2006 (as amended) to review or scrutinise decisions made, or other action taken, in connection with the discharge by the responsible authorities of their crime and disorder functions, and to make reports or recommendations to cabinet with respect to the discharge of those functions.',
      scrutinises: csp ? [csp] : [],
    },
    actor,
    tx,
  )
  const meeting = await s.scrutiny.createMeeting(
    council.id,
    {
      bodyId: committee.id,
      date: '2017-01-17',
      startTime: '10:00',
      place: 'Herefordshire Council (illustrative: the paper gives no time or place)',
      status: 'held',
      agendaPublished: true,
      decisionsPublished: true,
    },
    actor,
    tx,
  )
  const item = await s.scrutiny.addItem(
    council.id,
    meeting.id,
    {
      title: 'Herefordshire community safety partnership strategy and related performance',
      purpose: 'To review the work and activity of the Herefordshire community safety partnership (CSP).',
      presenter:
        'Councillor PM Morgan, Chair of the Herefordshire community safety partnership and cabinet member lead for community safety',
      forDecision: true,
      decision:
        'THAT: the committee review performance of the partnership against its strategic priorities and identify any further actions it may wish to recommend to the partnership for consideration.',
    },
    actor,
    tx,
  )
  if (!csp) return council.id
  const illustrative = [
    {
      text: 'Illustrative: that the partnership shares with the committee the findings of its strategic assessment, due in March 2017, on domestic violence in the county, before it agrees the community safety strategy for 2017 to 2020.',
      dueDate: '2017-03-31',
      response:
        'Illustrative: the partnership accepts. The strategic assessment will be considered by the partnership in March 2017 and its findings on domestic violence will be sent to the committee with the draft strategy.',
      moves: ['accepted', 'in progress', 'implemented', 'closed'],
    },
    {
      text: 'Illustrative: that the partnership reports to the committee how the £80,000 grant from the office of the police and crime commissioner for 2016/17 was spent against each of its priorities, and what difference it made.',
      dueDate: '2017-04-28',
      response:
        'Illustrative: the partnership partly accepts. It will report the spending against each priority (£30,000 domestic violence, £15,000 anti-social behaviour and community cohesion, £20,000 reducing reoffending, £15,000 analytical support); outcomes of single-year projects can only be shown over time, as the report to the committee explains.',
      moves: ['partly accepted', 'in progress'],
    },
    {
      text: 'Illustrative: that the partnership sets out how it will measure progress on its priority to promote community cohesion and reduce anti-social behaviour.',
      dueDate: '2017-04-28',
      response: null,
      moves: [],
    },
  ]
  for (const r of illustrative) {
    const made = await s.recommendations.create(
      council.id,
      {
        meetingId: meeting.id,
        itemId: item.id,
        text: r.text,
        addresseeKind: 'partnership',
        addresseePartnershipId: csp,
        dueDate: r.dueDate,
        illustrative: true,
      },
      actor,
      tx,
    )
    if (r.response) await s.recommendations.respond(csp, made.id, { response: r.response }, actor, tx)
    for (const to of r.moves) await s.recommendations.move(council.id, made.id, { to, note: 'Illustrative' }, actor, tx)
  }
  return council.id
}

/** Worcestershire's four overview and scrutiny panels (seed 004, item 6), with their chairmen. */
export const WORCESTERSHIRE_PANELS = [
  'Adult Care and Well-Being Overview and Scrutiny Panel',
  'Children and Families Overview and Scrutiny Panel',
  'Economy and Environment Overview and Scrutiny Panel',
  'Corporate and Communities Overview and Scrutiny Panel',
]

/** The Overview and Scrutiny Performance Board's councillors (seed 004, "Membership"). */
const WORCESTERSHIRE_BOARD: [string, 'chairman' | 'vice-chairman' | 'member'][] = [
  ['Mr C J Bloore', 'chairman'],
  ['Mrs E A Eyre', 'vice-chairman'],
  ['Mr A A J Adams', 'member'],
  ['Mrs J A Brunner', 'member'],
  ['Mr A D Kent', 'member'],
  ['Mrs F M Oborski', 'member'],
  ['Mr P A Tuthill', 'member'],
  ['Mrs R Vale', 'member'],
]

/** The Board's substantive items of 24 July 2019 (seed 004's agenda, items 5 to 8, with the papers' own words). */
const WORCESTERSHIRE_ITEMS = [
  {
    title: 'Annual Worcestershire County Council Community Safety Report',
    purpose:
      'The annual report on the Safer Communities Board and community safety in Worcestershire, for the Board as the council’s crime and disorder committee (agenda pages 1 to 14).',
  },
  {
    title: 'Performance and 2018/19 Year-End Budget Monitoring',
    purpose:
      'The Board is asked to consider the feedback provided by Scrutiny Panel Chairmen following the discussion of Quarter 4 (January – March 2019) performance monitoring and 2018/19 year-end budget monitoring information (agenda pages 15 to 16).',
  },
  {
    title: 'Refresh of the Scrutiny Work Programme',
    purpose:
      'The Overview and Scrutiny Performance Board (OSPB) is asked to consider the Scrutiny Work Programme for 2019/20 (agenda pages 17 to 18).',
  },
  { title: 'Member Update and Cabinet Forward Plan', purpose: 'Agenda pages 19 to 22.' },
]

/** The agencies a Channel panel needs at every meeting (seed 001: "ensure all required agencies attend every time"). */
const CHANNEL_AGENCIES = [
  'Hampshire County Council',
  'Hampshire Constabulary',
  'National Probation Service',
  'Hampshire Clinical Commissioning Group Partnership',
  'Hampshire Youth Offending Team',
]

/**
 * Hampshire's Channel Panel (seed 001 names it, and the partnership's wish that all required agencies attend every
 * time), a panel of the Hampshire Community Safety Strategy Group, with the agencies required to attend. Its meetings
 * and their attendance are illustrative (the seeds give none): the place says so. The minutes are published (with no
 * minute text, as a Channel panel's discussion is about individuals) so that the attendance report is public.
 */
export async function loadChannelPanelDemo(s: Services, tx: Queryable, actor: Actor, partnershipIds: Map<string, number>) {
  const hampshire = partnershipIds.get('hampshire')
  if (!hampshire) return undefined
  const panel = await s.governance.create(
    hampshire,
    { name: 'Hampshire Channel Panel', slug: 'channel-panel', type: 'panel', meetingFrequency: 'Monthly' },
    actor,
    tx,
  )
  const agencies: number[] = []
  for (const name of CHANNEL_AGENCIES) {
    const o = await s.organisations.byName(name, tx)
    if (o) agencies.push(o.id)
  }
  await s.scrutiny.saveCommittee(hampshire, panel.slug, { requiredOrganisations: agencies }, actor, tx)
  // Illustrative attendance: who came, sent apologies or did not come, month by month.
  const pattern: ('present' | 'apologies' | 'absent')[][] = [
    ['present', 'present', 'present', 'apologies', 'present'],
    ['present', 'present', 'absent', 'present', 'apologies'],
    ['present', 'present', 'present', 'absent', 'absent'],
  ]
  for (const [i, date] of ['2019-09-10', '2019-10-08', '2019-11-12'].entries()) {
    const m = await s.scrutiny.createMeeting(
      hampshire,
      {
        bodyId: panel.id,
        date,
        startTime: '14:00',
        place: 'Illustrative meeting (the seeds give no dates or attendance): Hampshire County Council, Winchester',
        status: 'held',
        minutesPublished: true,
        standardItems: false,
      },
      actor,
      tx,
    )
    for (const [j, id] of agencies.entries())
      await s.proceedings.recordOrganisationAttendance(
        hampshire,
        m.id,
        { organisationId: id, attendance: pattern[i][j] ?? 'present' },
        actor,
        tx,
      )
  }
  return panel.id
}

/**
 * Worcestershire County Council (seed 004): the Overview and Scrutiny Performance Board, the council's crime and
 * disorder committee (it receives the annual report on the Safer Communities Board, item 5), its four panels, and the
 * Board's meeting of Wednesday 24 July 2019 at 10.00am, County Hall, Worcester. Returns the council workspace's id
 * and the ids of the Board, the panels and the meeting, for the other parts of scrutiny's demo.
 */
export async function loadWorcestershireScrutinyDemo(s: Services, tx: Queryable, actor: Actor, partnershipIds: Map<string, number>) {
  const council = await s.partnerships.create(
    { slug: 'worcestershire-county-council', name: 'Worcestershire County Council', shortName: 'WCC', kind: 'council', published: true },
    actor,
    tx,
  )
  const csp = partnershipIds.get('worcestershire')
  const board = await s.scrutiny.createCommittee(
    council.id,
    {
      name: 'Overview and Scrutiny Performance Board',
      type: 'overview and scrutiny board',
      crimeAndDisorder: true,
      supportOfficers: 'Democratic Services, 01905 844963, democraticservices@worcestershire.gov.uk',
      standingInvitees: 'All County Councillors are invited to attend and participate',
      scrutinises: csp ? [csp] : [],
    },
    actor,
    tx,
  )
  const panels: number[] = []
  for (const name of WORCESTERSHIRE_PANELS) {
    const panel = await s.scrutiny.createCommittee(council.id, { name, type: 'scrutiny panel', crimeAndDisorder: false }, actor, tx)
    panels.push(panel.id)
  }
  // The Board's membership as the agenda gives it (seed 004). The parent governor representative's seat (secondary)
  // is vacant, so no one is recorded for it.
  for (const [name, role] of WORCESTERSHIRE_BOARD) {
    const m = await s.scrutiny.addCouncillor(council.id, { name, kind: 'councillor' }, actor, tx)
    await s.scrutiny.addMembership(council.id, board.slug, { councillorId: m.id, role }, actor, tx)
  }
  const church = await s.scrutiny.addCouncillor(
    council.id,
    { name: 'Bryan Allbut', kind: 'co-opted', represents: 'Church of England', votingMatters: 'Education matters only' },
    actor,
    tx,
  )
  await s.scrutiny.addMembership(council.id, board.slug, { councillorId: church.id, role: 'member' }, actor, tx)
  const meeting = await s.scrutiny.createMeeting(
    council.id,
    { bodyId: board.id, date: '2019-07-24', startTime: '10:00', place: 'County Hall, Worcester', status: 'held', agendaPublished: true },
    actor,
    tx,
  )
  // The numbered items after the standard ones (the agenda's items 5 to 8; 1 to 4 are the standard items).
  for (const item of WORCESTERSHIRE_ITEMS) await s.scrutiny.addItem(council.id, meeting.id, item, actor, tx)
  return { councilId: council.id, boardId: board.id, panelIds: panels, meetingId: meeting.id }
}
