import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/**
 * An npm script's environment settings and node arguments ("A=1 node --flag bin/safer.js demo" gives { A: '1' } and
 * ['--flag', 'bin/safer.js', 'demo']), so benchmarks run exactly what `npm run` runs, without npm's own start-up.
 */
export function npmScript(name: string) {
  const words = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts[name].split(/\s+/) as string[]
  const env: Record<string, string> = {}
  while (/^[A-Z_]+=/.test(words[0])) {
    const [k, v] = words.shift()!.split('=')
    env[k] = v
  }
  words.shift() // node
  return { env, args: words }
}
