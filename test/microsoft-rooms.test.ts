import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEventInput } from "../sandbox/microsoft/event-input.ts";
import { createEvent } from "../sandbox/microsoft/event-store.ts";
import type { StoredEvent } from "../sandbox/microsoft/model.ts";
import { BOOKING_MARKER_PROPERTY } from "../src/providers/microsoft/graph-event-writes.ts";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Rooms with Microsoft 365 over real HTTP against the sandbox (issue #12): an event type names rooms; the rooms are
 * listed through the connection (/places), their busy time read with getSchedule; a slot needs a free room; a
 * booking reserves the first free one, invites it as a resource and names it as the location; two bookings at one
 * time get different rooms; a room that declines flags the booking and the tenant hears `booking.room_declined`.
 */
const ADAMS = "adams@contoso.com";
const BAKER = "baker@contoso.com";

describe.each(backends)("Microsoft 365 rooms on %s", (backend) => {
  let ms: MicrosoftTestService;
  let adeleHost: string;
  let adeleConnection: string;
  let meganHost: string;
  let meganConnection: string;

  const weekday = [["09:00", "17:00"]];
  const weekly = { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday };
  const newHost = async (name: string) => {
    const id = (await ms.api("POST", "/v1/hosts", { name, timeZone: "America/Los_Angeles" })).body
      .id as string;
    await ms.api("POST", `/v1/hosts/${id}/schedules`, { timeZone: "America/Los_Angeles", weekly });
    return id;
  };
  const eventType = (slug: string, hostId: string, rooms: unknown) =>
    ms.api("POST", "/v1/event-types", {
      slug,
      title: "Workshop",
      durations: [60],
      hostIds: [hostId],
      rules: { stepMinutes: 30, horizon: { type: "rolling", days: 120 } },
      rooms,
    });
  const book = async (type: string, start: string, name = "Ana Lima") =>
    ms.api("POST", `/v1/public/${ms.slug}/${type}/bookings`, {
      start,
      timeZone: "Europe/Lisbon",
      name,
      email: `${name.split(" ")[0]!.toLowerCase()}@example.org`,
    });
  const slotStarts = async (type: string, day: string) => {
    const answer = await ms.api(
      "GET",
      `/v1/public/${ms.slug}/${type}/slots?from=${day}T00:00:00Z&to=${day}T23:59:00Z&timeZone=UTC`,
    );
    expect(answer.status).toBe(200);
    return (answer.body.slots as Array<{ start: string }>).map((slot) => slot.start.slice(11, 16));
  };
  /** A meeting already in a room's own calendar (someone else booked it in Outlook). */
  const holdRoom = (email: string, start: string, end: string) => {
    const { state } = ms.sandbox;
    const mailbox = state.findMailbox(email)!;
    createEvent({
      state,
      mailbox,
      calendar: state.defaultCalendar(mailbox.id),
      input: parseEventInput({
        subject: "Held in Outlook",
        start: { dateTime: start, timeZone: "UTC" },
        end: { dateTime: end, timeZone: "UTC" },
      }),
    });
  };
  const roomsRead = (hostId: string, connectionId: string) =>
    waitFor("the rooms' busy time", async () => {
      const rooms = await ms.api("GET", `/v1/hosts/${hostId}/connections/${connectionId}/rooms`);
      const synced = (rooms.body.data as Array<{ sync: { lastSuccessAt: string | null } | null }>).filter(
        (room) => room.sync?.lastSuccessAt,
      );
      return synced.length === 2 ? rooms.body.data : undefined;
    });
  const syncAll = async () => {
    await ms.syncNow(adeleHost, adeleConnection);
    await ms.syncNow(meganHost, meganConnection);
  };
  const outlookEvent = (bookingId: string): StoredEvent | undefined =>
    [...ms.sandbox.state.events.values()].find((event) =>
      event.transactionId?.startsWith(`calbridge-${bookingId}-`),
    );
  const written = (id: string) =>
    waitFor(`the write of ${id}`, async () => {
      const current = (await ms.api("GET", `/v1/bookings/${id}`)).body;
      const sync = current.calendarSync as Array<{ state: string }>;
      return sync.length > 0 && sync.every((s) => s.state === "written") && outlookEvent(id)
        ? current
        : undefined;
    });
  const deliveries = async (type: string) =>
    (
      await ms.service.store.executeSql(
        "select payload from webhook_deliveries where event_type = $1 order by created_at",
        [type],
      )
    ).rows.map((row) => (row as { payload: { data: ReturnType<typeof JSON.parse> } }).payload.data);

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend, env: { MICROSOFT_ROOMS: "true" } });
    adeleHost = await newHost("Adele");
    meganHost = await newHost("Megan");
    adeleConnection = await ms.connect(adeleHost, "Adele");
    meganConnection = await ms.connect(meganHost, "Megan");
    const rooms = (connectionId: string) => ({ connectionId, emails: [ADAMS, BAKER] });
    expect((await eventType("workshop", adeleHost, rooms(adeleConnection))).status).toBe(201);
    expect((await eventType("megan-workshop", meganHost, rooms(meganConnection))).status).toBe(201);
    expect(
      (
        await eventType("list-workshop", adeleHost, {
          connectionId: adeleConnection,
          roomList: "building1@contoso.com",
        })
      ).status,
    ).toBe(201);
    expect((await ms.api("POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" })).status).toBe(
      201,
    );
    await syncAll();
    await roomsRead(adeleHost, adeleConnection);
    await roomsRead(meganHost, meganConnection);
  }, 120_000);

  afterAll(async () => {
    await ms?.stop();
  });

  it("lists the connection's rooms and room lists, and refuses bad room settings with a 400", async () => {
    const base = `/v1/hosts/${adeleHost}/connections/${adeleConnection}`;
    const all = await ms.api("GET", `${base}/rooms`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((room: { email: string }) => room.email)).toEqual([ADAMS, BAKER]);
    expect(all.body.data[0]).toMatchObject({ name: "Conf Room Adams", capacity: 8 });
    const inList = await ms.api("GET", `${base}/rooms?roomList=building1@contoso.com`);
    expect(inList.body.data).toHaveLength(2);
    const lists = await ms.api("GET", `${base}/room-lists`);
    expect(lists.body.data).toEqual([{ email: "building1@contoso.com", name: "Building 1 Rooms" }]);
    expect((await ms.api("GET", `${base}/rooms?roomList=nope`)).status).toBe(400);

    for (const rooms of [
      { connectionId: adeleConnection, emails: ["not-an-address"] },
      { connectionId: adeleConnection, emails: [ADAMS], roomList: "building1@contoso.com" },
      { connectionId: adeleConnection },
      // A connection of another host: rooms go through the event type's own hosts.
      { connectionId: meganConnection, emails: [ADAMS] },
    ]) {
      const answer = await eventType(`bad-${Math.random().toString(36).slice(2, 8)}`, adeleHost, rooms);
      expect(answer.status, JSON.stringify(rooms)).toBe(400);
      expect(answer.body.error.message).toMatch(/room/);
    }
  });

  it("offers a time only while at least one room is free", async () => {
    expect(await slotStarts("workshop", "2030-01-16")).toContain("18:00");
    holdRoom(ADAMS, "2030-01-16T18:00:00", "2030-01-16T19:00:00");
    await ms.syncNow(adeleHost, adeleConnection);
    expect(await slotStarts("workshop", "2030-01-16")).toContain("18:00");
    holdRoom(BAKER, "2030-01-16T17:30:00", "2030-01-16T19:00:00");
    // A sync already under way when the room changed may be the one the first wait sees.
    const starts = await waitFor("both rooms busy", async () => {
      await ms.syncNow(adeleHost, adeleConnection);
      const now = await slotStarts("workshop", "2030-01-16");
      return now.includes("18:00") ? undefined : now;
    });
    // 17:30-18:30 overlaps both holds too; from 19:00 both rooms are free again.
    expect(starts).not.toContain("17:30");
    expect(starts).toContain("19:00");
    // The room list's event type sees the same rooms.
    expect(await slotStarts("list-workshop", "2030-01-16")).not.toContain("18:00");
  }, 60_000);

  it("reserves a free room per booking: concurrent bookings get different rooms, invited as resources", async () => {
    const [first, second] = await Promise.all([
      book("workshop", "2030-01-17T18:00:00Z", "Ana Lima"),
      book("megan-workshop", "2030-01-17T18:00:00Z", "Bo Chen"),
    ]);
    expect([first.status, second.status]).toEqual([201, 201]);
    const rooms = [first.body.room.email, second.body.room.email];
    expect(rooms.sort()).toEqual([ADAMS, BAKER]);
    for (const answer of [first, second]) {
      expect(answer.body.room.status).toBe("pending");
      await written(answer.body.id);
      const event = outlookEvent(answer.body.id)!;
      const room = answer.body.room.email as string;
      expect(event.fields.attendees).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: "resource",
            emailAddress: expect.objectContaining({ address: room }),
          }),
        ]),
      );
      expect(event.fields.location).toMatchObject({ locationEmailAddress: room });
    }
    // A third booking at that time finds no room (both hosts' rooms are taken; Adele is busy anyway).
    expect((await slotStarts("workshop", "2030-01-17")).includes("18:00")).toBe(false);
    // The rooms accepted (the sandbox's rooms accept free times): the answer reaches the booking with the sync.
    await syncAll();
    const accepted = (await ms.api("GET", `/v1/bookings/${first.body.id}`)).body;
    expect(accepted.room.status).toBe("accepted");

    // Moving Adele's booking by half an hour overlaps its own room meeting (in the room's calendar) and its own
    // reservation; the other room is held by Megan's booking. It keeps its room.
    const moved = await ms.api("POST", `/v1/bookings/${first.body.id}/reschedule`, {
      start: "2030-01-17T18:30:00Z",
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.room.email).toBe(first.body.room.email);
  }, 90_000);

  it("flags the booking and tells the tenant when the room declines", async () => {
    const adams = ms.sandbox.state.findMailbox(ADAMS)!;
    adams.autoAccept = false;
    try {
      const answer = await book("workshop", "2030-01-18T18:00:00Z", "Cy Dean");
      expect(answer.status).toBe(201);
      expect(answer.body.room.email).toBe(ADAMS);
      await written(answer.body.id);
      const flagged = await waitFor("the room's decline", async () => {
        await ms.syncNow(adeleHost, adeleConnection);
        const current = (await ms.api("GET", `/v1/bookings/${answer.body.id}`)).body;
        return current.room.status === "declined" ? current : undefined;
      });
      expect(flagged.status).toBe("confirmed");
      const hooks = (await deliveries("booking.room_declined")).filter(
        (data) => data.booking.id === answer.body.id,
      );
      expect(hooks).toHaveLength(1);
      expect(hooks[0].room).toMatchObject({ email: ADAMS, status: "declined" });
      // A replayed page does not report it again.
      await ms.syncNow(adeleHost, adeleConnection);
      expect(
        (await deliveries("booking.room_declined")).filter((d) => d.booking.id === answer.body.id),
      ).toHaveLength(1);
    } finally {
      adams.autoAccept = true;
    }
  }, 60_000);

  it("marks written events with the booking id property; a host move maps by it when the mapping lost the event", async () => {
    const answer = await book("workshop", "2030-01-22T18:00:00Z", "Di Ek");
    expect(answer.status).toBe(201);
    const id = answer.body.id as string;
    await written(id);
    const event = outlookEvent(id)!;
    expect(event.extendedProperties).toEqual([{ id: BOOKING_MARKER_PROPERTY, value: id }]);
    // As if the create's answer had been lost after Outlook made the event: the mapping has no event id.
    await ms.service.store.executeSql(
      "update booking_calendar_events set provider_event_ref = null, change_key = null where booking_id = $1",
      [id],
    );
    const moved = await ms.admin("events/change", {
      account: "adele@contoso.com",
      eventId: event.id,
      patch: {
        start: { dateTime: "2030-01-22T20:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-01-22T21:00:00", timeZone: "UTC" },
      },
    });
    expect(moved.status).toBe(200);
    const rescheduled = await waitFor("the host's move", async () => {
      await ms.syncNow(adeleHost, adeleConnection);
      const current = (await ms.api("GET", `/v1/bookings/${id}`)).body;
      return current.start === "2030-01-22T20:00:00.000Z" ? current : undefined;
    });
    expect(rescheduled.room.email).toBe(answer.body.room.email);
    const linked = await ms.service.store.executeSql(
      "select provider_event_ref from booking_calendar_events where booking_id = $1",
      [id],
    );
    expect(linked.rows).toEqual([{ provider_event_ref: event.id }]);
  }, 60_000);

  it("refuses rooms for a personal account with a clear error", async () => {
    const samHost = await newHost("Sam");
    const samConnection = await ms.connect(samHost, "Sam Taylor");
    const answer = await ms.api("GET", `/v1/hosts/${samHost}/connections/${samConnection}/rooms`);
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toMatch(/work or school/);
  }, 60_000);
});
