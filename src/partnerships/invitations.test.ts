/**
 * Invitations by email (issue 8), and the rule that a partnership always keeps at least one administrator.
 * Emails are read from the outbox (no mail server: held there).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import {
  testApp,
  clientAs,
  Client,
  makeUser,
  makePartnership,
  errorSummary,
  text,
  emailsTo as emailsIn,
  linkIn as anyLinkIn,
  PASSWORD,
  TEST_BASE_URL,
  type TestApp,
} from '../../test/helpers.ts'
import { systemActor } from '../platform/audit.ts'

let t: TestApp
before(async () => {
  t = await testApp({ baseUrl: TEST_BASE_URL })
})
after(async () => {
  await t.close()
})

const address = () => `invitee-${crypto.randomUUID()}@example.test`
const emailsTo = (email: string) => emailsIn(t, email)
const linkIn = (body: string) => anyLinkIn(body, '/invitations/')
async function invite(admin: Client, slug: string, email: string, role = 'editor') {
  const res = await admin.post(`/partnerships/${slug}/invitations`, { inviteEmail: email, inviteRole: role })
  assert.equal(res.status, 303, errorSummary(res.body))
  const [message] = await emailsTo(email)
  return { message, path: linkIn(message.text_body) }
}

test('a partnership admin invites someone new by email; accepting creates the account with the role and signs them in', async () => {
  const p = await makePartnership(t.services, { name: 'Invite Shire CSP' })
  const admin = await clientAs(t, 'admin', p.id)
  const email = address()
  const { message, path } = await invite(admin, p.slug, email, 'contributor')
  assert.match(message.subject, /invited you to join Invite Shire CSP/)
  assert.match(message.text_body, /as contributor \(partner lead\)/)
  assert.match(message.text_body, /works for 7 days, once/)
  assert.match(message.reason, /invited .* to join it/)
  // Stored as a hash only, with a 7-day expiry.
  const token = path.split('/').pop()!
  const [row] = await t.db.query<{ token_hash: string; expires_at: Date; created_at: Date; status: string }>(
    `SELECT token_hash, expires_at, created_at, status FROM invitations WHERE email = $1`,
    [email],
  )
  assert.equal(row.token_hash, crypto.createHash('sha256').update(token).digest('hex'))
  assert.equal(Math.round((new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()) / 3_600_000), 7 * 24)
  // The admin sees it waiting.
  const people = await admin.get(`/partnerships/${p.slug}/people`)
  assert.match(text(people.body), new RegExp(`Invitations waiting \\(1\\).*${email}.*Contributor`))

  const c = new Client(t)
  const form = await c.get(path)
  assert.equal(form.status, 200)
  assert.equal(form.headers['cache-control'], 'no-store')
  assert.match(text(form.body), /You have been invited to join Invite Shire CSP as contributor/)
  const weak = await c.post(path, { name: 'Nia New', password: 'password1234' })
  assert.equal(weak.status, 400)
  assert.match(errorSummary(weak.body), /on a list of common passwords/)
  const noName = await c.post(path, { name: ' ', password: 'lantern pebble orchard' })
  assert.match(errorSummary(noName.body), /Enter your full name/)
  const ok = await c.post(path, { name: 'Nia New', password: 'lantern pebble orchard' })
  assert.equal(ok.status, 303)
  assert.equal(ok.headers.location, `/partnerships/${p.slug}`)
  const account = await c.get('/account')
  assert.equal(account.status, 200, 'signed in')
  assert.match(text(account.body), /Nia New/)
  const user = (await t.services.auth.findUserByEmail(email))!
  assert.equal(await t.services.partnerships.roleIn(user.id, p.id), 'contributor')
  await new Client(t).signIn(email, 'lantern pebble orchard')
  // Used once.
  const again = await new Client(t).get(path)
  assert.equal(again.status, 404)
  assert.match(text(again.body), /This invitation link has expired or has already been used/)
  assert.doesNotMatch(text((await admin.get(`/partnerships/${p.slug}/people`)).body), /Invitations waiting/)
})

test('an invitation to an address that has an account gives it the role once its password is given', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  const existing = await makeUser(t.services, { name: 'Erin Existing' })
  const { message, path } = await invite(admin, p.slug, existing.email, 'viewer')
  assert.match(message.text_body, /You already have an account/)
  const c = new Client(t)
  assert.match(text((await c.get(path)).body), /You already have an account. Enter its password to accept/)
  const wrong = await c.post(path, { password: 'not the password at all' })
  assert.equal(wrong.status, 400)
  assert.match(errorSummary(wrong.body), /The password is not right/)
  assert.equal(await t.services.partnerships.roleIn(existing.id, p.id), undefined)
  const ok = await c.post(path, { password: PASSWORD })
  assert.equal(ok.status, 303)
  assert.equal(await t.services.partnerships.roleIn(existing.id, p.id), 'viewer')
  assert.equal((await c.get('/account')).status, 200)
})

test('resending gives a new link and the old one stops working; withdrawing stops the link; an expired link is refused', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  const email = address()
  const first = await invite(admin, p.slug, email)
  const [inv] = await t.services.partnerships.invitations(p.id)
  const resent = await admin.post(`/partnerships/${p.slug}/invitations/${inv.id}/resend`)
  assert.equal(resent.status, 303)
  const messages = await emailsTo(email)
  assert.equal(messages.length, 2)
  const second = linkIn(messages[0].text_body)
  assert.notEqual(second, first.path)
  assert.equal((await new Client(t).get(first.path)).status, 404, 'the old link is void')
  assert.equal((await new Client(t).post(first.path, { name: 'X', password: 'lantern pebble orchard' })).status, 404)
  assert.equal((await new Client(t).get(second)).status, 200)
  assert.match(text((await admin.get(`/partnerships/${p.slug}/people`)).body), /2 times/)
  // Withdrawn.
  const withdrawn = await admin.post(`/partnerships/${p.slug}/invitations/${inv.id}/withdraw`)
  assert.equal(withdrawn.status, 303)
  assert.equal((await new Client(t).get(second)).status, 404)
  assert.equal(await t.services.auth.findUserByEmail(email), undefined)
  // Expired after 7 days.
  const other = address()
  const late = await invite(admin, p.slug, other)
  await t.db.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = $1`, [other])
  assert.equal((await new Client(t).get(late.path)).status, 404)
  assert.equal((await new Client(t).post(late.path, { name: 'Late', password: 'lantern pebble orchard' })).status, 404)
  assert.match(text((await admin.get(`/partnerships/${p.slug}/people`)).body), /Expired/)
  // Another partnership's admin cannot resend or withdraw it.
  const elsewhere = await makePartnership(t.services)
  const otherAdmin = await clientAs(t, 'admin', elsewhere.id)
  const [lateInv] = await t.services.partnerships.invitations(p.id)
  assert.equal((await otherAdmin.post(`/partnerships/${elsewhere.slug}/invitations/${lateInv.id}/withdraw`)).status, 404)
})

test('invitations check the address and the role, and refuse a second one while one is waiting or a member already', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  const bad = await admin.post(`/partnerships/${p.slug}/invitations`, { inviteEmail: 'someone@council', inviteRole: 'viewer' })
  assert.equal(bad.status, 400)
  assert.match(errorSummary(bad.body), /Enter an email address in the correct format, like name@example.org/)
  assert.match(bad.body, /href="#inviteEmail"/)
  const noRole = await admin.post(`/partnerships/${p.slug}/invitations`, { inviteEmail: address(), inviteRole: 'king' })
  assert.match(errorSummary(noRole.body), /Select the role they will have/)
  const email = address()
  await invite(admin, p.slug, email)
  const twice = await admin.post(`/partnerships/${p.slug}/invitations`, { inviteEmail: email.toUpperCase(), inviteRole: 'viewer' })
  assert.equal(twice.status, 400)
  assert.match(errorSummary(twice.body), /has already been invited/)
  const member = await makeUser(t.services, { role: 'viewer', partnershipId: p.id })
  const already = await admin.post(`/partnerships/${p.slug}/invitations`, { inviteEmail: member.email, inviteRole: 'editor' })
  assert.match(errorSummary(already.body), /is already in this partnership/)
  assert.equal((await emailsTo(member.email)).length, 0)
})

test('a partnership keeps at least one admin who can sign in: removing or downgrading the last one is refused, through the page or grantRole', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  const remove = await admin.post(`/partnerships/${p.slug}/people/${admin.user.id}/remove`)
  assert.equal(remove.status, 400)
  assert.match(errorSummary(remove.body), /A partnership must keep at least one administrator/)
  const downgrade = await admin.post(`/partnerships/${p.slug}/people`, { email: admin.user.email, role: 'editor' })
  assert.equal(downgrade.status, 400)
  assert.match(errorSummary(downgrade.body), /A partnership must keep at least one administrator/)
  await assert.rejects(
    t.services.partnerships.grantRole(admin.user.id, p.id, 'viewer', systemActor),
    /A partnership must keep at least one administrator/,
  )
  assert.equal(await t.services.partnerships.roleIn(admin.user.id, p.id), 'admin')
  // A second admin whose account is disabled does not count: nobody could sign in to run the partnership.
  const second = await makeUser(t.services, { role: 'admin', partnershipId: p.id })
  await t.services.auth.setDisabled(second.id, true, systemActor)
  const whileDisabled = await admin.post(`/partnerships/${p.slug}/people`, { email: admin.user.email, role: 'editor' })
  assert.equal(whileDisabled.status, 400)
  assert.match(errorSummary(whileDisabled.body), /A partnership must keep at least one administrator/)
  // With a second admin who can sign in, either may step down; then the other is the last.
  await t.services.auth.setDisabled(second.id, false, systemActor)
  const ok = await admin.post(`/partnerships/${p.slug}/people`, { email: admin.user.email, role: 'editor' })
  assert.equal(ok.status, 303)
  await assert.rejects(t.services.partnerships.grantRole(second.id, p.id, 'editor', systemActor), /at least one administrator/)
  assert.equal(await t.services.partnerships.roleIn(second.id, p.id), 'admin')
})

test('accepting an invitation cannot take away the last admin either (an admin invited as viewer keeps admin)', async () => {
  const p = await makePartnership(t.services)
  const admin = await clientAs(t, 'admin', p.id)
  // Invited before becoming a member (the only way a member gets an invitation), then made the only admin.
  const invitee = await makeUser(t.services)
  const { path } = await invite(admin, p.slug, invitee.email, 'viewer')
  await t.services.partnerships.grantRole(invitee.id, p.id, 'admin', systemActor)
  await t.services.partnerships.removePerson(p, admin.user.id, systemActor)
  const res = await new Client(t).post(path, { password: PASSWORD })
  assert.equal(res.status, 400)
  assert.match(errorSummary(res.body), /at least one administrator/)
  assert.equal(await t.services.partnerships.roleIn(invitee.id, p.id), 'admin')
})
