import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { testApp, clientAs, makeUser, text, errorSummary, type TestApp } from '../../test/helpers.ts'
import { testSmtpServer, parseMessage, type TestSmtpServer } from '../../test/smtp.ts'

const reason = "You are getting this because you are the lead for 2 actions in Hampshire Community Safety Strategy Group's action plan."

describe('outbox pages without a mail server', () => {
  let t: TestApp
  before(async () => {
    t = await testApp()
  })
  after(async () => {
    await t.close()
  })

  it('hold a message and show it to a site administrator as the person would get it, with its HTML in a sandbox', async () => {
    const m = await t.db.transaction((tx) =>
      t.services.outbox.queue(tx, {
        to: { email: 'lead@example.org', name: 'Lee Lead' },
        template: 'platform/test-message',
        reason,
        actor: { id: null, name: 'Quarterly reminders' },
        data: { name: 'Lee <script>alert(1)</script>', requestedAt: '2 December 2026' },
      }),
    )
    assert.equal(m.status, 'held')
    const admin = await clientAs(t, 'site-admin')

    const list = await admin.get('/admin/outbox')
    assert.equal(list.status, 200)
    assert.match(text(list.body), /No mail server is configured, so Safer sends no email: every message is held here for you to read/)
    assert.ok(text(list.body).includes(`lead@example.org Test message from Safer ${reason} Held`), text(list.body))

    const held = await admin.get('/admin/outbox?status=held')
    assert.ok(text(held.body).includes('lead@example.org'))
    const sent = await admin.get('/admin/outbox?status=sent')
    assert.ok(!text(sent.body).includes('lead@example.org'), 'the filter leaves out other statuses')
    assert.match(text(sent.body), /There are no sent messages/)

    const page = await admin.get(`/admin/outbox/${m.id}`)
    assert.equal(page.status, 200)
    const seen = text(page.body)
    assert.match(seen, /Status Held: no mail server is configured, so it was not sent/)
    assert.match(seen, /From "Safer" <no-reply@localhost> To Lee Lead <lead@example.org> Subject Test message from Safer/)
    assert.ok(seen.includes(`Hello Lee <script>alert(1)</script>,`), 'the plain text, shown as text')
    assert.ok(seen.includes(reason))
    assert.ok(!page.body.includes('<script>alert(1)'), 'no script from a message reaches the page')
    assert.ok(page.body.includes('Hello Lee &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;,'), 'the HTML source is shown escaped')
    assert.match(page.body, new RegExp(`<iframe class="safer-email-preview" sandbox src="/admin/outbox/${m.id}/html"`))
    assert.ok(!seen.includes('Send again'), 'nothing to send again without a mail server')

    const html = await admin.get(`/admin/outbox/${m.id}/html`)
    assert.equal(html.status, 200)
    assert.match(html.headers['content-type'], /^text\/html/)
    assert.match(html.headers['content-security-policy'], /^sandbox; default-src 'none'; style-src 'unsafe-inline'/)
    assert.equal(html.headers['cache-control'], 'no-store', 'said to a signed-in user (security 10)')
    assert.ok(html.body.includes('Hello Lee &lt;script&gt;alert(1)&lt;/script&gt;,'))

    const csv = await admin.get('/admin/outbox?format=csv&status=held')
    assert.match(csv.headers['content-type'], /^text\/csv/)
    assert.ok(csv.body.includes(`\r\n${m.id},lead@example.org,Lee Lead,Test message from Safer,${reason},held,`), csv.body)
    const json = (await admin.get('/admin/outbox?format=json')).json()
    const row = json.find((r: { id: number }) => r.id === m.id)
    assert.equal(row.to, 'lead@example.org')
    assert.equal(row.status, 'held')
    assert.equal(row.reason, reason)
    assert.equal(row.caused_by, 'Quarterly reminders')
  })

  it('let a site administrator send a test message to themselves, refusing a bad address', async () => {
    const user = await makeUser(t.services, { siteAdmin: true, name: 'Ada Admin' })
    const admin = await clientAs(t, 'anonymous')
    await admin.signIn(user.email)
    const page = await admin.get('/admin/outbox')
    assert.match(page.body, new RegExp(`id="email" name="email" type="email"[^>]* value="${user.email}"`), 'their own address is filled in')

    const bad = await admin.post('/admin/outbox/test', { email: 'ada at example' })
    assert.equal(bad.status, 400)
    assert.equal(errorSummary(bad.body), 'There is a problem Enter email address in the correct format, like name@example.org')
    assert.match(bad.body, /<a href="#email">Enter email address in the correct format/, 'the summary links to the field')
    assert.match(bad.body, /value="ada at example"/, 'what they typed is kept')

    const ok = await admin.post('/admin/outbox/test', { email: user.email })
    assert.equal(ok.status, 303)
    const shown = await admin.get(ok.headers.location)
    assert.match(text(shown.body), new RegExp(`Test message to ${user.email} held in the outbox: no mail server is configured`))
    assert.match(text(shown.body), new RegExp(`To Ada Admin <${user.email}> Subject Test message from Safer`))
    assert.match(
      text(shown.body),
      new RegExp(`You are getting this because Ada Admin asked Safer to send a test message to ${user.email} from its Outbox page\\.`),
    )
    const [audit] = await t.db.query(`SELECT user_name, summary FROM audit_log WHERE entity = 'email' ORDER BY id DESC LIMIT 1`)
    assert.deepEqual(audit, { user_name: 'Ada Admin', summary: `Test email to ${user.email}` })
  })

  it('are for site administrators only', async () => {
    const other = await clientAs(t, 'outsider')
    assert.equal((await other.get('/admin/outbox')).status, 403)
    const res = await other.post('/admin/outbox/test', { email: 'x@example.org' })
    assert.equal(res.status, 403)
    const anonymous = await clientAs(t, 'anonymous')
    assert.equal((await anonymous.get('/admin/outbox/1/html')).status, 303, 'sent to sign in')
  })
})

