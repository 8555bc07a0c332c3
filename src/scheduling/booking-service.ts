import { createHash, randomUUID } from "node:crypto";
import type { Explanation } from "../core/availability/explain.ts";
import type { CalendarFreshnessPolicy } from "../core/bookings/availability-request.ts";
import { hasBookingLimits } from "../core/bookings/event-type-rules.ts";
import { chooseRoundRobinHost } from "../core/bookings/round-robin.ts";
import { AppError } from "../server/errors.ts";
import {
  type BookingRow,
  findBookingByIdempotencyKey,
  getBooking,
  insertBooking,
  lastBookedAt,
  lockHostsForBooking,
  moveBooking,
  setBookingStatus,
} from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import { reserveRoom } from "../store/rooms-repository.ts";
import { roundRobinUsage } from "../store/round-robin-usage.ts";
import { deleteHold } from "../store/slot-holds-repository.ts";
import { isOverlapViolation, retryDeadlocks } from "../store/sql-errors.ts";
import type { BookingEvent, BookingEventSink } from "./booking-events.ts";
import { explainStart, findSlots } from "./find-slots.ts";
import { refuseOthersHolds } from "./slot-claims.ts";

export interface BookingServiceDeps {
  db: Database;
  now: () => Date;
  events: BookingEventSink;
  /** The domain that appears in iCalendar UIDs (`<id>@<domain>`). */
  uidDomain: string;
  /** Told after every committed change, so caches of the hosts' availability can drop their entries. */
  onAvailabilityChanged?: (change: { tenantId: string; hostIds: readonly string[] }) => void;
  /** How stale connected calendars are treated when checking a time (fail closed by default). */
  freshness?: CalendarFreshnessPolicy;
}

export interface NewBooking {
  eventType: EventTypeRow;
  start: Date;
  durationMinutes: number;
  inviteeTimeZone: string;
  attendee: { name: string; email: string };
  /** The attendee's language for mail (reminders); absent: English. */
  locale?: string | undefined;
  answers: Record<string, unknown>;
  idempotencyKey?: string | undefined;
  /** The visitor's slot hold (POST .../holds): it does not block them, and booking consumes it. */
  holdToken?: string | undefined;
}

/** What makes two requests "the same" for Idempotency-Key: every field the client sent, canonically ordered. */
export function hashBookingRequest(body: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([key, inner]) => [key, canonical(inner)]),
          )
        : value;
  return createHash("sha256")
    .update(JSON.stringify(canonical(body)))
    .digest("hex");
}

export const conflictCodes: ReadonlySet<string> = new Set([
  "busy",
  "booking",
  "buffer",
  "daily_limit",
  "weekly_limit",
  "out_of_office",
  "room_busy",
  "held",
  "full",
]);

const roomTaken = () =>
  new AppError("slot_taken", undefined, {
    details: { reasons: [{ code: "room_busy", message: "every room of the event type was just taken" }] },
  });

/**
 * Reserves a room for a booking with rooms, in its transaction: the free rooms in the event type's order (the one it
 * holds first, when moving), the first nobody else holds winning. Losing every one is a lost slot (409).
 */
async function holdRoom(
  tx: Database,
  params: {
    eventType: EventTypeRow;
    booking: BookingRow;
    start: Date;
    end: Date;
    free: Array<{ email: string; name?: string | null | undefined }> | undefined;
  },
): Promise<BookingRow> {
  const { rooms } = params.eventType;
  if (!rooms) return params.booking;
  const current = params.booking.room?.email;
  const free = params.free ?? [];
  const candidates = [
    ...free.filter((room) => room.email === current),
    ...free.filter((room) => room.email !== current),
  ];
  const room = await reserveRoom(tx, {
    tenantId: params.booking.tenantId,
    bookingId: params.booking.id,
    connectionId: rooms.connectionId,
    candidates,
    start: params.start,
    end: params.end,
  });
  if (!room) throw roomTaken();
  return { ...params.booking, room };
}

