#!/usr/bin/env node
/**
 * Maintainers' tool (not needed to run Safer): rebuilds opendata/ from the shared open data folder
 * (default ../shared/data, or the folder given), compressing each file with Brotli at its highest setting.
 * The files are the published ones byte for byte once decompressed; opendata/MANIFEST.csv gives each
 * original's size and sha256 so anyone can check. Takes a few minutes (Brotli quality 11).
 *   node scripts/bundle-opendata.mjs [SOURCE_DIR]
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const source = path.resolve(process.argv[2] ?? path.join(root, '../shared/data'))
const out = path.join(root, 'opendata')

// What the demo needs: the seeds' areas (West Mercia, Hampshire), a long run for trends (Avon and Somerset),
// stop-and-search (City of London, the only force with it here), and the national lookups in full.
const FILES = [
  ...['avon-and-somerset', 'hampshire', 'west-mercia', 'city-of-london'].flatMap((force) =>
    fs
      .readdirSync(path.join(source, 'police_uk', force))
      .filter((f) => f.endsWith('.csv'))
      .map((f) => `police_uk/${force}/${f}`),
  ),
  ...[
    'imd2019_lsoa11_england.csv',
    'lad17_to_csp17_to_pfa17_lookup_ew.csv',
    'lad21_to_csp_to_pfa21_lookup_ew.csv',
    'lsoa11_population_mid2019_ew.csv',
    'lsoa21_population_mid2022_ew.csv',
    'lsoa11_to_lsoa21_bestfit_lad22_ew.csv',
    'lsoa11_rural_urban_classification_ew.csv',
    'ltla23_to_utla23_lookup_ew.csv',
    'lsoa11_area_popdensity_mid2017_ew.csv',
    'lsoa11_population_weighted_centroids_ew.csv',
    'lad18_standard_area_measurements_uk.csv',
    'postcode_districts_uk.csv',
  ].map((f) => `geography/${f}`),
  ...fs
    .readdirSync(path.join(source, 'boundaries'))
    .filter((f) => f.endsWith('.geojson'))
    .map((f) => `boundaries/${f}`),
].sort()

const manifest = ['file,original_bytes,original_sha256,compressed_bytes']
let total = 0
for (const [i, rel] of FILES.entries()) {
  const data = fs.readFileSync(path.join(source, rel))
  const target = path.join(out, `${rel}.br`)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const compressed = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  })
  fs.writeFileSync(target, compressed)
  total += compressed.length
  manifest.push(`${rel},${data.length},${crypto.createHash('sha256').update(data).digest('hex')},${compressed.length}`)
  process.stdout.write(`\r${i + 1}/${FILES.length} ${rel.padEnd(70)}`)
}
fs.writeFileSync(path.join(out, 'MANIFEST.csv'), manifest.join('\n') + '\n')
console.log(`\nWrote ${FILES.length} files, ${(total / 1024 / 1024).toFixed(1)} MB compressed, to ${path.relative(root, out)}/`)
