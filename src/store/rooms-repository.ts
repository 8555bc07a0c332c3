import { and, asc, eq, gt, inArray, lt, ne, sql } from "drizzle-orm";
import type { EventTypeRooms, RoomBusy } from "../core/bookings/event-type-rooms.ts";
import { type BookingRoom, blockedRange } from "./bookings-repository.ts";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { bookingRooms, busyIntervals, calendarConnections, resourceSyncStates } from "./schema.ts";

/**
 * Rooms of event types (issue #12): which rooms a type can use, their busy time (getSchedule rows in the busy cache
 * plus our own reservations, which count at once, before the next read of the room), and the reservation a booking
 * holds. Two bookings never hold one room at overlapping times: the exclusion constraint of migration 0008.
 */
export function roomCalendarRef(email: string): string {
  return `room:${email.toLowerCase()}`;
}

/** The rooms an event type can use, in the order they are tried: the named ones, or a list's rooms by address. */
export async function roomsOfEventType(
  db: Database,
  params: { tenantId: TenantId; rooms: EventTypeRooms },
): Promise<Array<{ email: string; name: string | null }>> {
  const { rooms } = params;
  const states = await db
    .select({
      email: resourceSyncStates.email,
      name: resourceSyncStates.name,
      list: resourceSyncStates.listEmail,
    })
    .from(resourceSyncStates)
    .where(
      and(
        eq(resourceSyncStates.tenantId, params.tenantId),
        eq(resourceSyncStates.connectionId, rooms.connectionId),
      ),
    )
    .orderBy(asc(resourceSyncStates.email));
  if (rooms.emails) {
    const names = new Map(states.map((state) => [state.email, state.name]));
    return rooms.emails.map((email) => ({
      email: email.toLowerCase(),
      name: names.get(email.toLowerCase()) ?? null,
    }));
  }
  const list = rooms.roomList?.toLowerCase();
  return states.filter((state) => state.list === list).map(({ email, name }) => ({ email, name }));
}

/**
 * Each room's busy time over a range and when it was last read. A booking being moved does not block itself: its
 * reservation is left out, and so is the room's calendar entry with exactly its times (getSchedule shows our own
 * meeting in the room's calendar but carries no marker to tell it by).
 */
export async function loadRoomBusy(
  db: Database,
  params: { tenantId: TenantId; rooms: EventTypeRooms; from: Date; to: Date; excludeBookingId?: string },
): Promise<RoomBusy[]> {
  const rooms = await roomsOfEventType(db, params);
  if (rooms.length === 0) return [];
  const emails = rooms.map((room) => room.email);
  const { connectionId } = params.rooms;
  const [states, rows, held] = await Promise.all([
    // A room read through a connection that is now disconnected or waiting for the host is not vouched for.
    db
      .select({ email: resourceSyncStates.email, lastSuccessAt: resourceSyncStates.lastSuccessAt })
      .from(resourceSyncStates)
      .innerJoin(calendarConnections, eq(calendarConnections.id, resourceSyncStates.connectionId))
      .where(
        and(
          eq(resourceSyncStates.connectionId, connectionId),
          inArray(resourceSyncStates.email, emails),
          inArray(calendarConnections.status, ["connected", "error"]),
        ),
      ),
    db
      .select({ email: busyIntervals.resource, startAt: busyIntervals.startAt, endAt: busyIntervals.endAt })
      .from(busyIntervals)
      .where(
        and(
          eq(busyIntervals.tenantId, params.tenantId),
          eq(busyIntervals.connectionId, connectionId),
          inArray(busyIntervals.resource, emails),
          eq(busyIntervals.staged, false),
          lt(busyIntervals.startAt, params.to),
          gt(busyIntervals.endAt, params.from),
        ),
      ),
    db
      .select({
        bookingId: bookingRooms.bookingId,
        email: bookingRooms.email,
        from: sql<string>`lower(${bookingRooms.blocked})::text`,
        to: sql<string>`upper(${bookingRooms.blocked})::text`,
        active: bookingRooms.active,
      })
      .from(bookingRooms)
      .where(
        and(
          eq(bookingRooms.tenantId, params.tenantId),
          inArray(bookingRooms.email, emails),
          sql`${bookingRooms.blocked} && tstzrange(${params.from.toISOString()}::timestamptz, ${params.to.toISOString()}::timestamptz)`,
        ),
      ),
  ]);
  const own = held.find((row) => row.bookingId === params.excludeBookingId);
  const ownSpan = own
    ? { email: own.email, startMs: Date.parse(own.from), endMs: Date.parse(own.to) }
    : undefined;
  const synced = new Map(states.map((state) => [state.email, state.lastSuccessAt?.getTime() ?? null]));
  return rooms.map((room) => ({
    email: room.email,
    name: room.name,
    syncedAtMs: synced.get(room.email) ?? null,
    busy: [
      ...rows
        .filter((row) => row.email === room.email)
        .map((row) => ({ startMs: row.startAt.getTime(), endMs: row.endAt.getTime() }))
        .filter(
          (busy) =>
            !(
              ownSpan?.email === room.email &&
              busy.startMs === ownSpan.startMs &&
              busy.endMs === ownSpan.endMs
            ),
        ),
      ...held
        .filter((row) => row.active && row.email === room.email && row.bookingId !== params.excludeBookingId)
        .map((row) => ({ startMs: Date.parse(row.from), endMs: Date.parse(row.to) })),
    ],
  }));
}

