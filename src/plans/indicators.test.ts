/**
 * Linked indicators: an item links to scorecard indicators of its partnership (chosen in the item form from the
 * scorecard service's list); its page shows each one's latest figure and RAG through the scorecard service; the CSV
 * export and import carry them as `indicators` (codes, ;-separated), unknown ones listed with their lines before
 * anything is saved.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { clientAs, errorSummary, text, unique, type TestApp } from '../../test/helpers.ts'
import { testAppWithGeography } from '../../test/crime-helpers.ts'
import { postFiles } from '../../test/upload-helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
})
after(async () => {
  await t.close()
})

const HEREFORDSHIRE = 'E06000019'

async function setUp() {
  const p = await t.services.partnerships.create(
    { slug: unique('pi'), name: 'Safer Herefordshire test', published: true, areaCode: HEREFORDSHIRE },
    systemActor,
  )
  const v = await t.services.agreement.createVersion(p.id, { title: 'Agreement 2020-23' }, systemActor)
  const pr = await t.services.agreement.addPriority(v.id, { number: 1, title: 'Domestic abuse' }, systemActor)
  const define = (code: string, name: string, target: number) =>
    t.services.scorecard.defineIndicator(
      p.id,
      { code, name, unit: 'count', polarity: 'lower-is-better', frequency: 'financial-year', ragMethod: 'target', target, tolerance: 5 },
      systemActor,
    )
  const da = await define('da', 'Domestic abuse crimes', 6500)
  const repeat = await define('repeat', 'Repeat victims', 900)
  await t.services.scorecard.setValue(p.id, 'da', { area: HEREFORDSHIRE, period: '2018/19', value: '7055' }, systemActor)
  const editor = await clientAs(t, 'editor', p.id)
  return { p, v, pr, da, repeat, editor, base: `/partnerships/${p.slug}` }
}

test("an item links to the scorecard's indicators in its form; its page shows each one's latest figure and RAG", async () => {
  const s = await setUp()
  const form = await s.editor.get(`${s.base}/plan/items/new?version=1`)
  assert.match(text(form.body), /Scorecard indicators it is measured by \(optional\).*Domestic abuse crimes da.*Repeat victims repeat/)

  // An indicator of another partnership is refused, and nothing is saved.
  const other = await setUp()
  let res = await s.editor.post(`${s.base}/plan/items/new`, {
    agreementVersion: 1,
    title: 'Perpetrator programme',
    priorityId: s.pr.id,
    indicatorsShown: 1,
    indicatorIds: [s.da.id, other.da.id],
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Choose indicators of this partnership(?:'|&#39;)s scorecard: one chosen is not on it/)
  assert.equal(
    (await t.services.plans.actionsFor(s.p.id)).length +
      (await t.db.query('SELECT 1 FROM plan_items WHERE partnership_id = $1', [s.p.id])).length,
    0,
  )

  res = await s.editor.post(`${s.base}/plan/items/new`, {
    agreementVersion: 1,
    title: 'Perpetrator programme',
    kind: 'action',
    priorityId: s.pr.id,
    indicatorsShown: 1,
    indicatorIds: [s.da.id, s.repeat.id],
  })
  assert.equal(res.status, 303, errorSummary(res.body))
  const itemUrl = String(res.headers.location)
  const page = text((await s.editor.get(itemUrl)).body)
  // 7,055 against a target of 6,500 (lower is better, 5% tolerance): red. Repeat victims has no figures yet.
  assert.match(page, /Scorecard indicators Domestic abuse crimes : 7,055 \(2018\/19\) Red 7,055 is 8\.5% above the target of 6,500/)
  assert.match(page, /Repeat victims : no figures yet/)
  assert.match((await s.editor.get(itemUrl)).body, /href="[^"]*\/scorecard\/indicators\/da"/)

  // The edit form shows them ticked; unticking both removes the links.
  const edit = await s.editor.get(`${itemUrl}/edit`)
  assert.match(edit.body, new RegExp(`name="indicatorIds" type="checkbox" value="${s.da.id}" checked`))
  const version = /name="version" value="(\d+)"/.exec(edit.body)?.[1]
  res = await s.editor.post(`${itemUrl}/edit`, { title: 'Perpetrator programme', priorityId: s.pr.id, indicatorsShown: 1, version })
  assert.equal(res.status, 303, errorSummary(res.body))
  assert.doesNotMatch(text((await s.editor.get(itemUrl)).body), /Scorecard indicators/)
})

test('the plan CSV carries indicators as codes; unknown ones are listed with their lines and nothing is saved', async () => {
  const s = await setUp()
  const HEADER = 'external_id,parent_external_id,priority,kind,title,status,indicators'
  const bad = [
    HEADER,
    'O1,,1,objective,Reduce domestic abuse,on track,da',
    'A1,O1,,action,Perpetrator programme,,da; nope',
    'A2,O1,,action,IDVA service,,zzz;Repeat',
  ].join('\n')
  let res = await postFiles(t, s.editor, `${s.base}/plan/import?version=1`, 'file', [{ filename: 'plan.csv', data: Buffer.from(bad) }])
  assert.equal(res.status, 400)
  const problems = [...res.body.matchAll(/<li>(plan\.csv:[^<]*)<\/li>/g)].map((m) => m[1].replace(/&quot;/g, '"').replace(/&#39;/g, "'"))
  assert.equal(problems.length, 2)
  assert.match(
    problems[0],
    /^plan\.csv:3: indicators: an indicator not on the partnership's scorecard: "nope" \(expected its codes, separated by ;: da; repeat\)/,
  )
  assert.match(problems[1], /^plan\.csv:4: indicators: an indicator not on the partnership's scorecard: "zzz"/)
  assert.equal((await t.db.query('SELECT 1 FROM plan_items WHERE partnership_id = $1', [s.p.id])).length, 0)

  const good = bad.replace('da; nope', 'da; repeat').replace('zzz;Repeat', 'Repeat')
  res = await postFiles(t, s.editor, `${s.base}/plan/import?version=1`, 'file', [{ filename: 'plan.csv', data: Buffer.from(good) }])
  assert.equal(res.status, 303, text(res.body).slice(0, 2000))
  const links = await t.db.query<{ external_id: string; indicator_id: number }>(
    'SELECT i.external_id, l.indicator_id FROM plan_item_indicators l JOIN plan_items i ON i.id = l.plan_item_id WHERE i.partnership_id = $1 ORDER BY i.external_id, l.indicator_id',
    [s.p.id],
  )
  assert.deepEqual(
    links.map((l) => [l.external_id, l.indicator_id]),
    [
      ['A1', s.da.id],
      ['A1', s.repeat.id],
      ['A2', s.repeat.id],
      ['O1', s.da.id],
    ],
  )
  // The download carries them (the import's format), and the API gives their ids.
  const csv = (await s.editor.get(`${s.base}/plan?version=1&format=csv`)).body
  assert.match(csv.split('\n')[0], /,milestones,indicators,development_area_ids,/)
  assert.match(csv, /Perpetrator programme,.*,da; repeat,/)
  const api = (await s.editor.get(`/api/v1/partnerships/${s.p.slug}/plan`)).json<{
    priorities: { items: { externalId: string; indicatorIds: number[] }[] }[]
  }>()
  assert.deepEqual(api.priorities[0].items.find((i) => i.externalId === 'A2')!.indicatorIds, [s.repeat.id])
  // A re-import with only the indicators changed updates the links; a file without the column leaves them alone.
  const changed = csv.replace('da; repeat', 'da')
  res = await postFiles(t, s.editor, `${s.base}/plan/import?version=1`, 'file', [{ filename: 'again.csv', data: Buffer.from(changed) }])
  assert.equal(res.status, 303)
  const a1 = async () =>
    (
      await t.db.query<{ indicator_id: number }>(
        "SELECT l.indicator_id FROM plan_item_indicators l JOIN plan_items i ON i.id = l.plan_item_id WHERE i.partnership_id = $1 AND i.external_id = 'A1'",
        [s.p.id],
      )
    ).map((r) => r.indicator_id)
  assert.deepEqual(await a1(), [s.da.id])
  const without = ['external_id,parent_external_id,title', 'A1,O1,Perpetrator programme'].join('\n')
  res = await postFiles(t, s.editor, `${s.base}/plan/import?version=1`, 'file', [{ filename: 'titles.csv', data: Buffer.from(without) }])
  assert.equal(res.status, 303)
  assert.deepEqual(await a1(), [s.da.id])
})
