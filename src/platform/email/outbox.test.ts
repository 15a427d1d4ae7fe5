import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { openPostgres, type Db } from '../db/index.ts'
import { migrate } from '../db/migrate.ts'
import { jobService } from '../jobs.ts'
import { ValidationError } from '../errors.ts'
import { loadConfig } from '../../config.ts'
import { outboxService, serverAnswer, type OutboxMessage } from './outbox.ts'
import { renderEmail } from './render.ts'
import { testDb, createServerDatabase } from '../../../test/helpers.ts'
import { testSmtpServer, parseMessage, type TestSmtpServer } from '../../../test/smtp.ts'

const actor = { id: null, name: 'Test runner' }
const FROM = 'Safer Hampshire <safer@hampshire.example.org>'

/** A clock the test moves by hand. */
function manualClock(iso: string) {
  let now = new Date(iso)
  return {
    now: () => now,
    set: (s: string) => {
      now = new Date(s)
    },
  }
}

/**
 * Each test has a database, jobs, an outbox and (unless `smtp: false`) a mail server of its own, so that no test
 * sends another's messages.
 */
async function setUp(o: { smtp?: false | Parameters<typeof testSmtpServer>[0]; clock?: () => Date } = {}) {
  const db = await testDb()
  const server = o.smtp === false ? undefined : await testSmtpServer(o.smtp ?? {})
  const jobs = jobService(db, { clock: o.clock })
  const outbox = outboxService(db, { jobs, smtpUrl: server?.url, mailFrom: FROM, serviceName: 'Safer', clock: o.clock })
  jobs.define(outbox.job)
  const row = (id: number) => outbox.get(id)
  return {
    db,
    server: server as TestSmtpServer,
    jobs,
    outbox,
    row,
    queue: (to: string | { email: string; name?: string }, reason = 'You are getting this because you asked for a test.') =>
      db.transaction((tx) =>
        outbox.queue(tx, { to, template: 'platform/test-message', data: { name: 'Sam', requestedAt: '2 December 2026' }, reason, actor }),
      ),
    close: async () => {
      await server?.close()
      await db.close()
    },
  }
}

