import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Metrics } from "../../observability/metrics.ts";
import { errorBody } from "../error-handler.ts";
import { errorResponseSchema } from "../schemas.ts";

export interface ReadinessCheck {
  name: string;
  /** Throws when the dependency is not ready; may answer figures worth showing (reported under `details`). */
  check(): Promise<undefined | Record<string, number | null>>;
}

/** Liveness (the process answers), readiness (its dependencies answer) and Prometheus metrics. */
export function healthRoutes(deps: {
  checks: ReadinessCheck[];
  metrics: Metrics;
  version: string;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/healthz",
      {
        schema: {
          tags: ["Operations"],
          summary: "Liveness",
          response: { 200: z.object({ status: z.literal("ok"), version: z.string() }) },
        },
      },
      async () => ({ status: "ok" as const, version: deps.version }),
    );

    app.get(
      "/readyz",
      {
        schema: {
          tags: ["Operations"],
          summary: "Readiness: database and job engine reachable, with the job backlog",
          response: {
            200: z.object({
              status: z.literal("ready"),
              checks: z.record(z.string(), z.string()),
              details: z.record(z.string(), z.record(z.string(), z.number().nullable())).optional(),
            }),
            503: errorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        const results: Record<string, string> = {};
        const details: Record<string, Record<string, number | null>> = {};
        let ready = true;
        for (const check of deps.checks) {
          try {
            const figures = await check.check();
            if (figures) details[check.name] = figures;
            results[check.name] = "ok";
          } catch (error) {
            ready = false;
            results[check.name] = "failing";
            request.log.warn({ err: error, check: check.name }, "readiness check failed");
          }
        }
        if (!ready)
          return reply.status(503).send(errorBody("unavailable", "A dependency is not ready.", results));
        return {
          status: "ready" as const,
          checks: results,
          ...(Object.keys(details).length > 0 ? { details } : {}),
        };
      },
    );

    app.get(
      "/metrics",
      { schema: { tags: ["Operations"], summary: "Prometheus metrics", hide: false } },
      async (_request, reply) => {
        reply.header("content-type", deps.metrics.registry.contentType);
        return deps.metrics.registry.metrics();
      },
    );
  };
}
