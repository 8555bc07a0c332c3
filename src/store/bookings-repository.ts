import { and, eq, gt, inArray, lt, max, sql } from "drizzle-orm";
import type { EventLocation } from "../core/bookings/event-type-rules.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { bookingHosts, bookingRooms, bookings } from "./schema.ts";

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
  /** The room the booking reserved (event types with rooms), and the room's answer. */
  room: BookingRoom | null;
  /** The session this seat belongs to (event types with seats; null otherwise). */
  sessionId?: string | null;
  /** The attendee's answer to the invitation as the host's calendar shows it (null: not seen yet). */
  attendeeResponse?: string | null;
  /** The attendee's language for mail (en, de, fr; null: en). */
  attendeeLocale?: string | null;
  /** The new time the attendee proposed with their answer (Outlook), null when none is standing. */
  attendeeProposedStart?: Date | null;
  attendeeProposedEnd?: Date | null;
}

export interface BookingRoom {
  email: string;
  name: string | null;
  /** none (not answered yet), accepted, tentativelyAccepted, declined. */
  response: string;
  connectionId: string;
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

function toRow(record: BookingRecord, hostIds: HostId[], room: BookingRoom | null = null): BookingRow {
  return {
    room,
    ...record,
    tenantId: record.tenantId as TenantId,
    status: record.status as BookingStatus,
    answers: record.answers as Record<string, unknown>,
    location: (record.location as EventLocation | null) ?? null,
    hostIds,
  };
}

async function roomsOfBookings(db: Database, ids: string[]): Promise<Map<string, BookingRoom>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({
      bookingId: bookingRooms.bookingId,
      email: bookingRooms.email,
      name: bookingRooms.name,
      response: bookingRooms.response,
      connectionId: bookingRooms.connectionId,
    })
    .from(bookingRooms)
    .where(inArray(bookingRooms.bookingId, ids));
  return new Map(rows.map(({ bookingId, ...room }) => [bookingId, room]));
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

/**
 * The booking row and its hosts' held ranges in one statement (a statement is atomic on its own): this runs in
 * every booking transaction, and each round trip to the database is a large share of a booking's cost. The
 * exclusion constraint checks the held ranges as part of it.
 */
export async function insertBooking(
  db: Database,
  params: Omit<
    BookingRecord,
    | "createdAt"
    | "updatedAt"
    | "sequence"
    | "cancelReason"
    | "cancelledAt"
    | "sessionId"
    | "attendeeResponse"
    | "attendeeLocale"
    | "attendeeProposedStart"
    | "attendeeProposedEnd"
  > & {
    /** The attendee's language for mail (null: English). */
    attendeeLocale?: string | null;
    hostIds: HostId[];
    /** A seat's session: seats of one session may share the hosts' time (migration 0016). */
    sessionId?: string | null;
  },
): Promise<BookingRow> {
  const { hostIds, sessionId: session, ...rest } = params;
  const fields = {
    ...rest,
    sessionId: session ?? null,
    attendeeResponse: null,
    attendeeLocale: rest.attendeeLocale ?? null,
    attendeeProposedStart: null,
    attendeeProposedEnd: null,
  };
  if (hostIds.length === 0) throw new RangeError("a booking needs at least one host");
  const active = fields.status === "confirmed" || fields.status === "pending";
  const blocked = blockedRange({
    start: fields.startAt,
    end: fields.endAt,
    bufferBeforeMinutes: fields.bufferBeforeMinutes,
    bufferAfterMinutes: fields.bufferAfterMinutes,
  });
  const inserted = db
    .insert(bookings)
    .values(fields)
    .returning({ id: bookings.id, tenantId: bookings.tenantId, createdAt: bookings.createdAt });
  const hostArray = sql.join(
    hostIds.map((hostId) => sql`${hostId}::uuid`),
    sql`, `,
  );
  const { rows } = (await db.execute(sql`
    with booking as ${inserted},
    held as (
      insert into ${bookingHosts} (tenant_id, booking_id, host_id, blocked, active, session_id)
      select booking.tenant_id, booking.id, host_id, ${blocked}::tstzrange, ${active}, ${fields.sessionId}::uuid
        from booking, unnest(array[${hostArray}]) as host_id
    )
    select (extract(epoch from created_at) * 1000)::float8 as "createdMs" from booking`)) as unknown as {
    rows: Array<{ createdMs: number }>;
  };
  const createdAt = new Date(rows[0]!.createdMs);
  return toRow(
    { ...fields, createdAt, updatedAt: createdAt, sequence: 0, cancelReason: null, cancelledAt: null },
    hostIds,
  );
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
  return toRow(
    record,
    (await hostsOfBookings(db, [record.id])).get(record.id) ?? [],
    (await roomsOfBookings(db, [record.id])).get(record.id) ?? null,
  );
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
  return toRow(
    record,
    (await hostsOfBookings(db, [record.id])).get(record.id) ?? [],
    (await roomsOfBookings(db, [record.id])).get(record.id) ?? null,
  );
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
  const roomMap = await roomsOfBookings(
    db,
    records.map((record) => record.id),
  );
  return records.map((record) => toRow(record, hostMap.get(record.id) ?? [], roomMap.get(record.id) ?? null));
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
    /** A seat moving to another session (event types with seats). */
    sessionId?: string;
  },
): Promise<void> {
  const session = params.sessionId ? { sessionId: params.sessionId } : {};
  await db
    .update(bookings)
    .set({
      ...session,
      startAt: params.startAt,
      endAt: params.endAt,
      sequence: sql`${bookings.sequence} + 1`,
      updatedAt: new Date(),
    })
    .where(and(eq(bookings.tenantId, params.tenantId), eq(bookings.id, params.id)));
  await db
    .update(bookingHosts)
    .set({ ...session, blocked: blockedRange({ start: params.startAt, end: params.endAt, ...params }) })
    .where(and(eq(bookingHosts.tenantId, params.tenantId), eq(bookingHosts.bookingId, params.id)));
  // The room goes along (its exclusion constraint checks the new time); a reschedule that needs another room
  // replaces the reservation afterwards (src/store/rooms-repository.ts).
  await db
    .update(bookingRooms)
    .set({
      blocked: blockedRange({
        start: params.startAt,
        end: params.endAt,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
      }),
      updatedAt: new Date(),
    })
    .where(and(eq(bookingRooms.tenantId, params.tenantId), eq(bookingRooms.bookingId, params.id)));
}

