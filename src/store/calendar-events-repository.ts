import { and, asc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { SourceEventDetails } from "../core/sync/calendar-source.ts";
import { servedGeneration, timeOfRow } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import {
  busyIntervals,
  calendarConnections,
  calendarEventDetails,
  calendarSyncStates,
  hosts,
} from "./schema.ts";

/**
 * The host's agenda from synced data (no provider call): the served busy rows of the host's calendars, with the
 * details stored beside them (same connection, calendar, generation and occurrence) for connections whose import
 * switch is on. A connection with import off gives its blocks only; the switch is read here too, so details can
 * never show for a connection that stopped importing.
 */
export interface AgendaEvent {
  /** Stable within one listing of the calendar: the pagination key. */
  id: string;
  connectionId: string;
  provider: string;
  calendar: { ref: string; name: string | null };
  start: Date;
  end: Date;
  /** All-day events: the dates (end exclusive); start and end are then the dates in the host's zone. */
  allDay: { startDate: string; endDate: string } | null;
  status: string;
  /** Null for connections that do not import (free/busy blocks only), or an event not yet imported. */
  details: SourceEventDetails | null;
}

export async function listAgendaEvents(
  db: Database,
  params: {
    tenantId: TenantId;
    hostId: HostId;
    from: Date;
    to: Date;
    limit: number;
    /** The last row of the previous page (its stored start and id). */
    after?: { startAt: Date; id: string };
  },
): Promise<Array<AgendaEvent & { cursor: { startAt: Date; id: string } }>> {
  const rows = await db
    .select({
      row: busyIntervals,
      provider: calendarConnections.provider,
      importEnabled: calendarConnections.importEnabled,
      calendarName: calendarSyncStates.name,
      hostTimeZone: hosts.timeZone,
      details: calendarEventDetails,
    })
    .from(busyIntervals)
    .innerJoin(calendarConnections, eq(calendarConnections.id, busyIntervals.connectionId))
    .innerJoin(hosts, eq(hosts.id, busyIntervals.hostId))
    .leftJoin(
      calendarSyncStates,
      and(
        eq(calendarSyncStates.connectionId, busyIntervals.connectionId),
        eq(calendarSyncStates.calendarRef, busyIntervals.calendarRef),
      ),
    )
    .leftJoin(
      calendarEventDetails,
      and(
        eq(calendarEventDetails.connectionId, busyIntervals.connectionId),
        eq(calendarEventDetails.calendarRef, busyIntervals.calendarRef),
        eq(calendarEventDetails.generation, busyIntervals.generation),
        eq(calendarEventDetails.sourceRef, busyIntervals.sourceRef),
      ),
    )
    .where(
      and(
        eq(busyIntervals.tenantId, params.tenantId),
        eq(busyIntervals.hostId, params.hostId),
        servedGeneration,
        // Rooms' busy time is not the host's.
        isNull(busyIntervals.resource),
        lt(busyIntervals.startAt, params.to),
        gt(busyIntervals.endAt, params.from),
        params.after
          ? or(
              gt(busyIntervals.startAt, params.after.startAt),
              and(
                eq(busyIntervals.startAt, params.after.startAt),
                sql`${busyIntervals.id} > ${params.after.id}::uuid`,
              ),
            )
          : undefined,
      ),
    )
    .orderBy(asc(busyIntervals.startAt), asc(busyIntervals.id))
    .limit(params.limit);
  return rows.flatMap(({ row, provider, importEnabled, calendarName, hostTimeZone, details }) => {
    const span = timeOfRow(row, hostTimeZone);
    if (!span) return [];
    const { start, end } = span;
    const shown = importEnabled && details ? details : null;
    return [
      {
        id: row.id,
        cursor: { startAt: row.startAt, id: row.id },
        connectionId: row.connectionId,
        provider,
        calendar: { ref: row.calendarRef, name: calendarName },
        start,
        end,
        allDay:
          row.allDayStart && row.allDayEnd ? { startDate: row.allDayStart, endDate: row.allDayEnd } : null,
        status: row.status,
        details: shown
          ? {
              title: shown.title,
              location: shown.location,
              timeZone: shown.timeZone,
              organizer: shown.organizer,
              attendeeCount: shown.attendeeCount,
              onlineMeetingUrl: shown.onlineMeetingUrl,
              // Written from SourceEventDetails only (src/store/event-details.ts).
              showAs: shown.showAs as SourceEventDetails["showAs"],
              ours: shown.ours as SourceEventDetails["ours"],
            }
          : null,
      },
    ];
  });
}
