/**
 * How the platform's own records read in the History view and the audit log (accounts, API tokens, email, imports).
 * See auditWordsRegistry in audit.ts; each capability describes its own records in its history.ts.
 */
import type { AuditWords } from './audit.ts'
import type { AuthService } from './auth/service.ts'

export function describePlatformHistory(words: AuditWords, auth: Pick<AuthService, 'usersByIds'>) {
  words.describe('user', {
    label: 'account',
    fields: {
      email: { label: 'Email address' },
      organisation_id: { label: 'Organisation', ref: 'organisation' },
      site_admin: { label: 'Site administrator' },
      disabled: { label: 'Disabled' },
      last_sign_in_at: { hidden: true },
    },
    names: async (ids) => {
      const users = await auth.usersByIds(ids.filter((i) => /^\d{1,9}$/.test(i)).map(Number))
      return new Map([...users].map(([id, u]) => [String(id), u.name]))
    },
  })
  words.describe('api_token', {
    label: 'API token',
    fields: { user_id: { label: 'Account', ref: 'user' }, last_used_at: { hidden: true }, revoked_at: { label: 'Revoked' } },
  })
  words.describe('email', { label: 'email', rowName: (r) => (typeof r.subject === 'string' ? r.subject : null) })
  words.describe('data import', { label: 'data import', rowName: () => null })
}
