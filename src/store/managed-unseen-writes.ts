import { and, eq, gt, isNotNull, isNull, lt, ne, sql } from "drizzle-orm";
import { servedGeneration } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { ManagedWriteRow } from "./managed-events-repository.ts";
import { busyIntervals, managedEvents, managedEventWrites } from "./schema.ts";

/**
 * The written copies of active single managed events in a calendar's window that the calendar's busy cache does not
 * hold: a delta never names an event made and deleted between two of its rounds (or removed under an id no page
 * had shown), so these are read one by one after a completed sync. Series are left out: a provider reads a series
 * master as no busy time of its own (Graph), which is not its deletion.
 */
export async function findUnseenManagedWrites(
  db: Database,
  params: { connectionId: string; calendarRef: string; window: { from: Date; to: Date } },
): Promise<ManagedWriteRow[]> {
  const rows = await db
    .select({ row: managedEventWrites })
    .from(managedEventWrites)
    .innerJoin(managedEvents, eq(managedEvents.id, managedEventWrites.eventId))
    .where(
      and(
        eq(managedEventWrites.connectionId, params.connectionId),
        eq(managedEventWrites.calendarRef, params.calendarRef),
        eq(managedEventWrites.state, "written"),
        ne(managedEventWrites.operation, "cancel"),
        isNotNull(managedEventWrites.providerEventRef),
        eq(managedEvents.status, "active"),
        isNull(managedEvents.recurrence),
        lt(managedEvents.startAt, params.window.to),
        gt(managedEvents.endAt, params.window.from),
        sql`not exists (select 1 from ${busyIntervals} where ${busyIntervals.connectionId} = ${managedEventWrites.connectionId} and ${busyIntervals.calendarRef} = ${managedEventWrites.calendarRef} and ${busyIntervals.sourceRef} = ${managedEventWrites.providerEventRef} and ${servedGeneration})`,
      ),
    );
  return rows.map(({ row }) => row as ManagedWriteRow);
}
