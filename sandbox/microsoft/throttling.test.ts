import { describe, expect, it } from "vitest";
import { admin, field, type GraphFetch, withSandbox } from "./test-session.ts";
import { ConcurrencyGate, MAILBOX_CONCURRENCY } from "./throttling.ts";

const fx = withSandbox({ accounts: ["adele@contoso.com", "megan@contoso.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);
const megan: GraphFetch = (path, init) => fx.as("megan@contoso.com")(path, init);

describe("throttling and transient faults", () => {
  it("answers the next requests with 429 and Retry-After as given: whole, fractional or missing", async () => {
    await admin(fx.sandbox.url, "throttle", { count: 1, retryAfter: "2" });
    await admin(fx.sandbox.url, "throttle", { count: 1, retryAfter: "0.5" });
    await admin(fx.sandbox.url, "throttle", { count: 1, retryAfter: null });
    const first = await adele("/me/calendars");
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("2");
    expect(first.body.error).toMatchObject({ code: "TooManyRequests", message: "Please retry again later." });
    expect(field(first.body, "error", "innerError", "status")).toBe("429");
    expect((await adele("/me/calendars")).headers.get("retry-after")).toBe("0.5");
    const missing = await adele("/me/calendars");
    expect(missing.status).toBe(429);
    expect(missing.headers.get("retry-after")).toBeNull();
    expect((await adele("/me/calendars")).status).toBe(200);
  });

  it("injects 503 and 504, and can target one account", async () => {
    await admin(fx.sandbox.url, "throttle", { count: 1, status: 503, retryAfter: "1" });
    await admin(fx.sandbox.url, "throttle", { count: 1, status: 504, account: "megan@contoso.com" });
    const unavailable = await adele("/me");
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("1");
    expect((await adele("/me")).status).toBe(200);
    const timeout = await megan("/me");
    expect(timeout.status).toBe(504);
    expect(timeout.body.error).toMatchObject({ code: "UnknownError", message: "" });
  });

  it("throttles the fifth concurrent request to one mailbox with ApplicationThrottled", async () => {
    // Latency keeps the requests in flight together; generous so a loaded machine still overlaps them.
    await admin(fx.sandbox.url, "latency", { ms: 1000 });
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => adele("/me/calendars")));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      const throttled = results.find((r) => r.status === 429);
      expect(throttled?.body.error).toMatchObject({
        code: "ApplicationThrottled",
        message: "Application is over its MailboxConcurrency limit.",
      });
      // Another mailbox has its own budget.
      const mixed = await Promise.all([...Array.from({ length: 4 }, () => adele("/me")), megan("/me")]);
      expect(mixed.every((r) => r.status === 200)).toBe(true);
    } finally {
      await admin(fx.sandbox.url, "latency", { ms: 0 });
    }
  });

  it("counts per app and mailbox: four in flight pass, the fifth is refused until one leaves", () => {
    const gate = new ConcurrencyGate();
    for (let i = 0; i < MAILBOX_CONCURRENCY; i++) gate.enter("app\nadele");
    expect(() => gate.enter("app\nadele")).toThrow("Application is over its MailboxConcurrency limit.");
    gate.enter("app\nmegan");
    gate.leave("app\nadele");
    expect(() => gate.enter("app\nadele")).not.toThrow();
  });
});
