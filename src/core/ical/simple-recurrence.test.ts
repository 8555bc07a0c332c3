import fc from "fast-check";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { wallFields, wallSeconds } from "./local-epoch.ts";
import { expandSimpleRule } from "./simple-recurrence.ts";

const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const HORIZON = 4 * 365 * 86_400;

/** ical.js as the oracle: every occurrence after DTSTART up to the horizon. */
function icalStarts(rule: string, startLocal: number): number[] {
  const f = wallFields(startLocal);
  const iterator = ICAL.Recur.fromString(rule).iterator(ICAL.Time.fromData({ ...f, isDate: false }));
  const out: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const next = iterator.next();
    if (!next) break;
    const local = wallSeconds(next.year, next.month, next.day, next.hour, next.minute, next.second);
    if (local > startLocal + HORIZON) break;
    if (local > startLocal) out.push(local);
  }
  // A capped oracle list may end mid-period: drop its last day.
  if (out.length >= 2990) return out.filter((local) => local < out[out.length - 1]! - 86_400);
  return out;
}

function closedFormStarts(rule: string, startLocal: number): number[] | null {
  const expansion = expandSimpleRule({
    ruleText: rule,
    startLocal,
    untilLocal: null,
    collectFrom: startLocal + 1,
    limit: startLocal + HORIZON,
    budget: { steps: 1_000_000 },
  });
  return expansion ? expansion.starts : null;
}

const weekdays = fc.subarray(DAYS, { minLength: 1 });
const rules = fc.oneof(
  fc
    .record({ interval: fc.integer({ min: 1, max: 3 }), days: fc.option(weekdays, { nil: null }) })
    .map(({ interval, days }) => `FREQ=DAILY;INTERVAL=${interval}${days ? `;BYDAY=${days.join(",")}` : ""}`),
  fc
    .record({ interval: fc.integer({ min: 1, max: 3 }), days: weekdays, wkst: fc.constantFrom("MO", "SU") })
    .map(
      ({ interval, days, wkst }) => `FREQ=WEEKLY;INTERVAL=${interval};BYDAY=${days.join(",")};WKST=${wkst}`,
    ),
  fc
    .record({
      interval: fc.integer({ min: 1, max: 4 }),
      monthDays: fc.subarray([1, 5, 15, 28, 29, 30, 31, -1, -2], { minLength: 1 }),
    })
    .map(({ interval, monthDays }) => `FREQ=MONTHLY;INTERVAL=${interval};BYMONTHDAY=${monthDays.join(",")}`),
  fc
    .record({
      hours: fc.subarray([0, 9, 13, 23], { minLength: 1 }),
      minutes: fc.subarray([0, 20, 45], { minLength: 1 }),
    })
    .map(({ hours, minutes }) => `FREQ=DAILY;BYHOUR=${hours.join(",")};BYMINUTE=${minutes.join(",")}`),
  fc
    .record({ days: weekdays, hours: fc.subarray([7, 12, 18], { minLength: 1 }) })
    .map(({ days, hours }) => `FREQ=WEEKLY;BYDAY=${days.join(",")};BYHOUR=${hours.join(",")}`),
  fc
    .record({ ordinal: fc.constantFrom(1, 2, 3, 4, -1, -2), day: fc.constantFrom(...DAYS) })
    .map(({ ordinal, day }) => `FREQ=MONTHLY;BYDAY=${ordinal}${day}`),
  fc
    .record({ months: fc.subarray([1, 3, 6, 10, 12], { minLength: 1 }), ordinal: fc.constantFrom(1, 2, -1) })
    .map(({ months, ordinal }) => `FREQ=YEARLY;BYMONTH=${months.join(",")};BYDAY=${ordinal}SU`),
  fc
    // ical.js moves days a month lacks (30 February) to the next month; RFC 5545 skips them: see below.
    .record({ months: fc.subarray([2, 4, 7, 11], { minLength: 1 }), day: fc.constantFrom(1, 15, 28) })
    .map(({ months, day }) => `FREQ=YEARLY;BYMONTH=${months.join(",")};BYMONTHDAY=${day}`),
);

