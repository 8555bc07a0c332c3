import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../store/database.ts";
import { getEventType } from "../../store/event-types-repository.ts";
import { getHost, type HostRow } from "../../store/hosts-repository.ts";
import type { HostId, TenantId } from "../../store/ids.ts";
import { findTenantById } from "../../store/tenants-repository.ts";
import { notFound } from "../errors.ts";
import { errorResponseSchema } from "../schemas.ts";
import type { BookingRouteDeps } from "./booking-context.ts";
import { bookingFromLink, tokenParams } from "./manage-booking.ts";

/**
 * What a booking page shows around the slots: the hosts (names and zones: the confirmation shows the time in the
 * host's zone too) and the tenant's brand. Shared by the event type's public answer and the attendee links' context.
 */
export const pageContextShape = {
  hosts: z
    .array(z.object({ name: z.string(), timeZone: z.string() }))
    .meta({ description: "The event type's hosts as the page shows them (no e-mail addresses)" }),
  brand: z
    .object({ name: z.string(), color: z.string().optional(), logoUrl: z.string().optional() })
    .meta({ description: "The tenant's name, brand colour and logo (PATCH /v1/tenant bookingPage)" }),
};

export async function loadPageContext(
  db: Database,
  params: { tenantId: string; hostIds: readonly string[] },
): Promise<{
  hosts: Array<{ name: string; timeZone: string }>;
  brand: { name: string; color?: string; logoUrl?: string };
}> {
  const tenantId = params.tenantId as TenantId;
  const [tenant, ...hosts] = await Promise.all([
    findTenantById(db, tenantId),
    ...params.hostIds.map((id) => getHost(db, tenantId, id as HostId)),
  ]);
  const page = tenant?.bookingPage ?? {};
  return {
    hosts: (hosts as Array<HostRow | undefined>)
      .filter((host): host is HostRow => host !== undefined)
      .map((host) => ({ name: host.name, timeZone: host.timeZone })),
    brand: {
      name: tenant?.name ?? "",
      ...(page.brandColor ? { color: page.brandColor } : {}),
      ...(page.logoUrl ? { logoUrl: page.logoUrl } : {}),
    },
  };
}

/** The booking behind an attendee link with what its page needs to show it and to offer other times. */
export function bookingPageContextRoutes(deps: BookingRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/public/bookings/:token/context",
      {
        schema: {
          tags: ["Public booking"],
          summary:
            "What the attendee's booking page shows: the event type (its public slugs), hosts and brand",
          params: tokenParams,
          response: {
            200: z.object({
              tenantSlug: z.string(),
              eventTypeSlug: z.string(),
              title: z.string(),
              description: z.string().nullable(),
              location: z.object({ kind: z.string() }).nullable(),
              ...pageContextShape,
            }),
            400: errorResponseSchema,
            401: errorResponseSchema,
            404: errorResponseSchema,
          },
        },
      },
      async (request) => {
        const booking = await bookingFromLink(deps, request.params.token);
        const tenantId = booking.tenantId as TenantId;
        const [eventType, tenant] = await Promise.all([
          getEventType(deps.db, tenantId, booking.eventTypeId),
          findTenantById(deps.db, tenantId),
        ]);
        if (!eventType || !tenant) throw notFound("event type");
        return {
          tenantSlug: tenant.slug,
          eventTypeSlug: eventType.slug,
          title: eventType.title,
          description: eventType.description ?? null,
          location: eventType.location ? { kind: eventType.location.kind } : null,
          ...(await loadPageContext(deps.db, booking)),
        };
      },
    );
  };
}
