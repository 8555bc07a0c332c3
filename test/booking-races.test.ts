import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * 200 concurrent booking requests at overlapping slots of one host. Whatever the interleaving, the database must
 * end with no overlapping active bookings, every request must be answered 201 or 409, and every 409 must be explained
 * by a winner that overlaps it (nobody loses to nothing).
 */
describe.each(backends)("concurrent bookings on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let slug: string;
  let auth: { authorization: string };
  let hostId: string;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store, { rateLimitPerMinute: false }));
    const tenant = await createTestTenant(store, "Race Track");
    slug = tenant.slug;
    auth = tenant.auth;
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers: tenant.auth,
        payload: { name: "H", timeZone: "UTC" },
      })
    ).json();
    hostId = host.id;
    await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/schedules`,
      headers: tenant.auth,
      payload: { timeZone: "UTC", weekly: { mon: [["08:00", "18:00"]] } },
    });
    const created = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: tenant.auth,
      // 60-minute meetings every 15 minutes with a 10-minute buffer after: neighbouring starts overlap.
      payload: {
        slug: "race",
        title: "Race",
        durations: [60],
        hostIds: [host.id],
        rules: { stepMinutes: 15, bufferAfterMinutes: 10 },
      },
    });
    expect(created.statusCode).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("lets exactly one request win each overlapping set, and stores no overlap", async () => {
    const starts = Array.from(
      { length: 36 },
      (_, index) => new Date(Date.UTC(2030, 2, 4, 8, 0) + index * 15 * 60_000),
    );
    // Deterministic spread of 200 requests over the 36 starts.
    const requests = Array.from(
      { length: 200 },
      (_, index) => starts[(index * 7 + (index % 5)) % starts.length]!,
    );
    const responses = await Promise.all(
      requests.map((start, index) =>
        app.inject({
          method: "POST",
          url: `/v1/public/${slug}/race/bookings`,
          headers: { "idempotency-key": `race-${String(index).padStart(4, "0")}` },
          payload: {
            start: start.toISOString(),
            timeZone: "UTC",
            name: `P${index}`,
            email: `p${index}@example.com`,
          },
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(
      statuses.every((status) => status === 201 || status === 409),
      JSON.stringify([...new Set(statuses)]),
    ).toBe(true);
    const losers = responses.filter((response) => response.statusCode === 409);
    for (const loser of losers) expect(loser.json().error.code).toBe("slot_taken");

    const winners = responses
      .filter((response) => response.statusCode === 201)
      .map((response) => {
        const booking = response.json() as { start: string; end: string };
        return { start: Date.parse(booking.start), end: Date.parse(booking.end) + 10 * 60_000 };
      })
      .sort((a, b) => a.start - b.start);
    expect(winners.length).toBeGreaterThan(1);
    for (let i = 1; i < winners.length; i++)
      expect(winners[i]!.start).toBeGreaterThanOrEqual(winners[i - 1]!.end);

    // Every loser overlaps some winner (buffer included): it lost to a real booking.
    requests.forEach((start, index) => {
      if (statuses[index] !== 409) return;
      const range = { start: start.getTime(), end: start.getTime() + 70 * 60_000 };
      expect(winners.some((winner) => winner.start < range.end && range.start < winner.end)).toBe(true);
    });

    const { rows } = await store.executeSql(
      `select count(*)::int as overlaps from booking_hosts a join booking_hosts b
         on a.host_id = b.host_id and a.booking_id < b.booking_id and a.blocked && b.blocked
       where a.active and b.active`,
      [],
    );
    expect(rows[0]?.overlaps).toBe(0);
    const stored = await store.executeSql(
      "select count(*)::int as n from bookings where status = 'confirmed'",
      [],
    );
    expect(stored.rows[0]?.n).toBe(winners.length);
  });

  it("answers racing bookings of a collective event type with 201 or 409, never a deadlock's 500", async () => {
    // Concurrent inserts that conflict on the exclusion constraint for two hosts can deadlock in PostgreSQL; the
    // victim must be retried into an ordinary 409, not surface as a 500.
    const hostIds: string[] = [];
    for (const name of ["C1", "C2"]) {
      const host = (
        await app.inject({
          method: "POST",
          url: "/v1/hosts",
          headers: auth,
          payload: { name, timeZone: "UTC" },
        })
      ).json();
      await app.inject({
        method: "POST",
        url: `/v1/hosts/${host.id}/schedules`,
        headers: auth,
        payload: { timeZone: "UTC", weekly: { mon: [["08:00", "18:00"]] } },
      });
      hostIds.push(host.id);
    }
    const created = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: auth,
      payload: { slug: "pair", title: "Pair", durations: [30], hostIds, mode: "collective" },
    });
    expect(created.statusCode).toBe(201);
    const starts = Array.from(
      { length: 10 },
      (_, index) => new Date(Date.UTC(2030, 2, 4, 8, 0) + index * 30 * 60_000),
    );
    const responses = await Promise.all(
      Array.from({ length: 120 }, (_, index) =>
        app.inject({
          method: "POST",
          url: `/v1/public/${slug}/pair/bookings`,
          payload: {
            start: starts[index % starts.length]!.toISOString(),
            timeZone: "UTC",
            name: `Q${index}`,
            email: `q${index}@example.com`,
          },
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status !== 201 && status !== 409)).toEqual([]);
    expect(statuses.filter((status) => status === 201)).toHaveLength(starts.length);
  });

  it("answers concurrent repeats of one Idempotency-Key with one booking, and other bodies with 422", async () => {
    const post = (key: string, start: string, name: string) =>
      app.inject({
        method: "POST",
        url: `/v1/public/${slug}/race/bookings`,
        headers: { "idempotency-key": key },
        payload: { start, timeZone: "UTC", name, email: "same@example.com" },
      });
    const repeats = await Promise.all(
      Array.from({ length: 30 }, () => post("same-key-0001", "2030-03-11T09:00:00Z", "Same")),
    );
    const statuses = repeats.map((response) => response.statusCode).sort((a, b) => a - b);
    expect(statuses).toEqual([...Array(29).fill(200), 201]);
    expect(new Set(repeats.map((response) => response.json().id)).size).toBe(1);

    // Same key, other bodies (other times, so no slot conflict decides it): the first wins, the rest are refused.
    const others = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        post(
          "same-key-0002",
          `2030-03-11T${String(11 + Math.floor(index / 4)).padStart(2, "0")}:${String((index % 4) * 15).padStart(2, "0")}:00Z`,
          `Other ${index}`,
        ),
      ),
    );
    const otherStatuses = others.map((response) => response.statusCode);
    expect(otherStatuses.filter((status) => status === 201)).toHaveLength(1);
    for (const response of others.filter((candidate) => candidate.statusCode !== 201)) {
      expect(response.statusCode).toBe(422);
      expect(response.json().error.code).toBe("idempotency_mismatch");
    }
    const stored = await store.executeSql(
      "select idempotency_key, count(*)::int as n from bookings where idempotency_key like 'same-key-%' group by 1 order by 1",
      [],
    );
    expect(stored.rows).toEqual([
      { idempotency_key: "same-key-0001", n: 1 },
      { idempotency_key: "same-key-0002", n: 1 },
    ]);
  });

  it("keeps a per-day limit under concurrent bookings at different times of the day", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: auth,
      payload: {
        slug: "limited",
        title: "Limited",
        durations: [30],
        hostIds: [hostId],
        rules: { limits: { perDay: { count: 2 } } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    // Twenty requests at twenty different half hours of one Monday: no two overlap, only the limit can refuse.
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        app.inject({
          method: "POST",
          url: `/v1/public/${slug}/limited/bookings`,
          payload: {
            start: new Date(Date.UTC(2030, 2, 18, 8, 0) + index * 30 * 60_000).toISOString(),
            timeZone: "UTC",
            name: `L${index}`,
            email: `l${index}@example.com`,
          },
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(2);
    for (const response of responses.filter((candidate) => candidate.statusCode !== 201)) {
      expect(response.statusCode).toBe(409);
      const reasons = response.json().error.details.reasons as Array<{ code: string }>;
      expect(reasons.map((reason) => reason.code)).toContain("daily_limit");
    }
    const stored = await store.executeSql(
      `select count(*)::int as n from bookings
        where start_at >= '2030-03-18T00:00:00Z' and start_at < '2030-03-19T00:00:00Z' and status = 'confirmed'`,
      [],
    );
    expect(stored.rows[0]?.n).toBe(2);
  });
});
