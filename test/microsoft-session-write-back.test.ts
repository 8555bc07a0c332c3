import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "../sandbox/microsoft/model.ts";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Group sessions in the host's Outlook, over real HTTP against the sandbox: the seats of one session share ONE
 * event (the first seat creates it, later seats update its attendee list), a cancelled seat leaves the attendee
 * list, and the last seat cancelled cancels the event. The host's move or delete of the session's event in Outlook
 * applies to every seat of the session.
 */
describe.each(backends)("session write-back to Microsoft 365 on %s", (backend) => {
  let ms: MicrosoftTestService;
  let host: string;
  let connection: string;

  const book = async (name: string, start = "2030-01-23T18:00:00Z") => {
    const answer = await ms.api("POST", `/v1/public/${ms.slug}/class/bookings`, {
      start,
      timeZone: "UTC",
      name,
      email: `${name.toLowerCase()}@example.org`,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  /** Waits until every write of the booking has settled and the last one asked was `operation`. */
  const settled = (id: string, operation: "create" | "update" | "cancel") =>
    waitFor(`the ${operation} of ${id}`, async () => {
      const current = (await ms.api("GET", `/v1/bookings/${id}`)).body;
      const sync = current.calendarSync as Array<{ state: string; operation: string; error: string | null }>;
      return sync.length > 0 && sync.every((s) => s.state !== "pending" && s.operation === operation)
        ? current
        : undefined;
    });
  const sessionOf = async (id: string) =>
    (
      (await ms.service.store.executeSql("select session_id from bookings where id = $1", [id])).rows[0] as {
        session_id: string;
      }
    ).session_id;
  const sessionEvents = (sessionId: string): StoredEvent[] =>
    [...ms.sandbox.state.events.values()].filter((event) =>
      event.transactionId?.startsWith(`calbridge-${sessionId}-`),
    );
  const attendeesOf = (event: StoredEvent) =>
    event.fields.attendees.map((attendee) => attendee.emailAddress.address).sort();

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend });
    const weekday = [["09:00", "17:00"]];
    const weekly = { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday };
    host = (await ms.api("POST", "/v1/hosts", { name: "Adele", timeZone: "America/Los_Angeles" })).body.id;
    await ms.api("POST", `/v1/hosts/${host}/schedules`, { timeZone: "America/Los_Angeles", weekly });
    const created = await ms.api("POST", "/v1/event-types", {
      slug: "class",
      title: "Yoga class",
      durations: [60],
      hostIds: [host],
      seats: 3,
      rules: { stepMinutes: 30, horizon: { type: "rolling", days: 120 } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    connection = await ms.connect(host, "Adele");
  }, 120_000);

  afterAll(async () => {
    await ms?.stop();
  });

  it("writes one Outlook event per session: three seats, three attendees; a cancelled seat leaves; the last cancel removes it", async () => {
    const ana = await book("Ana");
    await settled(ana, "create");
    const sessionId = await sessionOf(ana);
    const bo = await book("Bo");
    const cy = await book("Cy");
    expect([await sessionOf(bo), await sessionOf(cy)]).toEqual([sessionId, sessionId]);
    // Bo's and Cy's writes update the session's event (their rows ask `create`: none had an event yet).
    for (const id of [bo, cy]) await settled(id, "create");
    const [event] = await waitFor("three attendees", async () => {
      const events = sessionEvents(sessionId);
      return events.length === 1 && events[0]!.fields.attendees.length === 3 ? events : undefined;
    });
    expect(sessionEvents(sessionId)).toHaveLength(1);
    expect(attendeesOf(event!)).toEqual(["ana@example.org", "bo@example.org", "cy@example.org"]);
    expect(event!.fields.subject).toBe("Yoga class (3 attendees)");
    // Every seat's row maps to that one event.
    for (const id of [ana, bo, cy]) {
      const rows = (
        await ms.service.store.executeSql(
          "select provider_event_ref from booking_calendar_events where booking_id = $1",
          [id],
        )
      ).rows as Array<{ provider_event_ref: string }>;
      expect(rows.map((row) => row.provider_event_ref)).toEqual([event!.id]);
    }

    // Ana (who created the event) cancels: the event stays, without her.
    expect((await ms.api("POST", `/v1/bookings/${ana}/cancel`, { reason: "ill" })).status).toBe(200);
    await settled(ana, "cancel");
    const after = sessionEvents(sessionId);
    expect(after.map((e) => e.id)).toEqual([event!.id]);
    expect(attendeesOf(after[0]!)).toEqual(["bo@example.org", "cy@example.org"]);
    expect(after[0]!.fields.subject).toBe("Yoga class (2 attendees)");

    // The other two cancel: the event is gone.
    expect((await ms.api("POST", `/v1/bookings/${bo}/cancel`, { reason: "away" })).status).toBe(200);
    await settled(bo, "cancel");
    expect(attendeesOf(sessionEvents(sessionId)[0]!)).toEqual(["cy@example.org"]);
    expect((await ms.api("POST", `/v1/bookings/${cy}/cancel`, { reason: "away" })).status).toBe(200);
    await settled(cy, "cancel");
    expect(sessionEvents(sessionId)).toEqual([]);
    expect(ms.sandbox.state.events.has(event!.id)).toBe(false);
  }, 120_000);

  it("applies the host's move and delete of the session's event in Outlook to every seat", async () => {
    const seats = [await book("Di", "2030-01-24T18:00:00Z"), await book("Ed", "2030-01-24T18:00:00Z")];
    for (const id of seats) await settled(id, "create");
    const sessionId = await sessionOf(seats[0]!);
    const event = await waitFor("two attendees", async () => {
      const events = sessionEvents(sessionId);
      return events.length === 1 && events[0]!.fields.attendees.length === 2 ? events[0] : undefined;
    });
    await ms.syncNow(host, connection);
    const moved = await ms.admin("events/change", {
      account: "adele@contoso.com",
      eventId: event.id,
      patch: {
        start: { dateTime: "2030-01-24T20:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-01-24T21:00:00", timeZone: "UTC" },
      },
    });
    expect(moved.status).toBe(200);
    const starts = async () =>
      Promise.all(seats.map(async (id) => (await ms.api("GET", `/v1/bookings/${id}`)).body.start as string));
    await syncUntil("the move", async () =>
      (await starts()).every((start) => start === "2030-01-24T20:00:00.000Z") ? true : undefined,
    );
    expect(sessionEvents(sessionId)).toHaveLength(1);

    await ms.admin("events/delete", { account: "adele@contoso.com", eventId: event.id });
    await syncUntil("the deletion", async () => {
      const statuses = await Promise.all(
        seats.map(async (id) => (await ms.api("GET", `/v1/bookings/${id}`)).body.status as string),
      );
      return statuses.every((status) => status === "cancelled") ? true : undefined;
    });
    // The seats' cancels came from the calendar: nothing is written back (no event is made again).
    for (const id of seats) await settled(id, "cancel");
    expect(sessionEvents(sessionId)).toEqual([]);
  }, 120_000);

  /** Syncs until the change made in Outlook shows. */
  const syncUntil = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      await ms.syncNow(host, connection);
      const value = await probe();
      if (value !== undefined) return value;
      if (attempt >= 4) throw new Error(`no sync brought ${what}`);
    }
  };
});
