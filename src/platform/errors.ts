/** Errors a service may throw; the app's error handler turns each into the right page or JSON answer. */

export type FieldErrors = Record<string, string>

/** Bad input: one message per field, in words a council officer understands. 400 / the form again. */
export class ValidationError extends Error {
  statusCode = 400
  constructor(public fields: FieldErrors) {
    super(Object.values(fields).join('; '))
  }
}

/** Someone else saved the record since it was opened (optimistic locking). 409. */
export class ConflictError extends Error {
  statusCode = 409
  constructor(
    public changedBy: string,
    public changedAt: Date,
  ) {
    super(
      `This was changed by ${changedBy} at ${formatDateTime(changedAt)}. Nothing has been saved: reload it to see their changes, then make yours again.`,
    )
  }
}

export class NotFoundError extends Error {
  statusCode = 404
  constructor(message = 'Page not found') {
    super(message)
  }
}

export class ForbiddenError extends Error {
  statusCode = 403
  constructor(message = 'You do not have permission to do this') {
    super(message)
  }
}

export class UnauthorisedError extends Error {
  statusCode = 401
  constructor(message = 'Sign in to continue') {
    super(message)
  }
}

/** Too many requests or attempts in a short time; the message says how long to wait. 429. */
export class TooManyRequestsError extends Error {
  statusCode = 429
}

/**
 * A database error caused by what was sent rather than by a fault: a number out of the column's range (22003), text
 * that is not a number (22P02), or a NUL character (22021, 22P05). The platform refuses such input before it reaches
 * the database (platform/input.ts); this is the safety net for a route that has no schema for it: a 400, not a 500.
 */
export function inputErrorFromDatabase(err: unknown): ValidationError | undefined {
  const code = (err as { code?: unknown } | null)?.code
  if (code === '22003') return new ValidationError({ form: 'A number in what was sent is too large or too small. Check it and try again.' })
  if (code === '22P02')
    return new ValidationError({
      form: 'Something in what was sent is not in the form expected (a number or a date). Check it and try again.',
    })
  if (code === '22021' || code === '22P05')
    return new ValidationError({
      form: 'What was sent contains a NUL character (a zero byte), which Safer cannot store. Remove it and try again.',
    })
  return undefined
}

export function formatDateTime(d: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  }).format(d)
}
