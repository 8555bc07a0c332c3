import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.ts";
import type { ProviderKind } from "./core/sync/calendar-source.ts";
import { registerAuditRetentionJob } from "./jobs/audit-retention-job.ts";
import { registerBookingMailJob } from "./jobs/booking-mail-job.ts";
import { registerBusyRetentionJob } from "./jobs/busy-retention-job.ts";
import { enqueueConnectionSync, registerCalendarSyncJobs } from "./jobs/calendar-sync-jobs.ts";
import { registerCalendarWriteJobs } from "./jobs/calendar-write-jobs.ts";
import { registerHoldCleanupJob } from "./jobs/hold-cleanup-job.ts";
import { readJobBacklog } from "./jobs/job-backlog.ts";
import { type JobEngine, startJobEngine } from "./jobs/job-engine.ts";
import { registerManagedEventWriteJobs } from "./jobs/managed-event-write-jobs.ts";
import { createProviderBudgetGate, providerBudgetsWith } from "./jobs/provider-budget-gate.ts";
import { enqueueChannelWork, registerPushChannelJobs } from "./jobs/push-channel-jobs.ts";
import { startReminderPoller } from "./jobs/reminder-jobs.ts";
import { registerReminderMailJob } from "./jobs/reminder-mail-job.ts";
import { registerWebhookJobs } from "./jobs/webhook-jobs.ts";
import { createMailer } from "./notify/mail/mailer.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { createMetrics } from "./observability/metrics.ts";
import { createOutboundGuard } from "./outbound/guarded-fetch.ts";
import { fixedAccessToken } from "./providers/access-token-source.ts";
import { createCalDavConnector } from "./providers/caldav/caldav-connect.ts";
import { readGoogleAccount } from "./providers/google/google-calendar-source.ts";
import { createGoogleClient } from "./providers/google/google-client.ts";
import { isGoogleThrottled } from "./providers/google/google-errors.ts";
import {
  checkGoogleGrant,
  type GoogleSettings,
  googleOAuthSettings,
} from "./providers/google/google-oauth.ts";
import { createGuardedProviderFetch } from "./providers/guarded-provider-fetch.ts";
import { createFeedWorkerPool } from "./providers/ics/feed-worker-pool.ts";
import { readGraphAccount } from "./providers/microsoft/graph-calendar-source.ts";
import { createGraphClient } from "./providers/microsoft/graph-client.ts";
import { type MicrosoftSettings, microsoftOAuthSettings } from "./providers/microsoft/microsoft-oauth.ts";
import { createOAuthClient } from "./providers/oauth-client.ts";
import { createProviderHttp } from "./providers/provider-http.ts";
import {
  DEFAULT_SANDBOX_PORTS,
  type SandboxEndpoints,
  startSandboxProcess,
} from "./providers/sandbox-process.ts";
import { createSourceFactory, type SourceSettings } from "./providers/source-registry.ts";
import { createBookingEffects } from "./scheduling/booking-effects.ts";
import { createBookingService } from "./scheduling/booking-service.ts";
import { createManagedEventsService } from "./scheduling/managed-events-service.ts";
import { type AvailabilityChange, createSlotsCache } from "./scheduling/slots-cache.ts";
import type { KeyRing } from "./secrets/key-ring.ts";
import { resolveKeyRing } from "./secrets/resolve-key-ring.ts";
import { newAdminToken, publishAdminHandoff } from "./server/admin-handoff.ts";
import { buildServer } from "./server/app.ts";
import {
  connectRateLimitStore,
  perProcessRateLimits,
  type RateLimitStore,
} from "./server/rate-limit-store.ts";
import { adminRoutes } from "./server/routes/admin.ts";
import { calendarEventRoutes } from "./server/routes/calendar-events.ts";
import { connectionSwitchRoutes } from "./server/routes/connection-switches.ts";
import { managedEventRoutes } from "./server/routes/managed-events.ts";
import { oauthCallbackRoutes } from "./server/routes/oauth-callback.ts";
import { providerNotificationRoutes } from "./server/routes/provider-notifications.ts";
import { runsJobs, type ServiceRole } from "./service-role.ts";
import {
  type AvailabilityListener,
  listenForAvailabilityChanges,
  notifyAvailabilityChanged,
} from "./store/availability-notifications.ts";
import { openStore, type Store } from "./store/database.ts";
import type { ConnectFlowDeps } from "./sync/connect-flow.ts";
import { createConnectionEvents } from "./sync/connection-events.ts";
import { horizonResync } from "./sync/horizon-resync.ts";
import { horizonSyncWindow } from "./sync/horizon-window.ts";
import { combineOwnEvents, createManagedTwoWaySync } from "./sync/managed-two-way-sync.ts";
import {
  isLoopbackUrl,
  maintainChannels,
  type PushChannelDeps,
  type PushEndpoints,
  pushEndpointsOf,
  stopChannels,
} from "./sync/push-channels.ts";
import type { PushIntakeDeps } from "./sync/push-intake.ts";
import {
  type ConnectionSyncDeps,
  type ConnectionSyncOutcome,
  syncConnection,
} from "./sync/sync-connection.ts";
import { createTwoWaySync } from "./sync/two-way-sync.ts";

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
  /** One sync of a connection in this process, now, outside the job queue (tests of several processes). */
  syncConnection(connectionId: string): Promise<ConnectionSyncOutcome | undefined>;
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

