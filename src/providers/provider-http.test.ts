import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProviderMetrics } from "../observability/metrics.ts";
import { createProviderHttp } from "./provider-http.ts";
import { parseRetryAfter } from "./retry-after.ts";

/** A scripted provider on 127.0.0.1: each request takes the next answer from the script. */
let server: Server;
let base: string;
let script: Array<{ status: number; headers?: Record<string, string>; body?: string; delayMs?: number }> = [];
let hits = 0;
let concurrent = 0;
let maxConcurrent = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    const step = script.shift() ?? { status: 200, body: "{}" };
    setTimeout(() => {
      concurrent--;
      res.writeHead(step.status, { "content-type": "application/json", ...step.headers });
      res.end(step.body ?? "");
    }, step.delayMs ?? 0);
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function setup(
  overrides: Parameters<typeof createProviderHttp>[0] extends infer O ? Partial<O> : never = {},
) {
  hits = 0;
  maxConcurrent = 0;
  const waits: number[] = [];
  const metrics = createProviderMetrics(new Registry());
  const http = createProviderHttp({
    provider: "microsoft",
    metrics,
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    ...overrides,
  });
  return { http, waits, metrics };
}

describe("parseRetryAfter", () => {
  it.each([
    ["2", 2000],
    ["2.128", 2128],
    ["0", 0],
    [" 7 ", 7000],
  ])("reads seconds %j", (value, expected) => {
    expect(parseRetryAfter(value, 0)).toBe(expected);
  });
  it("reads an HTTP date relative to now", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(parseRetryAfter("Tue, 01 Jan 2030 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 01 Jan 2029 00:00:30 GMT", now)).toBe(0);
  });
  it.each([[null], [""], ["soon"], ["-3"]])("ignores %j", (value) => {
    expect(parseRetryAfter(value, 0)).toBeNull();
  });
});

describe("provider HTTP layer", () => {
  it("honours Retry-After (fractional seconds) on 429 and then succeeds", async () => {
    const { http, waits, metrics } = setup();
    script = [
      { status: 429, headers: { "retry-after": "2.128" }, body: '{"error":{"code":"TooManyRequests"}}' },
      { status: 429, headers: { "retry-after": "1" } },
      { status: 200, body: '{"ok":true}' },
    ];
    const result = await http.request({ account: "a", method: "GET", url: `${base}/x`, idempotent: true });
    expect(result.kind === "response" && result.status).toBe(200);
    expect(result.kind === "response" && result.body).toBe('{"ok":true}');
    expect(waits).toEqual([2128, 1000]);
    expect(hits).toBe(3);
    expect((await metrics.throttles.get()).values[0]?.value).toBe(2);
    expect((await metrics.retries.get()).values.find((v) => v.labels.reason === "429")?.value).toBe(2);
  });

  it("backs off with jitter when a 503/504 has no Retry-After", async () => {
    const { http, waits } = setup({ backoff: { baseMs: 100, capMs: 1000 } });
    script = [{ status: 503 }, { status: 504 }, { status: 504 }, { status: 200, body: "{}" }];
    const result = await http.request({ account: "a", method: "GET", url: `${base}/x`, idempotent: true });
    expect(result.kind === "response" && result.status).toBe(200);
    // random() = 0.5 of 100, 200, 400 ms
    expect(waits).toEqual([50, 100, 200]);
  });

  it("does not retry a non-idempotent write after a 5xx (it may have been applied), but does after a 429", async () => {
    const { http } = setup();
    script = [{ status: 503 }];
    const failed = await http.request({ account: "a", method: "POST", url: `${base}/x`, idempotent: false });
    expect(failed.kind === "response" && failed.status).toBe(503);
    expect(hits).toBe(1);
    const again = setup();
    script = [
      { status: 429, headers: { "retry-after": "0" } },
      { status: 201, body: "{}" },
    ];
    const created = await again.http.request({
      account: "a",
      method: "POST",
      url: `${base}/x`,
      idempotent: false,
    });
    expect(created.kind === "response" && created.status).toBe(201);
    expect(hits).toBe(2);
  });

  it("hands a long Retry-After back to the caller instead of sleeping through it", async () => {
    const { http, waits } = setup({ maxWaitMs: 10_000 });
    script = [{ status: 429, headers: { "retry-after": "120" } }];
    const result = await http.request({ account: "a", method: "GET", url: `${base}/x`, idempotent: true });
    expect(result.kind === "response" && result.status).toBe(429);
    expect(result.retryAfterMs).toBe(120_000);
    expect(waits).toEqual([]);
  });

  it("gives up after maxAttempts and returns the last answer", async () => {
    const { http } = setup({ maxAttempts: 3 });
    script = [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 200 }];
    const result = await http.request({ account: "a", method: "GET", url: `${base}/x`, idempotent: true });
    expect(result.kind === "response" && result.status).toBe(503);
    expect(hits).toBe(3);
    script = [];
  });

  it("times out a slow answer and reports it as a network failure", async () => {
    const { http } = setup({ timeoutMs: 100, maxAttempts: 1 });
    script = [{ status: 200, delayMs: 400 }];
    const result = await http.request({ account: "a", method: "GET", url: `${base}/x`, idempotent: true });
    expect(result).toEqual({ kind: "network", reason: "timeout", retryAfterMs: null });
  });

  it("reports an unreachable host as a network failure (no raw socket text)", async () => {
    const { http } = setup({ maxAttempts: 1 });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await http.request({
      account: "a",
      method: "GET",
      url: `http://127.0.0.1:${port}/`,
      idempotent: true,
    });
    expect(result).toEqual({ kind: "network", reason: "unreachable", retryAfterMs: null });
  });

  it("runs at most 4 requests per account at once, and other accounts are not held up", async () => {
    // Let answers still in flight from earlier cases (the timed-out one) finish first.
    while (concurrent > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const { http } = setup();
    // Answers are held long enough that every request the limit lets through overlaps, even on a loaded machine.
    script = Array.from({ length: 12 }, () => ({ status: 200, delayMs: 400 }));
    await Promise.all(
      Array.from({ length: 10 }, () =>
        http.request({ account: "mailbox-1", method: "GET", url: `${base}/x`, idempotent: true }),
      ),
    );
    expect(maxConcurrent).toBe(4);
    maxConcurrent = 0;
    script = Array.from({ length: 8 }, () => ({ status: 200, delayMs: 400 }));
    await Promise.all([
      ...Array.from({ length: 4 }, () =>
        http.request({ account: "mailbox-1", method: "GET", url: `${base}/x`, idempotent: true }),
      ),
      ...Array.from({ length: 4 }, () =>
        http.request({ account: "mailbox-2", method: "GET", url: `${base}/x`, idempotent: true }),
      ),
    ]);
    expect(maxConcurrent).toBe(8);
  });
});
