// Prints every route's access rule as test/route-rules.ts expects (review before pasting: it is the specification).
import { testApp } from '../test/helpers.ts'
import { describeAccess } from '../src/platform/access.ts'
const t = await testApp()
const rules = Object.fromEntries(t.app.accessRules.map((r) => [`${r.method} ${r.url}`, describeAccess(r.access)]))
console.log('export const ROUTE_RULES: Record<string, string> = ' + JSON.stringify(rules, null, 2))
await t.close()
