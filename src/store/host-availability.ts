import { and, eq, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { HostAvailabilityData } from "../core/bookings/availability-request.ts";
import type { ScheduleRules } from "../core/schedules/schedule.ts";
import { allDayRangeMs } from "../core/time/all-day-range.ts";
import type { BusyStatus } from "./busy-cache.ts";
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
  schedules,
  tenants,
} from "./schema.ts";

/**
 * Epoch milliseconds of a timestamptz column, as a JSON number: no date-string parsing on the way back. date_part
 * works in float8 (extract() computes in numeric, which made this query half again as slow); rounding to whole
 * milliseconds absorbs the float error.
 */
function epochMs(column: SQLWrapper): SQL {
  return sql`round(date_part('epoch', ${column}) * 1000)`;
}

const from = sql`${sql.placeholder("from")}::timestamptz`;
const to = sql`${sql.placeholder("to")}::timestamptz`;
const excluded = sql`${sql.placeholder("excludeBookingId")}::uuid`;
const timed = sql`(${busyIntervals.allDayStart} is null or ${busyIntervals.allDayEnd} is null)`;

/** The busy rows of one host as the query returns them (see `busy` below). */
interface BusyColumns {
  t: string | null;
  s: string | null;
  r: string[] | null;
  d: Array<[BusyStatus, string, string, string]> | null;
}

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
        // [id, start ms, end ms, buffer before, buffer after]
        bookings: sql<Array<[string, number, number, number, number]>>`coalesce((
        select json_agg(json_build_array(${bookings.id}, ${epochMs(bookings.startAt)}, ${epochMs(bookings.endAt)},
                                         ${bookings.bufferBeforeMinutes}, ${bookings.bufferAfterMinutes})
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
        // Timed rows in three aggregates over the same rows in the same order: {t: big-endian float8 pairs (start
        // ms, end ms) as base64 bytes, s: the statuses joined by commas, r: the source refs as a JSON array}.
        // PostgreSQL formats no number and builds no object per row; Node reads the times from the bytes. All-day
        // rows (few) as [status, ref, start date, end date]. Only the window's rows are read: the && lets the partial
        // GiST index of migration 0017 bound both ends; the start/end test keeps the exact meaning.
        busy: sql<BusyColumns>`(
        select json_build_object(
                 't', encode(string_agg(float8send(${epochMs(busyIntervals.startAt)})
                                        || float8send(${epochMs(busyIntervals.endAt)}), '') filter (where ${timed}),
                             'base64'),
                 's', string_agg(${busyIntervals.status}, ',') filter (where ${timed}),
                 'r', json_agg(${busyIntervals.sourceRef}) filter (where ${timed}),
                 'd', json_agg(json_build_array(${busyIntervals.status}, ${busyIntervals.sourceRef},
                                                ${busyIntervals.allDayStart}, ${busyIntervals.allDayEnd}))
                        filter (where not ${timed}))
          from ${busyIntervals}
         where ${busyIntervals.tenantId} = ${hosts.tenantId} and ${busyIntervals.hostId} = ${hosts.id}
           and tstzrange(${busyIntervals.startAt}, ${busyIntervals.endAt}) && tstzrange(${from}, ${to})
           and ${busyIntervals.startAt} < ${to} and ${busyIntervals.endAt} > ${from}
           -- Zero-length calendar entries block nothing.
           and ${busyIntervals.endAt} > ${busyIntervals.startAt}
           -- A listing still being built is not served (the rows it will replace are).
           and not ${busyIntervals.staged}
           -- Our own booking's copy in the host's calendar: the booking itself blocks (with its buffers), and a
           -- reschedule must not collide with the copy of the booking it moves.
           and ${busyIntervals.bookingId} is null
           -- A room's busy time (migration 0008) is not the host's: it is read only for event types with rooms.
           and ${busyIntervals.resource} is null
      )`,
        // Last successful sync (ms, null before the first) of each blocking calendar of the host's connections:
        // availability fails closed where one is stale or does not reach that far.
        calendars: sql<Array<number | null>>`coalesce((
        select json_agg(${epochMs(calendarSyncStates.lastSuccessAt)})
          from ${calendarSyncStates} join ${calendarConnections}
            on ${calendarConnections.id} = ${calendarSyncStates.connectionId}
         where ${calendarConnections.tenantId} = ${hosts.tenantId} and ${calendarConnections.hostId} = ${hosts.id}
           and ${calendarConnections.status} <> 'disconnected'
           and ${calendarSyncStates.blocking} and ${calendarSyncStates.removedAt} is null
      ), '[]'::json)`,
        // The earliest cut of a blocking calendar whose last listing was truncated (ms, null when none is): busy
        // time from there on is unknown, and availability fails closed.
        incompleteFrom: sql<number | null>`(
        select min(${epochMs(calendarSyncStates.incompleteFrom)})
          from ${calendarSyncStates} join ${calendarConnections}
            on ${calendarConnections.id} = ${calendarSyncStates.connectionId}
         where ${calendarConnections.tenantId} = ${hosts.tenantId} and ${calendarConnections.hostId} = ${hosts.id}
           and ${calendarConnections.status} <> 'disconnected'
           and ${calendarSyncStates.blocking} and ${calendarSyncStates.removedAt} is null
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
      .prepare("host_availability_v5")
  );
}

const hostAvailabilityQuery = preparedPerDatabase(prepareHostAvailability);

/**
 * Default schedules, active bookings with their buffers, and the busy cache of some hosts over a range. Bookings
 * are read a day beyond the range because buffers reach across its edges.
 */
export async function loadHostAvailability(
  db: Database,
  params: { tenantId: TenantId; hostIds: HostId[]; from: Date; to: Date; excludeBookingId?: string },
): Promise<HostAvailabilityData[]> {
  if (params.hostIds.length === 0) return [];
  const margin = 86_400_000;
  const rows = await hostAvailabilityQuery(db).execute({
    tenantId: params.tenantId,
    hostIds: params.hostIds,
    from: new Date(params.from.getTime() - margin).toISOString(),
    to: new Date(params.to.getTime() + margin).toISOString(),
    excludeBookingId: params.excludeBookingId ?? null,
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
        // node-postgres reads numeric aggregates as text.
        calendarsIncompleteFromMs: row.incompleteFrom === null ? null : Number(row.incompleteFrom),
        bookings: row.bookings.map(([id, startMs, endMs, bufferBeforeMinutes, bufferAfterMinutes]) => ({
          id,
          startMs,
          endMs,
          bufferBeforeMinutes,
          bufferAfterMinutes,
        })),
        busy: busyOf(row.busy, row.hostTimeZone),
      },
    ];
  });
}

function busyOf(columns: BusyColumns, hostTimeZone: string): HostAvailabilityData["busy"] {
  const statuses = columns.s === null ? [] : (columns.s.split(",") as BusyStatus[]);
  const refs = columns.r ?? [];
  const busy: HostAvailabilityData["busy"] = new Array(statuses.length);
  if (columns.t !== null) {
    const bytes = Buffer.from(columns.t, "base64");
    const times = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < statuses.length; index++)
      busy[index] = {
        startMs: times.getFloat64(index * 16),
        endMs: times.getFloat64(index * 16 + 8),
        status: statuses[index]!,
        sourceRef: refs[index]!,
      };
  }
  for (const [status, sourceRef, startDate, endDate] of columns.d ?? []) {
    // All-day events are dates until now: local midnight to midnight in the host's zone.
    const range = allDayRangeMs({ startDate, endDate, timeZone: hostTimeZone });
    if (range) busy.push({ ...range, status, sourceRef });
  }
  return busy;
}
