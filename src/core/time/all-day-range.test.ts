import { describe, expect, it } from "vitest";
import { allDayRangeMs } from "./all-day-range.ts";

describe("allDayRangeMs", () => {
  it("places a day between local midnights of the zone", () => {
    expect(
      allDayRangeMs({ startDate: "2030-01-07", endDate: "2030-01-08", timeZone: "America/Los_Angeles" }),
    ).toEqual({
      startMs: Date.parse("2030-01-07T08:00:00Z"),
      endMs: Date.parse("2030-01-08T08:00:00Z"),
    });
    expect(allDayRangeMs({ startDate: "2030-01-07", endDate: "2030-01-08", timeZone: "Asia/Tokyo" })).toEqual(
      {
        startMs: Date.parse("2030-01-06T15:00:00Z"),
        endMs: Date.parse("2030-01-07T15:00:00Z"),
      },
    );
  });

  it("keeps a day that contains a DST change 23 or 25 hours long", () => {
    const spring = allDayRangeMs({
      startDate: "2030-03-31",
      endDate: "2030-04-01",
      timeZone: "Europe/Berlin",
    });
    expect(spring && (spring.endMs - spring.startMs) / 3_600_000).toBe(23);
    const autumn = allDayRangeMs({
      startDate: "2030-10-27",
      endDate: "2030-10-28",
      timeZone: "Europe/Berlin",
    });
    expect(autumn && (autumn.endMs - autumn.startMs) / 3_600_000).toBe(25);
  });

  it("refuses unreadable or empty ranges", () => {
    expect(allDayRangeMs({ startDate: "2030-1-7", endDate: "2030-01-08", timeZone: "UTC" })).toBeNull();
    expect(allDayRangeMs({ startDate: "2030-01-08", endDate: "2030-01-08", timeZone: "UTC" })).toBeNull();
  });
});
