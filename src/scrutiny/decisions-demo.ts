/**
 * The demo of decision records, call-in, the forward plan and the panels' monitoring feedback (issue 10), loaded by
 * src/demo/load.ts after scrutiny's demo, in its transaction, through the services.
 *
 * Hampshire County Council (seed 001): its Cabinet; the Cabinet's meeting of 15 October 2019 with the three
 * Executive Decision Records attached to its minutes, word for word; and its meeting of Monday 6 January 2020 at
 * 2.00pm in the Wellington Room with its agenda. The seed gives the 6 January reports, not their decision records: the
 * record of item 11 (Hampshire Community Safety Strategy Group) uses the report's recommendation as its decision and
 * is marked illustrative. The papers give no publication dates: the demo says each was published on the day after.
 *
 * Worcestershire County Council (seed 004): the forward plan as at 16 July 2019 (its titles, decision makers and
 * expected dates word for word; the paper gives no other details), and the four panels' Q4 2018/19 monitoring
 * feedback to the Overview and Scrutiny Performance Board, illustrative (the paper reports that the panels gave
 * feedback, not what it said).
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import type { Queryable } from '../platform/db/index.ts'
import { WORCESTERSHIRE_PANELS } from './demo.ts'
import { loadCabinetMinutesDemo } from './cabinet-minutes-demo.ts'

/** The Executive Decision Records of Cabinet, 15 October 2019 (seed 001, attached to the minutes), word for word. */
const OCTOBER_RECORDS = [
  {
    title: 'Medium Term Financial Strategy Update and Transformation to 2021 Savings Proposals',
    reportFrom: 'Deputy Chief Executive and Director of Corporate Resources',
    contact: 'Contact name: Carolyn Williamson\nTel: 01962 847400\nEmail: Carolyn.Williamson@hants.gov.uk',
    decision:
      "1.1. That Cabinet:\na) Notes the latest position in respect of the financial resilience monitoring for the current financial year.\nb) Notes the potential financial impact of Brexit and the proposed response to the risks identified.\nc) Confirms that the current planning assumption that council tax will increase by the maximum permissible without a referendum, in line with government policy, will continue.\nd) Approves the recommended approach to dealing with the anticipated £80m budget deficit, as set out in paragraphs 181 to 183.\ne) Approves, subject to further consultation and executive decision making where necessary, the savings proposals in Appendix 4, including proposal WD4 as amended; after taking due regard of the consultation feedback and Equality Impact Assessments.\nf) Approves further service specific consultations, where necessary, on the savings proposals set out in Appendix 4, prior to final decisions being made by Executive Members.\ng) Restates and reinforces the requirement that should any savings proposal be rejected that alternative options to the same value will need to be developed by the appropriate department.\nh) Approves a one-off amount of £4.6m in 2019/20 to fund the impact of further growth in the cost of Child Looked After, to be met from the savings in non-departmental budgets in the current year; as identified in Section F.\ni) Notes the change to the Coroner's Service in 2019/20, the financial consequences of which have been incorporated into the budget for 2020/21, with any in year impact managed through the use of contingencies.\nj) Re-affirms the County Council's offer to work collaboratively with our council partners, through Project Integra or other mechanisms, to boost recycling performance and improve waste collection and management arrangements and ensure that waste and recycling in Hampshire are environmentally and economically sustainable for all partners for the future, whilst also delivering the necessary financial savings for the County Council by 1st April 2021.\nk) Recommends to County Council that:\ni. The mid-year report on treasury management activity at Appendix 2 be approved.\nii. Delegated authority be given to the Deputy Chief Executive and Director of Corporate Resources to make pre-payments of employer contributions to the Pension Fund (including any residual deficit) if it is considered financially favourable to do so.\niii. The savings proposals in Appendix 4 be approved, including proposal WD4 as amended, subject to further consultation and executive decision making where necessary.\niv. Recurring funding of £10m for Adult's Health and Care is approved in response to a step change in costs, along with an additional £3.5m per annum to cover ongoing growth driven by complexity and demography.\nv. Up to £4m of one off funding for Adult's Health and Care is approved to provide potential cash flow support that may be required given the current pressure on care packages.\nvi. A sum of £6.8m for the forecast growth in the cost of Children Looked After in 2020/21 is approved, with further increases of £1.9m in 2021/22 and £1.2m per annum thereafter, along with up to £1m for growth in associated legal costs.\nvii. Funding of up to £555,000 is ring-fenced within existing contingencies to provide resources to respond to the potential direct impact of Brexit on the County Council as set out in more detail in Appendix 3, with approval delegated to the Deputy Chief Executive and Director of Corporate Resources, in the event that additional government funding is not provided.\nviii. Recurring funding of up to £300,000 be approved from 2020/21 to provide additional resources and capacity for the Highways Service following a review of the existing operational processes, policies and of the management and delivery of the frontline service.\nix. Strategic land purchase up to £10m to be funded from prudential borrowing with approval delegated to the Deputy Chief Executive and Director of Corporate Resources, in consultation with the Chief Executive and the Leader be approved.\nx. Investment of £70m in Older Persons and Younger Adults Extra Care be approved to continue to provide high quality living environments at the same time as reducing the long term costs of care, to be funded from prudential borrowing, that can be approved by the Executive Member for Policy and Resources subject to a satisfactory business case being produced for each scheme.\nxi. A sum of £590,000 is added to the Capital Programme for fire precaution works in Ell South and approval to spend in 2019/20 is granted, to be funded from Policy and Resources repairs and maintenance budget.\nxii. A sum of £600,000 is added to the Capital Programme for safe route to school works for Robert Mays School and approval to spend is granted, to be funded from Children's Services cost of change reserve.\nxiii. A strategy of contributing savings arising from the favourable 2019 valuation to the Budget Bridging Reserve (previously the Grant Equalisation Reserve) for the next three years is approved.",
    reasons:
      "2.1. The decisions taken are in line with the County Council's deliberate strategy of planning ahead of time and making savings in advance of need, in order to allow time for delivery of the savings, including the requirement to undertake a second stage of consultations where this is necessary and also reflect the County Council's ability to continue to provide resources to invest in specific priorities, in line with the County Council's focus on service improvement, and to generate revenue benefits in future financial years.",
    alternatives:
      "3.1. The County Council's early action in tackling its forecast budget deficit through previous phases of Transformation and providing funding in anticipation of the tougher times to come, has placed it in a very strong financial position and the decisions taken, which have been informed by the results of the Serving Hampshire – Balancing the Budget public consultation carried out over the summer, are in line with that strategy.",
    conflicts:
      '4.1. Conflicts of interest declared by the decision-maker:\nThe following Cabinet Members declared a personal interest in relation to the item in respect of their membership of another public body, namely a District or Borough Council within the area of the County Council.\nCouncillor Grajewski (Member of Eastleigh Borough Council)\nCouncillor Heron (Member of New Forest District Council)\nCouncillor Humby (Member of Winchester City Council)\nCouncillor Woodward (Member of Fareham Borough Council)\nThe following Cabinet Members declared a personal interest in relation to the item in respect of the membership of a close family relative of another public body, namely a District or Borough Council within the area of the County Council.\nCouncillor Chadd (father a Member of Rushmoor Borough Council)\nCouncillor Reid (wife a Member of Basingstoke and Dean Borough Council)\n4.2. Conflicts of interest declared by other Executive Members consulted: N/A',
  },
  {
    title: "Adults' Health and Care – Year 1 Strategy Progress",
    reportFrom: "Director of Adults' Health and Care",
    contact: 'Contact name: Graham Allen\nTel: 01962 847200\nEmail: Graham.allen@hants.gov.uk',
    decision:
      "1.1. That Cabinet:\na) Note and endorse the positive progress made by Adults' Health and Care in 2018/19 against the Vision and 5 Year Strategy.\nb) Acknowledge the key achievement examples included in the 2018/2019 progress section of the report.\nc) Note the key work that is planned for 2019/20 as outlined in the report, including, but not limited to the Director-led review of HCC Care.",
    reasons:
      "2.1. To provide Cabinet with an update on the positive progress made by Adults' Health and Care over the past year (2018/19) in relation to the Department Vision and 5 Year Strategy that was approved by Cabinet in April 2018.",
    alternatives: '3.1. None',
    conflicts:
      '4.1. Conflicts of interest declared by the decision-maker: None\n4.2. Conflicts of interest declared by other Executive Members consulted: None',
  },
  {
    title: 'Annual Report of the Director of Public Health',
    reportFrom: 'Interim Director of Public Health',
    contact: 'Contact name: Simon Bryant, Interim Director of Public Health\nTel: 02380 383326\nEmail: Simon.bryant@hants.gov.uk',
    decision:
      '1.1. That Cabinet:\na) notes the 2018-2019 annual report of the Director of Public Health and\nb) approves publication of the report.',
    reasons:
      "2.1. To present the latest Director of Public Health's Annual Report to Cabinet, ahead of publication. The Director of Public Health's annual report is one of the ways in which specific issues to improve the health and wellbeing of the people of Hampshire can be highlighted.",
    alternatives: '3.1. None',
    conflicts:
      '4.1. Conflicts of interest declared by the decision-maker: None\n4.2. Conflicts of interest declared by other Executive Members consulted: None',
  },
]

