/**
 * `npm run client:generate` (first step): writes the service's OpenAPI document to client/openapi.json, from which
 * openapi-typescript generates client/schema.d.ts. The server is built as startService builds it (every route group,
 * booking deps, a key ring) but never listens: the document comes from the route schemas alone.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import pino from "pino";
import type { JobEngine } from "../src/jobs/job-engine.ts";
import { version } from "../src/main.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { noBookingEffects } from "../src/scheduling/booking-events.ts";
import { createBookingService } from "../src/scheduling/booking-service.ts";
import { createManagedEventsService } from "../src/scheduling/managed-events-service.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import { buildServer } from "../src/server/app.ts";
import { adminRoutes } from "../src/server/routes/admin.ts";
import { calendarEventRoutes } from "../src/server/routes/calendar-events.ts";
import { connectionSwitchRoutes } from "../src/server/routes/connection-switches.ts";
import { managedEventRoutes } from "../src/server/routes/managed-events.ts";
import type { Database } from "../src/store/database.ts";
import * as schema from "../src/store/schema.ts";

export const openApiPath = fileURLToPath(new URL("../client/openapi.json", import.meta.url));

/** The `servers` entry of the committed document: the default PUBLIC_URL, so the file doesn't depend on a deployment. */
const documentPublicUrl = "http://localhost:3000";

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  // Building the routes never queries the database, so the deps get a real drizzle handle over a pool that never
  // connects (pg.Pool connects lazily). An embedded PGlite would work too, but its initdb costs seconds.
  const pool = new pg.Pool({ connectionString: "postgresql://openapi-export.invalid/unused" });
  const db = drizzle(pool, { schema }) as unknown as Database;
  try {
    const keyRing = parseKeyRing(generateKeySpec("openapi"));
    const now = () => new Date();
    const server = await buildServer({
      keyRing,
      // Route groups are registered when their deps are given: give every group startService gives (the
      // end-to-end client test compares this document with the one the running service serves).
      connections: {
        db,
        keyRing,
        outbound: createOutboundGuard({ allow: [] }),
        requestSync: async () => "queued",
      },
      connectionRooms: {
        db,
        sources: {
          build: () => ({ ok: false, error: { kind: "unavailable", message: "not in the export" } }),
        },
        events: { move: async () => undefined },
        roomsEnabled: false,
      },
      booking: {
        db,
        bookings: createBookingService({
          db,
          now,
          events: noBookingEffects,
          uidDomain: "localhost",
        }),
        keyRing,
        publicUrl: documentPublicUrl,
        now,
        organizerFallback: { email: "calbridge@localhost" },
        publicRateLimitPerMinute: 300,
      },
      // In startService's order.
      extraTenantRoutes: [
        managedEventRoutes({
          db,
          // Building the routes never runs a job.
          managedEvents: createManagedEventsService({ db, jobs: {} as JobEngine, now }),
        }),
        connectionSwitchRoutes({ db }),
        calendarEventRoutes({ db }),
      ],
      extraPublicRoutes: [adminRoutes({ db, adminToken: "openapi-export" })],
      db,
      logger: pino({ level: "silent" }),
      metrics: createMetrics(),
      version,
      publicUrl: documentPublicUrl,
      readiness: [],
    });
    await server.ready();
    // Round-trip through JSON: what a client reads from /openapi.json, without undefined-valued keys.
    const document = JSON.parse(JSON.stringify(server.swagger())) as Record<string, unknown>;
    await server.close();
    return document;
  } finally {
    await pool.end();
  }
}

export async function writeOpenApiDocument(path: string = openApiPath): Promise<void> {
  writeFileSync(path, `${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await writeOpenApiDocument();
  process.stdout.write(`wrote ${openApiPath}\n`);
}
