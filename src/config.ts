import path from 'node:path'

/** Every setting Safer reads, in one place. Values come from the environment. */
export interface Config {
  /** PostgreSQL server connection string. When absent, the embedded PGlite database is used. */
  databaseUrl?: string
  /** Folder for the embedded database and other local data. */
  dataDir: string
  port: number
  host: string
  /** Secret for signing CSRF tokens. When absent, one is generated and kept in the database. */
  secret?: string
  /** Set the Secure flag on cookies. Browsers accept Secure cookies on http://localhost. */
  secureCookies: boolean
  /** Demo mode shows the demo logins on the sign-in page. */
  demo: boolean
  logLevel: string
  /** Sign-in attempts allowed per IP address per window. */
  signInAttemptsPerWindow: number
  signInWindowMs: number
  sessionDays: number
  serviceName: string
  /** Believe X-Forwarded-For from a reverse proxy (only when Safer sits behind one, or rate limits can be dodged). */
  trustProxy: boolean
  /** Memory DuckDB (the crime store) may use before it spills to disk, e.g. '1GB'. */
  duckdbMemory: string
  duckdbThreads: number
  /** Largest single file any upload accepts, in megabytes (a capability may set a smaller limit of its own). */
  uploadLimitMb: number
  /** Largest upload, all its files together, in megabytes. */
  uploadTotalLimitMb: number
  /** Most files one upload may carry. */
  uploadMaxFiles: number
  /** Largest file an archive (zip) may unpack to, in megabytes, counted as it is unpacked. */
  zipMaxEntryMb: number
  /** Most entries (files and folders) an archive may hold. */
  zipMaxEntries: number
  /** An archive entry that unpacks to more than this many times its packed size is refused (a "zip bomb"). */
  zipMaxRatio: number
  /** Space to keep free on the disk: an import or upload that would leave less is refused before it starts, in megabytes. */
  diskMarginMb: number
  /** Chromium, which makes PDFs of print views (Debian's package `chromium`). Without it, print views still work. */
  chromiumPath: string
  /** Seconds the PDF browser is kept running after the last PDF, so the next one is quick. */
  pdfIdleSeconds: number
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config: Config = {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.SAFER_DATA_DIR || './data'),
    port: Number(env.PORT || 3000),
    host: env.HOST || '127.0.0.1',
    secret: env.SAFER_SECRET || undefined,
    secureCookies: env.SAFER_SECURE_COOKIES !== 'false',
    demo: env.SAFER_DEMO === 'true',
    logLevel: env.SAFER_LOG_LEVEL || 'warn',
    signInAttemptsPerWindow: Number(env.SAFER_SIGN_IN_ATTEMPTS || 10),
    signInWindowMs: Number(env.SAFER_SIGN_IN_WINDOW_MS || 15 * 60 * 1000),
    sessionDays: Number(env.SAFER_SESSION_DAYS || 7),
    serviceName: env.SAFER_SERVICE_NAME || 'Safer',
    trustProxy: env.SAFER_TRUST_PROXY === 'true',
    duckdbMemory: env.SAFER_DUCKDB_MEMORY || '1GB',
    duckdbThreads: Number(env.SAFER_DUCKDB_THREADS || 2),
    uploadLimitMb: Number(env.SAFER_UPLOAD_LIMIT_MB || 2048),
    uploadTotalLimitMb: Number(env.SAFER_UPLOAD_TOTAL_LIMIT_MB || 2048),
    uploadMaxFiles: Number(env.SAFER_UPLOAD_MAX_FILES || 2000),
    zipMaxEntryMb: Number(env.SAFER_ZIP_MAX_ENTRY_MB || 1024),
    zipMaxEntries: Number(env.SAFER_ZIP_MAX_ENTRIES || 100_000),
    zipMaxRatio: Number(env.SAFER_ZIP_MAX_RATIO || 100),
    diskMarginMb: Number(env.SAFER_DISK_MARGIN_MB || 1024),
    chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium',
    pdfIdleSeconds: Number(env.SAFER_PDF_IDLE_SECONDS || 120),
    ...overrides,
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new Error(`PORT must be a whole number between 0 and 65535 (found "${env.PORT}")`)
  }
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB)$/i.test(config.duckdbMemory)) throw new Error(`SAFER_DUCKDB_MEMORY must be a size like 1GB or 512MB (found "${config.duckdbMemory}")`)
  if (!Number.isInteger(config.duckdbThreads) || config.duckdbThreads < 1) throw new Error(`SAFER_DUCKDB_THREADS must be a whole number of 1 or more (found "${env.SAFER_DUCKDB_THREADS}")`)
  const positive: [keyof Config, string, string][] = [
    ['uploadLimitMb', 'SAFER_UPLOAD_LIMIT_MB', 'a number of megabytes'], ['uploadTotalLimitMb', 'SAFER_UPLOAD_TOTAL_LIMIT_MB', 'a number of megabytes'],
    ['zipMaxEntryMb', 'SAFER_ZIP_MAX_ENTRY_MB', 'a number of megabytes'], ['zipMaxRatio', 'SAFER_ZIP_MAX_RATIO', 'a number, like 100 for 100 to 1'],
  ]
  for (const [key, name, what] of positive) {
    const v = config[key] as number
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be ${what} (found "${env[name]}")`)
  }
  for (const [key, name] of [['uploadMaxFiles', 'SAFER_UPLOAD_MAX_FILES'], ['zipMaxEntries', 'SAFER_ZIP_MAX_ENTRIES']] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new Error(`${name} must be a whole number of 1 or more (found "${env[name]}")`)
  }
  if (!Number.isFinite(config.diskMarginMb) || config.diskMarginMb < 0) throw new Error(`SAFER_DISK_MARGIN_MB must be a number of megabytes, 0 or more (found "${env.SAFER_DISK_MARGIN_MB}")`)
  if (!Number.isFinite(config.pdfIdleSeconds) || config.pdfIdleSeconds < 0) throw new Error(`SAFER_PDF_IDLE_SECONDS must be a number of seconds (found "${env.SAFER_PDF_IDLE_SECONDS}")`)
  return config
}
