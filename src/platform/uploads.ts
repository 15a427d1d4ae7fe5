/**
 * Receiving files: the one way a capability accepts an upload.
 *
 * A route that takes files says so (`config: { access: ..., uploads: true }`) and its handler calls
 * `receiveFiles(request, { field, accept, ... })` first. The access rule has already run (before the body is read,
 * as for every route); receiveFiles checks the CSRF token (the form's first field) before it writes any file, then
 * streams each file to disk under SAFER_DATA_DIR/files/uploads, hashing it (sha256) and checking its type from its
 * first bytes as it arrives, within the limits per file and per request. Any refusal is a ValidationError on the
 * file field, in words a council officer understands, and leaves nothing on disk. The files are removed when the
 * response has been sent, unless the capability calls `upload.keep()` to take them over (it then removes them
 * itself, as the crime import does when it ends). Leftovers of a process that died are swept at start-up.
 * A multipart body sent to any other route is refused (415) without being read.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import type { Config } from '../config.ts'
import { ValidationError } from './errors.ts'
import { refuseNul } from './input.ts'
import { checkCsrf } from './session.ts'
import { freeBytes, sizeLabel, sweepOld, SWEEP_AGE_MS } from './sources.ts'
import { withoutControlCharacters } from './format.ts'

const MB = 1024 * 1024
/** How much of a file's beginning its type is judged from. */
const HEAD_BYTES = 8192
/** A multipart body's own overhead (boundaries, headers, small fields) beyond its files, allowed in Content-Length. */
const FORM_OVERHEAD = MB

// ---- File types, judged from content ----

const startsWith =
  (...bytes: number[]) =>
  (b: Buffer) =>
    b.length >= bytes.length && bytes.every((x, i) => b[i] === x)
const isZip = startsWith(0x50, 0x4b, 0x03, 0x04)
/** Word 97-2003 and Excel 97-2003 files are OLE compound documents. */
const isOle = startsWith(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)
const isPdf = (b: Buffer) => b.subarray(0, 1024).includes('%PDF-')
const isPng = startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)
const isJpeg = startsWith(0xff, 0xd8, 0xff)
const isGzip = startsWith(0x1f, 0x8b)
/** Text (CSV, plain text): no NUL byte at its start, and not one of the binary formats above. */
const isText = (b: Buffer) => !b.subarray(0, HEAD_BYTES).includes(0) && ![isZip, isOle, isPdf, isPng, isJpeg, isGzip].some((f) => f(b))
/** An SVG image: text with an <svg> element near its start (what it may contain is the receiving capability's check). */
const isSvg = (b: Buffer) => isText(b) && /<svg[\s>]/i.test(b.subarray(0, HEAD_BYTES).toString('utf8'))

export interface FileType {
  extensions: string[]
  /** Its family, for the list of what a form accepts: "Word document (DOC or DOCX)". */
  group: string
  /** Its short name within the family: "DOCX". */
  short: string
  /** What it is, in a sentence: "is not a real Word document". */
  label: string
  contentType: string
  check(head: Buffer): boolean
}

export const FILE_TYPES = {
  pdf: { extensions: ['.pdf'], group: 'PDF', short: 'PDF', label: 'PDF', contentType: 'application/pdf', check: isPdf },
  doc: {
    extensions: ['.doc'],
    group: 'Word document',
    short: 'DOC',
    label: 'Word document',
    contentType: 'application/msword',
    check: isOle,
  },
  docx: {
    extensions: ['.docx'],
    group: 'Word document',
    short: 'DOCX',
    label: 'Word document',
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    check: isZip,
  },
  xls: {
    extensions: ['.xls'],
    group: 'Excel spreadsheet',
    short: 'XLS',
    label: 'Excel spreadsheet',
    contentType: 'application/vnd.ms-excel',
    check: isOle,
  },
  xlsx: {
    extensions: ['.xlsx'],
    group: 'Excel spreadsheet',
    short: 'XLSX',
    label: 'Excel spreadsheet',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    check: isZip,
  },
  ppt: {
    extensions: ['.ppt'],
    group: 'PowerPoint presentation',
    short: 'PPT',
    label: 'PowerPoint presentation',
    contentType: 'application/vnd.ms-powerpoint',
    check: isOle,
  },
  pptx: {
    extensions: ['.pptx'],
    group: 'PowerPoint presentation',
    short: 'PPTX',
    label: 'PowerPoint presentation',
    contentType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    check: isZip,
  },
  csv: { extensions: ['.csv'], group: 'CSV', short: 'CSV', label: 'CSV file', contentType: 'text/csv', check: isText },
  txt: { extensions: ['.txt'], group: 'text', short: 'TXT', label: 'text file', contentType: 'text/plain', check: isText },
  png: { extensions: ['.png'], group: 'image', short: 'PNG', label: 'PNG image', contentType: 'image/png', check: isPng },
  svg: { extensions: ['.svg'], group: 'image', short: 'SVG', label: 'SVG image', contentType: 'image/svg+xml', check: isSvg },
  jpeg: { extensions: ['.jpg', '.jpeg'], group: 'image', short: 'JPEG', label: 'JPEG image', contentType: 'image/jpeg', check: isJpeg },
  zip: { extensions: ['.zip'], group: 'zip', short: 'ZIP', label: 'zip file', contentType: 'application/zip', check: isZip },
} satisfies Record<string, FileType>
export type FileKind = keyof typeof FILE_TYPES

