import type { Temporal } from "temporal-polyfill";
import { type EventTime, localInFrame, pointInFrame, type TimePoint } from "./event-time.ts";

const DAY = 86_400;

/**
 * How long each instance lasts. RFC 5545 section 3.8.5.3: with DTEND every instance has the same exact
 * duration; with DURATION the same nominal one (P1D spans a DST change as one calendar day, not 24 hours).
 * Section 3.6.1: without either, a timed event lasts zero seconds and an all-day event one day.
 */
export type EventSpan = { type: "exact"; seconds: number } | { type: "nominal"; duration: Temporal.Duration };

export function spanOf(event: {
  start: EventTime;
  end: EventTime | null;
  duration: Temporal.Duration | null;
}): EventSpan {
  const { start, end, duration } = event;
  if (end) {
    const from = pointInFrame(start, start.local).seconds;
    const to = pointInFrame(start, localInFrame(start, end)).seconds;
    return { type: "exact", seconds: Math.max(0, to - from) };
  }
  if (duration) return { type: "nominal", duration };
  return { type: "exact", seconds: start.allDay ? DAY : 0 };
}

/** An upper bound of the span in seconds, to widen the range searched for instances that reach into it. */
export function spanUpperBound(span: EventSpan): number {
  if (span.type === "exact") return span.seconds;
  const d = span.duration;
  return (
    (Math.abs(d.weeks) * 7 + Math.abs(d.days) + 1) * DAY + Math.abs(d.hours) * 3600 + Math.abs(d.minutes) * 60
  );
}

/** The end of an instance starting at wall clock `local` in `frame` (the series' DTSTART). */
export function endOf(frame: EventTime, local: number, start: TimePoint, span: EventSpan): TimePoint {
  if (span.type === "exact") return { kind: start.kind, seconds: start.seconds + span.seconds };
  const d = span.duration;
  if (d.sign < 0) return start;
  const days = Math.abs(d.weeks) * 7 + Math.abs(d.days);
  const exact = Math.abs(d.hours) * 3600 + Math.abs(d.minutes) * 60 + Math.abs(d.seconds);
  if (frame.allDay) {
    // A DATE event takes whole days; a stray time part is rounded up so the day it touches is covered.
    return { kind: "date", seconds: local + (days + Math.ceil(exact / DAY)) * DAY };
  }
  const afterDays = pointInFrame(frame, local + days * DAY);
  return { kind: afterDays.kind, seconds: afterDays.seconds + exact };
}
