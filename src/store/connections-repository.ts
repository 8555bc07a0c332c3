import { and, asc, eq, isNull, lt, or } from "drizzle-orm";
import type { ProviderKind } from "../core/sync/calendar-source.ts";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { calendarConnections, calendarSyncStates, hosts } from "./schema.ts";

export interface ConnectionRow {
  id: string;
  tenantId: TenantId;
  hostId: HostId;
  provider: ProviderKind;
  displayName: string;
  status: string;
  /** Encrypted envelope (src/secrets): tokens, passwords, private feed URLs. */
  credentials: string | null;
  settings: Record<string, unknown>;
  lastSyncedAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionWithSync extends ConnectionRow {
  sync: Array<{
    calendarRef: string;
    lastAttemptAt: Date | null;
    lastSuccessAt: Date | null;
    lastError: string | null;
    consecutiveFailures: number;
  }>;
}

function toRow(record: typeof calendarConnections.$inferSelect): ConnectionRow {
  return {
    ...record,
    tenantId: record.tenantId as TenantId,
    hostId: record.hostId as HostId,
    provider: record.provider as ProviderKind,
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

async function withSync(db: Database, rows: ConnectionRow[]): Promise<ConnectionWithSync[]> {
  if (rows.length === 0) return [];
  const states = await db
    .select()
    .from(calendarSyncStates)
    .where(or(...rows.map((row) => eq(calendarSyncStates.connectionId, row.id))));
  return rows.map((row) => ({
    ...row,
    sync: states
      .filter((state) => state.connectionId === row.id)
      .map((state) => ({
        calendarRef: state.calendarRef,
        lastAttemptAt: state.lastAttemptAt,
        lastSuccessAt: state.lastSuccessAt,
        lastError: state.lastError,
        consecutiveFailures: state.consecutiveFailures,
      })),
  }));
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

/** Connections of a provider whose last sync attempt is older than `before` (or that never synced). */
export async function listConnectionsDue(
  db: Database,
  params: { provider: ProviderKind; before: Date; limit: number },
): Promise<string[]> {
  const rows = await db
    .select({ id: calendarConnections.id })
    .from(calendarConnections)
    .leftJoin(calendarSyncStates, eq(calendarSyncStates.connectionId, calendarConnections.id))
    .where(
      and(
        eq(calendarConnections.provider, params.provider),
        or(isNull(calendarSyncStates.lastAttemptAt), lt(calendarSyncStates.lastAttemptAt, params.before)),
      ),
    )
    .limit(params.limit);
  return [...new Set(rows.map((row) => row.id))];
}