describe("closed-form recurrence", () => {
  it("agrees with ical.js on the rule shapes it handles", () => {
    const starts = fc
      .record({ day: fc.integer({ min: 0, max: 5 * 365 }), minute: fc.integer({ min: 0, max: 1439 }) })
      .map(({ day, minute }) => wallSeconds(2020, 1, 1) + day * 86_400 + minute * 60);
    fc.assert(
      fc.property(rules, starts, (rule, startLocal) => {
        const closed = closedFormStarts(rule, startLocal);
        expect(closed, rule).not.toBeNull();
        // ical.js does not apply BYDAY to the rest of DTSTART's own hour/day period (it gave 00:30 on a
        // Wednesday for BYDAY=SU); compare from the third day on, over the oracle's first 3000 results.
        const settled = (list: number[]) => list.filter((local) => local >= startLocal + 2 * 86_400);
        const expected = settled(icalStarts(rule, startLocal));
        expect(settled(closed!).slice(0, expected.length), rule).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("counts COUNT from DTSTART and stops at UNTIL, inclusive", () => {
    const start = wallSeconds(2024, 1, 31, 9);
    const monthly = expandSimpleRule({
      ruleText: "FREQ=MONTHLY;COUNT=4",
      startLocal: start,
      untilLocal: null,
      collectFrom: start,
      limit: start + HORIZON,
      budget: { steps: 10_000 },
    });
    // The 31st only: months without one are skipped, not moved (RFC 5545 section 3.3.10).
    expect(monthly?.starts.map((s) => new Date(s * 1000).toISOString().slice(0, 10))).toEqual([
      "2024-01-31",
      "2024-03-31",
      "2024-05-31",
      "2024-07-31",
    ]);
    const weekly = expandSimpleRule({
      ruleText: "FREQ=WEEKLY",
      startLocal: start,
      untilLocal: wallSeconds(2024, 2, 14, 9),
      collectFrom: start,
      limit: start + HORIZON,
      budget: { steps: 10_000 },
    });
    expect(weekly?.starts).toHaveLength(3);
  });

  // ical.js loops forever inside one next() call on these (90-minute steps from 00:00 never reach 17:xx), so
  // sub-daily rules are never handed to it; the closed form spends its step budget and stops.
  it.each(["FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MINUTELY;INTERVAL=90;BYHOUR=17"])(
    "spends the step budget, without hanging, on %s",
    (ruleText) => {
      const start = wallSeconds(2000, 1, 1);
      const expansion = expandSimpleRule({
        ruleText,
        startLocal: start,
        untilLocal: null,
        collectFrom: start,
        limit: start + 30 * 365 * 86_400,
        budget: { steps: 200_000 },
      });
      expect(expansion).toEqual({ starts: [], capped: true, error: null });
    },
  );

  it("expands finer parts and limits by coarser ones for sub-daily rules", () => {
    const start = wallSeconds(2024, 1, 1, 8, 0); // a Monday
    const expand = (ruleText: string) =>
      expandSimpleRule({
        ruleText,
        startLocal: start,
        untilLocal: null,
        collectFrom: start,
        limit: start + 3 * 86_400,
        budget: { steps: 100_000 },
      })?.starts.map((s) => new Date(s * 1000).toISOString().slice(5, 16));
    expect(expand("FREQ=HOURLY;INTERVAL=4;BYMINUTE=0,30;BYDAY=TU")).toEqual([
      "01-02T00:00",
      "01-02T00:30",
      "01-02T04:00",
      "01-02T04:30",
      "01-02T08:00",
      "01-02T08:30",
      "01-02T12:00",
      "01-02T12:30",
      "01-02T16:00",
      "01-02T16:30",
      "01-02T20:00",
      "01-02T20:30",
    ]);
    expect(expand("FREQ=MINUTELY;INTERVAL=45;BYHOUR=9;COUNT=3")).toEqual([
      "01-01T09:30",
      "01-02T09:30",
      "01-03T09:30",
    ]);
  });

  // ical.js applied a YEARLY BYSETPOS to each month, and a MONTHLY one also to DTSTART's month before it: the
  // period's whole set counts (RFC 5545 section 3.3.10), days before DTSTART are then dropped.
  it.each([
    [
      "FREQ=YEARLY;BYMONTH=1,4;BYDAY=TU;BYSETPOS=1;COUNT=3",
      wallSeconds(2004, 8, 19),
      ["2005-01-04", "2006-01-03", "2007-01-02"],
    ],
    [
      "FREQ=MONTHLY;INTERVAL=4;BYDAY=TH;BYSETPOS=3;COUNT=3",
      wallSeconds(1996, 4, 2),
      ["1996-04-18", "1996-08-15", "1996-12-19"],
    ],
    [
      "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=2",
      wallSeconds(2024, 1, 31),
      ["2024-01-31", "2024-02-29"],
    ],
    ["FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=-1;COUNT=2", wallSeconds(2024, 1, 1), ["2024-01-05", "2024-01-12"]],
    [
      "FREQ=DAILY;BYHOUR=9,12,17;BYSETPOS=2,-1;COUNT=3",
      wallSeconds(2024, 1, 1),
      ["2024-01-01T12", "2024-01-01T17", "2024-01-02T12"],
    ],
  ])("applies BYSETPOS to each whole period: %s", (rule, start, expected) => {
    const starts = expandSimpleRule({
      ruleText: rule,
      startLocal: start,
      untilLocal: null,
      collectFrom: start,
      limit: start + HORIZON,
      budget: { steps: 100_000 },
    })?.starts;
    expect(starts?.map((s) => new Date(s * 1000).toISOString().slice(0, expected[0]!.length))).toEqual(
      expected,
    );
  });

  it("leaves other shapes to ical.js", () => {
    for (const rule of ["FREQ=YEARLY;BYYEARDAY=100", "FREQ=MONTHLY;BYHOUR=9,17"]) {
      expect(closedFormStarts(rule, wallSeconds(2024, 1, 1)), rule).toBeNull();
    }
  });
});
