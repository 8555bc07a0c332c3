import { fileURLToPath } from "node:url";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { itWithPythonIcalendar, runPythonIcalendar } from "../../../test/support/python-icalendar.ts";
import type { BookingIcsParams } from "./booking-ics.ts";
import { renderBookingIcs } from "./booking-ics.ts";

const SCRIPT = fileURLToPath(new URL("./ics-to-json.py", import.meta.url));

interface PythonPerson {
  address: string;
  params: Record<string, string>;
}
interface PythonView {
  method: string;
  version: string;
  timezones: string[];
  events: Array<{
    uid: string;
    sequence: number;
    status: string;
    summary: string;
    description: string;
    location: string;
    url: string;
    start: string;
    end: string;
    startTzid: string | null;
    dtstamp: string;
    organizer: PythonPerson;
    attendees: PythonPerson[];
  }>;
}

function parseWithPython(ics: string): PythonView {
  return JSON.parse(runPythonIcalendar([SCRIPT], ics)) as PythonView;
}

/** Reads DTSTART/DTEND with ical.js using only the VTIMEZONE in the file, never a built-in zone. */
function parseWithIcalJs(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(vtimezone);
  try {
    const vevent = calendar.getFirstSubcomponent("vevent");
    if (!vevent) throw new Error("no VEVENT");
    const event = new ICAL.Event(vevent);
    return {
      method: calendar.getFirstPropertyValue("method"),
      uid: event.uid,
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue("status"),
      summary: event.summary,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      startZone: event.startDate.zone?.tzid,
    };
  } finally {
    ICAL.TimezoneService.reset();
  }
}

const base: BookingIcsParams = {
  method: "REQUEST",
  uid: "bk_123@calbridge.example",
  sequence: 0,
  dtstamp: "2030-01-15T12:00:00Z",
  start: "2030-03-04T09:00:00Z",
  end: "2030-03-04T09:30:00Z",
  timeZone: "Europe/Berlin",
  summary: "Intro call",
  organizer: { name: "Ann Host", email: "ann@example.com" },
  attendees: [{ name: "Bob Booker", email: "bob@example.org" }],
  status: "CONFIRMED",
};

