import { z } from "zod";
import { formatRecurrenceSubset, localDateTimeOf } from "../../core/managed-events/recurrence.ts";
import type {
  CalendarSource,
  EventRecurrence,
  NewCalendarEvent,
  SourceResult,
  WrittenEvent,
} from "../../core/sync/calendar-source.ts";
import { calendarPath, type GoogleClient } from "./google-client.ts";
import { BOOKING_PROPERTY, mapGoogleEvent } from "./google-mapper.ts";
import { type GoogleEvent, googleEventSchema } from "./google-schemas.ts";

/**
 * Write-back into a Google calendar (provider-protocols 4.4):
 * - create is events.insert with a client-chosen event id derived from our idempotency key (booking and
 *   connection): a retried insert whose first answer was lost gets 409 `duplicate`, and the event the first one
 *   made is read instead of a second one being made. The booking id also goes into a private extended property,
 *   which the mapper reads back (our marker for two-way sync).
 * - invitees are attendees; `sendUpdates=all` lets Google send the invitation, updates and cancellation (`none`
 *   when the tenant sends its own mail: then there are no attendees on the event either).
 * - a Meet link is asked for with `conferenceData.createRequest` and `conferenceDataVersion=1`; the answer may be
 *   `pending`: the write answers `meetingPending`, and the link is read later with events.get (`readMeeting`).
 * - reschedule patches, cancel deletes (an event already gone counts as deleted).
 */
type GoogleWrites = Required<
  Pick<CalendarSource, "createEvent" | "updateEvent" | "cancelEvent" | "readMeeting" | "readEvent">
>;

/** Client-chosen ids use base32hex characters `[a-v0-9]`, 5 to 1024 of them (4.3). */
export function googleEventIdOf(idempotencyKey: string): string {
  return idempotencyKey.toLowerCase().replace(/[^a-v0-9]/g, "");
}

const bookingIdInKey = /^calbridge-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-/i;

function eventBody(event: NewCalendarEvent, eventId: string): Record<string, unknown> {
  const bookingId = bookingIdInKey.exec(event.idempotencyKey)?.[1]?.toLowerCase();
  return {
    summary: event.summary,
    description: event.description ?? "",
    // A room is booked by inviting its resource calendar (4.3 `resource`) and naming it as the location.
    location: event.room ? (event.room.name ?? event.room.email) : (event.location ?? ""),
    // Instants with an offset; the zone makes Google show the event in the host's zone.
    start: { dateTime: event.start.toISOString(), timeZone: event.timeZone },
    end: { dateTime: event.end.toISOString(), timeZone: event.timeZone },
    attendees: [
      ...event.attendees.map((attendee) => ({
        email: attendee.email,
        ...(attendee.name ? { displayName: attendee.name } : {}),
      })),
      ...(event.room
        ? [
            {
              email: event.room.email,
              resource: true,
              ...(event.room.name ? { displayName: event.room.name } : {}),
            },
          ]
        : []),
    ],
    transparency: event.showAs === "free" ? "transparent" : "opaque",
    // A series as RRULE and EXDATE lines (4.3: no DTSTART, the start is the event's); EXDATEs in its zone.
    ...(event.recurrence ? { recurrence: googleRecurrence(event.recurrence, event.timeZone) } : {}),
    // The attendee reschedules through the booking's link, not by editing the host's event.
    guestsCanModify: false,
    ...(bookingId ? { extendedProperties: { private: { [BOOKING_PROPERTY]: bookingId } } } : {}),
    ...(event.onlineMeeting === "meet"
      ? {
          conferenceData: {
            // A repeated requestId is ignored, so a patch that asks again does not make a second meeting.
            createRequest: { requestId: eventId, conferenceSolutionKey: { type: "hangoutsMeet" } },
          },
        }
      : {}),
  };
}

function googleRecurrence(recurrence: EventRecurrence, timeZone: string): string[] {
  const local = (at: Date) => localDateTimeOf(at, timeZone).replaceAll("-", "").replaceAll(":", "");
  return [
    `RRULE:${formatRecurrenceSubset(recurrence.rule)}`,
    ...(recurrence.exdates.length > 0
      ? [`EXDATE;TZID=${timeZone}:${recurrence.exdates.map(local).join(",")}`]
      : []),
  ];
}

const instancesSchema = z.object({ items: z.array(z.object({ id: z.string() }).loose()).default([]) });

const unexpected = {
  ok: false,
  error: { kind: "invalid_data", message: "Google Calendar answered a write unexpectedly" },
} as const;

function eventsPath(calendarRef: string, eventId?: string): string {
  const base = `${calendarPath(calendarRef)}/events`;
  return eventId === undefined ? base : `${base}/${encodeURIComponent(eventId)}`;
}

function writeQuery(notify: boolean): string {
  return new URLSearchParams({ sendUpdates: notify ? "all" : "none", conferenceDataVersion: "1" }).toString();
}

function meetingOf(event: GoogleEvent): { status: string | undefined; joinUrl: string | undefined } {
  const video = event.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === "video")?.uri;
  return {
    status: event.conferenceData?.createRequest?.status?.statusCode,
    joinUrl: event.hangoutLink ?? video ?? undefined,
  };
}

