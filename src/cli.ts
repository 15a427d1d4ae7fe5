/**
 * The `safer` command.
 *   safer serve                      start the web server (PORT, default 3000)
 *   safer demo                       create or refresh the demo data in the embedded database, then serve
 *   safer migrate                    apply database migrations
 *   safer user add --email E --name N [--password P] [--organisation NAME] [--site-admin] [--partnership SLUG --role ROLE]
 *   safer user reset-password --email E [--password P]
 *   safer import police-uk PATH... [--replace]   police.uk CSV files, folders of them, or archive zips
 *   safer import geography DIR...                ONS lookups, populations and boundaries
 *   safer indicators define|import|peers ...   the performance scorecard's indicators (src/scorecard/cli.ts)
 *   safer pack MEETING --out FILE.pdf            a meeting's public agenda pack (src/packs/cli.ts)
 * Passwords not given with --password are read from SAFER_PASSWORD or asked for.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import readline from 'node:readline/promises'
import { loadConfig, type Config } from './config.ts'
import { openDatabase } from './platform/db/index.ts'
import { migrate } from './platform/db/migrate.ts'
import { fail, reportCommandError } from './platform/cli.ts'
import { ROLES, type Role } from './platform/auth/service.ts'
import { MIN_PASSWORD_LENGTH } from './platform/auth/passwords.ts'
import { DEMO_LOGINS } from './demo/logins.ts'
import type { Services } from './services.ts'

// The web server's modules are imported only when needed, and while the database opens (start-up time).
const loadServer = () => import('./server.ts')

const USAGE = `Usage:
  safer serve
  safer demo
  safer migrate
  safer user add --email EMAIL --name "FULL NAME" [--password PASSWORD] [--organisation "NAME"] [--site-admin] [--partnership SLUG --role admin|editor|contributor|viewer]
  safer user reset-password --email EMAIL [--password PASSWORD]
  safer import police-uk PATH... [--replace]
  safer import geography DIR...
  safer indicators define --partnership SLUG --code CODE --name "NAME" --unit count|rate|percentage|number|money [--per 1000] [--polarity ...] [--frequency ...] [--sensitivity ...]
  safer indicators import FILE.csv --partnership SLUG
  safer indicators peers --partnership SLUG [--set "CODE,CODE,..." | --computed]
  safer pack MEETING --out FILE.pdf

import police-uk takes police.uk CSV files (street, outcomes, stop-and-search), folders of them (searched
recursively) or police.uk archive zips. A force-month already loaded from the same file is left as it is
unless --replace is given. import geography takes the folder of ONS lookups, populations and boundaries.

Settings come from the environment: DATABASE_URL (a PostgreSQL server; otherwise the embedded
database in SAFER_DATA_DIR, default ./data), PORT (default 3000), HOST (default 127.0.0.1).`

async function askPassword(prompt: string): Promise<string> {
  if (process.env.SAFER_PASSWORD) return process.env.SAFER_PASSWORD
  if (!process.stdin.isTTY) fail('Give the password with --password or the SAFER_PASSWORD environment variable.')
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout })
  const answer = await rl.question(prompt)
  rl.close()
  return answer
}

/** Ctrl+C or a stop signal: finish answering, close the database cleanly, then exit. */
function closeOnSignal(close: () => Promise<void>) {
  let closing = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) process.exit(1)
      closing = true
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
}

async function withServices<T>(config: Config, fn: (s: Services) => Promise<T>) {
  const db = await openDatabase(config)
  try {
    await migrate(db)
    const { services: buildServices } = await import('./services.ts')
    const services = await buildServices(db, config)
    try {
      return await fn(services)
    } finally {
      await services.analytics.close()
    }
  } finally {
    await db.close()
  }
}

