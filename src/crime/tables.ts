/**
 * The crime data's tables, each declared once for the page and its CSV/JSON download (platform/tables.ts): the
 * coverage of force-months, and the area page's months, crime types and LSOAs.
 */
import { defineTable, link, type TableColumn } from '../platform/tables.ts'
import { escapeHtml } from '../platform/html.ts'
import { formatNumber, shortMonthLabel } from '../platform/format.ts'
import { formatDateTime } from '../platform/errors.ts'
import type { areaPage } from './pages.ts'
import type { CoverageRow } from './service.ts'
import { KIND_LABELS } from './formats.ts'
import { forceBySlug } from './forces.ts'

type AreaPage = Extract<Awaited<ReturnType<typeof areaPage>>, { empty: false }>

const basename = (s: string | null) =>
  String(s ?? '')
    .split(/[\\/]/)
    .pop()
/** Records: a count of a row's records. */
const recordsColumn = <T extends { count: number | null }>(): TableColumn<T> => ({
  key: 'records',
  header: 'Records',
  value: (r) => r.count,
  numeric: true,
})
/** Records per 1,000 residents: to one place on the page, three in the download; blank where there is no population. */
const rateColumn = <T extends { rate: number | null }>(): TableColumn<T> => ({
  key: 'per_1000_people',
  header: 'Per 1,000',
  value: (r) => (r.rate === null ? null : Number(r.rate.toFixed(3))),
  text: (r) => formatNumber(r.rate, 1),
  numeric: true,
})
/**
 * The rate's 95% interval (platform/stats.ts rateInterval: Byar, or exact Poisson below 10 records): its lower and
 * upper limits, to one place on the page and six in the download (three, as the rate has, would now and then round
 * a limit such as 88.3503 to 88.35, which reads as 88.3 or 88.4 depending on the rounding rule); blank where there is
 * no population.
 */
const intervalColumns = <T extends { ci95: { lower: number; upper: number } | null }>(): TableColumn<T>[] =>
  (['lower', 'upper'] as const).map((end) => ({
    key: `per_1000_ci95_${end}`,
    header: `${end === 'lower' ? 'Lower' : 'Upper'} 95% limit`,
    value: (r: T) => (r.ci95 ? Number(r.ci95[end].toFixed(6)) : null),
    text: (r: T) => (r.ci95 ? formatNumber(r.ci95[end], 1) : ''),
    numeric: true,
  }))

/**
 * Every force-month loaded, with its source file: /crime/coverage and /api/v1/crime/coverage. The public sees the
 * source file's name (not where it was on the server), its sha256 and when it was imported; site administrators also
 * see the file's full path and who imported it (coverageStaffTable). docs/security.md, point 7.
 */
function coverageColumns(staff: boolean): TableColumn<CoverageRow>[] {
  return [
    { key: 'kind', header: 'Kind', value: (r) => r.kind, text: (r) => KIND_LABELS[r.kind] },
    { key: 'force', header: 'Force', value: (r) => r.force, text: (r) => forceBySlug(r.force)?.name ?? r.force },
    { key: 'month', header: 'Month', value: (r) => r.month, text: (r) => shortMonthLabel(r.month) },
    { key: 'rows_kept', header: 'Kept', value: (r) => r.rows_kept, numeric: true },
    { key: 'rows_rejected', value: (r) => r.rows_rejected },
    { key: 'duplicates', header: 'Duplicates', value: (r) => r.duplicates, numeric: true },
    { key: 'no_location', header: 'No location', value: (r) => r.no_location, numeric: true },
    { key: 'unknown_types', value: (r) => r.unknown_types },
    { key: 'unknown_outcomes', value: (r) => r.unknown_outcomes },
    {
      key: 'source_file',
      header: 'Source file',
      value: (r) => (staff ? r.source_file : basename(r.source_file)),
      classes: 'safer-break',
      html: (r) =>
        `${escapeHtml(basename(r.source_file))}<br><span class="govuk-body-s">sha256 ${escapeHtml(r.sha256.slice(0, 16))}…</span>`,
    },
    { key: 'sha256', value: (r) => r.sha256 },
    {
      key: 'imported_at',
      header: 'Imported',
      value: (r) => r.imported_at,
      html: (r) =>
        `${escapeHtml(formatDateTime(new Date(r.imported_at)))}${staff ? `<br><span class="govuk-body-s">${escapeHtml(r.imported_by)}</span>` : ''}`,
    },
    ...(staff ? [{ key: 'imported_by', value: (r: CoverageRow) => r.imported_by }] : []),
  ]
}
export const coverageTable = defineTable<CoverageRow>(coverageColumns(false), { pageOrder: ['force', 'month', 'kind'] })
export const coverageStaffTable = defineTable<CoverageRow>(coverageColumns(true), { pageOrder: ['force', 'month', 'kind'] })

/** An area's records each month; a month not loaded is a gap, never a zero. */
export const monthsTable = defineTable<AreaPage['months'][number]>(
  [
    { key: 'month', header: 'Month', value: (m) => m.month, text: (m) => m.label },
    { key: 'status', value: (m) => m.status },
    {
      key: 'records',
      header: 'Records',
      value: (m) => m.count,
      numeric: true,
      html: (m) =>
        m.count === null
          ? '<span class="safer-gap">Not loaded</span>'
          : `${formatNumber(m.count)}${m.status === 'partial' ? ' <span class="safer-gap">(some forces not loaded)</span>' : ''}`,
    },
  ],
  { firstCellIsHeader: true },
)

/** An area's records by crime type over the period. */
export const typesTable = defineTable<AreaPage['byType'][number]>(
  [
    { key: 'crime_type', header: 'Crime type', value: (t) => t.type },
    recordsColumn(),
    {
      key: 'share_percent',
      header: 'Share',
      value: (t) => Number(t.share.toFixed(2)),
      text: (t) => `${formatNumber(t.share, 1)}%`,
      numeric: true,
    },
    rateColumn(),
    ...intervalColumns<AreaPage['byType'][number]>(),
  ],
  { firstCellIsHeader: true },
)

/** An area's LSOAs: the page shows the ten with the highest rates, the download has them all. */
export const lsoasTable = defineTable<AreaPage['lsoas'][number]>(
  [
    { key: 'lsoa', value: (l) => l.code },
    {
      key: 'name',
      header: 'LSOA',
      value: (l) => l.name,
      html: (l) =>
        l.code ? `${link(`/crime/areas/${l.code}`, l.name)} <span class="govuk-body-s">${escapeHtml(l.code)}</span>` : escapeHtml(l.name),
    },
    recordsColumn(),
    { key: 'population_mid2019', header: 'Population', value: (l) => l.population, numeric: true },
    rateColumn(),
    ...intervalColumns<AreaPage['lsoas'][number]>(),
  ],
  { firstCellIsHeader: true },
)

/** Every month by crime type: a download only (the page draws it as the chart). */
export const monthTypeTable = defineTable<AreaPage['byMonthType'][number]>([
  { key: 'month', value: (r) => r.month },
  { key: 'crime_type', value: (r) => r.crime_type },
  { key: 'records', value: (r) => r.count },
])
