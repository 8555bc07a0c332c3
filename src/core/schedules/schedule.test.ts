import { describe, expect, it } from "vitest";
import { intervalMinutes, scheduleRulesSchema } from "./schedule.ts";

const valid = {
  timeZone: "Europe/Berlin",
  weekly: {
    mon: [
      ["09:00", "12:00"],
      ["13:00", "17:00"],
    ],
    fri: [["22:00", "02:00"]],
  },
  overrides: [
    { date: "2030-03-13", intervals: [["10:00", "14:00"]] },
    { date: "2030-03-14", intervals: [] },
  ],
  outOfOffice: [{ start: "2030-04-01T00:00:00Z", end: "2030-04-08T00:00:00Z" }],
};

function messages(input: unknown): string[] {
  const result = scheduleRulesSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("schedule rules", () => {
  it("accepts a realistic schedule, including an interval past midnight and a day off", () => {
    expect(messages(valid)).toEqual([]);
    expect(intervalMinutes(["22:00", "02:00"])).toEqual([1320, 1560]);
    expect(intervalMinutes(["09:00", "24:00"])).toEqual([540, 1440]);
  });

  it.each([
    [{ ...valid, timeZone: "Mars/Olympus" }, /timeZone: unknown time zone "Mars\/Olympus"/],
    [
      {
        ...valid,
        weekly: {
          mon: [
            ["09:00", "12:00"],
            ["11:00", "13:00"],
          ],
        },
      },
      /weekly.mon.1: mon 11:00-13:00 overlaps mon 09:00-12:00/,
    ],
    [
      { ...valid, weekly: { mon: [["09:00", "09:00"]] } },
      /weekly.mon.0.1: end equals start: the interval is empty/,
    ],
    [{ ...valid, weekly: { mon: [["9am", "17:00"]] } }, /weekly.mon.0.0: must be a wall time HH:MM/],
    [{ ...valid, weekly: { monday: [] } }, /Unrecognized key/],
    // A night shift running into the next morning's hours, Sunday into Monday included.
    [
      { ...valid, weekly: { sun: [["22:00", "03:00"]], mon: [["02:00", "06:00"]] } },
      /weekly.mon.0: mon 02:00-06:00 overlaps sun 22:00-03:00/,
    ],
    [
      { ...valid, overrides: [{ date: "2030-02-30", intervals: [] }] },
      /overrides.0.date: must be a calendar date/,
    ],
    [
      {
        ...valid,
        overrides: [
          { date: "2030-03-01", intervals: [] },
          { date: "2030-03-01", intervals: [] },
        ],
      },
      /duplicate override/,
    ],
    [
      { ...valid, outOfOffice: [{ start: "2030-04-08T00:00:00Z", end: "2030-04-01T00:00:00Z" }] },
      /outOfOffice.0.end: end must be after start/,
    ],
    [
      { ...valid, outOfOffice: [{ start: "yesterday", end: "2030-04-01T00:00:00Z" }] },
      /outOfOffice.0.start: must be an ISO 8601/,
    ],
  ])("rejects bad input with a message that says what is wrong (%#)", (input, expected) => {
    expect(messages(input).join("\n")).toMatch(expected);
  });
});
