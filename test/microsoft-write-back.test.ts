import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "../sandbox/microsoft/model.ts";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Write-back and two-way sync with Microsoft 365, over real HTTP against the sandbox: a booking becomes an Outlook
 * event with the attendee (and a Teams meeting), our reschedule and cancel patch and cancel it, the host's move and
 * delete in Outlook reschedule and cancel the booking, our own echo writes nothing, alternating changes settle, a
 * create whose answer was lost makes one event, and a personal account books without Teams but with a warning.
 */
interface ProviderWrite {
  method: string;
  path: string;
  body: string;
}

describe.each(backends)("Microsoft 365 write-back on %s", (backend) => {
  let ms: MicrosoftTestService;
  let adeleHost: string;
  let adeleConnection: string;
  let samHost: string;
  const writes: ProviderWrite[] = [];
  let dropNextCreateAnswer = false;
  /** Records every provider write; can lose the answer of one create after the sandbox committed it. */
  const providerFetch: typeof globalThis.fetch = async (input, init) => {
    const method = init?.method ?? "GET";
    const path = new URL(String(input)).pathname;
    if (method !== "GET" && path.includes("/events"))
      writes.push({ method, path, body: typeof init?.body === "string" ? init.body : "" });
    const response = await fetch(input, init);
    if (dropNextCreateAnswer && method === "POST" && path.endsWith("/events")) {
      dropNextCreateAnswer = false;
      await response.text();
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    }
    return response;
  };
  const writesSince = (mark: number) => writes.slice(mark);

  const book = async (eventType: string, start: string, attendee = "Ana Lima") => {
    const answer = await ms.api("POST", `/v1/public/${ms.slug}/${eventType}/bookings`, {
      start,
      timeZone: "Europe/Lisbon",
      name: attendee,
      email: `${attendee.split(" ")[0]!.toLowerCase()}@example.org`,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const booking = async (id: string) => (await ms.api("GET", `/v1/bookings/${id}`)).body;
  /** Waits until every write of the booking has settled and the last one asked was `operation`. */
  const settled = (id: string, operation: "create" | "update" | "cancel") =>
    waitFor(`the ${operation} of ${id}`, async () => {
      const current = await booking(id);
      const sync = current.calendarSync as Array<{ state: string; operation: string }>;
      return sync.length > 0 && sync.every((s) => s.state !== "pending" && s.operation === operation)
        ? current
        : undefined;
    });
  const outlookEvent = (bookingId: string): StoredEvent | undefined =>
    [...ms.sandbox.state.events.values()].find((event) =>
      event.transactionId?.startsWith(`calbridge-${bookingId}-`),
    );
  const moveInOutlook = async (bookingId: string, start: string, end: string, timeZone = "UTC") => {
    const event = outlookEvent(bookingId)!;
    const answer = await ms.admin("events/change", {
      account: "adele@contoso.com",
      eventId: event.id,
      patch: { start: { dateTime: start, timeZone }, end: { dateTime: end, timeZone } },
    });
    expect(answer.status).toBe(200);
  };
  /**
   * Syncs until the change made in Outlook shows (a sync that was already under way when the change was made may
   * be the one the first wait sees).
   */
  const syncUntil = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      await ms.syncNow(adeleHost, adeleConnection);
      const value = await probe();
      if (value !== undefined) return value;
      if (attempt >= 4) throw new Error(`no sync brought ${what}`);
    }
  };
  const deliveries = async (type: string) =>
    (
      await ms.service.store.executeSql(
        "select payload from webhook_deliveries where event_type = $1 order by created_at",
        [type],
      )
    ).rows.map((row) => (row as { payload: { data: ReturnType<typeof JSON.parse> } }).payload.data);

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend, providerFetch });
    const weekday = [["09:00", "17:00"]];
    const weekly = { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday };
    adeleHost = (await ms.api("POST", "/v1/hosts", { name: "Adele", timeZone: "America/Los_Angeles" })).body
      .id;
    await ms.api("POST", `/v1/hosts/${adeleHost}/schedules`, { timeZone: "America/Los_Angeles", weekly });
    samHost = (await ms.api("POST", "/v1/hosts", { name: "Sam", timeZone: "Europe/London" })).body.id;
    await ms.api("POST", `/v1/hosts/${samHost}/schedules`, { timeZone: "Europe/London", weekly });
    for (const [slug, hostId] of [
      ["consult", adeleHost],
      ["sam-call", samHost],
    ] as const) {
      const created = await ms.api("POST", "/v1/event-types", {
        slug,
        title: "Consult",
        durations: [60],
        hostIds: [hostId],
        location: { kind: "teams" },
        rules: { stepMinutes: 30, horizon: { type: "rolling", days: 120 } },
      });
      expect(created.status).toBe(201);
    }
    // Receives nothing (port 9 is closed): the deliveries written are what is checked.
    expect((await ms.api("POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" })).status).toBe(
      201,
    );
    adeleConnection = await ms.connect(adeleHost, "Adele");
  }, 120_000);

  afterAll(async () => {
    await ms?.stop();
  });

  it("writes a booking into Outlook with the attendee and a Teams meeting; the copy never blocks its booking", async () => {
    const id = await book("consult", "2030-01-23T19:00:00Z");
    const done = await settled(id, "create");
    expect(done.calendarSync).toEqual([
      expect.objectContaining({
        connectionId: adeleConnection,
        state: "written",
        error: null,
        warning: null,
      }),
    ]);
    const event = outlookEvent(id)!;
    expect(event.transactionId).toMatch(new RegExp(`^calbridge-${id}-[0-9a-f]{8}$`));
    expect(event.fields.subject).toBe("Consult with Ana Lima");
    expect(event.fields.start).toEqual({ dateTime: "2030-01-23T19:00:00.0000000", timeZone: "UTC" });
    expect(event.fields.attendees.map((a) => a.emailAddress.address)).toEqual(["ana@example.org"]);
    expect(event.fields.body.content).toContain("Reschedule or cancel");
    expect(event.fields.isOnlineMeeting).toBe(true);
    const joinUrl = (event.fields.onlineMeeting as { joinUrl: string }).joinUrl;
    expect(joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    // The join URL is the booking's location now: webhooks, mails and the .ics carry it.
    expect(done.location).toEqual({ kind: "teams", value: joinUrl });
    const ics = await ms.api("GET", `/v1/bookings/${id}`);
    expect(JSON.stringify(ics.body.location)).toContain(joinUrl);
    const created = (await deliveries("booking.created")).find((data) => data.booking.id === id);
    expect(created.booking.calendarSync).toEqual([expect.objectContaining({ state: "pending" })]);

    // After a sync the copy sits in the busy cache, marked with its booking: moving the booking by half an hour
    // (onto its own copy) is allowed.
    await ms.syncNow(adeleHost, adeleConnection);
    const copy = await ms.service.store.executeSql(
      "select booking_id from busy_intervals where source_ref = $1",
      [event.id],
    );
    expect(copy.rows).toEqual([{ booking_id: id }]);
    const mark = writes.length;
    const moved = await ms.api("POST", `/v1/bookings/${id}/reschedule`, { start: "2030-01-23T19:30:00Z" });
    expect(moved.status).toBe(200);
    await settled(id, "update");
    expect(writesSince(mark).map((w) => w.method)).toEqual(["PATCH"]);
    expect(outlookEvent(id)!.fields.start.dateTime).toBe("2030-01-23T19:30:00.0000000");
    // The echo of our own write changes nothing and writes nothing.
    const before = await booking(id);
    await ms.syncNow(adeleHost, adeleConnection);
    expect((await booking(id)).sequence).toBe(before.sequence);
    expect(writesSince(mark)).toHaveLength(1);
  }, 60_000);

  it("reschedules the booking when the host moves the event in Outlook (even outside working hours)", async () => {
    const id = await book("consult", "2030-01-24T19:00:00Z");
    await settled(id, "create");
    const mark = writes.length;
    // 06:00 in Los Angeles: outside the schedule, and the host's own choice.
    await moveInOutlook(id, "2030-01-24T06:00:00", "2030-01-24T07:30:00", "Pacific Standard Time");
    const moved = await syncUntil("the move", async () => {
      const current = await booking(id);
      return current.sequence > 0 ? current : undefined;
    });
    expect([moved.start, moved.end]).toEqual(["2030-01-24T14:00:00.000Z", "2030-01-24T15:30:00.000Z"]);
    const hook = (await deliveries("booking.rescheduled")).find((data) => data.booking.id === id);
    expect(hook).toMatchObject({ by: "host_calendar", previous: { start: "2030-01-24T19:00:00.000Z" } });
    // Nothing is written back to the calendar the move came from.
    await settled(id, "update");
    await ms.syncNow(adeleHost, adeleConnection);
    expect(writesSince(mark)).toEqual([]);
  }, 60_000);

  it("keeps the booking and flags it when the host's move collides with another booking", async () => {
    const first = await book("consult", "2030-01-25T19:00:00Z", "Bo Chen");
    const second = await book("consult", "2030-01-25T21:00:00Z", "Cy Dunn");
    await settled(first, "create");
    await settled(second, "create");
    await moveInOutlook(first, "2030-01-25T21:30:00", "2030-01-25T22:30:00");
    const kept = await syncUntil("the flag", async () => {
      const current = await booking(first);
      return current.warnings.length > 0 ? current : undefined;
    });
    expect(kept.start).toBe("2030-01-25T19:00:00.000Z");
    expect(kept.warnings[0]).toMatch(/overlaps another booking/);
    const failed = (await deliveries("booking.calendar_sync_failed")).find((d) => d.booking.id === first);
    expect(failed.calendar.error).toMatch(/^host_move_conflict/);
  }, 60_000);

  it("settles ten alternating changes on both sides with one write per change made through Calbridge", async () => {
    const id = await book("consult", "2030-01-29T18:00:00Z", "Di Evans");
    await settled(id, "create");
    const mark = writes.length;
    let ours = 0;
    for (let round = 0; round < 10; round++) {
      const hour = 18 + (round % 5);
      const start = `2030-01-${round % 2 === 0 ? "30" : "31"}T${hour}:00:00`;
      const end = `2030-01-${round % 2 === 0 ? "30" : "31"}T${hour + 1}:00:00`;
      if (round % 2 === 0) {
        ours++;
        const answer = await ms.api("POST", `/v1/bookings/${id}/reschedule`, { start: `${start}Z` });
        expect(answer.status).toBe(200);
        await settled(id, "update");
        await ms.syncNow(adeleHost, adeleConnection);
      } else {
        await moveInOutlook(id, start, end);
        await syncUntil("the move", async () =>
          (await booking(id)).start === `${start}.000Z` ? true : undefined,
        );
      }
      const current = await booking(id);
      expect(current.start).toBe(`${start}.000Z`);
      expect(outlookEvent(id)!.fields.start.dateTime).toBe(`${start}.0000000`);
    }
    // Stable: another sync changes nothing, and only our own five changes were written.
    await ms.syncNow(adeleHost, adeleConnection);
    expect(writesSince(mark).map((w) => w.method)).toEqual(Array(ours).fill("PATCH"));
  }, 120_000);

  it("cancels the booking when the host deletes the event in Outlook", async () => {
    const id = await book("consult", "2030-02-05T19:00:00Z", "Ed Fox");
    await settled(id, "create");
    // The delta names removals of events it has shown before.
    await ms.syncNow(adeleHost, adeleConnection);
    await ms.admin("events/delete", { account: "adele@contoso.com", eventId: outlookEvent(id)!.id });
    const cancelled = await syncUntil("the deletion", async () => {
      const current = await booking(id);
      return current.status === "cancelled" ? current : undefined;
    });
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.cancelReason).toMatch(/host deleted or cancelled the event in their Outlook calendar/);
    const hook = (await deliveries("booking.cancelled")).find((data) => data.booking.id === id);
    expect(hook.by).toBe("host_calendar");
  }, 60_000);

  /**
   * Books, and the host acts on the new event before any sync saw it: no notification announces it (they are
   * dropped), and a delta round names neither an event made and deleted between two rounds nor the first version
   * of one made and moved.
   */
  const bookAndActUnseen = async (
    start: string,
    attendee: string,
    act: (eventId: string) => Promise<void>,
  ) => {
    await ms.syncNow(adeleHost, adeleConnection);
    await ms.admin("notifications", { mode: "drop", count: 100 });
    try {
      const id = await book("consult", start, attendee);
      await settled(id, "create");
      await act(outlookEvent(id)!.id);
      return id;
    } finally {
      await ms.admin("notifications", { mode: "normal" });
    }
  };

  it("cancels the booking when the host deletes the event in Outlook before any sync saw it", async () => {
    const id = await bookAndActUnseen("2030-02-07T19:00:00Z", "Flo Gray", async (eventId) => {
      expect((await ms.admin("events/delete", { account: "adele@contoso.com", eventId })).status).toBe(200);
    });
    const cancelled = await syncUntil("the deletion", async () => {
      const current = await booking(id);
      return current.status === "cancelled" ? current : undefined;
    });
    expect(cancelled.cancelReason).toMatch(/host deleted or cancelled the event in their Outlook calendar/);
    const hook = (await deliveries("booking.cancelled")).find((data) => data.booking.id === id);
    expect(hook.by).toBe("host_calendar");
  }, 60_000);

  it("reschedules the booking when the host moves the event in Outlook before any sync saw it", async () => {
    const mark = writes.length;
    const id = await bookAndActUnseen("2030-02-08T19:00:00Z", "Gil Hart", async (eventId) => {
      const patch = {
        start: { dateTime: "2030-02-08T21:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-02-08T22:00:00", timeZone: "UTC" },
      };
      expect((await ms.admin("events/change", { account: "adele@contoso.com", eventId, patch })).status).toBe(
        200,
      );
    });
    const moved = await syncUntil("the move", async () => {
      const current = await booking(id);
      return current.sequence > 0 ? current : undefined;
    });
    expect([moved.start, moved.end]).toEqual(["2030-02-08T21:00:00.000Z", "2030-02-08T22:00:00.000Z"]);
    // The create, and nothing written back after the move.
    await settled(id, "update");
    expect(writesSince(mark).map((write) => write.method)).toEqual(["POST"]);
  }, 60_000);

  it("cancels the Outlook event (with the reason, for the attendees) when the booking is cancelled", async () => {
    const id = await book("consult", "2030-02-06T19:00:00Z", "Flo Gray");
    await settled(id, "create");
    const eventId = outlookEvent(id)!.id;
    const mark = writes.length;
    const cancelled = await ms.api("POST", `/v1/bookings/${id}/cancel`, { reason: "Client fell ill" });
    expect(cancelled.status).toBe(200);
    await settled(id, "cancel");
    const sent = writesSince(mark);
    expect(sent.map((w) => [w.method, w.path.endsWith(`${encodeURIComponent(eventId)}/cancel`)])).toEqual([
      ["POST", true],
    ]);
    expect(JSON.parse(sent[0]!.body)).toEqual({ comment: "Client fell ill" });
    expect(ms.sandbox.state.events.has(eventId)).toBe(false);
    // The audit log names who made each change and each write into the host's calendar.
    const log = await ms.api("GET", `/v1/audit?hostId=${adeleHost}&limit=200`);
    type Entry = {
      action: string;
      actor: { kind: string };
      outcome: string;
      target: { bookingId: string | null };
      details: { operation?: string };
    };
    const trail = (log.body.data as Entry[])
      .filter((entry) => entry.target.bookingId === id)
      .reverse()
      .map((entry) => ({
        action: entry.action,
        actor: entry.actor.kind,
        outcome: entry.outcome,
        operation: entry.details.operation,
      }));
    expect(trail).toEqual([
      { action: "booking.created", actor: "public_page", outcome: "success", operation: undefined },
      { action: "calendar.write", actor: "system_job", outcome: "success", operation: "create" },
      { action: "booking.cancelled", actor: "api_key", outcome: "success", operation: undefined },
      { action: "calendar.write", actor: "system_job", outcome: "success", operation: "cancel" },
    ]);
    // Its removal, seen by the next sync, is our own echo: the booking stays as it was.
    await ms.syncNow(adeleHost, adeleConnection);
    expect((await booking(id)).cancelReason).toBe("Client fell ill");
  }, 60_000);

  it("makes one event when the answer to a create is lost after Outlook committed it", async () => {
    dropNextCreateAnswer = true;
    const id = await book("consult", "2030-02-07T19:00:00Z", "Gil Hart");
    await settled(id, "create");
    expect(dropNextCreateAnswer).toBe(false);
    const creates = writes.filter((w) => w.method === "POST" && w.body.includes(`calbridge-${id}-`));
    expect(creates.length).toBeGreaterThanOrEqual(2);
    const events = [...ms.sandbox.state.events.values()].filter((event) =>
      event.transactionId?.startsWith(`calbridge-${id}-`),
    );
    expect(events).toHaveLength(1);
  }, 60_000);

  it("writes local times right across a DST change, both ways", async () => {
    // 11 March 2030 is the first Monday of PDT (UTC-7): 10:00 in Los Angeles is 17:00Z.
    const id = await book("consult", "2030-03-12T17:00:00Z", "Hal Ives");
    await settled(id, "create");
    expect(outlookEvent(id)!.fields.start).toEqual({
      dateTime: "2030-03-12T17:00:00.0000000",
      timeZone: "UTC",
    });
    // The host moves it to 10:00 Pacific on the Friday before, still PST (UTC-8).
    await moveInOutlook(id, "2030-03-08T10:00:00", "2030-03-08T11:00:00", "Pacific Standard Time");
    const moved = await syncUntil("the move", async () => {
      const current = await booking(id);
      return current.sequence > 0 ? current : undefined;
    });
    expect(moved.start).toBe("2030-03-08T18:00:00.000Z");
  }, 60_000);

  it("books a personal account's host without Teams, with a warning on the booking", async () => {
    const connectionId = await ms.connect(samHost, "Sam");
    const id = await book("sam-call", "2030-01-23T12:00:00Z", "Ivy Jones");
    const done = await settled(id, "create");
    expect(done.status).toBe("confirmed");
    expect(done.calendarSync).toEqual([expect.objectContaining({ connectionId, state: "written" })]);
    expect(done.warnings).toEqual([expect.stringMatching(/personal Microsoft account/)]);
    const event = outlookEvent(id)!;
    expect(event.fields.isOnlineMeeting).toBe(false);
    expect(event.fields.attendees.map((a) => a.emailAddress.address)).toEqual(["ivy@example.org"]);
  }, 60_000);
});
