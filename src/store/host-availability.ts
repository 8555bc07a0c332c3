import { and, eq, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { HostAvailabilityData } from "../core/bookings/availability-request.ts";
import type { ScheduleRules } from "../core/schedules/schedule.ts";
import type { BusyStatus } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { bookingHosts, bookings, busyIntervals, hosts, schedules } from "./schema.ts";

interface HostAvailabilityRecord {
  hostId: string;
  hostTimeZone: string;
  schedule: ScheduleRules | null;
  /** [id, start ms, end ms, buffer before, buffer after] */
  bookings: Array<[string, number, number, number, number]>;
  /** [start ms, end ms, status, source ref] */
  busy: Array<[number, number, BusyStatus, string]>;
}

/**
 * Epoch milliseconds of a timestamptz column, as a JSON number: no date-string parsing on the way back. date_part
 * works in float8 (extract() computes in numeric, which made this query half again as slow); rounding to whole
 * milliseconds absorbs the float error.
 */
function epochMs(column: SQLWrapper): SQL {
  return sql`round(date_part('epoch', ${column}) * 1000)`;
}

/**
 * Everything availability needs for some hosts over a range, in one statement (it runs in every slots request and
 * inside every booking transaction, so round trips count): default schedules, active bookings with their buffers,
 * and the busy cache. Bookings are read a day beyond the range because buffers reach across its edges.
 */
export async function loadHostAvailability(
  db: Database,
  params: { tenantId: TenantId; hostIds: HostId[]; from: Date; to: Date; excludeBookingId?: string },
): Promise<HostAvailabilityData[]> {
  if (params.hostIds.length === 0) return [];
  const margin = 86_400_000;
  const from = new Date(params.from.getTime() - margin).toISOString();
  const to = new Date(params.to.getTime() + margin).toISOString();
  const window = sql`tstzrange(${from}::timestamptz, ${to}::timestamptz)`;
  const notExcluded = params.excludeBookingId
    ? sql`and ${bookings.id} <> ${params.excludeBookingId}::uuid`
    : sql``;
  const query = sql`
    select ${hosts.id} as "hostId", ${hosts.timeZone} as "hostTimeZone",
      (select json_build_object('timeZone', ${schedules.timeZone}, 'weekly', ${schedules.weekly},
                                'overrides', ${schedules.overrides}, 'outOfOffice', ${schedules.outOfOffice})
         from ${schedules}
        where ${schedules.tenantId} = ${hosts.tenantId} and ${schedules.hostId} = ${hosts.id} and ${schedules.isDefault}
        limit 1) as "schedule",
      coalesce((
        select json_agg(json_build_array(${bookings.id}, ${epochMs(bookings.startAt)}, ${epochMs(bookings.endAt)},
                                         ${bookings.bufferBeforeMinutes}, ${bookings.bufferAfterMinutes})
                        order by ${bookings.startAt} desc)
          from ${bookingHosts} join ${bookings} on ${bookings.id} = ${bookingHosts.bookingId}
         where ${bookingHosts.tenantId} = ${hosts.tenantId} and ${bookingHosts.hostId} = ${hosts.id}
           and ${bookingHosts.active}
           -- Implied by the start/end test below (blocked covers the booking and more); it lets the exclusion
           -- constraint's gist index find the rows instead of scanning every booking the host ever had.
           and ${bookingHosts.blocked} && ${window}
           and ${bookings.startAt} < ${to}::timestamptz and ${bookings.endAt} > ${from}::timestamptz
           ${notExcluded}
      ), '[]'::json) as "bookings",
      coalesce((
        select json_agg(json_build_array(${epochMs(busyIntervals.startAt)}, ${epochMs(busyIntervals.endAt)},
                                         ${busyIntervals.status}, ${busyIntervals.sourceRef}))
          from ${busyIntervals}
         where ${busyIntervals.tenantId} = ${hosts.tenantId} and ${busyIntervals.hostId} = ${hosts.id}
           and ${busyIntervals.startAt} < ${to}::timestamptz and ${busyIntervals.endAt} > ${from}::timestamptz
           -- Zero-length calendar entries block nothing.
           and ${busyIntervals.endAt} > ${busyIntervals.startAt}
      ), '[]'::json) as "busy"
    from ${hosts}
    where ${and(eq(hosts.tenantId, params.tenantId), inArray(hosts.id, params.hostIds))}`;
  const { rows } = (await db.execute(query)) as unknown as { rows: HostAvailabilityRecord[] };
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
        bookings: row.bookings.map(([id, start, end, bufferBeforeMinutes, bufferAfterMinutes]) => ({
          id,
          start: new Date(start),
          end: new Date(end),
          bufferBeforeMinutes,
          bufferAfterMinutes,
        })),
        busy: row.busy.map(([start, end, status, sourceRef]) => ({
          start: new Date(start),
          end: new Date(end),
          status,
          sourceRef,
        })),
      },
    ];
  });
}
