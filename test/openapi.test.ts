/**
 * /api/v1/openapi.json is a valid OpenAPI 3.0 document (checked by @readme/openapi-parser, the validator
 * code generators and API consoles rely on), with one operation for every API route in the specification
 * of routes (test/route-rules.ts), and the schemas' own keywords (errorMessage) kept for the app's validation.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { validate } from '@readme/openapi-parser'
import { testApp, makeUser, Client, type TestApp } from './helpers.ts'
import { ROUTE_RULES } from './route-rules.ts'

let t: TestApp
let doc: { openapi: string; paths: Record<string, Record<string, unknown>> }

before(async () => {
  t = await testApp()
  const res = await t.app.inject({ url: '/api/v1/openapi.json' })
  assert.equal(res.statusCode, 200)
  doc = JSON.parse(res.body)
})
after(async () => {
  await t.close()
})

test('the API description is a valid OpenAPI 3.0 document', async () => {
  assert.match(doc.openapi, /^3\.0\.\d$/)
  const result = await validate(structuredClone(doc) as never)
  const errors = result.valid ? [] : result.errors.map((e) => e.message)
  assert.deepEqual(errors, [])
})

test('it describes every API route once, and nothing else', () => {
  // From the written specification of routes, not from the app: "GET /api/v1/areas/:code" -> "get /api/v1/areas/{code}".
  const expected = Object.keys(ROUTE_RULES)
    .filter((r) => r.includes(' /api/v1/') && r !== 'GET /api/v1/openapi.json')
    .map((r) => {
      const [method, url] = r.split(' ')
      return `${method.toLowerCase()} ${url.replace(/:([a-zA-Z]+)/g, '{$1}')}`
    })
    .sort()
  const described = Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort()
  assert.ok(expected.length >= 49, `the specification lists ${expected.length} API routes`)
  assert.deepEqual(described, expected)
})

test('no schema in the document carries the app-only errorMessage keyword', () => {
  assert.ok(!JSON.stringify(doc).includes('"errorMessage"'))
})

test("the API still answers with the schema's own plain-English message after the document is built", async () => {
  const editor = await makeUser(t.services, { siteAdmin: true })
  const c = new Client(t)
  await c.signIn(editor.email)
  const res = await c.request('POST', '/api/v1/areas', { json: { code: 'nonsense', name: 'Nowhere', type: 'county' } })
  assert.equal(res.status, 400)
  assert.equal(res.json().errors.code, 'Enter the GSS code as a letter and 8 digits, like E10000014')
})
