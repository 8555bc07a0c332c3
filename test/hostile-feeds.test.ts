import { execFile } from "node:child_process";
import { once as eventOnce } from "node:events";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { mainThreadCpuMs } from "./support/main-thread-cpu.ts";
import { cliPath, findFreePort, serviceEnvironment, startService } from "./support/service-process.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/**
 * Feeds built to make a naive reader spin (issue #11): a 200-byte SECONDLY rule, BYxxx MINUTELY rules, COUNT from
 * 1970, a 5 MB export of 25k events, thousands of EXDATEs and RDATEs, deep nesting. The real service (its own
 * process, real HTTP) syncs them all, twice, while /healthz is asked again and again: the event loop must stay free,
 * a cut feed must say so on its connection, and the time it could not read must not be offered.
 */
const run = promisify(execFile);
const DAY = 86_400_000;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
const calendar = (body: string[]) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hostile//EN", ...body, "END:VCALENDAR", ""].join("\r\n");

function hostileFeeds(seriesStartMs: number, fetchCount: () => number): Record<string, () => string> {
  const start = stamp(seriesStartMs);
  const hugeVersions = [0, 1].map((version) => {
    const lines: string[] = [];
    for (let i = 0; i < 25_000; i++) {
      const at = seriesStartMs + (i % 300) * DAY + Math.floor(i / 300) * 600_000;
      lines.push(
        "BEGIN:VEVENT",
        `UID:bulk-${i}@example.com`,
        `DTSTART:${stamp(at)}`,
        `DTEND:${stamp(at + 300_000 + version * 60_000)}`,
        `SUMMARY:Bulk event ${i}`,
        `DESCRIPTION:${"x".repeat(120)}`,
        "END:VEVENT",
      );
    }
    return calendar(lines);
  });
  const event = (uid: string, ...lines: string[]) => [
    "BEGIN:VEVENT",
    `UID:${uid}`,
    `DTSTART:${start}`,
    ...lines,
    "END:VEVENT",
  ];
  return {
    secondly: () => calendar(event("tick", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")),
    minutely: () =>
      calendar([
        ...event("m1", "DURATION:PT10S", "RRULE:FREQ=MINUTELY;BYSECOND=0,20,40;BYHOUR=1,3,5,7,9,11,13,15"),
        ...event(
          "m2",
          "DURATION:PT1S",
          "RRULE:FREQ=SECONDLY;BYMINUTE=0,30;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12",
        ),
      ]),
    count: () =>
      calendar([
        "BEGIN:VEVENT",
        "UID:since-1970",
        "DTSTART:19700101T000000Z",
        "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY;COUNT=2000000000",
        "END:VEVENT",
      ]),
    // ~5 MB, and different on every fetch (two versions, built once: building one is work for this process too).
    huge: () => hugeVersions[fetchCount() % 2] as string,
    dates: once(() => {
      const exdates = Array.from(
        { length: 4000 },
        (_, i) => `EXDATE:${stamp(seriesStartMs + i * 3_600_000)}`,
      );
      const rdates = Array.from(
        { length: 4000 },
        (_, i) => `RDATE:${stamp(seriesStartMs + i * 3_600_000 + 1_800_000)}`,
      );
      return calendar(event("dates", "DURATION:PT5M", "RRULE:FREQ=HOURLY", ...exdates, ...rdates));
    }),
    nested: once(() => {
      const lines: string[] = [];
      for (let i = 0; i < 3000; i++) {
        for (let depth = 0; depth < 14; depth++) lines.push(`BEGIN:X-DEEP${depth}`, `X-N:${i}`);
        for (let depth = 13; depth >= 0; depth--) lines.push(`END:X-DEEP${depth}`);
      }
      return calendar(lines);
    }),
  };
}

/** Built on first use and kept: the feed server must not be a busy process itself. */
function once(build: () => string): () => string {
  let text: string | undefined;
  return () => {
    text ??= build();
    return text;
  };
}

interface Connection {
  id: string;
  displayName: string;
  createdAt: string;
  lastError: string | null;
  status: string;
  warnings: Array<{ code: string; message: string; calendar: string; unavailableFrom?: string }>;
  calendars: Array<{ lastAttemptAt: string | null; warnings: unknown[] }>;
}

describe.each(backends)("hostile .ics feeds on %s", (backend) => {
  let feedServer: Server;
  let feedBase: string;
  let hugeFetches = 0;
  const seriesStartMs = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
  const feeds = hostileFeeds(seriesStartMs, () => ++hugeFetches);
  const { dataDir, env } = serviceEnvironment("calbridge-hostile-");
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;

  beforeAll(async () => {
    feedServer = createServer((request, response) => {
      const name = (request.url ?? "").slice(1).replace(/\.ics$/, "");
      const feed = Object.hasOwn(feeds, name) ? feeds[name] : undefined;
      if (!feed) return void response.writeHead(404).end();
      response.writeHead(200, { "content-type": "text/calendar" }).end(feed());
    });
    feedServer.listen(0, "127.0.0.1");
    await eventOnce(feedServer, "listening");
    feedBase = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
    if (backend === "postgres") {
      scratch = await createScratchDatabase();
      env.DATABASE_URL = scratch.url;
      env.ENCRYPTION_KEYS = generateKeySpec("k1");
      env.PORT = String(await findFreePort());
    }
    env.ICS_FEED_ALLOW = "127.0.0.1";
    // Enough for the 25k-event feed; the runaway rules are cut at it.
    env.ICS_FEED_MAX_OCCURRENCES = "30000";
    // The worker runs at low priority: on a loaded machine (the whole suite in parallel) a 5 MB feed may wait long
    // for a CPU. Termination at the budget is covered by feed-worker-pool.test.ts.
    env.ICS_FEED_TIME_BUDGET_MS = "300000";
    env.LOG_LEVEL = "warn";
    if (process.env.HOSTILE_PROFILE) env.NODE_OPTIONS = `--import ${process.env.HOSTILE_PROFILE}`;
  });
  afterAll(async () => {
    feedServer.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps /healthz under 100 ms while they sync, shows the cut, and offers none of the time it could not read", async () => {
    const service = await startService({ env, dataDir });
    try {
      const { stdout } = await run(process.execPath, [cliPath, "tenant", "create", "Hostile", "--json"], {
        env,
      });
      const { tenant, apiKey } = JSON.parse(stdout) as { tenant: { slug: string }; apiKey: string };
      const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
        const response = await fetch(`${service.url}${path}`, {
          method: init.method ?? "GET",
          headers: { authorization: `Bearer ${apiKey}` },
          ...(init.body === undefined
            ? {}
            : {
                body: JSON.stringify(init.body),
                headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
              }),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const newHost = async (name: string) => {
        const host = (await api("/v1/hosts", { method: "POST", body: { name, timeZone: "UTC" } })).body;
        const hours: Array<[string, string]> = [["09:00", "17:00"]];
        const weekly = Object.fromEntries(
          ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, hours]),
        );
        await api(`/v1/hosts/${host.id}/schedules`, { method: "POST", body: { timeZone: "UTC", weekly } });
        return host.id as string;
      };
      const ticking = await newHost("Ticking");
      const crowded = await newHost("Crowded");
      const created = await api("/v1/event-types", {
        method: "POST",
        body: { slug: "chat", title: "Chat", durations: [60], hostIds: [ticking] },
      });
      expect(created.status).toBe(201);

      // /healthz, again and again, from before the first feed is added until the last sync is done.
      const samples: Array<{ ms: number; cpuMs: number }> = [];
      const servicePid = service.child.pid as number;
      let sampling = true;
      const sampler = (async () => {
        while (sampling && service.child.exitCode === null) {
          const cpuBefore = mainThreadCpuMs(servicePid);
          const started = performance.now();
          const response = await fetch(`${service.url}/healthz`);
          await response.arrayBuffer();
          samples.push({ ms: performance.now() - started, cpuMs: mainThreadCpuMs(servicePid) - cpuBefore });
          expect(response.status).toBe(200);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();

      // A few seconds of the idle service first: what this machine's load alone costs a round trip.
      while (samples.length < 100) await new Promise((resolve) => setTimeout(resolve, 50));
      const idle = samples
        .splice(0)
        .map((sample) => sample.ms)
        .sort((a, b) => a - b);
      const connect = async (hostId: string, name: string) => {
        const answer = await api(`/v1/hosts/${hostId}/connections`, {
          method: "POST",
          body: { provider: "ics", url: `${feedBase}/${name}.ics`, name },
        });
        expect(answer.status).toBe(201);
        return { hostId, id: answer.body.id as string };
      };
      const connections = [
        await connect(ticking, "secondly"),
        ...(await Promise.all(
          ["minutely", "count", "huge", "dates", "nested"].map((name) => connect(crowded, name)),
        )),
      ];
      const read = async ({ hostId, id }: { hostId: string; id: string }) =>
        (await api(`/v1/hosts/${hostId}/connections/${id}`)).body as unknown as Connection;
      const settled = async (after: Map<string, string | null>) => {
        const deadline = Date.now() + 400_000;
        for (;;) {
          const states = await Promise.all(connections.map(read));
          const done = states.every(
            (state) =>
              state.status !== "pending" &&
              state.calendars[0]?.lastAttemptAt != null &&
              state.calendars[0].lastAttemptAt !== after.get(state.id),
          );
          if (done) return states;
          if (Date.now() > deadline) throw new Error(`syncs did not finish: ${JSON.stringify(states)}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      };
      const first = await settled(new Map());
      // Anyone with a key can ask for more of the same: each sync reads every feed again.
      for (const connection of connections) {
        const again = await api(`/v1/hosts/${connection.hostId}/connections/${connection.id}/sync`, {
          method: "POST",
        });
        expect(again.status, JSON.stringify(again.body)).toBe(202);
      }
      const second = await settled(
        new Map(first.map((state) => [state.id, state.calendars[0]!.lastAttemptAt])),
      );
      sampling = false;
      await sampler;

      const warmedUp = samples.slice(5);
      const sorted = warmedUp.map((sample) => sample.ms).sort((a, b) => a - b);
      const slow = warmedUp.filter((sample) => sample.ms >= 100);
      const figures = `${warmedUp.length} samples, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms; ${slow.length} >= 100 ms, of which main-thread CPU max ${Math.max(0, ...slow.map((sample) => sample.cpuMs))} ms`;
      process.stderr.write(
        `[hostile-feeds ${backend}] /healthz idle: median ${idle[50]?.toFixed(1)} ms, max ${idle.at(-1)?.toFixed(1)} ms; while syncing: ${figures}\n`,
      );
      expect(warmedUp.length, figures).toBeGreaterThan(50);
      // Under 100 ms, unless the service's event loop thread was not running for most of it: on a shared machine a
      // round trip can wait for a CPU (other processes, this one), and that wait is not the service's work. A stall
      // of its own (the 11 s SECONDLY expansion of issue #11) is CPU time of that thread for nearly all of the round
      // trip. /proc counts in ticks of 10 ms, hence the margin.
      // Embedded PGlite runs the database itself on this thread: the 25k-row feed is written under a new generation
      // in transactions of 250 rows (src/sync/stage-listing.ts), PGlite's queries give the loop a turn every 15 ms
      // (src/store/turn-taking-pglite.ts) and new WAL segments are not zero-filled (src/store/database.ts), so the
      // same bound holds on both back ends.
      const limitMs = 100;
      const stalls = warmedUp.filter(
        (sample) => sample.ms >= limitMs && sample.cpuMs + 10 >= Math.max(limitMs, 0.8 * sample.ms),
      );
      expect(stalls, figures).toEqual([]);
      expect(hugeFetches).toBeGreaterThanOrEqual(2);

      // The SECONDLY feed is cut, says so, and stays connected; its connection names where busy time stops.
      const tick = second[0]!;
      expect(tick.status).toBe("connected");
      expect(tick.warnings).toEqual([
        expect.objectContaining({
          code: "expansion_truncated",
          calendar: "feed",
          unavailableFrom: expect.any(String),
        }),
      ]);
      expect(tick.calendars[0]?.warnings).toHaveLength(1);
      const cut = Date.parse(tick.warnings[0]!.unavailableFrom!);
      expect(cut).toBeGreaterThan(seriesStartMs - DAY);
      expect(cut).toBeLessThan(seriesStartMs + DAY);
      // The 25k-event feed is read whole (no warning), the deep one too; COUNT from 1970 is cut.
      const byName = Object.fromEntries(
        ["secondly", "minutely", "count", "huge", "dates", "nested"].map((name, i) => [name, second[i]!]),
      );
      expect(byName.huge?.warnings).toEqual([]);
      expect(byName.huge?.status).toBe("connected");
      expect(byName.count?.warnings).toEqual([expect.objectContaining({ code: "expansion_truncated" })]);

      // Before the series the host is free; from the cut on nothing is offered, though no row says "busy" there.
      const slots = await fetch(
        `${service.url}/v1/public/${tenant.slug}/chat/slots?from=${new Date(seriesStartMs - 2 * DAY).toISOString()}&to=${new Date(seriesStartMs + 8 * DAY).toISOString()}&timeZone=UTC`,
      );
      const offered = ((await slots.json()) as { slots: Array<{ start: string }> }).slots.map((slot) =>
        Date.parse(slot.start),
      );
      expect(offered.length).toBeGreaterThan(0);
      expect(offered.every((start) => start + 3_600_000 <= cut)).toBe(true);
      expect(await service.stop()).toBe(0);
    } finally {
      if (service.child.exitCode === null) await service.stop();
    }
  }, 900_000);
});
