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
