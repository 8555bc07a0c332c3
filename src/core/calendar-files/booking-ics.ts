import type { BookingEvent, IcsMethod } from "./booking-event.ts";
import { renderBookingVEvent } from "./booking-event.ts";
import { icsLine, joinIcsLines } from "./ics-lines.ts";
import { parseInstant } from "./ics-values.ts";
import { renderVTimezone } from "./vtimezone.ts";

export const DEFAULT_PRODUCT_ID = "-//Calbridge//Calbridge Bookings//EN";

export interface BookingIcsParams extends BookingEvent {
  method: IcsMethod;
  productId?: string;
}

/**
 * The .ics of one booking as an iTIP message (RFC 5546): REQUEST for a new or changed booking (same
 * UID, SEQUENCE incremented on each change so that clients replace the earlier version), CANCEL with
 * STATUS:CANCELLED after a cancel. Pure: DTSTAMP comes from the caller.
 */
export function renderBookingIcs(params: BookingIcsParams): string {
  const { method, productId, ...event } = params;
  return joinIcsLines([
    ...calendarHeader({ productId, method }),
    ...renderVTimezone({
      timeZone: event.timeZone,
      from: parseInstant(event.start),
      to: parseInstant(event.end),
    }),
    ...renderBookingVEvent(event, method),
    "END:VCALENDAR",
  ]);
}

export function calendarHeader(params: { productId?: string; method: IcsMethod }): string[] {
  return [
    "BEGIN:VCALENDAR",
    icsLine("VERSION", "2.0"),
    icsLine("PRODID", params.productId ?? DEFAULT_PRODUCT_ID),
    icsLine("CALSCALE", "GREGORIAN"),
    icsLine("METHOD", params.method),
  ];
}
