import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Client, clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { testAppWithGeography } from '../../test/crime-helpers.ts'
import { postFiles } from '../../test/upload-helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { CommandError } from '../platform/cli.ts'
import { indicatorsCommand } from './cli.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
})
after(async () => {
  await t.close()
})

const HEREFORDSHIRE = 'E06000019'
const HEADER = 'indicator,area,period,numerator,denominator,value'

async function partnership(opts: { published?: boolean } = {}) {
  const p = await t.services.partnerships.create(
    { slug: unique('sc'), name: 'Safer Herefordshire test', published: opts.published ?? true, areaCode: HEREFORDSHIRE },
    systemActor,
  )
  return { p, base: `/partnerships/${p.slug}`, api: `/api/v1/partnerships/${p.slug}` }
}

async function define(partnershipId: number, input: Record<string, unknown>) {
  return t.services.scorecard.defineIndicator(
    partnershipId,
    { polarity: 'lower-is-better', frequency: 'financial-year', ...input },
    systemActor,
  )
}

function csvFile(body: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-scorecard-test-'))
  const file = path.join(dir, 'figures.csv')
  fs.writeFileSync(file, body)
  return file
}

async function importCsv(partnershipId: number, body: string) {
  const r = await t.services.scorecard.importFile(partnershipId, csvFile(body), systemActor)
  assert.deepEqual(r.check.problems, [])
}

async function storedValues(partnershipId: number) {
  const inds = await t.services.scorecard.stored(partnershipId)
  const p = (await t.services.partnerships.byId(partnershipId))!
  let n = 0
  for (const i of inds.filter((x) => !x.builtin))
    for (const a of await t.services.scorecard.areasOf(p, i)) n += (await t.services.scorecard.series(p, i, a, { role: 'admin' })).length
  return n
}

/** Byar's approximation to the exact Poisson limits (Breslow and Day 1987), written out here independently. */
function byar(x: number, z: number) {
  return [x * (1 - 1 / (9 * x) - z / (3 * Math.sqrt(x))) ** 3, (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * Math.sqrt(x + 1))) ** 3]
}

test('an editor defines an indicator in the form and anyone sees it on the published scorecard', async () => {
  const { p, base } = await partnership()
  const editor = await clientAs(t, 'editor', p.id)
  const res = await editor.post(`${base}/scorecard/indicators/new`, {
    code: 'hate-crimes',
    name: 'Hate crimes',
    unit: 'count',
    polarity: 'lower-is-better',
    frequency: 'financial-year',
    sensitivity: 'public',
    suppressionThreshold: '5',
    ragMethod: 'statistical',
    comparator: 'last-year',
    caveats: 'Falls may indicate under-reporting',
  })
  assert.equal(res.status, 303, errorSummary(res.body))
  await importCsv(p.id, `${HEADER}\nhate-crimes,${HEREFORDSHIRE},2017/18,,,758\nhate-crimes,${HEREFORDSHIRE},2018/19,,,587\n`)
  const page = text((await (await clientAs(t, 'anonymous')).get(`${base}/scorecard`)).body)
  assert.match(page, /Hate crimes/)
  assert.match(page, /587/)
  assert.match(page, /Green: 587 is significantly lower than 758 in 2017\/18 \(p < 0\.001\)/)
  assert.match(page, /Falls may indicate under-reporting/)
})

test('the form refuses a code taken by the police.uk indicators and a code used twice, in plain words', async () => {
  const { p, base } = await partnership()
  const editor = await clientAs(t, 'editor', p.id)
  const first = await editor.post(`${base}/scorecard/indicators/new`, { code: 'police-uk-made-up', name: 'X', unit: 'count' })
  assert.equal(first.status, 400)
  assert.match(errorSummary(first.body), /Codes starting police-uk- are kept for the police.uk indicators/)
  await define(p.id, { code: 'channel-referrals', name: 'Channel referrals', unit: 'count' })
  const again = await editor.post(`${base}/scorecard/indicators/new`, { code: 'channel-referrals', name: 'Again', unit: 'count' })
  assert.equal(again.status, 400)
  assert.match(errorSummary(again.body), /already has an indicator with the code channel-referrals/)
})

