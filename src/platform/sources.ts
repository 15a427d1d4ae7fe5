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
import type { Config } from '../config.ts'

export interface Materialised {
  /** A plain, uncompressed CSV file DuckDB can read. */
  path: string
  /**
   * sha256 of the (uncompressed) file: police.uk's own file, whatever it was packed in. A plain file is hashed while
   * DuckDB reads it (the two overlap), so this is a promise.
   */
  sha256: Promise<string>
  bytes: number
  /**
   * Where the file's first NUL (zero) byte is, counting from 0, or undefined when it has none: a CSV file is text and
   * has none, so a file with one is not text (binary, or UTF-16). Known once sha256 has resolved (the same pass).
   */
  firstNul(): number | undefined
  cleanup(): void
}

export interface Source {
  /** How users see it: its path, or "2019-08/2019-08-kent-street.csv in archive.zip". */
  label: string
  /** The file's own name, e.g. 2019-08-kent-street.csv (its month and force are read from it when it has them). */
  name: string
  /** Size on disk before unpacking, for progress. */
  size: number
  /** Bytes it will write to the temporary folder when it is unpacked (0 for a plain file, read where it is). */
  unpacked: number
  materialise(tmpDir: string, onBytes?: (n: number) => void): Promise<Materialised>
}

export class SourceError extends Error {}

/**
 * What an archive may hold: checked from what it declares before anything is unpacked, and again on the bytes
 * actually inflated while unpacking (a damaged or hostile archive can declare anything).
 */
export interface ArchiveLimits {
  /** Largest file an entry (or a .gz/.br file) may unpack to. */
  maxEntryBytes: number
  /** Most entries (files and folders) an archive may hold. */
  maxEntries: number
  /** Unpacked size over packed size above which an entry is refused. */
  maxRatio: number
}

const MB = 1024 * 1024
/**
 * The defaults: a police.uk archive of every force over three years passes (about 6 GB unpacked in about 5,000 files,
 * the largest some tens of MB; police.uk CSVs deflate about 5 to 1, the most repetitive 20 to 1).
 */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxEntryBytes: 1024 * MB, maxEntries: 100_000, maxRatio: 100 }

export function archiveLimits(config: Pick<Config, 'zipMaxEntryMb' | 'zipMaxEntries' | 'zipMaxRatio'>): ArchiveLimits {
  return { maxEntryBytes: Math.round(config.zipMaxEntryMb * MB), maxEntries: config.zipMaxEntries, maxRatio: config.zipMaxRatio }
}

/** Below this size an entry's ratio is not judged: a small repetitive file packs very well and can fill no disk. */
export const RATIO_FLOOR_BYTES = MB

/** 1,536 bytes as "1.5 KB", 52,428,800 as "50 MB": sizes in messages. */
export function sizeLabel(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  if (u === 0) return `${bytes.toLocaleString('en-GB')} ${bytes === 1 ? 'byte' : 'bytes'}`
  return `${Number(v.toFixed(v < 10 ? 1 : 0)).toLocaleString('en-GB')} ${units[u]}`
}

const times = (ratio: number) => Math.round(ratio).toLocaleString('en-GB')

/**
 * Why an entry that packs to `packed` bytes must not be unpacked to `unpacked` bytes, or undefined if it may.
 * `soFar`: `unpacked` is what has been inflated so far (there is more), not what the archive declares.
 */