export async function startService(
  config: Config,
  options: {
    logger?: Logger;
    /** Tests run the service on a clock of their own. */
    now?: () => Date;
    /** Tests put a fault in front of provider calls (e.g. an answer lost after the provider committed). */
    providerFetch?: typeof globalThis.fetch;
    /** `calbridge serve --role` (see service-role.ts); default `all`. */
    role?: ServiceRole;
    /** How often a job-running process looks for due reminders (default 15 s; tests poll faster). */
    reminderPollMs?: number;
  } = {},
): Promise<Service> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const keyRing = resolveKeyRing(config, logger);
  const store = await openConfiguredStore(config, logger);
  const metrics = createMetrics();
  const now = options.now ?? (() => new Date());
  let jobs: JobEngine | undefined;
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>> | undefined;
  let rateLimits: RateLimitStore | undefined;
  // Feeds are parsed and expanded in worker threads: a hostile feed costs a worker, never the event loop.
  const feedReader = createFeedWorkerPool({
    size: config.icsFeeds.workers,
    timeBudgetMs: config.icsFeeds.timeBudgetMs,
    maxOccurrences: config.icsFeeds.maxOccurrences,
  });
  let availabilityListener: AvailabilityListener | undefined;
  let reminderPoller: { stop(): Promise<void> } | undefined;
  try {
    jobs = await startJobEngine({
      store,
      databaseUrl: config.databaseUrl,
      logger,
      metrics,
      work: runsJobs(options.role ?? "all"),
    });
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
    rateLimits = config.redisUrl
      ? connectRateLimitStore({
          redisUrl: config.redisUrl,
          onError: (error) =>
            logger.warn({ err: error }, "Redis unreachable: rate limits are not enforced until it is back"),
        })
      : perProcessRateLimits;
    const mailer = createMailer({ ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}), logger });
    const mailFrom = parseMailbox(config.mailFrom);
    // One SSRF guard for every URL a tenant gives: feeds, webhook endpoints (and CalDAV servers to come).
    const outbound = createOutboundGuard({ allow: config.outboundAllow });
    await registerWebhookJobs({ jobs: startedJobs, db: store.db, keyRing, logger, outbound });
    await registerAuditRetentionJob({
      jobs: startedJobs,
      db: store.db,
      retentionDays: config.auditRetentionDays,
      logger,
      now,
    });
    const mailDeps = {
      jobs: startedJobs,
      db: store.db,
      mailer,
      keyRing,
      publicUrl: config.publicUrl,
      from: mailFrom,
      logger,
    };
    await registerBookingMailJob(mailDeps);
    const microsoft = microsoftSettingsOf(config, sandbox?.endpoints);
    const microsoftHttp = createProviderHttp({
      provider: "microsoft",
      metrics: metrics.provider,
      ...(options.providerFetch ? { fetch: options.providerFetch } : {}),
    });
    const microsoftOAuth = microsoft
      ? createOAuthClient({ settings: microsoftOAuthSettings(microsoft), http: microsoftHttp, now })
      : undefined;
    // CalDAV servers are URLs a tenant gives: every request and redirect hop goes through the address policy.
    const caldavHttp = createProviderHttp({
      provider: "caldav",
      metrics: metrics.provider,
      fetch: createGuardedProviderFetch({
        guard: outbound,
        maxBytes: config.icsFeeds.maxBytes,
        timeoutMs: config.icsFeeds.timeoutMs,
      }),
    });
    const google = googleSettingsOf(config, sandbox?.endpoints);
    const googleHttp = createProviderHttp({
      provider: "google",
      metrics: metrics.provider,
      // Google also throttles with 403 rateLimitExceeded / userRateLimitExceeded.
      isThrottled: isGoogleThrottled,
      ...(options.providerFetch ? { fetch: options.providerFetch } : {}),
    });
    const googleOAuth = google
      ? createOAuthClient({ settings: googleOAuthSettings(google), http: googleHttp, now })
      : undefined;
    const sourceSettings: SourceSettings = {
      keyRing,
      icsFeeds: {
        guard: outbound,
        maxBytes: config.icsFeeds.maxBytes,
        timeoutMs: config.icsFeeds.timeoutMs,
        reader: feedReader,
      },
      ...(microsoft && microsoftOAuth
        ? { microsoft: { oauth: microsoftOAuth, graphUrl: microsoft.graphUrl, http: microsoftHttp } }
        : {}),
      ...(google && googleOAuth
        ? { google: { oauth: googleOAuth, apiUrl: google.apiUrl, http: googleHttp } }
        : {}),
      tokens: { db: store.db, now },
      caldav: { http: caldavHttp, now },
      // Every provider request takes a token from its connection's, tenant's and app's budgets (issue #15).
      budget: createProviderBudgetGate({
        db: store.db,
        limits: providerBudgetsWith(config.providerBudgets),
        now,
        count: (labels) => metrics.providerBudget.inc(labels),
      }),
    };
    // Public slot answers are cached for 10 s per process and dropped per host on any change, whichever process
    // makes it: on PostgreSQL the processes tell each other (LISTEN/NOTIFY); PGlite has one process.
    const slotsCache = createSlotsCache({
      ttlMs: 10_000,
      maxEntries: 5_000,
      ...(store.kind === "postgres"
        ? {
            broadcast: (change: AvailabilityChange) =>
              void notifyAvailabilityChanged(store, change).catch((error: unknown) =>
                logger.warn(
                  { err: error },
                  "availability change not broadcast; other processes' caches expire it",
                ),
              ),
          }
        : {}),
    });
    if (config.databaseUrl)
      availabilityListener = await listenForAvailabilityChanges({
        databaseUrl: config.databaseUrl,
        onChange: (change) => slotsCache.apply(change),
        onMissed: () => slotsCache.apply("all"),
        onError: (error) =>
          logger.warn({ err: error }, "availability listener lost its connection; reconnecting"),
      });
    const freshness = {
      staleAfterMs: config.staleCalendar.minutes * 60_000,
      stale: config.staleCalendar.policy,
      windowDays: config.syncWindowDays,
    };
    const bookings = createBookingService({
      freshness,
      onAvailabilityChanged: (change) => slotsCache.invalidate(change),
      db: store.db,
      now,
      events: createBookingEffects({ jobs: startedJobs, logger, now, mailEnabled: Boolean(config.smtpUrl) }),
      uidDomain: new URL(config.publicUrl).hostname,
    });
    const connectionEvents = createConnectionEvents({ db: store.db, jobs: startedJobs, now });
    const sources = createSourceFactory(sourceSettings);
    // Push (Graph change notifications, Google channels) needs a PUBLIC_URL the provider can reach over https;
    // without one the calendars are polled every minute. The sandboxes also accept http on loopback.
    const pushEndpoints: Partial<Record<ProviderKind, PushEndpoints>> = {};
    const pushApis: Array<[ProviderKind, string, string | undefined]> = [
      ["microsoft", "Microsoft", microsoft?.graphUrl],
      ["google", "Google", google?.apiUrl],
    ];
    for (const [provider, name, apiUrl] of pushApis) {
      if (!apiUrl) continue;
      const push = pushEndpointsOf({
        publicUrl: config.publicUrl,
        provider,
        allowLoopbackHttp: isLoopbackUrl(apiUrl),
      });
      if (push.ok) pushEndpoints[provider] = push.endpoints;
      else
        logger.warn(
          { reason: push.reason },
          `push notifications off: ${name} calendars are polled every minute`,
        );
    }
    const channels: PushChannelDeps = {
      db: store.db,
      sources,
      events: connectionEvents,
      logger,
      now,
      endpoints: pushEndpoints,
      requestSync: (connectionId) => enqueueConnectionSync(startedJobs, connectionId),
    };
    await registerPushChannelJobs({ jobs: startedJobs, channels });
    const pushIntake: PushIntakeDeps = {
      db: store.db,
      logger,
      requestSync: (connectionId) => enqueueConnectionSync(startedJobs, connectionId),
      requestRenewal: (connectionId, reauthorize) =>
        enqueueChannelWork(startedJobs, { connectionId, reauthorize }),
      count: (labels) => metrics.pushNotifications.inc(labels),
    };
    const twoWaySync = createTwoWaySync({ db: store.db, bookings, jobs: startedJobs, logger, now });
    await registerCalendarWriteJobs({
      jobs: startedJobs,
      db: store.db,
      sources,
      events: connectionEvents,
      keyRing,
      publicUrl: config.publicUrl,
      logger,
      now,
      hostVersions: twoWaySync,
    });
    await registerManagedEventWriteJobs({
      jobs: startedJobs,
      db: store.db,
      sources,
      events: connectionEvents,
      logger,
      now,
    });
    const managedEvents = createManagedEventsService({
      db: store.db,
      jobs: startedJobs,
      now,
      onAvailabilityChanged: (change) => slotsCache.invalidate(change),
    });
    await registerBusyRetentionJob({ jobs: startedJobs, db: store.db, logger, now });
    await registerHoldCleanupJob({ jobs: startedJobs, db: store.db, logger, now });
    await registerReminderMailJob({ ...mailDeps, now });
    if (runsJobs(options.role ?? "all"))
      reminderPoller = startReminderPoller({
        db: store.db,
        jobs: startedJobs,
        logger,
        now,
        mailEnabled: Boolean(config.smtpUrl),
        intervalMs: options.reminderPollMs ?? 15_000,
      });
    const oauthPollMinutes = config.calendarPollMinutes ?? 1;
    const syncDeps: ConnectionSyncDeps = {
      db: store.db,
      sources,
      events: connectionEvents,
      logger,
      now,
      window: horizonSyncWindow({
        db: store.db,
        maxDays: config.syncWindowDays,
        staleMinutes: config.staleCalendar.minutes,
      }),
      ownEvents: combineOwnEvents(
        twoWaySync,
        createManagedTwoWaySync({
          db: store.db,
          jobs: startedJobs,
          logger,
          now,
          onAvailabilityChanged: (change) => slotsCache.invalidate(change),
        }),
      ),
      onBusyChanged: ({ tenantId, hostId }) => slotsCache.invalidate({ tenantId, hostIds: [hostId] }),
    };
    await registerCalendarSyncJobs({
      jobs: startedJobs,
      sync: syncDeps,
      concurrency: config.syncConcurrency,
      pollMinutes: {
        ics: config.icsFeeds.pollMinutes,
        microsoft: oauthPollMinutes,
        google: oauthPollMinutes,
        caldav: oauthPollMinutes,
      },
      // Calendars with a live channel: 10 minutes (a lost notification costs at most that); others keep 1.
      pushPollMinutes: Object.fromEntries(
        Object.keys(pushEndpoints).map((provider) => [provider, config.calendarPollMinutes ?? 10]),
      ),
      afterSync: async (connectionId, outcome) => {
        if (Object.keys(pushEndpoints).length === 0 || !outcome || outcome.status === "skipped") return;
        if (outcome.error?.kind === "auth_revoked" || outcome.error?.kind === "rate_limited") return;
        try {
          await maintainChannels(channels, { connectionId });
        } catch (error) {
          // The sync itself succeeded; the channel job and the next sync try again.
          logger.warn({ err: error, connectionId }, "push channels not maintained after sync");
        }
      },
    });
    const connectFlow: ConnectFlowDeps = {
      db: store.db,
      keyRing,
      publicUrl: config.publicUrl,
      now,
      events: connectionEvents,
      connectors: {
        ...(microsoft && microsoftOAuth
          ? {
              microsoft: {
                client: microsoftOAuth,
                displayName: "Microsoft 365",
                readAccount: ({ accessToken, tokens }) =>
                  readGraphAccount({
                    client: createGraphClient({
                      graphUrl: microsoft.graphUrl,
                      http: microsoftHttp,
                      account: "connect",
                      tokens: fixedAccessToken(accessToken),
                    }),
                    clientInfo:
                      typeof tokens.extra.client_info === "string" ? tokens.extra.client_info : undefined,
                  }),
              },
            }
          : {}),
        ...(google && googleOAuth
          ? {
              google: {
                client: googleOAuth,
                displayName: "Google Calendar",
                checkGrant: checkGoogleGrant,
                readAccount: ({ accessToken, tokens }) =>
                  readGoogleAccount({
                    client: createGoogleClient({
                      apiUrl: google.apiUrl,
                      http: googleHttp,
                      account: "connect",
                      tokens: fixedAccessToken(accessToken),
                    }),
                    tokens,
                  }),
              },
            }
          : {}),
      },
      requestSync: (connectionId) => enqueueConnectionSync(startedJobs, connectionId),
      stopChannels: (connection) => stopChannels(channels, connection),
    };
    const adminToken = newAdminToken();
    const server = await buildServer({
      keyRing,
      jobs: startedJobs,
      horizonChanged: horizonResync({
        db: store.db,
        window: syncDeps.window,
        now,
        requestSync: (connectionId) => enqueueConnectionSync(startedJobs, connectionId),
      }),
      connections: {
        db: store.db,
        keyRing,
        outbound,
        requestSync: async (connectionId) => {
          await enqueueConnectionSync(startedJobs, connectionId);
          return "queued";
        },
        connect: connectFlow,
        caldav: createCalDavConnector(caldavHttp),
      },
      connectionRooms: {
        db: store.db,
        sources,
        events: connectionEvents,
        roomsEnabled: config.microsoftEndpoints.rooms,
      },
      booking: {
        db: store.db,
        bookings,
        keyRing,
        publicUrl: config.publicUrl,
        now,
        organizerFallback: { ...(mailFrom.name ? { name: mailFrom.name } : {}), email: mailFrom.address },
        freshness,
        publicRateLimitPerMinute:
          config.publicRateLimitPerMinute === 0 ? false : config.publicRateLimitPerMinute,
        slotsCache,
        rateLimitStore: rateLimits,
        holdSettings: config.holds,
      },
      outbound,
      extraTenantRoutes: [
        managedEventRoutes({ db: store.db, managedEvents }),
        connectionSwitchRoutes({
          db: store.db,
          onAvailabilityChanged: (change) => slotsCache.invalidate(change),
          requestSync: (connectionId) => enqueueConnectionSync(startedJobs, connectionId),
        }),
        calendarEventRoutes({ db: store.db }),
      ],
      extraPublicRoutes: [
        adminRoutes({ db: store.db, adminToken }),
        oauthCallbackRoutes(connectFlow),
        providerNotificationRoutes({
          intake: pushIntake,
          rateLimitPerMinute: config.pushRateLimitPerMinute === 0 ? false : config.pushRateLimitPerMinute,
          rateLimitStore: rateLimits,
        }),
      ],
      db: store.db,
      logger,
      metrics,
      version,
      trustProxy: config.trustProxy,
      publicUrl: config.publicUrl,
      portal: config.portal,
      readiness: [
        { name: "database", check: async () => void (await store.executeSql("select 1", [])) },
        { name: "jobs", check: () => readJobBacklog(store) },
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
    logger.info(
      { url: address, docs: `${config.publicUrl}/docs`, role: options.role ?? "all" },
      "Calbridge is listening",
    );
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
      syncConnection: (connectionId) => syncConnection(syncDeps, connectionId),
      stop() {
        // Order matters: stop taking requests, drain running jobs, then close the database they use.
        stopping ??= (async () => {
          withdrawHandoff();
          await server.close();
          const deadline = Date.now() + 15_000;
          while (inFlight > 0 && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 20));
          await reminderPoller?.stop();
          await startedJobs.stop();
          await feedReader.close();
          await availabilityListener?.close();
          await store.close();
          await rateLimits?.close();
          await sandbox?.stop();
          logger.info("Calbridge stopped");
        })();
        return stopping;
      },
    };
  } catch (error) {
    await reminderPoller?.stop();
    await jobs?.stop({ timeoutMs: 1000 }).catch(() => undefined);
    await sandbox?.stop().catch(() => undefined);
    await rateLimits?.close();
    await feedReader.close();
    await availabilityListener?.close();
    await store.close();
    throw error;
  }
}

