/**
 * A real SMTP server in the test process (the smtp-server package, on 127.0.0.1 at a random port, no TLS), that keeps
 * what arrives, and a small reader of what arrived (headers, the plain-text and HTML parts), written here from the
 * RFCs so that tests do not read messages back with the library that wrote them.
 */
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface Received {
  from: string
  to: string[]
  raw: string
}

export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string
  received: Received[]
  /** Messages offered (DATA commands), accepted or not. */
  offered: number
  close(): Promise<void>
}

/**
 * `refuse(n)` is asked about the n-th message offered (1, 2, ...): return e.g. { code: 451, message: '4.3.0 Try later' }
 * to refuse it, or nothing to accept it. `delayMs` holds each answer back (to make two senders overlap).
 */
export async function testSmtpServer(
  opts: {
    refuse?: (n: number) => { code: number; message: string } | undefined
    delayMs?: number
    login?: { user: string; pass: string }
  } = {},
): Promise<TestSmtpServer> {
  const received: Received[] = []
  const state = { offered: 0 }
  const server = new SMTPServer({
    secure: false,
    authOptional: !opts.login,
    allowInsecureAuth: !!opts.login,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // With `login`, only that user name and password may send.
    onAuth(auth, _session, callback) {
      if (opts.login && auth.username === opts.login.user && auth.password === opts.login.pass)
        return callback(null, { user: auth.username })
      callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', async () => {
        const n = ++state.offered
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs))
        const refusal = opts.refuse?.(n)
        if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }))
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('latin1'),
        })
        callback(null, `Message accepted as test-${n}` as any)
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = ((server as any).server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    get offered() {
      return state.offered
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface ParsedMessage {
  headers: Record<string, string>
  text?: string
  html?: string
  parts: { contentType: string; encoding: string }[]
}

/** Read a message as it arrived: unfolded, decoded headers (lower-case names) and the text/plain and text/html parts. */
export function parseMessage(raw: string): ParsedMessage {
  const { headers, body } = splitEntity(raw)
  const out: ParsedMessage = { headers, parts: [] }
  const visit = (h: Record<string, string>, b: string) => {
    const type = h['content-type'] ?? 'text/plain'
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1]
    if (/^multipart\//i.test(type) && boundary) {
      const sections = b.split(`--${boundary}`).slice(1)
      for (const s of sections) {
        if (s.startsWith('--')) break
        const part = splitEntity(s.replace(/^\r?\n/, ''))
        visit(part.headers, part.body)
      }
      return
    }
    const encoding = (h['content-transfer-encoding'] ?? '7bit').toLowerCase()
    out.parts.push({ contentType: type.split(';')[0].trim().toLowerCase(), encoding })
    const bytes =
      encoding === 'base64'
        ? Buffer.from(b.replace(/\s+/g, ''), 'base64')
        : encoding === 'quoted-printable'
          ? decodeQuotedPrintable(b)
          : Buffer.from(b, 'latin1')
    // Text travels with CRLF line ends (RFC 5322); read it with \n, as it was written.
    const decoded = bytes.toString('utf8').replace(/\r\n/g, '\n')
    if (/^text\/plain/i.test(type)) out.text = decoded
    if (/^text\/html/i.test(type)) out.html = decoded
  }
  visit(headers, body)
  return out
}

function splitEntity(raw: string) {
  const at = raw.search(/\r?\n\r?\n/)
  const head = at < 0 ? raw : raw.slice(0, at)
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '')
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = decodeWords(line.slice(i + 1).trim())
  }
  return { headers, body }
}

function decodeQuotedPrintable(s: string): Buffer {
  const soft = s.replace(/=\r?\n/g, '')
  const bytes: number[] = []
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(soft.charCodeAt(i) & 0xff)
  }
  return Buffer.from(bytes)
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=); white space between two of them is dropped. */
function decodeWords(s: string): string {
  return s
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
    )
}
