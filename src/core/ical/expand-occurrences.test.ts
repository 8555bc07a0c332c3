import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeIcsBytes } from "./decode-ics-bytes.ts";
import { expandOccurrences } from "./expand-occurrences.ts";
import type { Occurrence } from "./occurrence.ts";
import { parseCalendars } from "./parse-calendar.ts";

function expandText(text: string, from: string, to: string, maxOccurrences?: number) {
  const parsed = parseCalendars(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const expanded = expandOccurrences({ calendars: parsed.value, from, to, maxOccurrences });
  if (!expanded.ok) throw new Error(expanded.error.message);
  return expanded.value;
}

function expandFixture(name: string, from: string, to: string) {
  const bytes = readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  return expandText(decodeIcsBytes(bytes), from, to);
}

/** `start end uid recurrenceId` per occurrence: compact, and exact. */
function rows(occurrences: Occurrence[], uid?: string): string[] {
  return occurrences
    .filter((o) => uid === undefined || o.uid === uid)
    .map((o) => `${o.start} ${o.end} ${o.uid} ${o.recurrenceId ?? "-"}`);
}

describe("Outlook / Exchange export", () => {
  const outlookUid =
    "040000008200E00074C5B7101A82E00800000000A0B3C1D2E3F4DA01000000000000000010000000F1E2D3C4B5A69788796A5B4C3D2E1F00";

  it("expands a Windows-TZID series with its VTIMEZONE across the October DST change", () => {
    const { occurrences, problems } = expandFixture("outlook-exchange.ics", "2024-09-01", "2025-01-01");
    expect(problems).toEqual([]);
    expect(rows(occurrences, outlookUid)).toEqual([
      `2024-10-01T08:00:00Z 2024-10-01T08:30:00Z ${outlookUid} 2024-10-01T08:00:00Z`,
      `2024-10-08T08:00:00Z 2024-10-08T08:30:00Z ${outlookUid} 2024-10-08T08:00:00Z`,
      `2024-10-15T13:00:00Z 2024-10-15T13:30:00Z ${outlookUid} 2024-10-15T08:00:00Z`,
      `2024-10-22T08:00:00Z 2024-10-22T08:30:00Z ${outlookUid} 2024-10-22T08:00:00Z`,
      // CET from 27 October: 10:00 local is 09:00Z. 5 November is an EXDATE; UNTIL ends the series on the 26th.
      `2024-10-29T09:00:00Z 2024-10-29T09:30:00Z ${outlookUid} 2024-10-29T09:00:00Z`,
      `2024-11-12T09:00:00Z 2024-11-12T09:30:00Z ${outlookUid} 2024-11-12T09:00:00Z`,
      `2024-11-19T09:00:00Z 2024-11-19T09:30:00Z ${outlookUid} 2024-11-19T09:00:00Z`,
      `2024-11-26T09:00:00Z 2024-11-26T09:30:00Z ${outlookUid} 2024-11-26T09:00:00Z`,
    ]);
    const moved = occurrences.find((o) => o.start === "2024-10-15T13:00:00Z");
    expect(moved).toMatchObject({ summary: "Team sync (moved)", sequence: 3, status: "CONFIRMED" });
    const cancelled = occurrences.find((o) => o.recurrenceId === "2024-10-22T08:00:00Z");
    expect(cancelled).toMatchObject({ status: "CANCELLED", transparency: "TRANSPARENT" });
    expect(occurrences[0]!.timeZone).toBe("W. Europe Standard Time");
  });

  it("reads all-day and custom-named VTIMEZONE events", () => {
    const { occurrences } = expandFixture("outlook-exchange.ics", "2024-09-01", "2025-01-01");
    expect(occurrences.find((o) => o.uid === "outlook-allday-1")).toEqual({
      uid: "outlook-allday-1",
      recurrenceId: null,
      start: "2024-10-03",
      end: "2024-10-05",
      allDay: true,
      floating: false,
      summary: "Offsite",
      status: null,
      transparency: "TRANSPARENT",
      sequence: 0,
    });
    // "Customized Time Zone" is only known through its VTIMEZONE (US rules): 09:00 EST is 14:00Z.
    expect(rows(occurrences, "outlook-custom-zone-1")).toEqual([
      "2024-11-04T14:00:00Z 2024-11-04T15:00:00Z outlook-custom-zone-1 -",
    ]);
  });

  it("resolves Windows ids and Outlook display names without VTIMEZONE, and keeps unknown zones floating", () => {
    const { occurrences, problems } = expandFixture("outlook-no-vtimezone.ics", "2024-01-01", "2025-01-01");
    expect(rows(occurrences)).toEqual([
      "2024-03-08T14:00:00Z 2024-03-08T15:00:00Z no-vtz-eastern 2024-03-08T14:00:00Z",
      "2024-03-09T14:00:00Z 2024-03-09T15:00:00Z no-vtz-eastern 2024-03-09T14:00:00Z",
      // US DST starts on 10 March 2024.
      "2024-03-10T13:00:00Z 2024-03-10T14:00:00Z no-vtz-eastern 2024-03-10T13:00:00Z",
      "2024-03-11T13:00:00Z 2024-03-11T14:00:00Z no-vtz-eastern 2024-03-11T13:00:00Z",
      "2024-03-11T18:00:00Z 2024-03-11T18:30:00Z no-vtz-display-name -",
      "2024-03-12T04:30:00Z 2024-03-12T05:30:00Z no-vtz-india -",
      "2024-03-12T08:00:00Z 2024-03-12T08:30:00Z no-vtz-berlin-display -",
      "2024-03-12T12:00:00 2024-03-12T13:00:00 no-vtz-unknown -",
    ]);
    expect(occurrences.find((o) => o.uid === "no-vtz-unknown")?.floating).toBe(true);
    expect(occurrences.find((o) => o.uid === "no-vtz-eastern")?.timeZone).toBe("America/New_York");
    expect(problems).toEqual([
      {
        severity: "warning",
        line: 37,
        message:
          'unknown time zone "Mars Standard Time" (no VTIMEZONE, not an IANA, Windows or Outlook name)',
      },
    ]);
  });
});

describe("Google export", () => {
  it("expands with UNTIL in UTC, an override, UTC and all-day events, and X-WR-TIMEZONE for floating times", () => {
    const { occurrences } = expandFixture("google-export.ics", "2024-10-01", "2025-01-01");
    const standup = "7kukuqrfedlm2f9t2pm1hm0b2o@google.com";
    expect(rows(occurrences)).toEqual([
      `2024-10-28T08:30:00Z 2024-10-28T08:45:00Z ${standup} 2024-10-28T08:30:00Z`,
      `2024-10-30T08:30:00Z 2024-10-30T08:45:00Z ${standup} 2024-10-30T08:30:00Z`,
      "2024-10-30T13:00:00Z 2024-10-30T14:00:00Z 0u4s8kq2v7d9f3h6j1l5n8p2r4@google.com -",
      "2024-11-01 2024-11-02 allday-holiday@google.com -",
      "2024-11-04T07:00:00Z 2024-11-04T08:00:00Z floating-with-x-wr@google.com -",
      `2024-11-04T08:30:00Z 2024-11-04T08:45:00Z ${standup} 2024-11-04T08:30:00Z`,
      `2024-11-06T10:00:00Z 2024-11-06T10:15:00Z ${standup} 2024-11-06T08:30:00Z`,
      `2024-11-11T08:30:00Z 2024-11-11T08:45:00Z ${standup} 2024-11-11T08:30:00Z`,
      `2024-11-13T08:30:00Z 2024-11-13T08:45:00Z ${standup} 2024-11-13T08:30:00Z`,
      // UNTIL=20241118T083000Z is inclusive.
      `2024-11-18T08:30:00Z 2024-11-18T08:45:00Z ${standup} 2024-11-18T08:30:00Z`,
    ]);
    expect(occurrences[2]!.summary).toBe("Review, Q4");
    expect(occurrences.find((o) => o.uid === "floating-with-x-wr@google.com")).toMatchObject({
      floating: false,
      timeZone: "Europe/Berlin",
    });
  });
});

describe("Apple / iCloud export (LF line endings)", () => {
  it("expands BYDAY=1TH with a multi-valued EXDATE, multi-day all-day and a leap-day yearly event", () => {
    const { occurrences, problems } = expandFixture("apple-icloud.ics", "2024-01-01", "2024-06-01");
    expect(problems).toEqual([]);
    const club = "5F3C2A1B-1111-4C2D-9E8F-0123456789AB";
    expect(rows(occurrences)).toEqual([
      `2024-02-02T00:30:00Z 2024-02-02T01:30:00Z ${club} 2024-02-02T00:30:00Z`,
      "2024-02-12 2024-02-15 B1C2D3E4-3333-4F50-9A1B-0123456789EF -",
      "2024-02-29 2024-03-01 C1D2E3F4-4444-4A5B-9C1D-0123456789AA 2024-02-29",
      `2024-04-04T23:30:00Z 2024-04-05T00:30:00Z ${club} 2024-04-04T23:30:00Z`,
      `2024-05-02T23:30:00Z 2024-05-03T00:30:00Z ${club} 2024-05-02T23:30:00Z`,
    ]);
  });

  it("skips non-leap years for a 29 February yearly rule", () => {
    const { occurrences } = expandFixture("apple-icloud.ics", "2025-01-01", "2028-12-31");
    expect(rows(occurrences, "C1D2E3F4-4444-4A5B-9C1D-0123456789AA")).toEqual([
      "2028-02-29 2028-03-01 C1D2E3F4-4444-4A5B-9C1D-0123456789AA 2028-02-29",
    ]);
  });
});

describe("DST gaps and overlaps (RFC 5545 section 3.3.5)", () => {
  const expected = (suffix: string) => [
    `2024-03-10T07:30:00Z 2024-03-10T07:30:00Z ny-gap${suffix} -`,
    `2024-03-29T01:30:00Z 2024-03-29T02:30:00Z berlin-daily-0230${suffix} 2024-03-29T01:30:00Z`,
    `2024-03-29T11:00:00Z 2024-03-30T11:00:00Z berlin-exact-day${suffix} 2024-03-29T11:00:00Z`,
    `2024-03-29T11:00:00Z 2024-03-30T11:00:00Z berlin-nominal-day${suffix} 2024-03-29T11:00:00Z`,
    `2024-03-30T01:30:00Z 2024-03-30T02:30:00Z berlin-daily-0230${suffix} 2024-03-30T01:30:00Z`,
    // DTEND: the same 24 exact hours; DURATION:P1D: to the same wall-clock time, 23 hours.
    `2024-03-30T11:00:00Z 2024-03-31T11:00:00Z berlin-exact-day${suffix} 2024-03-30T11:00:00Z`,
    `2024-03-30T11:00:00Z 2024-03-31T10:00:00Z berlin-nominal-day${suffix} 2024-03-30T11:00:00Z`,
    // 02:30 does not exist on 31 March: the offset from before the gap applies (= 03:30 CEST).
    `2024-03-31T01:30:00Z 2024-03-31T02:30:00Z berlin-daily-0230${suffix} 2024-03-31T01:30:00Z`,
    `2024-03-31T01:30:00Z 2024-03-31T02:00:00Z berlin-gap${suffix} -`,
    `2024-03-31T10:00:00Z 2024-04-01T10:00:00Z berlin-exact-day${suffix} 2024-03-31T10:00:00Z`,
    `2024-03-31T10:00:00Z 2024-04-01T10:00:00Z berlin-nominal-day${suffix} 2024-03-31T10:00:00Z`,
    `2024-04-01T00:30:00Z 2024-04-01T01:30:00Z berlin-daily-0230${suffix} 2024-04-01T00:30:00Z`,
    // A repeated time takes its first occurrence (summer time).
    `2024-10-27T00:30:00Z 2024-10-27T02:30:00Z berlin-overlap${suffix} -`,
    `2024-11-03T05:30:00Z 2024-11-03T07:00:00Z ny-overlap${suffix} -`,
  ];

  it("gives the same, RFC-conformant results from a VTIMEZONE and from the IANA name", () => {
    const { occurrences } = expandFixture("dst-edges.ics", "2024-01-01", "2025-01-01");
    const sorted = (list: string[]) => [...list].sort();
    expect(sorted(rows(occurrences.filter((o) => !o.uid.endsWith("-iana"))))).toEqual(sorted(expected("")));
    expect(sorted(rows(occurrences.filter((o) => o.uid.endsWith("-iana"))))).toEqual(
      sorted(expected("-iana")),
    );
  });
});

describe("recurrence features", () => {
  const { occurrences } = expandFixture("recurrence-features.ics", "2024-05-01", "2024-07-01");

  it("adds RDATEs given as DATE-TIME, PERIOD with an end and PERIOD with a duration", () => {
    expect(rows(occurrences, "rdate-mixed")).toEqual([
      "2024-06-01T08:00:00Z 2024-06-01T09:00:00Z rdate-mixed 2024-06-01T08:00:00Z",
      "2024-06-05T08:00:00Z 2024-06-05T09:00:00Z rdate-mixed 2024-06-05T08:00:00Z",
      "2024-06-07T12:00:00Z 2024-06-07T15:00:00Z rdate-mixed 2024-06-07T12:00:00Z",
      "2024-06-08T12:00:00Z 2024-06-08T12:30:00Z rdate-mixed 2024-06-08T12:00:00Z",
    ]);
    expect(rows(occurrences, "rdate-dates")).toEqual([
      "2024-06-01 2024-06-02 rdate-dates 2024-06-01",
      "2024-06-03 2024-06-04 rdate-dates 2024-06-03",
      "2024-06-05 2024-06-06 rdate-dates 2024-06-05",
    ]);
  });

  it("applies RANGE=THISANDFUTURE to later instances, and a later single override over it", () => {
    expect(rows(occurrences, "this-and-future")).toEqual([
      "2024-06-03T07:00:00Z 2024-06-03T07:30:00Z this-and-future 2024-06-03T07:00:00Z",
      "2024-06-04T07:00:00Z 2024-06-04T07:30:00Z this-and-future 2024-06-04T07:00:00Z",
      "2024-06-05T12:00:00Z 2024-06-05T13:00:00Z this-and-future 2024-06-05T07:00:00Z",
      "2024-06-06T12:00:00Z 2024-06-06T13:00:00Z this-and-future 2024-06-06T07:00:00Z",
      "2024-06-07T15:00:00Z 2024-06-07T15:30:00Z this-and-future 2024-06-07T07:00:00Z",
      "2024-06-08T12:00:00Z 2024-06-08T13:00:00Z this-and-future 2024-06-08T07:00:00Z",
    ]);
    const summaries = occurrences.filter((o) => o.uid === "this-and-future").map((o) => o.summary);
    expect(summaries).toEqual([
      "Morning",
      "Morning",
      "Afternoon from Wednesday",
      "Afternoon from Wednesday",
      "Friday evening",
      "Afternoon from Wednesday",
    ]);
  });

  it("keeps the highest SEQUENCE for a repeated UID and for a repeated RECURRENCE-ID", () => {
    expect(rows(occurrences, "sequence-wins")).toEqual([
      "2024-06-04T13:00:00Z 2024-06-04T14:00:00Z sequence-wins -",
    ]);
    expect(rows(occurrences, "override-sequence")).toEqual([
      "2024-06-10T08:00:00Z 2024-06-10T09:00:00Z override-sequence 2024-06-10T08:00:00Z",
      "2024-06-11T10:00:00Z 2024-06-11T11:00:00Z override-sequence 2024-06-11T08:00:00Z",
    ]);
  });

  it("matches EXDATEs written in UTC or as a DATE against zoned instances", () => {
    expect(rows(occurrences, "exdate-in-utc").map((row) => row.slice(0, 10))).toEqual([
      "2024-06-03",
      "2024-06-05",
    ]);
    expect(rows(occurrences, "exdate-as-date").map((row) => row.slice(0, 10))).toEqual([
      "2024-06-03",
      "2024-06-04",
    ]);
  });

  it("applies the missing DTEND conventions, keeps floating times local, and keeps cancelled and free events", () => {
    expect(rows(occurrences, "zero-length")).toEqual([
      "2024-06-04T12:00:00Z 2024-06-04T12:00:00Z zero-length -",
    ]);
    expect(rows(occurrences, "all-day-no-end")).toEqual(["2024-06-06 2024-06-07 all-day-no-end -"]);
    expect(occurrences.find((o) => o.uid === "floating")).toMatchObject({
      start: "2024-06-04T08:00:00",
      end: "2024-06-04T09:00:00",
      floating: true,
      allDay: false,
    });
    expect(occurrences.find((o) => o.uid === "cancelled")?.status).toBe("CANCELLED");
    expect(occurrences.find((o) => o.uid === "free")?.transparency).toBe("TRANSPARENT");
  });

  it("sorts by start", () => {
    const keys = occurrences.map((o) =>
      o.start.length === 10 ? `${o.start}T00:00:00` : o.start.replace("Z", ""),
    );
    expect(keys).toEqual([...keys].sort());
  });
});

describe("range selection", () => {
  const calendar = (body: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n${body}END:VCALENDAR\r\n`;
  const event = (uid: string, start: string, end?: string) =>
    `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART:${start}\r\n${end ? `DTEND:${end}\r\n` : ""}END:VEVENT\r\n`;
  const text = calendar(
    event("ends-at-from", "20240601T090000Z", "20240601T100000Z") +
      event("overlaps-from", "20240601T093000Z", "20240601T103000Z") +
      event("zero-at-from", "20240601T100000Z") +
      event("zero-at-to", "20240601T120000Z") +
      event("starts-at-to", "20240601T120000Z", "20240601T130000Z") +
      event("inside", "20240601T110000Z", "20240601T113000Z"),
  );

  it("keeps start < to && end > from, and zero-length ones with from <= start < to", () => {
    const { occurrences } = expandText(text, "2024-06-01T10:00:00Z", "2024-06-01T12:00:00Z");
    expect(occurrences.map((o) => o.uid)).toEqual(["overlaps-from", "zero-at-from", "inside"]);
  });

  it("accepts offsets in the range bounds", () => {
    const { occurrences } = expandText(text, "2024-06-01T12:00:00+02:00", "2024-06-01T14:00:00+02:00");
    expect(occurrences.map((o) => o.uid)).toEqual(["overlaps-from", "zero-at-from", "inside"]);
  });

  it("rejects an invalid or empty range", () => {
    const parsed = parseCalendars(text);
    if (!parsed.ok) throw new Error("fixture");
    expect(expandOccurrences({ calendars: parsed.value, from: "yesterday", to: "2024-06-02" })).toMatchObject(
      {
        ok: false,
        error: { code: "invalid_range" },
      },
    );
    expect(
      expandOccurrences({ calendars: parsed.value, from: "2024-06-02", to: "2024-06-01" }),
    ).toMatchObject({
      ok: false,
      error: { code: "invalid_range" },
    });
  });
});

describe("caps", () => {
  const unbounded = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:t",
    "BEGIN:VEVENT",
    "UID:every-second",
    "DTSTART:20000101T000000Z",
    "RRULE:FREQ=SECONDLY",
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");

  it("stops a rule at the step budget and says the result is truncated", () => {
    // With COUNT the rule must be walked from DTSTART (no jumping ahead): 24 years of seconds.
    const parsed = parseCalendars(unbounded.replace("FREQ=SECONDLY", "FREQ=SECONDLY;COUNT=1000000000"));
    if (!parsed.ok) throw new Error("fixture");
    const result = expandOccurrences({
      calendars: parsed.value,
      from: "2024-01-01",
      to: "2024-01-02",
      maxRecurrenceSteps: 10_000,
    });
    expect(result).toMatchObject({ ok: true, value: { truncated: true, occurrences: [] } });
  });

  it("returns at most maxOccurrences, the earliest ones", () => {
    const { occurrences, truncated } = expandText(
      unbounded,
      "2000-01-01T00:00:00Z",
      "2000-01-01T01:00:00Z",
      5,
    );
    expect(truncated).toBe(true);
    expect(occurrences.map((o) => o.start)).toEqual([
      "2000-01-01T00:00:00Z",
      "2000-01-01T00:00:01Z",
      "2000-01-01T00:00:02Z",
      "2000-01-01T00:00:03Z",
      "2000-01-01T00:00:04Z",
    ]);
  });
});

describe("messy and broken input", () => {
  it("reads a file with a BOM, LF, tab folding, blank lines, invalid UTF-8 and a duplicated SUMMARY", () => {
    const { occurrences } = expandFixture("messy-encoding.ics", "2024-06-01", "2024-06-02");
    expect(occurrences).toHaveLength(1);
    expect(occurrences[0]!.summary).toBe(
      "Café meeting with a very long title that Outlook folds at seventyfive octets",
    );
  });

  it("skips an event with an invalid DTSTART but keeps events with a bad RRULE or no UID", () => {
    const { occurrences, problems } = expandFixture("malformed-values.ics", "2024-01-01", "2025-01-01");
    expect(rows(occurrences)).toEqual([
      "2024-06-01T10:00:00Z 2024-06-01T11:00:00Z bad-rrule -",
      "2024-06-02T10:00:00Z 2024-06-02T11:00:00Z no-uid-line-16 -",
    ]);
    expect(problems.map((p) => p.line)).toEqual([6, 13]);
  });
});

describe("TZIDs and TEXT values with escapes (RFC 5545 section 3.3.11, RFC 6868)", () => {
  // An offset of +07:45 that no real zone has: an instance at 01:15Z proves the VTIMEZONE was used, 01:00Z
  // would be the name resolved as Singapore, and 09:00 floating no match at all.
  const vtimezone = (tzid: string) =>
    [
      "BEGIN:VTIMEZONE",
      `TZID:${tzid}`,
      "BEGIN:STANDARD",
      "DTSTART:19700101T000000",
      "TZOFFSETFROM:+0745",
      "TZOFFSETTO:+0745",
      "END:STANDARD",
      "END:VTIMEZONE",
    ].join("\r\n");
  const calendar = (tzidLine: string, dtstart: string, uid = "kl") =>
    [
      "BEGIN:VCALENDAR",
      tzidLine,
      "BEGIN:VEVENT",
      `UID:${uid}`,
      `${dtstart}:20240603T090000`,
      "DURATION:PT1H",
      "RRULE:FREQ=DAILY;COUNT=2",
      "END:VEVENT",
      "END:VCALENDAR",
    ].join("\r\n");

  it.each([
    ["a quoted parameter", 'DTSTART;TZID="Kuala Lumpur, Singapore"'],
    ["an unquoted parameter split at its comma", "DTSTART;TZID=Kuala Lumpur, Singapore"],
    ["a parameter with the TEXT escape", "DTSTART;TZID=Kuala Lumpur\\, Singapore"],
  ])("matches an escaped VTIMEZONE TZID from %s", (_name, dtstart) => {
    const result = expandText(
      calendar(vtimezone("Kuala Lumpur\\, Singapore"), dtstart),
      "2024-06-01",
      "2024-06-10",
    );
    expect(rows(result.occurrences)).toEqual([
      "2024-06-03T01:15:00Z 2024-06-03T02:15:00Z kl 2024-06-03T01:15:00Z",
      "2024-06-04T01:15:00Z 2024-06-04T02:15:00Z kl 2024-06-04T01:15:00Z",
    ]);
    expect(result.occurrences[0]!.timeZone).toBe("Kuala Lumpur, Singapore");
    expect(result.problems).toEqual([]);
  });

  it("decodes RFC 6868 caret escapes in a quoted TZID before matching", () => {
    const result = expandText(
      calendar(vtimezone('Office "HQ" time'), "DTSTART;TZID=\"Office ^'HQ^' time\""),
      "2024-06-01",
      "2024-06-04",
    );
    expect(rows(result.occurrences)[0]).toBe(
      "2024-06-03T01:15:00Z 2024-06-03T02:15:00Z kl 2024-06-03T01:15:00Z",
    );
  });

  it("resolves an Outlook display name written without its (UTC+hh:mm) prefix, and unescapes the UID", () => {
    const result = expandText(
      calendar("X-COMMENT:none", 'DTSTART;TZID="Kuala Lumpur, Singapore"', "a\\,b\\;c"),
      "2024-06-01",
      "2024-06-04",
    );
    expect(rows(result.occurrences)[0]).toBe(
      "2024-06-03T01:00:00Z 2024-06-03T02:00:00Z a,b;c 2024-06-03T01:00:00Z",
    );
    expect(result.occurrences[0]!.timeZone).toBe("Asia/Singapore");
  });

  it("unescapes X-WR-TIMEZONE", () => {
    const text = calendar(vtimezone("Kuala Lumpur\\, Singapore"), "DTSTART").replace(
      "BEGIN:VCALENDAR",
      "BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:Kuala Lumpur\\, Singapore",
    );
    const result = expandText(text, "2024-06-01", "2024-06-04");
    expect(rows(result.occurrences)[0]).toBe(
      "2024-06-03T01:15:00Z 2024-06-03T02:15:00Z kl 2024-06-03T01:15:00Z",
    );
  });
});

describe("overrides of instances the series no longer has", () => {
  const event = (lines: string[]) => ["BEGIN:VEVENT", "UID:s", ...lines, "END:VEVENT"];
  const override = (sequence: number, recurrenceId: string, start: string, extra: string[] = []) =>
    event([
      `SEQUENCE:${sequence}`,
      `RECURRENCE-ID${recurrenceId}`,
      `DTSTART:${start}`,
      "DURATION:PT30M",
      `SUMMARY:seq ${sequence}`,
      ...extra,
    ]);
  // The master was edited to SEQUENCE 2: three days from 10 June at 08:00Z, 13 June excluded.
  const master = event([
    "SEQUENCE:2",
    "DTSTART:20240610T080000Z",
    "DURATION:PT1H",
    "RRULE:FREQ=DAILY;COUNT=4",
    "EXDATE:20240613T080000Z",
    "SUMMARY:master",
  ]);
  const expand = (overrides: string[][], from = "2024-06-01", to = "2024-07-01") =>
    expandText(["BEGIN:VCALENDAR", ...master, ...overrides.flat(), "END:VCALENDAR"].join("\r\n"), from, to);
  const summaries = (result: ReturnType<typeof expand>) =>
    result.occurrences.map((o) => `${o.start} ${o.summary} ${o.recurrenceId}`);

  it("ignores a stale override (lower SEQUENCE) of a slot the master does not produce, with a warning", () => {
    const result = expand([override(1, ":20240620T080000Z", "20240620T100000Z")]);
    expect(summaries(result)).toEqual([
      "2024-06-10T08:00:00Z master 2024-06-10T08:00:00Z",
      "2024-06-11T08:00:00Z master 2024-06-11T08:00:00Z",
      "2024-06-12T08:00:00Z master 2024-06-12T08:00:00Z",
    ]);
    expect(result.problems).toEqual([
      {
        severity: "warning",
        line: 11,
        message:
          "RECURRENCE-ID 2024-06-20T08:00:00Z (SEQUENCE 1) names no instance of the series of UID s (SEQUENCE 2): stale override ignored",
      },
    ]);
  });

  it("keeps an orphan override written against the current master as an occurrence of its own", () => {
    const result = expand([override(2, ":20240620T080000Z", "20240620T100000Z")]);
    expect(summaries(result)).toContain("2024-06-20T10:00:00Z seq 2 2024-06-20T08:00:00Z");
    expect(result.problems).toEqual([]);
  });

  it("still moves an existing instance with an override of a lower SEQUENCE (Google exports them)", () => {
    const result = expand([override(0, ":20240611T080000Z", "20240611T150000Z")]);
    expect(summaries(result)).toEqual([
      "2024-06-10T08:00:00Z master 2024-06-10T08:00:00Z",
      "2024-06-11T15:00:00Z seq 0 2024-06-11T08:00:00Z",
      "2024-06-12T08:00:00Z master 2024-06-12T08:00:00Z",
    ]);
  });

  it("decides by the whole series, not the requested window", () => {
    // The 12 June instance moved to the 11th, asked for the 11th only: its slot lies outside the window.
    const result = expand(
      [override(0, ":20240612T080000Z", "20240611T150000Z")],
      "2024-06-11T12:00:00Z",
      "2024-06-11T23:00:00Z",
    );
    expect(summaries(result)).toEqual(["2024-06-11T15:00:00Z seq 0 2024-06-12T08:00:00Z"]);
  });

  it("treats an EXDATE'd slot as one the master does not produce", () => {
    expect(summaries(expand([override(1, ":20240613T080000Z", "20240613T100000Z")]))).toHaveLength(3);
    expect(summaries(expand([override(3, ":20240613T080000Z", "20240613T100000Z")]))).toContain(
      "2024-06-13T10:00:00Z seq 3 2024-06-13T08:00:00Z",
    );
  });

  it("does not let a stale THISANDFUTURE override re-time later instances", () => {
    const result = expand([override(1, ";RANGE=THISANDFUTURE:20240610T090000Z", "20240610T120000Z")]);
    expect(summaries(result)).toEqual([
      "2024-06-10T08:00:00Z master 2024-06-10T08:00:00Z",
      "2024-06-11T08:00:00Z master 2024-06-11T08:00:00Z",
      "2024-06-12T08:00:00Z master 2024-06-12T08:00:00Z",
    ]);
  });
});

describe("budgets and where a cut result stops being complete", () => {
  const feed = (...events: string[][]) =>
    ["BEGIN:VCALENDAR", "VERSION:2.0", ...events.flat(), "END:VCALENDAR", ""].join("\r\n");
  const event = (uid: string, ...lines: string[]) => ["BEGIN:VEVENT", `UID:${uid}`, ...lines, "END:VEVENT"];
  const seconds = (iso: string) => Date.parse(iso) / 1000;

  it("names the first dropped start when the occurrence budget cuts a SECONDLY series", () => {
    const text = feed(event("tick", "DTSTART:20300301T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY"));
    const result = expandText(text, "2030-03-01T00:00:00Z", "2030-03-01T01:00:00Z", 1000);
    expect(result.occurrences).toHaveLength(1000);
    expect(result.truncated).toBe(true);
    expect(result.cutAt).toBe(seconds("2030-03-01T00:16:40Z"));
  });

  it("gives a complete result no cut", () => {
    const text = feed(event("weekly", "DTSTART:20300301T090000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY"));
    const result = expandText(text, "2030-03-01T00:00:00Z", "2030-04-01T00:00:00Z");
    expect(result).toMatchObject({ truncated: false, cutAt: null });
  });

  it("caps each series' steps so a runaway rule leaves the others whole, and cuts where the runaway stopped", () => {
    const parsed = parseCalendars(
      feed(
        event(
          "since-1970",
          "DTSTART:19700101T000000Z",
          "DURATION:PT1S",
          "RRULE:FREQ=SECONDLY;COUNT=2000000000",
        ),
        event("weekly", "DTSTART:20300301T090000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY"),
      ),
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    const expand = (maxSeriesSteps?: number) => {
      const expanded = expandOccurrences({
        calendars: parsed.value,
        from: "2030-03-01T00:00:00Z",
        to: "2030-04-01T00:00:00Z",
        maxRecurrenceSteps: 100_000,
        ...(maxSeriesSteps ? { maxSeriesSteps } : {}),
      });
      if (!expanded.ok) throw new Error(expanded.error.message);
      return expanded.value;
    };
    const shared = expand();
    expect(rows(shared.occurrences, "weekly")).toHaveLength(1); // DTSTART only: the budget was gone
    const fair = expand(20_000);
    expect(rows(fair.occurrences, "weekly")).toHaveLength(5);
    // COUNT walks from 1970: nothing of the window was reached, so nothing of it is vouched for.
    expect(fair.truncated).toBe(true);
    expect(fair.cutAt).toBeLessThanOrEqual(seconds("2030-03-01T00:00:00Z"));
  });
});