test('an upload with bad rows lists every problem with its line, and saves nothing', async () => {
  const { p, base } = await partnership()
  await define(p.id, { code: 'hate-crimes', name: 'Hate crimes', unit: 'count' })
  await define(p.id, { code: 'repeat-victims', name: 'Repeat victims', unit: 'percentage' })
  await define(p.id, { code: 'monthly-asb', name: 'ASB calls', unit: 'count', frequency: 'month' })
  const editor = await clientAs(t, 'editor', p.id)
  const body = [
    HEADER,
    `hate-crimes,${HEREFORDSHIRE},2018/19,,,587`, // 2: good
    `no-such-indicator,${HEREFORDSHIRE},2018/19,,,5`, // 3
    `hate-crimes,E99999999,2018/19,,,5`, // 4
    `hate-crimes,${HEREFORDSHIRE},2018/21,,,5`, // 5
    `hate-crimes,${HEREFORDSHIRE},2017/18,,,many`, // 6
    `repeat-victims,${HEREFORDSHIRE},2018/19,40,30,`, // 7
    `hate-crimes,${HEREFORDSHIRE},2018/19,,,600`, // 8: duplicate of 2
    `hate-crimes,${HEREFORDSHIRE},2016/17,-3,,`, // 9
    `monthly-asb,${HEREFORDSHIRE},2018/19,,,12`, // 10
  ].join('\n')
  const res = await postFiles(t, editor, `${base}/scorecard/upload`, 'file', [{ filename: 'figures.csv', data: Buffer.from(body) }])
  assert.equal(res.status, 400)
  const page = text(res.body)
  assert.match(errorSummary(res.body), /figures\.csv has 8 problems: nothing has been saved/)
  assert.match(page, /figures\.csv:3: indicator: expected the code of one of this partnership's indicators, found "no-such-indicator"/)
  assert.match(page, /figures\.csv:4: area: expected a GSS code, LSOA code or custom area, found "E99999999"/)
  assert.match(
    page,
    /figures\.csv:5: period: expected 2019-01 \(month\), 2019\/20 Q1 \(quarter\) or 2019\/20 \(financial year\), found "2018\/21"/,
  )
  assert.match(page, /figures\.csv:6: value: expected a number, found "many"/)
  assert.match(page, /figures\.csv:7: numerator: expected at most the denominator \(30\) for a percentage, found 40/)
  assert.match(page, /figures\.csv:8: period: repeats line 2 \(the same indicator, area and period\)/)
  assert.match(page, /figures\.csv:9: numerator: expected a count of 0 or more, found -3/)
  assert.match(page, /figures\.csv:10: period: monthly-asb is recorded by month: expected a month such as 2019-01, found "2018\/19"/)
  assert.doesNotMatch(page, /figures\.csv:2:/)
  assert.equal(await storedValues(p.id), 0)
  assert.deepEqual(await t.services.scorecard.uploads(p.id), [])
})

test('a file without the expected header is refused at line 1', async () => {
  const { p, base } = await partnership()
  const editor = await clientAs(t, 'editor', p.id)
  const res = await postFiles(t, editor, `${base}/scorecard/upload`, 'file', [
    { filename: 'x.csv', data: Buffer.from('code,area,when,count\nx,y,z,1\n') },
  ])
  assert.equal(res.status, 400)
  assert.match(text(res.body), /x\.csv:1: header: expected the columns indicator,area,period,numerator,denominator,value/)
})

test('a clean upload is previewed before anything is saved, then saved, then undone as one unit (putting back what it replaced)', async () => {
  const { p, base, api } = await partnership()
  await define(p.id, { code: 'hate-crimes', name: 'Hate crimes', unit: 'count' })
  await importCsv(p.id, `${HEADER}\nhate-crimes,${HEREFORDSHIRE},2017/18,,,750\n`)
  const editor = await clientAs(t, 'editor', p.id)
  const body = `${HEADER}\nhate-crimes,${HEREFORDSHIRE},2017/18,,,758\nhate-crimes,${HEREFORDSHIRE},2018/19,,,587\n`
  const res = await postFiles(t, editor, `${base}/scorecard/upload`, 'file', [{ filename: 'update.csv', data: Buffer.from(body) }])
  assert.equal(res.status, 303)
  const preview = await editor.get(String(res.headers.location))
  assert.match(text(preview.body), /2 rows to save\. Nothing has been saved yet/)
  const values = async () =>
    (await editor.get(`${api}/indicators/hate-crimes/values?area=${HEREFORDSHIRE}`)).json().rows.map((r: any) => [r.period, r.value])
  assert.deepEqual(await values(), [['2017/18', 750]])
  const confirm = await editor.post(`${res.headers.location}/confirm`)
  assert.equal(confirm.status, 303)
  assert.deepEqual(await values(), [
    ['2017/18', 758],
    ['2018/19', 587],
  ])
  const [upload] = await t.services.scorecard.uploads(p.id)
  const undo = await editor.post(`${base}/scorecard/uploads/${upload.id}/undo`)
  assert.equal(undo.status, 303)
  assert.deepEqual(await values(), [['2017/18', 750]])
  assert.match(text((await editor.get(`${base}/scorecard/upload`)).body), /update\.csv 2 undone/)
  // The file's text is kept only while the preview waits: the audit trail records the upload, never its contents.
  const audit = await t.db.query<{ before: unknown; after: unknown }>(
    `SELECT before, after FROM audit_log WHERE partnership_id = $1 AND entity = 'indicator upload'`,
    [p.id],
  )
  assert.ok(audit.length >= 2)
  assert.ok(!JSON.stringify(audit).includes('2018/19,,,587'), JSON.stringify(audit))
})

test('the API gives values with Byar intervals in the value’s units and the change on a year before with its exact test', async () => {
  const { p, api } = await partnership()
  await define(p.id, { code: 'da-crimes', name: 'Crimes with a domestic abuse marker', unit: 'count' })
  await define(p.id, { code: 'hate-rate', name: 'Hate crimes per 1,000', unit: 'rate', per: 1000 })
  await importCsv(
    p.id,
    `${HEADER}\nda-crimes,${HEREFORDSHIRE},2017/18,,,6142\nda-crimes,${HEREFORDSHIRE},2018/19,,,7055\nhate-rate,${HEREFORDSHIRE},2018/19,45,1000,\n`,
  )
  const anon = await clientAs(t, 'anonymous')
  const res = await anon.get(`${api}/indicators/da-crimes/values?area=${HEREFORDSHIRE}`)
  assert.equal(res.status, 200)
  const [first, second] = res.json().rows
  assert.equal(first.change, null)
  assert.equal(second.value, 7055)
  const [lo, hi] = byar(7055, 1.959963984540054)
  assert.ok(Math.abs(second.ci95[0] - lo) < 1e-3 && Math.abs(second.ci95[1] - hi) < 1e-3, JSON.stringify(second.ci95))
  const [lo3, hi3] = byar(7055, 3.090232306167813)
  assert.ok(Math.abs(second.ci998[0] - lo3) < 1e-3 && Math.abs(second.ci998[1] - hi3) < 1e-3)
  assert.equal(second.change.period, '2017/18')
  assert.equal(second.change.value, 6142)
  assert.ok(Math.abs(second.change.ratio - 7055 / 6142) < 1e-6)
  assert.ok(second.change.p_value < 0.001)
  // A rate: 45 per 1,000 from 45 of 1,000, and its interval per 1,000 (exact Poisson below 10 does not apply: Byar).
  const rate = (await anon.get(`${api}/indicators/hate-rate/values?area=${HEREFORDSHIRE}`)).json().rows[0]
  assert.equal(rate.value, 45)
  const [rl, rh] = byar(45, 1.959963984540054)
  assert.ok(Math.abs(rate.ci95[0] - rl) < 1e-4 && Math.abs(rate.ci95[1] - rh) < 1e-4)
  const csv = await anon.get(`${api}/indicators/da-crimes/values?area=${HEREFORDSHIRE}&format=csv`)
  assert.match(csv.headers['content-type'], /text\/csv/)
  assert.match(csv.body, /\nE06000019,2018\/19,7055,,7055,/)
})

test('disclosure control: counts of 1 to 4 are "[c]" for anyone who is not an editor, with what follows from them withheld; zero is shown', async () => {
  const { p, base, api } = await partnership()
  await define(p.id, { code: 'channel', name: 'Channel referrals', unit: 'count' })
  await importCsv(
    p.id,
    `${HEADER}\nchannel,${HEREFORDSHIRE},2016/17,,,0\nchannel,${HEREFORDSHIRE},2017/18,,,3\nchannel,${HEREFORDSHIRE},2018/19,,,16\n`,
  )
  const rows = async (who: Awaited<ReturnType<typeof clientAs>>) =>
    (await who.get(`${api}/indicators/channel/values?area=${HEREFORDSHIRE}`)).json().rows
  for (const who of [await clientAs(t, 'anonymous'), await clientAs(t, 'viewer', p.id), await clientAs(t, 'contributor', p.id)]) {
    const [zero, small, big] = await rows(who)
    assert.deepEqual([zero.value, zero.suppressed], [0, false])
    assert.deepEqual(
      { value: small.value, numerator: small.numerator, ci95: small.ci95, ci998: small.ci998, suppressed: small.suppressed },
      { value: null, numerator: null, ci95: null, ci998: null, suppressed: true },
    )
    // The change on a hidden year is withheld too (its ratio would give the hidden count away).
    assert.deepEqual(big.change, { period: '2017/18', value: null, ratio: null, p_value: null })
    assert.equal(big.value, 16)
  }
  for (const who of [await clientAs(t, 'editor', p.id), await clientAs(t, 'admin', p.id)]) {
    const [, small, big] = await rows(who)
    assert.deepEqual([small.value, small.suppressed], [3, false])
    assert.equal(big.change.value, 3)
  }
  // The page applies the same rule as the API.
  const page = text((await (await clientAs(t, 'anonymous')).get(`${base}/scorecard/indicators/channel?area=${HEREFORDSHIRE}`)).body)
  assert.match(page, /\[c\]/)
  const editorPage = text(
    (await (await clientAs(t, 'editor', p.id)).get(`${base}/scorecard/indicators/channel?area=${HEREFORDSHIRE}`)).body,
  )
  assert.doesNotMatch(editorPage, /\[c\]/)
})

test('the threshold is set per indicator: with 10, a count of 7 is withheld and 10 is shown', async () => {
  const { p, api } = await partnership()
  await define(p.id, { code: 'prevent', name: 'Prevent referrals', unit: 'count', suppressionThreshold: 10 })
  await importCsv(p.id, `${HEADER}\nprevent,${HEREFORDSHIRE},2017/18,,,7\nprevent,${HEREFORDSHIRE},2018/19,,,10\n`)
  const [a, b] = (await (await clientAs(t, 'anonymous')).get(`${api}/indicators/prevent/values?area=${HEREFORDSHIRE}`)).json().rows
  assert.deepEqual([a.suppressed, a.value, b.suppressed, b.value], [true, null, false, 10])
})

test('a percentage from a small numerator is withheld with its interval', async () => {
  const { p, api } = await partnership()
  await define(p.id, { code: 'repeat', name: 'Repeat victims', unit: 'percentage', polarity: 'lower-is-better' })
  await importCsv(p.id, `${HEADER}\nrepeat,${HEREFORDSHIRE},2017/18,2,40,\nrepeat,${HEREFORDSHIRE},2018/19,20,80,\n`)
  const [a, b] = (await (await clientAs(t, 'anonymous')).get(`${api}/indicators/repeat/values?area=${HEREFORDSHIRE}`)).json().rows
  assert.deepEqual([a.suppressed, a.value, a.ci95], [true, null, null])
  assert.equal(b.value, 25)
  // Wilson score interval for 20/80, in per cent, written out independently.
  const z = 1.959963984540054
  const ph = 0.25
  const n = 80
  const c = (ph + (z * z) / (2 * n)) / (1 + (z * z) / n)
  const h = (z * Math.sqrt((ph * (1 - ph)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n)
  assert.ok(Math.abs(b.ci95[0] - (c - h) * 100) < 1e-4 && Math.abs(b.ci95[1] - (c + h) * 100) < 1e-4)
})

test('partners-only indicators are for members; restricted ones for the roles named', async () => {
  const { p, api, base } = await partnership()
  await define(p.id, { code: 'partners-fig', name: 'Partners figure', unit: 'count', sensitivity: 'partners' })
  await define(p.id, {
    code: 'secret-fig',
    name: 'Restricted figure',
    unit: 'count',
    sensitivity: 'restricted',
    restrictedRoles: ['editor'],
  })
  const codes = async (who: Awaited<ReturnType<typeof clientAs>>) =>
    (await who.get(`${api}/indicators`))
      .json()
      .rows.map((r: any) => r.code)
      .filter((c: string) => !c.startsWith('police-uk-'))
  const anon = await clientAs(t, 'anonymous')
  assert.deepEqual(await codes(anon), [])
  assert.deepEqual(await codes(await clientAs(t, 'viewer', p.id)), ['partners-fig'])
  assert.deepEqual((await codes(await clientAs(t, 'editor', p.id))).sort(), ['partners-fig', 'secret-fig'])
  assert.equal((await anon.get(`${api}/indicators/partners-fig/values`)).status, 404)
  assert.equal((await anon.get(`${base}/scorecard/indicators/partners-fig`)).status, 404)
  assert.equal((await (await clientAs(t, 'viewer', p.id)).get(`${api}/indicators/secret-fig/values`)).status, 404)
})

test('the indicators API lists the built-in police.uk indicators with stable codes, and the priorities each measures', async () => {
  const { p, api } = await partnership()
  const version = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2019-22' }, systemActor)
  const priority = await t.services.agreement.addPriority(version.id, { number: 1, title: 'Hate crime' }, systemActor)
  await define(p.id, { code: 'hate-crimes', name: 'Hate crimes', unit: 'count', priorities: [priority.lineage_id] })
  const rows = (await (await clientAs(t, 'editor', p.id)).get(`${api}/indicators`)).json().rows
  const codes = rows.map((r: any) => r.code)
  for (const c of [
    'police-uk-crime',
    'police-uk-asb',
    'police-uk-burglary',
    'police-uk-violence-and-sexual-offences',
    'police-uk-stop-and-search',
  ])
    assert.ok(codes.includes(c), c)
  assert.deepEqual(rows.find((r: any) => r.code === 'hate-crimes').priorities, [{ number: 1, title: 'Hate crime' }])
  assert.deepEqual(
    rows.find((r: any) => r.code === 'police-uk-crime'),
    {
      code: 'police-uk-crime',
      name: 'All recorded crime',
      unit: 'rate',
      per: 1000,
      polarity: 'lower-is-better',
      frequency: 'month',
      sensitivity: 'public',
      builtin: true,
      baseline: null,
      priorities: [],
    },
  )
  // The scorecard groups indicators by the priorities they measure.
  const page = text((await (await clientAs(t, 'editor', p.id)).get(`/partnerships/${p.slug}/scorecard`)).body)
  assert.match(page, /Priority 1: Hate crime/)
})

test('RAG against a target with a tolerance gives its reason', async () => {
  const { p, base } = await partnership()
  await define(p.id, { code: 'da', name: 'Domestic abuse crimes', unit: 'count', ragMethod: 'target', target: 6500, tolerance: 5 })
  await define(p.id, { code: 'da2', name: 'Domestic abuse crimes (amber)', unit: 'count', ragMethod: 'target', target: 6800, tolerance: 5 })
  await importCsv(p.id, `${HEADER}\nda,${HEREFORDSHIRE},2018/19,,,7055\nda2,${HEREFORDSHIRE},2018/19,,,7055\n`)
  const page = text((await (await clientAs(t, 'anonymous')).get(`${base}/scorecard`)).body)
  // 7,055 is (7055 - 6500) / 6500 = 8.5% above 6,500; (7055 - 6800) / 6800 = 3.8% above 6,800.
  assert.match(page, /Red: 7,055 is 8\.5% above the target of 6,500, more than the tolerance of 5\.0%/)
  assert.match(page, /Amber: 7,055 is 3\.8% above the target of 6,800, within the tolerance of 5\.0%/)
})

test('a value entered in the form is checked like a CSV row, with the message on its field', async () => {
  const { p, base, api } = await partnership()
  await define(p.id, { code: 'hate', name: 'Hate crimes', unit: 'count' })
  const editor = await clientAs(t, 'editor', p.id)
  const bad = await editor.post(`${base}/scorecard/indicators/hate/values/new`, { area: HEREFORDSHIRE, period: '2019-01', value: '4' })
  assert.equal(bad.status, 400)
  assert.match(
    text(errorSummary(bad.body)),
    /hate is recorded by financial year: expected a financial year such as 2019\/20, found "2019-01"/,
  )
  const good = await editor.post(`${base}/scorecard/indicators/hate/values/new`, { area: HEREFORDSHIRE, period: '2019/20', value: '4' })
  assert.equal(good.status, 303)
  assert.equal((await editor.get(`${api}/indicators/hate/values`)).json().rows[0].value, 4)
})

test('safer indicators define and import: the same checks; a bad file saves nothing and exits with status 2', async () => {
  const { p } = await partnership()
  const out = await indicatorsCommand(
    t.services,
    [
      'define',
      '--partnership',
      p.slug,
      '--code',
      'alcohol-arrests',
      '--name',
      'Alcohol-tagged arrests',
      '--unit',
      'count',
      '--frequency',
      'financial-year',
      '--polarity',
      'neither',
    ],
    systemActor,
  )
  assert.match(out, /Indicator alcohol-arrests \(Alcohol-tagged arrests\) defined/)
  const bad = csvFile(`${HEADER}\nalcohol-arrests,${HEREFORDSHIRE},2017/18,,,3655\nalcohol-arrests,${HEREFORDSHIRE},2018/19,,,lots\n`)
  await assert.rejects(indicatorsCommand(t.services, ['import', bad, '--partnership', p.slug], systemActor), (err: unknown) => {
    assert.ok(err instanceof CommandError)
    assert.equal(err.code, 2)
    assert.match(err.message, /figures\.csv:3: value: expected a number, found "lots"/)
    return true
  })
  assert.equal(await storedValues(p.id), 0)
  const good = csvFile(`${HEADER}\nalcohol-arrests,${HEREFORDSHIRE},2017/18,,,3655\nalcohol-arrests,${HEREFORDSHIRE},2018/19,,,2593\n`)
  assert.match(await indicatorsCommand(t.services, ['import', good, '--partnership', p.slug], systemActor), /2 values saved/)
  assert.equal(await storedValues(p.id), 2)
})

test('the indicator page draws the trend with its band as an SVG with a text alternative, and the print view lists the scorecard', async () => {
  const { p, base } = await partnership()
  await define(p.id, { code: 'da-crimes', name: 'Domestic abuse crimes', unit: 'count' })
  await importCsv(
    p.id,
    `${HEADER}\nda-crimes,${HEREFORDSHIRE},2016/17,,,5900\nda-crimes,${HEREFORDSHIRE},2017/18,,,6142\nda-crimes,${HEREFORDSHIRE},2018/19,,,7055\n`,
  )
  const anon = await clientAs(t, 'anonymous')
  const page = await anon.get(`${base}/scorecard/indicators/da-crimes`)
  assert.equal(page.status, 200)
  assert.match(page.body, /<svg[^>]*role="img"/)
  assert.match(page.body, /<title[^>]*>Domestic abuse crimes in Herefordshire[^<]*95% confidence interval<\/title>/)
  assert.match(text(page.body), /3 periods, from 5,900 in 2016\/17 to 7,055 in 2018\/19/)
  const json = (await anon.get(`${base}/scorecard/indicators/da-crimes?format=json`)).json()
  assert.deepEqual(
    json.map((r: any) => r.value),
    [5900, 6142, 7055],
  )
  const print = await anon.get(`${base}/scorecard/print`)
  assert.equal(print.status, 200)
  assert.match(text(print.body), /Performance scorecard[\s\S]*Domestic abuse crimes/)
  assert.match(print.body, /format=pdf/)
  // Each group of the print view is headed once (its table's caption), not twice.
  const caption = /<caption[^>]*>\s*([^<]+?)\s*<\/caption>/.exec(print.body)![1]
  assert.equal(text(print.body).split(caption).length - 1, 1, caption)
  // Every page of the partnership links to its scorecard in the navigation.
  assert.match(page.body, new RegExp(`<a[^>]*href="${base}/scorecard"[^>]*>\\s*Scorecard\\s*</a>`))
  // The partnership's overview has the scorecard's box.
  assert.match(text((await anon.get(base)).body), /Performance scorecard\s+1 indicator on the scorecard/)
})

test('an unpublished partnership’s indicators are not found by outsiders, through the pages or the API', async () => {
  const { p, base, api } = await partnership({ published: false })
  await define(p.id, { code: 'hate', name: 'Hate crimes', unit: 'count' })
  const outsider = await clientAs(t, 'outsider')
  assert.equal((await outsider.get(`${api}/indicators`)).status, 404)
  assert.equal((await outsider.get(`${base}/scorecard`)).status, 404)
  assert.equal((await (await clientAs(t, 'viewer', p.id)).get(`${api}/indicators/hate/values`)).status, 200)
})

test('many changes on one page: the scorecard adjusts their p-values by Holm’s method and says so', async () => {
  const { p, base, api } = await partnership()
  await define(p.id, { code: 'a', name: 'Indicator A', unit: 'count' })
  await define(p.id, { code: 'b', name: 'Indicator B', unit: 'count' })
  await importCsv(
    p.id,
    `${HEADER}\na,${HEREFORDSHIRE},2017/18,,,100\na,${HEREFORDSHIRE},2018/19,,,130\nb,${HEREFORDSHIRE},2017/18,,,100\nb,${HEREFORDSHIRE},2018/19,,,112\n`,
  )
  const anon = await clientAs(t, 'anonymous')
  const pOf = async (code: string) => (await anon.get(`${api}/indicators/${code}/values`)).json().rows[1].change.p_value as number
  const [pa, pb] = [await pOf('a'), await pOf('b')]
  // Holm for two p-values, written out: the smaller doubled (at most 1), the larger at least that.
  const [small, large] = pa < pb ? [pa, pb] : [pb, pa]
  const adjSmall = Math.min(1, 2 * small)
  const expected = new Map([
    [pa < pb ? 'a' : 'b', adjSmall],
    [pa < pb ? 'b' : 'a', Math.max(adjSmall, large)],
  ])
  const rows = (await anon.get(`${base}/scorecard?format=json`)).json()
  for (const r of rows) assert.ok(Math.abs(r.adjusted_p_value - expected.get(r.code)!) < 1e-6, `${r.code}: ${r.adjusted_p_value}`)
  assert.match(text((await anon.get(`${base}/scorecard`)).body), /adjusted for multiple comparisons by Holm's method/)
})

test('a statistical rating against the region compares with the region’s own figure, and says when the 99.8% interval excludes it too', async () => {
  const { p, base } = await partnership()
  const rated = { unit: 'rate', per: 1000, ragMethod: 'statistical', comparator: 'region', region: 'E12000005' }
  await define(p.id, { code: 'far', name: 'Far from the region', ...rated })
  await define(p.id, { code: 'near', name: 'Near the region', ...rated })
  // 900 in a population of 192,000 is 4.6875 per 1,000. The West Midlands (E12000005) figures are uploaded as values.
  await importCsv(
    p.id,
    `${HEADER}\nfar,${HEREFORDSHIRE},2018/19,900,192000,\nfar,E12000005,2018/19,,,3.9\nnear,${HEREFORDSHIRE},2018/19,900,192000,\nnear,E12000005,2018/19,,,4.3\n`,
  )
  // Byar's limits for 900 (worked by hand): lower = 900 (1 - 1/8100 - z/90)^3, over 192 thousand.
  const lower = (z: number) => (900 * (1 - 1 / 8100 - z / 90) ** 3) / 192
  assert.ok(lower(1.959963984540054) > 4.3 && lower(3.090232306167813) > 3.9 && lower(3.090232306167813) < 4.3)
  const page = text((await new Client(t).get(`${base}/scorecard`)).body)
  assert.match(
    page,
    /Red: 4\.7 per 1,000 is significantly higher than 3\.9 per 1,000 for West Midlands \(95% and 99\.8% intervals exclude it\)/,
  )
  assert.match(page, /Red: 4\.7 per 1,000 is significantly higher than 4\.3 per 1,000 for West Midlands \(95% interval excludes it\)/)
})

test('comparing with the region needs one of the regions', async () => {
  const { p } = await partnership()
  const input = { code: 'no-region', name: 'No region', unit: 'count', ragMethod: 'statistical', comparator: 'region' }
  await assert.rejects(define(p.id, input), (e: any) => /Select the region to compare with/.test(e.fields?.region))
  await assert.rejects(define(p.id, { ...input, region: 'E06000019' }), (e: any) => /"E06000019" is not one/.test(e.fields?.region))
  const editor = await clientAs(t, 'editor', p.id)
  const res = await editor.post(`/partnerships/${p.slug}/scorecard/indicators/new`, {
    code: 'no-region',
    name: 'No region',
    unit: 'count',
    polarity: 'lower-is-better',
    frequency: 'financial-year',
    ragMethod: 'statistical',
    comparator: 'region',
    region: '',
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Select the region to compare with, or choose another comparator/)
})

test('the trend chart labels each month once (five months of figures: October 2018 to February 2019)', async () => {
  const { p, base } = await partnership()
  await define(p.id, { code: 'monthly', name: 'Monthly figure', unit: 'count', frequency: 'month' })
  const months = ['2018-10', '2018-11', '2018-12', '2019-01', '2019-02']
  await importCsv(p.id, `${HEADER}\n${months.map((m, i) => `monthly,${HEREFORDSHIRE},${m},${40 + i},,`).join('\n')}\n`)
  const page = (await new Client(t).get(`${base}/scorecard/indicators/monthly`)).body
  const svg = page.slice(page.indexOf('<svg'), page.indexOf('</svg>'))
  const labels = [...svg.matchAll(/>((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4})</g)].map((m) => m[1])
  assert.deepEqual(labels, ['Oct 2018', 'Nov 2018', 'Dec 2018', 'Jan 2019', 'Feb 2019'])
})