function tooBig(what: string, packed: number, unpacked: number, limits: ArchiveLimits, soFar = false): string | undefined {
  const fill = 'It may have been built to fill the disk, so nothing was imported from it.'
  if (unpacked > RATIO_FLOOR_BYTES && unpacked > packed * limits.maxRatio) {
    return soFar
      ? `${what} is ${sizeLabel(packed)} packed but unpacks to more than ${times(limits.maxRatio)} times its size, the most Safer allows. ${fill}`
      : `${what} is ${sizeLabel(packed)} packed but unpacks to ${sizeLabel(unpacked)}, ${times(unpacked / Math.max(packed, 1))} times its size (the most Safer allows is ${times(limits.maxRatio)} times). ${fill}`
  }
  if (unpacked > limits.maxEntryBytes) {
    return soFar
      ? `${what} unpacks to more than ${sizeLabel(limits.maxEntryBytes)}, the most Safer unpacks from one file. ${fill}`
      : `${what} unpacks to ${sizeLabel(unpacked)}, more than the ${sizeLabel(limits.maxEntryBytes)} Safer unpacks from one file. Nothing was imported from it.`
  }
  return undefined
}

/**
 * Refuse an import whose unpacked files would leave less than `marginBytes` free on the disk that holds `folder`.
 * Counts what the sources declare (zip entries) or can be read from them (a .gz file's trailer); the import
 * removes each batch's unpacked files as it goes, so this errs on the safe side.
 */
export async function ensureRoom(sources: Source[], folder: string, marginBytes: number) {
  const needed = sources.reduce((n, s) => n + s.unpacked, 0)
  const free = await freeBytes(folder)
  if (free < needed + marginBytes) {
    throw new SourceError(
      `There is not enough space on the disk for this import: it unpacks to about ${sizeLabel(needed)}, ${sizeLabel(marginBytes)} must stay free, and only ${sizeLabel(free)} is free. Free some space, or import fewer files at a time. Nothing was imported.`,
    )
  }
}

/** Free bytes for this process on the disk that holds `folder` (or the nearest folder above it that exists). */
export async function freeBytes(folder: string): Promise<number> {
  let dir = path.resolve(folder)
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  const s = await fs.promises.statfs(dir)
  return s.bavail * s.bsize
}

/** Hash and count what passes; `guard` sees the running count and stops the stream with its message. */
function hashingCounter(
  hash: crypto.Hash,
  counter: { bytes: number; firstNul?: number },
  onBytes?: (n: number) => void,
  guard?: (bytes: number) => string | undefined,
) {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (counter.firstNul === undefined) {
        const at = chunk.indexOf(0)
        if (at !== -1) counter.firstNul = counter.bytes + at
      }
      counter.bytes += chunk.length
      const refused = guard?.(counter.bytes)
      if (refused) return done(new SourceError(refused))
      hash.update(chunk)
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

/**
 * Unpack a stream into a temporary file, hashing what is written. `guard` is asked after every chunk whether the
 * bytes actually unpacked so far are still acceptable; when not, the file is removed and its message thrown.
 */
async function toTempFile(
  input: Readable,
  name: string,
  tmpDir: string,
  onBytes?: (n: number) => void,
  guard?: (bytes: number) => string | undefined,
): Promise<Materialised> {
  fs.mkdirSync(tmpDir, { recursive: true })
  const target = tmpName(tmpDir, name)
  const hash = crypto.createHash('sha256')
  const counter: { bytes: number; firstNul?: number } = { bytes: 0 }
  const unpack = decompressor(name)
  const cleanup = () => fs.rmSync(target, { force: true })
  try {
    const count = hashingCounter(hash, counter, onBytes, guard)
    if (unpack) await pipeline(input, unpack, count, fs.createWriteStream(target))
    else await pipeline(input, count, fs.createWriteStream(target))
  } catch (err) {
    cleanup()
    if (err instanceof SourceError) throw err
    throw new SourceError(`${name} could not be read: ${(err as Error).message}`)
  }
  return { path: target, sha256: Promise.resolve(hash.digest('hex')), bytes: counter.bytes, firstNul: () => counter.firstNul, cleanup }
}

/** What a .gz file says it unpacks to (its trailer holds the size modulo 4 GB); a .br file does not say. */
function declaredUnpacked(file: string, size: number): number {
  if (!/\.gz$/i.test(file) || size < 18) return /\.br$/i.test(file) ? size : 0
  const fd = fs.openSync(file, 'r')
  try {
    const b = Buffer.alloc(4)
    fs.readSync(fd, b, 0, 4, size - 4)
    return Math.max(b.readUInt32LE(0), size)
  } finally {
    fs.closeSync(fd)
  }
}

function fileSource(file: string, limits: ArchiveLimits): Source {
  const name = path.basename(file)
  const size = fs.statSync(file).size
  return {
    label: file,
    name,
    size,
    unpacked: decompressor(name) ? declaredUnpacked(file, size) : 0,
    async materialise(tmpDir, onBytes) {
      if (decompressor(name))
        return toTempFile(fs.createReadStream(file), name, tmpDir, onBytes, (bytes) => tooBig(file, size, bytes, limits, true))
      // A plain CSV is read where it is; it is only hashed, in the background.
      const hash = crypto.createHash('sha256')
      const counter: { bytes: number; firstNul?: number } = { bytes: 0 }
      const sha256 = pipeline(fs.createReadStream(file), hashingCounter(hash, counter, onBytes), async (chunks: AsyncIterable<Buffer>) => {
        for await (const _ of chunks) {
          /* hashed */
        }
      }).then(() => hash.digest('hex'))
      sha256.catch(() => {}) // awaited by the importer; never an unhandled rejection
      return { path: file, sha256, bytes: fs.statSync(file).size, firstNul: () => counter.firstNul, cleanup: () => {} }
    },
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  // Entry sizes are checked here, on the bytes actually inflated (see zipSources), with messages of our own.
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: false }, (err, zip) => (err ? reject(err) : resolve(zip!))),
  )
}

