import { invalidParameter } from "./errors.ts";
import type { GoogleEvent } from "./event-types.ts";
import type { GoogleSandboxState } from "./state.ts";

/**
 * `sendUpdates` (provider-protocols.md 4.4): `all` mails every guest, `externalOnly` only guests outside
 * the sandbox's accounts [inf: Google means non-Google-Calendar users], `none` (the API default) nobody.
 * The sandbox sends no mail; it records what Google would have sent in `state.outbox`.
 */

export type SendUpdates = "all" | "externalOnly" | "none";

export function parseSendUpdates(value: unknown): SendUpdates {
  if (value === undefined) return "none";
  if (value === "all" || value === "externalOnly" || value === "none") return value;
  throw invalidParameter("sendUpdates");
}

export function recordUpdates(params: {
  ctx: {
    state: GoogleSandboxState;
    calendar: { seed: { id: string } };
    account: string;
    sendUpdates: SendUpdates;
  };
  event: GoogleEvent;
  method: "request" | "cancel";
}): void {
  const { ctx, event } = params;
  if (ctx.sendUpdates === "none") return;
  const to = (event.attendees ?? [])
    .filter((attendee) => !attendee.resource && attendee.email !== ctx.account)
    .filter((attendee) => attendee.email !== event.organizer?.email)
    .filter((attendee) => ctx.sendUpdates === "all" || !ctx.state.accounts.has(attendee.email))
    .map((attendee) => attendee.email);
  if (to.length === 0) return;
  ctx.state.outbox.push({
    calendarId: ctx.calendar.seed.id,
    eventId: event.id,
    method: params.method,
    to,
    at: new Date(ctx.state.now()).toISOString(),
  });
}