describe('outbox pages with a mail server', () => {
  let t: TestApp
  let smtp: TestSmtpServer
  let refuse = true
  before(async () => {
    smtp = await testSmtpServer({
      refuse: () => (refuse ? { code: 550, message: '5.1.1 <gone@example.org>: Recipient address rejected: User unknown' } : undefined),
    })
    t = await testApp({ smtpUrl: smtp.url, mailFrom: 'Safer Hampshire <safer@hampshire.example.org>' })
  })
  after(async () => {
    await t.close()
    await smtp.close()
  })

  it("show a refused message as failed with the server's answer, and send it again on request", async () => {
    const m = await t.db.transaction((tx) =>
      t.services.outbox.queue(tx, {
        to: 'gone@example.org',
        template: 'platform/test-message',
        reason,
        actor: { id: null, name: 'Test' },
        data: { name: 'Gone', requestedAt: 'today' },
      }),
    )
    await t.services.jobs.tick()
    const admin = await clientAs(t, 'site-admin')
    const list = await admin.get('/admin/outbox?status=failed')
    assert.match(
      text(list.body),
      /Email is sent through the mail server smtp:\/\/127\.0\.0\.1:\d+, from Safer Hampshire <safer@hampshire\.example\.org>\./,
    )
    assert.ok(text(list.body).includes('gone@example.org Test message from Safer'))
    assert.ok(text(list.body).includes('Failed (1) '), 'the count of failed messages')
    assert.match(
      text(list.body),
      /gone@example\.org Test message from Safer You are getting this .* Failed \d+ \w+ \d{4} at \d\d:\d\d 1 550 5\.1\.1 <gone@example\.org>: Recipient address rejected: User unknown/,
    )

    const page = await admin.get(`/admin/outbox/${m.id}`)
    assert.match(
      text(page.body),
      /Status Failed Attempts 1 Last answer from the mail server 550 5\.1\.1 <gone@example\.org>: Recipient address rejected: User unknown/,
    )
    assert.match(text(page.body), /Send again/)

    refuse = false
    const again = await admin.post(`/admin/outbox/${m.id}/send-again`)
    assert.equal(again.status, 303)
    assert.equal(again.headers.location, `/admin/outbox/${m.id}`)
    assert.match(
      text((await admin.get(again.headers.location)).body),
      /Email to gone@example\.org queued to send again Email \d+: Test message from Safer Status Waiting to send Attempts 0/,
    )
    await t.services.jobs.tick()
    assert.match(
      text((await admin.get(`/admin/outbox/${m.id}`)).body),
      /Status Sent Attempts 1 Last answer from the mail server 250 Message accepted/,
    )
    assert.equal(smtp.received.length, 1)
    assert.equal(parseMessage(smtp.received[0].raw).headers.subject, 'Test message from Safer')

    const twice = await admin.post(`/admin/outbox/${m.id}/send-again`)
    assert.equal(twice.status, 400)
    assert.match(text(twice.body), /Only a message that failed can be sent again; this one is sent\./)
  })
})
