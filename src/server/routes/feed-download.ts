import { createHash } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordAudit } from "../../audit/record-audit.ts";
import type { BookingEvent } from "../../core/calendar-files/booking-event.ts";
import { renderCalendarFeed } from "../../core/calendar-files/calendar-feed.ts";
import { bookingCalendarFile } from "../../scheduling/booking-calendar-file.ts";
import { type BookingRow, listBookings } from "../../store/bookings-repository.ts";
import { readBusy } from "../../store/busy-cache.ts";
import type { Database } from "../../store/database.ts";
import { getEventType } from "../../store/event-types-repository.ts";
import { findFeedByToken, type HostFeedRow } from "../../store/host-feeds-repository.ts";
import { getHost, type HostRow } from "../../store/hosts-repository.ts";
import { notFound } from "../errors.ts";
import { type RateLimitStore, rateLimitPluginOptions } from "../rate-limit-store.ts";

export interface FeedDownloadDeps {
  db: Database;
  now: () => Date;
  /** ORGANIZER of the feed's events when the host has no e-mail address (RFC 5546 §3.2.1 requires one). */
  organizerFallback: { name?: string; email: string };
  /** Requests per minute per client; false turns the limit off (tests, benchmarks). */
  rateLimitPerMinute: number | false;
  /** Where the counters live: shared across processes with Redis (REDIS_URL), per process otherwise. */
  rateLimitStore?: RateLimitStore;
}

const DAY_MS = 86_400_000;
/** The window a subscriber sees: recent history for context, a year ahead for planning. */
const PAST_DAYS = 90;
const FUTURE_DAYS = 366;
/** Per status; a host with more bookings than this in the window is far outside what the feed is for. */
const MAX_BOOKINGS = 5000;

/** The .ics of a feed: the host's confirmed and pending bookings, and with includeBusy its other busy time. */
export async function renderHostFeed(
  deps: Pick<FeedDownloadDeps, "db" | "organizerFallback">,
  params: { feed: HostFeedRow; host: HostRow; now: Date },
): Promise<string> {
  const { feed, host } = params;
  const range = {
    from: new Date(params.now.getTime() - PAST_DAYS * DAY_MS),
    to: new Date(params.now.getTime() + FUTURE_DAYS * DAY_MS),
  };
  // Cancelled and rejected bookings are left out: subscribers replace the whole calendar on every poll, so an
  // omitted event disappears everywhere, while a STATUS:CANCELLED one lingers struck-through in some clients.
  const bookings = (
    await Promise.all(
      (["confirmed", "pending"] as const).map((status) =>
        listBookings(deps.db, feed.tenantId, { ...range, hostId: host.id, status, limit: MAX_BOOKINGS }),
      ),
    )
  ).flat();
  const booked = await bookingEvents(deps, host, bookings);
  const events = [
    ...booked,
    ...(feed.includeBusy ? await busyEvents(deps, { feed, host, range, booked }) : []),
  ];
  // A deterministic order keeps the body, and so the ETag, stable between polls.
  events.sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid));
  return renderCalendarFeed({ name: host.name, timeZone: host.timeZone, events });
}

async function bookingEvents(
  deps: Pick<FeedDownloadDeps, "db" | "organizerFallback">,
  host: HostRow,
  bookings: BookingRow[],
): Promise<BookingEvent[]> {
  const eventTypeIds = [...new Set(bookings.map((booking) => booking.eventTypeId))];
  const eventTypes = new Map(
    await Promise.all(
      eventTypeIds.map(async (id) => [id, await getEventType(deps.db, host.tenantId, id)] as const),
    ),
  );
  return bookings.map((booking) => {
    const eventType = eventTypes.get(booking.eventTypeId);
    const { event } = bookingCalendarFile({
      booking,
      eventType: { title: eventType?.title ?? "Booking", description: eventType?.description ?? null },
      hosts: [host],
      // DTSTAMP from the last change, not the request clock: an unchanged calendar gives an identical body.
      now: booking.updatedAt,
      organizerFallback: deps.organizerFallback,
    });
    // PUBLISH carries no ATTENDEE (RFC 5546 §3.2.1); the feed is the host's own, so the invitee goes in the text.
    const attendee = `Attendee: ${booking.attendeeName} <${booking.attendeeEmail}>`;
    return { ...event, description: [attendee, event.description].filter(Boolean).join("\n\n") };
  });
}

