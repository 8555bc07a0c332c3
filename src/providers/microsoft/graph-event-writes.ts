import { z } from "zod";
import { localDateTimeOf } from "../../core/managed-events/recurrence.ts";
import type {
  CalendarSource,
  EventRecurrence,
  NewCalendarEvent,
  SourceResult,
  WrittenEvent,
} from "../../core/sync/calendar-source.ts";
import type { GraphClient } from "./graph-client.ts";
import { mapGraphEvent } from "./graph-mapper.ts";
import { graphPatternedRecurrence } from "./graph-recurrence.ts";
import { graphWrittenEventSchema } from "./graph-schemas.ts";

/**
 * Write-back into an Outlook calendar (provider-protocols 2.6, 2.7):
 * - create is POST .../calendars/{id}/events with a `transactionId` (our idempotency key): Graph answers a retried
 *   POST with the event the first one made, so a create whose answer was lost never makes a second event. The same
 *   id is our marker (graph-mapper reads the booking id back from it).
 * - times are written as UTC instants (`timeZone: "UTC"`): no zone table can disagree about a DST boundary.
 * - attendees are on the event, so Outlook sends the invitation, the updates and (via /cancel) the cancellation.
 * - a Teams meeting is asked for with isOnlineMeeting; the join URL can lag the create, so it is read once more.
 */
type GraphWrites = Required<
  Pick<CalendarSource, "createEvent" | "updateEvent" | "cancelEvent" | "readEvent">
>;

/**
 * Our marker as a Graph extended property (a named MAPI property in our own property set): the booking id, on the
 * event itself. It is returned only when asked for (`$expand=singleValueExtendedProperties($filter=id eq ...)`) and
 * can be searched for (`$filter=singleValueExtendedProperties/Any(...)`); delta never returns it, so the sync reads
 * our transactionId there and the property wherever items are read with $expand.
 */
export const BOOKING_MARKER_PROPERTY =
  "String {8d6c2a51-3c4e-4f7a-9b0e-2f1a7c5d9e43} Name calbridgeBookingId";

function graphDateTime(at: Date): { dateTime: string; timeZone: string } {
  return { dateTime: at.toISOString().slice(0, 23), timeZone: "UTC" };
}

