import { and, eq, notInArray, sql } from "drizzle-orm";
import type { EventTypeRooms } from "../core/bookings/event-type-rooms.ts";
import type { SourceBusyInterval } from "../core/sync/calendar-source.ts";
import { replaceBusyWindow } from "./busy-cache.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { roomCalendarRef } from "./rooms-repository.ts";
import { eventTypes, resourceSyncStates } from "./schema.ts";

/**
 * What the room reader keeps per connection: which rooms event types name through it, and each room's busy time with
 * when it was read. Written only by src/sync/sync-rooms.ts.
 */
export interface RoomTarget {
  tenantId: TenantId;
  hostId: HostId;
  connectionId: string;
}

/** The rooms event types name through this connection: addresses, and room lists still to be expanded. */
export async function roomsNamedThrough(
  db: Database,
  target: RoomTarget,
): Promise<{ emails: string[]; lists: string[] }> {
  const rows = await db
    .select({ rooms: eventTypes.rooms })
    .from(eventTypes)
    .where(
      and(
        eq(eventTypes.tenantId, target.tenantId),
        sql`${eventTypes.rooms} ->> 'connectionId' = ${target.connectionId}`,
      ),
    );
  const emails = new Set<string>();
  const lists = new Set<string>();
  for (const row of rows) {
    const rooms = row.rooms as EventTypeRooms | null;
    for (const email of rooms?.emails ?? []) emails.add(email.toLowerCase());
    if (rooms?.roomList) lists.add(rooms.roomList.toLowerCase());
  }
  return { emails: [...emails].sort(), lists: [...lists].sort() };
}

/** Makes sure a room has a state row; a room found in a list records the list (a room in two lists keeps the last). */
export async function ensureRoomState(
  db: Database,
  target: RoomTarget & { email: string; name?: string | null; listEmail?: string | null; now: Date },
): Promise<void> {
  const email = target.email.toLowerCase();
  const listed = target.listEmail === undefined ? {} : { listEmail: target.listEmail?.toLowerCase() ?? null };
  const named = target.name ? { name: target.name } : {};
  await db
    .insert(resourceSyncStates)
    .values({ tenantId: target.tenantId, connectionId: target.connectionId, email, ...named, ...listed })
    .onConflictDoUpdate({
      target: [resourceSyncStates.connectionId, resourceSyncStates.email],
      set: { ...named, ...listed, updatedAt: target.now },
    });
}

/** Rooms of a list no longer in it stop being part of it (their state stays for event types naming them). */
export async function forgetListMembers(
  db: Database,
  params: { connectionId: string; listEmail: string; keep: string[]; now: Date },
): Promise<void> {
  const keep = params.keep.map((email) => email.toLowerCase());
  await db
    .update(resourceSyncStates)
    .set({ listEmail: null, updatedAt: params.now })
    .where(
      and(
        eq(resourceSyncStates.connectionId, params.connectionId),
        eq(resourceSyncStates.listEmail, params.listEmail.toLowerCase()),
        keep.length > 0 ? notInArray(resourceSyncStates.email, keep) : undefined,
      ),
    );
}

/** A room read: its busy rows over the window are replaced and its state says when (one transaction). */
export async function storeRoomBusy(
  db: Database,
  params: RoomTarget & {
    email: string;
    window: { from: Date; to: Date };
    intervals: SourceBusyInterval[];
    now: Date;
  },
): Promise<void> {
  const email = params.email.toLowerCase();
  await db.transaction(async (tx) => {
    await replaceBusyWindow(tx, {
      tenantId: params.tenantId,
      hostId: params.hostId,
      connectionId: params.connectionId,
      calendarRef: roomCalendarRef(email),
      resource: email,
      window: params.window,
      intervals: params.intervals,
    });
    await tx
      .update(resourceSyncStates)
      .set({
        lastAttemptAt: params.now,
        lastSuccessAt: params.now,
        lastError: null,
        consecutiveFailures: 0,
        updatedAt: params.now,
      })
      .where(
        and(eq(resourceSyncStates.connectionId, params.connectionId), eq(resourceSyncStates.email, email)),
      );
  });
}

/** A room that could not be read keeps its last rows but not its freshness: it turns busy once they are stale. */
export async function recordRoomFailure(
  db: Database,
  params: { connectionId: string; email: string; error: string; now: Date },
): Promise<void> {
  await db
    .update(resourceSyncStates)
    .set({
      lastAttemptAt: params.now,
      lastError: params.error,
      consecutiveFailures: sql`${resourceSyncStates.consecutiveFailures} + 1`,
      updatedAt: params.now,
    })
    .where(
      and(
        eq(resourceSyncStates.connectionId, params.connectionId),
        eq(resourceSyncStates.email, params.email.toLowerCase()),
      ),
    );
}

export async function listRoomStates(db: Database, connectionId: string) {
  return db
    .select()
    .from(resourceSyncStates)
    .where(eq(resourceSyncStates.connectionId, connectionId))
    .orderBy(resourceSyncStates.email);
}
