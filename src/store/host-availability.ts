import { and, eq, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { HostAvailabilityData } from "../core/bookings/availability-request.ts";
import type { ScheduleRules } from "../core/schedules/schedule.ts";
import { allDayRangeMs } from "../core/time/all-day-range.ts";
import { type BusyStatus, servedGeneration } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { preparedPerDatabase } from "./prepared-per-database.ts";
import {
  bookingHosts,
  bookings,
  busyIntervals,
  calendarConnections,
  calendarSyncStates,
  hosts,
  managedEventOccurrences,
  managedEvents,
  schedules,
  slotHolds,
  tenants,
} from "./schema.ts";

/**
 * Epoch milliseconds of a timestamptz column, as a JSON number: no date-string parsing on the way back. date_part
 * works in float8 (extract() computes in numeric, which made this query half again as slow); rounding to whole
 * milliseconds absorbs the float error.
 */
/** node-postgres reads numeric aggregates as text; an absent one is null. */
function msOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function epochMs(column: SQLWrapper): SQL {
  return sql`round(date_part('epoch', ${column}) * 1000)`;
}

const from = sql`${sql.placeholder("from")}::timestamptz`;
const to = sql`${sql.placeholder("to")}::timestamptz`;
const excluded = sql`${sql.placeholder("excludeBookingId")}::uuid`;
const holdsLiveAt = sql`${sql.placeholder("now")}::timestamptz`;
const exceptHold = sql`${sql.placeholder("exceptHoldToken")}::text`;

/**
 * Everything availability needs for some hosts, in one statement: it runs in every slots request and inside every
 * booking transaction. A named prepared statement: parsing and planning were a third of its cost.
 */
function prepareHostAvailability(db: Database) {
  return (
    db
      .select({
        hostId: hosts.id,
        hostTimeZone: hosts.timeZone,
        schedule: sql<ScheduleRules | null>`(
        select json_build_object('timeZone', ${schedules.timeZone}, 'weekly', ${schedules.weekly},
                                 'overrides', ${schedules.overrides}, 'outOfOffice', ${schedules.outOfOffice})
          from ${schedules}
         where ${schedules.tenantId} = ${hosts.tenantId} and ${schedules.hostId} = ${hosts.id}
           and ${schedules.isDefault}
         limit 1)`,
        // [id, start ms, end ms, buffer before, buffer after, session]
        bookings: sql<Array<[string, number, number, number, number, string | null]>>`coalesce((
        select json_agg(json_build_array(${bookings.id}, ${epochMs(bookings.startAt)}, ${epochMs(bookings.endAt)},
                                         ${bookings.bufferBeforeMinutes}, ${bookings.bufferAfterMinutes},
                                         ${bookings.sessionId})
                        order by ${bookings.startAt} desc)
          from ${bookingHosts} join ${bookings} on ${bookings.id} = ${bookingHosts.bookingId}
         where ${bookingHosts.tenantId} = ${hosts.tenantId} and ${bookingHosts.hostId} = ${hosts.id}
           and ${bookingHosts.active}
           -- Implied by the start/end test below (blocked covers the booking and more); it lets the exclusion
           -- constraint's gist index find the rows instead of scanning every booking the host ever had.
           and ${bookingHosts.blocked} && tstzrange(${from}, ${to})
           and ${bookings.startAt} < ${to} and ${bookings.endAt} > ${from}
           and (${excluded} is null or ${bookings.id} <> ${excluded})
      ), '[]'::json)`,
        // Visitors' live holds (slot holds), but the asking visitor's own: [id, start ms, end ms, before ms, after
        // ms, session]. The blocked range carries the event type's buffers.
        holds: sql<Array<[string, number, number, number, number, string | null]>>`coalesce((
        select json_agg(json_build_array(${slotHolds.id}, ${epochMs(slotHolds.startAt)}, ${epochMs(slotHolds.endAt)},
                                         ${epochMs(sql`lower(${slotHolds.blocked})`)},
                                         ${epochMs(sql`upper(${slotHolds.blocked})`)}, ${slotHolds.sessionId}))
          from ${slotHolds}
         where ${slotHolds.tenantId} = ${hosts.tenantId} and ${slotHolds.hostId} = ${hosts.id}
           and ${slotHolds.blocked} && tstzrange(${from}, ${to})
           and ${slotHolds.expiresAt} > ${holdsLiveAt}
           and (${exceptHold} is null or ${slotHolds.token} <> ${exceptHold})
      ), '[]'::json)`,
        // [start ms, end ms, status, source ref, all-day start date, all-day end date]
        busy: sql<Array<[number, number, BusyStatus, string, string | null, string | null]>>`coalesce((
        select json_agg(json_build_array(${epochMs(busyIntervals.startAt)}, ${epochMs(busyIntervals.endAt)},
                                         ${busyIntervals.status}, ${busyIntervals.sourceRef},
                                         ${busyIntervals.allDayStart}, ${busyIntervals.allDayEnd}))
          from ${busyIntervals}
         where ${busyIntervals.tenantId} = ${hosts.tenantId} and ${busyIntervals.hostId} = ${hosts.id}
           and ${busyIntervals.startAt} < ${to} and ${busyIntervals.endAt} > ${from}
           -- Zero-length calendar entries block nothing.
           and ${busyIntervals.endAt} > ${busyIntervals.startAt}
           -- A listing still being built is not served (the rows it will replace are).
           and not ${busyIntervals.staged}
           -- #11: only the calendar's served generation (a listing in progress, or a superseded one, is not served).
           and ${servedGeneration}
           -- Our own booking's copy in the host's calendar: the booking itself blocks (with its buffers), and a
           -- reschedule must not collide with the copy of the booking it moves.
           and ${busyIntervals.bookingId} is null
           -- A room's busy time (migration 0008) is not the host's: it is read only for event types with rooms.
           and ${busyIntervals.resource} is null
           -- A connection whose busy switch is off (migration 0015) takes no time out of availability.
           and not exists (select 1 from ${calendarConnections} where ${calendarConnections.id} = ${busyIntervals.connectionId}
                           and not ${calendarConnections.busyEnabled})
      ), '[]'::json)`,
        // Occurrences of the tenant's managed events that block availability (migration 0015): [start ms, end ms, id].
        managed: sql<Array<[number, number, string]>>`coalesce((
        select json_agg(json_build_array(${epochMs(managedEventOccurrences.startAt)}, ${epochMs(managedEventOccurrences.endAt)},
                                         ${managedEventOccurrences.eventId}))
          from ${managedEventOccurrences} join ${managedEvents} on ${managedEvents.id} = ${managedEventOccurrences.eventId}
         where ${managedEventOccurrences.tenantId} = ${hosts.tenantId} and ${managedEventOccurrences.hostId} = ${hosts.id}
           and ${managedEventOccurrences.startAt} < ${to} and ${managedEventOccurrences.endAt} > ${from}
           and ${managedEvents.blocksAvailability} and ${managedEvents.status} = 'active'
      ), '[]'::json)`,
        // Last successful sync (ms, null before the first) of each blocking calendar of the host's connections:
        // availability fails closed where one is stale or does not reach that far.
        calendars: sql<Array<number | null>>`coalesce((
        select json_agg(${epochMs(calendarSyncStates.lastSuccessAt)})
          from ${calendarSyncStates} join ${calendarConnections}
            on ${calendarConnections.id} = ${calendarSyncStates.connectionId}
         where ${calendarConnections.tenantId} = ${hosts.tenantId} and ${calendarConnections.hostId} = ${hosts.id}
           and ${calendarConnections.status} <> 'disconnected'
           and ${calendarSyncStates.blocking} and ${calendarSyncStates.removedAt} is null
           and ${calendarConnections.busyEnabled}
      ), '[]'::json)`,
        // Of the blocking calendars, in ms (null when none has one): the earliest cut of a truncated last listing
        // (busy time from there on is unknown), and the nearest end of a last full listing (time past it was never
        // listed: the horizon grew since). Availability fails closed from either until a sync reads it.
        coverage: sql<[number | null, number | null]>`(
        select json_build_array(min(${epochMs(calendarSyncStates.incompleteFrom)}),
                                min(${epochMs(calendarSyncStates.syncedUntil)}))
          from ${calendarSyncStates} join ${calendarConnections}
            on ${calendarConnections.id} = ${calendarSyncStates.connectionId}
         where ${calendarConnections.tenantId} = ${hosts.tenantId} and ${calendarConnections.hostId} = ${hosts.id}
           and ${calendarConnections.status} <> 'disconnected'
           and ${calendarSyncStates.blocking} and ${calendarSyncStates.removedAt} is null
           and ${calendarConnections.busyEnabled}
      )`,
      })
      .from(hosts)
      // The join makes Drizzle qualify every column with its table: in a single-table select it leaves them bare,
      // and a bare "tenant_id" in the correlated subqueries above would mean the subquery's own column.
      .innerJoin(tenants, eq(tenants.id, hosts.tenantId))
      .where(
        and(
          eq(tenants.id, sql.placeholder("tenantId")),
          sql`${hosts.id} = any(${sql.placeholder("hostIds")}::uuid[])`,
        ),
      )
      .prepare("host_availability_v6")
  );
}

const hostAvailabilityQuery = preparedPerDatabase(prepareHostAvailability);

/**
 * Default schedules, active bookings with their buffers, and the busy cache of some hosts over a range. Bookings
 * are read a day beyond the range because buffers reach across its edges.
 */
export async function loadHostAvailability(
  db: Database,
  params: {
    tenantId: TenantId;
    hostIds: HostId[];
    from: Date;
    to: Date;
    excludeBookingId?: string;
    /** Holds live at this instant block (slot holds); without it, holds are read as live now. */
    now?: Date;
    /** The asking visitor's own hold does not block them. */
    exceptHoldToken?: string | undefined;
  },
): Promise<HostAvailabilityData[]> {
  if (params.hostIds.length === 0) return [];
  const margin = 86_400_000;
  const rows = await hostAvailabilityQuery(db).execute({
    tenantId: params.tenantId,
    hostIds: params.hostIds,
    from: new Date(params.from.getTime() - margin).toISOString(),
    to: new Date(params.to.getTime() + margin).toISOString(),
    excludeBookingId: params.excludeBookingId ?? null,
    now: (params.now ?? new Date()).toISOString(),
    exceptHoldToken: params.exceptHoldToken ?? null,
  });
  const byId = new Map(rows.map((row) => [row.hostId, row]));
  // In the event type's host order, which round-robin and the engine's host order rely on.
  return params.hostIds.flatMap((hostId) => {
    const row = byId.get(hostId);
    if (!row) return [];
    return [
      {
        hostId,
        hostTimeZone: row.hostTimeZone,
        schedule: row.schedule ?? undefined,
        calendarsSyncedAtMs: row.calendars,
        calendarsIncompleteFromMs: msOrNull(row.coverage[0]),
        calendarsSyncedUntilMs: msOrNull(row.coverage[1]),
        bookings: [
          ...row.bookings.map(([id, startMs, endMs, bufferBeforeMinutes, bufferAfterMinutes, sessionId]) => ({
            id,
            startMs,
            endMs,
            bufferBeforeMinutes,
            bufferAfterMinutes,
            sessionId,
          })),
          ...row.holds.map(([id, startMs, endMs, blockedFromMs, blockedToMs, sessionId]) => ({
            id: `hold:${id}`,
            startMs,
            endMs,
            bufferBeforeMinutes: Math.round((startMs - blockedFromMs) / 60_000),
            bufferAfterMinutes: Math.round((blockedToMs - endMs) / 60_000),
            held: true,
            sessionId,
          })),
        ],
        busy: row.busy
          .flatMap(([startMs, endMs, status, sourceRef, allDayStart, allDayEnd]) => {
            if (allDayStart === null || allDayEnd === null) return [{ startMs, endMs, status, sourceRef }];
            // All-day events are dates until now: local midnight to midnight in the host's zone.
            const range = allDayRangeMs({
              startDate: allDayStart,
              endDate: allDayEnd,
              timeZone: row.hostTimeZone,
            });
            return range ? [{ ...range, status, sourceRef }] : [];
          })
          .concat(
            row.managed.map(([startMs, endMs, eventId]) => ({
              startMs,
              endMs,
              status: "busy" as const,
              sourceRef: `managed-event:${eventId}`,
            })),
          ),
      },
    ];
  });
}
