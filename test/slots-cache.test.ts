import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlotsCache } from "../src/scheduling/slots-cache.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { openTestStore } from "./support/test-stores.ts";

/** The slots cache may never show a time that this process has just booked, or hours it has just changed. */
describe("cached public slots", () => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore("pglite"));
    ({ app } = await buildBookingTestApp(store, {
      slotsCache: createSlotsCache({ ttlMs: 60_000, maxEntries: 100 }),
    }));
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("drops a tenant's cached answers when it books or changes its schedule", async () => {
    const tenant = await createTestTenant(store, "Cache Co");
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers: tenant.auth,
        payload: { name: "C", timeZone: "UTC" },
      })
    ).json();
    const schedule = (
      await app.inject({
        method: "POST",
        url: `/v1/hosts/${host.id}/schedules`,
        headers: tenant.auth,
        payload: { timeZone: "UTC", weekly: { mon: [["09:00", "11:00"]] } },
      })
    ).json();
    await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: tenant.auth,
      payload: { slug: "c", title: "C", durations: [60], hostIds: [host.id] },
    });
    const slots = async () =>
      (
        await app.inject({
          url: `/v1/public/${tenant.slug}/c/slots?from=2030-03-04T00:00:00Z&to=2030-03-05T00:00:00Z&timeZone=UTC`,
        })
      )
        .json()
        .slots.map((slot: { start: string }) => slot.start);
    expect(await slots()).toEqual(["2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z"]);
    expect(await slots()).toEqual(["2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z"]); // served from the cache

    const booked = await app.inject({
      method: "POST",
      url: `/v1/public/${tenant.slug}/c/bookings`,
      payload: { start: "2030-03-04T09:00:00Z", timeZone: "UTC", name: "N", email: "n@example.com" },
    });
    expect(booked.statusCode).toBe(201);
    expect(await slots()).toEqual(["2030-03-04T10:00:00Z"]);

    await app.inject({
      method: "PUT",
      url: `/v1/hosts/${host.id}/schedules/${schedule.id}`,
      headers: tenant.auth,
      payload: { timeZone: "UTC", weekly: { mon: [["09:00", "12:00"]] } },
    });
    expect(await slots()).toEqual(["2030-03-04T10:00:00Z", "2030-03-04T11:00:00Z"]);

    // The event type is cached for the slots of other ranges too, and dropped the same way when it changes.
    const nextWeek = async () =>
      (
        await app.inject({
          url: `/v1/public/${tenant.slug}/c/slots?from=2030-03-11T00:00:00Z&to=2030-03-12T00:00:00Z&timeZone=UTC`,
        })
      ).json().durationMinutes;
    expect(await nextWeek()).toBe(60);
    const eventTypes = (await app.inject({ url: "/v1/event-types", headers: tenant.auth })).json().data;
    const changed = await app.inject({
      method: "PUT",
      url: `/v1/event-types/${eventTypes[0].id}`,
      headers: tenant.auth,
      payload: { slug: "c", title: "C", durations: [30], hostIds: [host.id] },
    });
    expect(changed.statusCode).toBe(200);
    expect(await nextWeek()).toBe(30);
  });
});
