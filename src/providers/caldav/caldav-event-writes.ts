import { renderBookingVEvent } from "../../core/calendar-files/booking-event.ts";
import { icsLine, joinIcsLines } from "../../core/calendar-files/ics-lines.ts";
import { formatIcsUtc, parseInstant } from "../../core/calendar-files/ics-values.ts";
import { renderVTimezone } from "../../core/calendar-files/vtimezone.ts";
import { formatRecurrenceSubset } from "../../core/managed-events/recurrence.ts";
import type {
  CalendarSource,
  NewCalendarEvent,
  SourceResult,
  WrittenEvent,
} from "../../core/sync/calendar-source.ts";
import { icsToBusy } from "../ical-busy.ts";
import type { CalDavClient } from "./caldav-client.ts";
import { mapCalDavStatus } from "./caldav-errors.ts";

/**
 * Write-back into a CalDAV calendar (RFC 4791 §5.3.2, provider-protocols Part 5 "Writes"):
 * - create is a PUT of our VEVENT to a resource named after the idempotency key (booking + connection) with
 *   `If-None-Match: *`: a retried create whose first answer was lost gets 412 and finds the event there, so there
 *   is never a second one. The UID is the same key: it is our marker (ical-busy reads the booking back from it).
 * - update is a PUT with `If-Match` on the ETag we last wrote: a 412 means the host changed the event meanwhile,
 *   which is not overwritten (conflict): the next sync applies the host's change through two-way sync.
 * - cancel is a DELETE; a server with implicit scheduling (RFC 6638) sends the attendees the cancellation;
 * - readEvent GETs the object as the server holds it now (null when it is gone or no longer blocks): the write job
 *   reads it after a 412, and two-way sync applies the host's version.
 * No METHOD in a stored object (RFC 4791 §4.1); ORGANIZER and ATTENDEE are set so that scheduling servers invite.
 */
type CalDavWrites = Required<
  Pick<CalendarSource, "createEvent" | "updateEvent" | "cancelEvent" | "readEvent">
>;

/** How far around now `readEvent` looks for the event's time (a booking lies inside the sync window). */
const READ_BACK_MS = 800 * 86_400_000;

const PRODUCT_ID = "-//Calbridge//Calbridge CalDAV//EN";
/** SEQUENCE from the clock (seconds since 2024): every later version of the event has a higher one. */
const SEQUENCE_EPOCH_MS = Date.UTC(2024, 0, 1);

export function renderCalDavEvent(params: {
  event: NewCalendarEvent;
  organizerEmail: string;
  now: Date;
}): string {
  const { event } = params;
  const start = event.start.toISOString();
  const end = event.end.toISOString();
  const sequence = Math.max(0, Math.floor((params.now.getTime() - SEQUENCE_EPOCH_MS) / 1000));
  const render = (times: { start: string; end: string }) =>
    renderBookingVEvent(
      {
        uid: event.idempotencyKey,
        sequence,
        dtstamp: params.now.toISOString(),
        ...times,
        timeZone: event.timeZone,
        summary: event.summary,
        ...(event.description ? { description: event.description } : {}),
        ...(event.location ? { location: { kind: "address" as const, value: event.location } } : {}),
        organizer: { email: params.organizerEmail },
        attendees: event.attendees.map((attendee) => ({ ...attendee })),
        status: "CONFIRMED",
      },
      "REQUEST",
    ).map((line) =>
      line.startsWith("TRANSP:") && event.showAs === "free" ? icsLine("TRANSP", "TRANSPARENT") : line,
    );
  const master = render({ start, end });
  const recurrence = event.recurrence;
  // A series is one resource: the master with RRULE and EXDATE, and a VEVENT per moved occurrence with its
  // RECURRENCE-ID (RFC 5545 §3.8.4.4), all with the same UID.
  const series = recurrence
    ? [
        ...insertAfter(master, "DTEND", [
          `RRULE:${formatRecurrenceSubset(recurrence.rule)}`,
          ...(recurrence.exdates.length > 0
            ? [
                icsLine(
                  "EXDATE",
                  recurrence.exdates.map((at) => formatIcsUtc(parseInstant(at.toISOString()))).join(","),
                ),
              ]
            : []),
        ]),
        ...recurrence.overrides.flatMap((move) =>
          insertAfter(render({ start: move.start.toISOString(), end: move.end.toISOString() }), "UID", [
            icsLine("RECURRENCE-ID", formatIcsUtc(parseInstant(move.originalStart.toISOString()))),
          ]),
        ),
      ]
    : master;
  // A series' zone rules must cover its occurrences (two years is the longest a managed series is expanded).
  const until = recurrence ? new Date(event.end.getTime() + 2 * 366 * 86_400_000).toISOString() : end;
  return joinIcsLines([
    "BEGIN:VCALENDAR",
    icsLine("VERSION", "2.0"),
    icsLine("PRODID", PRODUCT_ID),
    icsLine("CALSCALE", "GREGORIAN"),
    ...renderVTimezone({ timeZone: event.timeZone, from: parseInstant(start), to: parseInstant(until) }),
    ...series,
    "END:VCALENDAR",
  ]);
}

