import type { Logger } from "../observability/logger.ts";
import { deletePastBusyRows } from "../store/busy-retention.ts";
import type { Database } from "../store/database.ts";
import type { JobEngine } from "./job-engine.ts";

export const BUSY_RETENTION_QUEUE = "busy-retention";
/** Kept a day: the sync window starts a day back too, so a sync never re-adds what this deletes. */
export const BUSY_RETENTION_MS = 86_400_000;

/** Deletes busy rows that ended more than a day ago, every hour: the cost of availability never grows with history. */
export async function registerBusyRetentionJob(deps: {
  jobs: JobEngine;
  db: Database;
  logger: Logger;
  now: () => Date;
}): Promise<void> {
  await deps.jobs.register<Record<string, never>>({
    name: BUSY_RETENTION_QUEUE,
    retryLimit: 0,
    expireInSeconds: 900,
    handle: async () => {
      const deleted = await deletePastBusyRows(deps.db, {
        before: new Date(deps.now().getTime() - BUSY_RETENTION_MS),
      });
      if (deleted > 0) deps.logger.info({ deleted }, "past busy rows deleted");
    },
  });
  await deps.jobs.boss.schedule(BUSY_RETENTION_QUEUE, "41 * * * *", {});
}
