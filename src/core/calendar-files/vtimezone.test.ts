import fc from "fast-check";
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { joinIcsLines } from "./ics-lines.ts";
import { renderVTimezone } from "./vtimezone.ts";

function icalTimezone(lines: string[]): ICAL.Timezone {
  const component = new ICAL.Component(ICAL.parse(joinIcsLines(lines)));
  return new ICAL.Timezone(component);
}

/** UTC instant that ical.js computes for a wall-clock time using only our VTIMEZONE. */
function instantViaIcalJs(zone: ICAL.Timezone, wallClock: Temporal.PlainDateTime): string {
  const time = ICAL.Time.fromData(
    {
      year: wallClock.year,
      month: wallClock.month,
      day: wallClock.day,
      hour: wallClock.hour,
      minute: wallClock.minute,
      second: wallClock.second,
    },
    zone,
  );
  return new Date(time.toUnixTime() * 1000).toISOString();
}

const ZONES = [
  "Europe/Berlin",
  "America/New_York",
  "America/Sao_Paulo", // abolished DST in 2019: a rule change inside the window
  "Australia/Adelaide", // half-hour offset with southern DST
  "Australia/Lord_Howe", // 30-minute DST
  "Asia/Kolkata",
  "Asia/Kathmandu", // +05:45
  "Pacific/Chatham",
  "Europe/Dublin", // negative DST in the IANA data
  "America/Santiago",
  "UTC",
];

describe("renderVTimezone", () => {
  it("lets ical.js compute the same instants as Temporal for any zone and date (no ambiguous hour)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2045, 0, 1) }),
        (timeZone, epochMs) => {
          const instant = Temporal.Instant.fromEpochMilliseconds(Math.floor(epochMs / 60_000) * 60_000);
          const local = instant.toZonedDateTimeISO(timeZone);
          const wallClock = local.toPlainDateTime();
          const earlier = wallClock.toZonedDateTime(timeZone, { disambiguation: "earlier" });
          const later = wallClock.toZonedDateTime(timeZone, { disambiguation: "later" });
          fc.pre(earlier.epochNanoseconds === later.epochNanoseconds);
          const zone = icalTimezone(renderVTimezone({ timeZone, from: instant, to: instant }));
          expect(instantViaIcalJs(zone, wallClock)).toBe(new Date(instant.epochMilliseconds).toISOString());
        },
      ),
      { numRuns: 300 },
    );
  });

  it("writes one STANDARD and one DAYLIGHT block with yearly rules for a zone with regular DST", () => {
    const at = Temporal.Instant.from("2030-03-04T09:00:00Z");
    const lines = renderVTimezone({ timeZone: "America/New_York", from: at, to: at });
    expect(lines).toEqual([
      "BEGIN:VTIMEZONE",
      "TZID:America/New_York",
      "BEGIN:STANDARD",
      "DTSTART:20291104T020000",
      "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
      "TZOFFSETFROM:-0400",
      "TZOFFSETTO:-0500",
      "END:STANDARD",
      "BEGIN:DAYLIGHT",
      "DTSTART:20290311T020000",
      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
      "TZOFFSETFROM:-0500",
      "TZOFFSETTO:-0400",
      "END:DAYLIGHT",
      "END:VTIMEZONE",
    ]);
  });

  it("writes a single STANDARD block for a zone without DST", () => {
    const at = Temporal.Instant.from("2030-06-10T04:00:00Z");
    const lines = renderVTimezone({ timeZone: "Asia/Kolkata", from: at, to: at });
    expect(lines.filter((line) => line.startsWith("BEGIN:"))).toEqual(["BEGIN:VTIMEZONE", "BEGIN:STANDARD"]);
    expect(lines).toContain("TZOFFSETTO:+0530");
    expect(lines.some((line) => line.startsWith("RRULE"))).toBe(false);
  });

  it("falls back to one block per transition when the rules change inside the window", () => {
    const at = Temporal.Instant.from("2019-06-01T12:00:00Z");
    const lines = renderVTimezone({ timeZone: "America/Sao_Paulo", from: at, to: at });
    expect(lines.some((line) => line.startsWith("RRULE"))).toBe(false);
    // The last transition is the end of DST in February 2019; nothing follows it.
    expect(lines.filter((line) => line.startsWith("DTSTART")).at(-1)).toBe("DTSTART:20190217T000000");
  });
});
