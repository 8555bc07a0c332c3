import type { calendar_v3 } from "@googleapis/calendar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALICE, DENTIST, FAMILY } from "./test-accounts.ts";
import { googleFailure } from "./test-calendar-client.ts";
import { useGoogleSandbox } from "./test-fixture.ts";
import { startTestReceiver, type TestReceiver } from "./test-receiver.ts";

const fixture = useGoogleSandbox({ accounts: [ALICE] });
let alice: calendar_v3.Calendar;
let receiver: TestReceiver;
beforeEach(async () => {
  alice = fixture.client(ALICE);
  receiver = await startTestReceiver();
});
afterEach(async () => receiver.close());

async function watch(params: { id: string; calendarId?: string; ttl?: string; syncToken?: string }) {
  return alice.events.watch({
    calendarId: params.calendarId ?? "primary",
    ...(params.syncToken ? { syncToken: params.syncToken } : {}),
    requestBody: {
      id: params.id,
      type: "web_hook",
      address: receiver.url,
      token: "tenant=42",
      ...(params.ttl ? { params: { ttl: params.ttl } } : {}),
    },
  });
}

const touch = (summary: string) =>
  alice.events.patch({
    calendarId: "primary",
    eventId: DENTIST,
    requestBody: { summary },
  });

describe("events.watch", () => {
  it("creates a channel and sends sync, then exists, as empty-body POSTs with X-Goog headers", async () => {
    const before = Date.now();
    const { data: channel } = await watch({ id: "chan-1", ttl: "3600" });
    expect(channel).toMatchObject({ kind: "api#channel", id: "chan-1", token: "tenant=42" });
    expect(typeof channel.expiration).toBe("string");
    expect(Number(channel.expiration)).toBeGreaterThanOrEqual(before + 3600_000);
    expect(Number(channel.expiration)).toBeLessThan(before + 3700_000);
    expect(channel.resourceUri).toContain("/calendar/v3/calendars/alice.sandbox%40gmail.com/events");
    const [sync] = await receiver.waitFor(1);
    expect(sync?.body).toBe("");
    expect(sync?.headers).toMatchObject({
      "x-goog-channel-id": "chan-1",
      "x-goog-channel-token": "tenant=42",
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-state": "sync",
      "x-goog-message-number": "1",
      "x-goog-resource-uri": channel.resourceUri,
    });
    expect(sync?.headers["x-goog-channel-expiration"]).toBe(
      new Date(Number(channel.expiration)).toUTCString(),
    );
    await touch("changed by the client");
    await fixture.admin("events/change", {
      account: ALICE,
      eventId: "a1ce00000000000000000000004",
      patch: { summary: "changed outside" },
    });
    await fixture.admin("events/delete", { account: ALICE, eventId: "a1ce00000000000000000000004" });
    const all = await receiver.waitFor(4);
    expect(
      all
        .slice(1)
        .map((message) => [
          message.headers["x-goog-resource-state"],
          message.headers["x-goog-message-number"],
        ]),
    ).toEqual([
      ["exists", "2"],
      ["exists", "3"],
      ["exists", "4"],
    ]);
  });

  it("gives a stable resourceId per calendar and rejects duplicate channel ids and non-https addresses", async () => {
    const first = await watch({ id: "chan-a" });
    const second = await watch({ id: "chan-b" });
    expect(second.data.resourceId).toBe(first.data.resourceId);
    const duplicate = await googleFailure(watch({ id: "chan-a" }));
    expect([duplicate.status, duplicate.reason]).toEqual([400, "channelIdNotUnique"]);
    const insecure = await googleFailure(
      alice.events.watch({
        calendarId: "primary",
        requestBody: { id: "chan-c", type: "web_hook", address: "http://example.com/hook" },
      }),
    );
    expect([insecure.status, insecure.reason]).toEqual([400, "push.webhookUrlNotHttps"]);
  });

  it("answers 410 to a watch with a stale syncToken", async () => {
    const { data } = await alice.events.list({ calendarId: "primary" });
    await fixture.admin("sync-tokens/expire", {});
    const failure = await googleFailure(watch({ id: "chan-stale", syncToken: data.nextSyncToken! }));
    expect([failure.status, failure.reason]).toEqual([410, "fullSyncRequired"]);
  });
});