function unavailable(explanation: Explanation): AppError {
  if (explanation.bookable) throw new Error("unavailable() called for a bookable time");
  const reasons = explanation.reasons.map((reason) => ({ code: reason.code, message: reason.message }));
  const conflict = explanation.reasons.some((reason) => conflictCodes.has(reason.code));
  if (conflict) return new AppError("slot_taken", undefined, { details: { reasons } });
  const summary = reasons[0]?.message ?? "no host is available";
  return new AppError("slot_unavailable", `That time is not bookable: ${summary}`, { details: { reasons } });
}

/** The event type as seen by a booking whose hosts are settled: all of them must be free (collective). */
function withFixedHosts(eventType: EventTypeRow, hostIds: HostId[]): EventTypeRow {
  return { ...eventType, hostIds, mode: hostIds.length > 1 ? "collective" : "single" };
}

export function createBookingService(deps: BookingServiceDeps) {
  const freshness = deps.freshness ? { freshness: deps.freshness } : {};

  /**
   * One atomic move of a locked booking (the old range is replaced in the same row, so the old time is freed only if
   * the new one is won) and its `booking.rescheduled` event, in the caller's transaction.
   */
  async function moveAndRecord(
    tx: Database,
    params: {
      locked: BookingRow;
      start: Date;
      end: Date;
      event?: Pick<Parameters<BookingEventSink["record"]>[1], "by" | "fromCalendar">;
      /** A seat moving to the session at its new time. */
      sessionId?: string;
    },
  ): Promise<{ booking: BookingRow; afterCommit: () => Promise<void> }> {
    const { locked } = params;
    await moveBooking(tx, {
      tenantId: locked.tenantId,
      id: locked.id,
      startAt: params.start,
      endAt: params.end,
      bufferBeforeMinutes: locked.bufferBeforeMinutes,
      bufferAfterMinutes: locked.bufferAfterMinutes,
      ...(params.sessionId ? { sessionId: params.sessionId } : {}),
    });
    const booking = (await getBooking(tx, locked.tenantId, locked.id))!;
    const afterCommit = await deps.events.record(tx, {
      type: "booking.rescheduled",
      booking,
      previous: { startAt: locked.startAt, endAt: locked.endAt },
      ...params.event,
    });
    return { booking, afterCommit };
  }
  async function nextFreeSlots(
    eventType: EventTypeRow,
    after: Date,
    durationMinutes: number,
    timeZone: string,
  ) {
    const slots = await findSlots({
      ...freshness,
      db: deps.db,
      eventType,
      range: { from: after, to: new Date(after.getTime() + 14 * 86_400_000) },
      now: deps.now(),
      inviteeTimeZone: timeZone,
      durationMinutes,
    });
    return slots.slice(0, 5).map((slot) => ({
      start: new Date(slot.startMs).toISOString(),
      end: new Date(slot.endMs).toISOString(),
    }));
  }

  /** A lost slot (the re-check or the exclusion constraint) becomes 409 slot_taken with the next free times. */
  async function withNextSlots(
    error: unknown,
    context: { eventType: EventTypeRow; start: Date; durationMinutes: number; timeZone: string },
  ): Promise<unknown> {
    const lostRace = isOverlapViolation(error);
    const taken = error instanceof AppError && error.code === "slot_taken";
    if (!lostRace && !taken) return error;
    const next = await nextFreeSlots(
      context.eventType,
      context.start,
      context.durationMinutes,
      context.timeZone,
    );
    const reasons = taken ? (error.details as { reasons?: unknown } | undefined)?.reasons : undefined;
    return new AppError("slot_taken", "That time is no longer available; here are the next free times.", {
      details: { nextSlots: next, ...(reasons ? { reasons } : {}) },
      cause: error,
    });
  }

  async function chooseHosts(db: Database, eventType: EventTypeRow, free: string[]): Promise<HostId[]> {
    if (eventType.mode !== "round-robin") return eventType.hostIds;
    // Weighted round-robin (src/core/bookings/round-robin.ts): priorities, then weights over the rolling window.
    if (eventType.roundRobin) {
      const since = new Date(deps.now().getTime() - eventType.roundRobin.windowDays * 86_400_000);
      const candidates = await roundRobinUsage(db, {
        tenantId: eventType.tenantId,
        eventTypeId: eventType.id,
        hostIds: free as HostId[],
        since,
      });
      const chosen = chooseRoundRobinHost(candidates, eventType.roundRobin);
      return chosen ? [chosen as HostId] : [];
    }
    // Round-robin: of the hosts free at this time, the one booked least recently (never booked first).
    const last = await lastBookedAt(db, eventType.tenantId, free as HostId[]);
    const ordered = [...(free as HostId[])].sort((a, b) => (last.get(a) ?? -1) - (last.get(b) ?? -1));
    return ordered.slice(0, 1);
  }

  /**
   * Per-day and per-week limits count a host's other bookings, which the exclusion constraint knows nothing about:
   * two bookings at different times of one day could both pass the check above. For event types with limits,
   * bookings of the same hosts take turns (transaction-scoped advisory locks) and the check is repeated once this
   * one holds them, when every earlier booking has committed and is visible.
   */
  async function recheckUnderHostLocks(
    tx: Database,
    input: Omit<NewBooking, "answers" | "attendee"> & { hostIds: HostId[] },
  ): Promise<string | null> {
    await lockHostsForBooking(tx, input.eventType.tenantId, input.hostIds);
    // Slot holds and seats are counted under the same locks (src/scheduling/slot-claims.ts).
    if (!hasBookingLimits(input.eventType.rules) && !input.eventType.seats) {
      await refuseOthersHolds(tx, { ...input, now: deps.now() });
      return null;
    }
    const explanation = await explainStart({
      ...freshness,
      db: tx,
      eventType: withFixedHosts(input.eventType, input.hostIds),
      start: input.start,
      now: deps.now(),
      inviteeTimeZone: input.inviteeTimeZone,
      durationMinutes: input.durationMinutes,
      exceptHoldToken: input.holdToken,
    });
    if (!explanation.bookable) throw unavailable(explanation);
    return explanation.session?.id ?? null;
  }

  async function create(
    input: NewBooking,
    requestHash: string,
  ): Promise<{ booking: BookingRow; replayed: boolean }> {
    const { eventType } = input;
    const tenantId = eventType.tenantId;
    const end = new Date(input.start.getTime() + input.durationMinutes * 60_000);
    let afterCommit: () => Promise<void> = async () => {};
    let booking: BookingRow;
    try {
      // The availability check runs just before the transaction rather than in it: at READ COMMITTED (the default,
      // on both databases) each statement in a transaction sees what one outside it would, so reading inside adds
      // no guarantee and only holds the transaction open. A race that slips between check and insert is settled by
      // the exclusion constraint (409 slot_taken below).
      const explanation = await explainStart({
        ...freshness,
        db: deps.db,
        eventType,
        start: input.start,
        now: deps.now(),
        inviteeTimeZone: input.inviteeTimeZone,
        durationMinutes: input.durationMinutes,
        exceptHoldToken: input.holdToken,
      });
      if (!explanation.bookable) throw unavailable(explanation);
      const hostIds = await chooseHosts(deps.db, eventType, explanation.hostIds);
      booking = await retryDeadlocks(() =>
        deps.db.transaction(async (tx) => {
          const sessionId = await recheckUnderHostLocks(tx, { ...input, hostIds });
          if (input.holdToken) await deleteHold(tx, { tenantId, token: input.holdToken });
          const id = randomUUID();
          const row = await insertBooking(tx, {
            id,
            tenantId,
            eventTypeId: eventType.id,
            status: eventType.requiresConfirmation ? "pending" : "confirmed",
            startAt: input.start,
            endAt: end,
            bufferBeforeMinutes: eventType.rules.bufferBeforeMinutes,
            bufferAfterMinutes: eventType.rules.bufferAfterMinutes,
            inviteeTimeZone: input.inviteeTimeZone,
            attendeeName: input.attendee.name,
            attendeeEmail: input.attendee.email,
            attendeeLocale: input.locale ?? null,
            answers: input.answers,
            location: eventType.location ?? null,
            icalUid: `${id}@${deps.uidDomain}`,
            idempotencyKey: input.idempotencyKey ?? null,
            requestHash,
            hostIds,
            sessionId,
          }).then((inserted) =>
            holdRoom(tx, { eventType, booking: inserted, start: input.start, end, free: explanation.rooms }),
          );
          afterCommit = await deps.events.record(tx, { type: "booking.created", booking: row });
          return row;
        }),
      );
    } catch (error) {
      // A repeated Idempotency-Key is looked up only when the attempt fails, which a repeat always does (its slot
      // is held by its own first booking, or the key's unique index refuses it, also when two arrive at once), so
      // a new booking costs no extra round trip. Whatever the failure, an earlier booking with the key wins.
      if (input.idempotencyKey) {
        const existing = await findBookingByIdempotencyKey(deps.db, tenantId, input.idempotencyKey);
        if (existing) return replay(existing, requestHash);
      }
      throw await withNextSlots(error, {
        eventType,
        start: input.start,
        durationMinutes: input.durationMinutes,
        timeZone: input.inviteeTimeZone,
      });
    }
    deps.onAvailabilityChanged?.({ tenantId, hostIds: booking.hostIds });
    await afterCommit();
    return { booking, replayed: false };
  }

  function replay(existing: BookingRow, requestHash: string): { booking: BookingRow; replayed: boolean } {
    if (existing.requestHash !== requestHash) throw new AppError("idempotency_mismatch");
    return { booking: existing, replayed: true };
  }

  async function reschedule(params: {
    tenantId: TenantId;
    bookingId: string;
    eventType: EventTypeRow;
    start: Date;
  }): Promise<BookingRow> {
    let afterCommit: () => Promise<void> = async () => {};
    const current = await getBooking(deps.db, params.tenantId, params.bookingId);
    if (!current) throw new AppError("not_found", "booking not found");
    const durationMinutes = Math.round((current.endAt.getTime() - current.startAt.getTime()) / 60_000);
    const booking = await deps.db
      .transaction(async (tx) => {
        const locked = await getBooking(tx, params.tenantId, params.bookingId, { forUpdate: true });
        if (!locked) throw new AppError("not_found", "booking not found");
        if (locked.status === "cancelled" || locked.status === "rejected") {
          throw new AppError("conflict", `a ${locked.status} booking cannot be rescheduled`);
        }
        // Limits count the hosts' other bookings, holds and seats their claims: take turns with new bookings (see
        // recheckUnderHostLocks).
        await lockHostsForBooking(tx, params.tenantId, locked.hostIds);
        // The booking's own time does not block its move (excluded from the check); its hosts stay the same.
        const explanation = await explainStart({
          ...freshness,
          db: tx,
          eventType: withFixedHosts(params.eventType, locked.hostIds),
          start: params.start,
          now: deps.now(),
          inviteeTimeZone: locked.inviteeTimeZone,
          durationMinutes,
          excludeBookingId: locked.id,
        });
        if (!explanation.bookable) throw unavailable(explanation);
        const end = new Date(params.start.getTime() + durationMinutes * 60_000);
        await holdRoom(tx, {
          eventType: params.eventType,
          booking: locked,
          start: params.start,
          end,
          free: explanation.rooms,
        });
        const moved = await moveAndRecord(tx, {
          locked,
          start: params.start,
          end,
          ...(explanation.session ? { sessionId: explanation.session.id } : {}),
        });
        afterCommit = moved.afterCommit;
        return moved.booking;
      })
      .catch(async (error: unknown) => {
        throw await withNextSlots(error, {
          eventType: params.eventType,
          start: params.start,
          durationMinutes,
          timeZone: current.inviteeTimeZone,
        });
      });
    deps.onAvailabilityChanged?.({ tenantId: booking.tenantId, hostIds: booking.hostIds });
    await afterCommit();
    return booking;
  }

  /**
   * The host moved the booking's event in their own calendar (two-way sync). The host's own move is taken as it is:
   * outside working hours, whatever the availability says, with the event's new length; only the exclusion
   * constraint still holds. A move onto another booking is refused by it: the booking keeps its time and the
   * answer says so (the caller flags the booking and tells the tenant).
   */
  async function moveFromCalendar(params: {
    tenantId: TenantId;
    bookingId: string;
    start: Date;
    end: Date;
    fromCalendar: { connectionId: string; version: string | null };
  }): Promise<{ kind: "moved"; booking: BookingRow } | { kind: "collides" } | { kind: "ignored" }> {
    let afterCommit: () => Promise<void> = async () => {};
    let booking: BookingRow | undefined;
    try {
      booking = await deps.db.transaction(async (tx) => {
        const locked = await getBooking(tx, params.tenantId, params.bookingId, { forUpdate: true });
        if (!locked || locked.status === "cancelled" || locked.status === "rejected") return undefined;
        const moved = await moveAndRecord(tx, {
          locked,
          start: params.start,
          end: params.end,
          event: { by: "host_calendar", fromCalendar: params.fromCalendar },
        });
        afterCommit = moved.afterCommit;
        return moved.booking;
      });
    } catch (error) {
      if (isOverlapViolation(error)) return { kind: "collides" };
      throw error;
    }
    if (!booking) return { kind: "ignored" };
    deps.onAvailabilityChanged?.({ tenantId: booking.tenantId, hostIds: booking.hostIds });
    await afterCommit();
    return { kind: "moved", booking };
  }

  async function changeStatus(params: {
    tenantId: TenantId;
    bookingId: string;
    to: "cancelled" | "confirmed" | "rejected";
    reason?: string | undefined;
    /** The host deleted or cancelled the event in this calendar (two-way sync). */
    fromCalendar?: { connectionId: string; version: string | null };
  }): Promise<BookingRow> {
    let afterCommit: () => Promise<void> = async () => {};
    const booking = await deps.db.transaction(async (tx) => {
      const locked = await getBooking(tx, params.tenantId, params.bookingId, { forUpdate: true });
      if (!locked) throw new AppError("not_found", "booking not found");
      if (params.to === "cancelled" && (locked.status === "cancelled" || locked.status === "rejected")) {
        throw new AppError("conflict", `the booking is already ${locked.status}`);
      }
      if ((params.to === "confirmed" || params.to === "rejected") && locked.status !== "pending") {
        throw new AppError(
          "conflict",
          `only a pending booking can be ${params.to} (this one is ${locked.status})`,
        );
      }
      await setBookingStatus(tx, {
        tenantId: params.tenantId,
        id: locked.id,
        status: params.to,
        cancelReason: params.reason ?? null,
        now: deps.now(),
      });
      const changed = (await getBooking(tx, params.tenantId, locked.id))!;
      const type: BookingEvent["type"] =
        params.to === "confirmed" ? "booking.confirmed" : "booking.cancelled";
      afterCommit = await deps.events.record(tx, {
        type,
        booking: changed,
        ...(params.fromCalendar ? { by: "host_calendar" as const, fromCalendar: params.fromCalendar } : {}),
      });
      return changed;
    });
    deps.onAvailabilityChanged?.({ tenantId: booking.tenantId, hostIds: booking.hostIds });
    await afterCommit();
    return booking;
  }

  return { create, reschedule, moveFromCalendar, changeStatus, nextFreeSlots };
}

export type BookingService = ReturnType<typeof createBookingService>;
