import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { expect } from "vitest";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "../../sandbox/microsoft/server.ts";
import { WEB_APP } from "../../sandbox/microsoft/test-sign-in.ts";
import { parseConfig } from "../../src/config.ts";
import { type Service, startService } from "../../src/main.ts";
import { generateKeySpec } from "../../src/secrets/key-ring.ts";
import type { Store } from "../../src/store/database.ts";
import { createTestTenant } from "./test-app.ts";
import { createScratchDatabase } from "./test-stores.ts";

/**
 * Shared pieces of the end-to-end tests against the Microsoft sandbox: ports, polling, the service's environment,
 * a small API client, and a host ready to connect (schedule Mon-Fri 09-17 Los Angeles, a 60-minute event type).
 * The seed's events lie in January 2030, so both clocks start at 2030-01-01.
 */
export const BASE = Date.parse("2030-01-01T00:00:00Z");
export const RETURN = "http://localhost:4999/settings/calendars";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A sandbox that signs Adele in without the consent page, on a clock starting at BASE now, and records every request
 * it answers ("METHOD /path?query -> status") so tests can count Graph calls.
 */
export async function startRecordingSandbox(): Promise<{ sandbox: MicrosoftSandbox; requests: string[] }> {
  const requests: string[] = [];
  const t0 = Date.now();
  const sandbox = await startMicrosoftSandbox({
    port: 0,
    clock: () => BASE + (Date.now() - t0),
    autoApprove: true,
    logger: { info: (line) => requests.push(line) },
  });
  return { sandbox, requests };
}

/** The environment of a service that uses the sandbox as Microsoft (parseConfig input). */
export function microsoftServiceEnv(params: {
  port: number;
  publicUrl?: string;
  dataDir: string;
  databaseUrl: string;
  sandboxUrl: string;
  encryptionKeys: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    PORT: String(params.port),
    HOST: "127.0.0.1",
    PUBLIC_URL: params.publicUrl ?? `http://localhost:${params.port}`,
    DATA_DIR: params.dataDir,
    DATABASE_URL: params.databaseUrl,
    ENCRYPTION_KEYS: params.encryptionKeys,
    SANDBOX: "off",
    LOG_LEVEL: "silent",
    PUBLIC_RATE_LIMIT: "0",
    ICS_FEED_ALLOW: "127.0.0.1",
    MICROSOFT_CLIENT_ID: WEB_APP.clientId,
    MICROSOFT_CLIENT_SECRET: WEB_APP.clientSecret,
    MICROSOFT_LOGIN_URL: params.sandboxUrl,
    MICROSOFT_GRAPH_URL: `${params.sandboxUrl}/v1.0`,
    ...params.extra,
  };
}

/**
 * The whole service (job engine, sync, routes) on a free port, using the sandbox as Microsoft, on PGlite in a temp
 * folder or on a scratch PostgreSQL database; `close` stops it and removes both.
 */
export async function startServiceOnSandbox(params: {
  backend: "pglite" | "postgres";
  sandboxUrl: string;
  now: () => Date;
  extra?: Record<string, string>;
}): Promise<{ service: Service; base: string; publicUrl: string; close(): Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "calbridge-ms-"));
  const scratch = params.backend === "postgres" ? await createScratchDatabase() : undefined;
  const config = parseConfig(
    microsoftServiceEnv({
      port,
      dataDir,
      databaseUrl: scratch?.url ?? "",
      sandboxUrl: params.sandboxUrl,
      encryptionKeys: generateKeySpec("k1"),
      ...(params.extra ? { extra: params.extra } : {}),
    }),
  );
  const service = await startService(config, { logger: pino({ level: "silent" }), now: params.now });
  return {
    service,
    base: `http://127.0.0.1:${port}`,
    publicUrl: config.publicUrl,
    async close() {
      await service.stop();
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Api = ReturnType<typeof apiClient>;

/** Calls the service's API with a tenant key; answers the status and the parsed JSON body. */
export function apiClient(base: string, auth: { authorization: string }) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
}

/** POST to the sandbox's admin API (`/_sandbox/...`). */
export function sandboxAdmin(sandboxUrl: string) {
  return async (path: string, body: unknown) => {
    const response = await fetch(`${sandboxUrl}/_sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return response.json();
  };
}

/** A tenant allowed to return to RETURN, with one host (Adele, Los Angeles) and a bookable event type "consult". */
export async function createMicrosoftHost(
  store: Store,
  base: string,
): Promise<{ api: Api; slug: string; hostId: string }> {
  const tenant = await createTestTenant(store, "Outlook Co");
  const api = apiClient(base, tenant.auth);
  expect(
    (await api("PATCH", "/v1/tenant", { connectReturnUrls: ["http://localhost:4999/settings/"] })).status,
  ).toBe(200);
  const hostId = (await api("POST", "/v1/hosts", { name: "Adele", timeZone: "America/Los_Angeles" })).body.id;
  const weekday = [["09:00", "17:00"]];
  await api("POST", `/v1/hosts/${hostId}/schedules`, {
    timeZone: "America/Los_Angeles",
    weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
  });
  const eventType = await api("POST", "/v1/event-types", {
    slug: "consult",
    title: "Consult",
    durations: [60],
    hostIds: [hostId],
    rules: { horizon: { type: "rolling", days: 60 } },
  });
  expect(eventType.status).toBe(201);
  return { api, slug: tenant.slug, hostId };
}

/** Slot starts (UTC, HH:MM) of one day in Los Angeles. */
export async function slotsOn(api: Api, slug: string, date: string): Promise<string[]> {
  const from = new Date(`${date}T08:00:00Z`).toISOString();
  const to = new Date(Date.parse(from) + 86_400_000).toISOString();
  const answer = await api("GET", `/v1/public/${slug}/consult/slots?from=${from}&to=${to}&timeZone=UTC`);
  expect(answer.status).toBe(200);
  return answer.body.slots.map((slot: { start: string }) => slot.start.slice(11, 16));
}

/**
 * Connects Adele's mailbox through a sandbox started with `autoApprove` (the authorize URL redirects straight back
 * to the callback) and answers the connection id.
 */
export async function connectAdeleAutoApproved(api: Api, hostId: string, base: string): Promise<string> {
  const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
    provider: "microsoft",
    returnUrl: RETURN,
    loginHint: "adele@contoso.com",
  });
  expect(created.status).toBe(201);
  const back = await fetch(created.body.authorizeUrl, { redirect: "manual" });
  const callback = new URL(back.headers.get("location") ?? "");
  const done = await fetch(`${base}${callback.pathname}${callback.search}`, { redirect: "manual" });
  expect(done.headers.get("location")).toBe(`${RETURN}?status=connected&connection=${created.body.id}`);
  return created.body.id;
}
