/**
 * The ONS and MHCLG files `safer import geography` understands, each known by its header row, and the DuckDB
 * table (schema `geo`) each one fills. A file is checked row by row (codes in the right form, numbers that are
 * numbers) before anything lands; see importer.ts.
 *
 * Sources: ONS LSOA 2011 → LSOA 2021 → LAD 2022 lookup; ONS LAD → CSP → PFA lookups (2017 and 2021);
 * ONS LTLA → UTLA (2023); ONS mid-year LSOA population estimates (2017, 2019 on LSOA 2011; 2022 on LSOA 2021);
 * MHCLG English Indices of Deprivation 2019 (File 1); ONS 2011 rural-urban classification; ONS LSOA population-
 * weighted centroids; ONS Standard Area Measurements; ONS MYE5 population density; all Open Government Licence v3.0.
 */

export interface Column {
  header: string
  name: string
  /** SQL type it is stored as; values are checked against it. */
  type?: 'INTEGER' | 'DOUBLE'
  /** A regular expression (DuckDB syntax) the value must match, with words for the message. */
  pattern?: [string, string]
  /** May be empty. */
  optional?: boolean
}

export interface Dataset {
  id: string
  title: string
  table: string
  columns: Column[]
  /** Only header columns up to this many are required; used for wide files (MYE5) where the rest are read by SQL. */
  load?: string
}

const GSS = (what: string): [string, string] => ['^[EWSNK]\\d{8}$', `a GSS code (a letter and 8 digits) for the ${what}`]
const LSOA = (year: string): [string, string] => ['^[EW]01\\d{6}$', `an LSOA ${year} code like E01014399`]

