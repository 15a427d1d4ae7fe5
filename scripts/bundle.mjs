// The `safer` command runs src/ as one JavaScript bundle (dist/safer.mjs) made by esbuild, rather than
// transpiling each TypeScript file through tsx at every start: that takes a second off start-up.
// The bundle is rebuilt (≈0.2 s) whenever a source file is newer than it, so it is never stale.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const out = path.join(root, 'dist', 'safer.mjs')

function newestSource(dir = src) {
  let newest = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p))
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs)
  }
  return newest
}

export async function buildBundle() {
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: [path.join(src, 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'error',
  })
  fs.mkdirSync(path.dirname(out), { recursive: true })
  // Written aside and renamed, so a second process starting at the same moment never reads half a file.
  const tmp = `${out}.${process.pid}.tmp`
  fs.writeFileSync(tmp, result.outputFiles[0].contents)
  fs.renameSync(tmp, out)
}

/** The bundle's URL, rebuilt first if any source file is newer. */
export async function ensureBundle() {
  const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0
  if (newestSource() > built) await buildBundle()
  return pathToFileURL(out).href
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBundle()
  console.log(`Built ${path.relative(root, out)}`)
}
