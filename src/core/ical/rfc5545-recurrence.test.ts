import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expandOccurrences } from "./expand-occurrences.ts";
import { parseCalendars } from "./parse-calendar.ts";

// The recurrence examples of RFC 5545 section 3.8.5.3, with the dates the RFC lists. All are 09:00 in
// America/New_York as defined by the fixture's VTIMEZONE: the pre-2007 US rules the RFC assumes (summer time
// from the first Sunday of April to the last Sunday of October), which must win over today's tz database.

const parsed = parseCalendars(
  readFileSync(new URL("./fixtures/rfc5545-recurrence.ics", import.meta.url), "utf8"),
);
if (!parsed.ok) throw new Error(parsed.error.message);
const calendars = parsed.value;

/** Sunday on or after the given day of a month, as a day of month (UTC arithmetic, no zones involved). */
function sundayOnOrAfter(year: number, month: number, day: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return day + ((7 - weekday) % 7);
}

/** Independent oracle for the VTIMEZONE: local `YYYY-MM-DDTHH:MM` in New York (1987-2006 rules) to UTC. */
function newYork1997(local: string): string {
  const [date, time] = local.split("T") as [string, string];
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const [hh, mm] = time.split(":").map(Number) as [number, number];
  const dstStart = Date.UTC(y, 3, sundayOnOrAfter(y, 4, 1), 2);
  const lastSundayOfOctober = sundayOnOrAfter(y, 10, 25);
  const dstEnd = Date.UTC(y, 9, lastSundayOfOctober, 2);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const offsetHours = wall >= dstStart && wall < dstEnd ? 4 : 5;
  return `${new Date(wall + offsetHours * 3600_000).toISOString().slice(0, 19)}Z`;
}

/** Expand one example: the VTIMEZONE and that VEVENT only, so that the forever rules of others cost nothing. */
function startsOf(uid: string, from: string, to: string): string[] {
  const root = calendars[0]!.root;
  const components = root.components.filter(
    (c) => c.name === "VTIMEZONE" || c.properties.some((p) => p.name === "UID" && p.value === uid),
  );
  const result = expandOccurrences({
    calendars: [{ root: { ...root, components }, problems: [] }],
    from,
    to,
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value.occurrences.filter((o) => o.uid === uid).map((o) => o.start);
}

const at9 = (dates: string[]) => dates.map((date) => `${date}T09:00`);
const days = (month: string, list: number[]) => list.map((day) => `${month}-${String(day).padStart(2, "0")}`);
function everyDay(from: string, count: number, step = 1): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) =>
    new Date(start + i * step * 86_400_000).toISOString().slice(0, 10),
  );
}

const januaryThreeYears = at9([
  ...everyDay("1998-01-01", 31),
  ...everyDay("1999-01-01", 31),
  ...everyDay("2000-01-01", 31),
]);
const tuesdaysThursdaysFiveWeeks = at9([...days("1997-09", [2, 4, 9, 11, 16, 18, 23, 25, 30]), "1997-10-02"]);
// Up to 08:00 EDT on the 3rd (the range ends at 12:00Z).
const every20Minutes = ["1997-09-02", "1997-09-03"]
  .flatMap((date) =>
    [9, 10, 11, 12, 13, 14, 15, 16].flatMap((hour) =>
      ["00", "20", "40"].map((minute) => `${date}T${String(hour).padStart(2, "0")}:${minute}`),
    ),
  )
  .filter((local) => local < "1997-09-03T08:00");

