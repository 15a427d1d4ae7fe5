import type { Db } from '../platform/db/index.ts'
import type { OrganisationService } from '../organisations/service.ts'
// Placeholder: replaced by the governance capability.
export function governanceService(_db: Db, _deps: { organisations: OrganisationService }) {
  return {
    async overview(_partnershipId: number, _opts: { includeUnpublished: boolean }): Promise<{ heading: string; href: string; lines: string[] } | undefined> { return undefined },
  }
}
export type GovernanceService = ReturnType<typeof governanceService>
