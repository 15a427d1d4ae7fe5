/**
 * Progress against priorities as a PDF, made by real Chromium through platform/pdf.ts (a pdf:render job): a member
 * downloads the report of a closed quarterly return; its text (read back with pdftotext) has the priorities and the
 * lead's narrative, and the partnership's name is on every page.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PDFDocument } from 'pdf-lib'
import { testApp, clientAs, makePartnership, type TestApp } from '../helpers.ts'
import { systemActor } from '../../src/platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

function pdfText(pdf: Buffer) {
  const file = path.join(os.tmpdir(), `safer-progress-test-${process.pid}.pdf`)
  fs.writeFileSync(file, pdf)
  try {
    return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ')
  } finally {
    fs.rmSync(file, { force: true })
  }
}

test("a member downloads a closed return's progress against priorities as a PDF, made by a pdf:render job", async () => {
  const p = await makePartnership(t.services, { name: 'Hampshire Community Safety Strategy Group' })
  const v = await t.services.agreement.createVersion(p.id, { title: 'County Agreement 2020-23' }, systemActor)
  const pr = await t.services.agreement.addPriority(v.id, { number: 1, title: 'Serious organised crime and county lines' }, systemActor)
  const lead = await clientAs(t, 'contributor', p.id)
  const objective = await t.services.plans.createItem(
    p.id,
    v.id,
    { title: 'Disrupt county lines', kind: 'objective', priorityId: pr.id },
    systemActor,
  )
  const action = await t.services.plans.createItem(
    p.id,
    v.id,
    { title: 'Operation Monument', kind: 'action', parentId: objective.id, leadEmail: lead.user.email, status: 'on-track' },
    systemActor,
  )
  const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
  const { ret } = await t.services.planReturns.open(p.id, p.name, { quarter: 'Q2 2020/21', deadline }, systemActor)
  await t.services.planReturns.answer(
    ret.id,
    { userId: lead.user.id },
    action.id,
    { status: 'at-risk', progress: 40, narrative: 'Work with the London forces on the middle market continues.', finished: 'yes' },
    systemActor,
  )
  await t.services.planReturns.submit(ret.id, { userId: lead.user.id }, systemActor)
  await t.services.planReturns.close(p.id, p.name, ret.id, systemActor)

  const viewer = await clientAs(t, 'viewer', p.id)
  const res = await t.app.inject({
    method: 'GET',
    url: `/partnerships/${p.slug}/plan/returns/${ret.id}/progress/print?format=pdf`,
    headers: { cookie: [...viewer.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  })
  assert.equal(res.statusCode, 200, res.body.slice(0, 500))
  assert.equal(res.headers['content-type'], 'application/pdf')
  assert.match(String(res.headers['content-disposition']), /-progress-q2-2020-21\.pdf/)
  const doc = await PDFDocument.load(res.rawPayload)
  assert.ok(doc.getPageCount() >= 1)
  const words = pdfText(res.rawPayload)
  assert.match(words, /Priority 1 – Serious organised crime and county lines/)
  assert.match(words, /Work with the London forces on the middle market continues\./)
  assert.match(words, /Hampshire Community Safety Strategy Group/)
  const [job] = await t.services.jobs.list({ kind: 'pdf:render', limit: 1 })
  assert.match(job.title, /Progress against priorities: Q2 2020\/21/)
  // An outsider gets no PDF.
  const outsider = await clientAs(t, 'outsider')
  assert.ok([403, 404].includes((await outsider.get(`/partnerships/${p.slug}/plan/returns/${ret.id}/progress/print?format=pdf`)).status))
})
