import { computeEpochSlots, type EpochSlot } from "../core/availability/compute-slots.ts";
import { type Explanation, explainInstant } from "../core/availability/explain.ts";
import { buildAvailabilityRequest } from "../core/bookings/availability-request.ts";
import { loadHostAvailability } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import type { TenantId } from "../store/ids.ts";

/** Availability of an event type, from the store, through the pure engine. */
export async function findSlots(params: {
  db: Database;
  eventType: EventTypeRow;
  range: { from: Date; to: Date };
  now: Date;
  inviteeTimeZone: string;
  durationMinutes: number;
}): Promise<EpochSlot[]> {
  const { eventType } = params;
  if (eventType.hostIds.length === 0) return [];
  const hosts = await loadHostAvailability(params.db, {
    tenantId: eventType.tenantId,
    hostIds: eventType.hostIds,
    from: params.range.from,
    to: params.range.to,
  });
  if (hosts.length === 0) return [];
  const request = buildAvailabilityRequest({
    range: params.range,
    now: params.now,
    inviteeTimeZone: params.inviteeTimeZone,
    durationMinutes: params.durationMinutes,
    mode: eventType.mode,
    rules: eventType.rules,
    hosts,
  });
  return computeEpochSlots(request);
}

/** Why a start is (not) bookable right now, read inside the booking transaction. */
export async function explainStart(params: {
  db: Database;
  tenantId: TenantId;
  eventType: EventTypeRow;
  start: Date;
  now: Date;
  inviteeTimeZone: string;
  durationMinutes: number;
  excludeBookingId?: string;
}): Promise<Explanation> {
  const { eventType } = params;
  const day = 86_400_000;
  const range = { from: new Date(params.start.getTime() - day), to: new Date(params.start.getTime() + day) };
  const hosts = await loadHostAvailability(params.db, {
    tenantId: params.tenantId,
    hostIds: eventType.hostIds,
    from: range.from,
    to: range.to,
    ...(params.excludeBookingId ? { excludeBookingId: params.excludeBookingId } : {}),
  });
  if (hosts.length === 0) return { bookable: false, reasons: [] };
  const request = buildAvailabilityRequest({
    range,
    now: params.now,
    inviteeTimeZone: params.inviteeTimeZone,
    durationMinutes: params.durationMinutes,
    mode: eventType.mode,
    rules: eventType.rules,
    hosts,
  });
  return explainInstant(request, params.start.toISOString());
}
