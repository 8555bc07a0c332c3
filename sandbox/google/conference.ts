import { propagateInvitation } from "./attendee-copies.ts";
import { invalidParameter } from "./errors.ts";
import type { ConferenceData, GoogleEvent } from "./event-types.ts";
import { newMeetCode } from "./ids.ts";
import type { GoogleSandboxState } from "./state.ts";

/**
 * conferenceData on writes (provider-protocols.md 4.4). Only with `conferenceDataVersion=1` does the
 * server look at `conferenceData`; at 0 the body's value is ignored and an existing conference is kept.
 * A `createRequest` with a requestId already used on this event is ignored.
 *
 * Meet creation is asynchronous at Google: the write may answer `createRequest.status.statusCode: pending`
 * without `hangoutLink` or `entryPoints`, and the client reads the event again (events.get) until it is
 * `success` [doc]. The sandbox does that by default: the write answers `pending`, and the conference is made
 * `readyAfterMs` later, as a change of the event (new etag, a push notification), seen by the next request.
 * `POST /_sandbox/conference` switches to `immediate` (success in the write's answer) or `failure`.
 */
export interface ConferenceBehaviour {
  mode: "pending" | "immediate" | "failure";
  readyAfterMs: number;
}

export const DEFAULT_CONFERENCE: ConferenceBehaviour = { mode: "pending", readyAfterMs: 0 };

const ALLOWED_TYPES = new Set(["hangoutsMeet"]);

export function applyConference(params: {
  version: number;
  input: GoogleEvent;
  existing: GoogleEvent | undefined;
  target: GoogleEvent;
  behaviour: ConferenceBehaviour;
}): void {
  const { input, existing, target } = params;
  const keep = (): void => {
    if (existing?.conferenceData) target.conferenceData = existing.conferenceData;
    else delete target.conferenceData;
    if (existing?.hangoutLink) target.hangoutLink = existing.hangoutLink;
    else delete target.hangoutLink;
  };
  if (params.version !== 1 || !("conferenceData" in input)) {
    keep();
    return;
  }
  const requested = input.conferenceData as ConferenceData | null | undefined;
  if (!requested) {
    delete target.conferenceData;
    delete target.hangoutLink;
    return;
  }
  const request = requested.createRequest;
  if (!request) {
    target.conferenceData = requested;
    return;
  }
  if (
    request.requestId !== undefined &&
    request.requestId === existing?.conferenceData?.createRequest?.requestId
  ) {
    keep();
    return;
  }
  const type = request.conferenceSolutionKey?.type ?? "";
  if (!ALLOWED_TYPES.has(type)) throw invalidParameter("conferenceData", "Invalid conference type value.");
  delete target.hangoutLink;
  if (params.behaviour.mode === "immediate") {
    Object.assign(target, meetConference(request));
    return;
  }
  const statusCode = params.behaviour.mode === "failure" ? "failure" : "pending";
  target.conferenceData = { createRequest: { ...request, status: { statusCode } } };
}

/** A made Meet: its link on the event and the conference's entry points. */
function meetConference(
  request: NonNullable<ConferenceData["createRequest"]>,
): Pick<GoogleEvent, "hangoutLink" | "conferenceData"> {
  const code = newMeetCode();
  const link = `https://meet.google.com/${code}`;
  return {
    hangoutLink: link,
    conferenceData: {
      createRequest: { ...request, status: { statusCode: "success" } },
      entryPoints: [
        { entryPointType: "video", uri: link, label: `meet.google.com/${code}` },
        { entryPointType: "more", uri: `https://tel.meet/${code}?pin=${pin(code)}`, pin: pin(code) },
        {
          entryPointType: "phone",
          uri: "tel:+1-555-010-0199",
          label: "+1 555-010-0199",
          pin: pin(code),
          regionCode: "US",
        },
      ],
      conferenceSolution: {
        key: { type: "hangoutsMeet" },
        name: "Google Meet",
        iconUri:
          "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
      },
      conferenceId: code,
    },
  };
}

/**
 * Makes the conferences whose time has come: each pending one becomes `success` with its link, written as a
 * change of the event (so the guests' copies and the push channels learn it too). Called before every Calendar
 * API request; a write that asked again meanwhile (same requestId) kept the pending request and is made here.
 */
export function completeConferences(state: GoogleSandboxState): void {
  const now = state.now();
  for (const [key, pending] of state.pendingConferences) {
    if (pending.readyAt > now) continue;
    state.pendingConferences.delete(key);
    const calendar = state.calendars.get(pending.calendarId);
    const entry = calendar?.events.get(pending.eventId);
    const request = entry?.event.conferenceData?.createRequest;
    if (
      !calendar ||
      !entry ||
      request?.status?.statusCode !== "pending" ||
      entry.event.status === "cancelled"
    )
      continue;
    const stored = state.storeEvent(calendar, { ...entry.event, ...meetConference(request) });
    state.recordChange(calendar.seed.id);
    propagateInvitation({ state, calendar, event: stored });
  }
}

/** After a write: a conference left pending is made `readyAfterMs` later (the first write's time counts). */
export function schedulePendingConference(params: {
  state: GoogleSandboxState;
  calendarId: string;
  event: GoogleEvent;
}): void {
  const { state, event } = params;
  const key = `${params.calendarId}\u0000${event.id}`;
  if (event.conferenceData?.createRequest?.status?.statusCode !== "pending") {
    state.pendingConferences.delete(key);
    return;
  }
  if (state.pendingConferences.has(key)) return;
  state.pendingConferences.set(key, {
    calendarId: params.calendarId,
    eventId: event.id,
    readyAt: state.now() + state.conference.readyAfterMs,
  });
}

function pin(code: string): string {
  let value = 0;
  for (const char of code) value = (value * 31 + char.charCodeAt(0)) % 10_000_000_000;
  return String(value).padStart(10, "0").slice(0, 13);
}
