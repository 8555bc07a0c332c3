import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRateLimitStore, type RateLimitStore } from "../src/server/rate-limit-store.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { openTestStore } from "./support/test-stores.ts";

// Two servers stand for two processes behind one load balancer: what matters is where each keeps its counters.
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function probeRedis(): Promise<string | undefined> {
  const probe = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    probe.disconnect();
  }
}

const redisProblem = await probeRedis();
if (redisProblem)
  process.stderr.write(`[tests] Redis cases skipped: ${redisUrl} unreachable (${redisProblem})\n`);

describe("the public rate limit across processes (3 requests per minute per client)", () => {
  let store: Store;
  let dispose: () => Promise<void>;
  const stores: RateLimitStore[] = [];
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore("pglite"));
  });
  afterAll(async () => {
    for (const shared of stores) await shared.close();
    await dispose();
  });

  /** Status codes of 6 requests from one client, alternating between the two servers. */
  async function alternate(limits: [RateLimitStore | undefined, RateLimitStore | undefined]) {
    const apps = await Promise.all(
      limits.map(async (rateLimitStore) => {
        const { app } = await buildBookingTestApp(store, {
          rateLimitPerMinute: 3,
          ...(rateLimitStore ? { rateLimitStore } : {}),
        });
        return app;
      }),
    );
    // A client of its own per run: counters in Redis outlive a run by up to a minute.
    const client = `198.51.${randomInt(256)}.${randomInt(1, 255)}`;
    const codes: number[] = [];
    for (let n = 0; n < 6; n++) {
      const response = await apps[n % 2]!.inject({
        url: "/v1/public/no-tenant/no-event",
        remoteAddress: client,
      });
      codes.push(response.statusCode);
    }
    for (const app of apps) await app.close();
    return codes;
  }

  it("counts per process without REDIS_URL: two processes allow twice the limit", async () => {
    expect(await alternate([undefined, undefined])).toEqual([404, 404, 404, 404, 404, 404]);
  });

  it.runIf(!redisProblem)(
    "counts across processes with REDIS_URL: the limit holds for the deployment",
    async () => {
      const connect = () => {
        const shared = connectRateLimitStore({ redisUrl, onError: () => {} });
        stores.push(shared);
        return shared;
      };
      expect(await alternate([connect(), connect()])).toEqual([404, 404, 404, 429, 429, 429]);
    },
  );
});
