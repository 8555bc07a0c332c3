import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** One registry per service instance (tests build several in one process, so no global default registry). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "calbridge_" });
  const httpRequests = new Counter({
    name: "calbridge_http_requests_total",
    help: "HTTP requests by method, route and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "calbridge_http_request_duration_seconds",
    help: "HTTP request duration by route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const jobsCompleted = new Counter({
    name: "calbridge_jobs_total",
    help: "Background jobs finished, by queue and outcome",
    labelNames: ["queue", "outcome"] as const,
    registers: [registry],
  });
  const pushNotifications = new Counter({
    name: "calbridge_push_notifications_total",
    help: "Provider push notifications received, by provider, kind and outcome (rejected: unknown channel or wrong secret)",
    labelNames: ["provider", "kind", "outcome"] as const,
    registers: [registry],
  });
  const provider = createProviderMetrics(registry);
  const providerBudget = new Counter({
    name: "calbridge_provider_budget_total",
    help: "Syncs that took a provider budget token (taken) or waited for one (delayed), by provider",
    labelNames: ["provider", "outcome"] as const,
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, jobsCompleted, pushNotifications, provider, providerBudget };
}

/** Calls to provider APIs (src/providers/provider-http.ts), by provider. */
export function createProviderMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: "calbridge_provider_requests_total",
      help: "Provider API requests by provider and HTTP status (timeout and network for failures)",
      labelNames: ["provider", "status"] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "calbridge_provider_request_duration_seconds",
      help: "Provider API request latency, one observation per attempt",
      labelNames: ["provider"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    retries: new Counter({
      name: "calbridge_provider_retries_total",
      help: "Provider API requests retried, by provider and reason (status, timeout, unreachable)",
      labelNames: ["provider", "reason"] as const,
      registers: [registry],
    }),
    throttles: new Counter({
      name: "calbridge_provider_throttled_total",
      help: "Provider API answers of 429 Too Many Requests",
      labelNames: ["provider"] as const,
      registers: [registry],
    }),
  };
}

export type ProviderMetrics = ReturnType<typeof createProviderMetrics>;

export type Metrics = ReturnType<typeof createMetrics>;
