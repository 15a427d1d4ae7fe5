/**
 * Each page's table and its CSV download say the same thing: every column the page shows is in the download (its
 * heading names the download column, data-export-key), and each cell shows the downloaded value, read the way a
 * person reads it (12,345 for 12345, Yes for true, 2 December 2026 for 2026-12-02, Oct 2018 for 2018-10, a file by
 * its name).
 * The pages are real ones, drawn from real data; the reading rules below are this test's own.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { TestApp } from './helpers.ts'
import { clientAs, makePartnership, unique } from './helpers.ts'
import { testAppWithGeography, importFiles, bundled, parseCsv } from './crime-helpers.ts'
import { systemActor } from '../src/platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testAppWithGeography()
  await importFiles(t, bundled('west-mercia'))
})
after(async () => {
  await t.close()
})

// ---- Reading a page's table and a CSV (this test's own parsers) ----

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' }
const textOf = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_m, e: string) => ENTITIES[e])
    .replace(/\s+/g, ' ')
    .trim()

interface PageTable {
  keys: (string | null)[]
  headings: string[]
  rows: string[][]
}

/** The table with this caption: each heading's download key (null when it has none) and each row's cell texts. */
function pageTable(html: string, caption: RegExp): PageTable {
  const table = [...html.matchAll(/<table\b[\s\S]*?<\/table>/g)]
    .map((m) => m[0])
    .find((t) => caption.test(textOf(/<caption[\s\S]*?<\/caption>/.exec(t)?.[0] ?? '')))
  assert.ok(table, `a table captioned ${caption}`)
  const head = /<thead[\s\S]*?<\/thead>/.exec(table)![0]
  const ths = [...head.matchAll(/<th\b([^>]*)>([\s\S]*?)<\/th>/g)]
  const body = /<tbody[\s\S]*?<\/tbody>/.exec(table)![0]
  const rows = [...body.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1].matchAll(/<t[hd]\b[^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => textOf(c[1])),
  )
  return { keys: ths.map((m) => /data-export-key="([^"]*)"/.exec(m[1])?.[1] ?? null), headings: ths.map((m) => textOf(m[2])), rows }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const EMPTY = ['', '–', 'Never', 'Not recorded', 'Not given', 'Not loaded']
const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()

/** Does the page's cell show this downloaded value? */
function shows(cell: string, value: string): boolean {
  if (value === '') return EMPTY.includes(cell)
  if (value === 'true') return /^(Yes|Published)\b/.test(cell) || /\bYes$/.test(cell)
  if (value === 'false') return /^(No|Not published)\b/.test(cell)
  if (/^-?\d+(\.\d+)?$/.test(value)) {
    const shown = /-?[\d,]+(\.\d+)?/.exec(cell)?.[0]
    if (!shown) return false
    const places = shown.split('.')[1]?.length ?? 0
    return Number(shown.replace(/,/g, '')) === Number(Number(value).toFixed(places))
  }
  let m = /^(\d{4})-(\d{2})$/.exec(value)
  if (m) return cell.includes(`${MONTHS[Number(m[2]) - 1]} ${m[1]}`) || cell.includes(`${LONG[Number(m[2]) - 1]} ${m[1]}`)
  m = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(value)
  if (m) {
    const d = m[4] ? new Date(value) : new Date(`${value}T12:00:00Z`)
    const london = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: m[4] ? 'Europe/London' : 'UTC',
    }).format(d)
    return cell.includes(london)
  }
  // A file's path reads as its name.
  if (/[\\/]/.test(value) && /\.[a-z]+$/i.test(value)) return cell.includes(value.split(/[\\/]/).pop()!)
  return words(cell).includes(words(value))
}

/**
 * Check the page's table against its CSV; `rowKey` pairs rows by a download column where the page shows some of
 * the rows (or orders them otherwise); without it the rows must be the same, in the same order.
 */
