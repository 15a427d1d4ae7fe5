/**
 * What every `safer` command shares: plain-text tables for a terminal or a log, and one way to turn an error into
 * a message and an exit status.
 *
 *   exit 0   done
 *   exit 1   it ran, but something in it failed (a refused file), or an unexpected error
 *   exit 2   the command was used wrongly, or its input was refused before anything was changed
 */
import { ValidationError } from './errors.ts'
import { SourceError } from './sources.ts'

export interface TextColumn<T> {
  header: string
  value: (row: T) => string
  /** Numbers line up on the right. */
  align?: 'right'
}

/** Plain-text columns, padded, with a rule under the headings. */
export function textTable<T>(rows: T[], columns: TextColumn<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)))
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

/** An error a command reports as its message alone, with this exit status. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message)
  }
}

/** Stop the command with a message (exit 2 unless told otherwise). */
export function fail(message: string, code = 2): never {
  throw new CommandError(message, code)
}

/** The message to print and the exit status for an error a command ran into. */
export function commandErrorOf(err: unknown): { message: string; code: number } {
  if (err instanceof CommandError) return { message: err.message, code: err.code }
  if (err instanceof ValidationError) return { message: Object.values(err.fields).join('\n'), code: 2 }
  if (err instanceof SourceError) return { message: err.message, code: 2 }
  // node:util parseArgs: an unknown option, or a missing value.
  if (typeof (err as any)?.code === 'string' && (err as any).code.startsWith('ERR_PARSE_ARGS'))
    return { message: (err as Error).message, code: 2 }
  return { message: err instanceof Error ? err.message : String(err), code: 1 }
}

/** Print the error's message on stderr and give its exit status. */
export function reportCommandError(err: unknown): number {
  const { message, code } = commandErrorOf(err)
  console.error(message)
  return code
}
