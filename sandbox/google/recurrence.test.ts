import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { compactUtc } from "./event-time.ts";
import { expandOccurrences } from "./recurrence.ts";

const FAR = Temporal.Instant.from("2040-01-01T00:00:00Z");

describe("expandOccurrences", () => {
  it("keeps local wall time across DST and keys instances by original start in UTC", () => {
    const occurrences = expandOccurrences({
      start: { dateTime: "2030-03-08T09:30:00-05:00", timeZone: "America/New_York" },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=4"],
      calendarTimeZone: "UTC",
      before: FAR,
      limit: 100,
    });
    expect(occurrences.map((occurrence) => occurrence.key)).toEqual([
      "20300308T143000Z",
      "20300309T143000Z",
      // 2030-03-10 is the US DST switch: 09:30 local is now 13:30Z.
      "20300310T133000Z",
      "20300311T133000Z",
    ]);
    expect(occurrences[2]?.originalStart).toEqual({
      dateTime: "2030-03-10T09:30:00-04:00",
      timeZone: "America/New_York",
    });
  });

  it("applies a UTC UNTIL against the local series time, not the floating time", () => {
    // 18:00 Berlin is 17:00Z; UNTIL at 17:00Z on the 21st includes that day's occurrence exactly.
    const occurrences = expandOccurrences({
      start: { dateTime: "2030-01-07T18:00:00+01:00", timeZone: "Europe/Berlin" },
      recurrence: ["RRULE:FREQ=WEEKLY;UNTIL=20300121T170000Z"],
      calendarTimeZone: "Europe/Berlin",
      before: FAR,
      limit: 100,
    });
    expect(occurrences.map((occurrence) => occurrence.key)).toEqual([
      "20300107T170000Z",
      "20300114T170000Z",
      "20300121T170000Z",
    ]);
  });

  it("removes EXDATEs given with TZID or in UTC and adds RDATEs", () => {
    const occurrences = expandOccurrences({
      start: { dateTime: "2030-01-07T18:00:00+01:00", timeZone: "Europe/Berlin" },
      recurrence: [
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE;TZID=Europe/Berlin:20300114T180000",
        "EXDATE:20300121T170000Z",
        "RDATE;TZID=Europe/Berlin:20300201T120000",
      ],
      calendarTimeZone: "Europe/Berlin",
      before: FAR,
      limit: 100,
    });
    expect(occurrences.map((occurrence) => occurrence.key)).toEqual([
      "20300107T170000Z",
      "20300128T170000Z",
      "20300201T110000Z",
    ]);
  });

  it("keys all-day series by date and stops at the horizon and limit", () => {
    const yearly = expandOccurrences({
      start: { date: "2030-03-03" },
      recurrence: ["RRULE:FREQ=YEARLY"],
      calendarTimeZone: "Europe/Berlin",
      before: Temporal.Instant.from("2033-01-01T00:00:00Z"),
      limit: 100,
    });
    expect(yearly.map((occurrence) => occurrence.key)).toEqual(["20300303", "20310303", "20320303"]);
    expect(yearly[0]?.originalStart).toEqual({ date: "2030-03-03" });
    const capped = expandOccurrences({
      start: { date: "2030-03-03" },
      recurrence: ["RRULE:FREQ=DAILY"],
      calendarTimeZone: "UTC",
      before: FAR,
      limit: 10,
    });
    expect(capped).toHaveLength(10);
  });
});

describe("expandOccurrences properties", () => {
  const zones = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"];
  it("keeps wall time, yields COUNT sorted unique instances, keys match UTC starts", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom("DAILY", "WEEKLY", "MONTHLY"),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 364 }),
        fc.integer({ min: 0, max: 23 }),
        (zone, freq, count, dayOffset, hour) => {
          const wall = Temporal.PlainDate.from("2030-01-01")
            .add({ days: dayOffset })
            .toPlainDateTime({ hour, minute: 15 });
          const start = wall.toZonedDateTime(zone);
          const occurrences = expandOccurrences({
            start: { dateTime: start.toString({ timeZoneName: "never" }), timeZone: zone },
            recurrence: [`RRULE:FREQ=${freq};COUNT=${count}`],
            calendarTimeZone: "UTC",
            before: FAR,
            limit: 1000,
          });
          // Monthly rules skip months without that day (RFC 5545), so COUNT is an upper bound there.
          if (freq === "MONTHLY") expect(occurrences.length).toBeLessThanOrEqual(count);
          else expect(occurrences).toHaveLength(count);
          const keys = occurrences.map((occurrence) => occurrence.key);
          expect(new Set(keys).size).toBe(keys.length);
          for (const [index, occurrence] of occurrences.entries()) {
            const local = occurrence.start.toZonedDateTimeISO(zone);
            // Wall time holds except when DST skips it (then "compatible" moves it forward).
            if (local.hour === hour || local.hour === hour + 1) expect(local.minute).toBe(15);
            else expect.fail(`instance ${index} at ${local.toString()} drifted from ${hour}:15`);
            expect(occurrence.key).toBe(compactUtc(occurrence.start));
            if (index > 0)
              expect(Temporal.Instant.compare(occurrences[index - 1]!.start, occurrence.start)).toBe(-1);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
