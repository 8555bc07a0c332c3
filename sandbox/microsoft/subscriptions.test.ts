import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { admin, field, firstNotification, type GraphFetch, type Json, withSandbox } from "./test-session.ts";

/** A webhook receiver on 127.0.0.1 whose behaviour each test scripts. */
interface Receiver {
  url: string;
  received: Array<{ path: string; body: Json }>;
  validations: string[];
  /** Status answered to notifications (validations always succeed unless `validation` says otherwise). */
  status: number;
  validation: "echo" | "encoded" | "silent";
  close(): Promise<void>;
  waitFor(count: number): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { received: [], validations: [], status: 202, validation: "echo" } as unknown as Receiver;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const token = url.searchParams.get("validationToken");
      if (token !== null) {
        receiver.validations.push(token);
        if (receiver.validation === "silent") return;
        const body = receiver.validation === "encoded" ? encodeURIComponent(token) : token;
        res.writeHead(200, { "content-type": "text/plain" }).end(body);
        return;
      }
      receiver.received.push({
        path: url.pathname,
        body: JSON.parse(Buffer.concat(chunks).toString()) as Json,
      });
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  receiver.waitFor = async (count) => {
    for (let i = 0; i < 200 && receiver.received.length < count; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(receiver.received.length).toBeGreaterThanOrEqual(count);
  };
  return receiver;
}

const fx = withSandbox({
  accounts: ["adele@contoso.com"],
  options: {
    notificationTiming: { validationTimeoutMs: 2000, deliveryTimeoutMs: 2000, retryDelaysMs: [50, 50] },
  },
});
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);
let receiver: Receiver;
afterEach(async () => {
  await fx.sandbox.subscriptions.idle();
  // Each test watches with its own receiver only.
  fx.sandbox.subscriptions.subscriptions.clear();
  await receiver?.close();
});

function inMinutes(minutes: number): string {
  return new Date(fx.sandbox.state.now() + minutes * 60_000).toISOString();
}

async function subscribe(extra: Json = {}) {
  return adele("/subscriptions", {
    method: "POST",
    body: {
      changeType: "created,updated,deleted",
      notificationUrl: `${receiver.url}/notify?tenant=contoso`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      resource: "me/events",
      expirationDateTime: inMinutes(3 * 24 * 60),
      clientState: "secret-state",
      ...extra,
    },
  });
}

