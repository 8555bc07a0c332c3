import type { ProviderKind } from "../core/sync/calendar-source.ts";
import type { Database } from "../store/database.ts";
import { type BudgetAnswer, takeProviderBudget } from "../store/provider-budgets.ts";

/**
 * Provider request budgets: every HTTP request to a provider API (each call through src/providers/provider-http.ts,
 * made through src/providers/budgeted-http.ts) takes one token from three buckets, all or none, kept in the
 * database so every worker process shares them:
 * - the connection's (the provider's per-mailbox / per-user limit),
 * - its tenant's share of the provider app (so one busy tenant cannot use up the app-wide quota of everyone),
 * - the provider app's (the limit the provider sets for the whole app or project).
 */
export interface RequestBudget {
  /** Requests a minute, and how many may go at once after a quiet spell (bucket size). */
  connectionPerMinute: number;
  connectionBurst: number;
  tenantPerMinute: number;
  appPerMinute: number;
}

export type ProviderBudgetLimits = Record<Exclude<ProviderKind, "ics">, RequestBudget>;

/**
 * Defaults from the providers' documented limits (provider-protocols.md 2.13, 4.7), a little under them:
 * - Microsoft Graph (Outlook): 10,000 requests per 10 minutes per app per mailbox (1,000 a minute, a burst of up to
 *   10,000), and 2,000 requests a second per app across all tenants;
 * - Google Calendar: 600 requests a minute per user per project and 10,000 a minute per project (the defaults of a
 *   new Cloud project; raise them with the quota you were granted);
 * - CalDAV servers (iCloud, Fastmail, Nextcloud, ...) publish no limits: 60 a minute per account, conservatively.
 * A tenant gets at most a quarter of the app's budget.
 */
export const defaultProviderBudgets: ProviderBudgetLimits = {
  microsoft: {
    connectionPerMinute: 900,
    connectionBurst: 9_000,
    tenantPerMinute: 25_000,
    appPerMinute: 100_000,
  },
  google: { connectionPerMinute: 540, connectionBurst: 540, tenantPerMinute: 2_250, appPerMinute: 9_000 },
  caldav: { connectionPerMinute: 60, connectionBurst: 60, tenantPerMinute: 1_500, appPerMinute: 6_000 },
};

/** The defaults with an operator's overrides (PROVIDER_BUDGETS) laid over them. */
export function providerBudgetsWith(
  overrides: Partial<Record<keyof ProviderBudgetLimits, Partial<RequestBudget>>>,
): ProviderBudgetLimits {
  return {
    microsoft: { ...defaultProviderBudgets.microsoft, ...overrides.microsoft },
    google: { ...defaultProviderBudgets.google, ...overrides.google },
    caldav: { ...defaultProviderBudgets.caldav, ...overrides.caldav },
  };
}

export interface BudgetScope {
  connectionId: string;
  tenantId: string;
  provider: ProviderKind;
}

/** Takes one request's tokens for a connection; `ics` feeds are not budgeted (a feed is one conditional GET). */
export function createProviderBudgetGate(deps: {
  db: Database;
  limits: ProviderBudgetLimits;
  now: () => Date;
  count?: (labels: { provider: string; outcome: "taken" | "delayed" }) => void;
}): (scope: BudgetScope) => Promise<BudgetAnswer> {
  return async ({ connectionId, tenantId, provider }) => {
    if (provider === "ics") return { ok: true };
    const limits = deps.limits[provider];
    const answer = await takeProviderBudget(deps.db, {
      now: deps.now(),
      buckets: [
        {
          key: `connection:${connectionId}`,
          capacity: limits.connectionBurst,
          perMinute: limits.connectionPerMinute,
        },
        {
          key: `tenant:${tenantId}:${provider}`,
          capacity: limits.tenantPerMinute,
          perMinute: limits.tenantPerMinute,
        },
        { key: `app:${provider}`, capacity: limits.appPerMinute, perMinute: limits.appPerMinute },
      ],
    });
    deps.count?.({ provider, outcome: answer.ok ? "taken" : "delayed" });
    return answer;
  };
}
