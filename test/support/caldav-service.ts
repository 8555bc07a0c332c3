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

/**
 * A host "Ana" in UTC with 09:00-17:00 on the given days, and the "consult" event type (60 minutes, on the hour,
 * a 60-day horizon) the CalDAV tests read slots of. Returns the host's id.
 */
export async function createConsultHost(svc: CalDavTestService, days: string[]): Promise<string> {
  const hostId = (await svc.api("POST", "/v1/hosts", { name: "Ana", timeZone: "UTC" })).body.id as string;
  const weekly = Object.fromEntries(days.map((day) => [day, [["09:00", "17:00"]]]));
  const schedule = await svc.api("POST", `/v1/hosts/${hostId}/schedules`, { timeZone: "UTC", weekly });
  if (schedule.status !== 201) throw new Error(`schedule: ${JSON.stringify(schedule.body)}`);
  const created = await svc.api("POST", "/v1/event-types", {
    slug: "consult",
    title: "Consult",
    durations: [60],
    hostIds: [hostId],
    rules: { stepMinutes: 60, horizon: { type: "rolling", days: 60 } },
  });
  if (created.status !== 201) throw new Error(`event type: ${JSON.stringify(created.body)}`);
  return hostId;
}
