import PgBoss from "pg-boss";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { SqlExecutor, Store } from "../store/database.ts";

/**
 * pg-boss is the one job engine. On PostgreSQL it uses its own connection pool, so several service processes share
 * the queues and each job runs once (pg-boss fetches with SELECT ... FOR UPDATE SKIP LOCKED). In embedded mode it
 * runs in-process on the same PGlite database through its `db.executeSql` adapter: same engine, same semantics.
 */
export interface JobDefinition<Data extends object> {
  name: string;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /**
   * pg-boss queue policy: `stately` keeps at most one queued and one running job per singleton key (a sync asked for
   * while one runs is queued once, never lost and never piled up); `singleton` runs one job per key at a time and
   * keeps every queued one (the changes of one booking are written in order, none dropped).
   */
  policy?: "standard" | "stately" | "singleton";
  /** How many jobs one worker fetches at once; each is handled on its own. */
  batchSize?: number;
  /** Workers this process runs on the queue, each fetching and handling on its own (default 1). */
  concurrency?: number;
  handle(data: Data, job: { id: string; retryCount: number }): Promise<void>;
}

export interface JobEngine {
  boss: PgBoss;
  register<Data extends object>(definition: JobDefinition<Data>): Promise<void>;
  send<Data extends object>(name: string, data: Data, options?: PgBoss.SendOptions): Promise<string | null>;
  /**
   * Several jobs in one statement; with `db` (see `sqlExecutorOf`) inside the caller's transaction, so the jobs
   * exist exactly when the change that asked for them committed.
   */
  insert(jobs: PgBoss.JobInsert[], options?: { db?: SqlExecutor }): Promise<void>;
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export async function startJobEngine(params: {
  store: Store;
  databaseUrl?: string | undefined;
  logger: Logger;
  metrics?: Metrics;
  schema?: string;
  pollingIntervalSeconds?: number;
  /**
   * false (an `api` process, see service-role.ts): queues are created and jobs sent, but none is fetched here, and
   * neither the maintenance nor the cron clock runs; the worker processes do all of that.
   */
  work?: boolean;
}): Promise<JobEngine> {
  const work = params.work ?? true;
  const common = {
    schema: params.schema ?? "pgboss",
    // Our own maintenance cadence is fine; the defaults poll every 2 s, which is what we want for mail and webhooks.
    supervise: work,
    schedule: work,
    migrate: true,
  };
  const boss =
    params.store.kind === "postgres"
      ? new PgBoss({
          ...common,
          connectionString: params.databaseUrl,
          max: 4,
          application_name: "calbridge-jobs",
        })
      : new PgBoss({
          ...common,
          db: { executeSql: (text, values) => params.store.executeSql(text, values) },
        });
  // Background failures go to the log on a typed channel; nothing is swallowed.
  boss.on("error", (error) => params.logger.error({ err: error }, "job engine error"));
  // Creating the job schema and the queues is DDL: replicas starting at once deadlock on it unless serialised.
  await params.store.exclusively(() => boss.start());
  const pollingIntervalSeconds = params.pollingIntervalSeconds ?? 1;

  return {
    boss,
    async register(definition) {
      await params.store.exclusively(async () => {
        await boss.createQueue(definition.name, {
          name: definition.name,
          retryLimit: definition.retryLimit ?? 5,
          retryDelay: definition.retryDelaySeconds ?? 5,
          retryBackoff: definition.retryBackoff ?? true,
          expireInSeconds: definition.expireInSeconds ?? 300,
          ...(definition.policy ? { policy: definition.policy } : {}),
        });
        // createQueue leaves an existing queue as it was: bring its policy up to date.
        if (definition.policy)
          await boss.updateQueue(definition.name, { name: definition.name, policy: definition.policy });
      });
      if (!work) return;
      for (let worker = 0; worker < (definition.concurrency ?? 1); worker++)
        await boss.work<Parameters<typeof definition.handle>[0]>(
          definition.name,
          { batchSize: definition.batchSize ?? 1, pollingIntervalSeconds, includeMetadata: true },
          async (jobs) => {
            for (const job of jobs) {
              const log = params.logger.child({
                queue: definition.name,
                jobId: job.id,
                attempt: job.retryCount + 1,
              });
              try {
                await definition.handle(job.data, { id: job.id, retryCount: job.retryCount });
                params.metrics?.jobsCompleted.inc({ queue: definition.name, outcome: "completed" });
              } catch (error) {
                params.metrics?.jobsCompleted.inc({ queue: definition.name, outcome: "failed" });
                log.warn({ err: error }, "job failed; pg-boss will retry it while retries remain");
                throw error;
              }
            }
          },
        );
    },
    send(name, data, options) {
      return options ? boss.send(name, data, options) : boss.send(name, data);
    },
    async insert(jobs, options = {}) {
      if (jobs.length === 0) return;
      await boss.insert(jobs, options.db ? { db: options.db } : {});
    },
    async stop(options = {}) {
      // Graceful: stop fetching, let running handlers finish (up to the timeout), then close.
      await boss.stop({ graceful: true, wait: true, close: true, timeout: options.timeoutMs ?? 30_000 });
    },
  };
}
