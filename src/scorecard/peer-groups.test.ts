/**
 * Peers on the scorecard: the peers page and API, a partnership's own list (validation, audit, back to the computed
 * list), the position among peers on the scorecard and the indicator page, and RAG against the peer average. The
 * figures are checked against counts made here by hand from the bundled West Mercia police.uk files and the ONS
 * population file (plain JavaScript, nothing shared with the crime store or the scorecard).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import {
  OPENDATA,
  testAppWithGeography,
  bundled,
  importFiles,
  independentStreet,
  lsoaToLad19,
  ladLookup2021,
  csvObjects,
} from '../../test/crime-helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { indicatorsCommand } from './cli.ts'
import { codeOfType } from './builtin.ts'

let t: TestApp
let files: string[]
before(async () => {
  t = await testAppWithGeography()
  files = bundled('west-mercia').slice(0, 3)
  await importFiles(t, files)
})
after(async () => {
  await t.close()
})

const SOUTH_WORCESTER = 'E22000332'
const HEREFORDSHIRE = 'E22000326'
const TELFORD = 'E22000333'
const SHROPSHIRE = 'E22000360'
const NORTH_WORCS = 'E22000368'
const EAST_HAMPSHIRE = 'E22000110' // Hampshire's data is not loaded in this test
const Z95 = 1.959963984540054
/** qnorm(0.999), for the 99.8% interval. */
const Z998 = 3.090232306167813

async function partnership(areaCode = SOUTH_WORCESTER) {
  const p = await t.services.partnerships.create({ slug: unique('peers'), name: 'Peers test', published: true, areaCode }, systemActor)
  return { p, base: `/partnerships/${p.slug}`, api: `/api/v1/partnerships/${p.slug}` }
}

/** Each West Mercia CSP's crimes (anti-social behaviour left out) by month, and its mid-2019 population, by hand. */
function byHand() {
  const lad = lsoaToLad19()
  const csp = new Map(ladLookup2021().map((r) => [r['lad-code'], r['csp-code']]))
  const crimes = new Map<string, number>()
  for (const r of independentStreet(files).kept) {
    if (!r.lsoa || r.type === 'Anti-social behaviour') continue
    const c = csp.get(lad.get(r.lsoa) ?? '')
    if (c) crimes.set(`${c}|${r.month}`, (crimes.get(`${c}|${r.month}`) ?? 0) + 1)
  }
  const population = new Map<string, number>()
  for (const r of csvObjects(path.join(OPENDATA, 'geography/lsoa11_population_mid2019_ew.csv.br'))) {
    const c = csp.get(lad.get(r.LSOA11CD) ?? '')
    if (c) population.set(c, (population.get(c) ?? 0) + Number(r.population_mid2019))
  }
  return { crimes, population }
}

/** Byar's approximation (Breslow and Day 1987), written out here. */
function byar(x: number, z: number) {
  return [x * (1 - 1 / (9 * x) - z / (3 * Math.sqrt(x))) ** 3, (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * Math.sqrt(x + 1))) ** 3]
}

