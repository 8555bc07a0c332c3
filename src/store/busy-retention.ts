import { sql } from "drizzle-orm";
import type { Database } from "./database.ts";

/**
 * Busy rows that ended before `before` are no use to availability (nothing is offered in the past) and only cost
 * reads and index size: deleted in batches, so a first run over a long history never holds one huge transaction.
 * Returns how many went.
 */
export async function deletePastBusyRows(
  db: Database,
  params: { before: Date; batchSize?: number },
): Promise<number> {
  const batchSize = params.batchSize ?? 10_000;
  let deleted = 0;
  for (;;) {
    const result = await db.execute(sql`
      delete from busy_intervals where id in (
        select id from busy_intervals where end_at < ${params.before.toISOString()}::timestamptz limit ${batchSize}
      )`);
    const count = rowCountOf(result);
    deleted += count;
    if (count < batchSize) return deleted;
  }
}

/** node-postgres reports `rowCount`, PGlite `affectedRows`. */
function rowCountOf(result: unknown): number {
  const { rowCount, affectedRows } = result as { rowCount?: number | null; affectedRows?: number };
  return rowCount ?? affectedRows ?? 0;
}
