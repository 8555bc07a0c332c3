import { describe, expect, it } from "vitest";
import type { NewCalendarEvent, SourceResult } from "../../core/sync/calendar-source.ts";
import type { BearerJsonClient } from "../bearer-json-client.ts";
import { createGoogleEventWrites, googleEventIdOf } from "./google-event-writes.ts";

type Call = { method: string; url: string; body?: unknown };

/** A scripted Calendar API: answers in order, records the calls. */
function scripted(answers: Array<SourceResult<{ status: number; json: unknown }>>) {
  const calls: Call[] = [];
  const client: BearerJsonClient = {
    async request(params) {
      calls.push({ method: params.method, url: params.url, body: params.body });
      const next = answers.shift();
      if (!next) throw new Error(`unexpected call ${params.method} ${params.url}`);
      return next;
    },
  };
  return { client, calls };
}

const booking = "0f8fad5b-d9cb-469f-a165-70867728950e";
const event: NewCalendarEvent = {
  idempotencyKey: `calbridge-${booking}-1a2b3c4d`,
  start: new Date("2030-01-23T10:00:00Z"),
  end: new Date("2030-01-23T11:00:00Z"),
  timeZone: "Europe/Berlin",
  summary: "Consult with Ana",
  description: "text",
  attendees: [{ name: "Ana", email: "ana@example.org" }],
  onlineMeeting: "meet",
};
const ok = (json: unknown) => ({ ok: true, value: { status: 200, json } }) as const;
const pending = {
  id: "x",
  etag: '"1"',
  conferenceData: { createRequest: { status: { statusCode: "pending" } } },
};
const ready = {
  id: "x",
  etag: '"2"',
  hangoutLink: "https://meet.google.com/abc-defg-hij",
  conferenceData: { createRequest: { status: { statusCode: "success" } } },
};

describe("Google event writes", () => {
  it("derives a valid client-chosen id (base32hex) from the booking and connection", () => {
    const id = googleEventIdOf(event.idempotencyKey);
    expect(id).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(id).toBe(`calbridge${booking.replaceAll("-", "")}1a2b3c4d`);
  });

  it("inserts with attendees, sendUpdates, a Meet request and the booking marker; a pending Meet is not waited for", async () => {
    const { client, calls } = scripted([ok(pending)]);
    const written = await createGoogleEventWrites(client).createEvent({
      calendarRef: "alice@gmail.com",
      event,
    });
    expect(written).toEqual({ ok: true, value: { eventRef: "x", version: '"1"', meetingPending: true } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("/calendars/alice%40gmail.com/events?sendUpdates=all&conferenceDataVersion=1");
    expect(calls[0]!.body).toMatchObject({
      id: googleEventIdOf(event.idempotencyKey),
      attendees: [{ email: "ana@example.org", displayName: "Ana" }],
      extendedProperties: { private: { calbridgeBookingId: booking } },
      conferenceData: { createRequest: { conferenceSolutionKey: { type: "hangoutsMeet" } } },
      start: { dateTime: "2030-01-23T10:00:00.000Z", timeZone: "Europe/Berlin" },
    });
  });

  it("reads the Meet link later with events.get: pending, then ready, or refused", async () => {
    const failed = { id: "x", conferenceData: { createRequest: { status: { statusCode: "failure" } } } };
    const { client, calls } = scripted([ok(pending), ok(ready), ok(failed)]);
    const writes = createGoogleEventWrites(client);
    const read = () => writes.readMeeting({ calendarRef: "primary", eventRef: "x" });
    expect(await read()).toEqual({ ok: true, value: { state: "pending" } });
    expect(await read()).toEqual({
      ok: true,
      value: { state: "ready", joinUrl: "https://meet.google.com/abc-defg-hij", version: '"2"' },
    });
    expect(await read()).toEqual({ ok: true, value: { state: "refused" } });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(
      Array(3).fill("GET /calendars/primary/events/x"),
    );
  });

  it("finds the event by its id when a retried create meets 409 duplicate", async () => {
    const retried = scripted([
      { ok: false, error: { kind: "conflict", message: "409 duplicate" } },
      ok(ready),
    ]);
    const second = await createGoogleEventWrites(retried.client).createEvent({
      calendarRef: "primary",
      event,
    });
    expect(second).toMatchObject({
      ok: true,
      value: { eventRef: "x", joinUrl: "https://meet.google.com/abc-defg-hij" },
    });
    expect(retried.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "POST /calendars/primary/events?sendUpdates=all&conferenceDataVersion=1",
      `GET /calendars/primary/events/${googleEventIdOf(event.idempotencyKey)}`,
    ]);
  });

  it("reports a refused Meet, and deletes with sendUpdates (an event already gone counts as deleted)", async () => {
    const failed = { id: "x", conferenceData: { createRequest: { status: { statusCode: "failure" } } } };
    const refused = await createGoogleEventWrites(scripted([ok(failed)]).client).createEvent({
      calendarRef: "primary",
      event,
    });
    expect(refused).toMatchObject({ ok: true, value: { onlineMeetingRefused: true } });
    const gone = scripted([{ ok: false, error: { kind: "not_found", message: "410 deleted" } }]);
    const cancelled = await createGoogleEventWrites(gone.client).cancelEvent({
      calendarRef: "primary",
      eventRef: "x",
      notify: false,
    });
    expect(cancelled).toEqual({ ok: true, value: undefined });
    expect(gone.calls[0]!.url).toBe("/calendars/primary/events/x?sendUpdates=none");
  });

  it("reads one of our events back: as busy time, or null when it is gone or cancelled", async () => {
    const live = {
      id: "ev1",
      etag: '"7"',
      status: "confirmed",
      start: { dateTime: "2030-01-23T10:30:00Z" },
      end: { dateTime: "2030-01-23T11:30:00Z" },
      extendedProperties: { private: { calbridgeBookingId: booking } },
    };
    const api = scripted([
      ok(live),
      ok({ ...live, status: "cancelled" }),
      { ok: false, error: { kind: "not_found", message: "410 deleted" } },
      { ok: false, error: { kind: "rate_limited", retryAfterMs: null, message: "429" } },
    ]);
    const writes = createGoogleEventWrites(api.client);
    const read = () => writes.readEvent({ calendarRef: "primary", eventRef: "ev1" });
    expect(await read()).toMatchObject({
      ok: true,
      value: {
        start: new Date("2030-01-23T10:30:00Z"),
        end: new Date("2030-01-23T11:30:00Z"),
        sourceRef: "ev1",
        etag: '"7"',
        bookingId: booking,
      },
    });
    expect(await read()).toEqual({ ok: true, value: null });
    expect(await read()).toEqual({ ok: true, value: null });
    expect(await read()).toMatchObject({ ok: false, error: { kind: "rate_limited" } });
    expect(api.calls.map((c) => `${c.method} ${c.url}`)).toEqual(
      Array(4).fill("GET /calendars/primary/events/ev1"),
    );
  });
});
