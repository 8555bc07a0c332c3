import type { Temporal } from "temporal-polyfill";
import type { BookingEvent } from "./booking-event.ts";
import { renderBookingVEvent } from "./booking-event.ts";
import { calendarHeader, DEFAULT_PRODUCT_ID } from "./booking-ics.ts";
import { icsLine, icsTextLine, joinIcsLines } from "./ics-lines.ts";
import { parseInstant } from "./ics-values.ts";
import { renderVTimezone } from "./vtimezone.ts";

/**
 * A subscribable feed (METHOD:PUBLISH) of many bookings, e.g. a host's export. Each zone used by
 * an event gets one VTIMEZONE covering all of that zone's events (RFC 5545 §3.6.5: one per TZID).
 */
export function renderCalendarFeed(params: {
  name: string;
  timeZone?: string;
  events: BookingEvent[];
  productId?: string;
}): string {
  const zones = new Map<string, { from: Temporal.Instant; to: Temporal.Instant }>();
  for (const event of params.events) {
    const start = parseInstant(event.start);
    const end = parseInstant(event.end);
    const range = zones.get(event.timeZone);
    zones.set(event.timeZone, {
      from: range && range.from.epochNanoseconds < start.epochNanoseconds ? range.from : start,
      to: range && range.to.epochNanoseconds > end.epochNanoseconds ? range.to : end,
    });
  }
  return joinIcsLines([
    ...calendarHeader({ productId: params.productId ?? DEFAULT_PRODUCT_ID, method: "PUBLISH" }),
    // De-facto feed names understood by Apple Calendar, Google and Outlook.
    icsTextLine("X-WR-CALNAME", params.name),
    ...(params.timeZone ? [icsLine("X-WR-TIMEZONE", params.timeZone)] : []),
    ...[...zones].flatMap(([timeZone, range]) => renderVTimezone({ timeZone, ...range })),
    ...params.events.flatMap((event) => renderBookingVEvent(event, "PUBLISH")),
    "END:VCALENDAR",
  ]);
}
