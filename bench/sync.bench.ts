/**
 * `npm run bench:sync`:
 * - the first sync of a 10,000-event Outlook calendar against the Microsoft sandbox, next to the raw time to fetch
 *   the same calendarView/delta pages with plain fetch (target: sync <= 1.5x raw). Raw fetch and first sync run in
 *   turns, three pairs (the store is emptied between syncs), and the ratio is the median of each pair's ratio: a
 *   machine whose load drifts during the run moves both halves of a pair alike;
 * - peak memory of the process during those syncs, and the rows a sync with no change writes (target 0);
 * - the time from a change in the sandbox to updated slots through the real push path (notification -> queue ->
 *   pull -> busy cache -> a slots answer that is not a cache hit), p50 and p95 over 20 changes (targets 5 s, 30 s):
 *   see sync-push-latency.ts.
 *
 * The sandbox runs as a process of its own, as the real provider is another machine: its CPU is not charged to the
 * sync. Runs on PostgreSQL when DATABASE_URL is set (scratch databases are created there), else on PGlite. Every
 * figure is measured here, in this run: nothing is divided by a number from elsewhere.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { readSeed } from "../sandbox/microsoft/seed.ts";
import { signIn, WEB_APP } from "../sandbox/microsoft/test-sign-in.ts";
import { syncWindow } from "../src/jobs/calendar-sync-jobs.ts";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { microsoftOAuthSettings } from "../src/providers/microsoft/microsoft-oauth.ts";
import { createOAuthClient } from "../src/providers/oauth-client.ts";
import { createProviderHttp } from "../src/providers/provider-http.ts";
import { createSourceFactory } from "../src/providers/source-registry.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import { insertConnection, updateConnection } from "../src/store/connections-repository.ts";
import { openStore } from "../src/store/database.ts";
import { insertHost } from "../src/store/hosts-repository.ts";
import type { TenantId } from "../src/store/ids.ts";
import { createTenant } from "../src/store/tenants-repository.ts";
import { createConnectionEvents } from "../src/sync/connection-events.ts";
import { sealOAuthCredentials } from "../src/sync/oauth-credentials.ts";
import { syncConnection } from "../src/sync/sync-connection.ts";
import { benchGoogleSync } from "./google-sync-rows.ts";
import { measurePushLatency, PUSH_ACCOUNT, PUSH_EVENT_SUBJECT } from "./sync-push-latency.ts";

const EVENTS = Number(process.env.BENCH_SYNC_EVENTS ?? 10_000);
// Both sides run on the real clock; the events lie in the days ahead.
const BASE = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
const clock = () => Date.now();
const now = () => new Date();

// One mailbox with EVENTS single events spread over the next 300 days, 8:00-18:00 Pacific, 30 or 60 minutes.
const seed = readSeed(undefined);
const adele = seed.users.find((user) => user.userPrincipalName === "adele@contoso.com")!;
adele.calendars = [
  {
    name: "Calendar",
    isDefaultCalendar: true,
    events: Array.from({ length: EVENTS }, (_, index) => {
      const day = Math.floor((index * 300) / EVENTS);
      const start = new Date(BASE + day * 86_400_000 + (16 + (index % 10)) * 3_600_000);
      const end = new Date(start.getTime() + (index % 2 ? 30 : 60) * 60_000);
      const local = (date: Date) => date.toISOString().slice(0, 19);
      return {
        subject: `Event ${index}`,
        start: { dateTime: local(start), timeZone: "UTC" },
        end: { dateTime: local(end), timeZone: "UTC" },
        showAs: index % 7 === 0 ? "tentative" : "busy",
      };
    }),
  },
];
// The push measurement moves one event of another mailbox; it starts outside the synced window.
const pushMailbox = seed.users.find((user) => user.userPrincipalName === PUSH_ACCOUNT)!;
const farAway = new Date(BASE + 700 * 86_400_000).toISOString().slice(0, 11);
pushMailbox
  .calendars!.find((calendar) => calendar.isDefaultCalendar)!
  .events!.push({
    subject: PUSH_EVENT_SUBJECT,
    start: { dateTime: `${farAway}18:00:00`, timeZone: "UTC" },
    end: { dateTime: `${farAway}19:00:00`, timeZone: "UTC" },
  });
const folder = mkdtempSync(join(tmpdir(), "calbridge-bench-sync-"));
writeFileSync(join(folder, "seed.json"), JSON.stringify(seed));
const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    fileURLToPath(new URL("../sandbox/microsoft/main.ts", import.meta.url)),
    "--port",
    "0",
    "--seed",
    join(folder, "seed.json"),
    "--auto-approve",
    "--quiet",
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const sandbox = {
  url: await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /emulator at (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
  }),
};
const tokens = await signIn({ url: sandbox.url, account: "adele@contoso.com" });
const window = syncWindow(now());
const calendars = (await (
  await fetch(`${sandbox.url}/v1.0/me/calendars`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  })
).json()) as { value: Array<{ id: string; isDefaultCalendar: boolean }> };
const calendarId = calendars.value.find((calendar) => calendar.isDefaultCalendar)!.id;
const eventIds: string[] = [];

// Raw: the same pages, plain fetch, nothing stored.
async function rawFetch(): Promise<{ ms: number; items: number; pages: number }> {
  eventIds.length = 0;
  const started = performance.now();
  let url: string | undefined =
    `${sandbox.url}/v1.0/me/calendars/${encodeURIComponent(calendarId)}/calendarView/delta?startDateTime=` +
    `${window.from.toISOString()}&endDateTime=${window.to.toISOString()}`;
  let items = 0;
  let pages = 0;
  while (url) {
    const response = await fetch(url, {
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        prefer: 'outlook.timezone="UTC", odata.maxpagesize=200',
      },
    });
    const page = (await response.json()) as { value: Array<{ id: string }>; "@odata.nextLink"?: string };
    items += page.value.length;
    for (const item of page.value) eventIds.push(item.id);
    pages++;
    url = page["@odata.nextLink"];
  }
  return { ms: performance.now() - started, items, pages };
}

// The stores: PostgreSQL scratch databases when DATABASE_URL is set, else PGlite.
const scratchDrops: Array<() => Promise<void>> = [];
async function scratchDatabase(): Promise<string | undefined> {
  if (!process.env.DATABASE_URL) return undefined;
  const name = `calbridge_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  scratchDrops.push(async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });
  return url.toString();
}
const databaseUrl = await scratchDatabase();
const store = await openStore({ databaseUrl, dataDir: "", inMemory: !databaseUrl });
await store.migrate();
const keyRing = parseKeyRing(generateKeySpec("bench"));
const tenant = await createTenant(store.db, { name: "Bench" });
const host = await insertHost(store.db, tenant.id as TenantId, {
  name: "Adele",
  timeZone: "America/Los_Angeles",
});
const connection = await insertConnection(store.db, {
  tenantId: tenant.id,
  hostId: host.id,
  provider: "microsoft",
  displayName: "Microsoft 365",
  credentials: null,
  settings: {},
});
await updateConnection(
  store.db,
  { tenantId: tenant.id, id: connection.id },
  {
    status: "connected",
    accountId: adele.id,
    accountEmail: "adele@contoso.com",
    accountKind: "work",
    credentials: sealOAuthCredentials(keyRing, {
      kind: "oauth",
      accessToken: tokens.access_token,
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      expiresAt: new Date(clock() + tokens.expires_in * 1000).toISOString(),
    }),
  },
);
const http = createProviderHttp({ provider: "microsoft" });
const settings = {
  clientId: WEB_APP.clientId,
  clientSecret: WEB_APP.clientSecret,
  tenant: "common",
  loginUrl: sandbox.url,
  graphUrl: `${sandbox.url}/v1.0`,
  rooms: false,
};
const deps = {
  db: store.db,
  sources: createSourceFactory({
    keyRing,
    icsFeeds: { guard: createOutboundGuard({ allow: [] }), maxBytes: 1, timeoutMs: 1 },
    microsoft: {
      oauth: createOAuthClient({ settings: microsoftOAuthSettings(settings), http, now }),
      graphUrl: settings.graphUrl,
      http,
    },
    tokens: { db: store.db, now },
  }),
  events: createConnectionEvents({ db: store.db, now }),
  logger: pino({ level: "silent" }),
  now,
  window: (at: Date) => syncWindow(at),
};

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);
const rssBefore = process.memoryUsage.rss();

const sumRows = (outcome: Awaited<ReturnType<typeof syncConnection>>) =>
  outcome && "calendars" in outcome
    ? outcome.calendars.reduce((sum, c) => sum + ("rowsWritten" in c.outcome ? c.outcome.rowsWritten : 0), 0)
    : -1;
async function firstSync(): Promise<number> {
  const started = performance.now();
  const outcome = await syncConnection(deps, connection.id);
  const ms = performance.now() - started;
  if (outcome?.status !== "updated") throw new Error(`first sync: ${JSON.stringify(outcome)}`);
  return ms;
}
/** Back to "never synced": no rows, no cursor (the calendar list stays). */
async function forgetSync(): Promise<void> {
  await store.executeSql("delete from busy_intervals where connection_id = $1", [connection.id]);
  await store.executeSql(
    "update calendar_sync_states set cursor = null, staging_cursor = null, content_hash = null where connection_id = $1",
    [connection.id],
  );
}

