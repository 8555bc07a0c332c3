import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import { openStore } from "./database.ts";
import { createTenant, findTenantBySlug } from "./tenants-repository.ts";

const run = promisify(execFile);
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "calbridge-store-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function exclusionWorks(store: Awaited<ReturnType<typeof openStore>>): Promise<string | undefined> {
  await store.executeSql(
    "create table if not exists excl_probe (host text, during tstzrange, exclude using gist (host with =, during with &&))",
  );
  await store.executeSql("delete from excl_probe");
  await store.executeSql(
    "insert into excl_probe values ('h', tstzrange('2030-01-01 09:00Z', '2030-01-01 10:00Z'))",
  );
  // Adjacent half-open ranges do not overlap.
  await store.executeSql(
    "insert into excl_probe values ('h', tstzrange('2030-01-01 10:00Z', '2030-01-01 11:00Z'))",
  );
  try {
    await store.executeSql(
      "insert into excl_probe values ('h', tstzrange('2030-01-01 09:30Z', '2030-01-01 09:45Z'))",
    );
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("embedded store (PGlite)", () => {
  it("persists under DATA_DIR and loads btree_gist at every open", async () => {
    const dataDir = tempDir();
    const first = await openStore({ dataDir });
    await first.migrate();
    await createTenant(first.db, { name: "Persisted Co" });
    expect(await exclusionWorks(first)).toBe("23P01");
    await first.close();

    const second = await openStore({ dataDir });
    await second.migrate(); // idempotent
    expect((await findTenantBySlug(second.db, "persisted-co"))?.name).toBe("Persisted Co");
    expect(await exclusionWorks(second)).toBe("23P01");
    await second.close();
  });

  it("refuses a second process on the same data directory with a clear message", async () => {
    const dataDir = tempDir();
    const store = await openStore({ dataDir });
    try {
      const child = run(process.execPath, ["--import", "tsx", "test/support/open-store-child.ts", dataDir]);
      await expect(child).rejects.toMatchObject({
        code: 3,
        stderr: expect.stringContaining(`is in use by another Calbridge process (pid ${process.pid})`),
      });
    } finally {
      await store.close();
    }
    // Once released, another process can open it.
    const { stdout } = await run(process.execPath, [
      "--import",
      "tsx",
      "test/support/open-store-child.ts",
      dataDir,
    ]);
    expect(stdout).toBe("opened\n");
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "calbridge.lock"), "2147483646");
    const store = await openStore({ dataDir });
    await store.close();
  });
});

describe.each(backends)("migrations on %s", (backend) => {
  it("create the schema with btree_gist available", async () => {
    const { store, dispose } = await openTestStore(backend);
    try {
      const { rows } = await store.executeSql(
        "select extname from pg_extension where extname = 'btree_gist'",
        [],
      );
      expect(rows).toHaveLength(1);
      expect(await exclusionWorks(store)).toBe("23P01");
      await store.migrate(); // a second run changes nothing
      const tables = await store.executeSql(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1",
        [],
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual(
        expect.arrayContaining(["api_keys", "calendar_connections", "hosts", "schedules", "tenants"]),
      );
    } finally {
      await dispose();
    }
  });
});
