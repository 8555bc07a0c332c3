import { newChangeKey, newGraphId } from "./ids.ts";
import { instancesInWindow } from "./instances.ts";
import type { Mailbox, StoredEvent } from "./model.ts";
import type { MicrosoftSandboxState } from "./state.ts";
import { epochMsOf } from "./time-zones.ts";

/**
 * Exchange delivers meetings into attendees' calendars. The sandbox does this for attendees that are
 * sandbox mailboxes, so an invitation shows up in the attendee's calendarView, delta and notifications.
 * Rooms answer at once by policy (reference 2.7): accept when free, decline when busy.
 * Only whole items (single events and series) are copied; per-occurrence exceptions stay with the organizer.
 */
export function syncMeetingCopies(state: MicrosoftSandboxState, organizerEvent: StoredEvent): void {
  if (!organizerEvent.fields.isOrganizer || organizerEvent.type === "exception") return;
  const invited = new Set<string>();
  for (const attendee of organizerEvent.fields.attendees) {
    const mailbox = state.findMailbox(attendee.emailAddress.address);
    if (!mailbox || mailbox.id === organizerEvent.mailboxId) continue;
    invited.add(mailbox.id);
    const copy = findCopy(state, organizerEvent.meetingId, mailbox.id);
    if (mailbox.kind === "room" && !copy) {
      const accepted = mailbox.autoAccept && roomIsFree(state, mailbox, organizerEvent);
      attendee.status = { response: accepted ? "accepted" : "declined", time: isoNow(state) };
      if (!accepted) continue;
    }
    writeCopy(state, organizerEvent, mailbox, copy);
  }
  for (const copy of copiesOf(state, organizerEvent.meetingId)) {
    if (!invited.has(copy.mailboxId)) cancelCopy(state, copy);
  }
}

/** The organizer cancelled or deleted the meeting: attendee copies stay, marked cancelled (reference 2.5). */
export function cancelMeetingCopies(state: MicrosoftSandboxState, organizerEvent: StoredEvent): void {
  if (!organizerEvent.fields.isOrganizer) return;
  for (const copy of copiesOf(state, organizerEvent.meetingId)) cancelCopy(state, copy);
}

function isoNow(state: MicrosoftSandboxState): string {
  return new Date(state.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function copiesOf(state: MicrosoftSandboxState, meetingId: string): StoredEvent[] {
  return [...state.events.values()].filter(
    (event) => event.meetingId === meetingId && !event.fields.isOrganizer,
  );
}

function findCopy(
  state: MicrosoftSandboxState,
  meetingId: string,
  mailboxId: string,
): StoredEvent | undefined {
  return copiesOf(state, meetingId).find((event) => event.mailboxId === mailboxId);
}

function roomIsFree(state: MicrosoftSandboxState, room: Mailbox, event: StoredEvent): boolean {
  const startMs = epochMsOf(event.fields.start);
  const endMs = epochMsOf(event.fields.end);
  return instancesInWindow({ state, mailboxId: room.id, startMs, endMs }).every(
    (instance) => instance.event.fields.showAs === "free" || instance.event.fields.isCancelled,
  );
}

function writeCopy(
  state: MicrosoftSandboxState,
  source: StoredEvent,
  mailbox: Mailbox,
  existing: StoredEvent | undefined,
): void {
  const nowMs = state.now();
  const isRoom = mailbox.kind === "room";
  const fields = {
    ...source.fields,
    isOrganizer: false,
    isCancelled: false,
    responseStatus: existing?.fields.responseStatus ?? {
      response: isRoom ? "accepted" : "notResponded",
      time: isRoom ? isoNow(state) : "0001-01-01T00:00:00Z",
    },
    // An unanswered invitation shows as tentative in the attendee's calendar.
    showAs: isRoom || existing ? source.fields.showAs : "tentative",
  };
  const copy: StoredEvent = {
    ...(existing ?? {
      ...source,
      id: newGraphId(),
      mailboxId: mailbox.id,
      calendarId: state.defaultCalendar(mailbox.id).id,
      createdMs: nowMs,
      transactionId: null,
      extendedProperties: [],
      cancelledOccurrences: [...source.cancelledOccurrences],
    }),
    fields,
    type: source.type,
    changeKey: newChangeKey(),
    lastModifiedMs: nowMs,
  };
  state.events.set(copy.id, copy);
  state.emitChange({
    mailboxId: mailbox.id,
    calendarId: copy.calendarId,
    eventId: copy.id,
    changeType: existing ? "updated" : "created",
    changeKey: copy.changeKey,
  });
}

function cancelCopy(state: MicrosoftSandboxState, copy: StoredEvent): void {
  if (copy.fields.isCancelled) return;
  const mailbox = state.mailboxes.get(copy.mailboxId);
  if (mailbox?.kind === "room") {
    state.remove(copy);
    return;
  }
  copy.fields = { ...copy.fields, isCancelled: true, subject: `Canceled: ${copy.fields.subject}` };
  state.touch(copy);
}
