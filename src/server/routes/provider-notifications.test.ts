import Fastify, { type FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore } from "../../../test/support/test-stores.ts";
import type { Store } from "../../store/database.ts";
import { installErrorHandler } from "../error-handler.ts";
import { providerNotificationRoutes } from "./provider-notifications.ts";

/** The push intake's HTTP contract: Graph's validation handshake, 202 for notifications, the per-client limit. */
describe("provider notification routes", () => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  const counted: Array<Record<string, string>> = [];
  const syncs: string[] = [];

  async function build(rateLimitPerMinute: number | false): Promise<FastifyInstance> {
    const server = Fastify({ logger: false });
    installErrorHandler(server);
    await server.register(
      providerNotificationRoutes({
        intake: {
          db: store.db,
          logger: pino({ level: "silent" }),
          requestSync: async (id) => void syncs.push(id),
          requestRenewal: async () => {},
          count: (labels) => void counted.push(labels),
        },
        rateLimitPerMinute,
      }),
    );
    await server.ready();
    return server;
  }

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore("pglite"));
    app = await build(false);
  });
  afterAll(async () => {
    await app.close();
    await dispose();
  });

  // Graph's token as Graph would send it (percent-encoded), and as URLSearchParams encodes it (spaces as '+').
  const token = "Validation: Testing client application reachability for subscription Request-Id: 4b8f+/=?&%";
  it.each([
    ["notifications", `validationToken=${encodeURIComponent(token)}`],
    ["lifecycle", new URLSearchParams({ validationToken: token }).toString()],
  ])("answers the validation handshake on %s with the decoded token as text/plain", async (path, query) => {
    const response = await app.inject({
      method: "POST",
      url: `/webhooks/microsoft/${path}?${query}`,
      headers: { "content-type": "text/plain; charset=utf-8" },
      payload: "",
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(response.body).toBe(token);
    expect(response.body).not.toBe(encodeURIComponent(token));
  });

  it("answers the handshake before the body is read (whatever its content type)", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/webhooks/microsoft/notifications?validationToken=abc%20def",
      headers: { "content-type": "application/json" },
      payload: "",
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe("abc def");
  });

  it("refuses a repeated or oversized validationToken", async () => {
    for (const query of ["validationToken=a&validationToken=b", `validationToken=${"x".repeat(3000)}`]) {
      const response = await app.inject({
        method: "POST",
        url: `/webhooks/microsoft/notifications?${query}`,
      });
      expect(response.statusCode).toBe(400);
    }
  });

  it("answers notifications 202, including ones for unknown subscriptions (counted as rejected, nothing queued)", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/webhooks/microsoft/notifications",
      payload: {
        value: [
          { subscriptionId: "unknown-1", clientState: "x", changeType: "updated" },
          { subscriptionId: "unknown-2", clientState: "y", lifecycleEvent: "missed" },
          { notASubscription: true },
        ],
      },
    });
    expect(response.statusCode).toBe(202);
    expect(counted).toEqual([
      { provider: "microsoft", kind: "changed", outcome: "rejected" },
      { provider: "microsoft", kind: "missed", outcome: "rejected" },
    ]);
    expect(syncs).toEqual([]);
  });

  it("refuses a body that is not Graph's shape", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/webhooks/microsoft/notifications",
      payload: { hello: "world" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "bad_request" } });
  });

  it("rate-limits the intake per client", async () => {
    const limited = await build(2);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await limited.inject({
          method: "POST",
          url: "/webhooks/microsoft/notifications",
          payload: { value: [] },
          remoteAddress: "203.0.113.7",
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([202, 202, 429]);
      const other = await limited.inject({
        method: "POST",
        url: "/webhooks/microsoft/notifications",
        payload: { value: [] },
        remoteAddress: "203.0.113.8",
      });
      expect(other.statusCode).toBe(202);
    } finally {
      await limited.close();
    }
  });
});
