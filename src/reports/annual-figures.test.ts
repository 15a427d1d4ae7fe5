/**
 * The annual report's progress and scorecard parts, checked against figures worked out here: the progress per
 * priority from the leads' submitted answers (weighted means written out by hand), and which scorecard changes are
 * called significant from the published reference p-values of the exact Poisson rate-ratio test
 * (`test/fixtures/reference/poisson_rate_ratio_tests.csv`), adjusted here with Holm's method.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { clientAs, errorSummary, unique, type TestApp } from '../../test/helpers.ts'
import { testAppWithGeography } from '../../test/crime-helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
})
after(async () => {
  await t.close()
})

const HEREFORDSHIRE = 'E06000019'
/** The reference values, a copy of `../shared/reference/poisson_rate_ratio_tests.csv` kept with the tests. */
const REFERENCE = path.resolve(import.meta.dirname, '../../test/fixtures/reference/poisson_rate_ratio_tests.csv')
const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10)

/** The reference file's rows: previous and current counts with the exact conditional test's p-value. */
function referenceTests() {
  const [header, ...lines] = fs.readFileSync(REFERENCE, 'utf8').trim().split('\n')
  const cols = header.split(',').map((c) => c.replace(/"/g, ''))
  return lines.map((line) => {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''))
    const at = (name: string) => Number(cells[cols.indexOf(name)])
    return {
      previous: at('previous_count'),
      previousPopulation: at('previous_population'),
      current: at('current_count'),
      currentPopulation: at('current_population'),
      p: at('p_value_exact_conditional'),
    }
  })
}

/** Holm's step-down adjustment, written out here (Holm 1979). */
function holm(ps: number[]) {
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p)
  const out = new Array<number>(ps.length)
  let running = 0
  for (const [k, { p, i }] of order.entries()) {
    running = Math.max(running, Math.min(1, (ps.length - k) * p))
    out[i] = running
  }
  return out
}

