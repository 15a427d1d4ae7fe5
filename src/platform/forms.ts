/**
 * The one way a page handles a submitted form: run the change; on bad input or a conflicting edit,
 * show the same form again with the GOV.UK error summary, field errors and the user's own values;
 * on success, redirect (POST/redirect/GET) with a confirmation message.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ConflictError, ValidationError } from './errors.ts'

export async function handleForm(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: {
    template: string
    context: Record<string, unknown> | (() => Promise<Record<string, unknown>>)
    run: () => Promise<{ redirect: string; flash?: string }>
    /**
     * The form that failed is a button beside another form (disable an account, beside its details): show the other
     * form filled in from the context's `values`, not from what the button sent (which has none of its fields).
     */
    valuesFromContext?: boolean
  },
) {
  try {
    const { redirect, flash } = await opts.run()
    if (flash) reply.flash(flash)
    return reply.redirect(redirect, 303)
  } catch (err) {
    if (!(err instanceof ValidationError) && !(err instanceof ConflictError)) throw err
    const context = typeof opts.context === 'function' ? await opts.context() : opts.context
    const errors = err instanceof ValidationError ? err.fields : { form: err.message }
    return reply.code(err instanceof ConflictError ? 409 : 400).view(opts.template, {
      ...context,
      errors,
      values: opts.valuesFromContext ? context.values : (request.body ?? {}),
      conflict: err instanceof ConflictError,
    })
  }
}

declare module 'fastify' {
  interface FastifyReply {
    flash(message: string): void
  }
}

/**
 * A submitted HTML form's fields, as parsed (strings; repeated fields as arrays). Page routes check them with
 * `parseForm(schema, formBody(request))`, which gives the GOV.UK messages; the route's own schema would answer 400.
 */
export function formBody(request: FastifyRequest): Record<string, unknown> {
  return (request.body ?? {}) as Record<string, unknown>
}

/** The `version` a form sent back (optimistic locking), or undefined when it sent none. */
export function formVersion(request: FastifyRequest): number | undefined {
  return Number(formBody(request).version) || undefined
}
