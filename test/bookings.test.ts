import type { FastifyInstance } from "fastify";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { itWithPythonIcalendar, runPythonIcalendar } from "./support/python-icalendar.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

// "Now" is Thursday 2030-02-28 12:00 UTC; Monday 2030-03-04 is a working day (Berlin is UTC+1 in March).
const monday = "2030-03-04";

describe.each(backends)("event types and bookings on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let auth: { authorization: string };
  let slug: string;
  let hostId: string;

  const slotsUrl = (query: string) => `/v1/public/${slug}/intro-call/slots?${query}`;
  const book = (payload: Record<string, unknown>, key?: string) =>
    app.inject({
      method: "POST",
      url: `/v1/public/${slug}/intro-call/bookings`,
      payload,
      headers: key ? { "idempotency-key": key } : {},
    });
  const attendee = { timeZone: "America/New_York", name: "Ina Invitee", email: "ina@example.com" };
  let cancelledThroughLink: { token: string; icalUid: string } | undefined;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store));
    const tenant = await createTestTenant(store, "Expert Market");
    auth = tenant.auth;
    slug = tenant.slug;
    const host = await app.inject({
      method: "POST",
      url: "/v1/hosts",
      headers: auth,
      payload: { name: "Dana Expert", email: "dana@expert.example", timeZone: "Europe/Berlin" },
    });
    hostId = host.json().id;
    await app.inject({
      method: "POST",
      url: `/v1/hosts/${hostId}/schedules`,
      headers: auth,
      payload: {
        timeZone: "Europe/Berlin",
        weekly: { mon: [["09:00", "12:00"]], tue: [["09:00", "12:00"]] },
      },
    });
    const eventType = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: auth,
      payload: {
        slug: "intro-call",
        title: "Intro call",
        description: "A first conversation",
        durations: [30, 60],
        location: { kind: "link", value: "https://meet.example.com/dana" },
        hostIds: [hostId],
        rules: { bufferAfterMinutes: 15, minimumNoticeMinutes: 60 },
        questions: [{ id: "topic", label: "Topic", type: "text", required: true }],
      },
    });
    expect(eventType.statusCode).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("validates event types", async () => {
    const bad = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: auth,
      payload: { slug: "Bad Slug", title: "", durations: [], hostIds: [], mode: "single" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/slug/);
    const unknownHost = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: auth,
      payload: { slug: "x", title: "X", durations: [30], hostIds: ["00000000-0000-4000-8000-000000000000"] },
    });
    expect(unknownHost.statusCode).toBe(400);
    expect(unknownHost.json().error.message).toMatch(/unknown host/);
  });

  it("lists public slots from the schedule, in the host's zone, grouped by the invitee's date", async () => {
    const response = await app.inject({
      url: slotsUrl(`from=${monday}T00:00:00Z&to=${monday}T23:59:00Z&timeZone=America/New_York`),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    // 09:00-12:00 Berlin = 08:00-11:00 UTC; 30-minute slots with a 15-minute buffer after each.
    expect(body.slots.map((slot: { start: string }) => slot.start)).toEqual([
      `${monday}T08:00:00Z`,
      `${monday}T08:30:00Z`,
      `${monday}T09:00:00Z`,
      `${monday}T09:30:00Z`,
      `${monday}T10:00:00Z`,
      `${monday}T10:30:00Z`, // its buffer may run past working hours
    ]);
    expect(Object.keys(body.days)).toEqual([monday]);
  });

  it("says why a slots answer is empty: past, before notice, no hours, beyond the horizon, no schedule", async () => {
    const reasonOf = async (url: string) => {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.json().slots).toEqual([]);
      return response.json().reason;
    };
    const full = await app.inject({
      url: slotsUrl(`from=${monday}T00:00:00Z&to=${monday}T23:59:00Z&timeZone=UTC`),
    });
    expect(full.json().slots.length).toBeGreaterThan(0);
    expect(full.json()).not.toHaveProperty("reason");

    expect(
      await reasonOf(slotsUrl("from=2030-02-20T00:00:00Z&to=2030-02-21T00:00:00Z&timeZone=UTC")),
    ).toEqual({
      code: "minimum_notice",
      message: "the range 2030-02-20T00:00:00Z to 2030-02-21T00:00:00Z lies in the past",
    });
    // Now is 12:00 with 60 minutes of notice: nothing may start before 13:00.
    expect(
      await reasonOf(slotsUrl("from=2030-02-28T12:00:00Z&to=2030-02-28T12:30:00Z&timeZone=UTC")),
    ).toEqual({
      code: "minimum_notice",
      message: expect.stringContaining(
        "needs 60 minutes of notice: the earliest start is 2030-02-28T13:00:00Z",
      ),
    });
    // Saturday and Sunday have no hours.
    expect(
      await reasonOf(slotsUrl("from=2030-03-02T00:00:00Z&to=2030-03-04T00:00:00Z&timeZone=UTC")),
    ).toEqual({
      code: "no_working_hours",
      message: expect.stringContaining("(Europe/Berlin)"),
    });

    const post = (url: string, payload: Record<string, unknown>) =>
      app.inject({ method: "POST", url, headers: auth, payload });
    const horizon = await post("/v1/event-types", {
      slug: "soon-call",
      title: "Soon",
      durations: [30],
      hostIds: [hostId],
      rules: { horizon: { type: "rolling", days: 60 } },
    });
    expect(horizon.statusCode).toBe(201);
    expect(
      await reasonOf(
        `/v1/public/${slug}/soon-call/slots?from=2030-06-03T00:00:00Z&to=2030-06-10T00:00:00Z&timeZone=UTC`,
      ),
    ).toEqual({
      code: "horizon",
      message:
        "the range 2030-06-03T00:00:00Z to 2030-06-10T00:00:00Z lies outside the booking horizon: " +
        "bookable only 60 days ahead, until 2030-04-29T12:00:00Z",
    });

    const unscheduled = await post("/v1/hosts", { name: "New Host", timeZone: "Europe/Berlin" });
    const noSchedule = await post("/v1/event-types", {
      slug: "new-host-call",
      title: "New",
      durations: [30],
      hostIds: [unscheduled.json().id],
    });
    expect(noSchedule.statusCode).toBe(201);
    expect(
      await reasonOf(
        `/v1/public/${slug}/new-host-call/slots?from=${monday}T00:00:00Z&to=2030-03-11T00:00:00Z&timeZone=UTC`,
      ),
    ).toEqual({ code: "no_schedule", message: "no working hours are set (the host has no schedule)" });
  });

  it("rejects bad slot queries with 400", async () => {
    const tooLong = await app.inject({
      url: slotsUrl("from=2030-03-01T00:00:00Z&to=2030-05-10T00:00:00Z&timeZone=UTC"),
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.message).toMatch(/62 days/);
    const badZone = await app.inject({
      url: slotsUrl("from=2030-03-01T00:00:00Z&to=2030-03-02T00:00:00Z&timeZone=Moon/Base"),
    });
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json().error.message).toMatch(/unknown time zone/);
    const unknown = await app.inject({
      url: `/v1/public/${slug}/nope/slots?from=2030-03-01T00:00:00Z&to=2030-03-02T00:00:00Z&timeZone=UTC`,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it("books with an Idempotency-Key, blocks the slot and its buffer, and answers a conflict with next free slots", async () => {
    const payload = { ...attendee, start: `${monday}T08:30:00Z`, answers: { topic: "Pricing" } };
    const first = await book(payload, "key-0001-aaaa");
    expect(first.statusCode).toBe(201);
    const booking = first.json();
    expect(booking).toMatchObject({
      status: "confirmed",
      start: `${monday}T08:30:00.000Z`,
      hostIds: [hostId],
      sequence: 0,
    });
    expect(booking.links.manage).toMatch(/^http:\/\/localhost:3000\/v1\/public\/bookings\//);

    const replay = await book(payload, "key-0001-aaaa");
    expect(replay.statusCode).toBe(200);
    expect(replay.json().id).toBe(booking.id);
    const mismatch = await book({ ...payload, name: "Somebody Else" }, "key-0001-aaaa");
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().error.code).toBe("idempotency_mismatch");

    const slots = await app.inject({
      url: slotsUrl(`from=${monday}T00:00:00Z&to=${monday}T23:59:00Z&timeZone=UTC`),
    });
    // 08:30-09:00 plus a 15-minute buffer: 08:00 (its buffer reaches 08:45) and 09:00 (starts inside the buffer) go too.
    expect(slots.json().slots.map((slot: { start: string }) => slot.start)).toEqual([
      `${monday}T09:30:00Z`,
      `${monday}T10:00:00Z`,
      `${monday}T10:30:00Z`,
    ]);

    const conflict = await book({ ...payload, start: `${monday}T09:00:00Z` }, "key-0002-bbbb");
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe("slot_taken");
    expect(conflict.json().error.details.nextSlots[0]).toEqual({
      start: `${monday}T09:30:00.000Z`,
      end: `${monday}T10:00:00.000Z`,
    });
  });

  it("refuses bad input with a clear 4xx and stores nothing", async () => {
    const before = (await app.inject({ url: "/v1/bookings", headers: auth })).json().data.length;
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ ...attendee, start: `${monday}T13:00:00Z`, answers: { topic: "x" } }, 422, /not bookable/],
      [
        { ...attendee, email: "not-an-email", start: `${monday}T10:00:00Z`, answers: { topic: "x" } },
        400,
        /email/,
      ],
      [
        { ...attendee, timeZone: "Nowhere/City", start: `${monday}T10:00:00Z`, answers: { topic: "x" } },
        400,
        /time zone/,
      ],
      [{ ...attendee, start: `${monday}T10:00:00Z`, answers: {} }, 400, /answers.topic: required/],
      [
        { ...attendee, start: `${monday}T10:00:00Z`, duration: 45, answers: { topic: "x" } },
        400,
        /duration must be one of 30, 60/,
      ],
      [{ ...attendee, start: "2030-02-28T12:30:00Z", answers: { topic: "x" } }, 422, /not bookable/],
      [
        { ...attendee, start: `${monday}T10:00:00Z`, answers: { topic: "x".repeat(70_000) } },
        413,
        /too large/,
      ],
    ];
    for (const [payload, status, message] of cases) {
      const response = await book(payload);
      expect(response.statusCode, JSON.stringify(response.json())).toBe(status);
      expect(response.json().error.message).toMatch(message);
    }
    const unknownType = await app.inject({
      method: "POST",
      url: `/v1/public/${slug}/nope/bookings`,
      payload: { ...attendee, start: `${monday}T10:00:00Z` },
    });
    expect(unknownType.statusCode).toBe(404);
    expect((await app.inject({ url: "/v1/bookings", headers: auth })).json().data.length).toBe(before);
  });

  it("reschedules atomically and cancels through the attendee's signed links, with .ics updates", async () => {
    const created = (
      await book({ ...attendee, start: `${monday}T10:00:00Z`, answers: { topic: "Move me" } })
    ).json();
    const token = created.links.manage.split("/bookings/")[1];

    // Moving onto the other booking's time fails and leaves this one where it was.
    const blocked = await app.inject({
      method: "POST",
      url: `/v1/public/bookings/${token}/reschedule`,
      payload: { start: `${monday}T08:30:00Z` },
    });
    expect(blocked.statusCode).toBe(409);
    expect((await app.inject({ url: `/v1/public/bookings/${token}` })).json().start).toBe(
      `${monday}T10:00:00.000Z`,
    );

    const moved = await app.inject({
      method: "POST",
      url: `/v1/public/bookings/${token}/reschedule`,
      payload: { start: "2030-03-05T08:00:00Z" },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ start: "2030-03-05T08:00:00.000Z", sequence: 1 });
    // The old time is free again.
    const slots = await app.inject({
      url: slotsUrl(`from=${monday}T00:00:00Z&to=${monday}T23:59:00Z&timeZone=UTC`),
    });
    expect(slots.json().slots.map((slot: { start: string }) => slot.start)).toContain(`${monday}T10:00:00Z`);

    const request = await app.inject({ url: `/v1/public/bookings/${token}/ics` });
    expect(request.headers["content-type"]).toBe("text/calendar; charset=utf-8; method=REQUEST");
    expect(request.headers["content-disposition"]).toBe(
      'attachment; filename="update-2030-03-05-intro-call.ics"',
    );
    const parsed = new ICAL.Component(ICAL.parse(request.body));
    expect(parsed.getFirstPropertyValue("method")).toBe("REQUEST");
    const vevent = new ICAL.Event(parsed.getFirstSubcomponent("vevent")!);
    expect(vevent.uid).toBe(created.icalUid);
    expect(vevent.sequence).toBe(1);
    expect(vevent.startDate.toJSDate().toISOString()).toBe("2030-03-05T08:00:00.000Z");
    expect(request.body).toContain("ORGANIZER;CN=Dana Expert:mailto:dana@expert.example");
    expect(request.body).toContain("https://meet.example.com/dana");

    const noReason = await app.inject({
      method: "POST",
      url: `/v1/public/bookings/${token}/cancel`,
      payload: {},
    });
    expect(noReason.statusCode).toBe(400);
    const cancelled = await app.inject({
      method: "POST",
      url: `/v1/public/bookings/${token}/cancel`,
      payload: { reason: "Found another time" },
    });
    expect(cancelled.json()).toMatchObject({
      status: "cancelled",
      cancelReason: "Found another time",
      sequence: 2,
    });
    const cancelIcs = await app.inject({ url: `/v1/public/bookings/${token}/ics` });
    const cancelParsed = new ICAL.Component(ICAL.parse(cancelIcs.body));
    expect(cancelParsed.getFirstPropertyValue("method")).toBe("CANCEL");
    expect(cancelParsed.getFirstSubcomponent("vevent")!.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(cancelParsed.getFirstSubcomponent("vevent")!.getFirstPropertyValue("sequence")).toBe(2);
    cancelledThroughLink = { token, icalUid: created.icalUid };

    const again = await app.inject({
      method: "POST",
      url: `/v1/public/bookings/${token}/cancel`,
      payload: { reason: "x" },
    });
    expect(again.statusCode).toBe(409);
    const forged = await app.inject({ url: `/v1/public/bookings/${token.slice(0, -2)}xx` });
    expect(forged.statusCode).toBe(401);
  });

  itWithPythonIcalendar(
    "writes a CANCEL .ics that an independent parser (python-icalendar) reads",
    async () => {
      expect(cancelledThroughLink).toBeDefined(); // set by the test above
      const { token, icalUid } = cancelledThroughLink!;
      const cancelIcs = await app.inject({ url: `/v1/public/bookings/${token}/ics` });
      const python = runPythonIcalendar(
        [
          "-c",
          "import sys, icalendar; c = icalendar.Calendar.from_ical(sys.stdin.read()); e = c.walk('VEVENT')[0]; " +
            "print(c['METHOD'], e['UID'], e['SEQUENCE'], e['STATUS'], e.decoded('DTSTART').isoformat())",
        ],
        cancelIcs.body,
      );
      expect(python.trim()).toBe(`CANCEL ${icalUid} 2 CANCELLED 2030-03-05T09:00:00+01:00`);
    },
  );

  it("lets the tenant list, read and cancel bookings through the API", async () => {
    const list = await app.inject({ url: `/v1/bookings?status=confirmed`, headers: auth });
    const [first] = list.json().data;
    expect(first.attendee.email).toBe("ina@example.com");
    const one = await app.inject({ url: `/v1/bookings/${first.id}`, headers: auth });
    expect(one.json().id).toBe(first.id);
    const cancelled = await app.inject({
      method: "POST",
      url: `/v1/bookings/${first.id}/cancel`,
      headers: auth,
      payload: { reason: "Host is ill" },
    });
    expect(cancelled.json().status).toBe("cancelled");
  });

  it("replays a key whose booking was cancelled instead of booking the freed slot again", async () => {
    const payload = { ...attendee, start: `${monday}T10:30:00Z`, answers: { topic: "Once" } };
    const first = await book(payload, "key-0003-cccc");
    expect(first.statusCode).toBe(201);
    await app.inject({
      method: "POST",
      url: `/v1/bookings/${first.json().id}/cancel`,
      headers: auth,
      payload: { reason: "Changed plans" },
    });
    const repeat = await book(payload, "key-0003-cccc");
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toMatchObject({ id: first.json().id, status: "cancelled" });
    const other = await book({ ...payload, name: "Not The Same" }, "key-0003-cccc");
    expect(other.statusCode).toBe(422);
    const rows = await store.executeSql(
      "select count(*)::int as n from bookings where idempotency_key = $1",
      ["key-0003-cccc"],
    );
    expect(rows.rows[0]?.n).toBe(1);
  });
});
