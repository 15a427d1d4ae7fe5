/**
 * What an import reads: the paths a user gives (data files, folders searched recursively, zip archives such as
 * police.uk's, and .gz / .br compressed files such as the demo's bundled data) turned into a list of sources. Each source is
 * unpacked, if it needs to be, into a temporary file DuckDB can read, streaming, and hashed on the way, so memory
 * stays bounded whatever the size of the file.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import { Transform, type Readable } from 'node:stream'
import yauzl from 'yauzl'

export interface Materialised {
  /** A plain, uncompressed CSV file DuckDB can read. */
  path: string
  /**
   * sha256 of the (uncompressed) file: police.uk's own file, whatever it was packed in. A plain file is hashed while
   * DuckDB reads it (the two overlap), so this is a promise.
   */
  sha256: Promise<string>
  bytes: number
  cleanup(): void
}

export interface Source {
  /** How users see it: its path, or "2019-08/2019-08-kent-street.csv in archive.zip". */
  label: string
  /** The file's own name, e.g. 2019-08-kent-street.csv (its month and force are read from it when it has them). */
  name: string
  /** Size on disk before unpacking, for progress. */
  size: number
  materialise(tmpDir: string, onBytes?: (n: number) => void): Promise<Materialised>
}

export class SourceError extends Error {}


function hashingCounter(hash: crypto.Hash, counter: { bytes: number }, onBytes?: (n: number) => void) {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      counter.bytes += chunk.length
      onBytes?.(chunk.length)
      done(null, chunk)
    },
  })
}

let tmpCounter = 0
function tmpName(tmpDir: string, name: string) {
  tmpCounter++
  return path.join(tmpDir, `${process.pid}-${tmpCounter}-${name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.(gz|br)$/i, '')}`)
}

function decompressor(name: string) {
  if (/\.gz$/i.test(name)) return zlib.createGunzip()
  if (/\.br$/i.test(name)) return zlib.createBrotliDecompress()
  return undefined
}

/** Unpack a stream into a temporary file, hashing what is written. */
async function toTempFile(input: Readable, name: string, tmpDir: string, onBytes?: (n: number) => void): Promise<Materialised> {
  fs.mkdirSync(tmpDir, { recursive: true })
  const target = tmpName(tmpDir, name)
  const hash = crypto.createHash('sha256')
  const counter = { bytes: 0 }
  const unpack = decompressor(name)
  const cleanup = () => fs.rmSync(target, { force: true })
  try {
    const count = hashingCounter(hash, counter, onBytes)
    if (unpack) await pipeline(input, unpack, count, fs.createWriteStream(target))
    else await pipeline(input, count, fs.createWriteStream(target))
  } catch (err) {
    cleanup()
    throw new SourceError(`${name} could not be read: ${(err as Error).message}`)
  }
  return { path: target, sha256: Promise.resolve(hash.digest('hex')), bytes: counter.bytes, cleanup }
}

function fileSource(file: string): Source {
  const name = path.basename(file)
  return {
    label: file,
    name,
    size: fs.statSync(file).size,
    async materialise(tmpDir, onBytes) {
      if (decompressor(name)) return toTempFile(fs.createReadStream(file), name, tmpDir, onBytes)
      // A plain CSV is read where it is; it is only hashed, in the background.
      const hash = crypto.createHash('sha256')
      const counter = { bytes: 0 }
      const sha256 = pipeline(fs.createReadStream(file), hashingCounter(hash, counter, onBytes), async function* (chunks) { for await (const _ of chunks) { /* hashed */ } })
        .then(() => hash.digest('hex'))
      sha256.catch(() => {}) // awaited by the importer; never an unhandled rejection
      return { path: file, sha256, bytes: fs.statSync(file).size, cleanup: () => {} }
    },
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip!))))
}

