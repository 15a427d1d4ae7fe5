import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openApiDocument, openApiSchema } from './openapi.ts'

test('a schema keeps the OpenAPI fields and loses the app-only keywords, at every depth', () => {
  const schema = {
    type: 'object',
    title: 'Area',
    required: ['code'],
    additionalProperties: false,
    'x-note': 'kept',
    properties: {
      code: { type: 'string', pattern: '^E\\d{8}$', errorMessage: 'Enter the GSS code' },
      // A field that happens to be called errorMessage is a field, not the keyword.
      errorMessage: { type: 'string', maxLength: 10 },
      tags: { type: 'array', items: { type: 'string', errorMessage: 'x' } },
      choice: { anyOf: [{ type: 'string', enum: ['a'], errorMessage: 'y' }], nullable: true },
      extra: { type: 'object', additionalProperties: { type: 'integer', errorMessage: 'z' } },
    },
  }
  assert.deepEqual(openApiSchema(schema), {
    type: 'object',
    title: 'Area',
    required: ['code'],
    additionalProperties: false,
    'x-note': 'kept',
    properties: {
      code: { type: 'string', pattern: '^E\\d{8}$' },
      errorMessage: { type: 'string', maxLength: 10 },
      tags: { type: 'array', items: { type: 'string' } },
      choice: { anyOf: [{ type: 'string', enum: ['a'] }], nullable: true },
      extra: { type: 'object', additionalProperties: { type: 'integer' } },
    },
  })
})

test('the document is cleaned in parameters, request bodies and responses, and the input is left as it was', () => {
  const bad = { type: 'string', errorMessage: 'm' }
  const input = {
    openapi: '3.0.3',
    paths: {
      '/x/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { ...bad } }],
        post: {
          parameters: [{ name: 'q', in: 'query', schema: { ...bad } }],
          requestBody: { content: { 'application/json': { schema: { ...bad } } } },
          responses: { 200: { description: 'OK', content: { 'application/json': { schema: { ...bad } } } } },
        },
      },
    },
    components: { schemas: { X: { ...bad } } },
  }
  const before = structuredClone(input)
  const out = openApiDocument(input)
  const clean = { type: 'string' }
  assert.deepEqual(out, {
    openapi: '3.0.3',
    paths: {
      '/x/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: clean }],
        post: {
          parameters: [{ name: 'q', in: 'query', schema: clean }],
          requestBody: { content: { 'application/json': { schema: clean } } },
          responses: { 200: { description: 'OK', content: { 'application/json': { schema: clean } } } },
        },
      },
    },
    components: { schemas: { X: clean } },
  })
  assert.deepEqual(input, before)
})
