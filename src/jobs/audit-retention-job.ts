import type { Logger } from "../observability/logger.ts";
import { purgeAuditEntries } from "../store/audit-log-repository.ts";
import type { Database } from "../store/database.ts";
import type { JobEngine } from "./job-engine.ts";

export const AUDIT_RETENTION_QUEUE = "audit.retention";

/** Once a day, the audit entries older than the retention (AUDIT_RETENTION_DAYS, default 400) are removed. */
export async function registerAuditRetentionJob(deps: {
  jobs: JobEngine;
  db: Database;
  retentionDays: number;
  logger: Logger;
  now: () => Date;
}): Promise<void> {
  await deps.jobs.register<Record<string, never>>({
    name: AUDIT_RETENTION_QUEUE,
    retryLimit: 3,
    async handle() {
      const before = new Date(deps.now().getTime() - deps.retentionDays * 86_400_000);
      const removed = await purgeAuditEntries(deps.db, { before });
      deps.logger.info({ removed, retentionDays: deps.retentionDays }, "audit retention applied");
    },
  });
  await deps.jobs.boss.schedule(AUDIT_RETENTION_QUEUE, "17 3 * * *", {});
}
