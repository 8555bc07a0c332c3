import { type EventInput, mergeExtendedProperties } from "./event-input.ts";
import { GraphError } from "./graph-errors.ts";
import { newChangeKey, newGraphId } from "./ids.ts";
import type { EventFields, Mailbox, StoredCalendar, StoredEvent } from "./model.ts";
import { applyOnlineMeeting } from "./online-meeting.ts";
import { epochMsOf, parseGraphDateTime } from "./time-zones.ts";

function invalid(message: string): GraphError {
  return new GraphError({ status: 400, code: "ErrorPropertyValidationFailure", message });
}

/** Checks the invariants Exchange enforces on start/end, all-day and recurrence. */
export function validateTimes(fields: EventFields): void {
  // recurrenceTimeZone defaults to the event's zone (reference 2.6).
  if (fields.recurrence && !fields.recurrence.range.recurrenceTimeZone) {
    fields.recurrence.range.recurrenceTimeZone = fields.start.timeZone;
  }
  const startMs = epochMsOf(fields.start);
  const endMs = epochMsOf(fields.end);
  if (endMs < startMs) throw invalid("The end time must be later than or equal to the start time.");
  if (fields.isAllDay) {
    const start = parseGraphDateTime(fields.start.dateTime);
    const end = parseGraphDateTime(fields.end.dateTime);
    const midnight = (value: typeof start) => value.hour === 0 && value.minute === 0 && value.second === 0;
    if (!midnight(start) || !midnight(end) || endMs === startMs) {
      throw invalid(
        "Your request can't be completed. If isAllDay is set to true, the start and end times must be at midnight and at least one day apart.",
      );
    }
  }
  if (fields.recurrence && fields.recurrence.range.startDate !== fields.start.dateTime.slice(0, 10)) {
    throw invalid("The recurrence range startDate must be the same as the date of the start of the event.");
  }
}

export function defaultFields(mailbox: Mailbox): EventFields {
  return {
    subject: "",
    body: { contentType: "html", content: "" },
    start: { dateTime: "", timeZone: "UTC" },
    end: { dateTime: "", timeZone: "UTC" },
    isAllDay: false,
    showAs: "busy",
    sensitivity: "normal",
    importance: "normal",
    location: { displayName: "", locationType: "default", uniqueIdType: "unknown" },
    locations: [],
    attendees: [],
    organizer: {
      emailAddress: { name: mailbox.displayName, address: mailbox.mail ?? mailbox.userPrincipalName },
    },
    isOrganizer: true,
    responseStatus: { response: "organizer", time: "0001-01-01T00:00:00Z" },
    isOnlineMeeting: false,
    onlineMeetingProvider: "unknown",
    onlineMeeting: null,
    recurrence: null,
    categories: [],
    isReminderOn: true,
    reminderMinutesBeforeStart: 15,
    isCancelled: false,
    responseRequested: true,
    allowNewTimeProposals: true,
    hideAttendees: false,
    isDraft: false,
    originalStartTimeZone: "UTC",
    originalEndTimeZone: "UTC",
  };
}

/** Builds a new stored item (not yet saved) from a create body. */
export function buildEvent(params: {
  mailbox: Mailbox;
  calendar: StoredCalendar;
  input: EventInput;
  nowMs: number;
}): StoredEvent {
  const { mailbox, input } = params;
  if (!input.fields.start || !input.fields.end) {
    throw invalid("An event must have a start and an end.");
  }
  const fields: EventFields = { ...defaultFields(mailbox), ...input.fields };
  fields.originalStartTimeZone = fields.start.timeZone;
  fields.originalEndTimeZone = fields.end.timeZone;
  validateTimes(fields);
  applyOnlineMeeting(fields, mailbox);
  const id = newGraphId();
  return {
    id,
    mailboxId: mailbox.id,
    calendarId: params.calendar.id,
    type: fields.recurrence ? "seriesMaster" : "singleInstance",
    seriesMasterId: null,
    originalStart: null,
    fields,
    changeKey: newChangeKey(),
    createdMs: params.nowMs,
    lastModifiedMs: params.nowMs,
    iCalUId: `040000008200E00074C5B7101A82E008${Buffer.from(id).toString("hex").slice(0, 80).toUpperCase()}`,
    meetingId: id,
    transactionId: input.transactionId,
    extendedProperties: mergeExtendedProperties([], input.extendedProperties),
    cancelledOccurrences: [],
  };
}
