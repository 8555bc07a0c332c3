import fc from "fast-check";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { wallFields, wallSeconds } from "./local-epoch.ts";
import { expandRecurrenceRule, parseRecurrenceRule } from "./recurrence-rule.ts";

const DAY = 86_400;
const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/** ical.js as the second implementation: its starts in [from, to], walking from DTSTART. */
function icalStarts(rule: string, startLocal: number, from: number, to: number): number[] {
  const iterator = ICAL.Recur.fromString(rule).iterator(
    ICAL.Time.fromData({ ...wallFields(startLocal), isDate: false }),
  );
  const out: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const next = iterator.next();
    if (!next) break;
    const local = wallSeconds(next.year, next.month, next.day, next.hour, next.minute, next.second);
    if (local > to) break;
    if (local >= from) out.push(local);
  }
  return out;
}

function ourStarts(rule: string, startLocal: number, from: number, to: number): number[] {
  const parsed = parseRecurrenceRule(rule);
  if (!parsed.ok) throw new Error(parsed.error);
  const expansion = expandRecurrenceRule({
    rule: parsed.value,
    startLocal,
    allDay: false,
    untilLocal: null,
    collectFrom: from,
    limit: to,
    budget: { steps: 2_000_000 },
  });
  expect(expansion.error).toBeNull();
  return expansion.starts;
}

const list = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 }).map((v) => v.join(","));
const interval = fc.integer({ min: 1, max: 5 });

// Every BYxxx expansion with INTERVAL > 1, in the shapes where ical.js is right (checked against dateutil):
// not BYSETPOS (ical.js applies it per month, and to DTSTART's month early), not YEARLY BYMONTHDAY without
// BYMONTH (ical.js keeps DTSTART's month), not MONTHLY with BYMONTH (ical.js skips allowed months), not month
// days a month lacks (ical.js moves them), not BYWEEKNO, not HOURLY/MINUTELY with BYHOUR (ical.js expands
// it instead of limiting). Those are checked against dateutil's answers below.
const rules = fc.oneof(
  fc
    .record({ i: interval, m: list([1, 2, 3, 6, 9, 12]) })
    .map(({ i, m }) => `FREQ=YEARLY;INTERVAL=${i};BYMONTH=${m}`),
  fc
    .record({ i: interval, m: list([1, 2, 3, 7, 11]), d: list([1, 10, 15, 28]) })
    .map(({ i, m, d }) => `FREQ=YEARLY;INTERVAL=${i};BYMONTH=${m};BYMONTHDAY=${d}`),
  fc
    .record({ i: interval, m: list([1, 3, 6, 10]), d: list(["1SU", "-1FR", "2WE", "TH"]) })
    .map(({ i, m, d }) => `FREQ=YEARLY;INTERVAL=${i};BYMONTH=${m};BYDAY=${d}`),
  fc
    .record({ i: interval, d: list([1, 60, 100, 200, 300]) })
    .map(({ i, d }) => `FREQ=YEARLY;INTERVAL=${i};BYYEARDAY=${d}`),
  fc.record({ i: interval }).map(({ i }) => `FREQ=YEARLY;INTERVAL=${i}`),
  fc
    .record({ i: interval, d: list(["MO", "1FR", "-1SU", "2TU", "3TH"]) })
    .map(({ i, d }) => `FREQ=MONTHLY;INTERVAL=${i};BYDAY=${d}`),
  fc
    .record({ i: interval, d: list([1, 2, 15, 28, -1, -3]) })
    .map(({ i, d }) => `FREQ=MONTHLY;INTERVAL=${i};BYMONTHDAY=${d}`),
  fc
    .record({ i: interval, d: list(DAYS), w: fc.constantFrom(...DAYS) })
    .map(({ i, d, w }) => `FREQ=WEEKLY;INTERVAL=${i};BYDAY=${d};WKST=${w}`),
  fc
    .record({ i: interval, d: list(DAYS), m: list([1, 2, 6, 12]) })
    .map(({ i, d, m }) => `FREQ=DAILY;INTERVAL=${i};BYDAY=${d};BYMONTH=${m}`),
  fc
    .record({ i: fc.integer({ min: 2, max: 7 }), d: list(DAYS) })
    .map(({ i, d }) => `FREQ=HOURLY;INTERVAL=${i};BYDAY=${d}`),
  fc
    .record({ i: fc.constantFrom(15, 20, 45, 90), d: list(DAYS) })
    .map(({ i, d }) => `FREQ=MINUTELY;INTERVAL=${i};BYDAY=${d}`),
);

