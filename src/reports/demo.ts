/**
 * The reports demo (issue 12), from the seeds. Hampshire: the report on the Community Safety Strategy Group for the
 * Policy and Resources Select Committee's meeting of 14 November 2019, drafted from the demo's live Hampshire data with
 * the header, purpose, recommendations, executive summary and conclusions of seed 000 (the report Hampshire wrote by
 * hand; seed 003 is its later shape), the County Agreement's print view as its appendix, published; and the Work
 * Programme report (seed 000) with the work programme's print view. Worcestershire: the Annual Community Safety Report
 * for the Overview and Scrutiny Performance Board of 24 July 2019 in Worcestershire's template (seed 004).
 * The data blocks' own text (counts drafted by Safer) is marked illustrative on the report: not in the seeds' words.
 */
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'

async function itemOn(s: Services, councilId: number, date: string, title: string) {
  for (const m of await s.scrutiny.meetings(councilId)) {
    if (m.date !== date) continue
    const full = await s.scrutiny.meeting(councilId, m.id, { member: true })
    const item = full.agenda.find((i) => i.title === title)
    if (item) return `${m.id}:${item.id}`
  }
  throw new Error(`The demo has no agenda item “${title}” on ${date}`)
}

async function publish(s: Services, councilId: number, id: number, actor: Actor) {
  const r = await s.reports.get(councilId, id, { member: true })
  await s.reports.setState(councilId, id, 'published', r.version, actor)
}

