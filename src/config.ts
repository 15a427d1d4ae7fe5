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
  /** Failed sign-ins allowed per account (email address) per window, from any address. */
  signInAttemptsPerAccount: number
  /**
   * The address people reach Safer at (SAFER_BASE_URL), e.g. https://safer.council.gov.uk: the start of every link in
   * an email (invitations, password resets). Never taken from a request, whose Host header anyone can set.
   */
  baseUrl: string
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
  /**
   * Pages and API answers that take real work (an area's crime page, crime counts, a PDF) each address may ask for,
   * per minute, when not signed in (SAFER_HEAVY_REQUESTS_PER_MINUTE; 0 turns the limit off). docs/security.md, point 11.
   */
  heavyRequestsPerMinute: number
  /**
   * The mail server that sends Safer's email (SMTP_URL): smtp://user:password@mail.example.org:587 (STARTTLS when the
   * server offers it) or smtps://user:password@mail.example.org:465 (TLS from the start). When absent, messages are
   * held in the outbox, where a site administrator can read them (Administration > Outbox).
   */
  smtpUrl?: string
  /** Who Safer's email comes from (MAIL_FROM), e.g. "Safer <safer@council.gov.uk>". Needed with SMTP_URL. */
  mailFrom?: string
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
    signInAttemptsPerAccount: Number(env.SAFER_SIGN_IN_ATTEMPTS_PER_ACCOUNT || 10),
    baseUrl: env.SAFER_BASE_URL || `http://localhost:${Number(env.PORT || 3000)}`,
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
    heavyRequestsPerMinute: Number(env.SAFER_HEAVY_REQUESTS_PER_MINUTE ?? 30),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || undefined,
    ...overrides,
  }
  // Links are made as baseUrl + '/path': without a trailing slash, however it was given.
  config.baseUrl = config.baseUrl.replace(/\/+$/, '')
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new Error(`PORT must be a whole number between 0 and 65535 (found "${env.PORT}")`)
  }
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB)$/i.test(config.duckdbMemory))
    throw new Error(`SAFER_DUCKDB_MEMORY must be a size like 1GB or 512MB (found "${config.duckdbMemory}")`)
  if (!Number.isInteger(config.duckdbThreads) || config.duckdbThreads < 1)
    throw new Error(`SAFER_DUCKDB_THREADS must be a whole number of 1 or more (found "${env.SAFER_DUCKDB_THREADS}")`)
  const positive: [keyof Config, string, string][] = [
    ['uploadLimitMb', 'SAFER_UPLOAD_LIMIT_MB', 'a number of megabytes'],
    ['uploadTotalLimitMb', 'SAFER_UPLOAD_TOTAL_LIMIT_MB', 'a number of megabytes'],
    ['zipMaxEntryMb', 'SAFER_ZIP_MAX_ENTRY_MB', 'a number of megabytes'],
    ['zipMaxRatio', 'SAFER_ZIP_MAX_RATIO', 'a number, like 100 for 100 to 1'],
  ]
  for (const [key, name, what] of positive) {
    const v = config[key] as number
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be ${what} (found "${env[name]}")`)
  }
  for (const [key, name] of [
    ['uploadMaxFiles', 'SAFER_UPLOAD_MAX_FILES'],
    ['zipMaxEntries', 'SAFER_ZIP_MAX_ENTRIES'],
  ] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1)
      throw new Error(`${name} must be a whole number of 1 or more (found "${env[name]}")`)
  }
  if (!Number.isFinite(config.diskMarginMb) || config.diskMarginMb < 0)
    throw new Error(`SAFER_DISK_MARGIN_MB must be a number of megabytes, 0 or more (found "${env.SAFER_DISK_MARGIN_MB}")`)
  if (!Number.isInteger(config.heavyRequestsPerMinute) || config.heavyRequestsPerMinute < 0)
    throw new Error(`SAFER_HEAVY_REQUESTS_PER_MINUTE must be a whole number of 0 or more (found "${env.SAFER_HEAVY_REQUESTS_PER_MINUTE}")`)
  if (!Number.isFinite(config.pdfIdleSeconds) || config.pdfIdleSeconds < 0)
    throw new Error(`SAFER_PDF_IDLE_SECONDS must be a number of seconds (found "${env.SAFER_PDF_IDLE_SECONDS}")`)
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(config.baseUrl))
    throw new Error(
      `SAFER_BASE_URL must be the address people reach Safer at, like https://safer.council.gov.uk (found "${config.baseUrl}")`,
    )
  checkMailSettings(config)
  return config
}

/** SMTP_URL and MAIL_FROM, checked at start-up so that a typing mistake is found now, not at the first email. */
function checkMailSettings(config: Config) {
  if (config.smtpUrl) {
    let url: URL | undefined
    try {
      url = new URL(config.smtpUrl)
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
      // The user name and password are never repeated in a message (it may end up in a log).
      const shown = config.smtpUrl.replace(/\/\/[^@/]*@/, '//***@').replace(/^[^/@]*@/, '***@')
      throw new Error(
        `SMTP_URL must be a mail server address like smtp://user:password@mail.example.org:587 or smtps://user:password@mail.example.org:465 (found "${shown}")`,
      )
    }
    if (!config.mailFrom)
      throw new Error(
        'MAIL_FROM must be set when SMTP_URL is: the address Safer\'s email comes from, e.g. MAIL_FROM="Safer <safer@council.gov.uk>"',
      )
  }
  if (config.mailFrom && !mailboxAddress(config.mailFrom)) {
    throw new Error(
      `MAIL_FROM must be an email address, with a name if you like, e.g. safer@council.gov.uk or "Safer <safer@council.gov.uk>" (found "${config.mailFrom}")`,
    )
  }
}

/** The address in "Name <address>" or a bare address, or undefined when it is not one. */
export function mailboxAddress(value: string): string | undefined {
  const m = /^\s*(?:"?([^"<>]*)"?\s*<([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>|([^\s<>@"]+@[^\s<>@]+\.[^\s<>@]+))\s*$/.exec(value)
  return m ? (m[2] ?? m[3]) : undefined
}
