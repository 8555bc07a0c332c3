import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { PROPERTY_ZONES } from "./testing/request-arbitrary.ts";
import { DAY_MS, MINUTE_MS } from "./wall-time.ts";
import { loadZoneOffsets, localToInstant, offsetAt } from "./zone-offsets.ts";

// Plus two zones with DST rules of their own (Newfoundland -03:30, London).
const ZONES = [...PROPERTY_ZONES, "America/St_Johns", "Europe/London"];
const FROM = Date.UTC(2029, 0, 1);
const TO = Date.UTC(2031, 0, 1);
const zones = new Map(
  ZONES.map((timeZone) => [timeZone, loadZoneOffsets({ timeZone, fromMs: FROM, toMs: TO })]),
);

/** Wall times within three hours of a transition, where conversions go wrong, and anywhere else. */
function localTimes(timeZone: string): fc.Arbitrary<number> {
  const zone = zones.get(timeZone)!;
  const near = zone.transitionsMs.map((transition, index) =>
    fc
      .integer({ min: -180, max: 180 })
      .map((minutes) => transition + (zone.offsetsBeforeMs[index] as number) + minutes * MINUTE_MS),
  );
  const anywhere = fc
    .integer({ min: FROM / MINUTE_MS + 2 * 1440, max: TO / MINUTE_MS - 2 * 1440 })
    .map((m) => m * MINUTE_MS);
  return near.length > 0 ? fc.oneof(anywhere, ...near) : anywhere;
}

function temporalInstant(timeZone: string, localMs: number): number {
  const wall = Temporal.Instant.fromEpochMilliseconds(localMs).toZonedDateTimeISO("UTC").toPlainDateTime();
  return wall.toZonedDateTime(timeZone, { disambiguation: "compatible" }).epochMilliseconds;
}

describe("zone offsets against Temporal", () => {
  it("finds the transitions of the range (Berlin 2030: last Sundays of March and October)", () => {
    const berlin = zones.get("Europe/Berlin")!;
    const in2030 = berlin.transitionsMs.filter(
      (ms) => ms >= Date.UTC(2030, 0, 1) && ms < Date.UTC(2031, 0, 1),
    );
    expect(in2030.map((ms) => new Date(ms).toISOString())).toEqual([
      "2030-03-31T01:00:00.000Z",
      "2030-10-27T01:00:00.000Z",
    ]);
    expect(zones.get("America/Sao_Paulo")!.transitionsMs).toEqual([]);
  });

  it("local wall time to instant matches Temporal's compatible disambiguation", () => {
    const arbitrary = fc
      .constantFrom(...ZONES)
      .chain((timeZone) => fc.tuple(fc.constant(timeZone), localTimes(timeZone)));
    fc.assert(
      fc.property(arbitrary, ([timeZone, localMs]) => {
        expect(localToInstant(zones.get(timeZone)!, localMs)).toBe(temporalInstant(timeZone, localMs));
      }),
      { numRuns: 3000 },
    );
  });

  it("offset at an instant matches Temporal", () => {
    const arbitrary = fc.tuple(
      fc.constantFrom(...ZONES),
      fc.integer({ min: FROM / MINUTE_MS + 1440, max: TO / MINUTE_MS - 1440 }),
    );
    fc.assert(
      fc.property(arbitrary, ([timeZone, minutes]) => {
        const instant = minutes * MINUTE_MS;
        const expected =
          Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(timeZone).offsetNanoseconds /
          1e6;
        expect(offsetAt(zones.get(timeZone)!, instant)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("any sub-range, across year boundaries, converts like Temporal", () => {
    const arbitrary = fc.record({
      timeZone: fc.constantFrom(...ZONES),
      fromMinutes: fc.integer({
        min: Date.UTC(2025, 0, 1) / MINUTE_MS,
        max: Date.UTC(2035, 0, 1) / MINUTE_MS,
      }),
      spanMinutes: fc.integer({ min: 1, max: 400 * 1440 }),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(arbitrary, ({ timeZone, fromMinutes, spanMinutes, at }) => {
        const fromMs = fromMinutes * MINUTE_MS;
        const zone = loadZoneOffsets({ timeZone, fromMs, toMs: fromMs + spanMinutes * MINUTE_MS });
        const instant = fromMs + Math.floor(at * spanMinutes) * MINUTE_MS;
        const zoned = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(timeZone);
        expect(offsetAt(zone, instant)).toBe(zoned.offsetNanoseconds / 1e6);
        const local = instant + zoned.offsetNanoseconds / 1e6;
        expect(localToInstant(zone, local)).toBe(temporalInstant(timeZone, local));
      }),
      { numRuns: 1000 },
    );
  });

  it("a range starting inside an overlap still converts its wall times to the earlier instant", () => {
    // New York falls back at 06:00Z on 2025-11-02: 01:00-02:00 local happens twice. From 06:00Z on, 01:00 local
    // is still first 05:00Z (EDT), which is what Temporal's "compatible" disambiguation answers.
    const fromMs = Date.UTC(2025, 10, 2, 6);
    const zone = loadZoneOffsets({ timeZone: "America/New_York", fromMs, toMs: fromMs + MINUTE_MS });
    const local = Date.UTC(2025, 10, 2, 1);
    expect(localToInstant(zone, local)).toBe(temporalInstant("America/New_York", local));
    expect(new Date(localToInstant(zone, local)).toISOString()).toBe("2025-11-02T05:00:00.000Z");
  });

  it("a gap moves forward by its length; an overlap takes the earlier instant", () => {
    const berlin = zones.get("Europe/Berlin")!;
    const march31 = Date.UTC(2030, 2, 31);
    expect(new Date(localToInstant(berlin, march31 + 150 * MINUTE_MS)).toISOString()).toBe(
      "2030-03-31T01:30:00.000Z",
    );
    const october27 = Date.UTC(2030, 9, 27);
    expect(new Date(localToInstant(berlin, october27 + 150 * MINUTE_MS)).toISOString()).toBe(
      "2030-10-27T00:30:00.000Z",
    );
    expect(localToInstant(berlin, october27 + DAY_MS) - localToInstant(berlin, october27)).toBe(
      25 * 3_600_000,
    );
  });
});
