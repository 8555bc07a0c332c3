import { randomBytes, randomUUID } from "node:crypto";
import type { CalendarFreshnessPolicy } from "../core/bookings/availability-request.ts";
import { AppError } from "../server/errors.ts";
import { lockHostsForBooking } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import type { HostId } from "../store/ids.ts";
import { countClientHolds, deleteHold, findLiveHold, insertHold } from "../store/slot-holds-repository.ts";
import { conflictCodes } from "./booking-service.ts";
import { explainStart } from "./find-slots.ts";

export interface SlotHoldSettings {
  /** How long a hold lasts (HOLD_TTL_SECONDS, default 300). */
  ttlSeconds: number;
  /** Live holds one client may have at a tenant at once (HOLD_MAX_PER_CLIENT, default 3). */
  maxPerClient: number;
}

export const DEFAULT_HOLD_SETTINGS: SlotHoldSettings = { ttlSeconds: 300, maxPerClient: 3 };

export interface HeldSlot {
  token: string;
  start: Date;
  end: Date;
  expiresAt: Date;
}

/** Why a hold was refused: the time is taken or held (`taken`, 409) or not a bookable slot at all (`invalid`, 400). */
export class HoldRefusedError extends Error {
  override name = "HoldRefusedError";
  constructor(
    readonly kind: "taken" | "invalid",
    message: string,
    readonly reasons: Array<{ code: string; message: string }>,
  ) {
    super(message);
  }
}

/**
 * Slot holds: a visitor's claim on a slot for a few minutes while they fill the booking form. Held in the database,
 * one row per host, live until expiresAt; a held slot is not offered to others, and neither a hold nor a booking
 * can take time another visitor holds. Holds and bookings of a host take turns on the host's booking lock and check
 * again under it, so two visitors holding the same slot at once (in one process or several) get one hold and one
 * refusal.
 */
export function createSlotHoldService(deps: {
  db: Database;
  now: () => Date;
  settings?: SlotHoldSettings | undefined;
  freshness?: CalendarFreshnessPolicy | undefined;
  onAvailabilityChanged?: ((change: { tenantId: string; hostIds: readonly string[] }) => void) | undefined;
}) {
  const settings = deps.settings ?? DEFAULT_HOLD_SETTINGS;
  const freshness = deps.freshness ? { freshness: deps.freshness } : {};

  async function check(
    db: Database,
    input: { eventType: EventTypeRow; start: Date; durationMinutes: number },
  ) {
    const explanation = await explainStart({
      ...freshness,
      db,
      eventType: input.eventType,
      start: input.start,
      now: deps.now(),
      inviteeTimeZone: "UTC",
      durationMinutes: input.durationMinutes,
    });
    if (explanation.bookable) return explanation;
    const reasons = explanation.reasons.map((reason) => ({ code: reason.code, message: reason.message }));
    const taken = explanation.reasons.some((reason) => conflictCodes.has(reason.code));
    const summary = reasons[0]?.message ?? "no host is available";
    throw new HoldRefusedError(
      taken ? "taken" : "invalid",
      taken ? `That time is no longer available: ${summary}` : `That time is not a bookable slot: ${summary}`,
      reasons,
    );
  }

  async function hold(input: {
    eventType: EventTypeRow;
    start: Date;
    durationMinutes: number;
    clientKey: string;
  }): Promise<HeldSlot> {
    const { eventType } = input;
    const now = deps.now();
    const live = await countClientHolds(deps.db, {
      tenantId: eventType.tenantId,
      clientKey: input.clientKey,
      now,
    });
    if (live >= settings.maxPerClient)
      throw new AppError(
        "rate_limited",
        `at most ${settings.maxPerClient} slots may be held at once; release one or book`,
      );
    // A first look outside the transaction answers most refusals without taking the hosts' locks.
    const first = await check(deps.db, input);
    const hostIds = (
      eventType.mode === "round-robin" ? first.hostIds.slice(0, 1) : first.hostIds
    ) as HostId[];
    const end = new Date(input.start.getTime() + input.durationMinutes * 60_000);
    const held: HeldSlot = {
      token: randomBytes(24).toString("base64url"),
      start: input.start,
      end,
      expiresAt: new Date(now.getTime() + settings.ttlSeconds * 1000),
    };
    await deps.db.transaction(async (tx) => {
      await lockHostsForBooking(tx, eventType.tenantId, hostIds);
      // Under the locks no booking or hold of these hosts can commit meanwhile: this look is the one that counts.
      const settled = await check(tx, { ...input, eventType: { ...eventType, hostIds } });
      await insertHold(tx, {
        id: randomUUID(),
        token: held.token,
        tenantId: eventType.tenantId,
        eventTypeId: eventType.id,
        hostIds,
        startAt: input.start,
        endAt: end,
        sessionId: settled.session?.id ?? null,
        expiresAt: held.expiresAt,
        clientKey: input.clientKey,
        bufferBeforeMinutes: eventType.rules.bufferBeforeMinutes,
        bufferAfterMinutes: eventType.rules.bufferAfterMinutes,
      });
    });
    deps.onAvailabilityChanged?.({ tenantId: eventType.tenantId, hostIds });
    return held;
  }

  async function release(input: { eventType: EventTypeRow; token: string }): Promise<boolean> {
    const released = await deleteHold(deps.db, {
      tenantId: input.eventType.tenantId,
      eventTypeId: input.eventType.id,
      token: input.token,
    });
    if (released)
      deps.onAvailabilityChanged?.({ tenantId: input.eventType.tenantId, hostIds: input.eventType.hostIds });
    return released;
  }

  /**
   * A booking's holdToken: a live hold must be for this event type and this very slot (400 otherwise). An unknown or
   * expired token is no claim: the booking goes ahead as one without a hold (and meets whoever took the time).
   */
  async function checkForBooking(input: {
    eventType: EventTypeRow;
    token: string;
    start: Date;
    durationMinutes: number;
  }): Promise<void> {
    const found = await findLiveHold(deps.db, {
      tenantId: input.eventType.tenantId,
      token: input.token,
      now: deps.now(),
    });
    if (!found) return;
    const end = input.start.getTime() + input.durationMinutes * 60_000;
    if (
      found.eventTypeId !== input.eventType.id ||
      found.startAt.getTime() !== input.start.getTime() ||
      found.endAt.getTime() !== end
    )
      throw new AppError("validation_failed", "holdToken: the hold is for another slot");
  }

  return { hold, release, checkForBooking, settings };
}

export type SlotHoldService = ReturnType<typeof createSlotHoldService>;
