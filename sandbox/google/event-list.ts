import { fullSyncRequired, invalidParameter } from "./errors.ts";
import type { GoogleEvent } from "./event-types.ts";
import { presentEvent, presentTombstone, type ViewContext } from "./event-view.ts";
import { overlapsWindow, startSortKey } from "./event-window.ts";
import { expandInstances, isRecurringMaster } from "./instances.ts";
import type { ListQuery } from "./list-params.ts";
import type { AccessRole } from "./seed-schema.ts";
import type { CalendarRecord, GoogleSandboxState } from "./state.ts";
import {
  decodePageToken,
  decodeSyncToken,
  encodePageToken,
  encodeSyncToken,
  type SyncCursor,
} from "./sync-tokens.ts";

/**
 * events.list (provider-protocols.md 4.2): full listing with windows, filters and ordering, or an
 * incremental listing from a sync token. `nextSyncToken` only on the last page, never with
 * `nextPageToken` (trap 8). A page may be short while `nextPageToken` is still present.
 */

export interface ListParams {
  state: GoogleSandboxState;
  calendar: CalendarRecord;
  role: AccessRole;
  account: string;
  query: ListQuery;
}

export interface EventsPage {
  kind: "calendar#events";
  etag: string;
  summary: string;
  description?: string;
  updated: string;
  timeZone: string;
  accessRole: AccessRole;
  defaultReminders: Array<{ method: string; minutes: number }>;
  nextPageToken?: string;
  nextSyncToken?: string;
  items: GoogleEvent[];
}

export function listEvents(params: ListParams): EventsPage {
  const { state, calendar, query } = params;
  const sync = query.syncToken === undefined ? undefined : readSyncToken(params, query.syncToken);
  const { offset, snapshot } = readPageToken(state, query.pageToken);
  const tz = calendar.seed.timeZone;
  const includeDeleted = sync !== undefined || query.updatedMin !== undefined || query.showDeleted === true;
  let stored = [...calendar.events.values()];
  if (sync) stored = stored.filter((entry) => entry.changeSeq > sync.s);
  let items = query.singleEvents
    ? stored.flatMap(({ event }) => singleEventItems(calendar, event, sync !== undefined, query, state.now()))
    : stored.map(({ event }) => event);
  items = dedupe(items).filter((event) => {
    if (event.status === "cancelled" && !includeDeleted) return false;
    if (!sync && !inWindow(calendar, event, query, state.now())) return false;
    return matchesFilters(event, query);
  });
  sortItems(items, query, tz);
  const pageItems = items.slice(offset, offset + query.maxResults);
  const last = offset + query.maxResults >= items.length;
  const context: ViewContext = {
    account: params.account,
    calendarId: calendar.seed.id,
    timeZone: query.timeZone ?? tz,
    ...(query.maxAttendees === undefined ? {} : { maxAttendees: query.maxAttendees }),
  };
  return {
    ...pageEnvelope(params),
    ...(last
      ? { nextSyncToken: encodeSyncToken(syncCursor(params, snapshot)) }
      : {
          nextPageToken: encodePageToken({ g: state.generation, o: offset + query.maxResults, s: snapshot }),
        }),
    items: pageItems.map((event) =>
      event.status === "cancelled" ? presentTombstone(event, context) : presentEvent(event, context),
    ),
  };
}

export function pageEnvelope(params: ListParams): Omit<EventsPage, "items"> {
  const { calendar, role } = params;
  const latest = Math.max(
    0,
    ...[...calendar.events.values()].map((entry) => Date.parse(entry.event.updated ?? "")),
  );
  return {
    kind: "calendar#events",
    etag: `"p3${params.state.changeSeq.toString(32).padStart(12, "0")}g"`,
    summary: calendar.seed.summary,
    ...(calendar.seed.description === undefined ? {} : { description: calendar.seed.description }),
    updated: new Date(latest || params.state.now()).toISOString(),
    timeZone: params.query.timeZone ?? calendar.seed.timeZone,
    accessRole: role,
    defaultReminders: role === "owner" ? [{ method: "popup", minutes: 10 }] : [],
  };
}

/** Validates a sync token for this calendar; anything stale or foreign is 410 fullSyncRequired. */
export function readSyncToken(params: ListParams, token: string): SyncCursor {
  const cursor = decodeSyncToken(token);
  const { state, calendar } = params;
  const valid =
    cursor !== undefined &&
    cursor.g === state.generation &&
    cursor.c === calendar.seed.id &&
    cursor.e === calendar.syncEpoch &&
    cursor.s <= state.changeSeq;
  if (!valid) throw fullSyncRequired();
  // [inf] Google requires singleEvents to match the full sync; a mismatch is reported as a bad parameter.
  if (cursor.se !== params.query.singleEvents) {
    throw invalidParameter(
      "singleEvents",
      "singleEvents must match the request that produced the sync token.",
    );
  }
  return cursor;
}

