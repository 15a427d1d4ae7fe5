/**
 * Archives and compressed files an import reads: the limits on what they may unpack to, checked from what they
 * declare and again on the bytes actually inflated, entries whose names leave their folder, and the disk-space check.
 * Every archive is built here, byte by byte (test/crime-helpers.ts writeZip).
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { expandPaths, ensureRoom, sizeLabel, SourceError, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './sources.ts'
import { writeZip, tempFiles } from '../../test/crime-helpers.ts'
import { openAnalytics } from './analytics.ts'

const MB = 1024 * 1024
const files = tempFiles({})
after(() => files.remove())

const zeros = Buffer.alloc(50 * MB)
const packedZeros = zlib.deflateRawSync(zeros).length
const HEADER = Buffer.from('Crime ID,Month,Reported by\n')

/** A zip in the test's folder; returns its path. */
function zip(name: string, entries: Parameters<typeof writeZip>[1]) {
  const p = files.path(name)
  writeZip(p, entries)
  return p
}

/** The refusal expandPaths gives, as a SourceError (anything else fails the test). */
async function refusal(paths: string[], limits?: ArchiveLimits): Promise<string> {
  try {
    await expandPaths(paths, undefined, limits)
  } catch (err) {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${(err as Error).stack}`)
    return err.message
  }
  assert.fail('expected the archive to be refused')
}

const listing = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String) : [])

test('sizes in messages read as people write them', () => {
  assert.equal(sizeLabel(0), '0 bytes')
  assert.equal(sizeLabel(1), '1 byte')
  assert.equal(sizeLabel(1000), '1,000 bytes')
  assert.equal(sizeLabel(1536), '1.5 KB')
  assert.equal(sizeLabel(50 * MB), '50 MB')
  assert.equal(sizeLabel(10 * MB), '10 MB')
  assert.equal(sizeLabel(2048 * MB), '2 GB')
  assert.equal(sizeLabel(1024 * 1024 * MB), '1 TB')
})

test('a small archive whose entry unpacks to 50 MB of zeros is refused by its ratio before anything is unpacked', async () => {
  assert.ok(packedZeros < 60 * 1024, `50 MB of zeros packs to ${packedZeros} bytes`)
  const bomb = zip('bomb.zip', [{ name: '2019-01/2019-01-kent-street.csv', data: zeros }])
  const message = await refusal([bomb])
  const ratio = Math.round((50 * MB) / packedZeros)
  assert.ok(ratio > 1000)
  assert.equal(
    message,
    `2019-01/2019-01-kent-street.csv in bomb.zip is ${Math.round(packedZeros / 1024)} KB packed but unpacks to 50 MB, ${ratio.toLocaleString('en-GB')} times its size (the most Safer allows is 100 times). It may have been built to fill the disk, so nothing was imported from it.`,
  )
})

test('an entry larger than the limit is refused, whatever its ratio; one at the limit is accepted', async () => {
  const random = Buffer.concat([HEADER, crypto.randomBytes(2 * MB)])
  const big = zip('big.zip', [{ name: 'big.csv', data: random }])
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxEntryBytes: 2 * MB }
  assert.equal(
    await refusal([big], limits),
    `big.csv in big.zip unpacks to 2 MB, more than the 2 MB Safer unpacks from one file. Nothing was imported from it.`,
  )
  const sources = await expandPaths([big], undefined, { ...limits, maxEntryBytes: random.length })
  assert.equal(sources.length, 1)
  assert.equal(sources[0].unpacked, random.length)
})

test('an archive with more entries than the limit is refused; the count includes folders and files not imported', async () => {
  const entries = [
    { name: '2019-01/', data: Buffer.alloc(0) },
    { name: 'README.txt', data: Buffer.from('police.uk') },
    ...[1, 2, 3, 4].map((n) => ({ name: `2019-0${n}/2019-0${n}-kent-street.csv`, data: HEADER })),
  ]
  const many = zip('many.zip', entries)
  assert.equal(
    await refusal([many], { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 5 }),
    'many.zip holds more than 5 files and folders, the most Safer reads from one archive. Split it into smaller archives. Nothing was imported.',
  )
  assert.equal((await expandPaths([many], undefined, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 6 })).length, 4)
})

test('entries whose names leave the folder are refused with the archive and the entry named, never thrown raw', async () => {
  for (const name of ['../../evil.csv', '/etc/evil.csv', 'C:/evil.csv', '2019-01/../../evil.csv', '..\\evil.csv']) {
    const archive = zip('escape.zip', [
      { name: '2019-01/2019-01-kent-street.csv', data: HEADER },
      { name, data: HEADER },
    ])
    const shown = name.replace(/\\/g, '/')
    assert.equal(
      await refusal([archive]),
      `escape.zip cannot be imported: it holds "${shown}", a file that would be unpacked outside its folder. Nothing was imported.`,
      name,
    )
  }
})

test('an entry that unpacks to more than its archive declares is stopped while unpacking, and its partial file removed', async () => {
  const liar = zip('liar.zip', [{ name: '2019-01-kent-street.csv', data: zeros, declaredSize: 1000 }])
  const [source] = await expandPaths([liar])
  assert.equal(source.unpacked, 1000, 'the declared size passes the checks made before unpacking')
  const tmp = files.path('tmp-liar')
  await assert.rejects(source.materialise(tmp), (err: Error) => {
    assert.ok(err instanceof SourceError)
    assert.equal(
      err.message,
      '2019-01-kent-street.csv in liar.zip unpacks to more than the 1,000 bytes the archive says it holds: the archive is damaged or was built to fill the disk. Nothing was imported from it.',
    )
    return true
  })
  assert.deepEqual(listing(tmp), [])
})

test('a .gz file, whose size is only known by unpacking it, is stopped by the ratio while unpacking', async () => {
  const gz = files.path('2019-01-kent-street.csv.gz')
  fs.writeFileSync(gz, zlib.gzipSync(zeros))
  const [source] = await expandPaths([gz])
  const tmp = files.path('tmp-gz')
  await assert.rejects(source.materialise(tmp), (err: Error) => {
    assert.ok(err instanceof SourceError)
    assert.match(
      err.message,
      new RegExp(
        `^${gz.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is \\d+ KB packed but unpacks to more than 100 times its size, the most Safer allows\\. It may have been built to fill the disk`,
      ),
    )
    return true
  })
  assert.deepEqual(listing(tmp), [])
  // Its declared size (the gzip trailer) counts for the disk-space check.
  assert.equal(source.unpacked, zeros.length)
})

test('an archive within the limits unpacks byte for byte', async () => {
  const data = Buffer.concat([HEADER, Buffer.from('a1,2019-01,Kent Police\n'.repeat(1000))])
  const ok = zip('ok.zip', [{ name: '2019-01/2019-01-kent-street.csv', data }])
  const [source] = await expandPaths([ok])
  const m = await source.materialise(files.path('tmp-ok'))
  assert.deepEqual(fs.readFileSync(m.path), data)
  assert.equal(await m.sha256, crypto.createHash('sha256').update(data).digest('hex'))
  m.cleanup()
})

test('an import that would leave the disk nearly full is refused before it starts', async () => {
  const archive = zip('room.zip', [{ name: '2019-01/2019-01-kent-street.csv', data: zeros }])
  const sources = await expandPaths([archive], undefined, { ...DEFAULT_ARCHIVE_LIMITS, maxRatio: 10_000 })
  const s = fs.statfsSync(files.dir)
  const free = s.bavail * s.bsize
  // Room for the 50 MB and a 1 MB margin: accepted. A margin of all the free space but 10 MB: refused.
  await ensureRoom(sources, path.join(files.dir, 'not-yet-made/tmp'), MB)
  await assert.rejects(ensureRoom(sources, files.dir, free - 10 * MB), (err: Error) => {
    assert.ok(err instanceof SourceError)
    assert.match(
      err.message,
      /^There is not enough space on the disk for this import: it unpacks to about 50 MB, [\d.,]+ [KMGT]B must stay free, and only [\d.,]+ [KMGT]B is free\. Free some space, or import fewer files at a time\. Nothing was imported\.$/,
    )
    return true
  })
})

test('unpacked import files left by a process killed more than a day ago are removed when the store is opened', async () => {
  const dataDir = files.path('data-swept')
  const tmp = path.join(dataDir, 'analytics/tmp')
  const old = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000)
  for (const name of ['import-1-1', 'geography-1-1', 'uploads', 'import-2-2', 'duckdb']) {
    fs.mkdirSync(path.join(tmp, name), { recursive: true })
    fs.writeFileSync(path.join(tmp, name, 'x.csv'), HEADER)
    if (name !== 'import-2-2') fs.utimesSync(path.join(tmp, name), old, old)
  }
  const a = await openAnalytics({ dataDir })
  await a.close()
  // The recent import's files stay (it may be running), and so does DuckDB's own spill folder.
  assert.deepEqual(fs.readdirSync(tmp).sort(), ['duckdb', 'import-2-2'])
})
