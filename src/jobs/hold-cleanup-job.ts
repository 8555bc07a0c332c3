import type { Logger } from "../observability/logger.ts";
import type { Database } from "../store/database.ts";
import { deleteExpiredHolds } from "../store/slot-holds-repository.ts";
import type { JobEngine } from "./job-engine.ts";

export const HOLD_CLEANUP_QUEUE = "slot-hold-cleanup";

/**
 * Deletes expired slot holds every minute. Queries already ignore them (they compare expires_at with the clock): the
 * job only keeps the table small.
 */
export async function registerHoldCleanupJob(deps: {
  jobs: JobEngine;
  db: Database;
  logger: Logger;
  now: () => Date;
}): Promise<void> {
  await deps.jobs.register<Record<string, never>>({
    name: HOLD_CLEANUP_QUEUE,
    retryLimit: 0,
    expireInSeconds: 300,
    handle: async () => {
      const deleted = await deleteExpiredHolds(deps.db, deps.now());
      if (deleted > 0) deps.logger.debug({ deleted }, "expired slot holds deleted");
    },
  });
  await deps.jobs.boss.schedule(HOLD_CLEANUP_QUEUE, "* * * * *", {});
}
