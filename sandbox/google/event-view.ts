import { presentDateTime } from "./event-time.ts";
import type { EventPerson, GoogleEvent } from "./event-types.ts";

/**
 * Renders a stored event as the API returns it to one account: times in the response zone with offsets,
 * `self` flags for the caller, `htmlLink`, defaults Google always fills in. Cancelled items in lists are
 * tombstones that guarantee only what provider-protocols.md 4.3 promises (trap: clients must not rely on
 * more).
 */

export interface ViewContext {
  account: string;
  calendarId: string;
  timeZone: string;
  maxAttendees?: number;
}

export function presentTombstone(event: GoogleEvent, context: ViewContext): GoogleEvent {
  const tombstone: GoogleEvent = {
    kind: "calendar#event",
    etag: event.etag,
    id: event.id,
    status: "cancelled",
  };
  if (event.recurringEventId !== undefined && event.originalStartTime !== undefined) {
    tombstone.recurringEventId = event.recurringEventId;
    tombstone.originalStartTime = presentDateTime(event.originalStartTime, context.timeZone);
  }
  return tombstone;
}

export function presentEvent(event: GoogleEvent, context: ViewContext): GoogleEvent {
  const view: GoogleEvent = {
    kind: "calendar#event",
    ...event,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${context.calendarId}`).toString("base64url")}`,
    reminders: event.reminders ?? { useDefault: true },
    eventType: event.eventType ?? "default",
  };
  if (event.start) view.start = presentDateTime(event.start, context.timeZone);
  if (event.end) view.end = presentDateTime(event.end, context.timeZone);
  if (event.originalStartTime)
    view.originalStartTime = presentDateTime(event.originalStartTime, context.timeZone);
  if (event.creator) view.creator = markSelf(event.creator, context.account);
  if (event.organizer) view.organizer = markSelf(event.organizer, context.account);
  if (event.attendees) {
    let attendees = event.attendees.map((attendee) => {
      const marked = { ...attendee };
      if (attendee.email === context.account) marked.self = true;
      if (attendee.email === event.organizer?.email) marked.organizer = true;
      return marked;
    });
    if (context.maxAttendees !== undefined && attendees.length > context.maxAttendees) {
      // Google keeps the caller's own entry and reports the cut with attendeesOmitted.
      const own = attendees.filter((attendee) => attendee.self);
      attendees = [...own, ...attendees.filter((attendee) => !attendee.self)].slice(0, context.maxAttendees);
      view.attendeesOmitted = true;
    }
    view.attendees = attendees;
  }
  return view;
}

function markSelf(person: EventPerson, account: string): EventPerson {
  return person.email === account ? { ...person, self: true } : { ...person };
}
