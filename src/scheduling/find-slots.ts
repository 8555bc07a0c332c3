import { computeEpochSlots, type EpochSlot } from "../core/availability/compute-slots.ts";
import { type Explanation, explainInstant } from "../core/availability/explain.ts";
import { explainNoSlots, type NoSlotsCode } from "../core/availability/explain-no-slots.ts";
import type { AvailabilityRequest } from "../core/availability/request-schema.ts";
import { buildAvailabilityRequest } from "../core/bookings/availability-request.ts";
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
}

/** Loads what the engine needs for the event type's hosts and builds its request; undefined when nobody can host. */
async function loadRequest(query: AvailabilityQuery): Promise<AvailabilityRequest | undefined> {
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
  return buildAvailabilityRequest({
    range: query.range,
    now: query.now,
    inviteeTimeZone: query.inviteeTimeZone,
    durationMinutes: query.durationMinutes,
    mode: eventType.mode,
    rules: eventType.rules,
    hosts,
  });
}

/** Availability of an event type, from the store, through the pure engine. */
export async function findSlots(query: AvailabilityQuery): Promise<EpochSlot[]> {
  const request = await loadRequest(query);
  return request ? computeEpochSlots(request) : [];
}

/** Why an answer has no slots, for the invitee: the engine's reason, or that the event type has nobody to host it. */
export interface EmptySlotsReason {
  code: NoSlotsCode | "no_hosts";
  message: string;
}

/** Like `findSlots`, and when there are none, why (only then: explaining costs a second pass). */
export async function findSlotsExplained(
  query: AvailabilityQuery,
): Promise<{ slots: EpochSlot[]; emptyReason?: EmptySlotsReason }> {
  const request = await loadRequest(query);
  if (!request)
    return { slots: [], emptyReason: { code: "no_hosts", message: "the event type has no hosts" } };
  const slots = computeEpochSlots(request);
  const reason = slots.length === 0 ? explainNoSlots(request) : null;
  return reason ? { slots, emptyReason: { code: reason.code, message: reason.message } } : { slots };
}

/** Why a start is (not) bookable right now; called inside the booking transaction with `db` the transaction. */
export async function explainStart(
  query: Omit<AvailabilityQuery, "range"> & { start: Date },
): Promise<Explanation> {
  const day = 86_400_000;
  const range = { from: new Date(query.start.getTime() - day), to: new Date(query.start.getTime() + day) };
  const request = await loadRequest({ ...query, range });
  if (!request) return { bookable: false, reasons: [] };
  return explainInstant(request, query.start.toISOString());
}
