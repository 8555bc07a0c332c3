import { type FaultProxy, startFaultProxy } from "../support/http-fault-proxy.ts";
import { type RadicaleServer, startRadicale } from "../support/radicale-harness.ts";
import type { CrashHarness } from "./killed-mid-sync.ts";
import type { ProviderHarness } from "./provider-harness.ts";

const BASE = Date.parse("2030-01-01T00:00:00Z");
const USER = "ana@example.net";
const CALENDAR = `/${USER}/work/`;
const MEETING_LINK = "https://meet.example.org/ana-consult";

function vcalendar(lines: string[]): string {
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//contract//EN", ...lines, "END:VCALENDAR", ""].join(
    "\r\n",
  );
}

function vevent(uid: string, lines: string[]): string[] {
  return ["BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20291201T000000Z", ...lines, "END:VEVENT"];
}

/** The seed of Ana's "Work" calendar (Europe/Berlin; CET = UTC+1 in January and February). */
export const caldavSeed: Record<string, string> = {
  // Wed 9 Jan 10:00-10:45 Berlin.
  "dentist.ics": vcalendar(
    vevent("dentist-1", [
      "DTSTART;TZID=Europe/Berlin:20300109T100000",
      "DTEND;TZID=Europe/Berlin:20300109T104500",
      "SUMMARY:Dentist",
    ]),
  ),
  // A daily stand-up 14:30-15:00 Berlin from Mon 7 Jan: not on Thu 10 Jan (EXDATE); on Wed 9 Jan it moved to
  // 15:30-16:00 (an override); our engine expands it, the server's expansion is not used.
  "standup.ics": vcalendar([
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Berlin",
    "BEGIN:STANDARD",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
    ...vevent("standup-1", [
      "DTSTART;TZID=Europe/Berlin:20300107T143000",
      "DTEND;TZID=Europe/Berlin:20300107T150000",
      "RRULE:FREQ=DAILY;COUNT=60",
      "EXDATE;TZID=Europe/Berlin:20300110T143000",
      "SUMMARY:Stand-up",
    ]),
    ...vevent("standup-1", [
      "RECURRENCE-ID;TZID=Europe/Berlin:20300109T143000",
      "DTSTART;TZID=Europe/Berlin:20300109T153000",
      "DTEND;TZID=Europe/Berlin:20300109T160000",
      "SUMMARY:Stand-up (moved)",
    ]),
  ]),
  // Thu 10 Jan: a transparent block and a cancelled meeting block nothing.
  "reading.ics": vcalendar(
    vevent("reading-1", [
      "DTSTART:20300110T110000Z",
      "DTEND:20300110T130000Z",
      "TRANSP:TRANSPARENT",
      "SUMMARY:Reading time",
    ]),
  ),
  "cancelled.ics": vcalendar(
    vevent("cancelled-1", [
      "DTSTART:20300110T090000Z",
      "DTEND:20300110T100000Z",
      "STATUS:CANCELLED",
      "SUMMARY:Called off",
    ]),
  ),
  // Fri 15 - Sun 17 Feb all day (DTEND exclusive), in the host's zone.
  "ski.ics": vcalendar(
    vevent("ski-1", ["DTSTART;VALUE=DATE:20300215", "DTEND;VALUE=DATE:20300218", "SUMMARY:Ski trip"]),
  ),
};

const basicUtc = (at: Date) => `${at.toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`;
const expect204 = (status: number, what: string) => {
  if (status >= 300) throw new Error(`DELETE ${what} answered ${status}`);
};

/** Unfolded content lines of an iCalendar text. */
const contentLines = (text: string) => text.replace(/\r?\n[ \t]/g, "").split(/\r?\n/);

/**
 * CalDAV for the contract suite: a real Radicale with Ana's "Work" calendar (seeded above) and a task list, behind
 * a fault proxy (throttling, a lost answer, slow answers). The service connects to the proxy with user name and
 * password. The host "changes events in the calendar" by PUT and DELETE on Radicale directly, as a phone would.
 * CalDAV has no push: the forged-notification case cannot apply, and polling is the floor.
 */