describe('outbox', () => {
  it('sends a queued message through the mail server: headers, both parts, the reason, non-ASCII text intact', async () => {
    const t = await setUp()
    try {
      const reason = 'You are getting this because you manage the £80,000 Déjà Vu fund for Hampshire Community Safety Partnership.'
      const m = await t.db.transaction((tx) =>
        t.outbox.queue(tx, {
          to: { email: 'zoe@example.org', name: 'Zoë Déjà' },
          template: 'platform/test-message',
          data: { name: 'Zoë Déjà <the lead>', requestedAt: '2 December 2026' },
          reason,
          actor,
        }),
      )
      assert.equal(m.status, 'queued')
      const ran = await t.jobs.tick()
      assert.equal(ran.length, 1, 'one email:send job, queued with the message')
      assert.equal(ran[0].kind, 'email:send')
      assert.deepEqual(ran[0].result, { sent: 1, retrying: 0, failed: 0 })

      assert.equal(t.server.received.length, 1)
      const got = t.server.received[0]
      assert.equal(got.from, 'safer@hampshire.example.org')
      assert.deepEqual(got.to, ['zoe@example.org'])
      const mail = parseMessage(got.raw)
      assert.equal(mail.headers.from, 'Safer Hampshire <safer@hampshire.example.org>')
      assert.equal(mail.headers.to, 'Zoë Déjà <zoe@example.org>')
      assert.equal(mail.headers.subject, 'Test message from Safer')
      assert.equal(mail.headers['auto-submitted'], 'auto-generated')
      assert.equal(mail.headers['message-id'], m.message_id)
      assert.deepEqual(
        mail.parts.map((p) => p.contentType),
        ['text/plain', 'text/html'],
      )
      assert.ok(mail.text!.includes('Hello Zoë Déjà <the lead>,'), mail.text)
      assert.ok(mail.text!.includes(reason), 'the reason is in the plain text')
      assert.ok(mail.text!.trimEnd().endsWith(`${reason}\n\nSafer`), 'the footer ends with the reason and the service name')
      assert.ok(mail.html!.includes('Hello Zoë Déjà &lt;the lead&gt;,'), 'HTML escapes what the data holds')
      assert.ok(mail.html!.includes(reason.replace(/'/g, '&#39;')), 'the reason is in the HTML')
      assert.ok(!mail.html!.includes('<the lead>'))

      const sent = await t.row(m.id)
      assert.equal(sent.status, 'sent')
      assert.equal(sent.attempts, 1)
      assert.match(sent.last_answer!, /^250 Message accepted as test-1/)
      assert.ok(sent.sent_at)
      assert.deepEqual(await t.jobs.tick(), [], 'nothing more to do')
      assert.equal(t.server.offered, 1)
    } finally {
      await t.close()
    }
  })

  it('never sends a message queued in a transaction that is rolled back', async () => {
    const t = await setUp()
    try {
      await assert.rejects(
        t.db.transaction(async (tx) => {
          await t.outbox.queue(tx, {
            to: 'sam@example.org',
            template: 'platform/test-message',
            data: { name: 'Sam', requestedAt: 'today' },
            reason: 'You are getting this because of a test.',
            actor,
          })
          throw new Error('the change that caused it failed')
        }),
        /the change that caused it failed/,
      )
      assert.deepEqual(await t.outbox.list(), [])
      assert.deepEqual(await t.jobs.list({ kind: 'email:send' }), [], 'no job either')
      await t.jobs.tick()
      await t.outbox.sendDue()
      assert.equal(t.server.offered, 0)
    } finally {
      await t.close()
    }
  })

  it('tries again after a minute when the server answers 451, and delivers the message once', async () => {
    const clock = manualClock('2026-12-02T10:00:00Z')
    const t = await setUp({
      clock: clock.now,
      smtp: { refuse: (n) => (n === 1 ? { code: 451, message: '4.3.0 Mailbox busy, try again later' } : undefined) },
    })
    try {
      const m = await t.queue('sam@example.org')
      await t.jobs.tick()
      let row = await t.row(m.id)
      assert.equal(row.status, 'queued')
      assert.equal(row.attempts, 1)
      assert.equal(row.last_answer, '451 4.3.0 Mailbox busy, try again later')
      assert.equal(new Date(row.next_attempt_at!).toISOString(), '2026-12-02T10:01:00.000Z')
      assert.equal(t.server.received.length, 0)

      clock.set('2026-12-02T10:00:59Z')
      assert.deepEqual(await t.jobs.tick(), [], 'not before the minute is up')
      assert.equal(t.server.offered, 1)

      clock.set('2026-12-02T10:01:00Z')
      const ran = await t.jobs.tick()
      assert.equal(ran.length, 1)
      assert.equal(t.server.received.length, 1)
      row = await t.row(m.id)
      assert.equal(row.status, 'sent')
      assert.equal(row.attempts, 2)

      clock.set('2026-12-02T13:00:00Z')
      await t.jobs.tick()
      assert.equal(t.server.received.length, 1, 'delivered once')
    } finally {
      await t.close()
    }
  })

  it('waits 1, 5, 30 minutes and 2 hours between attempts, then fails the message after the fifth', async () => {
    const clock = manualClock('2026-12-02T10:00:00Z')
    const t = await setUp({ clock: clock.now, smtp: { refuse: () => ({ code: 421, message: '4.7.0 Too many connections' }) } })
    try {
      const m = await t.queue('sam@example.org')
      // The moments of attempts 2 to 5: 10:01, 10:06, 10:36 and 12:36.
      const expected = ['2026-12-02T10:01:00.000Z', '2026-12-02T10:06:00.000Z', '2026-12-02T10:36:00.000Z', '2026-12-02T12:36:00.000Z']
      await t.jobs.tick()
      for (const [i, at] of expected.entries()) {
        const row = await t.row(m.id)
        assert.equal(row.status, 'queued')
        assert.equal(row.attempts, i + 1)
        assert.equal(new Date(row.next_attempt_at!).toISOString(), at)
        clock.set(at)
        await t.jobs.tick()
      }
      const row = await t.row(m.id)
      assert.equal(row.status, 'failed')
      assert.equal(row.attempts, 5)
      assert.equal(row.last_answer, '421 4.7.0 Too many connections')
      assert.equal(t.server.offered, 5)
      clock.set('2026-12-03T10:00:00Z')
      await t.jobs.tick()
      assert.equal(t.server.offered, 5, 'a failed message is not tried again by itself')
    } finally {
      await t.close()
    }
  })

  it('fails a message at once when the server refuses it for good (550), keeping the answer', async () => {
    const clock = manualClock('2026-12-02T10:00:00Z')
    const t = await setUp({ clock: clock.now, smtp: { refuse: () => ({ code: 550, message: '5.1.1 No such user here' }) } })
    try {
      const m = await t.queue('nobody@example.org')
      const [job] = await t.jobs.tick()
      assert.deepEqual(job.result, { sent: 0, retrying: 0, failed: 1 })
      const row = await t.row(m.id)
      assert.equal(row.status, 'failed')
      assert.equal(row.attempts, 1)
      assert.equal(row.last_answer, '550 5.1.1 No such user here')
      assert.deepEqual(await t.jobs.list({ kind: 'email:send', status: 'queued' }), [], 'no run is queued for it')
      clock.set('2026-12-02T18:00:00Z')
      await t.jobs.tick()
      assert.equal(t.server.offered, 1)
    } finally {
      await t.close()
    }
  })

  it('sends the rest of a batch when the server refuses one message in it', async () => {
    const t = await setUp({ smtp: { refuse: (n) => (n === 2 ? { code: 550, message: '5.1.1 No such user here' } : undefined) } })
    try {
      const batch = await t.db.transaction(async (tx) => {
        const out = []
        for (const who of ['ann', 'bob', 'cat']) {
          out.push(
            await t.outbox.queue(tx, {
              to: `${who}@example.org`,
              template: 'platform/test-message',
              data: { name: who, requestedAt: 'today' },
              reason: 'You are getting this because of a test.',
              actor,
            }),
          )
        }
        return out
      })
      const ran = await t.jobs.tick()
      assert.equal(ran.length, 1, 'one run for the three messages of one change')
      assert.deepEqual(ran[0].result, { sent: 2, retrying: 0, failed: 1 })
      assert.deepEqual(
        t.server.received.map((r) => r.to[0]),
        ['ann@example.org', 'cat@example.org'],
      )
      assert.deepEqual(await Promise.all(batch.map(async (m) => (await t.row(m.id)).status)), ['sent', 'failed', 'sent'])
    } finally {
      await t.close()
    }
  })

  it('signs in to the mail server with the user name and password in SMTP_URL (written %XX), and fails on a wrong one', async () => {
    const server = await testSmtpServer({ login: { user: 'safer@council.example', pass: 'p@ss:word/1' } })
    const db = await testDb()
    try {
      const port = new URL(server.url).port
      const make = (url: string) => {
        const jobs = jobService(db)
        const outbox = outboxService(db, { jobs, smtpUrl: url, mailFrom: FROM, serviceName: 'Safer' })
        jobs.define(outbox.job)
        return { jobs, outbox }
      }
      const right = make(`smtp://safer%40council.example:p%40ss%3Aword%2F1@127.0.0.1:${port}`)
      assert.equal(right.outbox.mailServer, `smtp://127.0.0.1:${port}`, 'shown without the user name and password')
      const m = await db.transaction((tx) =>
        right.outbox.queue(tx, {
          to: 'sam@example.org',
          template: 'platform/test-message',
          data: { name: 'Sam', requestedAt: 'today' },
          reason: 'You are getting this because of a test.',
          actor,
        }),
      )
      await right.jobs.tick()
      assert.equal((await right.outbox.get(m.id)).status, 'sent')
      assert.equal(server.received.length, 1)

      const wrong = make(`smtp://safer%40council.example:guess@127.0.0.1:${port}`)
      const n = await db.transaction((tx) =>
        wrong.outbox.queue(tx, {
          to: 'sam@example.org',
          template: 'platform/test-message',
          data: { name: 'Sam', requestedAt: 'today' },
          reason: 'You are getting this because of a test.',
          actor,
        }),
      )
      await wrong.jobs.tick()
      const row = await wrong.outbox.get(n.id)
      assert.equal(row.status, 'failed', 'a refused sign-in (535) is permanent')
      assert.match(row.last_answer!, /^535 5\.7\.8 Authentication credentials invalid/)
      assert.equal(server.received.length, 1)
    } finally {
      await server.close()
      await db.close()
    }
  })

  it('keeps trying when the mail server cannot be reached, saying so', async () => {
    const clock = manualClock('2026-12-02T10:00:00Z')
    const t = await setUp({ clock: clock.now })
    try {
      await t.server.close() // nothing listens at its address any more
      const m = await t.queue('sam@example.org')
      await t.jobs.tick()
      const row = await t.row(m.id)
      assert.equal(row.status, 'queued')
      assert.match(row.last_answer!, /^Could not reach the mail server: .*ECONNREFUSED/)
      assert.equal(new Date(row.next_attempt_at!).toISOString(), '2026-12-02T10:01:00.000Z')
    } finally {
      await t.db.close()
    }
  })

  it('holds every message, sending nothing, when no mail server is configured', async () => {
    const t = await setUp({ smtp: false })
    try {
      assert.equal(t.outbox.configured, false)
      const m = await t.queue('sam@example.org')
      assert.equal(m.status, 'held')
      assert.equal(m.from_address, FROM)
      assert.match(m.text_body, /^Hello Sam,/)
      assert.deepEqual(await t.jobs.list({ kind: 'email:send' }), [], 'no job is queued')
      const result = await t.outbox.sendDue()
      assert.equal(result.sent, 0)
      assert.equal((await t.row(m.id)).status, 'held')
      await assert.rejects(t.outbox.sendAgain(m.id, actor), /No mail server is configured \(SMTP_URL\)/)
    } finally {
      await t.close()
    }
  })

  it('refuses a message without a proper address, reason or template, and stores nothing', async () => {
    const t = await setUp({ smtp: false })
    try {
      const queue = (o: Partial<Parameters<typeof t.outbox.queue>[1]>) =>
        t.db.transaction((tx) =>
          t.outbox.queue(tx, {
            to: 'sam@example.org',
            template: 'platform/test-message',
            data: { name: 'Sam', requestedAt: 'today' },
            reason: 'You are getting this because of a test.',
            actor,
            ...o,
          }),
        )
      await assert.rejects(queue({ to: 'sam at example.org' }), (err: unknown) => {
        assert.ok(err instanceof ValidationError)
        assert.equal(err.fields.to, 'Enter an email address in the correct format, like name@example.org (found "sam at example.org")')
        return true
      })
      await assert.rejects(
        queue({ reason: '  ' }),
        /An email needs a reason, the sentence in its footer that says why the person gets it \(template "platform\/test-message"\)/,
      )
      await assert.rejects(
        queue({ template: 'platform/no-such-message' }),
        /The email template "platform\/no-such-message" has no file src\/platform\/email\/no-such-message\.subject\.njk/,
      )
      await assert.rejects(queue({ template: '../../etc/passwd' }), /"\.\.\/\.\.\/etc\/passwd" is not an email template name/)
      // A variable the data lacks is an error, never "undefined" in a message.
      await assert.rejects(
        queue({ data: { name: 'Sam' } }),
        (err: Error) =>
          err.message ===
          'The email template "platform/test-message" could not be made: it prints a value its data does not have ({{ requestedAt }}) at src/platform/email/test-message.txt.njk line 5',
      )
      assert.deepEqual(await t.outbox.list(), [])
    } finally {
      await t.close()
    }
  })

  it('sends again a failed message on request, with a fresh set of attempts, and records who asked', async () => {
    let refuse = true
    const t = await setUp({ smtp: { refuse: () => (refuse ? { code: 554, message: '5.7.1 Relay access denied' } : undefined) } })
    try {
      const m = await t.queue('sam@example.org')
      await t.jobs.tick()
      assert.equal((await t.row(m.id)).status, 'failed')
      refuse = false
      const again = await t.outbox.sendAgain(m.id, { id: null, name: 'Ada Admin' })
      assert.equal(again.status, 'queued')
      assert.equal(again.attempts, 0)
      await t.jobs.tick()
      const row = await t.row(m.id)
      assert.equal(row.status, 'sent')
      assert.equal(t.server.received.length, 1)
      const [audit] = await t.db.query(`SELECT user_name, summary FROM audit_log WHERE entity = 'email' AND entity_id = $1`, [String(m.id)])
      assert.deepEqual(audit, { user_name: 'Ada Admin', summary: `Email "Test message from Safer" to sam@example.org sent again` })
      await assert.rejects(t.outbox.sendAgain(m.id, actor), /Only a message that failed can be sent again; this one is sent/)
    } finally {
      await t.close()
    }
  })

  it('after a restart, sends a message whose sender stopped part way (its claim ran out)', async () => {
    const clock = manualClock('2026-12-02T10:00:00Z')
    const t = await setUp({ clock: clock.now })
    try {
      const m = await t.queue('sam@example.org')
      // A sender claimed it at 09:40 and its process died: the claim ran out at 09:55, and its job is gone.
      await t.db.query(`UPDATE outbox SET status = 'sending', attempts = 1, next_attempt_at = '2026-12-02T09:55:00Z' WHERE id = $1`, [m.id])
      await t.db.query(`DELETE FROM jobs`)
      const jobs = jobService(t.db, { clock: clock.now })
      const restarted = outboxService(t.db, { jobs, smtpUrl: t.server.url, mailFrom: FROM, serviceName: 'Safer', clock: clock.now })
      jobs.define(restarted.job)
      await restarted.resume()
      await jobs.tick()
      const row = await t.row(m.id)
      assert.equal(row.status, 'sent')
      assert.equal(row.attempts, 2)
      assert.equal(t.server.received.length, 1)
    } finally {
      await t.close()
    }
  })

  it('delivers each message exactly once when several app processes send at the same moment', async () => {
    // On a PostgreSQL server each "process" has its own connection pool; on PGlite they share the one database.
    const serverUrl = process.env.SAFER_TEST_DATABASE_URL
    const created = serverUrl ? await createServerDatabase(serverUrl, 'safer_outbox') : undefined
    const pools: Db[] = []
    const server = await testSmtpServer({ delayMs: 15 })
    const shared = created ? undefined : await testDb()
    try {
      if (created) {
        for (let i = 0; i < 4; i++) pools.push(await openPostgres(created.url, 3))
        await migrate(pools[0])
      }
      const processes = Array.from({ length: 4 }, (_, i) => {
        const jobs = jobService(pools[i] ?? shared!, { pid: 200000 + i })
        const outbox = outboxService(pools[i] ?? shared!, { jobs, smtpUrl: server.url, mailFrom: FROM, serviceName: 'Safer' })
        jobs.define(outbox.job)
        return { jobs, outbox, db: pools[i] ?? shared! }
      })
      // Twelve messages, each queued by its own change (so twelve runs of the job, spread over the four processes).
      const queued: OutboxMessage[] = []
      for (let i = 0; i < 12; i++) {
        const p = processes[i % 4]
        queued.push(
          await p.db.transaction((tx) =>
            p.outbox.queue(tx, {
              to: `person${i}@example.org`,
              template: 'platform/test-message',
              data: { name: `Person ${i}`, requestedAt: 'today' },
              reason: 'You are getting this because of a test.',
              actor,
            }),
          ),
        )
      }
      await Promise.all([...processes.map((p) => p.jobs.tick()), ...processes.map((p) => p.outbox.sendDue())])
      const to = server.received.map((r) => r.to[0]).sort()
      assert.deepEqual(to, Array.from({ length: 12 }, (_, i) => `person${i}@example.org`).sort(), 'each message arrived once')
      assert.equal(server.offered, 12)
      const rows = await processes[0].outbox.list()
      assert.ok(
        rows.every((r) => r.status === 'sent' && r.attempts === 1),
        JSON.stringify(rows.map((r) => [r.status, r.attempts])),
      )
    } finally {
      for (const p of pools) await p.close()
      await created?.drop()
      await shared?.close()
      await server.close()
    }
  })
})

describe('email templates', () => {
  it('wrap the body in the layout, with the reason and the service name in both parts; HTML escaped, text not', () => {
    const r = renderEmail(
      'platform/test-message',
      { name: 'Tom & <Jerry>', requestedAt: '1 May' },
      { reason: 'You are getting this because "Tom & Jerry" asked.', serviceName: 'Safer Surrey' },
    )
    assert.equal(r.subject, 'Test message from Safer Surrey')
    assert.equal(
      r.text,
      [
        'Hello Tom & <Jerry>,',
        '',
        'This is a test message from Safer Surrey. It shows that Safer Surrey can send email to this address.',
        '',
        'You asked for it on 1 May. You do not need to do anything.',
        '',
        '----',
        'You are getting this because "Tom & Jerry" asked.',
        '',
        'Safer Surrey',
        '',
      ].join('\n'),
    )
    assert.ok(r.html.includes('<p style="margin: 0 0 15px;">Hello Tom &amp; &lt;Jerry&gt;,</p>'))
    assert.ok(r.html.includes('You are getting this because &quot;Tom &amp; Jerry&quot; asked.'))
    assert.ok(r.html.includes('<title>Test message from Safer Surrey</title>'))
    assert.ok(r.html.startsWith('<!DOCTYPE html>\n<html lang="en">'))
  })
})

describe('mail settings', () => {
  it('accept an smtp:// or smtps:// server with a sender, and refuse mistakes with a plain message that hides the password', () => {
    const ok = loadConfig({ SMTP_URL: 'smtps://safer:s3cret@mail.example.org:465', MAIL_FROM: 'Safer <safer@example.org>' })
    assert.equal(ok.smtpUrl, 'smtps://safer:s3cret@mail.example.org:465')
    assert.equal(ok.mailFrom, 'Safer <safer@example.org>')
    assert.equal(loadConfig({}).smtpUrl, undefined)
    assert.throws(
      () => loadConfig({ SMTP_URL: 'http://safer:s3cret@mail.example.org', MAIL_FROM: 'safer@example.org' }),
      (err: Error) =>
        err.message ===
        'SMTP_URL must be a mail server address like smtp://user:password@mail.example.org:587 or smtps://user:password@mail.example.org:465 (found "http://***@mail.example.org")',
    )
    assert.throws(
      () => loadConfig({ SMTP_URL: 'safer:s3cret@mail.example.org', MAIL_FROM: 'safer@example.org' }),
      (err: Error) => !err.message.includes('s3cret') && /^SMTP_URL must be/.test(err.message),
    )
    assert.throws(() => loadConfig({ SMTP_URL: 'smtp://mail.example.org:587' }), /^Error: MAIL_FROM must be set when SMTP_URL is/)
    assert.throws(
      () => loadConfig({ MAIL_FROM: 'Safer' }),
      /^Error: MAIL_FROM must be an email address, with a name if you like, e.g. safer@council.gov.uk or "Safer <safer@council.gov.uk>" \(found "Safer"\)$/,
    )
  })

  it('read a refusal as permanent (5xx but 503) or temporary (4xx, or no answer)', () => {
    assert.deepEqual(serverAnswer({ responseCode: 550, response: '550 5.1.1 No such user' }), {
      answer: '550 5.1.1 No such user',
      permanent: true,
    })
    assert.deepEqual(serverAnswer({ responseCode: 503, response: '503 Bad sequence' }), { answer: '503 Bad sequence', permanent: false })
    assert.deepEqual(serverAnswer({ responseCode: 452, response: '452 Mailbox full' }), { answer: '452 Mailbox full', permanent: false })
    assert.deepEqual(serverAnswer({ code: 'ETIMEDOUT', message: 'Connection timeout' }), {
      answer: 'Could not reach the mail server: Connection timeout',
      permanent: false,
    })
  })
})
