import type { Store } from "../store/database.ts";
import { CALENDAR_SYNC_QUEUE } from "./calendar-sync-jobs.ts";

export type JobBacklog = {
  /** Jobs due now that no worker has fetched yet (every queue). */
  backlog: number;
  /** Seconds the oldest due calendar sync has waited; null when none waits. */
  oldestWaitingSyncSeconds: number | null;
};

/**
 * What `/readyz` reports about the job queues: a growing backlog or an old waiting sync means the workers are too
 * few (or none runs: `--role api` processes only enqueue). Read from pg-boss's table, on the database's clock.
 */
export async function readJobBacklog(store: Store, schema = "pgboss"): Promise<JobBacklog> {
  const rows = await store.executeSql(
    `select count(*)::int as backlog,
            extract(epoch from now() - min(created_on) filter (where name = $1))::float8 as oldest
       from ${schema}.job
      where state in ('created', 'retry') and start_after <= now()`,
    [CALENDAR_SYNC_QUEUE],
  );
  const row = rows.rows[0] as { backlog: number; oldest: number | null } | undefined;
  return {
    backlog: Number(row?.backlog ?? 0),
    oldestWaitingSyncSeconds: row?.oldest == null ? null : Math.round(Number(row.oldest) * 10) / 10,
  };
}
