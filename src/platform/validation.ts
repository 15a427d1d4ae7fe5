/**
 * One schema per record (TypeBox, i.e. JSON Schema) validates API bodies, HTML forms, CLI input
 * and the OpenAPI document alike. This module turns schema errors into the messages the GOV.UK
 * Design System recommends ("Enter the title", "Title must be 200 characters or fewer"), keyed by
 * field, for the error summary on a page or the `errors` object of a 400 JSON answer.
 */
import { Ajv, type ErrorObject } from 'ajv'
import addFormatsImport from 'ajv-formats'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { ValidationError, type FieldErrors } from './errors.ts'

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

// strictNumbers: NaN and Infinity (which "1e309" and "Infinity" become when coerced) are not numbers.
export const ajvOptions = { allErrors: true, strict: false as const, strictNumbers: true, keywords: ['errorMessage'] }
export const ajv = addFormats(new Ajv({ ...ajvOptions }))

/** The largest whole number the database's integer columns hold (and the smallest). */
export const INT_MAX = 2147483647
export const INT_MIN = -2147483648
/** Bounds for a number with none of its own: far beyond any real value, well inside what PostgreSQL and JSON hold exactly. */
export const NUMBER_LIMIT = 1e15
const bounded = new WeakSet<object>()

/**
 * Give every integer and number in the schema that has no bound of its own the bounds the database can hold, so a value
 * such as 99999999999999999999 is a field error ("must be 2147483647 or less"), never a database error. Changes the
 * schema in place (once): route schemas (platform/input.ts) and every schema validate() checks.
 */
export function boundNumbers(schema: any, depth = 0): void {
  if (!schema || typeof schema !== 'object' || depth > 32 || bounded.has(schema)) return
  bounded.add(schema)
  const types = [schema.type].flat()
  if (types.includes('integer')) {
    if (schema.maximum === undefined && schema.exclusiveMaximum === undefined) schema.maximum = INT_MAX
    if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) schema.minimum = INT_MIN
  } else if (types.includes('number')) {
    if (schema.maximum === undefined && schema.exclusiveMaximum === undefined) schema.maximum = NUMBER_LIMIT
    if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) schema.minimum = -NUMBER_LIMIT
  }
  for (const key of ['properties', 'patternProperties', '$defs', 'definitions'])
    if (schema[key] && typeof schema[key] === 'object') for (const s of Object.values(schema[key])) boundNumbers(s, depth + 1)
  for (const key of ['anyOf', 'allOf', 'oneOf']) if (Array.isArray(schema[key])) for (const s of schema[key]) boundNumbers(s, depth + 1)
  for (const key of ['items', 'additionalProperties', 'not'])
    if (schema[key] && typeof schema[key] === 'object') {
      if (Array.isArray(schema[key])) for (const s of schema[key]) boundNumbers(s, depth + 1)
      else boundNumbers(schema[key], depth + 1)
    }
}

/** A choice from a fixed list, reported as "Select <title> from the list" when wrong. */
export function choice<T extends readonly string[]>(values: T, title: string) {
  return Type.Union(values.map((v) => Type.Literal(v)) as any, { title }) as unknown as ReturnType<typeof Type.String>
}