/** The data files in a zip (police.uk's archive: YYYY-MM/YYYY-MM-<force>-street.csv and so on). */
async function zipSources(file: string, accept: RegExp, label = file): Promise<Source[]> {
  let zip: yauzl.ZipFile
  try {
    zip = await openZip(file)
  } catch (err) {
    throw new SourceError(`${label} is not a zip file that can be read (${(err as Error).message})`)
  }
  const entries: yauzl.Entry[] = await new Promise((resolve, reject) => {
    const found: yauzl.Entry[] = []
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/') && accept.test(e.fileName) && !e.fileName.split('/').some((p) => p.startsWith('__MACOSX') || p.startsWith('.'))) found.push(e)
      zip.readEntry()
    })
    zip.on('end', () => resolve(found))
    zip.on('error', reject)
    zip.readEntry()
  })
  zip.close()
  return entries.map((entry) => ({
    label: `${entry.fileName} in ${path.basename(label)}`,
    name: path.basename(entry.fileName),
    size: entry.compressedSize,
    async materialise(tmpDir, onBytes) {
      const z = await openZip(file)
      try {
        const stream: Readable = await new Promise((resolve, reject) => z.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s!))))
        return await toTempFile(stream, path.basename(entry.fileName), tmpDir, onBytes)
      } finally {
        z.close()
      }
    },
  }))
}

function walk(dir: string, accept: RegExp, out: string[] = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, accept, out)
    else if (accept.test(e.name) || /\.zip$/i.test(e.name)) out.push(p)
  }
  return out
}

export interface Accept {
  /** Names of the data files wanted (compressed ones included), e.g. /\.csv(\.(gz|br))?$/i. */
  files: RegExp
  /** What they are, for messages: "CSV". */
  what: string
  /** What to give instead, for the message when a path is something else. */
  hint: string
}

export const CSV_FILES: Accept = {
  files: /\.csv(\.(gz|br))?$/i,
  what: 'CSV',
  hint: 'Give police.uk CSV files (street, outcomes or stop-and-search), folders of them, or a police.uk archive zip.',
}

/**
 * The sources behind the given paths, in a stable order. A path that does not exist, or a file that is neither a
 * CSV nor a zip, is refused with a message naming it (nothing is imported until every path is understood).
 */
export async function expandPaths(paths: string[], accept: Accept = CSV_FILES): Promise<Source[]> {
  if (!paths.length) throw new SourceError('Give at least one file, folder or zip to import.')
  const files: string[] = []
  for (const p of paths) {
    let stat: fs.Stats
    try {
      stat = fs.statSync(p)
    } catch {
      throw new SourceError(`${p} does not exist.`)
    }
    if (stat.isDirectory()) {
      const found = walk(p, accept.files)
      if (!found.length) throw new SourceError(`${p} is a folder with no ${accept.what} or zip files in it.`)
      files.push(...found)
    } else if (accept.files.test(p) || /\.zip$/i.test(p)) files.push(p)
    else throw new SourceError(`${p} is not a ${accept.what} or zip file. ${accept.hint}`)
  }
  const sources: Source[] = []
  for (const f of [...new Set(files.map((f) => path.resolve(f)))]) {
    if (/\.zip$/i.test(f)) sources.push(...(await zipSources(f, accept.files)))
    else sources.push(fileSource(f))
  }
  return sources
}

/** Split one CSV line into fields (quoted fields, doubled quotes). Used for header rows only. */
function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++ }
      else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { out.push(field); field = '' }
    else field += ch
  }
  out.push(field)
  return out
}

/**
 * A CSV file's header row as its column names (a byte-order mark, a CR and spaces around each name dropped),
 * read without reading the rest of the file.
 */
export async function readHeader(file: string): Promise<string[]> {
  const fd = fs.openSync(file, 'r')
  try {
    const buf = Buffer.alloc(64 * 1024)
    const n = fs.readSync(fd, buf, 0, buf.length, 0)
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '')
    const end = text.search(/\r?\n/)
    return splitCsvLine(end === -1 ? text : text.slice(0, end)).map((h) => h.trim())
  } finally {
    fs.closeSync(fd)
  }
}
