import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, errorSummary, text, makePartnership, unique, type TestApp } from '../../test/helpers.ts'
import { historyOf, systemActor } from '../platform/audit.ts'
import type { Queryable } from '../platform/db/index.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

// ---- Agreement data, written with plain SQL so these tests do not depend on the agreement capability ----

interface PriorityIn {
  number: number
  title: string
  lineage?: number
  ownership?: string
  leads?: number[]
}

async function makeVersion(
  db: Queryable,
  partnershipId: number,
  opts: { number?: number; title?: string; published?: boolean; priorities: PriorityIn[] },
) {
  const [v] = await db.query<{ id: number; number: number; title: string }>(
    `INSERT INTO agreement_versions (partnership_id, number, title, period_start, period_end, published) VALUES ($1, $2, $3, '2020-04-01', '2023-03-31', $4) RETURNING *`,
    [partnershipId, opts.number ?? 1, opts.title ?? 'County Agreement for Community Safety 2020-23', opts.published ?? true],
  )
  const priorities: { id: number; lineage_id: number; number: number; title: string }[] = []
  for (const p of opts.priorities) {
    const [row] = await db.query<{ id: number; lineage_id: number; number: number; title: string }>(
      `INSERT INTO priorities (agreement_version_id, lineage_id, number, title, ownership_statement) VALUES ($1, COALESCE($2, nextval('priority_lineage_seq')), $3, $4, $5) RETURNING *`,
      [v.id, p.lineage ?? null, p.number, p.title, p.ownership ?? null],
    )
    for (const org of p.leads ?? [])
      await db.query('INSERT INTO priority_leads (priority_id, organisation_id) VALUES ($1, $2)', [row.id, org])
    priorities.push(row)
  }
  return { ...v, priorities }
}

async function makeOrg(name = unique('Org')) {
  return t.services.organisations.create({ name, type: 'police force' }, systemActor)
}

/** A published partnership with one published agreement version of two priorities, and the ids of its dimensions and levels. */
async function setting(opts: { published?: boolean; versionPublished?: boolean; leads?: number[][] } = {}) {
  const p = await makePartnership(t.services, { published: opts.published ?? true })
  const v = await makeVersion(t.db, p.id, {
    published: opts.versionPublished ?? true,
    priorities: [
      {
        number: 1,
        title: 'Serious organised crime and county lines',
        ownership: 'There is strong strategic joint ownership of this priority.',
        leads: opts.leads?.[0],
      },
      {
        number: 2,
        title: 'Mental ill-health, substance misuse and domestic abuse',
        ownership: 'This priority is owned by the Director of Public Health.',
        leads: opts.leads?.[1],
      },
    ],
  })
  const dims = await t.services.assurance.dimensions(p.id)
  return { p, v, dims, base: `/partnerships/${p.slug}/assurance` }
}

/** A round; published (as a whole, a first publication) unless told otherwise. Publish again after recording cells for the public to see them. */
async function round(partnershipId: number, versionId: number, opts: { title?: string; assessedOn?: string; published?: boolean } = {}) {
  const r = await t.services.assurance.createRound(
    partnershipId,
    { title: opts.title ?? 'Autumn 2019 assessment', assessedOn: opts.assessedOn ?? '2019-10-15', agreementVersionId: versionId },
    systemActor,
  )
  if (opts.published ?? true) await t.services.assurance.publishRound(partnershipId, r.id, systemActor)
  return r
}

/** Publish a round again, so that what was recorded since is public. */
async function publish(partnershipId: number, roundId: number) {
  return t.services.assurance.publishRound(partnershipId, roundId, systemActor)
}

// ---- Defaults ----

/** The six dimensions of Hampshire's assurance framework (seed 000), every new partnership's default. */
const HAMPSHIRE_DIMENSIONS = [
  'County co-ordination',
  'Driving front-line delivery',
  'Understanding of risk and vulnerability',
  'Reporting and recording',
  'Alignment of resources',
  'Local links',
]

