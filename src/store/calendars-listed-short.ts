import { and, eq, isNull, lt, ne } from "drizzle-orm";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { calendarConnections, calendarSyncStates } from "./schema.ts";

/**
 * The tenant's connections with a blocking calendar whose last listing ended before `until`: after a horizon grew,
 * availability fails closed past that end until a sync lists the longer window.
 */
export async function connectionsListedShort(
  db: Database,
  params: { tenantId: TenantId; until: Date },
): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: calendarConnections.id })
    .from(calendarSyncStates)
    .innerJoin(calendarConnections, eq(calendarConnections.id, calendarSyncStates.connectionId))
    .where(
      and(
        eq(calendarConnections.tenantId, params.tenantId),
        ne(calendarConnections.status, "disconnected"),
        eq(calendarSyncStates.blocking, true),
        isNull(calendarSyncStates.removedAt),
        lt(calendarSyncStates.syncedUntil, params.until),
      ),
    );
  return rows.map((row) => row.id);
}
