import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordAudit } from "../../audit/record-audit.ts";
import { listAgendaEvents } from "../../store/calendar-events-repository.ts";
import type { Database } from "../../store/database.ts";
import { getHost } from "../../store/hosts-repository.ts";
import type { HostId } from "../../store/ids.ts";
import { auditContextOf } from "../auth.ts";
import { notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";
import { encodeStartCursor, parseStartCursor } from "../start-cursor.ts";

/**
 * The host's agenda (issue #18 item 4): events of the connected calendars from the synced data, never a live
 * provider call. Connections whose import switch is on give each event's details; the others give free/busy blocks
 * only. Every read is in the audit log (agenda.read), since it shows what is in a person's calendar.
 */
export interface CalendarEventRouteDeps {
  db: Database;
}

/** The longest range one request may ask for: two months, as a month view with its spill-over weeks needs. */
export const MAX_AGENDA_RANGE_DAYS = 62;

const instant = (name: string) =>
  z.iso.datetime({ offset: true, message: `${name} must be an ISO 8601 date-time` });

const query = z
  .object({
    from: instant("from"),
    to: instant("to"),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(200).optional(),
  })
  .refine((value) => Date.parse(value.to) > Date.parse(value.from), {
    message: "to must be after from",
    path: ["to"],
  })
  .refine((value) => Date.parse(value.to) - Date.parse(value.from) <= MAX_AGENDA_RANGE_DAYS * 86_400_000, {
    message: `the range may span at most ${MAX_AGENDA_RANGE_DAYS} days`,
    path: ["to"],
  });

const detailsSchema = z
  .object({
    title: z.string().nullable(),
    location: z.string().nullable(),
    timeZone: z.string().nullable().meta({ description: "The event's own zone (null for all-day events)" }),
    organizer: z.string().nullable(),
    attendeeCount: z.number().int(),
    onlineMeetingUrl: z.string().nullable(),
    showAs: z
      .string()
      .meta({ description: "busy, tentative, free, out_of_office, working_elsewhere or unknown" }),
    ours: z
      .enum(["booking", "managed_event"])
      .nullable()
      .meta({ description: "One of ours: a booking's or a managed event's copy" }),
  })
  .meta({ id: "CalendarEventDetails" });

const eventSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    provider: z.string(),
    calendar: z.object({ ref: z.string(), name: z.string().nullable() }),
    start: z.string().meta({ description: "UTC" }),
    end: z.string().meta({ description: "UTC" }),
    allDay: z
      .object({ startDate: z.string(), endDate: z.string().meta({ description: "Exclusive" }) })
      .nullable()
      .meta({ description: "All-day events' dates; start and end are then these days in the host's zone" }),
    status: z.string().meta({ description: "busy, tentative, free or out_of_office" }),
    details: detailsSchema.nullable().meta({
      description: "Null when the connection's import switch is off: the event is a free/busy block",
    }),
  })
  .meta({ id: "CalendarEvent" });

export function calendarEventRoutes(deps: CalendarEventRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/hosts/:hostId/calendar-events",
      {
        schema: {
          tags: ["Calendar connections"],
          summary:
            "The host's calendar events in a range (at most 62 days) from the synced data: with details where the " +
            "connection's import switch is on, free/busy blocks elsewhere",
          params: z.object({ hostId: idParam("host id") }),
          querystring: query,
          response: {
            200: z.object({ data: z.array(eventSchema), nextCursor: z.string().nullable() }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const by = auditContextOf(request);
        const hostId = request.params.hostId as HostId;
        if (!(await getHost(deps.db, by.tenantId, hostId))) throw notFound("host");
        const { from, to, limit, cursor } = request.query;
        const rows = await listAgendaEvents(deps.db, {
          tenantId: by.tenantId,
          hostId,
          from: new Date(from),
          to: new Date(to),
          limit: limit + 1,
          ...(cursor ? { after: parseStartCursor(cursor) } : {}),
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        await recordAudit(deps.db, {
          ...by,
          action: "agenda.read",
          target: { hostId },
          outcome: "success",
          details: { operation: "list", itemCount: page.length },
        });
        return {
          data: page.map(({ cursor: _cursor, start, end, details, ...event }) => ({
            ...event,
            start: start.toISOString(),
            end: end.toISOString(),
            details: details
              ? { ...details, ours: details.ours as "booking" | "managed_event" | null }
              : null,
          })),
          nextCursor: rows.length > limit && last ? encodeStartCursor(last.cursor) : null,
        };
      },
    );
  };
}
