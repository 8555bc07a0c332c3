import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import type { Store } from "../src/store/database.ts";
import { buildBookingTestApp } from "./support/booking-test-app.ts";
import { openTestStore } from "./support/test-stores.ts";

// Behind a reverse proxy every request comes from the proxy's address: without TRUST_PROXY all visitors share one
// rate-limit bucket; with it, X-Forwarded-For names the client, but only when the proxy itself sent it.

const proxy = "127.0.0.1";
const stranger = "203.0.113.5";

describe("TRUST_PROXY and the public rate limit (1 request per minute per client)", () => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore("pglite"));
  });
  afterAll(() => dispose());

  /** Status codes of a request per (peer, X-Forwarded-For) pair, in order, on a fresh server. */
  async function statuses(
    env: Record<string, string>,
    requests: Array<[peer: string, forwardedFor: string]>,
  ) {
    const { app } = await buildBookingTestApp(store, {
      rateLimitPerMinute: 1,
      trustProxy: parseConfig(env).trustProxy,
    });
    const codes: number[] = [];
    for (const [peer, forwardedFor] of requests) {
      const response = await app.inject({
        url: "/v1/public/no-tenant/no-event",
        remoteAddress: peer,
        headers: { "x-forwarded-for": forwardedFor },
      });
      codes.push(response.statusCode);
    }
    await app.close();
    return codes;
  }

  it("ignores X-Forwarded-For when TRUST_PROXY is unset: one bucket for everyone behind the proxy", async () => {
    expect(
      await statuses({}, [
        [proxy, "198.51.100.1"],
        [proxy, "198.51.100.2"],
      ]),
    ).toEqual([404, 429]);
  });

  it("gives each forwarded client its own bucket when the proxy is trusted", async () => {
    const requests: Array<[string, string]> = [
      [proxy, "198.51.100.1"],
      [proxy, "198.51.100.2"],
      [proxy, "198.51.100.1"],
      // A client-supplied entry before the proxy's own: the proxy appends the address it saw, which counts.
      [proxy, "198.51.100.9, 198.51.100.2"],
    ];
    expect(await statuses({ TRUST_PROXY: proxy }, requests)).toEqual([404, 404, 429, 429]);
    expect(await statuses({ TRUST_PROXY: "10.0.0.0/8, 127.0.0.0/8" }, requests)).toEqual([
      404, 404, 429, 429,
    ]);
  });

  it("ignores a spoofed X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const requests: Array<[string, string]> = [
      [stranger, "198.51.100.3"],
      [stranger, "198.51.100.4"],
    ];
    expect(await statuses({ TRUST_PROXY: proxy }, requests)).toEqual([404, 429]);
  });
});
