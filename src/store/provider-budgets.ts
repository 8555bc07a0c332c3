import { asc, inArray, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { providerBudgets } from "./schema.ts";

/** A token bucket: holds at most `capacity` tokens and gains `perMinute` tokens a minute. */
export interface BucketLimit {
  key: string;
  capacity: number;
  perMinute: number;
}

export type BudgetAnswer = { ok: true } | { ok: false; retryAfterMs: number; exhausted: string };

/**
 * Takes `cost` tokens from every bucket named, or from none: all rows are locked in key order (no deadlock between
 * two takers), refilled for the time since their last use, and either all have enough or the answer says how long
 * until the scarcest one will. Nothing is dropped: a caller that is refused waits `retryAfterMs` and asks again.
 */
export async function takeProviderBudget(
  db: Database,
  params: { buckets: BucketLimit[]; cost?: number; now: Date },
): Promise<BudgetAnswer> {
  const cost = params.cost ?? 1;
  const buckets = [...params.buckets].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = buckets.map((bucket) => bucket.key);
  return db.transaction(async (tx) => {
    await tx
      .insert(providerBudgets)
      .values(buckets.map((bucket) => ({ key: bucket.key, tokens: bucket.capacity, updatedAt: params.now })))
      .onConflictDoNothing();
    const rows = await tx
      .select()
      .from(providerBudgets)
      .where(inArray(providerBudgets.key, keys))
      .orderBy(asc(providerBudgets.key))
      .for("update");
    const levels = new Map<string, number>();
    let wait: { ms: number; key: string } | undefined;
    for (const bucket of buckets) {
      const row = rows.find((candidate) => candidate.key === bucket.key)!;
      const elapsedMinutes = Math.max(0, params.now.getTime() - row.updatedAt.getTime()) / 60_000;
      const level = Math.min(bucket.capacity, row.tokens + elapsedMinutes * bucket.perMinute);
      levels.set(bucket.key, level);
      if (level < cost) {
        const ms = Math.ceil(((cost - level) / bucket.perMinute) * 60_000);
        if (!wait || ms > wait.ms) wait = { ms, key: bucket.key };
      }
    }
    for (const bucket of buckets) {
      const level = levels.get(bucket.key)!;
      await tx
        .update(providerBudgets)
        .set(
          wait
            ? { tokens: level, updatedAt: params.now, delayed: sql`${providerBudgets.delayed} + 1` }
            : { tokens: level - cost, updatedAt: params.now, used: sql`${providerBudgets.used} + ${cost}` },
        )
        .where(inArray(providerBudgets.key, [bucket.key]));
    }
    return wait ? { ok: false, retryAfterMs: wait.ms, exhausted: wait.key } : { ok: true };
  });
}

/** The budgets' use, for metrics: tokens left, tokens taken and refusals per key. */
export async function readProviderBudgets(
  db: Database,
): Promise<Array<{ key: string; tokens: number; used: number; delayed: number }>> {
  return db
    .select({
      key: providerBudgets.key,
      tokens: providerBudgets.tokens,
      used: providerBudgets.used,
      delayed: providerBudgets.delayed,
    })
    .from(providerBudgets)
    .orderBy(asc(providerBudgets.key));
}