/** A value or null; keeps the inner title so messages name the field. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()], t.title ? { title: t.title } : {})

type Prop = TSchema & {
  title?: string
  errorMessage?: string
  maxLength?: number
  minLength?: number
  minimum?: number
  maximum?: number
  format?: string
}

function lowerFirst(s: string) {
  // Keep acronyms and proper names (e.g. "ONS code", "GSS code") as written.
  return /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s
}

function propOf(schema: TSchema, path: string): Prop | undefined {
  let node: any = schema
  for (const part of path.split('/').filter(Boolean)) {
    if (node?.type === 'array') node = node.items
    else node = node?.properties?.[part]
    if (/^\d+$/.test(part) && node === undefined) return undefined
  }
  return node
}

function isChoice(p: Prop | undefined) {
  const anyOf = (p as any)?.anyOf as any[] | undefined
  return !!(p as any)?.enum || (anyOf?.length && anyOf.every((s) => 'const' in s))
}

/** A message for one failing rule, in GOV.UK style. */
export function messageFor(schema: TSchema, e: ErrorObject): { field: string; message: string } {
  let path = e.instancePath.replace(/^\//, '')
  if (e.keyword === 'required') path = [path, (e.params as any).missingProperty].filter(Boolean).join('/')
  // A choice written as anyOf of constants reports on the anyOf; a failing item of an array reports on the item.
  const field =
    path
      .split('/')
      .filter((p) => !/^\d+$/.test(p))
      .join('.') || 'form'
  const prop = propOf(schema, path)
  const title = prop?.title ?? field
  if (prop?.errorMessage) return { field, message: prop.errorMessage }
  const name = lowerFirst(title)
  switch (e.keyword) {
    case 'required':
      return { field, message: isChoice(prop) ? `Select ${name}` : `Enter ${name}` }
    case 'minLength':
      return { field, message: (prop?.minLength ?? 1) <= 1 ? `Enter ${name}` : `${title} must be ${prop!.minLength} characters or more` }
    case 'maxLength':
      return { field, message: `${title} must be ${prop?.maxLength} characters or fewer` }
    case 'minimum':
      if (prop?.minimum === INT_MIN || prop?.minimum === -NUMBER_LIMIT)
        return { field, message: `${title} is too small: it must be ${prop.minimum.toLocaleString('en-GB')} or more` }
      return { field, message: `${title} must be ${prop?.minimum} or more` }
    case 'maximum':
      if (prop?.maximum === INT_MAX || prop?.maximum === NUMBER_LIMIT)
        return { field, message: `${title} is too large: it must be ${prop.maximum.toLocaleString('en-GB')} or less` }
      return { field, message: `${title} must be ${prop?.maximum} or less` }
    case 'type':
      if ((e.params as any).type === 'integer') return { field, message: `${title} must be a whole number` }
      if ((e.params as any).type === 'number') return { field, message: `${title} must be a number` }
      if ((e.params as any).type === 'boolean') return { field, message: `${title} must be yes or no` }
      return { field, message: `Enter ${name}` }
    case 'format':
      if (prop?.format === 'date') return { field, message: `${title} must be a real date` }
      if (prop?.format === 'email') return { field, message: `Enter ${name} in the correct format, like name@example.org` }
      return { field, message: `${title} is not in the right format` }
    case 'anyOf':
    case 'enum':
    case 'const':
      return { field, message: `Select ${name} from the list` }
    case 'pattern':
      return { field, message: `${title} is not in the right format` }
    case 'additionalProperties':
      return {
        field: (e.params as any).additionalProperty,
        message: `${(e.params as any).additionalProperty} is not a field of this record`,
      }
    default:
      return { field, message: `${title} is not valid` }
  }
}

export function fieldErrors(schema: TSchema, errors: ErrorObject[] | null | undefined): FieldErrors {
  const out: FieldErrors = {}
  for (const e of errors ?? []) {
    // anyOf on a choice reports each branch too: keep the first, clearest message per field.
    if (e.keyword === 'const' && e.instancePath) continue
    const { field, message } = messageFor(schema, e)
    if (!(field in out)) out[field] = message
  }
  return out
}

const compiled = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>()

/** Validate a value (an API body, CLI options) against its schema; throw ValidationError with field messages. */
export function validate<T extends TSchema>(schema: T, value: unknown): Static<T> {
  let check = compiled.get(schema)
  if (!check) {
    boundNumbers(schema)
    check = ajv.compile(schema)
    compiled.set(schema, check)
  }
  if (!check(value)) throw new ValidationError(fieldErrors(schema, check.errors))
  return value as Static<T>
}

/**
 * Turn a submitted HTML form into the typed record its schema describes: trims text, drops empty
 * fields, reads checkboxes as booleans, numbers as numbers, GOV.UK date inputs (name-day,
 * name-month, name-year) as YYYY-MM-DD, then validates.
 */
export function parseForm<T extends TSchema>(schema: T, body: Record<string, unknown> | undefined): Static<T> {
  return validate(schema, coerceForm(schema, body ?? {}))
}

export function coerceForm(schema: TSchema, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const props = ((schema as any).properties ?? {}) as Record<string, Prop & { type?: string; items?: any }>
  for (const [name, prop] of Object.entries(props)) {
    let raw = body[name]
    if (prop.format === 'date' && raw === undefined && (`${name}-day` in body || `${name}-year` in body)) {
      raw = dateFromParts(body[`${name}-day`], body[`${name}-month`], body[`${name}-year`])
    }
    const type = prop.type
    if (type === 'boolean') {
      out[name] = raw === true || raw === 'true' || raw === 'on' || raw === 'yes' || (Array.isArray(raw) && raw.includes('true'))
      continue
    }
    if (type === 'array') {
      const list = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw])
        .map((v) => (typeof v === 'string' ? v.trim() : v))
        .filter((v) => v !== '')
      out[name] = prop.items?.type === 'integer' || prop.items?.type === 'number' ? list.map(toNumber) : list
      continue
    }
    if (Array.isArray(raw)) raw = raw[raw.length - 1]
    if (typeof raw === 'string') raw = raw.replace(/\r\n/g, '\n').trim()
    if (raw === '' || raw === undefined) {
      // An empty optional field is absent; a nullable one is null.
      if (isNullable(prop)) out[name] = null
      continue
    }
    if (type === 'integer' || type === 'number' || hasNumberBranch(prop)) out[name] = toNumber(raw)
    else out[name] = raw
  }
  return out
}

function isNullable(prop: any) {
  return Array.isArray(prop.anyOf) && prop.anyOf.some((s: any) => s.type === 'null')
}
function hasNumberBranch(prop: any) {
  return Array.isArray(prop.anyOf) && prop.anyOf.some((s: any) => s.type === 'integer' || s.type === 'number')
}
function toNumber(v: unknown) {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v
}

function dateFromParts(d: unknown, m: unknown, y: unknown): string | undefined {
  const [day, month, year] = [d, m, y].map((v) => String(v ?? '').trim())
  if (!day && !month && !year) return undefined
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return `${year}-${month}-${day}`
  const iso = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
  const date = new Date(`${iso}T00:00:00Z`)
  // 31 February is not a real date: send something the date format rejects.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso) return `${iso}-invalid`
  return iso
}

/** The GOV.UK error summary's list: each message links to its field. */
export function errorList(fields: FieldErrors | undefined) {
  return Object.entries(fields ?? {}).map(([field, text]) => ({ text, href: `#${field.replace(/\./g, '-')}` }))
}
