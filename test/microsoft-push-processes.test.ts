import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MicrosoftSandbox } from "../sandbox/microsoft/server.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { openStore, type Store } from "../src/store/database.ts";
import {
  type Api,
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
 * Two service processes on one PostgreSQL behind one PUBLIC_URL (a round-robin proxy, as a load balancer would
 * be): Graph's notifications land on either process, and each one leads to exactly one sync of the connection,
 * whichever process received it and whichever runs the job. Syncs are counted at the sandbox: every connection
 * sync lists the calendars once (`GET /me/calendars`).
 */
describe.runIf(backends.includes("postgres"))("Microsoft 365 push with two service processes", () => {
  let sandbox: MicrosoftSandbox;
  let proxy: Server;
  let store: Store;
  let dropDatabase: () => Promise<void>;
  const children: ServiceChild[] = [];
  const dataDirs: string[] = [];
  let requests: string[] = [];
  /** Notification POSTs (not validations) the proxy passed to each process. */
  const notificationsTo = [0, 0];
  let api: Api;
  let hostId: string;
  let connectionId: string;

  const connectionSyncs = () => requests.filter((line) => /^GET \/v1\.0\/me\/calendars\?/.test(line)).length;

  beforeAll(async () => {
    ({ sandbox, requests } = await startRecordingSandbox());
    // The children run on the sandbox's clock.
    const offset = sandbox.state.now() - Date.now();
    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    const ports = [await freePort(), await freePort()];
    const proxyPort = await freePort();
    let turn = 0;
    proxy = createServer((incoming, outgoing) => {
      const target = turn++ % 2;
      if (incoming.url?.includes("/notifications") && !incoming.url.includes("validationToken"))
        notificationsTo[target]! += 1;
      const forward = request(
        {
          host: "127.0.0.1",
          port: ports[target],
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forward.on("error", () => outgoing.writeHead(502).end());
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPort, "127.0.0.1", resolve));
    const encryptionKeys = generateKeySpec("k1");
    for (const port of ports) {
      const dataDir = mkdtempSync(join(tmpdir(), "calbridge-proc-"));
      dataDirs.push(dataDir);
      const env = microsoftServiceEnv({
        port,
        publicUrl: `http://localhost:${proxyPort}`,
        dataDir,
        databaseUrl: scratch.url,
        sandboxUrl: sandbox.url,
        encryptionKeys,
        // No polling during the test: every sync comes from a notification (or the connect).
        extra: { CALENDAR_POLL_MINUTES: "60" },
      });
      // One after the other: the first one migrates the database.
      children.push(await startServiceChild({ env, clockOffsetMs: offset }));
    }
    store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
    ({ api, hostId } = await createMicrosoftHost(store, `http://127.0.0.1:${ports[0]}`));
    connectionId = await connectAdeleAutoApproved(api, hostId, `http://127.0.0.1:${ports[0]}`);
  }, 120_000);

  afterAll(async () => {
    for (const child of children) await child.stop();
    await store?.close();
    await new Promise((resolve) => proxy?.close(resolve));
    await sandbox?.close();
    await dropDatabase?.();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it("processes each notification once: one sync per change, whichever process receives it", async () => {
    await waitFor("subscriptions on every blocking calendar", async () => {
      const { rows } = await store.executeSql(
        "select count(*)::int as n, count(channel->>'id')::int as watched from calendar_sync_states where connection_id = $1 and blocking",
        [connectionId],
      );
      const { n, watched } = rows[0] as { n: number; watched: number };
      return n > 0 && watched === n && sandbox.subscriptions.subscriptions.size === n ? true : undefined;
    });
    // Let the connect's syncs (the first, and the catch-up after the subscriptions were made) finish.
    let settled = -1;
    await waitFor("the connect to settle", async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const now = connectionSyncs();
      const quiet = now === settled;
      settled = now;
      return quiet ? true : undefined;
    });
    const focus = [...sandbox.state.events.values()].find((event) => event.fields.subject === "Focus time")!;
    const changes = 4;
    for (let n = 1; n <= changes; n++) {
      await sandboxAdmin(sandbox.url)("events/change", {
        account: "adele@contoso.com",
        eventId: focus.id,
        patch: { subject: `Focus time (${n})` },
      });
      await sandbox.subscriptions.idle();
      await waitFor("the sync of this change", async () =>
        connectionSyncs() >= settled + n ? true : undefined,
      );
      // A second process handling the same notification would show up as a second sync now.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(connectionSyncs()).toBe(settled + n);
    }
    // Both processes received notifications (the proxy alternates), and neither doubled the work.
    expect(notificationsTo[0]! + notificationsTo[1]!).toBe(changes);
    expect(notificationsTo[0]).toBeGreaterThan(0);
    expect(notificationsTo[1]).toBeGreaterThan(0);
    const { rows } = await store.executeSql(
      "select count(*)::int as n from calendar_sync_states where connection_id = $1 and dirty <> 0",
      [connectionId],
    );
    expect((rows[0] as { n: number }).n).toBe(0);
  }, 90_000);
});
