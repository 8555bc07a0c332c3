import { describe, expect, it } from "vitest";
import { computeSlots } from "./compute-slots.ts";
import { groupSlotsByLocalDate } from "./invitee-dates.ts";
import { buildHost, buildRequest } from "./testing/request-builder.ts";

describe("groupSlotsByLocalDate", () => {
  it("groups by the invitee's local date, not the UTC date", () => {
    // Tokyo host working 08:00-10:00 on Monday = Sunday 23:00 to Monday 01:00 UTC.
    const request = buildRequest({
      from: "2030-03-03T00:00:00Z",
      eventType: { durationMinutes: 60 },
      hosts: [buildHost({ timeZone: "Asia/Tokyo", weekly: { mon: [["08:00", "10:00"]] } })],
    });
    const slots = computeSlots(request);
    expect(Object.keys(groupSlotsByLocalDate({ slots, timeZone: "UTC" }))).toEqual([
      "2030-03-03",
      "2030-03-04",
    ]);
    const newYork = groupSlotsByLocalDate({ slots, timeZone: "America/New_York" });
    expect(newYork).toEqual({ "2030-03-03": slots });
  });

  it("is empty without slots", () => {
    expect(groupSlotsByLocalDate({ slots: [], timeZone: "Asia/Kolkata" })).toEqual({});
  });
});
