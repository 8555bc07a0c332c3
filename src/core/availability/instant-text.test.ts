import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createInstantFormatter, parseInstant } from "./instant-text.ts";

// Years 0001-9999, the range of four-digit ISO years.
const instants = fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) });
const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

describe("instant text fast paths", () => {
  it("parseInstant agrees with Date.parse on the UTC form", () => {
    fc.assert(
      fc.property(instants, (ms) => {
        expect(parseInstant(iso(ms))).toBe(Date.parse(iso(ms)));
        const withMillis = new Date(ms).toISOString();
        if (withMillis.length === 24) expect(parseInstant(withMillis)).toBe(ms);
      }),
      { numRuns: 5000 },
    );
  });

  it("parseInstant takes epoch milliseconds as they are", () => {
    expect(parseInstant(Date.UTC(2030, 2, 4, 9, 0, 0, 250))).toBe(Date.UTC(2030, 2, 4, 9, 0, 0, 250));
  });

  it("parseInstant falls back to Date.parse for offsets and fractions", () => {
    expect(parseInstant("2030-03-04T10:00:00+01:00")).toBe(Date.UTC(2030, 2, 4, 9));
    expect(parseInstant("2030-03-04T09:00:00.250Z")).toBe(Date.UTC(2030, 2, 4, 9, 0, 0, 250));
  });

  it("the formatter agrees with toISOString without fractions, on and off whole minutes", () => {
    const format = createInstantFormatter();
    fc.assert(
      fc.property(instants, fc.boolean(), (ms, wholeMinute) => {
        const value = wholeMinute ? ms - (((ms % 60_000) + 60_000) % 60_000) : ms;
        expect(format(value)).toBe(iso(value));
      }),
      { numRuns: 5000 },
    );
  });
});
