import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import {
  type FastifyPluginAsyncZod,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { JobEngine } from "../jobs/job-engine.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { OutboundGuard } from "../outbound/guarded-fetch.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import type { Database } from "../store/database.ts";
import type { TenantId } from "../store/ids.ts";
import { installApiKeyAuth } from "./auth.ts";
import { installControlCharacterGuard } from "./control-characters.ts";
import { installErrorHandler } from "./error-handler.ts";
import { DEFAULT_PORTAL_SETTINGS, type PortalSettings } from "./portal/portal-settings.ts";
import { tenantRoutes } from "./routes/api-keys.ts";
import { auditRoutes } from "./routes/audit.ts";
import type { BookingRouteDeps } from "./routes/booking-context.ts";
import { bookingPageContextRoutes } from "./routes/booking-page-context.ts";
import { bookingRoutes } from "./routes/bookings.ts";
import { type ConnectionRoomsDeps, connectionRoomRoutes } from "./routes/connection-rooms.ts";
import { type ConnectionRouteDeps, connectionRoutes, connectionSyncRoutes } from "./routes/connections.ts";
import { erasureRoutes } from "./routes/erasure.ts";
import { eventTypeRoutes } from "./routes/event-types.ts";
import { feedDownloadRoutes } from "./routes/feed-download.ts";
import { healthRoutes, type ReadinessCheck } from "./routes/health.ts";
import { hostExportRoutes } from "./routes/host-export.ts";
import { hostFeedRoutes } from "./routes/host-feeds.ts";
import { hostRoutes } from "./routes/hosts.ts";
import { manageBookingRoutes } from "./routes/manage-booking.ts";
import { portalApiRoutes } from "./routes/portal-api.ts";
import { portalLinkRoutes } from "./routes/portal-links.ts";
import { portalSignInRoutes } from "./routes/portal-sign-in.ts";
import { publicBookingRoutes } from "./routes/public-booking.ts";
import { scheduleRoutes } from "./routes/schedules.ts";
import { troubleshooterRoutes } from "./routes/troubleshooter.ts";
import { webUiRoutes } from "./routes/web-ui.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { invalidateSlotsOnChange } from "./slots-invalidation.ts";

export interface ServerDeps {
  db: Database;
  logger: Logger;
  metrics: Metrics;
  version: string;
  publicUrl: string;
  readiness: ReadinessCheck[];
  /** Route plugins of later features, registered inside the authenticated /v1 scope. */
  extraTenantRoutes?: FastifyPluginAsyncZod[];
  /** Route plugins without API-key auth (public booking pages, feeds, webhooks from providers). */
  extraPublicRoutes?: FastifyPluginAsyncZod[];
  bodyLimit?: number;
  /** Peers trusted to name the client in X-Forwarded-For (config TRUST_PROXY); request.ip and the rate limits use it. */
  trustProxy?: boolean | string[];
  /** Calendar connections (.ics feeds) of hosts; registered when given. */
  connections?: ConnectionRouteDeps;
  /** Told after an event type is created or replaced: syncs what a longer horizon needs (horizon-resync.ts). */
  horizonChanged?: (tenantId: TenantId) => Promise<void>;
  /** Listing a Microsoft connection's rooms (event types with rooms); registered when given. */
  connectionRooms?: ConnectionRoomsDeps;
  /** Bookings and the public booking API; registered when given. */
  booking?: BookingRouteDeps;
  /** Seals webhook endpoint secrets; the webhook routes are registered only when it is given. */
  keyRing?: KeyRing;
  /** The SSRF guard for webhook endpoint URLs (OUTBOUND_ALLOW); without it every internal address is refused. */
  outbound?: OutboundGuard;
  /** The web UI (booking page, host portal) from web/dist; on unless false. */
  webUi?: boolean;
  /** Enqueues webhook test and retry deliveries at once (without it the sweeper picks them up). */
  jobs?: JobEngine;
  /** Host portal link and session lifetimes (defaults: 10 minutes, 12 hours idle, 7 days). */
  portal?: PortalSettings;
}

/** Builds the HTTP server: zod on every route, OpenAPI from the same schemas, one error envelope. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const base = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    trustProxy: deps.trustProxy ?? false,
    // Request ids make one request's log lines findable; honour a caller's id when it sends one.
    requestIdHeader: "x-request-id",
    // Signed attendee links carry their token in the path.
    routerOptions: { maxParamLength: 1000 },
  });
  base.setValidatorCompiler(validatorCompiler);
  base.setSerializerCompiler(serializerCompiler);
  installErrorHandler(base);
  // Before any route is registered, so that every scope inherits it (see control-characters.ts).
  installControlCharacterGuard(base);
  const app = base.withTypeProvider<ZodTypeProvider>();
  const portal = {
    db: deps.db,
    publicUrl: deps.publicUrl,
    now: deps.booking?.now ?? (() => new Date()),
    settings: deps.portal ?? DEFAULT_PORTAL_SETTINGS,
  };

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Calbridge API",
        version: deps.version,
        description:
          "Calendar integration for booking apps: hosts, schedules, availability, bookings and calendar connections. " +
          "Authenticate with `Authorization: Bearer <API key>` (create one with `calbridge tenant create <name>`).",
      },
      servers: [{ url: deps.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "A Calbridge API key" },
          portalSession: {
            type: "apiKey",
            in: "cookie",
            name: "calbridge_portal",
            description:
              "The host portal's session (POST /v1/hosts/{hostId}/portal-links); plus x-csrf-token on changes",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { deepLinking: true } });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes({ checks: deps.readiness, metrics: deps.metrics, version: deps.version }));

  await app.register(
    async (scope) => {
      installApiKeyAuth(scope, deps.db);
      if (deps.booking?.slotsCache) invalidateSlotsOnChange(scope, deps.booking.slotsCache);
      scope.addHook("onRoute", (route) => {
        route.schema = { ...route.schema, security: [{ apiKey: [] }] };
      });
      await scope.register(tenantRoutes(deps.db));
      await scope.register(auditRoutes(deps.db));
      await scope.register(hostExportRoutes(deps.db));
      await scope.register(
        erasureRoutes({ db: deps.db, logger: deps.logger, connect: deps.connections?.connect }),
      );
      await scope.register(hostRoutes(deps.db));
      await scope.register(scheduleRoutes(deps.db));
      await scope.register(eventTypeRoutes(deps.db, deps.horizonChanged));
      if (deps.booking) await scope.register(bookingRoutes(deps.booking));
      if (deps.booking) await scope.register(troubleshooterRoutes(deps.booking));
      if (deps.connections) {
        await scope.register(connectionRoutes(deps.connections));
        await scope.register(connectionSyncRoutes(deps.connections));
      }
      if (deps.connectionRooms) await scope.register(connectionRoomRoutes(deps.connectionRooms));
      if (deps.booking) await scope.register(hostFeedRoutes(deps.booking));
      if (deps.keyRing)
        await scope.register(
          webhookRoutes({ db: deps.db, keyRing: deps.keyRing, jobs: deps.jobs, outbound: deps.outbound }),
        );
      await scope.register(portalLinkRoutes(portal));
      for (const plugin of deps.extraTenantRoutes ?? []) await scope.register(plugin);
    },
    { prefix: "/v1" },
  );
  await app.register(portalSignInRoutes(portal));
  await app.register(portalApiRoutes({ ...portal, connections: deps.connections, booking: deps.booking }));
  if (deps.booking) {
    await app.register(publicBookingRoutes(deps.booking));
    await app.register(manageBookingRoutes(deps.booking));
    await app.register(bookingPageContextRoutes(deps.booking));
    await app.register(
      feedDownloadRoutes({ ...deps.booking, rateLimitPerMinute: deps.booking.publicRateLimitPerMinute }),
    );
  }
  for (const plugin of deps.extraPublicRoutes ?? []) await app.register(plugin);
  if (deps.webUi !== false) await app.register(webUiRoutes({ db: deps.db }));

  return base;
}
