import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { itWithPythonIcalendar, runPythonIcalendar } from "../../../test/support/python-icalendar.ts";
import type { BookingEvent } from "./booking-event.ts";
import { renderCalendarFeed } from "./calendar-feed.ts";

const SCRIPT = fileURLToPath(new URL("./ics-to-json.py", import.meta.url));

const event = (uid: string, start: string, end: string, timeZone: string): BookingEvent => ({
  uid,
  sequence: 0,
  dtstamp: "2030-01-01T00:00:00Z",
  start,
  end,
  timeZone,
  summary: `Booking ${uid}`,
  organizer: { email: "host@example.com" },
  attendees: [{ email: "guest@example.org" }],
  status: "CONFIRMED",
});

describe("renderCalendarFeed", () => {
  const events = [
    event("a", "2030-03-04T09:00:00Z", "2030-03-04T09:30:00Z", "Europe/Berlin"),
    event("b", "2031-07-01T15:00:00Z", "2031-07-01T16:00:00Z", "Europe/Berlin"),
    event("c", "2030-05-05T04:00:00Z", "2030-05-05T05:00:00Z", "Asia/Kolkata"),
  ];

  itWithPythonIcalendar(
    "publishes every event with one VTIMEZONE per zone, readable by python-icalendar",
    () => {
      const ics = renderCalendarFeed({ name: "Ann's bookings", timeZone: "Europe/Berlin", events });
      expect(ics.match(/^BEGIN:VTIMEZONE/gm)).toHaveLength(2);
      expect(ics).toContain("X-WR-CALNAME:Ann's bookings\r\n");
      expect(ics).toContain("X-WR-TIMEZONE:Europe/Berlin\r\n");
      // RFC 5546 §3.2.1: PUBLISH carries no attendees.
      expect(ics).not.toContain("ATTENDEE");
      const parsed = JSON.parse(runPythonIcalendar([SCRIPT], ics)) as {
        method: string;
        timezones: string[];
        events: Array<{ uid: string; start: string; end: string }>;
      };
      expect(parsed.method).toBe("PUBLISH");
      expect(parsed.timezones).toEqual(["Europe/Berlin", "Asia/Kolkata"]);
      expect(parsed.events.map(({ uid, start, end }) => ({ uid, start, end }))).toEqual(
        events.map(({ uid, start, end }) => ({ uid, start, end })),
      );
    },
  );

  it("writes an empty but valid calendar when there are no events", () => {
    const ics = renderCalendarFeed({ name: "Empty", events: [] });
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*METHOD:PUBLISH\r\n[\s\S]*END:VCALENDAR\r\n$/);
  });
});
