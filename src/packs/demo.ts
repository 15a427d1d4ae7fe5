/**
 * The demo's pack settings, as the seeds print them: Hampshire's notice of meeting (seed 000: John Coughlan CBE,
 * Chief Executive; enquiries to members.services@hants.gov.uk, with Democratic and Members Services' officer named on
 * its work programme report; its filming and broadcast notification) and Worcestershire's (seed 004: further
 * information from Alyson Grice, 01905 844962, scrutiny@worcestershire.gov.uk; seed 004 prints no chief executive and
 * no filming notice, so they are left empty).
 */
import type { Services } from '../services.ts'
import type { Queryable } from '../platform/db/index.ts'
import type { Actor } from '../platform/audit.ts'

export async function loadPackDemo(s: Services, tx: Queryable, actor: Actor, partnershipIds: Map<string, number>) {
  const hampshire = partnershipIds.get('hampshire-county-council')
  if (hampshire)
    await s.packs.saveSettings(
      hampshire,
      {
        chiefExecutive: 'John Coughlan CBE',
        filmingNotice:
          "This meeting may be recorded and broadcast live on the County Council's website. The meeting may also be recorded and broadcast by the press and members of the public – please see the Filming Protocol available on the County Council's website.",
        enquiriesName: 'Louise Pickford, Democratic and Members Services',
        enquiriesTelephone: '01962 847355',
        enquiriesEmail: 'members.services@hants.gov.uk',
      },
      actor,
      tx,
    )
  const worcestershire = partnershipIds.get('worcestershire-county-council')
  if (worcestershire)
    await s.packs.saveSettings(
      worcestershire,
      { enquiriesName: 'Alyson Grice', enquiriesTelephone: '01905 844962', enquiriesEmail: 'scrutiny@worcestershire.gov.uk' },
      actor,
      tx,
    )
}
