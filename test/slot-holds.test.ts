import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { deleteExpiredHolds } from "../src/store/slot-holds-repository.ts";
import { attendee, createHostAndEventType } from "./support/booking-depth-setup.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * Slot holds through the public API: a held slot is not offered to others and cannot be booked or held by them,
 * booking with the token consumes it, holds expire and can be released, a client may hold only a few, and racing
 * visitors get exactly one hold.
 */
describe.each(backends)("slot holds on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let clock = new Date("2030-02-28T12:00:00Z");
  let base: string;
  let auth: { authorization: string };

  const hold = (start: string, client = "10.0.0.1", extra: Record<string, unknown> = {}) =>
    app.inject({
      method: "POST",
      url: `${base}/holds`,
      remoteAddress: client,
      payload: { start, ...extra },
    });
  const book = (start: string, index: number, extra: Record<string, unknown> = {}) =>
    app.inject({ method: "POST", url: `${base}/bookings`, payload: { start, ...attendee(index), ...extra } });
  const offered = async (day = "2030-03-04"): Promise<string[]> => {
    const answer = await app.inject({
      method: "GET",
      url: `${base}/slots?from=${day}T00:00:00Z&to=${day}T23:59:00Z&timeZone=UTC`,
    });
    expect(answer.statusCode).toBe(200);
    return answer.json().slots.map((slot: { start: string }) => slot.start);
  };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store, { now: () => clock, rateLimitPerMinute: false }));
    const tenant = await createTestTenant(store, "Hold Shop");
    auth = tenant.auth;
    await createHostAndEventType(app, auth, {
      slug: "consult",
      durations: [60, 30],
      rules: { stepMinutes: 30, horizon: { type: "rolling", days: 30 } },
    });
    base = `/v1/public/${tenant.slug}/consult`;
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("holds a slot for the visitor only, and booking with the token consumes the hold", async () => {
    const held = await hold("2030-03-04T09:00:00Z");
    expect(held.statusCode, held.body).toBe(201);
    const body = held.json();
    expect(body).toEqual({
      token: expect.any(String),
      start: "2030-03-04T09:00:00.000Z",
      end: "2030-03-04T10:00:00.000Z",
      expiresAt: "2030-02-28T12:05:00.000Z",
    });
    // Not offered to others (and neither is 09:30, which overlaps the held hour).
    const slots = await offered();
    expect(slots).not.toContain("2030-03-04T09:00:00Z");
    expect(slots).not.toContain("2030-03-04T09:30:00Z");
    expect(slots).toContain("2030-03-04T10:00:00Z");
    // Another visitor can neither hold nor book it.
    const second = await hold("2030-03-04T09:30:00Z", "10.0.0.2");
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe("slot_unavailable");
    expect(second.json().error.details.reasons[0].code).toBe("held");
    const stolen = await book("2030-03-04T09:00:00Z", 1);
    expect(stolen.statusCode).toBe(409);
    // The holder books with the token.
    const booked = await book("2030-03-04T09:00:00Z", 2, { holdToken: body.token });
    expect(booked.statusCode, booked.body).toBe(201);
    // The hold is gone: the time is now booked, and releasing the spent token is harmless.
    const released = await app.inject({ method: "DELETE", url: `${base}/holds/${body.token}` });
    expect(released.statusCode).toBe(204);
    const again = await hold("2030-03-04T09:00:00Z", "10.0.0.3");
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details.reasons[0].code).toBe("booking");
  });

  it("refuses a hold token used for another slot", async () => {
    const held = await hold("2030-03-04T11:00:00Z", "10.0.0.4");
    expect(held.statusCode).toBe(201);
    const wrong = await book("2030-03-04T12:00:00Z", 3, { holdToken: held.json().token });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.message).toMatch(/holdToken/);
    const shorter = await book("2030-03-04T11:00:00Z", 3, { holdToken: held.json().token, duration: 30 });
    expect(shorter.statusCode).toBe(400);
  });

  it("offers the slot again when the hold is released", async () => {
    const held = await hold("2030-03-04T13:00:00Z", "10.0.0.5");
    expect(held.statusCode).toBe(201);
    expect(await offered()).not.toContain("2030-03-04T13:00:00Z");
    const released = await app.inject({ method: "DELETE", url: `${base}/holds/${held.json().token}` });
    expect(released.statusCode).toBe(204);
    expect(await offered()).toContain("2030-03-04T13:00:00Z");
  });

  it("lets a hold expire by itself, and the cleanup deletes it", async () => {
    const held = await hold("2030-03-05T09:00:00Z", "10.0.0.6");
    expect(held.statusCode).toBe(201);
    expect(await offered("2030-03-05")).not.toContain("2030-03-05T09:00:00Z");
    const start = clock;
    clock = new Date(start.getTime() + 301_000);
    try {
      expect(await offered("2030-03-05")).toContain("2030-03-05T09:00:00Z");
      const other = await hold("2030-03-05T09:00:00Z", "10.0.0.7");
      expect(other.statusCode).toBe(201);
      // The expired one goes with the cleanup; the live one stays.
      expect(await deleteExpiredHolds(store.db, clock)).toBeGreaterThanOrEqual(1);
      expect(await offered("2030-03-05")).not.toContain("2030-03-05T09:00:00Z");
      // The expired token books nothing for its holder now that someone else holds the time.
      const late = await book("2030-03-05T09:00:00Z", 4, { holdToken: held.json().token });
      expect(late.statusCode).toBe(409);
    } finally {
      clock = start;
    }
  });

  it("limits how many slots one client holds at once (429)", async () => {
    const client = "10.0.0.8";
    for (const hour of ["09", "11", "13"]) {
      const held = await hold(`2030-03-06T${hour}:00:00Z`, client);
      expect(held.statusCode, held.body).toBe(201);
    }
    const fourth = await hold("2030-03-06T15:00:00Z", client);
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json().error.message).toMatch(/at most 3/);
    // Another client is not affected.
    expect((await hold("2030-03-06T15:00:00Z", "10.0.0.9")).statusCode).toBe(201);
  });

  it("answers bad holds with 400 and a message", async () => {
    const beyond = await hold("2030-04-15T09:00:00Z", "10.0.1.1");
    expect(beyond.statusCode).toBe(400);
    expect(beyond.json().error.message).toMatch(/bookable only 30 days ahead/);
    const offGrid = await hold("2030-03-07T09:10:00Z", "10.0.1.1");
    expect(offGrid.statusCode).toBe(400);
    expect(offGrid.json().error.message).toMatch(/not a bookable slot/);
    const night = await hold("2030-03-07T22:00:00Z", "10.0.1.1");
    expect(night.statusCode).toBe(400);
    const duration = await hold("2030-03-07T09:00:00Z", "10.0.1.1", { duration: 45 });
    expect(duration.statusCode).toBe(400);
    const noStart = await app.inject({
      method: "POST",
      url: `${base}/holds`,
      payload: { start: "tomorrow" },
    });
    expect(noStart.statusCode).toBe(400);
    const unknown = await app.inject({
      method: "POST",
      url: "/v1/public/nobody/nothing/holds",
      payload: { start: "2030-03-07T09:00:00Z" },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it("gives exactly one of 30 racing visitors the hold, and one of 30 racing holds and bookings the slot", async () => {
    const racers = Array.from({ length: 30 }, (_, index) => hold("2030-03-08T10:00:00Z", `10.0.2.${index}`));
    const answers = await Promise.all(racers);
    const codes = answers.map((answer) => answer.statusCode).sort();
    expect(codes.filter((code) => code === 201)).toHaveLength(1);
    expect(codes.filter((code) => code === 409)).toHaveLength(29);
    // Holds and bookings racing for one slot: exactly one wins, whichever kind it is.
    const mixed = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        index % 2 === 0
          ? hold("2030-03-08T13:00:00Z", `10.0.3.${index}`)
          : book("2030-03-08T13:00:00Z", 100 + index),
      ),
    );
    expect(mixed.filter((answer) => answer.statusCode === 201)).toHaveLength(1);
    expect(mixed.filter((answer) => answer.statusCode === 409)).toHaveLength(29);
  });
});
