import { busyPeriods } from "./busy-time.ts";
import type { GoogleEvent } from "./event-types.ts";
import { eventSpan } from "./event-window.ts";
import type { GoogleSandboxState } from "./state.ts";

/**
 * Rooms answer invitations by themselves: a room calendar invited as an attendee accepts when it is free
 * and declines when the time is already booked (Workspace auto-accept). The sandbox decides once, when
 * the room still `needsAction`, and checks the first occurrence only for recurring events [inf].
 */
export function replyForRooms(params: {
  state: GoogleSandboxState;
  event: GoogleEvent;
  calendarTimeZone: string;
}): void {
  const { state, event } = params;
  if (!event.attendees || event.status === "cancelled") return;
  const span = eventSpan(event, params.calendarTimeZone);
  if (!span) return;
  event.attendees = event.attendees.map((attendee) => {
    const room = state.calendars.get(attendee.email);
    if (room?.seed.kind !== "resource") return attendee;
    if (attendee.responseStatus !== undefined && attendee.responseStatus !== "needsAction") {
      return { ...attendee, resource: true };
    }
    const busy = busyPeriods({
      state,
      calendar: room,
      timeMin: span.start,
      timeMax: span.end,
      ignoreEventId: event.id,
    });
    return {
      ...attendee,
      resource: true,
      displayName: attendee.displayName ?? room.seed.summary,
      responseStatus: busy.length > 0 ? "declined" : "accepted",
    };
  });
}