const ordinal = (n: number) => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`
const oneDp = (v: number) => v.toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 })

test('the peers page and API give the 15 nearest CSPs, computed, with distances; the scorecard says how many have figures', async () => {
  const { p, base, api } = await partnership()
  await t.services.scorecard.defineIndicator(p.id, { code: 'police-uk-crime' }, systemActor)
  const anon = await clientAs(t, 'anonymous')
  const rows = (await anon.get(`${api}/peers`)).json().rows
  assert.equal(rows.length, 15)
  // The documented example (docs/scorecard-statistics.md), found independently in peers.test.ts.
  assert.deepEqual(
    rows.slice(0, 4).map((r: any) => r.name),
    ['West Lancashire', 'Dorset', 'Ashford', 'Braintree'],
  )
  assert.ok(rows.every((r: any) => r.chosen_by === 'computed' && typeof r.distance === 'number'))
  assert.ok(rows.every((r: any, i: number) => i === 0 || r.distance >= rows[i - 1].distance))
  const page = text((await anon.get(`${base}/scorecard/peers`)).body)
  assert.match(page, /West Lancashire/)
  assert.match(page, /Computed: the 15 nearest CSPs/)
  assert.doesNotMatch(page, /Choose the partnership's own peers/)
  // None of South Worcester's computed peers is in West Mercia, whose data alone is loaded.
  const card = text((await anon.get(`${base}/scorecard`)).body)
  assert.match(card, /No peer has figures for this period; 0 of 15 peers have figures/)
})

test('a Welsh area: the peers page says Welsh CSPs are compared with Welsh CSPs only, on rurality and density', async () => {
  const { base, api } = await partnership('W14000023')
  const rows = (await (await clientAs(t, 'anonymous')).get(`${api}/peers`)).json().rows
  assert.equal(rows.length, 15)
  assert.ok(rows.every((r: any) => r.code.startsWith('W')))
  assert.match(
    text((await (await clientAs(t, 'anonymous')).get(`${base}/scorecard/peers`)).body),
    /Welsh CSPs are compared with Welsh CSPs only/,
  )
})

test('an editor’s own list is checked: unknown codes, the area itself, repeats, fewer than 3 or more than 30; nothing is saved', async () => {
  const { p, base, api } = await partnership()
  const editor = await clientAs(t, 'editor', p.id)
  const tryCodes = async (codes: string) => {
    const res = await editor.post(`${base}/scorecard/peers`, { codes })
    assert.equal(res.status, 400, codes)
    return text(errorSummary(res.body))
  }
  assert.match(
    await tryCodes(`${HEREFORDSHIRE}\nE99999999\nE06000019\n${TELFORD}`),
    /E99999999, E06000019 are not codes of a community safety partnership in England and Wales: enter CSP codes such as E22000332/,
  )
  assert.match(await tryCodes(`${SOUTH_WORCESTER}\n${HEREFORDSHIRE}\n${TELFORD}\n${SHROPSHIRE}`), /E22000332 is the partnership's own area/)
  assert.match(await tryCodes(`${HEREFORDSHIRE}\n${TELFORD}\n${HEREFORDSHIRE}\n${SHROPSHIRE}`), /E22000326 is listed more than once/)
  assert.match(await tryCodes(`${HEREFORDSHIRE}, ${TELFORD}`), /Choose at least 3 peers \(you gave 2 areas\)/)
  const all = (await t.services.scorecard.peers.computed()).csps.filter((c) => c.code !== SOUTH_WORCESTER).slice(0, 31)
  assert.match(await tryCodes(all.map((c) => c.code).join('\n')), /Choose at most 30 peers \(you gave 31\)/)
  assert.match(await tryCodes(''), /Choose at least 3 peers \(you gave 0 areas\)/)
  assert.equal(await t.services.scorecard.peers.stored(p.id), null)
  assert.ok((await (await clientAs(t, 'anonymous')).get(`${api}/peers`)).json().rows.every((r: any) => r.chosen_by === 'computed'))
  // A viewer may not change them.
  assert.equal(
    (await (await clientAs(t, 'viewer', p.id)).post(`${base}/scorecard/peers`, { codes: `${HEREFORDSHIRE}\n${TELFORD}\n${SHROPSHIRE}` }))
      .status,
    403,
  )
})

test('a replaced list is used on the scorecard: rank and peer average as counted by hand, RAG against the peers, then back to the computed list', async () => {
  const { p, base, api } = await partnership()
  await t.services.scorecard.defineIndicator(p.id, { code: 'police-uk-crime', ragMethod: 'statistical', comparator: 'peers' }, systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  // Lines may go on with the name; commas separate too.
  const res = await editor.post(`${base}/scorecard/peers`, {
    codes: `${HEREFORDSHIRE} Herefordshire\n${TELFORD}, ${SHROPSHIRE}\n${NORTH_WORCS}\n${EAST_HAMPSHIRE}`,
  })
  assert.equal(res.status, 303, errorSummary(res.body))
  const anon = await clientAs(t, 'anonymous')
  const rows = (await anon.get(`${api}/peers`)).json().rows
  assert.deepEqual(
    rows.map((r: any) => [r.code, r.chosen_by]),
    [HEREFORDSHIRE, TELFORD, SHROPSHIRE, NORTH_WORCS, EAST_HAMPSHIRE].map((c) => [c, 'partnership']),
  )

  // By hand: the latest month loaded, each area's crimes per 1,000 of its mid-2019 population.
  const { crimes, population } = byHand()
  const month = files
    .map((f) => /(\d{4}-\d{2})-west-mercia/.exec(f)![1])
    .sort()
    .at(-1)!
  const rate = (c: string) => (crimes.get(`${c}|${month}`)! / population.get(c)!) * 1000
  const peersWithData = [HEREFORDSHIRE, TELFORD, SHROPSHIRE, NORTH_WORCS]
  const own = rate(SOUTH_WORCESTER)
  const rank = 1 + peersWithData.filter((c) => rate(c) < own).length
  const sumCrimes = peersWithData.reduce((s, c) => s + crimes.get(`${c}|${month}`)!, 0)
  const sumPop = peersWithData.reduce((s, c) => s + population.get(c)!, 0)
  const average = (sumCrimes / sumPop) * 1000

  const json = (await anon.get(`${base}/scorecard?format=json`)).json()
  const row = json.find((r: any) => r.code === 'police-uk-crime')
  assert.equal(row.peer_rank, rank)
  assert.equal(row.peer_of, 5)
  assert.ok(Math.abs(row.peer_average - average) < 1e-6, `${row.peer_average} ≠ ${average}`)
  const page = text((await anon.get(`${base}/scorecard`)).body)
  assert.match(
    page,
    new RegExp(
      `${ordinal(rank)} of 5 \\(1st = lowest\\); peer average ${oneDp(average)} per 1,000 \\(the 4 peers’ crimes over their combined population\\); 4 of 5 peers have figures`,
    ),
  )
  // RAG against the peer average: red only when the 95% interval (Byar's, by hand) lies wholly on the worse side.
  const count = crimes.get(`${SOUTH_WORCESTER}|${month}`)!
  const [lo, hi] = byar(count, Z95).map((x) => (x / population.get(SOUTH_WORCESTER)!) * 1000)
  const status = lo > average ? 'Red' : hi < average ? 'Green' : 'Amber'
  const word = own > average ? 'higher' : 'lower'
  // The reason says whether the 99.8% interval excludes the average too (Fingertips' second level).
  const [lo3, hi3] = byar(count, Z998).map((x) => (x / population.get(SOUTH_WORCESTER)!) * 1000)
  const excludes = (status === 'Red' ? lo3 > average : hi3 < average) ? '95% and 99\\.8% intervals exclude it' : '95% interval excludes it'
  assert.match(
    page,
    status === 'Amber'
      ? new RegExp(
          `Amber: ${oneDp(own)} per 1,000 is not significantly different from the peer average of ${oneDp(average)} per 1,000 for 4 of 5 peers`,
        )
      : new RegExp(
          `${status}: ${oneDp(own)} per 1,000 is significantly ${word} than the peer average of ${oneDp(average)} per 1,000 for 4 of 5 peers \\(${excludes}\\)`,
        ),
  )

  // The indicator page: a bar chart and a funnel plot with their text alternatives, and the table with downloads.
  const ind = await anon.get(`${base}/scorecard/indicators/police-uk-crime`)
  assert.equal(ind.status, 200)
  assert.match(ind.body, /<title[^>]*>All recorded crime, [^<]*: South Worcester and its peers, with 95% confidence intervals<\/title>/)
  assert.match(ind.body, /<title[^>]*>Funnel plot of All recorded crime[^<]*99\.8% limits around the peer rate<\/title>/)
  assert.match(text(ind.body), new RegExp(`South Worcester is ${ordinal(rank)} of 5 \\(1st = lowest\\)`))
  const figures = (await anon.get(`${base}/scorecard/indicators/police-uk-crime?table=peers&format=json`)).json()
  assert.equal(figures.length, 5)
  for (const f of figures) {
    assert.equal(f.numerator, crimes.get(`${f.code}|${month}`), f.code)
    assert.equal(f.denominator, population.get(f.code), f.code)
  }
  assert.deepEqual(
    figures.map((f: any) => f.code),
    [SOUTH_WORCESTER, ...peersWithData].sort((a, b) => rate(a) - rate(b)),
  )
  const csv = await anon.get(`${base}/scorecard/indicators/police-uk-crime?table=peers&format=csv`)
  assert.match(csv.headers['content-type'], /text\/csv/)

  // Audited, with its history in words; then back to the computed list.
  const stored = (await t.services.scorecard.peers.stored(p.id))!
  const history = text((await editor.get(`${base}/history/peer%20group/${stored.id}?back=${encodeURIComponent(base)}`)).body)
  assert.match(history, /Herefordshire, County of \(E22000326\)/)
  const back = await editor.post(`${base}/scorecard/peers/computed`, { version: String(stored.version) })
  assert.equal(back.status, 303, errorSummary(back.body))
  assert.ok((await anon.get(`${api}/peers`)).json().rows.every((r: any) => r.chosen_by === 'computed'))
  const after = (await anon.get(`${base}/scorecard?format=json`)).json().find((r: any) => r.code === 'police-uk-crime')
  // South Worcester's computed peers have no data loaded here: not ranked.
  assert.deepEqual([after.peer_rank, after.peers], [null, 'No peer has figures for this period; 0 of 15 peers have figures'])
})

test('local indicators: peers’ values uploaded for peer codes are ranked, with the pooled peer rate; small peer counts are withheld', async () => {
  const { p, base } = await partnership()
  await t.services.scorecard.peers.choose(p, [HEREFORDSHIRE, TELFORD, SHROPSHIRE].join('\n'), undefined, systemActor)
  await t.services.scorecard.defineIndicator(
    p.id,
    { code: 'hate-rate', name: 'Hate crimes per 1,000', unit: 'rate', per: 1000, polarity: 'lower-is-better', frequency: 'financial-year' },
    systemActor,
  )
  const rows = [
    [SOUTH_WORCESTER, '120', '190000'],
    [HEREFORDSHIRE, '90', '192000'],
    [TELFORD, '3', '180000'],
    [SHROPSHIRE, '200', '320000'],
  ].map(([area, n, d]) => ['hate-rate', area, '2018/19', n, d, ''])
  const r = await t.services.scorecard.importRows(p.id, 'peers.csv', rows, systemActor)
  assert.deepEqual(r.check.problems, [])
  // By hand: rates 0.632 (South Worcester), 0.469, 0.0167, 0.625: 4th of 4, lowest first.
  // Pooled peer rate: (90 + 3 + 200) / (192,000 + 180,000 + 320,000) × 1,000 = 293 / 692,000 × 1,000 = 0.4234.
  const editorJson = (await (await clientAs(t, 'editor', p.id)).get(`${base}/scorecard?format=json`)).json()
  const mine = editorJson.find((x: any) => x.code === 'hate-rate')
  assert.equal(mine.peer_rank, 4)
  assert.equal(mine.peer_of, 4)
  assert.ok(Math.abs(mine.peer_average - (293 / 692000) * 1000) < 1e-6)
  // For the public, Telford's 3 is withheld, and so is the next smallest (Herefordshire's 90), since the average
  // would give it away.
  const anon = await clientAs(t, 'anonymous')
  const figures = (await anon.get(`${base}/scorecard/indicators/hate-rate?table=peers&format=json`)).json()
  const byCode = new Map(figures.map((f: any) => [f.code, f]))
  assert.deepEqual([(byCode.get(TELFORD) as any).suppressed, (byCode.get(TELFORD) as any).numerator], [true, null])
  assert.equal((byCode.get(HEREFORDSHIRE) as any).suppressed, true)
  assert.equal((byCode.get(SHROPSHIRE) as any).numerator, 200)
  const editorFigures = (
    await (await clientAs(t, 'editor', p.id)).get(`${base}/scorecard/indicators/hate-rate?table=peers&format=json`)
  ).json()
  assert.ok(editorFigures.every((f: any) => !f.suppressed))
})

test('safer indicators peers: shows the peers, sets the partnership’s own (with the same checks), and goes back to the computed list', async () => {
  const { p } = await partnership()
  const run = (...args: string[]) => indicatorsCommand(t.services, ['peers', '--partnership', p.slug, ...args], systemActor)
  assert.match(await run(), /The 15 nearest CSPs to South Worcester \(computed\):[\s\S]*West Lancashire/)
  await assert.rejects(run('--set', `${HEREFORDSHIRE},${TELFORD}`), /Choose at least 3 peers \(you gave 2 areas\)/)
  const set = await run('--set', `${HEREFORDSHIRE},${TELFORD},${SHROPSHIRE}`)
  assert.match(
    set,
    /The partnership's own peers of South Worcester:[\s\S]*E22000326\s+Herefordshire, County of[\s\S]*Telford and Wrekin[\s\S]*Shropshire/,
  )
  assert.match(await run('--computed'), /The 15 nearest CSPs to South Worcester \(computed\)/)
  assert.equal(await t.services.scorecard.peers.stored(p.id), null)
  // The comparator can be given when an indicator is defined.
  await indicatorsCommand(
    t.services,
    [
      'define',
      '--partnership',
      p.slug,
      '--code',
      'asb-calls',
      '--name',
      'ASB calls',
      '--unit',
      'count',
      '--rag',
      'statistical',
      '--comparator',
      'peers',
    ],
    systemActor,
  )
  assert.equal((await t.services.scorecard.stored(p.id)).find((i) => i.code === 'asb-calls')!.comparator, 'peers')
})

test('a district’s peers leave out its own CSP; a county has no computed list, and the page says an editor may choose one', async () => {
  const worcester = await partnership('E07000237')
  const rows = (await (await clientAs(t, 'anonymous')).get(`${worcester.api}/peers`)).json().rows
  assert.equal(rows.length, 15)
  assert.ok(!rows.some((r: any) => r.code === SOUTH_WORCESTER))
  assert.ok(rows.every((r: any) => r.code.startsWith('E22') && r.chosen_by === 'computed'))
  const county = await partnership('E10000034')
  assert.deepEqual((await (await clientAs(t, 'anonymous')).get(`${county.api}/peers`)).json().rows, [])
  const page = text((await (await clientAs(t, 'editor', county.p.id)).get(`${county.base}/scorecard/peers`)).body)
  assert.match(
    page,
    /Peers are computed for CSPs and districts\. Worcestershire is neither, so no list is computed: choose the partnership's own list below/,
  )
  // Its own list works, with distances null (a county has no computed features).
  const res = await (
    await clientAs(t, 'editor', county.p.id)
  ).post(`${county.base}/scorecard/peers`, {
    codes: `${SOUTH_WORCESTER}\n${NORTH_WORCS}\n${HEREFORDSHIRE}`,
  })
  assert.equal(res.status, 303, errorSummary(res.body))
  const own = (await (await clientAs(t, 'anonymous')).get(`${county.api}/peers`)).json().rows
  assert.deepEqual(
    own.map((r: any) => [r.code, r.distance, r.chosen_by]),
    [SOUTH_WORCESTER, NORTH_WORCS, HEREFORDSHIRE].map((c) => [c, null, 'partnership']),
  )
})

test('police.uk crime types: a peer’s count of 1 to 4 is [c] for the public, and one hidden peer hides the next smallest (the pooled average would give it away)', async () => {
  const { p, base } = await partnership()
  const peers = [HEREFORDSHIRE, TELFORD, SHROPSHIRE, NORTH_WORCS]
  await t.services.scorecard.peers.choose(p, peers.join('\n'), undefined, systemActor)
  // By hand: each CSP's crimes of each type in the latest month.
  const lad = lsoaToLad19()
  const csp = new Map(ladLookup2021().map((r) => [r['lad-code'], r['csp-code']]))
  const month = files
    .map((f) => /(\d{4}-\d{2})-west-mercia/.exec(f)![1])
    .sort()
    .at(-1)!
  const counts = new Map<string, number>()
  for (const r of independentStreet(files).kept) {
    const c = r.lsoa && r.month === month ? csp.get(lad.get(r.lsoa) ?? '') : undefined
    if (c) counts.set(`${c}|${r.type}`, (counts.get(`${c}|${r.type}`) ?? 0) + 1)
  }
  const n = (c: string, type: string) => counts.get(`${c}|${type}`) ?? 0
  const types = ['Possession of weapons', 'Bicycle theft', 'Theft from the person', 'Robbery', 'Other crime']
  const type = types.find((ty) => peers.some((c) => n(c, ty) > 0 && n(c, ty) < 5))
  assert.ok(type, 'a crime type with a small count for a peer in the bundled month')
  const code = codeOfType(type)
  await t.services.scorecard.defineIndicator(p.id, { code }, systemActor)
  const expected = new Set(peers.filter((c) => n(c, type) > 0 && n(c, type) < 5))
  if (expected.size === 1) {
    const next = peers.filter((c) => !expected.has(c) && n(c, type) > 0).sort((a, b) => n(a, type) - n(b, type) || (a < b ? -1 : 1))[0]
    if (next) expected.add(next)
  }
  const figures = (await (await clientAs(t, 'anonymous')).get(`${base}/scorecard/indicators/${code}?table=peers&format=json`)).json()
  for (const c of peers) {
    const f = figures.find((x: any) => x.code === c)
    assert.equal(f.suppressed, expected.has(c), `${c}: ${n(c, type)} ${type}`)
    assert.equal(f.numerator, expected.has(c) ? null : n(c, type))
  }
  const editor = (await (await clientAs(t, 'editor', p.id)).get(`${base}/scorecard/indicators/${code}?table=peers&format=json`)).json()
  for (const c of peers) assert.equal(editor.find((x: any) => x.code === c).numerator, n(c, type))
})
