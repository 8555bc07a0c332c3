import { describe, expect, it } from "vitest";
import { eventTypeRoomsSchema, freeRooms, keepSlotsWithFreeRoom, type RoomBusy } from "./event-type-rooms.ts";

const connectionId = "0b7f3c52-4f1e-4b8e-9a51-0c3c1d2e3f40";
const hour = 3_600_000;
const rooms: RoomBusy[] = [
  { email: "adams@contoso.com", busy: [{ startMs: 9 * hour, endMs: 10 * hour }], syncedAtMs: 100 },
  { email: "baker@contoso.com", busy: [{ startMs: 9 * hour, endMs: 11 * hour }], syncedAtMs: 100 },
];

describe("event type rooms", () => {
  it("takes either emails or a room list, with valid addresses", () => {
    expect(eventTypeRoomsSchema.safeParse({ connectionId, emails: ["adams@contoso.com"] }).success).toBe(
      true,
    );
    expect(eventTypeRoomsSchema.safeParse({ connectionId, roomList: "building1@contoso.com" }).success).toBe(
      true,
    );
    for (const bad of [
      { connectionId, emails: ["not an address"] },
      { connectionId, emails: ["a@x.com", "A@x.com"] },
      { connectionId, emails: ["a@x.com"], roomList: "l@x.com" },
      { connectionId },
      { connectionId: "x", emails: ["a@x.com"] },
      { connectionId, emails: [] },
    ]) {
      expect(eventTypeRoomsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("offers a time while at least one fresh room is free, in the configured order", () => {
    const at = (from: number, to: number) =>
      freeRooms({ rooms, startMs: from * hour, endMs: to * hour, freshSinceMs: 50 }).map((r) => r.email);
    expect(at(8, 9)).toEqual(["adams@contoso.com", "baker@contoso.com"]);
    expect(at(10, 11)).toEqual(["adams@contoso.com"]);
    expect(at(9, 10)).toEqual([]);
    expect(freeRooms({ rooms, startMs: 8 * hour, endMs: 9 * hour, freshSinceMs: 101 })).toEqual([]);
    const slots = [8, 9, 10, 11].map((h) => ({ startMs: h * hour, endMs: (h + 1) * hour }));
    expect(keepSlotsWithFreeRoom({ slots, rooms, freshSinceMs: 0 }).map((s) => s.startMs / hour)).toEqual([
      8, 10, 11,
    ]);
    expect(keepSlotsWithFreeRoom({ slots, rooms: undefined, freshSinceMs: 0 })).toHaveLength(4);
    const never: RoomBusy[] = [{ email: "c@x.com", busy: [], syncedAtMs: null }];
    expect(keepSlotsWithFreeRoom({ slots, rooms: never, freshSinceMs: 0 })).toEqual([]);
  });
});
