import { and, asc, eq, inArray, isNull, lt, not, or } from "drizzle-orm";
import type { ProviderKind } from "../core/sync/calendar-source.ts";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { channelIsLive } from "./push-channels-repository.ts";
import { calendarConnections, calendarSyncStates, hosts, type SyncProgress } from "./schema.ts";
import type { SyncStateRow } from "./sync-states-repository.ts";

/** pending, connected, needs_reauth, error, blocked (a feed refused by the address policy), disconnected. */
export type ConnectionStatus =
  | "pending"
  | "connected"
  | "needs_reauth"
  | "error"
  | "blocked"
  | "disconnected";

export interface ConnectionRow {
  id: string;
  tenantId: TenantId;
  hostId: HostId;
  provider: ProviderKind;
  displayName: string;
  status: ConnectionStatus;
  /** Encrypted envelope (src/secrets): tokens, passwords, private feed URLs. */
  credentials: string | null;
  settings: Record<string, unknown>;
  accountId: string | null;
  accountEmail: string | null;
  accountKind: string | null;
  tokenExpiresAt: Date | null;
  lastSyncedAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** The connection's switches (migration 0015): its calendars block; details are imported; our events go in. */
  busyEnabled: boolean;
  importEnabled: boolean;
  exportEnabled: boolean;
  /** The latest sync's progress (migration 0017); null before the first. */
  syncProgress: SyncProgress | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ConnectionWithSync = ConnectionRow & { sync: SyncStateRow[] };

function toRow(record: typeof calendarConnections.$inferSelect): ConnectionRow {
  const { refreshLeaseUntil: _lease, ...rest } = record;
  return {
    ...rest,
    tenantId: record.tenantId as TenantId,
    hostId: record.hostId as HostId,
    provider: record.provider as ProviderKind,
    status: record.status as ConnectionStatus,
    settings: record.settings as Record<string, unknown>,
  };
}

export async function insertConnection(
  db: Database,
  params: {
    tenantId: TenantId;
    hostId: HostId;
    provider: ProviderKind;
    displayName: string;
    credentials: string | null;
    settings: Record<string, unknown>;
  },
): Promise<ConnectionRow> {
  const [record] = await db
    .insert(calendarConnections)
    .values({ id: newId(), ...params, status: "pending" })
    .returning();
  return toRow(record!);
}

/** The connection of a host that already holds this provider account (reconnecting reuses it). */
export async function findConnectionByAccount(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; provider: ProviderKind; accountId: string },
): Promise<ConnectionRow | undefined> {
  const [record] = await db
    .select()
    .from(calendarConnections)
    .where(
      and(
        eq(calendarConnections.tenantId, params.tenantId),
        eq(calendarConnections.hostId, params.hostId),
        eq(calendarConnections.provider, params.provider),
        eq(calendarConnections.accountId, params.accountId),
      ),
    );
  return record ? toRow(record) : undefined;
}

export async function updateConnection(
  db: Database,
  params: { tenantId: TenantId; id: string },
  patch: Partial<Omit<typeof calendarConnections.$inferInsert, "id" | "tenantId" | "hostId">>,
): Promise<ConnectionRow | undefined> {
  const [record] = await db
    .update(calendarConnections)
    .set(patch)
    .where(and(eq(calendarConnections.tenantId, params.tenantId), eq(calendarConnections.id, params.id)))
    .returning();
  return record ? toRow(record) : undefined;
}

/**
 * Moves a connection to a status and says what it was before, under a row lock, so that two workers seeing the same
 * failure notify the tenant once.
 */
