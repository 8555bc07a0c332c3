import { Agent, get } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKnownTimeZone, TIME_ZONE_MEMO_ENTRIES, timeZoneMemoSize } from "../src/core/time/time-zone.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { openTestStore } from "./support/test-stores.ts";

// Every in-memory map keyed by request input is bounded: a visitor sending endless distinct strings must not grow
// the process. Asserted on the map's size (deterministic), not on heap figures or time. Real HTTP rather than
// fastify.inject, which itself keeps about 10 KB per injected request alive.
describe("memory keyed by request input", () => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore("pglite"));
  });
  afterAll(() => dispose());

  it("keeps the time-zone memo bounded after 100,000 distinct bogus zones (10,000 of them over HTTP)", async () => {
    const { app } = await buildBookingTestApp(store);
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Map<number, number>();
    const status = (url: string) =>
      new Promise<number>((resolve, reject) => {
        get(url, { agent }, (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        }).on("error", reject);
      });
    // Over HTTP enough to prove the edge feeds the memo and refuses each one; the rest straight into the check the
    // edge calls, so the suite doesn't spend minutes on requests.
    const total = 10_000;
    const direct = 90_000;
    let next = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let n = next++; n < total; n = next++) {
          const code = await status(
            `${base}/v1/public/acme/intro/slots?from=2030-03-01T00:00:00Z&to=2030-03-02T00:00:00Z&timeZone=Mars/Crater_${n}`,
          );
          statuses.set(code, (statuses.get(code) ?? 0) + 1);
        }
      }),
    );
    agent.destroy();
    await app.close();
    for (let n = 0; n < direct; n++) expect(isKnownTimeZone(`Venus/Crater_${n}`)).toBe(false);
    // Every one was refused at the edge, and remembered only up to the bound.
    expect([...statuses]).toEqual([[400, total]]);
    expect(timeZoneMemoSize()).toBeGreaterThan(0);
    expect(timeZoneMemoSize()).toBeLessThanOrEqual(TIME_ZONE_MEMO_ENTRIES);
    process.stdout.write(
      `[bounded-memory] heap ${Math.round(heapBefore / 1e6)} MB before, ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB after ${total + direct} zones (no forced GC)\n`,
    );
    // A generous deadline, not a timed assertion: 100,000 real requests on a shared 2-core machine.
  }, 600_000);
});
