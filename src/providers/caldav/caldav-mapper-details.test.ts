import { describe, expect, it } from "vitest";
import { mapCalendarObjects } from "./caldav-mapper.ts";

const fromMs = Date.parse("2030-01-01T00:00:00Z");
const toMs = Date.parse("2030-02-01T00:00:00Z");
const href = "https://caldav.example.com/1/calendars/work/";

function object(name: string, lines: string[]) {
  const data = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", ...lines, "END:VCALENDAR", ""].join(
    "\r\n",
  );
  return { href: `${href}${name}`, etag: '"e1"', data };
}

const meeting = object("meeting.ics", [
  "BEGIN:VEVENT",
  "UID:m1",
  "DTSTAMP:20300101T000000Z",
  "DTSTART;TZID=Europe/Berlin:20300110T090000",
  "DTEND;TZID=Europe/Berlin:20300110T100000",
  "SUMMARY:Planning\\, Q1",
  "LOCATION:Room 4",
  "DESCRIPTION:Join at https://meet.example.com/abc now",
  "ORGANIZER;CN=Ann:mailto:Ann@Example.com",
  "ATTENDEE;CN=Bob:mailto:bob@example.com",
  "ATTENDEE:mailto:cy@example.com",
  "ATTENDEE;CUTYPE=ROOM:mailto:room4@example.com",
  "STATUS:TENTATIVE",
  "END:VEVENT",
]);

const lines = (uid: string, start: string, ...extra: string[]) => [
  "BEGIN:VEVENT",
  `UID:${uid}`,
  "DTSTAMP:20300101T000000Z",
  `DTSTART:${start}`,
  "DURATION:PT1H",
  ...extra,
  "END:VEVENT",
];

describe("mapCalendarObjects with details", () => {
  it("reads title, location, zone, organizer, people, link and show-as from the VEVENT", () => {
    const mapped = mapCalendarObjects({
      objects: [meeting],
      fromMs,
      toMs,
      hostTimeZone: "UTC",
      details: true,
    });
    if (!mapped.ok) throw new Error(mapped.error.message);
    expect(mapped.value.intervals).toHaveLength(1);
    const [interval] = mapped.value.intervals;
    expect(interval?.status).toBe("tentative");
    expect(interval?.start.toISOString()).toBe("2030-01-10T08:00:00.000Z");
    expect(interval?.details).toEqual({
      title: "Planning, Q1",
      location: "Room 4",
      timeZone: "Europe/Berlin",
      organizer: "ann@example.com",
      attendeeCount: 2,
      onlineMeetingUrl: "https://meet.example.com/abc",
      showAs: "tentative",
      ours: null,
    });
  });

  it("prefers the conference property to a link in the text, and hides a private event's title and link", () => {
    const mapped = mapCalendarObjects({
      objects: [
        object("teams.ics", [
          ...lines(
            "t1",
            "20300111T090000Z",
            "SUMMARY:Sync",
            "LOCATION:https://elsewhere.example.com/x",
            "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.example.com/join",
          ),
        ]),
        object(
          "private.ics",
          lines("p1", "20300112T090000Z", "SUMMARY:Doctor", "LOCATION:Clinic", "CLASS:PRIVATE"),
        ),
      ],
      fromMs,
      toMs,
      hostTimeZone: "UTC",
      details: true,
    });
    if (!mapped.ok) throw new Error(mapped.error.message);
    const [teams, hidden] = mapped.value.intervals;
    expect(teams?.details?.onlineMeetingUrl).toBe("https://teams.example.com/join");
    expect(teams?.details?.location).toBe("https://elsewhere.example.com/x");
    expect(hidden?.details).toMatchObject({
      title: null,
      location: null,
      onlineMeetingUrl: null,
      showAs: "busy",
    });
  });

  it("keeps a free event as a free row only with details, and names our booking and managed copies", () => {
    const objects = [
      object("free.ics", lines("f1", "20300113T090000Z", "SUMMARY:Lunch", "TRANSP:TRANSPARENT")),
      object("booking.ics", lines("calbridge-0a1b2c3d-1111-4222-8333-444455556666-x", "20300114T090000Z")),
      object("managed.ics", lines("calbridge-me-abc-conn", "20300115T090000Z")),
    ];
    const plain = mapCalendarObjects({ objects, fromMs, toMs, hostTimeZone: "UTC" });
    if (!plain.ok) throw new Error(plain.error.message);
    expect(plain.value.intervals.map((interval) => [interval.status, interval.details])).toEqual([
      ["busy", undefined],
      ["busy", undefined],
    ]);
    const detailed = mapCalendarObjects({ objects, fromMs, toMs, hostTimeZone: "UTC", details: true });
    if (!detailed.ok) throw new Error(detailed.error.message);
    expect(detailed.value.intervals.map((interval) => [interval.status, interval.details?.showAs])).toEqual([
      ["free", "free"],
      ["busy", "busy"],
      ["busy", "busy"],
    ]);
    expect(detailed.value.intervals.map((interval) => interval.details?.ours)).toEqual([
      null,
      "booking",
      "managed_event",
    ]);
  });
});
