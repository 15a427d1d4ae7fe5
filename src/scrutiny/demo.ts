/**
 * Scrutiny's demo, from seed 000 (src/demo/content/README.md lists the sources): Hampshire County Council's council
 * workspace, its Policy and Resources Select Committee (which reviews the Hampshire Community Safety Strategy Group),
 * and the committee's meeting of 14 November 2019 at 10.00am in the Wellington Room, with its agenda as published.
 * Loaded by src/demo/load.ts, in its transaction, through the services.
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import type { Queryable } from '../platform/db/index.ts'

export const SCRUTINY_DEMO_SLUGS = ['hampshire-county-council']

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
