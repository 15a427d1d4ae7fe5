import type { Db } from '../platform/db/index.ts'
import type { OrganisationService } from '../organisations/service.ts'
// Placeholder: replaced by the agreement capability.
export function agreementService(_db: Db, _deps: { organisations: OrganisationService }) {
  return {
    async overview(_partnershipId: number, _opts: { includeUnpublished: boolean }): Promise<{ heading: string; href: string; lines: string[] } | undefined> { return undefined },
  }
}
export type AgreementService = ReturnType<typeof agreementService>