/** Returns how many reports it wrote. */
export async function loadReportsDemo(s: Services, actor: Actor): Promise<number> {
  const hcc = await s.partnerships.bySlug('hampshire-county-council')
  const hampshire = await s.partnerships.bySlug('hampshire')
  const wcc = await s.partnerships.bySlug('worcestershire-county-council')
  const worcestershire = await s.partnerships.bySlug('worcestershire')
  let n = 0
  if (hcc && hampshire) {
    await s.reports.resetTemplate(hcc.id, 'hampshire', actor)
    const header = {
      committee: 'Policy and Resources Select Committee',
      date: '14 November 2019',
      reportFrom: "Director of Adults' Health and Care",
      contactName: 'Robert Ormerod',
      telephone: '01962 845122',
      email: 'Robert.ormerod@hants.gov.uk',
    }
    const annual = await s.reports.draftAnnual(
      hcc.id,
      { partnershipId: hampshire.id, period: '2019/20', title: 'Hampshire Community Safety Strategy Group' },
      actor,
      undefined,
      {
        header,
        illustrative: true,
        sections: {
          purpose:
            'The purpose of this report is to provide an update on the work of the Hampshire Community Safety Strategy Group and progress towards agreeing the Hampshire County Agreement for Community Safety. The report also provides an update on the recent introduction of requirements and resources to address Serious Violence.',
          recommendations:
            'That Select Committee notes:\n\n1. the leadership of the County Council in promoting community safety with partners through the Hampshire Community Safety Strategy Group (HCSSG), and\n2. the arrangements for establishing a Hampshire Violence Reduction Unit.',
          summary:
            'This report seeks to provide an update on progress of the work of the Hampshire Community Safety Strategy Group in agreeing strategic priorities and assuring effective arrangements for multi-agency working at the county level through the broad-based membership of the HCSSG.',
          conclusions:
            'This report demonstrates positive progress in the work of the Hampshire Community Safety Strategy Group in assessing strategic priorities and in ensuring the effective co-ordination of multi-agency work to address these.\n\nThe report highlights developments in the establishment of arrangements to address the national priority of serious violence and the role of the HCSSG in overseeing the multi-agency response plan.',
        },
      },
    )
    const r = await s.reports.get(hcc.id, annual.id, { member: true })
    await s.reports.update(
      hcc.id,
      annual.id,
      {
        title: r.title,
        version: r.version,
        item: await itemOn(s, hcc.id, '2019-11-14', 'Hampshire Community Safety Strategy Group'),
        // Seed 000: No, Yes, Yes, Yes; no background documents; an update report, so no assessment.
        'outcome-0': 'no',
        'outcome-1': 'yes',
        'outcome-2': 'yes',
        'outcome-3': 'yes',
        background: '',
        equalities: 'This is an update report so no Equalities Impact Assessment has been undertaken.',
      },
      actor,
    )
    const agreement = (await s.reports.pageChoices(hcc.id)).find((c) => c.path.startsWith(`/partnerships/${hampshire.slug}/agreement/`))
    if (agreement) await s.reports.addPage(hcc.id, annual.id, agreement.path, actor)
    await publish(s, hcc.id, annual.id, actor)
    n++

    const wp = await s.reports.create(
      hcc.id,
      {
        title: 'Work Programme',
        header: {
          committee: 'Policy and Resources Select Committee',
          date: '14 November 2019',
          reportFrom: 'Director of Transformation and Governance – Corporate Services',
          contactName: 'Louise Pickford, Democratic and Members Services',
          telephone: '01962 847355',
          email: 'Louise.pickford@hants.gov.uk',
        },
        sections: {
          purpose: 'To review and agree the Work Programme for the Policy and Resources Select Committee.',
          recommendations:
            'It is recommended that the Committee consider the forthcoming work programme, suggest any items for inclusion and agree amendments accordingly.',
        },
      },
      actor,
    )
    const w = await s.reports.get(hcc.id, wp.id, { member: true })
    await s.reports.update(
      hcc.id,
      wp.id,
      {
        title: w.title,
        version: w.version,
        item: await itemOn(s, hcc.id, '2019-11-14', 'Work Programme'),
        'outcome-0': 'yes',
        'outcome-1': 'yes',
        'outcome-2': 'yes',
        'outcome-3': 'yes',
      },
      actor,
    )
    const programme = (await s.reports.pageChoices(hcc.id)).find(
      (c) => c.path.endsWith('/work-programme/print') && c.title.startsWith('Policy and Resources Select Committee'),
    )
    if (programme) await s.reports.addPage(hcc.id, wp.id, programme.path, actor)
    await publish(s, hcc.id, wp.id, actor)
    n++
  }
  if (wcc && worcestershire) {
    await s.reports.resetTemplate(wcc.id, 'worcestershire', actor)
    const report = await s.reports.draftAnnual(
      wcc.id,
      { partnershipId: worcestershire.id, period: '2018/19', title: 'Annual Worcestershire County Council Community Safety Report' },
      actor,
      undefined,
      {
        header: {
          committee: 'Overview and Scrutiny Performance Board',
          date: '24 July 2019',
          contactName: 'Tim Rice, Senior Public Health Practitioner (Public Health Directorate)',
          telephone: '(01905) 843107',
          email: 'TRice@worcestershire.gov.uk',
        },
        illustrative: true,
        sections: {
          summary:
            'The Overview and Scrutiny Performance Board (OSPB) is asked to:\n\n- consider the Annual Update on developments in relation to Community Safety in Worcestershire; and\n- consider the briefing on the new GET SAFE support and protection approach to child criminal exploitation.\n\nKey partners involved in community safety have been invited to attend this meeting.',
          background:
            'Worcestershire County Council (WCC) as a Responsible Authority must comply with its duty under s.17 Crime and Disorder Act 1998 (as amended), which requires each Authority to exercise its functions with due regard and to do all that it reasonably can to prevent crime and disorder, anti-social behaviour and the misuse of drugs and alcohol and other substances and reduce reoffending.',
          conclusions:
            'WCC continues to meet its own duties relating to community safety as far as it reasonably can and makes a significant contribution across Worcestershire and West Mercia through its leadership role and its commissioned services.',
          purpose:
            'The OSPB is asked to consider:\n\n- (a) The Annual Community Safety report and the discussion on the new GET SAFE support and protection approach to child criminal exploitation;\n- (b) Whether it wishes to make any comments to the Cabinet Member with Responsibility for Health and Well-being, WCC officers or partner agencies; and\n- (c) Whether there are any issues which should be the subject of future scrutiny work.',
          supporting:
            '- Appendix 1: Worcestershire County Council Community Safety Overview\n- Appendix 2: West Mercia Police Performance Summary for January - March 2019',
          contacts:
            'Tim Rice. Senior Public Health Practitioner (Public Health Directorate) (01905) 843107 Email: TRice@worcestershire.gov.uk',
          papers:
            'In the opinion of the proper officer (in this case the Head of Legal and Democratic Services) there are no background papers relating to the subject matter of this report.',
        },
      },
    )
    const r = await s.reports.get(wcc.id, report.id, { member: true })
    await s.reports.update(
      wcc.id,
      report.id,
      {
        title: r.title,
        version: r.version,
        item: await itemOn(s, wcc.id, '2019-07-24', 'Annual Worcestershire County Council Community Safety Report'),
      },
      actor,
    )
    await publish(s, wcc.id, report.id, actor)
    n++
  }
  return n
}
