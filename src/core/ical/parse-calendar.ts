import { type IcalProperty, parseContentLine } from "./content-line.ts";
import { splitLogicalLines } from "./content-lines.ts";
import type { IcalParseError, IcalProblem } from "./ical-problem.ts";
import { err, ok, type Result } from "./result.ts";

export { decodeIcsBytes } from "./decode-ics-bytes.ts";

/** A component (VCALENDAR, VEVENT, VTIMEZONE, STANDARD, ...) with the line of its BEGIN. */
export interface IcalComponent {
  name: string;
  line: number;
  properties: IcalProperty[];
  components: IcalComponent[];
}

/** One VCALENDAR of a file, read on its own (a file may hold several), with the warnings found in it. */
export interface ParsedCalendar {
  root: IcalComponent;
  problems: IcalProblem[];
}

// Deeper nesting than this is not iCalendar (VCALENDAR > VEVENT > VALARM is 3; VTIMEZONE > STANDARD is 3).
const MAX_DEPTH = 16;

// Properties that RFC 5545 allows at most once per component: a second one is ignored with a warning.
const SINGLE_VALUED = new Set([
  "UID",
  "DTSTART",
  "DTEND",
  "DURATION",
  "RECURRENCE-ID",
  "SEQUENCE",
  "STATUS",
  "TRANSP",
  "SUMMARY",
  "DTSTAMP",
  "TZID",
]);

/**
 * Parse iCalendar text into one `ParsedCalendar` per VCALENDAR. Structural damage (a line that is not a
 * content line, BEGIN/END that do not pair up, content outside VCALENDAR, a truncated file) is an error naming
 * the line; duplicated single-valued properties are warnings (the first one wins).
 */
export function parseCalendars(text: string): Result<ParsedCalendar[], IcalParseError> {
  const calendars: ParsedCalendar[] = [];
  const stack: IcalComponent[] = [];
  let lastLine = 1;
  for (const logical of splitLogicalLines(text)) {
    lastLine = logical.line;
    const parsed = parseContentLine(logical);
    if (!parsed.ok) return failAt(logical.line, parsed.error);
    const property = parsed.value;
    const top = stack[stack.length - 1];
    if (property.name === "BEGIN") {
      const name = property.value.trim().toUpperCase();
      if (top === undefined && name !== "VCALENDAR") {
        return failAt(logical.line, `expected BEGIN:VCALENDAR, found BEGIN:${name}`);
      }
      if (stack.length >= MAX_DEPTH) return failAt(logical.line, "components nested too deeply");
      const component: IcalComponent = { name, line: logical.line, properties: [], components: [] };
      top?.components.push(component);
      stack.push(component);
    } else if (property.name === "END") {
      const name = property.value.trim().toUpperCase();
      if (top === undefined) return failAt(logical.line, `END:${name} without a matching BEGIN`);
      if (top.name !== name) {
        return failAt(logical.line, `END:${name} does not close BEGIN:${top.name} of line ${top.line}`);
      }
      stack.pop();
      if (stack.length === 0) calendars.push({ root: top, problems: duplicateWarnings(top) });
    } else if (top === undefined) {
      return failAt(logical.line, `content outside BEGIN:VCALENDAR ... END:VCALENDAR (${property.name})`);
    } else {
      top.properties.push(property);
    }
  }
  const open = stack[stack.length - 1];
  if (open) return failAt(lastLine, `file ends inside BEGIN:${open.name} of line ${open.line} (truncated?)`);
  if (calendars.length === 0) return failAt(1, "no BEGIN:VCALENDAR found: not an iCalendar file");
  return ok(calendars);
}

function failAt(line: number, message: string): { ok: false; error: IcalParseError } {
  return err({ code: "malformed_ics", line, message: `line ${line}: ${message}` });
}

function duplicateWarnings(component: IcalComponent): IcalProblem[] {
  const problems: IcalProblem[] = [];
  const seen = new Set<string>();
  for (const property of component.properties) {
    if (!SINGLE_VALUED.has(property.name)) continue;
    if (seen.has(property.name)) {
      problems.push({
        severity: "warning",
        line: property.line,
        message: `duplicated ${property.name} in ${component.name} of line ${component.line}; the first one is used`,
      });
    }
    seen.add(property.name);
  }
  for (const child of component.components) problems.push(...duplicateWarnings(child));
  return problems;
}

/** The first property of that name, or null. */
export function firstProperty(component: IcalComponent, name: string): IcalProperty | null {
  return component.properties.find((property) => property.name === name) ?? null;
}