function agree(page: PageTable, csvText: string, opts: { rowKey?: string; actions?: string[] } = {}) {
  const [header, ...records] = parseCsv(csvText.replace(/^\uFEFF/, '')).filter((r) => r.length > 1 || r[0] !== '')
  page.keys.forEach((k, i) => {
    if (k === null) assert.ok(opts.actions?.includes(page.headings[i]), `the page's column "${page.headings[i]}" is in the download`)
    else assert.ok(header.includes(k), `the download has the column ${k} that the page shows as "${page.headings[i]}"`)
  })
  if (!opts.rowKey) assert.equal(page.rows.length, records.length, 'the page and the download have the same rows')
  assert.ok(page.rows.length > 0, 'the table has rows')
  for (const [r, cells] of page.rows.entries()) {
    let record = records[r]
    if (opts.rowKey) {
      const shownKey = cells[page.keys.indexOf(opts.rowKey)]
      record = records.find((x) => shows(shownKey, x[header.indexOf(opts.rowKey!)]))!
      assert.ok(record, `the download has the row "${shownKey}"`)
    }
    page.keys.forEach((k, i) => {
      if (k === null) return
      const value = record[header.indexOf(k)]
      assert.ok(shows(cells[i], value), `row ${r + 1}, ${page.headings[i]}: the page shows "${cells[i]}", the download has "${value}"`)
    })
  }
}

async function pageAndCsv(role: Parameters<typeof clientAs>[1], url: string, partnershipId?: number) {
  const c = await clientAs(t, role, partnershipId)
  const page = await c.get(url)
  assert.equal(page.status, 200, url)
  const csv = await c.get(`${url}${url.includes('?') ? '&' : '?'}format=csv`)
  assert.equal(csv.status, 200, `${url} as CSV`)
  return { html: page.body, csv: csv.body }
}

// ---- The checker itself ----

test('the check fails when a page shows a column the download does not have, or a different value', () => {
  const html = (th: string, td: string) =>
    `<table><caption>Things</caption><thead><tr>${th}</tr></thead><tbody><tr>${td}</tr></tbody></table>`
  const csv = 'name,count\r\nHereford,1234\r\n'
  assert.doesNotThrow(() =>
    agree(
      pageTable(
        html('<th data-export-key="name">Name</th><th data-export-key="count">Count</th>', '<td>Hereford</td><td>1,234</td>'),
        /Things/,
      ),
      csv,
    ),
  )
  assert.throws(
    () => agree(pageTable(html('<th data-export-key="name">Name</th><th>Rate</th>', '<td>Hereford</td><td>3.2</td>'), /Things/), csv),
    /"Rate" is in the download/,
  )
  assert.throws(
    () =>
      agree(
        pageTable(
          html('<th data-export-key="name">Name</th><th data-export-key="count">Count</th>', '<td>Hereford</td><td>1,235</td>'),
          /Things/,
        ),
        csv,
      ),
    /the page shows "1,235", the download has "1234"/,
  )
  assert.throws(
    () =>
      agree(
        pageTable(
          html('<th data-export-key="name">Name</th><th data-export-key="total">Total</th>', '<td>Hereford</td><td>1</td>'),
          /Things/,
        ),
        csv,
      ),
    /the download has the column total/,
  )
})

// ---- Real pages ----

test('the organisations page and its download agree', async () => {
  await t.services.organisations.create(
    { name: `Tom & Jerry's "Council" ${unique()}`, type: 'district council', responsibleAuthority: true },
    systemActor,
  )
  await t.services.organisations.create(
    { name: `Hereford Voluntary Forum ${unique()}`, type: 'voluntary sector', responsibleAuthority: false },
    systemActor,
  )
  const { html, csv } = await pageAndCsv('anonymous', '/organisations')
  agree(pageTable(html, /organisations$/), csv)
})

test('the areas page and its download agree, for visitors and for editors with the Change links', async () => {
  const anon = await pageAndCsv('anonymous', '/areas')
  agree(pageTable(anon.html, /areas$/), anon.csv)
  const p = await makePartnership(t.services)
  const editor = await pageAndCsv('editor', '/areas', p.id)
  agree(pageTable(editor.html, /areas$/), editor.csv, { actions: ['Actions'] })
})

test("a partnership's governance bodies and a body's members agree with their downloads", async () => {
  const p = await makePartnership(t.services, { published: true })
  const board = await t.services.governance.create(
    p.id,
    { name: 'Safer Herefordshire Board', type: 'board', chairPerson: 'Cllr A. Smith', meetingFrequency: 'Quarterly' },
    systemActor,
  )
  await t.services.governance.create(
    p.id,
    { name: 'Prevent & Channel Panel', type: 'community safety partnership', reportsToId: board.id },
    systemActor,
  )
  await t.services.governance.addMember(board.id, { person: 'Chief Inspector', role: 'member' }, systemActor)
  await t.services.governance.addMember(board.id, { person: 'Cllr A. Smith', role: 'chair' }, systemActor)
  const bodies = await pageAndCsv('anonymous', `/partnerships/${p.slug}/governance`)
  agree(pageTable(bodies.html, /bodies$/), bodies.csv)
  const members = await pageAndCsv('editor', `/partnerships/${p.slug}/bodies/${board.slug}`, p.id)
  agree(pageTable(members.html, /members$/), members.csv, { actions: ['Actions'] })
})

