import { describe, expect, it } from "vitest";
import { admin, field, type GraphFetch, type Json, withSandbox } from "./test-session.ts";

const fx = withSandbox({ accounts: ["adele@contoso.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);

describe("JSON batching", () => {
  it("runs sub-requests with their own statuses, throttling and failed dependencies inside a 200", async () => {
    await admin(fx.sandbox.url, "throttle", { count: 1, retryAfter: "3" });
    const batch = await adele("/$batch", {
      method: "POST",
      body: {
        requests: [
          { id: "1", method: "GET", url: "/me" },
          { id: "2", method: "GET", url: "/me/mailboxSettings/timeZone" },
          {
            id: "3",
            method: "POST",
            url: "/me/events",
            headers: { "Content-Type": "application/json" },
            body: {
              subject: "Batched",
              start: { dateTime: "2030-07-01T10:00:00", timeZone: "UTC" },
              end: { dateTime: "2030-07-01T11:00:00", timeZone: "UTC" },
            },
          },
          { id: "4", method: "GET", url: "/me/events/AAMkAGmissing=" },
          { id: "5", method: "GET", url: "/me", dependsOn: ["4"] },
        ],
      },
    });
    expect(batch.status).toBe(200);
    const byId = new Map((batch.body.responses as Json[]).map((r) => [r.id, r]));
    expect(byId.get("1")).toMatchObject({
      status: 429,
      headers: expect.objectContaining({ "retry-after": "3" }),
    });
    expect(field(byId.get("1"), "body", "error", "code")).toBe("TooManyRequests");
    expect(field(byId.get("2"), "body", "value")).toBe("Pacific Standard Time");
    expect(byId.get("3")?.status).toBe(201);
    expect(field(byId.get("3"), "body", "subject")).toBe("Batched");
    expect(field(byId.get("4"), "body", "error", "code")).toBe("ErrorItemNotFound");
    expect(byId.get("5")?.status).toBe(424);
  });

  it("rejects more than 20 requests and duplicate ids as a whole", async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/me" }));
    expect((await adele("/$batch", { method: "POST", body: { requests: many } })).status).toBe(400);
    const duplicate = [
      { id: "1", method: "GET", url: "/me" },
      { id: "1", method: "GET", url: "/me" },
    ];
    expect((await adele("/$batch", { method: "POST", body: { requests: duplicate } })).status).toBe(400);
  });
});
