/**
 * The OpenAPI document at /api/v1/openapi.json, kept to what OpenAPI 3.0 allows.
 *
 * The routes' TypeBox schemas carry keywords for the app's own validation that OpenAPI 3.0's Schema Object
 * does not have (`errorMessage`, the plain-English message shown to a council officer). Left in, they make the
 * document invalid, and code generators and API consoles refuse it. `openApiDocument` returns a copy of the
 * document with every schema reduced to the Schema Object's own fields (and `x-` extensions); the route schemas
 * themselves are not touched, so validation keeps its messages. test/openapi.test.ts validates the result.
 */

/** The fields of an OpenAPI 3.0.3 Schema Object (https://spec.openapis.org/oas/v3.0.3#schema-object). */
const SCHEMA_FIELDS = new Set([
  'title',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'enum',
  'type',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'items',
  'properties',
  'additionalProperties',
  'description',
  'format',
  'default',
  'nullable',
  'discriminator',
  'readOnly',
  'writeOnly',
  'xml',
  'externalDocs',
  'example',
  'deprecated',
  '$ref',
])

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A copy of a Schema Object with only OpenAPI 3.0's fields, its sub-schemas cleaned the same way. */
export function openApiSchema(schema: Json): Json {
  if (!isObject(schema)) return schema
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_FIELDS.has(key) && !key.startsWith('x-')) continue
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, openApiSchema(s)]))
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map(openApiSchema)
    } else if (key === 'items' || key === 'not' || (key === 'additionalProperties' && isObject(value))) {
      out[key] = openApiSchema(value)
    } else {
      out[key] = value
    }
  }
  return out
}

/** Clean the schemas of a Media Type map (`content: { 'application/json': { schema } }`). */
function content(c: Json): Json {
  if (!isObject(c)) return c
  return Object.fromEntries(
    Object.entries(c).map(([type, media]) => [
      type,
      isObject(media) && media.schema ? { ...media, schema: openApiSchema(media.schema) } : media,
    ]),
  )
}

function parameters(list: Json): Json {
  return Array.isArray(list) ? list.map((p) => (isObject(p) && p.schema ? { ...p, schema: openApiSchema(p.schema) } : p)) : list
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

function operation(op: Json): Json {
  if (!isObject(op)) return op
  const out: JsonObject = { ...op }
  if (op.parameters) out.parameters = parameters(op.parameters)
  if (isObject(op.requestBody) && op.requestBody.content) out.requestBody = { ...op.requestBody, content: content(op.requestBody.content) }
  if (isObject(op.responses)) {
    out.responses = Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [status, isObject(r) && r.content ? { ...r, content: content(r.content) } : r]),
    )
  }
  return out
}

/** A copy of the generated document in which every schema is a valid OpenAPI 3.0 Schema Object. */
export function openApiDocument<T extends object>(document: T): T {
  const doc = document as unknown as JsonObject
  const out: JsonObject = { ...doc }
  if (isObject(doc.paths)) {
    out.paths = Object.fromEntries(
      Object.entries(doc.paths).map(([path, item]) => [
        path,
        isObject(item)
          ? Object.fromEntries(
              Object.entries(item).map(([key, v]) => [key, METHODS.has(key) ? operation(v) : key === 'parameters' ? parameters(v) : v]),
            )
          : item,
      ]),
    )
  }
  if (isObject(doc.components) && isObject(doc.components.schemas)) {
    const schemas = Object.fromEntries(Object.entries(doc.components.schemas).map(([name, s]) => [name, openApiSchema(s)]))
    out.components = { ...doc.components, schemas }
  }
  return out as unknown as T
}
