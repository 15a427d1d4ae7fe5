import type { Db, Queryable } from '../platform/db/index.ts'
import type { AgreementService } from '../agreement/service.ts'
import type { Actor } from '../platform/audit.ts'
// Placeholder: replaced by the assurance capability.
export function assuranceService(_db: Db, _deps: { agreement: AgreementService }) {
  return {
    async overview(_partnershipId: number, _opts: { includeUnpublished: boolean }): Promise<{ heading: string; href: string; lines: string[] } | undefined> { return undefined },
    async setUpDefaults(_partnershipId: number, _actor: Actor, _tx: Queryable) {},
  }
}
export type AssuranceService = ReturnType<typeof assuranceService>
