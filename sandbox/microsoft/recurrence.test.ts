import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { expandOccurrenceDates, normaliseRecurrence } from "./recurrence.ts";

function dates(recurrence: unknown, until = "2031-12-31"): string[] {
  const normalised = normaliseRecurrence(recurrence, { eventTimeZone: "UTC" });
  return expandOccurrenceDates({ recurrence: normalised, until: Temporal.PlainDate.from(until) }).map(String);
}

describe("patternedRecurrence expansion", () => {
  it.each([
    [
      "daily every 3 days",
      { type: "daily", interval: 3 },
      { type: "numbered", startDate: "2030-01-30", numberOfOccurrences: 4 },
      ["2030-01-30", "2030-02-02", "2030-02-05", "2030-02-08"],
    ],
    [
      "weekly Tue/Thu every 2 weeks",
      { type: "weekly", interval: 2, daysOfWeek: ["Tuesday", "thursday"] },
      { type: "numbered", startDate: "2030-01-01", numberOfOccurrences: 4 },
      ["2030-01-01", "2030-01-03", "2030-01-15", "2030-01-17"],
    ],
    [
      "absoluteMonthly on the 31st skips short months",
      { type: "absoluteMonthly", interval: 1, dayOfMonth: 31 },
      { type: "endDate", startDate: "2030-01-31", endDate: "2030-05-31" },
      ["2030-01-31", "2030-03-31", "2030-05-31"],
    ],
    [
      "relativeMonthly last friday",
      { type: "relativeMonthly", interval: 1, daysOfWeek: ["friday"], index: "last" },
      { type: "numbered", startDate: "2030-01-25", numberOfOccurrences: 3 },
      ["2030-01-25", "2030-02-22", "2030-03-29"],
    ],
    [
      "absoluteYearly",
      { type: "absoluteYearly", interval: 1, month: 2, dayOfMonth: 29 },
      { type: "noEnd", startDate: "2028-02-29" },
      ["2028-02-29"],
    ],
    [
      "relativeYearly second monday of october",
      { type: "relativeYearly", interval: 1, month: 10, daysOfWeek: ["monday"], index: "second" },
      { type: "numbered", startDate: "2030-10-14", numberOfOccurrences: 2 },
      ["2030-10-14", "2031-10-13"],
    ],
  ])("%s", (_name, pattern, range, expected) => {
    expect(dates({ pattern, range })).toEqual(expected);
  });

  it("fills every field as Graph responses do and lowercases days", () => {
    const normalised = normaliseRecurrence(
      {
        pattern: { type: "weekly", interval: 1, daysOfWeek: ["Monday"] },
        range: { type: "noEnd", startDate: "2030-01-07" },
      },
      { eventTimeZone: "Pacific Standard Time" },
    );
    expect(normalised).toEqual({
      pattern: {
        type: "weekly",
        interval: 1,
        month: 0,
        dayOfMonth: 0,
        daysOfWeek: ["monday"],
        firstDayOfWeek: "sunday",
        index: "first",
      },
      range: {
        type: "noEnd",
        startDate: "2030-01-07",
        endDate: "0001-01-01",
        numberOfOccurrences: 0,
        recurrenceTimeZone: "Pacific Standard Time",
      },
    });
  });

  it("rejects weekly patterns without days", () => {
    expect(() =>
      normaliseRecurrence(
        { pattern: { type: "weekly", interval: 1 }, range: { type: "noEnd", startDate: "2030-01-07" } },
        { eventTimeZone: "UTC" },
      ),
    ).toThrow(/daysOfWeek/);
  });
});

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

describe("expansion invariants (fast-check)", () => {
  const recurrenceArbitrary = fc.record({
    type: fc.constantFrom(
      "daily",
      "weekly",
      "absoluteMonthly",
      "relativeMonthly",
      "absoluteYearly",
      "relativeYearly",
    ),
    interval: fc.integer({ min: 1, max: 4 }),
    days: fc.uniqueArray(fc.constantFrom(...DAYS), { minLength: 1, maxLength: 3 }),
    dayOfMonth: fc.integer({ min: 1, max: 31 }),
    month: fc.integer({ min: 1, max: 12 }),
    index: fc.constantFrom("first", "second", "third", "fourth", "last"),
    start: fc.date({ min: new Date("2030-01-01"), max: new Date("2030-12-31"), noInvalidDate: true }),
    count: fc.integer({ min: 1, max: 12 }),
  });

  it("yields increasing dates on or after the start, at most numberOfOccurrences, each on an allowed weekday", () => {
    fc.assert(
      fc.property(recurrenceArbitrary, (r) => {
        const startDate = r.start.toISOString().slice(0, 10);
        const pattern = {
          type: r.type,
          interval: r.interval,
          daysOfWeek: r.days,
          dayOfMonth: r.dayOfMonth,
          month: r.month,
          index: r.index,
        };
        const result = dates(
          { pattern, range: { type: "numbered", startDate, numberOfOccurrences: r.count } },
          "2036-12-31",
        );
        expect(result.length).toBeLessThanOrEqual(r.count);
        for (let i = 0; i < result.length; i++) {
          expect(result[i]! >= startDate).toBe(true);
          if (i > 0) expect(result[i]! > result[i - 1]!).toBe(true);
          const weekday = DAYS[Temporal.PlainDate.from(result[i]!).dayOfWeek % 7]!;
          if (["weekly", "relativeMonthly", "relativeYearly"].includes(r.type))
            expect(r.days).toContain(weekday);
          if (r.type === "absoluteMonthly") expect(Number(result[i]!.slice(8))).toBe(r.dayOfMonth);
        }
      }),
      { numRuns: 200 },
    );
  });
});