/**
 * Reserves the first of `candidates` (in order) nobody holds at that time, in the caller's transaction; an earlier
 * reservation of the booking is replaced. ON CONFLICT DO NOTHING also answers to exclusion constraints: a room that a
 * concurrent booking took first (it waits for that transaction) is skipped, not an error. Null: every one is taken.
 */
export async function reserveRoom(
  tx: Database,
  params: {
    tenantId: TenantId;
    bookingId: string;
    connectionId: string;
    candidates: Array<{ email: string; name?: string | null | undefined }>;
    start: Date;
    end: Date;
  },
): Promise<BookingRoom | null> {
  await tx
    .delete(bookingRooms)
    .where(and(eq(bookingRooms.tenantId, params.tenantId), eq(bookingRooms.bookingId, params.bookingId)));
  const blocked = blockedRange({
    start: params.start,
    end: params.end,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
  });
  for (const candidate of params.candidates) {
    const inserted = await tx
      .insert(bookingRooms)
      .values({
        tenantId: params.tenantId,
        bookingId: params.bookingId,
        connectionId: params.connectionId,
        email: candidate.email,
        name: candidate.name ?? null,
        blocked,
      })
      .onConflictDoNothing()
      .returning({ email: bookingRooms.email });
    if (inserted.length > 0)
      return {
        email: candidate.email,
        name: candidate.name ?? null,
        response: "none",
        connectionId: params.connectionId,
      };
  }
  return null;
}

/**
 * Records a room's answer as the host's calendar shows it. A room that declines is no longer held by the booking
 * (its reservation stops blocking others). Returns whether the answer changed.
 */
export async function setRoomResponse(
  db: Database,
  params: { tenantId: TenantId; bookingId: string; email: string; response: string; now: Date },
): Promise<boolean> {
  const changed = await db
    .update(bookingRooms)
    .set({
      response: params.response,
      ...(params.response === "declined" ? { active: false } : {}),
      updatedAt: params.now,
    })
    .where(
      and(
        eq(bookingRooms.tenantId, params.tenantId),
        eq(bookingRooms.bookingId, params.bookingId),
        eq(bookingRooms.email, params.email.toLowerCase()),
        ne(bookingRooms.response, params.response),
      ),
    )
    .returning({ bookingId: bookingRooms.bookingId });
  return changed.length > 0;
}
