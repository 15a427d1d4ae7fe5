#!/usr/bin/env -S node --max-old-space-size=128 --max-semi-space-size=4
// The `safer` command: src/cli.ts, run from the bundle scripts/bundle.mjs keeps up to date with the sources.
import { ensureBundle } from '../scripts/bundle.mjs'
await import(await ensureBundle())