export function caldavHarness(options: { bulkEvents?: number } = {}): ProviderHarness &
  CrashHarness & {
    radicale(): RadicaleServer;
    proxy(): FaultProxy;
    /** Adds an object to the Work calendar (as the host's phone would). */
    putObject(name: string, ics: string): Promise<void>;
  } {
  let radicale: RadicaleServer;
  let proxy: FaultProxy;
  let t0 = Date.now();
  let advanced = 0;
  /** Ana's current app-specific password: revoking it (the grant) makes her create a new one to reconnect with. */
  let password = "app-specific-1";
  let revocations = 0;
  /** The bulk calendar's objects (name -> start) as the harness put them; the server's listing says which exist. */
  const bulk = new Map<string, number>();
  const bulkPath = `/${encodeURIComponent(USER)}/bulk/`;
  const bulkEvent = (name: string, start: number) =>
    vcalendar(
      vevent(name, [
        `DTSTART:${basicUtc(new Date(start))}`,
        `DTEND:${basicUtc(new Date(start + 30 * 60_000))}`,
        `SUMMARY:Bulk ${name}`,
      ]),
    );
  const pathOf = (ref: string) => new URL(ref, radicale.url).pathname;
  const readObject = async (ref: string) => {
    const answer = await radicale.get(USER, pathOf(ref));
    if (answer.status !== 200) throw new Error(`GET ${ref} answered ${answer.status}`);
    return answer.body;
  };
  const put = async (path: string, ics: string) => {
    const answer = await radicale.put(USER, path, ics);
    if (answer.status >= 300) throw new Error(`PUT ${path} answered ${answer.status}`);
  };
  return {
    provider: "caldav",
    radicale: () => radicale,
    proxy: () => proxy,
    putObject: (name, ics) => put(`${CALENDAR}${name}`, ics),
    async start() {
      radicale = await startRadicale({ [USER]: password });
      await radicale.makeCalendar(USER, "work", { displayName: "Work" });
      await radicale.makeCalendar(USER, "tasks", { components: ["VTODO"], displayName: "Tasks" });
      for (const [name, ics] of Object.entries(caldavSeed)) await put(`${CALENDAR}${name}`, ics);
      if (options.bulkEvents) {
        await radicale.makeCalendar(USER, "bulk", { displayName: "Bulk" });
        const names = Array.from({ length: options.bulkEvents }, (_, index) => index);
        for (let at = 0; at < names.length; at += 10)
          await Promise.all(
            names.slice(at, at + 10).map(async (index) => {
              const start =
                BASE + 2 * 86_400_000 + Math.floor(index / 10) * 86_400_000 + (16 + (index % 10)) * 3_600_000;
              bulk.set(`bulk-${index}.ics`, start);
              await put(`${bulkPath}bulk-${index}.ics`, bulkEvent(`bulk-${index}`, start));
            }),
          );
      }
      proxy = await startFaultProxy(radicale.url);
      t0 = Date.now();
    },
    async stop() {
      await proxy?.close();
      await radicale?.stop();
    },
    now: () => BASE + (Date.now() - t0) + advanced,
    serviceEnv: () => ({}),
    host: { name: "Ana", timeZone: "Europe/Berlin", account: USER },
    connect: {
      kind: "credentials",
      body: () => ({ preset: "custom", serverUrl: proxy.url, username: USER, password }),
    },
    push: false,
    skips: { forgedNotification: "CalDAV has no push channels; polling is the floor" },
    dayStartUtc: "T00:00:00Z",
    seededSlots: {
      // Wed 9 Jan: the dentist 09:00-09:45Z and the moved stand-up instance 14:30-15:00Z.
      "2030-01-09": ["08:00", "10:00", "11:00", "12:00", "13:00", "15:00"],
      // Fri 11 Jan: the stand-up 13:30-14:00Z.
      "2030-01-11": ["08:00", "09:00", "10:00", "11:00", "12:00", "14:00", "15:00"],
      // Thu 10 Jan: the EXDATE, the transparent and the cancelled event leave the whole day free.
      "2030-01-10": ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00"],
      "2030-02-15": [],
      // Mon 18 Feb: the trip's end date is exclusive; the stand-up still blocks.
      "2030-02-18": ["08:00", "09:00", "10:00", "11:00", "12:00", "14:00", "15:00"],
    },
    freeStarts: [
      "2030-01-23T10:00:00Z",
      "2030-01-24T10:00:00Z",
      "2030-01-25T10:00:00Z",
      "2030-01-29T10:00:00Z",
    ],
    meeting: { kind: "link", value: MEETING_LINK, link: /^https:\/\/meet\.example\.org\/ana-consult$/ },
    async bookingEvents(bookingId) {
      const hrefs = (await radicale.list(USER, CALENDAR)).filter((href) =>
        decodeURIComponent(href).includes(`calbridge-${bookingId}-`),
      );
      return Promise.all(
        hrefs.map(async (href) => {
          const lines = contentLines(await readObject(href));
          const location = lines.find((line) => line.startsWith("LOCATION"));
          return {
            id: href,
            attendees: lines
              .filter((line) => line.startsWith("ATTENDEE"))
              .map((line) => line.slice(line.toLowerCase().lastIndexOf("mailto:") + 7)),
            ...(location ? { joinUrl: location.slice(location.indexOf(":") + 1).replaceAll("\\", "") } : {}),
          };
        }),
      );
    },
    async moveEvent(eventId, start, end) {
      const lines = contentLines(await readObject(eventId)).map((line) =>
        line.startsWith("DTSTART") && !line.startsWith("DTSTART:1970")
          ? `DTSTART:${basicUtc(start)}`
          : line.startsWith("DTEND")
            ? `DTEND:${basicUtc(end)}`
            : line,
      );
      await put(pathOf(eventId), lines.join("\r\n"));
    },
    async deleteEvent(eventId) {
      const status = await radicale.remove(USER, pathOf(eventId));
      if (status >= 300) throw new Error(`DELETE ${eventId} answered ${status}`);
    },
    throttle: async (count) => proxy.throttle(count),
    pendingThrottles: () => proxy.pendingThrottles(),
    loseNextCreateAnswer() {
      proxy.loseNextAnswer(
        (request) =>
          request.method === "PUT" &&
          request.headers["if-none-match"] === "*" &&
          (request.url ?? "").includes("calbridge-"),
      );
    },
    createLossArmed: () => proxy.lossArmed(),
    async revokeGrant() {
      revocations += 1;
      password = `app-specific-${revocations + 1}`;
      radicale.setPassword(USER, password);
    },
    async expireSyncCursors() {
      radicale.forgetSyncTokens(CALENDAR);
      if (bulk.size > 0) radicale.forgetSyncTokens(`/${USER}/bulk/`);
      // Radicale answers an unchanged calendar without looking the old token up: a change far outside the window
      // (it blocks nothing) makes the next sync meet the refusal.
      await put(
        `${CALENDAR}later.ics`,
        vcalendar(vevent(`later-${Date.now()}`, ["DTSTART:20350101T100000Z", "DTEND:20350101T110000Z"])),
      );
    },
    // No push: nothing to drop.
    dropNotifications: async () => undefined,
    advanceClock: async (ms) => {
      advanced += ms;
    },
    liveChannels: () => 0,
    forgedNotification: () => {
      throw new Error("CalDAV has no push channels");
    },
    // Radicale answers hrefs percent-encoded; the busy cache keeps them as the server gave them.
    bulkCalendarRef: () => `${proxy.url}${bulkPath}`,
    async providerBusy() {
      const listed = await radicale.list(USER, bulkPath);
      const busy = new Map<string, number | null>();
      for (const href of listed) {
        const start = bulk.get(href.slice(bulkPath.length));
        if (start !== undefined) busy.set(`${proxy.url}${href}`, start);
      }
      return busy;
    },
    async setLatency(ms) {
      // A listing is one answer: held 2 s, so a kill lands while it is on its way.
      proxy.setLatency(ms, {
        matches: (request) => request.method === "REPORT" && (request.url ?? "").startsWith(bulkPath),
        ms: 2_000,
      });
    },
    listingInFlight: () =>
      proxy.inFlight((request) => request.method === "REPORT" && (request.url ?? "").startsWith(bulkPath)),
    async changeBulk(count) {
      const names = [...bulk.keys()];
      for (const name of names.slice(0, count)) {
        expect204(await radicale.remove(USER, `${bulkPath}${name}`), name);
        bulk.delete(name);
      }
      for (const name of names.slice(count, 2 * count)) {
        const start = Date.parse("2030-03-01T20:00:00Z");
        await put(`${bulkPath}${name}`, bulkEvent(name.replace(/\.ics$/, ""), start));
        bulk.set(name, start);
      }
    },
    seededEvent: {
      id: () => `${proxy.url}/${encodeURIComponent(USER)}/work/dentist.ics`,
      date: "2030-01-09",
      slot: "09:00",
    },
  };
}
