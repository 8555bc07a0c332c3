import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { groupSlotsByLocalDate } from "../../core/availability/invitee-dates.ts";
import { timeZoneSchema } from "../../core/schedules/schedule.ts";
import { findSlotsAnswer } from "../../scheduling/find-slots.ts";
import type { Database } from "../../store/database.ts";
import type { EventTypeId, EventTypeRow } from "../../store/event-types-repository.ts";
import type { HostId, TenantId } from "../../store/ids.ts";
import { requireTenant } from "../auth.ts";
import { idParam, standardErrors } from "../schemas.ts";
import type { BookingRouteDeps } from "./booking-context.ts";
import type { ConnectionRouteDeps } from "./connections.ts";

const hostParams = z.object({ hostId: idParam("host id") });

/** How a provider is connected, which decides the form the portal shows; a later OAuth provider needs no UI work. */
const providerSchema = z
  .object({
    id: z.string().meta({ description: "The `provider` to send when connecting" }),
    name: z.string(),
    method: z.enum(["oauth", "credentials", "url"]).meta({
      description:
        "oauth: POST a connection with a returnUrl, then send the browser to authorizeUrl; credentials: server, user " +
        "name and app-specific password (CalDAV, with presets); url: an .ics feed URL",
    }),
    presets: z.array(z.string()).optional(),
  })
  .meta({ id: "PortalProvider" });

/** The states a connection can be in, each with whether the host must act. */
export const CONNECTION_STATES = [
  { id: "pending", action: "wait" },
  { id: "connected", action: "none" },
  { id: "needs_reauth", action: "reconnect" },
  { id: "error", action: "retry" },
  { id: "blocked", action: "remove" },
  { id: "disconnected", action: "reconnect" },
] as const;

/** The portal's own reads: the providers this installation offers, and a preview of the host's free slots. */
export function portalPreviewRoutes(deps: {
  db: Database;
  now: () => Date;
  connections?: ConnectionRouteDeps | undefined;
  booking?: BookingRouteDeps | undefined;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/hosts/:hostId/providers",
      {
        schema: {
          tags: ["Host portal"],
          summary: "The calendar providers a host can connect here, and the states a connection can be in",
          params: hostParams,
          response: {
            200: z.object({
              providers: z.array(providerSchema),
              states: z.array(z.object({ id: z.string(), action: z.string() })),
            }),
            ...standardErrors,
          },
        },
      },
      async () => {
        const connectors = deps.connections?.connect?.connectors ?? {};
        const oauth = Object.entries(connectors).flatMap(([id, connector]) =>
          connector ? [{ id, name: connector.displayName, method: "oauth" as const }] : [],
        );
        return {
          providers: [
            ...oauth,
            ...(deps.connections?.caldav
              ? [
                  {
                    id: "caldav",
                    name: "CalDAV",
                    method: "credentials" as const,
                    presets: ["icloud", "fastmail", "nextcloud", "custom"],
                  },
                ]
              : []),
            ...(deps.connections ? [{ id: "ics", name: ".ics feed", method: "url" as const }] : []),
          ],
          states: CONNECTION_STATES.map((state) => ({ ...state })),
        };
      },
    );
    app.get(
      "/hosts/:hostId/slots-preview",
      {
        schema: {
          tags: ["Host portal"],
          summary:
            "The host's free slots for the next 14 days from working hours minus busy time (no event type's rules)",
          params: hostParams,
          querystring: z.object({
            timeZone: timeZoneSchema,
            duration: z.coerce.number().int().min(5).max(480).default(30),
            days: z.coerce.number().int().min(1).max(31).default(14),
          }),
          response: {
            200: z.object({
              timeZone: z.string(),
              durationMinutes: z.number(),
              days: z.record(z.string(), z.array(z.string())),
              reason: z.object({ code: z.string(), message: z.string() }).optional(),
            }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const { timeZone, duration, days } = request.query;
        const now = deps.now();
        const found = await findSlotsAnswer({
          db: deps.db,
          eventType: previewEventType(tenantId, request.params.hostId as HostId, duration, now),
          range: { from: now, to: new Date(now.getTime() + days * 86_400_000) },
          now,
          inviteeTimeZone: timeZone,
          durationMinutes: duration,
          ...(deps.booking?.freshness ? { freshness: deps.booking.freshness } : {}),
        });
        const slots = found.slots.map((slot) => ({
          start: new Date(slot.startMs).toISOString(),
          end: new Date(slot.endMs).toISOString(),
          hostIds: [],
        }));
        const grouped = groupSlotsByLocalDate({ slots, timeZone });
        return {
          timeZone,
          durationMinutes: duration,
          days: Object.fromEntries(
            Object.entries(grouped).map(([date, list]) => [date, list.map((slot) => slot.start)]),
          ),
          ...(found.emptyReason ? { reason: found.emptyReason } : {}),
        };
      },
    );
  };
}

/** A one-host event type without rules: what the host's hours and calendars leave free. */
function previewEventType(tenantId: TenantId, hostId: HostId, duration: number, now: Date): EventTypeRow {
  return {
    id: "00000000-0000-0000-0000-000000000000" as EventTypeId,
    tenantId,
    slug: "portal-preview",
    title: "Preview",
    durations: [duration],
    mode: "single",
    hostIds: [hostId],
    rules: { bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minimumNoticeMinutes: 0 },
    questions: [],
    requiresConfirmation: false,
    rooms: null,
    createdAt: now,
    updatedAt: now,
  };
}
