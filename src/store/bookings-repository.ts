import { and, desc, eq, gt, inArray, lt, max, sql } from "drizzle-orm";
import type { HostAvailabilityData } from "../core/bookings/availability-request.ts";
import type { EventLocation } from "../core/bookings/event-type-rules.ts";
import type { ScheduleRules } from "../core/schedules/schedule.ts";
import { readBusy } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { bookingHosts, bookings, hosts, schedules } from "./schema.ts";

export type BookingStatus = "pending" | "confirmed" | "cancelled" | "rejected";

export interface BookingRow {
  id: string;
  tenantId: TenantId;
  eventTypeId: string;
  status: BookingStatus;
  startAt: Date;
  endAt: Date;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  inviteeTimeZone: string;
  attendeeName: string;
  attendeeEmail: string;
  answers: Record<string, unknown>;
  location: EventLocation | null;
  icalUid: string;
  sequence: number;
  cancelReason: string | null;
  cancelledAt: Date | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  createdAt: Date;
  updatedAt: Date;
  hostIds: HostId[];
}

/** `[start - before, end + after)`: the time a booking holds on its hosts' calendars. */
export function blockedRange(params: {
  start: Date;
  end: Date;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}): string {
  const from = new Date(params.start.getTime() - params.bufferBeforeMinutes * 60_000).toISOString();
  const to = new Date(params.end.getTime() + params.bufferAfterMinutes * 60_000).toISOString();
  return `[${from},${to})`;
}

type BookingRecord = typeof bookings.$inferSelect;

function toRow(record: BookingRecord, hostIds: HostId[]): BookingRow {
  return {
    ...record,
    tenantId: record.tenantId as TenantId,
    status: record.status as BookingStatus,
    answers: record.answers as Record<string, unknown>,
    location: (record.location as EventLocation | null) ?? null,
    hostIds,
  };
}

async function hostsOfBookings(db: Database, ids: string[]): Promise<Map<string, HostId[]>> {
  const map = new Map<string, HostId[]>();
  if (ids.length === 0) return map;
  const rows = await db
    .select({ bookingId: bookingHosts.bookingId, hostId: bookingHosts.hostId })
    .from(bookingHosts)
    .where(inArray(bookingHosts.bookingId, ids));
  for (const row of rows) map.set(row.bookingId, [...(map.get(row.bookingId) ?? []), row.hostId as HostId]);
  return map;
}

export async function insertBooking(
  db: Database,
  params: Omit<BookingRecord, "createdAt" | "updatedAt" | "sequence" | "cancelReason" | "cancelledAt"> & {
    hostIds: HostId[];
  },
): Promise<BookingRow> {
  const { hostIds, ...fields } = params;
  const [record] = await db.insert(bookings).values(fields).returning();
  const active = fields.status === "confirmed" || fields.status === "pending";
  await db.insert(bookingHosts).values(
    hostIds.map((hostId) => ({
      tenantId: fields.tenantId,
      bookingId: fields.id,
      hostId,
      blocked: blockedRange({
        start: fields.startAt,
        end: fields.endAt,
        bufferBeforeMinutes: fields.bufferBeforeMinutes,
        bufferAfterMinutes: fields.bufferAfterMinutes,
      }),
      active,
    })),
  );
  return toRow(record!, hostIds);
}