test('the annual report’s progress and scorecard parts agree with figures worked out independently', async () => {
  const council = await t.services.partnerships.create(
    { slug: unique('hc'), name: 'Herefordshire Council', kind: 'council', published: true },
    systemActor,
  )
  const csp = await t.services.partnerships.create(
    { slug: unique('csp'), name: 'Safer Herefordshire', published: true, areaCode: HEREFORDSHIRE },
    systemActor,
  )
  await t.services.scrutiny.createCommittee(
    council.id,
    {
      name: 'General overview and scrutiny committee',
      type: 'overview and scrutiny committee',
      crimeAndDisorder: true,
      scrutinises: [csp.id],
    },
    systemActor,
  )

  // Two of the reference file's tests with equal populations (counts compared directly): the largest change and a
  // small one, as two indicators' financial years.
  const refs = referenceTests().filter((r) => r.previousPopulation === r.currentPopulation)
  const big = refs.reduce((a, b) => (b.p < a.p ? b : a))
  const small = refs.reduce((a, b) => (b.p > a.p ? b : a))
  assert.ok(big.p < 0.001 && small.p > 0.05, 'the reference file has a clear and an unclear change')
  for (const code of ['big-change', 'small-change'])
    await t.services.scorecard.defineIndicator(
      csp.id,
      {
        code,
        name: code === 'big-change' ? 'Big change' : 'Small change',
        unit: 'count',
        polarity: 'lower-is-better',
        frequency: 'financial-year',
      },
      systemActor,
    )
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-annual-'))
  const file = path.join(dir, 'figures.csv')
  fs.writeFileSync(
    file,
    [
      'indicator,area,period,numerator,denominator,value',
      `big-change,${HEREFORDSHIRE},2017/18,,,${big.previous}`,
      `big-change,${HEREFORDSHIRE},2018/19,,,${big.current}`,
      `small-change,${HEREFORDSHIRE},2017/18,,,${small.previous}`,
      `small-change,${HEREFORDSHIRE},2018/19,,,${small.current}`,
    ].join('\n') + '\n',
  )
  const imported = await t.services.scorecard.importFile(csp.id, file, systemActor)
  assert.deepEqual(imported.check.problems, [])

  // A plan and a closed return. Priority 1: three actions, answered 60% at risk and complete (100%), and one whose
  // lead never answers (on track, whose default progress is 50%); priority 2: one action answered 20% off track.
  const v = await t.services.agreement.createVersion(csp.id, { title: 'Agreement 2020-23', published: true }, systemActor)
  const pr1 = await t.services.agreement.addPriority(v.id, { number: 1, title: 'Serious violence' }, systemActor)
  const pr2 = await t.services.agreement.addPriority(v.id, { number: 2, title: 'Community cohesion' }, systemActor)
  const ann = await clientAs(t, 'contributor', csp.id)
  const bob = await clientAs(t, 'contributor', csp.id)
  const add = (data: Record<string, unknown>) => t.services.plans.createItem(csp.id, v.id, data, systemActor)
  const knife = await add({ title: 'Reduce knife crime', kind: 'objective', priorityId: pr1.id })
  const action = (title: string, parentId: number, lead: typeof ann) =>
    add({ title, kind: 'action', parentId, leadEmail: lead.user.email, status: 'on-track' })
  const arches = await action('Knife arches in schools', knife.id, ann)
  const sweeps = await action('Weapons sweeps', knife.id, ann)
  await action('Youth outreach', knife.id, bob)
  const trust = await add({ title: 'Build trust', kind: 'objective', priorityId: pr2.id })
  const forums = await action('Community forums', trust.id, ann)
  const { ret } = await t.services.planReturns.open(csp.id, csp.name, { quarter: 'Q2 2020/21', deadline: isoDay(30) }, systemActor)
  const answer = (itemId: number, data: Record<string, unknown>) =>
    t.services.planReturns.answer(ret.id, { userId: ann.user.id }, itemId, { finished: 'yes', narrative: 'Update.', ...data }, systemActor)
  await answer(arches.id, { status: 'at-risk', progress: 60 })
  await answer(sweeps.id, { status: 'complete' })
  await answer(forums.id, { status: 'off-track', progress: 20 })
  await t.services.planReturns.submit(ret.id, { userId: ann.user.id }, systemActor)
  await t.services.planReturns.close(csp.id, csp.name, ret.id, systemActor)

  const editor = await clientAs(t, 'editor', council.id)
  const res = await editor.post(`/partnerships/${council.slug}/reports/annual`, { partnershipId: String(csp.id), period: '2020/21' })
  assert.equal(res.status, 303, errorSummary(res.body))
  const id = Number(/reports\/(\d+)/.exec(res.headers.location as string)![1])
  const view = await t.services.reports.view(council.id, id, { member: true })

  // Progress: equal weights, so each priority's progress is the mean of its actions' progress.
  const progress = view.blocks.find((b) => b.key === 'progress')!
  const row = (title: string) => progress.rows.find((r) => r[0].includes(title))!
  assert.deepEqual(row('Serious violence').slice(1), ['At risk', `${Math.round((60 + 100 + 50) / 3)}%`, '3', '2', '1', '1'])
  assert.deepEqual(row('Community cohesion').slice(1), ['Off track', '20%', '1', '1', '1', '0'])
  assert.match(progress.notes.join(' '), /Q2 2020\/21 \(closed\).*1 of 2 leads answered/)

  // Scorecard: of the changes tested, those under 5% after Holm's adjustment across them are called significant.
  const scorecard = view.blocks.find((b) => b.key === 'scorecard')!
  const tested = scorecard.rows.filter((r) => r[4] !== 'Not tested')
  assert.deepEqual(tested.map((r) => r[0]).sort(), ['Big change', 'Small change'])
  const [bigAdjusted, smallAdjusted] = holm([big.p, small.p])
  const label = (p: number) => (p < 0.05 ? 'Significant' : 'Not significant')
  const cells = (name: string) => scorecard.rows.find((r) => r[0] === name)!
  assert.equal(cells('Big change')[4], label(bigAdjusted))
  assert.equal(cells('Small change')[4], label(smallAdjusted))
  assert.equal(cells('Big change')[5], 'Exact Poisson rate-ratio test against 2017/18')
  assert.equal(cells('Big change')[2], big.current.toLocaleString('en-GB'))
  assert.match(scorecard.notes.join(' '), /Holm/)
})