function insertAfter(lines: string[], name: string, extra: string[]): string[] {
  const at = lines.findIndex((line) => line.startsWith(`${name}:`) || line.startsWith(`${name};`));
  return [...lines.slice(0, at + 1), ...extra, ...lines.slice(at + 1)];
}

function resourceUrl(calendarRef: string, key: string): string {
  const base = calendarRef.endsWith("/") ? calendarRef : `${calendarRef}/`;
  return new URL(`${encodeURIComponent(key)}.ics`, base).href;
}

export function createCalDavEventWrites(options: {
  client: CalDavClient;
  organizerEmail: string;
  now: () => Date;
}): CalDavWrites {
  const { client } = options;

  /** The resource's current ETag: PUT answers may leave it out when the server altered the data (§5.3.4). */
  async function etagAfterWrite(fetch: typeof globalThis.fetch, url: string, answer: Response) {
    const direct = answer.headers.get("etag");
    if (direct) return direct;
    const again = await fetch(url, { method: "GET" });
    await again.text();
    return again.ok ? (again.headers.get("etag") ?? undefined) : undefined;
  }

  async function put(params: {
    url: string;
    event: NewCalendarEvent;
    precondition: Record<string, string>;
  }): Promise<SourceResult<{ status: number; etag: string | undefined }>> {
    const body = renderCalDavEvent({
      event: params.event,
      organizerEmail: options.organizerEmail,
      now: options.now(),
    });
    return client.run(async (fetch) => {
      const answer = await fetch(params.url, {
        method: "PUT",
        headers: { "content-type": "text/calendar; charset=utf-8", ...params.precondition },
        body,
      });
      await answer.text();
      if (!answer.ok) return { status: answer.status, etag: undefined };
      return { status: answer.status, etag: await etagAfterWrite(fetch, params.url, answer) };
    });
  }

  const written = (url: string, etag: string | undefined): SourceResult<WrittenEvent> => ({
    ok: true,
    value: { eventRef: url, ...(etag ? { version: etag } : {}) },
  });

  return {
    async createEvent({ calendarRef, event }) {
      const url = resourceUrl(calendarRef, event.idempotencyKey);
      const answer = await put({ url, event, precondition: { "if-none-match": "*" } });
      if (!answer.ok) return answer;
      if (answer.value.status < 300) return written(url, answer.value.etag);
      if (answer.value.status !== 412) return { ok: false, error: mapCalDavStatus(answer.value.status) };
      // Already there: the first attempt's answer was lost. Its ETag is what our echo will carry.
      const existing = await client.run(async (fetch) => {
        const again = await fetch(url, { method: "GET" });
        await again.text();
        return { status: again.status, etag: again.headers.get("etag") ?? undefined };
      });
      if (!existing.ok) return existing;
      if (existing.value.status >= 300) return { ok: false, error: mapCalDavStatus(existing.value.status) };
      return written(url, existing.value.etag);
    },

    async updateEvent({ eventRef, event, version }) {
      const answer = await put({
        url: eventRef,
        event,
        precondition: version ? { "if-match": version } : {},
      });
      if (!answer.ok) return answer;
      if (answer.value.status >= 300) return { ok: false, error: mapCalDavStatus(answer.value.status) };
      return written(eventRef, answer.value.etag);
    },

    async readEvent({ eventRef }) {
      const answer = await client.run(async (fetch) => {
        const read = await fetch(eventRef, { method: "GET" });
        return { status: read.status, body: await read.text(), etag: read.headers.get("etag") ?? undefined };
      });
      if (!answer.ok) return answer;
      const { status, body, etag } = answer.value;
      if (status === 404 || status === 410) return { ok: true, value: null };
      if (status >= 300) return { ok: false, error: mapCalDavStatus(status) };
      const at = options.now().getTime();
      const busy = icsToBusy({
        text: body,
        window: { from: new Date(at - READ_BACK_MS), to: new Date(at + READ_BACK_MS) },
        hostTimeZone: "UTC",
        resource: { href: eventRef, ...(etag ? { etag } : {}) },
      });
      if (!busy.ok) return busy;
      // Cancelled or made transparent by the host: it no longer holds the time, as a sync would see it.
      return { ok: true, value: busy.value.intervals[0] ?? null };
    },

    async cancelEvent({ eventRef }) {
      const answer = await client.run(async (fetch) => {
        const deleted = await fetch(eventRef, { method: "DELETE" });
        await deleted.text();
        return deleted.status;
      });
      if (!answer.ok) return answer;
      if (answer.value < 300 || answer.value === 404 || answer.value === 410)
        return { ok: true, value: undefined };
      return { ok: false, error: mapCalDavStatus(answer.value) };
    },
  };
}
