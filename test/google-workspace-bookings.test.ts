import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GoogleEvent } from "../sandbox/google/event-types.ts";
import { insertEvent } from "../sandbox/google/event-writes.ts";
import { ATLAS, BOB, CAROL, HUDSON } from "../sandbox/google/test-accounts.ts";
import type { Service } from "../src/main.ts";
import { googleHarness } from "./provider-contract/google-harness.ts";
import { startHarnessService, syncUntilSeen } from "./provider-contract/provider-contract.ts";
import { connectHarnessHost } from "./provider-contract/provider-harness.ts";
import { waitFor } from "./support/microsoft-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Bookings written into a Google Workspace calendar (Bob's, America/New_York) over real HTTP against the Google
 * sandbox, beyond the shared contract:
 * - Meet: Google answers the create `pending`; the write job reads the event again with the job engine's backoff,
 *   saves the link on the booking, and the .ics and later webhooks carry it;
 * - rooms: resource calendars' busy time from freebusy.query removes times with no free room; a booking invites the
 *   first free room as a resource attendee; the room's answer (accepted, or declined when Google finds it taken)
 *   reaches the booking, a decline with `booking.room_declined`;
 * - RSVP: the invitee's answer on the event (accepted, tentative, declined) is recorded with
 *   `booking.attendee_responded`, and a decline cancels when the event type says so.
 */
