import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * Tenant A must neither read nor change tenant B's data through ANY route. The routes are taken from the OpenAPI
 * document, so a route added later is covered automatically; a path parameter this test cannot fill with one of
 * B's ids fails the test, forcing whoever adds it to extend the fixture below.
 */
describe.each(backends)("tenant isolation on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let a: { authorization: string };
  let b: { authorization: string };
  const bIds: Record<string, string> = {};

  async function snapshotOfB(): Promise<string> {
    const hosts = await app.inject({ url: "/v1/hosts", headers: b });
    const schedules = await app.inject({ url: `/v1/hosts/${bIds.hostId}/schedules`, headers: b });
    const keys = await app.inject({ url: "/v1/api-keys", headers: b });
    const endpoint = `/v1/webhook-endpoints/${bIds.endpointId}`;
    const webhooks = await Promise.all(
      [endpoint, `${endpoint}/secret`, `${endpoint}/deliveries`].map((url) =>
        app.inject({ url, headers: b }),
      ),
    );
    const eventTypes = await app.inject({ url: "/v1/event-types", headers: b });
    const connections = await app.inject({ url: `/v1/hosts/${bIds.hostId}/connections`, headers: b });
    const bookings = await app.inject({ url: "/v1/bookings", headers: b });
    const feeds = await app.inject({ url: `/v1/hosts/${bIds.hostId}/feeds`, headers: b });
    return JSON.stringify([
      connections.json(),
      eventTypes.json(),
      bookings.json(),
      feeds.json(),
      hosts.json(),
      schedules.json(),
      keys.json().data.map((key: { id: string }) => key.id),
      webhooks.map((response) => response.json()),
    ]);
  }

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    const keyRing = parseKeyRing(generateKeySpec("k1"));
    ({ app } = await buildBookingTestApp(store, {
      keyRing,
      // Syncing is not what this test is about: requests are accepted and left queued.
      connections: {
        db: store.db,
        keyRing,
        outbound: createOutboundGuard({ allow: [] }),
        requestSync: async () => "queued",
      },
    }));
    a = (await createTestTenant(store, "Tenant A")).auth;
    const tenantB = await createTestTenant(store, "Tenant B");
    b = tenantB.auth;
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers: b,
        payload: { name: "B host", timeZone: "UTC" },
      })
    ).json();
    bIds.hostId = host.id;
    const schedule = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/schedules`,
      headers: b,
      payload: { timeZone: "UTC", weekly: { mon: [["09:00", "17:00"]] } },
    });
    bIds.scheduleId = schedule.json().id;
    const eventType = await app.inject({
      method: "POST",
      url: "/v1/event-types",
      headers: b,
      payload: { slug: "b-call", title: "B call", durations: [30], hostIds: [host.id] },
    });
    bIds.eventTypeId = eventType.json().id;
    const booking = await app.inject({
      method: "POST",
      url: `/v1/public/${tenantB.slug}/b-call/bookings`,
      payload: { start: "2030-03-04T09:00:00Z", timeZone: "UTC", name: "B attendee", email: "b@example.com" },
    });
    expect(booking.statusCode).toBe(201);
    bIds.bookingId = booking.json().id;
    const key = await app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: b,
      payload: { name: "b2" },
    });
    bIds.keyId = key.json().id;
    const endpoint = await app.inject({
      method: "POST",
      url: "/v1/webhook-endpoints",
      headers: b,
      payload: { url: "https://b.example.com/hooks" },
    });
    bIds.endpointId = endpoint.json().id;
    const test = await app.inject({
      method: "POST",
      url: `/v1/webhook-endpoints/${bIds.endpointId}/test`,
      headers: b,
    });
    bIds.deliveryId = test.json().id;
    const feed = await app.inject({ method: "POST", url: `/v1/hosts/${host.id}/feeds`, headers: b });
    bIds.feedId = feed.json().id;
    const connection = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/connections`,
      headers: b,
      payload: { provider: "ics", url: "https://calendar.b.example/private/b.ics", name: "B feed" },
    });
    expect(connection.statusCode).toBe(201);
    bIds.connectionId = connection.json().id;
    // A host of A's own, so that list routes have something of A's to return.
    await app.inject({
      method: "POST",
      url: "/v1/hosts",
      headers: a,
      payload: { name: "A host", timeZone: "UTC" },
    });
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("gives tenant A no access to tenant B's data on any /v1 route", async () => {
    const before = await snapshotOfB();
    const openapi = (await app.inject({ url: "/openapi.json" })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const tenantPaths = Object.entries(openapi.paths).filter(
      // Export feeds are capability URLs (the token alone authorises, no API key): covered by export-feeds.test.ts.
      ([path]) =>
        path.startsWith("/v1/") && !path.startsWith("/v1/public/") && !path.startsWith("/v1/feeds/"),
    );
    expect(tenantPaths.length).toBeGreaterThan(3);
    let checked = 0;
    for (const [template, operations] of tenantPaths) {
      const url = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
        const id = bIds[name];
        if (!id)
          throw new Error(`isolation test has no tenant-B id for path parameter {${name}} in ${template}`);
        return id;
      });
      for (const method of Object.keys(operations)) {
        const payload = method === "get" || method === "delete" ? undefined : validishBody(template, bIds);
        const response = await app.inject({
          method: method.toUpperCase() as "GET",
          url,
          headers: a,
          payload,
        });
        const body = response.body;
        for (const id of Object.values(bIds)) expect(body, `${method} ${template}`).not.toContain(id);
        expect(body, `${method} ${template}`).not.toContain("B host");
        if (template.includes("{")) {
          expect([400, 404], `${method} ${template} answered ${response.statusCode}`).toContain(
            response.statusCode,
          );
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8);
    expect(await snapshotOfB()).toBe(before);
  });

  it("keeps B's key working and A's list free of B's rows", async () => {
    const listed = await app.inject({ url: "/v1/hosts", headers: a });
    const names = listed.json().data.map((host: { name: string }) => host.name);
    expect(names).toContain("A host");
    expect(names).not.toContain("B host");
    expect((await app.inject({ url: `/v1/hosts/${bIds.hostId}`, headers: b })).statusCode).toBe(200);
  });
});

/** A body that passes validation where possible, so the request reaches the tenant check instead of stopping at 400. */
function validishBody(template: string, bIds: Record<string, string>): Record<string, unknown> {
  if (template.endsWith("/schedules") || template.endsWith("{scheduleId}")) {
    return { timeZone: "UTC", weekly: { tue: [["10:00", "11:00"]] } };
  }
  if (template.endsWith("/api-keys")) return { name: "from A" };
  if (template.endsWith("/connections")) return { provider: "ics", url: "https://calendar.a.example/a.ics" };
  if (template.startsWith("/v1/webhook-endpoints")) return { url: "https://a.example.com/hooks" };
  // A tries to attach B's host to an event type of its own: refused like any unknown host.
  if (template.startsWith("/v1/event-types")) {
    return { slug: "stolen", title: "Stolen", durations: [30], hostIds: [bIds.hostId] };
  }
  if (template.endsWith("/cancel") || template.endsWith("/reject") || template.endsWith("/confirm")) {
    return { reason: "A was here" };
  }
  if (template.endsWith("/reschedule")) return { start: "2030-03-04T10:00:00Z" };
  if (template.endsWith("/feeds")) return { includeBusy: true };
  return { name: "Renamed by A", timeZone: "UTC" };
}
