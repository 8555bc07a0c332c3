import type { Temporal } from "temporal-polyfill";
import { type IcalProperty, paramValue, unescapeText } from "./content-line.ts";
import { type EventAgenda, readEventAgenda } from "./event-agenda.ts";
import { type EventTime, toEventTime } from "./event-time.ts";
import type { IcalProblem } from "./ical-problem.ts";
import { readDuration, readTime, readTimeList } from "./ical-time.ts";
import { firstProperty, type IcalComponent } from "./parse-calendar.ts";
import { parseRecurrenceRule, type RecurrenceRule } from "./recurrence-rule.ts";
import type { TimeZoneResolver } from "./time-zone-resolver.ts";

export interface EventRdate {
  start: EventTime;
  end: EventTime | null;
  duration: Temporal.Duration | null;
}

/** A VEVENT with its values read and zones applied; what expansion works from. */
export interface EventData {
  uid: string;
  line: number;
  start: EventTime;
  end: EventTime | null;
  duration: Temporal.Duration | null;
  recurrenceId: EventTime | null;
  thisAndFuture: boolean;
  rrules: Array<{ rule: RecurrenceRule; until: EventTime | null }>;
  rdates: EventRdate[];
  exdates: EventTime[];
  summary: string | null;
  status: string | null;
  transparency: string | null;
  sequence: number;
  agenda: EventAgenda;
}

function warn(problems: IcalProblem[], line: number, message: string): void {
  problems.push({ severity: "warning", line, message });
}

function textOf(property: IcalProperty | null): string | null {
  return property ? unescapeText(property.value) : null;
}

function upperOf(property: IcalProperty | null): string | null {
  const value = property?.value.trim().toUpperCase();
  return value ? value : null;
}

/**
 * Read a VEVENT. Returns null (with a warning) when it cannot be placed in time: no or invalid DTSTART. Bad
 * optional parts (an invalid RRULE, EXDATE or DTEND) are skipped with a warning rather than losing the event.
 */
export function readEvent(params: {
  component: IcalComponent;
  resolver: TimeZoneResolver;
  problems: IcalProblem[];
}): EventData | null {
  const { component, resolver, problems } = params;
  const timeOf = (property: IcalProperty): EventTime | null => {
    const parsed = readTime(property);
    if (!parsed.ok) {
      warn(problems, property.line, parsed.error);
      return null;
    }
    return toEventTime(parsed.value, resolver, property.line);
  };
  const dtstartProperty = firstProperty(component, "DTSTART");
  const start = dtstartProperty ? timeOf(dtstartProperty) : null;
  if (!start) {
    if (!dtstartProperty) warn(problems, component.line, "VEVENT without DTSTART is skipped");
    return null;
  }
  const uidProperty = firstProperty(component, "UID");
  // RFC 5545 requires a UID; without one the event still blocks time, under a name stable within the file.
  // UID is TEXT (RFC 5545 section 3.8.4.7): `a\,b` is the UID `a,b`.
  const uid = (uidProperty && unescapeText(uidProperty.value).trim()) || `no-uid-line-${component.line}`;
  const dtendProperty = firstProperty(component, "DTEND");
  const durationProperty = firstProperty(component, "DURATION");
  const end = dtendProperty ? timeOf(dtendProperty) : null;
  let duration = durationProperty ? readDuration(durationProperty.value) : null;
  if (durationProperty && !duration) warn(problems, durationProperty.line, "invalid DURATION is ignored");
  if (end && duration) {
    warn(problems, durationProperty!.line, "both DTEND and DURATION: DTEND is used");
    duration = null;
  }
  if (end && end.allDay !== start.allDay) {
    warn(problems, dtendProperty!.line, "DTEND and DTSTART are not both DATE or both DATE-TIME");
  }
  const recurrenceIdProperty = firstProperty(component, "RECURRENCE-ID");
  const recurrenceId = recurrenceIdProperty ? timeOf(recurrenceIdProperty) : null;
  const rrules: EventData["rrules"] = [];
  const rdates: EventRdate[] = [];
  const exdates: EventTime[] = [];
  for (const property of component.properties) {
    if (property.name === "RRULE") {
      const rule = parseRecurrenceRule(property.value);
      if (!rule.ok) {
        warn(problems, property.line, rule.error);
        continue;
      }
      const until = rule.value.until ? toEventTime(rule.value.until, resolver, property.line) : null;
      rrules.push({ rule: rule.value, until });
    } else if (property.name === "RDATE" || property.name === "EXDATE") {
      const values = readTimeList(property);
      if (!values.ok) {
        warn(problems, property.line, values.error);
        continue;
      }
      for (const value of values.value) {
        const at = toEventTime(value.start, resolver, property.line);
        if (property.name === "EXDATE") {
          exdates.push(at);
        } else {
          const periodEnd = value.end ? toEventTime(value.end, resolver, property.line) : null;
          rdates.push({ start: at, end: periodEnd, duration: value.duration });
        }
      }
    }
  }
  const sequenceText = firstProperty(component, "SEQUENCE")?.value.trim() ?? "0";
  const sequence = /^\d+$/.test(sequenceText) ? Number(sequenceText) : 0;
  return {
    uid,
    line: component.line,
    start,
    end,
    duration,
    recurrenceId,
    thisAndFuture:
      recurrenceIdProperty !== null &&
      paramValue(recurrenceIdProperty, "RANGE")?.toUpperCase() === "THISANDFUTURE",
    rrules,
    rdates,
    exdates,
    summary: textOf(firstProperty(component, "SUMMARY")),
    status: upperOf(firstProperty(component, "STATUS")),
    transparency: upperOf(firstProperty(component, "TRANSP")),
    sequence,
    agenda: readEventAgenda(component),
  };
}
