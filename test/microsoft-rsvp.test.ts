import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * RSVP tracking over the Microsoft sandbox: the attendee's answer to the Outlook invitation (as the organizer's event
 * shows it, seen by sync) is recorded on the booking with one `booking.attendee_responded` webhook per change, and a
 * decline cancels the booking when its event type says so.
 */
describe.each(backends)("attendee responses from Outlook on %s", (backend) => {
  let ms: MicrosoftTestService;
  let host: string;
  let connection: string;

  const book = async (eventType: string, start: string) => {
    const answer = await ms.api("POST", `/v1/public/${ms.slug}/${eventType}/bookings`, {
      start,
      timeZone: "UTC",
      name: "Ana Lima",
      email: "Ana@Example.org",
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const written = (id: string) =>
    waitFor(`the Outlook event of ${id}`, async () =>
      [...ms.sandbox.state.events.values()].find((event) =>
        event.transactionId?.startsWith(`calbridge-${id}-`),
      ),
    );
  const respond = async (eventId: string, response: string, proposedNewTime?: unknown) => {
    const answer = await ms.admin("events/respond", {
      account: "adele@contoso.com",
      eventId,
      attendee: "ana@example.org",
      response,
      ...(proposedNewTime ? { proposedNewTime } : {}),
    });
    expect(answer.status).toBe(200);
  };
  const stored = async (id: string) =>
    (
      await ms.service.store.executeSql(
        "select status, attendee_response, cancel_reason from bookings where id = $1",
        [id],
      )
    ).rows[0] as { status: string; attendee_response: string | null; cancel_reason: string | null };
  const syncUntil = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      await ms.syncNow(host, connection);
      const value = await probe();
      if (value !== undefined) return value;
      if (attempt >= 4) throw new Error(`no sync brought ${what}`);
    }
  };
  const responded = async (id: string) =>
    (
      await ms.service.store.executeSql(
        "select payload from webhook_deliveries where event_type = 'booking.attendee_responded' order by created_at",
        [],
      )
    ).rows
      .map(
        (row) => (row as { payload: { data: { booking: { id: string }; attendee: unknown } } }).payload.data,
      )
      .filter((data) => data.booking.id === id)
      .map((data) => data.attendee);

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend });
    const weekday = [["09:00", "17:00"]];
    host = (await ms.api("POST", "/v1/hosts", { name: "Adele", timeZone: "UTC" })).body.id;
    await ms.api("POST", `/v1/hosts/${host}/schedules`, {
      timeZone: "UTC",
      weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    for (const [slug, cancelOnDecline] of [
      ["consult", false],
      ["strict", true],
    ] as const) {
      const created = await ms.api("POST", "/v1/event-types", {
        slug,
        title: "Consult",
        durations: [60],
        hostIds: [host],
        cancelOnDecline,
        rules: { horizon: { type: "rolling", days: 120 } },
      });
      expect(created.status).toBe(201);
    }
    expect((await ms.api("POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" })).status).toBe(
      201,
    );
    connection = await ms.connect(host, "Adele");
  }, 120_000);
  afterAll(async () => {
    await ms?.stop();
  });

  it("records accepted, then tentatively accepted, with one webhook per change; the booking stays", async () => {
    const id = await book("consult", "2030-01-22T10:00:00Z");
    const event = await written(id);
    await syncUntil("the copy", async () => ((await stored(id)).status === "confirmed" ? true : undefined));
    await respond(event.id, "accepted");
    await syncUntil("the acceptance", async () =>
      (await stored(id)).attendee_response === "accepted" ? true : undefined,
    );
    // Another sync of the same answer records nothing new.
    await ms.syncNow(host, connection);
    expect(await responded(id)).toEqual([{ email: "Ana@Example.org", response: "accepted" }]);
    await respond(event.id, "tentativelyAccepted");
    await syncUntil("the tentative answer", async () =>
      (await stored(id)).attendee_response === "tentativelyAccepted" ? true : undefined,
    );
    expect((await responded(id)).map((attendee) => (attendee as { response: string }).response)).toEqual([
      "accepted",
      "tentativelyAccepted",
    ]);
    expect((await stored(id)).status).toBe("confirmed");
  }, 90_000);

  it("keeps a declined booking unless the event type cancels on decline", async () => {
    const kept = await book("consult", "2030-01-23T10:00:00Z");
    const cancelled = await book("strict", "2030-01-23T13:00:00Z");
    for (const id of [kept, cancelled]) await respond((await written(id)).id, "declined");
    await syncUntil("both declines", async () =>
      (await stored(kept)).attendee_response === "declined" &&
      (await stored(cancelled)).status === "cancelled"
        ? true
        : undefined,
    );
    expect(await stored(kept)).toEqual({
      status: "confirmed",
      attendee_response: "declined",
      cancel_reason: null,
    });
    expect(await stored(cancelled)).toEqual({
      status: "cancelled",
      attendee_response: "declined",
      cancel_reason: "The attendee declined the invitation",
    });
  }, 90_000);

  it("records a proposed new time apart from the answer, in the booking and the webhook; a decline with one does not cancel", async () => {
    const id = await book("strict", "2030-01-24T10:00:00Z");
    const event = await written(id);
    const proposal = {
      start: { dateTime: "2030-01-24T14:00:00.0000000", timeZone: "UTC" },
      end: { dateTime: "2030-01-24T15:00:00.0000000", timeZone: "UTC" },
    };
    expect(
      (
        await ms.admin("events/respond", {
          account: "adele@contoso.com",
          eventId: event.id,
          attendee: "ana@example.org",
          response: "accepted",
          proposedNewTime: proposal,
        })
      ).status,
    ).toBe(400);
    await respond(event.id, "tentativelyAccepted", proposal);
    const proposed = { start: "2030-01-24T14:00:00.000Z", end: "2030-01-24T15:00:00.000Z" };
    const shown = await syncUntil("the proposal", async () => {
      const current = (await ms.api("GET", `/v1/bookings/${id}`)).body;
      return current.attendeeProposedTime ? current : undefined;
    });
    expect(shown).toMatchObject({
      status: "confirmed",
      start: "2030-01-24T10:00:00.000Z",
      attendeeResponse: "tentativelyAccepted",
      attendeeProposedTime: proposed,
    });
    expect(await responded(id)).toEqual([
      { email: "Ana@Example.org", response: "tentativelyAccepted", proposedNewTime: proposed },
    ]);
    // A decline proposing another time asks to move, not to drop: the strict event type does not cancel.
    const later = {
      start: { dateTime: "2030-01-24T16:00:00.0000000", timeZone: "UTC" },
      end: { dateTime: "2030-01-24T17:00:00.0000000", timeZone: "UTC" },
    };
    await respond(event.id, "declined", later);
    await syncUntil("the decline with a proposal", async () =>
      (await stored(id)).attendee_response === "declined" ? true : undefined,
    );
    expect((await ms.api("GET", `/v1/bookings/${id}`)).body).toMatchObject({
      status: "confirmed",
      attendeeProposedTime: { start: "2030-01-24T16:00:00.000Z", end: "2030-01-24T17:00:00.000Z" },
    });
    // A plain answer afterwards withdraws the proposal.
    await respond(event.id, "accepted");
    const plain = await syncUntil("the plain acceptance", async () => {
      const current = (await ms.api("GET", `/v1/bookings/${id}`)).body;
      return current.attendeeResponse === "accepted" ? current : undefined;
    });
    expect(plain.attendeeProposedTime).toBeUndefined();
    expect((await responded(id)).at(-1)).toEqual({ email: "Ana@Example.org", response: "accepted" });
  }, 90_000);
});
