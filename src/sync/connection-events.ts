import { type AuditActor, recordAudit } from "../audit/record-audit.ts";
import type { JobEngine } from "../jobs/job-engine.ts";
import { webhookDeliveryJobs } from "../jobs/webhook-jobs.ts";
import {
  type ConnectionRow,
  type ConnectionStatus,
  transitionConnection,
} from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import { sqlExecutorOf } from "../store/sql-executor-of.ts";
import { emitWebhookEvent } from "../store/webhooks-repository.ts";

/**
 * Connection state changes and the tenant's webhooks about them. A webhook goes out when the status *changes* into
 * connected, needs_reauth, error or disconnected, written in the transaction that changes it: many workers seeing
 * the same revoked grant notify the tenant once (sync-failure-modes.md #9), and a crash can't lose the event.
 */
export type ConnectionEventType =
  | "connection.connected"
  | "connection.needs_reauth"
  | "connection.error"
  | "connection.disconnected";

const eventOf: Partial<Record<ConnectionStatus, ConnectionEventType>> = {
  connected: "connection.connected",
  needs_reauth: "connection.needs_reauth",
  error: "connection.error",
  disconnected: "connection.disconnected",
};

export interface ConnectionEvents {
  /**
   * Moves the connection; returns the status it had, or undefined if it no longer exists (or is in a status of
   * `unlessIn`, and stays so).
   */
  move(params: {
    connectionId: string;
    to: ConnectionStatus;
    error?: string | null;
    lastSyncedAt?: Date;
    /** Who caused the change, for the audit log (default: the sync engine). */
    actor?: AuditActor;
    requestId?: string;
    /** Statuses the move must not leave (the sync engine's moves keep `disconnected`). */
    unlessIn?: ConnectionStatus[];
    /** The host connected again: the only way out of `disconnected` (a late sync or job stays ignored). */
    reconnect?: boolean;
  }): Promise<ConnectionStatus | undefined>;
}

export function connectionWebhookData(connection: ConnectionRow) {
  return {
    connection: {
      id: connection.id,
      hostId: connection.hostId,
      provider: connection.provider,
      status: connection.status,
      account: connection.accountEmail,
      lastError: connection.lastError,
    },
  };
}

export function createConnectionEvents(deps: {
  db: Database;
  /** Enqueues the deliveries at once; without it the webhook sweeper sends them (the outbox rows commit anyway). */
  jobs?: JobEngine;
  now: () => Date;
}): ConnectionEvents {
  return {
    async move(params) {
      const at = deps.now();
      const change = await transitionConnection(deps.db, {
        id: params.connectionId,
        to: params.to,
        lastError: params.error ?? null,
        at,
        ...(params.lastSyncedAt ? { lastSyncedAt: params.lastSyncedAt } : {}),
        ...(params.unlessIn ? { unlessIn: params.unlessIn } : {}),
        ...(params.reconnect ? { reconnect: true } : {}),
        async alsoInTransaction(tx, { previous, connection }) {
          const type = eventOf[params.to];
          if (!type || previous === params.to) return;
          await recordAudit(tx, {
            at,
            tenantId: connection.tenantId,
            actor: params.actor ?? { kind: "system_job", id: "calendar.sync" },
            action: type,
            target: { hostId: connection.hostId, connectionId: connection.id },
            provider: connection.provider,
            outcome: "success",
            requestId: params.requestId,
          });
          const deliveryIds = await emitWebhookEvent(tx, {
            tenantId: connection.tenantId,
            type,
            data: connectionWebhookData(connection),
            now: at,
          });
          if (deps.jobs) await deps.jobs.insert(webhookDeliveryJobs(deliveryIds), { db: sqlExecutorOf(tx) });
        },
      });
      return change?.previous;
    },
  };
}
