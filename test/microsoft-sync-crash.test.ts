import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instancesInWindow } from "../sandbox/microsoft/instances.ts";
import { readSeed } from "../sandbox/microsoft/seed.ts";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "../sandbox/microsoft/server.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { openStore, type Store } from "../src/store/database.ts";
import {
  BASE,
  connectAdeleAutoApproved,
  createMicrosoftHost,
  freePort,
  microsoftServiceEnv,
  sandboxAdmin,
  waitFor,
} from "./support/microsoft-harness.ts";
import { type ServiceChild, startServiceChild } from "./support/service-children.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/**
 * A service process is killed (SIGKILL: no shutdown, no rollback but PostgreSQL's) while it lists a large Outlook
 * calendar over slow Graph pages, and a new process takes over. Whatever the kill interrupted, the busy cache ends
 * up holding exactly the sandbox's events (none lost, none twice), and until a listing completes the rows of the
 * previous complete one are the ones served. The new process starts once the dead run's calendar lease has run
 * out (its clock is moved past the lease's lifetime rather than the test waiting two minutes).
 */
const EVENTS = 3000;
const LEASE_PASSED_MS = 125_000;

describe.runIf(backends.includes("postgres"))("a Microsoft sync killed mid-way and taken over", () => {
  let sandbox: MicrosoftSandbox;
  let store: Store;
  let dropDatabase: () => Promise<void>;
  let child: ServiceChild | undefined;
  const dataDirs: string[] = [];
  let env: (dataDir: string) => Record<string, string>;
  let offset: number;
  let skew = 0;
  let connectionId: string;
  let adeleId: string;
  let calendarRef: string;

  /** The Outlook items of Adele's default calendar that block time, as the sandbox holds them now. */
  const sandboxBusy = (): Map<string, number | null> =>
    new Map(
      instancesInWindow({
        state: sandbox.state,
        mailboxId: adeleId,
        calendarId: calendarRef,
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

  /**
   * Rows of the calendar in the busy cache, source ref -> start (ms): served (of the calendar's served generation)
   * or staged (of any other: a listing in progress, or what a killed one left).
   */
  const cached = async (staged: boolean): Promise<{ count: number; starts: Map<string, number> }> => {
    const { rows } = await store.executeSql(
      `select source_ref, start_at from busy_intervals b
        where connection_id = $1 and calendar_ref = $2
          and (generation = coalesce((select busy_generation from calendar_sync_states s
                where s.connection_id = b.connection_id and s.calendar_ref = b.calendar_ref), 0)) <> $3`,
      [connectionId, calendarRef, staged],
    );
    const typed = rows as Array<{ source_ref: string; start_at: Date | string }>;
    return {
      count: typed.length,
      starts: new Map(typed.map((row) => [row.source_ref, new Date(row.start_at).getTime()])),
    };
  };

  /** The live rows are exactly these items, timed ones at their start. */
  const expectLive = async (expected: Map<string, number | null>) => {
    const live = await cached(false);
    expect(live.count).toBe(expected.size);
    expect([...live.starts.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [ref, start] of expected) if (start !== null) expect(live.starts.get(ref)).toBe(start);
  };

  const startChild = async (): Promise<ServiceChild> => {
    const dataDir = mkdtempSync(join(tmpdir(), "calbridge-crash-"));
    dataDirs.push(dataDir);
    return startServiceChild({ env: env(dataDir), clockOffsetMs: offset + skew });
  };

  /** Starts a sync in `running` and kills the process once part of the new listing is staged. */
  const killMidListing = async (running: ServiceChild, sync: () => Promise<unknown>) => {
    const pending = sync().catch(() => undefined);
    const staged = await waitFor(
      "a part of the listing to be staged",
      async () => {
        const { count } = await cached(true);
        return count > 0 ? count : undefined;
      },
      60_000,
    );
    await running.kill();
    void pending;
    return staged;
  };

  beforeAll(async () => {
    const seed = readSeed(undefined);
    const adele = seed.users.find((user) => user.userPrincipalName === "adele@contoso.com")!;
    const calendar = adele.calendars!.find((c) => c.isDefaultCalendar)!;
    calendar.events = [
      ...(calendar.events ?? []),
      ...Array.from({ length: EVENTS }, (_, index) => {
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
    const t0 = Date.now();
    sandbox = await startMicrosoftSandbox({
      port: 0,
      clock: () => BASE + (Date.now() - t0),
      autoApprove: true,
      seed,
    });
    adeleId = sandbox.state.findMailbox("adele@contoso.com")!.id;
    calendarRef = sandbox.state.defaultCalendar(adeleId).id;
    offset = sandbox.state.now() - Date.now();
    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    const encryptionKeys = generateKeySpec("k1");
    const port = await freePort();
    env = (dataDir) =>
      microsoftServiceEnv({
        port,
        dataDir,
        databaseUrl: scratch.url,
        sandboxUrl: sandbox.url,
        encryptionKeys,
        extra: { CALENDAR_POLL_MINUTES: "1440" },
      });
    child = await startChild();
    store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
  }, 120_000);

  afterAll(async () => {
    await child?.stop();
    await store?.close();
    await sandbox?.close();
    await dropDatabase?.();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it("loses and doubles nothing, and serves the last complete listing until the next one completes", async () => {
    // Slow pages: the listing of ~3,000 items takes seconds, so the kill lands in the middle of it.
    await sandboxAdmin(sandbox.url)("latency", { ms: 150 });
    const base = "http://127.0.0.1:" + new URL(env("").PUBLIC_URL!).port;
    const { api, hostId } = await createMicrosoftHost(store, base);
    // The connect queues the first sync in the only process; it is killed during that sync.
    connectionId = await connectAdeleAutoApproved(api, hostId, base);
    const running = child!;
    const firstStaged = await killMidListing(running, async () => undefined);
    child = undefined;
    const expected = sandboxBusy();
    expect(expected.size).toBeGreaterThan(EVENTS);
    expect(firstStaged).toBeLessThan(expected.size);
    // Nothing was complete yet: nothing is served, the staged part stays invisible.
    expect((await cached(false)).count).toBe(0);

    skew += LEASE_PASSED_MS;
    child = await startChild();
    expect(await child.sync(connectionId)).toBe("updated");
    await expectLive(expected);
    expect((await cached(true)).count).toBe(0);

    // Outlook changes meanwhile and the delta token is lost: the next sync is a full listing, killed half way.
    const bulk = [...sandbox.state.events.values()].filter((event) =>
      event.fields.subject.startsWith("Bulk "),
    );
    for (const event of bulk.slice(0, 3))
      await sandboxAdmin(sandbox.url)("events/delete", { account: "adele@contoso.com", eventId: event.id });
    for (const event of bulk.slice(3, 6))
      await sandboxAdmin(sandbox.url)("events/change", {
        account: "adele@contoso.com",
        eventId: event.id,
        patch: {
          start: { dateTime: "2030-03-01T20:00:00", timeZone: "UTC" },
          end: { dateTime: "2030-03-01T20:30:00", timeZone: "UTC" },
        },
      });
    await sandboxAdmin(sandbox.url)("sync-tokens/expire", { account: "adele@contoso.com" });
    const second = child;
    await killMidListing(second, () => second.sync(connectionId));
    child = undefined;
    // The previous complete listing is what availability reads until the new one completes.
    await expectLive(expected);

    skew += LEASE_PASSED_MS;
    child = await startChild();
    expect(await child.sync(connectionId)).toBe("updated");
    const changed = sandboxBusy();
    expect(changed.size).toBe(expected.size - 3);
    await expectLive(changed);
    expect((await cached(true)).count).toBe(0);
  }, 180_000);
});
