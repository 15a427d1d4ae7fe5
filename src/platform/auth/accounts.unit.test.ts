import { test } from 'node:test'
import assert from 'node:assert/strict'
import { emailProblem, isCommonPassword, passwordProblem } from './passwords.ts'
import { safeReturnTo } from './return-to.ts'
import { expiryProblem } from './service.ts'
import { DEMO_LOGINS } from '../../demo/logins.ts'

test('passwords: 12 characters or more, no composition rules (three random words work)', () => {
  assert.match(passwordProblem('elevenchars')!, /Password must be 12 characters or more/)
  assert.equal(passwordProblem('kettle window marble'), undefined)
  assert.equal(passwordProblem('twelve chars'), undefined, 'lower case letters and a space only: no rule about kinds of character')
  assert.equal(passwordProblem(DEMO_LOGINS.password), undefined, 'the demo logins keep working')
  assert.match(passwordProblem('')!, /Enter a password/)
  assert.match(passwordProblem('x'.repeat(201))!, /200 characters or fewer/)
})

test('passwords: refused when on the common and breached list of @zxcvbn-ts/language-common, whatever the case or spacing', () => {
  // Known entries of the list (it is the RockYou and similar breach lists): checked in the package's own file.
  for (const common of ['passwordpassword', '123456789012', 'qwerty123456', 'PasswordPassword', 'password password', 'Qwerty-123456']) {
    assert.ok(isCommonPassword(common), common)
    assert.match(passwordProblem(common)!, /on a list of common passwords/, common)
  }
  assert.equal(isCommonPassword('kettle window marble'), false)
})

test('passwords: not the account’s own email address', () => {
  assert.match(passwordProblem('jo.bloggs@council.gov.uk', { email: 'Jo.Bloggs@council.gov.uk' })!, /must not be your email address/)
})

test('email addresses are checked as addresses (@hapi/address)', () => {
  for (const good of ['jo@council.gov.uk', "o'brien+safer@police.uk", 'a.b@sub.example.org'])
    assert.equal(emailProblem(good), undefined, good)
  for (const bad of [
    'jo@council',
    'jo bloggs@council.gov.uk',
    'jo..b@council.gov.uk',
    'jo@',
    '@council.gov.uk',
    'jo@council.gov.uk\nBcc: x@evil.example',
  ])
    assert.match(emailProblem(bad)!, /Enter an email address in the correct format, like name@example.org/, JSON.stringify(bad))
  assert.match(emailProblem('  ')!, /Enter an email address/)
})

test('security 3: returnTo accepts only plain relative paths within the service', () => {
  for (const ok of ['/account', '/partnerships/hampshire/agreement?round=2', '/areas/E06000045#map', '/a%2Fb'])
    assert.equal(safeReturnTo(ok), ok, ok)
  const refused = [
    '/\t/evil.example/x',
    '/\n/evil.example/x',
    '/x\r\nSet-Cookie: a=b',
    '//evil.example/x',
    '/\\evil.example/x',
    '/x\\y',
    '/ /evil.example',
    '/\u0000x',
    '/\u007fx',
    '/caf\u00e9',
    'https://evil.example/x',
    'javascript:alert(1)',
    'account',
    '',
    '/' + 'a'.repeat(2001),
  ]
  for (const bad of refused) assert.equal(safeReturnTo(bad), '/partnerships', JSON.stringify(bad))
  assert.equal(safeReturnTo(['/account']), '/partnerships', 'an array (a repeated field) is refused')
  assert.equal(safeReturnTo(undefined), '/partnerships')
})

test('an API token’s expiry date is today or later (London), within 5 years, and a real date', () => {
  const now = new Date('2026-12-02T12:00:00Z')
  assert.equal(expiryProblem('2026-12-02', now), undefined, 'today')
  assert.equal(expiryProblem('2027-03-31', now), undefined)
  assert.match(expiryProblem('2026-12-01', now)!, /today or in the future/)
  assert.match(expiryProblem('2026-02-30', now)!, /real date/)
  assert.match(expiryProblem('2032-01-01', now)!, /within 5 years/)
})
