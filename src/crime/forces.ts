/**
 * The police forces that publish on police.uk: the slug police.uk uses in its file names
 * (2019-08-avon-and-somerset-street.csv), the name in the files' "Reported by" column, and the
 * ONS police force area (PFA) it covers. British Transport Police and the Police Service of
 * Northern Ireland publish too but have no police force area in England and Wales.
 */
export interface Force {
  slug: string
  name: string
  pfaCode: string | null
  pfaName: string | null
}

export const FORCES: readonly Force[] = [
  { slug: 'avon-and-somerset', name: 'Avon and Somerset Constabulary', pfaCode: 'E23000036', pfaName: 'Avon and Somerset' },
  { slug: 'bedfordshire', name: 'Bedfordshire Police', pfaCode: 'E23000026', pfaName: 'Bedfordshire' },
  { slug: 'cambridgeshire', name: 'Cambridgeshire Constabulary', pfaCode: 'E23000023', pfaName: 'Cambridgeshire' },
  { slug: 'cheshire', name: 'Cheshire Constabulary', pfaCode: 'E23000006', pfaName: 'Cheshire' },
  { slug: 'city-of-london', name: 'City of London Police', pfaCode: 'E23000034', pfaName: 'London, City of' },
  { slug: 'cleveland', name: 'Cleveland Police', pfaCode: 'E23000013', pfaName: 'Cleveland' },
  { slug: 'cumbria', name: 'Cumbria Constabulary', pfaCode: 'E23000002', pfaName: 'Cumbria' },
  { slug: 'derbyshire', name: 'Derbyshire Constabulary', pfaCode: 'E23000018', pfaName: 'Derbyshire' },
  { slug: 'devon-and-cornwall', name: 'Devon & Cornwall Police', pfaCode: 'E23000035', pfaName: 'Devon & Cornwall' },
  { slug: 'dorset', name: 'Dorset Police', pfaCode: 'E23000039', pfaName: 'Dorset' },
  { slug: 'durham', name: 'Durham Constabulary', pfaCode: 'E23000008', pfaName: 'Durham' },
  { slug: 'dyfed-powys', name: 'Dyfed-Powys Police', pfaCode: 'W15000004', pfaName: 'Dyfed-Powys' },
  { slug: 'essex', name: 'Essex Police', pfaCode: 'E23000028', pfaName: 'Essex' },
  { slug: 'gloucestershire', name: 'Gloucestershire Constabulary', pfaCode: 'E23000037', pfaName: 'Gloucestershire' },
  { slug: 'greater-manchester', name: 'Greater Manchester Police', pfaCode: 'E23000005', pfaName: 'Greater Manchester' },
  { slug: 'gwent', name: 'Gwent Police', pfaCode: 'W15000002', pfaName: 'Gwent' },
  { slug: 'hampshire', name: 'Hampshire Constabulary', pfaCode: 'E23000030', pfaName: 'Hampshire' },
  { slug: 'hertfordshire', name: 'Hertfordshire Constabulary', pfaCode: 'E23000027', pfaName: 'Hertfordshire' },
  { slug: 'humberside', name: 'Humberside Police', pfaCode: 'E23000012', pfaName: 'Humberside' },
  { slug: 'kent', name: 'Kent Police', pfaCode: 'E23000032', pfaName: 'Kent' },
  { slug: 'lancashire', name: 'Lancashire Constabulary', pfaCode: 'E23000003', pfaName: 'Lancashire' },
  { slug: 'leicestershire', name: 'Leicestershire Police', pfaCode: 'E23000021', pfaName: 'Leicestershire' },
  { slug: 'lincolnshire', name: 'Lincolnshire Police', pfaCode: 'E23000020', pfaName: 'Lincolnshire' },
  { slug: 'merseyside', name: 'Merseyside Police', pfaCode: 'E23000004', pfaName: 'Merseyside' },
  { slug: 'metropolitan', name: 'Metropolitan Police Service', pfaCode: 'E23000001', pfaName: 'Metropolitan Police' },
  { slug: 'norfolk', name: 'Norfolk Constabulary', pfaCode: 'E23000024', pfaName: 'Norfolk' },
  { slug: 'north-wales', name: 'North Wales Police', pfaCode: 'W15000001', pfaName: 'North Wales' },
  { slug: 'north-yorkshire', name: 'North Yorkshire Police', pfaCode: 'E23000009', pfaName: 'North Yorkshire' },
  { slug: 'northamptonshire', name: 'Northamptonshire Police', pfaCode: 'E23000022', pfaName: 'Northamptonshire' },
  { slug: 'northumbria', name: 'Northumbria Police', pfaCode: 'E23000007', pfaName: 'Northumbria' },
  { slug: 'nottinghamshire', name: 'Nottinghamshire Police', pfaCode: 'E23000019', pfaName: 'Nottinghamshire' },
  { slug: 'south-wales', name: 'South Wales Police', pfaCode: 'W15000003', pfaName: 'South Wales' },
  { slug: 'south-yorkshire', name: 'South Yorkshire Police', pfaCode: 'E23000011', pfaName: 'South Yorkshire' },
  { slug: 'staffordshire', name: 'Staffordshire Police', pfaCode: 'E23000015', pfaName: 'Staffordshire' },
  { slug: 'suffolk', name: 'Suffolk Constabulary', pfaCode: 'E23000025', pfaName: 'Suffolk' },
  { slug: 'surrey', name: 'Surrey Police', pfaCode: 'E23000031', pfaName: 'Surrey' },
  { slug: 'sussex', name: 'Sussex Police', pfaCode: 'E23000033', pfaName: 'Sussex' },
  { slug: 'thames-valley', name: 'Thames Valley Police', pfaCode: 'E23000029', pfaName: 'Thames Valley' },
  { slug: 'warwickshire', name: 'Warwickshire Police', pfaCode: 'E23000017', pfaName: 'Warwickshire' },
  { slug: 'west-mercia', name: 'West Mercia Police', pfaCode: 'E23000016', pfaName: 'West Mercia' },
  { slug: 'west-midlands', name: 'West Midlands Police', pfaCode: 'E23000014', pfaName: 'West Midlands' },
  { slug: 'west-yorkshire', name: 'West Yorkshire Police', pfaCode: 'E23000010', pfaName: 'West Yorkshire' },
  { slug: 'wiltshire', name: 'Wiltshire Police', pfaCode: 'E23000038', pfaName: 'Wiltshire' },
  { slug: 'btp', name: 'British Transport Police', pfaCode: null, pfaName: null },
  { slug: 'northern-ireland', name: 'Police Service of Northern Ireland', pfaCode: null, pfaName: null },
]

/** A force's name as matched: case, "&"/"and", punctuation and a trailing Police/Constabulary/Service do not matter. */
function key(name: string) {
  return name
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/\b(police service|police|constabulary|service)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

const byKey = new Map<string, Force>()
for (const f of FORCES) {
  byKey.set(key(f.name), f)
  byKey.set(key(f.slug.replace(/-/g, ' ')), f)
  if (f.pfaName) byKey.set(key(f.pfaName), f)
}
byKey.set(
  'metropolitan',
  FORCES.find((f) => f.slug === 'metropolitan')!,
)

/** The force a police.uk "Reported by" value, a file-name slug or a PFA name refers to. */
export function findForce(nameOrSlug: string): Force | undefined {
  return byKey.get(key(nameOrSlug))
}

export function forceBySlug(slug: string): Force | undefined {
  return FORCES.find((f) => f.slug === slug)
}

export function forceByPfa(code: string): Force | undefined {
  return FORCES.find((f) => f.pfaCode === code)
}
