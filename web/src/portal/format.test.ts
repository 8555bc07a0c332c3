import { describe, expect, it } from "vitest";
import { isoToZonedDate, zonedToIso } from "./format.ts";

describe("zoned dates of the availability editor", () => {
  it("turns a local midnight into the instant, across daylight saving time", () => {
    expect(zonedToIso("2030-01-15", "00:00", "Europe/Berlin")).toBe("2030-01-14T23:00:00.000Z");
    expect(zonedToIso("2030-07-15", "00:00", "Europe/Berlin")).toBe("2030-07-14T22:00:00.000Z");
    expect(zonedToIso("2030-03-31", "12:00", "Europe/Berlin")).toBe("2030-03-31T10:00:00.000Z");
    expect(zonedToIso("2030-07-15", "09:30", "America/New_York")).toBe("2030-07-15T13:30:00.000Z");
  });

  it("reads the local date of an instant", () => {
    expect(isoToZonedDate("2030-07-14T22:00:00.000Z", "Europe/Berlin")).toBe("2030-07-15");
    expect(isoToZonedDate("2030-07-14T22:00:00.000Z", "UTC")).toBe("2030-07-14");
  });
});