/** WCAG 2.x relative luminance of a #rrggbb colour (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance), written here apart from the service's. */
function relativeLuminance(hex: string) {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}
function wcagContrast(a: string, b: string) {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

test('the contrast formula of these tests gives the WCAG reference values', () => {
  assert.equal(wcagContrast('#000000', '#ffffff'), 21)
  assert.equal(wcagContrast('#777777', '#777777'), 1)
  // GOV.UK's link colour #1d70b8 on white: 5.17:1, as WebAIM's contrast checker gives it.
  assert.ok(Math.abs(wcagContrast('#1d70b8', '#ffffff') - 5.17) < 0.01)
})

test('a new partnership gets the six Hampshire dimensions in order and the four-level scale, each colour readable', async () => {
  const p = await makePartnership(t.services)
  const dims = await t.services.assurance.dimensions(p.id)
  assert.deepEqual(
    dims.map((d) => d.name),
    HAMPSHIRE_DIMENSIONS,
  )
  assert.ok(dims.every((d) => d.active))
  const scale = await t.services.assurance.scale(p.id)
  assert.deepEqual(
    scale.map((l) => [l.value, l.label]),
    [
      [1, 'Not yet in place'],
      [2, 'Developing'],
      [3, 'Established'],
      [4, 'Strong'],
    ],
  )
  // The text colour each level is shown with (from the stylesheet the pages use) is readable on it: WCAG AA, 4.5:1.
  const css = (await (await clientAs(t, 'viewer', p.id)).get(`/partnerships/${p.slug}/assurance/scale.css`)).body
  for (const l of scale) {
    const m = new RegExp(`\\.asr-level-${l.value} \\{ background-color: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \\}`).exec(css)
    assert.ok(m, `level ${l.value} has its colours in the stylesheet`)
    assert.equal(m[1], l.colour)
    assert.ok(wcagContrast(m[1], m[2]) >= 4.5, `${l.label} text contrast ${wcagContrast(m[1], m[2]).toFixed(2)}`)
  }
  // Light to dark, so the order survives greyscale printing.
  const lum = scale.map((l) => relativeLuminance(l.colour))
  assert.ok(lum.every((x, i) => i === 0 || x < lum[i - 1]))
  const audit = await t.db.query(
    `SELECT entity FROM audit_log WHERE partnership_id = $1 AND entity IN ('assurance_dimension', 'rating_level')`,
    [p.id],
  )
  assert.equal(audit.length, 10)
})

test('the partnership stylesheet gives each level its colour and a contrasting text colour', async () => {
  const { base } = await setting()
  const c = await clientAs(t, 'anonymous')
  const res = await c.get(`${base}/scale.css`)
  assert.equal(res.status, 200)
  assert.match(res.headers['content-type'], /text\/css/)
  assert.match(res.body, /\.asr-level-3 \{ background-color: #6baed6; color: #0b0c0c; \}/)
  assert.match(res.body, /\.asr-level-4 \{ background-color: #2171b5; color: #ffffff; \}/)
  assert.match(res.body, /\.asr-matrix/)
})

// ---- Rounds and cells ----

test('an editor adds a round through the form, then records a cell with its rating, findings and development areas', async () => {
  const { p, v, dims, base } = await setting()
  const c = await clientAs(t, 'editor', p.id)
  const form = await c.get(`${base}/rounds/new`)
  assert.equal(form.status, 200)
  assert.match(form.body, new RegExp(`<option value="${v.id}" selected>Version 1: County Agreement`))
  const res = await c.post(`${base}/rounds/new`, {
    title: 'Autumn 2019 assessment',
    'assessedOn-day': '15',
    'assessedOn-month': '10',
    'assessedOn-year': '2019',
    agreementVersionId: v.id,
  })
  assert.equal(res.status, 303)
  const roundUrl = res.headers.location as string
  assert.match(roundUrl, new RegExp(`^${base}/rounds/\\d+$`))

  const cellUrl = `${roundUrl}/cells/${v.priorities[0].id}/${dims[2].id}`
  const edit = await c.get(`${cellUrl}/edit`)
  assert.equal(edit.status, 200)
  assert.match(text(edit.body), /Not yet in place/)
  assert.match(edit.body, /name="version" value="0"/)
  const saved = await c.post(`${cellUrl}/edit`, {
    rating: '3',
    version: '0',
    findings:
      'A strong intelligence-led system is in place.\r\n\r\n- Plans developed by the LSCBs have identified specific vulnerabilities.',
    developmentAreas:
      'The Partnership will work to further enhance the sharing of strategic threat and vulnerability profiles.\nPartners will look to develop means to reach recreational drug users.',
  })
  assert.equal(saved.status, 303)
  assert.equal(saved.headers.location, cellUrl)

  const [cell] = await t.db.query('SELECT * FROM assessment_cells WHERE priority_id = $1 AND dimension_id = $2', [
    v.priorities[0].id,
    dims[2].id,
  ])
  assert.equal(cell.rating, 3)
  assert.deepEqual(cell.findings, [
    'A strong intelligence-led system is in place.',
    'Plans developed by the LSCBs have identified specific vulnerabilities.',
  ])
  const areas = await t.db.query('SELECT position, text FROM development_areas WHERE assessment_cell_id = $1 ORDER BY position', [cell.id])
  assert.deepEqual(
    areas.map((a) => a.position),
    [1, 2],
  )
  assert.match(areas[0].text, /^The Partnership will work/)

  const page = await c.get(cellUrl)
  const body = text(page.body)
  assert.match(body, /Priority 1: Serious organised crime/)
  assert.match(body, /Understanding of risk and vulnerability/)
  assert.match(body, /Established/)
  assert.match(body, /A strong intelligence-led system is in place\. Plans developed/)
  assert.match(body, /The Partnership will work to further enhance/)
  assert.match(page.body, /class="safer-rating asr-level-3"/)
})

test('a cell recorded through the API keeps the ids of development areas kept or reworded', async () => {
  const { p, v, dims, base } = await setting()
  const r = await round(p.id, v.id)
  const c = await clientAs(t, 'editor', p.id)
  const url = `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}/cells/${v.priorities[1].id}/${dims[0].id}`
  const first = await c.request('PUT', url, {
    json: {
      rating: 2,
      findings: ['These issues are overseen by the Domestic Abuse Partnership Board.'],
      developmentAreas: ['Further work is needed on mental health links.', 'Improved links will be developed.'],
      version: 0,
    },
  })
  assert.equal(first.status, 200, first.body)
  const cell = first.json()
  assert.equal(cell.rating, 2)
  assert.equal(cell.label, 'Developing')
  assert.equal(cell.colour, '#bdd7e7')
  assert.equal(cell.version, 1)
  const [a1, a2] = cell.developmentAreas
  const second = await c.request('PUT', url, {
    json: {
      rating: 3,
      findings: [],
      developmentAreas: [
        'Improved links will be developed.',
        'Further work is needed on mental health links and the new strategy.',
        'A third.',
      ],
      version: 1,
    },
  })
  assert.equal(second.status, 200, second.body)
  const areas = second.json().developmentAreas
  assert.equal(areas[0].id, a2.id, 'moved, same wording: same record')
  assert.equal(areas[1].id, a1.id, 'reworded in place: same record')
  assert.ok(![a1.id, a2.id].includes(areas[2].id))
  const matrix = await c.get(`/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}`)
  assert.equal(matrix.status, 200)
  const m = matrix.json()
  assert.deepEqual(
    m.columns.map((d: any) => d.name),
    HAMPSHIRE_DIMENSIONS,
  )
  assert.equal(m.rows[1].cells[0].rating, 3)
  assert.equal(m.rows[1].cells[0].label, 'Established')
  assert.equal(m.round.ratedCells, 1)
  assert.equal(m.round.totalCells, 12)
  const listed = await c.get(`/api/v1/partnerships/${p.slug}/assurance/rounds`)
  assert.equal(listed.json()[0].id, r.id)
  const dimsJson = await c.get(`/api/v1/partnerships/${p.slug}/assurance/dimensions`)
  assert.equal(dimsJson.json().length, 6)
  void base
})

test('rounds can be added through the API', async () => {
  const { p, v } = await setting()
  const c = await clientAs(t, 'editor', p.id)
  const res = await c.request('POST', `/api/v1/partnerships/${p.slug}/assurance/rounds`, {
    json: { title: 'Spring 2020', assessedOn: '2020-04-01', agreementVersionId: v.id },
  })
  assert.equal(res.status, 201, res.body)
  assert.equal(res.json().agreementVersion.number, 1)
  assert.equal(res.json().published, false)
})

test('the matrix shows each rated cell with its label and colour, unrated cells blank, a key, and exports as CSV and JSON', async () => {
  const { p, v, dims, base } = await setting()
  const r = await round(p.id, v.id)
  await t.services.assurance.recordCell(
    r.id,
    v.priorities[0].id,
    dims[0].id,
    { rating: 4, findings: ['A partnership has been established.'], developmentAreas: [] },
    systemActor,
  )
  await t.services.assurance.recordCell(
    r.id,
    v.priorities[1].id,
    dims[5].id,
    { rating: 1, findings: [], developmentAreas: ['Align local priorities.'] },
    systemActor,
  )
  await t.services.assurance.recordCell(
    r.id,
    v.priorities[1].id,
    dims[3].id,
    { rating: null, findings: ['Recorded but not yet rated.'], developmentAreas: [] },
    systemActor,
  )
  await publish(p.id, r.id)
  const c = await clientAs(t, 'anonymous')
  const res = await c.get(`${base}/rounds/${r.id}`)
  assert.equal(res.status, 200)
  assert.match(res.body, /<link rel="stylesheet" href="\/partnerships\/[^"]+\/assurance\/scale.css">/)
  const table = res.body.match(/<table class="govuk-table safer-matrix asr-matrix">[\s\S]*?<\/table>/)![0]
  assert.match(table, /<caption[^>]*>Ratings by priority and dimension<\/caption>/)
  assert.equal((table.match(/<th scope="col"/g) ?? []).length, 7)
  assert.equal((table.match(/<th scope="row"/g) ?? []).length, 2)
  const cells = [...table.matchAll(/<td class="govuk-table__cell safer-matrix__cell ([^"]+)">([\s\S]*?)<\/td>/g)].map((m) => ({
    cls: m[1],
    text: text(m[2]).trim(),
  }))
  assert.equal(cells.length, 12)
  assert.equal(cells[0].cls, 'asr-level-4')
  assert.match(cells[0].text, /^●●●● Strong : priority 1, County co-ordination/)
  assert.match(cells[0].text, /1 finding, 0 to develop/)
  assert.equal(cells[11].cls, 'asr-level-1')
  assert.match(cells[11].text, /●○○○ Not yet in place/)
  assert.equal(cells[9].cls, 'asr-unrated')
  assert.match(cells[9].text, /^Not rated/)
  assert.equal(cells.filter((x) => x.cls === 'asr-unrated').length, 10)
  assert.match(table, new RegExp(`href="${base}/rounds/${r.id}/cells/${v.priorities[0].id}/${dims[0].id}"`))
  assert.match(text(res.body), /Key ●○○○ Not yet in place : level 1 of 4 ●●○○ Developing/)

  const csv = await c.get(`${base}/rounds/${r.id}?format=csv`)
  assert.match(csv.headers['content-type'], /text\/csv/)
  assert.match(
    csv.body,
    /^\uFEFFpriority_number,priority,dimension,rating,rating_label,colour,previous_rating,change,findings,development_areas,carried_forward\r\n/,
  )
  assert.match(
    csv.body,
    /1,Serious organised crime and county lines,County co-ordination,4,Strong,#2171b5,,,A partnership has been established.,,false\r\n/,
  )
  const json = await c.get(`${base}/rounds/${r.id}?format=json`)
  const rows = json.json()
  assert.equal(rows.length, 12)
  assert.equal(rows[11].development_areas[0], 'Align local priorities.')
})

test('the change since the previous round is worked out across agreement versions by priority lineage', async () => {
  const p = await makePartnership(t.services, { published: true })
  const dims = await t.services.assurance.dimensions(p.id)
  const v1 = await makeVersion(t.db, p.id, {
    number: 1,
    title: 'Draft 2019',
    priorities: [
      { number: 1, title: 'Organised crime' },
      { number: 2, title: 'Radical extremism' },
    ],
  })
  const [orgCrime, extremism] = v1.priorities
  const v2 = await makeVersion(t.db, p.id, {
    number: 2,
    title: 'Agreement 2020',
    priorities: [
      { number: 1, title: 'Extremism (renumbered)', lineage: extremism.lineage_id },
      { number: 2, title: 'Serious violence (new)' },
      { number: 3, title: 'Organised crime, reworded', lineage: orgCrime.lineage_id },
    ],
  })
  const [ext2, violence, crime2] = v2.priorities
  const as = t.services.assurance
  const r1 = await round(p.id, v1.id, { title: 'Autumn 2019', assessedOn: '2019-10-15' })
  await as.recordCell(r1.id, orgCrime.id, dims[0].id, { rating: 2, findings: [], developmentAreas: [] }, systemActor)
  await as.recordCell(r1.id, orgCrime.id, dims[1].id, { rating: 3, findings: [], developmentAreas: [] }, systemActor)
  await as.recordCell(r1.id, extremism.id, dims[0].id, { rating: 3, findings: [], developmentAreas: [] }, systemActor)
  const r2 = await round(p.id, v2.id, { title: 'Autumn 2020', assessedOn: '2020-10-01' })
  await as.recordCell(r2.id, crime2.id, dims[0].id, { rating: 3, findings: [], developmentAreas: [] }, systemActor)
  await as.recordCell(r2.id, crime2.id, dims[1].id, { rating: 2, findings: [], developmentAreas: [] }, systemActor)
  await as.recordCell(r2.id, ext2.id, dims[0].id, { rating: 3, findings: [], developmentAreas: [] }, systemActor)
  await as.recordCell(r2.id, violence.id, dims[0].id, { rating: 2, findings: [], developmentAreas: [] }, systemActor)
  await as.recordCell(r2.id, ext2.id, dims[2].id, { rating: 4, findings: [], developmentAreas: [] }, systemActor)
  await publish(p.id, r1.id)
  await publish(p.id, r2.id)

  const m = await as.matrix(r2.id)
  assert.equal(m.previousRound?.id, r1.id)
  const at = (priorityId: number, dimensionId: number) => m.cells.find((c) => c.priorityId === priorityId && c.dimensionId === dimensionId)!
  assert.equal(at(crime2.id, dims[0].id).change, 'improved')
  assert.equal(at(crime2.id, dims[0].id).previousRating, 2)
  assert.equal(at(crime2.id, dims[1].id).change, 'declined')
  assert.equal(at(ext2.id, dims[0].id).change, 'unchanged')
  assert.equal(at(violence.id, dims[0].id).change, 'new')
  assert.equal(at(ext2.id, dims[2].id).change, 'new')
  assert.equal(at(ext2.id, dims[3].id).change, null)
  assert.equal(
    (await as.matrix(r1.id)).cells.every((c) => c.change === null),
    true,
  )

  const c = await clientAs(t, 'anonymous')
  const page = text((await c.get(`/partnerships/${p.slug}/assurance/rounds/${r2.id}`)).body)
  assert.match(page, /Established : priority 3, County co-ordination ▲ Improved since Autumn 2019, when it was Developing/)
  assert.match(page, /Developing : priority 3, Driving front-line delivery ▼ Declined since Autumn 2019, when it was Established/)
  assert.match(page, /Established : priority 1, County co-ordination – Unchanged since Autumn 2019/)
  assert.match(page, /Developing : priority 2, County co-ordination \+ New : not rated in Autumn 2019/)
  const index = text((await c.get(`/partnerships/${p.slug}/assurance`)).body)
  assert.match(index, /Autumn 2020 .* Autumn 2019/)
  assert.match(index, /Latest published assessment Autumn 2020 , 1 October 2020, compared with Autumn 2019/)

  // A previous round the visitor may not see is not compared with.
  await t.db.query('UPDATE assessment_rounds SET published = false WHERE id = $1', [r1.id])
  assert.equal((await as.matrix(r2.id, { includeUnpublished: false })).previousRound, undefined)
  assert.equal((await as.matrix(r2.id, { includeUnpublished: true })).previousRound?.id, r1.id)
})

// ---- Who may edit ----

test('a contributor may record cells of the priorities their organisation leads, and is refused others with 403', async () => {
  const police = await makeOrg()
  const health = await makeOrg()
  const { p, v, dims, base } = await setting({ leads: [[police.id], [health.id]] })
  const r = await round(p.id, v.id)
  const c = await clientAs(t, 'contributor', p.id, { organisationId: police.id })
  const own = `${base}/rounds/${r.id}/cells/${v.priorities[0].id}/${dims[0].id}`
  const other = `${base}/rounds/${r.id}/cells/${v.priorities[1].id}/${dims[0].id}`

  assert.match(text((await c.get(own)).body), /Change the assessment/)
  assert.doesNotMatch(text((await c.get(other)).body), /Change the assessment/)
  assert.match(
    text((await c.get(`${base}/rounds/${r.id}`)).body),
    /You can record the assessment of the priorities your organisation leads: 1\./,
  )

  assert.equal((await c.get(`${own}/edit`)).status, 200)
  assert.equal(
    (await c.post(`${own}/edit`, { rating: '2', findings: 'Exploitation groups are in place.', developmentAreas: '', version: '0' }))
      .status,
    303,
  )
  assert.equal((await c.get(`${other}/edit`)).status, 403)
  assert.equal((await c.post(`${other}/edit`, { rating: '2', findings: 'Not mine', developmentAreas: '', version: '0' })).status, 403)
  const api = await c.request('PUT', `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}/cells/${v.priorities[1].id}/${dims[0].id}`, {
    json: { rating: 2, findings: [], developmentAreas: [] },
  })
  assert.equal(api.status, 403)
  const stored = await t.db.query('SELECT priority_id FROM assessment_cells WHERE assessment_round_id = $1', [r.id])
  assert.deepEqual(
    stored.map((s) => s.priority_id),
    [v.priorities[0].id],
  )
  // Contributors do not manage rounds.
  assert.equal((await c.get(`${base}/rounds/new`)).status, 403)
})

test('a viewer may read but not record cells, add rounds or change settings', async () => {
  const { p, v, dims, base } = await setting({ published: false })
  const r = await round(p.id, v.id, { published: false })
  const c = await clientAs(t, 'viewer', p.id)
  const cell = `${base}/rounds/${r.id}/cells/${v.priorities[0].id}/${dims[0].id}`
  assert.equal((await c.get(cell)).status, 200)
  assert.doesNotMatch(text((await c.get(cell)).body), /Change the assessment/)
  assert.equal((await c.get(`${cell}/edit`)).status, 403)
  assert.equal((await c.post(`${cell}/edit`, { rating: '2', version: '0' })).status, 403)
  assert.equal((await c.post(`${base}/rounds/new`, { title: 'x' })).status, 403)
  assert.equal((await c.get(`${base}/settings`)).status, 403)
  const editor = await clientAs(t, 'editor', p.id)
  assert.equal((await editor.get(`${base}/settings`)).status, 403)
})

test('anonymous visitors see published rounds only: unpublished ones, and those of unpublished versions, are 404', async () => {
  const { p, v, dims, base } = await setting()
  const hidden = await round(p.id, v.id, { title: 'Draft round', published: false })
  const shown = await round(p.id, v.id, { title: 'Published round', published: true })
  const c = await clientAs(t, 'anonymous')
  assert.equal((await c.get(`${base}/rounds/${hidden.id}`)).status, 404)
  assert.equal((await c.get(`${base}/rounds/${hidden.id}/cells/${v.priorities[0].id}/${dims[0].id}`)).status, 404)
  assert.equal((await c.get(`/api/v1/partnerships/${p.slug}/assurance/rounds/${hidden.id}`)).status, 404)
  assert.equal((await c.get(`${base}/rounds/${shown.id}`)).status, 200)
  const list = text((await c.get(base)).body)
  assert.match(list, /Published round/)
  assert.doesNotMatch(list, /Draft round/)
  assert.deepEqual(
    (await c.get(`/api/v1/partnerships/${p.slug}/assurance/rounds`)).json().map((x: any) => x.title),
    ['Published round'],
  )
  // A member sees both.
  const viewer = await clientAs(t, 'viewer', p.id)
  assert.equal((await viewer.get(`${base}/rounds/${hidden.id}`)).status, 200)
  // A published round of an unpublished agreement version stays hidden.
  const other = await setting({ versionPublished: false })
  const r = await round(other.p.id, other.v.id, { published: true })
  assert.equal((await c.get(`${other.base}/rounds/${r.id}`)).status, 404)
  assert.equal((await c.get(`/partnerships/${other.p.slug}/agreement/versions/1/print`)).status, 404)
  // An unpublished partnership is 404 throughout.
  const closed = await setting({ published: false })
  assert.equal((await c.get(closed.base)).status, 404)
  assert.equal((await c.get(`${closed.base}/scale.css`)).status, 404)
})

// ---- Print view ----

test('the print view gives each priority its ownership judgement, then each dimension with its points in order', async () => {
  const { p, v, dims } = await setting()
  const as = t.services.assurance
  const r = await round(p.id, v.id)
  await as.recordCell(
    r.id,
    v.priorities[0].id,
    dims[0].id,
    { rating: 4, findings: ['A Safeguarding Children Partnership has been established.'], developmentAreas: [] },
    systemActor,
  )
  await as.recordCell(
    r.id,
    v.priorities[0].id,
    dims[2].id,
    {
      rating: 3,
      findings: ['A strong intelligence-led system is in place.'],
      developmentAreas: [
        'The Partnership will work to further enhance sharing.',
        'Partners will look to develop means to reach drug users.',
      ],
    },
    systemActor,
  )
  await as.recordCell(
    r.id,
    v.priorities[1].id,
    dims[5].id,
    {
      rating: 3,
      findings: ['There are effective linkages to local agencies.'],
      developmentAreas: ['Further work is needed to align local priorities.'],
    },
    systemActor,
  )
  await publish(p.id, r.id)
  const c = await clientAs(t, 'anonymous')
  const res = await c.get(`/partnerships/${p.slug}/agreement/versions/1/print`)
  assert.equal(res.status, 200)
  const body = text(res.body)
  const order = [
    'County Agreement for Community Safety 2020-23',
    'For 1 April 2020 to 31 March 2023',
    'Priority 1: Serious organised crime and county lines',
    'There is strong strategic joint ownership of this priority.',
    'County co-ordination',
    'A Safeguarding Children Partnership has been established.',
    'Driving front-line delivery',
    'Nothing recorded under this heading.',
    'Understanding of risk and vulnerability',
    'A strong intelligence-led system is in place.',
    'Development areas',
    'The Partnership will work to further enhance sharing.',
    'Partners will look to develop means',
    'Reporting and recording',
    'Alignment of resources',
    'Local links',
    'Priority 2: Mental ill-health, substance misuse and domestic abuse',
    'This priority is owned by the Director of Public Health.',
    'County co-ordination',
    'Local links',
    'There are effective linkages to local agencies.',
    'Further work is needed to align local priorities.',
  ]
  let at = 0
  for (const s of order) {
    const i = body.indexOf(s, at)
    assert.ok(i >= 0, `"${s}" after position ${at}`)
    at = i + s.length
  }
  assert.match(res.body, /<section class="safer-print-break" aria-labelledby="priority-2">/)
  assert.match(res.body, /class="safer-print-section"/)
  // The agreement's page carries assurance's rating colours.
  assert.ok(res.body.includes(`<link rel="stylesheet" href="/partnerships/${p.slug}/assurance/scale.css">`))
  // A chosen round, and a version with no round yet.
  const later = await round(p.id, v.id, { title: 'Spring 2020', assessedOn: '2020-04-01' })
  assert.match(text((await c.get(`/partnerships/${p.slug}/agreement/versions/1/print`)).body), /Spring 2020/)
  const chosen = text((await c.get(`/partnerships/${p.slug}/agreement/versions/1/print?round=${r.id}`)).body)
  assert.match(chosen, /Autumn 2019 assessment , 15 October 2019/)
  assert.ok(later.id)
  assert.equal((await c.get(`/partnerships/${p.slug}/agreement/versions/9/print`)).status, 404)
})

// ---- Bad input ----

test('bad input is refused with a message naming the field', async () => {
  const { p, v, dims, base } = await setting()
  const elsewhere = await setting()
  const r = await round(p.id, v.id)
  const c = await clientAs(t, 'editor', p.id)
  const cellUrl = `${base}/rounds/${r.id}/cells/${v.priorities[0].id}/${dims[0].id}/edit`
  const api = (priority: number, dimension: number) =>
    `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}/cells/${priority}/${dimension}`

  // A rating not on the scale.
  let res = await c.post(cellUrl, { rating: '5', findings: 'Kept', version: '0' })
  assert.equal(res.status, 400)
  assert.match(
    errorSummary(res.body),
    /Rating must be one of the levels on the scale \(1 Not yet in place, 2 Developing, 3 Established, 4 Strong\); 5 is not on it/,
  )
  assert.match(res.body, />Kept<\/textarea>/)
  res = await c.request('PUT', api(v.priorities[0].id, dims[0].id), { json: { rating: 7, findings: [], developmentAreas: [] } })
  assert.equal(res.status, 400)
  assert.match(res.json().errors.rating, /Rating must be one of the levels/)

  // A priority not in the round's agreement version, and an unknown dimension.
  res = await c.request('PUT', api(elsewhere.v.priorities[0].id, dims[0].id), { json: { rating: 2, findings: [], developmentAreas: [] } })
  assert.equal(res.status, 400)
  assert.match(res.json().errors.priority, /^Priority: choose a priority of the agreement version this round assesses/)
  res = await c.request('PUT', api(v.priorities[0].id, elsewhere.dims[0].id), { json: { rating: 2, findings: [], developmentAreas: [] } })
  assert.equal(res.status, 400)
  assert.match(res.json().errors.dimension, /^Dimension: /)
  assert.equal((await c.get(`${base}/rounds/${r.id}/cells/${elsewhere.v.priorities[0].id}/${dims[0].id}`)).status, 404)

  // A point over 2000 characters.
  res = await c.post(cellUrl, { rating: '2', findings: `Short point\n${'x'.repeat(2001)}`, developmentAreas: '', version: '0' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Finding 2 is 2,001 characters: each finding must be 2,000 characters or fewer/)
  assert.match(res.body, /href="#findings"/)
  res = await c.request('PUT', api(v.priorities[0].id, dims[0].id), { json: { findings: [], developmentAreas: ['y'.repeat(2001)] } })
  assert.equal(res.status, 400)
  assert.match(res.json().errors.developmentAreas, /2000 characters or fewer/)
  assert.equal((await t.db.query('SELECT 1 FROM assessment_cells WHERE assessment_round_id = $1', [r.id])).length, 0)

  // A round whose agreement version belongs to another partnership, and an empty title.
  res = await c.post(`${base}/rounds/new`, {
    title: '  ',
    'assessedOn-day': '31',
    'assessedOn-month': '2',
    'assessedOn-year': '2020',
    agreementVersionId: elsewhere.v.id,
  })
  assert.equal(res.status, 400)
  const summary = errorSummary(res.body)
  assert.match(summary, /Enter title/)
  assert.match(summary, /Date of assessment must be a real date/)
  assert.match(res.body, /name="assessedOn-day" type="text" value="31"/)
  res = await c.post(`${base}/rounds/new`, {
    title: 'Autumn',
    'assessedOn-day': '1',
    'assessedOn-month': '10',
    'assessedOn-year': '2019',
    agreementVersionId: elsewhere.v.id,
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Select an agreement version of this partnership/)
  res = await c.request('POST', `/api/v1/partnerships/${p.slug}/assurance/rounds`, {
    json: { title: '', assessedOn: '2019-10-01', agreementVersionId: elsewhere.v.id },
  })
  assert.equal(res.status, 400)
  assert.equal(res.json().errors.title, 'Enter title')
  res = await c.request('POST', `/api/v1/partnerships/${p.slug}/assurance/rounds`, {
    json: { title: 'x', assessedOn: '2019-10-01', agreementVersionId: elsewhere.v.id },
  })
  assert.equal(res.status, 400)
  assert.match(res.json().errors.agreementVersionId, /another partnership/)
})

test('the second of two people saving the same cell is refused with who changed it and when, and nothing is overwritten', async () => {
  const { p, v, dims, base } = await setting()
  const r = await round(p.id, v.id)
  const a = await clientAs(t, 'editor', p.id)
  const b = await clientAs(t, 'editor', p.id)
  const url = `${base}/rounds/${r.id}/cells/${v.priorities[0].id}/${dims[1].id}/edit`
  // Both open the form while the cell is not yet recorded.
  assert.match((await a.get(url)).body, /name="version" value="0"/)
  assert.match((await b.get(url)).body, /name="version" value="0"/)
  assert.equal((await a.post(url, { rating: '3', findings: 'First', developmentAreas: 'First area', version: '0' })).status, 303)
  const second = await b.post(url, { rating: '1', findings: 'Second', developmentAreas: '', version: '0' })
  assert.equal(second.status, 409)
  assert.match(text(second.body), new RegExp(`This was changed by ${(a as any).user.name} at`))
  const [cell] = await t.db.query('SELECT * FROM assessment_cells WHERE assessment_round_id = $1', [r.id])
  assert.equal(cell.rating, 3)
  assert.deepEqual(cell.findings, ['First'])
  assert.equal((await t.db.query('SELECT text FROM development_areas WHERE assessment_cell_id = $1', [cell.id]))[0].text, 'First area')
  // The same through the API, with a stale version.
  const api = `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}/cells/${v.priorities[0].id}/${dims[1].id}`
  const stale = await b.request('PUT', api, { json: { rating: 1, findings: [], developmentAreas: [], version: 0 } })
  assert.equal(stale.status, 409)
  assert.equal(stale.json().changedBy, (a as any).user.name)
})

test('every change is in the audit trail, and each record links to its History', async () => {
  const { p, v, dims, base } = await setting()
  const c = await clientAs(t, 'editor', p.id)
  const created = await c.post(`${base}/rounds/new`, {
    title: 'Audited round',
    'assessedOn-day': '1',
    'assessedOn-month': '10',
    'assessedOn-year': '2019',
    agreementVersionId: v.id,
  })
  const roundUrl = created.headers.location as string
  const roundId = Number(roundUrl.split('/').at(-1))
  const cellUrl = `${roundUrl}/cells/${v.priorities[0].id}/${dims[0].id}`
  await c.post(`${cellUrl}/edit`, { rating: '2', findings: 'One', developmentAreas: 'Area one\nArea two', version: '0' })
  await c.post(`${cellUrl}/edit`, { rating: '3', findings: 'One', developmentAreas: 'Area two', version: '1' })

  const roundHistory = await historyOf(t.db, 'assessment_round', roundId, p.id)
  assert.equal(roundHistory[0].action, 'create')
  assert.equal(roundHistory[0].user_name, (c as any).user.name)
  const [cell] = await t.db.query('SELECT id FROM assessment_cells WHERE assessment_round_id = $1', [roundId])
  const cellHistory = await historyOf(t.db, 'assessment_cell', cell.id, p.id)
  assert.deepEqual(
    cellHistory.map((e) => e.action),
    ['update', 'create'],
  )
  assert.equal(cellHistory[0].before?.rating, 2)
  assert.equal(cellHistory[0].after?.rating, 3)
  const areaEntries = await t.db.query(
    `SELECT action, before, after FROM audit_log WHERE entity = 'development_area' AND partnership_id = $1 ORDER BY id`,
    [p.id],
  )
  assert.deepEqual(
    areaEntries.map((e) => e.action),
    ['create', 'create', 'delete', 'update'],
  )
  assert.equal(areaEntries[2].before.text, 'Area one')

  const page = await c.get(cellUrl)
  const historyHref = `/partnerships/${p.slug}/history/assessment_cell/${cell.id}?back=${encodeURIComponent(cellUrl)}`
  assert.ok(page.body.includes(`href="${historyHref.replace(/&/g, '&amp;')}"`), 'cell page links to its history')
  assert.match(page.body, /\/history\/development_area\/\d+\?back=/)
  const history = await c.get(historyHref)
  assert.equal(history.status, 200)
  // The rating reads as the scale's labels (issue 8: history in words), before and after.
  const labels = await t.db.query<{ value: number; label: string }>(
    'SELECT value, label FROM rating_levels WHERE partnership_id = $1 AND value IN (2, 3) ORDER BY value',
    [p.id],
  )
  assert.match(text(history.body), new RegExp(`Rating ${labels[0].label} \\(2\\) ${labels[1].label} \\(3\\)`))
  assert.match((await c.get(roundUrl)).body, new RegExp(`/history/assessment_round/${roundId}\\?back=`))
  // Anonymous visitors are not shown History links.
  await t.db.query('UPDATE assessment_rounds SET published = true WHERE id = $1', [roundId])
  assert.doesNotMatch((await (await clientAs(t, 'anonymous')).get(cellUrl)).body, /\/history\//)
})

// ---- Settings ----

test('an administrator adds, renames, reorders and retires dimensions, and relabels and recolours the scale', async () => {
  const { p, v, dims, base } = await setting()
  const c = await clientAs(t, 'admin', p.id)
  const page = await c.get(`${base}/settings`)
  assert.equal(page.status, 200)
  assert.match(text(page.body), /County co-ordination .* Local links/)
  assert.match(text(page.body), /#6baed6 Text contrast \d+\.\d:1/)

  let res = await c.post(`${base}/settings/dimensions/new`, { name: 'Community engagement', description: 'How residents are involved' })
  assert.equal(res.status, 303)
  res = await c.post(`${base}/settings/dimensions/new`, { name: 'local links' })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /There is already a dimension called local links/)
  const [added] = (await t.services.assurance.dimensions(p.id)).filter((d) => d.name === 'Community engagement')
  assert.equal(added.position, 7)

  res = await c.post(`${base}/settings/dimensions/${dims[1].id}/edit`, {
    name: 'Driving frontline delivery',
    active: 'true',
    version: String(dims[1].version),
  })
  assert.equal(res.status, 303)
  res = await c.post(`${base}/settings/dimensions/${dims[1].id}/move`, { direction: 'up' })
  assert.equal(res.status, 303)
  res = await c.post(`${base}/settings/dimensions/${dims[4].id}/edit`, { name: 'Alignment of resources', version: String(dims[4].version) })
  assert.equal(res.status, 303)
  const after = await t.services.assurance.dimensions(p.id)
  assert.deepEqual(
    after.filter((d) => d.active).map((d) => d.name),
    [
      'Driving frontline delivery',
      'County co-ordination',
      'Understanding of risk and vulnerability',
      'Reporting and recording',
      'Local links',
      'Community engagement',
    ],
  )
  // A retired dimension is not offered in a new round's matrix.
  const r = await round(p.id, v.id)
  const m = await t.services.assurance.matrix(r.id)
  assert.deepEqual(
    m.columns.map((d) => d.name),
    [
      'Driving frontline delivery',
      'County co-ordination',
      'Understanding of risk and vulnerability',
      'Reporting and recording',
      'Local links',
      'Community engagement',
    ],
  )
  res = await c.request('PUT', `/api/v1/partnerships/${p.slug}/assurance/rounds/${r.id}/cells/${v.priorities[0].id}/${dims[4].id}`, {
    json: { rating: 2, findings: [], developmentAreas: [] },
  })
  assert.equal(res.status, 400)
  assert.match(res.json().errors.dimension, /no longer in use/)

  const scale = await t.services.assurance.scale(p.id)
  res = await c.post(`${base}/settings/levels/${scale[2].id}/edit`, {
    label: 'Embedded',
    colour: '#3182BD',
    description: '',
    version: String(scale[2].version),
  })
  assert.equal(res.status, 303)
  res = await c.post(`${base}/settings/levels/${scale[2].id}/edit`, {
    label: 'Embedded',
    colour: 'blue',
    version: String(scale[2].version + 1),
  })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /Enter the colour as a hex code of 6 characters/)
  const level = (await t.services.assurance.scale(p.id))[2]
  assert.equal(level.label, 'Embedded')
  assert.equal(level.colour, '#3182bd')
  assert.match((await c.get(`${base}/scale.css`)).body, /\.asr-level-3 \{ background-color: #3182bd; color: #0b0c0c; \}/)

  res = await c.post(`${base}/settings/levels/new`, { label: 'Exemplary', colour: '#08519c' })
  assert.equal(res.status, 303)
  const five = (await t.services.assurance.scale(p.id))[4]
  assert.equal(five.value, 5)
  res = await c.post(`${base}/settings/levels/${five.id}/delete`, { version: String(five.version) })
  assert.equal(res.status, 303)
  assert.equal((await t.services.assurance.scale(p.id)).length, 4)
  const history = await historyOf(t.db, 'rating_level', level.id, p.id)
  assert.equal(history[0].after?.label, 'Embedded')
})

test('the partnership overview summarises the latest round', async () => {
  const { p, v, dims } = await setting()
  assert.deepEqual((await t.services.assurance.overview(p, { includeUnpublished: false }))?.lines, ['No assessment rounds yet'])
  const r = await round(p.id, v.id, { title: 'Autumn 2019 assessment' })
  await t.services.assurance.recordCell(
    r.id,
    v.priorities[0].id,
    dims[0].id,
    { rating: 4, findings: [], developmentAreas: [] },
    systemActor,
  )
  await t.services.assurance.recordCell(
    r.id,
    v.priorities[1].id,
    dims[0].id,
    { rating: 2, findings: [], developmentAreas: [] },
    systemActor,
  )
  await publish(p.id, r.id)
  const o = await t.services.assurance.overview(p, { includeUnpublished: false })
  assert.equal(o?.href, `/partnerships/${p.slug}/assurance`)
  assert.deepEqual(o?.lines, [
    '1 published assessment round',
    'Latest: Autumn 2019 assessment, 15 October 2019',
    '2 of 12 ratings recorded',
    'Strong: 1, Developing: 1',
  ])
  const c = await clientAs(t, 'anonymous')
  assert.match(text((await c.get(`/partnerships/${p.slug}`)).body), /Assurance 1 published assessment round/)
})

test('the API is described in the OpenAPI document under Assurance', async () => {
  const c = await clientAs(t, 'anonymous')
  const doc = (await c.get('/api/v1/openapi.json')).json()
  const paths = Object.keys(doc.paths).filter((k) => k.includes('/assurance/'))
  for (const path of [
    '/api/v1/partnerships/{partnership}/assurance/dimensions',
    '/api/v1/partnerships/{partnership}/assurance/rounds',
    '/api/v1/partnerships/{partnership}/assurance/rounds/{round}',
    '/api/v1/partnerships/{partnership}/assurance/rounds/{round}/cells/{priority}/{dimension}',
  ]) {
    assert.ok(paths.includes(path), path)
  }
  assert.deepEqual(doc.paths['/api/v1/partnerships/{partnership}/assurance/rounds/{round}/cells/{priority}/{dimension}'].put.tags, [
    'Assurance',
  ])
})
