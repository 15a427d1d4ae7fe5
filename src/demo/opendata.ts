/**
 * The demo's open data: the police.uk files and ONS geography bundled in opendata/ (see its README), imported through
 * the same importers as anyone's files. Skipped when what is bundled is already loaded (compared by the sha256 of
 * each original file, listed in opendata/MANIFEST.csv), so a second `safer demo` starts at once.
 */
import fs from 'node:fs'
import path from 'node:path'
import { rootDir } from '../platform/paths.ts'
import type { Services } from '../services.ts'
import type { Actor } from '../platform/audit.ts'
import { plural } from '../platform/format.ts'

export const OPENDATA_DIR = path.join(rootDir, 'opendata')
const actor: Actor = { id: null, name: 'Safer demo loader' }

interface ManifestRow {
  file: string
  sha256: string
}

export function openDataManifest(dir = OPENDATA_DIR): ManifestRow[] {
  const text = fs.readFileSync(path.join(dir, 'MANIFEST.csv'), 'utf8')
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, , sha256] = line.split(',')
      return { file, sha256 }
    })
}

/**
 * Custom areas the demo partnerships define: our illustration of the feature, not official boundaries. Each is the
 * few LSOAs of a city with the most recorded crime in the bundled months (October 2018 to February 2019).
 */
export const DEMO_CUSTOM_AREAS = [
  {
    partnership: 'hampshire',
    name: 'Winchester city centre',
    description:
      'The four LSOAs of Winchester with the most recorded crime, October 2018 to February 2019 (a demonstration, not an official boundary).',
    lsoaCodes: ['E01023251', 'E01023252', 'E01023256', 'E01023264'],
  },
  {
    partnership: 'worcestershire',
    name: 'Worcester city centre',
    description:
      'The four LSOAs of Worcester with the most recorded crime, October 2018 to February 2019 (a demonstration, not an official boundary).',
    lsoaCodes: ['E01032307', 'E01032333', 'E01033247', 'E01033248'],
  },
]

/** Import whatever of the bundled open data is not loaded yet. Returns a line for the console, or '' when nothing was needed. */
export async function loadDemoOpenData(s: Services, opts: { dir?: string; police?: RegExp } = {}): Promise<string> {
  const dir = opts.dir ?? OPENDATA_DIR
  if (!fs.existsSync(path.join(dir, 'MANIFEST.csv'))) return ''
  const manifest = openDataManifest(dir)
  const said: string[] = []

  const geoFiles = manifest.filter((m) => m.file.startsWith('geography/') || m.file.startsWith('boundaries/'))
  const loadedGeo = new Set((await s.analytics.all<{ sha256: string }>(`SELECT sha256 FROM geo.datasets`)).map((r) => r.sha256))
  if (geoFiles.some((m) => !loadedGeo.has(m.sha256))) {
    const result = await s.geography.importPaths([path.join(dir, 'geography'), path.join(dir, 'boundaries')], actor, 'demo')
    if (!result.ok)
      throw new Error(
        `The bundled geography could not be loaded: ${result.files
          .filter((f) => f.status === 'refused')
          .map((f) => f.message)
          .join('; ')}`,
      )
    said.push(`geography: ${plural(result.lsoas, 'LSOA')}`)
  } else {
    await s.geography.syncAreas(actor)
  }

  // The demo partnerships' custom areas (their LSOAs are checked against the geography, so they come after it).
  for (const c of DEMO_CUSTOM_AREAS) {
    const p = await s.partnerships.bySlug(c.partnership)
    if (!p || (await s.geography.listCustomAreas(p.id)).some((a) => a.name === c.name)) continue
    await s.geography.createCustomArea(p.id, { name: c.name, description: c.description, lsoaCodes: c.lsoaCodes.join('\n') }, actor)
  }

  const loaded = new Set((await s.crime.partitions()).map((p) => p.sha256))
  const wanted = manifest.filter((m) => m.file.startsWith('police_uk/') && (!opts.police || opts.police.test(m.file)))
  const missing = wanted.filter((m) => !loaded.has(m.sha256))
  if (missing.length) {
    const { results } = await s.crime.importPaths(
      missing.map((m) => path.join(dir, `${m.file}.br`)),
      actor,
      'demo',
    )
    const refused = results.filter((r) => r.status === 'refused')
    if (refused.length) throw new Error(`Bundled police.uk files were refused: ${refused.map((r) => r.message).join('; ')}`)
    const kept = results.reduce((n, r) => n + (r.status === 'imported' ? (r.rowsKept ?? 0) : 0), 0)
    said.push(`police.uk: ${plural(results.filter((r) => r.status === 'imported').length, 'force-month')}, ${plural(kept, 'record')}`)
  }
  return said.length ? `Open data loaded (${said.join('; ')}).` : ''
}
