/**
 * Importing police.uk data and counting it: every count is checked against an independent count made here, in plain
 * JavaScript, from the same CSV files (the real ones in the shared data and the bundled copies, and the small fixture
 * committed beside this test), including the ASB, duplicate and "No Location" cases.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { TestApp } from '../../test/helpers.ts'
import { clientAs, text } from '../../test/helpers.ts'
import {
  testAppWithGeography,
  importFiles,
  independentStreet,
  countBy,
  lsoaToLad19,
  ladLookup2021,
  bundled,
  FIXTURES,
  csvObjects,
  sharedTest,
  shared,
  snapshot,
  tempFiles,
  readText,
  writeZip,
} from '../../test/crime-helpers.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
})
after(async () => {
  await t.close()
})

const api = async (query: string) => {
  const res = await (await clientAs(t, 'anonymous')).get(`/api/v1/crime/counts?${query}`)
  assert.equal(res.status, 200, res.body)
  return res.json()
}
const key = (...parts: unknown[]) => parts.join('|')
const asMap = (rows: any[], ...fields: string[]) =>
  new Map(rows.filter((r) => r.count > 0).map((r) => [key(...fields.map((f) => r[f])), r.count]))

const fixture = path.join(FIXTURES, '2019-01-west-mercia-street.csv')

test('the real West Mercia and Hampshire files: each district, CSP, county and force area counts as an independent count of the same files', async () => {
  const files = [...bundled('west-mercia'), ...bundled('hampshire')]
  // --replace: imported now, whatever other tests left in this app's store.
  const { results } = await importFiles(t, files, { replace: true })
  assert.deepEqual(
    results.map((r) => r.status),
    files.map(() => 'imported'),
  )
  const { kept, perFile } = independentStreet(files)
  // Each file's own figures.
  for (const r of results) {
    const f = perFile.get(files.find((x) => r.source === x)!)!
    assert.deepEqual(
      { kept: r.rowsKept, duplicates: r.duplicates, noLocation: r.noLocation },
      { kept: f.kept, duplicates: f.duplicates, noLocation: f.noLocation },
      r.source,
    )
  }
  const lad = lsoaToLad19()
  const lookup = ladLookup2021()
  const lsoaIn = (lads: string[]) => (k: { lsoa: string }) => !!k.lsoa && lads.includes(lad.get(k.lsoa) ?? '')
  const cases: [string, (k: (typeof kept)[number]) => boolean][] = [
    ['E07000237', lsoaIn(['E07000237'])], // Worcester district
    ['E22000332', lsoaIn(lookup.filter((r) => r['csp-code'] === 'E22000332').map((r) => r['lad-code']))], // South Worcester CSP
    [
      'E10000014',
      lsoaIn([
        'E07000084',
        'E07000085',
        'E07000086',
        'E07000087',
        'E07000088',
        'E07000089',
        'E07000090',
        'E07000091',
        'E07000092',
        'E07000093',
        'E07000094',
      ]),
    ], // Hampshire county
    // A police force area: its LSOAs, whichever force reported them, and its own force's "No Location" records.
    [
      'E23000016',
      (k) =>
        lsoaIn(lookup.filter((r) => r.PFA21CD === 'E23000016').map((r) => r['lad-code']))(k) ||
        (!k.lsoa && k.reportedBy === 'West Mercia Police'),
    ],
    ['west-mercia', (k) => k.reportedBy === 'West Mercia Police'],
  ]
  for (const [area, inArea] of cases) {
    const body = await api(`area=${area}&from=2018-10&to=2019-02&group=month,crime_type`)
    const expected = countBy(kept.filter(inArea), (k) => key(k.month, k.type))
    assert.ok(expected.size > 20, `${area} has records`)
    assert.deepEqual(asMap(body.rows, 'month', 'crime_type'), expected, area)
    assert.equal(body.coverage.complete, true)
  }
})

test('ASB rows without a Crime ID are each kept; a repeated Crime ID is kept once (its first row) and counted as a duplicate', async () => {
  const { results } = await importFiles(t, [fixture], { replace: true })
  const [r] = results
  const rows = csvObjects(fixture)
  const ids = rows.map((x) => x['Crime ID']).filter(Boolean)
  assert.equal(r.status, 'imported')
  assert.equal(r.rowsRead, rows.length)
  assert.equal(r.duplicates, ids.length - new Set(ids).size)
  assert.equal(r.rowsKept, rows.length - r.duplicates!)
  const asb = await t.services.analytics.all<{ n: number }>(
    `SELECT count(*) AS n FROM crime.street WHERE force = 'west-mercia' AND month = DATE '2019-01-01' AND crime_id IS NULL`,
  )
  assert.equal(asb[0].n, rows.filter((x) => !x['Crime ID']).length)
  const kept = await t.services.analytics.all<{ outcome: string }>(`SELECT outcome FROM crime.street WHERE crime_id = 'a03'`)
  assert.deepEqual(
    kept.map((k) => k.outcome),
    [rows.find((x) => x['Crime ID'] === 'a03')!['Last outcome category']],
  )
})

test('"No Location" rows count in the force total and show as no location by LSOA; a row in an LSOA outside the force area counts for that LSOA\'s area', async () => {
  // The fixture holds West Mercia's January 2019; Hampshire's real January 2019 is loaded too.
  const hampshire = bundled('hampshire').find((f) => f.includes('2019-01'))!
  await importFiles(t, [fixture, hampshire], { replace: true })
  const { kept: both } = independentStreet([fixture, hampshire])
  const kept = both.filter((k) => k.reportedBy === 'West Mercia Police')
  const noLocation = kept.filter((k) => !k.lsoa).length
  const force = await api('area=west-mercia&from=2019-01&to=2019-01&group=lsoa')
  assert.equal(force.rows.find((r: any) => r.lsoa === null).count, noLocation)
  assert.equal(force.rows.find((r: any) => r.lsoa === null).lsoa_name, 'No location')
  assert.equal(
    force.rows.reduce((n: number, r: any) => n + r.count, 0),
    kept.length,
  )
  const outside = kept.filter((k) => k.lsoa === 'E01022553').length
  assert.equal(outside, 1)
  // Basingstoke and Deane (Hampshire) counts it with Hampshire's own; West Mercia's police force area does not, but the force's no-location rows are in it.
  const lad = lsoaToLad19()
  const wmLads = ladLookup2021()
    .filter((r) => r.PFA21CD === 'E23000016')
    .map((r) => r['lad-code'])
  const basingstoke = await api('area=E07000084&from=2019-01&to=2019-01&group=month')
  assert.equal(basingstoke.rows[0].count, both.filter((k) => lad.get(k.lsoa) === 'E07000084').length)
  assert.ok(both.filter((k) => lad.get(k.lsoa) === 'E07000084' && k.reportedBy === 'West Mercia Police').length === 1)
  const pfa = await api('area=E23000016&from=2019-01&to=2019-01&group=month')
  assert.equal(
    pfa.rows[0].count,
    both.filter((k) => wmLads.includes(lad.get(k.lsoa) ?? '') || (!k.lsoa && k.reportedBy === 'West Mercia Police')).length,
  )
  const district = await api('area=E07000237&from=2019-01&to=2019-01&group=month')
  assert.equal(district.rows[0].count, both.filter((k) => lad.get(k.lsoa) === 'E07000237').length)
  assert.equal(district.coverage.noLocation, noLocation)
})

test('outcome spellings are normalised; outcomes and crime types police.uk did not use are kept and flagged', async () => {
  const { results } = await importFiles(t, [fixture], { replace: true })
  const r = results[0]
  assert.deepEqual(r.unknownTypeNames, ['Public disorder and weapons'])
  assert.equal(r.unknownTypes, 1)
  assert.deepEqual(r.unknownOutcomeNames, ['Referred to a restorative justice panel'])
  const [a04] = await t.services.analytics.all<{ outcome: string; outcome_published: string; outcome_known: boolean }>(
    `SELECT outcome, outcome_published, outcome_known FROM crime.street WHERE crime_id = 'a04'`,
  )
  assert.deepEqual(a04, {
    outcome: 'Offender given penalty notice',
    outcome_published: 'Offender given a penalty notice',
    outcome_known: true,
  })
  const [a09] = await t.services.analytics.all<{ outcome: string; outcome_known: boolean }>(
    `SELECT outcome, outcome_known FROM crime.street WHERE crime_id = 'a09'`,
  )
  assert.deepEqual(a09, { outcome: 'Referred to a restorative justice panel', outcome_known: false })
  const [a08] = await t.services.analytics.all<{ crime_type: string; type_known: boolean }>(
    `SELECT crime_type, type_known FROM crime.street WHERE crime_id = 'a08'`,
  )
  assert.deepEqual(a08, { crime_type: 'Public disorder and weapons', type_known: false })
})

test('a byte-order mark, CRLF or LF endings and quoted fields are read as police.uk means them', async () => {
  const crlf = fs.readFileSync(fixture, 'utf8')
  assert.ok(crlf.startsWith('\uFEFF') && crlf.includes('\r\n'))
  const files = tempFiles({ '2019-01-west-mercia-street.csv': crlf.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n') })
  try {
    await importFiles(t, [fixture], { replace: true })
    const fromCrlf = await api('area=west-mercia&from=2019-01&to=2019-01&group=crime_type,outcome')
    const [loc] = await t.services.analytics.all<{ location: string; context: string }>(
      `SELECT location, context FROM crime.street WHERE crime_id = 'a04'`,
    )
    assert.deepEqual(loc, { location: 'On or near "The Cross", Worcester', context: 'A quoted, comma-bearing context' })
    const [ctx] = await t.services.analytics.all<{ context: string | null }>(`SELECT context FROM crime.street WHERE crime_id = 'a01'`)
    assert.equal(ctx.context, null, 'the CR of a CRLF ending is not part of the last field')
    await importFiles(t, [files.path('2019-01-west-mercia-street.csv')])
    const fromLf = await api('area=west-mercia&from=2019-01&to=2019-01&group=crime_type,outcome')
    assert.deepEqual(fromLf.rows, fromCrlf.rows)
  } finally {
    files.remove()
  }
})

test('the same files imported twice give the same counts: unchanged files are left alone, and --replace re-imports them', async () => {
  const files = bundled('west-mercia')
  await importFiles(t, files)
  const first = await api('area=E22000368&group=month,crime_type')
  const again = await importFiles(t, files)
  assert.deepEqual(
    again.results.map((r) => r.status),
    files.map(() => 'unchanged'),
  )
  const replaced = await importFiles(t, files, { replace: true })
  assert.deepEqual(
    replaced.results.map((r) => r.status),
    files.map(() => 'imported'),
  )
  assert.ok(replaced.results.every((r) => r.replaced))
  assert.deepEqual((await api('area=E22000368&group=month,crime_type')).rows, first.rows)
})

test('re-importing a force-month from a changed file replaces it whole', async () => {
  await importFiles(t, [fixture], { replace: true })
  const lines = fs.readFileSync(fixture, 'utf8').split('\r\n')
  const shorter = tempFiles({ '2019-01-west-mercia-street.csv': [...lines.slice(0, 4), ''].join('\r\n') })
  try {
    const { results } = await importFiles(t, [shorter.path('2019-01-west-mercia-street.csv')])
    assert.equal(results[0].status, 'imported')
    assert.equal(results[0].replaced, true)
    const body = await api('area=west-mercia&from=2019-01&to=2019-01&group=month')
    assert.equal(body.rows[0].count, 3)
    const ids = await t.services.analytics.all<{ crime_id: string }>(
      `SELECT crime_id FROM crime.street WHERE force = 'west-mercia' AND month = DATE '2019-01-01' ORDER BY crime_id`,
    )
    assert.deepEqual(
      ids.map((i) => i.crime_id),
      ['a01', 'a02', null],
    )
  } finally {
    shorter.remove()
    await importFiles(t, [fixture], { replace: true })
  }
})

test('missing force-months are gaps, never zeros; loaded months with none of a type are zeros', async () => {
  // A store of its own: other tests here load the month this one needs missing.
  const own = await testAppWithGeography()
  const api = async (query: string) => {
    const res = await (await clientAs(own, 'anonymous')).get(`/api/v1/crime/counts?${query}`)
    assert.equal(res.status, 200, res.body)
    return res.json()
  }
  try {
    const files = bundled('avon-and-somerset').filter((f) => /20(19-(08|10))/.test(f))
    await importFiles(own, files)
    const body = await api('area=E06000023&from=2019-08&to=2019-10&group=month')
    assert.deepEqual(
      body.rows.map((r: any) => r.month),
      ['2019-08', '2019-10'],
    )
    assert.deepEqual(body.coverage.gaps, ['2019-09'])
    assert.equal(body.coverage.complete, false)
    assert.deepEqual(
      body.coverage.months.map((m: any) => m.status),
      ['loaded', 'missing', 'loaded'],
    )
    // A type absent in one loaded month is 0 there (Bicycle theft in one LSOA is rare).
    const lsoa = await api('area=E01014399&from=2019-08&to=2019-10&group=month,crime_type')
    const months = new Set(lsoa.rows.map((r: any) => r.month))
    assert.deepEqual([...months], ['2019-08', '2019-10'])
    const types = new Set(lsoa.rows.map((r: any) => r.crime_type))
    for (const type of types)
      assert.equal(lsoa.rows.filter((r: any) => r.crime_type === type).length, 2, `${type} appears in both loaded months`)
    const { kept } = independentStreet(files)
    assert.deepEqual(
      asMap(lsoa.rows, 'month', 'crime_type'),
      countBy(
        kept.filter((k) => k.lsoa === 'E01014399'),
        (k) => key(k.month, k.type),
      ),
    )
    // The area page shows the gap in words.
    const page = await (await clientAs(own, 'anonymous')).get('/crime/areas/E06000023?from=2019-08&to=2019-10')
    assert.equal(page.status, 200)
    assert.match(text(page.body), /Sep 2019 Not loaded/)
    assert.match(text(page.body), /1 month is not loaded for every force this area needs: Sep 2019/)
  } finally {
    await own.close()
  }
})

sharedTest(
  'the 26 real Avon and Somerset files in the shared data: monthly counts by crime type for each CSP match an independent count',
  async () => {
    const dir = shared('police_uk/avon-and-somerset')
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .sort()
      .map((f) => path.join(dir, f))
    assert.equal(files.length, 26)
    const { results } = await importFiles(t, files)
    assert.ok(results.every((r) => r.status === 'imported' || r.status === 'unchanged'))
    const { kept } = independentStreet(files)
    assert.equal(kept.length, 356_736 - [...independentStreet(files).perFile.values()].reduce((n, f) => n + f.duplicates, 0))
    const lad = lsoaToLad19()
    const lookup = ladLookup2021()
    for (const csp of ['E22000001', 'E22000002', 'E22000003', 'E22000006', 'E22000369']) {
      const lads = lookup.filter((r) => r['csp-code'] === csp).map((r) => r['lad-code'])
      const body = await api(`area=${csp}&from=2019-08&to=2021-09&group=month,crime_type`)
      assert.deepEqual(
        asMap(body.rows, 'month', 'crime_type'),
        countBy(
          kept.filter((k) => lads.includes(lad.get(k.lsoa) ?? '')),
          (k) => key(k.month, k.type),
        ),
        csp,
      )
    }
    // LSOA breakdown of a CSP for one month, no-location rows excluded (they are not in any CSP).
    const somerset = await api('area=E22000369&from=2020-04&to=2020-04&group=lsoa')
    const lads = lookup.filter((r) => r['csp-code'] === 'E22000369').map((r) => r['lad-code'])
    assert.deepEqual(
      asMap(somerset.rows, 'lsoa'),
      countBy(
        kept.filter((k) => k.month === '2020-04' && lads.includes(lad.get(k.lsoa) ?? '')),
        (k) => k.lsoa,
      ),
    )
  },
)

sharedTest(
  'stop-and-search: counts by month, object of search, outcome and self-defined ethnicity match an independent count of the real City of London files',
  async () => {
    const dir = shared('police_uk/city-of-london')
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('-stop-and-search.csv'))
      .sort()
      .map((f) => path.join(dir, f))
    const { results } = await importFiles(t, files)
    assert.ok(
      results.every((r) => r.kind === 'stop-and-search' && (r.status === 'imported' || r.status === 'unchanged')),
      JSON.stringify(results.find((r) => r.status === 'refused')),
    )
    const rows: Record<string, string>[] = files.flatMap((f) => csvObjects(f).map((r) => ({ ...r, month: path.basename(f).slice(0, 7) })))
    assert.equal(rows.length, 8057)
    const res = await (
      await clientAs(t, 'anonymous')
    ).get(
      '/api/v1/crime/stop-and-search/counts?area=E23000034&from=2018-12&to=2021-11&group=month,object_of_search,outcome,self_defined_ethnicity',
    )
    assert.equal(res.status, 200, res.body)
    // An empty field is null in the API, which the key writes as an empty string, as the CSV has it.
    assert.deepEqual(
      asMap(res.json().rows, 'month', 'object_of_search', 'outcome', 'self_defined_ethnicity'),
      countBy(rows, (r) => key(r.month, r['Object of search'], r.Outcome, r['Self-defined ethnicity'])),
    )
    const byForce = await (await clientAs(t, 'anonymous')).get('/api/v1/crime/stop-and-search/counts?area=city-of-london&group=month')
    assert.equal(
      byForce.json().rows.reduce((n: number, r: any) => n + r.count, 0),
      8057,
    )
    // The force area's page shows them too, beside its street crime, by outcome and by object of search.
    await importFiles(t, bundled('city-of-london'))
    const page = text((await (await clientAs(t, 'anonymous')).get('/crime/areas/E23000034')).body)
    assert.match(page, /Stop and search 8,057 searches by City of London Police from December 2018 to November 2021/)
    for (const [outcome, n] of countBy(rows, (r) => r.Outcome || 'Not recorded')) {
      assert.ok(page.includes(`${outcome} ${n.toLocaleString('en-GB')} `), `${outcome}: ${n}`)
    }
  },
)

test('a police.uk archive zip: each CSV inside is imported by the kind its header gives', async () => {
  const files = tempFiles({})
  try {
    const zip = files.path('police-uk-2019-01.zip')
    writeZip(zip, [
      { name: '2019-01/2019-01-west-mercia-street.csv', data: fs.readFileSync(fixture) },
      { name: '2019-01/2019-01-west-mercia-outcomes.csv', data: fs.readFileSync(path.join(FIXTURES, '2019-01-west-mercia-outcomes.csv')) },
      {
        name: '2019-01/2019-01-city-of-london-stop-and-search.csv',
        data: fs.readFileSync(path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv')),
      },
      { name: '2019-01/README.txt', data: Buffer.from('not data') },
    ])
    const { results } = await importFiles(t, [zip], { replace: true })
    assert.deepEqual(results.map((r) => [r.source, r.kind, r.status]).sort(), [
      ['2019-01/2019-01-city-of-london-stop-and-search.csv in police-uk-2019-01.zip', 'stop-and-search', 'imported'],
      ['2019-01/2019-01-west-mercia-outcomes.csv in police-uk-2019-01.zip', 'outcomes', 'imported'],
      ['2019-01/2019-01-west-mercia-street.csv in police-uk-2019-01.zip', 'street', 'imported'],
    ])
    const outcomes = csvObjects(path.join(FIXTURES, '2019-01-west-mercia-outcomes.csv'))
    const res = await (
      await clientAs(t, 'anonymous')
    ).get('/api/v1/crime/outcomes/counts?area=west-mercia&from=2019-01&to=2019-01&group=outcome')
    const expected = countBy(outcomes, (o) =>
      o['Outcome type'] === 'Offender given a penalty notice' ? 'Offender given penalty notice' : o['Outcome type'],
    )
    assert.deepEqual(asMap(res.json().rows, 'outcome'), expected)
    const ss = await (
      await clientAs(t, 'anonymous')
    ).get('/api/v1/crime/stop-and-search/counts?area=city-of-london&from=2019-01&to=2019-01&group=type')
    assert.deepEqual(
      asMap(ss.json().rows, 'type'),
      countBy(csvObjects(path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv')), (r) => r.Type),
    )
  } finally {
    files.remove()
  }
})

// ---------------- Bad input: the file is refused whole, and what was there before stays ----------------

const header = readText(fixture).split(/\r?\n/)[0]
const good = readText(fixture).split(/\r?\n/).filter(Boolean)

async function refused(files: Record<string, string | Buffer>, check: (r: Awaited<ReturnType<typeof importFiles>>['results']) => void) {
  await importFiles(t, [fixture])
  const before = await snapshot(t)
  const f = tempFiles(files)
  try {
    const { results } = await importFiles(
      t,
      Object.keys(files).map((n) => f.path(n)),
    )
    check(results)
  } finally {
    f.remove()
  }
  assert.deepEqual(await snapshot(t), before, 'nothing changed')
}

test('a file whose header is not a police.uk format is refused, naming the file, the columns expected and the columns found', async () => {
  await refused({ '2019-01-west-mercia-street.csv': 'Ref,Date,Offence\n1,2019-01-02,Theft\n' }, ([r]) => {
    assert.equal(r.status, 'refused')
    assert.match(r.message!, /2019-01-west-mercia-street\.csv is not a police\.uk file/)
    assert.match(r.message!, /these 3 columns: "Ref", "Date", "Offence"/)
    assert.match(r.message!, /street-level crime files: "Crime ID", "Month", "Reported by"/)
    assert.match(r.message!, /stop and search files: "Type", "Date"/)
  })
})

test('a row with the wrong number of fields refuses the whole file with file:line:reason; the force-month keeps its data', async () => {
  const lines = [...good]
  lines[3] = lines[3] + ',surplus'
  lines[6] = lines[6].split(',').slice(0, 9).join(',')
  await refused({ '2019-01-west-mercia-street.csv': lines.join('\n') + '\n' }, ([r]) => {
    assert.equal(r.status, 'refused')
    assert.match(
      r.message!,
      /2 lines have problems\. Nothing from it was saved, and the data already loaded for this force and month is unchanged/,
    )
    assert.deepEqual(
      r.problems!.map((p) => p.replace(/^.*\//, '')),
      ['2019-01-west-mercia-street.csv:4: has 13 fields, expected 12', '2019-01-west-mercia-street.csv:7: has too few fields, expected 12'],
    )
  })
})

test("a Month that is not YYYY-MM, a Month that is not the file's, and coordinates that are not numbers refuse the file, each with its line", async () => {
  const lines = [...good]
  lines[2] = lines[2].replace(',2019-01,', ',Jan 2019,')
  lines[5] = lines[5].replace(',2019-01,', ',2019-02,')
  lines[8] = lines[8].replace(',-2.220000,', ',west,')
  lines[11] = lines[11].replace(',51.351486,', ',95.5,')
  await refused({ '2019-01-west-mercia-street.csv': lines.join('\r\n') + '\r\n' }, ([r]) => {
    assert.deepEqual(
      r.problems!.map((p) => p.replace(/^.*\.csv:/, '')),
      [
        '3: Month "Jan 2019" is not a month written YYYY-MM',
        '6: Month 2019-02 is not the month of the file (2019-01)',
        '9: Longitude "west" is not a number',
        '12: Latitude 95.5 is not between -90 and 90',
      ],
    )
    assert.equal(r.moreProblems, 0)
  })
})

test('more than 20 problems: the first 20 are listed, with a count of the rest', async () => {
  const rows = Array.from(
    { length: 45 },
    (_, i) => `x${i},2019-13,West Mercia Police,West Mercia Police,,,No Location,,,Drugs,Under investigation,`,
  )
  await refused({ '2019-01-west-mercia-street.csv': [header, ...rows].join('\n') + '\n' }, ([r]) => {
    assert.equal(r.problems!.length, 20)
    assert.match(r.problems![0], /2019-01-west-mercia-street\.csv:2: Month "2019-13" is not a month written YYYY-MM/)
    assert.match(r.problems![19], /:21: /)
    assert.equal(r.moreProblems, 25)
    assert.match(r.message!, /45 lines have problems/)
  })
})

test('a refused file does not stop the others in the same run', async () => {
  const otherMonth = bundled('hampshire')[0]
  const before = await snapshot(t)
  const f = tempFiles({ '2019-01-west-mercia-street.csv': good.join('\n').replace(',2019-01,', ',2019-1,') + '\n' })
  try {
    const { results } = await importFiles(t, [f.path('2019-01-west-mercia-street.csv'), otherMonth], { replace: true })
    assert.deepEqual(results.map((r) => r.status).sort(), ['imported', 'refused'])
    const after = await snapshot(t)
    assert.deepEqual(
      after.parts.filter((p) => p.force === 'west-mercia'),
      before.parts.filter((p) => p.force === 'west-mercia'),
    )
  } finally {
    f.remove()
  }
})

test('two different files for the same force and month in one run: the second is refused; the same file twice is skipped', async () => {
  const lines = [...good]
  const f = tempFiles({
    'a/2019-01-west-mercia-street.csv': lines.join('\n') + '\n',
    'b/2019-01-west-mercia-street.csv': lines.slice(0, 5).join('\n') + '\n',
    'c/copy.csv': lines.join('\n') + '\n',
  })
  try {
    const { results } = await importFiles(t, [f.dir], { replace: true })
    const by = Object.fromEntries(results.map((r) => [r.source.replace(f.dir + '/', ''), r]))
    assert.equal(by['a/2019-01-west-mercia-street.csv'].status, 'imported')
    assert.equal(by['b/2019-01-west-mercia-street.csv'].status, 'refused')
    assert.match(
      by['b/2019-01-west-mercia-street.csv'].message!,
      /same force and month \(west-mercia, 2019-01\) as .*a\/2019-01-west-mercia-street\.csv, earlier in this import/,
    )
    assert.equal(by['c/copy.csv'].status, 'skipped')
    assert.match(by['c/copy.csv'].message!, /is the same file as .*a\/2019-01-west-mercia-street\.csv/)
  } finally {
    f.remove()
  }
})

test('a force police.uk does not have, a stop-and-search file without its force in its name, text that is not UTF-8, and an empty file are refused', async () => {
  const ss = fs.readFileSync(path.join(FIXTURES, '2019-01-city-of-london-stop-and-search.csv'))
  await refused(
    {
      '2019-01-west-mercia-street.csv': good.join('\n').replace(/West Mercia Police/g, 'Borsetshire Constabulary') + '\n',
      'searches.csv': ss,
      '2019-01-hampshire-street.csv': Buffer.concat([
        Buffer.from(header + '\n'),
        Buffer.from('h1,2019-01,Hampshire Constabulary,Hampshire Constabulary,,,No Location,,,Drugs,Caf'),
        Buffer.from([0xe9, 0xff]),
        Buffer.from(',\n'),
      ]),
      'empty.csv': header + '\n',
    },
    (results) => {
      const by = Object.fromEntries(results.map((r) => [path.basename(r.source), r]))
      assert.match(
        by['2019-01-west-mercia-street.csv'].message!,
        /"Reported by" names "Borsetshire Constabulary", which is not a police force that publishes on police\.uk/,
      )
      assert.match(
        by['searches.csv'].message!,
        /stop-and-search files do not say which force they are from, so the file must keep police\.uk's name/,
      )
      assert.match(
        by['2019-01-hampshire-street.csv'].problems![0],
        /2019-01-hampshire-street\.csv:2: contains characters that are not valid UTF-8/,
      )
      // A header and no records is refused as that, whatever its name says (docs/security.md, point 14).
      assert.match(by['empty.csv'].message!, /empty\.csv has the police\.uk header but no records after it, so there is nothing to import/)
      assert.ok(results.every((r) => r.status === 'refused'))
    },
  )
})

test('a path that does not exist, a folder with no CSV files, a file that is not CSV and a broken zip are refused with their names', async () => {
  const f = tempFiles({ 'notes.txt': 'hello', 'empty/readme.md': '#', 'broken.zip': 'PK not really' })
  try {
    await assert.rejects(importFiles(t, [f.path('missing.csv')]), /missing\.csv does not exist/)
    await assert.rejects(importFiles(t, [f.path('empty')]), /empty is a folder with no CSV or zip files in it/)
    await assert.rejects(importFiles(t, [f.path('notes.txt')]), /notes\.txt is not a CSV or zip file/)
    await assert.rejects(importFiles(t, [f.path('broken.zip')]), /broken\.zip is not a zip file that can be read/)
  } finally {
    f.remove()
  }
})

test('every import is recorded, with who, when and what happened to each file, and audited', async () => {
  const { importId } = await importFiles(t, [fixture], { replace: true })
  const run = await t.services.crime.importRun(importId)
  assert.equal(run.status, 'finished')
  const job = await t.services.jobs.get(importId)
  assert.equal(job.kind, 'import:police-uk')
  assert.equal(job.status, 'done')
  assert.equal(job.source, 'command line')
  assert.equal(run.started_by_name, 'test importer')
  assert.equal(run.results.length, 1)
  assert.equal(run.results[0].status, 'imported')
  const [audit] = await t.db.query(`SELECT * FROM audit_log WHERE entity = 'data import' AND entity_id = $1`, [String(importId)])
  assert.equal(audit.user_name, 'test importer')
  assert.match(audit.summary, /1 file imported \(13 records\)/)
  const coverage = await t.services.crime.coverageTable('street')
  const row = coverage.find((c) => c.force === 'west-mercia' && c.month === '2019-01')!
  assert.equal(row.import_id, importId)
  assert.equal(row.sha256, (await import('node:crypto')).createHash('sha256').update(fs.readFileSync(fixture)).digest('hex'))
  assert.match(row.source_file, /2019-01-west-mercia-street\.csv$/)
})

test('coverage in the application database is rebuilt from the crime store when the two disagree (a process killed between them)', async () => {
  await importFiles(t, [fixture])
  const before = await t.services.crime.coverageTable()
  await t.db.query(`DELETE FROM crime_coverage WHERE force = 'west-mercia'`)
  await t.db
    .query(`INSERT INTO crime_coverage (kind, force, month, rows_kept, rows_rejected, duplicates, no_location, unknown_types, unknown_outcomes, source_file, sha256, imported_at, imported_by)
    VALUES ('street', 'kent', '2030-01-01', 1, 0, 0, 0, 0, 0, 'x', 'y', now(), 'z')`)
  await t.services.crime.syncCoverage()
  assert.deepEqual(await t.services.crime.coverageTable(), before)
})
