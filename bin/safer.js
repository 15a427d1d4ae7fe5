#!/usr/bin/env -S node --max-old-space-size=128 --max-semi-space-size=4
// The `safer` command. TypeScript runs directly through tsx (no build step).
import { register } from 'tsx/esm/api'
register()
await import('../src/cli.ts')
