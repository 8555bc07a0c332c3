import type { GraphContext } from "./context.ts";
import { mailboxOf } from "./event-routes.ts";
import { requireScope, WRITE_CALENDARS } from "./graph-auth.ts";
import { GraphError, itemNotFound } from "./graph-errors.ts";
import { parseJsonBody, type Router, type SandboxReply } from "./http-kit.ts";

const RESPONSES = {
  accept: { response: "accepted", showAs: "busy" },
  tentativelyAccept: { response: "tentativelyAccepted", showAs: "tentative" },
  decline: { response: "declined", showAs: "free" },
} as const;

/**
 * POST /events/{id}/accept|tentativelyAccept|decline (reference 2.7): 202, empty body. The organizer's
 * copy records the answer when `sendResponse` is not false. A declined item leaves the calendar.
 */
function respond(kind: keyof typeof RESPONSES) {
  return (ctx: GraphContext): SandboxReply => {
    requireScope(ctx.grant, WRITE_CALENDARS);
    const event = ctx.state.events.get(ctx.req.params.eventId ?? "");
    if (!event || event.mailboxId !== mailboxOf(ctx).id) throw itemNotFound();
    if (event.fields.isOrganizer) {
      throw new GraphError({
        status: 400,
        code: "ErrorInvalidRequest",
        message: "Your request can't be completed. You can't respond to a meeting you organized.",
      });
    }
    const body = parseJsonBody(ctx.req) as { sendResponse?: boolean };
    const answer = RESPONSES[kind];
    const time = new Date(ctx.state.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    event.fields = {
      ...event.fields,
      responseStatus: { response: answer.response, time },
      showAs: answer.showAs,
    };
    if (kind === "decline") {
      ctx.state.remove(event);
    } else {
      ctx.state.touch(event);
    }
    const organizer = [...ctx.state.events.values()].find(
      (e) => e.meetingId === event.meetingId && e.fields.isOrganizer,
    );
    const address = (mailboxOf(ctx).mail ?? mailboxOf(ctx).userPrincipalName).toLowerCase();
    const attendee = organizer?.fields.attendees.find(
      (a) => a.emailAddress.address.toLowerCase() === address,
    );
    if (organizer && attendee && body.sendResponse !== false) {
      attendee.status = { response: answer.response, time };
      ctx.state.touch(organizer);
    }
    return { status: 202 };
  };
}

export function registerResponseRoutes(router: Router<GraphContext>): void {
  for (const base of [
    "/mailbox/events",
    "/mailbox/calendar/events",
    "/mailbox/calendars/:calendarId/events",
  ]) {
    for (const kind of Object.keys(RESPONSES) as Array<keyof typeof RESPONSES>) {
      router.add("POST", `${base}/:eventId/${kind}`, respond(kind));
    }
  }
}
