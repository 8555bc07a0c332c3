import { sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { eventTypes } from "./schema.ts";

/**
 * How many days ahead of `now` the tenant's event types can be booked: the longest rolling horizon, or the farthest
 * end date of a fixed one. `unbounded` when an event type has no horizon (it offers as far as calendars are synced);
 * `days` is null when the tenant has no event type at all.
 */
export async function longestBookingHorizon(
  db: Database,
  params: { tenantId: TenantId; now: Date },
): Promise<{ unbounded: boolean; days: number | null }> {
  const horizon = sql`${eventTypes.rules}->'horizon'`;
  const [row] = await db
    .select({
      unbounded: sql<boolean | null>`bool_or(${horizon} is null)`,
      days: sql<number | null>`max(case ${horizon}->>'type'
          when 'rolling' then (${horizon}->>'days')::int
          when 'fixed' then ceil(extract(epoch from ((${horizon}->>'endDate')::date + 1)::timestamp
                                       - ${params.now.toISOString()}::timestamptz at time zone 'UTC') / 86400)::int
        end)`,
    })
    .from(eventTypes)
    .where(sql`${eventTypes.tenantId} = ${params.tenantId}`);
  return { unbounded: row?.unbounded === true, days: row?.days == null ? null : Number(row.days) };
}
