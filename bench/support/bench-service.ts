import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createCalbridgeClient } from "../../client/index.ts";
import { loadConfig } from "../../src/config.ts";
import { generateKeySpec } from "../../src/secrets/key-ring.ts";
import { openStore, type Store } from "../../src/store/database.ts";
import type { TenantId } from "../../src/store/ids.ts";
import { createApiKey, createTenant } from "../../src/store/tenants-repository.ts";

/** What the benches share: a scratch PostgreSQL database and `calbridge serve` processes started as users start them. */
export const root = fileURLToPath(new URL("../..", import.meta.url));
const profile = process.argv.includes("--cpu-prof");
const profileDir = join(tmpdir(), "calbridge-bench-prof");

export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const address = probe.address();
  probe.close();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

export async function createScratchDatabase(
  adminUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `calbridge_bench_${randomBytes(6).toString("hex")}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

/**
 * `calbridge serve [args]` in a child process, ready once `/readyz` answers. Pass `--cpu-prof` to the bench to write
 * a V8 CPU profile of the service to $TMPDIR/calbridge-bench-prof/.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const profileArgs = profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...profileArgs, "--import", "tsx", join(root, "src/cli/main.ts"), "serve", ...args],
    { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: "inherit" },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, child };
    await new Promise((done) => setTimeout(done, 250));
  }
  child.kill("SIGTERM");
  throw new Error("the service did not become ready within 180 s");
}

/** The median and the 99th percentile of some durations (ms). */
export function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

export interface BenchContext {
  /** The first service process (started with `args`). */
  url: string;
  child: ChildProcess;
  databaseUrl: string;
  store: Store;
  tenant: { id: TenantId; slug: string };
  apiKey: string;
  api: ReturnType<typeof createCalbridgeClient>;
  /** Another `calbridge serve` process on the same database (stopped with the rest). */
  startProcess(args: string[], env?: Record<string, string>): Promise<{ url: string; child: ChildProcess }>;
}

/**
 * A scratch PostgreSQL database, `calbridge serve [args]` on it, a tenant with an API key, then `run`; everything is
 * stopped and dropped afterwards, whatever happens.
 */
export async function withBenchService(
  run: (context: BenchContext) => Promise<void>,
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<void> {
  const adminUrl = loadConfig().databaseUrl ?? "postgresql://postgres@127.0.0.1:5432/test";
  const scratch = await createScratchDatabase(adminUrl);
  const children: ChildProcess[] = [];
  const dataDirs: string[] = [];
  let store: Store | undefined;
  const env = {
    DATABASE_URL: scratch.url,
    PUBLIC_RATE_LIMIT: "0",
    LOG_LEVEL: "warn",
    SANDBOX: "off",
    ENCRYPTION_KEYS: generateKeySpec("bench"),
    ...options.env,
  };
  const startProcess = async (args: string[], extra: Record<string, string> = {}) => {
    const dataDir = mkdtempSync(join(tmpdir(), "calbridge-bench-"));
    dataDirs.push(dataDir);
    const started = await startServiceProcess({ ...env, DATA_DIR: dataDir, ...extra }, args);
    children.push(started.child);
    return started;
  };
  try {
    const service = await startProcess(options.args ?? []);
    store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
    const tenant = await createTenant(store.db, { name: "Bench Co" });
    const { key } = await createApiKey(store.db, { tenantId: tenant.id, name: "bench" });
    await run({
      url: service.url,
      child: service.child,
      databaseUrl: scratch.url,
      store,
      tenant: { id: tenant.id, slug: tenant.slug },
      apiKey: key,
      api: createCalbridgeClient({ baseUrl: service.url, apiKey: key }),
      startProcess,
    });
  } finally {
    await store?.close();
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    await scratch.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}
