import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MicrosoftSandbox } from "../sandbox/microsoft/server.ts";
import { signIn } from "../sandbox/microsoft/test-sign-in.ts";
import { CALENDAR_POLL_QUEUE } from "../src/jobs/calendar-sync-jobs.ts";
import { CHANNELS_QUEUE } from "../src/jobs/push-channel-jobs.ts";
import type { Service } from "../src/main.ts";
import {
  type Api,
  connectAdeleAutoApproved,
  createMicrosoftHost,
  sandboxAdmin,
  slotsOn,
  startRecordingSandbox,
  startServiceOnSandbox,
  waitFor,
} from "./support/microsoft-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * Push from Microsoft 365 over real HTTP: the service and the Microsoft sandbox, which validates our webhook URLs
 * and delivers change and lifecycle notifications to them. The service runs on the sandbox's clock, so moving the
 * sandbox clock (`/_sandbox/clock`) moves both: that is how the polling floor and renewal are reached in seconds.
 */
interface ChannelRow {
  calendar_ref: string;
  dirty: number;
  channel: { id?: string; secretHash?: string; expiresAt?: string; lastRenewedAt?: string | null } | null;
}

describe.each(backends)("Microsoft 365 push on %s", (backend) => {
  let sandbox: MicrosoftSandbox;
  let service: Service;
  let stopService: (() => Promise<void>) | undefined;
  let base: string;
  let publicUrl: string;
  let api: Api;
  let slug: string;
  let hostId: string;
  let connectionId: string;
  let admin: ReturnType<typeof sandboxAdmin>;
  /** Every Graph request the sandbox answered, as "METHOD /path?query -> status". */
  let requests: string[] = [];

  const count = (pattern: RegExp) => requests.filter((line) => pattern.test(line)).length;
  const deltaPulls = () => count(/^GET \/v1\.0\/me\/calendars\/[^/]+\/calendarView\/delta/);
  const channels = async (): Promise<ChannelRow[]> =>
    (
      await service.store.executeSql(
        "select calendar_ref, dirty, channel from calendar_sync_states where connection_id = $1 and blocking order by calendar_ref",
        [connectionId],
      )
    ).rows as unknown as ChannelRow[];
  const primaryRef = async () =>
    (
      (
        await service.store.executeSql(
          "select calendar_ref from calendar_sync_states where connection_id = $1 and is_primary",
          [connectionId],
        )
      ).rows[0] as { calendar_ref: string }
    ).calendar_ref;
  const channelOf = async (ref: string) => (await channels()).find((row) => row.calendar_ref === ref)!;
  const subscriptionsAt = () => [...sandbox.subscriptions.subscriptions.values()];
  const metric = async (pattern: RegExp) => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(pattern.exec(text)?.[1] ?? 0);
  };
  const eventId = (subject: string) =>
    [...sandbox.state.events.values()].find(
      (event) => event.fields.subject === subject && event.type === "singleInstance",
    )?.id ?? "";
  const busyRowsOf = async (event: string) =>
    (
      await service.store.executeSql(
        `select start_at, end_at from busy_intervals where connection_id = $1 and source_ref = $2 and generation = (select busy_generation from calendar_sync_states s where s.connection_id = busy_intervals.connection_id and s.calendar_ref = busy_intervals.calendar_ref)`,
        [connectionId, event],
      )
    ).rows;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    ({ sandbox, requests } = await startRecordingSandbox());
    admin = sandboxAdmin(sandbox.url);
    ({
      service,
      base,
      publicUrl,
      close: stopService,
    } = await startServiceOnSandbox({
      backend,
      sandboxUrl: sandbox.url,
      now: () => new Date(sandbox.state.now()),
    }));
    ({ api, slug, hostId } = await createMicrosoftHost(service.store, base));
  }, 120_000);

  afterAll(async () => {
    await stopService?.();
    await sandbox?.close();
  });

  it("connecting creates one subscription per blocking calendar, validated through our route", async () => {
    connectionId = await connectAdeleAutoApproved(api, hostId, base);
    const rows = await waitFor("a channel on every blocking calendar", async () => {
      const current = await channels();
      return current.length > 0 && current.every((row) => row.channel?.id) ? current : undefined;
    });
    const now = sandbox.state.now();
    for (const row of rows) {
      const subscription = sandbox.subscriptions.subscriptions.get(row.channel!.id!);
      expect(subscription).toBeDefined();
      expect(subscription).toMatchObject({
        resource: `me/calendars/${row.calendar_ref}/events`,
        changeTypes: ["created", "updated", "deleted"],
        notificationUrl: `${publicUrl}/webhooks/microsoft/notifications`,
        lifecycleNotificationUrl: `${publicUrl}/webhooks/microsoft/lifecycle`,
      });
      // About three days, under both documented maxima (4,230 and 10,080 minutes).
      const minutes = (subscription!.expirationMs - now) / 60_000;
      expect(minutes).toBeGreaterThan(4_100);
      expect(minutes).toBeLessThanOrEqual(4_230);
      // The secret went to Graph; we keep only its hash.
      const secret = subscription!.clientState!;
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(secret.length).toBeLessThanOrEqual(128);
      expect(row.channel!.secretHash).toBe(createHash("sha256").update(secret).digest("base64url"));
      expect(JSON.stringify(row.channel)).not.toContain(secret);
    }
    // Graph's validation POSTs reached the route and were answered 200 (both URLs, per subscription).
    expect(
      await metric(
        /calbridge_http_requests_total\{method="POST",route="\/webhooks\/microsoft\/notifications",status="200"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(rows.length);
    expect(
      await metric(
        /calbridge_http_requests_total\{method="POST",route="\/webhooks\/microsoft\/lifecycle",status="200"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(rows.length);
    // The seeded design review (Tue 8 Jan 14:00-15:00 Pacific) blocks its hour.
    await waitFor("the first sync", async () =>
      (await slotsOn(api, slug, "2030-01-08")).includes("22:00") ? undefined : true,
    );
  }, 60_000);

  it("a change made in Outlook reaches the slots through a notification, without any sync call", async () => {
    const syncsBefore = await metric(
      /calbridge_http_requests_total\{method="POST",route="\/v1\/hosts\/:hostId\/connections\/:connectionId\/sync",status="202"\} (\d+)/,
    );
    const review = eventId("Design review");
    await admin("events/change", {
      account: "adele@contoso.com",
      eventId: review,
      patch: {
        start: { dateTime: "2030-01-08T16:00:00", timeZone: "Pacific Standard Time" },
        end: { dateTime: "2030-01-08T17:00:00", timeZone: "Pacific Standard Time" },
      },
    });
    // Slot answers are cached for up to 10 s per process; the busy time itself moves as soon as the sync ran.
    await waitFor(
      "the moved design review",
      async () => {
        const rows = await busyRowsOf(review);
        return rows.length === 1 &&
          new Date(String((rows[0] as { start_at: unknown }).start_at)).toISOString() ===
            "2030-01-09T00:00:00.000Z"
          ? true
          : undefined;
      },
      10_000,
    );
    await waitFor(
      "the slots to follow",
      async () => {
        const slots = await slotsOn(api, slug, "2030-01-08");
        return slots.join() === "18:00,19:00,20:00,21:00,22:00,23:00" ? true : undefined;
      },
      15_000,
    );
    expect(
      await metric(
        /calbridge_push_notifications_total\{provider="microsoft",kind="changed",outcome="accepted"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await metric(
        /calbridge_http_requests_total\{method="POST",route="\/v1\/hosts\/:hostId\/connections\/:connectionId\/sync",status="202"\} (\d+)/,
      ),
    ).toBe(syncsBefore);
  }, 40_000);

  it("a forged notification (wrong clientState, unknown subscription) changes nothing and is counted", async () => {
    await sandbox.subscriptions.idle();
    await sleep(1_000);
    const ref = await primaryRef();
    const before = await channelOf(ref);
    const pullsBefore = deltaPulls();
    const rejectedBefore = await metric(
      /calbridge_push_notifications_total\{provider="microsoft",kind="changed",outcome="rejected"\} (\d+)/,
    );
    const notification = (subscriptionId: string, clientState: string) => ({
      subscriptionId,
      subscriptionExpirationDateTime: "2030-01-04T00:00:00+00:00",
      changeType: "updated",
      resource: "Users/x/Events/y",
      clientState,
      tenantId: "6e1b2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    });
    const post = (path: string, body: unknown) =>
      fetch(`${base}/webhooks/microsoft/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const forged = await post("notifications", {
      value: [
        notification(before.channel!.id!, "not-the-secret"),
        notification("11111111-0000-4000-8000-000000000000", "anything"),
      ],
    });
    expect(forged.status).toBe(202);
    // A forged subscriptionRemoved must not make us drop (or recreate) a live subscription either.
    const removal = await post("lifecycle", {
      value: [
        { subscriptionId: before.channel!.id!, clientState: "guess", lifecycleEvent: "subscriptionRemoved" },
      ],
    });
    expect(removal.status).toBe(202);
    await sleep(2_500);
    const after = await channelOf(ref);
    expect(after.channel).toEqual(before.channel);
    expect(after.dirty).toBe(before.dirty);
    expect(deltaPulls()).toBe(pullsBefore);
    expect(
      await metric(
        /calbridge_push_notifications_total\{provider="microsoft",kind="changed",outcome="rejected"\} (\d+)/,
      ),
    ).toBe(rejectedBefore + 2);
    expect(
      await metric(
        /calbridge_push_notifications_total\{provider="microsoft",kind="removed",outcome="rejected"\} (\d+)/,
      ),
    ).toBe(1);
  }, 30_000);

  it("a dropped notification is caught by the polling floor (10 minutes while the subscription lives)", async () => {
    const dentist = eventId("Dentist (to be confirmed)");
    const before = await busyRowsOf(dentist);
    expect(before).toHaveLength(1);
    await admin("notifications", { mode: "drop", count: 1 });
    await admin("events/delete", { account: "adele@contoso.com", eventId: dentist });
    const pullsBefore = deltaPulls();
    await sleep(2_000);
    expect(deltaPulls()).toBe(pullsBefore);
    expect(await busyRowsOf(dentist)).toHaveLength(1);
    // Two minutes on: a calendar without push would be due (1-minute floor), this one is not.
    await admin("clock", { advanceMs: 2 * 60_000 });
    await service.jobs.send(CALENDAR_POLL_QUEUE, {});
    await sleep(3_000);
    expect(deltaPulls()).toBe(pullsBefore);
    // Past ten minutes it is due: the poll pulls it and the deletion arrives.
    await admin("clock", { advanceMs: 9 * 60_000 });
    await service.jobs.send(CALENDAR_POLL_QUEUE, {});
    await waitFor("the poll to apply the deletion", async () =>
      (await busyRowsOf(dentist)).length === 0 ? true : undefined,
    );
    expect(deltaPulls()).toBeGreaterThan(pullsBefore);
  }, 40_000);

  it("lifecycle: missed resyncs, reauthorizationRequired renews, subscriptionRemoved recreates and resyncs", async () => {
    await sandbox.subscriptions.idle();
    const ref = await primaryRef();
    const first = (await channelOf(ref)).channel!.id!;

    let pulls = deltaPulls();
    await admin("subscriptions/lifecycle", { subscriptionId: first, event: "missed" });
    await waitFor("a resync after missed", async () => (deltaPulls() > pulls ? true : undefined), 10_000);

    const patches = () => count(new RegExp(`^PATCH /v1\\.0/subscriptions/${first} -> 200`));
    const reauthorizes = () => count(/^POST \/v1\.0\/subscriptions\/[^/]+\/reauthorize/);
    await admin("subscriptions/lifecycle", { subscriptionId: first, event: "reauthorizationRequired" });
    await waitFor("a renewal", async () => (patches() === 1 ? true : undefined), 10_000);
    // The PATCH answer comes first, the stored renewal right after it.
    const renewed = await waitFor(
      "the renewal to be stored",
      async () => {
        const channel = (await channelOf(ref)).channel;
        return channel?.lastRenewedAt ? channel : undefined;
      },
      10_000,
    );
    expect(renewed.id).toBe(first);
    expect(renewed.lastRenewedAt).toBeTruthy();
    // PATCH renews and reauthorizes: never both calls.
    expect(reauthorizes()).toBe(0);

    pulls = deltaPulls();
    await admin("subscriptions/lifecycle", { subscriptionId: first, event: "subscriptionRemoved" });
    const replaced = await waitFor(
      "a new subscription",
      async () => {
        const id = (await channelOf(ref)).channel?.id;
        return id && id !== first ? id : undefined;
      },
      15_000,
    );
    expect(sandbox.subscriptions.subscriptions.get(replaced)?.resource).toBe(`me/calendars/${ref}/events`);
    expect(sandbox.subscriptions.subscriptions.has(first)).toBe(false);
    await waitFor("a resync after removal", async () => (deltaPulls() > pulls ? true : undefined), 10_000);
  }, 60_000);

  it("renews subscriptions with at least 20% of their lifetime left when the clock moves", async () => {
    await sandbox.subscriptions.idle();
    const before = await channels();
    const ids = before.map((row) => row.channel!.id!);
    // 58 of 70 hours gone: 17% left.
    await admin("clock", { advanceMs: 58 * 3_600_000 });
    await service.jobs.send(CHANNELS_QUEUE, { connectionId });
    await waitFor(
      "every subscription renewed",
      async () =>
        ids.every((id) => {
          const subscription = sandbox.subscriptions.subscriptions.get(id);
          return subscription && subscription.expirationMs - sandbox.state.now() > 60 * 3_600_000;
        })
          ? true
          : undefined,
      15_000,
    );
    // Renewed in place (PATCH), not recreated.
    expect((await channels()).map((row) => row.channel!.id)).toEqual(ids);
  }, 40_000);

  it("the periodic reconcile recreates a subscription missing at Graph and stops an orphan carrying our URL", async () => {
    const ref = await primaryRef();
    const lost = (await channelOf(ref)).channel!.id!;
    sandbox.subscriptions.subscriptions.delete(lost);
    // An orphan: ours by its URL, but no calendar holds it (as after a crash between create and store).
    const tokens = await signIn({ url: sandbox.url, account: "adele@contoso.com" });
    const created = await fetch(`${sandbox.url}/v1.0/subscriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({
        changeType: "created",
        notificationUrl: `${publicUrl}/webhooks/microsoft/notifications`,
        resource: "me/events",
        expirationDateTime: new Date(sandbox.state.now() + 86_400_000).toISOString(),
        clientState: "orphan",
      }),
    });
    expect(created.status).toBe(201);
    const orphan = ((await created.json()) as { id: string }).id;
    await service.jobs.send(CHANNELS_QUEUE, { connectionId, reconcile: true });
    await waitFor(
      "drift repaired and orphan stopped",
      async () => {
        const id = (await channelOf(ref)).channel?.id;
        return id &&
          id !== lost &&
          sandbox.subscriptions.subscriptions.has(id) &&
          !sandbox.subscriptions.subscriptions.has(orphan)
          ? true
          : undefined;
      },
      15_000,
    );
  }, 40_000);

  it("disconnecting deletes the subscriptions at Graph", async () => {
    expect(subscriptionsAt().length).toBeGreaterThan(0);
    const removed = await api("DELETE", `/v1/hosts/${hostId}/connections/${connectionId}`);
    expect(removed.status).toBe(204);
    const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
      subscriptions: Array<{ id: string }>;
    };
    expect(state.subscriptions).toEqual([]);
    expect((await channels()).every((row) => row.channel === null)).toBe(true);
  }, 30_000);
});
