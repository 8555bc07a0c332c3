import { type IcalProperty, parseContentLine } from "./content-line.ts";
import { type LogicalLine, splitLogicalLines } from "./content-lines.ts";
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

// Folding cuts lines at 75 octets (RFC 5545 section 3.1); producers fold at 72 to 75 characters. A line that
// is not a content line is read as a fold that lost its leading space only after a line this long: after a
// short one (a DTSTART), it is a stray line, and gluing it on would break the value before it.
const FOLD_MIN_LENGTH = 60;

/**
 * Parse iCalendar text into one `ParsedCalendar` per VCALENDAR. Structural damage (BEGIN/END that do not pair
 * up, a component outside VCALENDAR, a truncated file) is an error naming the line. Damage other parsers read
 * past is a warning naming the line, and the rest of the file is kept: a line that is not a content line (a
 * fold that lost its leading space is joined to the line before it, anything else is skipped), lines outside
 * VCALENDAR (a stray header line, junk after the end), duplicated single-valued properties (the first wins).
 */
export function parseCalendars(text: string): Result<ParsedCalendar[], IcalParseError> {
  const calendars: ParsedCalendar[] = [];
  const stack: IcalComponent[] = [];
  // Line warnings of the calendar being read, or met before the next one.
  let problems: IcalProblem[] = [];
  const warn = (line: number, message: string): void => {
    problems.push({ severity: "warning", line, message });
  };
  // The last property read, with its line, while no BEGIN/END has followed it: what a broken fold continues.
  let previous: { logical: LogicalLine; component: IcalComponent } | null = null;
  let lastLine = 1;
  for (const logical of splitLogicalLines(text)) {
    lastLine = logical.line;
    const parsed = parseContentLine(logical);
    const top = stack[stack.length - 1];
    if (!parsed.ok) {
      if (previous && previous.logical.lastLength >= FOLD_MIN_LENGTH) {
        const joined: LogicalLine = {
          text: previous.logical.text + logical.text,
          line: previous.logical.line,
          lastLength: logical.lastLength,
        };
        const rejoined = parseContentLine(joined);
        if (rejoined.ok) {
          const properties = previous.component.properties;
          properties[properties.length - 1] = rejoined.value;
          previous = { logical: joined, component: previous.component };
          warn(
            logical.line,
            `not a content line (${parsed.error}): read as the end of line ${joined.line} (a folded line without its leading space)`,
          );
          continue;
        }
      }
      warn(logical.line, `not a content line (${parsed.error}): skipped`);
      previous = null;
      continue;
    }
    const property = parsed.value;
    previous = null;
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
      if (stack.length === 0) {
        calendars.push({ root: top, problems: [...problems, ...duplicateWarnings(top)] });
        problems = [];
      }
    } else if (top === undefined) {
      warn(logical.line, `${property.name} outside BEGIN:VCALENDAR ... END:VCALENDAR: skipped`);
    } else {
      top.properties.push(property);
      previous = { logical, component: top };
    }
  }
  const open = stack[stack.length - 1];
  if (open) return failAt(lastLine, `file ends inside BEGIN:${open.name} of line ${open.line} (truncated?)`);
  const last = calendars[calendars.length - 1];
  if (!last) return failAt(1, "no BEGIN:VCALENDAR found: not an iCalendar file");
  // Junk after the last END:VCALENDAR is reported with that calendar.
  last.problems.push(...problems);
  return ok(calendars);
}

/** `message` does not repeat the line: whoever prints the error puts `line N: ` in front of it, once. */
function failAt(line: number, message: string): { ok: false; error: IcalParseError } {
  return err({ code: "malformed_ics", line, message });
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
