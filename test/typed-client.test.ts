import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCalbridgeClient } from "../client/index.ts";
import { buildOpenApiDocument, openApiPath } from "../scripts/export-openapi.ts";
import { parseConfig } from "../src/config.ts";
import { startService } from "../src/main.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";

/**
 * The typed client is generated from client/openapi.json; these tests keep that file equal to what the service
 * serves, and drive the running service through the client (tsc checks every call below against the schema).
 */
describe("typed client", () => {
  it("is generated from the current OpenAPI document", async () => {
    const committed = JSON.parse(readFileSync(openApiPath, "utf8")) as unknown;
    const current = await buildOpenApiDocument();
    expect(
      current,
      "client/openapi.json is stale: run `npm run client:generate` and commit client/openapi.json and client/schema.d.ts",
    ).toEqual(committed);
  });

  it("matches the served document; creates a host, schedule and event type, books, reads back and cancels", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "calbridge-client-"));
    const service = await startService(
      parseConfig({
        PORT: "0",
        DATA_DIR: dataDir,
        SANDBOX: "off",
        LOG_LEVEL: "silent",
        ENCRYPTION_KEYS: generateKeySpec("k1"),
      }),
    );
    try {
      // The exported document is the one the running service serves (bar `servers`, which names the deployment).
      const served = (await (await fetch(`${service.url}/openapi.json`)).json()) as Record<string, unknown>;
      expect({ ...served, servers: [] }).toEqual({ ...(await buildOpenApiDocument()), servers: [] });

      const tenant = await createTenant(service.store.db, { name: "Client Co" });
      const { key } = await createApiKey(service.store.db, { tenantId: tenant.id, name: "client" });
      const api = createCalbridgeClient({ baseUrl: service.url, apiKey: key });
      const visitor = createCalbridgeClient({ baseUrl: service.url });

      const unauthorised = await visitor.GET("/v1/hosts");
      expect(unauthorised.response.status).toBe(401);

      const host = await api.POST("/v1/hosts", {
        body: { name: "Hana Host", email: "hana@client.example", timeZone: "UTC" },
      });
      expect(host.response.status).toBe(201);
      const hostId = host.data!.id;
      const weekdays = { mon: [["09:00", "17:00"]], tue: [["09:00", "17:00"]], wed: [["09:00", "17:00"]] };
      const schedule = await api.POST("/v1/hosts/{hostId}/schedules", {
        params: { path: { hostId } },
        body: {
          timeZone: "UTC",
          weekly: { ...weekdays, thu: [["09:00", "17:00"]], fri: [["09:00", "17:00"]] },
        },
      });
      expect(schedule.response.status).toBe(201);
      const eventType = await api.POST("/v1/event-types", {
        body: { slug: "consult", title: "Consultation", durations: [30], hostIds: [hostId] },
      });
      expect(eventType.response.status).toBe(201);
      expect(eventType.data!.slug).toBe("consult");

      const from = new Date(Date.now() + 2 * 86_400_000);
      from.setUTCHours(0, 0, 0, 0);
      const to = new Date(from.getTime() + 7 * 86_400_000);
      const slots = await visitor.GET("/v1/public/{tenantSlug}/{eventTypeSlug}/slots", {
        params: {
          path: { tenantSlug: tenant.slug, eventTypeSlug: "consult" },
          query: { from: from.toISOString(), to: to.toISOString(), timeZone: "Europe/Paris" },
        },
      });
      expect(slots.response.status).toBe(200);
      expect(slots.data!.durationMinutes).toBe(30);
      // Five working days in any seven, 16 half-hour slots each.
      expect(slots.data!.slots).toHaveLength(5 * 16);
      const slot = slots.data!.slots[0]!;
      expect(new Date(slot.start).getUTCHours()).toBe(9);

      const booked = await visitor.POST("/v1/public/{tenantSlug}/{eventTypeSlug}/bookings", {
        params: {
          path: { tenantSlug: tenant.slug, eventTypeSlug: "consult" },
          header: { "idempotency-key": "client-test-0001" },
        },
        body: { start: slot.start, timeZone: "Europe/Paris", name: "Ada Attendee", email: "ada@example.com" },
      });
      expect(booked.response.status).toBe(201);
      const booking = booked.data!;
      expect(booking).toMatchObject({ status: "confirmed", hostIds: [hostId], timeZone: "Europe/Paris" });
      expect(new Date(booking.start).getTime()).toBe(new Date(slot.start).getTime());

      const taken = await visitor.POST("/v1/public/{tenantSlug}/{eventTypeSlug}/bookings", {
        params: { path: { tenantSlug: tenant.slug, eventTypeSlug: "consult" } },
        body: { start: slot.start, timeZone: "UTC", name: "Bo Late", email: "bo@example.com" },
      });
      expect(taken.response.status).toBe(409);
      expect(taken.error?.error.code).toBe("slot_taken");

      const read = await api.GET("/v1/bookings/{bookingId}", {
        params: { path: { bookingId: booking.id } },
      });
      expect(read.data).toMatchObject({
        id: booking.id,
        attendee: { name: "Ada Attendee", email: "ada@example.com" },
        icalUid: booking.icalUid,
      });

      const cancelled = await api.POST("/v1/bookings/{bookingId}/cancel", {
        params: { path: { bookingId: booking.id } },
        body: { reason: "Client test" },
      });
      expect(cancelled.response.status).toBe(200);
      expect(cancelled.data).toMatchObject({ status: "cancelled", cancelReason: "Client test" });
      const listed = await api.GET("/v1/bookings", { params: { query: { status: "cancelled" } } });
      expect(listed.data!.data.map((row) => row.id)).toEqual([booking.id]);
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
