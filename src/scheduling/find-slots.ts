import { computeEpochSlots, type EpochSlot } from "../core/availability/compute-slots.ts";
import { type Explanation, explainInstant } from "../core/availability/explain.ts";
import { explainNoSlots, type NoSlotsCode } from "../core/availability/explain-no-slots.ts";
import type { AvailabilityRequest } from "../core/availability/request-schema.ts";
import {
  buildAvailabilityRequest,
  type CalendarFreshnessPolicy,
  calendarsAsOfMs,
} from "../core/bookings/availability-request.ts";
import type { Database } from "../store/database.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import { loadHostAvailability } from "../store/host-availability.ts";

interface AvailabilityQuery {
  db: Database;
  eventType: EventTypeRow;
  range: { from: Date; to: Date };
  now: Date;
  inviteeTimeZone: string;
  durationMinutes: number;
  /** A booking being moved does not block its own new time. */
  excludeBookingId?: string;
  /** How stale or short calendars are treated (default: block after 30 minutes; 366 days ahead). */
  freshness?: CalendarFreshnessPolicy;
}

/** Loads what the engine needs for the event type's hosts and builds its request; undefined when nobody can host. */
async function loadRequest(
  query: AvailabilityQuery,
): Promise<{ request: AvailabilityRequest; asOfMs: number | null | undefined } | undefined> {
  const { eventType } = query;
  if (eventType.hostIds.length === 0) return undefined;
  const hosts = await loadHostAvailability(query.db, {
    tenantId: eventType.tenantId,
    hostIds: eventType.hostIds,
    from: query.range.from,
    to: query.range.to,
    ...(query.excludeBookingId ? { excludeBookingId: query.excludeBookingId } : {}),
  });
  if (hosts.length === 0) return undefined;
  const request = buildAvailabilityRequest({
    range: query.range,
    now: query.now,
    inviteeTimeZone: query.inviteeTimeZone,
    durationMinutes: query.durationMinutes,
    mode: eventType.mode,
    rules: eventType.rules,
    hosts,
    ...(query.freshness ? { freshness: query.freshness } : {}),
  });
  // The answer is as fresh as the stalest calendar behind it (null: one has never synced).
  const asOfs = hosts.map(calendarsAsOfMs).filter((asOf) => asOf !== undefined);
  const asOfMs =
    asOfs.length === 0 ? undefined : asOfs.includes(null) ? null : Math.min(...(asOfs as number[]));
  return { request, asOfMs };
}

/** Why an answer has no slots, for the invitee: the engine's reason, or that the event type has nobody to host it. */
export interface EmptySlotsReason {
  code: NoSlotsCode | "no_hosts";
  message: string;
}

/**
 * Availability of an event type, from the store, through the pure engine. `asOfMs` is the oldest last sync among the
 * hosts' blocking calendars (undefined when none has calendars); when there are no slots, `emptyReason` says why
 * (only then: explaining costs a second pass).
 */
export async function findSlotsAnswer(
  query: AvailabilityQuery,
): Promise<{ slots: EpochSlot[]; asOfMs: number | null | undefined; emptyReason?: EmptySlotsReason }> {
  const loaded = await loadRequest(query);
  if (!loaded)
    return {
      slots: [],
      asOfMs: undefined,
      emptyReason: { code: "no_hosts", message: "the event type has no hosts" },
    };
  const slots = computeEpochSlots(loaded.request);
  const reason = slots.length === 0 ? explainNoSlots(loaded.request) : null;
  return {
    slots,
    asOfMs: loaded.asOfMs,
    ...(reason ? { emptyReason: { code: reason.code, message: reason.message } } : {}),
  };
}

export async function findSlots(query: AvailabilityQuery): Promise<EpochSlot[]> {
  return (await findSlotsAnswer(query)).slots;
}

/** Why a start is (not) bookable right now; called inside the booking transaction with `db` the transaction. */
export async function explainStart(
  query: Omit<AvailabilityQuery, "range"> & { start: Date },
): Promise<Explanation> {
  const day = 86_400_000;
  const range = { from: new Date(query.start.getTime() - day), to: new Date(query.start.getTime() + day) };
  const loaded = await loadRequest({ ...query, range });
  if (!loaded) return { bookable: false, reasons: [] };
  return explainInstant(loaded.request, query.start.toISOString());
}
