import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../store/database.ts";
import { getHost } from "../../store/hosts-repository.ts";
import type { HostId } from "../../store/ids.ts";
import { createPortalLink, revokePortalSessions } from "../../store/portal-sessions-repository.ts";
import { requireTenant } from "../auth.ts";
import { notFound } from "../errors.ts";
import type { PortalSettings } from "../portal/portal-settings.ts";
import { idParam, standardErrors } from "../schemas.ts";

export interface PortalLinkRouteDeps {
  db: Database;
  publicUrl: string;
  now: () => Date;
  settings: PortalSettings;
}

const hostParams = z.object({ hostId: idParam("host id") });

/** The tenant's side of the host portal: sign-in links for a host, and ending a host's sessions. */
export function portalLinkRoutes(deps: PortalLinkRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/hosts/:hostId/portal-links",
      {
        schema: {
          tags: ["Host portal"],
          summary:
            "A single-use sign-in link to the host portal (where the host connects calendars, sets working hours " +
            "and sees bookings); hand it to the signed-in host, e.g. as a redirect from your app's settings page",
          params: hostParams,
          response: {
            201: z
              .object({
                url: z.string().meta({ description: "{publicUrl}/portal/sign-in?token=...; works once" }),
                expiresAt: z.string(),
              })
              .meta({ id: "PortalLink" }),
            ...standardErrors,
          },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        const host = await getHost(deps.db, tenantId, request.params.hostId as HostId);
        if (!host) throw notFound("host");
        const now = deps.now();
        const link = await createPortalLink(deps.db, {
          tenantId,
          hostId: host.id,
          now,
          expiresAt: new Date(now.getTime() + deps.settings.linkMinutes * 60_000),
        });
        const url = `${deps.publicUrl.replace(/\/+$/, "")}/portal/sign-in?token=${link.token}`;
        return reply.status(201).send({ url, expiresAt: link.expiresAt.toISOString() });
      },
    );
    app.delete(
      "/hosts/:hostId/portal-sessions",
      {
        schema: {
          tags: ["Host portal"],
          summary: "Sign the host out of the portal everywhere: every live session ends at once",
          params: hostParams,
          response: { 200: z.object({ revoked: z.number() }), ...standardErrors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const host = await getHost(deps.db, tenantId, request.params.hostId as HostId);
        if (!host) throw notFound("host");
        return {
          revoked: await revokePortalSessions(deps.db, { tenantId, hostId: host.id, now: deps.now() }),
        };
      },
    );
  };
}
