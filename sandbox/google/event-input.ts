import { Temporal } from "temporal-polyfill";
import { GoogleApiError, invalidParameter, timeRangeEmpty } from "./errors.ts";
import { toInstant } from "./event-time.ts";
import type { EventAttendee, EventDateTime, GoogleEvent } from "./event-types.ts";

/**
 * Validation of request bodies for insert / update / patch (provider-protocols.md 4.3, 4.4). Read-only
 * fields a client sends back (kind, etag, created, htmlLink, …) are dropped rather than rejected, as
 * Google does. Patch merges `extendedProperties` key by key (null deletes); every other field, arrays
 * included, is replaced whole.
 */

const READ_ONLY = [
  "kind",
  "etag",
  "htmlLink",
  "created",
  "updated",
  "creator",
  "organizer",
  "hangoutLink",
  "recurringEventId",
  "originalStartTime",
  "sequence",
] as const;

export function readEventBody(body: unknown): GoogleEvent {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GoogleApiError({ code: 400, reason: "parseError", message: "Parse Error" });
  }
  const event = { ...(body as Record<string, unknown>) } as GoogleEvent;
  for (const field of READ_ONLY) delete event[field];
  if (event.attendees !== undefined) event.attendees = readAttendees(event.attendees);
  return event;
}

function readAttendees(value: unknown): EventAttendee[] {
  if (!Array.isArray(value)) throw invalidParameter("attendees");
  return value.map((entry: unknown) => {
    const attendee = entry as Partial<EventAttendee> | null;
    if (!attendee || typeof attendee.email !== "string" || attendee.email === "") {
      throw new GoogleApiError({ code: 400, reason: "required", message: "Missing attendee email." });
    }
    return { responseStatus: "needsAction", ...attendee } as EventAttendee;
  });
}

export function mergePatch(base: GoogleEvent, patch: GoogleEvent): GoogleEvent {
  const merged: GoogleEvent = { ...base };
  for (const [field, value] of Object.entries(patch)) {
    if (field === "id") continue;
    if (field === "extendedProperties" && value && typeof value === "object") {
      merged.extendedProperties = mergeProperties(
        base.extendedProperties,
        value as GoogleEvent["extendedProperties"],
      );
    } else if (value === null) {
      delete merged[field];
    } else {
      merged[field] = value;
    }
  }
  return merged;
}

function mergeProperties(
  base: GoogleEvent["extendedProperties"],
  patch: GoogleEvent["extendedProperties"],
): GoogleEvent["extendedProperties"] {
  const result: Record<string, Record<string, string>> = {};
  for (const scope of ["private", "shared"] as const) {
    const entries = { ...(base?.[scope] ?? {}) };
    for (const [key, value] of Object.entries(patch?.[scope] ?? {})) {
      if (value === null) delete entries[key];
      else entries[key] = value;
    }
    if (Object.keys(entries).length > 0) result[scope] = entries;
  }
  return result;
}

/** Checks start/end and recurrence after a write has been assembled. */
export function validateTimes(event: GoogleEvent, calendarTimeZone: string): void {
  if (!event.start) throw required("Missing start time.");
  if (!event.end) throw required("Missing end time.");
  const start = readDateTime(event.start, "start");
  const end = readDateTime(event.end, "end");
  if ((start.date === undefined) !== (end.date === undefined)) {
    throw new GoogleApiError({
      code: 400,
      reason: "invalid",
      message: "Start and end times must either both be date or both be dateTime.",
    });
  }
  if (Array.isArray(event.recurrence) && event.recurrence.length > 0) {
    if (start.dateTime !== undefined && !start.timeZone) {
      throw required("Missing time zone definition for start time.");
    }
    for (const line of event.recurrence) {
      if (typeof line !== "string" || !/^(RRULE|EXRULE|RDATE|EXDATE)[:;]/i.test(line)) {
        throw invalidParameter("recurrence", "Invalid recurrence rule.");
      }
    }
  }
  let startInstant: Temporal.Instant;
  let endInstant: Temporal.Instant;
  try {
    startInstant = toInstant(start, calendarTimeZone);
    endInstant = toInstant(end, calendarTimeZone);
  } catch {
    throw new GoogleApiError({ code: 400, reason: "invalid", message: "Invalid start time." });
  }
  if (Temporal.Instant.compare(endInstant, startInstant) < 0) throw timeRangeEmpty();
}

function readDateTime(value: unknown, name: string): EventDateTime {
  const candidate = value as EventDateTime | null;
  if (!candidate || (candidate.date === undefined && candidate.dateTime === undefined)) {
    throw required(`Missing ${name} time.`);
  }
  return candidate;
}

function required(message: string): GoogleApiError {
  return new GoogleApiError({ code: 400, reason: "required", message });
}

/** Significant changes (times, recurrence, status) bump `sequence`, as iCalendar SEQUENCE does (RFC 5545 3.8.7.4). */
export function isSignificantChange(before: GoogleEvent, after: GoogleEvent): boolean {
  return (["start", "end", "recurrence", "status"] as const).some(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
}

// Guest permissions with Google's defaults; only the organizer may change them (4.3).
const ORGANIZER_ONLY = {
  guestsCanModify: false,
  guestsCanInviteOthers: true,
  guestsCanSeeOtherGuests: true,
} as const;

/** 403 forbiddenForNonOrganizer when a guest's write would change organizer-only settings (an update
 * that omits them resets them, which is how PUT on an attendee copy trips this). */
export function checkOrganizerOnly(params: {
  before: GoogleEvent;
  after: GoogleEvent;
  isOrganizer: boolean;
}): void {
  if (params.isOrganizer) return;
  for (const [field, fallback] of Object.entries(ORGANIZER_ONLY)) {
    if ((params.before[field] ?? fallback) !== (params.after[field] ?? fallback)) {
      throw new GoogleApiError({
        code: 403,
        reason: "forbiddenForNonOrganizer",
        domain: "calendar",
        message: "Shared properties can only be changed by the organizer of the event.",
      });
    }
  }
}
