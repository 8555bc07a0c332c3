import { createHash } from "node:crypto";
import { parseRecurrenceSubset } from "../core/managed-events/recurrence.ts";
import type { EventRecurrence, NewCalendarEvent } from "../core/sync/calendar-source.ts";
import { MANAGED_WRITE_PREFIX } from "../core/sync/managed-write-marker.ts";
import { escapeHtml } from "../notify/mail/escape-html.ts";
import type { ManagedEventRow, StoredRecurrence } from "../store/managed-events-repository.ts";

/**
 * What a managed event looks like in a host's calendar, for every provider: the app's title and description, its
 * attendees as invitees, its location (or a Teams/Meet meeting the provider makes), its series, and "free" when the
 * event does not block the host's availability.
 */
export function managedCalendarEvent(params: {
  event: ManagedEventRow;
  connectionId: string;
  /** Bumped when the host deleted the event and it is written again: a fresh key (a provider may keep the old). */
  generation?: number;
  /** Teams is left out where the account cannot hold it (personal Microsoft accounts). */
  withoutTeams?: boolean;
}): NewCalendarEvent {
  const { event } = params;
  const location = event.location;
  const place =
    location && location.kind !== "teams" && location.kind !== "meet" ? location.value : undefined;
  const meeting =
    location?.kind === "teams" && !params.withoutTeams
      ? ("teams" as const)
      : location?.kind === "meet"
        ? ("meet" as const)
        : undefined;
  const description = event.description ?? "";
  const recurrence = eventRecurrenceOf(event.recurrence);
  return {
    idempotencyKey: managedWriteKey(event.id, params.connectionId, params.generation ?? 0),
    start: event.startAt,
    end: event.endAt,
    timeZone: event.timeZone,
    summary: event.title.slice(0, 255),
    description,
    descriptionHtml: `<html><body><p style="white-space:pre-wrap">${escapeHtml(description)}</p></body></html>`,
    ...(place ? { location: place } : {}),
    attendees: event.attendees.map((a) => ({ ...(a.name ? { name: a.name } : {}), email: a.email })),
    ...(meeting ? { onlineMeeting: meeting } : {}),
    ...(recurrence ? { recurrence } : {}),
    ...(event.blocksAvailability ? {} : { showAs: "free" as const }),
  };
}

export function eventRecurrenceOf(stored: StoredRecurrence | null): EventRecurrence | undefined {
  if (!stored) return undefined;
  const parsed = parseRecurrenceSubset(stored.rule);
  if (!parsed.ok) return undefined; // checked when stored
  return {
    rule: parsed.value,
    exdates: stored.exdates.map((at) => new Date(at)),
    overrides: stored.overrides.map((o) => ({
      originalStart: new Date(o.originalStart),
      start: new Date(o.start),
      end: new Date(o.end),
    })),
  };
}

/**
 * `calbridge-me-<event id>-<8 hex of the connection>`: the create's idempotency key (Graph transactionId, Google
 * event id, CalDAV resource name and UID). It is not a booking key: the sync never takes it for a booking's copy.
 */
export function managedWriteKey(eventId: string, connectionId: string, generation = 0): string {
  const short = createHash("sha256").update(connectionId).digest("hex").slice(0, 8);
  return `${MANAGED_WRITE_PREFIX}${eventId}-${short}${generation > 0 ? `-${generation}` : ""}`;
}

/** The facts a write carries, hashed: equal hashes mean the calendar already shows this version. */
export function managedWriteHash(event: ManagedEventRow): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        event.status,
        event.title,
        event.description,
        event.startAt.toISOString(),
        event.endAt.toISOString(),
        event.timeZone,
        event.location,
        event.attendees,
        event.recurrence,
        event.blocksAvailability,
      ]),
    )
    .digest("base64url")
    .slice(0, 32);
}