export async function transitionConnection(
  db: Database,
  params: {
    id: string;
    to: ConnectionStatus;
    lastError: string | null;
    at: Date;
    lastSyncedAt?: Date;
    /** Statuses the connection keeps: no change is made (e.g. a late sync outcome after a disconnect). */
    unlessIn?: ConnectionStatus[];
    /** Only a completed connect moves a disconnected connection: a sync finishing late must not revive it. */
    reconnect?: boolean;
    /** Runs in the same transaction (the webhook outbox commits with the change). */
    alsoInTransaction?: (
      tx: Database,
      change: { previous: ConnectionStatus; connection: ConnectionRow },
    ) => Promise<void>;
  },
): Promise<{ previous: ConnectionStatus; connection: ConnectionRow } | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ status: calendarConnections.status, lastError: calendarConnections.lastError })
      .from(calendarConnections)
      .where(eq(calendarConnections.id, params.id))
      .for("update");
    if (!current || params.unlessIn?.includes(current.status as ConnectionStatus)) return undefined;
    if (current.status === "disconnected" && params.to !== "disconnected" && !params.reconnect) {
      const [unchanged] = await tx
        .select()
        .from(calendarConnections)
        .where(eq(calendarConnections.id, params.id));
      return { previous: "disconnected", connection: toRow(unchanged!) };
    }
    // The first worker to see a dead grant has the provider's reason; a peer that only finds the connection
    // already waiting for the host ("connect again") must not replace it.
    const keepReason = current.status === "needs_reauth" && params.to === "needs_reauth" && current.lastError;
    const [record] = await tx
      .update(calendarConnections)
      .set({
        status: params.to,
        ...(keepReason
          ? {}
          : {
              lastError: params.lastError,
              ...(params.lastError === null ? {} : { lastErrorAt: params.at }),
            }),
        ...(params.lastSyncedAt ? { lastSyncedAt: params.lastSyncedAt } : {}),
        updatedAt: params.at,
      })
      .where(eq(calendarConnections.id, params.id))
      .returning();
    const change = { previous: current.status as ConnectionStatus, connection: toRow(record!) };
    await params.alsoInTransaction?.(tx, change);
    return change;
  });
}

/**
 * Claims the right to refresh a connection's token (one refresh per expiry across processes: sync-failure-modes
 * #8). Returns the credentials as they are once claimed, or undefined while a peer holds the claim.
 */
export async function claimTokenRefresh(
  db: Database,
  params: { id: string; now: Date; ttlMs: number },
): Promise<{ credentials: string | null; tokenExpiresAt: Date | null } | undefined> {
  const [record] = await db
    .update(calendarConnections)
    .set({ refreshLeaseUntil: new Date(params.now.getTime() + params.ttlMs) })
    .where(
      and(
        eq(calendarConnections.id, params.id),
        or(
          isNull(calendarConnections.refreshLeaseUntil),
          lt(calendarConnections.refreshLeaseUntil, params.now),
        ),
      ),
    )
    .returning({
      credentials: calendarConnections.credentials,
      tokenExpiresAt: calendarConnections.tokenExpiresAt,
    });
  return record;
}

/** Stores refreshed tokens (or only ends the claim, when `credentials` is not given). */
export async function finishTokenRefresh(
  db: Database,
  params: { id: string; credentials?: string; tokenExpiresAt?: Date; at: Date },
): Promise<void> {
  await db
    .update(calendarConnections)
    .set({
      refreshLeaseUntil: null,
      ...(params.credentials
        ? { credentials: params.credentials, tokenExpiresAt: params.tokenExpiresAt, updatedAt: params.at }
        : {}),
    })
    .where(eq(calendarConnections.id, params.id));
}

export async function readConnectionCredentials(
  db: Database,
  id: string,
): Promise<
  { credentials: string | null; tokenExpiresAt: Date | null; status: ConnectionStatus } | undefined
> {
  const [record] = await db
    .select({
      credentials: calendarConnections.credentials,
      tokenExpiresAt: calendarConnections.tokenExpiresAt,
      status: calendarConnections.status,
    })
    .from(calendarConnections)
    .where(eq(calendarConnections.id, id));
  return record ? { ...record, status: record.status as ConnectionStatus } : undefined;
}

