import { Temporal } from "temporal-polyfill";
import { toInstant } from "./event-time.ts";
import type { GoogleEvent } from "./event-types.ts";

/**
 * An event's span as instants. Cancelled instances without times fall back to `originalStartTime`.
 * events.list windows are overlap tests: `timeMin` bounds the end and `timeMax` the start, both
 * exclusive (provider-protocols.md 4.2).
 */
export function eventSpan(
  event: GoogleEvent,
  calendarTimeZone: string,
): { start: Temporal.Instant; end: Temporal.Instant } | undefined {
  const start = event.start ?? event.originalStartTime;
  if (!start) return undefined;
  const startInstant = toInstant(start, calendarTimeZone);
  const endInstant = event.end ? toInstant(event.end, calendarTimeZone) : startInstant;
  return { start: startInstant, end: endInstant };
}

export function overlapsWindow(
  event: GoogleEvent,
  calendarTimeZone: string,
  window: { timeMin?: Temporal.Instant; timeMax?: Temporal.Instant },
): boolean {
  const span = eventSpan(event, calendarTimeZone);
  if (!span) return false;
  // A zero-length event at timeMin still counts: Google treats its end as touching the window.
  const end = span.end.equals(span.start) ? span.end.add({ nanoseconds: 1 }) : span.end;
  if (window.timeMin && Temporal.Instant.compare(end, window.timeMin) <= 0) return false;
  if (window.timeMax && Temporal.Instant.compare(span.start, window.timeMax) >= 0) return false;
  return true;
}

export function startSortKey(event: GoogleEvent, calendarTimeZone: string): number {
  return eventSpan(event, calendarTimeZone)?.start.epochMilliseconds ?? 0;
}
