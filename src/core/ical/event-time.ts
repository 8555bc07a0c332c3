import type { IcalTime } from "./ical-time.ts";
import { formatDateSeconds, formatLocalSeconds, formatUtcSeconds, wallSeconds } from "./local-epoch.ts";
import type { TimeZoneResolver } from "./time-zone-resolver.ts";
import { UTC_RULES, type ZoneRules } from "./zone-rules.ts";

const DAY = 86_400;

/** A value with its zone applied: wall-clock seconds plus rules (null = floating, or a DATE when allDay). */
export interface EventTime {
  local: number;
  allDay: boolean;
  zone: ZoneRules | null;
}

/** A point of output: real UTC seconds, or wall-clock seconds for floating times and dates. */
export interface TimePoint {
  kind: "utc" | "floating" | "date";
  seconds: number;
}

/**
 * Apply the calendar's zones to a parsed value. A TZID nobody can resolve falls back to X-WR-TIMEZONE, then to
 * floating (the problem is reported by the resolver); a floating time takes X-WR-TIMEZONE when there is one.
 */
export function toEventTime(time: IcalTime, resolver: TimeZoneResolver, line: number): EventTime {
  if (time.kind === "date") {
    return { local: time.local, allDay: true, zone: null };
  }
  const local = time.local;
  if (time.zone.type === "utc") return { local, allDay: false, zone: UTC_RULES };
  if (time.zone.type === "tzid") {
    const rules = resolver.resolve(time.zone.tzid, line) ?? resolver.floatingZone;
    return { local, allDay: false, zone: rules };
  }
  return { local, allDay: false, zone: resolver.floatingZone };
}

export function startOfDay(seconds: number): number {
  return Math.floor(seconds / DAY) * DAY;
}

/** The wall clock of `time` in the frame of a series (its DTSTART's zone, floating, or dates). */
export function localInFrame(frame: EventTime, time: EventTime): number {
  if (frame.allDay) return startOfDay(time.local);
  if (frame.zone && time.zone && !time.allDay && frame.zone !== time.zone) {
    return frame.zone.toLocal(time.zone.toUtc(time.local));
  }
  return time.local;
}

/** The output point of a wall-clock value in a frame. */
export function pointInFrame(frame: EventTime, local: number): TimePoint {
  if (frame.allDay) return { kind: "date", seconds: local };
  if (frame.zone) return { kind: "utc", seconds: frame.zone.toUtc(local) };
  return { kind: "floating", seconds: local };
}

export function toPoint(time: EventTime): TimePoint {
  return pointInFrame(time, time.local);
}

/** Output forms of the CLI spec: `...Z` for UTC, no `Z` for floating, `YYYY-MM-DD` for dates. */
export function formatPoint(point: TimePoint): string {
  if (point.kind === "date") return formatDateSeconds(point.seconds);
  return point.kind === "utc" ? formatUtcSeconds(point.seconds) : formatLocalSeconds(point.seconds);
}

/**
 * The inverse of formatPoint: seconds of `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` or the same with `Z`; null for
 * any other text. Hand-rolled because busy-time conversion reads every occurrence back.
 */
export function parsePointText(text: string): number | null {
  if (text.length !== 10 && text.length !== 19 && text.length !== 20) return null;
  const date = wallSeconds(digitsAt(text, 0, 4), digitsAt(text, 5, 2), digitsAt(text, 8, 2));
  const seconds =
    text.length === 10
      ? date
      : date + digitsAt(text, 11, 2) * 3600 + digitsAt(text, 14, 2) * 60 + digitsAt(text, 17, 2);
  return Number.isNaN(seconds) ? null : seconds;
}

function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}
