import { type SQL, sql } from "drizzle-orm";
import type { Database, SqlExecutor } from "./database.ts";

/**
 * Positional SQL (`$1`, `$2`, ...) run through a Drizzle handle, typically a transaction: pg-boss takes such an
 * executor for `send`/`insert`, so a job can be enqueued in the same transaction as the change it follows and
 * commit or roll back with it.
 */
export function sqlExecutorOf(db: Database): SqlExecutor {
  return {
    async executeSql(text, values = []) {
      const chunks: SQL[] = [];
      let last = 0;
      for (const match of text.matchAll(/\$(\d+)/g)) {
        chunks.push(sql.raw(text.slice(last, match.index)));
        const position = Number(match[1]);
        if (position < 1 || position > values.length) {
          throw new RangeError(`SQL refers to $${position} but ${values.length} values were given`);
        }
        // Explicitly a parameter: Drizzle drops an interpolated `undefined`, which node-postgres sends as NULL.
        chunks.push(sql`${sql.param(values[position - 1] ?? null)}`);
        last = match.index + match[0].length;
      }
      chunks.push(sql.raw(text.slice(last)));
      const result = (await db.execute(sql.join(chunks))) as unknown as { rows: Record<string, unknown>[] };
      return { rows: result.rows };
    },
  };
}
