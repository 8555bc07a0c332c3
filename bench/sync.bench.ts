/**
 * `npm run bench:sync`: the first sync of a 10,000-event Outlook calendar against the Microsoft sandbox, next to the
 * raw time to fetch the same calendarView/delta pages with plain fetch (target: sync <= 1.5x raw), peak memory, the
 * rows a sync with no change writes (target 0), and the time from a change in the sandbox to updated slots.
 *
 * The sandbox runs as a process of its own, as the real provider is another machine: its CPU is not charged to the
 * sync. Runs on PostgreSQL when DATABASE_URL is set (a scratch database is created there), else on in-memory PGlite.
 * Every figure is measured here, in this run: nothing is divided by a number from elsewhere.
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

// The store: PostgreSQL scratch database when DATABASE_URL is set, else in-memory PGlite.
let dropScratch: (() => Promise<void>) | undefined;
let databaseUrl: string | undefined;
if (process.env.DATABASE_URL) {
  const name = `calbridge_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  dropScratch = async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
}
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
  window: syncWindow,
};

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const rssBefore = process.memoryUsage().rss;

const raw = [await rawFetch(), await rawFetch(), await rawFetch()];
const rawMs = raw.map((run) => run.ms).sort((a, b) => a - b)[1]!;

const syncStarted = performance.now();
const first = await syncConnection(deps, connection.id);
const syncMs = performance.now() - syncStarted;
if (first?.status !== "updated") throw new Error(`first sync: ${JSON.stringify(first)}`);
const counted = await store.executeSql("select count(*)::int as n from busy_intervals where not staged", []);
const rows = (counted.rows[0] as { n: number }).n;

const again = await syncConnection(deps, connection.id);
const rowsWrittenByNoChange =
  again && "calendars" in again
    ? again.calendars.reduce(
        (sum, { outcome }) => sum + ("rowsWritten" in outcome ? outcome.rowsWritten : 0),
        0,
      )
    : -1;

// A change in Outlook to the busy cache (pull: the sync a notification or the polling floor starts).
const changeLatencies: number[] = [];
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
  changeLatencies.push(performance.now() - started);
}
clearInterval(sampler);
changeLatencies.sort((a, b) => a - b);

const round = (value: number) => Math.round(value * 10) / 10;
console.log(`bench:sync (${store.kind}, ${EVENTS} events in one calendar, sandbox on loopback)`);
console.log(
  `  raw fetch of the delta pages: ${round(rawMs)} ms (median of 3; ${raw[0]!.pages} pages, ${raw[0]!.items} items)`,
);
console.log(
  `  first sync (fetch + map + store): ${round(syncMs)} ms = ${round(syncMs / rawMs)}x raw (target <= 1.5x)`,
);
console.log(`  busy rows stored: ${rows}`);
console.log(`  rows written by a sync with no change: ${rowsWrittenByNoChange} (target 0)`);
console.log(
  `  change in the sandbox -> busy cache (delta pull): p50 ${round(changeLatencies[10]!)} ms, p95 ${round(changeLatencies[18]!)} ms`,
);
console.log(
  `  peak RSS ${Math.round(peakRss / 1048576)} MiB (${Math.round(rssBefore / 1048576)} MiB before)`,
);

await store.close();
// The Google rows, on a store of their own in the same database (bench/google-sync-rows.ts).
await benchGoogleSync({ events: EVENTS, folder, databaseUrl });
await dropScratch?.();
child.kill("SIGTERM");
rmSync(folder, { recursive: true, force: true });