function eventBody(event: NewCalendarEvent): Record<string, unknown> {
  return {
    subject: event.summary,
    body: event.descriptionHtml
      ? { contentType: "html", content: event.descriptionHtml }
      : { contentType: "text", content: event.description ?? "" },
    // A series recurs in the wall time of its zone: its times are written there, not as UTC instants.
    ...(event.recurrence
      ? {
          start: { dateTime: localDateTimeOf(event.start, event.timeZone), timeZone: event.timeZone },
          end: { dateTime: localDateTimeOf(event.end, event.timeZone), timeZone: event.timeZone },
          recurrence: graphPatternedRecurrence(event.recurrence.rule, event),
        }
      : { start: graphDateTime(event.start), end: graphDateTime(event.end) }),
    // A room is booked by inviting it as a resource and naming it as the location (2.7); its mailbox answers.
    location: event.room
      ? {
          displayName: event.room.name ?? event.room.email,
          locationType: "conferenceRoom",
          locationEmailAddress: event.room.email,
        }
      : { displayName: event.location ?? "" },
    attendees: [
      ...event.attendees.map((attendee) => ({
        emailAddress: { address: attendee.email, ...(attendee.name ? { name: attendee.name } : {}) },
        type: "required",
      })),
      ...(event.room
        ? [
            {
              emailAddress: {
                address: event.room.email,
                ...(event.room.name ? { name: event.room.name } : {}),
              },
              type: "resource",
            },
          ]
        : []),
    ],
    showAs: event.showAs ?? "busy",
    ...(event.bookingId
      ? { singleValueExtendedProperties: [{ id: BOOKING_MARKER_PROPERTY, value: event.bookingId }] }
      : {}),
    // A counter-proposal would go around the booking: the attendee reschedules through the booking's link.
    allowNewTimeProposals: false,
    ...(event.onlineMeeting === "teams"
      ? { isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" }
      : {}),
  };
}

const unexpected = {
  ok: false,
  error: { kind: "invalid_data", message: "Microsoft Graph answered a write unexpectedly" },
} as const;

const instancesSchema = z.object({
  value: z.array(z.object({ id: z.string(), originalStart: z.string().nullish() }).loose()),
});

function eventPath(calendarRef: string, eventRef?: string): string {
  const base = `/me/calendars/${encodeURIComponent(calendarRef)}/events`;
  return eventRef === undefined ? base : `${base}/${encodeURIComponent(eventRef)}`;
}

export function createGraphEventWrites(client: GraphClient): GraphWrites {
  async function written(
    json: unknown,
    params: { calendarRef: string; wantsTeams: boolean },
  ): Promise<SourceResult<WrittenEvent>> {
    const parsed = graphWrittenEventSchema.safeParse(json);
    if (!parsed.success) return unexpected;
    let event = parsed.data;
    if (params.wantsTeams && event.isOnlineMeeting !== false && !event.onlineMeeting?.joinUrl) {
      // The meeting is provisioned asynchronously on some tenants: the create answers with onlineMeeting null.
      const again = await client.request({
        method: "GET",
        url: `${eventPath(params.calendarRef, event.id)}?$select=id,changeKey,isOnlineMeeting,onlineMeeting`,
      });
      const reread = again.ok ? graphWrittenEventSchema.safeParse(again.value.json) : undefined;
      if (reread?.success) event = reread.data;
    }
    const joinUrl = event.onlineMeeting?.joinUrl ?? undefined;
    return {
      ok: true,
      value: {
        eventRef: event.id,
        ...(event.changeKey ? { version: event.changeKey } : {}),
        ...(joinUrl ? { joinUrl } : {}),
        ...(params.wantsTeams && !joinUrl ? { onlineMeetingRefused: true } : {}),
      },
    };
  }

  /**
   * Removed and moved occurrences of a series, one instance at a time (2.4): the instance is found by its
   * originalStart in `/instances` over a window covering its old and new times, then deleted or patched. A retry
   * repeats the same edits: a deleted instance is no longer listed, a moved one is patched to the same times.
   */
  async function editOccurrences(
    calendarRef: string,
    seriesRef: string,
    recurrence: EventRecurrence,
  ): Promise<SourceResult<void>> {
    const edits = [
      ...recurrence.exdates.map((originalStart) => ({ originalStart, move: undefined })),
      ...recurrence.overrides.map((move) => ({ originalStart: move.originalStart, move })),
    ];
    for (const edit of edits) {
      const from = Math.min(
        edit.originalStart.getTime(),
        edit.move?.start.getTime() ?? Number.POSITIVE_INFINITY,
      );
      const to = Math.max(edit.originalStart.getTime() + 86_400_000, edit.move?.end.getTime() ?? 0);
      const query = new URLSearchParams({
        startDateTime: new Date(from - 60_000).toISOString(),
        endDateTime: new Date(to).toISOString(),
      });
      const listed = await client.request({
        method: "GET",
        url: `${eventPath(calendarRef, seriesRef)}/instances?${query}`,
      });
      if (!listed.ok) return listed;
      const parsed = instancesSchema.safeParse(listed.value.json);
      if (!parsed.success) return unexpected;
      const instance = parsed.data.value.find(
        (item) => item.originalStart && Date.parse(item.originalStart) === edit.originalStart.getTime(),
      );
      if (!instance) continue; // removed already
      const answer = edit.move
        ? await client.request({
            method: "PATCH",
            url: eventPath(calendarRef, instance.id),
            body: { start: graphDateTime(edit.move.start), end: graphDateTime(edit.move.end) },
            idempotent: true,
          })
        : await client.request({
            method: "DELETE",
            url: eventPath(calendarRef, instance.id),
            idempotent: true,
          });
      if (!answer.ok && answer.error.kind !== "not_found") return answer;
    }
    return { ok: true, value: undefined };
  }

  /** A series' occurrence edits after the series itself was written. */
  async function withOccurrences(
    result: SourceResult<WrittenEvent>,
    calendarRef: string,
    event: NewCalendarEvent,
  ): Promise<SourceResult<WrittenEvent>> {
    if (!result.ok || !event.recurrence) return result;
    const edited = await editOccurrences(calendarRef, result.value.eventRef, event.recurrence);
    return edited.ok ? result : edited;
  }

  return {
    async createEvent({ calendarRef, event }) {
      const answer = await client.request({
        method: "POST",
        url: eventPath(calendarRef),
        body: { ...eventBody(event), transactionId: event.idempotencyKey },
        // Safe to repeat: Graph deduplicates on transactionId.
        idempotent: true,
      });
      if (!answer.ok) return answer;
      const result = await written(answer.value.json, {
        calendarRef,
        wantsTeams: event.onlineMeeting === "teams",
      });
      return withOccurrences(result, calendarRef, event);
    },

    async updateEvent({ calendarRef, eventRef, event }) {
      const answer = await client.request({
        method: "PATCH",
        url: eventPath(calendarRef, eventRef),
        body: eventBody(event),
        idempotent: true,
      });
      if (!answer.ok) return answer;
      const result = await written(answer.value.json, {
        calendarRef,
        wantsTeams: event.onlineMeeting === "teams",
      });
      return withOccurrences(result, calendarRef, event);
    },

    async cancelEvent({ calendarRef, eventRef, reason }) {
      // /cancel sends the attendees Outlook's cancellation with the comment; it is for meetings the account
      // organizes. An event without attendees is not a meeting: Graph refuses /cancel (400), and it is deleted.
      const cancelled = await client.request({
        method: "POST",
        url: `${eventPath(calendarRef, eventRef)}/cancel`,
        body: { comment: reason ?? "" },
        idempotent: true,
      });
      if (cancelled.ok || cancelled.error.kind === "not_found") return { ok: true, value: undefined };
      if (cancelled.error.kind !== "invalid_data") return cancelled;
      const deleted = await client.request({
        method: "DELETE",
        url: eventPath(calendarRef, eventRef),
        idempotent: true,
      });
      if (deleted.ok || deleted.error.kind === "not_found") return { ok: true, value: undefined };
      return deleted;
    },

    async readEvent({ calendarRef, eventRef }) {
      const answer = await client.request({
        method: "GET",
        url: eventPath(calendarRef, eventRef),
        headers: { prefer: 'outlook.timezone="UTC"' },
      });
      if (!answer.ok) return answer.error.kind === "not_found" ? { ok: true, value: null } : answer;
      const item = mapGraphEvent(answer.value.json);
      if (item.kind === "upsert") return { ok: true, value: item.interval };
      if (item.kind === "remove") return { ok: true, value: null };
      return unexpected;
    },
  };
}
