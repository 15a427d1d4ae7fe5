#!/usr/bin/env node
/**
 * `npm test`: the whole suite.
 *   1. every src/**\/*.test.ts and test/*.test.ts on the embedded PGlite database;
 *   2. the same files again on a PostgreSQL server, when SAFER_TEST_DATABASE_URL is set
 *      (under CI=true it must be set: a missing database is a failure, never a skip);
 *   3. the browser tests in test/browser/ (Debian's Chromium at /usr/bin/chromium, or CHROMIUM_PATH).
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
    if (e.isDirectory()) { if (e.name !== 'node_modules') find(p, out) }
    else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, p))
  }
  return out
}

const requested = process.argv.slice(2)
const all = requested.length ? requested : [...find(path.join(root, 'src')), ...find(path.join(root, 'test'))].sort()
const browser = all.filter((f) => f.startsWith('test/browser/'))
const inProcess = all.filter((f) => !f.startsWith('test/browser/'))

function run(label, files, env) {
  return new Promise((resolve) => {
    if (!files.length) return resolve({ pass: 0, fail: 0 })
    console.log(`\n=== ${label}: ${files.length} test file(s) ===`)
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
      cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d) })
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
results.push(await run('PGlite (embedded)', inProcess, { SAFER_TEST_DATABASE_URL: '' }))

if (process.env.SAFER_TEST_DATABASE_URL) {
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
