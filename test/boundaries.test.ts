/**
 * Capability boundaries: every table belongs to the capability whose migrations create it
 * (src/<capability>/migrations; src/platform/db/migrations is the platform), and only its owner's code names it in SQL.
 * Everyone else goes through the owner's service (or, for the platform's tables, the platform's functions).
 *
 * The test learns the owners from the migrations, then reads every capability's non-test .ts source for SQL that
 * names a table (FROM / JOIN / INTO / UPDATE / DELETE FROM / TABLE <name>) or hands a table name to the platform's
 * record functions (createRecord / updateRecord / deleteRecord(q, '<name>', ...)), and fails naming file:line and owner.
 * src/demo, src/admin and the top-level files (src/cli.ts, src/services.ts, src/app.ts, ...) count as capabilities
 * that own nothing.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { findMigrations, tablesCreatedBy } from '../src/platform/db/migrate.ts'

const root = path.resolve(import.meta.dirname, '..')
const src = path.join(root, 'src')

/**
 * Deliberate exceptions: `file` may name `table` although another capability owns it. Each needs its reason.
 * Keep this list as short as possible; an entry that no longer matches anything fails the test.
 */
const EXCEPTIONS: { file: string; table: string; reason: string }[] = []

/** The capability a source file belongs to: its folder under src/, or the file's own name at the top level. */
export function capabilityOf(file: string, srcRoot = src): string {
  const rel = path.relative(srcRoot, file).split(path.sep)
  return rel.length === 1 ? rel[0].replace(/\.ts$/, '') : rel[0]
}

/** table -> owning capability, from every migration. */
export function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>()
  for (const m of findMigrations()) {
    const owner = capabilityOf(m.file)
    for (const table of tablesCreatedBy(m.sql)) {
      const already = owners.get(table)
      assert.ok(
        !already || already === owner,
        `Table ${table} is created by two capabilities: ${already} and ${owner} (${path.relative(root, m.file)})`,
      )
      owners.set(table, owner)
    }
  }
  return owners
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) sourceFiles(p, out)
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p)
  }
  return out.sort()
}

/** The text with comments blanked out (line numbers kept), so prose about tables is not mistaken for SQL. */
function withoutComments(text: string) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (c, before) => before + ' '.repeat(c.length - before.length))
}

export interface Crossing {
  file: string
  line: number
  table: string
  owner: string
  capability: string
}

/** Every place a file's SQL names a table another capability owns. */
export function crossings(files: string[], owners: Map<string, string>, srcRoot = src): Crossing[] {
  const found: Crossing[] = []
  const sql = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_][a-z0-9_]*)\b/gi
  const records = /\b(?:createRecord|updateRecord|deleteRecord)(?:<[^>]*>)?\(\s*\w+\s*,\s*['"`]([a-z_][a-z0-9_]*)['"`]/g
  for (const file of files) {
    const capability = capabilityOf(file, srcRoot)
    const text = withoutComments(fs.readFileSync(file, 'utf8'))
    for (const re of [sql, records]) {
      for (const m of text.matchAll(re)) {
        const table = m[1].toLowerCase()
        const owner = owners.get(table)
        if (!owner || owner === capability) continue
        found.push({
          file: path.relative(path.dirname(srcRoot), file),
          line: text.slice(0, m.index).split('\n').length,
          table,
          owner,
          capability,
        })
      }
    }
  }
  return found
}

test('every table is owned by exactly one capability, and the moved tables by theirs', () => {
  const owners = tableOwners()
  assert.equal(owners.get('users'), 'platform')
  assert.equal(owners.get('audit_log'), 'platform')
  assert.equal(owners.get('organisations'), 'organisations')
  assert.equal(owners.get('areas'), 'organisations')
  assert.equal(owners.get('partnerships'), 'partnerships')
  assert.equal(owners.get('partnership_roles'), 'partnerships')
  assert.equal(owners.get('bodies'), 'governance')
  assert.equal(owners.get('priorities'), 'agreement')
  assert.equal(owners.get('assessment_cells'), 'assurance')
})

test("the scan finds SQL naming another capability's table, with file, line and owner (and ignores comments)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-boundaries-'))
  try {
    // A pretend capability, "example", in a src/ folder of its own.
    fs.mkdirSync(path.join(dir, 'src', 'example'), { recursive: true })
    const file = path.join(dir, 'src', 'example', 'service.ts')
    fs.writeFileSync(
      file,
      [
        '// SELECT * FROM partnerships in a comment is prose',
        'const a = `SELECT p.name',
        '  FROM partnerships p JOIN priorities x ON true`',
        "await createRecord(tx, 'areas', {})",
        "const b = 'DELETE FROM nonexistent_table'",
      ].join('\n'),
    )
    const found = crossings([file], tableOwners(), path.join(dir, 'src')).map(
      (c) => `${c.file}:${c.line} ${c.capability} names ${c.table} (${c.owner})`,
    )
    assert.deepEqual(found, [
      'src/example/service.ts:3 example names partnerships (partnerships)',
      'src/example/service.ts:3 example names priorities (agreement)',
      'src/example/service.ts:4 example names areas (organisations)',
    ])
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test("no capability's SQL names a table another capability owns", () => {
  const owners = tableOwners()
  const all = crossings(sourceFiles(src), owners)
  const allowed = (c: Crossing) => EXCEPTIONS.some((e) => e.file === c.file && e.table === c.table)
  const unused = EXCEPTIONS.filter((e) => !all.some((c) => c.file === e.file && c.table === e.table))
  assert.deepEqual(unused, [], 'These exceptions no longer match anything: remove them')
  const bad = all.filter((c) => !allowed(c))
  assert.equal(
    bad.length,
    0,
    `SQL naming another capability's table (use that capability's service instead):\n${bad
      .map((c) => `  ${c.file}:${c.line} (${c.capability}) names ${c.table}, owned by ${c.owner}`)
      .join('\n')}`,
  )
})
