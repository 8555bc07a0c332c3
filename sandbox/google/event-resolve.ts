import { Temporal } from "temporal-polyfill";
import { GoogleApiError, notFound } from "./errors.ts";
import type { GoogleEvent, StoredEvent } from "./event-types.ts";
import { expandInstances, isRecurringMaster, parseInstanceId } from "./instances.ts";
import type { CalendarRecord } from "./state.ts";

/**
 * Finds the event an id names: a stored event (single, master, exception or tombstone) or a not yet
 * materialised instance `<masterId>_<originalStart>` of a stored series (4.3). Instances are generated
 * only if the suffix is a real occurrence, so made-up suffixes are 404.
 */
export interface ResolvedEvent {
  event: GoogleEvent;
  stored?: StoredEvent;
  master?: StoredEvent;
}

export function resolveEvent(calendar: CalendarRecord, eventId: string): ResolvedEvent {
  const stored = calendar.events.get(eventId);
  if (stored) {
    const masterId = stored.event.recurringEventId;
    const master = masterId === undefined ? undefined : calendar.events.get(masterId);
    return master ? { event: stored.event, stored, master } : { event: stored.event, stored };
  }
  const parsed = parseInstanceId(eventId);
  const master = parsed ? calendar.events.get(parsed.masterId) : undefined;
  if (!master || !isRecurringMaster(master.event)) throw notFound();
  // Expanding up to just past the id's own original start finds it without a horizon.
  const before = parsed ? keyBound(parsed.key) : undefined;
  if (!before) throw notFound();
  const instance = expandInstances({ calendar, master: master.event, before }).find(
    (candidate) => candidate.id === eventId,
  );
  if (!instance) throw notFound();
  return { event: instance, master };
}

/** An instant safely after the original start an instance-id suffix names (all-day: 2 days, for any zone). */
function keyBound(key: string): Temporal.Instant | undefined {
  const [, y, mo, d, h = "00", mi = "00", sec = "00"] =
    /^(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)Z)?$/.exec(key) ?? [];
  try {
    return Temporal.Instant.from(`${y}-${mo}-${d}T${h}:${mi}:${sec}Z`).add({
      hours: key.length === 8 ? 48 : 1,
    });
  } catch {
    return undefined; // not a real date, so not an instance
  }
}

/** `If-Match` on update, patch and delete (4.4): a stale etag is 412 conditionNotMet. */
export function checkIfMatch(event: GoogleEvent, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch === "*" || ifMatch === event.etag) return;
  throw new GoogleApiError({
    code: 412,
    reason: "conditionNotMet",
    message: "Precondition Failed",
    location: { type: "header", name: "If-Match" },
  });
}
