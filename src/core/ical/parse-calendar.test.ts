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

  // The message does not carry the line: printing both gave "line 6: line 6: ..." in feed errors.
  it.each([
    ["malformed-truncated.ics", 6, "file ends inside BEGIN:VEVENT of line 4 (truncated?)"],
    ["malformed-mismatched-end.ics", 7, "END:VTODO does not close BEGIN:VEVENT of line 4"],
  ])("names the line of the damage in %s, once", (name, line, message) => {
    expect(parseCalendars(fixture(name))).toEqual({
      ok: false,
      error: { code: "malformed_ics", line, message },
    });
  });

  it.each([
    ["", 1, "no BEGIN:VCALENDAR found"],
    ["<html><body>Not found</body></html>", 1, "no BEGIN:VCALENDAR found: not an iCalendar file"],
    ["BEGIN:VEVENT\r\nEND:VEVENT", 1, "expected BEGIN:VCALENDAR, found BEGIN:VEVENT"],
    ["BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR", 2, "END:VEVENT does not close BEGIN:VCALENDAR"],
    ["END:VCALENDAR", 1, "END:VCALENDAR without a matching BEGIN"],
  ])("rejects %j at line %i", (text, line, fragment) => {
    const parsed = parseCalendars(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.line).toBe(line);
    expect(parsed.error.message).toContain(fragment);
  });

  const warningsOf = (text: string) => {
    const parsed = parseCalendars(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return { calendars: parsed.value, problems: parsed.value.flatMap((calendar) => calendar.problems) };
  };
  const event = (calendars: ReturnType<typeof warningsOf>["calendars"], name: string) =>
    calendars[0]!.root.components[0]!.properties.find((p) => p.name === name)?.value;

  it("reads past whitespace, a BOM, blank and stray lines before BEGIN:VCALENDAR, and junk after its end", () => {
    const { calendars, problems } = warningsOf(
      [
        "\uFEFF  ",
        "",
        "HTTP/1.1 200 OK",
        "  BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        "UID:1",
        "END:VEVENT",
        "END:VCALENDAR",
        "</pre>",
        "X-TRAILER:1",
      ].join("\r\n"),
    );
    expect(calendars).toHaveLength(1);
    expect(calendars[0]!.root.line).toBe(4);
    expect(event(calendars, "UID")).toBe("1");
    expect(problems).toEqual([
      {
        severity: "warning",
        line: 3,
        message: "not a content line (expected NAME:VALUE, found no colon): skipped",
      },
      {
        severity: "warning",
        line: 9,
        message: "not a content line (expected NAME:VALUE, found no colon): skipped",
      },
      {
        severity: "warning",
        line: 10,
        message: "X-TRAILER outside BEGIN:VCALENDAR ... END:VCALENDAR: skipped",
      },
    ]);
  });

  it("joins a fold that lost its leading space to the long line before it, and keeps the rest of the file", () => {
    const description = `DESCRIPTION:${"Agenda: budget, hiring and the roadmap for next quarter ".slice(0, 62)}`;
    const { calendars, problems } = warningsOf(
      [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        "UID:1",
        description,
        "and the rest of the sentence",
        " with a proper fold after it",
        "DTSTART:20240601T100000Z",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:2",
        "END:VEVENT",
        "END:VCALENDAR",
      ].join("\r\n"),
    );
    expect(event(calendars, "DESCRIPTION")).toBe(
      `${description.slice(12)}and the rest of the sentencewith a proper fold after it`,
    );
    expect(event(calendars, "DTSTART")).toBe("20240601T100000Z");
    expect(calendars[0]!.root.components).toHaveLength(2);
    expect(problems).toEqual([
      {
        severity: "warning",
        line: 5,
        message:
          "not a content line (expected NAME:VALUE, found no colon): read as the end of line 4 (a folded line without its leading space)",
      },
    ]);
  });

  it("skips a stray line after a short one instead of gluing it onto that value", () => {
    const { calendars, problems } = warningsOf(
      [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        "DTSTART:20240601T100000Z",
        "THIS LINE IS NOT A CONTENT LINE",
        'SUMMARY;X-P="unterminated:x',
        "SUMMARY:kept",
        "END:VEVENT",
        "END:VCALENDAR",
      ].join("\n"),
    );
    expect(event(calendars, "DTSTART")).toBe("20240601T100000Z");
    expect(event(calendars, "SUMMARY")).toBe("kept");
    expect(problems.map((problem) => [problem.line, problem.message])).toEqual([
      [4, "not a content line (expected NAME:VALUE, found no colon): skipped"],
      [5, "not a content line (unterminated quoted parameter value in SUMMARY): skipped"],
    ]);
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
