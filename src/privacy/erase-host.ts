import { type AuditActor, recordAudit } from "../audit/record-audit.ts";
import type { Logger } from "../observability/logger.ts";
import { listConnections } from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import { getHost } from "../store/hosts-repository.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import { eraseAttendeeData, eraseHostData } from "../store/personal-data.ts";
import { findTenantById } from "../store/tenants-repository.ts";
import { type ConnectFlowDeps, disconnect } from "../sync/connect-flow.ts";

export interface ErasureDeps {
  db: Database;
  logger: Logger;
  /** The OAuth platform: revokes grants where the provider can, and stops push channels at the provider. */
  connect?: ConnectFlowDeps | undefined;
}

export interface HostErasure {
  connectionsRevoked: number;
  bookingsAnonymised: number;
  bookingsDeleted: number;
}

/**
 * Erases a host: first at the providers (the grant revoked where the provider offers revocation, push channels and
 * subscriptions stopped, while the tokens still work), then in the database in one transaction, with the audit
 * entry that says it happened (ids and counts only). A provider that can't be reached does not stop the erasure:
 * its tokens are deleted all the same and its channels expire on their own.
 */
export async function eraseHost(
  deps: ErasureDeps,
  params: { tenantId: TenantId; hostId: HostId; actor: AuditActor; requestId?: string },
): Promise<HostErasure | undefined> {
  const host = await getHost(deps.db, params.tenantId, params.hostId);
  if (!host) return undefined;
  const tenant = await findTenantById(deps.db, params.tenantId);
  let connectionsRevoked = 0;
  for (const connection of await listConnections(deps.db, params.tenantId, params.hostId)) {
    const connect = deps.connect;
    if (connection.provider === "ics" || !connection.credentials || !connect) continue;
    try {
      // Disconnect stops the channels and subscriptions and revokes the grant where the provider offers it.
      const { revoked } = await disconnect(connect, connection, {
        actor: params.actor,
        ...(params.requestId ? { requestId: params.requestId } : {}),
      });
      if (revoked) connectionsRevoked++;
    } catch (error) {
      deps.logger.warn(
        { err: error, connectionId: connection.id, provider: connection.provider },
        "erasure: the provider could not be told; the tokens are deleted anyway",
      );
    }
  }
  return deps.db.transaction(async (tx) => {
    const counts = await eraseHostData(tx, {
      tenantId: params.tenantId,
      hostId: params.hostId,
      email: host.email,
      mode: tenant?.erasure === "delete" ? "delete" : "anonymise",
    });
    const summary = { connectionsRevoked, ...counts };
    await recordAudit(tx, {
      tenantId: params.tenantId,
      actor: params.actor,
      action: "host.erased",
      target: { hostId: params.hostId },
      outcome: "success",
      requestId: params.requestId,
      details: summary,
    });
    return summary;
  });
}

/** Anonymises one attendee (by e-mail address) across the tenant's bookings; the audit entry holds only the count. */
export async function eraseAttendee(
  deps: Pick<ErasureDeps, "db">,
  params: { tenantId: TenantId; email: string; actor: AuditActor; requestId?: string },
): Promise<{ bookingsAnonymised: number }> {
  return deps.db.transaction(async (tx) => {
    const result = await eraseAttendeeData(tx, { tenantId: params.tenantId, email: params.email });
    await recordAudit(tx, {
      tenantId: params.tenantId,
      actor: params.actor,
      action: "attendee.erased",
      outcome: "success",
      requestId: params.requestId,
      details: { bookingsAnonymised: result.bookingsAnonymised },
    });
    return result;
  });
}
