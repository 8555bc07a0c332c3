import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { acquireDataDirLock } from "./data-dir-lock.ts";
import * as schema from "./schema.ts";
import { TurnTakingPGlite } from "./turn-taking-pglite.ts";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

/** Raw SQL access with positional parameters, the shape pg-boss's `db` option expects. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface Store extends SqlExecutor {
  kind: "pglite" | "postgres";
  db: Database;
  /** PGlite only: a dump of the whole data directory (used to build test templates). */
  dumpDataDir?(): Promise<Blob>;
  migrate(): Promise<void>;
  /**
   * Runs `work` while no other process runs start-up work on this database: schema changes (ours and the job
   * engine's) made by replicas starting at once otherwise deadlock (40P01). PGlite has one process: it just runs.
   */
  exclusively<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The advisory lock key of start-up work (any fixed bigint; shared by every Calbridge process on a database). */
const STARTUP_LOCK_KEY = 727274;

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * The one function that opens the database. PGlite must be opened with the same extension list every time:
 * reopening without btree_gist makes the next insert into a gist-indexed table fail (58P01).
 */
export interface OpenStoreOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  inMemory?: boolean;
  /** A PGlite data-directory dump (from `dumpDataDir`) to start an in-memory database from: tests use a migrated template. */
  loadDataDir?: Blob;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(options);
}

async function openPglite(options: OpenStoreOptions): Promise<Store> {
  const lock = options.inMemory ? undefined : acquireDataDirLock(options.dataDir);
  try {
    let dataPath: string | undefined;
    if (!options.inMemory) {
      dataPath = join(options.dataDir, "pglite");
      mkdirSync(dataPath, { recursive: true });
    }
    const client = new TurnTakingPGlite({
      ...(dataPath ? { dataDir: dataPath } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      extensions: { btree_gist },
      // PGlite runs the database on the event loop's thread, and with no checkpointer it creates a new WAL segment
      // every 16 MB written: zero-filling it (PostgreSQL's default) held the loop for ~70 ms of CPU and ~200 ms of
      // writes inside an ordinary COMMIT of a big sync. A segment is a plain file here (PGlite already runs with
      // fsync off, -F), so skipping the fill loses nothing.
      startParams: [...PGlite.defaultStartParams, "-c", "wal_init_zero=off"],
    });
    await client.waitReady;
    const db = drizzlePglite(client, { schema }) as unknown as Database;
    return {
      kind: "pglite",
      db,
      dumpDataDir: async () => (await client.dumpDataDir("gzip")) as Blob,
      async executeSql(text, values) {
        if (values && values.length > 0) {
          const result = await client.query<Record<string, unknown>>(text, values);
          return { rows: result.rows };
        }
        // pg-boss sends parameterless multi-statement scripts (its schema migrations): exec runs them all.
        const results = await client.exec(text);
        return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
      },
      async migrate() {
        await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder });
      },
      exclusively: (work) => work(),
      async close() {
        try {
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function openPostgres(databaseUrl: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle client can be cut off by the server (restart, failover, pg_terminate_backend). The pool drops it and the
  // next query opens a new one; without a listener node-postgres would raise it as an uncaught exception.
  pool.on("error", () => {});
  // Fail fast with a clear message when the server is unreachable instead of on the first request.
  const probe = await pool.connect().catch(async (error: Error) => {
    await pool.end();
    throw new Error(`cannot connect to PostgreSQL at DATABASE_URL: ${error.message}`);
  });
  probe.release();
  const db = drizzleNodePg(pool, { schema }) as unknown as Database;
  // A session lock on a connection of its own: the work may use any connection (the job engine has its own pool).
  const exclusively = async <T>(work: () => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query("select pg_advisory_lock($1)", [STARTUP_LOCK_KEY]);
      try {
        return await work();
      } finally {
        await client.query("select pg_advisory_unlock($1)", [STARTUP_LOCK_KEY]).catch(() => undefined);
      }
    } finally {
      client.release();
    }
  };
  return {
    kind: "postgres",
    db,
    async executeSql(text, values) {
      const result = await pool.query(text, values);
      return { rows: result.rows };
    },
    async migrate() {
      await exclusively(() => migrateNodePg(drizzleNodePg(pool, { schema }), { migrationsFolder }));
    },
    exclusively,
    async close() {
      await pool.end();
    },
  };
}
