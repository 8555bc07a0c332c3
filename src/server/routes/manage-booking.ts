import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordBookingAudit } from "../../audit/record-audit.ts";
import { verifyBookingLink } from "../../scheduling/booking-links.ts";
import { loadBookingParties } from "../../scheduling/load-booking-calendar-file.ts";
import { type BookingRow, getBooking, sessionAttendeeNames } from "../../store/bookings-repository.ts";
import { getEventType } from "../../store/event-types-repository.ts";
import type { TenantId } from "../../store/ids.ts";
import { negotiateType } from "../content-negotiation.ts";
import { AppError } from "../errors.ts";
import { errorResponseSchema } from "../schemas.ts";
import { attendeeShell, sendWebShell } from "../web-shell.ts";
import { attendeeLinks, type BookingRouteDeps } from "./booking-context.ts";
import { sendBookingIcs } from "./booking-files.ts";
import { renderBookingPage, renderLinkErrorPage, sendHtml } from "./booking-page.ts";
import { bookingSchema, presentBooking } from "./booking-presenter.ts";

export const tokenParams = z.object({ token: z.string().min(10).max(1000) });
const cancelBody = z.object({ reason: z.string().trim().min(1, "please give a reason").max(1000) }).strict();

/** Browsers asking for a page get HTML; everyone else (curl sends Accept: *\/*) gets JSON, as before. */
function wantsHtml(request: FastifyRequest): boolean {
  return negotiateType(request.headers.accept, ["application/json", "text/html"]) === "text/html";
}

/** The page's own links, relative to the URL it was opened at: the manage link itself, or one of its sub-paths. */
function relativeBase(request: FastifyRequest, token: string): string {
  return request.url.split("?")[0]!.endsWith(`/bookings/${token}`) ? `${token}/` : "";
}

const htmlErrorHeadings: Partial<Record<AppError["code"], string>> = {
  unauthorized: "This link does not work",
  not_found: "Booking not found",
  conflict: "This booking cannot be changed",
};
const errors = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
};

/** The booking a signed attendee link names; 401 when the link is forged or expired. */
export async function bookingFromLink(deps: BookingRouteDeps, token: string): Promise<BookingRow> {
  const verified = verifyBookingLink(
    deps.keyRing.deriveKeys("booking-links"),
    token,
    Math.floor(deps.now().getTime() / 1000),
  );
  if (!verified.ok) {
    throw new AppError(
      "unauthorized",
      verified.reason === "expired" ? "This link has expired." : "This link is not valid.",
    );
  }
  const booking = await getBooking(deps.db, verified.claims.tenantId as TenantId, verified.claims.bookingId);
  if (!booking) throw new AppError("not_found", "booking not found");
  return booking;
}

