/**
 * What the benchmarks share: a store (PGlite in a data folder, migrated, with the services), kept between runs when
 * it took long to fill, and the percentile of a list of timings.
 */
import fs from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openPglite } from '../src/platform/db/index.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { services as buildServices, type Services } from '../src/services.ts'

/** The store in `dataDir`: the database migrated, the configuration (logging off) and the services. */
export async function openStore(dataDir: string) {
  const db = await openPglite(path.join(dataDir, 'pglite'))
  await migrate(db)
  const config = loadConfig({ SAFER_DATA_DIR: dataDir, SAFER_LOG_LEVEL: 'silent' })
  return { db, config, services: await buildServices(db, config) }
}

/**
 * The store in `dataDir`, kept for the next run: filled by `fill` the first time (or when a run stopped before it was
 * filled: the folder is emptied and filled again).
 */
export async function keptStore(dataDir: string, fill: (s: Services) => Promise<void>) {
  const ready = path.join(dataDir, 'ready')
  const fresh = !fs.existsSync(ready)
  if (fresh) fs.rmSync(dataDir, { recursive: true, force: true })
  const store = await openStore(dataDir)
  if (fresh) {
    await fill(store.services)
    fs.writeFileSync(ready, '')
  }
  return store
}

/** The p-th percentile of some timings (the nearest rank). */
export const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
