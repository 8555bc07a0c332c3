import type { IcalProblem } from "./ical-problem.ts";
import { firstProperty, parseCalendars } from "./parse-calendar.ts";
import { readEvent } from "./read-event.ts";
import { createTimeZoneResolver } from "./time-zone-resolver.ts";

export interface IcsValidation {
  calendars: number;
  events: number;
  /** Sorted by line; any `error` means the file cannot be used. */
  problems: IcalProblem[];
}

/**
 * Everything `calbridge ics validate` reports: the structural error that stops parsing, or the warnings met
 * while reading every calendar and event the way expansion does (unknown zones, bad RRULEs, missing UIDs...).
 */
export function validateIcs(text: string): IcsValidation {
  const parsed = parseCalendars(text);
  if (!parsed.ok) {
    return {
      calendars: 0,
      events: 0,
      problems: [{ severity: "error", line: parsed.error.line, message: parsed.error.message }],
    };
  }
  const problems: IcalProblem[] = [];
  let events = 0;
  for (const calendar of parsed.value) {
    problems.push(...calendar.problems);
    const root = calendar.root;
    if (!firstProperty(root, "VERSION")) {
      problems.push({ severity: "warning", line: root.line, message: "VCALENDAR without VERSION" });
    }
    if (!firstProperty(root, "PRODID")) {
      problems.push({ severity: "warning", line: root.line, message: "VCALENDAR without PRODID" });
    }
    const resolver = createTimeZoneResolver({ calendar: root, problems });
    for (const component of root.components) {
      if (component.name !== "VEVENT") continue;
      events++;
      if (!firstProperty(component, "UID")) {
        problems.push({ severity: "warning", line: component.line, message: "VEVENT without UID" });
      }
      readEvent({ component, resolver, problems });
    }
  }
  const seen = new Set<string>();
  const unique = problems.filter((problem) => {
    const key = `${problem.line}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort((a, b) => a.line - b.line);
  return { calendars: parsed.value.length, events, problems: unique };
}
