import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { expect } from "vitest";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "../../sandbox/microsoft/server.ts";
import { WEB_APP } from "../../sandbox/microsoft/test-sign-in.ts";
import { parseConfig } from "../../src/config.ts";
import { type Service, startService } from "../../src/main.ts";
import type { Logger } from "../../src/observability/logger.ts";
import { generateKeySpec } from "../../src/secrets/key-ring.ts";
import { BASE, freePort, waitFor } from "./microsoft-harness.ts";
import { createTestTenant } from "./test-app.ts";
import { createScratchDatabase } from "./test-stores.ts";

/**
 * The service (job engine, sync, routes) and the in-process Microsoft sandbox, both on a clock that starts at
 * 2030-01-01 (the seed's events lie in January 2030) and runs at real speed, with one tenant and its API.
 */
export const SANDBOX_BASE = BASE;
export { waitFor };

/** A parsed JSON answer, as loosely typed as JSON.parse gives it. */
type Json = ReturnType<typeof JSON.parse>;

export interface MicrosoftTestService {
  sandbox: MicrosoftSandbox;
  service: Service;
  base: string;
  slug: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  admin(path: string, body: unknown): Promise<Response>;
  /** Connects a new Microsoft connection for the host through the consent page as the named account. */
  connect(hostId: string, account: string): Promise<string>;
  /** Asks for a sync of the connection and waits until every blocking calendar has attempted one since. */
  syncNow(hostId: string, connectionId: string): Promise<Json>;
  stop(): Promise<void>;
}

export async function startMicrosoftTestService(options: {
  backend: "pglite" | "postgres";
  providerFetch?: typeof globalThis.fetch;
  /** More of the service's environment (e.g. MICROSOFT_ROOMS). */
  env?: Record<string, string>;
  /** The service's logger (default: silent); a test that reads the logs passes a captured one. */
  logger?: Logger;
}): Promise<MicrosoftTestService> {
  const t0 = Date.now();
  const clock = () => SANDBOX_BASE + (Date.now() - t0);
  const sandbox = await startMicrosoftSandbox({ port: 0, clock });
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "calbridge-ms-"));
  let databaseUrl = "";
  let dropDatabase: (() => Promise<void>) | undefined;
  if (options.backend === "postgres") {
    const scratch = await createScratchDatabase();
    databaseUrl = scratch.url;
    dropDatabase = scratch.drop;
  }
  const config = parseConfig({
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: `http://localhost:${port}`,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEYS: generateKeySpec("k1"),
    SANDBOX: "off",
    LOG_LEVEL: "silent",
    PUBLIC_RATE_LIMIT: "0",
    // Webhook endpoints on loopback (they receive nothing: the deliveries written are what tests check).
    OUTBOUND_ALLOW: "127.0.0.1",
    MICROSOFT_CLIENT_ID: WEB_APP.clientId,
    MICROSOFT_CLIENT_SECRET: WEB_APP.clientSecret,
    MICROSOFT_LOGIN_URL: sandbox.url,
    MICROSOFT_GRAPH_URL: `${sandbox.url}/v1.0`,
    ...options.env,
  });
  const service = await startService(config, {
    logger: options.logger ?? pino({ level: "silent" }),
    now: () => new Date(clock()),
    ...(options.providerFetch ? { providerFetch: options.providerFetch } : {}),
  });
  const base = `http://127.0.0.1:${port}`;
  const tenant = await createTestTenant(service.store, "Outlook Co");
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...tenant.auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  expect(
    (await api("PATCH", "/v1/tenant", { connectReturnUrls: ["http://localhost:4999/settings/"] })).status,
  ).toBe(200);
  const connectionOf = async (hostId: string, connectionId: string) =>
    (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
  return {
    sandbox,
    service,
    base,
    slug: tenant.slug,
    api,
    admin: (path, body) =>
      fetch(`${sandbox.url}/_sandbox/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    async connect(hostId, account) {
      const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
        provider: "microsoft",
        returnUrl: "http://localhost:4999/settings/calendars",
      });
      expect(created.status).toBe(201);
      const page = await (await fetch(created.body.authorizeUrl)).text();
      const pattern = new RegExp(`<a class="account" href="([^"]+)">${account}`);
      const href = pattern.exec(page)?.[1]?.replaceAll("&amp;", "&");
      expect(href).toBeDefined();
      const back = await fetch(new URL(href!, sandbox.url), { redirect: "manual" });
      const callback = back.headers.get("location")!;
      const done = await fetch(callback.replace("localhost", "127.0.0.1"), { redirect: "manual" });
      expect(done.status).toBe(303);
      const connectionId: string = created.body.id;
      await waitFor("the first sync", async () => {
        const current = await connectionOf(hostId, connectionId);
        return current.calendars.length > 0 &&
          current.calendars.every((c: { lastSuccessAt: string | null }) => c.lastSuccessAt)
          ? current
          : undefined;
      });
      return connectionId;
    },
    async syncNow(hostId, connectionId) {
      const before = Date.now();
      expect((await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`)).status).toBe(202);
      return waitFor("a sync", async () => {
        const current = await connectionOf(hostId, connectionId);
        const calendars = current.calendars.filter((c: { blocking: boolean }) => c.blocking);
        const done = calendars.every(
          (c: { lastAttemptAt: string | null }) =>
            c.lastAttemptAt && Date.parse(c.lastAttemptAt) - SANDBOX_BASE + t0 >= before - 50,
        );
        return done && calendars.length > 0 ? current : undefined;
      });
    },
    async stop() {
      await service?.stop();
      await sandbox?.close();
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
