import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_TOKEN_SECONDS } from "../sandbox/microsoft/identity-grants.ts";
import type { MicrosoftSandbox } from "../sandbox/microsoft/server.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { openStore, type Store } from "../src/store/database.ts";
import {
  connectAdeleAutoApproved,
  createMicrosoftHost,
  freePort,
  microsoftServiceEnv,
  sandboxAdmin,
  startRecordingSandbox,
  waitFor,
} from "./support/microsoft-harness.ts";
import { type ServiceChild, startServiceChild } from "./support/service-children.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/**
 * Two service processes on one PostgreSQL sync the same Microsoft connection at the same moment, just after its
 * access token expired: the token endpoint sees exactly one refresh_token grant per expiry (the database claim),
 * and both processes call Graph with the one new token (the process that did not refresh adopts its peer's).
 * Grants are counted by the sandbox's token endpoint; the tokens each process used are read from its Graph calls.
 */
describe.runIf(backends.includes("postgres"))(
  "Microsoft 365 token refresh with two service processes",
  () => {
    let sandbox: MicrosoftSandbox;
    let store: Store;
    let dropDatabase: () => Promise<void>;
    const children: ServiceChild[] = [];
    const dataDirs: string[] = [];
    let connectionId: string;

    const refreshGrants = async (): Promise<number> => {
      const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
        tokenGrants: { refresh_token: number };
      };
      return state.tokenGrants.refresh_token;
    };

    beforeAll(async () => {
      ({ sandbox } = await startRecordingSandbox());
      const offset = sandbox.state.now() - Date.now();
      const scratch = await createScratchDatabase();
      dropDatabase = scratch.drop;
      const encryptionKeys = generateKeySpec("k1");
      const ports = [await freePort(), await freePort()];
      for (const port of ports) {
        const dataDir = mkdtempSync(join(tmpdir(), "calbridge-proc-"));
        dataDirs.push(dataDir);
        const env = microsoftServiceEnv({
          port,
          dataDir,
          databaseUrl: scratch.url,
          sandboxUrl: sandbox.url,
          encryptionKeys,
          // The polling floor stays out of the way: the syncs are the test's own.
          extra: { CALENDAR_POLL_MINUTES: "1440" },
        });
        // One after the other: the first one migrates the database.
        children.push(await startServiceChild({ env, clockOffsetMs: offset }));
      }
      store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
      const base = `http://127.0.0.1:${ports[0]}`;
      const { api, hostId } = await createMicrosoftHost(store, base);
      connectionId = await connectAdeleAutoApproved(api, hostId, base);
      await waitFor("the first sync", async () => {
        const { body } = await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`);
        return body.status === "connected" &&
          body.calendars.length > 0 &&
          body.calendars.every((c: { lastSuccessAt: string | null }) => c.lastSuccessAt)
          ? true
          : undefined;
      });
    }, 120_000);

    afterAll(async () => {
      for (const child of children) await child.stop();
      await store?.close();
      await sandbox?.close();
      await dropDatabase?.();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    });

    // The work the connect started (subscriptions, rooms, the first sync's follow-ups) may still be running in either
    // process: a call in flight across the clock change would carry the token it read before. Wait until neither
    // process has called Graph for a second, and remember every token seen meanwhile.
    const quiet = async (seen: Set<string>) => {
      for (let idle = 0; idle < 2; ) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const used = (await Promise.all(children.map((child) => child.graphTokens()))).flat();
        for (const token of used) seen.add(token);
        idle = used.length === 0 ? idle + 1 : 0;
      }
    };

    it("refreshes once per expiry, and both processes use the new token", async () => {
      expect(await refreshGrants()).toBe(0);
      const seen = new Set<string>();
      await quiet(seen);
      expect(seen.size).toBeGreaterThan(0);
      for (const expiry of [1, 2]) {
        // The token's lifetime passes on every clock: the processes' (they would refresh before calling Graph) and
        // the sandbox's (Graph refuses the old token).
        const lifetimeMs = ACCESS_TOKEN_SECONDS * 1000 + 1000;
        await quiet(seen);
        for (const child of children) await child.advanceClock(lifetimeMs);
        await sandboxAdmin(sandbox.url)("clock", { advanceMs: lifetimeMs });
        const outcomes = await Promise.all(children.map((child) => child.sync(connectionId)));
        for (const status of outcomes) expect(["updated", "unchanged"]).toContain(status);
        expect(await refreshGrants()).toBe(expiry);
        const used = await Promise.all(children.map((child) => child.graphTokens()));
        expect(used[0]).toHaveLength(1);
        expect(used[1]).toEqual(used[0]);
        const fresh = used[0]![0]!;
        expect(seen.has(fresh)).toBe(false);
        seen.add(fresh);
      }
      const { rows } = await store.executeSql(
        "select status, refresh_lease_until from calendar_connections where id = $1",
        [connectionId],
      );
      // Both claims were given back.
      expect(rows[0]).toMatchObject({ status: "connected", refresh_lease_until: null });
    }, 90_000);
  },
);