/** The Cabinet's agenda of 6 January 2020 (seed 001), items 6 to 13: title and purpose. */
const JANUARY_AGENDA: [string, string][] = [
  [
    'Budget Setting and Provisional Cash Limits 2020/21',
    'To receive a report of the Director of Corporate Resources regarding budget setting and provisional cash limits for 2020/21.',
  ],
  ['Transformation to 2019: Report No. 8', 'To receive a report of the Chief Executive regarding the Transformation to 2019 programme.'],
  [
    'NHS Long Term Strategic Delivery Plan for Hampshire and the Isle of Wight',
    "To receive a report of the Director of Adults' Health and Care regarding the NHS Long Term Delivery Plan for Hampshire and the Isle of Wight.",
  ],
  [
    'Interim Progress on Climate Change Strategy and Action Plan',
    'To receive a report of the Director of Economy, Transport and Environment outlining progress of the development of the climate change strategy and action plan.',
  ],
  [
    'Annual PREVENT Report',
    "To receive a report of the Director of Adult's Health and Care with the annual report on the County Council's PREVENT duties and responsibilities.",
  ],
  [
    'Hampshire Community Safety Strategy Group',
    "To receive a report of the Director of Adults' Health and Care regarding the Hampshire County Strategy Group for Community Safety.",
  ],
  [
    'Annual Adult Safeguarding Report',
    "To receive a report of the Director of Adults' Health and Care presenting the annual safeguarding report.",
  ],
  [
    "Annual Safeguarding Report - Children's Services 2018-19",
    "To receive a report of the Director of Children's Services presenting the annual safeguarding report.",
  ],
]