describe.each(backends)("Google Workspace bookings on %s", (backend) => {
  const harness = googleHarness({
    account: { email: BOB, name: "Bob", timeZone: "America/New_York" },
    env: { GOOGLE_ROOMS: "true" },
  });
  let service: Service;
  let api: Awaited<ReturnType<typeof startHarnessService>>["api"];
  let slug: string;
  let hostId: string;
  let connectionId: string;
  let close: (() => Promise<void>) | undefined;
  const eventTypeIds: Record<string, string> = {};

  const admin = async (path: string, body: unknown) => {
    const answer = await fetch(`${harness.sandbox().url}/_sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(answer.status, path).toBe(200);
  };
  const syncNow = async () => {
    const before = harness.now();
    expect((await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`)).status).toBe(202);
    await waitFor("a sync", async () => {
      const current = (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
      const calendars = current.calendars.filter((c: { blocking: boolean }) => c.blocking);
      return calendars.length > 0 &&
        calendars.every(
          (c: { lastAttemptAt: string | null }) =>
            c.lastAttemptAt && Date.parse(c.lastAttemptAt) >= before - 50,
        )
        ? true
        : undefined;
    });
  };
  const syncUntil = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
    syncUntilSeen({ sync: syncNow, what, probe, attempts: 6 });
  const book = async (eventType: string, start: string, name = "Ana Lima") => {
    const answer = await api("POST", `/v1/public/${slug}/${eventType}/bookings`, {
      start,
      timeZone: "UTC",
      name,
      email: `${name.split(" ")[0]!.toLowerCase()}@example.org`,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };
  const booking = async (id: string) => (await api("GET", `/v1/bookings/${id}`)).body;
  const written = (id: string) =>
    waitFor(
      `the write of ${id}`,
      async () => {
        const current = await booking(id);
        const sync = current.calendarSync as Array<{ state: string }>;
        return sync.length > 0 && sync.every((s) => s.state === "written") ? current : undefined;
      },
      45_000,
    );
  const bobEvent = (bookingId: string): GoogleEvent | undefined =>
    [...(harness.sandbox().state.calendars.get(BOB)?.events.values() ?? [])]
      .map((entry) => entry.event)
      .find(
        (event) =>
          event.status !== "cancelled" && event.extendedProperties?.private?.calbridgeBookingId === bookingId,
      );
  const deliveries = async (type: string, bookingId: string) =>
    (
      await service.store.executeSql(
        "select payload from webhook_deliveries where event_type = $1 order by created_at",
        [type],
      )
    ).rows
      .map((row) => (row as { payload: { data: ReturnType<typeof JSON.parse> } }).payload.data)
      .filter((data) => data.booking.id === bookingId);
  /** A meeting Carol puts in her calendar with rooms invited (they answer by themselves). */
  const carolMeeting = (start: string, end: string, rooms: string[]) => {
    const { state } = harness.sandbox();
    insertEvent(
      {
        state,
        calendar: state.calendars.get(CAROL)!,
        account: CAROL,
        sendUpdates: "none",
        conferenceDataVersion: 0,
      },
      {
        summary: "Carol's meeting",
        start: { dateTime: start },
        end: { dateTime: end },
        attendees: rooms.map((email) => ({ email, resource: true })),
      },
    );
  };
  const slotStarts = async (eventType: string, day: string) => {
    const answer = await api(
      "GET",
      `/v1/public/${slug}/${eventType}/slots?from=${day}T00:00:00Z&to=${day}T23:59:00Z&timeZone=UTC`,
    );
    expect(answer.status).toBe(200);
    return (answer.body.slots as Array<{ start: string }>).map((slot) => slot.start.slice(11, 16));
  };

  beforeAll(async () => {
    ({ service, api, slug, hostId, close } = await startHarnessService({ harness, backend }));
    connectionId = await connectHarnessHost({ harness, api, hostId, loginHint: true });
    await waitFor("the first sync", async () => {
      const current = (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
      return current.status === "connected" &&
        current.calendars.some((c: { lastSuccessAt: string | null }) => c.lastSuccessAt)
        ? true
        : undefined;
    });
    const common = { title: "Chat", durations: [60], hostIds: [hostId] };
    const horizon = { horizon: { type: "rolling", days: 120 } };
    for (const body of [
      { ...common, slug: "rooms", rules: horizon, rooms: { connectionId, emails: [HUDSON, ATLAS] } },
      { ...common, slug: "chat", rules: horizon },
      { ...common, slug: "strict", rules: horizon, cancelOnDecline: true },
      { ...common, slug: "group", rules: horizon, seats: 3, location: { kind: "meet" } },
    ]) {
      const created = await api("POST", "/v1/event-types", body);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      eventTypeIds[body.slug] = created.body.id;
    }
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it("gets the Meet link after Google answered `pending`: saved on the booking, in the .ics and webhooks", async () => {
    await admin("conference", { mode: "pending", readyAfterMs: 3_000 });
    const created = await book("consult", "2030-01-22T19:00:00Z");
    const id = created.id as string;
    // The event exists, the write waits for the link (the job retries with backoff; the booking has no link yet).
    const waiting = await waitFor("the write waiting for the Meet link", async () => {
      const rows = (
        await service.store.executeSql(
          "select state, meeting_pending, provider_event_ref from booking_calendar_events where booking_id = $1",
          [id],
        )
      ).rows as Array<{ state: string; meeting_pending: boolean; provider_event_ref: string | null }>;
      return rows[0]?.meeting_pending ? rows[0] : undefined;
    });
    expect(waiting.state).toBe("pending");
    expect(bobEvent(id)?.id).toBe(waiting.provider_event_ref);
    expect((await booking(id)).location).toEqual({ kind: "meet" });
    const done = await written(id);
    const event = bobEvent(id)!;
    expect(event.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    expect(done.location).toEqual({ kind: "meet", value: event.hangoutLink });
    expect(done.calendarSync).toEqual([expect.objectContaining({ state: "written", warning: null })]);
    const ics = await (await fetch(String(created.links.ics).replace("localhost", "127.0.0.1"))).text();
    expect(ics.replace(/\r\n[ \t]/g, "")).toContain(event.hangoutLink);
    const moved = await api("POST", `/v1/bookings/${id}/reschedule`, { start: "2030-01-22T20:00:00Z" });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const [rescheduled] = await deliveries("booking.rescheduled", id);
    expect(rescheduled.booking.location).toEqual({ kind: "meet", value: event.hangoutLink });
    await admin("conference", { mode: "pending", readyAfterMs: 0 });
  }, 90_000);

  it("gives every seat of a session the Meet link Google made after `pending`", async () => {
    await admin("conference", { mode: "pending", readyAfterMs: 2_000 });
    const first = (await book("group", "2030-01-31T19:00:00Z", "Ana Lima")).id as string;
    const second = (await book("group", "2030-01-31T19:00:00Z", "Bea Costa")).id as string;
    const [one, two] = [await written(first), await written(second)];
    // One event for the session, with both attendees; each seat carries the link.
    const events = [...(harness.sandbox().state.calendars.get(BOB)?.events.values() ?? [])]
      .map((entry) => entry.event)
      .filter((e) => e.status !== "cancelled" && e.attendees?.some((a) => a.email === "ana@example.org"))
      .filter(
        (e) => e.start?.dateTime && Date.parse(e.start.dateTime) === Date.parse("2030-01-31T19:00:00Z"),
      );
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\//);
    expect(event.attendees?.map((a) => a.email).sort()).toEqual(["ana@example.org", "bea@example.org"]);
    expect(one.location).toEqual({ kind: "meet", value: event.hangoutLink });
    expect(two.location).toEqual({ kind: "meet", value: event.hangoutLink });
    expect(one.calendarSync).toEqual([expect.objectContaining({ state: "written", warning: null })]);
    await admin("conference", { mode: "pending", readyAfterMs: 0 });
  }, 90_000);

  it("offers a time only while a room is free, invites the first free room, and records its acceptance", async () => {
    await waitFor("the rooms' busy time", async () => {
      const rows = (
        await service.store.executeSql(
          "select email from resource_sync_states where connection_id = $1 and last_success_at is not null",
          [connectionId],
        )
      ).rows;
      return rows.length === 2 ? rows : undefined;
    });
    expect(await slotStarts("rooms", "2030-01-24")).toEqual(expect.arrayContaining(["16:00", "19:00"]));
    carolMeeting("2030-01-24T19:00:00Z", "2030-01-24T20:00:00Z", [HUDSON, ATLAS]);
    carolMeeting("2030-01-24T16:00:00Z", "2030-01-24T17:00:00Z", [HUDSON]);
    const starts = await syncUntil("both rooms busy at 19:00", async () => {
      const now = await slotStarts("rooms", "2030-01-24");
      return now.includes("19:00") ? undefined : now;
    });
    expect(starts).toContain("16:00");
    // The troubleshooter says why 19:00 is not offered: Bob is free, no room is.
    const explained = await api(
      "GET",
      `/v1/event-types/${eventTypeIds.rooms}/explain?start=2030-01-24T19:00:00Z`,
    );
    expect(explained.status).toBe(200);
    expect(explained.body.offered).toBe(false);
    expect(
      explained.body.hosts.flatMap((host: { reasons: Array<{ code: string }> }) =>
        host.reasons.map((reason) => reason.code),
      ),
    ).toEqual(["room_busy"]);
    const created = await book("rooms", "2030-01-24T16:00:00Z");
    expect(created.room).toMatchObject({ email: ATLAS, status: "pending" });
    await written(created.id);
    const event = bobEvent(created.id)!;
    expect(event.attendees).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: ATLAS, resource: true, responseStatus: "accepted" }),
      ]),
    );
    expect(event.location).toBe(ATLAS);
    const accepted = await syncUntil("the room's acceptance", async () => {
      const current = await booking(created.id);
      return current.room.status === "accepted" ? current : undefined;
    });
    expect(accepted.status).toBe("confirmed");
  }, 90_000);

  it("flags the booking and tells the tenant once when Google finds the room taken and it declines", async () => {
    // Both rooms are taken in Google after the last room sync: the cache still has them free.
    carolMeeting("2030-01-25T19:00:00Z", "2030-01-25T20:00:00Z", [HUDSON, ATLAS]);
    const created = await book("rooms", "2030-01-25T19:00:00Z", "Cy Dean");
    expect(created.room.email).toBe(HUDSON);
    await written(created.id);
    expect(bobEvent(created.id)!.attendees).toEqual(
      expect.arrayContaining([expect.objectContaining({ email: HUDSON, responseStatus: "declined" })]),
    );
    const flagged = await syncUntil("the room's decline", async () => {
      const current = await booking(created.id);
      return current.room.status === "declined" ? current : undefined;
    });
    expect(flagged.status).toBe("confirmed");
    await syncNow();
    const hooks = await deliveries("booking.room_declined", created.id);
    expect(hooks).toHaveLength(1);
    expect(hooks[0].room).toMatchObject({ email: HUDSON, status: "declined", connectionId });
  }, 90_000);

  it("records the invitee's answers from Google with one webhook per change", async () => {
    const created = await book("chat", "2030-01-28T19:00:00Z", "Di Ek");
    await written(created.id);
    const eventId = bobEvent(created.id)!.id;
    const respond = (responseStatus: string) =>
      admin("events/respond", { account: BOB, eventId, attendee: "di@example.org", responseStatus });
    await respond("accepted");
    await syncUntil("the acceptance", async () =>
      (await booking(created.id)).attendeeResponse === "accepted" ? true : undefined,
    );
    await respond("tentative");
    await syncUntil("the tentative answer", async () =>
      (await booking(created.id)).attendeeResponse === "tentativelyAccepted" ? true : undefined,
    );
    await syncNow();
    expect((await deliveries("booking.attendee_responded", created.id)).map((data) => data.attendee)).toEqual(
      [
        { email: "di@example.org", response: "accepted" },
        { email: "di@example.org", response: "tentativelyAccepted" },
      ],
    );
    expect((await booking(created.id)).status).toBe("confirmed");
  }, 90_000);

  it("cancels on the only invitee's decline when the event type says so, and keeps it otherwise", async () => {
    const kept = await book("chat", "2030-01-29T19:00:00Z", "Ed Fox");
    const cancelled = await book("strict", "2030-01-29T16:00:00Z", "Flo Gu");
    for (const [created, email] of [
      [kept, "ed@example.org"],
      [cancelled, "flo@example.org"],
    ] as const) {
      await written(created.id);
      await admin("events/respond", {
        account: BOB,
        eventId: bobEvent(created.id)!.id,
        attendee: email,
        responseStatus: "declined",
      });
    }
    await syncUntil("both declines", async () =>
      (await booking(kept.id)).attendeeResponse === "declined" &&
      (await booking(cancelled.id)).status === "cancelled"
        ? true
        : undefined,
    );
    expect(await booking(kept.id)).toMatchObject({ status: "confirmed", attendeeResponse: "declined" });
    expect(await booking(cancelled.id)).toMatchObject({
      status: "cancelled",
      attendeeResponse: "declined",
      cancelReason: "The attendee declined the invitation",
    });
  }, 90_000);
});
