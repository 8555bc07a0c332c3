import { Temporal } from "temporal-polyfill";
import type { EventDateTime } from "./event-types.ts";

/**
 * Time handling for Google's EventDateTime (provider-protocols.md 4.3, trap 3): `dateTime` always carries
 * an offset, `timeZone` is optional except on recurring events, all-day events use `date` with an
 * exclusive end. All-day dates are pinned to midnight in the calendar's zone for range comparisons.
 */

export function isAllDay(value: EventDateTime | undefined): boolean {
  return value?.date !== undefined;
}

export function toInstant(value: EventDateTime, calendarTimeZone: string): Temporal.Instant {
  if (value.date !== undefined) {
    return Temporal.PlainDate.from(value.date).toZonedDateTime({ timeZone: calendarTimeZone }).toInstant();
  }
  if (value.dateTime === undefined) throw new Error("EventDateTime without date or dateTime");
  // Google accepts a dateTime without offset when timeZone is given; interpret it in that zone.
  if (!/([zZ]|[+-]\d\d:\d\d)$/.test(value.dateTime)) {
    return Temporal.PlainDateTime.from(value.dateTime)
      .toZonedDateTime(value.timeZone ?? calendarTimeZone)
      .toInstant();
  }
  return Temporal.Instant.from(value.dateTime);
}

/** RFC 3339 with the zone's offset and no fraction; UTC is written `Z` as Google does. */
export function formatDateTime(instant: Temporal.Instant, timeZone: string): string {
  const text = instant
    .toZonedDateTimeISO(timeZone)
    .toString({ timeZoneName: "never", fractionalSecondDigits: 0 });
  return text.endsWith("+00:00") && timeZone === "UTC" ? `${text.slice(0, -6)}Z` : text;
}

/** `updated` style: UTC with milliseconds (4.0 JSON encoding note). */
export function formatMillis(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** `created` style: UTC with `.000Z`. */
export function formatCreated(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString();
}

/** The suffix of a timed instance id: the original start in UTC, `YYYYMMDDTHHMMSSZ` (trap 2). */
export function compactUtc(instant: Temporal.Instant): string {
  return instant.toString({ fractionalSecondDigits: 0 }).replace(/[-:]/g, "").replace(/\.\d+/, "");
}

/** Parses an RFC 3339 query parameter; Google requires the offset (4.2). */
export function parseQueryInstant(text: string): Temporal.Instant | undefined {
  try {
    return Temporal.Instant.from(text);
  } catch {
    return undefined;
  }
}

/** Renders an EventDateTime for the response zone, keeping `date` values and any `timeZone` label. */
export function presentDateTime(value: EventDateTime, responseTimeZone: string): EventDateTime {
  if (value.date !== undefined) return { date: value.date };
  const instant = toInstant(value, responseTimeZone);
  const presented: EventDateTime = { dateTime: formatDateTime(instant, value.timeZone ?? responseTimeZone) };
  if (value.timeZone !== undefined) presented.timeZone = value.timeZone;
  return presented;
}