const APPROVED_BY = 'Chairman of Cabinet, Councillor Keith Mans'
const PLACE = 'Wellington Room, EII Court, The Castle, Winchester'

export async function loadHampshireDecisionsDemo(s: Services, tx: Queryable, actor: Actor, councilId: number) {
  const cabinet = await s.scrutiny.createCommittee(
    councilId,
    {
      name: 'Cabinet',
      type: 'cabinet',
      crimeAndDisorder: false,
      supportOfficers: 'Members Services, members.services@hants.gov.uk',
      participationTitle: 'Deputations',
      participationWording: 'To receive any deputations notified under Standing Order 12.',
      firstMinuteNumber: 143,
    },
    actor,
    tx,
  )
  const october = await s.scrutiny.createMeeting(
    councilId,
    {
      bodyId: cabinet.id,
      date: '2019-10-15',
      startTime: '14:00',
      place: PLACE,
      status: 'held',
      agendaPublished: true,
      decisionsPublished: true,
    },
    actor,
    tx,
  )
  for (const r of OCTOBER_RECORDS) {
    const item = await s.scrutiny.addItem(councilId, october.id, { title: r.title, presenter: r.reportFrom, forDecision: true }, actor, tx)
    await s.decisions.create(
      councilId,
      {
        ...r,
        bodyId: cabinet.id,
        decisionDate: '2019-10-15',
        dispensation: 'None',
        urgency: null,
        approvedBy: APPROVED_BY,
        meetingId: october.id,
        itemId: item.id,
        published: true,
        publishedOn: '2019-10-16',
      },
      actor,
      tx,
    )
  }
  // Its minutes, 143 to 150, with the Cabinet's members, their attendance and the interests they declared.
  await loadCabinetMinutesDemo(s, tx, actor, councilId, cabinet.slug, october.id)
  const january = await s.scrutiny.createMeeting(
    councilId,
    {
      bodyId: cabinet.id,
      date: '2020-01-06',
      startTime: '14:00',
      place: PLACE,
      status: 'held',
      agendaPublished: true,
      decisionsPublished: true,
    },
    actor,
    tx,
  )
  const items = new Map<string, number>()
  for (const [title, purpose] of JANUARY_AGENDA)
    items.set(title, (await s.scrutiny.addItem(councilId, january.id, { title, purpose, forDecision: true }, actor, tx)).id)
  await s.decisions.create(
    councilId,
    {
      bodyId: cabinet.id,
      decisionDate: '2020-01-06',
      title: 'Hampshire Community Safety Strategy Group',
      reportFrom: "Director of Adults' Health and Care",
      contact: 'Contact name: Robert Ormerod\nTel: 01962 845122\nEmail: Robert.ormerod@hants.gov.uk',
      decision:
        "That Cabinet;\na) note the leadership of the County Council in promoting community safety with partners through the Hampshire Community Safety Strategy Group (HCSSG);\nb) note the arrangements for establishing a Hampshire Violence Reduction Unit; and\nc) endorse the action of the Director of Adults' Health and Care in establishing an initial grant scheme which enables an element of the 2019/20 Home Office funding to tackle serious violence to be allocated to community projects.",
      reasons:
        'Illustrative (the seed has the report, not its decision record): to update Cabinet on the work of the Hampshire Community Safety Strategy Group and progress towards agreeing the Hampshire County Agreement for Community Safety, and on the requirements and resources to address Serious Violence.',
      alternatives: 'None',
      conflicts:
        'Conflicts of interest declared by the decision-maker: None\nConflicts of interest declared by other Executive Members consulted: None',
      dispensation: 'None',
      approvedBy: APPROVED_BY,
      meetingId: january.id,
      itemId: items.get('Hampshire Community Safety Strategy Group'),
      published: true,
      publishedOn: '2020-01-07',
      illustrative: true,
    },
    actor,
    tx,
  )
  return { cabinetId: cabinet.id, meetingIds: [october.id, january.id] }
}

