import { instancesInWindow } from "../../sandbox/microsoft/instances.ts";
import { readSeed } from "../../sandbox/microsoft/seed.ts";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "../../sandbox/microsoft/server.ts";
import { WEB_APP } from "../../sandbox/microsoft/test-sign-in.ts";
import { BASE, sandboxAdmin } from "../support/microsoft-harness.ts";
import type { CrashHarness } from "./killed-mid-sync.ts";
import { lossyCreates, type ProviderHarness } from "./provider-harness.ts";

const ADELE = "adele@contoso.com";

/** Microsoft 365 for the contract suite: Adele (work account, America/Los_Angeles) and her seeded Outlook calendar. */
export function microsoftHarness(options: { bulkEvents?: number } = {}): ProviderHarness & CrashHarness {
  let sandbox: MicrosoftSandbox;
  let admin: ReturnType<typeof sandboxAdmin>;
  const bookingEvents = (bookingId: string) =>
    [...sandbox.state.events.values()].filter((event) =>
      event.transactionId?.startsWith(`calbridge-${bookingId}-`),
    );
  const wall = (at: Date) => at.toISOString().slice(0, 19);
  return {
    provider: "microsoft",
    ...lossyCreates((method, path) => method === "POST" && path.endsWith("/events")),
    push: true,
    async start() {
      const t0 = Date.now();
      const seed = readSeed(undefined);
      if (options.bulkEvents) {
        // Adele's default calendar gains single events, ten a day from 3 January, outside her working hours.
        const adele = seed.users.find((user) => user.userPrincipalName === ADELE)!;
        const calendar = adele.calendars!.find((c) => c.isDefaultCalendar)!;
        calendar.events = [
          ...(calendar.events ?? []),
          ...Array.from({ length: options.bulkEvents }, (_, index) => {
            const start = new Date(BASE + 2 * 86_400_000 + Math.floor(index / 10) * 86_400_000);
            start.setUTCHours(16 + (index % 10));
            const end = new Date(start.getTime() + 30 * 60_000);
            return {
              subject: `Bulk ${index}`,
              start: { dateTime: start.toISOString().slice(0, 19), timeZone: "UTC" },
              end: { dateTime: end.toISOString().slice(0, 19), timeZone: "UTC" },
            };
          }),
        ];
      }
      sandbox = await startMicrosoftSandbox({ port: 0, clock: () => BASE + (Date.now() - t0), seed });
      admin = sandboxAdmin(sandbox.url);
    },
    stop: () => sandbox?.close() ?? Promise.resolve(),
    now: () => sandbox.state.now(),
    serviceEnv: () => ({
      MICROSOFT_CLIENT_ID: WEB_APP.clientId,
      MICROSOFT_CLIENT_SECRET: WEB_APP.clientSecret,
      MICROSOFT_LOGIN_URL: sandbox.url,
      MICROSOFT_GRAPH_URL: `${sandbox.url}/v1.0`,
    }),
    host: { name: "Adele", timeZone: "America/Los_Angeles", account: ADELE },
    connect: {
      kind: "oauth",
      consent: async (authorizeUrl) => {
        const page = await (await fetch(authorizeUrl)).text();
        const href = /<a class="account" href="([^"]+)">Adele/.exec(page)?.[1]?.replaceAll("&amp;", "&");
        if (!href) throw new Error("the consent page does not offer Adele");
        const back = await fetch(new URL(href, sandbox.url), { redirect: "manual" });
        const location = back.headers.get("location");
        if (back.status !== 302 || !location) throw new Error(`the consent answered ${back.status}`);
        return location;
      },
    },
    dayStartUtc: "T08:00:00Z",
    seededSlots: {
      // Wed 9 Jan (PST = UTC-8): the stand-up 09:00-09:15 and the tentative dentist 15:00-16:00.
      "2030-01-09": ["18:00", "19:00", "20:00", "21:00", "22:00", "00:00"],
      // Thu 10 Jan: "Focus time" is shown as free and blocks nothing.
      "2030-01-10": ["18:00", "19:00", "20:00", "21:00", "22:00", "23:00", "00:00"],
      // Tue 15 Jan: the all-day out-of-office offsite takes the whole day.
      "2030-01-15": [],
    },
    freeStarts: [
      "2030-01-23T19:00:00Z",
      "2030-01-24T19:00:00Z",
      "2030-01-25T19:00:00Z",
      "2030-01-29T19:00:00Z",
    ],
    meeting: { kind: "teams", link: /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\// },
    bookingEvents: (bookingId) =>
      bookingEvents(bookingId)
        .filter((event) => !event.fields.isCancelled)
        .map((event) => {
          const joinUrl = (event.fields.onlineMeeting as { joinUrl?: string } | null | undefined)?.joinUrl;
          return {
            id: event.id,
            attendees: event.fields.attendees.map((attendee) => attendee.emailAddress.address),
            ...(joinUrl ? { joinUrl } : {}),
          };
        }),
    moveEvent: async (eventId, start, end) => {
      await admin("events/change", {
        account: ADELE,
        eventId,
        patch: {
          start: { dateTime: wall(start), timeZone: "UTC" },
          end: { dateTime: wall(end), timeZone: "UTC" },
        },
      });
    },
    deleteEvent: async (eventId) => {
      await admin("events/delete", { account: ADELE, eventId });
    },
    throttle: async (count) => {
      await admin("throttle", { count, status: 429, retryAfter: "0.2" });
    },
    // One queued rule per failure to come.
    pendingThrottles: () => sandbox.state.throttleQueue.length,
    revokeGrant: async () => {
      await admin("tokens/revoke", { account: ADELE });
    },
    expireSyncCursors: async () => {
      await admin("sync-tokens/expire", {});
    },
    dropNotifications: async (count) => {
      await admin("notifications", { mode: "drop", count });
    },
    advanceClock: async (ms) => {
      await admin("clock", { advanceMs: ms });
    },
    liveChannels: () => sandbox.subscriptions.subscriptions.size,
    forgedNotification: (channel) => ({
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [{ subscriptionId: channel.id, clientState: "forged-state", changeType: "updated" }],
      }),
    }),
    bulkCalendarRef: () => sandbox.state.defaultCalendar(sandbox.state.findMailbox(ADELE)!.id).id,
    async providerBusy() {
      const mailboxId = sandbox.state.findMailbox(ADELE)!.id;
      return new Map(
        instancesInWindow({
          state: sandbox.state,
          mailboxId,
          calendarId: sandbox.state.defaultCalendar(mailboxId).id,
          startMs: BASE - 86_400_000,
          endMs: BASE + 366 * 86_400_000,
        })
          .filter(
            (instance) =>
              !instance.event.fields.isCancelled &&
              !["free", "workingElsewhere"].includes(instance.event.fields.showAs),
          )
          // All-day rows keep a wider envelope than the item's start: only their presence is compared.
          .map((instance) => [instance.id, instance.event.fields.isAllDay ? null : instance.startMs]),
      );
    },
    setLatency: async (ms) => {
      await admin("latency", { ms });
    },
    async changeBulk(count) {
      const bulk = [...sandbox.state.events.values()].filter((event) =>
        event.fields.subject.startsWith("Bulk "),
      );
      for (const event of bulk.slice(0, count))
        await admin("events/delete", { account: ADELE, eventId: event.id });
      for (const event of bulk.slice(count, 2 * count))
        await admin("events/change", {
          account: ADELE,
          eventId: event.id,
          patch: {
            start: { dateTime: "2030-03-01T20:00:00", timeZone: "UTC" },
            end: { dateTime: "2030-03-01T20:30:00", timeZone: "UTC" },
          },
        });
    },
    seededEvent: {
      id: () =>
        [...sandbox.state.events.values()].find(
          (event) => event.fields.subject === "Dentist (to be confirmed)" && event.type === "singleInstance",
        )?.id ?? "",
      date: "2030-01-09",
      slot: "23:00",
    },
  };
}