export async function main(argv = process.argv.slice(2)) {
  const [command, sub] = argv
  let config: Config
  try {
    config = loadConfig(process.env, command === 'demo' ? { demo: true } : {})
  } catch (err) {
    fail((err as Error).message)
  }

  switch (command) {
    case 'serve': {
      const opening = openDatabase(config)
      const { startServer } = await loadServer()
      const { address, close } = await startServer(config, { db: await opening })
      closeOnSignal(close)
      console.log(
        `Safer is running at ${address.replace('127.0.0.1', 'localhost')}  (database: ${config.databaseUrl ? 'PostgreSQL server' : `embedded, ${config.dataDir}`})`,
      )
      return
    }
    case 'demo': {
      if (config.databaseUrl) console.log('Note: DATABASE_URL is set, so the demo is loaded into that PostgreSQL database.')
      const started = Date.now()
      const opening = openDatabase(config)
      const [{ startServer }, { loadDemo }, { loadDemoOpenData }] = await Promise.all([
        loadServer(),
        import('./demo/load.ts'),
        import('./demo/opendata.ts'),
      ])
      const db = await opening
      const steps: string[] = [`opening ${((Date.now() - started) / 1000).toFixed(1)} s`]
      const seconds = (name: string, ms: number) => steps.push(`${name} ${(ms / 1000).toFixed(1)} s`)
      const { address, close } = await startServer(config, {
        db,
        timings: (name, ms) => (name === 'data' ? undefined : seconds(name === 'database' ? 'migrations' : name, ms)),
        beforeListen: async (services) => {
          let t = performance.now()
          const result = await loadDemo(services)
          console.log(result.loaded ? `Demo data loaded (${result.summary}).` : 'Demo data is up to date.')
          seconds('demo content', performance.now() - t)
          t = performance.now()
          const open = await loadDemoOpenData(services)
          if (open) console.log(open)
          seconds('open data', performance.now() - t)
        },
      })
      closeOnSignal(close)
      const url = address.replace('127.0.0.1', 'localhost')
      console.log(`\nSafer demo is running at ${url}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${steps.join(', ')})\n`)
      console.log(`Sign in with any of these accounts; the password for each is ${DEMO_LOGINS.password}`)
      for (const a of DEMO_LOGINS.accounts) console.log(`  ${a.email.padEnd(30)} ${a.description}`)
      console.log('\nPress Ctrl+C to stop.')
      return
    }
    case 'migrate': {
      const db = await openDatabase(config)
      try {
        const applied = await migrate(db)
        console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database is up to date.')
      } catch (err) {
        fail(`Migration failed: ${(err as Error).message}`)
      } finally {
        await db.close()
      }
      return
    }
    case 'user': {
      const { values } = parseArgs({
        args: argv.slice(2),
        strict: true,
        options: {
          email: { type: 'string' },
          name: { type: 'string' },
          password: { type: 'string' },
          organisation: { type: 'string' },
          'site-admin': { type: 'boolean' },
          partnership: { type: 'string' },
          role: { type: 'string' },
        },
      })
      if (!values.email) fail("Give the account's email address with --email")
      await withServices(config, async (s) => {
        if (sub === 'add') {
          if (!values.name) fail("Give the person's full name with --name")
          if (values.role && !ROLES.includes(values.role as Role)) fail(`--role must be one of ${ROLES.join(', ')}`)
          if (values.role && !values.partnership) fail('Give the partnership with --partnership when you give a --role')
          const password = values.password ?? (await askPassword(`Password (${MIN_PASSWORD_LENGTH} characters or more): `))
          let organisationId: number | undefined
          if (values.organisation) {
            const org = await s.organisations.byName(values.organisation)
            if (!org) fail(`There is no organisation called "${values.organisation}". Add it on the Organisations page first.`)
            organisationId = org.id
          }
          let partnershipId: number | undefined
          if (values.partnership) {
            const p = await s.partnerships.bySlug(values.partnership)
            if (!p) fail(`There is no partnership with the web address name "${values.partnership}"`)
            partnershipId = p.id
          }
          const actor = { id: null, name: 'safer user add (command line)' }
          await s.db.transaction(async (tx) => {
            const user = await s.auth.createUser(
              { email: values.email!, name: values.name!, password, organisationId, siteAdmin: values['site-admin'] ?? false },
              actor,
              tx,
            )
            if (partnershipId) await s.partnerships.grantRole(user.id, partnershipId, (values.role ?? 'viewer') as Role, actor, tx)
          })
          console.log(
            `Account created for ${values.email}${values.partnership ? ` (${values.role ?? 'viewer'} in ${values.partnership})` : ''}.`,
          )
        } else if (sub === 'reset-password') {
          const password = values.password ?? (await askPassword(`New password (${MIN_PASSWORD_LENGTH} characters or more): `))
          await s.auth.resetPassword(values.email!, password, { id: null, name: 'safer user reset-password (command line)' })
          console.log(`Password changed for ${values.email}; their sessions have been signed out and their API tokens revoked.`)
        } else fail(USAGE)
      })
      return
    }
    case 'import': {
      let parsed
      try {
        parsed = parseArgs({ args: argv.slice(2), strict: true, allowPositionals: true, options: { replace: { type: 'boolean' } } })
      } catch (err) {
        fail(`${(err as Error).message}\n\n${USAGE}`)
      }
      const paths = parsed.positionals
      if (sub !== 'police-uk' && sub !== 'geography') fail(USAGE)
      if (!paths.length)
        fail(
          sub === 'police-uk'
            ? 'Give the police.uk files, folders or zips to import, e.g. safer import police-uk ~/Downloads/2019-08.zip'
            : 'Give the folder of ONS geography files, e.g. safer import geography opendata/geography opendata/boundaries',
        )
      const actor = { id: null, name: `safer import (command line, ${os.userInfo().username}@${os.hostname()})` }
      const code = await withServices(config, async (s) => {
        if (sub === 'geography') {
          const { importGeographyCommand } = await import('./geography/cli.ts')
          return importGeographyCommand(s, paths, actor)
        }
        const { importPoliceUkCommand } = await import('./crime/cli.ts')
        return importPoliceUkCommand(s, paths, { replace: parsed.values.replace ?? false }, actor)
      })
      process.exitCode = code
      return
    }
    case 'indicators': {
      const actor = { id: null, name: `safer indicators (command line, ${os.userInfo().username}@${os.hostname()})` }
      const { indicatorsCommand } = await import('./scorecard/cli.ts')
      console.log(await withServices(config, (s) => indicatorsCommand(s, argv.slice(1), actor)))
      return
    }
    case 'pack': {
      const { packCommand } = await import('./packs/cli.ts')
      process.exitCode = await withServices(config, (s) => packCommand(s, config, argv.slice(1)))
      return
    }
    default:
      fail(USAGE)
  }
}

// One place turns any error into its message and exit status (src/platform/cli.ts).
main().catch((err) => process.exit(reportCommandError(err)))