/** yauzl refuses entries whose names leave the folder (../, /absolute, C:, backslashes): its messages end with the name. */
const UNSAFE_NAME = /^(invalid relative path|absolute path|invalid characters in fileName): (.*)$/s

/**
 * The data files in a zip (police.uk's archive: YYYY-MM/YYYY-MM-<force>-street.csv and so on). The archive is refused,
 * before anything is unpacked, when it holds more entries than the limit, an entry whose name leaves its folder, or a
 * wanted entry that declares more than the limits allow; while unpacking, an entry is stopped as soon as the bytes
 * actually inflated pass what it declared or the limits.
 */
async function zipSources(file: string, accept: RegExp, limits: ArchiveLimits, label = file): Promise<Source[]> {
  const archive = path.basename(label)
  let zip: yauzl.ZipFile
  try {
    zip = await openZip(file)
  } catch (err) {
    throw new SourceError(`${label} is not a zip file that can be read (${(err as Error).message})`)
  }
  const tooMany = () =>
    new SourceError(
      `${archive} holds more than ${limits.maxEntries.toLocaleString('en-GB')} files and folders, the most Safer reads from one archive. Split it into smaller archives. Nothing was imported.`,
    )
  let entries: yauzl.Entry[]
  try {
    if (zip.entryCount > limits.maxEntries) throw tooMany()
    entries = await new Promise((resolve, reject) => {
      const found: yauzl.Entry[] = []
      let count = 0
      zip.on('entry', (e: yauzl.Entry) => {
        if (++count > limits.maxEntries) return reject(tooMany())
        if (
          !e.fileName.endsWith('/') &&
          accept.test(e.fileName) &&
          !e.fileName.split('/').some((p) => p.startsWith('__MACOSX') || p.startsWith('.'))
        ) {
          const refused = tooBig(`${e.fileName} in ${archive}`, e.compressedSize, e.uncompressedSize, limits)
          if (refused) return reject(new SourceError(refused))
          found.push(e)
        }
        zip.readEntry()
      })
      zip.on('end', () => resolve(found))
      zip.on('error', (err: Error) => {
        const unsafe = UNSAFE_NAME.exec(err.message)
        reject(
          unsafe
            ? new SourceError(
                `${archive} cannot be imported: it holds "${unsafe[2]}", a file that would be unpacked outside its folder. Nothing was imported.`,
              )
            : new SourceError(`${archive} is not a zip file that can be read (${err.message})`),
        )
      })
      zip.readEntry()
    })
  } finally {
    zip.close()
  }
  return entries.map((entry) => {
    const what = `${entry.fileName} in ${archive}`
    const guard = (bytes: number) =>
      bytes > entry.uncompressedSize
        ? `${what} unpacks to more than the ${sizeLabel(entry.uncompressedSize)} the archive says it holds: the archive is damaged or was built to fill the disk. Nothing was imported from it.`
        : tooBig(what, entry.compressedSize, bytes, limits, true)
    return {
      label: what,
      name: path.basename(entry.fileName),
      size: entry.compressedSize,
      unpacked: entry.uncompressedSize,
      async materialise(tmpDir, onBytes) {
        const z = await openZip(file)
        try {
          const stream: Readable = await new Promise((resolve, reject) =>
            z.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s!))),
          )
          return await toTempFile(stream, path.basename(entry.fileName), tmpDir, onBytes, guard)
        } finally {
          z.close()
        }
      },
    }
  })
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
export async function expandPaths(
  paths: string[],
  accept: Accept = CSV_FILES,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<Source[]> {
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
    if (/\.zip$/i.test(f)) sources.push(...(await zipSources(f, accept.files, limits)))
    else sources.push(fileSource(f, limits))
  }
  return sources
}

