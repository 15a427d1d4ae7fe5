/**
 * Browser tests: the real app on a real port, driven by Debian's Chromium through playwright-core,
 * with axe-core checking each page visited. A missing browser is a failure, never a skip.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import { before, after } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { loadConfig } from '../../src/config.ts'
import { startServer } from '../../src/server.ts'
import { HEADLESS_CHROMIUM_ARGS } from '../../src/platform/pdf.ts'
import { testDb, testDataDir } from '../helpers.ts'
import { loadDemo } from '../../src/demo/load.ts'
import { loadDemoOpenData } from '../../src/demo/opendata.ts'

const require = createRequire(import.meta.url)
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`Chromium is not installed at ${chromiumPath}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).`)
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: HEADLESS_CHROMIUM_ARGS,
  })
}

export async function startTestServer() {
  const db = await testDb()
  const data = testDataDir()
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', logLevel: 'silent', demo: false, dataDir: data.dir })
  const server = await startServer(config, { db })
  return {
    ...server,
    url: server.address,
    close: async () => {
      await server.close()
      data.remove()
    },
  }
}

/** axe's violations on the page, for these tags: each rule's id, impact, help and its first three elements. */
export async function axeViolations(page: Page, tags: string[]) {
  await page.evaluate(axeSource)
  return page.evaluate(async (values) => {
    const axe = (window as unknown as { axe: typeof import('axe-core') }).axe
    const r = await axe.run(document, { runOnly: { type: 'tag', values } })
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }))
  }, tags)
}

/** Run axe on the page; fail on any serious or critical violation, naming each. */
export async function expectAccessible(page: Page, label = page.url()) {
  const result = await axeViolations(page, ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(serious, [], `axe found serious or critical problems on ${label}:\n${JSON.stringify(serious, null, 2)}`)
}

/** Fail when the page is wider than its window: it scrolls sideways (WCAG 2.2 reflow, 1.4.10). */
export async function expectNoSidewaysScroll(page: Page, label = page.url()) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }))
  assert.ok(scrollWidth <= clientWidth, `${label} scrolls sideways: the page is ${scrollWidth} px wide in a ${clientWidth} px window`)
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/sign-in`)
  await expectAccessible(page, 'sign-in')
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForLoadState('load')
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>

/**
 * One server (optionally with the demo loaded) and one browser for a test file: started before its tests,
 * closed after them. Read them from the returned object inside tests.
 */
export function browserSuite(opts: { demo?: boolean; openData?: boolean; setUp?: (server: TestServer) => Promise<void> } = {}) {
  const suite = {} as { browser: Browser; server: TestServer }
  before(async () => {
    suite.server = await startTestServer()
    if (opts.demo) await loadDemo(suite.server.services)
    // The demo's geography and the seeds' forces (West Mercia, Hampshire), as `safer demo` loads them.
    if (opts.openData) await loadDemoOpenData(suite.server.services, { police: /west-mercia|hampshire/ })
    if (opts.setUp) await opts.setUp(suite.server)
    suite.browser = await launchBrowser()
  })
  after(async () => {
    await suite.browser?.close()
    await suite.server?.close()
  })
  return suite
}
