import { describe, expect, it } from "vitest";
import { checkManagedEventSchedule } from "./managed-event-schedule.ts";
import { expandSeries, formatRecurrenceSubset, parseRecurrenceSubset } from "./recurrence.ts";

const rule = (text: string) => {
  const parsed = parseRecurrenceSubset(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};
const starts = (text: string, start: string, timeZone = "Europe/Berlin", limit = 10) =>
  expandSeries({
    rule: rule(text),
    start: new Date(start),
    end: new Date(Date.parse(start) + 3_600_000),
    timeZone,
    exdates: [],
    limit,
    horizonDate: "2031-12-31",
  }).map((o) => o.start.toISOString());

describe("the managed events' recurrence subset", () => {
  it("accepts DAILY/WEEKLY/MONTHLY with INTERVAL, BYDAY, COUNT or UNTIL, and writes them back normalised", () => {
    expect(formatRecurrenceSubset(rule("RRULE:freq=weekly;byday=MO,WE;count=4"))).toBe(
      "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4",
    );
    expect(formatRecurrenceSubset(rule("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20301231"))).toBe(
      "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20301231",
    );
    expect(formatRecurrenceSubset(rule("FREQ=DAILY;INTERVAL=2"))).toBe("FREQ=DAILY;INTERVAL=2");
  });

  it.each([
    ["FREQ=YEARLY", "FREQ must be DAILY, WEEKLY or MONTHLY"],
    ["FREQ=HOURLY", "FREQ must be"],
    ["FREQ=WEEKLY;BYMONTH=1", "BYMONTH is not supported"],
    ["FREQ=DAILY;BYDAY=MO", "not supported with FREQ=DAILY"],
    ["FREQ=WEEKLY;COUNT=2;UNTIL=20300101", "COUNT or UNTIL, not both"],
    ["FREQ=WEEKLY;COUNT=100000", "COUNT must be"],
    ["FREQ=MONTHLY;BYDAY=MO,TU", "one day with an ordinal"],
    ["FREQ=WEEKLY;INTERVAL=0", "INTERVAL must be"],
    ["FREQ=WEEKLY;BYDAY=XX", "not a weekday"],
  ])("refuses %s", (text, message) => {
    const parsed = parseRecurrenceSubset(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.message).toContain(message);
  });

  it("keeps the wall time across a DST change in the event's zone", () => {
    // 09:00 in Berlin: 08:00Z in winter, 07:00Z after 2030-03-31.
    expect(starts("FREQ=WEEKLY;COUNT=3", "2030-03-25T08:00:00Z")).toEqual([
      "2030-03-25T08:00:00.000Z",
      "2030-04-01T07:00:00.000Z",
      "2030-04-08T07:00:00.000Z",
    ]);
  });

  it("expands weekly days with an interval, monthly ordinals and day-of-month, and UNTIL inclusive", () => {
    expect(starts("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4", "2030-01-07T09:00:00Z", "UTC")).toEqual([
      "2030-01-07T09:00:00.000Z",
      "2030-01-10T09:00:00.000Z",
      "2030-01-21T09:00:00.000Z",
      "2030-01-24T09:00:00.000Z",
    ]);
    expect(starts("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", "2030-01-25T09:00:00Z", "UTC")).toEqual([
      "2030-01-25T09:00:00.000Z",
      "2030-02-22T09:00:00.000Z",
      "2030-03-29T09:00:00.000Z",
    ]);
    // The 31st: months without one are skipped (RFC 5545).
    expect(starts("FREQ=MONTHLY;COUNT=3", "2030-01-31T09:00:00Z", "UTC")).toEqual([
      "2030-01-31T09:00:00.000Z",
      "2030-03-31T09:00:00.000Z",
      "2030-05-31T09:00:00.000Z",
    ]);
    expect(starts("FREQ=DAILY;UNTIL=20300103", "2030-01-01T09:00:00Z", "UTC")).toHaveLength(3);
  });

  it("checks times: end after start, a known zone, a start on the rule, EXDATEs that are occurrences", () => {
    const base = {
      start: new Date("2030-01-07T09:00:00Z"),
      end: new Date("2030-01-07T10:00:00Z"),
      timeZone: "UTC",
    };
    const check = (patch: object) => checkManagedEventSchedule({ ...base, recurrence: null, ...patch });
    expect(check({ end: base.start })).toEqual({ ok: false, message: "end must be after start" });
    expect(check({ timeZone: "Mars/Olympus" })).toEqual({
      ok: false,
      message: 'unknown time zone "Mars/Olympus"',
    });
    const series = (rule: string, exdates: Date[] = [], overrides: object[] = []) =>
      check({ recurrence: { rule, exdates, overrides } });
    expect(series("FREQ=WEEKLY;BYDAY=TU").ok).toBe(false);
    expect(series("FREQ=WEEKLY;COUNT=3", [new Date("2030-01-08T09:00:00Z")]).ok).toBe(false);
    const moved = series(
      "FREQ=WEEKLY;COUNT=3",
      [new Date("2030-01-21T09:00:00Z")],
      [
        {
          originalStart: new Date("2030-01-14T09:00:00Z"),
          start: new Date("2030-01-15T12:00:00Z"),
          end: new Date("2030-01-15T13:00:00Z"),
        },
      ],
    );
    expect(moved.ok && moved.value.occurrences.map((o) => o.start.toISOString())).toEqual([
      "2030-01-07T09:00:00.000Z",
      "2030-01-15T12:00:00.000Z",
    ]);
  });
});
