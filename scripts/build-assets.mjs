// Builds public/: Safer's stylesheet compiled from govuk-frontend's SCSS (pure-JavaScript sass),
// plus the small enhancement script and icon. Runs on `npm install` (prepare) and at start-up if missing.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'public')
fs.mkdirSync(out, { recursive: true })
const assets = path.join(root, 'src/platform/assets')
const result = sass.compile(path.join(assets, 'safer.scss'), {
  loadPaths: [path.join(root, 'node_modules')],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import'],
})
fs.writeFileSync(path.join(out, 'safer.css'), result.css)
for (const f of ['safer.js', 'favicon.svg']) fs.copyFileSync(path.join(assets, f), path.join(out, f))
console.log(`Built public/safer.css (${Math.round(result.css.length / 1024)} KB)`)
