import { buildEvent, validateTimes } from "./event-create.ts";
import { type EventInput, mergeExtendedProperties } from "./event-input.ts";
import { GraphError } from "./graph-errors.ts";
import { type EventInstance, seriesInstances } from "./instances.ts";
import { cancelMeetingCopies, syncMeetingCopies } from "./meeting-copies.ts";
import type { Mailbox, StoredCalendar, StoredEvent } from "./model.ts";
import { applyOnlineMeeting } from "./online-meeting.ts";
import type { MicrosoftSandboxState } from "./state.ts";
import { epochMsOf } from "./time-zones.ts";

/** Writes shared by the Graph routes, the admin API ("edited in Outlook") and seeding. */
export function createEvent(params: {
  state: MicrosoftSandboxState;
  mailbox: Mailbox;
  calendar: StoredCalendar;
  input: EventInput;
}): { event: StoredEvent; created: boolean } {
  const { state, mailbox, input } = params;
  const txKey = input.transactionId ? `${mailbox.id}\n${input.transactionId}` : null;
  // A retried POST with the same transactionId returns the original item [inf: undocumented answer].
  const existing = txKey ? state.events.get(state.transactionIds.get(txKey) ?? "") : undefined;
  if (existing) return { event: existing, created: false };
  const event = buildEvent({ ...params, nowMs: state.now() });
  state.events.set(event.id, event);
  if (txKey) state.transactionIds.set(txKey, event.id);
  state.emitChange({
    mailboxId: mailbox.id,
    calendarId: event.calendarId,
    eventId: event.id,
    changeType: "created",
    changeKey: event.changeKey,
  });
  syncMeetingCopies(state, event);
  return { event, created: true };
}

function checkIfMatch(instance: EventInstance, ifMatch: string | undefined): void {
  if (!ifMatch || ifMatch === "*") return;
  if (ifMatch !== `W/"${instance.changeKey}"` && ifMatch !== instance.changeKey) {
    throw new GraphError({
      status: 412,
      code: "ErrorIrresolvableConflict",
      message:
        "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
    });
  }
}

/** Moving an occurrence onto or past a neighbouring occurrence's day is rejected (reference 2.6). */
function checkBoundaries(state: MicrosoftSandboxState, master: StoredEvent, exception: StoredEvent): void {
  const startMs = epochMsOf(exception.fields.start);
  const siblings = seriesInstances(state, master, startMs + 400 * 86_400_000)
    .filter((instance) => instance.id !== exception.id)
    .map((instance) => Date.parse(instance.originalStart ?? ""));
  const original = Date.parse(exception.originalStart ?? "");
  const previous = Math.max(...siblings.filter((ms) => ms < original), Number.NEGATIVE_INFINITY);
  const next = Math.min(...siblings.filter((ms) => ms > original), Number.POSITIVE_INFINITY);
  const day = (ms: number) => Math.floor(ms / 86_400_000);
  if (day(startMs) <= day(previous) || day(startMs) >= day(next)) {
    throw new GraphError({
      status: 400,
      code: "ErrorOccurrenceCrossingBoundary",
      message:
        "An occurrence can't be moved to or before the day of the previous occurrence, or to or after the day of the next occurrence.",
    });
  }
}

/** Editing an occurrence turns it into an exception that keeps the occurrence's id. */
function materialiseException(instance: EventInstance): StoredEvent {
  const master = instance.event;
  return {
    ...master,
    id: instance.id,
    type: "exception",
    seriesMasterId: master.id,
    originalStart: instance.originalStart,
    fields: { ...master.fields, start: instance.start, end: instance.end, recurrence: null },
    iCalUId: instance.iCalUId,
    transactionId: null,
    extendedProperties: [],
    cancelledOccurrences: [],
  };
}

export function updateEvent(params: {
  state: MicrosoftSandboxState;
  mailbox: Mailbox;
  instance: EventInstance;
  input: EventInput;
  ifMatch?: string;
}): StoredEvent {
  const { state, instance, input } = params;
  checkIfMatch(instance, params.ifMatch);
  const target = instance.type === "occurrence" ? materialiseException(instance) : { ...instance.event };
  const { recurrence, ...rest } = input.fields;
  target.fields = { ...target.fields, ...rest };
  target.extendedProperties = mergeExtendedProperties(target.extendedProperties, input.extendedProperties);
  if (recurrence !== undefined && target.type !== "exception") {
    target.fields.recurrence = recurrence;
    target.type = recurrence ? "seriesMaster" : "singleInstance";
  }
  validateTimes(target.fields);
  if (input.fields.isOnlineMeeting !== undefined) applyOnlineMeeting(target.fields, params.mailbox);
  if (target.type === "exception") {
    const master = state.events.get(target.seriesMasterId ?? "");
    if (master) checkBoundaries(state, master, target);
  }
  const seriesChanged =
    instance.type === "seriesMaster" && (recurrence !== undefined || rest.start !== undefined);
  if (seriesChanged) {
    // Exchange drops exceptions and deleted occurrences when the pattern or series start changes.
    for (const event of state.events.values())
      if (event.seriesMasterId === target.id) state.events.delete(event.id);
    target.cancelledOccurrences = [];
  }
  state.events.set(target.id, target);
  state.touch(target);
  syncMeetingCopies(state, target);
  return target;
}

export function deleteEvent(params: { state: MicrosoftSandboxState; instance: EventInstance }): void {
  const { state, instance } = params;
  if (instance.type === "occurrence" || instance.type === "exception") {
    const master = state.events.get(instance.seriesMasterId ?? "");
    if (master && instance.originalStart) master.cancelledOccurrences.push(instance.originalStart);
    // An occurrence has no stored record; an exception has one. Either way the instance disappears.
    state.events.delete(instance.id);
    state.emitChange({
      mailboxId: instance.event.mailboxId,
      calendarId: instance.event.calendarId,
      eventId: instance.id,
      changeType: "deleted",
      changeKey: instance.changeKey,
    });
    return;
  }
  for (const event of state.events.values())
    if (event.seriesMasterId === instance.id) state.events.delete(event.id);
  state.remove(instance.event);
  cancelMeetingCopies(state, instance.event);
}

/** POST /events/{id}/cancel: organizer only; the organizer's item is removed (reference 2.7). */
export function cancelEvent(params: { state: MicrosoftSandboxState; instance: EventInstance }): void {
  if (!params.instance.event.fields.isOrganizer) {
    throw new GraphError({
      status: 400,
      code: "ErrorInvalidRequest",
      message: "You need to be an organizer to cancel a meeting.",
    });
  }
  deleteEvent(params);
}
