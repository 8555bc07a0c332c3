/**
 * `npm run bench:sync` (CalDAV row): the first fill of a 2,000-event calendar on a real Radicale (Debian package
 * `radicale`, on loopback) and an incremental sync of 10 changed events, each with the requests it made and its
 * wall time, plus the rows a sync with no change writes (target 0). Runs on PostgreSQL when DATABASE_URL is set
 * (a scratch database is created there), else on in-memory PGlite. Every figure is measured here, in this run.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { syncWindow } from "../src/jobs/calendar-sync-jobs.ts";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { createGuardedProviderFetch } from "../src/providers/guarded-provider-fetch.ts";
import { createProviderHttp } from "../src/providers/provider-http.ts";
import { createSourceFactory } from "../src/providers/source-registry.ts";
import { generateKeySpec, parseKeyRing } from "../src/secrets/key-ring.ts";
import { insertConnection, updateConnection } from "../src/store/connections-repository.ts";
import { openStore } from "../src/store/database.ts";
import { insertHost } from "../src/store/hosts-repository.ts";
import type { TenantId } from "../src/store/ids.ts";
import { createTenant } from "../src/store/tenants-repository.ts";
import { createConnectionEvents } from "../src/sync/connection-events.ts";
import { syncConnection } from "../src/sync/sync-connection.ts";
import { startRadicale } from "../test/support/radicale-harness.ts";

const EVENTS = Number(process.env.BENCH_CALDAV_EVENTS ?? 2_000);
const CHANGES = 10;
const BASE = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
const now = () => new Date();
const basic = (at: Date) => `${at.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;

function veventLines(index: number, shiftMinutes = 0): string[] {
  const day = Math.floor((index * 300) / EVENTS);
  const start = new Date(BASE + day * 86_400_000 + (16 + (index % 10)) * 3_600_000 + shiftMinutes * 60_000);
  const end = new Date(start.getTime() + (index % 2 ? 30 : 60) * 60_000);
  return [
    "BEGIN:VEVENT",
    `UID:bench-${index}`,
    `DTSTAMP:${basic(new Date(BASE))}`,
    `DTSTART:${basic(start)}`,
    `DTEND:${basic(end)}`,
    `SUMMARY:Event ${index}`,
    "END:VEVENT",
  ];
}

const calendarOf = (events: string[][]) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN", ...events.flat(), "END:VCALENDAR", ""].join(
    "\r\n",
  );

const radicale = await startRadicale({ bench: "bench-password" });
await radicale.makeCalendar("bench", "work");
// One PUT of the whole collection (Radicale splits it into one resource per UID): PUTs one by one take ~0.1 s each.
const seedStarted = performance.now();
const seeded = await radicale.put(
  "bench",
  "/bench/work/",
  calendarOf(Array.from({ length: EVENTS }, (_, index) => veventLines(index))),
);
if (seeded.status >= 300) throw new Error(`seeding answered ${seeded.status}`);
const hrefs = await radicale.list("bench", "/bench/work/");
const seedMs = performance.now() - seedStarted;

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
const host = await insertHost(store.db, tenant.id as TenantId, { name: "Ana", timeZone: "UTC" });
const connection = await insertConnection(store.db, {
  tenantId: tenant.id,
  hostId: host.id,
  provider: "caldav",
  displayName: "CalDAV",
  credentials: keyRing.encrypt(
    JSON.stringify({
      kind: "caldav",
      serverUrl: radicale.url,
      principalUrl: `${radicale.url}/bench/`,
      homeUrl: `${radicale.url}/bench/`,
      username: "bench",
      password: "bench-password",
    }),
  ),
  settings: {},
});
await updateConnection(store.db, { tenantId: tenant.id, id: connection.id }, { status: "connected" });

let requests = 0;
/** Time spent waiting for Radicale's answers (request sent to body read), to tell the server's time from ours. */
let serverMs = 0;
const guarded = createGuardedProviderFetch({
  guard: createOutboundGuard({ allow: ["127.0.0.1"] }),
  maxBytes: 50 * 1_048_576,
  timeoutMs: 60_000,
});
const counting: typeof globalThis.fetch = async (input, init) => {
  requests++;
  const started = performance.now();
  try {
    return await guarded(input, init);
  } finally {
    serverMs += performance.now() - started;
  }
};
const deps = {
  db: store.db,
  sources: createSourceFactory({
    keyRing,
    icsFeeds: { guard: createOutboundGuard({ allow: [] }), maxBytes: 1, timeoutMs: 1 },
    tokens: { db: store.db, now },
    caldav: { http: createProviderHttp({ provider: "caldav", fetch: counting }), now },
  }),
  events: createConnectionEvents({ db: store.db, now }),
  logger: pino({ level: "silent" }),
  now,
  window: (at: Date) => syncWindow(at),
};