export async function getBooking(
  db: Database,
  tenantId: TenantId,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<BookingRow | undefined> {
  const query = db
    .select()
    .from(bookings)
    .where(and(eq(bookings.tenantId, tenantId), eq(bookings.id, id)));
  const [record] = options.forUpdate ? await query.for("update") : await query;
  if (!record) return undefined;
  return toRow(record, (await hostsOfBookings(db, [record.id])).get(record.id) ?? []);
}

export async function findBookingByIdempotencyKey(
  db: Database,
  tenantId: TenantId,
  key: string,
): Promise<BookingRow | undefined> {
  const [record] = await db
    .select()
    .from(bookings)
    .where(and(eq(bookings.tenantId, tenantId), eq(bookings.idempotencyKey, key)));
  if (!record) return undefined;
  return toRow(record, (await hostsOfBookings(db, [record.id])).get(record.id) ?? []);
}

export async function listBookings(
  db: Database,
  tenantId: TenantId,
  filter: {
    from?: Date;
    to?: Date;
    status?: BookingStatus;
    hostId?: HostId;
    eventTypeId?: string;
    limit: number;
  },
): Promise<BookingRow[]> {
  const conditions = [eq(bookings.tenantId, tenantId)];
  if (filter.from) conditions.push(gt(bookings.endAt, filter.from));
  if (filter.to) conditions.push(lt(bookings.startAt, filter.to));
  if (filter.status) conditions.push(eq(bookings.status, filter.status));
  if (filter.eventTypeId) conditions.push(eq(bookings.eventTypeId, filter.eventTypeId));
  if (filter.hostId) {
    conditions.push(
      inArray(
        bookings.id,
        db
          .select({ id: bookingHosts.bookingId })
          .from(bookingHosts)
          .where(eq(bookingHosts.hostId, filter.hostId)),
      ),
    );
  }
  const records = await db
    .select()
    .from(bookings)
    .where(and(...conditions))
    .orderBy(bookings.startAt, bookings.id)
    .limit(filter.limit);
  const hostMap = await hostsOfBookings(
    db,
    records.map((record) => record.id),
  );
  return records.map((record) => toRow(record, hostMap.get(record.id) ?? []));
}

/** Moves a booking in place: the exclusion constraint checks the new range against every other booking. */
export async function moveBooking(
  db: Database,
  params: {
    tenantId: TenantId;
    id: string;
    startAt: Date;
    endAt: Date;
    bufferBeforeMinutes: number;
    bufferAfterMinutes: number;
  },
): Promise<void> {
  await db
    .update(bookings)
    .set({
      startAt: params.startAt,
      endAt: params.endAt,
      sequence: sql`${bookings.sequence} + 1`,
      updatedAt: new Date(),
    })
    .where(and(eq(bookings.tenantId, params.tenantId), eq(bookings.id, params.id)));
  await db
    .update(bookingHosts)
    .set({ blocked: blockedRange({ start: params.startAt, end: params.endAt, ...params }) })
    .where(and(eq(bookingHosts.tenantId, params.tenantId), eq(bookingHosts.bookingId, params.id)));
}

export async function setBookingStatus(
  db: Database,
  params: { tenantId: TenantId; id: string; status: BookingStatus; cancelReason?: string | null; now: Date },
): Promise<void> {
  const releases = params.status === "cancelled" || params.status === "rejected";
  await db
    .update(bookings)
    .set({
      status: params.status,
      sequence: sql`${bookings.sequence} + 1`,
      updatedAt: params.now,
      ...(releases ? { cancelReason: params.cancelReason ?? null, cancelledAt: params.now } : {}),
    })
    .where(and(eq(bookings.tenantId, params.tenantId), eq(bookings.id, params.id)));
  if (releases) {
    await db
      .update(bookingHosts)
      .set({ active: false })
      .where(and(eq(bookingHosts.tenantId, params.tenantId), eq(bookingHosts.bookingId, params.id)));
  }
}

/** For round-robin: when each host was last booked (hosts never booked come first). */
export async function lastBookedAt(
  db: Database,
  tenantId: TenantId,
  hostIds: HostId[],
): Promise<Map<HostId, number>> {
  const map = new Map<HostId, number>();
  if (hostIds.length === 0) return map;
  const rows = await db
    .select({ hostId: bookingHosts.hostId, last: max(bookings.createdAt) })
    .from(bookingHosts)
    .innerJoin(bookings, eq(bookings.id, bookingHosts.bookingId))
    .where(and(eq(bookingHosts.tenantId, tenantId), inArray(bookingHosts.hostId, hostIds)))
    .groupBy(bookingHosts.hostId);
  for (const row of rows) if (row.last) map.set(row.hostId as HostId, new Date(row.last).getTime());
  return map;
}

/**
 * Everything availability needs for some hosts over a range: default schedules, active bookings (with their
 * buffers) and the busy cache. Bookings are read a day beyond the range because buffers reach across its edges.
 */
export async function loadHostAvailability(
  db: Database,
  params: { tenantId: TenantId; hostIds: HostId[]; from: Date; to: Date; excludeBookingId?: string },
): Promise<HostAvailabilityData[]> {
  if (params.hostIds.length === 0) return [];
  const margin = 86_400_000;
  const from = new Date(params.from.getTime() - margin);
  const to = new Date(params.to.getTime() + margin);
  // Sequential on purpose: inside a transaction these share one connection (pg refuses concurrent queries on it).
  const hostRows = await db
    .select({ id: hosts.id, timeZone: hosts.timeZone })
    .from(hosts)
    .where(and(eq(hosts.tenantId, params.tenantId), inArray(hosts.id, params.hostIds)));
  const scheduleRows = await db
    .select()
    .from(schedules)
    .where(
      and(
        eq(schedules.tenantId, params.tenantId),
        inArray(schedules.hostId, params.hostIds),
        eq(schedules.isDefault, true),
      ),
    );
  const bookingRows = await db
    .select({
      hostId: bookingHosts.hostId,
      id: bookings.id,
      start: bookings.startAt,
      end: bookings.endAt,
      bufferBeforeMinutes: bookings.bufferBeforeMinutes,
      bufferAfterMinutes: bookings.bufferAfterMinutes,
    })
    .from(bookingHosts)
    .innerJoin(bookings, eq(bookings.id, bookingHosts.bookingId))
    .where(
      and(
        eq(bookingHosts.tenantId, params.tenantId),
        inArray(bookingHosts.hostId, params.hostIds),
        eq(bookingHosts.active, true),
        lt(bookings.startAt, to),
        gt(bookings.endAt, from),
      ),
    )
    .orderBy(desc(bookings.startAt));
  const busy = await readBusy(db, { tenantId: params.tenantId, hostIds: params.hostIds, from, to });
  return params.hostIds.flatMap((hostId) => {
    const host = hostRows.find((row) => row.id === hostId);
    if (!host) return [];
    const schedule = scheduleRows.find((row) => row.hostId === hostId);
    return [
      {
        hostId,
        hostTimeZone: host.timeZone,
        schedule: schedule
          ? ({
              timeZone: schedule.timeZone,
              weekly: schedule.weekly,
              overrides: schedule.overrides,
              outOfOffice: schedule.outOfOffice,
            } as ScheduleRules)
          : undefined,
        bookings: bookingRows.filter((row) => row.hostId === hostId && row.id !== params.excludeBookingId),
        // Zero-length calendar entries block nothing.
        busy: busy.filter((row) => row.hostId === hostId && row.end > row.start),
      },
    ];
  });
}
