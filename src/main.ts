import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.ts";
import { type JobEngine, startJobEngine } from "./jobs/job-engine.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { createMetrics } from "./observability/metrics.ts";
import type { KeyRing } from "./secrets/key-ring.ts";
import { resolveKeyRing } from "./secrets/resolve-key-ring.ts";
import { newAdminToken, publishAdminHandoff } from "./server/admin-handoff.ts";
import { buildServer } from "./server/app.ts";
import { adminRoutes } from "./server/routes/admin.ts";
import { openStore, type Store } from "./store/database.ts";

/**
 * Composition root: the only place that builds concrete adapters (store, job engine, HTTP server) and wires them.
 */
export const version: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;

export interface Service {
  config: Config;
  logger: Logger;
  store: Store;
  keyRing: KeyRing;
  jobs: JobEngine;
  server: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

export async function openConfiguredStore(config: Config, logger: Logger): Promise<Store> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  logger.info({ store: store.kind }, "database ready (migrations applied)");
  return store;
}

export async function startService(config: Config, options: { logger?: Logger } = {}): Promise<Service> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const keyRing = resolveKeyRing(config, logger);
  const store = await openConfiguredStore(config, logger);
  const metrics = createMetrics();
  let jobs: JobEngine | undefined;
  try {
    jobs = await startJobEngine({ store, databaseUrl: config.databaseUrl, logger, metrics });
    const startedJobs = jobs;
    const adminToken = newAdminToken();
    const server = await buildServer({
      extraPublicRoutes: [adminRoutes({ db: store.db, adminToken })],
      db: store.db,
      logger,
      metrics,
      version,
      publicUrl: config.publicUrl,
      readiness: [
        { name: "database", check: async () => void (await store.executeSql("select 1", [])) },
        { name: "jobs", check: async () => void (await startedJobs.boss.getQueues()) },
      ],
    });
    const address = await server.listen({ port: config.port, host: config.host });
    logger.info({ url: address, docs: `${config.publicUrl}/docs` }, "Calbridge is listening");
    // Embedded mode: the CLI can't open the locked database folder, so it asks this process (see admin-handoff).
    const withdrawHandoff =
      store.kind === "pglite"
        ? publishAdminHandoff(config.dataDir, { url: address, token: adminToken })
        : () => {};
    let stopping: Promise<void> | undefined;
    return {
      config,
      logger,
      store,
      keyRing,
      jobs: startedJobs,
      server,
      url: address,
      stop() {
        // Order matters: stop taking requests, drain running jobs, then close the database they use.
        stopping ??= (async () => {
          withdrawHandoff();
          await server.close();
          await startedJobs.stop();
          await store.close();
          logger.info("Calbridge stopped");
        })();
        return stopping;
      },
    };
  } catch (error) {
    await jobs?.stop({ timeoutMs: 1000 }).catch(() => undefined);
    await store.close();
    throw error;
  }
}
