import { describe, expect, it } from "vitest";
import { mapCalendarObjects } from "./caldav-mapper.ts";

const window = { fromMs: Date.parse("2030-01-01T00:00:00Z"), toMs: Date.parse("2030-02-01T00:00:00Z") };
const href = "https://caldav.example.com/1/calendars/work/";

function object(name: string, lines: string[]) {
  return {
    href: `${href}${name}`,
    etag: '"e1"',
    status: 200,
    data: ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", ...lines, "END:VCALENDAR", ""].join("\r\n"),
  };
}

const vevent = (uid: string, start: string, ...lines: string[]) => [
  "BEGIN:VEVENT",
  `UID:${uid}`,
  `DTSTART:${start}`,
  ...lines,
  "END:VEVENT",
];

describe("mapCalendarObjects", () => {
  it("keys occurrences by resource URL, carries the ETag, and reads our booking marker from the UID", () => {
    const mapped = mapCalendarObjects({
      objects: [
        object("ours.ics", [
          "BEGIN:VEVENT",
          "UID:calbridge-0a1b2c3d-1111-4222-8333-444455556666-deadbeef",
          "DTSTAMP:20300101T000000Z",
          "DTSTART:20300110T090000Z",
          "DTEND:20300110T100000Z",
          "END:VEVENT",
        ]),
        object("series.ics", [
          "BEGIN:VEVENT",
          "UID:s1",
          "DTSTAMP:20300101T000000Z",
          "DTSTART:20300110T130000Z",
          "DTEND:20300110T140000Z",
          "RRULE:FREQ=DAILY;COUNT=3",
          "EXDATE:20300111T130000Z",
          "END:VEVENT",
        ]),
      ],
      ...window,
      hostTimeZone: "Europe/Berlin",
    });
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(
      mapped.value.intervals.map((i) => [i.sourceRef.replace(href, ""), i.seriesRef?.replace(href, "")]),
    ).toEqual([
      ["ours.ics", "ours.ics"],
      ["series.ics#2030-01-10T13:00:00Z", "series.ics"],
      ["series.ics#2030-01-12T13:00:00Z", "series.ics"],
    ]);
    expect(mapped.value.intervals[0]).toMatchObject({
      etag: '"e1"',
      bookingId: "0a1b2c3d-1111-4222-8333-444455556666",
    });
  });

  it("keeps our own transparent copies (a booking's, a managed event's) as free; drops other transparent events", () => {
    const transparent = (name: string, uid: string) =>
      object(name, [
        "BEGIN:VEVENT",
        `UID:${uid}`,
        "DTSTAMP:20300101T000000Z",
        "DTSTART:20300110T090000Z",
        "DTEND:20300110T100000Z",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
      ]);
    const mapped = mapCalendarObjects({
      objects: [
        transparent("managed.ics", "calbridge-me-0a1b2c3d-1111-4222-8333-444455556666-deadbeef"),
        transparent("booking.ics", "calbridge-0a1b2c3d-1111-4222-8333-444455556666-deadbeef"),
        transparent("theirs.ics", "someone-else"),
      ],
      ...window,
      hostTimeZone: "Europe/Berlin",
    });
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.value.intervals.map((i) => [i.sourceRef.replace(href, ""), i.status, i.bookingId])).toEqual(
      [
        ["managed.ics", "free", undefined],
        ["booking.ics", "free", "0a1b2c3d-1111-4222-8333-444455556666"],
      ],
    );
  });

  it("keeps an all-day event as dates with an envelope around them", () => {
    const mapped = mapCalendarObjects({
      objects: [
        object("day.ics", [
          "BEGIN:VEVENT",
          "UID:d1",
          "DTSTAMP:20300101T000000Z",
          "DTSTART;VALUE=DATE:20300115",
          "DTEND;VALUE=DATE:20300116",
          "END:VEVENT",
        ]),
      ],
      ...window,
      hostTimeZone: "America/New_York",
    });
    expect(mapped.ok && mapped.value.intervals[0]?.allDay).toEqual({
      startDate: "2030-01-15",
      endDate: "2030-01-16",
    });
  });

  it("fails (closed) on calendar data that is not iCalendar, naming the resource", () => {
    const mapped = mapCalendarObjects({
      objects: [{ href: `${href}broken.ics`, etag: undefined, data: "<html>not a calendar</html>" }],
      ...window,
      hostTimeZone: "UTC",
    });
    expect(mapped).toMatchObject({ ok: false, error: { kind: "invalid_data" } });
    if (!mapped.ok) expect(mapped.error.message).toMatch(/^broken\.ics: /);
  });

  it("cuts a runaway series at its budget and says from when the time is unknown (fails closed there)", () => {
    const mapped = mapCalendarObjects({
      objects: [
        object("tick.ics", vevent("tick", "20300110T090000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")),
        object("plain.ics", vevent("p1", "20300120T090000Z", "DTEND:20300120T100000Z")),
      ],
      ...window,
      hostTimeZone: "UTC",
      maxOccurrences: 1000,
      maxSeriesSteps: 10_000,
    });
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.value.truncated).toBe(true);
    // The cut lies on the SECONDLY series' first day (less the wall-clock margin), before the plain event.
    const cut = mapped.value.incompleteFromMs as number;
    expect(cut).toBeGreaterThanOrEqual(Date.parse("2030-01-09T19:00:00Z"));
    expect(cut).toBeLessThan(Date.parse("2030-01-11T00:00:00Z"));
    expect(mapped.value.intervals.some((i) => i.sourceRef.endsWith("plain.ics"))).toBe(true);
  });

  it("is not truncated when every object is read whole", () => {
    const mapped = mapCalendarObjects({
      objects: [object("one.ics", vevent("o", "20300110T090000Z"))],
      ...window,
      hostTimeZone: "UTC",
    });
    expect(mapped).toMatchObject({ ok: true, value: { truncated: false, incompleteFromMs: null } });
  });
});
