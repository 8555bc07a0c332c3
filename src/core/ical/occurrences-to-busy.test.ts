import { describe, expect, it } from "vitest";
import type { Occurrence } from "./occurrence.ts";
import { occurrencesToBusy } from "./occurrences-to-busy.ts";

const base: Occurrence = {
  uid: "u",
  recurrenceId: null,
  start: "2024-06-03T09:00:00Z",
  end: "2024-06-03T10:00:00Z",
  allDay: false,
  floating: false,
  summary: null,
  status: null,
  transparency: null,
  sequence: 0,
};

describe("occurrencesToBusy", () => {
  it("keeps zoned times, places all-day and floating ones in the host's zone, and skips what does not block", () => {
    const busy = occurrencesToBusy({
      hostTimeZone: "America/New_York",
      occurrences: [
        base,
        { ...base, allDay: true, start: "2024-06-04", end: "2024-06-05" },
        { ...base, floating: true, start: "2024-06-05T09:00:00", end: "2024-06-05T09:30:00" },
        { ...base, status: "CANCELLED" },
        { ...base, transparency: "TRANSPARENT" },
        { ...base, start: "2024-06-06T09:00:00Z", end: "2024-06-06T09:00:00Z" },
        { ...base, status: "TENTATIVE", start: "2024-06-07T09:00:00Z", end: "2024-06-07T09:15:00Z" },
      ],
    });
    expect(busy).toEqual([
      { start: "2024-06-03T09:00:00Z", end: "2024-06-03T10:00:00Z" },
      { start: "2024-06-04T04:00:00Z", end: "2024-06-05T04:00:00Z" },
      { start: "2024-06-05T13:00:00Z", end: "2024-06-05T13:30:00Z" },
      { start: "2024-06-07T09:00:00Z", end: "2024-06-07T09:15:00Z" },
    ]);
  });

  it("gives an all-day event on a DST change day its real length (23 hours in spring)", () => {
    const [busy] = occurrencesToBusy({
      hostTimeZone: "Europe/Berlin",
      occurrences: [{ ...base, allDay: true, start: "2024-03-31", end: "2024-04-01" }],
    });
    expect(busy).toEqual({ start: "2024-03-30T23:00:00Z", end: "2024-03-31T22:00:00Z" });
  });

  it("accepts a Windows zone name for the host and rejects an unknown one", () => {
    const occurrences = [
      { ...base, floating: true, start: "2024-01-10T09:00:00", end: "2024-01-10T10:00:00" },
    ];
    expect(occurrencesToBusy({ hostTimeZone: "W. Europe Standard Time", occurrences })).toEqual([
      { start: "2024-01-10T08:00:00Z", end: "2024-01-10T09:00:00Z" },
    ]);
    expect(() => occurrencesToBusy({ hostTimeZone: "Nowhere/Else", occurrences })).toThrow(RangeError);
  });
});