async function measuredSync(expect: "updated" | "unchanged") {
  const before = requests;
  const serverBefore = serverMs;
  const started = performance.now();
  const outcome = await syncConnection(deps, connection.id);
  const ms = performance.now() - started;
  if (outcome?.status !== expect) throw new Error(`sync: ${JSON.stringify(outcome)}`);
  const rowsWritten =
    "calendars" in outcome
      ? outcome.calendars.reduce((sum, { outcome: o }) => sum + ("rowsWritten" in o ? o.rowsWritten : 0), 0)
      : 0;
  return { ms, requests: requests - before, rowsWritten, serverMs: serverMs - serverBefore };
}

// Raw: the server's own time for one calendar-query with all the data over the window, plain fetch, nothing parsed.
const window = syncWindow(now());
const davTime = (at: Date) => `${at.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
const rawStarted = performance.now();
const raw = await fetch(`${radicale.url}/bench/work/`, {
  method: "REPORT",
  headers: {
    authorization: `Basic ${Buffer.from("bench:bench-password").toString("base64")}`,
    depth: "1",
    "content-type": "application/xml",
  },
  body: `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${davTime(window.from)}" end="${davTime(window.to)}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
});
const rawBytes = (await raw.arrayBuffer()).byteLength;
const rawMs = performance.now() - rawStarted;

const first = await measuredSync("updated");
const counted = await store.executeSql("select count(*)::int as n from busy_intervals where not staged", []);
for (let i = 0; i < CHANGES; i++) {
  const href = hrefs[i * Math.floor(hrefs.length / CHANGES)]!;
  const current = await radicale.get("bench", href);
  const index = Number(/UID:bench-(\d+)/.exec(current.body)![1]);
  await radicale.put("bench", href, calendarOf([veventLines(index, 30)]));
}
const incremental = await measuredSync("updated");
const unchanged = await measuredSync("unchanged");

const round = (value: number) => Math.round(value * 10) / 10;
console.log(`bench:sync CalDAV (${store.kind}, ${EVENTS} events on Radicale, loopback)`);
console.log(`  seeding Radicale (one collection PUT, ${hrefs.length} resources): ${round(seedMs)} ms`);
console.log(`  raw calendar-query with data (plain fetch): ${round(rawMs)} ms, ${rawBytes} bytes`);
console.log(
  `  first fill (sync-token + calendar-query + map + store): ${round(first.ms)} ms, ${first.requests} requests ` +
    `(${round(first.serverMs)} ms of it waiting for Radicale, whose first sync-token of a collection is slow), ` +
    `${(counted.rows[0] as { n: number }).n} busy rows`,
);
console.log(
  `  incremental sync of ${CHANGES} changes (sync-collection + multiget): ${round(incremental.ms)} ms, ` +
    `${incremental.requests} requests (${round(incremental.serverMs)} ms waiting for Radicale)`,
);
console.log(
  `  sync with no change: ${round(unchanged.ms)} ms, ${unchanged.requests} requests, ` +
    `${unchanged.rowsWritten} rows written (target 0)`,
);

await store.close();
await dropScratch?.();
await radicale.stop();
