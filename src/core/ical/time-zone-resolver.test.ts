import { describe, expect, it } from "vitest";
import type { IcalProblem } from "./ical-problem.ts";
import { OUTLOOK_DISPLAY_NAME_TO_WINDOWS } from "./outlook-zone-names.ts";
import { parseCalendars } from "./parse-calendar.ts";
import { createTimeZoneResolver, resolveTimeZoneName } from "./time-zone-resolver.ts";
import { WINDOWS_ZONE_TO_IANA } from "./windows-zones.ts";

describe("resolveTimeZoneName", () => {
  it.each([
    ["Europe/Berlin", "Europe/Berlin"],
    ["US/Eastern", "US/Eastern"],
    ["UTC", "UTC"],
    ["GMT", "UTC"],
    ["W. Europe Standard Time", "Europe/Berlin"],
    ["w. europe standard time", "Europe/Berlin"],
    ["Eastern Standard Time", "America/New_York"],
    ["Pacific Standard Time", "America/Los_Angeles"],
    ["India Standard Time", "Asia/Calcutta"],
    ["Tokyo Standard Time", "Asia/Tokyo"],
    ["(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"],
    ["(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"],
    ["(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"],
    ["(UTC) Coordinated Universal Time", "Etc/UTC"],
    ["(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London"],
    // Not in the table: found by one of its cities.
    ["(UTC+01:00) Some New Label, Zurich", "Europe/Zurich"],
    ["/mozilla.org/20050126_1/America/New_York", "America/New_York"],
    ["/softwarestudio.org/Olson_20011030_5/America/Chicago", "America/Chicago"],
    ["GMT+01:00", "Etc/GMT-1"],
    ["UTC-5", "Etc/GMT+5"],
    ['"Europe/Paris"', "Europe/Paris"],
  ])("%s -> %s", (name, iana) => {
    expect(resolveTimeZoneName(name)).toBe(iana);
  });

  it.each(["Mars Standard Time", "", "(UTC+01:00) Nowhere", "GMT+05:30"])("%j is unknown", (name) => {
    expect(resolveTimeZoneName(name)).toBeNull();
  });

  it("maps every Windows id of the CLDR table and every Outlook display name to a zone Temporal knows", () => {
    for (const iana of Object.values(WINDOWS_ZONE_TO_IANA)) expect(resolveTimeZoneName(iana)).not.toBeNull();
    for (const [display, windows] of Object.entries(OUTLOOK_DISPLAY_NAME_TO_WINDOWS)) {
      expect(WINDOWS_ZONE_TO_IANA[windows], `${display} -> ${windows}`).toBeDefined();
    }
    expect(Object.keys(WINDOWS_ZONE_TO_IANA).length).toBeGreaterThan(130);
  });
});

describe("createTimeZoneResolver", () => {
  const calendar = (body: string) => {
    const parsed = parseCalendars(`BEGIN:VCALENDAR\r\n${body}END:VCALENDAR\r\n`);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.value[0]!.root;
  };
  // A VTIMEZONE claiming a fixed +05:00 under an IANA name: the file's definition must win over the name.
  const fixedVtimezone =
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n" +
    "TZOFFSETFROM:+0500\r\nTZOFFSETTO:+0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
  const local = Date.UTC(2024, 6, 1, 12) / 1000;

  it("prefers the file's VTIMEZONE over the rules the name resolves to", () => {
    const resolver = createTimeZoneResolver({ calendar: calendar(fixedVtimezone), problems: [] });
    expect(resolver.resolve("Europe/Berlin", 1)!.toUtc(local)).toBe(local - 5 * 3600);
  });

  it("uses the IANA rules when there is no VTIMEZONE", () => {
    const resolver = createTimeZoneResolver({ calendar: calendar(""), problems: [] });
    expect(resolver.resolve("Europe/Berlin", 1)!.toUtc(local)).toBe(local - 2 * 3600);
  });

  it("falls back to the name when the VTIMEZONE is broken, with a warning", () => {
    const problems: IcalProblem[] = [];
    const broken = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nEND:VTIMEZONE\r\n";
    const resolver = createTimeZoneResolver({ calendar: calendar(broken), problems });
    expect(resolver.resolve("Europe/Berlin", 9)!.toUtc(local)).toBe(local - 2 * 3600);
    expect(problems).toMatchObject([{ line: 2 }]);
  });

  it("reads X-WR-TIMEZONE as the zone of floating times", () => {
    const resolver = createTimeZoneResolver({
      calendar: calendar("X-WR-TIMEZONE:America/New_York\r\n"),
      problems: [],
    });
    expect(resolver.floatingZone?.id).toBe("America/New_York");
  });
});