/** The meeting link the host's calendar made (Teams): kept in the location, so mails, .ics and webhooks carry it. */
export async function setBookingMeetingUrl(
  db: Database,
  params: { tenantId: TenantId; id: string; kind: "teams" | "meet"; url: string },
): Promise<void> {
  await db
    .update(bookings)
    .set({ location: { kind: params.kind, value: params.url } satisfies EventLocation })
    .where(and(eq(bookings.tenantId, params.tenantId), eq(bookings.id, params.id)));
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
    await db
      .update(bookingRooms)
      .set({ active: false, updatedAt: params.now })
      .where(and(eq(bookingRooms.tenantId, params.tenantId), eq(bookingRooms.bookingId, params.id)));
  }
}

/**
 * Transaction-scoped advisory locks on some hosts' bookings, taken in one order so that two bookings of overlapping
 * host sets wait for each other instead of deadlocking; released at commit or rollback.
 */
export async function lockHostsForBooking(
  db: Database,
  tenantId: TenantId,
  hostIds: HostId[],
): Promise<void> {
  const keys = [...new Set(hostIds)].sort().map((hostId) => `calbridge:booking-host:${tenantId}:${hostId}`);
  for (const key of keys) await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
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
 * RSVP: records the attendee's answer as their calendar shows it, and the new time they proposed with it (null: none
 * standing). Answers whether either changed.
 */
export async function setAttendeeResponse(
  db: Database,
  params: {
    tenantId: TenantId;
    id: string;
    response: string;
    proposed: { start: Date; end: Date } | null;
    now: Date;
  },
): Promise<boolean> {
  const start = params.proposed?.start ?? null;
  const end = params.proposed?.end ?? null;
  const rows = await db
    .update(bookings)
    .set({
      attendeeResponse: params.response,
      attendeeProposedStart: start,
      attendeeProposedEnd: end,
      updatedAt: params.now,
    })
    .where(
      and(
        eq(bookings.tenantId, params.tenantId),
        eq(bookings.id, params.id),
        sql`(${bookings.attendeeResponse}, ${bookings.attendeeProposedStart}, ${bookings.attendeeProposedEnd}) is distinct from (${params.response}, ${start?.toISOString() ?? null}::timestamptz, ${end?.toISOString() ?? null}::timestamptz)`,
      ),
    )
    .returning({ id: bookings.id });
  return rows.length > 0;
}

/** The names of a session's attendees with an active seat (seated event types that show attendees to each other). */
export async function sessionAttendeeNames(
  db: Database,
  tenantId: TenantId,
  sessionId: string,
): Promise<string[]> {
  const rows = await db
    .select({ name: bookings.attendeeName })
    .from(bookings)
    .where(
      and(
        eq(bookings.tenantId, tenantId),
        eq(bookings.sessionId, sessionId),
        inArray(bookings.status, ["confirmed", "pending"]),
      ),
    )
    .orderBy(bookings.createdAt, bookings.id);
  return rows.map((row) => row.name);
}
