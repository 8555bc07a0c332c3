import { and, eq, gt, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import { servedGeneration } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { ManagedWriteRow } from "./managed-events-repository.ts";
import { busyIntervals, managedEvents, managedEventWrites } from "./schema.ts";

/** Written (not cancelled) copies of active managed events in one calendar. */
function settledCopiesIn(params: { connectionId: string; calendarRef: string }) {
  return and(
    eq(managedEventWrites.connectionId, params.connectionId),
    eq(managedEventWrites.calendarRef, params.calendarRef),
    eq(managedEventWrites.state, "written"),
    ne(managedEventWrites.operation, "cancel"),
    isNotNull(managedEventWrites.providerEventRef),
    eq(managedEvents.status, "active"),
  );
}

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
        settledCopiesIn(params),
        isNull(managedEvents.recurrence),
        lt(managedEvents.startAt, params.window.to),
        gt(managedEvents.endAt, params.window.from),
        sql`not exists (select 1 from ${busyIntervals} where ${busyIntervals.connectionId} = ${managedEventWrites.connectionId} and ${busyIntervals.calendarRef} = ${managedEventWrites.calendarRef} and ${busyIntervals.sourceRef} = ${managedEventWrites.providerEventRef} and ${servedGeneration})`,
      ),
    );
  return rows.map(({ row }) => row as ManagedWriteRow);
}

/**
 * The settled copies of active managed series in one calendar (for the per-occurrence reconcile after a sync),
 * with the times the calendar's served busy rows of each series hold now (Graph occurrences name their master;
 * CalDAV occurrences their resource).
 */
export async function findManagedSeriesCopies(
  db: Database,
  params: { connectionId: string; calendarRef: string },
): Promise<Array<{ row: ManagedWriteRow; times: Array<{ start: Date; end: Date }> }>> {
  const rows = await db
    .select({ row: managedEventWrites })
    .from(managedEventWrites)
    .innerJoin(managedEvents, eq(managedEvents.id, managedEventWrites.eventId))
    .where(and(settledCopiesIn(params), isNotNull(managedEvents.recurrence)));
  const out: Array<{ row: ManagedWriteRow; times: Array<{ start: Date; end: Date }> }> = [];
  for (const { row } of rows) {
    const ref = row.providerEventRef!;
    const busy = await db
      .select({ start: busyIntervals.startAt, end: busyIntervals.endAt })
      .from(busyIntervals)
      .where(
        and(
          eq(busyIntervals.connectionId, params.connectionId),
          eq(busyIntervals.calendarRef, params.calendarRef),
          or(eq(busyIntervals.seriesRef, ref), eq(busyIntervals.sourceRef, ref)),
          isNull(busyIntervals.allDayStart),
          servedGeneration,
        ),
      );
    out.push({ row: row as ManagedWriteRow, times: busy });
  }
  return out;
}
