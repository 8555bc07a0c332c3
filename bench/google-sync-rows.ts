/**
 * The Google rows of `npm run bench:sync`: the first sync of a 10,000-event Google calendar against the Google
 * sandbox (in a process of its own) next to the raw time to fetch the same events.list pages with plain fetch
 * (target <= 1.5x), the rows a sync with no change writes (target 0), and the time from a change in the sandbox to
 * the busy cache (the incremental pull a push notification starts; target p50 <= 5 s). Called by sync.bench.ts
 * with the store settings it uses; every figure is measured in this run.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { ALICE } from "../sandbox/google/test-accounts.ts";
import { loginForTests, SANDBOX_CLIENT } from "../sandbox/google/test-login.ts";
import { syncWindow } from "../src/jobs/calendar-sync-jobs.ts";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { isGoogleThrottled } from "../src/providers/google/google-errors.ts";
import { GOOGLE_SCOPES, googleOAuthSettings } from "../src/providers/google/google-oauth.ts";
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

export async function benchGoogleSync(params: {
  events: number;
  folder: string;
  databaseUrl: string | undefined;
}): Promise<void> {
  const now = () => new Date();
  const base = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
  const seed = JSON.parse(readFileSync(new URL("../sandbox/google/seed.json", import.meta.url), "utf8"));
  // Alice's primary calendar holds EVENTS single events over the next 300 days, 09:00-19:00 UTC.
  seed.events = Array.from({ length: params.events }, (_, index) => {
    const day = Math.floor((index * 300) / params.events);
    const start = new Date(base + day * 86_400_000 + (9 + (index % 10)) * 3_600_000);
    const end = new Date(start.getTime() + (index % 2 ? 30 : 60) * 60_000);
    return {
      calendarId: ALICE,
      id: `bench${index.toString(32).padStart(6, "0")}`,
      summary: `Event ${index}`,
      start: { dateTime: start.toISOString() },
      end: { dateTime: end.toISOString() },
      ...(index % 7 === 0 ? { status: "tentative" } : {}),
    };
  });
  const seedFile = join(params.folder, "google-seed.json");
  writeFileSync(seedFile, JSON.stringify(seed));
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(new URL("../sandbox/google/main.ts", import.meta.url)),
      "--port",
      "0",
      "--seed",
      seedFile,
      "--auto-approve",
      "--quiet",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the Google sandbox exited (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /emulator at (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
  const tokens = await loginForTests({ url, account: ALICE, scopes: [...GOOGLE_SCOPES] });
  const window = syncWindow(now());

  async function rawFetch(): Promise<{ ms: number; items: number; pages: number }> {
    const started = performance.now();
    let pageToken: string | undefined;
    let items = 0;
    let pages = 0;
    do {
      const query = new URLSearchParams({
        singleEvents: "true",
        maxResults: "2500",
        timeMin: window.from.toISOString(),
        timeMax: window.to.toISOString(),
        ...(pageToken ? { pageToken } : {}),
      });
      const response = await fetch(
        `${url}/calendar/v3/calendars/${encodeURIComponent(ALICE)}/events?${query}`,
        {
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        },
      );
      const page = (await response.json()) as { items: unknown[]; nextPageToken?: string };
      items += page.items.length;
      pages++;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return { ms: performance.now() - started, items, pages };
  }

  const store = await openStore({
    databaseUrl: params.databaseUrl,
    dataDir: "",
    inMemory: !params.databaseUrl,
  });
  await store.migrate();
  const keyRing = parseKeyRing(generateKeySpec("bench"));
  const tenant = await createTenant(store.db, { name: "Bench Google" });
  const host = await insertHost(store.db, tenant.id as TenantId, {
    name: "Alice",
    timeZone: "Europe/Berlin",
  });
  const connection = await insertConnection(store.db, {
    tenantId: tenant.id,
    hostId: host.id,
    provider: "google",
    displayName: "Google Calendar",
    credentials: null,
    settings: {},
  });
  await updateConnection(
    store.db,
    { tenantId: tenant.id, id: connection.id },
    {
      status: "connected",
      accountId: "104623859213740012345",
      accountEmail: ALICE,
      accountKind: "personal",
      credentials: sealOAuthCredentials(keyRing, {
        kind: "oauth",
        accessToken: tokens.accessToken,
        ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
        expiresAt: new Date(Date.now() + 3_000_000).toISOString(),
      }),
    },
  );
  const http = createProviderHttp({ provider: "google", isThrottled: isGoogleThrottled });
  const settings = {
    clientId: SANDBOX_CLIENT.clientId,
    clientSecret: SANDBOX_CLIENT.clientSecret,
    authUrl: `${url}/o/oauth2/v2/auth`,
    tokenUrl: `${url}/token`,
    apiUrl: `${url}/calendar/v3`,
  };
  const deps = {
    db: store.db,
    sources: createSourceFactory({
      keyRing,
      icsFeeds: { guard: createOutboundGuard({ allow: [] }), maxBytes: 1, timeoutMs: 1 },
      google: {
        oauth: createOAuthClient({ settings: googleOAuthSettings(settings), http, now }),
        apiUrl: settings.apiUrl,
        http,
      },
      tokens: { db: store.db, now },
    }),
    events: createConnectionEvents({ db: store.db, now }),
    logger: pino({ level: "silent" }),
    now,
    window: (at: Date) => syncWindow(at),
  };

  const raw = [await rawFetch(), await rawFetch(), await rawFetch()];
  const rawMs = raw.map((run) => run.ms).sort((a, b) => a - b)[1]!;
  // The Family calendar (few events) is synced too; its time is part of the figure, as in production.
  const syncStarted = performance.now();
  const first = await syncConnection(deps, connection.id);
  const syncMs = performance.now() - syncStarted;
  if (first?.status !== "updated") throw new Error(`first Google sync: ${JSON.stringify(first)}`);
  const counted = await store.executeSql(
    "select count(*)::int as n from busy_intervals where not staged",
    [],
  );
  const rows = (counted.rows[0] as { n: number }).n;
  const again = await syncConnection(deps, connection.id);
  const rowsWrittenByNoChange =
    again && "calendars" in again
      ? again.calendars.reduce(
          (sum, { outcome }) => sum + ("rowsWritten" in outcome ? outcome.rowsWritten : 0),
          0,
        )
      : -1;

  // A change in Google to the busy cache: the incremental pull a notification starts.
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await fetch(`${url}/_sandbox/events/change`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        account: ALICE,
        eventId: `bench${(i * 37).toString(32).padStart(6, "0")}`,
        patch: { transparency: i % 2 ? "opaque" : "transparent" },
      }),
    });
    await syncConnection(deps, connection.id);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);

  const round = (value: number) => Math.round(value * 10) / 10;
  console.log(
    `bench:sync Google (${store.kind}, ${params.events} events in one calendar, sandbox on loopback)`,
  );
  console.log(
    `  raw fetch of the events.list pages: ${round(rawMs)} ms (median of 3; ${raw[0]!.pages} pages, ${raw[0]!.items} items)`,
  );
  console.log(
    `  first sync (fetch + map + store): ${round(syncMs)} ms = ${round(syncMs / rawMs)}x raw (target <= 1.5x)`,
  );
  console.log(`  busy rows stored: ${rows}`);
  console.log(`  rows written by a sync with no change: ${rowsWrittenByNoChange} (target 0)`);
  console.log(
    `  change in the sandbox -> busy cache (incremental pull): p50 ${round(latencies[10]!)} ms, p95 ${round(latencies[18]!)} ms (target p50 <= 5 s)`,
  );
  await store.close();
  child.kill("SIGTERM");
}