/** Attendees manage their booking through signed, expiring links: no account, no API key. */
export function manageBookingRoutes(deps: BookingRouteDeps): FastifyPluginAsyncZod {
  const fromToken = (token: string) => bookingFromLink(deps, token);

  async function showPage(params: {
    request: FastifyRequest;
    reply: FastifyReply;
    token: string;
    booking: BookingRow;
    notice?: string;
  }) {
    const { request, reply, booking, token, ...messages } = params;
    const { title, hosts } = await loadBookingParties({ db: deps.db, booking });
    const base = relativeBase(request, token);
    const html = renderBookingPage({
      title,
      status: booking.status,
      start: booking.startAt,
      end: booking.endAt,
      timeZone: booking.inviteeTimeZone,
      hostNames: hosts.map((host) => host.name),
      location: booking.location,
      cancelReason: booking.cancelReason,
      cancelUrl: `${base}cancel`,
      icsUrl: `${base}ics`,
      rescheduleLink: attendeeLinks(deps, booking).reschedule,
      ...messages,
    });
    return sendHtml(reply, 200, html);
  }

  /** Seats: the other attendees of the session, only when the event type shows attendees to each other. */
  async function sessionAttendees(
    booking: BookingRow,
  ): Promise<{ sessionAttendees?: Array<{ name: string }> }> {
    if (!booking.sessionId) return {};
    const eventType = await getEventType(deps.db, booking.tenantId, booking.eventTypeId);
    if (!eventType?.seatsShowAttendees) return {};
    const names = await sessionAttendeeNames(deps.db, booking.tenantId, booking.sessionId);
    return { sessionAttendees: names.map((name) => ({ name })) };
  }

  /** GET on any of the links: the booking, as a page for browsers and as JSON for programs. */
  async function showBooking(request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) {
    reply.header("vary", "accept");
    const booking = await fromToken(request.params.token);
    const { token } = request.params;
    if (wantsHtml(request)) {
      // Browsers get the interactive page (web UI); `?nojs=1` (where its <noscript> sends them) the plain one.
      const shell = (request.query as { nojs?: string }).nojs === undefined ? attendeeShell() : undefined;
      if (shell)
        return sendWebShell(reply, shell, {
          frameAncestors: "frame-ancestors 'none'",
          referrerPolicy: "no-referrer",
        });
      return showPage({ request, reply, token, booking });
    }
    return { ...presentBooking(booking, attendeeLinks(deps, booking)), ...(await sessionAttendees(booking)) };
  }

  const showSchema = (summary: string) => ({
    tags: ["Public booking"],
    summary,
    description:
      "Browsers (`Accept: text/html`) get a small page with the booking, a cancel form and how to reschedule; " +
      "other clients get the booking as JSON.",
    params: tokenParams,
    response: { 200: bookingSchema, ...errors },
  });

  return async (app) => {
    // The page's cancel form posts without JavaScript, so this scope reads form bodies too.
    app.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: 16 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    // Failures on the links answer a browser with a page too; for everyone else the JSON envelope as everywhere.
    app.setErrorHandler((error, request, reply) => {
      if (!wantsHtml(request)) throw error;
      if (hasZodFastifySchemaValidationErrors(error)) {
        const message =
          error.validationContext === "params"
            ? "This link is not valid."
            : error.validation.map((issue) => issue.message).join("; ");
        const heading =
          error.validationContext === "params" ? "This link does not work" : "Please check the form";
        return sendHtml(reply, 400, renderLinkErrorPage({ heading, message }));
      }
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const heading = htmlErrorHeadings[error.code] ?? "Something is not right";
      return sendHtml(reply, error.status, renderLinkErrorPage({ heading, message: error.message }));
    });

    app.get("/v1/public/bookings/:token", { schema: showSchema("A booking, for its attendee") }, showBooking);
    app.get(
      "/v1/public/bookings/:token/cancel",
      { schema: showSchema("The booking, as the cancel link shows it (cancelling is a POST)") },
      showBooking,
    );
    app.get(
      "/v1/public/bookings/:token/reschedule",
      { schema: showSchema("The booking, as the reschedule link shows it (moving is a POST)") },
      showBooking,
    );
    app.get(
      "/v1/public/bookings/:token/ics",
      { schema: { tags: ["Public booking"], summary: "The booking's .ics file", params: tokenParams } },
      async (request, reply) => sendBookingIcs(deps, await fromToken(request.params.token), reply),
    );
    app.post(
      "/v1/public/bookings/:token/cancel",
      {
        schema: {
          tags: ["Public booking"],
          summary: "Cancel the booking",
          description:
            'JSON `{"reason": "..."}`, or the page\'s form (`application/x-www-form-urlencoded`, field `reason`); ' +
            "a browser is answered with the page.",
          params: tokenParams,
          body: cancelBody,
          response: { 200: bookingSchema, ...errors },
        },
      },
      async (request, reply) => {
        const booking = await fromToken(request.params.token);
        const changed = await deps.bookings.changeStatus({
          tenantId: booking.tenantId,
          bookingId: booking.id,
          to: "cancelled",
          reason: request.body.reason,
        });
        await recordBookingAudit(deps.db, {
          booking: changed,
          actor: { kind: "attendee_link", id: booking.id },
          action: "booking.cancelled",
          requestId: request.id,
        });
        reply.header("vary", "accept");
        if (wantsHtml(request)) {
          const { token } = request.params;
          return showPage({
            request,
            reply,
            token,
            booking: changed,
            notice: "Your booking has been cancelled.",
          });
        }
        return presentBooking(changed, attendeeLinks(deps, changed));
      },
    );
    app.post(
      "/v1/public/bookings/:token/reschedule",
      {
        schema: {
          tags: ["Public booking"],
          summary:
            "Move the booking to another free start (atomic: the old time is kept if the new one is taken)",
          params: tokenParams,
          body: z.object({ start: z.iso.datetime({ offset: true }) }).strict(),
          response: { 200: bookingSchema, ...errors, 422: errorResponseSchema },
        },
      },
      async (request) => {
        const booking = await fromToken(request.params.token);
        const eventType = await getEventType(deps.db, booking.tenantId, booking.eventTypeId);
        if (!eventType) throw new AppError("not_found", "event type not found");
        const moved = await deps.bookings.reschedule({
          tenantId: booking.tenantId,
          bookingId: booking.id,
          eventType,
          start: new Date(request.body.start),
        });
        await recordBookingAudit(deps.db, {
          booking: moved,
          actor: { kind: "attendee_link", id: booking.id },
          action: "booking.rescheduled",
          requestId: request.id,
        });
        return presentBooking(moved, attendeeLinks(deps, moved));
      },
    );
  };
}