describe("recurrence rules against ical.js", () => {
  it("agree on every BYxxx expansion with an INTERVAL, in any window", () => {
    // Days 1-28: from a 31st, YEARLY;BYMONTH=6 means no June at all, and ical.js moves it to 1 July.
    const starts = fc
      .record({
        year: fc.integer({ min: 2020, max: 2024 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 28 }),
        minute: fc.integer({ min: 0, max: 1439 }),
      })
      .map(({ year, month, day, minute }) => wallSeconds(year, month, day) + minute * 60);
    fc.assert(
      fc.property(rules, starts, fc.integer({ min: 0, max: 6 * 365 }), (rule, startLocal, offsetDays) => {
        // Sub-daily rules over a few days, others over two years; the window starts anywhere after DTSTART,
        // so the jump to the window is exercised too. ical.js does not apply the BY parts to the rest of
        // DTSTART's own period (it gave the 5th of June for BYMONTH=1;BYMONTHDAY=5 from 1 June): skip it.
        const subDaily = /FREQ=(HOURLY|MINUTELY)/.test(rule);
        const firstPeriod = /FREQ=YEARLY/.test(rule) ? 366 : /FREQ=MONTHLY/.test(rule) ? 31 : 7;
        const from = startLocal + (subDaily ? 2 + (offsetDays % 30) : firstPeriod + offsetDays) * DAY;
        const to = from + (subDaily ? 3 : 730) * DAY;
        expect(ourStarts(rule, startLocal, from, to), rule).toEqual(icalStarts(rule, startLocal, from, to));
      }),
      { numRuns: 300 },
    );
  });
});

const isoDates = (starts: number[]) =>
  starts.map((local) => new Date(local * 1000).toISOString().slice(0, 16));

// Where ical.js is wrong, the expected dates are python-dateutil 2.9's (rrulestr), checked by hand.
describe("recurrence rules where ical.js is wrong", () => {
  it.each([
    // ical.js gave 2021-01-20 (and DTSTART's month): June plus even months never reaches January.
    ["FREQ=MONTHLY;INTERVAL=2;BYMONTH=1;BYMONTHDAY=20", "2020-06-01T09:00", []],
    // ical.js skipped October 2020.
    [
      "FREQ=MONTHLY;BYMONTH=10;BYMONTHDAY=20;COUNT=3",
      "2020-06-01T09:00",
      ["2020-10-20T09:00", "2021-10-20T09:00", "2022-10-20T09:00"],
    ],
    // BYMONTHDAY expands a year to every month; ical.js kept DTSTART's month only.
    [
      "FREQ=YEARLY;INTERVAL=3;BYMONTHDAY=15,5;COUNT=4",
      "2001-11-09T11:00",
      ["2001-11-15T11:00", "2001-12-05T11:00", "2001-12-15T11:00", "2004-01-05T11:00"],
    ],
    // The year counts from January: after March 1998 comes 2000, not February 1999 then 2000.
    [
      "FREQ=YEARLY;INTERVAL=2;BYMONTH=2,6;BYMONTHDAY=5,15;COUNT=5",
      "1995-12-09T22:30",
      ["1997-02-05T22:30", "1997-02-15T22:30", "1997-06-05T22:30", "1997-06-15T22:30", "1999-02-05T22:30"],
    ],
    // BYSETPOS picks from the whole year, not from each month.
    [
      "FREQ=YEARLY;BYDAY=TH,FR,SU;BYMONTH=1,4;BYSETPOS=1,-1;COUNT=4",
      "1997-11-02T17:00",
      ["1998-01-01T17:00", "1998-04-30T17:00", "1999-01-01T17:00", "1999-04-30T17:00"],
    ],
    [
      "FREQ=YEARLY;INTERVAL=4;BYDAY=SU,TU;BYMONTH=7,10;BYSETPOS=1;COUNT=3",
      "2001-06-12T00:30",
      ["2001-07-01T00:30", "2005-07-03T00:30", "2009-07-05T00:30"],
    ],
    // BYHOUR limits an HOURLY rule: 3-hour steps from midnight never reach 13:00.
    [
      "FREQ=HOURLY;INTERVAL=3;BYHOUR=9,12,13;COUNT=4",
      "2020-01-01T00:00",
      ["2020-01-01T09:00", "2020-01-01T12:00", "2020-01-02T09:00", "2020-01-02T12:00"],
    ],
    [
      "FREQ=MINUTELY;INTERVAL=90;BYHOUR=9,10,16;COUNT=6",
      "2020-01-01T00:00",
      [
        "2020-01-01T09:00",
        "2020-01-01T10:30",
        "2020-01-01T16:30",
        "2020-01-02T09:00",
        "2020-01-02T10:30",
        "2020-01-02T16:30",
      ],
    ],
  ])("%s from %s", (rule, start, expected) => {
    const [date, time] = start.split("T") as [string, string];
    const [y, m, d] = date.split("-").map(Number) as [number, number, number];
    const [hh, mm] = time.split(":").map(Number) as [number, number];
    const startLocal = wallSeconds(y, m, d, hh, mm);
    expect(isoDates(ourStarts(rule, startLocal, startLocal, startLocal + 20 * 366 * DAY))).toEqual(expected);
  });
});
