import { readFileSync } from "node:fs";
import { DEFAULT_SEED_PATH, type GoogleSeedInput } from "../../sandbox/google/seed-schema.ts";
import { type GoogleSandbox, startGoogleSandbox } from "../../sandbox/google/server.ts";
import { ALICE, DENTIST } from "../../sandbox/google/test-accounts.ts";
import { SANDBOX_CLIENT } from "../../sandbox/google/test-login.ts";
import type { CrashHarness } from "./killed-mid-sync.ts";
import { lossyCreates, type ProviderHarness } from "./provider-harness.ts";

const BASE = Date.parse("2030-01-01T00:00:00Z");
/** A secondary calendar of Alice's holding only the bulk events of the killed-mid-sync case. */
const BULK = "b0lk0000000000000000000000@group.calendar.google.com";

/**
 * Google Calendar for the contract suite: Alice (personal account, Europe/Berlin) with her seeded primary and Family
 * calendars (both hers, so both block); the holiday calendar she only reads does not.
 */
export function googleHarness(
  options: {
    consentScopes?: string;
    bulkEvents?: number;
    /** Who signs in (default Alice); the host takes the account's zone. */
    account?: { email: string; name: string; timeZone: string };
    /** More of the service's environment (e.g. GOOGLE_ROOMS). */
    env?: Record<string, string>;
  } = {},
): ProviderHarness &
  CrashHarness & {
    sandbox(): GoogleSandbox;
    /** The consent form, with the scope field as the user left it (unticking a box removes a scope). */
    consentWith(authorizeUrl: string, scopes: string): Promise<string>;
    /** The consent as the contract suite gives it. */
    consent(authorizeUrl: string): Promise<string>;
  } {
  let sandbox: GoogleSandbox;
  const account = options.account ?? { email: ALICE, name: "Alice", timeZone: "Europe/Berlin" };
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`sandbox ${path} answered ${response.status}`);
  };
  const consentWith = async (authorizeUrl: string, scopes: string | undefined) => {
    const page = await (await fetch(authorizeUrl)).text();
    const form = new URLSearchParams();
    for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      const value = match[2]!.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
      form.set(match[1]!, match[1] === "scope" && scopes !== undefined ? scopes : value);
    }
    if (!page.includes(`value="${account.email}"`))
      throw new Error(`the consent page does not offer ${account.email}`);
    form.set("account", account.email);
    const back = await fetch(`${sandbox.url}/o/oauth2/v2/auth/approve`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
      redirect: "manual",
    });
    const location = back.headers.get("location");
    if (back.status !== 302 || !location) throw new Error(`the consent answered ${back.status}`);
    return location;
  };
  const aliceEvents = () =>
    [...(sandbox.state.calendars.get(ALICE)?.events.values() ?? [])].map((e) => e.event);
  return {
    provider: "google",
    ...lossyCreates((method, path) => method === "POST" && path.endsWith("/events")),
    push: true,
    sandbox: () => sandbox,
    async start() {
      const t0 = Date.now();
      const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, "utf8")) as GoogleSeedInput;
      if (options.bulkEvents) {
        seed.calendars.push({
          id: BULK,
          summary: "Bulk",
          timeZone: "UTC",
          kind: "secondary",
          access: { [ALICE]: "owner" },
        });
        for (let index = 0; index < options.bulkEvents; index++) {
          // Twenty a day from 3 January: all inside the service's sync window (a year).
          const start = BASE + (2 + Math.floor(index / 20)) * 86_400_000 + (4 + (index % 20)) * 3_600_000;
          seed.events.push({
            calendarId: BULK,
            id: `b0lk${String(index).padStart(6, "0")}`,
            summary: `Bulk ${index}`,
            start: { dateTime: new Date(start).toISOString() },
            end: { dateTime: new Date(start + 30 * 60_000).toISOString() },
          });
        }
      }
      sandbox = await startGoogleSandbox({ port: 0, clock: () => BASE + (Date.now() - t0), seed });
    },
    stop: () => sandbox?.close() ?? Promise.resolve(),
    now: () => sandbox.state.now(),
    serviceEnv: () => ({
      GOOGLE_CLIENT_ID: SANDBOX_CLIENT.clientId,
      GOOGLE_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
      GOOGLE_AUTH_URL: `${sandbox.url}/o/oauth2/v2/auth`,
      GOOGLE_TOKEN_URL: `${sandbox.url}/token`,
      GOOGLE_API_URL: `${sandbox.url}/calendar/v3`,
      ...options.env,
    }),
    host: { name: account.name, timeZone: account.timeZone, account: account.email },
    connect: { kind: "oauth", consent: (authorizeUrl) => consentWith(authorizeUrl, options.consentScopes) },
    consent: (authorizeUrl) => consentWith(authorizeUrl, options.consentScopes),
    consentWith,
    dayStartUtc: "T00:00:00Z",
    seededSlots: {
      // Wed 9 Jan (CET = UTC+1): the dentist 10:00-10:45 and the Family calendar's school pickup 15:30-16:00.
      "2030-01-09": ["08:00", "10:00", "11:00", "12:00", "13:00", "15:00"],
      // Thu 10 Jan: "Reading time" 14:00-16:00 is transparent and blocks nothing; the pickup still does.
      "2030-01-10": ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "15:00"],
      // Fri 15 Feb: the first day of the all-day ski trip (days in the calendar's zone).
      "2030-02-15": [],
      // Mon 18 Feb: the trip's end date is exclusive; only the pickup blocks.
      "2030-02-18": ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "15:00"],
    },
    freeStarts: [
      "2030-01-23T10:00:00Z",
      "2030-01-24T10:00:00Z",
      "2030-01-25T10:00:00Z",
      "2030-01-29T10:00:00Z",
    ],
    meeting: { kind: "meet", link: /^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/ },
    bookingEvents: (bookingId) =>
      aliceEvents()
        .filter(
          (event) =>
            event.status !== "cancelled" &&
            (event.extendedProperties as { private?: Record<string, string> } | undefined)?.private
              ?.calbridgeBookingId === bookingId,
        )
        .map((event) => ({
          id: event.id,
          attendees: ((event.attendees ?? []) as Array<{ email: string }>).map((a) => a.email),
          ...(typeof event.hangoutLink === "string" ? { joinUrl: event.hangoutLink } : {}),
        })),
    moveEvent: (eventId, start, end) =>
      admin("events/change", {
        account: ALICE,
        eventId,
        patch: { start: { dateTime: start.toISOString() }, end: { dateTime: end.toISOString() } },
      }),
    deleteEvent: (eventId) => admin("events/delete", { account: ALICE, eventId }),
    throttle: (count) => admin("throttle", { count, status: 403, reason: "rateLimitExceeded" }),
    pendingThrottles: () => sandbox.state.throttle.pending().reduce((sum, rule) => sum + rule.remaining, 0),
    revokeGrant: () => admin("tokens/revoke", { account: ALICE }),
    expireSyncCursors: () => admin("sync-tokens/expire", {}),
    dropNotifications: (count) => admin("notifications", { mode: "drop", count }),
    advanceClock: (ms) => admin("clock", { advanceMs: ms }),
    liveChannels: () => sandbox.state.channels.list().length,
    forgedNotification: (channel) => ({
      headers: {
        "x-goog-channel-id": channel.id,
        "x-goog-channel-token": "forged-token",
        "x-goog-resource-id": channel.resourceId ?? "unknown",
        "x-goog-resource-state": "exists",
        "x-goog-message-number": "7",
      },
      body: "",
    }),
    bulkCalendarRef: () => BULK,
    async providerBusy() {
      const events = [...(sandbox.state.calendars.get(BULK)?.events.values() ?? [])].map((e) => e.event);
      return new Map(
        events
          .filter((event) => event.status !== "cancelled")
          .map((event) => [event.id, Date.parse((event.start as { dateTime: string }).dateTime)]),
      );
    },
    setLatency: (ms) => admin("latency", { ms }),
    async changeBulk(count) {
      const ids = [...(await this.providerBusy()).keys()];
      for (const eventId of ids.slice(0, count))
        await admin("events/delete", { account: ALICE, calendarId: BULK, eventId });
      for (const eventId of ids.slice(count, 2 * count))
        await admin("events/change", {
          account: ALICE,
          calendarId: BULK,
          eventId,
          patch: { start: { dateTime: "2030-03-01T20:00:00Z" }, end: { dateTime: "2030-03-01T20:30:00Z" } },
        });
    },
    seededEvent: { id: () => DENTIST, date: "2030-01-09", slot: "09:00" },
  };
}