/** "a PDF, Word document (DOC or DOCX), Excel spreadsheet (XLS or XLSX) or CSV file": what a form accepts. */
export function acceptedList(accept: FileKind[]): string {
  const groups = new Map<string, string[]>()
  for (const k of accept) groups.set(FILE_TYPES[k].group, [...(groups.get(FILE_TYPES[k].group) ?? []), FILE_TYPES[k].short])
  const names = [...groups].map(([g, shorts]) => (shorts.length > 1 ? `${g} (${shorts.join(' or ')})` : g))
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0]
  return `${/^[aeiou]/i.test(list) ? 'an' : 'a'} ${list} file`
}

/** A file name as a person sees it: its last part only, without control characters, at most 200 characters. */
export function cleanFilename(name: string): string {
  return withoutControlCharacters(path.basename(String(name).replace(/\\/g, '/')))
    .replace(/"/g, '')
    .trim()
    .slice(-200)
}

/** The accepted type a file's name claims (by its extension), or undefined. */
export function kindFromName(filename: string, accept: FileKind[]): FileKind | undefined {
  const ext = path.extname(filename).toLowerCase()
  return accept.find((k) => (FILE_TYPES[k].extensions as string[]).includes(ext))
}

/** `subject` names the file: "The selected file" on a form that takes one file, its name otherwise. */
export function wrongTypeMessage(subject: string, accept: FileKind[]) {
  return subject === 'The selected file' ? `The selected file must be ${acceptedList(accept)}` : `${subject} is not ${acceptedList(accept)}`
}
export function notRealMessage(subject: string, kind: FileKind) {
  return `${subject} is not a real ${FILE_TYPES[kind].label}: check that it opens, then upload it again`
}

/**
 * The type of a file, from its name, checked against its first bytes (at least the first 8 KB when it is longer);
 * or the message saying why it is refused.
 */
export function fileTypeOf(filename: string, head: Buffer, accept: FileKind[], subject: string): { kind: FileKind } | { message: string } {
  const kind = kindFromName(filename, accept)
  if (!kind) return { message: wrongTypeMessage(subject, accept) }
  if (!FILE_TYPES[kind].check(head)) return { message: notRealMessage(subject, kind) }
  return { kind }
}

// ---- Receiving ----

export interface UploadedFile {
  /** Where it is on disk (removed after the response unless the upload is kept). */
  path: string
  /** Its name as the person's computer gave it (last part only). */
  filename: string
  bytes: number
  sha256: string
  type: FileKind
  contentType: string
}

export interface Upload {
  /** The form's other fields (the first value of each). */
  fields: Record<string, string>
  files: UploadedFile[]
  /** The folder holding this upload's files. */
  dir: string
  /** Take the files over: they are no longer removed after the response, so the caller must remove `dir`. */
  keep(): void
  /** Remove the files now. */
  remove(): void
}

export interface ReceiveOptions {
  /** The file input's name; its errors are reported on this field. */
  field: string
  /** The types accepted, judged from each file's content, not the name the browser gives. */
  accept: FileKind[]
  /** Limits of this form; the site's own settings (SAFER_UPLOAD_*) cap them. */
  maxFileBytes?: number
  maxFiles?: number
  maxTotalBytes?: number
  /** The message when no file was chosen; without it, no file is not an error. */
  required?: string
  /** Added to the messages about size, e.g. where larger files can go instead. */
  advice?: string
}

interface UploadSettings {
  dir: string
  maxFileBytes: number
  maxTotalBytes: number
  maxFiles: number
  marginBytes: number
}

const kUploads = Symbol('uploads')

/** The folder temporary uploads are written to: SAFER_DATA_DIR/files/uploads. */
export function uploadsDir(dataDir: string) {
  return path.join(dataDir, 'files', 'uploads')
}

/**
 * Read the request's multipart body: CSRF first, then each file streamed to disk, typed, hashed and counted.
 * Throws ValidationError (on `opts.field`) when a file or the request is refused, ForbiddenError for a missing or
 * wrong CSRF token; either way nothing is left on disk.
 */
export async function receiveFiles(request: FastifyRequest, opts: ReceiveOptions): Promise<Upload> {
  const site = request.server.uploadSettings
  const maxFileBytes = Math.min(opts.maxFileBytes ?? Infinity, site.maxFileBytes)
  const maxTotalBytes = Math.min(opts.maxTotalBytes ?? Infinity, site.maxTotalBytes)
  const maxFiles = Math.min(opts.maxFiles ?? Infinity, site.maxFiles)
  const single = maxFiles === 1
  const advice = opts.advice ? ` ${opts.advice}` : ''
  const refuse = (message: string) => new ValidationError({ [opts.field]: message })
  const tooMany = () => refuse(single ? 'Choose only one file' : `Choose at most ${maxFiles.toLocaleString('en-GB')} files`)
  const tooLarge = (filename: string) =>
    refuse(
      single
        ? `The selected file must be smaller than ${sizeLabel(maxFileBytes)}${advice}`
        : `${filename} is larger than ${sizeLabel(maxFileBytes)}, the most one file may be.${advice}`,
    )
  const tooLargeTogether = () => refuse(`The files together are larger than ${sizeLabel(maxTotalBytes)}.${advice}`)

  const fields: Record<string, string> = {}
  const files: UploadedFile[] = []
  const dir = path.join(site.dir, `${Date.now()}-${process.pid}-${crypto.randomBytes(6).toString('hex')}`)
  let kept = false
  const upload: Upload = {
    fields,
    files,
    dir,
    keep: () => {
      kept = true
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  }
  ;((request as any)[kUploads] ??= []).push(() => {
    if (!kept) upload.remove()
  })

  let csrfChecked = false
  const csrf = () => {
    if (csrfChecked) return
    if (!request.viaApiToken) checkCsrf(request, fields._csrf ?? request.headers['x-csrf-token'])
    csrfChecked = true
  }

  if (!request.isMultipart?.()) {
    // A form posted without files (the platform has checked its CSRF token before validation).
    Object.assign(
      fields,
      Object.fromEntries(
        Object.entries((request.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]),
      ),
    )
    if (opts.required) throw refuse(opts.required)
    return upload
  }

  // Before anything is read: a body larger than the limit, or than the disk can spare, is refused at once.
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared)) {
    // (A form that takes one file can take no more than that file.)
    if (declared > (single ? Math.min(maxFileBytes, maxTotalBytes) : maxTotalBytes) + FORM_OVERHEAD)
      throw single ? tooLarge('') : tooLargeTogether()
    if ((await freeBytes(site.dir)) < declared + site.marginBytes) {
      throw refuse('The server does not have enough free disk space for this upload. Try again later, or tell the site administrator.')
    }
  }

  let total = 0
  try {
    for await (const part of request.parts({
      limits: { fileSize: maxFileBytes, files: maxFiles + 1, fields: 100, parts: maxFiles + 101, fieldSize: MB },
    })) {
      if (part.type === 'field') {
        refuseNul({ [part.fieldname]: String(part.value) })
        if (!(part.fieldname in fields)) fields[part.fieldname] = String(part.value)
        continue
      }
      if (part.fieldname !== opts.field || !part.filename) {
        part.file.resume()
        continue
      }
      csrf()
      if (files.length >= maxFiles) throw tooMany()
      const filename = cleanFilename(part.filename) || 'upload'
      const subject = single ? 'The selected file' : filename
      const claimed = kindFromName(filename, opts.accept)
      if (!claimed) throw refuse(wrongTypeMessage(subject, opts.accept))

      const target = path.join(
        dir,
        String(files.length + 1),
        filename.replace(/[/\\:*?"<>|]/g, '_').replace(/^\.+/, (m) => '_'.repeat(m.length)),
      )
      fs.mkdirSync(path.dirname(target), { recursive: true })
      const hash = crypto.createHash('sha256')
      let head = Buffer.alloc(0)
      let bytes = 0
      let kind: FileKind | undefined
      const judge = () => {
        if (!FILE_TYPES[claimed].check(head)) throw refuse(notRealMessage(subject, claimed))
        kind = claimed
      }
      const check = new Transform({
        transform(chunk: Buffer, _enc, done) {
          try {
            bytes += chunk.length
            total += chunk.length
            if (total > maxTotalBytes) throw tooLargeTogether()
            if (!kind) {
              head = Buffer.concat([head, chunk]).subarray(0, HEAD_BYTES)
              if (head.length >= HEAD_BYTES) judge()
            }
            hash.update(chunk)
            done(null, chunk)
          } catch (err) {
            done(err as Error)
          }
        },
        flush(done) {
          try {
            if (bytes && !kind) judge()
            done()
          } catch (err) {
            done(err as Error)
          }
        },
      })
      await pipeline(part.file, check, fs.createWriteStream(target))
      if (part.file.truncated) throw tooLarge(filename)
      if (!bytes) throw refuse(`${subject} is empty`)
      files.push({ path: target, filename, bytes, sha256: hash.digest('hex'), type: kind!, contentType: FILE_TYPES[kind!].contentType })
    }
    csrf()
  } catch (err) {
    upload.remove()
    // Stop reading what is left of the body into the parser; Node discards it once the answer is sent.
    request.raw.unpipe()
    request.raw.resume()
    const code = (err as { code?: string }).code
    if (code === 'FST_FILES_LIMIT') throw tooMany()
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
      throw refuse('The form sent more fields than it has. Reload the page and try again.')
    if (
      code === 'FST_MP_PREMATURE_CLOSE' ||
      /Unexpected end of (form|multipart data)|Malformed part header/i.test(String((err as Error).message))
    ) {
      throw refuse('The upload did not finish. Try again.')
    }
    throw err
  }
  if (!files.length && opts.required) throw refuse(opts.required)
  return upload
}

/** Remove temporary uploads older than `maxAgeMs` (left by a process that stopped while it held them). */
export function sweepUploads(dir: string, maxAgeMs = SWEEP_AGE_MS, now = Date.now()): string[] {
  return sweepOld(dir, /./, maxAgeMs, now)
}

/**
 * The platform's part: multipart parsing for the routes that declare `uploads: true` (refused elsewhere, unread),
 * the site's limits, removal of each request's files once it is answered, and the start-up sweep.
 */
export async function setUpUploads(
  app: FastifyInstance,
  config: Pick<Config, 'dataDir' | 'uploadLimitMb' | 'uploadTotalLimitMb' | 'uploadMaxFiles' | 'diskMarginMb'>,
) {
  const dir = uploadsDir(config.dataDir)
  fs.mkdirSync(dir, { recursive: true })
  sweepUploads(dir)
  app.decorate('uploadSettings', {
    dir,
    maxFileBytes: Math.round(config.uploadLimitMb * MB),
    maxTotalBytes: Math.round(config.uploadTotalLimitMb * MB),
    maxFiles: config.uploadMaxFiles,
    marginBytes: Math.round(config.diskMarginMb * MB),
  } satisfies UploadSettings)
  app.decorate('uploadRoutes', [] as { method: string; url: string }[])
  app.addHook('onRoute', (route) => {
    if (route.config?.uploads) for (const m of [route.method].flat()) app.uploadRoutes.push({ method: m, url: route.url })
  })

  await app.register(multipart)
  app.removeContentTypeParser('multipart/form-data')
  app.addContentTypeParser('multipart/form-data', (request, _payload, done) => {
    if (!request.routeOptions.config?.uploads) {
      done(Object.assign(new Error('This address does not accept files.'), { statusCode: 415 }), undefined)
      return
    }
    // Not read here: receiveFiles reads it, in the handler, checking the CSRF token before it writes anything.
    Object.defineProperty(request, 'isMultipart', { value: () => true })
    done(null, undefined)
  })
  // Once the answer is sent (or the connection drops), remove what was received and not kept.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.headers['content-type']?.toLowerCase().startsWith('multipart/form-data')) return
    reply.raw.once('close', () => {
      for (const remove of ((request as any)[kUploads] ?? []) as (() => void)[]) remove()
    })
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    uploadSettings: UploadSettings
    /** The routes that take files (each must call receiveFiles; a test posts to each without a CSRF token). */
    uploadRoutes: { method: string; url: string }[]
  }
  interface FastifyContextConfig {
    /** This route takes multipart uploads, read by receiveFiles in its handler. */
    uploads?: boolean
  }
}
