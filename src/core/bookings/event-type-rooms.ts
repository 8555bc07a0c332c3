import { z } from "zod";

/**
 * Rooms an event type needs one of (issue #12): named one by one (`emails`, tried in that order) or as a room list
 * (`roomList`, its rooms in address order), found through one of the hosts' calendar connections (Microsoft 365:
 * /places and getSchedule). Exactly one of the two.
 */
export const eventTypeRoomsSchema = z
  .object({
    connectionId: z.guid({ message: "rooms.connectionId is a connection id (UUID)" }),
    emails: z
      .array(z.email({ message: "room addresses must be email addresses" }).max(320))
      .min(1, "name at least one room")
      .max(20, "at most 20 rooms (getSchedule reads 20 at a time)")
      .refine(
        (list) => new Set(list.map((email) => email.toLowerCase())).size === list.length,
        "room addresses must be distinct",
      )
      .optional(),
    roomList: z.email({ message: "rooms.roomList is the room list's email address" }).max(320).optional(),
  })
  .strict()
  .refine((value) => (value.emails === undefined) !== (value.roomList === undefined), {
    message: "give either rooms.emails or rooms.roomList, not both",
  });
export type EventTypeRooms = z.infer<typeof eventTypeRoomsSchema>;

/** A room's busy time as availability reads it: epoch ms, and when it was last read (null: never). */
export interface RoomBusy {
  email: string;
  name?: string | null;
  busy: Array<{ startMs: number; endMs: number }>;
  syncedAtMs: number | null;
}

/**
 * The rooms free for the whole of [startMs, endMs), in the order given. A room not read since `freshSinceMs` is
 * taken as busy: a room we cannot vouch for is never offered (fail closed, sync-failure-modes.md #15).
 */
export function freeRooms(params: {
  rooms: RoomBusy[];
  startMs: number;
  endMs: number;
  freshSinceMs: number;
}): RoomBusy[] {
  return params.rooms.filter(
    (room) =>
      room.syncedAtMs !== null &&
      room.syncedAtMs >= params.freshSinceMs &&
      room.busy.every((busy) => busy.endMs <= params.startMs || busy.startMs >= params.endMs),
  );
}

/** Slots where at least one room is free; an event type without rooms keeps them all. */
export function keepSlotsWithFreeRoom<T extends { startMs: number; endMs: number }>(params: {
  slots: T[];
  rooms: RoomBusy[] | undefined;
  freshSinceMs: number;
}): T[] {
  const { rooms } = params;
  if (!rooms) return params.slots;
  return params.slots.filter(
    (slot) =>
      freeRooms({ rooms, startMs: slot.startMs, endMs: slot.endMs, freshSinceMs: params.freshSinceMs })
        .length > 0,
  );
}
