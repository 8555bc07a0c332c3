import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobEngine, startJobEngine } from "../src/jobs/job-engine.ts";
import {
  enqueueWebhookDeliveries,
  registerWebhookJobs,
  sweepWebhookDeliveries,
} from "../src/jobs/webhook-jobs.ts";
import { verifyWebhook } from "../src/notify/webhooks/webhook-signature.ts";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import type { Store } from "../src/store/database.ts";
import type { TenantId } from "../src/store/ids.ts";
import { emitWebhookEvent, insertWebhookEndpoint } from "../src/store/webhooks-repository.ts";
import { buildTestApp, createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 whose paths answer with a script of statuses (the last one repeats). */
function startReceiver(received: Received[], scripts: Record<string, number[]>): Promise<Server> {
  const server = createServer(async (request, response) => {
    request.setEncoding("utf8"); // decodes multi-byte characters split across chunks
    let body = "";
    for await (const chunk of request) body += chunk;
    const path = request.url ?? "/";
    received.push({ path, headers: request.headers, body });
    const script = scripts[path] ?? [200];
    const status = script.length > 1 ? script.shift()! : script[0]!;
    response.writeHead(status, { "content-type": "text/plain" }).end(`answer ${status}`);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(backends)("outbound webhooks on %s", (backend) => {
  const logger = pino({ level: "silent" });
  const keyRing = parseKeyRing(generateKeySpec("k1"));
  const received: Received[] = [];
  const scripts: Record<string, number[]> = { "/flaky": [500, 200], "/gone": [410], "/broken": [503] };
  let store: Store;
  let dispose: () => Promise<void>;
  let jobs: JobEngine;
  let app: FastifyInstance;
  let receiver: Server;
  let base: string;

  beforeAll(async () => {
    let databaseUrl: string | undefined;
    ({ store, databaseUrl, dispose } = await openTestStore(backend));
    jobs = await startJobEngine({ store, databaseUrl, logger, pollingIntervalSeconds: 0.5 });
    // One second between attempts and three attempts in all, instead of the 28-hour production schedule.
    const retryDelay = ({ failedAttempts }: { failedAttempts: number }) =>
      failedAttempts < 3 ? 1_000 : undefined;
    // The receiver runs on 127.0.0.1, which the SSRF guard refuses unless allow-listed (OUTBOUND_ALLOW).
    // rebound.example.test answers with a loopback address that is not allow-listed (a DNS-rebinding receiver).
    const outbound = createOutboundGuard({
      allow: ["127.0.0.1"],
      resolveHost: async (hostname) =>
        hostname === "rebound.example.test" ? [{ address: "127.0.0.2", family: 4 }] : [],
    });
    await registerWebhookJobs({ jobs, db: store.db, keyRing, logger, retryDelay, outbound });
    app = await buildTestApp(store, { keyRing, jobs, outbound });
    receiver = await startReceiver(received, scripts);
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ timeoutMs: 5_000 });
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await dispose?.();
  });

  async function registerEndpoint(path: string, eventTypes?: string[]) {
    const tenant = await createTestTenant(store, `Tenant ${path} ${Math.random()}`);
    const response = await app.inject({
      method: "POST",
      url: "/v1/webhook-endpoints",
      headers: tenant.auth,
      payload: { url: base + path, description: `receiver ${path}`, ...(eventTypes ? { eventTypes } : {}) },
    });
    expect(response.statusCode).toBe(201);
    const endpoint = response.json() as { id: string; secret: string; enabled: boolean };
    return { ...tenant, endpoint };
  }

  /** Emits inside a transaction, as the booking code does, and enqueues after the commit. */
  async function emitBooking(tenantId: TenantId, bookingId: string): Promise<string[]> {
    const ids = await store.db.transaction((tx) =>
      emitWebhookEvent(tx, {
        tenantId,
        type: "booking.created",
        data: { bookingId, attendee: "Zoë" },
        now: new Date(),
      }),
    );
    await enqueueWebhookDeliveries(jobs, ids);
    return ids;
  }

  function deliveryLog(auth: { authorization: string }, endpointId: string) {
    return app
      .inject({ url: `/v1/webhook-endpoints/${endpointId}/deliveries`, headers: auth })
      .then((response) => response.json().data as Array<Record<string, unknown>>);
  }

  async function settledLog(auth: { authorization: string }, endpointId: string, status: string) {
    return waitFor(async () => {
      const [latest] = await deliveryLog(auth, endpointId);
      return latest?.status === status ? latest : undefined;
    }, `a ${status} delivery`);
  }

  it("delivers a booking event signed with the endpoint's secret and logs the success", async () => {
    const { tenantId, auth, endpoint } = await registerEndpoint("/ok");
    expect(endpoint.secret).toMatch(/^whsec_/);
    const [deliveryId] = await emitBooking(tenantId, "bk_ok");
    const request = await waitFor(
      async () => received.find((r) => r.path === "/ok" && r.body.includes("bk_ok")),
      "the POST at /ok",
    );
    const verified = verifyWebhook({
      secret: endpoint.secret,
      headers: request.headers,
      payload: request.body,
      now: new Date(),
    });
    expect(verified.ok).toBe(true);
    expect(request.headers["webhook-id"]).toMatch(/^msg_/);
    expect(JSON.parse(request.body)).toMatchObject({
      type: "booking.created",
      data: { bookingId: "bk_ok", attendee: "Zoë" },
    });
    // Another tenant's secret does not verify it.
    const other = await registerEndpoint("/unused");
    expect(
      verifyWebhook({
        secret: other.endpoint.secret,
        headers: request.headers,
        payload: request.body,
        now: new Date(),
      }).ok,
    ).toBe(false);

    const logged = await settledLog(auth, endpoint.id, "succeeded");
    expect(logged).toMatchObject({
      id: deliveryId,
      messageId: request.headers["webhook-id"],
      eventType: "booking.created",
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      lastResponseBody: null, // a success logs no part of the answer
      nextAttemptAt: null,
    });
  });

  it("retries a 500 and succeeds on the second attempt with the same webhook-id", async () => {
    const { tenantId, auth, endpoint } = await registerEndpoint("/flaky");
    await emitBooking(tenantId, "bk_flaky");
    const logged = await settledLog(auth, endpoint.id, "succeeded");
    expect(logged).toMatchObject({ attempts: 2, lastStatusCode: 200 });
    const requests = received.filter((r) => r.path === "/flaky");
    expect(requests).toHaveLength(2);
    expect(requests[0]?.headers["webhook-id"]).toBe(requests[1]?.headers["webhook-id"]);
    for (const request of requests) {
      const check = {
        secret: endpoint.secret,
        headers: request.headers,
        payload: request.body,
        now: new Date(),
      };
      expect(verifyWebhook(check).ok).toBe(true);
    }
  });

  it("gives up after the last scheduled attempt and logs the failure", async () => {
    const { tenantId, auth, endpoint } = await registerEndpoint("/broken");
    await emitBooking(tenantId, "bk_broken");
    const logged = await settledLog(auth, endpoint.id, "failed");
    expect(logged).toMatchObject({
      attempts: 3,
      lastStatusCode: 503,
      lastError: "http_status: HTTP 503",
      lastResponseBody: "answer 503",
      nextAttemptAt: null,
    });
    expect(received.filter((r) => r.path === "/broken")).toHaveLength(3);
  });

  it("disables the endpoint on 410 Gone and stops emitting to it until it is re-enabled", async () => {
    const { tenantId, auth, endpoint } = await registerEndpoint("/gone");
    await emitBooking(tenantId, "bk_gone");
    expect(await settledLog(auth, endpoint.id, "failed")).toMatchObject({ attempts: 1, lastStatusCode: 410 });
    const read = (await app.inject({ url: `/v1/webhook-endpoints/${endpoint.id}`, headers: auth })).json();
    expect(read.enabled).toBe(false);
    expect(read.disabledReason).toMatch(/410 Gone/);
    expect(await emitBooking(tenantId, "bk_gone_2")).toEqual([]);
    const test = await app.inject({
      method: "POST",
      url: `/v1/webhook-endpoints/${endpoint.id}/test`,
      headers: auth,
    });
    expect(test.statusCode).toBe(409);

    const enabled = await app.inject({
      method: "PATCH",
      url: `/v1/webhook-endpoints/${endpoint.id}`,
      headers: auth,
      payload: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null });
    expect(await emitBooking(tenantId, "bk_gone_3")).toHaveLength(1);
  });

  it("sends webhook.test, and resends a delivery on request", async () => {
    const { auth, endpoint } = await registerEndpoint("/test-route", ["booking.cancelled"]);
    const sent = await app.inject({
      method: "POST",
      url: `/v1/webhook-endpoints/${endpoint.id}/test`,
      headers: auth,
    });
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({ eventType: "webhook.test", status: "pending", attempts: 0 });
    const delivered = await settledLog(auth, endpoint.id, "succeeded");
    const retried = await app.inject({
      method: "POST",
      url: `/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivered.id}/retry`,
      headers: auth,
    });
    expect(retried.statusCode).toBe(202);
    await waitFor(async () => {
      const [latest] = await deliveryLog(auth, endpoint.id);
      return latest?.attempts === 2 && latest.status === "succeeded" ? latest : undefined;
    }, "the resent delivery");
    const requests = received.filter((r) => r.path === "/test-route");
    expect(requests.map((r) => JSON.parse(r.body).type)).toEqual(["webhook.test", "webhook.test"]);
    expect(requests[0]?.headers["webhook-id"]).toBe(requests[1]?.headers["webhook-id"]);
  });

  it("recovers a delivery whose enqueue was lost through the sweeper", async () => {
    const { tenantId, auth, endpoint } = await registerEndpoint("/swept");
    // Committed, but the process "crashed" before enqueueing.
    await store.db.transaction((tx) =>
      emitWebhookEvent(tx, {
        tenantId,
        type: "booking.cancelled",
        data: { bookingId: "bk_swept" },
        now: new Date(),
      }),
    );
    expect(await sweepWebhookDeliveries({ jobs, db: store.db, now: new Date() })).toBe(0); // too young
    const later = new Date(Date.now() + 61_000);
    expect(await sweepWebhookDeliveries({ jobs, db: store.db, now: later })).toBeGreaterThanOrEqual(1);
    expect(await settledLog(auth, endpoint.id, "succeeded")).toMatchObject({
      eventType: "booking.cancelled",
    });
    expect(received.filter((r) => r.path === "/swept")).toHaveLength(1);
  });

  it("refuses a delivery to a name that now resolves to an internal address, logging a fixed reason", async () => {
    const { tenantId, auth } = await createTestTenant(store, `Tenant rebound ${Math.random()}`);
    // Stored as if registered while the name still pointed at a public address.
    const port = (receiver.address() as AddressInfo).port;
    const { endpoint } = await insertWebhookEndpoint(store.db, {
      tenantId,
      keyRing,
      input: { url: `http://rebound.example.test:${port}/rebound` },
    });
    await emitBooking(tenantId, "bk_rebound");
    const logged = await settledLog(auth, endpoint.id, "failed");
    expect(logged).toMatchObject({ attempts: 1, lastStatusCode: null, lastResponseBody: null });
    expect(logged.lastError).toMatch(
      /^forbidden_target: refused: the host is or resolves to an internal address/,
    );
    expect(logged.lastError).not.toMatch(/127\.0\.0\.2/);
    expect(received.filter((r) => r.path === "/rebound")).toEqual([]);
  });

  it("fails a delivery whose secret was sealed with a key the service does not hold, without sending", async () => {
    const { tenantId, auth } = await createTestTenant(store, `Tenant lost key ${Math.random()}`);
    const { endpoint } = await insertWebhookEndpoint(store.db, {
      tenantId,
      keyRing: parseKeyRing(generateKeySpec("lost")),
      input: { url: `${base}/lost-key` },
    });
    await emitBooking(tenantId, "bk_lost_key");
    const logged = await settledLog(auth, endpoint.id, "failed");
    expect(logged).toMatchObject({ attempts: 0, lastStatusCode: null });
    expect(logged.lastError).toMatch(/secret cannot be decrypted.*"lost"/);
    expect(received.filter((r) => r.path === "/lost-key")).toEqual([]);
  });
});