/**
 * Busy time from the host's connected calendars as opaque blocks: "Busy" and nothing else, since the feed may be
 * shared more widely than the calendars it summarises. The UID is a hash of where the interval came from, stable
 * across polls, so clients update blocks in place instead of duplicating them.
 */
async function busyEvents(
  deps: Pick<FeedDownloadDeps, "db" | "organizerFallback">,
  params: { feed: HostFeedRow; host: HostRow; range: { from: Date; to: Date }; booked: BookingEvent[] },
): Promise<BookingEvent[]> {
  const { feed, host } = params;
  // A booking the sync engine also finds in the host's calendar would show twice; its exact slot is already there.
  const bookedSlots = new Set(params.booked.map((event) => `${event.start}/${event.end}`));
  const intervals = await readBusy(deps.db, { tenantId: feed.tenantId, hostIds: [host.id], ...params.range });
  const organizer = host.email ? { name: host.name, email: host.email } : deps.organizerFallback;
  return intervals
    .filter((interval) => interval.status !== "free" && interval.end > interval.start)
    .filter((interval) => !bookedSlots.has(`${interval.start.toISOString()}/${interval.end.toISOString()}`))
    .map((interval) => {
      const start = interval.start.toISOString();
      const digest = createHash("sha256")
        .update(`${interval.connectionId}\n${interval.sourceRef}\n${start}`)
        .digest("hex");
      return {
        uid: `busy-${digest.slice(0, 32)}@calbridge`,
        sequence: 0,
        dtstamp: feed.createdAt.toISOString(),
        start,
        end: interval.end.toISOString(),
        timeZone: host.timeZone,
        summary: "Busy",
        organizer,
        attendees: [],
        status: interval.status === "tentative" ? "TENTATIVE" : "CONFIRMED",
      };
    });
}

/** A strong validator: the body's hash, so equal bodies get equal ETags on every instance of the service. */
function etagOf(body: string): string {
  return `"${createHash("sha256").update(body, "utf8").digest("base64url")}"`;
}

/** RFC 9110 §13.1.2: If-None-Match uses the weak comparison, and `*` matches any current representation. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === "*" || tag === etag);
}

/** `GET /v1/feeds/{token}.ics`: the subscribable feed, authorised by its secret token alone (no API key). */
export function feedDownloadRoutes(deps: FeedDownloadDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(rateLimit, rateLimitPluginOptions(deps.rateLimitStore));
    app.get(
      "/v1/feeds/:token.ics",
      {
        config: {
          rateLimit:
            deps.rateLimitPerMinute === false ? false : { max: deps.rateLimitPerMinute, timeWindow: 60_000 },
        },
        schema: {
          tags: ["Export feeds"],
          summary: "A host's export feed (.ics), for calendar apps to subscribe to",
          params: z.object({ token: z.string().max(200).meta({ description: "The feed's secret token" }) }),
          headers: z.object({ "if-none-match": z.string().optional() }),
        },
      },
      async (request, reply) => {
        const feed = await findFeedByToken(deps.db, request.params.token);
        const host = feed && (await getHost(deps.db, feed.tenantId, feed.hostId));
        // Unknown, revoked and orphaned tokens get the same answer.
        if (!feed || !host) throw notFound("feed");
        await recordAudit(deps.db, {
          tenantId: feed.tenantId,
          actor: { kind: "feed_link", id: feed.id },
          action: "host_feed.read",
          target: { hostId: host.id },
          outcome: "success",
          requestId: request.id,
        });
        const body = await renderHostFeed(deps, { feed, host, now: deps.now() });
        const etag = etagOf(body);
        reply
          .header("etag", etag)
          // Private: the URL is a secret, shared caches must not keep the feed. Calendar apps poll far less often.
          .header("cache-control", "private, max-age=300");
        if (matchesIfNoneMatch(request.headers["if-none-match"], etag)) return reply.status(304).send();
        return reply
          .header("content-type", "text/calendar; charset=utf-8")
          .header("content-disposition", 'inline; filename="calendar.ics"')
          .send(body);
      },
    );
  };
}
