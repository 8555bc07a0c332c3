import { describe, expect, it } from "vitest";
import type { BookingRow } from "../store/bookings-repository.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import { writeIdempotencyKey } from "./booking-calendar-event.ts";
import { sessionCalendarEvent } from "./session-calendar-event.ts";

const seat = {
  id: "b1",
  tenantId: "t" as TenantId,
  eventTypeId: "e",
  status: "confirmed",
  startAt: new Date("2030-01-01T10:00:00Z"),
  endAt: new Date("2030-01-01T11:00:00Z"),
  attendeeName: "Ana",
  attendeeEmail: "ana@example.org",
  answers: { secret: "only for the host of a one-to-one" },
  location: { kind: "address", value: "Hall 2" },
  hostIds: ["h" as HostId],
  room: null,
} as unknown as BookingRow;

describe("sessionCalendarEvent", () => {
  const params = {
    sessionId: "s1",
    seat,
    attendees: [
      { attendeeName: "Ana", attendeeEmail: "ana@example.org" },
      { attendeeName: "<Bo>", attendeeEmail: "bo@example.org" },
    ],
    title: "Class",
    description: null,
    hostTimeZone: "UTC",
    connectionId: "c1",
    inviteAttendee: true,
  };

  it("is keyed by the session and lists every seat as an attendee, escaped in HTML", () => {
    const event = sessionCalendarEvent(params);
    expect(event.idempotencyKey).toBe(writeIdempotencyKey("s1", "c1"));
    expect(event.idempotencyKey).not.toBe(writeIdempotencyKey("b1", "c1"));
    expect(event.summary).toBe("Class (2 attendees)");
    expect(event.attendees).toEqual([
      { name: "Ana", email: "ana@example.org" },
      { name: "<Bo>", email: "bo@example.org" },
    ]);
    expect(event.descriptionHtml).toContain("&lt;Bo&gt; &lt;bo@example.org&gt;");
    expect(event.description).not.toContain("only for the host");
    expect(event.location).toBe("Hall 2");
    expect([event.start, event.end]).toEqual([seat.startAt, seat.endAt]);
  });

  it("invites nobody when the platform sends the invitations itself", () => {
    expect(sessionCalendarEvent({ ...params, inviteAttendee: false }).attendees).toEqual([]);
    expect(sessionCalendarEvent({ ...params, attendees: params.attendees.slice(0, 1) }).summary).toBe(
      "Class (1 attendee)",
    );
  });
});
