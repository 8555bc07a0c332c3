import { and, count, eq, gte, inArray, max } from "drizzle-orm";
import type { RoundRobinCandidate } from "../core/bookings/round-robin.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { bookingHosts, bookings } from "./schema.ts";

/**
 * For weighted round-robin: each host's active bookings of the event type that start from `since` on (the rolling
 * window; bookings ahead count too), and when it was last booked for it. Answers candidates in the order of `hostIds`.
 */
export async function roundRobinUsage(
  db: Database,
  params: { tenantId: TenantId; eventTypeId: string; hostIds: HostId[]; since: Date },
): Promise<RoundRobinCandidate[]> {
  if (params.hostIds.length === 0) return [];
  const rows = await db
    .select({ hostId: bookingHosts.hostId, count: count(), last: max(bookings.createdAt) })
    .from(bookingHosts)
    .innerJoin(bookings, eq(bookings.id, bookingHosts.bookingId))
    .where(
      and(
        eq(bookingHosts.tenantId, params.tenantId),
        inArray(bookingHosts.hostId, params.hostIds),
        eq(bookings.eventTypeId, params.eventTypeId),
        inArray(bookings.status, ["confirmed", "pending"]),
        gte(bookings.startAt, params.since),
      ),
    )
    .groupBy(bookingHosts.hostId);
  const byHost = new Map(rows.map((row) => [row.hostId, row]));
  return params.hostIds.map((hostId) => {
    const row = byHost.get(hostId);
    return {
      hostId,
      count: Number(row?.count ?? 0),
      lastBookedMs: row?.last ? new Date(row.last).getTime() : undefined,
    };
  });
}