/** Worcestershire's forward plan as at 16 July 2019 (seed 004, item 8, appendix 1): title, decision maker, expected date. */
const FORWARD_PLAN: { title: string; maker: string; date: string; key: boolean }[] = [
  { title: 'Worcestershire Education Developer Contributions Policy', maker: 'Cabinet Member Decision', date: '2019-07-18', key: true },
  { title: 'Lifestyle and Behaviour Change Contract', maker: 'Cabinet Member Decision', date: '2019-07-22', key: true },
  {
    title: "Delivery of Children's Services through Worcestershire Children First from October 2019 – Business Plan and Update Report",
    maker: 'Cabinet',
    date: '2019-09-05',
    key: true,
  },
  { title: 'Organisational Redesign', maker: 'Cabinet', date: '2019-09-05', key: true },
  {
    title: 'Future Provision of Overnight Unit-based Short Breaks for Children with Disabilities',
    maker: 'Cabinet',
    date: '2019-09-26',
    key: true,
  },
  {
    title:
      "Optimising the use of Children's Centre Buildings in the Context of Effective Prevention Services for Children and Young People",
    maker: 'Cabinet',
    date: '2019-09-26',
    key: true,
  },
  { title: 'New Model of Delivery for Medical Education Provision', maker: 'Cabinet', date: '2019-10-24', key: true },
  { title: 'Worcestershire Safeguarding Children Board Annual Report 2018/19', maker: 'Cabinet', date: '2019-11-14', key: false },
]

/** The panels' Q4 2018/19 feedback: illustrative (seed 004 item 6 says the panels gave feedback, not what it was). */
const FEEDBACK: Record<string, { concerns: string; suggestions: string; performance: string }> = {
  'Adult Care and Well-Being Overview and Scrutiny Panel': {
    concerns: 'Illustrative: delayed transfers of care from hospital remained above target in Quarter 4.',
    suggestions: 'Illustrative: a briefing on the home care market before the panel’s autumn meeting.',
    performance: 'Illustrative: the directorate reported a year-end overspend on residential placements, offset by one-off grants.',
  },
  'Children and Families Overview and Scrutiny Panel': {
    concerns: 'Illustrative: the number of children looked after continued to rise.',
    suggestions: 'Illustrative: follow up the transfer of services to Worcestershire Children First in October 2019.',
    performance: 'Illustrative: placement costs were the main pressure on the 2018/19 year-end budget.',
  },
  'Economy and Environment Overview and Scrutiny Panel': {
    concerns: 'Illustrative: none to report to the Board by exception.',
    suggestions: 'Illustrative: the panel will look at highways maintenance performance again in the next quarter.',
    performance: 'Illustrative: the directorate’s budget was balanced at year end.',
  },
  'Corporate and Communities Overview and Scrutiny Panel': {
    concerns: 'Illustrative: sickness absence across the council.',
    suggestions: 'Illustrative: a report on the Organisational Redesign listed in the Forward Plan for 5 September 2019.',
    performance: 'Illustrative: a small underspend on corporate budgets.',
  },
}

export async function loadWorcestershireDecisionsDemo(s: Services, tx: Queryable, actor: Actor, councilId: number) {
  for (const e of FORWARD_PLAN)
    await s.forwardPlan.create(
      councilId,
      { title: e.title, makerName: e.maker, decisionDate: e.date, keyDecision: e.key, publishedOn: '2019-07-16', published: true },
      actor,
      tx,
    )
  const panels = await s.forwardPlan.panels(councilId, tx)
  for (const name of WORCESTERSHIRE_PANELS) {
    const panel = panels.find((b) => b.name === name)
    const words = FEEDBACK[name]
    if (panel && words)
      await s.forwardPlan.saveFeedback(councilId, panel.id, { quarter: 'Q4 2018/19', ...words, illustrative: true }, actor, tx)
  }
}
