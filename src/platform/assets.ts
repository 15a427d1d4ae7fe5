/** Build public/ (the compiled stylesheet) if `npm install` did not. */
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { srcDir } from './views.ts'

export function ensureAssets() {
  const root = path.resolve(srcDir, '..')
  if (fs.existsSync(path.join(root, 'public/safer.css'))) return
  execFileSync(process.execPath, [path.join(root, 'scripts/build-assets.mjs')], { stdio: 'inherit' })
}