async function withSync(db: Database, rows: ConnectionRow[]): Promise<ConnectionWithSync[]> {
  if (rows.length === 0) return [];
  const states = await db
    .select()
    .from(calendarSyncStates)
    .where(
      inArray(
        calendarSyncStates.connectionId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(asc(calendarSyncStates.calendarRef));
  return rows.map((row) => ({ ...row, sync: states.filter((state) => state.connectionId === row.id) }));
}

export async function listConnections(
  db: Database,
  tenantId: TenantId,
  hostId: HostId,
): Promise<ConnectionWithSync[]> {
  const records = await db
    .select()
    .from(calendarConnections)
    .where(and(eq(calendarConnections.tenantId, tenantId), eq(calendarConnections.hostId, hostId)))
    .orderBy(asc(calendarConnections.createdAt), asc(calendarConnections.id));
  return withSync(db, records.map(toRow));
}

export async function getConnection(
  db: Database,
  params: { tenantId: TenantId; id: string; hostId?: HostId },
): Promise<ConnectionWithSync | undefined> {
  const conditions = [
    eq(calendarConnections.tenantId, params.tenantId),
    eq(calendarConnections.id, params.id),
  ];
  if (params.hostId) conditions.push(eq(calendarConnections.hostId, params.hostId));
  const [record] = await db
    .select()
    .from(calendarConnections)
    .where(and(...conditions));
  if (!record) return undefined;
  return (await withSync(db, [toRow(record)]))[0];
}

/** For background jobs, which start from a connection id alone (the row carries its tenant). */
export async function getConnectionForSync(
  db: Database,
  id: string,
): Promise<{ connection: ConnectionRow; hostTimeZone: string } | undefined> {
  const [record] = await db
    .select({ connection: calendarConnections, hostTimeZone: hosts.timeZone })
    .from(calendarConnections)
    .innerJoin(hosts, eq(hosts.id, calendarConnections.hostId))
    .where(eq(calendarConnections.id, id));
  return record ? { connection: toRow(record.connection), hostTimeZone: record.hostTimeZone } : undefined;
}

export async function deleteConnection(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; id: string },
): Promise<boolean> {
  const rows = await db
    .delete(calendarConnections)
    .where(
      and(
        eq(calendarConnections.tenantId, params.tenantId),
        eq(calendarConnections.hostId, params.hostId),
        eq(calendarConnections.id, params.id),
      ),
    )
    .returning({ id: calendarConnections.id });
  return rows.length > 0;
}

/**
 * Connections of some providers with a blocking calendar whose last attempt is older than `before` (or that never
 * synced): the polling floor. Connections that wait for the host (pending, needs_reauth, disconnected) or that the
 * address policy refused (blocked) are not polled.
 */
export async function listConnectionsDue(
  db: Database,
  params: {
    providers: ProviderKind[];
    before: Date;
    limit: number;
    /** Calendars with a live push channel are due only before this (a longer floor: push makes syncs sooner). */
    withPush?: { before: Date; now: Date };
  },
): Promise<string[]> {
  const attemptedBefore = params.withPush
    ? or(
        and(lt(calendarSyncStates.lastAttemptAt, params.before), not(channelIsLive(params.withPush.now))),
        lt(calendarSyncStates.lastAttemptAt, params.withPush.before),
      )
    : lt(calendarSyncStates.lastAttemptAt, params.before);
  const rows = await db
    .select({ id: calendarConnections.id })
    .from(calendarConnections)
    .leftJoin(
      calendarSyncStates,
      and(
        eq(calendarSyncStates.connectionId, calendarConnections.id),
        eq(calendarSyncStates.blocking, true),
        isNull(calendarSyncStates.removedAt),
      ),
    )
    .where(
      and(
        inArray(calendarConnections.provider, params.providers),
        inArray(calendarConnections.status, ["connected", "error"]),
        or(isNull(calendarSyncStates.lastAttemptAt), attemptedBefore),
      ),
    )
    .limit(params.limit);
  return [...new Set(rows.map((row) => row.id))];
}
