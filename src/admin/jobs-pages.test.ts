import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, text, type TestApp } from '../../test/helpers.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

describe('background jobs pages', () => {
  it('show a site administrator a failed job with its error, and run it again', async () => {
    let calls = 0
    t.services.jobs.define({
      kind: 'test:report',
      title: (p: { name: string }) => `Render ${p.name}`,
      run: async () => {
        calls++
        if (calls === 1) throw new Error('Chromium is not installed at /usr/bin/chromium')
        return { pages: 3 }
      },
    })
    const queued = await t.services.jobs.enqueue(
      'test:report',
      { name: 'the 2020 agreement' },
      { actor: { id: null, name: 'Pat Partnership' } },
    )
    await t.services.jobs.tick()

    const admin = await clientAs(t, 'site-admin')
    const list = await admin.get('/admin/jobs?status=failed')
    assert.equal(list.status, 200)
    assert.match(text(list.body), /Render the 2020 agreement test:report #\d+ Failed Pat Partnership \(web\)/)
    const page = await admin.get(`/admin/jobs/${queued.id}`)
    assert.match(text(page.body), /Error Chromium is not installed at \/usr\/bin\/chromium/)

    const rerun = await admin.post(`/admin/jobs/${queued.id}/rerun`)
    assert.equal(rerun.status, 303)
    const againId = Number(rerun.headers.location.split('/').pop())
    assert.notEqual(againId, queued.id)
    await t.services.jobs.tick()
    const again = await admin.get(`/admin/jobs/${againId}`)
    assert.match(text(again.body), /Status Done/)
    assert.match(text(again.body), /Run again of job \d+/)
    assert.match(again.body, /&quot;pages&quot;: 3/)

    const csv = await admin.get('/admin/jobs?format=csv')
    assert.match(csv.body, new RegExp(`\\r\\n${againId},test:report,Render the 2020 agreement,done,`))
  })

  it('refuse to run again a job that finished', async () => {
    t.services.jobs.define({ kind: 'test:fine', title: () => 'Fine', run: async () => 'ok' })
    const job = await t.services.jobs.enqueue('test:fine', {}, {})
    await t.services.jobs.tick()
    const admin = await clientAs(t, 'site-admin')
    const res = await admin.post(`/admin/jobs/${job.id}/rerun`)
    assert.equal(res.status, 400)
    assert.match(text(res.body), /Only a job that failed or was interrupted can be run again; this one is done/)
  })
})
