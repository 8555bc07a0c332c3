import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { openStore, type Store } from "../src/store/database.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";
import { apiCaller } from "./support/api-call.ts";
import { roleCommands } from "./support/role-commands.ts";
import { type RunningCli, runCli } from "./support/run-cli.ts";
import { findFreePort } from "./support/service-process.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/** One hour, three days from now: inside any sync window. */
const eventStart = new Date(Math.floor(Date.now() / 86_400_000 + 3) * 86_400_000 + 9 * 3_600_000);
const icsTime = (at: Date) => at.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
const FEED = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//roles//EN",
  "BEGIN:VEVENT",
  "UID:standup@roles",
  "DTSTAMP:20300101T000000Z",
  `DTSTART:${icsTime(eventStart)}`,
  `DTEND:${icsTime(new Date(eventStart.getTime() + 3_600_000))}`,
  "SUMMARY:Stand-up",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

const CONCURRENCY = 3;

/**
 * `calbridge serve --role api` and `--role worker` over one PostgreSQL, started as a deployment starts them (the
 * real CLI, the arguments compose.yaml uses): the api process enqueues syncs and fetches nothing, `/readyz` shows the
 * waiting syncs, and the worker runs SYNC_CONCURRENCY of them at once. The feed server holds every answer until that
 * many requests are in flight at the same time, so the syncs finish only if the worker really runs them side by side.
 */
describe.runIf(backends.includes("postgres"))("service roles: api and worker processes", () => {
  const processes: RunningCli[] = [];
  let store: Store;
  let dropDatabase: () => Promise<void>;
  let feedServer: Server;
  let feedUrl: string;
  let apiUrl: string;
  let baseEnv: NodeJS.ProcessEnv;
  let auth: Record<string, string>;
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  const held: ServerResponse[] = [];

  const release = () => {
    for (const response of held.splice(0))
      response.writeHead(200, { "content-type": "text/calendar" }).end(FEED);
  };

  beforeAll(async () => {
    feedServer = createServer((_request: IncomingMessage, response: ServerResponse) => {
      requests++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      response.on("close", () => inFlight--);
      held.push(response);
      if (held.length >= CONCURRENCY) release();
      // A safety valve, not a timing: a worker that syncs one at a time still finishes (and the test then fails).
      else setTimeout(release, 20_000).unref();
    });
    feedServer.listen(0, "127.0.0.1");
    await new Promise((resolve) => feedServer.once("listening", resolve));
    feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/team.ics`;

    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    const { DATABASE_URL: _unused, ...inherited } = process.env;
    baseEnv = {
      ...inherited,
      DATABASE_URL: scratch.url,
      ENCRYPTION_KEYS: generateKeySpec("k1"),
      HOST: "127.0.0.1",
      SANDBOX: "off",
      LOG_LEVEL: "warn",
      OUTBOUND_ALLOW: "127.0.0.1",
      SYNC_CONCURRENCY: String(CONCURRENCY),
    };
    const port = await findFreePort();
    apiUrl = `http://127.0.0.1:${port}`;
    processes.push(await startRole("api", port));
    store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
    const tenant = await createTenant(store.db, { name: "Roles" });
    const { key } = await createApiKey(store.db, { tenantId: tenant.id, name: "test" });
    auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  }, 180_000);

  afterAll(async () => {
    release();
    for (const running of processes) {
      if (running.child.exitCode === null) running.child.kill("SIGTERM");
      await running.exit;
    }
    await store?.close();
    await dropDatabase?.();
    feedServer?.close();
  });

  async function startRole(role: keyof typeof roleCommands, port: number): Promise<RunningCli> {
    const running = runCli([...roleCommands[role]], { env: { ...baseEnv, PORT: String(port) } });
    for (;;) {
      const exit = await Promise.race([running.exit, new Promise((resolve) => setTimeout(resolve, 200))]);
      if (exit) throw new Error(`${role} process exited: ${running.stderr()}${running.stdout()}`);
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (up) return running;
    }
  }

  const call = apiCaller(
    () => apiUrl,
    () => auth,
  );

  const readiness = async () =>
    (await (await fetch(`${apiUrl}/readyz`)).json()) as {
      status: string;
      details: { jobs: { backlog: number; oldestWaitingSyncSeconds: number | null } };
    };

  it("the api process only enqueues; /readyz shows the waiting syncs; the worker runs them side by side", async () => {
    const connections: Array<{ hostId: string; id: string }> = [];
    for (let n = 0; n < CONCURRENCY; n++) {
      const host = await call("POST", "/v1/hosts", { name: `host ${n}`, timeZone: "UTC" });
      const connection = await call("POST", `/v1/hosts/${host.id}/connections`, {
        provider: "ics",
        url: feedUrl,
        name: `feed ${n}`,
      });
      connections.push({ hostId: host.id, id: connection.id });
    }
    const waiting = await readiness();
    expect(waiting.status).toBe("ready");
    expect(waiting.details.jobs.backlog).toBeGreaterThanOrEqual(CONCURRENCY);
    expect(waiting.details.jobs.oldestWaitingSyncSeconds).not.toBeNull();
    // The api process polls no queue: three of pg-boss's one-second polling intervals later, nothing was fetched.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(requests).toBe(0);
    expect((await readiness()).details.jobs.oldestWaitingSyncSeconds).toBeGreaterThanOrEqual(3);

    processes.push(await startRole("worker", await findFreePort()));
    const synced = async () => {
      const rows = await Promise.all(
        connections.map((c) => call("GET", `/v1/hosts/${c.hostId}/connections/${c.id}`)),
      );
      return rows.every((row) => row.lastSyncedAt !== null && row.lastError === null);
    };
    while (!(await synced())) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(requests).toBe(CONCURRENCY);
    expect(maxInFlight).toBe(CONCURRENCY);
    const busy = await store.executeSql("select count(*)::int as n from busy_intervals", []);
    expect(Number(busy.rows[0]!.n)).toBe(CONCURRENCY);
    let after = await readiness();
    while (after.details.jobs.oldestWaitingSyncSeconds !== null) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await readiness();
    }
    expect(after.details.jobs.oldestWaitingSyncSeconds).toBeNull();
  }, 180_000);

  it("refuses --role api on the embedded database, naming DATABASE_URL", async () => {
    const { DATABASE_URL: _unused, ...inherited } = process.env;
    const running = runCli([...roleCommands.api], { env: { ...inherited, SANDBOX: "off", PORT: "0" } });
    expect((await running.exit).code).toBe(1);
    expect(running.stderr()).toContain("--role api needs DATABASE_URL");
  }, 60_000);
});
