import { invalidParameter } from "./errors.ts";
import type { ConferenceData, GoogleEvent } from "./event-types.ts";
import { newMeetCode } from "./ids.ts";

/**
 * conferenceData on writes (provider-protocols.md 4.4). Only with `conferenceDataVersion=1` does the
 * server look at `conferenceData`; at 0 the body's value is ignored and an existing conference is kept.
 * A `createRequest` with a requestId already used on this event is ignored. Meet creation completes
 * at once (`success`) in the sandbox [inf]: real Google may answer `pending` first.
 */

const ALLOWED_TYPES = new Set(["hangoutsMeet"]);

export function applyConference(params: {
  version: number;
  input: GoogleEvent;
  existing: GoogleEvent | undefined;
  target: GoogleEvent;
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
  const code = newMeetCode();
  const link = `https://meet.google.com/${code}`;
  target.hangoutLink = link;
  target.conferenceData = {
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
  };
}

function pin(code: string): string {
  let value = 0;
  for (const char of code) value = (value * 31 + char.charCodeAt(0)) % 10_000_000_000;
  return String(value).padStart(10, "0").slice(0, 13);
}
