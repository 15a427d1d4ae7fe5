/**
 * Where Safer's own files are (views, migrations, demo content, public/). Found by walking up from this module
 * to the project's package.json, so it is the same whether the code runs from src/ through tsx (tests) or from
 * the bundle in dist/ (the `safer` command).
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(start: string) {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`Cannot find Safer's package.json above ${start}`)
  }
}

export const rootDir = findRoot(path.dirname(fileURLToPath(import.meta.url)))
export const srcDir = path.join(rootDir, 'src')
