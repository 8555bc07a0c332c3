import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard } from "../../outbound/guarded-fetch.ts";
import { deliverWebhook } from "./deliver-webhook.ts";
import { generateWebhookSecret, verifyWebhook } from "./webhook-signature.ts";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 whose paths answer the way real endpoints fail. */
function startReceiver(received: Received[], base = () => ""): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (path === "/hang") return; // never answers: the sender must time out
      const answers: Record<string, [number, Record<string, string>, string]> = {
        "/ok": [200, { "content-type": "text/plain" }, "thanks"],
        "/error": [500, { "content-type": "text/plain" }, "boom"],
        "/gone": [410, {}, "endpoint removed"],
        "/bad": [400, {}, "bad request"],
        "/busy": [429, { "retry-after": "120" }, "slow down"],
        "/timeout-status": [408, {}, ""],
        "/moved": [302, { location: `${base()}/redirected` }, ""],
        "/big": [500, { "content-type": "text/html; charset=utf-8" }, `<p>\n${"é".repeat(3000)}`],
        "/binary": [500, { "content-type": "application/octet-stream" }, "internal\u0000bytes"],
      };
      const [status, headers, body] = answers[path] ?? [404, {}, "not found"];
      response.writeHead(status, headers).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("deliverWebhook", () => {
  const received: Received[] = [];
  const secret = generateWebhookSecret();
  const event = {
    id: "evt_01J0BOOKING",
    type: "booking.created",
    timestamp: new Date("2030-03-04T09:00:00Z"),
    data: { bookingId: "bk_1", attendee: "Zoë" },
  };
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = await startReceiver(received, () => base);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // The receiver is on 127.0.0.1, so it has to be allow-listed as OUTBOUND_ALLOW would.
  const guard = createOutboundGuard({ allow: ["127.0.0.1"] });
  const deliver = (path: string, timeoutMs = 5_000) =>
    deliverWebhook({ url: base + path, secret, event, guard, timeoutMs });

  it("POSTs the signed JSON body that the receiver verifies", async () => {
    const result = await deliver("/ok");
    // A success logs no part of the answer.
    expect(result).toMatchObject({ ok: true, status: 200, responseExcerpt: null, retryable: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const request = received.find((r) => r.path === "/ok");
    expect(request?.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "Calbridge-Webhooks/1",
      "webhook-id": "evt_01J0BOOKING",
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({
      type: "booking.created",
      timestamp: "2030-03-04T09:00:00.000Z",
      data: { bookingId: "bk_1", attendee: "Zoë" },
    });
    const verify = (payload: string, now = new Date()) =>
      verifyWebhook({ secret, headers: request?.headers ?? {}, payload, now });
    expect(verify(request?.body ?? "")).toMatchObject({ ok: true, id: "evt_01J0BOOKING" });
    // Tampering and replay later than the tolerance are rejected.
    expect(verify((request?.body ?? "").replace("bk_1", "bk_2"))).toEqual({
      ok: false,
      error: "invalid_signature",
    });
    expect(verify(request?.body ?? "", new Date(Date.now() + 10 * 60_000))).toEqual({
      ok: false,
      error: "timestamp_out_of_tolerance",
    });
  });

  it.each([
    ["/error", { ok: false, status: 500, retryable: true, endpointGone: false, responseExcerpt: "boom" }],
    ["/gone", { ok: false, status: 410, retryable: false, endpointGone: true }],
    ["/bad", { ok: false, status: 400, retryable: false, endpointGone: false }],
    ["/busy", { ok: false, status: 429, retryable: true, retryAfterMs: 120_000 }],
    ["/timeout-status", { ok: false, status: 408, retryable: true }],
  ])("classifies %s", async (path, expected) => {
    expect(await deliver(path)).toMatchObject(expected);
  });

  it("does not follow a redirect: a 3xx is a failed attempt, and the Location is not echoed", async () => {
    const result = await deliver("/moved");
    expect(result).toMatchObject({
      ok: false,
      status: 302,
      retryable: false,
      responseExcerpt: null,
      error: { kind: "redirect", message: "HTTP 302: redirects are not followed; register the final URL" },
    });
    expect(received.filter((r) => r.path === "/redirected")).toEqual([]);
  });

  it("refuses an endpoint whose name resolves to an internal address at delivery time, before connecting", async () => {
    let connections = 0;
    const counting = await startReceiver([]);
    counting.on("connection", () => connections++);
    const port = (counting.address() as AddressInfo).port;
    const lookups: string[] = [];
    // The name passed registration when it pointed elsewhere; now it answers with loopback (DNS rebinding).
    const strict = createOutboundGuard({
      allow: [],
      resolveHost: async (hostname) => {
        lookups.push(hostname);
        return [{ address: "127.0.0.1", family: 4 }];
      },
    });
    try {
      const result = await deliverWebhook({
        url: `http://hooks.example.test:${port}/ok`,
        secret,
        event,
        guard: strict,
        timeoutMs: 2_000,
      });
      expect(result).toMatchObject({
        ok: false,
        status: 0,
        retryable: false,
        responseExcerpt: null,
        error: { kind: "forbidden_target", message: expect.stringMatching(/internal address/) },
      });
      expect(result.error?.message).not.toMatch(/127\.0\.0\.1/);
      expect(lookups).toEqual(["hooks.example.test"]);
      expect(connections).toBe(0);
      // The same for a literal address, without any lookup.
      const literal = await deliverWebhook({
        url: `http://127.0.0.1:${port}/ok`,
        secret,
        event,
        guard: strict,
        timeoutMs: 2_000,
      });
      expect(literal).toMatchObject({ ok: false, retryable: false, error: { kind: "forbidden_target" } });
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => counting.close(resolve));
    }
  });

  it("times out a receiver that never answers, as retryable", async () => {
    const result = await deliver("/hang", 300);
    expect(result).toMatchObject({ ok: false, status: 0, retryable: true, error: { kind: "timeout" } });
  });

  it("reports a refused connection as a retryable network error", async () => {
    const closed = await startReceiver([]);
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await deliverWebhook({
      url: `http://127.0.0.1:${port}/`,
      secret,
      event,
      guard,
      timeoutMs: 2_000,
    });
    expect(result).toMatchObject({
      ok: false,
      status: 0,
      retryable: true,
      error: { kind: "network", message: "the server refused the connection" },
    });
  });

  it("logs at most a short, cleaned excerpt of a failed text answer, and nothing of a binary one", async () => {
    const big = await deliver("/big");
    expect(big).toMatchObject({ ok: false, status: 500, responseExcerpt: `<p> ${"é".repeat(196)}` });
    expect(await deliver("/binary")).toMatchObject({ ok: false, status: 500, responseExcerpt: null });
  });
});
