import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateIcs } from "./validate-calendar.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("validateIcs", () => {
  it("finds nothing wrong in the real-world exports", () => {
    for (const name of [
      "outlook-exchange.ics",
      "google-export.ics",
      "apple-icloud.ics",
      "rfc5545-recurrence.ics",
    ]) {
      expect(validateIcs(fixture(name)).problems, name).toEqual([]);
    }
  });

  it("reports event-level problems with their lines, sorted", () => {
    const result = validateIcs(fixture("malformed-values.ics"));
    expect(result).toMatchObject({ calendars: 1, events: 3 });
    expect(result.problems.map((p) => `${p.line} ${p.severity} ${p.message.slice(0, 30)}`)).toEqual([
      "6 warning DTSTART has an invalid date or",
      '13 warning invalid RRULE "FREQ=FORTNIGHTL',
      "16 warning VEVENT without UID",
    ]);
  });

  it("reports an unknown zone once, at its first use", () => {
    const result = validateIcs(fixture("outlook-no-vtimezone.ics"));
    expect(result.problems).toEqual([
      {
        severity: "warning",
        line: 37,
        message:
          'unknown time zone "Mars Standard Time" (no VTIMEZONE, not an IANA, Windows or Outlook name)',
      },
    ]);
  });

  it("reports a broken line as a warning and reads the rest of the file", () => {
    expect(validateIcs(fixture("malformed-bad-line.ics"))).toEqual({
      calendars: 1,
      events: 1,
      problems: [
        {
          severity: "warning",
          line: 7,
          message: "not a content line (expected NAME:VALUE, found no colon): skipped",
        },
      ],
    });
  });

  it("turns a structural error into one error problem", () => {
    expect(validateIcs(fixture("malformed-truncated.ics"))).toEqual({
      calendars: 0,
      events: 0,
      problems: [
        {
          severity: "error",
          line: 6,
          message: "file ends inside BEGIN:VEVENT of line 4 (truncated?)",
        },
      ],
    });
  });
});
