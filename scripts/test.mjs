#!/usr/bin/env node
/**
 * `npm test`: the whole suite, each test once per database it concerns.
 *   1. the unit tests (*.unit.test.ts: pure functions, no database, no app, no browser), once;
 *   2. every other src/**\/*.test.ts and test/*.test.ts on the embedded PGlite database;
 *   3. the same files again on a PostgreSQL server, when SAFER_TEST_DATABASE_URL is set
 *      (under CI=true it must be set: a missing database is a failure, never a skip);
 *   4. the browser tests in test/browser/ (Debian's Chromium at /usr/bin/chromium, or CHROMIUM_PATH).
 * `npm run test:quick` (--quick) runs step 1 only: the edit-test loop.
 * Ends with one line: "N passed, N failed".
 * Extra arguments are test files to run instead of all of them (e.g. npm test -- src/agreement/agreement.test.ts).
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ci = process.env.CI === 'true'

function find(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') find(p, out)
    } else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, p))
  }
  return out
}

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const requested = args.filter((a) => a !== '--quick')
const all = requested.length ? requested : [...find(path.join(root, 'src')), ...find(path.join(root, 'test'))].sort()
const isUnit = (f) => f.endsWith('.unit.test.ts')
const unit = all.filter(isUnit)
const browser = quick ? [] : all.filter((f) => f.startsWith('test/browser/'))
const inProcess = quick ? [] : all.filter((f) => !f.startsWith('test/browser/') && !isUnit(f))

function run(label, files, env) {
  return new Promise((resolve) => {
    if (!files.length) return resolve({ pass: 0, fail: 0 })
    console.log(`\n=== ${label}: ${files.length} test file(s) ===`)
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.on('close', (code) => {
      const pass = Number(out.match(/^ℹ pass (\d+)/m)?.[1] ?? 0)
      let fail = Number(out.match(/^ℹ fail (\d+)/m)?.[1] ?? 0)
      const cancelled = Number(out.match(/^ℹ cancelled (\d+)/m)?.[1] ?? 0)
      fail += cancelled
      if (code !== 0 && fail === 0) fail = 1 // the runner itself failed
      resolve({ pass, fail })
    })
  })
}

const results = []
// SAFER_TEST_NO_DATABASE makes test/helpers.ts refuse to open one: a unit test that needs a database is in the wrong tier.
results.push(await run('Unit (no database)', unit, { SAFER_TEST_DATABASE_URL: '', SAFER_TEST_NO_DATABASE: '1' }))
results.push(await run('PGlite (embedded)', inProcess, { SAFER_TEST_DATABASE_URL: '' }))

if (quick || !inProcess.length) {
  // nothing to run on a server
} else if (process.env.SAFER_TEST_DATABASE_URL) {
  results.push(await run(`PostgreSQL server (${new URL(process.env.SAFER_TEST_DATABASE_URL).host})`, inProcess, {}))
} else if (ci) {
  console.error('\nCI=true but SAFER_TEST_DATABASE_URL is not set: the PostgreSQL run cannot be skipped.')
  results.push({ pass: 0, fail: 1 })
} else {
  console.log('\nPostgreSQL run not performed: set SAFER_TEST_DATABASE_URL=postgres://user@host:port/db to run the suite on a server too.')
}

results.push(await run('Browser (Chromium)', browser, { SAFER_TEST_DATABASE_URL: '' }))

const pass = results.reduce((s, r) => s + r.pass, 0)
const fail = results.reduce((s, r) => s + r.fail, 0)
console.log(`\n${pass} passed, ${fail} failed`)
process.exit(fail ? 1 : 0)
