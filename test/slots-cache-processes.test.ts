import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { openStore, type Store } from "../src/store/database.ts";
import { createApiKey, createTenant } from "../src/store/tenants-repository.ts";
import { findFreePort } from "./support/service-process.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/**
 * Two service processes over one PostgreSQL, each with its own slots cache (10 s): a slot booked through one
 * process leaves the other's answers within 100 ms (the task's bound; a timed assertion on purpose), and a booking
 * of one host leaves the cached answers of another host alone.
 */
describe.runIf(backends.includes("postgres"))("the slots cache across two processes", () => {
  const children: ChildProcess[] = [];
  const dataDirs: string[] = [];
  let store: Store;
  let dropDatabase: () => Promise<void>;
  let urls: string[];
  let auth: Record<string, string>;
  let tenantSlug: string;

  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    const encryptionKeys = generateKeySpec("k1");
    const ports = [await findFreePort(), await findFreePort()];
    for (const port of ports) {
      const dataDir = mkdtempSync(join(tmpdir(), "calbridge-cache-"));
      dataDirs.push(dataDir);
      const env = {
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: scratch.url,
        ENCRYPTION_KEYS: encryptionKeys,
        PUBLIC_RATE_LIMIT: "0",
        LOG_LEVEL: "warn",
      };
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "test/support/service-child.ts", JSON.stringify(env), "0"],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      children.push(child);
      await once(child.stdout!, "data");
    }
    urls = ports.map((port) => `http://127.0.0.1:${port}`);
    store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
    const tenant = await createTenant(store.db, { name: "Two Processes" });
    const { key } = await createApiKey(store.db, { tenantId: tenant.id, name: "test" });
    auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    tenantSlug = tenant.slug;
    for (const name of ["alice", "bob"]) {
      const host = await call(urls[0]!, "POST", "/v1/hosts", { name, timeZone: "UTC" });
      await call(urls[0]!, "POST", `/v1/hosts/${host.id}/schedules`, {
        timeZone: "UTC",
        weekly: { mon: [["09:00", "12:00"]] },
      });
      await call(urls[0]!, "POST", "/v1/event-types", {
        slug: name,
        title: name,
        durations: [60],
        hostIds: [host.id],
      });
    }
  }, 120_000);

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    await store?.close();
    await dropDatabase?.();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  async function call(base: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: auth,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Record<string, unknown> & { id: string };
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  const slots = async (base: string, slug: string): Promise<string[]> => {
    const response = await fetch(
      `${base}/v1/public/${tenantSlug}/${slug}/slots?from=2030-03-04T00:00:00Z&to=2030-03-05T00:00:00Z&timeZone=UTC`,
    );
    const body = (await response.json()) as { slots: Array<{ start: string }> };
    return body.slots.map((slot) => slot.start.slice(11, 16));
  };

  it("drops a slot booked through the other process within 100 ms, and only that host's answers", async () => {
    const [a, b] = urls as [string, string];
    // Process B answers (and caches) both hosts' slots.
    for (let n = 0; n < 2; n++) {
      expect(await slots(b, "alice")).toEqual(["09:00", "10:00", "11:00"]);
      expect(await slots(b, "bob")).toEqual(["09:00", "10:00", "11:00"]);
    }
    const booked = await fetch(`${a}/v1/public/${tenantSlug}/alice/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        start: "2030-03-04T10:00:00Z",
        timeZone: "UTC",
        name: "N",
        email: "n@example.com",
      }),
    });
    expect(booked.status).toBe(201);
    const bookedAt = Date.now();
    let seen = await slots(b, "alice");
    while (seen.includes("10:00") && Date.now() - bookedAt < 1_000) seen = await slots(b, "alice");
    const after = Date.now() - bookedAt;
    expect(seen).toEqual(["09:00", "11:00"]);
    expect(after).toBeLessThanOrEqual(100);
    expect(await slots(b, "bob")).toEqual(["09:00", "10:00", "11:00"]);
  });
});
