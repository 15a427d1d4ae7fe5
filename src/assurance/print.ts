/**
 * Assurance's section of the agreement's print view: under each priority, the findings and development areas of one
 * assessment round (chosen on screen), with the key to the rating scale. Registered in src/services.ts.
 */
import type { PrintSection } from '../agreement/service.ts'
import type { AssuranceService } from './service.ts'
import { matrixView, scaleView } from './present.ts'
import { formatDate } from '../platform/format.ts'
import { fileNamePart } from '../platform/pdf.ts'

export function assurancePrintSection(assurance: AssuranceService): PrintSection {
  return {
    async load(partnership, version, opts) {
      const a = await assurance.printAssessments(partnership.id, version.id, opts)
      const m = a.matrix ? matrixView(a.matrix) : undefined
      // Each priority's cells, by priority id (the template is given the agreement's priorities).
      const cells = Object.fromEntries((m?.rows ?? []).map((r) => [r.priority.id, r.cells]))
      return {
        template: 'assurance/views/print-section.njk',
        stylesheets: [`/partnerships/${partnership.slug}/assurance/scale.css`],
        data: { rounds: a.rounds, round: a.round, scale: scaleView(a.scale), cells },
        pdf: a.round
          ? { header: `${a.round.title}, ${formatDate(a.round.assessed_on)}`, fileName: `round-${fileNamePart(a.round.title)}` }
          : { header: 'No assessment round yet', fileName: 'no-round' },
      }
    },
  }
}
