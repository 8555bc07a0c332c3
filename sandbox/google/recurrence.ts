import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { compactUtc, formatDateTime, toInstant } from "./event-time.ts";
import type { EventDateTime } from "./event-types.ts";

/**
 * Expands a Google recurring master (RRULE/RDATE/EXDATE lines, no DTSTART: provider-protocols.md 4.3).
 * ical.js iterates the rule in floating wall time; each wall time is then placed in the series' IANA
 * zone with Temporal, so DST shifts keep the local time (RFC 5545 3.3.10). A UTC `UNTIL` is converted to
 * the same wall clock first, because ical.js would otherwise compare it against floating times as UTC.
 */

export interface Occurrence {
  /** `<YYYYMMDDTHHMMSSZ>` for timed series, `<YYYYMMDD>` for all-day series: the instance id suffix. */
  key: string;
  originalStart: EventDateTime;
  start: Temporal.Instant;
}

export interface ExpandParams {
  start: EventDateTime;
  recurrence: string[];
  calendarTimeZone: string;
  /** Stop at occurrences starting at or after this instant. */
  before: Temporal.Instant;
  /** Safety cap on the number of occurrences produced (infinite series). */
  limit: number;
}

const MAX_ITERATIONS = 20_000;

export function expandOccurrences(params: ExpandParams): Occurrence[] {
  const allDay = params.start.date !== undefined;
  const timeZone = params.start.timeZone ?? params.calendarTimeZone;
  const startWall = allDay
    ? Temporal.PlainDate.from(params.start.date!).toPlainDateTime()
    : toInstant(params.start, params.calendarTimeZone).toZonedDateTimeISO(timeZone).toPlainDateTime();
  const excluded = new Set<string>();
  const walls = new Map<string, Temporal.PlainDateTime>();
  const add = (wall: Temporal.PlainDateTime): void => {
    walls.set(occurrenceKey(wall, allDay, timeZone), wall);
  };
  for (const line of params.recurrence) {
    const { name, values } = parseLine(line);
    if (name === "RRULE") {
      for (const wall of iterateRule(values[0] ?? "", startWall, allDay, timeZone, params)) add(wall);
    } else if (name === "RDATE") {
      for (const value of values) add(parseDateValue(value, timeZone));
    } else if (name === "EXDATE") {
      for (const value of values)
        excluded.add(occurrenceKey(parseDateValue(value, timeZone), allDay, timeZone));
    }
  }
  // A series always contains its first occurrence (RFC 5545 3.8.5.3 counts DTSTART as the first instance).
  add(startWall);
  return [...walls.entries()]
    .filter(([key]) => !excluded.has(key))
    .map(([key, wall]) => toOccurrence(key, wall, allDay, timeZone))
    .filter((occurrence) => Temporal.Instant.compare(occurrence.start, params.before) < 0)
    .sort((a, b) => Temporal.Instant.compare(a.start, b.start))
    .slice(0, params.limit);
}

function* iterateRule(
  rule: string,
  startWall: Temporal.PlainDateTime,
  allDay: boolean,
  timeZone: string,
  params: ExpandParams,
): Generator<Temporal.PlainDateTime> {
  const recur = ICAL.Recur.fromString(rule);
  const untilUtc = /UNTIL=(\d{8}T\d{6}Z)/i.exec(rule)?.[1];
  if (untilUtc && recur.until) {
    const wall = parseDateValue(untilUtc, timeZone);
    recur.until = ICAL.Time.fromData({
      year: wall.year,
      month: wall.month,
      day: wall.day,
      hour: wall.hour,
      minute: wall.minute,
      second: wall.second,
      isDate: allDay,
    });
  }
  const dtstart = ICAL.Time.fromData({
    year: startWall.year,
    month: startWall.month,
    day: startWall.day,
    hour: startWall.hour,
    minute: startWall.minute,
    second: startWall.second,
    isDate: allDay,
  });
  const iterator = recur.iterator(dtstart);
  let produced = 0;
  for (let i = 0; i < MAX_ITERATIONS && produced < params.limit; i++) {
    const next = iterator.next();
    if (!next) return;
    const wall = new Temporal.PlainDateTime(
      next.year,
      next.month,
      next.day,
      next.hour,
      next.minute,
      next.second,
    );
    const instant = wall.toZonedDateTime(timeZone).toInstant();
    if (Temporal.Instant.compare(instant, params.before) >= 0) return;
    produced += 1;
    yield wall;
  }
}

function parseLine(line: string): { name: string; values: string[] } {
  const colon = line.indexOf(":");
  const head = line.slice(0, colon).toUpperCase();
  const name = head.split(";")[0] ?? head;
  const body = line.slice(colon + 1);
  const tzid = /;TZID=([^;:]+)/i.exec(line.slice(0, colon))?.[1];
  // Values with a TZID parameter are wall times in that zone; tag them so parseDateValue can place them.
  const values = body.split(",").map((value) => (tzid && !value.endsWith("Z") ? `${value}@${tzid}` : value));
  return { name, values: name === "RRULE" ? [body] : values };
}

/** Parses an RFC 5545 DATE / DATE-TIME value (UTC `Z`, `@TZID`-tagged, or floating) to a wall time in `timeZone`. */
function parseDateValue(value: string, timeZone: string): Temporal.PlainDateTime {
  const [raw = "", tzid] = value.split("@");
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(raw);
  if (!match) throw new Error(`Unparseable recurrence date: ${value}`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", z] = match;
  const wall = new Temporal.PlainDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  if (z === "Z") return wall.toZonedDateTime("UTC").withTimeZone(timeZone).toPlainDateTime();
  if (tzid && tzid !== timeZone) return wall.toZonedDateTime(tzid).withTimeZone(timeZone).toPlainDateTime();
  return wall;
}

function occurrenceKey(wall: Temporal.PlainDateTime, allDay: boolean, timeZone: string): string {
  if (allDay) return wall.toPlainDate().toString().replace(/-/g, "");
  return compactUtc(wall.toZonedDateTime(timeZone).toInstant());
}

function toOccurrence(
  key: string,
  wall: Temporal.PlainDateTime,
  allDay: boolean,
  timeZone: string,
): Occurrence {
  const zoned = wall.toZonedDateTime(timeZone);
  if (allDay) {
    return { key, originalStart: { date: wall.toPlainDate().toString() }, start: zoned.toInstant() };
  }
  return {
    key,
    originalStart: { dateTime: formatDateTime(zoned.toInstant(), timeZone), timeZone },
    start: zoned.toInstant(),
  };
}