const pairs: Array<{ rawMs: number; syncMs: number }> = [];
let rawPages = 0;
let rawItems = 0;
let rows = 0;
let rowsWrittenByNoChange = -1;
for (let pair = 0; pair < 3; pair++) {
  if (pair > 0) await forgetSync();
  const raw = await rawFetch();
  rawPages = raw.pages;
  rawItems = raw.items;
  pairs.push({ rawMs: raw.ms, syncMs: await firstSync() });
  if (pair === 0) {
    const counted = await store.executeSql(
      "select count(*)::int as n from busy_intervals where not staged",
      [],
    );
    rows = (counted.rows[0] as { n: number }).n;
    rowsWrittenByNoChange = sumRows(await syncConnection(deps, connection.id));
  }
}
clearInterval(sampler);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ratios = pairs.map((p) => p.syncMs / p.rawMs);

// A change in Outlook to the busy cache by a direct pull (what a sync job does once it runs).
const pullLatencies: number[] = [];
for (let i = 0; i < 20; i++) {
  const id = eventIds[i * 37]!;
  const started = performance.now();
  await fetch(`${sandbox.url}/_sandbox/events/change`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      account: "adele@contoso.com",
      eventId: id,
      patch: { showAs: i % 2 ? "busy" : "free" },
    }),
  });
  await syncConnection(deps, connection.id);
  pullLatencies.push(performance.now() - started);
}
await store.close();

