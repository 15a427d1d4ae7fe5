/** Password hashing with scrypt from node:crypto (no native build). Format: scrypt$N$r$p$salt$hash (base64). */
import crypto from 'node:crypto'
import { promisify } from 'node:util'
import { dictionary } from '@zxcvbn-ts/language-common'
import { isEmailValid } from '@hapi/address'

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>
const N = 16384,
  r = 8,
  p = 1,
  LEN = 32

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16)
  const hash = await scrypt(password, salt, LEN, { N, r, p })
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, rr, pp, salt, hash] = stored.split('$')
  if (alg !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(rr), p: Number(pp) })
  return crypto.timingSafeEqual(actual, expected)
}

/** Fewest characters in a new password (NCSC: length, not composition rules; three random words are enough). */
export const MIN_PASSWORD_LENGTH = 12
export const MAX_PASSWORD_LENGTH = 200

let common: Set<string> | undefined
/**
 * The common and breached passwords from @zxcvbn-ts/language-common (about 49,000, lower case, most-used first; the
 * list zxcvbn-ts itself matches against). Loaded on first use.
 */
export function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'])
  return common
}

/**
 * Is this password on the list? It is compared in lower case, as typed and with spaces and punctuation taken out
 * ("Password Password" is "passwordpassword", which is on the list).
 */
export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase()
  return commonPasswords().has(lower) || commonPasswords().has(lower.replace(/[\s\p{P}\p{S}]+/gu, ''))
}

/**
 * The rule every new password must meet, in the words shown to the user: at least 12 characters, not on the list of
 * common and breached passwords, not the account's own email address. No rules about kinds of character.
 */
export function passwordProblem(password: string, opts: { email?: string } = {}): string | undefined {
  if (!password) return 'Enter a password'
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `Password must be ${MIN_PASSWORD_LENGTH} characters or more. Three random words together work well, like "kettle window marble"`
  if (password.length > MAX_PASSWORD_LENGTH) return `Password must be ${MAX_PASSWORD_LENGTH} characters or fewer`
  if (opts.email && password.trim().toLowerCase() === opts.email.trim().toLowerCase()) return 'Password must not be your email address'
  if (isCommonPassword(password))
    return 'This password is on a list of common passwords that attackers try first. Choose another: three random words together work well'
  return undefined
}

/** Whether an email address is an address (RFC 5321/5322, checked by @hapi/address), in the words shown to the user. */
export function emailProblem(email: string): string | undefined {
  if (!email.trim()) return 'Enter an email address'
  if (email.length > 254) return 'Email address must be 254 characters or fewer'
  if (!isEmailValid(email.trim())) return 'Enter an email address in the correct format, like name@example.org'
  return undefined
}

export function sha256(s: string) {
  return crypto.createHash('sha256').update(s).digest('hex')
}

export function randomToken(bytes = 32) {
  return crypto.randomBytes(bytes).toString('base64url')
}
