/**
 * Checks scripts/generate-national.ts by re-reading what it wrote, independently of its own code:
 *   node --import tsx --test test/generate-national.test.ts
 * Geography comes from opendata/geography, or from $GEOGRAPHY_DIR when set.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { brotliDecompressSync } from 'node:zlib'
import { DEFAULT_GEOGRAPHY, generateNational, type FileTruth } from '../scripts/generate-national.ts'
import { FORCES } from '../src/crime/forces.ts'

const GEOGRAPHY = process.env.GEOGRAPHY_DIR ?? DEFAULT_GEOGRAPHY
const HEADER =
  'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context'
const ROWS = 20_000

/** One CSV line into fields (quoted fields may hold commas and doubled quotes, not line breaks). */
function fields(line: string): string[] {
  const out: string[] = []
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      let v = ''
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        assert.ok(q >= 0, `unterminated quote in ${line}`)
        v += line.slice(i, q)
        if (line[q + 1] === '"') {
          v += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      out.push(v)
      assert.ok(i === line.length || line[i] === ',', `junk after a quoted field in ${line}`)
    } else {
      const c = line.indexOf(',', i)
      const end = c < 0 ? line.length : c
      const v = line.slice(i, end)
      assert.ok(!v.includes('"'), `bare quote in ${line}`)
      out.push(v)
      i = end
    }
    if (i >= line.length) return out
    i++ // the comma
    if (i === line.length) {
      out.push('')
      return out
    }
  }
}

function geographyCsv(name: string): string[][] {
  const br = path.join(GEOGRAPHY, name + '.br')
  const text = existsSync(br) ? brotliDecompressSync(readFileSync(br)).toString('utf8') : readFileSync(path.join(GEOGRAPHY, name), 'utf8')
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter(Boolean)
    .map(fields)
}

/** LSOA 2011 code → PFA code, through LAD22 (= LAD21) codes. */
function lsoaPfa(): Map<string, string> {
  const lad = geographyCsv('lad21_to_csp_to_pfa21_lookup_ew.csv')
  const ladPfa = new Map<string, string>()
  const lc = lad[0].indexOf('lad-code'),
    pc = lad[0].indexOf('PFA21CD')
  for (const r of lad.slice(1)) ladPfa.set(r[lc], r[pc])
  const lsoa = geographyCsv('lsoa11_to_lsoa21_bestfit_lad22_ew.csv')
  const cc = lsoa[0].indexOf('LSOA11CD'),
    dc = lsoa[0].indexOf('LAD22CD')
  const out = new Map<string, string>()
  for (const r of lsoa.slice(1)) out.set(r[cc], ladPfa.get(r[dc]) ?? '')
  return out
}

function listFiles(dir: string, base = ''): string[] {
  return readdirSync(path.join(dir, base)).flatMap((n) => {
    const rel = base ? `${base}/${n}` : n
    return statSync(path.join(dir, rel)).isDirectory() ? listFiles(dir, rel) : [rel]
  })
}

