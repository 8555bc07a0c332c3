import type { CalendarFreshnessPolicy } from "../../core/bookings/availability-request.ts";
import { type AttendeeLinks, attendeeLinksFor } from "../../scheduling/booking-links.ts";
import type { BookingService } from "../../scheduling/booking-service.ts";
import type { SlotHoldService, SlotHoldSettings } from "../../scheduling/slot-holds.ts";
import type { SlotsCache } from "../../scheduling/slots-cache.ts";
import type { KeyRing } from "../../secrets/key-ring.ts";
import type { BookingRow } from "../../store/bookings-repository.ts";
import type { Database } from "../../store/database.ts";
import type { RateLimitStore } from "../rate-limit-store.ts";

/** What the booking routes share: the store, the booking service, link signing and the public URL. */
export interface BookingRouteDeps {
  db: Database;
  bookings: BookingService;
  keyRing: KeyRing;
  publicUrl: string;
  now: () => Date;
  organizerFallback: { name?: string; email: string };
  /** Requests per minute per client on the public endpoints; false turns the limit off (benchmarks). */
  publicRateLimitPerMinute: number | false;
  /** Where the counters live: shared across processes with Redis (REDIS_URL), per process otherwise. */
  rateLimitStore?: RateLimitStore;
  /** Public slot answers, cached briefly; invalidated per tenant on changes (see slots-cache.ts). */
  slotsCache?: SlotsCache;
  /** How long attendee links stay valid after the booking's end. */
  linkValidityDays?: number;
  /** How stale connected calendars are treated (fail closed by default). */
  freshness?: CalendarFreshnessPolicy;
  /** Slot holds (POST .../holds); built from the fields above when absent. */
  holds?: SlotHoldService;
  /** Hold duration and per-client limit (HOLD_TTL_SECONDS, HOLD_MAX_PER_CLIENT). */
  holdSettings?: SlotHoldSettings;
}

export function attendeeLinks(deps: BookingRouteDeps, booking: BookingRow): AttendeeLinks {
  return attendeeLinksFor({
    keyRing: deps.keyRing,
    publicUrl: deps.publicUrl,
    booking,
    validityDays: deps.linkValidityDays,
  });
}
