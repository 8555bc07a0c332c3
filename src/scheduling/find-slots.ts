import { computeEpochSlots, type EpochSlot } from "../core/availability/compute-slots.ts";
import { type Explanation, explainInstant } from "../core/availability/explain.ts";
import { explainNoSlots, type NoSlotsCode } from "../core/availability/explain-no-slots.ts";
import type { AvailabilityRequest } from "../core/availability/request-schema.ts";
import {
  buildAvailabilityRequest,
  type CalendarFreshnessPolicy,
  calendarsAsOfMs,
  DEFAULT_FRESHNESS,
} from "../core/bookings/availability-request.ts";
import { freeRooms, keepSlotsWithFreeRoom, type RoomBusy } from "../core/bookings/event-type-rooms.ts";
import { offerSeats, type SeatSession, type SeatsLeft, seatVerdict } from "../core/bookings/seats.ts";
import type { Database } from "../store/database.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import { loadHostAvailability } from "../store/host-availability.ts";
import { loadRoomBusy } from "../store/rooms-repository.ts";
import { loadSeatSessions } from "../store/slot-holds-repository.ts";
import { seatSessionId } from "./seat-sessions.ts";

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
  /** The asking visitor's own slot hold does not block them. */
  exceptHoldToken?: string | undefined;
}

/** Loads what the engine needs for the event type's hosts and builds its request; undefined when nobody can host. */
async function loadRequest(query: AvailabilityQuery): Promise<
  | {
      request: AvailabilityRequest;
      asOfMs: number | null | undefined;
      rooms: RoomBusy[] | undefined;
      sessions: SeatSession[] | undefined;
    }
  | undefined
> {
  const { eventType } = query;
  if (eventType.hostIds.length === 0) return undefined;
  const loadedHosts = await loadHostAvailability(query.db, {
    tenantId: eventType.tenantId,
    hostIds: eventType.hostIds,
    from: query.range.from,
    to: query.range.to,
    now: query.now,
    exceptHoldToken: query.exceptHoldToken,
    ...(query.excludeBookingId ? { excludeBookingId: query.excludeBookingId } : {}),
  });
  if (loadedHosts.length === 0) return undefined;
  // Seats: the event type's own sessions do not block the hosts as bookings do; offerSeats / seatVerdict judge them.
  const sessions = eventType.seats
    ? await loadSeatSessions(query.db, {
        tenantId: eventType.tenantId,
        eventTypeId: eventType.id,
        from: new Date(query.range.from.getTime() - 86_400_000),
        to: new Date(query.range.to.getTime() + 86_400_000),
        now: query.now,
        exceptToken: query.exceptHoldToken,
      })
    : undefined;
  const own = new Set(sessions?.map((session) => session.sessionId));
  const hosts =
    own.size === 0
      ? loadedHosts
      : loadedHosts.map((host) => ({
          ...host,
          bookings: host.bookings.filter((booking) => !booking.sessionId || !own.has(booking.sessionId)),
        }));
  const rooms = eventType.rooms
    ? await loadRoomBusy(query.db, {
        tenantId: eventType.tenantId,
        rooms: eventType.rooms,
        from: query.range.from,
        to: query.range.to,
        ...(query.excludeBookingId ? { excludeBookingId: query.excludeBookingId } : {}),
      })
    : undefined;
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
  return { request, asOfMs, rooms, sessions };
}

/** Rooms read before this instant are not vouched for (busy), unless the policy ignores staleness. */
export function roomsFreshSinceMs(query: Pick<AvailabilityQuery, "now" | "freshness">): number {
  const policy = query.freshness ?? DEFAULT_FRESHNESS;
  return policy.stale === "ignore" ? Number.NEGATIVE_INFINITY : query.now.getTime() - policy.staleAfterMs;
}

/** Why an answer has no slots, for the invitee: the engine's reason, or that the event type has nobody to host it. */
export interface EmptySlotsReason {
  code: NoSlotsCode | "no_hosts" | "no_free_room";
  message: string;
}