test('generate-national writes a police.uk-shaped archive that matches expected.json', async () => {
  const a = mkdtempSync(path.join(tmpdir(), 'national-a-'))
  const b = mkdtempSync(path.join(tmpdir(), 'national-b-'))
  try {
    const opts = { rows: ROWS, from: '2019-11', months: 2, seed: 7, geography: GEOGRAPHY }
    const summary = await generateNational({ ...opts, out: a })
    await generateNational({ ...opts, out: b })
    assert.equal(summary.rows, ROWS)

    const expected = JSON.parse(readFileSync(path.join(a, 'expected.json'), 'utf8')) as {
      totals: Record<string, number>
      files: FileTruth[]
    }
    const territorial = FORCES.filter((f) => f.pfaCode)
    assert.equal(territorial.length, 43)
    const bySlug = new Map(territorial.map((f) => [f.slug, f]))
    const pfaOf = lsoaPfa()

    // Layout: 43 forces × 2 months, named YYYY-MM/YYYY-MM-<slug>-street.csv, plus expected.json.
    const written = listFiles(a).sort()
    assert.deepEqual(written, [...expected.files.map((f) => f.file), 'expected.json'].sort())
    assert.equal(expected.files.length, 86)
    const slugsByMonth = new Map<string, Set<string>>()
    for (const f of expected.files) {
      const m = /^(\d{4}-\d{2})\/(\d{4}-\d{2})-([a-z-]+)-street\.csv$/.exec(f.file)
      assert.ok(m, f.file)
      assert.equal(m[1], m[2])
      assert.equal(m[1], f.month)
      assert.equal(m[3], f.force)
      assert.ok(bySlug.has(f.force), f.force)
      if (!slugsByMonth.has(f.month)) slugsByMonth.set(f.month, new Set())
      slugsByMonth.get(f.month)!.add(f.force)
    }
    assert.deepEqual([...slugsByMonth.keys()].sort(), ['2019-11', '2019-12'])
    for (const s of slugsByMonth.values()) assert.equal(s.size, 43)

    const totals = { rows: 0, emptyCrimeId: 0, noLocation: 0, duplicateCrimeIds: 0, crossBorder: 0 }
    const endings = new Set<string>()
    for (const f of expected.files) {
      const buf = readFileSync(path.join(a, f.file))
      assert.equal(buf.length, f.bytes, `${f.file} size`)
      assert.ok(buf.equals(readFileSync(path.join(b, f.file))), `${f.file} differs between two runs with the same seed`)
      const text = buf.toString('utf8')
      const crlf = text.includes('\r\n')
      assert.equal(crlf ? 'crlf' : 'lf', f.lineEnding)
      if (!crlf) assert.ok(!text.includes('\r'))
      else assert.equal(text.split('\n').length, text.split('\r\n').length, `${f.file} mixes line endings`)
      endings.add(f.lineEnding)
      assert.ok(text.endsWith('\n'))
      const lines = text.split(/\r?\n/)
      assert.equal(lines.pop(), '')
      assert.equal(lines[0], HEADER, `${f.file} header`)
      const force = bySlug.get(f.force)!

      let asb = 0,
        noLoc = 0,
        dups = 0,
        cross = 0
      const ids = new Set<string>()
      for (const line of lines.slice(1)) {
        const r = fields(line)
        assert.equal(r.length, 12, line)
        const [id, month, reportedBy, fallsWithin, lon, lat, location, lsoaCode, lsoaName, type, outcome, context] = r
        assert.equal(month, f.month)
        assert.equal(reportedBy, force.name)
        assert.equal(fallsWithin, force.name)
        assert.equal(context, '')
        assert.ok(type, line)
        if (type === 'Anti-social behaviour') {
          assert.equal(id, '', line)
          assert.equal(outcome, '', line)
          asb++
        } else {
          assert.match(id, /^[0-9a-f]{64}$/, line)
          assert.ok(outcome, line)
          if (ids.has(id)) dups++
          ids.add(id)
        }
        if (location === 'No Location') {
          assert.deepEqual([lon, lat, lsoaCode, lsoaName], ['', '', '', ''], line)
          assert.notEqual(type, 'Anti-social behaviour')
          noLoc++
        } else {
          assert.match(location, /^On or near \S/, line)
          assert.match(lon, /^-?\d+\.\d{6}$/, line)
          assert.match(lat, /^\d+\.\d{6}$/, line)
          assert.ok(+lon > -6.5 && +lon < 2 && +lat > 49.8 && +lat < 56, line)
          assert.ok(pfaOf.has(lsoaCode), `${lsoaCode} is not an LSOA 2011 code: ${line}`)
          assert.ok(lsoaName, line)
          if (pfaOf.get(lsoaCode) !== force.pfaCode) cross++
        }
      }
      const rows = lines.length - 1
      assert.equal(rows, f.rows, `${f.file} rows`)
      assert.equal(asb, f.emptyCrimeId, `${f.file} empty Crime IDs`)
      assert.equal(noLoc, f.noLocation, `${f.file} No Location`)
      assert.equal(dups, f.duplicateCrimeIds, `${f.file} duplicate Crime IDs`)
      assert.equal(cross, f.crossBorder, `${f.file} cross-border`)
      totals.rows += rows
      totals.emptyCrimeId += asb
      totals.noLocation += noLoc
      totals.duplicateCrimeIds += dups
      totals.crossBorder += cross
    }
    assert.deepEqual(endings, new Set(['crlf', 'lf']))
    for (const [k, v] of Object.entries(totals)) assert.equal(expected.totals[k], v, `total ${k}`)
    assert.equal(totals.rows, ROWS)
    assert.ok(readFileSync(path.join(a, 'expected.json')).equals(readFileSync(path.join(b, 'expected.json'))))

    // The quirks are there in about the proportions asked for.
    assert.ok(Math.abs(totals.noLocation / ROWS - 0.075) < 0.01, `No Location ${totals.noLocation}`)
    assert.ok(Math.abs(totals.emptyCrimeId / ROWS - 95098 / 494944) < 0.02, `ASB ${totals.emptyCrimeId}`)
    assert.ok(totals.duplicateCrimeIds > 0 && totals.duplicateCrimeIds < 0.02 * ROWS, `duplicates ${totals.duplicateCrimeIds}`)
    assert.ok(totals.crossBorder > 0 && totals.crossBorder < 0.01 * ROWS, `cross-border ${totals.crossBorder}`)

    // A different seed gives different data.
    const c = mkdtempSync(path.join(tmpdir(), 'national-c-'))
    try {
      await generateNational({ ...opts, rows: 2000, seed: 8, out: c })
      await generateNational({ ...opts, rows: 2000, seed: 7, out: b })
      const f = expected.files[0].file
      assert.ok(!readFileSync(path.join(b, f)).equals(readFileSync(path.join(c, f))))
    } finally {
      rmSync(c, { recursive: true, force: true })
    }
  } finally {
    rmSync(a, { recursive: true, force: true })
    rmSync(b, { recursive: true, force: true })
  }
})
