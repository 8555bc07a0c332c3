import type { GoogleEvent } from "./event-types.ts";
import type { CalendarRecord, GoogleSandboxState } from "./state.ts";

/**
 * Invitations between sandbox accounts. When an organizer writes an event, every invited account gets a
 * copy in its primary calendar under the same id and iCalUID (as Google does), keeping the guest's own
 * responseStatus. A guest removed from the list, or the event cancelled, leaves a `cancelled` copy in the
 * guest's sync stream (provider-protocols.md 4.6 [obs]). When a guest changes their own responseStatus,
 * the organizer's copy (and the other guests') learn it. Each copy is a real write: new etag, change
 * number and a push notification for the guest's calendar.
 */
export function propagateInvitation(params: {
  state: GoogleSandboxState;
  calendar: CalendarRecord;
  event: GoogleEvent;
  previous?: GoogleEvent;
}): void {
  const { state, calendar, event } = params;
  const organizer = event.organizer?.email;
  if (organizer === calendar.seed.id) {
    copyToGuests({
      state,
      organizer: calendar,
      event,
      ...(params.previous ? { previous: params.previous } : {}),
    });
    return;
  }
  const organizerCalendar = organizer === undefined ? undefined : state.calendars.get(organizer);
  if (organizerCalendar)
    replyToOrganizer({ state, guest: calendar.seed.id, organizer: organizerCalendar, event });
}

function copyToGuests(params: {
  state: GoogleSandboxState;
  organizer: CalendarRecord;
  event: GoogleEvent;
  previous?: GoogleEvent;
  skip?: string;
}): void {
  const { state, organizer, event } = params;
  const guests = guestCalendars(state, organizer, event);
  for (const guest of guests) {
    if (guest.seed.id === params.skip) continue;
    const existing = guest.events.get(event.id)?.event;
    if (event.status === "cancelled" && !existing) continue;
    const own = existing?.attendees?.find((attendee) => attendee.email === guest.seed.id)?.responseStatus;
    const attendees = event.attendees?.map((attendee) =>
      attendee.email === guest.seed.id && own ? { ...attendee, responseStatus: own } : attendee,
    );
    write(state, guest, { ...event, ...(attendees ? { attendees } : {}) });
  }
  const stillInvited = new Set(guests.map((guest) => guest.seed.id));
  for (const removed of guestCalendars(state, organizer, params.previous)) {
    const existing = removed.events.get(event.id)?.event;
    if (stillInvited.has(removed.seed.id) || !existing || existing.status === "cancelled") continue;
    write(state, removed, { ...existing, status: "cancelled" });
  }
}

function replyToOrganizer(params: {
  state: GoogleSandboxState;
  guest: string;
  organizer: CalendarRecord;
  event: GoogleEvent;
}): void {
  const { state, guest, organizer, event } = params;
  const original = organizer.events.get(event.id)?.event;
  const response = event.attendees?.find((attendee) => attendee.email === guest)?.responseStatus;
  const current = original?.attendees?.find((attendee) => attendee.email === guest);
  if (!original || !response || !current || current.responseStatus === response) return;
  const updated = write(state, organizer, {
    ...original,
    attendees: original.attendees?.map((attendee) =>
      attendee.email === guest ? { ...attendee, responseStatus: response } : attendee,
    ),
  });
  copyToGuests({ state, organizer, event: updated, skip: guest });
}

/** Primary calendars of sandbox accounts invited to the event (rooms answer for themselves elsewhere). */
function guestCalendars(
  state: GoogleSandboxState,
  organizer: CalendarRecord,
  event: GoogleEvent | undefined,
): CalendarRecord[] {
  return (event?.attendees ?? []).flatMap((attendee) => {
    const calendar = state.calendars.get(attendee.email);
    return calendar && calendar !== organizer && calendar.seed.kind === "primary" ? [calendar] : [];
  });
}

function write(state: GoogleSandboxState, calendar: CalendarRecord, event: GoogleEvent): GoogleEvent {
  const stored = state.storeEvent(calendar, event);
  state.recordChange(calendar.seed.id);
  return stored;
}
