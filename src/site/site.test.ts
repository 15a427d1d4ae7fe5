/**
 * The council's own: site settings (name, council or partnership, colours, logo) edited by site administrators and
 * shown on every page and in email; the statements (accessibility, privacy, cookies), editable, escaped and audited;
 * the API reference and status pages the footer links to.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, Client, text, errorSummary, type TestApp } from '../../test/helpers.ts'
import { postFiles } from '../../test/upload-helpers.ts'
import { historyOf } from '../platform/audit.ts'
import { contrastRatio } from './colour.ts'
import { forgetStatusReport } from './status.ts'

let t: TestApp
before(async () => {
  t = await testApp()
})
after(async () => {
  await t.close()
})

/** A signed-in site administrator, and their name (for the audit trail). */
const siteAdmin = async () => (await clientAs(t, 'site-admin')) as Client & { user: { name: string } }

const DEFAULT_COLOURS = { headerBackground: '#1f3a5f', headerText: '#ffffff', linkColour: '#1a65a6' }

async function saveSettings(c: Client, values: Record<string, string>) {
  const { values: current } = await t.services.site.settings()
  return c.post('/admin/site', { ...DEFAULT_COLOURS, ...values, version: current.version })
}

function png(width: number, height: number, padTo = 0) {
  const b = Buffer.alloc(Math.max(33, padTo))
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0)
  b.writeUInt32BE(13, 8)
  b.write('IHDR', 12, 'latin1')
  b.writeUInt32BE(width, 16)
  b.writeUInt32BE(height, 20)
  return b
}

