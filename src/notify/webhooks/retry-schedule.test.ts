import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_WEBHOOK_ATTEMPTS, nextRetryDelayMs, WEBHOOK_RETRY_SCHEDULE_MS } from "./retry-schedule.ts";

describe("nextRetryDelayMs", () => {
  it("follows the Standard Webhooks schedule without jitter at the midpoint", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((failedAttempts) =>
      nextRetryDelayMs({ failedAttempts, random: () => 0.5 }),
    );
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(MAX_WEBHOOK_ATTEMPTS).toBe(8);
  });

  it("gives up after the last scheduled retry", () => {
    expect(nextRetryDelayMs({ failedAttempts: 8, random: () => 0.5 })).toBeUndefined();
    expect(nextRetryDelayMs({ failedAttempts: 0, random: () => 0.5 })).toBeUndefined();
  });

  it("keeps jitter within ±20 % and never shortens a receiver's Retry-After", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 100_000_000 }), { nil: undefined }),
        (failedAttempts, jitter, retryAfterMs) => {
          const base = WEBHOOK_RETRY_SCHEDULE_MS[failedAttempts - 1] ?? 0;
          const delay = nextRetryDelayMs({ failedAttempts, random: () => jitter, retryAfterMs }) ?? -1;
          expect(delay).toBeGreaterThanOrEqual(Math.max(Math.round(base * 0.8), retryAfterMs ?? 0));
          expect(delay).toBeLessThanOrEqual(Math.max(Math.round(base * 1.2), retryAfterMs ?? 0));
        },
      ),
    );
  });
});
