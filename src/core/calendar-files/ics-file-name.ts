import type { IcsMethod } from "./booking-event.ts";
import { parseInstant } from "./ics-values.ts";

/**
 * A file name people recognise in their downloads folder and mail client:
 * `invite-2030-03-04-intro-call.ics`, `update-…` for a changed booking (SEQUENCE > 0), `cancel-…`,
 * `event-…` for a published copy. The date is the host's local date of the start.
 */
export function bookingIcsFileName(params: {
  method: IcsMethod;
  sequence?: number;
  start: string;
  timeZone: string;
  summary: string;
}): string {
  const date = parseInstant(params.start).toZonedDateTimeISO(params.timeZone).toPlainDate().toString();
  return `${prefixOf(params.method, params.sequence ?? 0)}-${date}-${slugOf(params.summary)}.ics`;
}

function prefixOf(method: IcsMethod, sequence: number): string {
  switch (method) {
    case "REQUEST":
      return sequence > 0 ? "update" : "invite";
    case "CANCEL":
      return "cancel";
    case "PUBLISH":
      return "event";
  }
}

/** ASCII only: some mail clients mangle non-ASCII attachment names (RFC 2231 support varies). */
function slugOf(summary: string): string {
  const slug = summary
    .replace(/ß/g, "ss")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  // Cut long titles at a word boundary so the name does not end in half a word.
  const short = slug.length > 40 ? slug.slice(0, 41).replace(/-[^-]*$/, "") : slug;
  return short || "booking";
}
