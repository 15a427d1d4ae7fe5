/** Open the database, apply migrations, build the services and the app. */
import type { Config } from './config.ts'
import { openDatabase, type Db } from './platform/db/index.ts'
import { migrate } from './platform/db/migrate.ts'
import { services as buildServices } from './services.ts'
import { buildApp } from './app.ts'
import { ensureAssets } from './platform/assets.ts'

export async function startServer(
  config: Config,
  opts: {
    db?: Db
    beforeListen?: (s: Awaited<ReturnType<typeof buildServices>>) => Promise<void>
    /** Told how long each step of starting took (ms), for the start-up line `safer demo` prints. */
    timings?: (step: string, ms: number) => void
  } = {},
) {
  let mark = performance.now()
  const step = (name: string) => {
    const now = performance.now()
    opts.timings?.(name, now - mark)
    mark = now
  }
  ensureAssets()
  const db = opts.db ?? (await openDatabase(config))
  await migrate(db)
  step('database')
  const services = await buildServices(db, config)
  step('services')
  if (opts.beforeListen) await opts.beforeListen(services)
  step('data')
  const app = await buildApp({ config, services })
  const address = await app.listen({ port: config.port, host: config.host })
  step('web')
  // The web server runs the background work (queued jobs and schedules); one-off commands do not.
  services.jobs.startWorker()
  const close = async () => {
    await app.close()
    await services.jobs.stopWorker()
    await services.analytics.close()
    await db.close()
  }
  return { app, db, services, address, close }
}
