/** The commands' shared pieces: text tables and errors to messages and exit statuses (no database). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseArgs } from 'node:util'
import { CommandError, commandErrorOf, fail, textTable } from './cli.ts'
import { ValidationError } from './errors.ts'
import { SourceError } from './sources.ts'

test('textTable pads each column to its widest cell, right-aligns numbers, and rules the headings', () => {
  const rows = [
    { file: 'a.csv', rows: '1,234' },
    { file: 'longer-name.csv', rows: '5' },
  ]
  const out = textTable(rows, [
    { header: 'File', value: (r) => r.file },
    { header: 'Rows', value: (r) => r.rows, align: 'right' },
  ])
  assert.equal(out, ['File              Rows', '---------------  -----', 'a.csv            1,234', 'longer-name.csv      5'].join('\n'))
})

test('textTable with no rows is the headings and the rule', () => {
  assert.equal(
    textTable(
      [],
      [
        { header: 'File', value: () => '' },
        { header: 'Result', value: () => '' },
      ],
    ),
    'File  Result\n----  ------',
  )
})

test('errors become a message and an exit status: 2 for misuse and refused input, 1 for anything unexpected', () => {
  assert.throws(
    () => fail('Give the --email'),
    (e: unknown) => e instanceof CommandError && e.code === 2 && e.message === 'Give the --email',
  )
  assert.deepEqual(commandErrorOf(new CommandError('Stopped', 1)), { message: 'Stopped', code: 1 })
  assert.deepEqual(commandErrorOf(new ValidationError({ email: 'There is already an account for a@b.test', name: 'Enter a name' })), {
    message: 'There is already an account for a@b.test\nEnter a name',
    code: 2,
  })
  assert.deepEqual(commandErrorOf(new SourceError('/nowhere.zip does not exist.')), { message: '/nowhere.zip does not exist.', code: 2 })
  let parseError: unknown
  try {
    parseArgs({ args: ['--frobnicate'], strict: true, options: {} })
  } catch (err) {
    parseError = err
  }
  assert.deepEqual(commandErrorOf(parseError), { message: (parseError as Error).message, code: 2 })
  assert.match((parseError as Error).message, /Unknown option '--frobnicate'/)
  assert.deepEqual(commandErrorOf(new Error('disk on fire')), { message: 'disk on fire', code: 1 })
})
