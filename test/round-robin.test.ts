import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { attendee, createHostAndEventType } from "./support/booking-depth-setup.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/** Weighted round-robin through the API: shares follow the weights, a higher priority wins, bad weights are 400. */
describe.each(backends)("weighted round-robin on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let tenant: { slug: string; auth: { authorization: string } };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    ({ app } = await buildBookingTestApp(store, { rateLimitPerMinute: false }));
    tenant = await createTestTenant(store, "Sales Team");
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  const bookHours = async (slug: string, day: string, hours: string[]) => {
    const hosts: string[] = [];
    for (const [index, hour] of hours.entries()) {
      const answer = await app.inject({
        method: "POST",
        url: `/v1/public/${tenant.slug}/${slug}/bookings`,
        payload: { start: `${day}T${hour}:00:00Z`, ...attendee(index) },
      });
      expect(answer.statusCode, answer.body).toBe(201);
      hosts.push(answer.json().hostIds[0]);
    }
    return hosts;
  };

  it("gives a host with weight 3 three times the bookings of a host with weight 1", async () => {
    const { hostIds, eventTypeId } = await createHostAndEventType(
      app,
      tenant.auth,
      { slug: "demo", mode: "round-robin" },
      { hosts: 2 },
    );
    const [light, heavy] = hostIds as [string, string];
    const updated = await app.inject({
      method: "GET",
      url: `/v1/event-types/${eventTypeId}`,
      headers: tenant.auth,
    });
    const { id: _id, createdAt: _c, updatedAt: _u, ...current } = updated.json();
    const put = await app.inject({
      method: "PUT",
      url: `/v1/event-types/${eventTypeId}`,
      headers: tenant.auth,
      payload: {
        ...current,
        roundRobin: { windowDays: 30, hosts: { [light]: { weight: 1 }, [heavy]: { weight: 3 } } },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().roundRobin).toEqual({
      windowDays: 30,
      hosts: { [light]: { weight: 1, priority: 0 }, [heavy]: { weight: 3, priority: 0 } },
    });
    const chosen = await bookHours("demo", "2030-03-04", ["09", "10", "11", "12", "13", "14", "15", "16"]);
    expect(chosen.filter((host) => host === heavy)).toHaveLength(6);
    expect(chosen.filter((host) => host === light)).toHaveLength(2);
  });

  it("always gives the booking to the free host with the higher priority", async () => {
    const { hostIds } = await createHostAndEventType(
      app,
      tenant.auth,
      { slug: "placeholder", mode: "collective" },
      { hosts: 2 },
    );
    const [senior, junior] = hostIds as [string, string];
    const created = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: tenant.auth,
      payload: {
        slug: "priority",
        title: "Priority",
        durations: [60],
        mode: "round-robin",
        hostIds: [junior, senior],
        roundRobin: { hosts: { [senior]: { priority: 2 }, [junior]: { priority: 1, weight: 10 } } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(await bookHours("priority", "2030-03-05", ["09", "10", "11"])).toEqual([senior, senior, senior]);
  });

  it("answers a negative weight or a stranger in the weights with 400 and a message", async () => {
    const { hostIds } = await createHostAndEventType(app, tenant.auth, { slug: "base" });
    const negative = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: tenant.auth,
      payload: {
        slug: "negative",
        title: "N",
        durations: [60],
        mode: "round-robin",
        hostIds,
        roundRobin: { hosts: { [hostIds[0]!]: { weight: -1 } } },
      },
    });
    expect(negative.statusCode).toBe(400);
    expect(negative.json().error.message).toContain("a weight must be 0 or more");
    const stranger = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: tenant.auth,
      payload: {
        slug: "stranger",
        title: "S",
        durations: [60],
        mode: "round-robin",
        hostIds,
        roundRobin: { hosts: { "00000000-0000-4000-8000-000000000001": { weight: 1 } } },
      },
    });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json().error.message).toContain("not a host of the event type");
  });
});
