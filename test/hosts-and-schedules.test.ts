import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/database.ts";
import { buildTestApp, createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

const schedule = {
  name: "Office",
  timeZone: "Europe/Berlin",
  weekly: {
    mon: [["09:00", "17:00"]],
    tue: [
      ["09:00", "12:00"],
      ["13:00", "17:00"],
    ],
  },
  overrides: [{ date: "2030-03-13", intervals: [["10:00", "14:00"]] }],
  outOfOffice: [{ start: "2030-04-01T00:00:00Z", end: "2030-04-08T00:00:00Z", reason: "Holiday" }],
};

describe.each(backends)("hosts and schedules API on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let auth: { authorization: string };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    app = await buildTestApp(store);
    ({ auth } = await createTestTenant(store, "Acme Booking"));
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  it("creates a host and its schedule and reads them back", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/hosts",
      headers: auth,
      payload: {
        name: "Dana Expert",
        email: "dana@example.com",
        timeZone: "Europe/Berlin",
        externalId: "u-1",
      },
    });
    expect(created.statusCode).toBe(201);
    const host = created.json();
    expect(host).toMatchObject({ name: "Dana Expert", timeZone: "Europe/Berlin", externalId: "u-1" });

    const scheduleResponse = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/schedules`,
      headers: auth,
      payload: schedule,
    });
    expect(scheduleResponse.statusCode).toBe(201);
    const saved = scheduleResponse.json();
    expect(saved).toMatchObject({ ...schedule, isDefault: true, hostId: host.id });

    const read = await app.inject({
      method: "GET",
      url: `/v1/hosts/${host.id}/schedules/${saved.id}`,
      headers: auth,
    });
    expect(read.json()).toEqual(saved);
    const listed = await app.inject({ method: "GET", url: `/v1/hosts/${host.id}/schedules`, headers: auth });
    expect(listed.json().data).toHaveLength(1);

    const replaced = await app.inject({
      method: "PUT",
      url: `/v1/hosts/${host.id}/schedules/${saved.id}`,
      headers: auth,
      payload: { ...schedule, weekly: { fri: [["22:00", "02:00"]] } },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().weekly).toEqual({ fri: [["22:00", "02:00"]] });

    const patched = await app.inject({
      method: "PATCH",
      url: `/v1/hosts/${host.id}`,
      headers: auth,
      payload: { name: "Dana" },
    });
    expect(patched.json().name).toBe("Dana");
    const duplicate = await app.inject({
      method: "POST",
      url: "/v1/hosts",
      headers: auth,
      payload: { name: "Other", timeZone: "UTC", externalId: "u-1" },
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe("conflict");

    expect(
      (await app.inject({ method: "DELETE", url: `/v1/hosts/${host.id}`, headers: auth })).statusCode,
    ).toBe(204);
    expect((await app.inject({ method: "GET", url: `/v1/hosts/${host.id}`, headers: auth })).statusCode).toBe(
      404,
    );
    const gone = await app.inject({
      method: "GET",
      url: `/v1/hosts/${host.id}/schedules/${saved.id}`,
      headers: auth,
    });
    expect(gone.statusCode).toBe(404);
  });

  it.each([
    [
      "an unknown time zone",
      { ...schedule, timeZone: "Europe/Atlantis" },
      /timeZone: unknown time zone "Europe\/Atlantis"/,
    ],
    [
      "end before start",
      { ...schedule, outOfOffice: [{ start: "2030-04-08T00:00:00Z", end: "2030-04-01T00:00:00Z" }] },
      /outOfOffice.0.end: end must be after start/,
    ],
    [
      "overlapping intervals",
      {
        ...schedule,
        weekly: {
          mon: [
            ["09:00", "13:00"],
            ["12:00", "17:00"],
          ],
        },
      },
      /overlaps/,
    ],
    [
      "a bad date",
      { ...schedule, overrides: [{ date: "2030-13-01", intervals: [] }] },
      /overrides.0.date: must be a calendar date/,
    ],
    ["a bad time", { ...schedule, weekly: { mon: [["25:00", "26:00"]] } }, /must be a wall time HH:MM/],
  ])("rejects %s with a 400 that says what is wrong", async (_name, payload, message) => {
    const host = (
      await app.inject({
        method: "POST",
        url: "/v1/hosts",
        headers: auth,
        payload: { name: "V", timeZone: "UTC" },
      })
    ).json();
    const response = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.id}/schedules`,
      headers: auth,
      payload,
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.message).toMatch(message);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    const listed = await app.inject({ method: "GET", url: `/v1/hosts/${host.id}/schedules`, headers: auth });
    expect(listed.json().data).toEqual([]); // nothing stored
  });

  it("answers bad requests with the error envelope, never a stack", async () => {
    const cases = [
      {
        method: "POST" as const,
        url: "/v1/hosts",
        payload: "{not json",
        headers: { ...auth, "content-type": "application/json" },
      },
      {
        method: "POST" as const,
        url: "/v1/hosts",
        payload: { name: "", timeZone: "Mars/Base" },
        headers: auth,
      },
      { method: "GET" as const, url: "/v1/hosts/not-a-uuid", headers: auth },
      { method: "GET" as const, url: "/v1/hosts?limit=100000", headers: auth },
      {
        method: "POST" as const,
        url: "/v1/hosts",
        payload: { name: "x".repeat(300 * 1024), timeZone: "UTC" },
        headers: auth,
      },
    ];
    const statuses = [];
    for (const request of cases) {
      const response = await app.inject(request);
      statuses.push(response.statusCode);
      expect(response.json().error.code).toMatch(/^[a-z_]+$/);
      expect(response.body).not.toContain("node_modules");
    }
    expect(statuses).toEqual([400, 400, 400, 400, 413]);
  });

  it("requires a valid API key", async () => {
    expect((await app.inject({ method: "GET", url: "/v1/hosts" })).statusCode).toBe(401);
    const wrong = await app.inject({
      method: "GET",
      url: "/v1/hosts",
      headers: { authorization: "Bearer cbk_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("unauthorized");
  });

  it("revokes API keys", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: auth,
      payload: { name: "ci" },
    });
    const { id, key } = created.json();
    const other = { authorization: `Bearer ${key}` };
    expect((await app.inject({ method: "GET", url: "/v1/tenant", headers: other })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: "DELETE", url: `/v1/api-keys/${id}`, headers: auth })).statusCode,
    ).toBe(204);
    expect((await app.inject({ method: "GET", url: "/v1/tenant", headers: other })).statusCode).toBe(401);
    const listed = await app.inject({ method: "GET", url: "/v1/api-keys", headers: auth });
    expect(listed.body).not.toContain(key);
  });

  it("serves health, readiness, metrics and the OpenAPI document", async () => {
    expect((await app.inject({ url: "/healthz" })).json().status).toBe("ok");
    expect((await app.inject({ url: "/readyz" })).json()).toEqual({
      status: "ready",
      checks: { database: "ok" },
    });
    const metrics = await app.inject({ url: "/metrics" });
    expect(metrics.body).toContain("calbridge_http_requests_total");
    const openapi = (await app.inject({ url: "/openapi.json" })).json();
    expect(openapi.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(["/v1/hosts", "/v1/hosts/{hostId}/schedules"]),
    );
    expect(openapi.paths["/v1/hosts"].post.requestBody.content["application/json"].schema.required).toContain(
      "timeZone",
    );
    expect((await app.inject({ url: "/docs" })).statusCode).toBeLessThan(400);
  });
});
