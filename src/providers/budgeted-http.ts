import type { BudgetAnswer } from "../store/provider-budgets.ts";
import type { ProviderHttp } from "./provider-http.ts";

/**
 * The provider HTTP layer of one connection, behind its request budgets (src/jobs/provider-budget-gate.ts): every
 * request made through it first takes a token from the connection's, its tenant's and the provider app's buckets.
 * A short wait for a token is slept through; a longer one is not sent and answers `held` with the time to come back,
 * which the adapters map to `rate_limited`: the sync stops where it is and is queued again for then (its listing
 * resumes), so work is delayed, never dropped.
 */
export function withRequestBudget(
  http: ProviderHttp,
  options: {
    take: () => Promise<BudgetAnswer>;
    /** The longest wait for a token slept through (default 5 s). */
    maxWaitMs?: number;
    sleep?: (ms: number) => Promise<void>;
  },
): ProviderHttp {
  const maxWaitMs = options.maxWaitMs ?? 5_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async request(request) {
      let waited = 0;
      for (;;) {
        const answer = await options.take();
        if (answer.ok) return http.request(request);
        if (waited + answer.retryAfterMs > maxWaitMs)
          return { kind: "held", retryAfterMs: answer.retryAfterMs, budget: answer.exhausted };
        waited += answer.retryAfterMs;
        await sleep(answer.retryAfterMs);
      }
    },
  };
}