describe("renderBookingIcs", () => {
  itWithPythonIcalendar(
    "writes a REQUEST that both parsers read with the same UID, SEQUENCE, METHOD and times",
    () => {
      const ics = renderBookingIcs(base);
      const py = parseWithPython(ics);
      expect(py).toMatchObject({ method: "REQUEST", version: "2.0", timezones: ["Europe/Berlin"] });
      expect(py.events).toHaveLength(1);
      expect(py.events[0]).toMatchObject({
        uid: base.uid,
        sequence: 0,
        status: "CONFIRMED",
        start: "2030-03-04T09:00:00Z",
        end: "2030-03-04T09:30:00Z",
        startTzid: "Europe/Berlin",
        dtstamp: "2030-01-15T12:00:00Z",
        organizer: { address: "mailto:ann@example.com", params: { CN: "Ann Host" } },
        attendees: [
          {
            address: "mailto:bob@example.org",
            params: { CN: "Bob Booker", ROLE: "REQ-PARTICIPANT", PARTSTAT: "NEEDS-ACTION", RSVP: "TRUE" },
          },
        ],
      });
      expect(parseWithIcalJs(ics)).toEqual({
        method: "REQUEST",
        uid: base.uid,
        sequence: 0,
        status: "CONFIRMED",
        summary: "Intro call",
        start: "2030-03-04T09:00:00.000Z",
        end: "2030-03-04T09:30:00.000Z",
        startZone: "Europe/Berlin",
      });
      expect(ics).toContain("DTSTART;TZID=Europe/Berlin:20300304T100000\r\n");
    },
  );

  it("uses CRLF everywhere and ends with one", () => {
    const ics = renderBookingIcs(base);
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  });

  itWithPythonIcalendar.each([
    // Crosses the spring-forward gap in Berlin: 01:30 CET to 03:30 CEST is one hour.
    ["Europe/Berlin", "2030-03-31T00:30:00Z", "2030-03-31T01:30:00Z", "20300331T013000", "20300331T033000"],
    // Crosses the fall-back hour in New York: 00:30 EDT to 02:00 EST is two and a half hours.
    [
      "America/New_York",
      "2030-11-03T04:30:00Z",
      "2030-11-03T07:00:00Z",
      "20301103T003000",
      "20301103T020000",
    ],
    // Half-hour zone without DST.
    ["Asia/Kolkata", "2030-06-10T04:00:00Z", "2030-06-10T04:45:00Z", "20300610T093000", "20300610T101500"],
    // Half-hour zone with southern-hemisphere DST (starts in October).
    [
      "Australia/Adelaide",
      "2030-10-06T01:00:00Z",
      "2030-10-06T02:00:00Z",
      "20301006T113000",
      "20301006T123000",
    ],
  ])("keeps the instants in %s (%s)", (timeZone, start, end, localStart, localEnd) => {
    const ics = renderBookingIcs({ ...base, timeZone, start, end });
    expect(ics).toContain(`DTSTART;TZID=${timeZone}:${localStart}\r\n`);
    expect(ics).toContain(`DTEND;TZID=${timeZone}:${localEnd}\r\n`);
    const py = parseWithPython(ics).events[0];
    expect([py?.start, py?.end]).toEqual([start, end]);
    const js = parseWithIcalJs(ics);
    expect([js.start, js.end]).toEqual([new Date(start).toISOString(), new Date(end).toISOString()]);
    expect(js.startZone).toBe(timeZone);
  });

  itWithPythonIcalendar.each([
    ["the first", "2030-11-03T05:30:00Z"],
    ["the second", "2030-11-03T06:30:00Z"],
  ])(
    "writes %s 01:30 of the repeated hour in UTC, since readers disagree on ambiguous local times",
    (_, start) => {
      const ics = renderBookingIcs({
        ...base,
        timeZone: "America/New_York",
        start,
        end: "2030-11-03T07:30:00Z",
      });
      expect(ics).toContain(`DTSTART:${start.replace(/[-:]/g, "")}\r\n`);
      expect(ics).toContain("DTEND;TZID=America/New_York:20301103T023000\r\n");
      const py = parseWithPython(ics).events[0];
      expect([py?.start, py?.end]).toEqual([start, "2030-11-03T07:30:00Z"]);
      expect(parseWithIcalJs(ics).start).toBe(new Date(start).toISOString());
    },
  );

  itWithPythonIcalendar(
    "folds long lines at 75 octets without splitting UTF-8 characters and keeps non-ASCII text intact",
    () => {
      const summary = "Kennenlernen mit Jürgen Größe, Zoë; 日本語の打ち合わせ 🎉 — ".repeat(4).trim();
      const description = "Agenda:\n1. Überblick, Ziele; Fragen\\Antworten\n2. 次のステップ";
      const ics = renderBookingIcs({ ...base, summary, description });
      for (const line of ics.split("\r\n")) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
      expect(ics).toMatch(/\r\n /); // it did fold
      // Every physical line is valid UTF-8 on its own: no character was cut in half.
      for (const line of ics.split("\r\n")) expect(Buffer.from(line, "utf8").toString("utf8")).toBe(line);
      const py = parseWithPython(ics).events[0];
      expect(py?.summary).toBe(summary);
      expect(py?.description).toBe(description);
      expect(parseWithIcalJs(ics).summary).toBe(summary);
    },
  );

  itWithPythonIcalendar("puts the meeting link in LOCATION, URL and DESCRIPTION", () => {
    const link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d";
    const ics = renderBookingIcs({
      ...base,
      description: "Bring questions.",
      location: { kind: "teams", value: link },
    });
    const py = parseWithPython(ics).events[0];
    expect(py?.location).toContain(link);
    expect(py?.url).toBe(link);
    expect(py?.description).toBe(`Bring questions.\n\nJoin: ${link}`);
    expect(ics.replace(/\r\n /g, "")).toContain(`X-MICROSOFT-SKYPETEAMSMEETINGURL:${link}`);
  });

  itWithPythonIcalendar("keeps a physical address as LOCATION without inventing a URL", () => {
    const ics = renderBookingIcs({
      ...base,
      location: { kind: "address", value: "Hauptstr. 1, 10115 Berlin" },
    });
    const py = parseWithPython(ics).events[0];
    expect(py?.location).toBe("Hauptstr. 1, 10115 Berlin");
    expect(py?.url).toBe("");
  });

  itWithPythonIcalendar(
    "writes a CANCEL with the same UID, a higher SEQUENCE, STATUS:CANCELLED and the reason",
    () => {
      const ics = renderBookingIcs({
        ...base,
        method: "CANCEL",
        sequence: 2,
        status: "CANCELLED",
        cancelReason: "Host is ill",
      });
      const py = parseWithPython(ics);
      expect(py.method).toBe("CANCEL");
      expect(py.events[0]).toMatchObject({ uid: base.uid, sequence: 2, status: "CANCELLED" });
      expect(py.events[0]?.description).toContain("Cancelled: Host is ill");
      expect(py.events[0]?.attendees[0]?.params.RSVP).toBe("FALSE");
      expect(ics).toContain("COMMENT:Host is ill\r\n");
      expect(parseWithIcalJs(ics)).toMatchObject({ method: "CANCEL", status: "CANCELLED", sequence: 2 });
    },
  );

  itWithPythonIcalendar(
    "quotes display names with separators and drops characters a parameter cannot hold",
    () => {
      const ics = renderBookingIcs({
        ...base,
        organizer: { name: "Host, Ann; Sales: EMEA", email: "ann@example.com" },
        attendees: [
          {
            name: 'Bob "The Builder"',
            email: "bob@example.org",
            role: "OPT-PARTICIPANT",
            partstat: "ACCEPTED",
          },
        ],
      });
      const py = parseWithPython(ics).events[0];
      expect(py?.organizer.params.CN).toBe("Host, Ann; Sales: EMEA");
      expect(py?.attendees[0]?.params).toMatchObject({
        CN: "Bob 'The Builder'",
        ROLE: "OPT-PARTICIPANT",
        PARTSTAT: "ACCEPTED",
        RSVP: "FALSE",
      });
    },
  );

  it("rejects contradictory input", () => {
    expect(() => renderBookingIcs({ ...base, method: "CANCEL" })).toThrow(RangeError);
    expect(() => renderBookingIcs({ ...base, end: base.start })).toThrow(RangeError);
    expect(() => renderBookingIcs({ ...base, timeZone: "Mars/Olympus" })).toThrow(RangeError);
  });
});