export const DATASETS: Dataset[] = [
  {
    id: 'lsoa11-lsoa21-lad22',
    title: 'LSOA 2011 to LSOA 2021 to local authority district 2022 (best fit)',
    table: 'geo.lsoa11_lsoa21',
    columns: [
      { header: 'ObjectId', name: 'object_id', optional: true },
      { header: 'LSOA11CD', name: 'lsoa11cd', pattern: LSOA('2011') },
      { header: 'LSOA11NM', name: 'lsoa11nm' },
      { header: 'LSOA21CD', name: 'lsoa21cd', pattern: LSOA('2021') },
      { header: 'LSOA21NM', name: 'lsoa21nm' },
      { header: 'LAD22CD', name: 'lad22cd', pattern: GSS('district') },
      { header: 'LAD22NM', name: 'lad22nm' },
      { header: 'LAD22NMW', name: 'lad22nmw', optional: true },
    ],
  },
  {
    id: 'imd2019',
    title: 'English Indices of Deprivation 2019 (IMD rank and decile)',
    table: 'geo.imd2019',
    columns: [
      { header: 'LSOA code (2011)', name: 'lsoa11cd', pattern: LSOA('2011') },
      { header: 'LSOA name (2011)', name: 'lsoa11nm' },
      { header: 'Local Authority District code (2019)', name: 'lad19cd', pattern: GSS('district') },
      { header: 'Local Authority District name (2019)', name: 'lad19nm' },
      { header: 'Index of Multiple Deprivation (IMD) Rank', name: 'imd_rank', type: 'INTEGER' },
      { header: 'Index of Multiple Deprivation (IMD) Decile', name: 'imd_decile', type: 'INTEGER' },
    ],
  },
  {
    id: 'lad17-csp17-pfa17',
    title: 'Local authority district to community safety partnership to police force area (2017)',
    table: 'geo.lad_csp_pfa_2017',
    columns: [
      { header: 'LAD17CD', name: 'lad_code', pattern: GSS('district') },
      { header: 'LAD17NM', name: 'lad_name' },
      { header: 'CSP17CD', name: 'csp_code', pattern: GSS('community safety partnership') },
      { header: 'CSP17NM', name: 'csp_name' },
      { header: 'PFA17CD', name: 'pfa_code', pattern: GSS('police force area') },
      { header: 'PFA17NM', name: 'pfa_name' },
      { header: 'FID', name: 'fid', optional: true },
    ],
  },
  {
    id: 'lad21-csp-pfa21',
    title: 'Local authority district to community safety partnership to police force area (2021)',
    table: 'geo.lad_csp_pfa_2021',
    columns: [
      { header: 'lad-code', name: 'lad_code', pattern: GSS('district') },
      { header: 'lad-name', name: 'lad_name' },
      { header: 'csp-code', name: 'csp_code', pattern: GSS('community safety partnership') },
      { header: 'csp-name', name: 'csp_name' },
      { header: 'PFA21CD', name: 'pfa_code', pattern: GSS('police force area') },
      { header: 'PFA21NM', name: 'pfa_name' },
    ],
  },
  {
    id: 'ltla23-utla23',
    title: 'Lower-tier to upper-tier local authority (April 2023)',
    table: 'geo.ltla_utla',
    columns: [
      { header: 'LTLA23CD', name: 'ltla_code', pattern: GSS('lower-tier authority') },
      { header: 'LTLA23NM', name: 'ltla_name' },
      { header: 'LTLA23NMW', name: 'ltla_name_welsh', optional: true },
      { header: 'UTLA23CD', name: 'utla_code', pattern: GSS('upper-tier authority') },
      { header: 'UTLA23NM', name: 'utla_name' },
      { header: 'UTLA23NMW', name: 'utla_name_welsh', optional: true },
      { header: 'ObjectId', name: 'object_id', optional: true },
    ],
  },
  {
    id: 'lsoa11-population-2019',
    title: 'LSOA 2011 population, mid-2019',
    table: 'geo.lsoa11_population_2019',
    columns: [
      { header: 'LSOA11CD', name: 'lsoa11cd', pattern: LSOA('2011') },
      { header: 'population_mid2019', name: 'population', type: 'INTEGER' },
    ],
  },
  {
    id: 'lsoa21-population-2022',
    title: 'LSOA 2021 population, mid-2022',
    table: 'geo.lsoa21_population_2022',
    columns: [
      { header: 'lsoacd', name: 'lsoa21cd', pattern: LSOA('2021') },
      { header: 'population', name: 'population', type: 'INTEGER' },
    ],
  },
  {
    id: 'lsoa11-density-2017',
    title: 'LSOA 2011 population and land area, mid-2017',
    table: 'geo.lsoa11_density_2017',
    columns: [
      { header: 'Code', name: 'lsoa11cd', pattern: LSOA('2011') },
      { header: 'Name', name: 'lsoa11nm' },
      { header: 'Mid-2017 population', name: 'population', type: 'INTEGER' },
      { header: 'Area Sq Km', name: 'area_sq_km', type: 'DOUBLE' },
      { header: 'People per Sq Km', name: 'density', type: 'DOUBLE' },
    ],
  },
  {
    id: 'lsoa11-ruc',
    title: 'LSOA 2011 rural-urban classification',
    table: 'geo.lsoa11_ruc',
    columns: [
      { header: 'FID', name: 'fid', optional: true },
      { header: 'LSOA11CD', name: 'lsoa11cd', pattern: LSOA('2011') },
      { header: 'LSOA11NM', name: 'lsoa11nm' },
      { header: 'RUC11CD', name: 'ruc_code' },
      { header: 'RUC11', name: 'ruc_name' },
    ],
  },
  {
    id: 'lsoa11-centroids',
    title: 'LSOA 2011 population-weighted centroids',
    table: 'geo.lsoa11_centroids',
    columns: [
      { header: 'X', name: 'longitude', type: 'DOUBLE' },
      { header: 'Y', name: 'latitude', type: 'DOUBLE' },
      { header: 'objectid', name: 'object_id', optional: true },
      { header: 'lsoa11cd', name: 'lsoa11cd', pattern: LSOA('2011') },
      { header: 'lsoa11nm', name: 'lsoa11nm' },
    ],
  },
  {
    id: 'lad18-areas',
    title: 'Local authority district land areas (Standard Area Measurements, 2018)',
    table: 'geo.lad18_areas',
    columns: [
      { header: 'LAD18CD', name: 'lad_code', pattern: GSS('district') },
      { header: 'LAD18NM', name: 'lad_name' },
      { header: 'AREAEHECT', name: 'extent_hectares', type: 'DOUBLE' },
      { header: 'AREACHECT', name: 'coast_hectares', type: 'DOUBLE' },
      { header: 'AREAIHECT', name: 'inland_water_hectares', type: 'DOUBLE' },
      { header: 'AREALHECT', name: 'land_hectares', type: 'DOUBLE' },
    ],
  },
  {
    // Doogal's postcode districts (from the ONS Postcode Directory): where an outward code such as SO23 lies, for
    // the area search. 19 districts have no coordinates; non-geographic and terminated ones are kept.
    id: 'postcode-districts',
    title: 'Postcode districts (outward codes) and their centroids',
    table: 'geo.postcode_districts',
    columns: [
      { header: 'Postcode', name: 'district', pattern: ['^[A-Z][A-Z0-9]{1,3}$', 'an outward postcode like SO23'] },
      { header: 'Latitude', name: 'latitude', type: 'DOUBLE', optional: true },
      { header: 'Longitude', name: 'longitude', type: 'DOUBLE', optional: true },
      { header: 'Easting', name: 'easting', optional: true },
      { header: 'Northing', name: 'northing', optional: true },
      { header: 'Grid Reference', name: 'grid_reference', optional: true },
      { header: 'Town/Area', name: 'town_area', optional: true },
      { header: 'Region', name: 'region', optional: true },
      { header: 'Postcodes', name: 'postcodes', optional: true },
      { header: 'Active postcodes', name: 'active_postcodes', optional: true },
      { header: 'Population', name: 'population', optional: true },
      { header: 'Households', name: 'households', optional: true },
      { header: 'Nearby districts', name: 'nearby_districts', optional: true },
      { header: 'UK region', name: 'uk_region', optional: true },
      { header: 'Post Town', name: 'post_town', optional: true },
    ],
  },
]

/** Files recognised but not used (yet): imported as nothing, and said so. */
export const KNOWN_UNUSED: { title: string; headerStart: string }[] = [
  {
    title: 'LSOA 2011 to LSOA 2021 exact-fit lookup (the best-fit lookup is used instead)',
    headerStart: 'LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND',
  },
  {
    title: 'local authority population density, mid-2001 to mid-2019 (LSOA populations are used instead)',
    headerStart: 'Code,Name,Geography1,Area (sq km)',
  },
]
