import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { readTestEnvironment } from "../../src/config.ts";
import { openStore, type Store } from "../../src/store/database.ts";

/**
 * Store-dependent tests run on both back ends: embedded PGlite always, PostgreSQL when it is reachable. Without
 * PostgreSQL the PostgreSQL cases are skipped with a printed reason, except in CI (CI=true), where that is a failure.
 * Each PostgreSQL test file gets a database of its own, created here and dropped at the end.
 */
const environment = readTestEnvironment();
export const adminDatabaseUrl = environment.testDatabaseUrl ?? "postgresql://postgres@127.0.0.1:5432/test";

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const postgresProblem = await probePostgres();
if (postgresProblem) {
  if (environment.ci) {
    throw new Error(
      `PostgreSQL is required in CI but unreachable at ${adminDatabaseUrl}: ${postgresProblem}`,
    );
  }
  process.stderr.write(
    `[tests] PostgreSQL cases skipped: ${adminDatabaseUrl} unreachable (${postgresProblem})\n`,
  );
}

export const backends: Array<"pglite" | "postgres"> = postgresProblem ? ["pglite"] : ["pglite", "postgres"];

/** Creates an empty PostgreSQL database for one test file and returns its URL and a dropper. */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `calbridge_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminDatabaseUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * initdb + migrations cost seconds per PGlite; tests start from a migrated template instead. The template is keyed by
 * the migration files' contents and shared by all test processes through a file (written to a temp name, renamed).
 */
async function pgliteTemplate(): Promise<Blob> {
  const folder = fileURLToPath(new URL("../../src/store/migrations", import.meta.url));
  const hash = createHash("sha256");
  for (const file of readdirSync(folder).sort())
    if (file.endsWith(".sql")) hash.update(readFileSync(join(folder, file)));
  const path = join(tmpdir(), `calbridge-pglite-template-${hash.digest("hex").slice(0, 16)}.tgz`);
  if (!existsSync(path)) {
    const store = await openStore({ dataDir: "", inMemory: true });
    await store.migrate();
    const dump = await store.dumpDataDir!();
    await store.close();
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
    renameSync(temporary, path);
  }
  return new Blob([readFileSync(path)]);
}

/** Opens a migrated store of the given kind; PGlite runs in memory (the data-dir tests cover persistence). */
export async function openTestStore(
  kind: "pglite" | "postgres",
): Promise<{ store: Store; databaseUrl?: string; dispose(): Promise<void> }> {
  if (kind === "pglite") {
    const store = await openStore({ dataDir: "", inMemory: true, loadDataDir: await pgliteTemplate() });
    await store.migrate();
    return { store, dispose: () => store.close() };
  }
  const scratch = await createScratchDatabase();
  const store = await openStore({ databaseUrl: scratch.url, dataDir: "" });
  await store.migrate();
  return {
    store,
    databaseUrl: scratch.url,
    async dispose() {
      await store.close();
      await scratch.drop();
    },
  };
}
