import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type ErasureDeps, eraseAttendee, eraseHost } from "../../privacy/erase-host.ts";
import type { HostId } from "../../store/ids.ts";
import { auditContextOf } from "../auth.ts";
import { notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";

const hostErasureSchema = z
  .object({
    erased: z.literal(true),
    connectionsRevoked: z.number().meta({ description: "Grants revoked at providers that offer revocation" }),
    bookingsAnonymised: z.number(),
    bookingsDeleted: z.number(),
  })
  .meta({ id: "HostErasure" });

/**
 * Erasure (GDPR art. 17). A dedicated route rather than `DELETE /v1/hosts/{id}?erase=true`: a plain delete removes
 * the host, an erasure also reaches the providers, the host's bookings (anonymised or deleted, tenant setting
 * `erasure`) and the webhook deliveries that copied the host's data; the two must not differ by a query flag.
 */
export function erasureRoutes(deps: ErasureDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/hosts/:hostId/erase",
      {
        schema: {
          tags: ["Data protection"],
          summary:
            "Erase a host: revoke and disconnect their calendars, delete tokens, busy time, schedules, feeds and " +
            "profile; their bookings are anonymised or deleted (tenant setting `erasure`)",
          params: z.object({ hostId: idParam("host id") }),
          response: { 200: hostErasureSchema, ...standardErrors },
        },
      },
      async (request) => {
        const audit = auditContextOf(request);
        const result = await eraseHost(deps, { ...audit, hostId: request.params.hostId as HostId });
        if (!result) throw notFound("host");
        return { erased: true as const, ...result };
      },
    );
    app.post(
      "/attendees/erase",
      {
        schema: {
          tags: ["Data protection"],
          summary:
            "Erase an attendee: their name, e-mail address and answers are replaced in all the tenant's bookings",
          body: z
            .object({ email: z.email({ message: "email must be an e-mail address" }).max(320) })
            .strict(),
          response: { 200: z.object({ bookingsAnonymised: z.number() }), ...standardErrors },
        },
      },
      async (request) => eraseAttendee(deps, { ...auditContextOf(request), email: request.body.email }),
    );
  };
}
