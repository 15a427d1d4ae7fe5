/**
 * The API reference page, read from the OpenAPI document (/api/v1/openapi.json) and the routes' access rules:
 * each operation grouped under its tag, with its method, address, parameters, body fields and who may call it.
 */
import type { Access } from '../platform/access.ts'
import { capitalise } from '../platform/format.ts'

export interface ApiParameter {
  name: string
  in: string
  required: boolean
  type: string
  description: string
}
export interface ApiOperation {
  id: string
  method: string
  path: string
  summary: string
  description: string
  who: string
  parameters: ApiParameter[]
  body: ApiParameter[]
}
export interface ApiGroup {
  id: string
  name: string
  operations: ApiOperation[]
}

// The OpenAPI document is read loosely: only the fields this page shows, each checked where it is used.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

const ROLE_WORDS: Record<string, string> = {
  viewer: 'members of the partnership (viewer or above)',
  contributor: 'contributors, editors and admins of the partnership',
  editor: 'editors and admins of the partnership',
  admin: 'admins of the partnership',
}

/** Who may call an operation, in words. Site administrators may always. */
export function whoMay(access: Access | undefined): string {
  if (!access) return 'Not stated'
  if (access === 'public') return 'Anyone (no token needed)'
  if (access === 'signed-in') return 'Anyone with a token'
  if (access === 'editor-anywhere') return 'Editors of any partnership, and site administrators'
  if (access === 'site-admin') return 'Site administrators only'
  if (access.partnership === 'public') return 'Anyone for a published partnership; members for an unpublished one'
  return `${capitalise(ROLE_WORDS[access.partnership])}, and site administrators`
}

const isNull = (s: Json) => s?.type === 'null' || (Array.isArray(s?.enum) && s.enum.every((v: unknown) => v === null))

function typeOf(schema: Json | undefined): string {
  if (!schema) return ''
  const nullable = schema.nullable ? ' or null' : ''
  if (isNull(schema)) return 'null'
  if (schema.enum) return `one of: ${schema.enum.filter((v: unknown) => v !== null).join(', ')}${nullable}`
  if (schema.anyOf) {
    const options = (schema.anyOf as Json[]).filter((s) => !isNull(s))
    const orNull = options.length < schema.anyOf.length ? ' or null' : ''
    if (options.length && options.every((s) => 'const' in s || s.enum))
      return `one of: ${options.flatMap((s) => s.enum ?? [s.const]).join(', ')}${orNull}`
    return options.map(typeOf).filter(Boolean).join(' or ') + orNull
  }
  if (schema.type === 'array') return `list of ${typeOf(schema.items) || 'values'}${nullable}`
  return [schema.type, schema.format ? `(${schema.format})` : ''].filter(Boolean).join(' ') + nullable
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

export function apiReference(document: Json, rules: { method: string; url: string; access: Access }[]): ApiGroup[] {
  const accessOf = new Map(rules.map((r) => [`${r.method} ${r.url}`, r.access]))
  const groups = new Map<string, ApiOperation[]>()
  for (const [p, item] of Object.entries((document.paths ?? {}) as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      const fastifyPath = p.replace(/\{([^}]+)\}/g, ':$1')
      const tag = (op.tags?.[0] as string) ?? 'Other'
      const bodySchema = op.requestBody?.content?.['application/json']?.schema as Json | undefined
      const required = new Set<string>(bodySchema?.required ?? [])
      const operation: ApiOperation = {
        id: `${method}-${slug(p)}`,
        method: method.toUpperCase(),
        path: p,
        summary: op.summary ?? '',
        description: op.description ?? '',
        who: whoMay(accessOf.get(`${method.toUpperCase()} ${fastifyPath}`)),
        parameters: ((op.parameters ?? []) as Json[]).map((x) => ({
          name: x.name,
          in: x.in === 'path' ? 'in the address' : x.in === 'query' ? 'query' : x.in,
          required: !!x.required,
          type: typeOf(x.schema),
          description: x.description ?? x.schema?.title ?? '',
        })),
        body: Object.entries((bodySchema?.properties ?? {}) as Json).map(([name, s]) => ({
          name,
          in: 'body',
          required: required.has(name),
          type: typeOf(s),
          description: s.description ?? s.title ?? '',
        })),
      }
      groups.set(tag, [...(groups.get(tag) ?? []), operation])
    }
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, operations]) => ({
      id: slug(name),
      name: capitalise(name),
      operations: operations.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method)),
    }))
}