describe("channels.stop and expiry", () => {
  it("needs both id and resourceId, then stops deliveries", async () => {
    const { data: channel } = await watch({ id: "chan-stop" });
    await receiver.waitFor(1);
    const missing = await googleFailure(alice.channels.stop({ requestBody: { id: "chan-stop" } }));
    expect([missing.status, missing.reason]).toEqual([400, "required"]);
    const wrong = await googleFailure(
      alice.channels.stop({ requestBody: { id: "chan-stop", resourceId: "other" } }),
    );
    expect(wrong.status).toBe(404);
    const stopped = await alice.channels.stop({
      requestBody: { id: "chan-stop", resourceId: channel.resourceId! },
    });
    expect(stopped.status).toBe(204);
    await touch("after stop");
    const again = await googleFailure(
      alice.channels.stop({ requestBody: { id: "chan-stop", resourceId: channel.resourceId! } }),
    );
    expect(again.status).toBe(404);
    expect(await deliveriesFor("chan-stop")).toHaveLength(1);
  });

  it("expires silently when the sandbox clock passes the expiration", async () => {
    const { data: channel } = await watch({ id: "chan-ttl", ttl: "60" });
    await receiver.waitFor(1);
    await fixture.admin("clock", { advanceMs: 61_000 });
    await touch("after expiry");
    expect(await deliveriesFor("chan-ttl")).toHaveLength(1);
    expect(
      (
        await googleFailure(
          alice.channels.stop({ requestBody: { id: "chan-ttl", resourceId: channel.resourceId! } }),
        )
      ).status,
    ).toBe(404);
  });

  it("sends not_exists when the watched calendar is deleted", async () => {
    await watch({ id: "chan-family", calendarId: FAMILY });
    await receiver.waitFor(1);
    expect((await alice.calendars.delete({ calendarId: FAMILY })).status).toBe(204);
    const messages = await receiver.waitFor(2);
    expect(messages[1]?.headers["x-goog-resource-state"]).toBe("not_exists");
  });
});

describe("notification faults", () => {
  it("drops the next N notifications, leaving a gap in message numbers", async () => {
    await watch({ id: "chan-drop" });
    await receiver.waitFor(1);
    await fixture.admin("notifications", { mode: "drop", count: 1 });
    await touch("dropped");
    await touch("delivered");
    const messages = await receiver.waitFor(2);
    expect(messages[1]?.headers["x-goog-message-number"]).toBe("3");
    const outcomes = (await deliveriesFor("chan-drop")).map((delivery) => delivery.outcome);
    expect(outcomes).toEqual(["delivered", "dropped", "delivered"]);
  });

  it("delays notifications and retries receivers' 503s", async () => {
    await fixture.admin("notifications", { mode: "delay", count: 1, delayMs: 300 });
    receiver.statuses.push(503);
    await watch({ id: "chan-delay" });
    const [first, second] = await receiver.waitFor(2);
    expect(first?.headers["x-goog-message-number"]).toBe("1");
    expect(second?.headers["x-goog-message-number"]).toBe("1");
    const [delivery] = await deliveriesFor("chan-delay");
    expect(delivery).toMatchObject({ outcome: "delivered", attempts: 2, httpStatus: 200 });
  });
});

interface DeliveryView {
  channelId: string;
  outcome: string;
  attempts: number;
  httpStatus?: number;
}

/** The channel's delivery log once nothing is pending any more. */
async function deliveriesFor(channelId: string): Promise<DeliveryView[]> {
  for (;;) {
    const response = await fetch(`${fixture.url}/_sandbox/state`);
    const state = (await response.json()) as { notifications: { deliveries: DeliveryView[] } };
    const deliveries = state.notifications.deliveries.filter((delivery) => delivery.channelId === channelId);
    if (deliveries.every((delivery) => delivery.outcome !== "pending")) return deliveries;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
