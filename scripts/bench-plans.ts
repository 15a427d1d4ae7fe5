/**
 * npm run bench:plans: how fast a plan of 300 actions renders. Figures are printed, not asserted.
 *
 * One partnership with an agreement version of 6 priorities, each with 5 objectives of 10 actions (300 actions,
 * 30 objectives), a third of the actions with a sub-action beneath them, mixed statuses; an editor asks for the plan
 * page, one request at a time, through the app in-process (app.inject). Server time is the app's own Server-Timing
 * figure. Goal (issue 11): ≤ 100 ms. Also timed: the same plan's CSV download and the API.
 *
 * Quarterly returns: a second partnership's plan of 100 open actions, each with its own lead (none with an account,
 * so each gets an answer link: the most work per lead). Timed: opening the return (it queues the 100 emails, goal
 * ≤ 1 s), then its status page with half the leads submitted, as the partnership admin (goal ≤ 100 ms).
 *
 *   BENCH_PLANS_REQUESTS (default 60) changes the run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { systemActor } from '../src/platform/audit.ts'
import { STATUSES } from '../src/plans/rollup.ts'
import { openStore, pct } from './bench-store.ts'

const REQUESTS = Number(process.env.BENCH_PLANS_REQUESTS ?? 60)
const PRIORITIES = 6
const OBJECTIVES = 5
const ACTIONS = 10
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 1 })

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-bench-plans-'))
const { db, config, services: s } = await openStore(dataDir)
const app = await buildApp({ config, services: s })
await app.ready()

try {
  const p = await s.partnerships.create({ slug: 'bench-plans', name: 'Benchmark partnership', published: true }, systemActor)
  const org = await s.organisations.create({ name: 'Bench Constabulary', type: 'police force' }, systemActor)
  const v = await s.agreement.createVersion(p.id, { title: 'Benchmark agreement' }, systemActor)
  const rows = ['external_id,parent_external_id,priority,kind,title,owner,lead_name,lead_email,start_date,due_date,status,progress,weight']
  for (let pr = 1; pr <= PRIORITIES; pr++) {
    await s.agreement.addPriority(v.id, { number: pr, title: `Priority ${pr}`, leadIds: [org.id] }, systemActor)
    for (let o = 1; o <= OBJECTIVES; o++) {
      rows.push(`O${pr}.${o},,${pr},objective,Objective ${pr}.${o},${org.name},,,2021-04-01,2023-03-31,on track,,1`)
      for (let a = 1; a <= ACTIONS; a++) {
        const st = STATUSES[(pr + o + a) % STATUSES.length]
        rows.push(
          `A${pr}.${o}.${a},O${pr}.${o},,action,Action ${pr}.${o}.${a},${org.name},Lead ${a},lead${a}@example.org,2021-04-01,2022-03-31,${st},,${1 + (a % 3)}`,
        )
        if (a % 3 === 0) rows.push(`S${pr}.${o}.${a},A${pr}.${o}.${a},,action,Sub-action ${pr}.${o}.${a},,,,,,at risk,30,1`)
      }
    }
  }
  const file = path.join(dataDir, 'plan.csv')
  fs.writeFileSync(file, rows.join('\n'))
  let t = performance.now()
  const r = await s.plans.importCsv(p.id, v.id, file, 'plan.csv', systemActor)
  if (r.problems.length) throw new Error(r.problems.slice(0, 5).join('\n'))
  console.log(`Imported ${r.created} items (${PRIORITIES * OBJECTIVES * ACTIONS} actions) in ${fmt((performance.now() - t) / 1000)} s`)
  t = performance.now()
  const again = await s.plans.importCsv(p.id, v.id, file, 'plan.csv', systemActor)
  console.log(`Re-imported unchanged (${again.unchanged} unchanged) in ${fmt((performance.now() - t) / 1000)} s`)

  const editor = await s.auth.createUser({ email: 'bench-plans@example.test', name: 'Bench editor', password: 'correct horse battery' })
  await s.partnerships.grantRole(editor.id, p.id, 'editor', systemActor)
  const cookie = `safer_session=${await s.auth.startSession(editor.id)}`
  for (const [label, url] of [
    ['plan page', `/partnerships/${p.slug}/plan`],
    ['plan CSV', `/partnerships/${p.slug}/plan?format=csv`],
    ['plan API', `/api/v1/partnerships/${p.slug}/plan`],
  ]) {
    const warm = await app.inject({ url, headers: { cookie } })
    if (warm.statusCode !== 200) throw new Error(`The ${label} answered ${warm.statusCode}`)
    const server: number[] = []
    const total: number[] = []
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now()
      const res = await app.inject({ url, headers: { cookie } })
      total.push(performance.now() - t0)
      server.push(Number(/dur=([\d.]+)/.exec(String(res.headers['server-timing']))?.[1]))
    }
    console.log(
      `${label.padEnd(10)} (${fmt(warm.body.length / 1024)} KB): server time p50 ${fmt(pct(server, 50))} ms   p95 ${fmt(pct(server, 95))} ms   round trip p50 ${fmt(pct(total, 50))} ms` +
        (label === 'plan page' ? '   (goal ≤ 100 ms)' : ''),
    )
  }

  // ---- Quarterly returns: 100 leads ----
  const LEADS = 100
  const p2 = await s.partnerships.create({ slug: 'bench-returns', name: 'Benchmark returns partnership', published: true }, systemActor)
  const v2 = await s.agreement.createVersion(p2.id, { title: 'Benchmark agreement' }, systemActor)
  const rows2 = ['external_id,parent_external_id,priority,kind,title,owner,lead_name,lead_email,status']
  for (let pr = 1; pr <= 5; pr++) {
    await s.agreement.addPriority(v2.id, { number: pr, title: `Priority ${pr}`, leadIds: [org.id] }, systemActor)
    rows2.push(`O${pr},,${pr},objective,Objective ${pr},${org.name},,,on track`)
    for (let a = 1; a <= LEADS / 5; a++) {
      const n = (pr - 1) * (LEADS / 5) + a
      rows2.push(`A${n},O${pr},,action,Action ${n},${org.name},Lead ${n},lead-${n}@example.org,on track`)
    }
  }
  const file2 = path.join(dataDir, 'plan2.csv')
  fs.writeFileSync(file2, rows2.join('\n'))
  const r2 = await s.plans.importCsv(p2.id, v2.id, file2, 'plan2.csv', systemActor)
  if (r2.problems.length) throw new Error(r2.problems.slice(0, 5).join('\n'))
  const before = (await s.outbox.list({ limit: 100_000 })).length
  const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
  t = performance.now()
  const opened = await s.planReturns.open(p2.id, p2.name, { quarter: 'Q2 2020/21', deadline }, systemActor)
  const openMs = performance.now() - t
  const queued = (await s.outbox.list({ limit: 100_000 })).length - before
  console.log(
    `Opened a return for ${opened.leads} leads (${opened.actions} actions) in ${fmt(openMs)} ms, queuing ${queued} emails   (goal ≤ 1,000 ms)`,
  )
  // Half the leads have submitted (set directly: answering through the pages is not what is timed here).
  await db.query(
    `UPDATE plan_return_items SET status = 'on-track', progress = 50, finished = true, answered_at = now() WHERE return_id = $1 AND return_lead_id % 2 = 0`,
    [opened.ret.id],
  )
  await db.query(`UPDATE plan_return_leads SET submitted_at = now() WHERE return_id = $1 AND id % 2 = 0`, [opened.ret.id])
  const admin = await s.auth.createUser({ email: 'bench-returns@example.test', name: 'Bench admin', password: 'correct horse battery' })
  await s.partnerships.grantRole(admin.id, p2.id, 'admin', systemActor)
  const adminCookie = `safer_session=${await s.auth.startSession(admin.id)}`
  const url = `/partnerships/${p2.slug}/plan/returns/${opened.ret.id}`
  const warm = await app.inject({ url, headers: { cookie: adminCookie } })
  if (warm.statusCode !== 200) throw new Error(`The return status page answered ${warm.statusCode}`)
  const server: number[] = []
  const total: number[] = []
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now()
    const res = await app.inject({ url, headers: { cookie: adminCookie } })
    total.push(performance.now() - t0)
    server.push(Number(/dur=([\d.]+)/.exec(String(res.headers['server-timing']))?.[1]))
  }
  console.log(
    `return status page, ${LEADS} leads (${fmt(warm.body.length / 1024)} KB): server time p50 ${fmt(pct(server, 50))} ms   p95 ${fmt(pct(server, 95))} ms   round trip p50 ${fmt(pct(total, 50))} ms   (goal ≤ 100 ms)`,
  )
} finally {
  await app.close()
  await s.analytics.close()
  await db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}
