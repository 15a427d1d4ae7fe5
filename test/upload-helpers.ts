/**
 * Multipart bodies as a browser sends them (fields and files in the order given), and what is left on disk
 * under a data folder, for tests of uploads.
 */
import fs from 'node:fs'
import path from 'node:path'
import { CSRF_COOKIE } from '../src/platform/session.ts'
import type { Client, TestApp } from './helpers.ts'

export type Part = { name: string; value: string } | { name: string; filename: string; data: Buffer; type?: string }

export function multipart(parts: Part[]) {
  const boundary = `----safer${Date.now()}${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const p of parts) {
    if ('value' in p) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`))
    else
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`,
        ),
        p.data,
        Buffer.from('\r\n'),
      )
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Post a multipart form with the client's cookies; the CSRF token is the first field unless `csrf` says otherwise. */
export async function postFiles(
  t: TestApp,
  c: Client,
  url: string,
  field: string,
  files: { filename: string; data: Buffer }[],
  opts: { csrf?: string | null; fields?: Record<string, string> } = {},
) {
  if (!c.cookies.has(CSRF_COOKIE)) await c.get('/sign-in')
  const csrf = opts.csrf === undefined ? c.csrf() : opts.csrf
  const parts: Part[] = [
    ...(csrf === null ? [] : [{ name: '_csrf', value: csrf }]),
    ...Object.entries(opts.fields ?? {}).map(([name, value]) => ({ name, value })),
    ...files.map((f) => ({ name: field, ...f })),
  ]
  const { payload, contentType } = multipart(parts)
  const res = await t.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': contentType },
  })
  return { status: res.statusCode, body: res.body, headers: res.headers }
}

/** Every file and folder under `dir`, relative to it, sorted (DuckDB's write-ahead log, which comes and goes, left out). */
export function listing(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => !p.endsWith('.wal'))
    .sort()
}

/** The temporary uploads under a data folder. */
export const uploadsLeft = (dataDir: string) => listing(path.join(dataDir, 'files/uploads'))