export function readPageToken(
  state: GoogleSandboxState,
  token: string | undefined,
): { offset: number; snapshot: number } {
  if (token === undefined) return { offset: 0, snapshot: state.changeSeq };
  const cursor = decodePageToken(token);
  if (!cursor || cursor.g !== state.generation)
    throw invalidParameter("pageToken", "Invalid page token value.");
  return { offset: cursor.o, snapshot: cursor.s };
}

function syncCursor(params: ListParams, snapshot: number): SyncCursor {
  return {
    g: params.state.generation,
    c: params.calendar.seed.id,
    e: params.calendar.syncEpoch,
    s: snapshot,
    se: params.query.singleEvents,
  };
}

function singleEventItems(
  calendar: CalendarRecord,
  event: GoogleEvent,
  sync: boolean,
  query: ListQuery,
  now: number,
): GoogleEvent[] {
  if (isRecurringMaster(event)) {
    // A deleted series shows as the master's tombstone rather than hundreds of cancelled instances.
    if (event.status === "cancelled") return [event];
    return expandInstances({
      calendar,
      master: event,
      now,
      ...(sync || !query.timeMax ? {} : { before: query.timeMax }),
    });
  }
  // Exceptions come out of their master's expansion, except in sync mode where only they changed.
  if (event.recurringEventId !== undefined && !sync) {
    return calendar.events.has(event.recurringEventId) ? [] : [event];
  }
  return [event];
}

function inWindow(calendar: CalendarRecord, event: GoogleEvent, query: ListQuery, now: number): boolean {
  if (!query.timeMin && !query.timeMax) return true;
  const tz = calendar.seed.timeZone;
  if (!query.singleEvents && isRecurringMaster(event) && event.status !== "cancelled") {
    // A master is listed when any of its instances overlaps the window.
    const instances = expandInstances({
      calendar,
      master: event,
      now,
      ...(query.timeMax ? { before: query.timeMax } : {}),
    });
    return instances.some((instance) => overlapsWindow(instance, tz, query));
  }
  return overlapsWindow(event, tz, query);
}

function matchesFilters(event: GoogleEvent, query: ListQuery): boolean {
  if (query.updatedMin && Date.parse(event.updated ?? "") < query.updatedMin.epochMilliseconds) return false;
  if (query.iCalUID !== undefined && event.iCalUID !== query.iCalUID) return false;
  if (query.eventTypes.length > 0 && !query.eventTypes.includes(event.eventType ?? "default")) return false;
  if (!propertiesMatch(event.extendedProperties?.private, query.privateExtendedProperty)) return false;
  if (!propertiesMatch(event.extendedProperties?.shared, query.sharedExtendedProperty)) return false;
  if (query.q !== undefined) {
    const needle = query.q.toLowerCase();
    const haystack = [
      event.summary,
      event.description,
      event.location,
      ...(event.attendees ?? []).flatMap((attendee) => [attendee.email, attendee.displayName]),
    ];
    if (!haystack.some((text) => text?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** `privateExtendedProperty=key=value` constraints; all must hold. */
function propertiesMatch(properties: Record<string, string> | undefined, constraints: string[]): boolean {
  return constraints.every((constraint) => {
    const split = constraint.indexOf("=");
    const key = split < 0 ? constraint : constraint.slice(0, split);
    return properties?.[key] === constraint.slice(split + 1);
  });
}

function sortItems(items: GoogleEvent[], query: ListQuery, tz: string): void {
  // Keys are computed once per item: start times need a zone conversion each.
  const keyOf = (event: GoogleEvent): number | string =>
    query.orderBy === "startTime"
      ? startSortKey(event, tz)
      : query.orderBy === "updated"
        ? Date.parse(event.updated ?? "")
        : (event.created ?? ""); // unspecified but stable: creation, then id
  const keys = new Map(items.map((event) => [event, keyOf(event)]));
  items.sort((a, b) => {
    const left = keys.get(a)!;
    const right = keys.get(b)!;
    return (left < right ? -1 : left > right ? 1 : 0) || a.id.localeCompare(b.id);
  });
}

function dedupe(items: GoogleEvent[]): GoogleEvent[] {
  return [...new Map(items.map((event) => [event.id, event])).values()];
}
