import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { openStore, type Store } from "../src/store/database.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";
import { type ServiceChild, startServiceChild } from "./support/service-children.ts";
import { findFreePort } from "./support/service-process.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/**
 * Two service processes over one PostgreSQL: visitors racing through both for one slot get exactly one hold, and
 * a hold taken through one process keeps the slot from bookings through the other until its token books it.
 */
describe.runIf(backends.includes("postgres"))("slot holds across two processes", () => {
  const children: ServiceChild[] = [];
  const dataDirs: string[] = [];
  let store: Store;
  let dropDatabase: () => Promise<void>;
  let urls: [string, string];
  let tenantSlug: string;

  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    const encryptionKeys = generateKeySpec("k1");
    const ports = [await findFreePort(), await findFreePort()];
    for (const port of ports) {
      const dataDir = mkdtempSync(join(tmpdir(), "calbridge-holds-"));
      dataDirs.push(dataDir);
      children.push(
        await startServiceChild({
          env: {
            PORT: String(port),
            DATA_DIR: dataDir,
            DATABASE_URL: scratch.url,
            ENCRYPTION_KEYS: encryptionKeys,
            PUBLIC_RATE_LIMIT: "0",
            LOG_LEVEL: "warn",
          },
          clockOffsetMs: 0,
        }),
      );
    }
    urls = ports.map((port) => `http://127.0.0.1:${port}`) as [string, string];
    store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
    const tenant = await createTenant(store.db, { name: "Two Process Holds" });
    const { key } = await createApiKey(store.db, { tenantId: tenant.id, name: "test" });
    tenantSlug = tenant.slug;
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const call = async (path: string, body: unknown) => {
      const response = await fetch(`${urls[0]}${path}`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { id: string };
    };
    const host = await call("/v1/hosts", { name: "Host", timeZone: "UTC" });
    await call(`/v1/hosts/${host.id}/schedules`, { timeZone: "UTC", weekly: { mon: [["09:00", "17:00"]] } });
    await call("/v1/event-types", { slug: "consult", title: "Consult", durations: [60], hostIds: [host.id] });
  }, 120_000);

  afterAll(async () => {
    for (const child of children) await child.stop();
    await store?.close();
    await dropDatabase?.();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  const post = (base: string, path: string, body: unknown) =>
    fetch(`${base}/v1/public/${tenantSlug}/consult/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("gives exactly one of 40 visitors racing through two processes the hold", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        post(urls[index % 2]!, "holds", { start: "2030-03-04T10:00:00Z" }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(39);
  });

  it("keeps a slot held through one process from bookings through the other, until the token books it", async () => {
    const held = await post(urls[0], "holds", { start: "2030-03-04T13:00:00Z" });
    expect(held.status).toBe(201);
    const { token } = (await held.json()) as { token: string };
    const visitor = { start: "2030-03-04T13:00:00Z", timeZone: "UTC", name: "V", email: "v@example.com" };
    const other = await post(urls[1], "bookings", visitor);
    expect(other.status).toBe(409);
    const holder = await post(urls[1], "bookings", { ...visitor, holdToken: token });
    expect(holder.status).toBe(201);
  });
});