/** Temporary files older than this, left by a process that stopped while it held them, are removed at start-up. */
export const SWEEP_AGE_MS = 24 * 60 * 60 * 1000

/**
 * Remove what `dir` holds (files or folders) whose name matches and that is older than `maxAgeMs`: temporary
 * uploads and unpacked import files left by a process that was killed. Returns the names removed.
 */
export function sweepOld(dir: string, match: RegExp = /./, maxAgeMs = SWEEP_AGE_MS, now = Date.now()): string[] {
  if (!fs.existsSync(dir)) return []
  const removed: string[] = []
  for (const name of fs.readdirSync(dir)) {
    if (!match.test(name)) continue
    const p = path.join(dir, name)
    try {
      if (now - fs.statSync(p).mtimeMs > maxAgeMs) {
        fs.rmSync(p, { recursive: true, force: true })
        removed.push(name)
      }
    } catch {
      /* removed meanwhile */
    }
  }
  return removed
}

/** Split one CSV line into fields (quoted fields, doubled quotes). Used for header rows only. */
function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(field)
      field = ''
    } else field += ch
  }
  out.push(field)
  return out
}

/** The longest first line readHeader reads (a header of 100,000 columns is about 1 MB). */
export const HEADER_MAX_BYTES = 16 * 1024 * 1024

/**
 * A CSV file's header row as its column names (a byte-order mark, a CR and spaces around each name dropped),
 * read without reading the rest of the file: up to the first line break, however long the line (to HEADER_MAX_BYTES),
 * so a refused header is reported with its true number of columns.
 */
export async function readHeader(file: string): Promise<string[]> {
  const fd = fs.openSync(file, 'r')
  try {
    const chunks: Buffer[] = []
    let read = 0
    for (;;) {
      const buf = Buffer.alloc(Math.min(1024 * 1024, HEADER_MAX_BYTES - read))
      const n = buf.length ? fs.readSync(fd, buf, 0, buf.length, read) : 0
      if (!n) break
      const chunk = buf.subarray(0, n)
      const nl = chunk.indexOf(0x0a)
      chunks.push(nl === -1 ? chunk : chunk.subarray(0, nl))
      read += n
      if (nl !== -1) break
    }
    const text = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r$/, '')
    return splitCsvLine(text).map((h) => h.trim())
  } finally {
    fs.closeSync(fd)
  }
}
