import type { AuditLog } from '../adapters/audit-log';
import { authorize, type Principal } from '../domain/access';
import type { AuditEntry } from '../domain/audit';

/** Reading the audit trail: admins, and each community's own officers for their community. */
export function makeAuditUseCases({ audit }: { audit: AuditLog }) {
  async function page(
    scope: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
    return audit.list(scope, limit, cursor);
  }
  return {
    async community(principal: Principal, communityId: string, limit: number, cursor?: string) {
      authorize(principal, 'audit:read', [communityId]);
      return page(communityId, limit, cursor);
    },
    async street(principal: Principal, streetId: string, limit: number, cursor?: string) {
      // A street is not one community's business: admins and callers acting for all only.
      authorize(principal, 'audit:read', []);
      return page(`street:${streetId}`, limit, cursor);
    },
  };
}
