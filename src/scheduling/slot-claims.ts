import { AppError } from "../server/errors.ts";
import { blockedRange } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import type { HostId } from "../store/ids.ts";
import { otherHoldOverlaps } from "../store/slot-holds-repository.ts";

/**
 * Under the hosts' booking locks (lockHostsForBooking), where no hold can be taken meanwhile: a booking may not take
 * time another visitor holds. Holds and bookings of a host take turns on the same locks, which makes the pair
 * race-proof on both databases (an exclusion constraint cannot see expiry, which depends on the clock).
 */
export async function refuseOthersHolds(
  tx: Database,
  input: {
    eventType: EventTypeRow;
    hostIds: HostId[];
    start: Date;
    durationMinutes: number;
    holdToken?: string | undefined;
    now: Date;
  },
): Promise<void> {
  const held = await otherHoldOverlaps(tx, {
    tenantId: input.eventType.tenantId,
    hostIds: input.hostIds,
    blocked: blockedRange({
      start: input.start,
      end: new Date(input.start.getTime() + input.durationMinutes * 60_000),
      bufferBeforeMinutes: input.eventType.rules.bufferBeforeMinutes,
      bufferAfterMinutes: input.eventType.rules.bufferAfterMinutes,
    }),
    now: input.now,
    exceptToken: input.holdToken,
    sessionId: null,
  });
  if (held)
    throw new AppError("slot_taken", undefined, {
      details: { reasons: [{ code: "held", message: "another visitor holds that time while they book" }] },
    });
}
