import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.ts";
import { registerBookingMailJob } from "./jobs/booking-mail-job.ts";
import { enqueueConnectionSync, registerCalendarSyncJobs } from "./jobs/calendar-sync-jobs.ts";
import { type JobEngine, startJobEngine } from "./jobs/job-engine.ts";
import { registerWebhookJobs } from "./jobs/webhook-jobs.ts";
import { createMailer } from "./notify/mail/mailer.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { createMetrics } from "./observability/metrics.ts";
import { createAddressPolicy } from "./providers/ics/address-policy.ts";
import {
  DEFAULT_SANDBOX_PORTS,
  type SandboxEndpoints,
  startSandboxProcess,
} from "./providers/sandbox-process.ts";
import { createBookingEffects } from "./scheduling/booking-effects.ts";
import { createBookingService } from "./scheduling/booking-service.ts";
import { createSlotsCache } from "./scheduling/slots-cache.ts";
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
  /** Set when the provider sandboxes run (no credentials configured, SANDBOX=auto, or SANDBOX=on). */
  sandbox: SandboxEndpoints | undefined;
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

function wantsSandbox(config: Config): boolean {
  if (config.sandbox === "on") return true;
  return config.sandbox === "auto" && (!config.microsoft || !config.google);
}

export async function startService(config: Config, options: { logger?: Logger } = {}): Promise<Service> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const keyRing = resolveKeyRing(config, logger);
  const store = await openConfiguredStore(config, logger);
  const metrics = createMetrics();
  const now = () => new Date();
  let jobs: JobEngine | undefined;
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>> | undefined;
  try {
    jobs = await startJobEngine({ store, databaseUrl: config.databaseUrl, logger, metrics });
    const startedJobs = jobs;
    if (wantsSandbox(config)) {
      // The emulators run as a child process: product code never imports them (dependency rule).
      try {
        sandbox = await startSandboxProcess({ logger, ports: DEFAULT_SANDBOX_PORTS });
        logger.warn(
          { microsoft: sandbox.endpoints.microsoft.url, google: sandbox.endpoints.google.url },
          "Sandbox: provider emulators are running because no Microsoft/Google credentials are configured (SANDBOX=off disables)",
        );
      } catch (error) {
        // SANDBOX=auto is a convenience: the service itself must still start (e.g. when the ports are taken).
        if (config.sandbox === "on") throw error;
        logger.warn(
          { err: error },
          "Sandbox: the provider emulators could not start; continuing without them",
        );
      }
    }
    const mailer = createMailer({ ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}), logger });
    const mailFrom = parseMailbox(config.mailFrom);
    await registerWebhookJobs({ jobs: startedJobs, db: store.db, keyRing, logger });
    await registerBookingMailJob({
      jobs: startedJobs,
      db: store.db,
      mailer,
      keyRing,
      publicUrl: config.publicUrl,
      from: mailFrom,
      logger,
    });
    const feedPolicy = createAddressPolicy(config.icsFeedAllow);
    const sourceSettings = {
      keyRing,
      icsFeeds: {
        policy: feedPolicy,
        maxBytes: config.icsFeeds.maxBytes,
        timeoutMs: config.icsFeeds.timeoutMs,
      },
    };
    await registerCalendarSyncJobs({
      jobs: startedJobs,
      db: store.db,
      settings: sourceSettings,
      logger,
      pollMinutes: config.icsFeeds.pollMinutes,
    });
    // Public slot answers are cached for 10 s per process and dropped on any change this process makes.
    const slotsCache = createSlotsCache({ ttlMs: 10_000, maxEntries: 5_000 });
    const bookings = createBookingService({
      onAvailabilityChanged: (tenantId) => slotsCache.invalidateTenant(tenantId),
      db: store.db,
      now,
      events: createBookingEffects({ jobs: startedJobs, logger, now, mailEnabled: Boolean(config.smtpUrl) }),
      uidDomain: new URL(config.publicUrl).hostname,
    });
    const adminToken = newAdminToken();
    const server = await buildServer({
      keyRing,
      jobs: startedJobs,
      connections: {
        db: store.db,
        keyRing,
        feedPolicy,
        requestSync: async (connectionId) => {
          await enqueueConnectionSync(startedJobs, connectionId);
          return "queued";
        },
      },
      booking: {
        db: store.db,
        bookings,
        keyRing,
        publicUrl: config.publicUrl,
        now,
        organizerFallback: { ...(mailFrom.name ? { name: mailFrom.name } : {}), email: mailFrom.address },
        publicRateLimitPerMinute:
          config.publicRateLimitPerMinute === 0 ? false : config.publicRateLimitPerMinute,
        slotsCache,
      },
      extraPublicRoutes: [adminRoutes({ db: store.db, adminToken })],
      db: store.db,
      logger,
      metrics,
      version,
      trustProxy: config.trustProxy,
      publicUrl: config.publicUrl,
      readiness: [
        { name: "database", check: async () => void (await store.executeSql("select 1", [])) },
        { name: "jobs", check: async () => void (await startedJobs.boss.getQueues()) },
      ],
    });
    // In-flight requests, so that shutdown can wait for them before closing the database they use (an aborted
    // request that never answers only delays shutdown up to the deadline below).
    let inFlight = 0;
    server.addHook("onRequest", async () => {
      inFlight++;
    });
    server.addHook("onResponse", async () => {
      inFlight--;
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
      sandbox: sandbox?.endpoints,
      stop() {
        // Order matters: stop taking requests, drain running jobs, then close the database they use.
        stopping ??= (async () => {
          withdrawHandoff();
          await server.close();
          const deadline = Date.now() + 15_000;
          while (inFlight > 0 && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 20));
          await startedJobs.stop();
          await store.close();
          await sandbox?.stop();
          logger.info("Calbridge stopped");
        })();
        return stopping;
      },
    };
  } catch (error) {
    await jobs?.stop({ timeoutMs: 1000 }).catch(() => undefined);
    await sandbox?.stop().catch(() => undefined);
    await store.close();
    throw error;
  }
}

/** `Name <address>` or a bare address, as MAIL_FROM is written. */
export function parseMailbox(value: string): { name?: string; address: string } {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(value);
  if (!match) return { address: value.trim() };
  return match[1] ? { name: match[1].replace(/^"|"$/g, ""), address: match[2]! } : { address: match[2]! };
}
