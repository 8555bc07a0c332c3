import { eq } from "drizzle-orm";
import type { Database } from "../store/database.ts";
import { type BudgetAnswer, takeProviderBudget } from "../store/provider-budgets.ts";
import { calendarConnections } from "../store/schema.ts";

/** Syncs a minute: per connection, per tenant and provider (its fair share of the app), per provider app. */
export interface ProviderBudgetLimits {
  connectionPerMinute: number;
  tenantPerMinute: number;
  appPerMinute: number;
}

/**
 * The gate in front of a connection's sync: one token from the connection's bucket, its tenant's bucket for the
 * provider and the provider app's bucket, all or none. The tenant bucket is smaller than the app's, so one busy
 * tenant cannot use up the app-wide quota of everyone; its syncs wait, the others' go on.
 */
export function createProviderBudgetGate(deps: {
  db: Database;
  limits: ProviderBudgetLimits;
  now: () => Date;
  count?: (labels: { provider: string; outcome: "taken" | "delayed" }) => void;
}): (connectionId: string) => Promise<BudgetAnswer> {
  return async (connectionId) => {
    const [connection] = await deps.db
      .select({ tenantId: calendarConnections.tenantId, provider: calendarConnections.provider })
      .from(calendarConnections)
      .where(eq(calendarConnections.id, connectionId));
    if (!connection) return { ok: true }; // deleted meanwhile: the sync finds nothing to do
    const { limits } = deps;
    const answer = await takeProviderBudget(deps.db, {
      now: deps.now(),
      buckets: [
        {
          key: `connection:${connectionId}`,
          capacity: limits.connectionPerMinute,
          perMinute: limits.connectionPerMinute,
        },
        {
          key: `tenant:${connection.tenantId}:${connection.provider}`,
          capacity: limits.tenantPerMinute,
          perMinute: limits.tenantPerMinute,
        },
        { key: `app:${connection.provider}`, capacity: limits.appPerMinute, perMinute: limits.appPerMinute },
      ],
    });
    deps.count?.({ provider: connection.provider, outcome: answer.ok ? "taken" : "delayed" });
    return answer;
  };
}
