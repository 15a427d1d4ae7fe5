/**
 * The two built-in report shapes, from the councils' own papers: Hampshire's (seed 000's committee reports and seed
 * 003, its report on the Community Safety Strategy Group) and Worcestershire's (seed 004, the Overview and Scrutiny
 * Performance Board's reports). A council workspace starts from one and adjusts its sections.
 */
export const SHAPES = ['hampshire', 'worcestershire'] as const
export type Shape = (typeof SHAPES)[number]
export const SHAPE_LABELS: Record<Shape, string> = {
  hampshire: 'Hampshire: Purpose, Recommendations, Executive summary … and the required corporate and legal information',
  worcestershire: 'Worcestershire: Summary, Background, Purpose of the meeting, Supporting information, Contact points',
}

export interface TemplateSection {
  key: string
  heading: string
  required: boolean
  guidance: string
}
export interface ReportSection extends TemplateSection {
  text: string
}

export const SHAPE_SECTIONS: Record<Shape, TemplateSection[]> = {
  hampshire: [
    { key: 'purpose', heading: 'Purpose of this Report', required: true, guidance: 'One paragraph: what the report is for.' },
    {
      key: 'recommendations',
      heading: 'Recommendation',
      required: true,
      guidance: 'Numbered: “That the … Select Committee note …”.',
    },
    { key: 'summary', heading: 'Executive Summary', required: false, guidance: 'What the committee most needs to know.' },
    { key: 'context', heading: 'Contextual information', required: false, guidance: 'Background the committee needs.' },
    { key: 'body', heading: 'Main report', required: false, guidance: 'Further sections, each with its own paragraphs.' },
    { key: 'conclusions', heading: 'Conclusions', required: false, guidance: 'What the report shows.' },
  ],
  worcestershire: [
    { key: 'summary', heading: 'Summary', required: true, guidance: 'What the Board is asked to do.' },
    { key: 'background', heading: 'Background and Statutory Duties', required: false, guidance: 'Duties and context.' },
    { key: 'body', heading: 'Current and future focus', required: false, guidance: 'The main content.' },
    { key: 'conclusions', heading: 'Conclusion', required: true, guidance: 'What the report concludes.' },
    {
      key: 'purpose',
      heading: 'Purpose of the Meeting',
      required: true,
      guidance: 'What the Board is asked to consider, as a list.',
    },
    { key: 'supporting', heading: 'Supporting Information', required: false, guidance: 'The appendices, by name.' },
    {
      key: 'contacts',
      heading: 'Specific Contact Points for this report',
      required: true,
      guidance: 'Name, role, telephone and email.',
    },
    {
      key: 'papers',
      heading: 'Background Papers',
      required: false,
      guidance: 'In the opinion of the proper officer … the background papers are: (or “there are no background papers”).',
    },
  ],
}

/** Hampshire County Council's strategic plan outcomes, as its reports answer them (seed 003). */
export const HAMPSHIRE_OUTCOMES = [
  'Hampshire maintains strong and sustainable economic growth and prosperity',
  'People in Hampshire live safe, healthy and independent lives',
  'People in Hampshire enjoy a rich and diverse environment',
  'People in Hampshire enjoy being part of strong, inclusive communities',
]

/** Whether the shape has the corporate and legal block (Hampshire's reports do; Worcestershire's do not). */
export const HAS_CORPORATE: Record<Shape, boolean> = { hampshire: true, worcestershire: false }

/** The Equality Act 2010 s.149 wording every Hampshire report carries before its own assessment (seed 003). */
export const EQUALITY_DUTY = `The County Council has a duty under Section 149 of the Equality Act 2010 (‘the Act’) to have due regard in the exercise of its functions to the need to:

- Eliminate discrimination, harassment and victimisation and any other conduct prohibited by or under the Act with regard to the protected characteristics as set out in section 4 of the Act (age, disability, gender reassignment, marriage and civil partnership, pregnancy and maternity, race, religion or belief, sex and sexual orientation);
- Advance equality of opportunity between persons who share a relevant protected characteristic within section 149(7) of the Act (age, disability, gender reassignment, pregnancy and maternity, race, religion or belief, sex and sexual orientation) and those who do not share it;
- Foster good relations between persons who share a relevant protected characteristic within section 149(7) of the Act (see above) and persons who do not share it.

Due regard in this context involves having due regard in particular to:

- The need to remove or minimise disadvantages suffered by persons sharing a relevant protected characteristic that are connected to that characteristic;
- Take steps to meet the needs of persons sharing a relevant protected characteristic that are different from the needs of persons who do not share it;
- Encourage persons sharing a relevant protected characteristic to participate in public life or in any other activity in which participation by such persons is disproportionally low.`

export const BACKGROUND_WORDS =
  'The following documents discuss facts or matters on which this report, or an important part of it, is based and have been relied upon to a material extent in the preparation of this report. (NB: the list excludes published works and any documents which disclose exempt or confidential information as defined in the Act.)'

export interface Corporate {
  outcomes: { outcome: string; answer: 'yes' | 'no' }[]
  otherLinks: string
  background: { document: string; location: string }[]
  equalities: string
  crime: string
  climate: string
}

export function emptyCorporate(outcomes: string[]): Corporate {
  return {
    outcomes: outcomes.map((outcome) => ({ outcome, answer: 'no' })),
    otherLinks: '',
    background: [],
    equalities: '',
    crime: '',
    climate: '',
  }
}

/**
 * Plain text as blocks: paragraphs split by blank lines; lines starting "1." (or "1)") make a numbered list, lines
 * starting "-", "*" or "•" a bulleted one. Nothing from the user is ever HTML: the template escapes every word.
 */
export type TextBlock = { kind: 'p'; text: string } | { kind: 'ol' | 'ul'; items: string[]; start: number }
export function textBlocks(text: string): TextBlock[] {
  const out: TextBlock[] = []
  for (const chunk of text.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const lines = chunk
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    let para: string[] = []
    const flush = () => {
      if (para.length) out.push({ kind: 'p', text: para.join(' ') })
      para = []
    }
    for (const line of lines) {
      const num = /^(\d+)[.)]\s+(.*)$/.exec(line)
      const bullet = /^[-*•]\s+(.*)$/.exec(line)
      const last = out[out.length - 1]
      if (num || bullet) {
        flush()
        const kind = num ? 'ol' : 'ul'
        const item = num ? num[2] : bullet![1]
        if (last && last.kind === kind && !para.length) last.items.push(item)
        else out.push({ kind, items: [item], start: num ? Number(num[1]) : 1 })
      } else {
        const prev = out[out.length - 1]
        // A wrapped line of a list item continues it.
        if (!para.length && prev && prev.kind !== 'p' && lines.indexOf(line) > 0) prev.items[prev.items.length - 1] += ` ${line}`
        else para.push(line)
      }
    }
    flush()
  }
  return out
}