const cases: Array<[uid: string, from: string, to: string, expectedLocal: string[]]> = [
  ["rfc-daily-10", "1997-01-01", "1998-01-01", at9(everyDay("1997-09-02", 10))],
  // UNTIL=19971224T000000Z is 23 December 19:00 EST: the last instance is on the 23rd.
  ["rfc-daily-until", "1997-01-01", "1998-01-01", at9(everyDay("1997-09-02", 113))],
  ["rfc-every-other-day", "1997-09-01", "1997-10-01", at9(everyDay("1997-09-02", 15, 2))],
  [
    "rfc-every-10-days",
    "1997-01-01",
    "1998-01-01",
    at9([...days("1997-09", [2, 12, 22]), ...days("1997-10", [2, 12])]),
  ],
  ["rfc-january-3-years", "1997-01-01", "2001-01-01", januaryThreeYears],
  [
    "rfc-weekly-10",
    "1997-01-01",
    "1998-01-01",
    at9([...days("1997-09", [2, 9, 16, 23, 30]), ...days("1997-10", [7, 14, 21, 28]), "1997-11-04"]),
  ],
  ["rfc-weekly-tu-th", "1997-01-01", "1998-01-01", tuesdaysThursdaysFiveWeeks],
  [
    "rfc-monthly-first-friday",
    "1997-01-01",
    "1999-01-01",
    at9([
      ...["1997-09-05", "1997-10-03", "1997-11-07", "1997-12-05", "1998-01-02"],
      ...["1998-02-06", "1998-03-06", "1998-04-03", "1998-05-01", "1998-06-05"],
    ]),
  ],
  [
    "rfc-first-last-sunday",
    "1997-01-01",
    "1999-01-01",
    at9([
      ...["1997-09-07", "1997-09-28", "1997-11-02", "1997-11-30", "1998-01-04"],
      ...["1998-01-25", "1998-03-01", "1998-03-29", "1998-05-03", "1998-05-31"],
    ]),
  ],
  [
    "rfc-second-to-last-monday",
    "1997-01-01",
    "1999-01-01",
    at9(["1997-09-22", "1997-10-20", "1997-11-17", "1997-12-22", "1998-01-19", "1998-02-16"]),
  ],
  [
    "rfc-third-to-last-day",
    "1997-09-01",
    "1998-03-01",
    at9(["1997-09-28", "1997-10-29", "1997-11-28", "1997-12-29", "1998-01-29", "1998-02-26"]),
  ],
  // The EXDATE removes DTSTART (a Tuesday the 2nd), which does not match the rule anyway.
  [
    "rfc-friday-13th",
    "1997-01-01",
    "2001-01-01",
    at9(["1998-02-13", "1998-03-13", "1998-11-13", "1999-08-13", "2000-10-13"]),
  ],
  [
    "rfc-saturday-after-first-sunday",
    "1997-09-01",
    "1998-07-01",
    at9([
      ...["1997-09-13", "1997-10-11", "1997-11-08", "1997-12-13", "1998-01-10"],
      ...["1998-02-07", "1998-03-07", "1998-04-11", "1998-05-09", "1998-06-13"],
    ]),
  ],
  ["rfc-election-day", "1996-01-01", "2005-01-01", at9(["1996-11-05", "2000-11-07", "2004-11-02"])],
  ["rfc-third-tu-we-th", "1997-01-01", "1999-01-01", at9(["1997-09-04", "1997-10-07", "1997-11-06"])],
  [
    "rfc-second-to-last-weekday",
    "1997-09-01",
    "1998-04-01",
    at9(["1997-09-29", "1997-10-30", "1997-11-27", "1997-12-30", "1998-01-29", "1998-02-26", "1998-03-30"]),
  ],
  [
    "rfc-every-15-minutes",
    "1997-01-01",
    "1998-01-01",
    ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15"].map((time) => `1997-09-02T${time}`),
  ],
  ["rfc-every-20-minutes", "1997-09-02T00:00:00Z", "1997-09-03T12:00:00Z", every20Minutes],
  ["rfc-wkst-mo", "1997-01-01", "1998-01-01", at9(days("1997-08", [5, 10, 19, 24]))],
  ["rfc-wkst-su", "1997-01-01", "1998-01-01", at9(days("1997-08", [5, 17, 19, 31]))],
  [
    "rfc-invalid-dates-skipped",
    "2007-01-01",
    "2008-01-01",
    at9(["2007-01-15", "2007-01-30", "2007-02-15", "2007-03-15", "2007-03-30"]),
  ],
  [
    "rfc-june-july",
    "1997-01-01",
    "2003-01-01",
    at9(["1997", "1998", "1999", "2000", "2001"].flatMap((year) => [`${year}-06-10`, `${year}-07-10`])),
  ],
  ["rfc-20th-monday", "1997-01-01", "2000-01-01", at9(["1997-05-19", "1998-05-18", "1999-05-17"])],
  ["rfc-week-20-monday", "1997-01-01", "2000-01-01", at9(["1997-05-12", "1998-05-11", "1999-05-17"])],
  [
    "rfc-thursdays-in-march",
    "1997-01-01",
    "2000-01-01",
    at9([
      ...days("1997-03", [13, 20, 27]),
      ...days("1998-03", [5, 12, 19, 26]),
      ...days("1999-03", [4, 11, 18, 25]),
    ]),
  ],
  // The second forms the RFC gives for three of the examples above, which must give the same dates.
  ["rfc-january-daily", "1997-01-01", "2001-01-01", januaryThreeYears],
  ["rfc-weekly-tu-th-count", "1997-01-01", "1998-01-01", tuesdaysThursdaysFiveWeeks],
  ["rfc-every-20-minutes-minutely", "1997-09-02T00:00:00Z", "1997-09-03T12:00:00Z", every20Minutes],
  [
    "rfc-weekly-until",
    "1997-01-01",
    "1998-01-01",
    at9([
      ...days("1997-09", [2, 9, 16, 23, 30]),
      ...days("1997-10", [7, 14, 21, 28]),
      ...days("1997-11", [4, 11, 18, 25]),
      ...days("1997-12", [2, 9, 16, 23]),
    ]),
  ],
  [
    "rfc-every-other-week",
    "1997-01-01",
    "1998-02-20",
    at9([
      ...days("1997-09", [2, 16, 30]),
      ...days("1997-10", [14, 28]),
      ...days("1997-11", [11, 25]),
      ...days("1997-12", [9, 23]),
      ...days("1998-01", [6, 20]),
      ...days("1998-02", [3, 17]),
    ]),
  ],
  [
    "rfc-every-other-week-mo-we-fr",
    "1997-01-01",
    "1998-01-01",
    at9([
      ...days("1997-09", [1, 3, 5, 15, 17, 19, 29]),
      ...days("1997-10", [1, 3, 13, 15, 17, 27, 29, 31]),
      ...days("1997-11", [10, 12, 14, 24, 26, 28]),
      ...days("1997-12", [8, 10, 12, 22]),
    ]),
  ],
  [
    "rfc-every-other-week-tu-th",
    "1997-01-01",
    "1998-01-01",
    at9([...days("1997-09", [2, 4, 16, 18, 30]), ...days("1997-10", [2, 14, 16])]),
  ],
  [
    "rfc-monthly-first-friday-until",
    "1997-01-01",
    "1998-01-01",
    at9(["1997-09-05", "1997-10-03", "1997-11-07", "1997-12-05"]),
  ],
  [
    "rfc-monthly-2nd-15th",
    "1997-01-01",
    "1999-01-01",
    at9(["1997-09", "1997-10", "1997-11", "1997-12", "1998-01"].flatMap((month) => days(month, [2, 15]))),
  ],
  [
    "rfc-monthly-first-last-day",
    "1997-01-01",
    "1999-01-01",
    at9([
      ...["1997-09-30", "1997-10-01", "1997-10-31", "1997-11-01", "1997-11-30"],
      ...["1997-12-01", "1997-12-31", "1998-01-01", "1998-01-31", "1998-02-01"],
    ]),
  ],
  [
    "rfc-every-18-months",
    "1997-01-01",
    "2001-01-01",
    at9([...days("1997-09", [10, 11, 12, 13, 14, 15]), ...days("1999-03", [10, 11, 12, 13])]),
  ],
  [
    "rfc-tuesdays-every-other-month",
    "1997-01-01",
    "1998-04-01",
    at9([
      ...days("1997-09", [2, 9, 16, 23, 30]),
      ...days("1997-11", [4, 11, 18, 25]),
      ...days("1998-01", [6, 13, 20, 27]),
      ...days("1998-03", [3, 10, 17, 24, 31]),
    ]),
  ],
  // INTERVAL counts years from DTSTART's year, not 12-month periods from its month: not 1998-01-10.
  [
    "rfc-every-other-year-jan-mar",
    "1997-01-01",
    "2005-01-01",
    at9([
      "1997-03-10",
      ...["1999", "2001", "2003"].flatMap((year) => [`${year}-01-10`, `${year}-02-10`, `${year}-03-10`]),
    ]),
  ],
  [
    "rfc-every-third-year-year-days",
    "1997-01-01",
    "2008-01-01",
    at9([
      ...["1997-01-01", "1997-04-10", "1997-07-19", "2000-01-01", "2000-04-09"],
      ...["2000-07-18", "2003-01-01", "2003-04-10", "2003-07-19", "2006-01-01"],
    ]),
  ],
  [
    "rfc-thursdays-in-summer",
    "1997-01-01",
    "2000-01-01",
    at9([
      ...days("1997-06", [5, 12, 19, 26]),
      ...days("1997-07", [3, 10, 17, 24, 31]),
      ...days("1997-08", [7, 14, 21, 28]),
      ...days("1998-06", [4, 11, 18, 25]),
      ...days("1998-07", [2, 9, 16, 23, 30]),
      ...days("1998-08", [6, 13, 20, 27]),
      ...days("1999-06", [3, 10, 17, 24]),
      ...days("1999-07", [1, 8, 15, 22, 29]),
      ...days("1999-08", [5, 12, 19, 26]),
    ]),
  ],
  // The RFC lists 09:00, 12:00 and 15:00, but its UNTIL (17:00Z) is 13:00 EDT, and UNTIL is inclusive: 15:00
  // lies after it. dateutil, ical.js and the other libraries that test this example give two instances.
  ["rfc-every-3-hours", "1997-01-01", "1998-01-01", ["1997-09-02T09:00", "1997-09-02T12:00"]],
  [
    "rfc-every-90-minutes",
    "1997-01-01",
    "1998-01-01",
    ["09:00", "10:30", "12:00", "13:30"].map((time) => `1997-09-02T${time}`),
  ],
];

describe("RFC 5545 section 3.8.5.3 recurrence examples", () => {
  it.each(cases)("%s", (uid, from, to, expectedLocal) => {
    expect(startsOf(uid, from, to)).toEqual(expectedLocal.map(newYork1997));
  });

  it("covers every example in the fixture", () => {
    const uids = new Set(calendars[0]!.root.components.filter((c) => c.name === "VEVENT").map((c) => c.line));
    expect(cases).toHaveLength(uids.size);
  });
});
