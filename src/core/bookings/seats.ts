import { z } from "zod";

/**
 * Group sessions with seats. Every attendee's seat is a booking of its own; the seats of one slot form a session
 * (named by the event type and the slot's time), which holds the host's time once. A slot stays offered while its
 * session has seats left, and no other session may overlap it (buffers included). Pure.
 */
export const seatsSchema = z
  .number()
  .int("seats must be a whole number")
  .min(1, "seats must be at least 1")
  .max(10_000, "seats may be at most 10000");

/** A session of an event type with seats, as stored: its time, buffers and how many seats are taken or held. */
export interface SeatSession {
  sessionId: string;
  startMs: number;
  endMs: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  /** Seat bookings that are active plus live holds of other visitors. */
  taken: number;
}

export interface SeatsLeft {
  total: number;
  left: number;
}

export type SeatVerdict =
  | { ok: true; seats: SeatsLeft; sessionId: string | null }
  | { ok: false; code: "full" | "booking"; message: string };

const MINUTE = 60_000;

function blockedOf(startMs: number, endMs: number, beforeMinutes: number, afterMinutes: number) {
  return { from: startMs - beforeMinutes * MINUTE, to: endMs + afterMinutes * MINUTE };
}

/**
 * Whether a slot can take one more seat: free of sessions (a new session, all seats left), the very time of a
 * session with seats left (joining it), or neither (it overlaps another session, or its session is full).
 */
export function seatVerdict(params: {
  startMs: number;
  endMs: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  capacity: number;
  sessions: readonly SeatSession[];
}): SeatVerdict {
  const slot = blockedOf(params.startMs, params.endMs, params.bufferBeforeMinutes, params.bufferAfterMinutes);
  const near = params.sessions.filter((session) => {
    const range = blockedOf(
      session.startMs,
      session.endMs,
      session.bufferBeforeMinutes,
      session.bufferAfterMinutes,
    );
    return range.from < slot.to && slot.from < range.to;
  });
  if (near.length === 0)
    return { ok: true, seats: { total: params.capacity, left: params.capacity }, sessionId: null };
  const same = near.find((session) => session.startMs === params.startMs && session.endMs === params.endMs);
  if (!same || near.length > 1) {
    const other = near.find((session) => session !== same)!;
    return {
      ok: false,
      code: "booking",
      message: `another session from ${new Date(other.startMs).toISOString()} to ${new Date(other.endMs).toISOString()} overlaps it`,
    };
  }
  const left = params.capacity - same.taken;
  if (left <= 0) return { ok: false, code: "full", message: `all ${params.capacity} seats are taken` };
  return { ok: true, seats: { total: params.capacity, left }, sessionId: same.sessionId };
}

/** The slots a seated event type offers, each with its seats: see seatVerdict. */
export function offerSeats<Slot extends { startMs: number; endMs: number }>(params: {
  slots: readonly Slot[];
  capacity: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  sessions: readonly SeatSession[];
}): Array<Slot & { seats: SeatsLeft }> {
  return params.slots.flatMap((slot) => {
    const verdict = seatVerdict({ ...params, startMs: slot.startMs, endMs: slot.endMs });
    return verdict.ok ? [{ ...slot, seats: verdict.seats }] : [];
  });
}
