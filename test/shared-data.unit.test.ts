/**
 * The real data in ../shared/data is read only through test/crime-helpers.ts (`shared(...)` inside a `sharedTest`),
 * so that under CI=true a missing folder fails the test instead of skipping it, or crashing a file at load.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(import.meta.dirname, '..')
const self = fileURLToPath(import.meta.url)

function testFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') testFiles(p, out)
    } else if (/\.test\.ts$/.test(e.name) && p !== self) out.push(p)
  }
  return out
}

/** The code of a file without its comments (a comment may name the folder). */
function code(file: string) {
  return fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

test('no test file names the shared data folder itself', () => {
  const offenders = [...testFiles(path.join(root, 'src')), ...testFiles(path.join(root, 'test'))]
    .filter((f) => /shared\/data|SAFER_SHARED_DATA|\bSHARED\b/.test(code(f)))
    .map((f) => path.relative(root, f))
  assert.deepEqual(offenders, [])
})

test('a test file that reads the shared data with shared(...) declares its tests with sharedTest', () => {
  const offenders = [...testFiles(path.join(root, 'src')), ...testFiles(path.join(root, 'test'))]
    .filter((f) => /\bshared\(/.test(code(f)) && !/\bsharedTest\(/.test(code(f)))
    .map((f) => path.relative(root, f))
  assert.deepEqual(offenders, [])
})

test('the rule catches a file that reads the folder directly', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-rule-'))
  try {
    fs.writeFileSync(path.join(tmp, 'bad.test.ts'), "const dir = path.resolve(import.meta.dirname, '../../shared/data/boundaries')\n")
    fs.writeFileSync(path.join(tmp, 'commented.test.ts'), '// reads nothing from ../shared/data\n')
    const found = testFiles(tmp)
      .filter((f) => /shared\/data/.test(code(f)))
      .map((f) => path.basename(f))
    assert.deepEqual(found, ['bad.test.ts'])
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})