/**
 * The Entra app and endpoints: the configured ones, or (no credentials, sandbox running) the sandbox's demo web app,
 * so a newcomer connects the seeded Outlook account end to end out of the box.
 */
export function microsoftSettingsOf(
  config: Config,
  sandbox: SandboxEndpoints | undefined,
): MicrosoftSettings | undefined {
  if (config.microsoft) {
    return {
      clientId: config.microsoft.clientId,
      clientSecret: config.microsoft.clientSecret,
      ...config.microsoftEndpoints,
    };
  }
  const demo = sandbox?.microsoft.clients.find((client) => client.kind === "web" && client.clientSecret);
  if (!sandbox || !demo) return undefined;
  return {
    clientId: demo.clientId,
    clientSecret: demo.clientSecret ?? undefined,
    tenant: "common",
    loginUrl: sandbox.microsoft.url,
    graphUrl: sandbox.microsoft.graph,
    rooms: config.microsoftEndpoints.rooms,
  };
}

/**
 * The Google OAuth client and endpoints: the configured ones, or (no credentials, sandbox running) the sandbox's demo
 * client, so the seeded Google account connects out of the box.
 */
export function googleSettingsOf(
  config: Config,
  sandbox: SandboxEndpoints | undefined,
): GoogleSettings | undefined {
  if (config.google) {
    return {
      clientId: config.google.clientId,
      clientSecret: config.google.clientSecret,
      ...config.googleEndpoints,
    };
  }
  const demo = sandbox?.google.clients.find((client) => client.clientSecret);
  if (!sandbox || !demo) return undefined;
  return {
    clientId: demo.clientId,
    clientSecret: demo.clientSecret ?? undefined,
    authUrl: sandbox.google.authUrl,
    tokenUrl: sandbox.google.tokenUrl,
    apiUrl: sandbox.google.calendarRoot,
    rooms: config.googleEndpoints.rooms,
  };
}

/** `Name <address>` or a bare address, as MAIL_FROM is written. */
export function parseMailbox(value: string): { name?: string; address: string } {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(value);
  if (!match) return { address: value.trim() };
  return match[1] ? { name: match[1].replace(/^"|"$/g, ""), address: match[2]! } : { address: match[2]! };
}