/**
 * Availability of an event type, from the store, through the pure engine. `asOfMs` is the oldest last sync among the
 * hosts' blocking calendars (undefined when none has calendars); when there are no slots, `emptyReason` says why
 * (only then: explaining costs a second pass).
 */
export async function findSlotsAnswer(query: AvailabilityQuery): Promise<{
  slots: Array<EpochSlot & { seats?: SeatsLeft }>;
  asOfMs: number | null | undefined;
  emptyReason?: EmptySlotsReason;
}> {
  const loaded = await loadRequest(query);
  if (!loaded)
    return {
      slots: [],
      asOfMs: undefined,
      emptyReason: { code: "no_hosts", message: "the event type has no hosts" },
    };
  const hostSlots = computeEpochSlots(loaded.request);
  const roomSlots = keepSlotsWithFreeRoom({
    slots: hostSlots,
    rooms: loaded.rooms,
    freshSinceMs: roomsFreshSinceMs(query),
  });
  const { seats } = query.eventType;
  const slots = seats
    ? offerSeats({
        slots: roomSlots,
        capacity: seats,
        bufferBeforeMinutes: query.eventType.rules.bufferBeforeMinutes,
        bufferAfterMinutes: query.eventType.rules.bufferAfterMinutes,
        sessions: loaded.sessions ?? [],
      })
    : roomSlots;
  if (slots.length === 0 && hostSlots.length > 0)
    return {
      slots,
      asOfMs: loaded.asOfMs,
      emptyReason: { code: "no_free_room", message: "no room is free at the times the hosts are" },
    };
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
): Promise<Explanation & { rooms?: RoomBusy[]; session?: { id: string; seats: SeatsLeft } }> {
  const day = 86_400_000;
  const range = { from: new Date(query.start.getTime() - day), to: new Date(query.start.getTime() + day) };
  const loaded = await loadRequest({ ...query, range });
  if (!loaded) return { bookable: false, reasons: [] };
  const explanation = explainInstant(loaded.request, query.start.toISOString());
  if (!explanation.bookable) return explanation;
  if (query.eventType.seats) return withSeat(query, explanation, loaded.sessions ?? []);
  if (!loaded.rooms) return explanation;
  const startMs = query.start.getTime();
  const free = freeRooms({
    rooms: loaded.rooms,
    startMs,
    endMs: startMs + query.durationMinutes * 60_000,
    freshSinceMs: roomsFreshSinceMs(query),
  });
  if (free.length > 0) return { ...explanation, rooms: free };
  return {
    bookable: false,
    reasons: [
      {
        code: "room_busy",
        hostId: explanation.hostIds[0] ?? "",
        message: "no room of the event type is free at that time",
      },
    ],
  };
}

/** A bookable time of a seated event type: the session it joins (or starts), or why it is full or overlapped. */
function withSeat(
  query: Omit<AvailabilityQuery, "range"> & { start: Date },
  explanation: Explanation & { bookable: true },
  sessions: SeatSession[],
): Explanation & { session?: { id: string; seats: SeatsLeft } } {
  const startMs = query.start.getTime();
  const endMs = startMs + query.durationMinutes * 60_000;
  const verdict = seatVerdict({
    startMs,
    endMs,
    bufferBeforeMinutes: query.eventType.rules.bufferBeforeMinutes,
    bufferAfterMinutes: query.eventType.rules.bufferAfterMinutes,
    capacity: query.eventType.seats ?? 1,
    sessions,
  });
  if (!verdict.ok)
    return {
      bookable: false,
      reasons: explanation.hostIds.map((hostId) => ({
        code: verdict.code,
        hostId,
        message: verdict.message,
      })),
    };
  return {
    ...explanation,
    session: { id: seatSessionId(query.eventType.id, startMs, endMs), seats: verdict.seats },
  };
}
