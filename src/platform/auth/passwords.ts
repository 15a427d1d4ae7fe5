/** Password hashing with scrypt from node:crypto (no native build). Format: scrypt$N$r$p$salt$hash (base64). */
import crypto from 'node:crypto'
import { promisify } from 'node:util'

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

/** The rule every new password must meet, in the words shown to the user. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 10) return 'Password must be 10 characters or more'
  if (password.length > 200) return 'Password must be 200 characters or fewer'
  return undefined
}

export function sha256(s: string) {
  return crypto.createHash('sha256').update(s).digest('hex')
}

export function randomToken(bytes = 32) {
  return crypto.randomBytes(bytes).toString('base64url')
}
