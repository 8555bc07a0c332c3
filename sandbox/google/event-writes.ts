import { propagateInvitation } from "./attendee-copies.ts";
import { applyConference, schedulePendingConference } from "./conference.ts";
import { GoogleApiError } from "./errors.ts";
import {
  checkOrganizerOnly,
  isSignificantChange,
  mergePatch,
  readEventBody,
  validateTimes,
} from "./event-input.ts";
import { checkIfMatch, resolveEvent } from "./event-resolve.ts";
import { formatCreated } from "./event-time.ts";
import type { GoogleEvent, StoredEvent } from "./event-types.ts";
import { isValidClientEventId, newEventId } from "./ids.ts";
import { replyForRooms } from "./room-replies.ts";
import { recordUpdates, type SendUpdates } from "./send-updates.ts";
import type { CalendarRecord, GoogleSandboxState } from "./state.ts";

/**
 * events.insert / patch / update / delete (provider-protocols.md 4.4). Every write stamps `updated`,
 * a new etag and a change number (what sync tokens compare), then wakes the push channels. Writing an
 * instance id turns the instance into an exception; deleting one leaves a cancelled exception, and the
 * master changes too, so both show up in the next incremental sync (4.2 "Edit/Delete one instance").
 */

export interface WriteContext {
  state: GoogleSandboxState;
  calendar: CalendarRecord;
  account: string;
  sendUpdates: SendUpdates;
  conferenceDataVersion: number;
  ifMatch?: string;
  /** "always" for changes made "from outside" through the admin API. */
  sequence?: "significant" | "always";
}

export function insertEvent(ctx: WriteContext, body: unknown): GoogleEvent {
  const input = readEventBody(body);
  const id = input.id ?? newEventId();
  if (!isValidClientEventId(id)) {
    throw new GoogleApiError({ code: 400, reason: "invalid", message: "Invalid resource id value." });
  }
  if (ctx.calendar.events.has(id)) {
    throw new GoogleApiError({
      code: 409,
      reason: "duplicate",
      message: "The requested identifier already exists.",
    });
  }
  const now = ctx.state.now();
  const organizer =
    ctx.calendar.seed.kind === "primary"
      ? { email: ctx.account }
      : {
          email: ctx.calendar.seed.id,
          displayName: ctx.calendar.seed.summary,
        };
  const event: GoogleEvent = {
    status: "confirmed",
    ...input,
    kind: "calendar#event",
    id,
    created: formatCreated(now),
    creator: { email: ctx.account },
    organizer,
    iCalUID: input.iCalUID ?? `${id}@google.com`,
    sequence: 0,
  };
  validateTimes(event, ctx.calendar.seed.timeZone);
  applyConference({
    version: ctx.conferenceDataVersion,
    input,
    existing: undefined,
    target: event,
    behaviour: ctx.state.conference,
  });
  return commit(ctx, event, undefined, "request");
}

export function patchEvent(ctx: WriteContext, eventId: string, body: unknown): GoogleEvent {
  return rewrite(ctx, eventId, body, (current, input) => mergePatch(current, input));
}

/** Full replace: fields left out are reset; identity and bookkeeping fields are kept. */
export function updateEvent(ctx: WriteContext, eventId: string, body: unknown): GoogleEvent {
  return rewrite(ctx, eventId, body, (current, input) => {
    const kept: GoogleEvent = { id: current.id };
    for (const field of ["kind", "created", "creator", "organizer", "iCalUID", "sequence"] as const) {
      if (current[field] !== undefined) Object.assign(kept, { [field]: current[field] });
    }
    if (current.recurringEventId !== undefined) {
      kept.recurringEventId = current.recurringEventId;
      kept.originalStartTime = current.originalStartTime;
    }
    return { status: "confirmed", ...input, ...kept };
  });
}

export function deleteEvent(ctx: WriteContext, eventId: string): void {
  const resolved = resolveEvent(ctx.calendar, eventId);
  if (resolved.event.status === "cancelled") {
    throw new GoogleApiError({ code: 410, reason: "deleted", message: "Resource has been deleted" });
  }
  checkIfMatch(resolved.event, ctx.ifMatch);
  const cancelled: GoogleEvent = { ...resolved.event, status: "cancelled" };
  commit(ctx, cancelled, resolved.master, "cancel");
  // Deleting a series cancels its exceptions as well, so incremental syncs see them go.
  for (const entry of ctx.calendar.events.values()) {
    if (entry.event.recurringEventId === eventId && entry.event.status !== "cancelled") {
      ctx.state.storeEvent(ctx.calendar, { ...entry.event, status: "cancelled" });
    }
  }
}

function rewrite(
  ctx: WriteContext,
  eventId: string,
  body: unknown,
  build: (current: GoogleEvent, input: GoogleEvent) => GoogleEvent,
): GoogleEvent {
  const resolved = resolveEvent(ctx.calendar, eventId);
  checkIfMatch(resolved.event, ctx.ifMatch);
  const input = readEventBody(body);
  const next = build(resolved.event, input);
  next.id = resolved.event.id;
  const isOrganizer = ctx.sequence === "always" || resolved.event.organizer?.email === ctx.calendar.seed.id;
  checkOrganizerOnly({ before: resolved.event, after: next, isOrganizer });
  validateTimes(next, ctx.calendar.seed.timeZone);
  applyConference({
    version: ctx.conferenceDataVersion,
    input,
    existing: resolved.event,
    target: next,
    behaviour: ctx.state.conference,
  });
  const bump = ctx.sequence === "always" || isSignificantChange(resolved.event, next);
  next.sequence = (resolved.event.sequence ?? 0) + (bump ? 1 : 0);
  return commit(ctx, next, resolved.master, next.status === "cancelled" ? "cancel" : "request");
}

function commit(
  ctx: WriteContext,
  event: GoogleEvent,
  master: StoredEvent | undefined,
  method: "request" | "cancel",
): GoogleEvent {
  const { state, calendar } = ctx;
  if (method === "request") replyForRooms({ state, event, calendarTimeZone: calendar.seed.timeZone });
  const previous = calendar.events.get(event.id)?.event;
  const stored = state.storeEvent(calendar, event);
  if (master) state.storeEvent(calendar, master.event);
  schedulePendingConference({ state, calendarId: calendar.seed.id, event: stored });
  recordUpdates({ ctx, event, method });
  state.recordChange(calendar.seed.id);
  propagateInvitation({ state, calendar, event: stored, ...(previous ? { previous } : {}) });
  return stored;
}
