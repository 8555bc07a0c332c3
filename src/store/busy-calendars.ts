import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { busyIntervals, calendarConnections, calendarSyncStates } from "./schema.ts";

export interface BusyCalendar {
  connectionId: string;
  /** The connection's display name (e.g. "Outlook (alice@example.com)"). */
  connection: string;
  /** The calendar's name as the provider gives it (null: not known). */
  calendar: string | null;
}

/**
 * Which calendar each busy entry of some hosts comes from (by the entry's source reference): the troubleshooter
 * names the calendar, never the event.
 */
export async function calendarsOfBusyEntries(
  db: Database,
  params: { tenantId: TenantId; hostIds: HostId[]; sourceRefs: string[] },
): Promise<Map<string, BusyCalendar>> {
  if (params.sourceRefs.length === 0 || params.hostIds.length === 0) return new Map();
  const rows = await db
    .selectDistinct({
      sourceRef: busyIntervals.sourceRef,
      connectionId: busyIntervals.connectionId,
      connection: calendarConnections.displayName,
      calendar: calendarSyncStates.name,
    })
    .from(busyIntervals)
    .innerJoin(calendarConnections, eq(calendarConnections.id, busyIntervals.connectionId))
    .leftJoin(
      calendarSyncStates,
      and(
        eq(calendarSyncStates.connectionId, busyIntervals.connectionId),
        eq(calendarSyncStates.calendarRef, busyIntervals.calendarRef),
      ),
    )
    .where(
      and(
        eq(busyIntervals.tenantId, params.tenantId),
        inArray(busyIntervals.hostId, params.hostIds),
        inArray(busyIntervals.sourceRef, params.sourceRefs),
      ),
    );
  return new Map(rows.map(({ sourceRef, ...calendar }) => [sourceRef, calendar]));
}
