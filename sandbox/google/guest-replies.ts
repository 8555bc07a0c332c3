import { propagateInvitation } from "./attendee-copies.ts";
import { GoogleApiError } from "./errors.ts";
import { resolveEvent } from "./event-resolve.ts";
import type { GoogleEvent, ResponseStatus } from "./event-types.ts";
import type { CalendarRecord, GoogleSandboxState } from "./state.ts";

/**
 * A guest's answer reaching the organizer's event, as when someone outside the sandbox answers the invitation mail
 * (Google reads the iTIP REPLY): the guest's `responseStatus` (and comment) on the organizer's copy changes, which is
 * a change of the event (new etag, a push notification) without a new `sequence` (a reply is not the organizer's
 * change, RFC 5546 3.2.3); the other guests' copies learn it.
 */
export function replyAsGuest(params: {
  state: GoogleSandboxState;
  calendar: CalendarRecord;
  eventId: string;
  attendee: string;
  responseStatus: ResponseStatus;
  comment?: string;
}): GoogleEvent {
  const { state, calendar } = params;
  const { event } = resolveEvent(calendar, params.eventId);
  const email = params.attendee.toLowerCase();
  if (!event.attendees?.some((attendee) => attendee.email.toLowerCase() === email)) {
    throw new GoogleApiError({
      code: 404,
      reason: "notFound",
      message: `'${params.attendee}' is not a guest of this event.`,
    });
  }
  const attendees = event.attendees.map((attendee) =>
    attendee.email.toLowerCase() === email
      ? {
          ...attendee,
          responseStatus: params.responseStatus,
          ...(params.comment === undefined ? {} : { comment: params.comment }),
        }
      : attendee,
  );
  const stored = state.storeEvent(calendar, { ...event, attendees });
  state.recordChange(calendar.seed.id);
  propagateInvitation({ state, calendar, event: stored, previous: event });
  return stored;
}
