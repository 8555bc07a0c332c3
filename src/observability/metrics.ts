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
  return { registry, httpRequests, httpDuration, jobsCompleted };
}

export type Metrics = ReturnType<typeof createMetrics>;
