import { describe, expect, it } from "vitest";
import type { StoredChannel } from "../store/push-channels-repository.ts";
import { CHANNEL_LIFETIME_MS, type ChannelAction, planChannel, pushEndpointsOf } from "./push-channels.ts";

const NOW = new Date("2030-01-10T12:00:00Z");
const URL_NOW = "https://cal.example.com/webhooks/microsoft/notifications";
const hours = (n: number) => n * 3_600_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

/** A live channel made `ageMs` ago with the full 70-hour lifetime. */
function channel(ageMs: number, patch: Partial<StoredChannel> = {}): StoredChannel {
  return {
    id: "sub-1",
    notificationUrl: URL_NOW,
    createdAt: at(-ageMs),
    expiresAt: at(CHANNEL_LIFETIME_MS - ageMs),
    secretHash: "h",
    lastRenewedAt: null,
    ...patch,
  };
}

describe("planChannel", () => {
  type Case = Omit<Parameters<typeof planChannel>[0], "now" | "notificationUrl" | "lifetimeMs">;
  const cases: Array<[string, Case, ChannelAction]> = [
    ["no channel on a blocking calendar: create", { channel: null, wanted: true }, "create"],
    ["no channel, not blocking: nothing", { channel: null, wanted: false }, "none"],
    [
      "a channel on a calendar that stopped blocking: stop",
      { channel: channel(hours(1)), wanted: false },
      "stop",
    ],
    ["fresh: nothing", { channel: channel(hours(1)), wanted: true }, "none"],
    // 70 h lifetime: renewal is due somewhere between 30% and 20% left (14-21 h), never later.
    ["45 h old (36% left): nothing", { channel: channel(hours(45)), wanted: true }, "none"],
    ["57 h old (19% left): renew", { channel: channel(hours(57)), wanted: true }, "renew"],
    ["expired: create a new one", { channel: channel(hours(71)), wanted: true }, "create"],
    [
      "pointing at an old PUBLIC_URL: replace",
      { channel: channel(hours(1), { notificationUrl: "https://old.example.com/x" }), wanted: true },
      "replace",
    ],
    [
      "missing from the provider's list read after it was made: create",
      { channel: channel(hours(1)), wanted: true, listed: { ids: new Set(["other"]), at: NOW } },
      "create",
    ],
    [
      "missing from a list read before it was made (a peer's fresh channel): nothing",
      {
        channel: channel(hours(1)),
        wanted: true,
        listed: { ids: new Set(), at: new Date(NOW.getTime() - hours(2)) },
      },
      "none",
    ],
    [
      "the provider asked for reauthorization: renew",
      { channel: channel(hours(1)), wanted: true, reauthorize: new Set(["sub-1"]) },
      "renew",
    ],
    [
      "creation failed 5 minutes ago: wait",
      { channel: { failedAt: at(-5 * 60_000), failures: 1 }, wanted: true },
      "none",
    ],
    [
      "creation failed 20 minutes ago once: try again",
      { channel: { failedAt: at(-20 * 60_000), failures: 1 }, wanted: true },
      "create",
    ],
    [
      "creation failed 20 minutes ago for the third time: wait (backs off)",
      { channel: { failedAt: at(-20 * 60_000), failures: 3 }, wanted: true },
      "none",
    ],
  ];
  it.each(cases)("%s", (_name, params, expected) => {
    expect(
      planChannel({ ...params, notificationUrl: URL_NOW, lifetimeMs: CHANNEL_LIFETIME_MS, now: NOW }),
    ).toBe(expected);
  });

  it("staggers renewals: channels made together fall due at different times, all with 20-30% left", () => {
    const dueAt = Array.from({ length: 40 }, (_, n) => {
      for (let age = hours(40); age < CHANNEL_LIFETIME_MS; age += 60_000) {
        const plan = planChannel({
          channel: channel(age, { id: `sub-${n}` }),
          wanted: true,
          now: NOW,
          notificationUrl: URL_NOW,
          lifetimeMs: CHANNEL_LIFETIME_MS,
        });
        if (plan === "renew") return (CHANNEL_LIFETIME_MS - age) / CHANNEL_LIFETIME_MS;
      }
      return 0;
    });
    for (const left of dueAt) {
      expect(left).toBeGreaterThanOrEqual(0.2);
      expect(left).toBeLessThanOrEqual(0.3);
    }
    expect(new Set(dueAt.map((left) => left.toFixed(3))).size).toBeGreaterThan(20);
  });
});

describe("pushEndpointsOf", () => {
  it("gives the webhook URLs under an https PUBLIC_URL", () => {
    expect(
      pushEndpointsOf({
        publicUrl: "https://cal.example.com/",
        provider: "microsoft",
        allowLoopbackHttp: false,
      }),
    ).toEqual({
      ok: true,
      endpoints: {
        notificationUrl: "https://cal.example.com/webhooks/microsoft/notifications",
        lifecycleUrl: "https://cal.example.com/webhooks/microsoft/lifecycle",
      },
    });
  });

  it.each([
    ["http on a public name", "http://cal.example.com", true],
    ["http on loopback against the real Graph", "http://localhost:3000", false],
  ])("is off for %s, with the reason", (_name, publicUrl, allowLoopbackHttp) => {
    const answer = pushEndpointsOf({ publicUrl, provider: "microsoft", allowLoopbackHttp });
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.reason).toMatch(/not https/);
  });

  it.each(["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"])(
    "accepts http on loopback (%s) for the sandbox",
    (publicUrl) => {
      expect(pushEndpointsOf({ publicUrl, provider: "microsoft", allowLoopbackHttp: true }).ok).toBe(true);
    },
  );
});
