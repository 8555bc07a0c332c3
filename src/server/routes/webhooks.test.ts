import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, createTestTenant } from "../../../test/support/test-app.ts";
import { backends, openTestStore } from "../../../test/support/test-stores.ts";
import { createOutboundGuard } from "../../outbound/guarded-fetch.ts";
import { generateKeySpec, parseKeyRing } from "../../secrets/key-ring.ts";
import type { Store } from "../../store/database.ts";

// The endpoints API without a job engine: what it stores and how it validates. Delivery is in test/webhooks.test.ts.
describe.each(backends)("webhook endpoints API on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let auth: { authorization: string };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    // Names resolve without the network: *.internal.test to a private address, everything else to a public one.
    const outbound = createOutboundGuard({
      allow: ["127.0.0.1"],
      resolveHost: async (hostname) => [
        { address: hostname.endsWith(".internal.test") ? "10.20.30.40" : "93.184.216.34", family: 4 },
      ],
    });
    app = await buildTestApp(store, { keyRing: parseKeyRing(generateKeySpec("k1")), outbound });
    ({ auth } = await createTestTenant(store, "Hooks Inc"));
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const call = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object) =>
    app.inject({
      method,
      url: `/v1/webhook-endpoints${url}`,
      headers: auth,
      ...(payload ? { payload } : {}),
    });

  it.each([
    ["an ftp URL", { url: "ftp://example.com/hook" }, /http/],
    ["a relative URL", { url: "/hook" }, /http/],
    [
      "an unknown event type",
      { url: "https://example.com/h", eventTypes: ["booking.exploded"] },
      /booking\.created/,
    ],
    ["an unknown field", { url: "https://example.com/h", secret: "whsec_mine" }, /./],
  ])("rejects %s with 400", async (_, payload, message) => {
    const response = await call("POST", "", payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("validation_failed");
    expect(JSON.stringify(response.json())).toMatch(message);
  });

  it.each([
    "http://10.0.0.1/hooks",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]:8080/hooks",
    "http://[::ffff:127.0.0.2]/hooks",
    "http://2130706434/hooks",
    "http://0x7f.0.0.2/hooks",
    "http://100.64.0.1/hooks",
    "https://hooks.internal.test/calbridge",
  ])("refuses to register %s with a 400 naming the problem", async (url) => {
    const response = await call("POST", "", { url });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/^url: refused: the host is or resolves to an internal address/),
    });
    expect(response.json().error.message).not.toMatch(/10\.20\.30\.40/);
  });

  it("refuses an internal URL on update too, and keeps the endpoint as it was", async () => {
    const endpoint = (await call("POST", "", { url: "https://app.example.com/hooks" })).json();
    const patched = await call("PATCH", `/${endpoint.id}`, { url: "http://192.168.1.1/hooks" });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error.message).toMatch(/internal address/);
    expect((await call("GET", `/${endpoint.id}`)).json().url).toBe("https://app.example.com/hooks");
  });

  it("creates, reads, lists, updates and deletes an endpoint; the secret shows only where asked", async () => {
    const created = await call("POST", "", {
      url: "https://app.example.com/hooks",
      description: "Production",
      eventTypes: ["booking.created", "booking.cancelled", "booking.created"],
    });
    expect(created.statusCode).toBe(201);
    const endpoint = created.json();
    expect(endpoint).toMatchObject({
      url: "https://app.example.com/hooks",
      description: "Production",
      eventTypes: ["booking.created", "booking.cancelled"],
      enabled: true,
      disabledReason: null,
    });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const read = await call("GET", `/${endpoint.id}`);
    expect(read.json()).not.toHaveProperty("secret");
    expect(read.json()).toEqual((({ secret: _, ...rest }) => rest)(endpoint));
    expect((await call("GET", "")).json().data.map((e: { id: string }) => e.id)).toContain(endpoint.id);
    expect((await call("GET", `/${endpoint.id}/secret`)).json()).toEqual({ secret: endpoint.secret });

    const rotated = (await call("POST", `/${endpoint.id}/rotate-secret`)).json();
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect((await call("GET", `/${endpoint.id}/secret`)).json()).toEqual(rotated);

    const paused = await call("PATCH", `/${endpoint.id}`, { enabled: false, eventTypes: [] });
    expect(paused.json()).toMatchObject({ enabled: false, eventTypes: [], description: "Production" });
    expect(paused.json().disabledReason).toMatch(/API/);
    expect((await call("PATCH", `/${endpoint.id}`, { url: "mailto:x@example.com" })).statusCode).toBe(400);
    expect((await call("POST", `/${endpoint.id}/test`)).statusCode).toBe(409);
    const resumed = await call("PATCH", `/${endpoint.id}`, { enabled: true });
    expect(resumed.json()).toMatchObject({ enabled: true, disabledReason: null });

    expect((await call("DELETE", `/${endpoint.id}`)).statusCode).toBe(204);
    expect((await call("GET", `/${endpoint.id}`)).statusCode).toBe(404);
    expect((await call("DELETE", `/${endpoint.id}`)).statusCode).toBe(404);
  });

  it("shows a delivery logged before excerpts were cut under today's rule", async () => {
    const endpoint = (await call("POST", "", { url: "https://legacy.example.com/hooks" })).json();
    const delivery = (await call("POST", `/${endpoint.id}/test`)).json();
    const logAs = async (status: number, body: string) => {
      await store.executeSql(
        "update webhook_deliveries set last_status_code = $1, last_response_body = $2 where id = $3",
        [status, body, delivery.id],
      );
      return (await call("GET", `/${endpoint.id}/deliveries`)).json().data[0].lastResponseBody;
    };
    const failed = await logAs(500, `internal\u0007\r\n${"x".repeat(1000)}`);
    expect(failed).toBe(`internal ${"x".repeat(191)}`);
    expect(await logAs(200, "the whole answer of a success")).toBeNull();
  });

  it("logs a test event as pending without a job engine and refuses to retry a pending delivery", async () => {
    const endpoint = (await call("POST", "", { url: "http://127.0.0.1:9/hooks" })).json();
    const sent = await call("POST", `/${endpoint.id}/test`);
    expect(sent.statusCode).toBe(202);
    const delivery = sent.json();
    expect(delivery).toMatchObject({
      endpointId: endpoint.id,
      eventType: "webhook.test",
      status: "pending",
      attempts: 0,
      payload: { data: { endpointId: endpoint.id } },
    });
    const log = (await call("GET", `/${endpoint.id}/deliveries?limit=10`)).json();
    expect(log).toEqual({ data: [delivery], nextCursor: null });
    const retry = await call("POST", `/${endpoint.id}/deliveries/${delivery.id}/retry`);
    expect(retry.statusCode).toBe(409);
    const unknown = await call("POST", `/${endpoint.id}/deliveries/${endpoint.id}/retry`);
    expect(unknown.statusCode).toBe(404);
    expect((await call("GET", "/not-a-uuid/deliveries")).statusCode).toBe(400);
  });
});
