import { chromium } from 'playwright-core'
const base = 'http://localhost:3100'
const pages = process.argv.slice(2)
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
for (const width of [1280, 320]) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } })
  const page = await ctx.newPage()
  if (process.env.LOGIN) {
    await page.goto(base + '/sign-in')
    await page.fill('#email', process.env.LOGIN)
    await page.fill('#password', process.env.PASSWORD ?? 'demo-password')
    await page.click('button[type=submit], .govuk-button')
  }
  for (const p of pages) {
    const res = await page.goto(base + p)
    const sw = await page.evaluate(() => document.documentElement.scrollWidth)
    const name = p.replace(/[^a-z0-9]+/gi, '_').slice(0, 80) + '_' + width + '.png'
    await page.screenshot({ path: '/tmp/shots/' + name, fullPage: true })
    console.log(res.status(), width, sw, p, name)
  }
  await ctx.close()
}
await browser.close()
