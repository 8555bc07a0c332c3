import type { RateLimitPluginOptions } from "@fastify/rate-limit";
import { Redis } from "ioredis";

/**
 * Where the rate-limit counters live. Without Redis each process counts for itself (N processes allow N times the
 * limit); with REDIS_URL every process increments the same counters, so the limit holds for the deployment.
 */
export interface RateLimitStore {
  redis: Redis | undefined;
  close(): Promise<void>;
}

export const perProcessRateLimits: RateLimitStore = { redis: undefined, close: async () => {} };

export function connectRateLimitStore(params: {
  redisUrl: string;
  onError(error: Error): void;
}): RateLimitStore {
  // @fastify/rate-limit's advice: fail a counter call fast rather than queue it behind reconnects.
  const redis = new Redis(params.redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1 });
  let lastReport = 0;
  redis.on("error", (error: Error) => {
    // ioredis reports every reconnect attempt; once a minute is enough to tell an operator.
    if (Date.now() - lastReport < 60_000) return;
    lastReport = Date.now();
    params.onError(error);
  });
  return {
    redis,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * The plugin options every rate-limited route scope registers with. While Redis is unreachable requests are let
 * through (skipOnError) rather than failed: the limit protects the service, an outage of it must not take it down.
 */
export function rateLimitPluginOptions(store: RateLimitStore | undefined): RateLimitPluginOptions {
  if (!store?.redis) return { global: false };
  return { global: false, redis: store.redis, nameSpace: "calbridge:rate-limit:", skipOnError: true };
}
