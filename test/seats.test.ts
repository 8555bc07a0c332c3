import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listBookings } from "../src/store/bookings-repository.ts";
import type { Store } from "../src/store/database.ts";
import type { TenantId } from "../src/store/ids.ts";
import { attendee, createHostAndEventType } from "./support/booking-depth-setup.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * Group sessions with seats: a slot stays offered (with its seats left) until full, each attendee has a booking of
 * their own, another session may not overlap, 200 racing attendees never oversell, and a cancelled seat reopens.
 */
describe.each(backends)("seats on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let tenant: { tenantId: TenantId; slug: string; auth: { authorization: string } };

  const slotsOf = async (slug: string, day = "2030-03-04") => {
    const answer = await app.inject({
      method: "GET",
      url: `/v1/public/${tenant.slug}/${slug}/slots?from=${day}T00:00:00Z&to=${day}T23:59:00Z&timeZone=UTC`,
    });
    expect(answer.statusCode).toBe(200);
    return answer.json().slots as Array<{ start: string; seats?: { total: number; left: number } }>;
  };
  const seatsAt = async (slug: string, start: string) =>
    (await slotsOf(slug, start.slice(0, 10))).find((slot) => slot.start === start)?.seats;
  const book = (slug: string, start: string, index: number) =>
    app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/${slug}/bookings`,
      payload: { start, ...attendee(index) },
    });

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store, { rateLimitPerMinute: false }));
    tenant = await createTestTenant(store, "Training Platform");
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("refuses seats below 1 or above 10000, and seats with round-robin (400 with a message)", async () => {
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers: tenant.auth,
        payload: { name: "S", timeZone: "UTC" },
      })
    ).json();
    for (const [seats, message] of [
      [0, "seats must be at least 1"],
      [10_001, "seats may be at most 10000"],
      [2.5, "seats must be a whole number"],
    ] as const) {
      const answer = await app.inject({
        method: "POST",
        url: "/v1/event-types",
        headers: tenant.auth,
        payload: {
          slug: `bad-${seats}`.replace(".", "-"),
          title: "Bad",
          durations: [60],
          hostIds: [host.id],
          seats,
        },
      });
      expect(answer.statusCode).toBe(400);
      expect(answer.json().error.message).toContain(message);
    }
    const roundRobin = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: tenant.auth,
      payload: {
        slug: "rr-seats",
        title: "RR",
        durations: [60],
        hostIds: [host.id],
        mode: "round-robin",
        seats: 3,
      },
    });
    expect(roundRobin.statusCode).toBe(400);
    expect(roundRobin.json().error.message).toMatch(/seats need mode single or collective/);
  });

  it("offers a slot with its seats left until full; each attendee books a seat of their own", async () => {
    await createHostAndEventType(app, tenant.auth, {
      slug: "workshop",
      seats: 3,
      rules: { stepMinutes: 30 },
    });
    const plain = await slotsOf("workshop");
    expect(plain[0]).toEqual({
      start: "2030-03-04T09:00:00Z",
      end: "2030-03-04T10:00:00Z",
      seats: { total: 3, left: 3 },
    });
    const first = await book("workshop", "2030-03-04T09:00:00Z", 1);
    const second = await book("workshop", "2030-03-04T09:00:00Z", 2);
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(first.json().id).not.toBe(second.json().id);
    expect(first.json().links.cancel).not.toBe(second.json().links.cancel);
    expect(await seatsAt("workshop", "2030-03-04T09:00:00Z")).toEqual({ total: 3, left: 1 });
    // Another session may not overlap this one: 09:30 is no longer offered nor bookable; 10:00 is a new session.
    const starts = (await slotsOf("workshop")).map((slot) => slot.start);
    expect(starts).not.toContain("2030-03-04T09:30:00Z");
    expect(await seatsAt("workshop", "2030-03-04T10:00:00Z")).toEqual({ total: 3, left: 3 });
    const overlapping = await book("workshop", "2030-03-04T09:30:00Z", 3);
    expect(overlapping.statusCode).toBe(409);
    // The last seat, then full.
    const third = await book("workshop", "2030-03-04T09:00:00Z", 4);
    expect(third.statusCode).toBe(201);
    expect(await seatsAt("workshop", "2030-03-04T09:00:00Z")).toBeUndefined();
    const fourth = await book("workshop", "2030-03-04T09:00:00Z", 5);
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json().error.details.reasons.map((reason: { code: string }) => reason.code)).toContain(
      "full",
    );
    // Cancelling a seat reopens it.
    const cancelled = await app.inject({
      method: "POST",
      url: `/v1/bookings/${second.json().id}/cancel`,
      headers: tenant.auth,
      payload: { reason: "cannot come" },
    });
    expect(cancelled.statusCode).toBe(200);
    expect(await seatsAt("workshop", "2030-03-04T09:00:00Z")).toEqual({ total: 3, left: 1 });
    expect((await book("workshop", "2030-03-04T09:00:00Z", 6)).statusCode).toBe(201);
  });

  it("shows attendees to each other only when the event type says so; a seat moves to another session", async () => {
    await createHostAndEventType(app, tenant.auth, { slug: "circle", seats: 3, seatsShowAttendees: true });
    await createHostAndEventType(app, tenant.auth, { slug: "private", seats: 3 });
    const shown = [
      await book("circle", "2030-03-07T09:00:00Z", 11),
      await book("circle", "2030-03-07T09:00:00Z", 12),
    ];
    const hidden = [
      await book("private", "2030-03-07T09:00:00Z", 13),
      await book("private", "2030-03-07T09:00:00Z", 14),
    ];
    const view = async (answer: (typeof shown)[number]) =>
      (await app.inject({ method: "GET", url: new URL(answer.json().links.manage).pathname })).json();
    expect((await view(shown[0]!)).sessionAttendees).toEqual([
      { name: "Visitor 11" },
      { name: "Visitor 12" },
    ]);
    expect((await view(hidden[0]!)).sessionAttendees).toBeUndefined();
    expect((await view(hidden[0]!)).sessionId).toBe((await view(hidden[1]!)).sessionId);
    // Rescheduling a seat moves it into the session at the new time and frees its old seat.
    const moved = await app.inject({
      method: "POST",
      url: `/v1/bookings/${hidden[1]!.json().id}/reschedule`,
      headers: tenant.auth,
      payload: { start: "2030-03-07T11:00:00Z" },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().sessionId).not.toBe(hidden[0]!.json().sessionId);
    expect(await seatsAt("private", "2030-03-07T09:00:00Z")).toEqual({ total: 3, left: 2 });
    expect(await seatsAt("private", "2030-03-07T11:00:00Z")).toEqual({ total: 3, left: 2 });
  });

  it("counts a visitor's hold as a taken seat", async () => {
    await createHostAndEventType(app, tenant.auth, { slug: "pair", seats: 2 });
    const held = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/pair/holds`,
      payload: { start: "2030-03-05T09:00:00Z" },
    });
    expect(held.statusCode, held.body).toBe(201);
    expect(await seatsAt("pair", "2030-03-05T09:00:00Z")).toEqual({ total: 2, left: 1 });
    expect((await book("pair", "2030-03-05T09:00:00Z", 1)).statusCode).toBe(201);
    // Full for everyone else; the holder still gets the seat they hold.
    expect((await book("pair", "2030-03-05T09:00:00Z", 2)).statusCode).toBe(409);
    const holder = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/pair/bookings`,
      payload: { start: "2030-03-05T09:00:00Z", ...attendee(3), holdToken: held.json().token },
    });
    expect(holder.statusCode, holder.body).toBe(201);
  });

  it("never oversells: 200 attendees racing for 50 seats get exactly 50 bookings", async () => {
    const { eventTypeId } = await createHostAndEventType(app, tenant.auth, { slug: "lecture", seats: 50 });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => book("lecture", "2030-03-06T14:00:00Z", 1000 + index)),
    );
    const codes = answers.map((answer) => answer.statusCode);
    expect(codes.filter((code) => code === 201)).toHaveLength(50);
    expect(codes.filter((code) => code === 409)).toHaveLength(150);
    const stored = await listBookings(store.db, tenant.tenantId, { eventTypeId, limit: 500 });
    expect(stored.filter((booking) => booking.status === "confirmed")).toHaveLength(50);
    expect(new Set(stored.map((booking) => booking.sessionId)).size).toBe(1);
    expect(await seatsAt("lecture", "2030-03-06T14:00:00Z")).toBeUndefined();
  }, 120_000);
});