test('a site administrator names the installation and its council, and every page, page title and email shows them', async () => {
  const admin = await siteAdmin()
  const res = await saveSettings(admin, {
    serviceName: 'Hampshire Community Safety',
    organisationName: 'Hampshire County Council',
    organisationUrl: 'https://www.hants.gov.uk',
    headerBackground: '#4c2c92',
    headerText: '#FFFFFF',
    linkColour: '#005ea5',
  })
  assert.equal(res.status, 303)
  const page = await new Client(t).get('/partnerships')
  assert.match(page.body, /<span class="safer-brand-header__name">Hampshire Community Safety<\/span>/)
  assert.match(page.body, /<span class="safer-brand-header__organisation">Hampshire County Council<\/span>/)
  assert.match(page.body, /<title>[^<]* – Hampshire Community Safety – Hampshire County Council<\/title>/)
  assert.match(text(page.body), /Hampshire Community Safety is run by Hampshire County Council/)
  assert.match(page.body, /href="https:\/\/www\.hants\.gov\.uk"/)
  assert.match(page.body, /<meta name="theme-color" content="#4c2c92">/)
  // The colours reach the page's brand stylesheet.
  const css = await new Client(t).get('/site/brand.css')
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8')
  assert.match(css.body, /\.safer-brand-header \{ background-color: #4c2c92; color: #ffffff;/)
  assert.match(css.body, /:root \{ --govuk-link-colour: #005ea5; --govuk-brand-colour: #005ea5; \}/)
  // Email carries the same name, council and header colour.
  const email = t.services.outbox.render('platform/test-message', { name: 'Sam', requestedAt: 'today' }, 'You asked for it.')
  assert.match(email.html, /background: #4c2c92/)
  assert.match(email.html, /Hampshire Community Safety/)
  assert.match(email.text, /Hampshire Community Safety, Hampshire County Council/)
  // Audited, with who did it and what changed.
  const [entry] = await historyOf(t.db, 'site settings', 1)
  assert.equal(entry.user_name, admin.user.name)
  assert.equal(entry.after?.organisation_name, 'Hampshire County Council')
  assert.equal(entry.after?.header_background, '#4c2c92')
})

test('a colour that is not a colour, or whose contrast fails WCAG AA, is refused with a message and nothing is saved', async () => {
  const admin = await siteAdmin()
  await saveSettings(admin, { serviceName: 'Before', ...DEFAULT_COLOURS })
  const before = (await t.services.site.settings()).values
  const notColour = await saveSettings(admin, { serviceName: 'After', headerBackground: 'dark blue' })
  assert.equal(notColour.status, 400)
  assert.match(errorSummary(notColour.body), /Header background colour must be a colour code like #1d70b8/)
  // #777777 on white is 4.48 to 1 (WebAIM), under AA's 4.5.
  assert.ok(contrastRatio('#777777', '#ffffff') < 4.5)
  const low = await saveSettings(admin, { serviceName: 'After', headerBackground: '#ffffff', headerText: '#777777', linkColour: '#999999' })
  assert.equal(low.status, 400)
  const summary = errorSummary(low.body)
  assert.match(summary, /Header text colour #777777 on #ffffff has a contrast of 4\.4 to 1: it must be at least 4\.5 to 1/)
  assert.match(summary, /Link colour #999999 on the white page has a contrast of 2\.8 to 1/)
  // The form keeps what was typed, and nothing changed.
  assert.match(low.body, /id="headerText" name="headerText" type="text" spellcheck="false" value="#777777"/)
  const after = (await t.services.site.settings()).values
  assert.deepEqual(after, before)
  assert.match((await new Client(t).get('/')).body, /<span class="safer-brand-header__name">Before<\/span>/)
})

test('only site administrators may change the settings', async () => {
  const outsider = await clientAs(t, 'outsider')
  const { values } = await t.services.site.settings()
  const res = await outsider.post('/admin/site', { ...DEFAULT_COLOURS, serviceName: 'Taken over', version: values.version })
  assert.equal(res.status, 403)
  assert.notEqual((await t.services.site.settings()).values.serviceName, 'Taken over')
})

test('a safe SVG logo is kept and shown in the header, served so that it can run nothing', async () => {
  const admin = await siteAdmin()
  await saveSettings(admin, { organisationName: 'Test Borough Council' })
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="40"><!-- logo --><rect width="90" height="40" fill="#fff"/></svg>',
  )
  const res = await postFiles(t, admin, '/admin/site/logo', 'logo', [{ filename: 'council.svg', data: svg }])
  assert.equal(res.status, 303, res.body)
  const page = await new Client(t).get('/')
  const src = /<img class="safer-brand-header__logo" src="([^"]+)" alt="Test Borough Council" width="90" height="40">/.exec(page.body)?.[1]
  assert.ok(src, 'the header shows the logo with the council as its text')
  const logo = await new Client(t).get(src)
  assert.equal(logo.status, 200)
  assert.equal(logo.headers['content-type'], 'image/svg+xml')
  assert.match(logo.headers['content-security-policy'], /default-src 'none'/)
  assert.equal(logo.headers['x-content-type-options'], 'nosniff')
  assert.equal(logo.body, '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="40"><rect width="90" height="40" fill="#fff"/></svg>')
  // Removing it takes it off the header.
  assert.equal((await admin.post('/admin/site/logo/remove')).status, 303)
  assert.doesNotMatch((await new Client(t).get('/')).body, /safer-brand-header__logo/)
  assert.equal((await new Client(t).get(src)).status, 404)
})

test('an SVG logo with a script or an event handler is refused, and the logo shown does not change', async () => {
  const admin = await siteAdmin()
  const before = t.services.site.brand().logo
  for (const [data, message] of [
    [
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
      /The selected file contains a script, which a logo may not have/,
    ],
    ['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', /contains an event handler \(onload\), which runs script/],
    ['<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/a.svg#x"/></svg>', /a link to another address/],
  ] as const) {
    const res = await postFiles(t, admin, '/admin/site/logo', 'logo', [{ filename: 'logo.svg', data: Buffer.from(data) }])
    assert.equal(res.status, 400)
    assert.match(errorSummary(res.body), message)
  }
  assert.deepEqual(t.services.site.brand().logo, before)
})

test('a logo larger than 200 KB, or not a PNG or SVG, is refused with the limit', async () => {
  const admin = await siteAdmin()
  const big = await postFiles(t, admin, '/admin/site/logo', 'logo', [{ filename: 'big.png', data: png(100, 40, 201 * 1024) }])
  assert.equal(big.status, 400)
  assert.match(errorSummary(big.body), /The selected file must be smaller than 200 KB/)
  const jpeg = await postFiles(t, admin, '/admin/site/logo', 'logo', [
    { filename: 'logo.jpg', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) },
  ])
  assert.equal(jpeg.status, 400)
  assert.match(errorSummary(jpeg.body), /The selected file must be an image \(PNG or SVG\) file/)
  const ok = await postFiles(t, admin, '/admin/site/logo', 'logo', [{ filename: 'small.png', data: png(120, 40, 2000) }])
  assert.equal(ok.status, 303)
  assert.equal(t.services.site.brand().logo?.contentType, 'image/png')
  await admin.post('/admin/site/logo/remove')
})

test('the statements start with default text naming the installation and its council', async () => {
  const admin = await siteAdmin()
  await saveSettings(admin, {
    serviceName: 'Worcestershire Safer',
    organisationName: 'Worcestershire County Council',
    contactEmail: 'safer@worcestershire.gov.uk',
  })
  const a11y = text((await new Client(t).get('/accessibility')).body)
  assert.match(a11y, /Accessibility statement for Worcestershire Safer/)
  assert.match(a11y, /This accessibility statement applies to Worcestershire Safer, run by Worcestershire County Council/)
  for (const heading of [
    'How accessible this website is',
    'Feedback and contact information',
    'Reporting accessibility problems with this website',
    'Enforcement procedure',
    'Non-accessible content',
    'Compliance status',
    'Preparation of this statement',
  ])
    assert.match(a11y, new RegExp(heading), heading)
  assert.match(a11y, /Equality and Human Rights Commission \(EHRC\)/)
  assert.match(a11y, /Equality Commission for Northern Ireland/)
  assert.match(a11y, /partially compliant with the Web Content Accessibility Guidelines version 2\.2 AA standard/)
  assert.match(a11y, /email safer@worcestershire\.gov\.uk/)
  const privacy = text((await new Client(t).get('/privacy')).body)
  assert.match(privacy, /Worcestershire County Council is the data controller for the personal information held in Worcestershire Safer/)
  assert.match(privacy, /Information Commissioner's Office/)
})

test('the cookies page lists every cookie the service sets, and says they are all essential', async () => {
  // Collect the cookies real requests set: a first visit, signing in, and a change that shows a confirmation.
  const seen = new Set<string>()
  const collect = (headers: Record<string, unknown>) => {
    for (const h of [headers['set-cookie'] ?? []].flat()) seen.add(String(h).split('=')[0])
  }
  const admin = new Client(t)
  collect((await admin.get('/')).headers)
  const { makeUser } = await import('../../test/helpers.ts')
  const user = await makeUser(t.services, { siteAdmin: true })
  collect((await admin.post('/sign-in', { email: user.email, password: 'correct horse battery' })).headers)
  collect((await saveSettings(admin, {})).headers)
  collect((await admin.get('/admin/site')).headers)
  assert.deepEqual([...seen].sort(), ['safer_csrf', 'safer_flash', 'safer_session'])
  const page = await new Client(t).get('/cookies')
  const body = text(page.body)
  assert.match(body, /only essential cookies/)
  const listed = [...page.body.matchAll(/<th scope="row" class="govuk-table__header[^"]*">([^<]+)<\/th>/g)].map((m) => m[1].trim()).sort()
  assert.deepEqual(listed, [...seen].sort())
})

test('a site administrator edits a statement: the text is escaped, the change audited and each version kept', async () => {
  const admin = await siteAdmin()
  const form = await admin.get('/admin/site/statements/privacy')
  assert.equal(form.status, 200)
  const version = Number(/name="version" value="(\d+)"/.exec(form.body)?.[1])
  const first = await admin.post('/admin/site/statements/privacy', {
    body: '## Our notice\n\nWe keep <script>alert(1)</script> nothing.',
    version,
  })
  assert.equal(first.status, 303)
  assert.equal(first.headers.location, '/privacy')
  const page = await new Client(t).get('/privacy')
  assert.match(page.body, /<h2 class="govuk-heading-m">Our notice<\/h2>/)
  assert.match(page.body, /We keep &lt;script&gt;alert\(1\)&lt;\/script&gt; nothing\./)
  assert.doesNotMatch(page.body, /<script>alert/)
  const saved = await t.services.site.statement('privacy')
  const second = await admin.post('/admin/site/statements/privacy', { body: 'Second version.', version: saved.version })
  assert.equal(second.status, 303)
  // A stale form (the first version) is refused, naming who changed it.
  const stale = await admin.post('/admin/site/statements/privacy', { body: 'Stale edit.', version: saved.version })
  assert.equal(stale.status, 409)
  assert.match(text(stale.body), new RegExp(`changed by ${admin.user.name}`))
  assert.match(text((await new Client(t).get('/privacy')).body), /Second version\./)
  const history = await historyOf(t.db, 'site statement', 'privacy')
  assert.equal(history.length, 2)
  assert.equal(history[0].before?.body, '## Our notice\n\nWe keep <script>alert(1)</script> nothing.')
  assert.equal(history[0].after?.body, 'Second version.')
  assert.equal(history[0].user_name, admin.user.name)
  // The edit page lists the versions, the earlier text escaped.
  const edit = await admin.get('/admin/site/statements/privacy')
  assert.match(edit.body, /We keep &lt;script&gt;alert\(1\)&lt;\/script&gt; nothing\./)
  const outsider = await clientAs(t, 'outsider')
  assert.equal((await outsider.post('/admin/site/statements/privacy', { body: 'x', version: 9 })).status, 403)
})

test('the accessibility statement needs its compliance status and dates, and shows them', async () => {
  const admin = await siteAdmin()
  const missing = await admin.post('/admin/site/statements/accessibility', { body: 'Our statement.', version: 0 })
  assert.equal(missing.status, 400)
  const summary = errorSummary(missing.body)
  assert.match(summary, /Select whether the website is fully, partially or not compliant/)
  assert.match(summary, /Enter the date the statement was prepared/)
  const backwards = await admin.post('/admin/site/statements/accessibility', {
    body: 'Our statement.',
    compliance: 'partial',
    'preparedOn-day': '10',
    'preparedOn-month': '3',
    'preparedOn-year': '2026',
    'reviewedOn-day': '1',
    'reviewedOn-month': '1',
    'reviewedOn-year': '2026',
    version: 0,
  })
  assert.match(errorSummary(backwards.body), /must be the same as or after the date it was prepared/)
  const ok = await admin.post('/admin/site/statements/accessibility', {
    body: 'Our statement.',
    compliance: 'full',
    'preparedOn-day': '10',
    'preparedOn-month': '3',
    'preparedOn-year': '2026',
    'reviewedOn-day': '2',
    'reviewedOn-month': '11',
    'reviewedOn-year': '2026',
    version: 0,
  })
  assert.equal(ok.status, 303)
  const page = text((await new Client(t).get('/accessibility')).body)
  assert.match(page, /This website is fully compliant with the Web Content Accessibility Guidelines version 2\.2 AA standard\./)
  assert.match(page, /This statement was prepared on 10 March 2026\. It was last reviewed on 2 November 2026\./)
})

test('the footer links to the statements, the API reference and the service status, and anyone can read them', async () => {
  const home = await new Client(t).get('/')
  const footer = home.body.slice(home.body.indexOf('<footer'))
  const links = [...footer.matchAll(/<a class="govuk-footer__link" href="(\/[^"]*)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]])
  assert.deepEqual(links, [
    ['/accessibility', 'Accessibility statement'],
    ['/privacy', 'Privacy'],
    ['/cookies', 'Cookies'],
    ['/api', 'API'],
    ['/status', 'Service status'],
  ])
  for (const [href] of links) {
    const res = await new Client(t).get(href)
    assert.equal(res.status, 200, href)
    assert.match(res.headers['content-type'], /text\/html/, href)
  }
})

test('the API reference lists every operation of the OpenAPI document, with who may call it, and links to the JSON', async () => {
  const c = new Client(t)
  const doc = (await c.get('/api/v1/openapi.json')).json()
  const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, item]) =>
    Object.keys(item)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${p}`),
  )
  assert.ok(operations.length > 10)
  const page = await c.get('/api')
  const shown = [...page.body.matchAll(/<strong class="govuk-tag[^"]*">(\w+)<\/strong> <code class="safer-break">([^<]+)<\/code>/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  )
  assert.deepEqual(shown.sort(), operations.sort())
  assert.match(page.body, /href="\/api\/v1\/openapi\.json"/)
  const body = text(page.body)
  assert.match(body, /Who may call it: Anyone \(no token needed\)/)
  assert.match(body, /Who may call it: Site administrators only/)
  assert.match(body, /Who may call it: Editors of any partnership, and site administrators/)
  // Every parameter's type reads as words: no empty choice lists ("one of: ,").
  assert.doesNotMatch(body, /one of: ?[,)]/)
  assert.match(body, /strategicAssessmentId \(body, integer or null, optional\)/)
})

test('the status page shows each part of the service, with the same facts one click away as JSON', async () => {
  const c = new Client(t)
  const page = await c.get('/status')
  assert.equal(page.status, 200)
  const body = text(page.body)
  for (const part of ['Database', 'Crime data store', 'Background jobs', 'Email', 'Crime data']) assert.match(body, new RegExp(part))
  assert.match(body, /is working normally/)
  assert.match(body, /No police\.uk street crime data has been loaded yet/)
  assert.match(body, /No mail server is set up/)
  assert.match(page.body, /href="\/health"/)
  const pkg = JSON.parse((await import('node:fs')).readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  assert.match(body, new RegExp(`Version ${pkg.version.replace(/\./g, '\\.')}`))
  const json = (await c.get('/health')).json()
  assert.equal(json.status, 'ok')
  assert.equal(json.database.status, 'ok')
  assert.equal(json.analytics.status, 'ok')
  assert.equal(json.version, pkg.version)
  assert.equal(json.crimeData.latestMonth, null)
  assert.equal(json.outbox.sending, false)
})

test('the status page says when background work has been waiting too long to start', async () => {
  const c = new Client(t)
  // The test app runs no worker (only `safer serve` does): a job due 20 minutes ago is still waiting.
  t.services.jobs.define({ kind: 'test:never-runs', title: () => 'Never runs', run: async () => ({}) })
  const job = await t.services.jobs.enqueue('test:never-runs', {}, { actor: { id: null, name: 'test' } })
  await t.db.query(`UPDATE jobs SET run_after = now() - interval '20 minutes' WHERE id = $1`, [job.id])
  forgetStatusReport(t.services) // the report the last test read is still fresh enough to be shown again
  const json = (await c.get('/health')).json()
  assert.equal(json.jobs.status, 'degraded')
  assert.equal(json.status, 'degraded')
  assert.match(text((await c.get('/status')).body), /Work has been waiting 20 minutes to start: the background worker may have stopped/)
  await t.db.query(`UPDATE jobs SET status = 'failed', error = 'test' WHERE id = $1`, [job.id])
})

test('no page shows the GOV.UK crown, logo or name', async () => {
  const pages = ['/', '/accessibility', '/api', '/status', '/sign-in']
  for (const p of pages) {
    const res = await new Client(t).get(p)
    assert.doesNotMatch(res.body, /GOV\.UK|govuk-logo|govuk-header__logotype|crown/i, p)
  }
})

test('in demo mode the banner says the text comes from council papers and the ratings are illustrative', async () => {
  const demo = await testApp({ demo: true })
  try {
    const page = text((await new Client(demo).get('/')).body)
    assert.match(
      page,
      /Its partnerships, committees, priorities and their text come from published council papers; the assessment ratings are illustrative, not the partnerships' own\./,
    )
  } finally {
    await demo.close()
  }
})

test('the status page needs attention while an email failed in the last day, and not for an old failure', async () => {
  const c = new Client(t)
  const message = await t.services.outbox.sendTest('status-test@example.org', { id: null, name: 'test' })
  await t.db.query(`UPDATE outbox SET status = 'failed', updated_at = now() WHERE id = $1`, [message.id])
  forgetStatusReport(t.services)
  let json = (await c.get('/health')).json()
  assert.equal(json.outbox.status, 'degraded')
  assert.equal(json.outbox.failed, 1)
  await t.db.query(`UPDATE outbox SET updated_at = now() - interval '2 days' WHERE id = $1`, [message.id])
  forgetStatusReport(t.services)
  json = (await c.get('/health')).json()
  assert.equal(json.outbox.status, 'ok')
  assert.equal(json.outbox.failed, 1)
  await t.db.query(`UPDATE outbox SET status = 'sent' WHERE id = $1`, [message.id])
})
