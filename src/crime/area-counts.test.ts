/**
 * Area counts are derived from the records and the geography: crime imported before the geography is counted by
 * area as soon as the geography arrives, and a lost rebuild (a process killed between the two) is redone at start-up.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { TestApp } from '../../test/helpers.ts'
import { testApp, clientAs } from '../../test/helpers.ts'
import { OPENDATA, FIXTURES, bundled, importFiles, independentStreet, countBy, lsoaToLad19 } from '../../test/crime-helpers.ts'
import { systemActor } from '../platform/audit.ts'
import { services as buildServices } from '../services.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

test('crime imported before the geography is counted by area once the geography is loaded, and again after a lost rebuild', async () => {
  const files = [bundled('west-mercia')[0], path.join(FIXTURES, '2019-01-west-mercia-street.csv')]
  await importFiles(t, files)
  const c = await clientAs(t, 'anonymous')
  const early = await c.get('/api/v1/crime/counts?area=E07000237')
  assert.equal(early.status, 400, 'without the geography, districts are unknown')
  assert.equal((await c.get('/api/v1/crime/counts?area=west-mercia&group=month')).status, 200, 'forces are known without it')

  await t.services.geography.importPaths([path.join(OPENDATA, 'geography'), path.join(OPENDATA, 'boundaries')], systemActor, 'command line')
  const lad = lsoaToLad19()
  const { kept } = independentStreet(files)
  const expected = countBy(
    kept.filter((k) => lad.get(k.lsoa) === 'E07000237'),
    (k) => k.month,
  )
  const got = async () =>
    new Map((await c.get('/api/v1/crime/counts?area=E07000237&group=month')).json().rows.map((r: any) => [r.month, r.count]))
  assert.deepEqual(await got(), expected)

  // As if the process had died after the geography landed but before the area counts were rebuilt.
  await t.services.analytics.run(`DELETE FROM crime.area_counts`)
  await t.services.analytics.run(`DELETE FROM crime.meta WHERE key = 'area_counts_geography'`)
  assert.deepEqual(await got(), new Map([...expected.keys()].map((m) => [m, 0])))
  await buildServices(t.db, t.config) // what start-up does
  assert.deepEqual(await got(), expected)
})
