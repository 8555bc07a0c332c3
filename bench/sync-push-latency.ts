/**
 * The push half of `npm run bench:sync`: the whole service (HTTP, job engine, push intake, sync) on its own store,
 * connected to a mailbox of the sandbox process, with the polling floor pushed out of the way (1440 min) so that
 * every sync comes from a Graph notification. Each change moves one Outlook event onto a free slot; the latency runs
 * from the change in the sandbox to the first public slots answer that no longer offers the slot: notification ->
 * push intake -> queue -> pull -> busy cache -> slots. Every probe asks for a range no earlier probe asked for, so no
 * answer comes from the slots cache.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { signIn, WEB_APP } from "../sandbox/microsoft/test-sign-in.ts";
import { parseConfig } from "../src/config.ts";
import { startService } from "../src/main.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";

export const PUSH_ACCOUNT = "megan@contoso.com";
export const PUSH_EVENT_SUBJECT = "Bench mover";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function measurePushLatency(params: {
  sandboxUrl: string;
  /** A scratch PostgreSQL database, or undefined for PGlite in a temp folder. */
  databaseUrl: string | undefined;
  changes: number;
}): Promise<{ latenciesMs: number[]; syncJobs: number; notifications: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), "calbridge-bench-push-"));
  const port = await freePort();
  const config = parseConfig({
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: `http://localhost:${port}`,
    DATA_DIR: dataDir,
    DATABASE_URL: params.databaseUrl ?? "",
    ENCRYPTION_KEYS: generateKeySpec("bench"),
    SANDBOX: "off",
    LOG_LEVEL: "silent",
    PUBLIC_RATE_LIMIT: "0",
    MICROSOFT_CLIENT_ID: WEB_APP.clientId,
    MICROSOFT_CLIENT_SECRET: WEB_APP.clientSecret,
    MICROSOFT_LOGIN_URL: params.sandboxUrl,
    MICROSOFT_GRAPH_URL: `${params.sandboxUrl}/v1.0`,
    CALENDAR_POLL_MINUTES: "1440",
  });
  const service = await startService(config, { logger: pino({ level: "silent" }) });
  try {
    const base = `http://127.0.0.1:${port}`;
    const tenant = await createTenant(service.store.db, { name: "Bench push" });
    const { key } = await createApiKey(service.store.db, { tenantId: tenant.id, name: "bench" });
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`bench: ${method} ${path} -> ${response.status} ${text}`);
      return text ? JSON.parse(text) : null;
    };
    await api("PATCH", "/v1/tenant", { connectReturnUrls: ["http://localhost:4999/"] });
    const hostId = (await api("POST", "/v1/hosts", { name: "Megan", timeZone: "America/Los_Angeles" })).id;
    const weekday = [["09:00", "17:00"]];
    await api("POST", `/v1/hosts/${hostId}/schedules`, {
      timeZone: "America/Los_Angeles",
      weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    await api("POST", "/v1/event-types", {
      slug: "consult",
      title: "Consult",
      durations: [60],
      hostIds: [hostId],
      rules: { horizon: { type: "rolling", days: 90 } },
    });
    const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
      provider: "microsoft",
      returnUrl: "http://localhost:4999/calendars",
      loginHint: PUSH_ACCOUNT,
    });
    const back = await fetch(created.authorizeUrl, { redirect: "manual" });
    const callback = new URL(back.headers.get("location") ?? "");
    await fetch(`${base}${callback.pathname}${callback.search}`, { redirect: "manual" });
    const connectionId: string = created.id;
    await until("the connection's first sync and its subscriptions", async () => {
      const { rows } = await service.store.executeSql(
        "select count(*)::int as n, count(channel->>'id')::int as watched, count(last_success_at)::int as synced from calendar_sync_states where connection_id = $1 and blocking",
        [connectionId],
      );
      const { n, watched, synced } = rows[0] as { n: number; watched: number; synced: number };
      return n > 0 && watched === n && synced === n ? true : undefined;
    });
    // The event that moves: found through Graph as the account itself.
    const tokens = await signIn({ url: params.sandboxUrl, account: PUSH_ACCOUNT });
    const listed = (await (
      await fetch(`${params.sandboxUrl}/v1.0/me/calendar/events?$top=100`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
    ).json()) as { value: Array<{ id: string; subject: string }> };
    const mover = listed.value.find((event) => event.subject === PUSH_EVENT_SUBJECT);
    if (!mover) throw new Error("bench: the seed has no event to move");
    const slug = tenant.slug;
    let probe = 0;
    const offers = async (day: string): Promise<boolean> => {
      // A range no probe asked for before: never a slots-cache hit.
      probe++;
      const from = new Date(Date.parse(`${day}T08:00:00Z`) + probe * 1000).toISOString();
      const to = `${day}T23:59:00.000Z`;
      const answer = await api("GET", `/v1/public/${slug}/consult/slots?from=${from}&to=${to}&timeZone=UTC`);
      return (answer.slots as Array<{ start: string }>).some((slot) => slot.start === `${day}T18:00:00Z`);
    };
    const syncJobs = async () =>
      (
        (
          await service.store.executeSql(
            "select count(*)::int as n from pgboss.job where name = 'calendar.sync' and state = 'completed'",
            [],
          )
        ).rows[0] as { n: number }
      ).n;
    const notificationsAccepted = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return [...text.matchAll(/^calbridge_push_notifications_total\{([^}]*)\} (\d+)/gm)]
        .filter(([, labels]) => labels!.includes('kind="changed"') && !labels!.includes('outcome="rejected"'))
        .reduce((sum, [, , count]) => sum + Number(count), 0);
    };
    const jobsBefore = await syncJobs();
    const notificationsBefore = await notificationsAccepted();
    const latenciesMs: number[] = [];
    // 18:00Z is a slot on every weekday in Los Angeles (10:00 PST, 11:00 PDT).
    let day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 3 * 86_400_000);
    while (latenciesMs.length < params.changes) {
      day = new Date(day.getTime() + 86_400_000);
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      const date = day.toISOString().slice(0, 10);
      if (!(await offers(date))) continue;
      const started = performance.now();
      const moved = await fetch(`${params.sandboxUrl}/_sandbox/events/change`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          account: PUSH_ACCOUNT,
          eventId: mover.id,
          patch: {
            start: { dateTime: `${date}T18:00:00`, timeZone: "UTC" },
            end: { dateTime: `${date}T19:00:00`, timeZone: "UTC" },
          },
        }),
      });
      if (moved.status !== 200) throw new Error(`bench: moving the event answered ${moved.status}`);
      await until("the slot to go", async () => ((await offers(date)) ? undefined : true), 120_000);
      latenciesMs.push(performance.now() - started);
    }
    return {
      latenciesMs,
      syncJobs: (await syncJobs()) - jobsBefore,
      notifications: (await notificationsAccepted()) - notificationsBefore,
    };
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
