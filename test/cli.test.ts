/** The `safer` command, run as a user would run it, on a database of its own. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDatabase, type Db } from '../src/platform/db/index.ts'
import { createServerDatabase } from './helpers.ts'

const root = path.resolve(import.meta.dirname, '..')

/**
 * A database of its own for one test (each test stands alone, in any order): on the PostgreSQL run an empty
 * database on the server, otherwise an embedded one in a new data folder. `safer` runs the command on it.
 */
async function fresh() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-cli-'))
  let databaseUrl = ''
  let drop = async () => {}
  if (process.env.SAFER_TEST_DATABASE_URL)
    ({ url: databaseUrl, drop } = await createServerDatabase(process.env.SAFER_TEST_DATABASE_URL, 'safer_cli'))
  return {
    safer(...args: string[]) {
      const res = spawnSync(process.execPath, [path.join(root, 'bin/safer.js'), ...args], {
        env: { ...process.env, SAFER_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SAFER_PASSWORD: '' },
        encoding: 'utf8',
        timeout: 120_000,
      })
      return { status: res.status, out: res.stdout + res.stderr }
    },
    async withDb<T>(fn: (db: Db) => Promise<T>) {
      const db = await openDatabase({ databaseUrl: databaseUrl || undefined, dataDir })
      try {
        return await fn(db)
      } finally {
        await db.close()
      }
    },
    async close() {
      fs.rmSync(dataDir, { recursive: true, force: true })
      await drop()
    },
  }
}
type Cli = Awaited<ReturnType<typeof fresh>>

/** Run a test on a database of its own, removed afterwards. */
function cliTest(name: string, fn: (cli: Cli) => void | Promise<void>) {
  test(name, async () => {
    const cli = await fresh()
    try {
      await fn(cli)
    } finally {
      await cli.close()
    }
  })
}

// The account tests share one database (each command migrates it first); each makes its own accounts, with
// addresses no other test uses, and looks only at those, so they do not depend on each other or on their order.
let shared: Cli
before(async () => {
  shared = await fresh()
})
after(async () => {
  await shared.close()
})
let n = 0
const email = (name: string) => `${name}.${process.pid}.${++n}@Council.test`

cliTest('safer migrate creates the database, then says it is up to date', ({ safer }) => {
  const first = safer('migrate')
  assert.equal(first.status, 0, first.out)
  assert.match(first.out, /Applied \d+ migration\(s\): 001_platform/)
  const again = safer('migrate')
  assert.equal(again.status, 0)
  assert.match(again.out, /The database is up to date/)
})

test('safer user add creates an account; a second account with the same email is refused with a clear message', async () => {
  const { safer, withDb } = shared
  const address = email('Officer')
  const ok = safer('user', 'add', '--email', address, '--name', 'Olive Officer', '--password', 'a long password', '--site-admin')
  assert.equal(ok.status, 0, ok.out)
  assert.match(ok.out, new RegExp(`Account created for ${address.replace(/\./g, '\\.')}`))
  const rows = await withDb((db) =>
    db.query<{ email: string; site_admin: boolean; password_hash: string }>(
      `SELECT email, site_admin, password_hash FROM users WHERE lower(email) = lower($1)`,
      [address],
    ),
  )
  assert.equal(rows.length, 1)
  assert.equal(rows[0].email, address.toLowerCase())
  assert.equal(rows[0].site_admin, true)
  assert.match(rows[0].password_hash, /^scrypt\$/)
  const dup = safer('user', 'add', '--email', address.toLowerCase(), '--name', 'Someone Else', '--password', 'another long one')
  assert.equal(dup.status, 2)
  assert.ok(dup.out.includes(`There is already an account for ${address.toLowerCase()}`), dup.out)
})

test('safer user add refuses a short password, a bad email, an unknown role and an unknown organisation, and creates nothing', async () => {
  const { safer, withDb } = shared
  const count = () => withDb(async (db) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0].n)
  safer('migrate')
  const before = await count()
  const cases: [string[], RegExp][] = [
    [['--email', 'a@b.test', '--name', 'A', '--password', 'short'], /Password must be 12 characters or more/],
    [['--email', 'not-an-email', '--name', 'A', '--password', 'a long password'], /Enter email address in the correct format/],
    [
      ['--email', 'a@b.test', '--name', 'A', '--password', 'a long password', '--partnership', 'x', '--role', 'king'],
      /--role must be one of admin, editor, contributor, viewer/,
    ],
    [
      ['--email', 'a@b.test', '--name', 'A', '--password', 'a long password', '--organisation', 'Nowhere Council'],
      /There is no organisation called "Nowhere Council"/,
    ],
  ]
  for (const [args, message] of cases) {
    const res = safer('user', 'add', ...args)
    assert.equal(res.status, 2, res.out)
    assert.match(res.out, message)
  }
  assert.equal(await count(), before)
})

test('safer user reset-password changes the password and signs out existing sessions', async () => {
  const { safer, withDb } = shared
  const address = email('reset').toLowerCase()
  const added = safer('user', 'add', '--email', address, '--name', 'Olive Officer', '--password', 'a long password')
  assert.equal(added.status, 0, added.out)
  const hash = () =>
    withDb(
      async (db) =>
        (await db.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE email = $1`, [address]))[0].password_hash,
    )
  const before = await hash()
  await withDb((db) =>
    db.query(`INSERT INTO sessions (id_hash, user_id, expires_at) SELECT $2, id, now() + interval '1 day' FROM users WHERE email = $1`, [
      address,
      `x-${address}`,
    ]),
  )
  const res = safer('user', 'reset-password', '--email', address, '--password', 'a brand new password')
  assert.equal(res.status, 0, res.out)
  assert.notEqual(await hash(), before)
  const sessions = await withDb((db) =>
    db.query(`SELECT * FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = $1)`, [address]),
  )
  assert.equal(sessions.length, 0)
  const unknown = safer('user', 'reset-password', '--email', 'nobody@council.test', '--password', 'a brand new password')
  assert.equal(unknown.status, 2)
  assert.match(unknown.out, /There is no account for nobody@council.test/)
})

test('safer with no command or an unknown one prints the usage and exits 2', () => {
  const res = shared.safer('frobnicate')
  assert.equal(res.status, 2)
  assert.match(res.out, /Usage:/)
})