const push = await measurePushLatency({
  sandboxUrl: sandbox.url,
  databaseUrl: await scratchDatabase(),
  changes: Number(process.env.BENCH_SYNC_PUSH_CHANGES ?? 20),
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (value: number) => Math.round(value * 10) / 10;
const list = (values: number[]) => values.map((v) => Math.round(v)).join(", ");
console.log(
  `bench:sync (${store.kind}, ${EVENTS} events in one calendar, sandbox on loopback in its own process)`,
);
console.log(`  raw fetch of the delta pages: ${rawPages} pages, ${rawItems} items`);
console.log(
  `  first sync vs raw, in turns: raw ${list(pairs.map((p) => p.rawMs))} ms; sync ${list(pairs.map((p) => p.syncMs))} ms`,
);
console.log(
  `  first sync = ${round(median(ratios))}x raw (median of the pairs' ratios ${ratios.map(round).join(", ")}; target <= 1.5x)`,
);
console.log(`  busy rows stored: ${rows}`);
console.log(`  rows written by a sync with no change: ${rowsWrittenByNoChange} (target 0)`);
console.log(
  `  peak RSS during the syncs ${Math.round(peakRss / 1048576)} MiB (${Math.round(rssBefore / 1048576)} MiB before)`,
);
console.log(
  `  change in the sandbox -> busy cache (direct pull): p50 ${round(percentile(pullLatencies, 50))} ms, p95 ${round(percentile(pullLatencies, 95))} ms`,
);
console.log(
  `  change in the sandbox -> slots (push: notification, queue, pull, cache, uncached slots answer): p50 ${round(percentile(push.latenciesMs, 50))} ms, p95 ${round(percentile(push.latenciesMs, 95))} ms over ${push.latenciesMs.length} changes (targets 5000 / 30000 ms); ${push.notifications} notifications accepted, ${push.syncJobs} sync jobs, no polling`,
);

// The Google rows, on a store and database of their own (bench/google-sync-rows.ts).
await benchGoogleSync({ events: EVENTS, folder, databaseUrl: await scratchDatabase() });
for (const drop of scratchDrops) await drop();
child.kill("SIGTERM");
rmSync(folder, { recursive: true, force: true });
