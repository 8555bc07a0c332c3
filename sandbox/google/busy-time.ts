import { Temporal } from "temporal-polyfill";
import type { GoogleEvent } from "./event-types.ts";
import { eventSpan } from "./event-window.ts";
import { expandInstances, isRecurringMaster } from "./instances.ts";
import type { CalendarRecord, GoogleSandboxState } from "./state.ts";

/**
 * Busy time of a calendar (provider-protocols.md 4.5): transparent, declined and cancelled events are
 * free [inf]; periods are clipped to the window and merged when they overlap or touch [inf]. A room's
 * busy time also includes every event on other calendars that lists the room as an accepted attendee,
 * because Google books rooms by inviting their resource calendars.
 */

export interface BusyPeriod {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

export function busyPeriods(params: {
  state: GoogleSandboxState;
  calendar: CalendarRecord;
  timeMin: Temporal.Instant;
  timeMax: Temporal.Instant;
  ignoreEventId?: string;
}): BusyPeriod[] {
  const { state, calendar, timeMin, timeMax } = params;
  const calendarId = calendar.seed.id;
  const periods: BusyPeriod[] = [];
  const collect = (source: CalendarRecord, counts: (event: GoogleEvent) => boolean): void => {
    for (const event of concreteEvents(source, timeMax)) {
      const ignored = params.ignoreEventId;
      if (ignored !== undefined && (event.id === ignored || event.recurringEventId === ignored)) continue;
      if (event.status === "cancelled" || event.transparency === "transparent" || !counts(event)) continue;
      const span = eventSpan(event, source.seed.timeZone);
      if (!span) continue;
      const start = Temporal.Instant.compare(span.start, timeMin) < 0 ? timeMin : span.start;
      const end = Temporal.Instant.compare(span.end, timeMax) > 0 ? timeMax : span.end;
      if (Temporal.Instant.compare(start, end) < 0) periods.push({ start, end });
    }
  };
  collect(calendar, (event) => attendeeStatus(event, calendarId) !== "declined");
  if (calendar.seed.kind === "resource") {
    for (const other of state.calendars.values()) {
      if (other === calendar) continue;
      collect(other, (event) => attendeeStatus(event, calendarId) === "accepted");
    }
  }
  return mergePeriods(periods);
}

/** Single events plus expanded instances (exceptions applied), up to `before`. */
export function concreteEvents(calendar: CalendarRecord, before: Temporal.Instant): GoogleEvent[] {
  const events: GoogleEvent[] = [];
  for (const { event } of calendar.events.values()) {
    if (isRecurringMaster(event)) {
      if (event.status !== "cancelled") events.push(...expandInstances({ calendar, master: event, before }));
    } else if (event.recurringEventId === undefined || !calendar.events.has(event.recurringEventId)) {
      events.push(event);
    }
  }
  return events;
}

function attendeeStatus(event: GoogleEvent, email: string): string | undefined {
  return event.attendees?.find((attendee) => attendee.email === email)?.responseStatus;
}

export function mergePeriods(periods: BusyPeriod[]): BusyPeriod[] {
  const sorted = [...periods].sort((a, b) => Temporal.Instant.compare(a.start, b.start));
  const merged: BusyPeriod[] = [];
  for (const period of sorted) {
    const last = merged[merged.length - 1];
    if (last && Temporal.Instant.compare(period.start, last.end) <= 0) {
      if (Temporal.Instant.compare(period.end, last.end) > 0) last.end = period.end;
    } else {
      merged.push({ ...period });
    }
  }
  return merged;
}
