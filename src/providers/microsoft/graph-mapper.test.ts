import { describe, expect, it } from "vitest";
import { BOOKING_MARKER_PROPERTY } from "./graph-event-writes.ts";
import { mapGraphEvent } from "./graph-mapper.ts";

const booking = "0f8fad5b-d9cb-469f-a165-70867728950e";
const base = {
  id: "AAMk-1",
  start: { dateTime: "2030-01-08T17:00:00.0000000", timeZone: "UTC" },
  end: { dateTime: "2030-01-08T18:00:00.0000000", timeZone: "UTC" },
  showAs: "busy",
};

describe("mapGraphEvent: our marker and room answers", () => {
  it("reads the booking id from the extended property, or from the transactionId", () => {
    const byProperty = mapGraphEvent({
      ...base,
      singleValueExtendedProperties: [{ id: BOOKING_MARKER_PROPERTY.toLowerCase(), value: booking }],
    });
    expect(byProperty).toMatchObject({ kind: "upsert", interval: { bookingId: booking } });
    const byTransaction = mapGraphEvent({ ...base, transactionId: `calbridge-${booking}-0a1b2c3d` });
    expect(byTransaction).toMatchObject({ kind: "upsert", interval: { bookingId: booking } });
    const foreign = mapGraphEvent({
      ...base,
      singleValueExtendedProperties: [{ id: BOOKING_MARKER_PROPERTY, value: "not a booking id" }],
    });
    expect(foreign).toMatchObject({ kind: "upsert" });
    expect(foreign.kind === "upsert" ? foreign.interval.bookingId : "wrong kind").toBeUndefined();
  });

  it("keeps a managed event's free copy as free (its removal would read as a deletion); drops another free event", () => {
    const managed = `calbridge-me-${booking}-0a1b2c3d`;
    expect(mapGraphEvent({ ...base, showAs: "free", transactionId: managed })).toMatchObject({
      kind: "upsert",
      interval: { status: "free", sourceRef: "AAMk-1" },
    });
    const interval = mapGraphEvent({ ...base, showAs: "free", transactionId: managed });
    expect(interval.kind === "upsert" ? interval.interval.bookingId : "wrong kind").toBeUndefined();
    expect(mapGraphEvent({ ...base, showAs: "free" })).toEqual({ kind: "remove", ref: "AAMk-1" });
    expect(mapGraphEvent({ ...base, showAs: "free", transactionId: "someone-else" })).toEqual({
      kind: "remove",
      ref: "AAMk-1",
    });
  });

  it("keeps the answers of resource attendees (rooms) only", () => {
    const item = mapGraphEvent({
      ...base,
      attendees: [
        { type: "required", status: { response: "accepted" }, emailAddress: { address: "ana@example.org" } },
        {
          type: "resource",
          status: { response: "declined" },
          emailAddress: { address: "Adams@Contoso.com" },
        },
      ],
    });
    expect(item).toMatchObject({
      kind: "upsert",
      interval: { rooms: [{ email: "adams@contoso.com", response: "declined" }] },
    });
  });
});
