import type { FastifyPluginAsync } from "fastify";
import type { FastifyPluginAsyncZod, ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../store/database.ts";
import { getHost } from "../../store/hosts-repository.ts";
import { revokePortalSessions } from "../../store/portal-sessions-repository.ts";
import { findTenantById } from "../../store/tenants-repository.ts";
import { AppError } from "../errors.ts";
import { clearedPortalCookie, csrfTokenFor, readPortalCookie } from "../portal/portal-cookie.ts";
import { installPortalSessionAuth } from "../portal/portal-session-auth.ts";
import type { PortalSettings } from "../portal/portal-settings.ts";
import { invalidateSlotsOnChange } from "../slots-invalidation.ts";
import type { BookingRouteDeps } from "./booking-context.ts";
import { bookingRoutes } from "./bookings.ts";
import { type ConnectionRouteDeps, connectionRoutes } from "./connections.ts";
import { hostFeedRoutes } from "./host-feeds.ts";
import { portalPreviewRoutes } from "./portal-preview.ts";
import { scheduleRoutes } from "./schedules.ts";

export interface PortalApiDeps {
  db: Database;
  publicUrl: string;
  now: () => Date;
  settings: PortalSettings;
  connections?: ConnectionRouteDeps;
  booking?: BookingRouteDeps;
}

const sessionSchema = z
  .object({
    host: z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), timeZone: z.string() }),
    tenant: z.object({ name: z.string() }),
    csrfToken: z
      .string()
      .meta({ description: "Send it back as the x-csrf-token header of every POST, PUT, PATCH and DELETE" }),
  })
  .meta({ id: "PortalSession" });

/**
 * The host portal's API under /portal/api: authenticated by the portal session cookie (not an API key), CSRF-checked,
 * and limited to the session's host (see portal-session-auth.ts). It reuses the tenant API's own route plugins for
 * schedules, connections, bookings and export feeds, so both APIs keep one behaviour.
 */
export function portalApiRoutes(deps: PortalApiDeps): FastifyPluginAsync {
  const publicUrl = deps.publicUrl.replace(/\/+$/, "");
  return async (app) => {
    await app.register(
      async (scope) => {
        installPortalSessionAuth(scope, {
          db: deps.db,
          publicUrl,
          now: deps.now,
          idleMs: deps.settings.sessionIdleMinutes * 60_000,
        });
        if (deps.booking?.slotsCache) invalidateSlotsOnChange(scope, deps.booking.slotsCache);
        await scope.register(sessionRoutes(deps));
        await scope.register(scheduleRoutes(deps.db));
        if (deps.connections) {
          await scope.register(
            connectionRoutes({ ...deps.connections, ownReturnUrls: [`${publicUrl}/portal/calendars`] }),
          );
        }
        await scope.register(portalPreviewRoutes({ ...deps, connections: deps.connections }));
        if (deps.booking) {
          await scope.register(hostFeedRoutes(deps.booking));
          await scope.register(bookingRoutes(deps.booking), { prefix: "/hosts/:hostId" });
        }
      },
      { prefix: "/portal/api" },
    );
  };
}

function sessionRoutes(deps: PortalApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.get(
      "/session",
      {
        config: { portalSessionRoute: true },
        schema: {
          tags: ["Host portal"],
          summary: "The signed-in host, their tenant, and the CSRF token of the session",
          response: { 200: sessionSchema, 401: z.unknown() },
        },
      },
      async (request, reply) => {
        const host = await getHost(deps.db, request.tenantId!, request.portalHostId!);
        const tenant = await findTenantById(deps.db, request.tenantId!);
        if (!host || !tenant) throw new AppError("unauthorized");
        const secret = readPortalCookie(request.headers.cookie)!;
        reply.header("cache-control", "no-store");
        return {
          host: { id: host.id, name: host.name, email: host.email, timeZone: host.timeZone },
          tenant: { name: tenant.name },
          csrfToken: csrfTokenFor(secret),
        };
      },
    );
    typed.post(
      "/sign-out",
      {
        config: { portalSessionRoute: true },
        schema: {
          tags: ["Host portal"],
          summary: "End this portal session",
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await revokePortalSessions(deps.db, {
          tenantId: request.tenantId!,
          hostId: request.portalHostId!,
          sessionId: request.portalSessionId!,
          now: deps.now(),
        });
        return reply
          .header("set-cookie", clearedPortalCookie(deps.publicUrl.startsWith("https:")))
          .status(204)
          .send(null);
      },
    );
  };
}