describe("subscriptions", () => {
  it("validates both URLs with a decoded token, then notifies with clientState on outside edits", async () => {
    receiver = await startReceiver();
    const created = await subscribe();
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      resource: "me/events",
      changeType: "created,updated,deleted",
      clientState: "secret-state",
    });
    expect(receiver.validations).toHaveLength(2);
    expect(receiver.validations[0]).toContain("Validation: Testing client application reachability");
    const event = await adele("/me/events", {
      method: "POST",
      body: {
        subject: "Watched",
        start: { dateTime: "2030-05-01T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-05-01T11:00:00", timeZone: "UTC" },
      },
    });
    await admin(fx.sandbox.url, "events/change", {
      account: "adele@contoso.com",
      eventId: event.body.id,
      patch: { subject: "Edited in Outlook" },
    });
    await receiver.waitFor(2);
    const notifications = receiver.received.map((r) => (r.body.value as Json[])[0]);
    expect(receiver.received[0]?.path).toBe("/notify");
    expect(notifications.map((n) => n?.changeType)).toEqual(["created", "updated"]);
    expect(notifications[1]).toMatchObject({
      subscriptionId: created.body.id,
      clientState: "secret-state",
      resource: `Users/a1d2e3f4-0001-4000-8000-000000000001/Events/${String(event.body.id)}`,
    });
    expect(field(notifications[1], "resourceData", "id")).toBe(event.body.id);
    expect(field(notifications[1], "resourceData", "@odata.type")).toBe("#Microsoft.Graph.Event");
  });

  it("fails creation when validation echoes the encoded token or never answers", async () => {
    receiver = await startReceiver();
    receiver.validation = "encoded";
    const encoded = await subscribe({ lifecycleNotificationUrl: undefined });
    expect(encoded.status).toBe(400);
    expect(String(field(encoded.body, "error", "message"))).toContain(
      "Subscription validation request failed",
    );
    receiver.validation = "silent";
    expect((await subscribe({ lifecycleNotificationUrl: undefined })).status).toBe(400);
  });

  it("enforces the maximum lifetime, raises short ones to 45 minutes, renews, lists and deletes", async () => {
    receiver = await startReceiver();
    const tooLong = await subscribe({ expirationDateTime: inMinutes(10_081) });
    expect(tooLong.status).toBe(400);
    const short = await subscribe({ expirationDateTime: inMinutes(5) });
    const expiry = Date.parse(String(short.body.expirationDateTime));
    expect(expiry - fx.sandbox.state.now()).toBeGreaterThanOrEqual(45 * 60_000 - 1000);
    const id = String(short.body.id);
    const renewed = await adele(`/subscriptions/${id}`, {
      method: "PATCH",
      body: { expirationDateTime: inMinutes(4000) },
    });
    expect(renewed.status).toBe(200);
    expect(Date.parse(String(renewed.body.expirationDateTime))).toBeGreaterThan(expiry);
    const lifecycle = await adele(`/subscriptions/${id}`, {
      method: "PATCH",
      body: { lifecycleNotificationUrl: `${receiver.url}/x` },
    });
    expect(lifecycle.status).toBe(400);
    expect(((await adele("/subscriptions")).body.value as Json[]).some((s) => s.id === id)).toBe(true);
    expect((await adele(`/subscriptions/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(
      (await adele(`/subscriptions/${id}`, { method: "PATCH", body: { expirationDateTime: inMinutes(100) } }))
        .status,
    ).toBe(404);
  });

  it("redelivers until a 2xx, and after the last retry drops it and sends a missed lifecycle notification", async () => {
    receiver = await startReceiver();
    await subscribe();
    receiver.status = 500;
    await adele("/me/events", {
      method: "POST",
      body: {
        subject: "Retry",
        start: { dateTime: "2030-05-02T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-05-02T11:00:00", timeZone: "UTC" },
      },
    });
    await fx.sandbox.subscriptions.idle();
    const notify = receiver.received.filter((r) => r.path === "/notify");
    expect(notify).toHaveLength(3);
    const lifecycle = receiver.received.filter((r) => r.path === "/lifecycle");
    expect(firstNotification(lifecycle[0]?.body)).toMatchObject({
      lifecycleEvent: "missed",
      clientState: "secret-state",
    });
  });

  it("drops or delays notifications on request, sends reauthorizationRequired on revoke, and expires with the clock", async () => {
    receiver = await startReceiver();
    const created = await subscribe();
    await admin(fx.sandbox.url, "notifications", { mode: "drop", count: 1 });
    const event = await adele("/me/events", {
      method: "POST",
      body: {
        subject: "Dropped",
        start: { dateTime: "2030-05-03T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-05-03T11:00:00", timeZone: "UTC" },
      },
    });
    await fx.sandbox.subscriptions.idle();
    expect(receiver.received).toHaveLength(0);
    await admin(fx.sandbox.url, "notifications", { mode: "delay", count: 1, delayMs: 100 });
    await admin(fx.sandbox.url, "events/delete", { account: "adele@contoso.com", eventId: event.body.id });
    expect(receiver.received).toHaveLength(0);
    await receiver.waitFor(1);
    expect(firstNotification(receiver.received[0]?.body).changeType).toBe("deleted");
    await admin(fx.sandbox.url, "subscriptions/lifecycle", {
      subscriptionId: created.body.id,
      event: "subscriptionRemoved",
    });
    expect(firstNotification(receiver.received.at(-1)?.body).lifecycleEvent).toBe("subscriptionRemoved");
    expect((await adele(`/subscriptions/${String(created.body.id)}`)).status).toBe(404);

    const second = await subscribe({ expirationDateTime: inMinutes(60) });
    await admin(fx.sandbox.url, "tokens/revoke", { account: "adele@contoso.com" });
    await fx.sandbox.subscriptions.idle();
    expect(firstNotification(receiver.received.at(-1)?.body)).toMatchObject({
      lifecycleEvent: "reauthorizationRequired",
      subscriptionId: second.body.id,
    });
    await fx.signInAgain("adele@contoso.com");
    await admin(fx.sandbox.url, "clock", { advanceMs: 61 * 60_000 });
    await fx.signInAgain("adele@contoso.com");
    expect((await adele(`/subscriptions/${String(second.body.id)}`)).status).toBe(404);
  });

  it("scopes a calendar subscription to that calendar, deletions included", async () => {
    receiver = await startReceiver();
    const calendars = (await adele("/me/calendars")).body.value as Json[];
    const birthdays = String(calendars.find((c) => c.name === "Birthdays")?.id);
    const created = await subscribe({
      resource: `me/calendars/${birthdays}/events`,
      lifecycleNotificationUrl: undefined,
    });
    expect(created.status).toBe(201);
    const body = (subject: string) => ({
      subject,
      start: { dateTime: "2030-05-04T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-05-04T11:00:00", timeZone: "UTC" },
    });
    const other = await adele("/me/events", { method: "POST", body: body("Main calendar") });
    const watched = await adele(`/me/calendars/${encodeURIComponent(birthdays)}/events`, {
      method: "POST",
      body: body("Birthday"),
    });
    await adele(`/me/events/${encodeURIComponent(String(other.body.id))}`, { method: "DELETE" });
    await adele(`/me/events/${encodeURIComponent(String(watched.body.id))}`, { method: "DELETE" });
    await fx.sandbox.subscriptions.idle();
    const seen = receiver.received.map((r) => firstNotification(r.body));
    expect(seen.map((n) => [n.changeType, field(n, "resourceData", "id")])).toEqual([
      ["created", watched.body.id],
      ["deleted", watched.body.id],
    ]);
  });
});
