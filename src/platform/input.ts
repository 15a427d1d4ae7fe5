/**
 * Input no database can store, refused before anything reads it (issue 8, security point 4).
 *
 * PostgreSQL cannot store a NUL character (U+0000) in text or jsonb, and integer columns hold at most 2147483647; both
 * used to reach it and come back as a 500. Now:
 *   - a NUL anywhere in the address (path or query, written %00) is refused in onRequest, before the session, the
 *     access rule or any lookup reads it; a NUL in a form field or a JSON string (or key) is refused in preValidation,
 *     once the body is parsed and before it is validated. Both answer 400 with a message saying where it was
 *     (the GOV.UK error page for a page, a JSON problem for the API); a multipart upload's fields are checked by
 *     receiveFiles in the same way.
 *   - integer and number properties of every route's params, query and body schema, and of every schema validate()
 *     checks, are bounded (boundNumbers in validation.ts), ajv refuses NaN and Infinity (strictNumbers), and a number
 *     field whose text is not a finite number is refused here (ajv's coercion lets "1e309" through as Infinity), so
 *     99999999999999999999, 1e309 and Infinity are field errors, not database errors. The error handler turns the
 *     database's own input errors into 400s too (inputErrorFromDatabase in errors.ts), for a route with no schema.
 *   - cookies with a NUL are treated as absent (session.ts), and a flash cookie that cannot be decoded is ignored (views.ts).
 */
import type { FastifyInstance, RouteOptions } from 'fastify'
import { ValidationError } from './errors.ts'
import { boundNumbers } from './validation.ts'

/**
 * Text as PostgreSQL can store it: a NUL becomes U+FFFD (the replacement character, which shows where it was), and a
 * lone surrogate (half of a character) does too. For text that comes from files and goes into a text or jsonb column:
 * a police.uk file's line quoted in a refusal, a file's name.
 */
export function storableText(text: string): string {
  // A lone surrogate: a high one not followed by a low one, or a low one not after a high one.
  // eslint-disable-next-line no-control-regex -- finding the NUL character is the point
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/** JSON.stringify for a jsonb column: every string in it (keys too) made storable (see storableText). */
export function jsonForDatabase(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v) {
    if (typeof v === 'string') return storableText(v)
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k !== storableText(k)))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), x]))
    return v
  })
}

/** True if the text, or any string or key inside the value, holds a NUL character. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (depth > 64 || value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1))
  if (Buffer.isBuffer(value)) return false
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v, depth + 1))
}

/** The fields of a body that hold a NUL (top-level names; 'form' when the body itself is a string). */
function nulFields(body: unknown): string[] {
  if (typeof body === 'string') return body.includes('\u0000') ? ['form'] : []
  if (!body || typeof body !== 'object') return []
  if (Array.isArray(body)) return hasNul(body) ? ['form'] : []
  return Object.entries(body)
    .filter(([k, v]) => k.includes('\u0000') || hasNul(v))
    .map(([k]) => k.replaceAll('\u0000', ''))
}

const NUL_MESSAGE = 'contains a NUL character (a zero byte, written %00 or \\u0000), which Safer cannot store. Remove it and try again.'

/** Refuse a body whose fields hold a NUL: one field error each. */
export function refuseNul(body: unknown) {
  const fields = nulFields(body)
  if (fields.length)
    throw new ValidationError(
      Object.fromEntries(fields.map((f) => [f || 'form', `${f && f !== 'form' ? `“${f}”` : 'What was sent'} ${NUL_MESSAGE}`])),
    )
}

/** A NUL in the raw address, written as %00 (in any case) or as the character itself. */
function addressHasNul(url: string) {
  return /%00/i.test(url) || url.includes('\u0000')
}

export function setUpInputChecks(app: FastifyInstance) {
  // Bound the numbers of every route's schemas before Fastify compiles them.
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined
    if (!schema) return
    for (const part of ['params', 'querystring', 'body'] as const) if (schema[part]) boundNumbers(schema[part] as any)
  })
  app.addHook('onRequest', async (request) => {
    if (addressHasNul(request.url)) throw new ValidationError({ form: `The web address ${NUL_MESSAGE}` })
  })
  app.addHook('preValidation', async (request) => {
    refuseNul(request.body)
    // ajv coerces "1e309" and "Infinity" to Infinity and then lets it through (its bounds do not see the coerced value):
    // a number that is not finite is refused here, named by its field's title.
    const schema = request.routeOptions.schema as Record<string, any> | undefined
    if (!schema) return
    const fields: Record<string, string> = {}
    for (const [part, data] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const props = schema[part]?.properties as Record<string, any> | undefined
      if (!props || !data || typeof data !== 'object') continue
      for (const [name, prop] of Object.entries(props)) {
        const kind = numberKind(prop)
        const v = (data as Record<string, unknown>)[name]
        if (!kind || v === undefined) continue
        for (const one of [v].flat()) {
          if (typeof one === 'string' && one.trim() !== '' && !Number.isFinite(Number(one)) && !fields[name]) {
            const title = prop.title ?? name
            fields[name] = kind === 'integer' ? `${title} must be a whole number` : `${title} must be a number`
          }
        }
      }
    }
    if (Object.keys(fields).length) throw new ValidationError(fields)
  })
}

/** 'integer' or 'number' when the schema (or a branch of its anyOf) is one, else undefined. */
function numberKind(prop: any): 'integer' | 'number' | undefined {
  const types = [prop?.type, ...(Array.isArray(prop?.anyOf) ? prop.anyOf.map((s: any) => s?.type) : [])].flat()
  if (types.includes('integer')) return 'integer'
  if (types.includes('number')) return 'number'
  return undefined
}
