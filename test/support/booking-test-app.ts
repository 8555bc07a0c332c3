import type { FastifyInstance } from "fastify";
import type { Logger } from "../../src/observability/logger.ts";
import { type BookingEventSink, noBookingEffects } from "../../src/scheduling/booking-events.ts";
import { createBookingService } from "../../src/scheduling/booking-service.ts";
import type { AvailabilityChange, SlotsCache } from "../../src/scheduling/slots-cache.ts";
import { generateKeySpec, type KeyRing, parseKeyRing } from "../../src/secrets/key-ring.ts";
import type { ServerDeps } from "../../src/server/app.ts";
import type { RateLimitStore } from "../../src/server/rate-limit-store.ts";
import type { BookingRouteDeps } from "../../src/server/routes/booking-context.ts";
import type { ConnectionRouteDeps } from "../../src/server/routes/connections.ts";
import type { Store } from "../../src/store/database.ts";
import { buildTestApp } from "./test-app.ts";

/** A test server with the booking API, a fixed clock and (optionally) recorded booking events. */
export async function buildBookingTestApp(
  store: Store,
  options: {
    now?: () => Date;
    events?: BookingEventSink;
    keyRing?: KeyRing;
    rateLimitPerMinute?: number | false;
    connections?: ConnectionRouteDeps;
    slotsCache?: SlotsCache;
    logger?: Logger;
    trustProxy?: boolean | string[];
    rateLimitStore?: RateLimitStore;
    horizonChanged?: ServerDeps["horizonChanged"];
  } = {},
): Promise<{ app: FastifyInstance; booking: BookingRouteDeps }> {
  const now = options.now ?? (() => new Date("2030-02-28T12:00:00Z"));
  const keyRing = options.keyRing ?? parseKeyRing(generateKeySpec("test"));
  const booking: BookingRouteDeps = {
    db: store.db,
    bookings: createBookingService({
      db: store.db,
      now,
      events: options.events ?? noBookingEffects,
      uidDomain: "calbridge.test",
      ...(options.slotsCache
        ? { onAvailabilityChanged: (change: AvailabilityChange) => options.slotsCache?.invalidate(change) }
        : {}),
    }),
    keyRing,
    publicUrl: "http://localhost:3000",
    now,
    organizerFallback: { name: "Calbridge", email: "calbridge@calbridge.test" },
    publicRateLimitPerMinute: options.rateLimitPerMinute ?? false,
    ...(options.slotsCache ? { slotsCache: options.slotsCache } : {}),
    ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
  };
  const app = await buildTestApp(store, {
    booking,
    keyRing,
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.horizonChanged ? { horizonChanged: options.horizonChanged } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  return { app, booking };
}
