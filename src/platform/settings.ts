/** Site-wide settings kept in the database (app_settings: key -> text), shared by every app server on one database. */
import type { Queryable } from './db/index.ts'
import { maybeOne } from './db/index.ts'

export async function getSetting(q: Queryable, key: string): Promise<string | undefined> {
  return (await maybeOne<{ value: string }>(q, 'SELECT value FROM app_settings WHERE key = $1', [key]))?.value
}

export async function setSetting(q: Queryable, key: string, value: string) {
  await q.query('INSERT INTO app_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [
    key,
    value,
  ])
}

/** The stored value, or `make()` stored now; when two servers race, both get the one that was stored first. */
export async function settingOrStore(q: Queryable, key: string, make: () => string): Promise<string> {
  const found = await getSetting(q, key)
  if (found !== undefined) return found
  await q.query('INSERT INTO app_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, make()])
  return (await getSetting(q, key))!
}