export function createGoogleEventWrites(client: GoogleClient): GoogleWrites {
  async function written(json: unknown, wantsMeet: boolean): Promise<SourceResult<WrittenEvent>> {
    const parsed = googleEventSchema.safeParse(json);
    if (!parsed.success) return unexpected;
    const event = parsed.data;
    const meeting = meetingOf(event);
    // The conference is made asynchronously (4.4): the event exists, its link is read later (readMeeting), by the
    // write job's retry with backoff rather than by waiting here.
    const pending = wantsMeet && !meeting.joinUrl && meeting.status === "pending";
    const joinUrl = wantsMeet ? meeting.joinUrl : undefined;
    return {
      ok: true,
      value: {
        eventRef: event.id,
        ...(event.etag ? { version: event.etag } : {}),
        ...(joinUrl ? { joinUrl } : {}),
        ...(pending ? { meetingPending: true } : {}),
        ...(wantsMeet && !joinUrl && !pending ? { onlineMeetingRefused: true } : {}),
      },
    };
  }

  /**
   * Moved occurrences of a series (4.3): each instance is found by `originalStart` on `/instances` and patched
   * with its new times. A retry patches the same times again.
   */
  async function withOccurrences(
    result: SourceResult<WrittenEvent>,
    calendarRef: string,
    event: NewCalendarEvent,
  ): Promise<SourceResult<WrittenEvent>> {
    if (!result.ok || !event.recurrence) return result;
    for (const move of event.recurrence.overrides) {
      const query = new URLSearchParams({ originalStart: move.originalStart.toISOString() });
      const listed = await client.request({
        method: "GET",
        url: `${eventsPath(calendarRef, result.value.eventRef)}/instances?${query}`,
      });
      if (!listed.ok) return listed;
      const parsed = instancesSchema.safeParse(listed.value.json);
      if (!parsed.success) return unexpected;
      const instance = parsed.data.items[0];
      if (!instance) continue;
      const patched = await client.request({
        method: "PATCH",
        url: `${eventsPath(calendarRef, instance.id)}?${writeQuery(event.attendees.length > 0)}`,
        body: {
          start: { dateTime: move.start.toISOString(), timeZone: event.timeZone },
          end: { dateTime: move.end.toISOString(), timeZone: event.timeZone },
        },
        idempotent: true,
      });
      if (!patched.ok) return patched;
    }
    return result;
  }

  return {
    async createEvent({ calendarRef, event }) {
      const eventId = googleEventIdOf(event.idempotencyKey);
      const wantsMeet = event.onlineMeeting === "meet";
      const answer = await client.request({
        method: "POST",
        url: `${eventsPath(calendarRef)}?${writeQuery(event.attendees.length > 0)}`,
        body: { id: eventId, ...eventBody(event, eventId) },
        // Safe to repeat: a second insert with the same id is refused (409), never doubled.
        idempotent: true,
      });
      if (answer.ok) return withOccurrences(await written(answer.value.json, wantsMeet), calendarRef, event);
      if (answer.error.kind !== "conflict") return answer;
      // 409 duplicate: an earlier attempt made it (its answer was lost). That event is the one.
      const existing = await client.request({ method: "GET", url: eventsPath(calendarRef, eventId) });
      if (!existing.ok) return existing;
      return withOccurrences(await written(existing.value.json, wantsMeet), calendarRef, event);
    },

    async updateEvent({ calendarRef, eventRef, event }) {
      const answer = await client.request({
        method: "PATCH",
        url: `${eventsPath(calendarRef, eventRef)}?${writeQuery(event.attendees.length > 0)}`,
        body: eventBody(event, eventRef),
        idempotent: true,
      });
      if (!answer.ok) return answer;
      const result = await written(answer.value.json, event.onlineMeeting === "meet");
      return withOccurrences(result, calendarRef, event);
    },

    async readMeeting({ calendarRef, eventRef }) {
      const answer = await client.request({ method: "GET", url: eventsPath(calendarRef, eventRef) });
      if (!answer.ok) return answer;
      const parsed = googleEventSchema.safeParse(answer.value.json);
      if (!parsed.success) return unexpected;
      const meeting = meetingOf(parsed.data);
      if (meeting.joinUrl)
        return {
          ok: true,
          value: {
            state: "ready",
            joinUrl: meeting.joinUrl,
            ...(parsed.data.etag ? { version: parsed.data.etag } : {}),
          },
        };
      return { ok: true, value: { state: meeting.status === "pending" ? "pending" : "refused" } };
    },

    /**
     * events.get of an event we wrote, as the calendar holds it now: null when it is gone (404, 410) or cancelled
     * (a deleted event can still be read with status `cancelled`). Two-way sync asks this of events no sync has shown
     * since they were written. The calendar's zone is not known here: an all-day event keeps its dates.
     */
    async readEvent({ calendarRef, eventRef }) {
      const answer = await client.request({ method: "GET", url: eventsPath(calendarRef, eventRef) });
      if (!answer.ok) return answer.error.kind === "not_found" ? { ok: true, value: null } : answer;
      const item = mapGoogleEvent(answer.value.json, undefined);
      if (item.kind === "upsert") return { ok: true, value: item.interval };
      if (item.kind === "remove") return { ok: true, value: null };
      return unexpected;
    },

    async cancelEvent({ calendarRef, eventRef, notify }) {
      const answer = await client.request({
        method: "DELETE",
        url: `${eventsPath(calendarRef, eventRef)}?${new URLSearchParams({ sendUpdates: notify === false ? "none" : "all" })}`,
        idempotent: true,
      });
      // 404, or 410 `deleted`: already gone (the host deleted it, or a retry after a lost answer).
      if (answer.ok || answer.error.kind === "not_found") return { ok: true, value: undefined };
      return answer;
    },
  };
}
