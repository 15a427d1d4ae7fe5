/**
 * Where to go after signing in (security 3). Only a plain path within the service: it starts with one "/", has no
 * "\" anywhere, and only printable ASCII (no spaces, tabs, newlines or other control characters, which browsers drop
 * or which break the redirect's header), and resolves to this site. Anything else goes to the default.
 */
export const DEFAULT_RETURN_TO = '/partnerships'

export function safeReturnTo(value: unknown, fallback = DEFAULT_RETURN_TO): string {
  if (typeof value !== 'string' || value.length > 2000) return fallback
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.includes('\\')) return fallback
  try {
    const base = 'https://safer.invalid'
    const url = new URL(value, base)
    if (url.origin !== base) return fallback
  } catch {
    return fallback
  }
  return value
}
