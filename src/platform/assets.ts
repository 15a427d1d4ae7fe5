/** Build public/ (the compiled stylesheet) if `npm install` did not. */
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { srcDir } from './views.ts'

export function ensureAssets() {
  const root = path.resolve(srcDir, '..')
  const css = path.join(root, 'public/safer.css')
  const assets = path.join(root, 'src/platform/assets')
  // Rebuilt when missing, or when a source is newer (after a pull), so a stale stylesheet is never served.
  if (fs.existsSync(css)) {
    const built = fs.statSync(css).mtimeMs
    if (fs.readdirSync(assets).every((f) => fs.statSync(path.join(assets, f)).mtimeMs <= built)) return
  }
  execFileSync(process.execPath, [path.join(root, 'scripts/build-assets.mjs')], { stdio: 'inherit' })
}
