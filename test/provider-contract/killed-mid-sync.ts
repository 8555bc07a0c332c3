import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeySpec } from "../../src/secrets/key-ring.ts";
import { openStore, type Store } from "../../src/store/database.ts";
import { apiClient, freePort, waitFor } from "../support/microsoft-harness.ts";
import { type ServiceChild, startServiceChild } from "../support/service-children.ts";
import { createTestTenant } from "../support/test-app.ts";
import { backends, createScratchDatabase } from "../support/test-stores.ts";
import { connectHarnessHost, type ProviderHarness, RETURN } from "./provider-harness.ts";

/** What the killed-mid-sync case needs beyond the contract harness: a large calendar and its truth. */
export interface CrashHarness {
  /** The calendar holding the bulk events, as the busy cache names it (`calendar_ref`). */
  bulkCalendarRef(): string;
  /** The provider's blocking items of that calendar now, keyed as the busy cache keys them: start (ms), or null
   * for an all-day item (only its presence is compared). */
  providerBusy(): Promise<Map<string, number | null>>;
  /** Slows every answer of the provider down (ms), so that a kill lands inside a listing. */
  setLatency(ms: number): Promise<void>;
  /** The host deletes `count` bulk events and moves `count` others, in the provider. */
  changeBulk(count: number): Promise<void>;
  /** A listing request of the provider is being answered right now (for providers that list in one answer). */
  listingInFlight?(): boolean;
}

const LEASE_PASSED_MS = 125_000;

/**
 * A service process is SIGKILLed (no shutdown, no rollback but the database's) during the first sync of a large
 * calendar, and again during a relisting forced by a lost sync cursor; a new process takes over each time (its
 * clock moved past the dead run's calendar lease rather than the test waiting two minutes). The cache ends up
 * holding exactly the provider's items, none lost and none twice, and until a listing completes the rows of the
 * previous complete one are served. The kill lands when part of the listing is staged (paged providers commit
 * page by page) or, for a provider that answers a listing at once, while that answer is on its way.
 *
 * PostgreSQL only: the killed process and its successor share the database, and embedded PGlite belongs to one
 * process (its data folder cannot be opened by a second one while the test reads it).
 */
export function describeKilledMidSync(
  makeHarness: () => ProviderHarness & CrashHarness,
  options: { expectedAtLeast: number },
): void {
  describe.runIf(backends.includes("postgres"))("a sync killed mid-way and taken over", () => {
    const harness = makeHarness();
    let store: Store;
    let dropDatabase: (() => Promise<void>) | undefined;
    let child: ServiceChild | undefined;
    const dataDirs: string[] = [];
    let env: (dataDir: string) => Record<string, string>;
    let skew = 0;
    let connectionId: string;
    let base: string;

    /**
     * Rows of the bulk calendar in the busy cache, source ref -> start (ms): served (of the calendar's served
     * generation) or staged (of any other: a listing in progress, or what a killed one left).
     */
    const cached = async (staged: boolean) => {
      const { rows } = await store.executeSql(
        `select source_ref, start_at from busy_intervals b
          where connection_id = $1 and calendar_ref = $2
            and (generation = coalesce((select busy_generation from calendar_sync_states s
                  where s.connection_id = b.connection_id and s.calendar_ref = b.calendar_ref), 0)) <> $3`,
        [connectionId, harness.bulkCalendarRef(), staged],
      );
      const typed = rows as Array<{ source_ref: string; start_at: Date | string }>;
      return {
        count: typed.length,
        starts: new Map(typed.map((row) => [row.source_ref, new Date(row.start_at).getTime()])),
      };
    };
    const expectLive = async (expected: Map<string, number | null>) => {
      const live = await cached(false);
      expect(live.count).toBe(expected.size);
      expect([...live.starts.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [ref, start] of expected) if (start !== null) expect(live.starts.get(ref)).toBe(start);
    };
    const startChild = async (): Promise<ServiceChild> => {
      const dataDir = mkdtempSync(join(tmpdir(), `calbridge-crash-${harness.provider}-`));
      dataDirs.push(dataDir);
      return startServiceChild({ env: env(dataDir), clockOffsetMs: harness.now() - Date.now() + skew });
    };
    const killMidListing = async (running: ServiceChild, sync: () => Promise<unknown>) => {
      const pending = sync().catch(() => undefined);
      await waitFor(
        "a part of the listing to be staged, or the listing on its way",
        async () => ((await cached(true)).count > 0 || harness.listingInFlight?.() ? true : undefined),
        90_000,
      );
      await running.kill();
      void pending;
    };

    beforeAll(async () => {
      await harness.start();
      const scratch = await createScratchDatabase();
      dropDatabase = scratch.drop;
      const encryptionKeys = generateKeySpec("k1");
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      env = (dataDir) => ({
        PORT: String(port),
        HOST: "127.0.0.1",
        PUBLIC_URL: `http://localhost:${port}`,
        DATA_DIR: dataDir,
        DATABASE_URL: scratch.url,
        ENCRYPTION_KEYS: encryptionKeys,
        SANDBOX: "off",
        LOG_LEVEL: "silent",
        PUBLIC_RATE_LIMIT: "0",
        OUTBOUND_ALLOW: "127.0.0.1",
        // Only the syncs the test starts run: no poll lands between the kill and the takeover.
        CALENDAR_POLL_MINUTES: "1440",
        ...harness.serviceEnv(),
      });
      child = await startChild();
      store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
    }, 180_000);

    afterAll(async () => {
      await child?.stop();
      await store?.close();
      await harness.stop();
      await dropDatabase?.();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    });

    it("loses and doubles nothing, and serves the last complete listing until the next one completes", async () => {
      const tenant = await createTestTenant(store, "Crash Co");
      const api = apiClient(base, tenant.auth);
      expect((await api("PATCH", "/v1/tenant", { connectReturnUrls: [RETURN] })).status).toBe(200);
      const hostId = (
        await api("POST", "/v1/hosts", { name: harness.host.name, timeZone: harness.host.timeZone })
      ).body.id;
      // Slow answers: the listing takes seconds, so the kill lands in the middle of it.
      await harness.setLatency(150);
      connectionId = await connectHarnessHost({ harness, api, hostId, loginHint: true });
      // The connect queues the first sync in the only process; it is killed during that sync.
      await killMidListing(child!, async () => undefined);
      child = undefined;
      const expected = await harness.providerBusy();
      expect(expected.size).toBeGreaterThanOrEqual(options.expectedAtLeast);
      expect((await cached(true)).count).toBeLessThan(expected.size);
      // Nothing was complete yet: nothing is served, the staged part stays invisible.
      expect((await cached(false)).count).toBe(0);

      skew += LEASE_PASSED_MS;
      child = await startChild();
      expect(["updated", "connected"]).toContain(await child.sync(connectionId));
      await expectLive(expected);
      expect((await cached(true)).count).toBe(0);

      // The calendar changes meanwhile and the sync cursor is lost: the next sync relists, and is killed half way.
      await harness.changeBulk(3);
      await harness.expireSyncCursors();
      const second = child;
      await killMidListing(second, () => second.sync(connectionId));
      child = undefined;
      // The previous complete listing is what availability reads until the new one completes.
      await expectLive(expected);

      skew += LEASE_PASSED_MS;
      child = await startChild();
      expect(await child.sync(connectionId)).toBe("updated");
      const changed = await harness.providerBusy();
      expect(changed.size).toBe(expected.size - 3);
      await expectLive(changed);
      expect((await cached(true)).count).toBe(0);
    }, 300_000);
  });
}
