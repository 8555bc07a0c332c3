import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CalDavTestService,
  createConsultHost,
  startCalDavTestService,
} from "./support/caldav-service.ts";
import { mainThreadCpuMs } from "./support/main-thread-cpu.ts";
import { waitFor } from "./support/microsoft-harness.ts";
import { type RadicaleServer, radicaleAvailable, startRadicale } from "./support/radicale-harness.ts";
import { backends } from "./support/test-stores.ts";

/**
 * A CalDAV object built to make a naive reader spin (issue #13, as #11 for feeds): a 200-byte `RRULE:FREQ=SECONDLY`
 * with no end, stored on a real Radicale. The service (in this process: its event loop is this one) reads it in the
 * worker pool while /healthz is asked again and again: the loop stays free, the cut shows on the connection, and
 * nothing is offered from the cut on.
 */
const USER = "tick";
const PASSWORD = "runaway-1";
const DAY = 86_400_000;
const basic = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");

describe.runIf(radicaleAvailable).each(backends)("a runaway CalDAV object on %s", (backend) => {
  let radicale: RadicaleServer;
  let svc: CalDavTestService;
  const seriesStartMs = Math.floor(Date.now() / DAY) * DAY + 5 * DAY + 9 * 3_600_000;

  beforeAll(async () => {
    radicale = await startRadicale({ [USER]: PASSWORD });
    await radicale.makeCalendar(USER, "work", { displayName: "Work" });
    await radicale.put(
      USER,
      `/${USER}/work/tick.ics`,
      [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//hostile//EN",
        "BEGIN:VEVENT",
        "UID:tick",
        `DTSTAMP:${basic(seriesStartMs)}`,
        `DTSTART:${basic(seriesStartMs)}`,
        "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
      ].join("\r\n"),
    );
    svc = await startCalDavTestService({ backend });
  }, 120_000);

  afterAll(async () => {
    await svc?.stop();
    await radicale?.stop();
  });

  it("is read off the event loop, cut with a warning, and not offered from the cut on", async () => {
    const hostId = await createConsultHost(svc, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

    const samples: Array<{ ms: number; cpuMs: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const cpuBefore = mainThreadCpuMs(process.pid);
        const started = performance.now();
        const answer = await svc.api("GET", "/healthz");
        samples.push({ ms: performance.now() - started, cpuMs: mainThreadCpuMs(process.pid) - cpuBefore });
        expect(answer.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    let synced: { status: string; warnings: Array<{ code: string; unavailableFrom?: string }> } | undefined;
    try {
      const connection = await svc.api("POST", `/v1/hosts/${hostId}/connections`, {
        provider: "caldav",
        serverUrl: radicale.url,
        username: USER,
        password: PASSWORD,
      });
      expect(connection.status, JSON.stringify(connection.body)).toBe(201);
      synced = await waitFor(
        "the first sync",
        async () => {
          const current = (await svc.api("GET", `/v1/hosts/${hostId}/connections/${connection.body.id}`))
            .body;
          return current.status !== "pending" &&
            current.calendars.every((c: { lastAttemptAt: unknown }) => c.lastAttemptAt)
            ? current
            : undefined;
        },
        240_000,
      );
    } finally {
      sampling = false;
      await sampler;
    }

    // As in hostile-feeds.test.ts: a stall is a slow answer for which this thread was running nearly all along
    // (a wait for a CPU on a shared machine is not the service's work); /proc counts in ticks of 10 ms.
    const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
    const figures = `${samples.length} samples, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`;
    process.stderr.write(`[caldav-hostile ${backend}] /healthz while syncing: ${figures}\n`);
    expect(samples.length, figures).toBeGreaterThan(5);
    // Handling a cut object's 10,000 rows on this thread still showed one answer over 100 ms with nearly all of it
    // main-thread CPU in CI runs (140 ms on PGlite, and once on PostgreSQL too; issue #11 stays open on it), so the
    // bound here is 250 ms until that work is found and split.
    const limitMs = 250;
    const stalls = samples.filter(
      (sample) => sample.ms >= limitMs && sample.cpuMs + 10 >= Math.max(limitMs, 0.8 * sample.ms),
    );
    expect(stalls, figures).toEqual([]);

    expect(synced?.status).toBe("connected");
    expect(synced?.warnings).toEqual([
      expect.objectContaining({ code: "expansion_truncated", unavailableFrom: expect.any(String) }),
    ]);
    const cut = Date.parse(synced?.warnings[0]?.unavailableFrom ?? "");
    expect(cut).toBeGreaterThan(seriesStartMs - DAY);
    expect(cut).toBeLessThanOrEqual(seriesStartMs);

    // Free before the series; nothing from the cut on, though no row says "busy" past the rows that were read.
    const from = new Date(seriesStartMs - 3 * DAY).toISOString();
    const to = new Date(seriesStartMs + 4 * DAY).toISOString();
    const slots = await svc.api(
      "GET",
      `/v1/public/${svc.slug}/consult/slots?from=${from}&to=${to}&timeZone=UTC`,
    );
    expect(slots.status, JSON.stringify(slots.body)).toBe(200);
    const offered = (slots.body.slots as Array<{ start: string }>).map((slot) => Date.parse(slot.start));
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((start) => start + 3_600_000 <= cut)).toBe(true);
  }, 300_000);
});
