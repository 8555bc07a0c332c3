import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { parseConfig } from "../../src/config.ts";
import { type Service, startService } from "../../src/main.ts";
import { generateKeySpec } from "../../src/secrets/key-ring.ts";
import { freePort, waitFor } from "./microsoft-harness.ts";
import { createTestTenant } from "./test-app.ts";
import { createScratchDatabase } from "./test-stores.ts";

/** A parsed JSON answer, as loosely typed as JSON.parse gives it. */
type Json = ReturnType<typeof JSON.parse>;

/**
 * The whole service (job engine, sync, routes) on the real clock, with loopback allowed for outbound requests
 * (Radicale runs on 127.0.0.1), one tenant and its API.
 */
export interface CalDavTestService {
  service: Service;
  slug: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** Asks for a sync of the connection and waits until every blocking calendar has attempted one since. */
  syncNow(hostId: string, connectionId: string): Promise<Json>;
  stop(): Promise<void>;
}

export async function startCalDavTestService(options: {
  backend: "pglite" | "postgres";
}): Promise<CalDavTestService> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "calbridge-caldav-"));
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
    OUTBOUND_ALLOW: "127.0.0.1",
  });
  const service = await startService(config, { logger: pino({ level: "silent" }) });
  const base = `http://127.0.0.1:${port}`;
  const tenant = await createTestTenant(service.store, "Apple Co");
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...tenant.auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return {
    service,
    slug: tenant.slug,
    api,
    async syncNow(hostId, connectionId) {
      const before = Date.now();
      const asked = await api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`);
      if (asked.status !== 202) throw new Error(`sync answered ${asked.status}`);
      return waitFor("a sync", async () => {
        const current = (await api("GET", `/v1/hosts/${hostId}/connections/${connectionId}`)).body;
        const calendars = current.calendars.filter((c: { blocking: boolean }) => c.blocking);
        const done = calendars.every(
          (c: { lastAttemptAt: string | null }) =>
            c.lastAttemptAt && Date.parse(c.lastAttemptAt) >= before - 50,
        );
        return done && calendars.length > 0 ? current : undefined;
      });
    },
    async stop() {
      await service.stop();
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
