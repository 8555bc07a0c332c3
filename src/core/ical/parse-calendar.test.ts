import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCalendars } from "./parse-calendar.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("parseCalendars", () => {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:t",
    "BEGIN:VEVENT",
    "UID:1",
    "SUMMARY:A long summary that was",
    " folded with a space and",
    "\twith a tab",
    'DTSTART;TZID="Europe/Berlin":20240601T100000',
    "END:VEVENT",
    "END:VCALENDAR",
  ];

  it.each([
    ["CRLF", lines.join("\r\n")],
    ["LF", lines.join("\n")],
    ["CR", lines.join("\r")],
    ["BOM and blank lines", `\uFEFF${lines.join("\r\n\r\n")}\r\n\r\n`],
  ])("reads %s line endings and unfolds space and tab folding", (_name, text) => {
    const parsed = parseCalendars(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const event = parsed.value[0]!.root.components[0]!;
    expect(event.properties.find((p) => p.name === "SUMMARY")?.value).toBe(
      "A long summary that wasfolded with a space andwith a tab",
    );
    const dtstart = event.properties.find((p) => p.name === "DTSTART");
    expect(dtstart?.params).toEqual({ TZID: ["Europe/Berlin"] });
    expect(dtstart?.value).toBe("20240601T100000");
  });

  it("reports the physical line where a folded line starts", () => {
    const parsed = parseCalendars(lines.join("\r\n"));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const event = parsed.value[0]!.root.components[0]!;
    expect(event.line).toBe(4);
    expect(event.properties.find((p) => p.name === "DTSTART")?.line).toBe(9);
  });

  it("reads quoted parameters holding ':;,' and RFC 6868 caret escapes", () => {
    const parsed = parseCalendars(
      [
        "BEGIN:VCALENDAR",
        'X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS="1 Loop, Cupertino";X-TITLE="Apple: HQ":geo:37.3,-122.0',
        "ATTENDEE;CN=^'Ada^' ^^ Co;ROLE=REQ-PARTICIPANT,OPT-PARTICIPANT:mailto:a@example.com",
        "END:VCALENDAR",
      ].join("\r\n"),
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    const [location, attendee] = parsed.value[0]!.root.properties;
    expect(location).toMatchObject({
      params: { VALUE: ["URI"], "X-ADDRESS": ["1 Loop, Cupertino"], "X-TITLE": ["Apple: HQ"] },
      value: "geo:37.3,-122.0",
    });
    expect(attendee!.params).toEqual({ CN: ['"Ada" ^ Co'], ROLE: ["REQ-PARTICIPANT", "OPT-PARTICIPANT"] });
  });

  it("reads each VCALENDAR of a multi-calendar file on its own", () => {
    const parsed = parseCalendars(fixture("dst-edges.ics"));
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.map((c) => c.root.line)).toEqual([1, 81]);
    expect(parsed.value.map((c) => c.root.components.filter((x) => x.name === "VTIMEZONE").length)).toEqual([
      2, 0,
    ]);
  });

  it("warns about duplicated single-valued properties and keeps the first", () => {
    const parsed = parseCalendars(fixture("messy-encoding.ics"));
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value[0]!.problems).toEqual([
      {
        severity: "warning",
        line: 12,
        message: "duplicated SUMMARY in VEVENT of line 5; the first one is used",
      },
    ]);
  });

  it.each([
    ["malformed-truncated.ics", 6, "line 6: file ends inside BEGIN:VEVENT of line 4 (truncated?)"],
    ["malformed-bad-line.ics", 7, "line 7: expected NAME:VALUE, found no colon"],
    ["malformed-mismatched-end.ics", 7, "line 7: END:VTODO does not close BEGIN:VEVENT of line 4"],
  ])("names the line of the damage in %s", (name, line, message) => {
    expect(parseCalendars(fixture(name))).toEqual({
      ok: false,
      error: { code: "malformed_ics", line, message },
    });
  });

  it.each([
    ["", 1, "no BEGIN:VCALENDAR found"],
    ["<html><body>Not found</body></html>", 1, "expected NAME:VALUE"],
    ["BEGIN:VEVENT\r\nEND:VEVENT", 1, "expected BEGIN:VCALENDAR, found BEGIN:VEVENT"],
    ["BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nSUMMARY:after", 3, "content outside BEGIN:VCALENDAR"],
    ['BEGIN:VCALENDAR\r\nDTSTART;TZID="open:20240101\r\nEND:VCALENDAR', 2, "unterminated quoted parameter"],
    ["BEGIN:VCALENDAR\r\nBAD NAME:x\r\nEND:VCALENDAR", 2, 'invalid property name "BAD NAME"'],
  ])("rejects %j at line %i", (text, line, fragment) => {
    const parsed = parseCalendars(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.line).toBe(line);
    expect(parsed.error.message).toContain(fragment);
  });

  it("never throws on arbitrary input, and answers a calendar or an error with a line inside the text", () => {
    const content = fc.array(
      fc.oneof(
        fc.constantFrom("BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", " folded", "\tTAB"),
        fc.constantFrom("DTSTART:20240101T000000Z", 'X;P="a:b":c', "NOCOLON", "", ";:", '"'),
        fc.string({ maxLength: 20 }),
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(content, fc.constantFrom("\r\n", "\n", "\r"), (parts, eol) => {
        const text = parts.join(eol);
        const parsed = parseCalendars(text);
        if (!parsed.ok) {
          expect(parsed.error.line).toBeGreaterThanOrEqual(1);
          expect(parsed.error.line).toBeLessThanOrEqual(Math.max(1, parts.length));
        }
      }),
      { numRuns: 500 },
    );
  });
});