test('the accounts on the Administration page and the people of a partnership agree with their downloads', async () => {
  const admin = await pageAndCsv('site-admin', '/admin')
  agree(pageTable(admin.html, /^Accounts$/), admin.csv)
  const p = await makePartnership(t.services)
  const people = await pageAndCsv('admin', `/partnerships/${p.slug}/people`, p.id)
  agree(pageTable(people.html, /(person|people)$/), people.csv, { actions: ['Actions'] })
})

test("a crime area page's months, crime types and LSOAs agree with their downloads", async () => {
  const url = '/crime/areas/E07000237'
  const c = await clientAs(t, 'anonymous')
  const html = (await c.get(url)).body
  agree(pageTable(html, /^Records each month$/), (await c.get(`${url}?table=months&format=csv`)).body)
  agree(pageTable(html, /^By crime type/), (await c.get(`${url}?table=types&format=csv`)).body)
  agree(pageTable(html, /^The 10 LSOAs/), (await c.get(`${url}?table=lsoas&format=csv`)).body, { rowKey: 'name' })
})

test('the crime coverage and the geography areas agree with their downloads', async () => {
  const coverage = await pageAndCsv('anonymous', '/crime/coverage?kind=street')
  agree(pageTable(coverage.html, /force-months?$/), coverage.csv)
  const counties = await pageAndCsv('anonymous', '/areas?type=county')
  agree(pageTable(counties.html, /areas?$/), counties.csv)
})

test("a partnership's funding tables (summaries, grants, contracts, funders, allocations, spend, budget lines) agree with their downloads", async () => {
  const p = await makePartnership(t.services, { published: true })
  const v = await t.services.agreement.createVersion(p.id, { title: 'Strategy', published: true }, systemActor)
  const pr = await t.services.agreement.addPriority(
    v.id,
    { number: 1, title: 'Address domestic violence and abuse', leadIds: [] },
    systemActor,
  )
  const f = t.services.funding
  const pcc = await f.createFunder(p.id, { name: 'West Mercia PCC', kind: 'police and crime commissioner' }, systemActor)
  const g = await f.createGrant(
    p.id,
    { funderId: pcc.id, title: 'OPCC grant', financialYear: '2016/17', amount: '£80,000', startsOn: '2016-04-01', endsOn: '2017-03-31' },
    systemActor,
  )
  const a = await f.addAllocation(p.id, g.id, { priorityLineage: pr.lineage_id, amount: '£30,000' }, systemActor)
  await f.addAllocation(p.id, g.id, { project: 'Analytical support', amount: '15,000.50' }, systemActor)
  await f.addSpend(p.id, g.id, { allocationId: a.id, spentOn: '2016-09-14', amount: '2,500', description: 'Refuge places' }, systemActor)
  const c = await f.createContract(
    p.id,
    { name: 'Domestic abuse contract', providerName: 'A provider', priorityLineage: pr.lineage_id },
    systemActor,
  )
  await f.addContractLine(p.id, c.id, { financialYear: '2019/20', funderId: pcc.id, amount: 417000 }, systemActor)
  await f.setPublic(p.id, { visibility: 'public' }, systemActor)
  const base = `/partnerships/${p.slug}/funding`
  for (const [table, caption] of [
    ['by-priority', /^By priority$/],
    ['by-funder', /^By funder$/],
    ['by-year', /^By financial year$/],
    ['grants', /^\d+ grants?$/],
    ['contracts', /^\d+ commissioned contracts?$/],
    ['funders', /^\d+ funders?$/],
  ] as const) {
    const r = await pageAndCsv('anonymous', `${base}?table=${table}`)
    agree(pageTable(r.html, caption), r.csv)
  }
  const allocations = await pageAndCsv('editor', `${base}/grants/${g.id}?table=allocations`, p.id)
  agree(pageTable(allocations.html, /^Allocations$/), allocations.csv, { actions: ['Actions'] })
  const spend = await pageAndCsv('editor', `${base}/grants/${g.id}?table=spend`, p.id)
  agree(pageTable(spend.html, /^Spending$/), spend.csv, { actions: ['Actions'] })
  const lines = await pageAndCsv('anonymous', `${base}/contracts/${c.id}`)
  agree(pageTable(lines.html, /^Budget and co-funding$/), lines.csv)
})
