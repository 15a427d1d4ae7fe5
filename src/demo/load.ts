import type { Services } from '../services.ts'
// Placeholder: replaced by the demo loader.
export async function loadDemo(_s: Services): Promise<{ loaded: boolean; summary: string }> {
  return { loaded: false, summary: '' }
}
