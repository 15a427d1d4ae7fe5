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
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-cli-'))
let databaseUrl = ''
let drop = async () => {}

// On the PostgreSQL run the command works on an empty database of its own; otherwise on an embedded one in dataDir.
before(async () => {
  if (process.env.SAFER_TEST_DATABASE_URL) ({ url: databaseUrl, drop } = await createServerDatabase(process.env.SAFER_TEST_DATABASE_URL, 'safer_cli'))
})
after(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true })
  await drop()
})

function safer(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/safer.js'), ...args], {
    env: { ...process.env, SAFER_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SAFER_PASSWORD: '' }, encoding: 'utf8', timeout: 120_000,
  })
  return { status: res.status, out: res.stdout + res.stderr }
}

async function withDb<T>(fn: (db: Db) => Promise<T>) {
  const db = await openDatabase({ databaseUrl: databaseUrl || undefined, dataDir })
  try { return await fn(db) } finally { await db.close() }
}

test('safer migrate creates the database, then says it is up to date', () => {
  const first = safer('migrate')
  assert.equal(first.status, 0, first.out)
  assert.match(first.out, /Applied \d+ migration\(s\): 001_platform/)
  const again = safer('migrate')
  assert.equal(again.status, 0)
  assert.match(again.out, /The database is up to date/)
})

test('safer user add creates an account; a second account with the same email is refused with a clear message', async () => {
  const ok = safer('user', 'add', '--email', 'Officer@Council.test', '--name', 'Olive Officer', '--password', 'a long password', '--site-admin')
  assert.equal(ok.status, 0, ok.out)
  assert.match(ok.out, /Account created for Officer@Council.test/)
  const rows = await withDb((db) => db.query<{ email: string; site_admin: boolean; password_hash: string }>(`SELECT email, site_admin, password_hash FROM users`))
  assert.equal(rows.length, 1)
  assert.equal(rows[0].email, 'officer@council.test')
  assert.equal(rows[0].site_admin, true)
  assert.match(rows[0].password_hash, /^scrypt\$/)
  const dup = safer('user', 'add', '--email', 'officer@council.test', '--name', 'Someone Else', '--password', 'another long one')
  assert.equal(dup.status, 2)
  assert.match(dup.out, /There is already an account for officer@council.test/)
})

test('safer user add refuses a short password, a bad email, an unknown role and an unknown organisation, and creates nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['--email', 'a@b.test', '--name', 'A', '--password', 'short'], /Password must be 10 characters or more/],
    [['--email', 'not-an-email', '--name', 'A', '--password', 'a long password'], /Enter email address in the correct format/],
    [['--email', 'a@b.test', '--name', 'A', '--password', 'a long password', '--partnership', 'x', '--role', 'king'], /--role must be one of admin, editor, contributor, viewer/],
    [['--email', 'a@b.test', '--name', 'A', '--password', 'a long password', '--organisation', 'Nowhere Council'], /There is no organisation called "Nowhere Council"/],
  ]
  for (const [args, message] of cases) {
    const res = safer('user', 'add', ...args)
    assert.equal(res.status, 2, res.out)
    assert.match(res.out, message)
  }
  const count = await withDb((db) => db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users`))
  assert.equal(count[0].n, 1)
})

test('safer user reset-password changes the password and signs out existing sessions', async () => {
  const before = await withDb((db) => db.query<{ password_hash: string }>(`SELECT password_hash FROM users`))
  await withDb((db) => db.query(`INSERT INTO sessions (id_hash, user_id, expires_at) SELECT 'x', id, now() + interval '1 day' FROM users`))
  const res = safer('user', 'reset-password', '--email', 'officer@council.test', '--password', 'a brand new password')
  assert.equal(res.status, 0, res.out)
  const after = await withDb((db) => db.query<{ password_hash: string }>(`SELECT password_hash FROM users`))
  assert.notEqual(after[0].password_hash, before[0].password_hash)
  const sessions = await withDb((db) => db.query(`SELECT * FROM sessions`))
  assert.equal(sessions.length, 0)
  const unknown = safer('user', 'reset-password', '--email', 'nobody@council.test', '--password', 'a brand new password')
  assert.equal(unknown.status, 2)
  assert.match(unknown.out, /There is no account for nobody@council.test/)
})

test('safer with no command or an unknown one prints the usage and exits 2', () => {
  const res = safer('frobnicate')
  assert.equal(res.status, 2)
  assert.match(res.out, /Usage:/)
})
